//! Generic key commands, black-box against Redis 7 semantics: deletion, existence,
//! expiry (set, read, lazy and active), enumeration, renaming, copying, moving between
//! databases, flushing and OBJECT. `DISKDB_TEST_REDIS=1` runs them against redis-server.

mod common;
use common::*;

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

fn nil() -> Value {
    Value::Nil
}

fn sorted(v: Value) -> Vec<String> {
    let mut t = v.texts();
    t.sort();
    t
}

fn strs(v: &[&str]) -> Vec<String> {
    let mut t: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    t.sort();
    t
}

const SYNTAX: &str = "ERR syntax error";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const OUT_OF_RANGE: &str = "ERR DB index is out of range";

/// Runs a full SCAN with extra arguments; returns every key in the order returned.
fn scan_all(c: &mut Client, extra: &[&str]) -> Vec<Vec<u8>> {
    let mut cursor = "0".to_string();
    let mut keys = Vec::new();
    let mut rounds = 0;
    loop {
        let mut args = vec!["SCAN", cursor.as_str()];
        args.extend_from_slice(extra);
        let reply = c.cmd(&args).array();
        assert_eq!(reply.len(), 2, "SCAN replies [cursor, keys]");
        for k in reply[1].array() {
            match k {
                Value::Bulk(b) => keys.push(b),
                other => panic!("SCAN key {other:?}"),
            }
        }
        cursor = reply[0].text();
        if cursor == "0" {
            return keys;
        }
        rounds += 1;
        assert!(rounds < 100_000, "SCAN does not terminate");
    }
}

fn mset_many(c: &mut Client, keys: impl Iterator<Item = String>) {
    let keys: Vec<String> = keys.collect();
    let mut args: Vec<&[u8]> = vec![b"MSET"];
    for k in &keys {
        args.push(k.as_bytes());
        args.push(b"v");
    }
    assert_eq!(c.cmd_bytes(&args), ok());
}

// ---------------------------------------------------------------------------------
// Existence and deletion

#[test]
fn del_and_unlink_count_removed_keys() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["MSET", "a", "1", "b", "2", "c", "3", "d", "4"]), ok());
    assert_eq!(c.cmd(&["DEL", "a", "a", "b", "missing"]), int(2), "a key named twice counts once");
    assert_eq!(c.cmd(&["EXISTS", "a", "b"]), int(0));
    assert_eq!(c.cmd(&["UNLINK", "c", "c"]), int(1));
    assert_eq!(c.cmd(&["DEL", "missing"]), int(0));
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
    // An expired key is not counted.
    assert_eq!(c.cmd(&["SET", "gone", "v", "PX", "1"]), ok());
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(c.cmd(&["DEL", "gone", "d"]), int(1));
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    assert_eq!(c.cmd(&["DEL"]), err("ERR wrong number of arguments for 'del' command"));
    assert_eq!(c.cmd(&["UNLINK"]), err("ERR wrong number of arguments for 'unlink' command"));
}

#[test]
fn exists_and_touch_count_duplicates() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["EXISTS", "a"]), int(0));
    assert_eq!(c.cmd(&["SET", "a", "1"]), ok());
    assert_eq!(c.cmd(&["SET", "b", ""]), ok());
    assert_eq!(c.cmd(&["EXISTS", "a"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "a", "a", "missing", "b"]), int(3));
    assert_eq!(c.cmd(&["TOUCH", "a", "a", "missing"]), int(2));
    assert_eq!(c.cmd(&["TOUCH", "missing"]), int(0));
    assert_eq!(c.cmd(&["EXISTS"]), err("ERR wrong number of arguments for 'exists' command"));
}

#[test]
fn type_of_keys() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "s", "v"]), ok());
    assert_eq!(c.cmd(&["SET", "n", "42"]), ok());
    assert_eq!(c.cmd(&["TYPE", "s"]), Value::Simple("string".into()));
    assert_eq!(c.cmd(&["TYPE", "n"]), Value::Simple("string".into()));
    assert_eq!(c.cmd(&["TYPE", "missing"]), Value::Simple("none".into()));
    assert_eq!(c.cmd(&["TYPE"]), err("ERR wrong number of arguments for 'type' command"));
}

// ---------------------------------------------------------------------------------
// Expiry

#[test]
fn expire_family_sets_deadlines() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["MSET", "a", "1", "b", "2", "c", "3", "d", "4"]), ok());
    assert_eq!(c.cmd(&["EXPIRE", "a", "100"]), int(1));
    let ttl = c.cmd(&["TTL", "a"]).int();
    assert!((99..=100).contains(&ttl), "{ttl}");
    assert_eq!(c.cmd(&["PEXPIRE", "b", "100000"]), int(1));
    let pttl = c.cmd(&["PTTL", "b"]).int();
    assert!((95_000..=100_000).contains(&pttl), "{pttl}");
    assert_eq!(c.cmd(&["EXPIREAT", "c", "4102444800"]), int(1));
    assert_eq!(c.cmd(&["EXPIRETIME", "c"]), int(4102444800));
    assert_eq!(c.cmd(&["PEXPIRETIME", "c"]), int(4102444800000));
    assert_eq!(c.cmd(&["PEXPIREAT", "d", "4102444800123"]), int(1));
    assert_eq!(c.cmd(&["PEXPIRETIME", "d"]), int(4102444800123));
    assert_eq!(c.cmd(&["EXPIRETIME", "d"]), int(4102444800));
    // Seconds are rounded to the nearest, as Redis does.
    assert_eq!(c.cmd(&["PEXPIREAT", "d", "4102444800600"]), int(1));
    assert_eq!(c.cmd(&["EXPIRETIME", "d"]), int(4102444801));
    // The largest deadline Redis accepts.
    assert_eq!(c.cmd(&["PEXPIREAT", "d", "9223372036854775807"]), int(1));
    assert_eq!(c.cmd(&["PEXPIRETIME", "d"]), int(i64::MAX));
    // Missing keys.
    for cmd in ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"] {
        assert_eq!(c.cmd(&[cmd, "missing", "100"]), int(0), "{cmd}");
    }
    assert_eq!(c.cmd(&["EXISTS", "missing"]), int(0));
}

#[test]
fn expire_conditions() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "a", "1"]), ok());
    // XX / GT need an expiry; NX / LT accept a key without one (no expiry = infinite).
    assert_eq!(c.cmd(&["EXPIRE", "a", "100", "XX"]), int(0));
    assert_eq!(c.cmd(&["EXPIRE", "a", "100", "GT"]), int(0));
    assert_eq!(c.cmd(&["TTL", "a"]), int(-1));
    assert_eq!(c.cmd(&["EXPIRE", "a", "100", "NX"]), int(1));
    assert_eq!(c.cmd(&["EXPIRE", "a", "200", "NX"]), int(0));
    assert!(c.cmd(&["TTL", "a"]).int() <= 100);
    assert_eq!(c.cmd(&["EXPIRE", "a", "50", "GT"]), int(0));
    assert_eq!(c.cmd(&["EXPIRE", "a", "200", "GT"]), int(1));
    assert!(c.cmd(&["TTL", "a"]).int() > 150);
    assert_eq!(c.cmd(&["EXPIRE", "a", "300", "LT"]), int(0));
    assert_eq!(c.cmd(&["EXPIRE", "a", "100", "LT"]), int(1));
    assert!(c.cmd(&["TTL", "a"]).int() <= 100);
    assert_eq!(c.cmd(&["EXPIRE", "a", "500", "XX"]), int(1));
    assert!(c.cmd(&["TTL", "a"]).int() > 450);
    assert_eq!(c.cmd(&["PEXPIRE", "a", "1000000", "XX", "GT"]), int(1));
    assert_eq!(c.cmd(&["PEXPIRE", "a", "10", "XX", "GT"]), int(0));
    assert_eq!(c.cmd(&["EXPIREAT", "a", "4102444800", "gt"]), int(1));
    assert_eq!(c.cmd(&["PEXPIREAT", "a", "4102444700000", "lt"]), int(1));
    assert_eq!(c.cmd(&["PEXPIRETIME", "a"]), int(4102444700000));
    assert_eq!(c.cmd(&["PERSIST", "a"]), int(1));
    assert_eq!(c.cmd(&["EXPIRE", "a", "100", "LT"]), int(1));
    assert_eq!(c.cmd(&["PERSIST", "a"]), int(1));
    assert_eq!(c.cmd(&["EXPIRE", "a", "100", "XX", "LT"]), int(0));
    assert_eq!(c.cmd(&["TTL", "a"]), int(-1));
}

