//! The C scanner of feature `c_parser` (`csrc/resp_scan.c`) behind the [`Scanner`]
//! signature of [`super::scan`].
//!
//! This wrapper owns safety. It hands C the whole buffer with its length and output arrays
//! with their capacities (C never reads or writes past them), then re-checks everything C
//! reports before any of it is used: counts within the capacities given, the per-request
//! counts adding up to the spans written, every span inside the bytes the scan consumed.
//! A report that fails these checks is a bug in the C code and panics rather than let a
//! bad offset through. Inline requests are handed back to the portable parser, so both
//! scanners return identical batches by construction there, and by the differential tests
//! below (and `fuzz/`) everywhere else.
//!
//! [`Scanner`]: super::Scanner

use super::parse::{ParseLimits, ProtocolError};
use super::scan::{Batch, Shape, Span};
use std::mem::{align_of, offset_of, size_of};

#[allow(non_camel_case_types, non_upper_case_globals, dead_code)]
mod ffi {
    include!(concat!(env!("OUT_DIR"), "/resp_scan.rs"));
}

// C writes `resp_span`s straight into the batch's `Vec<Span>`: same layout required.
const _: () = assert!(
    size_of::<Span>() == size_of::<ffi::resp_span>()
        && align_of::<Span>() == align_of::<ffi::resp_span>()
        && offset_of!(Span, off) == offset_of!(ffi::resp_span, off)
        && offset_of!(Span, len) == offset_of!(ffi::resp_span, len)
);

/// Requests reported per C call; more are scanned by calling again.
const COUNTS: usize = 256;
/// Spans reserved before the first call; the batch grows them when a request needs more.
const SPANS: usize = 1024;

/// Scans like [`super::scan`], with the C scanner for multibulk requests.
pub fn scan(buf: &[u8], limits: &ParseLimits, max: usize, batch: &mut Batch) {
    batch.clear();
    let c_limits = ffi::resp_limits {
        // Converted as parse.rs compares them.
        max_bulk_len: limits.max_bulk_len as i64,
        max_multibulk: limits.max_multibulk as i64,
        max_inline: limits.max_inline,
        unauthenticated: limits.unauthenticated.into(),
    };
    if batch.counts.capacity() < COUNTS {
        batch.counts.reserve(COUNTS);
    }
    if batch.spans.capacity() < SPANS {
        batch.spans.reserve(SPANS);
    }
    while batch.len() < max {
        let out = scan_once(buf, &c_limits, max - batch.len(), batch);
        match out.status {
            ffi::RESP_NEED_MORE => return,
            ffi::RESP_LIMIT => {}
            // Double the spans: `reserve` counts from the length, so ask past the capacity.
            ffi::RESP_FULL => batch.spans.reserve(2 * batch.spans.capacity() - batch.spans.len()),
            ffi::RESP_INLINE => {
                if !batch.parse_next(buf, limits) {
                    return;
                }
            }
            status => {
                batch.error = Some(error(status, out.got));
                return;
            }
        }
    }
}

/// One C call from `batch.used`, its report checked and appended to `batch`.
fn scan_once(buf: &[u8], limits: &ffi::resp_limits, want: usize, batch: &mut Batch) -> ffi::resp_scan_out {
    batch.counts.clear();
    let max_requests = want.min(batch.counts.capacity());
    let first_span = batch.spans.len();
    let max_spans = batch.spans.capacity() - first_span;
    let mut out = ffi::resp_scan_out::default();
    // SAFETY: `buf` is valid for `buf.len()` bytes, which C reads no further than; the
    // span and count pointers are valid for writes of `max_spans` and `max_requests`
    // elements (spare capacity), which C writes no further than.
    unsafe {
        ffi::resp_scan(
            buf.as_ptr(),
            buf.len(),
            batch.used,
            limits,
            batch.spans.as_mut_ptr().add(first_span).cast(),
            max_spans,
            batch.counts.as_mut_ptr(),
            max_requests,
            &mut out,
        );
    }
    assert!(
        out.requests <= max_requests && out.args <= max_spans && (batch.used..=buf.len()).contains(&out.used),
        "resp_scan reported more than it was given: {out:?}"
    );
    // SAFETY: C initialized the elements it reports, and there is room for them (checked).
    unsafe {
        batch.counts.set_len(out.requests);
        batch.spans.set_len(first_span + out.args);
    }
    let total: usize = batch.counts.iter().sum();
    let inside = |s: &Span| (batch.used..=out.used).contains(&s.off) && s.len <= out.used - s.off;
    assert!(total == out.args && batch.spans[first_span..].iter().all(inside), "resp_scan reported a span outside its requests: {out:?}");
    batch.shapes.extend(batch.counts.iter().map(|&n| Shape::Multibulk(n)));
    batch.used = out.used;
    out
}

