//! Pub/sub and keyspace notifications, black-box over TCP with several clients.
//! `DISKDB_TEST_REDIS=1` runs the same expectations against redis-server.

mod common;

use common::*;
use std::io::Write;
use std::time::{Duration, Instant};

fn push(items: &[Value]) -> Value {
    Value::Array(items.to_vec())
}

fn nil() -> Value {
    Value::Nil
}

/// A RESP2 confirmation or message: `[kind, name, count]` or `[kind, ..texts]`.
fn confirm(kind: &str, name: Option<&str>, count: i64) -> Value {
    push(&[bulk(kind), name.map_or(nil(), bulk), int(count)])
}

/// Texts of a message (an array of bulk strings, RESP2 or RESP3).
fn texts(v: &Value) -> Vec<String> {
    v.array().iter().map(Value::text).collect()
}

/// Waits (bounded) until `channel` has `n` subscribers, so a publish cannot race them.
fn wait_numsub(c: &mut Client, channel: &str, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = c.cmd(&["PUBSUB", "NUMSUB", channel]).array();
        if v[1].int() == n {
            return;
        }
        assert!(Instant::now() < deadline, "{channel} never got {n} subscribers");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn subscribe_confirmations_count_channels_and_patterns_shards_apart() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["UNSUBSCRIBE"]), confirm("unsubscribe", None, 0));
    assert_eq!(c.cmd(&["PUNSUBSCRIBE"]), confirm("punsubscribe", None, 0));
    assert_eq!(c.cmd(&["SUNSUBSCRIBE"]), confirm("sunsubscribe", None, 0));
    // Unsubscribing from channels never subscribed confirms each with the count.
    c.send_raw(&Client::encode(&[b"UNSUBSCRIBE", b"a", b"b"]));
    assert_eq!(c.read(), confirm("unsubscribe", Some("a"), 0));
    assert_eq!(c.read(), confirm("unsubscribe", Some("b"), 0));
    // One reply per channel; a repeated channel counts once.
    c.send_raw(&Client::encode(&[b"SUBSCRIBE", b"a", b"b", b"a"]));
    assert_eq!(c.read(), confirm("subscribe", Some("a"), 1));
    assert_eq!(c.read(), confirm("subscribe", Some("b"), 2));
    assert_eq!(c.read(), confirm("subscribe", Some("a"), 2));
    assert_eq!(c.cmd(&["PSUBSCRIBE", "p*"]), confirm("psubscribe", Some("p*"), 3));
    assert_eq!(c.cmd(&["SSUBSCRIBE", "s"]), confirm("ssubscribe", Some("s"), 1));
    // UNSUBSCRIBE without arguments leaves every channel, one confirmation each.
    c.send_raw(&Client::encode(&[b"UNSUBSCRIBE"]));
    let left = [c.read().array(), c.read().array()];
    let mut names: Vec<String> = left.iter().map(|m| m[1].text()).collect();
    names.sort();
    assert_eq!(names, vec!["a", "b"]);
    assert_eq!((left[0][2].int(), left[1][2].int()), (2, 1));
    assert_eq!(c.cmd(&["SUNSUBSCRIBE"]), confirm("sunsubscribe", Some("s"), 0));
    assert_eq!(c.cmd(&["PUNSUBSCRIBE", "p*"]), confirm("punsubscribe", Some("p*"), 0));
    // Out of subscribed mode, normal commands run again.
    assert_eq!(c.cmd(&["GET", "x"]), Value::Nil);
    assert_eq!(c.cmd(&["SUBSCRIBE"]), err("ERR wrong number of arguments for 'subscribe' command"));
    assert_eq!(c.cmd(&["PUBLISH", "a"]), err("ERR wrong number of arguments for 'publish' command"));
}

#[test]
fn resp2_subscribed_mode_allows_only_pubsub_ping_quit_and_reset() {
    let s = Server::start();
    let mut c = s.client();
    c.cmd(&["SUBSCRIBE", "a"]);
    let refused = |name: &str| {
        err(&format!(
            "ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        ))
    };
    assert_eq!(c.cmd(&["GET", "x"]), refused("get"));
    assert_eq!(c.cmd(&["PUBLISH", "a", "m"]), refused("publish"));
    assert_eq!(c.cmd(&["CONFIG", "GET", "x"]), refused("config|get"));
    // Unknown commands and arity errors come first, as in Redis.
    assert!(c.cmd(&["FOO"]).error().starts_with("ERR unknown command 'FOO'"));
    assert_eq!(c.cmd(&["SET", "a"]), err("ERR wrong number of arguments for 'set' command"));
    // PING answers in the shape of a message.
    assert_eq!(c.cmd(&["PING"]), push(&[bulk("pong"), bulk("")]));
    assert_eq!(c.cmd(&["PING", "hi"]), push(&[bulk("pong"), bulk("hi")]));
    // A shard subscription alone is subscribed mode too; RESET leaves it.
    c.cmd(&["UNSUBSCRIBE"]);
    c.cmd(&["SSUBSCRIBE", "s"]);
    assert_eq!(c.cmd(&["GET", "x"]), refused("get"));
    assert_eq!(c.cmd(&["RESET"]), Value::Simple("RESET".into()));
    assert_eq!(c.cmd(&["GET", "x"]), Value::Nil);
    let mut p = s.client();
    assert_eq!(p.cmd(&["SPUBLISH", "s", "m"]), int(0), "RESET dropped the subscription");
    c.cmd(&["SUBSCRIBE", "a"]);
    assert_eq!(c.cmd(&["QUIT"]), ok());
    assert!(c.is_closed());
}

#[test]
fn resp3_pushes_messages_and_runs_normal_commands_while_subscribed() {
    let s = Server::start();
    let mut c = s.client();
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["SUBSCRIBE", "a"]), Value::Push(vec![bulk("subscribe"), bulk("a"), int(1)]));
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()));
    let mut p = s.client();
    assert_eq!(p.cmd(&["PUBLISH", "a", "hello"]), int(1));
    assert_eq!(c.read(), Value::Push(vec![bulk("message"), bulk("a"), bulk("hello")]));
    assert_eq!(c.cmd(&["UNSUBSCRIBE"]), Value::Push(vec![bulk("unsubscribe"), bulk("a"), int(0)]));
    assert_eq!(c.cmd(&["UNSUBSCRIBE"]), Value::Push(vec![bulk("unsubscribe"), Value::Nil, int(0)]));
}