#[test]
fn expire_option_errors() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "a", "1"]), ok());
    let nx_with = "ERR NX and XX, GT or LT options at the same time are not compatible";
    let gt_lt = "ERR GT and LT options at the same time are not compatible";
    assert_eq!(c.cmd(&["EXPIRE", "a", "100", "NX", "XX"]), err(nx_with));
    assert_eq!(c.cmd(&["EXPIRE", "a", "100", "NX", "GT"]), err(nx_with));
    assert_eq!(c.cmd(&["PEXPIRE", "a", "100", "LT", "NX"]), err(nx_with));
    assert_eq!(c.cmd(&["EXPIREAT", "a", "100", "GT", "LT"]), err(gt_lt));
    assert_eq!(c.cmd(&["PEXPIREAT", "a", "100", "XX", "LT", "GT"]), err(gt_lt));
    assert_eq!(c.cmd(&["EXPIRE", "a", "100", "FOO"]), err("ERR Unsupported option FOO"));
    assert_eq!(c.cmd(&["EXPIRE", "missing", "100", "NX", "XX"]), err(nx_with));
    assert_eq!(c.cmd(&["EXPIRE", "a", "abc"]), err(NOT_INT));
    assert_eq!(c.cmd(&["EXPIRE", "a", "1.5"]), err(NOT_INT));
    // Options are checked before the time is parsed.
    assert_eq!(c.cmd(&["EXPIRE", "a", "abc", "FOO"]), err("ERR Unsupported option FOO"));
    assert_eq!(c.cmd(&["EXPIRE", "a", "abc", "NX", "XX"]), err(nx_with));
    // Overflow when converting to milliseconds or adding the current time.
    for (cmd, n) in [
        ("EXPIRE", "9223372036854775807"),
        ("EXPIRE", "9223372036854775"),
        ("EXPIRE", "-9223372036854775808"),
        ("PEXPIRE", "9223372036854775807"),
        ("EXPIREAT", "9223372036854775807"),
    ] {
        let want = format!("ERR invalid expire time in '{}' command", cmd.to_lowercase());
        assert_eq!(c.cmd(&[cmd, "a", n]), err(&want), "{cmd} {n}");
    }
    assert_eq!(c.cmd(&["TTL", "a"]), int(-1), "failed EXPIREs change nothing");
    assert_eq!(c.cmd(&["EXPIRE", "a"]), err("ERR wrong number of arguments for 'expire' command"));
}

#[test]
fn expiry_in_the_past_deletes_the_key() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "keep", "6"]), ok());
    assert_eq!(c.cmd(&["EXPIRE", "a", "-1"]), int(1));
    assert_eq!(c.cmd(&["EXPIRE", "b", "0"]), int(1));
    assert_eq!(c.cmd(&["PEXPIRE", "c", "-100"]), int(1));
    assert_eq!(c.cmd(&["EXPIREAT", "d", "1"]), int(1));
    assert_eq!(c.cmd(&["PEXPIREAT", "e", "1"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "a", "b", "c", "d", "e"]), int(0));
    assert_eq!(c.cmd(&["GET", "a"]), nil());
    assert_eq!(c.cmd(&["TTL", "a"]), int(-2));
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
    assert_eq!(c.cmd(&["KEYS", "*"]), arr(vec![bulk("keep")]));
    // A very negative (but not overflowing) time also deletes.
    assert_eq!(c.cmd(&["PEXPIRE", "keep", "-9223372036854775808"]), int(1));
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
}

#[test]
fn ttl_family_replies() {
    let s = Server::start();
    let mut c = s.client();
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(c.cmd(&[cmd, "missing"]), int(-2), "{cmd} of a missing key");
    }
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(c.cmd(&[cmd, "k"]), int(-1), "{cmd} of a key without expiry");
    }
    let before = now_ms();
    assert_eq!(c.cmd(&["SET", "k", "v", "PX", "5000"]), ok());
    let after = now_ms();
    let pttl = c.cmd(&["PTTL", "k"]).int();
    assert!((4000..=5000).contains(&pttl), "{pttl}");
    assert_eq!(c.cmd(&["TTL", "k"]), int(5));
    let at = c.cmd(&["PEXPIRETIME", "k"]).int();
    assert!((before + 5000..=after + 5000).contains(&at), "{at} not in {before}+5000..{after}+5000");
    let at_s = c.cmd(&["EXPIRETIME", "k"]).int();
    assert_eq!(at_s, (at + 500) / 1000);
    assert_eq!(c.cmd(&["PERSIST", "k"]), int(1));
    assert_eq!(c.cmd(&["PERSIST", "k"]), int(0));
    assert_eq!(c.cmd(&["PERSIST", "missing"]), int(0));
    assert_eq!(c.cmd(&["TTL", "k"]), int(-1));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
}

#[test]
fn expired_keys_vanish_on_access() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "k", "v", "PX", "50"]), ok());
    assert_eq!(c.cmd(&["SET", "k2", "v"]), ok());
    assert_eq!(c.cmd(&["PEXPIRE", "k2", "50"]), int(1));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(c.cmd(&["EXISTS", "k", "k2"]), int(0));
    assert_eq!(c.cmd(&["GET", "k"]), nil());
    assert_eq!(c.cmd(&["TTL", "k2"]), int(-2));
    assert_eq!(c.cmd(&["TYPE", "k"]), Value::Simple("none".into()));
    assert_eq!(c.cmd(&["KEYS", "*"]), arr(vec![]));
    assert_eq!(c.cmd(&["RANDOMKEY"]), nil());
    // An expired key is missing for conditional writes too.
    assert_eq!(c.cmd(&["SET", "k", "new", "NX"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("new"));
    assert_eq!(c.cmd(&["TTL", "k"]), int(-1));
}

#[test]
fn expired_keys_are_removed_in_the_background() {
    let s = Server::start();
    let mut c = s.client();
    let mut batch = Vec::new();
    for i in 0..500 {
        batch.extend(Client::encode(&[b"SET", format!("tmp:{i}").as_bytes(), b"v", b"PX", b"50"]));
    }
    c.send_raw(&batch);
    for _ in 0..500 {
        assert_eq!(c.read(), ok());
    }
    assert_eq!(c.cmd(&["SET", "keep", "v"]), ok());
    assert_eq!(c.cmd(&["SET", "later", "v", "EX", "1000"]), ok());
    // Nothing touches the expired keys: only the background cycle can delete them.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let n = c.cmd(&["DBSIZE"]).int();
        if n == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "DBSIZE still {n} after 5 s; expired keys were not removed");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(sorted(c.cmd(&["KEYS", "*"])), strs(&["keep", "later"]));
}

// ---------------------------------------------------------------------------------
// Enumeration