/// The [`ProtocolError`] of a C error status.
fn error(status: ffi::resp_status, got: u8) -> ProtocolError {
    match status {
        ffi::RESP_ERR_MULTIBULK_LEN => ProtocolError::InvalidMultibulkLength,
        ffi::RESP_ERR_BULK_LEN => ProtocolError::InvalidBulkLength,
        ffi::RESP_ERR_EXPECTED_DOLLAR => ProtocolError::ExpectedDollar(got),
        ffi::RESP_ERR_BIG_MULTIBULK_COUNT => ProtocolError::TooBigMultibulkCount,
        ffi::RESP_ERR_BIG_BULK_COUNT => ProtocolError::TooBigBulkCount,
        ffi::RESP_ERR_UNAUTH_MULTIBULK => ProtocolError::UnauthenticatedMultibulkLength,
        ffi::RESP_ERR_UNAUTH_BULK => ProtocolError::UnauthenticatedBulkLength,
        other => panic!("resp_scan returned an unknown status {other}"),
    }
}

/// Scans `buf` with both scanners under several limits and batch sizes, and panics unless
/// they return identical batches. The differential tests and the fuzz target call this.
#[cfg(any(test, fuzzing))]
pub fn assert_same(buf: &[u8]) {
    let tiny = ParseLimits { max_bulk_len: 8, max_multibulk: 4, max_inline: 16, unauthenticated: false };
    let limits = [
        ParseLimits::default(),
        ParseLimits { unauthenticated: true, ..ParseLimits::default() },
        tiny,
        ParseLimits { unauthenticated: true, ..tiny },
    ];
    let (mut c, mut portable) = (Batch::default(), Batch::default());
    for limits in &limits {
        for max in [1, 3, usize::MAX] {
            super::scan(buf, limits, max, &mut portable);
            scan(buf, limits, max, &mut c);
            assert_eq!(c, portable, "scanners differ on {:?} with {limits:?}, max {max}", buf.escape_ascii().to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Valid requests, one of each shape.
    const VALID: &[&[u8]] = &[
        b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
        b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nv\r\nlu\r\n",
        b"*2\r\n$0\r\n\r\n$2\r\n\x00\xff\r\n",
        b"*0\r\n",
        b"*-1\r\n",
        b"*1\r\n$004\r\nPING\r\n",
        b"*1\r\n$-0\r\n\r\n",
        b"*1\r\n$2\r\nabXY",
        b"PING\r\n",
        b"SET a b\n",
        b"  set  \"a\\x41\\n\" 'it\\'s'\r\n",
        b"\r\n",
        b"ECHO \x00\r\n",
    ];

    /// One input per ProtocolError (and the header edge cases around them).
    fn malformed() -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = [
            &b"*x\r\n"[..],
            b"*\r\n",
            b"*-\r\n",
            b"*+1\r\n",
            b"*1 \r\n",
            b"*1\r\r\n",
            b"*1\nx\r\n",
            b"*2147483648\r\n",
            b"*9223372036854775807\r\n",
            b"*9223372036854775808\r\n",
            b"*-9223372036854775808\r\n",
            b"*12345678901234567890\r\n",
            b"*1\r\n$-1\r\n",
            b"*1\r\n$\r\n",
            b"*1\r\n$1x\r\n",
            b"*1\r\n$536870913\r\n",
            b"*1\r\n+OK\r\n",
            b"*2\r\n$1\r\na\r\n:1\r\n",
            b"SET \"a b\r\n",
            b"SET \"a\"b\r\n",
            b"*11\r\n",
            b"*1\r\n$16385\r\n",
            b"*10\r\n$16384\r\n",
            b"*1\r\n$3\r\nGET\r\n*x\r\n",
        ]
        .iter()
        .map(|s| s.to_vec())
        .collect();
        v.push(vec![b'a'; 70_000]);
        v.push([&b"*"[..], &[b'1'; 70_000]].concat());
        v.push([&b"*1\r\n$"[..], &[b'1'; 70_000]].concat());
        v
    }

    #[test]
    fn every_request_agrees_at_every_cut() {
        let corpus: Vec<Vec<u8>> = VALID.iter().map(|s| s.to_vec()).chain(malformed()).collect();
        for input in &corpus {
            // The 70 KB inputs only matter whole and around the limit.
            let cuts: Vec<usize> = if input.len() > 1000 { vec![0, 65_536, 65_537, input.len()] } else { (0..=input.len()).collect() };
            for cut in cuts {
                assert_same(&input[..cut]);
            }
        }
    }

    #[test]
    fn pipelined_batches_agree_at_every_cut() {
        let valid = VALID.concat();
        for cut in 0..=valid.len() {
            assert_same(&valid[..cut]);
        }
        for bad in malformed().iter().filter(|m| m.len() < 100) {
            assert_same(&[&valid[..], bad, &valid[..]].concat());
        }
    }

    #[test]
    fn batches_larger_than_one_call() {
        // More requests than one C call reports, and a request with more arguments than the
        // spans reserved up front: the wrapper calls again and grows.
        let many = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".repeat(1000);
        let wide = [format!("*{}\r\n", 5000).into_bytes(), b"$1\r\nx\r\n".repeat(5000)].concat();
        for input in [many, wide.clone(), [&wide[..], b"PING\r\n", &wide[..]].concat()] {
            assert_same(&input);
        }
        let mut batch = Batch::default();
        scan(&b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".repeat(1000), &ParseLimits::default(), usize::MAX, &mut batch);
        assert_eq!((batch.len(), batch.used, &batch.error), (1000, 20_000, &None));
        assert!(batch.requests().all(|args| args.len() == 2));
    }

    #[test]
    fn c_errors_are_the_redis_ones() {
        let mut batch = Batch::default();
        let anon = ParseLimits { unauthenticated: true, ..ParseLimits::default() };
        let cases: [(&[u8], &ParseLimits, ProtocolError); 4] = [
            (b"*1\r\n$3\r\nGET\r\n*1\r\n+OK\r\n", &ParseLimits::default(), ProtocolError::ExpectedDollar(b'+')),
            (b"*1\r\n$-1\r\n", &ParseLimits::default(), ProtocolError::InvalidBulkLength),
            (b"*11\r\n", &anon, ProtocolError::UnauthenticatedMultibulkLength),
            (b"*1\r\n$16385\r\n", &anon, ProtocolError::UnauthenticatedBulkLength),
        ];
        for (input, limits, want) in cases {
            scan(input, limits, usize::MAX, &mut batch);
            assert_eq!(batch.error, Some(want), "{:?}", input.escape_ascii().to_string());
        }
        assert_eq!((batch.len(), batch.used), (0, 0));
    }

    /// xorshift64*: a seeded generator, so a failure replays.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn random_and_mutated_inputs_agree() {
        const ALPHABET: &[u8] = b"*$\r\n-+0123456789 \"'\\xaZ\x00";
        let seeds: Vec<Vec<u8>> = VALID.iter().map(|s| s.to_vec()).chain(malformed().into_iter().filter(|m| m.len() < 100)).collect();
        let mut rng = Rng(0x5eed_d15c_db00_0007);
        for _ in 0..4000 {
            let mut input = match rng.below(3) {
                // A few valid requests, pipelined.
                0 => (0..1 + rng.below(4)).flat_map(|_| seeds[rng.below(VALID.len())].to_vec()).collect(),
                // Any seed.
                1 => seeds[rng.below(seeds.len())].clone(),
                // Token soup.
                _ => (0..rng.below(40)).map(|_| ALPHABET[rng.below(ALPHABET.len())]).collect(),
            };
            for _ in 0..rng.below(4) {
                let byte = ALPHABET[rng.below(ALPHABET.len())];
                match rng.below(3) {
                    0 if !input.is_empty() => {
                        let i = rng.below(input.len());
                        input[i] = byte;
                    }
                    1 if !input.is_empty() => {
                        input.remove(rng.below(input.len()));
                    }
                    _ => input.insert(rng.below(input.len() + 1), byte),
                }
            }
            assert_same(&input);
        }
    }
}