#[test]
fn publish_reaches_channel_pattern_and_shard_subscribers() {
    let s = Server::start();
    let (mut ch, mut pat, mut shard, mut p) = (s.client(), s.client(), s.client(), s.client());
    ch.cmd(&["SUBSCRIBE", "news.tech"]);
    pat.cmd(&["PSUBSCRIBE", "news.*", "n?ws.t[ae]ch"]);
    pat.read();
    shard.cmd(&["SSUBSCRIBE", "news.tech"]);
    // One channel subscriber and two matching patterns.
    assert_eq!(p.cmd(&["PUBLISH", "news.tech", "x"]), int(3));
    assert_eq!(ch.read(), push(&[bulk("message"), bulk("news.tech"), bulk("x")]));
    let mut got = vec![texts(&pat.read()), texts(&pat.read())];
    got.sort();
    assert_eq!(got, vec![vec!["pmessage", "n?ws.t[ae]ch", "news.tech", "x"], vec!["pmessage", "news.*", "news.tech", "x"]]);
    // Shard channels are their own namespace; patterns never see them.
    assert_eq!(p.cmd(&["SPUBLISH", "news.tech", "y"]), int(1));
    assert_eq!(shard.read(), push(&[bulk("smessage"), bulk("news.tech"), bulk("y")]));
    assert_eq!(p.cmd(&["PUBLISH", "other", "z"]), int(0));
    // Binary-safe channels and payloads.
    let mut bin = s.client();
    bin.cmd_bytes(&[b"SUBSCRIBE", b"b\x00\xff"]);
    assert_eq!(p.cmd_bytes(&[b"PUBLISH", b"b\x00\xff", b"\r\n\x00"]), int(1));
    assert_eq!(bin.read(), push(&[bulk("message"), Value::Bulk(b"b\x00\xff".to_vec()), Value::Bulk(b"\r\n\x00".to_vec())]));
    // Messages keep flowing to the others after one subscriber goes away.
    drop(ch);
    let deadline = Instant::now() + Duration::from_secs(5);
    while p.cmd(&["PUBSUB", "NUMSUB", "news.tech"]).array()[1] != int(0) {
        assert!(Instant::now() < deadline, "closed subscriber still counted");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(p.cmd(&["PUBLISH", "news.tech", "w"]), int(2));
}

#[test]
fn pubsub_introspection() {
    let s = Server::start();
    let (mut a, mut b, mut c) = (s.client(), s.client(), s.client());
    a.send_raw(&Client::encode(&[b"SUBSCRIBE", b"news.tech", b"news.art", b"sport"]));
    for _ in 0..3 {
        a.read();
    }
    let b_id = b.cmd(&["CLIENT", "ID"]).int().to_string();
    b.cmd(&["SUBSCRIBE", "sport"]);
    b.cmd(&["PSUBSCRIBE", "x*"]);
    b.cmd(&["SSUBSCRIBE", "sh1"]);
    let mut all = c.cmd(&["PUBSUB", "CHANNELS"]).texts();
    all.sort();
    assert_eq!(all, vec!["news.art", "news.tech", "sport"]);
    let mut news = c.cmd(&["PUBSUB", "CHANNELS", "news.*"]).texts();
    news.sort();
    assert_eq!(news, vec!["news.art", "news.tech"]);
    assert_eq!(
        c.cmd(&["PUBSUB", "NUMSUB", "sport", "news.art", "none"]),
        arr(vec![bulk("sport"), int(2), bulk("news.art"), int(1), bulk("none"), int(0)])
    );
    assert_eq!(c.cmd(&["PUBSUB", "NUMSUB"]), arr(vec![]));
    assert_eq!(c.cmd(&["PUBSUB", "NUMPAT"]), int(1));
    assert_eq!(c.cmd(&["PUBSUB", "SHARDCHANNELS"]), arr(vec![bulk("sh1")]));
    assert_eq!(c.cmd(&["PUBSUB", "SHARDCHANNELS", "x*"]), arr(vec![]));
    assert_eq!(c.cmd(&["PUBSUB", "SHARDNUMSUB", "sh1", "sport"]), arr(vec![bulk("sh1"), int(1), bulk("sport"), int(0)]));
    assert_eq!(c.cmd(&["PUBSUB", "NUMPAT", "x"]), err("ERR wrong number of arguments for 'pubsub|numpat' command"));
    assert_eq!(c.cmd(&["PUBSUB", "FOO"]), err("ERR unknown subcommand 'FOO'. Try PUBSUB HELP."));
    assert!(c.cmd(&["PUBSUB", "HELP"]).array().len() > 10);
    let stats = c.cmd(&["INFO", "stats"]).text();
    for field in ["pubsub_channels:3", "pubsub_patterns:1", "pubsubshard_channels:1"] {
        assert!(stats.contains(field), "{field} in {stats}");
    }
    // CLIENT LIST shows the subscription counts and the P flag; TYPE pubsub picks them.
    let line = c.cmd(&["CLIENT", "LIST", "ID", &b_id]).text();
    assert!(line.contains(" flags=P ") && line.contains(" sub=1 psub=1 ssub=1 "), "{line}");
    let line = c.cmd(&["CLIENT", "INFO"]).text();
    assert!(line.contains(" flags=N ") && line.contains(" sub=0 psub=0 ssub=0 "), "{line}");
    assert_eq!(c.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]).text().lines().count(), 2);
    assert_eq!(c.cmd(&["CLIENT", "KILL", "TYPE", "pubsub"]), int(2));
    assert!(a.is_closed() && b.is_closed());
}