#[test]
fn keys_glob_patterns() {
    let s = Server::start();
    let mut c = s.client();
    let all = ["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "a", "b", "c", "d", "user:1:name", "user:22:age"];
    for k in all {
        assert_eq!(c.cmd(&["SET", k, "1"]), ok());
    }
    assert_eq!(sorted(c.cmd(&["KEYS", "*"])), strs(&all));
    assert_eq!(sorted(c.cmd(&["KEYS", "h?llo"])), strs(&["h*llo", "hallo", "hello", "hxllo"]));
    assert_eq!(sorted(c.cmd(&["KEYS", "h*llo"])), strs(&["h*llo", "hallo", "hello", "hllo", "hxllo", "heeeello"]));
    assert_eq!(sorted(c.cmd(&["KEYS", "h[ae]llo"])), strs(&["hallo", "hello"]));
    assert_eq!(sorted(c.cmd(&["KEYS", "h[^e]llo"])), strs(&["h*llo", "hallo", "hxllo"]));
    assert_eq!(sorted(c.cmd(&["KEYS", "[a-c]"])), strs(&["a", "b", "c"]));
    assert_eq!(sorted(c.cmd(&["KEYS", "[c-a]"])), strs(&["a", "b", "c"]));
    assert_eq!(sorted(c.cmd(&["KEYS", "[^a-c]"])), strs(&["d"]));
    assert_eq!(sorted(c.cmd(&["KEYS", "h\\*llo"])), strs(&["h*llo"]));
    assert_eq!(sorted(c.cmd(&["KEYS", "h\\?llo"])), Vec::<String>::new());
    assert_eq!(sorted(c.cmd(&["KEYS", "user:*:name"])), strs(&["user:1:name"]));
    assert_eq!(sorted(c.cmd(&["KEYS", "user:??:*"])), strs(&["user:22:age"]));
    assert_eq!(sorted(c.cmd(&["KEYS", "hello"])), strs(&["hello"]));
    assert_eq!(sorted(c.cmd(&["KEYS", "hell"])), Vec::<String>::new());
    assert_eq!(sorted(c.cmd(&["KEYS", "nothing*"])), Vec::<String>::new());
    assert_eq!(c.cmd(&["KEYS"]), err("ERR wrong number of arguments for 'keys' command"));
}

#[test]
fn scan_returns_every_key_exactly_once() {
    let s = Server::start();
    let mut c = s.client();
    mset_many(&mut c, (0..1000).map(|i| format!("key:{i}")));
    for extra in [&[][..], &["COUNT", "7"], &["COUNT", "1000"], &["count", "100000"]] {
        let keys = scan_all(&mut c, extra);
        let unique: HashSet<Vec<u8>> = keys.iter().cloned().collect();
        assert_eq!(unique.len(), 1000, "SCAN {extra:?} missed keys");
        if !s.is_reference() {
            // Redis may repeat a key while it rehashes; DiskDB never does.
            assert_eq!(keys.len(), 1000, "SCAN {extra:?} returned duplicates");
        }
        for i in 0..1000 {
            assert!(unique.contains(format!("key:{i}").as_bytes()), "SCAN {extra:?} missed key:{i}");
        }
    }
}

#[test]
fn scan_match_count_type() {
    let s = Server::start();
    let mut c = s.client();
    mset_many(&mut c, (0..1000).map(|i| format!("key:{i}")));
    mset_many(&mut c, (0..10).map(|i| format!("other:{i}")));
    let matched: HashSet<Vec<u8>> = scan_all(&mut c, &["MATCH", "key:1*", "COUNT", "50"]).into_iter().collect();
    let want: HashSet<Vec<u8>> = (0..1000).map(|i| format!("key:{i}")).filter(|k| k.starts_with("key:1")).map(String::into_bytes).collect();
    assert_eq!(want.len(), 111);
    assert_eq!(matched, want);
    let other: HashSet<Vec<u8>> = scan_all(&mut c, &["MATCH", "other:*"]).into_iter().collect();
    assert_eq!(other.len(), 10);
    assert_eq!(scan_all(&mut c, &["MATCH", "nope*"]), Vec::<Vec<u8>>::new());
    assert_eq!(scan_all(&mut c, &["TYPE", "string", "COUNT", "100"]).len(), 1010);
    assert_eq!(scan_all(&mut c, &["TYPE", "STRING", "MATCH", "other:[0-4]"]).len(), 5);
    assert_eq!(scan_all(&mut c, &["TYPE", "list"]), Vec::<Vec<u8>>::new());
    assert_eq!(scan_all(&mut c, &["TYPE", "hash", "MATCH", "*"]), Vec::<Vec<u8>>::new());
    // A page never holds more than COUNT keys for a plain scan of strings.
    let page = c.cmd(&["SCAN", "0", "COUNT", "5"]).array();
    assert!(!page[1].array().is_empty() && page[1].array().len() <= 10, "{page:?}");
    assert_ne!(page[0].text(), "0");
}

#[test]
fn scan_errors() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["SCAN", "abc"]), err("ERR invalid cursor"));
    assert_eq!(c.cmd(&["SCAN", "1.5"]), err("ERR invalid cursor"));
    assert_eq!(c.cmd(&["SCAN", "18446744073709551616"]), err("ERR invalid cursor"));
    assert_eq!(c.cmd(&["SCAN", "0", "COUNT", "0"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SCAN", "0", "COUNT", "-1"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SCAN", "0", "COUNT", "abc"]), err(NOT_INT));
    assert_eq!(c.cmd(&["SCAN", "0", "COUNT"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SCAN", "0", "MATCH"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SCAN", "0", "FOO"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SCAN", "0", "FOO", "bar"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SCAN"]), err("ERR wrong number of arguments for 'scan' command"));
    // An empty database: one round with cursor 0.
    assert_eq!(c.cmd(&["FLUSHDB"]), ok());
    assert_eq!(c.cmd(&["SCAN", "0"]), arr(vec![bulk("0"), arr(vec![])]));
}

#[test]
fn scan_with_an_unknown_cursor_ends() {
    let s = Server::start();
    if s.is_reference() {
        // Documented difference: Redis treats any number as a position in its hash table.
        return;
    }
    let mut c = s.client();
    mset_many(&mut c, (0..20).map(|i| format!("k{i}")));
    assert_eq!(c.cmd(&["SCAN", "12345"]), arr(vec![bulk("0"), arr(vec![])]));
    assert_eq!(c.cmd(&["SCAN", "18446744073709551615"]), arr(vec![bulk("0"), arr(vec![])]));
}

#[test]
fn scan_sees_keys_present_for_the_whole_scan_despite_writes() {
    let s = Server::start();
    let mut c = s.client();
    mset_many(&mut c, (0..300).map(|i| format!("stable:{i}")));
    let mut writer = s.client();
    let mut cursor = "0".to_string();
    let mut seen = HashSet::new();
    let mut round = 0;
    loop {
        let reply = c.cmd(&["SCAN", &cursor, "COUNT", "20"]).array();
        for k in reply[1].array() {
            seen.insert(k.text());
        }
        // Keys come and go between pages.
        assert_eq!(writer.cmd(&["SET", &format!("churn:{round}"), "v"]), ok());
        assert!(matches!(writer.cmd(&["DEL", &format!("churn:{}", round / 2)]), Value::Int(0 | 1)));
        round += 1;
        cursor = reply[0].text();
        if cursor == "0" {
            break;
        }
    }
    for i in 0..300 {
        assert!(seen.contains(&format!("stable:{i}")), "SCAN missed stable:{i}");
    }
}

#[test]
fn randomkey() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["RANDOMKEY"]), nil());
    assert_eq!(c.cmd(&["SET", "only", "v"]), ok());
    assert_eq!(c.cmd(&["RANDOMKEY"]), bulk("only"));
    mset_many(&mut c, (0..50).map(|i| format!("k{i}")));
    // Every answer is a live key (how evenly they spread: randomkey_spreads_over_the_keyspace).
    assert_eq!(c.cmd(&["SET", "gone", "v", "PX", "1"]), ok());
    std::thread::sleep(Duration::from_millis(20));
    for _ in 0..100 {
        let k = c.cmd(&["RANDOMKEY"]).text();
        assert!(k == "only" || (k.starts_with('k') && k[1..].parse::<u32>().is_ok_and(|i| i < 50)), "{k}");
    }
    assert_eq!(c.cmd(&["FLUSHDB"]), ok());
    assert_eq!(c.cmd(&["RANDOMKEY"]), nil());
    assert_eq!(c.cmd(&["RANDOMKEY", "x"]), err("ERR wrong number of arguments for 'randomkey' command"));
}

#[test]
fn randomkey_spreads_over_the_keyspace() {
    let s = Server::start();
    let mut c = s.client();
    mset_many(&mut c, (0..1000).map(|i| format!("key:{i}")));
    let mut batch = Vec::new();
    for _ in 0..500 {
        batch.extend(Client::encode(&[b"RANDOMKEY"]));
    }
    c.send_raw(&batch);
    let seen: HashSet<String> = (0..500).map(|_| c.read().text()).collect();
    // Uniform picks give about 390 distinct keys; insist on far fewer.
    assert!(seen.len() >= 50, "500 RANDOMKEY calls returned only {} distinct keys: {seen:?}", seen.len());
}

// ---------------------------------------------------------------------------------
// Renaming, copying, moving

#[test]
fn rename() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["RENAME", "missing", "b"]), err("ERR no such key"));
    assert_eq!(c.cmd(&["SET", "a", "1", "EX", "100"]), ok());
    assert_eq!(c.cmd(&["RENAME", "a", "b"]), ok());
    assert_eq!(c.cmd(&["EXISTS", "a"]), int(0));
    assert_eq!(c.cmd(&["GET", "b"]), bulk("1"));
    let ttl = c.cmd(&["TTL", "b"]).int();
    assert!((99..=100).contains(&ttl), "RENAME keeps the expiry: {ttl}");
    // Overwrites the destination, its expiry included.
    assert_eq!(c.cmd(&["SET", "c", "3", "EX", "500"]), ok());
    assert_eq!(c.cmd(&["SET", "d", "4"]), ok());
    assert_eq!(c.cmd(&["RENAME", "d", "c"]), ok());
    assert_eq!(c.cmd(&["GET", "c"]), bulk("4"));
    assert_eq!(c.cmd(&["TTL", "c"]), int(-1));
    assert_eq!(c.cmd(&["DBSIZE"]), int(2));
    // Renaming a key to itself is fine.
    assert_eq!(c.cmd(&["RENAME", "c", "c"]), ok());
    assert_eq!(c.cmd(&["GET", "c"]), bulk("4"));
    // An expired source does not exist.
    assert_eq!(c.cmd(&["SET", "gone", "v", "PX", "1"]), ok());
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(c.cmd(&["RENAME", "gone", "x"]), err("ERR no such key"));
    assert_eq!(c.cmd(&["EXISTS", "x"]), int(0));
    assert_eq!(c.cmd(&["RENAME", "a"]), err("ERR wrong number of arguments for 'rename' command"));
}

