//! Micro-benchmark of the write floor: what committing member rows through
//! [`Storage::write`] costs per row, with the server's default configuration, when the rows'
//! keys are random (as redis-benchmark's `-r` keys and members are) and when they follow
//! each other (as a list's pushes do). Every write row of `make bench-compare` pays this
//! once per row it writes, and the random case is dominated by RocksDB's memtable
//! skiplist insert (`FindSpliceForLevel`): see docs/decisions.md, "The write floor".
//! Run with `cargo bench --bench storage`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use diskdb::config::Config;
use diskdb::storage::{cf, member_key, Storage};

/// Rows per committed batch: one pipelined connection's write group at `-P 16`.
const ROWS: u64 = 16;

/// Storage as the server opens it with its default configuration, under `dir`.
fn open(dir: &std::path::Path) -> Storage {
    let config = Config { dir: dir.to_path_buf(), ..Config::default() };
    Storage::open(&config.storage_options()).expect("open storage")
}

/// xorshift64: the next pseudo-random number after `x`.
fn next(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

fn bench_row_writes(c: &mut Criterion) {
    let mut g = c.benchmark_group("row_writes");
    g.throughput(Throughput::Elements(ROWS));
    let value = [b'x'; 100];
    for (name, keyspace) in [("random", 100_000u64), ("random", 1_000_000), ("sequential", 0)] {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = open(dir.path());
        let (mut x, mut seq) = (0x9E37_79B9_7F4A_7C15u64, 0u64);
        g.bench_function(BenchmarkId::new(name, keyspace), |b| {
            b.iter(|| {
                let mut batch = store.batch();
                for _ in 0..ROWS {
                    let n = if keyspace == 0 {
                        seq += 1;
                        seq
                    } else {
                        next(&mut x) % keyspace
                    };
                    let member = format!("element:{n:012}");
                    batch.put_row(cf::DATA, &member_key(0, b"bench", 1, member.as_bytes()), &value);
                }
                store.write(batch).expect("write");
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_row_writes);
criterion_main!(benches);
