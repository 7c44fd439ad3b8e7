/*
 * resp_scan.c: see resp_scan.h. Mirrors parse_multibulk in src/protocol/parse.rs rule for
 * rule (same limits, same error for each malformed input, same "incomplete"); the
 * differential tests in src/protocol/scan_c.rs and fuzz/ hold the two together.
 */
#include "resp_scan.h"

#include <string.h>

/* Redis 7's limits for a client that has not authenticated (parse.rs UNAUTH_*). */
#define UNAUTH_MAX_MULTIBULK 10
#define UNAUTH_MAX_BULK_LEN (16 * 1024)

/* Header results. */
#define HDR_OK 1
#define HDR_NO_CRLF 0
#define HDR_INVALID (-1)

/* scan_one's result for a complete request (not a resp_status: the scan goes on). */
#define SCANNED 100

/* Is there a "\r\n" whose '\r' is at an index >= from? (parse.rs find_crlf) */
static int has_crlf(const uint8_t *buf, size_t len, size_t from) {
    while (from + 1 < len) {
        const uint8_t *cr = memchr(buf + from, '\r', len - 1 - from);
        if (cr == NULL) return 0;
        size_t i = (size_t)(cr - buf);
        if (buf[i + 1] == '\n') return 1;
        from = i + 1;
    }
    return 0;
}

/*
 * Parses the `N\r\n` of a `*N` or `$N` header starting at from, as parse.rs's parse_len on
 * the bytes before the first CRLF: an optional '-', 1 to 19 digits, within int64_t. On
 * HDR_OK, *value is the number and *next the offset after the '\n'. The fast path reads
 * digits straight up to the CRLF; anything else asks whether a CRLF exists at all, which
 * decides between "incomplete" and "invalid" exactly as the Rust parser does.
 */
static inline int header(const uint8_t *buf, size_t len, size_t from, int64_t *value, size_t *next) {
    size_t i = from;
    int neg = 0;
    if (i < len && buf[i] == '-') {
        neg = 1;
        i++;
    }
    size_t first = i;
    uint64_t n = 0; /* at most 19 digits: never overflows 64 unsigned bits */
    while (i < len && i - first < 19 && buf[i] >= '0' && buf[i] <= '9') {
        n = n * 10 + (uint64_t)(buf[i] - '0');
        i++;
    }
    if (i > first && i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n' && n <= (uint64_t)INT64_MAX) {
        *value = neg ? -(int64_t)n : (int64_t)n;
        *next = i + 2;
        return HDR_OK;
    }
    /* No digits, a stray byte, too many digits, an overflow, or the buffer ends: the
     * first CRLF (if any) is not right after a valid number. */
    return has_crlf(buf, len, from) ? HDR_INVALID : HDR_NO_CRLF;
}

/* Scans one multibulk request at buf[pos] == '*'. Returns SCANNED for a complete request
 * (its arguments in spans[0 .. *nargs), its end in *end), RESP_FULL if its arguments do
 * not fit in max_spans, or the status that stops the scan. */
static int scan_one(const uint8_t *buf, size_t len, size_t pos, const resp_limits *lim, resp_span *spans, size_t max_spans,
                    size_t *nargs, size_t *end, uint8_t *got) {
    size_t start = pos;
    int64_t count;
    int h = header(buf, len, pos + 1, &count, &pos);
    if (h == HDR_NO_CRLF) return len - start > lim->max_inline ? RESP_ERR_BIG_MULTIBULK_COUNT : RESP_NEED_MORE;
    if (h == HDR_INVALID || count > lim->max_multibulk) return RESP_ERR_MULTIBULK_LEN;
    if (lim->unauthenticated && count > UNAUTH_MAX_MULTIBULK) return RESP_ERR_UNAUTH_MULTIBULK;
    size_t n = 0;
    for (int64_t k = 0; k < count; k++) {
        if (pos >= len) return RESP_NEED_MORE;
        if (buf[pos] != '$') {
            *got = buf[pos];
            return RESP_ERR_EXPECTED_DOLLAR;
        }
        int64_t blen;
        size_t data;
        h = header(buf, len, pos + 1, &blen, &data);
        if (h == HDR_NO_CRLF) return len - pos > lim->max_inline ? RESP_ERR_BIG_BULK_COUNT : RESP_NEED_MORE;
        if (h == HDR_INVALID || blen < 0 || blen > lim->max_bulk_len) return RESP_ERR_BULK_LEN;
        if (lim->unauthenticated && blen > UNAUTH_MAX_BULK_LEN) return RESP_ERR_UNAUTH_BULK;
        /* data <= len: the header's CRLF lies inside the buffer. Redis skips the two bytes
         * after the payload without looking at them. */
        size_t room = len - data;
        if ((uint64_t)blen > room || room - (size_t)blen < 2) return RESP_NEED_MORE;
        if (n == max_spans) return RESP_FULL;
        spans[n].off = data;
        spans[n].len = (size_t)blen;
        n++;
        pos = data + (size_t)blen + 2;
    }
    *nargs = n;
    *end = pos;
    return SCANNED;
}

void resp_scan(const uint8_t *buf, size_t len, size_t start, const resp_limits *limits, resp_span *spans, size_t max_spans,
               size_t *counts, size_t max_requests, resp_scan_out *out) {
    size_t pos = start, requests = 0, args = 0;
    int status = RESP_NEED_MORE;
    out->got = 0;
    while (pos < len) {
        if (requests == max_requests) {
            status = RESP_LIMIT;
            break;
        }
        if (buf[pos] != '*') {
            status = RESP_INLINE;
            break;
        }
        size_t n = 0, end = 0;
        int r = scan_one(buf, len, pos, limits, spans + args, max_spans - args, &n, &end, &out->got);
        if (r != SCANNED) {
            status = r;
            break;
        }
        counts[requests++] = n;
        args += n;
        pos = end;
    }
    out->used = pos;
    out->requests = requests;
    out->args = args;
    out->status = status;
}