#[test]
fn renamenx() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["RENAMENX", "missing", "b"]), err("ERR no such key"));
    assert_eq!(c.cmd(&["MSET", "a", "1", "b", "2"]), ok());
    assert_eq!(c.cmd(&["RENAMENX", "a", "b"]), int(0));
    assert_eq!(c.cmd(&["MGET", "a", "b"]), arr(vec![bulk("1"), bulk("2")]));
    assert_eq!(c.cmd(&["RENAMENX", "a", "a"]), int(0));
    assert_eq!(c.cmd(&["EXPIRE", "a", "100"]), int(1));
    assert_eq!(c.cmd(&["RENAMENX", "a", "c"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "a"]), int(0));
    assert_eq!(c.cmd(&["GET", "c"]), bulk("1"));
    assert!(c.cmd(&["TTL", "c"]).int() > 90);
    // An expired destination is free.
    assert_eq!(c.cmd(&["SET", "gone", "v", "PX", "1"]), ok());
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(c.cmd(&["RENAMENX", "c", "gone"]), int(1));
    assert_eq!(c.cmd(&["GET", "gone"]), bulk("1"));
    assert_eq!(c.cmd(&["DBSIZE"]), int(2));
}

#[test]
fn copy() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["COPY", "missing", "x"]), int(0));
    assert_eq!(c.cmd(&["SET", "src", "v", "EX", "100"]), ok());
    assert_eq!(c.cmd(&["COPY", "src", "dst"]), int(1));
    assert_eq!(c.cmd(&["GET", "dst"]), bulk("v"));
    assert!(c.cmd(&["TTL", "dst"]).int() > 90, "COPY keeps the expiry");
    assert_eq!(c.cmd(&["GET", "src"]), bulk("v"));
    assert_eq!(c.cmd(&["SET", "src", "w"]), ok());
    assert_eq!(c.cmd(&["COPY", "src", "dst"]), int(0));
    assert_eq!(c.cmd(&["GET", "dst"]), bulk("v"));
    assert_eq!(c.cmd(&["COPY", "src", "dst", "REPLACE"]), int(1));
    assert_eq!(c.cmd(&["GET", "dst"]), bulk("w"));
    assert_eq!(c.cmd(&["TTL", "dst"]), int(-1));
    assert_eq!(c.cmd(&["DBSIZE"]), int(2));
    // To another database.
    assert_eq!(c.cmd(&["COPY", "src", "src", "DB", "1"]), int(1));
    assert_eq!(c.cmd(&["SET", "src", "changed"]), ok());
    assert_eq!(c.cmd(&["COPY", "src", "src", "DB", "1"]), int(0));
    assert_eq!(c.cmd(&["COPY", "src", "other", "db", "1", "replace"]), int(1));
    assert_eq!(c.cmd(&["SELECT", "1"]), ok());
    assert_eq!(c.cmd(&["MGET", "src", "other"]), arr(vec![bulk("w"), bulk("changed")]));
    assert_eq!(c.cmd(&["DBSIZE"]), int(2));
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
    // Errors.
    let same = "ERR source and destination objects are the same";
    assert_eq!(c.cmd(&["COPY", "src", "src"]), err(same));
    assert_eq!(c.cmd(&["COPY", "src", "src", "DB", "0"]), err(same));
    assert_eq!(c.cmd(&["COPY", "src", "x", "DB", "16"]), err(OUT_OF_RANGE));
    assert_eq!(c.cmd(&["COPY", "src", "x", "DB", "-1"]), err(OUT_OF_RANGE));
    assert_eq!(c.cmd(&["COPY", "src", "x", "DB", "abc"]), err(NOT_INT));
    assert_eq!(c.cmd(&["COPY", "src", "x", "DB"]), err(SYNTAX));
    assert_eq!(c.cmd(&["COPY", "src", "x", "FOO"]), err(SYNTAX));
    assert_eq!(c.cmd(&["EXISTS", "x"]), int(0));
}

#[test]
fn move_between_databases() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "m", "1", "EX", "100"]), ok());
    assert_eq!(c.cmd(&["MOVE", "m", "1"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "m"]), int(0));
    assert_eq!(c.cmd(&["MOVE", "m", "1"]), int(0));
    assert_eq!(c.cmd(&["MOVE", "missing", "1"]), int(0));
    assert_eq!(c.cmd(&["SELECT", "1"]), ok());
    assert_eq!(c.cmd(&["GET", "m"]), bulk("1"));
    assert!(c.cmd(&["TTL", "m"]).int() > 90, "MOVE keeps the expiry");
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
    // The target already has the key: nothing moves.
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
    assert_eq!(c.cmd(&["SET", "m", "2"]), ok());
    assert_eq!(c.cmd(&["MOVE", "m", "1"]), int(0));
    assert_eq!(c.cmd(&["GET", "m"]), bulk("2"));
    // Errors.
    assert_eq!(c.cmd(&["MOVE", "m", "0"]), err("ERR source and destination objects are the same"));
    assert_eq!(c.cmd(&["MOVE", "m", "16"]), err(OUT_OF_RANGE));
    assert_eq!(c.cmd(&["MOVE", "m", "-1"]), err(OUT_OF_RANGE));
    assert_eq!(c.cmd(&["MOVE", "m", "abc"]), err(NOT_INT));
    assert_eq!(c.cmd(&["MOVE", "m"]), err("ERR wrong number of arguments for 'move' command"));
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
}

/// Payloads Debian's Redis 7.0.15 wrote with DUMP, in the compact encodings a Redis user's
/// data arrives in (listpacks, an LZF-compressed intset, an LZF string).
const REDIS_PAYLOADS: &[(&str, &str)] = &[
    ("s:lzf", "00c30a3c02616261e02e010161620a00bb16d3ebae6fc574"),
    ("l:ints", "120102252500000007008161020101dffb02f2a0860104f290eefe04f400f2052a01000000098001ff0a00e2a13096d7385b93"),
    ("set:int2", "0bc32228040800000004200301fdff80000001200b400001409c4005200002f2052a201300000a00f14e9c2df7ca2640"),
    ("h:small", "101a1a0000000600816602817602816e020c01836e656704dfff02ff0a001f04c93dd53e78bb"),
    ("z:mid", "111d1d0000000600816202842d696e660581610283312e35048163020301ff0a002970c58fcde6fc31"),
];

/// Redis's CRC-64 (Jones polynomial, reflected), bit by bit.
fn crc64(bytes: &[u8]) -> u64 {
    let mut crc = 0u64;
    for &b in bytes {
        crc ^= b as u64;
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0x95ac_9329_ac4b_c9b5 } else { crc >> 1 };
        }
    }
    crc
}

