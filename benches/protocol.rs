//! Micro-benchmarks of the protocol layer: request parsing on a pipelined SET/GET corpus
//! and on large bulk values, batch scanning (portable vs the C scanner of `c_parser`),
//! building a batch's argument vectors, and reply encoding. Run with `make bench`, or
//! `cargo bench --features c_parser --bench protocol` for the C scanner.

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use diskdb::protocol::{parse, scan, scanner, with_argv, Batch, ParseLimits, Reply, Scanner};
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

/// One SET of a 1 MiB value.
fn bulk_1mib() -> Vec<u8> {
    let mut big = b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$1048576\r\n".to_vec();
    big.extend(vec![b'v'; 1 << 20]);
    big.extend_from_slice(b"\r\n");
    big
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
    let big = bulk_1mib();
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("bulk_1mib", |b| b.iter(|| parse_all(black_box(&big), &limits)));
    g.finish();
}

/// The scanners compiled in: the C one only with `c_parser` (without it, `scanner(true)` is
/// the portable one again).
fn scanners() -> Vec<(&'static str, Scanner)> {
    let mut all: Vec<(&'static str, Scanner)> = vec![("portable", scan)];
    if cfg!(feature = "c_parser") {
        all.push(("c", scanner(true)));
    }
    all
}

fn bench_scan(c: &mut Criterion) {
    let limits = ParseLimits::default();
    let mut g = c.benchmark_group("scan");
    for (input, corpus) in [("pipelined_set_get_1000", pipelined_corpus()), ("bulk_1mib", bulk_1mib())] {
        g.throughput(Throughput::Bytes(corpus.len() as u64));
        for (name, scan) in scanners() {
            let mut batch = Batch::default();
            g.bench_function(format!("{name}/{input}"), |b| {
                b.iter(|| {
                    scan(black_box(&corpus), &limits, usize::MAX, &mut batch);
                    batch.len()
                })
            });
        }
    }
    g.finish();
}

fn bench_argv(c: &mut Criterion) {
    let corpus = pipelined_corpus();
    let mut batch = Batch::default();
    scan(&corpus, &ParseLimits::default(), usize::MAX, &mut batch);
    let chunk = Bytes::from(corpus);
    let mut g = c.benchmark_group("argv");
    g.throughput(Throughput::Elements(batch.len() as u64));
    // What the connection did before: one Vec per request.
    g.bench_function("vec_per_request_1000", |b| {
        b.iter(|| batch.requests().map(|a| a.bytes(&chunk).collect::<Vec<_>>()).collect::<Vec<_>>().len())
    });
    // What it does now: two Vecs per batch.
    g.bench_function("two_vecs_1000", |b| b.iter(|| with_argv(&batch, &chunk, 0, |cmds| black_box(cmds).len())));
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

criterion_group!(benches, bench_parse, bench_scan, bench_argv, bench_encode);
criterion_main!(benches);
