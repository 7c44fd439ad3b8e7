//! Durability: acknowledged writes survive `kill -9` under every `appendfsync` mode (under
//! `everysec` and `no` because replies wait for the WAL buffer to reach the OS); key counts and expiry survive restarts; SIGTERM and SHUTDOWN exit cleanly.

mod common;
use common::*;

/// Writes `n` keys one acknowledged command at a time, kills the server with SIGKILL,
/// restarts it, and checks every key.
fn survives_kill9(fsync: &str, n: usize) {
    let mut server = Server::start_with(&["--appendfsync", fsync]);
    let mut c = server.client();
    for i in 0..n {
        assert_eq!(c.cmd(&["SET", &format!("key:{i}"), &format!("value:{i}")]), ok());
    }
    assert_eq!(c.cmd(&["INCRBY", "counter", "41"]), int(41));
    assert_eq!(c.cmd(&["INCR", "counter"]), int(42));
    assert_eq!(c.cmd(&["DEL", "key:0"]), int(1));
    server.kill9();
    server.restart();
    let mut c = server.client();
    assert_eq!(c.cmd(&["GET", "key:0"]), Value::Nil);
    for i in 1..n {
        assert_eq!(c.cmd(&["GET", &format!("key:{i}")]), bulk(&format!("value:{i}")), "key:{i} lost ({fsync})");
    }
    assert_eq!(c.cmd(&["GET", "counter"]), bulk("42"));
    // The key count is exact after a crash, not an estimate.
    assert_eq!(c.cmd(&["DBSIZE"]), int(n as i64));
}

#[test]
fn always_loses_nothing_on_kill9() {
    survives_kill9("always", 300);
}

#[test]
fn everysec_loses_nothing_on_process_kill() {
    survives_kill9("everysec", 2000);
}

#[test]
fn no_fsync_loses_nothing_on_process_kill() {
    survives_kill9("no", 2000);
}

#[test]
fn pipelined_writes_survive_kill9() {
    let mut server = Server::start_with(&["--appendfsync", "everysec"]);
    let mut c = server.client();
    let mut batch = Vec::new();
    for i in 0..5000 {
        batch.extend(Client::encode(&[b"SET", format!("p{i}").as_bytes(), b"v"]));
    }
    c.send_raw(&batch);
    for _ in 0..5000 {
        assert_eq!(c.read(), ok());
    }
    server.restart();
    let mut c = server.client();
    assert_eq!(c.cmd(&["DBSIZE"]), int(5000));
    assert_eq!(c.cmd(&["GET", "p4999"]), bulk("v"));
}