fn in_order(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn dump_and_restore() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(crc64(b"123456789"), 0xe9c6_d914_c4b8_d9ca);
    assert_eq!(c.cmd(&["DUMP", "missing"]), nil());
    assert_eq!(c.cmd(&["SET", "s", "hello"]), ok());
    assert_eq!(c.cmd(&["RPUSH", "l", "a", "1", "", "c"]), int(4));
    assert_eq!(c.cmd(&["SADD", "set", "x", "7", "y"]), int(3));
    assert_eq!(c.cmd(&["HSET", "h", "f", "v", "g", "12"]), int(2));
    assert_eq!(c.cmd(&["ZADD", "z", "1.5", "a", "-inf", "b", "3", "c"]), int(3));
    // Every type goes through DUMP and RESTORE whole, under a new name, without a TTL.
    let reads: &[(&str, &[&str])] = &[
        ("s", &["GET"]),
        ("l", &["LRANGE", "0", "-1"]),
        ("set", &["SMEMBERS"]),
        ("h", &["HGETALL"]),
        ("z", &["ZRANGE", "0", "-1", "WITHSCORES"]),
    ];
    let read = |c: &mut Client, key: &str, how: &[&str]| {
        let mut args = vec![how[0], key];
        args.extend_from_slice(&how[1..]);
        let v = c.cmd(&args);
        if matches!(v, Value::Bulk(_)) {
            vec![v.text()]
        } else {
            let mut t = v.texts();
            if how[0] == "SMEMBERS" {
                t.sort();
            }
            t
        }
    };
    for (key, how) in reads {
        let payload = c.cmd(&["DUMP", key]);
        let Value::Bulk(payload) = payload else { panic!("DUMP {key}: {payload:?}") };
        let copy = format!("{key}:copy");
        assert_eq!(c.cmd_bytes(&[b"RESTORE", copy.as_bytes(), b"0", &payload]), ok(), "{key}");
        assert_eq!(read(&mut c, &copy, how), read(&mut c, key, how), "{key}");
        assert_eq!(c.cmd(&["TTL", &copy]), int(-1));
        // An existing key is refused before the payload is looked at, replaced with REPLACE.
        assert_eq!(c.cmd_bytes(&[b"RESTORE", b"s", b"0", &payload]), err("BUSYKEY Target key name already exists."));
        assert_eq!(c.cmd_bytes(&[b"RESTORE", b"s", b"0", b"junk"]), err("BUSYKEY Target key name already exists."));
    }
    assert_eq!(c.cmd(&["DBSIZE"]), int(10));
    // REPLACE over another type; a TTL relative, then absolute.
    let Value::Bulk(hash) = c.cmd(&["DUMP", "h"]) else { panic!() };
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"z", b"100000", &hash, b"REPLACE"]), ok());
    assert_eq!(c.cmd(&["TYPE", "z"]), Value::Simple("hash".into()));
    assert_eq!(c.cmd(&["HGET", "z", "g"]), bulk("12"));
    let pttl = c.cmd(&["PTTL", "z"]).int();
    assert!(pttl > 90_000 && pttl <= 100_000, "{pttl}");
    let at = now_ms() + 500_000;
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"abs", at.to_string().as_bytes(), &hash, b"ABSTTL", b"IDLETIME", b"10"]), ok());
    assert_eq!(c.cmd(&["PEXPIRETIME", "abs"]), int(at));
    assert_eq!(c.cmd(&["DBSIZE"]), int(11));
    // A deadline already past creates nothing; with REPLACE it deletes what was there.
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"past", b"1", &hash, b"ABSTTL"]), ok());
    assert_eq!(c.cmd(&["EXISTS", "past"]), int(0));
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"abs", b"1", &hash, b"ABSTTL", b"REPLACE", b"FREQ", b"5"]), ok());
    assert_eq!(c.cmd(&["EXISTS", "abs"]), int(0));
    assert_eq!(c.cmd(&["DBSIZE"]), int(10));
    // Inside a transaction.
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"tx", b"0", &hash]), Value::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["HLEN", "tx"]), Value::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![ok(), int(2)]));
    // Redis's own payloads, in its compact encodings.
    for (key, hex) in REDIS_PAYLOADS {
        assert_eq!(c.cmd_bytes(&[b"RESTORE", key.as_bytes(), b"0", &unhex(hex)]), ok(), "{key}");
    }
    assert_eq!(c.cmd(&["GET", "s:lzf"]).text(), "ab".repeat(30));
    assert_eq!(c.cmd(&["LRANGE", "l:ints", "0", "-1"]).texts(), in_order(&["a", "1", "-5", "100000", "-70000", "5000000000", ""]));
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "set:int2"])), strs(&["-3", "1", "40000", "5000000000"]));
    assert_eq!(c.cmd(&["HGETALL", "h:small"]).texts(), in_order(&["f", "v", "n", "12", "neg", "-1"]));
    assert_eq!(c.cmd(&["ZRANGE", "z:mid", "0", "-1", "WITHSCORES"]).texts(), in_order(&["b", "-inf", "a", "1.5", "c", "3"]));
    // Errors, in Redis's order and words.
    let mut bad = hash.clone();
    bad[2] ^= 1;
    let checksum = "ERR DUMP payload version or checksum are wrong";
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"n", b"0", &bad]), err(checksum));
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"n", b"0", b"short"]), err(checksum));
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"n", b"-1", &hash]), err("ERR Invalid TTL value, must be >= 0"));
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"n", b"x", &hash]), err(NOT_INT));
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"n", b"0", &hash, b"IDLETIME", b"-1"]), err("ERR Invalid IDLETIME value, must be >= 0"));
    let freq = "ERR Invalid FREQ value, must be >= 0 and <= 255";
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"n", b"0", &hash, b"FREQ", b"256"]), err(freq));
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"n", b"0", &hash, b"IDLETIME", b"1", b"FREQ", b"1"]), err(SYNTAX));
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"n", b"0", &hash, b"FREQ"]), err(SYNTAX));
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"n", b"0", &hash, b"BOGUS"]), err(SYNTAX));
    // Good checksums around values that do not parse: an unknown type, a truncated
    // string, an empty set, a set naming a member twice.
    for body in [&b"\x63\x01a"[..], b"\x00\x20abc", b"\x02\x00", b"\x02\x02\x01a\x01a"] {
        let mut payload = body.to_vec();
        payload.extend_from_slice(&10u16.to_le_bytes());
        let crc = crc64(&payload);
        payload.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(c.cmd_bytes(&[b"RESTORE", b"n", b"0", &payload]), err("ERR Bad data format"), "{body:?}");
    }
    assert_eq!(c.cmd(&["EXISTS", "n"]), int(0));
    if !s.is_reference() {
        assert_eq!(c.cmd(&["XADD", "st", "1-1", "f", "v"]), bulk("1-1"));
        assert_eq!(c.cmd(&["DUMP", "st"]), err("ERR DUMP does not support stream and JSON keys"));
    }
}

#[test]
fn swapdb() {
    let s = Server::start();
    let mut c = s.client();
    let mut other = s.client();
    assert_eq!(other.cmd(&["SELECT", "1"]), ok());
    assert_eq!(c.cmd(&["MSET", "a", "1", "b", "2"]), ok());
    assert_eq!(other.cmd(&["SET", "z", "26"]), ok());
    assert_eq!(c.cmd(&["SWAPDB", "0", "1"]), ok());
    // Both connections see the swapped contents under their own index.
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
    assert_eq!(c.cmd(&["GET", "z"]), bulk("26"));
    assert_eq!(other.cmd(&["DBSIZE"]), int(2));
    assert_eq!(other.cmd(&["MGET", "a", "b", "z"]), arr(vec![bulk("1"), bulk("2"), nil()]));
    assert_eq!(c.cmd(&["SWAPDB", "1", "1"]), ok());
    assert_eq!(other.cmd(&["DBSIZE"]), int(2));
    assert_eq!(c.cmd(&["SWAPDB", "1", "0"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(2));
    assert_eq!(c.cmd(&["SWAPDB", "0", "16"]), err(OUT_OF_RANGE));
    assert_eq!(c.cmd(&["SWAPDB", "-1", "0"]), err(OUT_OF_RANGE));
    assert_eq!(c.cmd(&["SWAPDB", "abc", "1"]), err("ERR invalid first DB index"));
    assert_eq!(c.cmd(&["SWAPDB", "0", "abc"]), err("ERR invalid second DB index"));
    assert_eq!(c.cmd(&["SWAPDB", "0"]), err("ERR wrong number of arguments for 'swapdb' command"));
}

// ---------------------------------------------------------------------------------
// Databases

#[test]
fn dbsize_is_exact() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    mset_many(&mut c, (0..100).map(|i| format!("k{i}")));
    assert_eq!(c.cmd(&["DBSIZE"]), int(100));
    mset_many(&mut c, (50..150).map(|i| format!("k{i}")));
    assert_eq!(c.cmd(&["DBSIZE"]), int(150), "overwrites do not count twice");
    assert_eq!(c.cmd(&["DEL", "k0", "k1", "nope"]), int(2));
    assert_eq!(c.cmd(&["DBSIZE"]), int(148));
    assert_eq!(c.cmd(&["GETDEL", "k2"]), bulk("v"));
    assert_eq!(c.cmd(&["RENAME", "k3", "k4"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(146));
    assert_eq!(c.cmd(&["SETNX", "k5", "x"]), int(0));
    assert_eq!(c.cmd(&["INCR", "counter"]), int(1));
    assert_eq!(c.cmd(&["DBSIZE"]), int(147));
    assert_eq!(c.cmd(&["DBSIZE", "x"]), err("ERR wrong number of arguments for 'dbsize' command"));
}

#[test]
fn select_isolates_databases() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "k", "zero"]), ok());
    assert_eq!(c.cmd(&["SELECT", "15"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), nil());
    assert_eq!(c.cmd(&["SET", "k", "fifteen"]), ok());
    assert_eq!(c.cmd(&["KEYS", "*"]), arr(vec![bulk("k")]));
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("zero"));
    // Another connection starts in database 0.
    let mut d = s.client();
    assert_eq!(d.cmd(&["GET", "k"]), bulk("zero"));
    assert_eq!(c.cmd(&["SELECT", "16"]), err(OUT_OF_RANGE));
    assert_eq!(c.cmd(&["SELECT", "-1"]), err(OUT_OF_RANGE));
    assert_eq!(c.cmd(&["SELECT", "abc"]), err(NOT_INT));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("zero"), "a failed SELECT keeps the database");
}

