//! Micro-benchmark of buffer acquisition: taking a buffer of each size class, writing its
//! first bytes, and giving it back, through a pooled [`BufferPool`] and through a plain one
//! (allocate and free). Also a connection's pair of buffers, as `serve` takes them at
//! accept and gives them back at close. Run with `cargo bench --features memory_pool --bench pool`;
//! without the feature both columns are plain allocations.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use diskdb::pool::{BufferPool, Class, ReadBuf, WriteBuf};
use std::hint::black_box;
use std::sync::Arc;

fn pools() -> [(&'static str, Arc<BufferPool>); 2] {
    [("pooled", Arc::new(BufferPool::new(true))), ("plain", Arc::new(BufferPool::new(false)))]
}

fn bench_acquire_release(c: &mut Criterion) {
    let mut g = c.benchmark_group("acquire_release");
    g.throughput(Throughput::Elements(1));
    for (name, pool) in pools() {
        for class in Class::ALL {
            g.bench_with_input(BenchmarkId::new(name, class.size()), &class, |b, &class| {
                b.iter(|| {
                    let mut buf = pool.acquire(black_box(class));
                    buf.extend_from_slice(b"+OK\r\n");
                    pool.release(class, black_box(buf));
                })
            });
        }
    }
    g.finish();
}

fn bench_connection_buffers(c: &mut Criterion) {
    let mut g = c.benchmark_group("connection_buffers");
    g.throughput(Throughput::Elements(1));
    for (name, pool) in pools() {
        g.bench_function(name, |b| {
            b.iter(|| {
                let (mut rbuf, mut wbuf) = (ReadBuf::new(pool.clone()), WriteBuf::new(pool.clone()));
                rbuf.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
                wbuf.extend_from_slice(b"+PONG\r\n");
                black_box((rbuf, wbuf))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_acquire_release, bench_connection_buffers);
criterion_main!(benches);