#[test]
fn ttl_and_databases_survive_restart() {
    let mut server = Server::start_with(&[]);
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "ttl", "v", "EX", "1000"]), ok());
    assert_eq!(c.cmd(&["SELECT", "3"]), ok());
    assert_eq!(c.cmd(&["SET", "in3", "x"]), ok());
    assert_eq!(c.cmd(&["SWAPDB", "3", "4"]), ok());
    server.restart();
    let mut c = server.client();
    let ttl = c.cmd(&["TTL", "ttl"]).int();
    assert!((990..=1000).contains(&ttl), "ttl {ttl}");
    assert_eq!(c.cmd(&["SELECT", "4"]), ok());
    assert_eq!(c.cmd(&["GET", "in3"]), bulk("x"));
    assert_eq!(c.cmd(&["SELECT", "3"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
}

#[test]
fn sigterm_shuts_down_cleanly_and_keeps_data() {
    let mut server = Server::start_with(&[]);
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert!(server.terminate(), "diskdb should exit 0 on SIGTERM; log:\n{}", server.log());
    let log = server.log();
    assert!(log.contains("Received SIGTERM"), "{log}");
    assert!(log.contains("bye bye"), "{log}");
    server.restart();
    assert_eq!(server.client().cmd(&["GET", "k"]), bulk("v"));
}

#[test]
fn shutdown_command_stops_the_server() {
    let mut server = Server::start_with(&[]);
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    c.send_raw(&Client::encode(&[b"SHUTDOWN", b"NOSAVE"]));
    assert!(c.is_closed(), "SHUTDOWN closes the connection without a reply");
    assert!(server.wait_exit(), "log:\n{}", server.log());
    server.restart();
    assert_eq!(server.client().cmd(&["GET", "k"]), bulk("v"));
}

#[test]
fn save_writes_a_checkpoint_that_opens_as_a_database() {
    let server = Server::start_with(&[]);
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    let before = c.cmd(&["LASTSAVE"]).int();
    assert_eq!(c.cmd(&["SAVE"]), ok());
    assert!(c.cmd(&["LASTSAVE"]).int() >= before);
    let checkpoint = server.data_dir().join("checkpoint");
    assert!(checkpoint.join("CURRENT").exists(), "checkpoint has a RocksDB CURRENT file");
    // The checkpoint is a complete database: a server started on a copy of it has the key.
    let copy = tempfile::tempdir().unwrap();
    std::fs::rename(&checkpoint, copy.path().join("db")).unwrap();
    let port = free_port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_diskdb"))
        .args(["--port", &port.to_string(), "--dir"])
        .arg(copy.path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let value = loop {
        if let Ok(s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            drop(s);
            break Client::connect(port).cmd(&["GET", "k"]);
        }
        assert!(std::time::Instant::now() < deadline, "checkpoint server did not start");
        std::thread::sleep(std::time::Duration::from_millis(30));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(value, bulk("v"));
}

/// Pipelined writes are committed in groups: a read of a key written earlier in the same
/// pipeline, a keyless command, and a repeated key all see every earlier write.
#[test]
fn grouped_pipeline_writes_are_seen_in_order() {
    let server = Server::start_with(&[]);
    let mut c = server.client();
    let mut batch = Vec::new();
    let cmds: Vec<Vec<&[u8]>> = vec![
        vec![b"SET", b"a", b"1"],
        vec![b"SET", b"b", b"2"],
        vec![b"INCR", b"a"],
        vec![b"GET", b"a"],
        vec![b"DBSIZE"],
        vec![b"APPEND", b"b", b"x"],
        vec![b"DEL", b"a"],
        vec![b"EXISTS", b"a", b"b"],
        vec![b"MSET", b"c", b"3", b"d", b"4"],
        vec![b"MGET", b"b", b"c", b"d"],
    ];
    for cmd in &cmds {
        batch.extend(Client::encode(cmd));
    }
    c.send_raw(&batch);
    assert_eq!(c.read(), ok());
    assert_eq!(c.read(), ok());
    assert_eq!(c.read(), int(2));
    assert_eq!(c.read(), bulk("2"));
    assert_eq!(c.read(), int(2));
    assert_eq!(c.read(), int(2));
    assert_eq!(c.read(), int(1));
    assert_eq!(c.read(), int(1));
    assert_eq!(c.read(), ok());
    assert_eq!(c.read(), arr(vec![bulk("2x"), bulk("3"), bulk("4")]));
}

/// Many clients pipelining INCRs on shared and private counters: group commit and key
/// locks together lose no update, under both fsync policies.
fn concurrent_pipelined_increments(fsync: &str) {
    let mut server = Server::start_with(&["--appendfsync", fsync]);
    let (clients, rounds, per_round) = (8, 20, 25);
    let threads: Vec<_> = (0..clients)
        .map(|id| {
            let port = server.port;
            std::thread::spawn(move || {
                let mut c = Client::connect(port);
                for _ in 0..rounds {
                    let mut batch = Vec::new();
                    for i in 0..per_round {
                        let shared = format!("shared:{}", i % 5);
                        batch.extend(Client::encode(&[b"INCR", shared.as_bytes()]));
                        batch.extend(Client::encode(&[b"INCR", format!("own:{id}").as_bytes()]));
                    }
                    c.send_raw(&batch);
                    for _ in 0..2 * per_round {
                        c.read().int();
                    }
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let check = |c: &mut Client| {
        let total: i64 = (0..5).map(|i| c.cmd(&["GET", &format!("shared:{i}")]).text().parse::<i64>().unwrap()).sum();
        assert_eq!(total, (clients * rounds * per_round) as i64);
        for id in 0..clients {
            assert_eq!(c.cmd(&["GET", &format!("own:{id}")]), bulk(&(rounds * per_round).to_string()));
        }
    };
    check(&mut server.client());
    server.restart();
    check(&mut server.client());
}

#[test]
fn concurrent_pipelined_increments_everysec() {
    concurrent_pipelined_increments("everysec");
}

#[test]
fn concurrent_pipelined_increments_always() {
    concurrent_pipelined_increments("always");
}

/// Forty clients, one command per round trip, all incrementing three hot keys: their
/// writes are committed together across connections while each holds its key's lock,
/// and a client that needs a held lock must wait without starving the holder. Every
/// increment lands and the server never stalls.
fn hot_keys_under_many_single_command_clients(fsync: &str) {
    let server = Server::start_with(&["--appendfsync", fsync]);
    let (clients, ops) = (40, 150);
    let threads: Vec<_> = (0..clients)
        .map(|id| {
            let port = server.port;
            std::thread::spawn(move || {
                let mut c = Client::connect(port);
                for i in 0..ops {
                    let key = format!("hot:{}", (id + i) % 3);
                    c.cmd(&["INCR", &key]).int();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let mut c = server.client();
    let total: i64 = (0..3).map(|i| c.cmd(&["GET", &format!("hot:{i}")]).text().parse::<i64>().unwrap()).sum();
    assert_eq!(total, (clients * ops) as i64);
}

#[test]
fn hot_keys_under_many_single_command_clients_everysec() {
    hot_keys_under_many_single_command_clients("everysec");
}

#[test]
fn hot_keys_under_many_single_command_clients_always() {
    hot_keys_under_many_single_command_clients("always");
}

/// Pipelined writers on one hot key on both workers, while other clients run
/// transactions on it, copy it to another database (a lone writer's lock, not a write
/// group's) and read it. With `--optimized`, a worker keeps a contended key stripe
/// between its pipelined write groups, and must give it back before every other kind of
/// wait (EXEC's gate, a lone writer's lock) and when it goes idle: a stripe kept through
/// one of them would stall the server (the clients' reads time out). Every increment
/// lands. Under `always`, the default build runs each batch in `block_in_place`, whose
/// thread gives its kept stripes back as the batch ends.
fn hot_key_pipelines_beside_transactions_copies_and_readers(fsync: &str) {
    let server = Server::start_with(&["--threads", "2", "--appendfsync", fsync]);
    let port = server.port;
    assert_eq!(server.client().cmd(&["SET", "hot", "0"]), ok());
    let (pipeliners, rounds, per_round) = (8, 200, 16);
    let (transactions, copies) = (100, 100);
    let mut threads: Vec<_> = (0..pipeliners)
        .map(|_| {
            std::thread::spawn(move || {
                let mut c = Client::connect(port);
                let batch: Vec<u8> = (0..per_round).flat_map(|_| Client::encode(&[b"INCR", b"hot"])).collect();
                for _ in 0..rounds {
                    c.send_raw(&batch);
                    for _ in 0..per_round {
                        c.read().int();
                    }
                }
            })
        })
        .collect();
    threads.push(std::thread::spawn(move || {
        let mut c = Client::connect(port);
        for _ in 0..transactions {
            assert_eq!(c.cmd(&["MULTI"]), ok());
            c.cmd(&["INCR", "hot"]);
            c.cmd(&["INCR", "other"]);
            assert_eq!(c.cmd(&["EXEC"]).array().len(), 2);
        }
    }));
    threads.push(std::thread::spawn(move || {
        let mut c = Client::connect(port);
        for _ in 0..copies {
            assert_eq!(c.cmd(&["COPY", "hot", "hot", "DB", "1", "REPLACE"]), int(1));
        }
    }));
    threads.push(std::thread::spawn(move || {
        let mut c = Client::connect(port);
        for _ in 0..500 {
            c.cmd(&["GET", "hot"]).text().parse::<i64>().unwrap();
        }
    }));
    threads.into_iter().for_each(|t| t.join().unwrap());
    let mut c = server.client();
    let expected = pipeliners * rounds * per_round + transactions;
    assert_eq!(c.cmd(&["GET", "hot"]), bulk(&expected.to_string()));
    assert_eq!(c.cmd(&["GET", "other"]), bulk(&transactions.to_string()));
}

#[test]
fn hot_key_pipelines_beside_transactions_copies_and_readers_everysec() {
    hot_key_pipelines_beside_transactions_copies_and_readers("everysec");
}

#[test]
fn hot_key_pipelines_beside_transactions_copies_and_readers_always() {
    hot_key_pipelines_beside_transactions_copies_and_readers("always");
}

/// Bytes in the RocksDB table files under `dir` (WAL and logs left out).
fn sst_bytes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir.join("db")).unwrap() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "sst") {
            total += entry.metadata().unwrap().len();
        }
    }
    total
}

#[test]
fn deleted_collections_give_their_disk_space_back_after_compaction() {
    let server = Server::start();
    if server.is_reference() {
        return; // DEBUG COMPACT is DiskDB's own.
    }
    let mut c = server.client();
    // Values that compress poorly, so the table files are large enough to tell apart.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut value = || {
        (0..16)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                format!("{seed:016x}")
            })
            .collect::<String>()
    };
    let n = 5_000;
    let mut batch = Vec::new();
    for i in 0..n {
        let (m, v) = (format!("m{i}"), value());
        batch.extend(Client::encode(&[b"RPUSH", b"l", v.as_bytes()]));
        batch.extend(Client::encode(&[b"HSET", b"h", m.as_bytes(), v.as_bytes()]));
        batch.extend(Client::encode(&[b"SADD", b"s", format!("{m}{v}").as_bytes()]));
        batch.extend(Client::encode(&[b"ZADD", b"z", i.to_string().as_bytes(), format!("{m}{v}").as_bytes()]));
    }
    c.send_raw(&batch);
    for _ in 0..4 * n {
        assert!(matches!(c.read(), Value::Int(_)));
    }
    assert_eq!(c.cmd(&["DEBUG", "COMPACT"]), ok());
    let full = sst_bytes(server.data_dir());
    assert!(full > 4 * n as u64 * 256, "only {full} bytes of tables for {n} members of 4 collections");
    assert_eq!(c.cmd(&["DEL", "l", "h", "s", "z"]), int(4));
    assert_eq!(c.cmd(&["DEBUG", "COMPACT"]), ok());
    let after = sst_bytes(server.data_dir());
    assert!(after < full / 20, "{after} bytes of tables left of {full} after DEL and compaction");
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
}
