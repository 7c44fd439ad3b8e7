//! Connection buffers (`crate::pool`): values of every size around the 512 B / 4 KiB /
//! 64 KiB class boundaries round-trip intact through pipelines, MULTI queues and class
//! changes; with the `memory_pool` feature and `--optimized`, INFO's pool counters show
//! buffers taken at connect, promoted by a large value, and given back at disconnect.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::io::Write;

/// A value of `len` bytes whose content depends on `seed`, so a mix-up shows.
fn value(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + seed * 7) as u8).collect()
}

const SIZES: [usize; 14] = [0, 1, 100, 511, 512, 513, 3000, 4096, 5000, 65_535, 65_536, 70_000, 300_000, (1 << 20) + 3];

/// Sends `requests` from another thread, so the server's large replies can flow back while
/// the test is still writing, and reads `replies` replies.
fn pipeline(c: &mut Client, requests: Vec<u8>, replies: usize) -> Vec<Value> {
    let mut writer = c.stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || writer.write_all(&requests).unwrap());
    let out = (0..replies).map(|_| c.read()).collect();
    sender.join().unwrap();
    out
}

#[test]
fn values_around_every_class_boundary_round_trip_in_one_pipeline() {
    let server = Server::start();
    let mut c = server.client();
    let mut requests = Vec::new();
    for (i, &len) in SIZES.iter().enumerate() {
        let key = format!("k{i}");
        requests.extend(Client::encode(&[b"SET", key.as_bytes(), &value(len, i)]));
        requests.extend(Client::encode(&[b"GET", key.as_bytes()]));
        requests.extend(Client::encode(&[b"PING"]));
    }
    let replies = pipeline(&mut c, requests, 3 * SIZES.len());
    for (i, &len) in SIZES.iter().enumerate() {
        assert_eq!(replies[3 * i], ok(), "SET of {len} bytes");
        assert_eq!(replies[3 * i + 1], Value::Bulk(value(len, i)), "GET of {len} bytes");
        assert_eq!(replies[3 * i + 2], Value::Simple("PONG".into()));
    }
    // The same values read back one at a time, one per batch.
    for (i, &len) in SIZES.iter().enumerate().rev() {
        assert_eq!(c.cmd_bytes(&[b"GET", format!("k{i}").as_bytes()]), Value::Bulk(value(len, i)), "{len} bytes");
    }
}

/// Queued arguments point into the read buffer of their batch; later batches, and the class
/// changes of large values, must not reuse that memory under them.
#[test]
fn multi_queues_keep_their_arguments_across_buffer_changes() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["MULTI"]), ok());
    for (i, &len) in SIZES.iter().enumerate() {
        assert_eq!(c.cmd_bytes(&[b"SET", format!("q{i}").as_bytes(), &value(len, i + 100)]), Value::Simple("QUEUED".into()));
        // Small requests in between, each its own batch, refill the read buffer.
        for _ in 0..50 {
            assert_eq!(c.cmd(&["ECHO", "filler-filler-filler"]), Value::Simple("QUEUED".into()));
        }
    }
    let Value::Array(results) = c.cmd(&["EXEC"]) else { panic!("EXEC") };
    assert_eq!(results.len(), SIZES.len() * 51);
    for (i, &len) in SIZES.iter().enumerate() {
        assert_eq!(c.cmd_bytes(&[b"GET", format!("q{i}").as_bytes()]), Value::Bulk(value(len, i + 100)), "{len} bytes");
    }
}

/// A server with `--optimized`, unless `DISKDB_TEST_ARGS` already gives it to every server
/// (the flag may not be given twice).
fn start_optimized() -> Server {
    let given = std::env::var("DISKDB_TEST_ARGS").unwrap_or_default().split_whitespace().any(|a| a == "--optimized");
    Server::start_with(if given { &[] } else { &["--optimized"] })
}