#[test]
fn fan_out_of_10000_messages_to_50_subscribers_loses_and_reorders_none() {
    const SUBSCRIBERS: usize = 50;
    const MESSAGES: usize = 10_000;
    let s = Server::start();
    let port = s.port;
    let mut readers = Vec::new();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    for i in 0..SUBSCRIBERS {
        let ready = ready_tx.clone();
        readers.push(std::thread::spawn(move || {
            let mut c = Client::connect(port);
            // Half over patterns, half over the channel; every one must see every message.
            if i % 2 == 0 {
                c.cmd(&["SUBSCRIBE", "fan"]);
            } else {
                c.cmd(&["PSUBSCRIBE", "f?n"]);
            }
            ready.send(()).unwrap();
            for n in 0..MESSAGES {
                let m = texts(&c.read());
                assert_eq!(m.last().unwrap(), &n.to_string(), "subscriber {i} got message {} at {n}", m.last().unwrap());
            }
        }));
    }
    for _ in 0..SUBSCRIBERS {
        ready_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    }
    let mut p = s.client();
    wait_numsub(&mut p, "fan", SUBSCRIBERS as i64 / 2);
    // Pipelined, so the publisher goes as fast as the server takes it.
    for chunk in (0..MESSAGES).collect::<Vec<_>>().chunks(500) {
        let mut batch = Vec::new();
        for n in chunk {
            batch.extend(Client::encode(&[b"PUBLISH", b"fan", n.to_string().as_bytes()]));
        }
        p.send_raw(&batch);
        for _ in chunk {
            assert_eq!(p.read(), int(SUBSCRIBERS as i64));
        }
    }
    for r in readers {
        r.join().unwrap();
    }
}