#[test]
fn flushdb_and_flushall() {
    let s = Server::start();
    let mut c = s.client();
    for db in ["0", "1", "2"] {
        assert_eq!(c.cmd(&["SELECT", db]), ok());
        mset_many(&mut c, (0..10).map(|i| format!("k{i}")));
        assert_eq!(c.cmd(&["SET", "t", "v", "EX", "100"]), ok());
    }
    assert_eq!(c.cmd(&["FLUSHDB"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    assert_eq!(c.cmd(&["GET", "k1"]), nil());
    assert_eq!(c.cmd(&["SELECT", "1"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(11), "FLUSHDB touches only the selected database");
    assert_eq!(c.cmd(&["FLUSHDB", "ASYNC"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    assert_eq!(c.cmd(&["SET", "new", "v"]), ok());
    assert_eq!(c.cmd(&["FLUSHDB", "sync"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    for args in [&["FLUSHDB", "FOO"][..], &["FLUSHDB", "ASYNC", "SYNC"], &["FLUSHALL", "FOO"], &["FLUSHALL", "SYNC", "x"]] {
        assert_eq!(c.cmd(args), err(SYNTAX), "{args:?}");
    }
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["FLUSHALL", "ASYNC"]), ok());
    for db in ["0", "1", "2"] {
        assert_eq!(c.cmd(&["SELECT", db]), ok());
        assert_eq!(c.cmd(&["DBSIZE"]), int(0), "db {db}");
        assert_eq!(c.cmd(&["RANDOMKEY"]), nil());
    }
    assert_eq!(c.cmd(&["SET", "after", "v"]), ok());
    assert_eq!(c.cmd(&["FLUSHALL", "SYNC"]), ok());
    assert_eq!(c.cmd(&["FLUSHALL"]), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    // The databases work normally after a flush.
    assert_eq!(c.cmd(&["SET", "k", "v", "EX", "100"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
}

/// Small databases are flushed key by key and large ones by range; either way nothing
/// of a flushed collection comes back when a key of the same name is made again, and
/// the flush survives a restart.
#[test]
fn flushed_collections_come_back_empty_however_large_the_database() {
    let mut s = Server::start();
    for filler in [1, 3000] {
        let mut c = s.client();
        mset_many(&mut c, (0..filler).map(|i| format!("filler{i}")));
        assert_eq!(c.cmd(&["RPUSH", "l", "a", "b"]), int(2));
        assert_eq!(c.cmd(&["SADD", "s", "a", "b"]), int(2));
        assert_eq!(c.cmd(&["HSET", "h", "f", "v", "g", "w"]), int(2));
        assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b"]), int(2));
        assert_eq!(c.cmd(&["SELECT", "5"]), ok());
        assert_eq!(c.cmd(&["SADD", "s", "in5"]), int(1));
        assert_eq!(c.cmd(&["FLUSHALL"]), ok(), "{filler} filler keys");
        assert_eq!(c.cmd(&["DBSIZE"]), int(0));
        assert_eq!(c.cmd(&["SADD", "s", "new"]), int(1));
        assert_eq!(c.cmd(&["SMEMBERS", "s"]), arr(vec![bulk("new")]));
        assert_eq!(c.cmd(&["SELECT", "0"]), ok());
        assert_eq!(c.cmd(&["DBSIZE"]), int(0));
        assert_eq!(c.cmd(&["RPUSH", "l", "c"]), int(1));
        assert_eq!(c.cmd(&["SADD", "s", "c"]), int(1));
        assert_eq!(c.cmd(&["HSET", "h", "h", "x"]), int(1));
        assert_eq!(c.cmd(&["ZADD", "z", "3", "c"]), int(1));
        assert_eq!(c.cmd(&["LRANGE", "l", "0", "-1"]), arr(vec![bulk("c")]));
        assert_eq!(c.cmd(&["SMEMBERS", "s"]), arr(vec![bulk("c")]));
        assert_eq!(c.cmd(&["HGETALL", "h"]).texts(), ["h", "x"]);
        assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1"]), arr(vec![bulk("c")]));
        mset_many(&mut c, (0..filler).map(|i| format!("again{i}")));
        assert_eq!(c.cmd(&["FLUSHDB"]), ok());
        assert_eq!(c.cmd(&["SELECT", "5"]), ok());
        assert_eq!(c.cmd(&["DBSIZE"]), int(1), "FLUSHDB keeps the other databases");
        assert_eq!(c.cmd(&["FLUSHALL"]), ok());
        drop(c);
        if !s.is_reference() {
            s.restart();
        }
        let mut c = s.client();
        for db in ["0", "5"] {
            assert_eq!(c.cmd(&["SELECT", db]), ok());
            assert_eq!(c.cmd(&["DBSIZE"]), int(0), "db {db} after restart");
            assert_eq!(c.cmd(&["EXISTS", "s", "filler1", "again1"]), int(0));
        }
    }
}

// ---------------------------------------------------------------------------------
// OBJECT

#[test]
fn object_encoding() {
    let s = Server::start();
    let mut c = s.client();
    let embstr_max = "x".repeat(44);
    let raw_min = "x".repeat(45);
    for (value, want) in [
        ("12345", "int"),
        ("-1", "int"),
        ("0", "int"),
        ("9223372036854775807", "int"),
        ("-9223372036854775808", "int"),
        ("12345678901234567890", "embstr"),
        ("01", "embstr"),
        ("+1", "embstr"),
        ("1.5", "embstr"),
        ("hello", "embstr"),
        ("", "embstr"),
        (embstr_max.as_str(), "embstr"),
        (raw_min.as_str(), "raw"),
    ] {
        assert_eq!(c.cmd(&["SET", "k", value]), ok());
        assert_eq!(c.cmd(&["OBJECT", "ENCODING", "k"]), bulk(want), "value {value:?}");
    }
    assert_eq!(c.cmd(&["INCR", "n"]), int(1));
    assert_eq!(c.cmd(&["object", "encoding", "n"]), bulk("int"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "missing"]), nil());
}

#[test]
#[ignore = "documented difference (README): OBJECT ENCODING is derived from the value, not from how it was written"]
fn object_encoding_after_in_place_edits_is_raw() {
    let s = Server::start();
    let mut c = s.client();
    // Redis turns a string it edits in place into a raw sds, whatever its length.
    assert_eq!(c.cmd(&["SET", "a", "hello"]), ok());
    assert_eq!(c.cmd(&["APPEND", "a", "x"]), int(6));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "a"]), bulk("raw"));
    assert_eq!(c.cmd(&["SETRANGE", "r", "0", "12"]), int(2));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "r"]), bulk("raw"));
    assert_eq!(c.cmd(&["SETBIT", "b", "0", "1"]), int(0));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "b"]), bulk("raw"));
    // INCRBYFLOAT stores text, never an int, even for a whole number.
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "3"]), bulk("3"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "f"]), bulk("embstr"));
}

#[test]
fn object_refcount_freq_idletime_help() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "k", "hello"]), ok());
    assert_eq!(c.cmd(&["OBJECT", "REFCOUNT", "k"]), int(1));
    assert_eq!(c.cmd(&["OBJECT", "REFCOUNT", "missing"]), nil());
    if !s.is_reference() {
        // Documented: DiskDB has no shared integers, so every refcount is 1.
        assert_eq!(c.cmd(&["SET", "small", "100"]), ok());
        assert_eq!(c.cmd(&["OBJECT", "REFCOUNT", "small"]), int(1));
    }
    assert_eq!(c.cmd(&["OBJECT", "IDLETIME", "k"]), int(0));
    assert_eq!(c.cmd(&["OBJECT", "IDLETIME", "missing"]), nil());
    if !s.is_reference() {
        // Documented: DiskDB does not track access times, so IDLETIME stays 0.
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(c.cmd(&["OBJECT", "IDLETIME", "k"]), int(0));
    }
    assert_eq!(
        c.cmd(&["OBJECT", "FREQ", "k"]),
        err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
    );
    assert_eq!(c.cmd(&["OBJECT", "FREQ", "missing"]), nil());
    let help = c.cmd(&["OBJECT", "HELP"]).array();
    assert!(help[0].text().starts_with("OBJECT <subcommand>"), "{help:?}");
    assert!(help.iter().any(|l| l.text().starts_with("ENCODING")), "{help:?}");
    assert_eq!(c.cmd(&["OBJECT", "FOO", "k"]), err("ERR unknown subcommand 'FOO'. Try OBJECT HELP."));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING"]), err("ERR wrong number of arguments for 'object|encoding' command"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "k", "x"]), err("ERR wrong number of arguments for 'object|encoding' command"));
    assert_eq!(c.cmd(&["OBJECT"]), err("ERR wrong number of arguments for 'object' command"));
}

// ---------------------------------------------------------------------------------
// Binary keys

