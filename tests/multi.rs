//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. Queueing and its errors, reading
//! one's own writes inside EXEC, isolation between concurrent clients, optimistic
//! locking with WATCH, RESP3 shapes, and all-or-nothing durability across `kill -9`.

mod common;
use common::*;
use std::time::{Duration, Instant};

fn queued() -> Value {
    Value::Simple("QUEUED".into())
}

const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";

/// Runs `cmds` as one transaction, checking each is queued; returns EXEC's reply.
fn transaction(c: &mut Client, cmds: &[&[&str]]) -> Value {
    assert_eq!(c.cmd(&["MULTI"]), ok());
    for cmd in cmds {
        assert_eq!(c.cmd(cmd), queued(), "{cmd:?}");
    }
    c.cmd(&["EXEC"])
}

#[test]
fn commands_queue_and_exec_reads_its_own_writes() {
    let server = Server::start();
    let mut c = server.client();
    let reply = transaction(
        &mut c,
        &[&["INCR", "x"], &["INCR", "x"], &["GET", "x"], &["HSET", "h", "f", "v"], &["HGET", "h", "f"], &["DEL", "x"], &["EXISTS", "x"]],
    );
    assert_eq!(reply, arr(vec![int(1), int(2), bulk("2"), int(1), bulk("v"), int(1), int(0)]));
    assert_eq!(c.cmd(&["EXISTS", "x"]), int(0));
    assert_eq!(c.cmd(&["HGET", "h", "f"]), bulk("v"));
    // An empty transaction answers an empty array.
    assert_eq!(transaction(&mut c, &[]), arr(vec![]));
}

#[test]
fn collections_scans_and_counts_see_the_transaction() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["RPUSH", "l", "a", "b"]), int(2));
    assert_eq!(c.cmd(&["SADD", "s", "m1", "m3"]), int(2));
    let reply = transaction(
        &mut c,
        &[
            &["RPUSH", "l", "c"],
            &["LRANGE", "l", "0", "-1"],
            &["SADD", "s", "m2"],
            &["SREM", "s", "m1"],
            &["SMEMBERS", "s"],
            &["ZADD", "z", "2", "b", "1", "a"],
            &["ZRANGE", "z", "0", "-1"],
            &["SET", "k", "v"],
            &["DBSIZE"],
            &["KEYS", "*"],
        ],
    );
    let r = reply.array();
    assert_eq!(r[1], arr(vec![bulk("a"), bulk("b"), bulk("c")]));
    let mut members = r[4].texts();
    members.sort();
    assert_eq!(members, ["m2", "m3"]);
    assert_eq!(r[6], arr(vec![bulk("a"), bulk("b")]));
    assert_eq!(r[8], int(4));
    let mut keys = r[9].texts();
    keys.sort();
    assert_eq!(keys, ["k", "l", "s", "z"]);
}

#[test]
fn flushdb_and_swapdb_inside_a_transaction() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "old", "1"]), ok());
    let reply = transaction(
        &mut c,
        &[
            &["SET", "a", "1"],
            &["FLUSHDB"],
            &["GET", "old"],
            &["SET", "b", "2"],
            &["DBSIZE"],
            &["SWAPDB", "0", "1"],
            &["DBSIZE"],
            &["SELECT", "1"],
            &["GET", "b"],
        ],
    );
    assert_eq!(reply, arr(vec![ok(), ok(), Value::Nil, ok(), int(1), ok(), int(0), ok(), bulk("2")]));
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
}

#[test]
fn a_runtime_error_fails_only_its_command() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "s", "abc"]), ok());
    let reply = transaction(&mut c, &[&["INCR", "s"], &["SET", "t", "1"], &["LPUSH", "s", "x"], &["INCR", "t"]]);
    assert_eq!(
        reply,
        arr(vec![
            err("ERR value is not an integer or out of range"),
            ok(),
            err("WRONGTYPE Operation against a key holding the wrong kind of value"),
            int(2)
        ])
    );
    assert_eq!(c.cmd(&["GET", "t"]), bulk("2"));
}