/// INFO memory as a map.
fn memory(c: &mut Client) -> BTreeMap<String, String> {
    let text = c.cmd(&["INFO", "memory"]).text();
    text.split("\r\n").filter_map(|l| l.split_once(':')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[cfg(not(feature = "memory_pool"))]
#[test]
fn without_the_feature_nothing_is_pooled() {
    let server = start_optimized();
    if server.is_reference() {
        return;
    }
    let info = memory(&mut server.client());
    assert_eq!(info.get("mem_pool_enabled").map(String::as_str), Some("0"));
    assert!(!info.keys().any(|k| k.starts_with("mem_pool_512")), "{info:?}");
}

/// The pool's counters, present with the feature and `--optimized`.
#[cfg(feature = "memory_pool")]
mod counters {
    use super::*;
    use std::time::{Duration, Instant};

    /// One pool counter, e.g. `pool(c, 512, "in_use")`.
    fn pool(info: &BTreeMap<String, String>, size: usize, what: &str) -> i64 {
        let key = format!("mem_pool_{size}_{what}");
        info.get(&key).unwrap_or_else(|| panic!("no {key} in {info:?}")).parse().unwrap()
    }

    /// Polls INFO until `done` holds (connections close asynchronously); gives up after 10 s.
    fn wait_for(c: &mut Client, what: &str, done: impl Fn(&BTreeMap<String, String>) -> bool) -> BTreeMap<String, String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let info = memory(c);
            if done(&info) {
                return info;
            }
            assert!(Instant::now() < deadline, "{what}: {info:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn info_pool_counters_follow_connections() {
        let server = start_optimized();
        let mut admin = server.client();
        let small = |info: &BTreeMap<String, String>| pool(info, 512, "in_use");
        let large = |info: &BTreeMap<String, String>| pool(info, 65536, "in_use");
        // Only the admin connection (a 512 B read buffer, and a write buffer of INFO's size) is open.
        let before = wait_for(&mut admin, "the start-up probe's buffers come back", |i| small(i) == 1 && large(i) == 0);
        assert_eq!(before.get("mem_pool_enabled").map(String::as_str), Some("1"));

        let mut clients: Vec<Client> = (0..10).map(|_| server.client()).collect();
        for c in &mut clients {
            assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()));
        }
        let connected = memory(&mut admin);
        assert_eq!(small(&connected), 1 + 20, "each client holds a 512 B read and write buffer");

        // A 300 KB value moves one read buffer up through 4 KiB to 64 KiB (and past it).
        let big = value(300_000, 1);
        assert_eq!(clients[0].cmd_bytes(&[b"SET", b"big", &big]), ok());
        let promoted = memory(&mut admin);
        assert_eq!(large(&promoted), 1);
        assert_eq!(small(&promoted), 1 + 19);
        for size in [4096, 65536] {
            let taken = |i: &BTreeMap<String, String>| pool(i, size, "hits") + pool(i, size, "misses");
            assert!(taken(&promoted) > taken(&connected), "a {size} B buffer was taken: {promoted:?}");
        }
        // A run of small requests after it (64: the pool's DEMOTE_AFTER) brings the
        // buffer back down.
        for _ in 0..64 {
            assert_eq!(clients[0].cmd(&["PING"]), Value::Simple("PONG".into()));
        }
        // The buffer changes class before the connection's next read, which may come just
        // after the 64th reply reached us.
        wait_for(&mut admin, "the 64 KiB read buffer moves back down", |i| (small(i), large(i)) == (1 + 20, 0));

        drop(clients);
        let closed = wait_for(&mut admin, "buffers come back at disconnect", |i| small(i) == 1);
        assert!(pool(&closed, 512, "free") >= 20, "the ten clients' buffers are on the free list: {closed:?}");

        // The next clients reuse them: hits, no new allocations.
        let mut again: Vec<Client> = (0..10).map(|_| server.client()).collect();
        for c in &mut again {
            assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()));
        }
        let reused = memory(&mut admin);
        assert_eq!(pool(&reused, 512, "hits"), pool(&closed, 512, "hits") + 20);
        assert_eq!(pool(&reused, 512, "misses"), pool(&closed, 512, "misses"));
        assert_eq!(clients_big(&mut again[0]), big);
    }

    fn clients_big(c: &mut Client) -> Vec<u8> {
        match c.cmd(&["GET", "big"]) {
            Value::Bulk(b) => b,
            other => panic!("GET big: {other:?}"),
        }
    }
}