#[test]
fn binary_keys_work_everywhere() {
    let s = Server::start();
    let mut c = s.client();
    let k1: &[u8] = b"bin\x00key\xff";
    let k2: &[u8] = b"\xff\xfe\x00";
    let k3: &[u8] = b"\x00";
    assert_eq!(c.cmd_bytes(&[b"SET", k1, b"1"]), ok());
    assert_eq!(c.cmd_bytes(&[b"SET", k2, b"2"]), ok());
    assert_eq!(c.cmd_bytes(&[b"EXISTS", k1, k2, b"bin"]), int(2));
    assert_eq!(c.cmd_bytes(&[b"TYPE", k1]), Value::Simple("string".into()));
    let mut keys: Vec<Vec<u8>> = c
        .cmd(&["KEYS", "*"])
        .array()
        .into_iter()
        .map(|v| match v {
            Value::Bulk(b) => b,
            other => panic!("{other:?}"),
        })
        .collect();
    keys.sort();
    assert_eq!(keys, vec![k1.to_vec(), k2.to_vec()]);
    assert_eq!(c.cmd_bytes(&[b"KEYS", b"bin\x00*"]), arr(vec![Value::Bulk(k1.to_vec())]));
    assert_eq!(c.cmd_bytes(&[b"KEYS", b"\xff?\x00"]), arr(vec![Value::Bulk(k2.to_vec())]));
    let mut scanned = scan_all(&mut c, &[]);
    scanned.sort();
    assert_eq!(scanned, vec![k1.to_vec(), k2.to_vec()]);
    assert_eq!(c.cmd_bytes(&[b"EXPIRE", k1, b"100"]), int(1));
    assert!(c.cmd_bytes(&[b"TTL", k1]).int() > 90);
    assert_eq!(c.cmd_bytes(&[b"RENAME", k1, k3]), ok());
    assert_eq!(c.cmd_bytes(&[b"GET", k3]), bulk("1"));
    assert!(c.cmd_bytes(&[b"TTL", k3]).int() > 90);
    assert_eq!(c.cmd_bytes(&[b"COPY", k3, k1]), int(1));
    assert_eq!(c.cmd_bytes(&[b"MOVE", k2, b"3"]), int(1));
    assert_eq!(c.cmd_bytes(&[b"DEL", k1, k3, k2]), int(2));
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    assert_eq!(c.cmd(&["SELECT", "3"]), ok());
    assert_eq!(c.cmd_bytes(&[b"GET", k2]), bulk("2"));
}

#[test]
fn wrong_arity() {
    let s = Server::start();
    let mut c = s.client();
    for (args, name) in [
        (&["TOUCH"][..], "touch"),
        (&["PEXPIRE", "a"], "pexpire"),
        (&["EXPIREAT", "a"], "expireat"),
        (&["PEXPIREAT", "a"], "pexpireat"),
        (&["TTL"], "ttl"),
        (&["PTTL", "a", "b"], "pttl"),
        (&["EXPIRETIME"], "expiretime"),
        (&["PEXPIRETIME"], "pexpiretime"),
        (&["PERSIST"], "persist"),
        (&["RENAMENX", "a"], "renamenx"),
        (&["COPY", "a"], "copy"),
        (&["MOVE"], "move"),
        (&["SELECT"], "select"),
    ] {
        assert_eq!(c.cmd(args), err(&format!("ERR wrong number of arguments for '{name}' command")), "{args:?}");
    }
}

#[test]
fn multi_key_commands_on_a_hundred_thousand_keys() {
    let s = Server::start();
    let mut c = s.client();
    let n = 100_000;
    let names: Vec<String> = (0..n).map(|i| format!("key:{i}")).collect();
    let mut mset: Vec<&[u8]> = vec![b"MSET"];
    for k in &names {
        mset.push(k.as_bytes());
        mset.push(b"v");
    }
    assert_eq!(c.cmd_bytes(&mset), ok());
    assert_eq!(c.cmd(&["DBSIZE"]), int(n));
    let mut exists: Vec<&[u8]> = vec![b"EXISTS"];
    exists.extend(names.iter().map(|k| k.as_bytes()));
    assert_eq!(c.cmd_bytes(&exists), int(n));
    let mut del: Vec<&[u8]> = vec![b"DEL"];
    del.extend(names.iter().map(|k| k.as_bytes()));
    del.push(b"key:0");
    assert_eq!(c.cmd_bytes(&del), int(n));
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
}

#[test]
fn expiretime_rounds_without_overflow_at_the_largest_deadline() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["PEXPIREAT", "k", "9223372036854775807"]), int(1));
    assert_eq!(c.cmd(&["PEXPIRETIME", "k"]), int(i64::MAX));
    assert_eq!(c.cmd(&["EXPIRETIME", "k"]), int(9223372036854776));
    assert_eq!(c.cmd(&["PEXPIREAT", "k", "1999"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
}

/// Jobs made and deleted in order leave their keys' tombstones where SCAN starts; a SCAN
/// that crosses many of them has that range compacted away, and lists the same keys after.
#[test]
fn scan_lists_exactly_the_live_keys_of_jobs_made_and_deleted_in_order() {
    let s = Server::start();
    let mut c = s.client();
    let mut batch = Vec::new();
    for i in 0..5000 {
        let (job, done) = (format!("job:{i:06}"), format!("job:{:06}", i as i64 - 100));
        batch.extend(Client::encode(&[b"SET", job.as_bytes(), b"x"]));
        batch.extend(Client::encode(&[b"DEL", done.as_bytes()]));
    }
    c.send_raw(&batch);
    for _ in 0..10_000 {
        c.read();
    }
    let want: Vec<Vec<u8>> = (4900..5000).map(|i| format!("job:{i:06}").into_bytes()).collect();
    let listed = |c: &mut Client| {
        let mut keys = scan_all(c, &["MATCH", "job:*", "COUNT", "1000"]);
        keys.sort();
        keys
    };
    assert_eq!(listed(&mut c), want);
    assert_eq!(c.cmd(&["DBSIZE"]), int(100));
    if s.is_reference() {
        return;
    }
    c.wait_range_compaction();
    assert_eq!(listed(&mut c), want);
    assert_eq!(c.cmd(&["GET", "job:004999"]), bulk("x"));
    assert_eq!(c.cmd(&["EXISTS", "job:004899"]), int(0));
}

fn texts(items: &[&str]) -> Value {
    arr(items.iter().map(|s| bulk(s)).collect())
}

#[test]
fn sort_orders_lists_sets_and_sorted_sets() {
    let s = Server::start();
    let mut c = s.client();
    c.cmd(&["RPUSH", "l", "3", "10", "1", "2.5", "-inf", "0x10"]);
    assert_eq!(c.cmd(&["SORT", "l"]), texts(&["-inf", "1", "2.5", "3", "10", "0x10"]));
    assert_eq!(c.cmd(&["SORT", "l", "DESC"]), texts(&["0x10", "10", "3", "2.5", "1", "-inf"]));
    assert_eq!(c.cmd(&["SORT", "l", "ALPHA"]), texts(&["-inf", "0x10", "1", "10", "2.5", "3"]));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "1", "2"]), texts(&["1", "2.5"]));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "-5", "2", "DESC"]), texts(&["0x10", "10"]));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "4", "100"]), texts(&["10", "0x10"]));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "9", "1"]), texts(&[]));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "0", "0"]), texts(&[]));
    // Equal scores fall back to the elements; the list is not changed.
    c.cmd(&["RPUSH", "ties", "b", "1.0", "a", "1", "01"]);
    assert_eq!(c.cmd(&["SORT", "ties", "BY", "nokey"]), texts(&["b", "1.0", "a", "1", "01"]));
    assert_eq!(c.cmd(&["SORT", "ties", "ALPHA", "DESC"]), texts(&["b", "a", "1.0", "1", "01"]));
    assert_eq!(c.cmd(&["SORT", "ties", "BY", "w_*"]), texts(&["01", "1", "1.0", "a", "b"]));
    assert_eq!(c.cmd(&["LRANGE", "ties", "0", "-1"]), texts(&["b", "1.0", "a", "1", "01"]));
    // Sets and sorted sets.
    c.cmd(&["SADD", "s", "5", "-2", "40"]);
    assert_eq!(c.cmd(&["SORT", "s"]), texts(&["-2", "5", "40"]));
    c.cmd(&["ZADD", "z", "1", "c", "2", "a", "3", "b"]);
    assert_eq!(c.cmd(&["SORT", "z", "ALPHA"]), texts(&["a", "b", "c"]));
    assert_eq!(c.cmd(&["SORT", "z", "BY", "nosort"]), texts(&["c", "a", "b"]));
    assert_eq!(c.cmd(&["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "5"]), texts(&["a", "c"]));
    assert_eq!(c.cmd(&["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"]), texts(&["-inf", "2.5"]));
    assert_eq!(c.cmd(&["SORT", "l", "BY", "nosort", "LIMIT", "1", "2"]), texts(&["10", "1"]));
    assert_eq!(c.cmd(&["SORT_RO", "l", "LIMIT", "0", "1"]), texts(&["-inf"]));
    assert_eq!(c.cmd(&["SORT", "missing"]), texts(&[]));
    // Without STORE, SORT writes nothing: a WATCH on the sorted key holds.
    assert_eq!(c.cmd(&["WATCH", "l"]), ok());
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "0", "1"]), texts(&["-inf"]));
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["LLEN", "l"]), Value::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![int(6)]));
}