#[test]
fn a_queueing_error_aborts_the_whole_transaction() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["SET", "a", "1"]), queued());
    assert_eq!(c.cmd(&["NOSUCHCOMMAND", "x"]), err("ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' "));
    assert_eq!(c.cmd(&["SET", "b", "2"]), queued());
    assert_eq!(c.cmd(&["EXEC"]), err(EXECABORT));
    assert_eq!(c.cmd(&["EXISTS", "a", "b"]), int(0));
    // Wrong arity is a queueing error too; the connection is out of MULTI afterwards.
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["GET"]), err("ERR wrong number of arguments for 'get' command"));
    assert_eq!(c.cmd(&["EXEC"]), err(EXECABORT));
    assert_eq!(c.cmd(&["EXEC"]), err("ERR EXEC without MULTI"));
}

#[test]
fn misplaced_transaction_commands() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["EXEC"]), err("ERR EXEC without MULTI"));
    assert_eq!(c.cmd(&["DISCARD"]), err("ERR DISCARD without MULTI"));
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["SET", "a", "1"]), queued());
    // Neither nested MULTI nor WATCH is queued, and neither dooms the transaction.
    assert_eq!(c.cmd(&["MULTI"]), err("ERR MULTI calls can not be nested"));
    assert_eq!(c.cmd(&["WATCH", "a"]), err("ERR WATCH inside MULTI is not allowed"));
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![ok()]));
    // DISCARD drops the queue.
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["SET", "a", "2"]), queued());
    assert_eq!(c.cmd(&["DISCARD"]), ok());
    assert_eq!(c.cmd(&["GET", "a"]), bulk("1"));
    assert_eq!(c.cmd(&["DISCARD"]), err("ERR DISCARD without MULTI"));
    // UNWATCH inside MULTI is queued.
    assert_eq!(transaction(&mut c, &[&["UNWATCH"]]), arr(vec![ok()]));
    // RESET leaves the transaction; QUIT closes the connection at once.
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["SET", "a", "3"]), queued());
    assert_eq!(c.cmd(&["RESET"]), Value::Simple("RESET".into()));
    assert_eq!(c.cmd(&["EXEC"]), err("ERR EXEC without MULTI"));
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["QUIT"]), ok());
    assert!(c.is_closed());
    assert_eq!(server.client().cmd(&["GET", "a"]), bulk("1"));
}

#[test]
fn resp3_shapes() {
    let server = Server::start();
    let mut c = server.client();
    assert!(matches!(c.cmd(&["HELLO", "3"]), Value::Map(_)));
    assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), int(1));
    let reply = transaction(&mut c, &[&["HGETALL", "h"], &["GET", "missing"]]);
    assert_eq!(reply, arr(vec![Value::Map(vec![(bulk("f"), bulk("v"))]), Value::Nil]));
    // An aborted EXEC is RESP3's null.
    assert_eq!(c.cmd(&["WATCH", "h"]), ok());
    assert_eq!(server.client().cmd(&["HSET", "h", "g", "w"]), int(1));
    c.send_raw(&Client::encode(&[b"MULTI"]));
    c.send_raw(&Client::encode(&[b"EXEC"]));
    assert_eq!(c.read(), ok());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut c.reader, &mut line).unwrap();
    assert_eq!(line, "_\r\n");
}

#[test]
fn watch_aborts_on_another_clients_write_and_keeps_unrelated_ones() {
    let server = Server::start();
    let (mut c, mut other) = (server.client(), server.client());
    assert_eq!(c.cmd(&["SET", "k", "1"]), ok());
    assert_eq!(c.cmd(&["WATCH", "k"]), ok());
    assert_eq!(other.cmd(&["SET", "unrelated", "x"]), ok());
    assert_eq!(transaction(&mut c, &[&["INCR", "k"]]), arr(vec![int(2)]));
    // EXEC unwatched: the next transaction is not affected by this write.
    assert_eq!(other.cmd(&["SET", "k", "10"]), ok());
    assert_eq!(transaction(&mut c, &[&["INCR", "k"]]), arr(vec![int(11)]));
    assert_eq!(c.cmd(&["WATCH", "k", "k2"]), ok());
    assert_eq!(other.cmd(&["DEL", "k2"]), int(0));
    assert_eq!(other.cmd(&["INCR", "k"]), int(12));
    assert_eq!(transaction(&mut c, &[&["INCR", "k"]]), Value::Nil);
    assert_eq!(c.cmd(&["GET", "k"]), bulk("12"));
}