#[test]
fn a_stalled_subscriber_is_disconnected_and_the_others_keep_receiving() {
    const MESSAGES: usize = 20_000;
    let s = Server::start();
    let mut p = s.client();
    assert_eq!(p.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "pubsub 2mb 1mb 60"]), ok());
    assert_eq!(
        p.cmd(&["CONFIG", "GET", "client-output-buffer-limit"]).array()[1].text(),
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 2097152 1048576 60"
    );
    // The stalled subscriber shrinks its receive buffer and never reads again.
    let mut stalled = s.client();
    stalled.cmd(&["SUBSCRIBE", "flood"]);
    stalled.cmd(&["CLIENT", "SETNAME", "stalled"]);
    let port = s.port;
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let read = progress.clone();
    let reader = std::thread::spawn(move || {
        let mut c = Client::connect(port);
        c.cmd(&["SUBSCRIBE", "flood"]);
        for n in 0..MESSAGES {
            assert_eq!(texts(&c.read())[2].split(':').next().unwrap(), n.to_string());
            read.store(n + 1, std::sync::atomic::Ordering::Relaxed);
        }
    });
    wait_numsub(&mut p, "flood", 2);
    let payload = "x".repeat(1000);
    for chunk in (0..MESSAGES).collect::<Vec<_>>().chunks(200) {
        let mut batch = Vec::new();
        for n in chunk {
            batch.extend(Client::encode(&[b"PUBLISH", b"flood", format!("{n}:{payload}").as_bytes()]));
        }
        p.stream.write_all(&batch).unwrap();
        for _ in chunk {
            let receivers = p.read().int();
            assert!((1..=2).contains(&receivers));
        }
        // The reading subscriber stays within 1,000 messages (1 MB) of the publisher, so
        // only the stalled one can reach the limit, however busy the machine is.
        let deadline = Instant::now() + Duration::from_secs(30);
        while progress.load(std::sync::atomic::Ordering::Relaxed) + 1000 < chunk[chunk.len() - 1] {
            assert!(Instant::now() < deadline, "the reading subscriber stopped receiving");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    // 20 MB went out while one subscriber read nothing: the publisher got every reply.
    reader.join().unwrap();
    // The stalled one is gone (its connection closes on its own schedule: bounded wait).
    let deadline = Instant::now() + Duration::from_secs(10);
    while p.cmd(&["CLIENT", "LIST"]).text().contains("name=stalled") {
        assert!(Instant::now() < deadline, "the stalled subscriber is still connected");
        std::thread::sleep(Duration::from_millis(10));
    }
    wait_numsub(&mut p, "flood", 0);
    if !s.is_reference() {
        assert!(s.log().contains("scheduled to be closed ASAP for overcoming of output buffer limits"), "{}", s.log());
    }
}

#[test]
fn config_of_notify_keyspace_events_reads_back_as_redis_prints_it() {
    let s = Server::start();
    let mut c = s.client();
    let get = |c: &mut Client| c.cmd(&["CONFIG", "GET", "notify-keyspace-events"]).array()[1].text();
    assert_eq!(get(&mut c), "");
    for (set, shown) in [("KEA", "AKE"), ("Ex$", "$xE"), ("nmdKg", "gdnKm"), ("g$lshzxetK", "g$lshzxetK"), ("g$lshzxetdK", "AK"), ("", "")]
    {
        assert_eq!(c.cmd(&["CONFIG", "SET", "notify-keyspace-events", set]), ok());
        assert_eq!(get(&mut c), shown, "{set}");
    }
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KQ"]),
        err("ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1 2"]),
        err("ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration.")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "foo 1 2 3"]),
        err("ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.")
    );
}

/// Runs a command that must succeed.
fn must(c: &mut Client, args: &[&str]) -> Value {
    let reply = c.cmd(args);
    assert!(!matches!(reply, Value::Error(_)), "{args:?} failed: {reply:?}");
    reply
}

/// Sets `flags`, subscribes to `patterns`, lets `run` drive another client, and returns
/// the pattern messages published meanwhile (`[pmessage, pattern, channel, payload]`),
/// in order.
fn published(s: &Server, flags: &str, patterns: &[&str], run: impl FnOnce(&mut Client)) -> Vec<Vec<String>> {
    let mut c = s.client();
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", flags]);
    let mut sub = s.client();
    for pattern in patterns {
        sub.cmd(&["PSUBSCRIBE", pattern]);
    }
    sub.cmd(&["SUBSCRIBE", "done"]);
    run(&mut c);
    c.cmd(&["PUBLISH", "done", "."]);
    std::iter::from_fn(|| Some(texts(&sub.read()))).take_while(|m| m[0] != "message").collect()
}

/// Subscribes to every keyevent channel, runs `commands` on another client, and returns
/// the `(event, key)` pairs published, in order.
fn events_of(s: &Server, flags: &str, commands: &[&[&str]]) -> Vec<(String, String)> {
    let messages = published(s, flags, &["__keyevent@*"], |c| {
        for cmd in commands {
            must(c, cmd);
        }
    });
    messages.into_iter().map(|m| (m[2].split_once("__:").unwrap().1.to_string(), m[3].clone())).collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(e, k)| (e.to_string(), k.to_string())).collect()
}

#[test]
fn keyspace_events_of_strings_and_generic_commands() {
    let s = Server::start();
    let got = events_of(
        &s,
        "KEA",
        &[
            &["SET", "s", "1"],
            &["SET", "s", "2", "NX"], // not set: nothing
            &["SET", "t", "1", "EX", "100"],
            &["SETNX", "s", "x"], // nothing
            &["INCR", "s"],
            &["INCRBYFLOAT", "s", "1.5"],
            &["APPEND", "s", "0"],
            &["SETRANGE", "s", "0", "9"],
            &["SETRANGE", "s", "0", ""], // nothing
            &["SETBIT", "b", "1", "1"],
            &["MSET", "m1", "a", "m2", "b"],
            &["MSETNX", "m1", "x", "m3", "y"], // nothing
            &["GETSET", "m1", "c"],
            &["GETDEL", "m2"],
            &["GETDEL", "m2"], // nothing
            &["GETEX", "m1", "PX", "100000"],
            &["GETEX", "m1", "PERSIST"],
            &["GETEX", "m1", "PERSIST"], // no TTL left: nothing
            &["EXPIRE", "m1", "100"],
            &["EXPIRE", "m1", "50", "GT"], // not set: nothing
            &["PERSIST", "m1"],
            &["PERSIST", "m1"], // nothing
            &["RENAME", "m1", "r1"],
            &["COPY", "r1", "c1"],
            &["MOVE", "c1", "1"],
            &["DEL", "r1", "nosuch", "t"],
            &["PEXPIRE", "b", "-1"], // a past deadline deletes
        ],
    );
    assert_eq!(
        got,
        pairs(&[
            ("set", "s"),
            ("set", "t"),
            ("expire", "t"),
            ("incrby", "s"),
            ("incrbyfloat", "s"),
            ("append", "s"),
            ("setrange", "s"),
            ("setbit", "b"),
            ("set", "m1"),
            ("set", "m2"),
            ("set", "m1"),
            ("del", "m2"),
            ("expire", "m1"),
            ("persist", "m1"),
            ("expire", "m1"),
            ("persist", "m1"),
            ("rename_from", "m1"),
            ("rename_to", "r1"),
            ("copy_to", "c1"),
            ("move_from", "c1"),
            ("move_to", "c1"),
            ("del", "r1"),
            ("del", "t"),
            ("del", "b"),
        ])
    );
}