#[test]
fn sort_by_and_get_patterns() {
    let s = Server::start();
    let mut c = s.client();
    c.cmd(&["RPUSH", "ids", "1", "2", "3", "4"]);
    c.cmd(&["MSET", "w_1", "30", "w_2", "10", "w_3", "20", "name_1", "one", "name_2", "two", "name_4", "four"]);
    // A missing weight counts as 0.
    assert_eq!(c.cmd(&["SORT", "ids", "BY", "w_*"]), texts(&["4", "2", "3", "1"]));
    assert_eq!(c.cmd(&["SORT", "ids", "BY", "w_*", "GET", "name_*"]), arr(vec![bulk("four"), bulk("two"), nil(), bulk("one")]));
    assert_eq!(c.cmd(&["SORT", "ids", "BY", "w_*", "GET", "#", "GET", "w_*", "LIMIT", "1", "2"]), texts(&["2", "10", "3", "20"]));
    // GET of a pattern without `*`, or of a key of another type, is nil.
    c.cmd(&["LPUSH", "name_3", "x"]);
    assert_eq!(c.cmd(&["SORT", "ids", "GET", "fixed", "GET", "name_*", "LIMIT", "2", "1"]), arr(vec![nil(), nil()]));
    // Hash fields: `key->field`.
    c.cmd(&["HSET", "h_1", "rank", "b", "age", "5"]);
    c.cmd(&["HSET", "h_2", "rank", "a", "age", "9"]);
    c.cmd(&["HSET", "h_3", "rank", "c"]);
    assert_eq!(
        c.cmd(&["SORT", "ids", "BY", "h_*->rank", "ALPHA", "GET", "#", "GET", "h_*->age"]),
        arr(vec![bulk("4"), nil(), bulk("2"), bulk("9"), bulk("1"), bulk("5"), bulk("3"), nil()])
    );
    assert_eq!(c.cmd(&["SORT", "ids", "BY", "h_*->age", "DESC", "GET", "h_*->rank"]), arr(vec![bulk("a"), bulk("b"), nil(), bulk("c")]));
    // A weight that is not a number is an error without ALPHA.
    c.cmd(&["SET", "w_4", "heavy"]);
    assert_eq!(c.cmd(&["SORT", "ids", "BY", "w_*"]), err("ERR One or more scores can't be converted into double"));
    c.cmd(&["RPUSH", "words", "b", "a"]);
    assert_eq!(c.cmd(&["SORT", "words"]), err("ERR One or more scores can't be converted into double"));
    assert_eq!(c.cmd(&["SORT", "words", "ALPHA"]), texts(&["a", "b"]));
}

#[test]
fn sort_store_replaces_the_destination_with_a_list() {
    let s = Server::start();
    let mut c = s.client();
    c.cmd(&["RPUSH", "l", "3", "1", "2"]);
    c.cmd(&["SET", "dst", "old"]);
    c.cmd(&["EXPIRE", "dst", "100"]);
    assert_eq!(c.cmd(&["SORT", "l", "STORE", "dst"]), int(3));
    assert_eq!(c.cmd(&["LRANGE", "dst", "0", "-1"]), texts(&["1", "2", "3"]));
    assert_eq!(c.cmd(&["TTL", "dst"]), int(-1));
    // Missing GET values are stored as empty strings.
    c.cmd(&["SET", "v_2", "two"]);
    assert_eq!(c.cmd(&["SORT", "l", "GET", "v_*", "GET", "#", "STORE", "dst"]), int(6));
    assert_eq!(c.cmd(&["LRANGE", "dst", "0", "-1"]), texts(&["", "1", "two", "2", "", "3"]));
    // The source may be the destination; an empty result deletes it.
    assert_eq!(c.cmd(&["SORT", "l", "DESC", "STORE", "l"]), int(3));
    assert_eq!(c.cmd(&["LRANGE", "l", "0", "-1"]), texts(&["3", "2", "1"]));
    assert_eq!(c.cmd(&["SORT", "missing", "STORE", "dst"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "dst"]), int(0));
    // A set stored without sorting is sorted by value anyway.
    c.cmd(&["SADD", "s", "b", "c", "a"]);
    assert_eq!(c.cmd(&["SORT", "s", "BY", "nosort", "STORE", "dst"]), int(3));
    assert_eq!(c.cmd(&["LRANGE", "dst", "0", "-1"]), texts(&["a", "b", "c"]));
    // A client blocked on the destination gets the stored list.
    let mut waiter = s.client();
    waiter.send_raw(&Client::encode(&[b"BLPOP", b"queue", b"5"]));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(c.cmd(&["SORT", "s", "ALPHA", "STORE", "queue"]), int(3));
    assert_eq!(waiter.read(), texts(&["queue", "a"]));
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "SORT", "l", "LIMIT", "0", "1", "GET", "STORE", "STORE", "d1", "STORE", "d2"]),
        texts(&["l", "d2"])
    );
}

#[test]
fn sort_errors() {
    let s = Server::start();
    let mut c = s.client();
    c.cmd(&["RPUSH", "l", "1"]);
    c.cmd(&["SET", "str", "1"]);
    assert_eq!(c.cmd(&["SORT", "str"]), err("WRONGTYPE Operation against a key holding the wrong kind of value"));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "1"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "a", "1"]), err(NOT_INT));
    assert_eq!(c.cmd(&["SORT", "l", "BY"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SORT", "l", "FOO"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SORT_RO", "l", "STORE", "dst"]), err(SYNTAX));
    // Options are checked before the key's type.
    assert_eq!(c.cmd(&["SORT", "str", "FOO"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SORT"]), err("ERR wrong number of arguments for 'sort' command"));
}

/// SORT's patterns read keys the command does not name: in a pipeline, it must see the
/// writes sent before it.
#[test]
fn sort_sees_pipelined_writes_to_pattern_keys() {
    let s = Server::start();
    let mut c = s.client();
    c.cmd(&["RPUSH", "ids", "1", "2"]);
    let writes: [&[&[u8]]; 3] = [&[b"SET", b"w_1", b"9"], &[b"SET", b"w_2", b"1"], &[b"SET", b"n_1", b"x"]];
    let mut batch: Vec<u8> = writes.iter().flat_map(|w| Client::encode(w)).collect();
    batch.extend(Client::encode(&[b"SORT", b"ids", b"BY", b"w_*", b"GET", b"n_*"]));
    c.send_raw(&batch);
    for _ in writes {
        assert_eq!(c.read(), ok());
    }
    assert_eq!(c.read(), arr(vec![nil(), bulk("x")]));
}

/// MEMORY USAGE's numbers are each server's own; what both promise is checked.
#[test]
fn memory_usage_grows_with_the_value() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "missing"]), nil());
    c.cmd(&["SET", "small", "v"]);
    c.cmd(&["SET", "big", &"v".repeat(10_000)]);
    let small = c.cmd(&["MEMORY", "USAGE", "small"]).int();
    let big = c.cmd(&["MEMORY", "USAGE", "big"]).int();
    assert!(small > 0 && big > small + 9_000, "{small} {big}");
    // Collections are sampled: with all samples and with five, a hash of uniform fields
    // comes out about the same, and ten times the fields take about ten times the bytes.
    for (key, n) in [("h10", 10), ("h1000", 1000)] {
        for i in 0..n {
            c.cmd(&["HSET", key, &format!("field:{i:05}"), &"x".repeat(50)]);
        }
    }
    let h10 = c.cmd(&["MEMORY", "USAGE", "h10", "SAMPLES", "0"]).int();
    let h1000 = c.cmd(&["MEMORY", "USAGE", "h1000", "SAMPLES", "0"]).int();
    let sampled = c.cmd(&["MEMORY", "USAGE", "h1000"]).int();
    assert!(h1000 > 50 * h10, "{h10} {h1000}");
    assert!(sampled > h1000 * 9 / 10 && sampled < h1000 * 11 / 10, "{sampled} {h1000}");
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "small", "SAMPLES", "-1"]), err(SYNTAX));
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "small", "SAMPLES", "x"]), err(NOT_INT));
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "small", "SAMPLES"]), err(SYNTAX));
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "small", "FOO"]), err(SYNTAX));
    assert_eq!(c.cmd(&["MEMORY", "USAGE"]), err("ERR wrong number of arguments for 'memory|usage' command"));
}