#[test]
fn watch_aborts_on_the_watchers_own_write() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["WATCH", "k"]), ok());
    assert_eq!(c.cmd(&["SET", "k", "mine"]), ok());
    assert_eq!(transaction(&mut c, &[&["SET", "k", "txn"]]), Value::Nil);
    assert_eq!(c.cmd(&["GET", "k"]), bulk("mine"));
    // The same in one pipelined write: the write is seen before EXEC runs.
    c.send_pipeline(&[&["WATCH", "k"], &["SET", "k", "again"], &["MULTI"], &["SET", "k", "txn"], &["EXEC"]]);
    assert_eq!([c.read(), c.read(), c.read(), c.read(), c.read()], [ok(), ok(), ok(), queued(), Value::Nil]);
    assert_eq!(c.cmd(&["GET", "k"]), bulk("again"));
    // A write before WATCH in the same pipeline does not abort.
    c.send_pipeline(&[&["SET", "k", "before"], &["WATCH", "k"], &["MULTI"], &["SET", "k", "txn"], &["EXEC"]]);
    assert_eq!([c.read(), c.read(), c.read(), c.read(), c.read()], [ok(), ok(), ok(), queued(), arr(vec![ok()])]);
    assert_eq!(c.cmd(&["GET", "k"]), bulk("txn"));
}

#[test]
fn unwatch_discard_and_reset_forget_the_watches() {
    let server = Server::start();
    let (mut c, mut other) = (server.client(), server.client());
    for forget in [&["UNWATCH"][..], &["RESET"][..]] {
        assert_eq!(c.cmd(&["WATCH", "k"]), ok());
        c.cmd(forget);
        assert_eq!(other.cmd(&["SET", "k", "x"]), ok());
        assert_eq!(transaction(&mut c, &[&["GET", "k"]]), arr(vec![bulk("x")]));
    }
    assert_eq!(c.cmd(&["WATCH", "k"]), ok());
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["DISCARD"]), ok());
    assert_eq!(other.cmd(&["SET", "k", "y"]), ok());
    assert_eq!(transaction(&mut c, &[&["GET", "k"]]), arr(vec![bulk("y")]));
}

#[test]
fn watch_aborts_when_the_key_expires() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "k", "v", "PX", "150"]), ok());
    assert_eq!(c.cmd(&["WATCH", "k"]), ok());
    let deadline = Instant::now() + Duration::from_secs(5);
    while c.cmd(&["PTTL", "k"]) != int(-2) {
        assert!(Instant::now() < deadline, "key never expired");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(transaction(&mut c, &[&["PING"]]), Value::Nil);
    // A key already gone when watched does not abort by expiring.
    assert_eq!(c.cmd(&["WATCH", "k"]), ok());
    assert_eq!(transaction(&mut c, &[&["PING"]]), arr(vec![Value::Simple("PONG".into())]));
}

#[test]
fn flushall_flushdb_and_swapdb_abort_watches_on_existing_keys() {
    let server = Server::start();
    let (mut c, mut other) = (server.client(), server.client());
    let pong = || arr(vec![Value::Simple("PONG".into())]);
    for flush in [&["FLUSHALL"][..], &["FLUSHDB"][..], &["SWAPDB", "0", "1"][..]] {
        assert_eq!(other.cmd(&["SET", "k", "v"]), ok());
        assert_eq!(c.cmd(&["WATCH", "k"]), ok());
        assert_eq!(other.cmd(flush), ok());
        assert_eq!(transaction(&mut c, &[&["PING"]]), Value::Nil, "{flush:?}");
        // A watched key that does not exist is not touched by a flush, as in Redis.
        assert_eq!(other.cmd(&["FLUSHALL"]), ok());
        assert_eq!(c.cmd(&["WATCH", "k"]), ok());
        assert_eq!(other.cmd(flush), ok());
        assert_eq!(transaction(&mut c, &[&["PING"]]), pong(), "{flush:?}");
    }
    // SWAPDB touches a watched key that exists in the other database.
    assert_eq!(other.cmd(&["SELECT", "1"]), ok());
    assert_eq!(other.cmd(&["SET", "k", "in1"]), ok());
    assert_eq!(c.cmd(&["WATCH", "k"]), ok());
    assert_eq!(other.cmd(&["SWAPDB", "0", "1"]), ok());
    assert_eq!(transaction(&mut c, &[&["GET", "k"]]), Value::Nil);
}