#[test]
fn keyspace_events_of_lists_hashes_sets_and_sorted_sets() {
    let s = Server::start();
    let got = events_of(
        &s,
        "KEA",
        &[
            &["RPUSH", "l", "a", "b", "c"],
            &["LPUSH", "l", "z"],
            &["LPUSHX", "nosuch", "a"], // nothing
            &["LSET", "l", "0", "y"],
            &["LINSERT", "l", "BEFORE", "a", "x"],
            &["LREM", "l", "0", "x"],
            &["LTRIM", "l", "0", "2"],
            &["LMOVE", "l", "l2", "LEFT", "RIGHT"],
            &["RPOP", "l", "5"], // empties the list
            &["LMPOP", "1", "l2", "LEFT"],
            &["HSET", "h", "f", "1", "g", "2"],
            &["HSETNX", "h", "f", "x"], // nothing
            &["HINCRBY", "h", "f", "1"],
            &["HINCRBYFLOAT", "h", "f", "0.5"],
            &["HDEL", "h", "nosuch"], // nothing
            &["HDEL", "h", "f", "g"],
            &["SADD", "s", "a", "b"],
            &["SADD", "s", "a"], // nothing
            &["SREM", "s", "a"],
            &["SMOVE", "s", "s2", "b"],
            &["SADD", "s3", "q"],
            &["SINTERSTORE", "s4", "s2", "s3"], // empty result, s4 missing: nothing
            &["SUNIONSTORE", "s4", "s2", "s3"],
            &["SPOP", "s3"],
            &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
            &["ZADD", "z", "1", "a"], // unchanged: nothing
            &["ZINCRBY", "z", "1", "a"],
            &["ZREM", "z", "a"],
            &["ZREMRANGEBYSCORE", "z", "0", "2"],
            &["ZUNIONSTORE", "z2", "1", "z"],
            &["ZPOPMIN", "z"],
        ],
    );
    assert_eq!(
        got,
        pairs(&[
            ("rpush", "l"),
            ("lpush", "l"),
            ("lset", "l"),
            ("linsert", "l"),
            ("lrem", "l"),
            ("ltrim", "l"),
            ("rpush", "l2"),
            ("lpop", "l"),
            ("rpop", "l"),
            ("del", "l"),
            ("lpop", "l2"),
            ("del", "l2"),
            ("hset", "h"),
            ("hincrby", "h"),
            ("hincrbyfloat", "h"),
            ("hdel", "h"),
            ("del", "h"),
            ("sadd", "s"),
            ("srem", "s"),
            ("srem", "s"),
            ("del", "s"),
            ("sadd", "s2"),
            ("sadd", "s3"),
            ("sunionstore", "s4"),
            ("spop", "s3"),
            ("del", "s3"),
            ("zadd", "z"),
            ("zincr", "z"),
            ("zrem", "z"),
            ("zremrangebyscore", "z"),
            ("zunionstore", "z2"),
            ("zpopmin", "z"),
            ("del", "z"),
        ])
    );
}

#[test]
fn keyspace_channels_carry_the_event_and_name_the_database() {
    let s = Server::start();
    let mut c = s.client();
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "K$"]);
    let mut sub = s.client();
    sub.cmd(&["PSUBSCRIBE", "__key*"]);
    c.cmd(&["SELECT", "3"]);
    c.cmd(&["SET", "k", "v"]);
    c.cmd(&["LPUSH", "l", "x"]); // lists are not enabled
    c.cmd(&["DEL", "k"]); // nor generic events
    c.cmd(&["INCR", "n"]);
    assert_eq!(texts(&sub.read()), vec!["pmessage", "__key*", "__keyspace@3__:k", "set"]);
    assert_eq!(texts(&sub.read()), vec!["pmessage", "__key*", "__keyspace@3__:n", "incrby"]);
    // With the classes but neither K nor E, nothing is published.
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "A"]);
    c.cmd(&["SET", "k", "v"]);
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", ""]);
    c.cmd(&["SET", "k", "v"]);
    c.cmd(&["PUBLISH", "__key_end", "."]);
    assert_eq!(texts(&sub.read()), vec!["pmessage", "__key*", "__key_end", "."]);
}

