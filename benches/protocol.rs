//! Micro-benchmarks of the protocol layer: request parsing on a pipelined SET/GET corpus
//! and on large bulk values, and reply encoding. Run with `make bench`; the optimized-build
//! work compares the C scanner against these numbers.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use diskdb::protocol::{parse, ParseLimits, Reply};
use std::hint::black_box;

/// 1000 pipelined requests, alternating SET key value(100 B) and GET key.
fn pipelined_corpus() -> Vec<u8> {
    let value = vec![b'x'; 100];
    let mut out = Vec::new();
    for i in 0..1000 {
        let key = format!("key:{i:08}");
        if i % 2 == 0 {
            out.extend_from_slice(format!("*3\r\n$3\r\nSET\r\n${}\r\n{}\r\n${}\r\n", key.len(), key, value.len()).as_bytes());
            out.extend_from_slice(&value);
            out.extend_from_slice(b"\r\n");
        } else {
            out.extend_from_slice(format!("*2\r\n$3\r\nGET\r\n${}\r\n{}\r\n", key.len(), key).as_bytes());
        }
    }
    out
}

fn parse_all(buf: &[u8], limits: &ParseLimits) -> usize {
    let (mut used, mut n) = (0, 0);
    while let Ok(Some((req, len))) = parse(&buf[used..], limits) {
        used += len;
        n += black_box(req).len();
    }
    n
}

fn bench_parse(c: &mut Criterion) {
    let limits = ParseLimits::default();
    let corpus = pipelined_corpus();
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(corpus.len() as u64));
    g.bench_function("pipelined_set_get_1000", |b| b.iter(|| parse_all(black_box(&corpus), &limits)));
    let mut big = b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$1048576\r\n".to_vec();
    big.extend(vec![b'v'; 1 << 20]);
    big.extend_from_slice(b"\r\n");
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("bulk_1mib", |b| b.iter(|| parse_all(black_box(&big), &limits)));
    g.finish();
}

fn bench_encode(c: &mut Criterion) {
    let replies: Vec<Reply> = (0..1000)
        .map(|i| match i % 3 {
            0 => Reply::Ok,
            1 => Reply::Bulk(vec![b'x'; 100]),
            _ => Reply::Int(i),
        })
        .collect();
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Elements(replies.len() as u64));
    g.bench_function("mixed_1000_resp2", |b| {
        let mut out = Vec::with_capacity(64 * 1024);
        b.iter(|| {
            out.clear();
            for r in &replies {
                r.encode(2, &mut out);
            }
            black_box(out.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench_parse, bench_encode);
criterion_main!(benches);