#[test]
fn move_and_copy_abort_watches_in_the_other_database() {
    let server = Server::start();
    let (mut c, mut other) = (server.client(), server.client());
    assert_eq!(c.cmd(&["SELECT", "2"]), ok());
    for write in [&["MOVE", "k", "2"][..], &["COPY", "k", "k", "DB", "2"][..]] {
        assert_eq!(other.cmd(&["SET", "k", "v"]), ok());
        assert_eq!(c.cmd(&["WATCH", "k"]), ok());
        assert_eq!(other.cmd(write), int(1));
        assert_eq!(transaction(&mut c, &[&["GET", "k"]]), Value::Nil, "{write:?}");
        assert_eq!(c.cmd(&["DEL", "k"]), int(1));
    }
}

/// 8 clients each run transactions of two INCRs: every EXEC sees its two increments
/// adjacent (nothing interleaved) and no increment is lost.
#[test]
fn concurrent_transactions_are_isolated() {
    let server = Server::start();
    let (clients, rounds) = (8, 150);
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let port = server.port;
            std::thread::spawn(move || {
                let mut c = Client::connect(port);
                for _ in 0..rounds {
                    let r = transaction(&mut c, &[&["INCR", "n"], &["INCR", "n"]]).array();
                    assert_eq!(r[1].int(), r[0].int() + 1, "another client's INCR ran inside EXEC");
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(server.client().cmd(&["GET", "n"]), bulk(&(2 * clients * rounds).to_string()));
}

/// A writer sets two keys per transaction while readers read both: no reader ever sees
/// one key written and the other not.
#[test]
fn readers_never_see_half_a_transaction() {
    let server = Server::start();
    let port = server.port;
    let writer = std::thread::spawn(move || {
        let mut c = Client::connect(port);
        for i in 0..400 {
            let i = i.to_string();
            let r = transaction(&mut c, &[&["SET", "a", &i], &["HSET", "h", "f", &i], &["SET", "b", &i]]);
            assert_eq!(r.array().len(), 3);
        }
    });
    let readers: Vec<_> = (0..3)
        .map(|_| {
            std::thread::spawn(move || {
                let mut c = Client::connect(port);
                for _ in 0..400 {
                    let r = c.cmd(&["MGET", "a", "b"]).array();
                    assert_eq!(r[0], r[1], "MGET saw half a transaction");
                    // Two separate reads in one pipeline are not atomic; a transaction of
                    // reads is.
                    let r = transaction(&mut c, &[&["GET", "a"], &["HGET", "h", "f"]]).array();
                    assert_eq!(r[0], r[1], "a transaction saw half of another");
                }
            })
        })
        .collect();
    writer.join().unwrap();
    readers.into_iter().for_each(|t| t.join().unwrap());
}

/// 20 clients add to one counter with WATCH / GET / MULTI / SET / EXEC, retrying when
/// EXEC aborts: the count is exact.
#[test]
fn optimistic_locking_with_watch_counts_exactly() {
    let server = Server::start();
    let (clients, adds) = (20, 25);
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let port = server.port;
            std::thread::spawn(move || {
                let mut c = Client::connect(port);
                let mut retries = 0;
                for _ in 0..adds {
                    loop {
                        assert_eq!(c.cmd(&["WATCH", "counter"]), ok());
                        let n: i64 = match c.cmd(&["GET", "counter"]) {
                            Value::Nil => 0,
                            v => v.text().parse().unwrap(),
                        };
                        let next = (n + 1).to_string();
                        if transaction(&mut c, &[&["SET", "counter", &next]]) != Value::Nil {
                            break;
                        }
                        retries += 1;
                    }
                }
                retries
            })
        })
        .collect();
    let retries: i32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(server.client().cmd(&["GET", "counter"]), bulk(&(clients * adds).to_string()));
    eprintln!("{retries} retries");
}

fn count_keys(c: &mut Client, n: usize) -> usize {
    (0..n).filter(|i| c.cmd(&["EXISTS", &format!("t:{i}")]) == int(1)).count()
}

/// Under `appendfsync always`, an acknowledged EXEC survives `kill -9` whole, and one
/// killed while it runs leaves all of its writes or none.
#[test]
fn a_transaction_survives_kill9_whole_or_not_at_all() {
    let mut server = Server::start_with(&["--appendfsync", "always"]);
    let n = 500;
    let mut txn = Client::encode(&[b"MULTI"]);
    for i in 0..n {
        txn.extend(Client::encode(&[b"SET", format!("t:{i}").as_bytes(), b"v"]));
    }
    txn.extend(Client::encode(&[b"EXEC"]));

    let mut c = server.client();
    c.send_raw(&txn);
    for _ in 0..=n {
        c.read();
    }
    assert_eq!(c.read().array().len(), n);
    server.kill9();
    server.restart();
    let mut c = server.client();
    assert_eq!(count_keys(&mut c, n), n);
    assert_eq!(c.cmd(&["DBSIZE"]), int(n as i64));

    for round in 0..3 {
        assert_eq!(c.cmd(&["FLUSHALL"]), ok());
        c.send_raw(&txn);
        // Kill while the transaction is queued, running or committing.
        std::thread::sleep(Duration::from_millis(round * 3));
        server.kill9();
        server.restart();
        c = server.client();
        let found = count_keys(&mut c, n);
        assert!(found == 0 || found == n, "round {round}: {found} of {n} writes survived");
        assert_eq!(c.cmd(&["DBSIZE"]), int(found as i64));
    }
}

/// Transactions beside everything that takes locks: pipelined write groups on the same
/// hot keys, keys expiring under the expiry thread, FLUSHDB in another database, and
/// `appendfsync always`. Finishes (no deadlock; the client's read timeout would fail it)
/// with every transactional increment counted.
#[test]
fn transactions_beside_write_groups_expiry_and_flushes() {
    let server = Server::start_with(&["--appendfsync", "always"]);
    let port = server.port;
    let mut threads = Vec::new();
    for t in 0..2 {
        threads.push(std::thread::spawn(move || {
            let mut c = Client::connect(port);
            for round in 0..40 {
                let mut cmds: Vec<Vec<String>> = Vec::new();
                for i in 0..30 {
                    cmds.push(vec!["SET".into(), format!("hot:{}", i % 5), format!("{t}:{round}")]);
                    cmds.push(vec!["SET".into(), format!("ttl:{t}:{i}"), "v".into(), "PX".into(), "1".into()]);
                }
                let mut batch = Vec::new();
                for cmd in &cmds {
                    let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
                    batch.extend(Client::encode(&args));
                }
                c.send_raw(&batch);
                for _ in &cmds {
                    assert_eq!(c.read(), ok());
                }
            }
        }));
    }
    threads.push(std::thread::spawn(move || {
        let mut c = Client::connect(port);
        assert_eq!(c.cmd(&["SELECT", "5"]), ok());
        for i in 0..40 {
            assert_eq!(c.cmd(&["SET", &format!("f{i}"), "v"]), ok());
            assert_eq!(c.cmd(&["FLUSHDB"]), ok());
        }
    }));
    for _ in 0..3 {
        threads.push(std::thread::spawn(move || {
            let mut c = Client::connect(port);
            for _ in 0..60 {
                let r = transaction(&mut c, &[&["INCR", "n"], &["SET", "hot:0", "txn"], &["GET", "hot:0"], &["INCR", "n"]]).array();
                assert_eq!((r[2].text(), r[3].int()), ("txn".to_string(), r[0].int() + 1));
            }
        }));
    }
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(server.client().cmd(&["GET", "n"]), bulk("360"));
}

#[test]
fn commands_that_only_read_a_key_do_not_break_its_watch() {
    // SINTERSTORE, COPY and BITOP read their sources and write only their destination.
    let server = Server::start();
    let mut c = server.client();
    let mut other = server.client();
    assert_eq!(other.cmd(&["SADD", "src", "a"]), int(1));
    assert_eq!(other.cmd(&["SET", "str", "x"]), ok());
    assert_eq!(c.cmd(&["WATCH", "src", "str"]), ok());
    assert_eq!(other.cmd(&["SINTERSTORE", "dst", "src"]), int(1));
    assert_eq!(other.cmd(&["COPY", "str", "copied"]), int(1));
    assert_eq!(other.cmd(&["BITOP", "NOT", "inverted", "str"]), int(1));
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["SET", "mine", "1"]), Value::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![ok()]));
    // Writing the destination does break a watch on it.
    assert_eq!(c.cmd(&["WATCH", "dst"]), ok());
    assert_eq!(other.cmd(&["SUNIONSTORE", "dst", "src"]), int(1));
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["SET", "mine", "2"]), Value::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["EXEC"]), Value::Nil);
}