#[test]
fn active_expiry_publishes_expired() {
    let s = Server::start();
    let mut c = s.client();
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "Ex"]);
    let mut sub = s.client();
    sub.cmd(&["SUBSCRIBE", "__keyevent@0__:expired"]);
    c.cmd(&["SET", "a", "1", "PX", "50"]);
    c.cmd(&["HSET", "b", "f", "v"]);
    c.cmd(&["PEXPIRE", "b", "80"]);
    // Nobody reads the keys: the background expiry finds them (bounded by the read timeout).
    let mut expired = vec![texts(&sub.read())[2].clone(), texts(&sub.read())[2].clone()];
    expired.sort();
    assert_eq!(expired, vec!["a", "b"]);
}

#[test]
fn the_config_file_sets_notifications_and_the_output_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diskdb.toml");
    std::fs::write(&path, "[server]\nnotify-keyspace-events = \"KEA\"\nclient-output-buffer-limit = \"pubsub 4mb 2mb 10\"\n").unwrap();
    let s = Server::start_with(&["--config", path.to_str().unwrap()]);
    let mut c = s.client();
    assert_eq!(c.cmd(&["CONFIG", "GET", "notify-keyspace-events"]).array()[1].text(), "AKE");
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "client-output-buffer-limit"]).array()[1].text(),
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 4194304 2097152 10"
    );
    let mut sub = s.client();
    sub.cmd(&["SUBSCRIBE", "__keyevent@0__:set"]);
    c.cmd(&["SET", "k", "v"]);
    assert_eq!(texts(&sub.read()), vec!["message", "__keyevent@0__:set", "k"]);
    // CONFIG REWRITE keeps them.
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "Eg"]);
    assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), ok());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("notify-keyspace-events = \"gE\""), "{text}");
    // A bad value in the file stops the server at start-up with a message.
    std::fs::write(&path, "[server]\nnotify-keyspace-events = \"Q\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_diskdb"))
        .args(["--config", path.to_str().unwrap(), "--port", "0", "--dir", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("notify-keyspace-events"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_command_touching_an_expired_key_publishes_expired_first() {
    // DiskDB's background expiry is held off for a minute, so the commands find the keys.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diskdb.toml");
    std::fs::write(&path, "[storage]\nexpire-interval-ms = 60000\n").unwrap();
    let s = if std::env::var("DISKDB_TEST_REDIS").is_ok_and(|v| v == "1") {
        Server::start()
    } else {
        Server::start_with(&["--config", path.to_str().unwrap()])
    };
    let mut c = s.client();
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "Exg$"]);
    c.cmd(&["SET", "gone", "1", "PX", "1"]);
    c.cmd(&["SET", "reset", "1", "PX", "1"]);
    let mut sub = s.client();
    sub.cmd(&["PSUBSCRIBE", "__keyevent@0__:*"]);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(c.cmd(&["GET", "gone"]), Value::Nil);
    assert_eq!(c.cmd(&["SET", "reset", "2"]), ok());
    assert_eq!(c.cmd(&["EXISTS", "gone"]), int(0));
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
    c.cmd(&["PUBLISH", "__keyevent@0__:end", "."]);
    let mut got = Vec::new();
    loop {
        let m = texts(&sub.read());
        if m[2].ends_with(":end") {
            break;
        }
        got.push((m[2].rsplit(':').next().unwrap().to_string(), m[3].clone()));
    }
    assert_eq!(got, pairs(&[("expired", "gone"), ("expired", "reset"), ("set", "reset")]));
}

/// Subscribes to both kinds of channel of database 0, sets `flags`, lets `run` drive
/// another client, and returns the `(event, key)` pairs published, in order. Checks
/// that each event comes as Redis sends it: on `__keyspace@0__:<key>`, then on
/// `__keyevent@0__:<event>`.
fn keyspace_and_keyevents(s: &Server, flags: &str, run: impl FnOnce(&mut Client)) -> Vec<(String, String)> {
    let messages = published(s, flags, &["__keyevent@0__:*", "__keyspace@0__:*"], run);
    assert!(messages.len() % 2 == 0, "each event on both channels: {messages:?}");
    let pair = |space: &Vec<String>, event: &Vec<String>| {
        let key = space[2].strip_prefix("__keyspace@0__:").unwrap_or_else(|| panic!("keyspace message first: {space:?}"));
        let name = event[2].strip_prefix("__keyevent@0__:").unwrap_or_else(|| panic!("then keyevent: {event:?}"));
        assert_eq!((name, event[3].as_str()), (space[3].as_str(), key), "one event on both channels");
        (name.to_string(), key.to_string())
    };
    messages.chunks(2).map(|m| pair(&m[0], &m[1])).collect()
}

#[test]
fn keyspace_events_of_streams_are_redis_7s() {
    let s = Server::start();
    let got = keyspace_and_keyevents(&s, "KEA", |c| {
        must(c, &["XADD", "s", "1-0", "a", "1"]);
        assert!(c.cmd(&["XADD", "s", "1-0", "a", "1"]).error().starts_with("ERR The ID specified in XADD"));
        assert_eq!(c.cmd(&["XADD", "nosuch", "NOMKSTREAM", "*", "a", "1"]), nil());
        must(c, &["XADD", "s", "MAXLEN", "5", "2-0", "a", "2"]); // trims nothing: no xtrim
        must(c, &["XADD", "s", "MAXLEN", "1", "3-0", "a", "3"]);
        must(c, &["XADD", "t", "MAXLEN", "0", "1-0", "a", "1"]); // trims its own entry
        assert_eq!(c.cmd(&["XTRIM", "s", "MAXLEN", "10"]), int(0));
        assert_eq!(c.cmd(&["XTRIM", "nosuch", "MAXLEN", "0"]), int(0));
        must(c, &["XADD", "s", "4-0", "a", "4"]);
        assert_eq!(c.cmd(&["XTRIM", "s", "MINID", "4"]), int(1));
        assert_eq!(c.cmd(&["XDEL", "s", "1-0"]), int(0));
        assert_eq!(c.cmd(&["XDEL", "s", "4-0"]), int(1));
        assert_eq!(c.cmd(&["XSETID", "s", "9-0"]), ok());
        assert_eq!(c.cmd(&["XSETID", "s", "9-0"]), ok()); // unchanged, still announced
        assert_eq!(c.cmd(&["XSETID", "nosuch", "9-0"]), err("ERR no such key"));
        // Groups and consumers.
        assert!(c.cmd(&["XGROUP", "CREATE", "g", "grp", "$"]).error().starts_with("ERR The XGROUP subcommand requires the key to exist"));
        assert_eq!(c.cmd(&["XGROUP", "CREATE", "g", "grp", "$", "MKSTREAM"]), ok()); // no xadd for the new stream
        assert_eq!(c.cmd(&["XGROUP", "CREATE", "g", "grp", "$"]), err("BUSYGROUP Consumer Group name already exists"));
        for id in ["1-0", "2-0", "3-0"] {
            must(c, &["XADD", "g", id, "f", "v"]);
        }
        assert_eq!(c.cmd(&["XGROUP", "SETID", "g", "grp", "0"]), ok());
        assert!(c.cmd(&["XGROUP", "SETID", "g", "nogrp", "0"]).error().starts_with("NOGROUP"));
        assert_eq!(c.cmd(&["XGROUP", "CREATECONSUMER", "g", "grp", "c0"]), int(1));
        assert_eq!(c.cmd(&["XGROUP", "CREATECONSUMER", "g", "grp", "c0"]), int(0));
        must(c, &["XREADGROUP", "GROUP", "grp", "c1", "COUNT", "1", "STREAMS", "g", ">"]); // creates c1
        must(c, &["XREADGROUP", "GROUP", "grp", "c1", "STREAMS", "g", ">"]); // c1 exists
        assert_eq!(c.cmd(&["XREADGROUP", "GROUP", "grp", "c2", "STREAMS", "g", ">"]), Value::Nil); // nothing new: no consumer
        must(c, &["XREADGROUP", "GROUP", "grp", "c3", "STREAMS", "g", "0"]); // a history read creates c3
        assert_eq!(c.cmd(&["XACK", "g", "grp", "1-0"]), int(1)); // XACK announces nothing
        must(c, &["XCLAIM", "g", "grp", "c4", "0", "2-0"]); // creates c4
        must(c, &["XCLAIM", "g", "grp", "c4", "0", "2-0", "JUSTID"]);
        must(c, &["XAUTOCLAIM", "g", "grp", "c5", "0", "0"]); // creates c5
        assert_eq!(c.cmd(&["XGROUP", "DELCONSUMER", "g", "grp", "c0"]), int(0));
        assert_eq!(c.cmd(&["XGROUP", "DELCONSUMER", "g", "grp", "c0"]), int(0)); // gone: nothing
        assert_eq!(c.cmd(&["XGROUP", "DESTROY", "g", "grp"]), int(1));
        assert_eq!(c.cmd(&["XGROUP", "DESTROY", "g", "grp"]), int(0));
        assert_eq!(c.cmd(&["DEL", "s", "t"]), int(2));
    });
    let xs = |event: &'static str, n: usize, key: &'static str| vec![(event, key); n];
    let expected = [
        xs("xadd", 2, "s"),
        vec![("xadd", "s"), ("xtrim", "s"), ("xadd", "t"), ("xtrim", "t")],
        vec![("xadd", "s"), ("xtrim", "s"), ("xdel", "s")],
        xs("xsetid", 2, "s"),
        vec![("xgroup-create", "g")],
        xs("xadd", 3, "g"),
        vec![("xgroup-setid", "g")],
        xs("xgroup-createconsumer", 5, "g"),
        vec![("xgroup-delconsumer", "g"), ("xgroup-destroy", "g"), ("del", "s"), ("del", "t")],
    ]
    .concat();
    assert_eq!(got, pairs(&expected));
}

#[test]
fn a_blocked_xreadgroup_announces_its_new_consumer_after_the_xadd() {
    let s = Server::start();
    let (mut c, mut reader) = (s.client(), s.client());
    c.cmd(&["XGROUP", "CREATE", "s", "grp", "$", "MKSTREAM"]);
    let got = keyspace_and_keyevents(&s, "KEt", |c| {
        reader.send_raw(&Client::encode(&[b"XREADGROUP", b"GROUP", b"grp", b"late", b"BLOCK", b"0", b"STREAMS", b"s", b">"]));
        s.wait_blocked(1);
        must(c, &["XADD", "s", "1-0", "f", "v"]);
        assert_eq!(reader.read().array().len(), 1, "served");
        // Only stream events are on: the string class is not.
        must(c, &["SET", "x", "1"]);
    });
    assert_eq!(got, pairs(&[("xadd", "s"), ("xgroup-createconsumer", "s")]));
}

#[test]
fn json_commands_publish_module_events_named_after_them() {
    let s = Server::start();
    if s.is_reference() {
        return; // Debian's redis-server has no JSON module.
    }
    let got = keyspace_and_keyevents(&s, "KEA", |c| {
        must(c, &["JSON.SET", "j", "$", r#"{"a":1,"b":[1,2],"s":"x","t":true,"o":{"k":1}}"#]);
        assert_eq!(c.cmd(&["JSON.SET", "j", "$", "{}", "NX"]), nil());
        assert_eq!(c.cmd(&["JSON.SET", "j", "$.nope.deeper", "1"]), nil());
        assert_eq!(c.cmd(&["JSON.SET", "j", "$.c", "3"]), ok());
        assert_eq!(c.cmd(&["JSON.SET", "j", "$.a", "5", "XX"]), ok());
        must(c, &["JSON.NUMINCRBY", "j", "$.a", "2"]);
        must(c, &["JSON.NUMINCRBY", "j", "$.s", "2"]); // no number there: nothing
        assert!(c.cmd(&["JSON.NUMINCRBY", "nosuch", "$.a", "1"]).error().starts_with("ERR"));
        must(c, &["JSON.NUMMULTBY", "j", "$.a", "2"]);
        must(c, &["JSON.STRAPPEND", "j", "$.s", r#""y""#]);
        must(c, &["JSON.STRAPPEND", "j", "$.a", r#""y""#]); // nothing
        must(c, &["JSON.ARRAPPEND", "j", "$.b", "3"]);
        must(c, &["JSON.ARRINSERT", "j", "$.b", "0", "0"]);
        must(c, &["JSON.ARRTRIM", "j", "$.b", "0", "1"]);
        must(c, &["JSON.ARRPOP", "j", "$.b"]);
        must(c, &["JSON.ARRPOP", "j", "$.b"]);
        assert_eq!(c.cmd(&["JSON.ARRPOP", "j", "$.b"]), arr(vec![nil()])); // empty: nothing
        must(c, &["JSON.TOGGLE", "j", "$.t"]);
        must(c, &["JSON.TOGGLE", "j", "$.a"]); // nothing
        assert_eq!(c.cmd(&["JSON.MERGE", "j", "$", r#"{"m":1}"#]), ok());
        assert_eq!(c.cmd(&["JSON.MERGE", "j", "$.nope.x", "1"]), nil());
        assert_eq!(c.cmd(&["JSON.CLEAR", "j", "$.o"]), int(1));
        assert_eq!(c.cmd(&["JSON.CLEAR", "j", "$.o"]), int(0));
        assert_eq!(c.cmd(&["JSON.DEL", "j", "$.nope"]), int(0));
        assert_eq!(c.cmd(&["JSON.DEL", "j", "$.c"]), int(1));
        assert_eq!(c.cmd(&["JSON.FORGET", "j", "$.m"]), int(1));
        // One event per triplet that set something.
        assert_eq!(c.cmd(&["JSON.MSET", "j", "$.a", "1", "k", "$", r#"{"x":1}"#, "j", "$.nope.y", "2"]), ok());
        must(c, &["JSON.GET", "j"]);
        assert_eq!(c.cmd(&["JSON.DEL", "k"]), int(1));
        assert_eq!(c.cmd(&["DEL", "j"]), int(1));
    });
    let expected = [
        ("json.set", "j"),
        ("json.set", "j"),
        ("json.set", "j"),
        ("json.numincrby", "j"),
        ("json.nummultby", "j"),
        ("json.strappend", "j"),
        ("json.arrappend", "j"),
        ("json.arrinsert", "j"),
        ("json.arrtrim", "j"),
        ("json.arrpop", "j"),
        ("json.arrpop", "j"),
        ("json.toggle", "j"),
        ("json.merge", "j"),
        ("json.clear", "j"),
        ("json.del", "j"),
        ("json.del", "j"),
        ("json.mset", "j"),
        ("json.mset", "k"),
        ("json.del", "k"),
        ("del", "j"),
    ];
    assert_eq!(got, pairs(&expected));
    // JSON events are the module class, `d`: without it only the generic ones go out.
    let got = events_of(&s, "Eg", &[&["JSON.SET", "j", "$", "1"], &["JSON.DEL", "j"], &["JSON.SET", "j", "$", "1"], &["DEL", "j"]]);
    assert_eq!(got, pairs(&[("del", "j")]));
    let got = events_of(&s, "Ed", &[&["JSON.SET", "j", "$", "1"], &["SET", "x", "1"], &["DEL", "j"]]);
    assert_eq!(got, pairs(&[("json.set", "j")]));
}
