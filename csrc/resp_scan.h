/*
 * resp_scan: a RESP multibulk request scanner, the C twin of src/protocol/parse.rs.
 *
 * One call scans as many complete requests as fit from a buffer into caller-provided
 * arrays, so the cost of crossing the FFI boundary is paid once per pipelined batch, not
 * once per request. Arguments are reported as (offset, length) spans of the buffer; nothing
 * is copied or allocated.
 *
 * Contract (the Rust wrapper in src/protocol/scan_c.rs relies on it, and re-checks it):
 *   - reads only buf[start .. len), never past len;
 *   - writes at most max_spans entries to spans and max_requests entries to counts;
 *   - every span it reports lies inside [0, len), and the counts of the reported requests
 *     add up to out->args;
 *   - out->used is the offset just past the last complete request (>= start, <= len).
 * Inline requests (first byte not '*') are not scanned: the scanner stops with
 * RESP_INLINE and the caller parses that one request itself.
 */
#ifndef DISKDB_RESP_SCAN_H
#define DISKDB_RESP_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* Limits, as parse.rs's ParseLimits with the lengths already converted to int64_t the way
 * parse.rs compares them. */
typedef struct resp_limits {
    int64_t max_bulk_len;
    int64_t max_multibulk;
    size_t max_inline;
    int unauthenticated;
} resp_limits;

/* One argument: len bytes at offset off of the scanned buffer. */
typedef struct resp_span {
    size_t off;
    size_t len;
} resp_span;

/* Why a scan stopped. */
enum resp_status {
    RESP_NEED_MORE = 0,        /* the buffer ends inside a request (or is empty) */
    RESP_LIMIT = 1,            /* max_requests requests were scanned */
    RESP_FULL = 2,             /* the next request has more arguments than spans are left */
    RESP_INLINE = 3,           /* the next request is inline: the caller parses it */
    /* Malformed input, one per ProtocolError variant. */
    RESP_ERR_MULTIBULK_LEN = -1,
    RESP_ERR_BULK_LEN = -2,
    RESP_ERR_EXPECTED_DOLLAR = -3,
    RESP_ERR_BIG_MULTIBULK_COUNT = -4,
    RESP_ERR_BIG_BULK_COUNT = -5,
    RESP_ERR_UNAUTH_MULTIBULK = -6,
    RESP_ERR_UNAUTH_BULK = -7
};

/* What a scan found. */
typedef struct resp_scan_out {
    size_t used;      /* offset just past the last complete request */
    size_t requests;  /* complete requests reported in counts */
    size_t args;      /* spans reported */
    int status;       /* an enum resp_status */
    uint8_t got;      /* for RESP_ERR_EXPECTED_DOLLAR: the byte found instead of '$' */
} resp_scan_out;

/* Scans requests from buf[start..len). counts[i] receives the argument count of request i
 * (0 for `*0` or a negative count); its arguments are the next counts[i] spans. */
void resp_scan(const uint8_t *buf, size_t len, size_t start, const resp_limits *limits, resp_span *spans, size_t max_spans,
               size_t *counts, size_t max_requests, resp_scan_out *out);

#endif
