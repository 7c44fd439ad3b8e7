//! Set commands, black-box against Redis 7 semantics: every reply and error line is the
//! one Redis sends. `DISKDB_TEST_REDIS=1` runs the same tests against redis-server.
//!
//! Redis returns set members in hash order and DiskDB in member order, so tests that read
//! a whole set compare sorted replies.

mod common;
use common::*;

use std::collections::HashSet;
use std::time::Duration;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const SYNTAX: &str = "ERR syntax error";
const NOT_INT: &str = "ERR value is not an integer or out of range";

fn nil() -> Value {
    Value::Nil
}

fn sorted(v: Value) -> Vec<String> {
    let mut t = v.texts();
    t.sort();
    t
}

fn simple(s: &str) -> Value {
    Value::Simple(s.into())
}

/// Adds members `m0..` to `key` with one SADD.
fn fill(c: &mut Client, key: &str, n: usize) {
    let mut args: Vec<String> = vec!["SADD".into(), key.into()];
    args.extend((0..n).map(|i| format!("m{i}")));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(c.cmd(&refs), int(n as i64));
}

/// Every member of a set, through SSCAN with the given options.
fn scan_all(c: &mut Client, key: &str, extra: &[&str]) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut out = Vec::new();
    for _ in 0..100_000 {
        let mut args = vec!["SSCAN", key, &cursor];
        args.extend_from_slice(extra);
        let reply = c.cmd(&args).array();
        assert_eq!(reply.len(), 2, "SSCAN reply {reply:?}");
        out.extend(reply[1].texts());
        cursor = reply[0].text();
        if cursor == "0" {
            return out;
        }
    }
    panic!("SSCAN did not finish");
}

// ---------------------------------------------------------------------------------
// Adding, removing, membership

#[test]
fn sadd_srem_sismember_scard() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SADD", "s", "a", "b", "c"]), int(3));
    // Existing and repeated members count once.
    assert_eq!(c.cmd(&["SADD", "s", "a", "d", "d"]), int(1));
    assert_eq!(c.cmd(&["SADD", "s", "a"]), int(0));
    assert_eq!(c.cmd(&["SCARD", "s"]), int(4));
    assert_eq!(c.cmd(&["SISMEMBER", "s", "a"]), int(1));
    assert_eq!(c.cmd(&["SISMEMBER", "s", "z"]), int(0));
    assert_eq!(c.cmd(&["SMISMEMBER", "s", "a", "z", "d", "a"]), arr(vec![int(1), int(0), int(1), int(1)]));
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "s"])), ["a", "b", "c", "d"]);
    assert_eq!(c.cmd(&["SREM", "s", "a", "z", "a"]), int(1));
    assert_eq!(c.cmd(&["SCARD", "s"]), int(3));
    assert_eq!(c.cmd(&["TYPE", "s"]), simple("set"));
    assert_eq!(c.cmd(&["sismember", "s", "b"]), int(1));
}

#[test]
fn missing_keys_act_as_empty_sets() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SCARD", "no"]), int(0));
    assert_eq!(c.cmd(&["SISMEMBER", "no", "a"]), int(0));
    assert_eq!(c.cmd(&["SMISMEMBER", "no", "a", "b"]), arr(vec![int(0), int(0)]));
    assert_eq!(c.cmd(&["SMEMBERS", "no"]), arr(vec![]));
    assert_eq!(c.cmd(&["SREM", "no", "a"]), int(0));
    assert_eq!(c.cmd(&["SPOP", "no"]), nil());
    assert_eq!(c.cmd(&["SPOP", "no", "3"]), arr(vec![]));
    assert_eq!(c.cmd(&["SRANDMEMBER", "no"]), nil());
    assert_eq!(c.cmd(&["SRANDMEMBER", "no", "-3"]), arr(vec![]));
    assert_eq!(c.cmd(&["SMOVE", "no", "dst", "a"]), int(0));
    assert_eq!(c.cmd(&["SINTER", "no", "no2"]), arr(vec![]));
    assert_eq!(c.cmd(&["SUNION", "no", "no2"]), arr(vec![]));
    assert_eq!(c.cmd(&["SDIFF", "no", "no2"]), arr(vec![]));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "no", "no2"]), int(0));
    assert_eq!(c.cmd(&["SSCAN", "no", "0"]), arr(vec![bulk("0"), arr(vec![])]));
    assert_eq!(c.cmd(&["SUNIONSTORE", "d", "no"]), int(0));
    assert_eq!(c.cmd(&["DBSIZE"]), int(0), "reads create nothing");
}

#[test]
fn the_empty_set_disappears() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SADD", "s", "a", "b"]), int(2));
    assert_eq!(c.cmd(&["SREM", "s", "a", "b"]), int(2));
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
    assert_eq!(c.cmd(&["TYPE", "s"]), simple("none"));
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    assert_eq!(c.cmd(&["SADD", "s", "x"]), int(1));
    assert_eq!(c.cmd(&["SPOP", "s"]), bulk("x"));
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
    assert_eq!(c.cmd(&["SADD", "s", "x", "y"]), int(2));
    assert_eq!(sorted(c.cmd(&["SPOP", "s", "5"])), ["x", "y"]);
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
    assert_eq!(c.cmd(&["SADD", "s", "x"]), int(1));
    assert_eq!(c.cmd(&["SMOVE", "s", "t", "x"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
    assert_eq!(c.cmd(&["SMEMBERS", "t"]), arr(vec![bulk("x")]));
    // The name is free for any type again.
    assert_eq!(c.cmd(&["SET", "s", "v"]), ok());
    assert_eq!(c.cmd(&["GET", "s"]), bulk("v"));
}

#[test]
fn arity_errors() {
    let s = Server::start();
    let mut c = s.client();
    for (args, name) in [
        (&["SADD", "s"][..], "sadd"),
        (&["SREM", "s"], "srem"),
        (&["SISMEMBER", "s"], "sismember"),
        (&["SISMEMBER", "s", "a", "b"], "sismember"),
        (&["SMISMEMBER", "s"], "smismember"),
        (&["SMEMBERS"], "smembers"),
        (&["SMEMBERS", "a", "b"], "smembers"),
        (&["SCARD"], "scard"),
        (&["SPOP"], "spop"),
        (&["SRANDMEMBER"], "srandmember"),
        (&["SMOVE", "a", "b"], "smove"),
        (&["SINTER"], "sinter"),
        (&["SINTERCARD", "1"], "sintercard"),
        (&["SINTERSTORE", "d"], "sinterstore"),
        (&["SUNION"], "sunion"),
        (&["SUNIONSTORE", "d"], "sunionstore"),
        (&["SDIFF"], "sdiff"),
        (&["SDIFFSTORE", "d"], "sdiffstore"),
        (&["SSCAN", "s"], "sscan"),
    ] {
        assert_eq!(c.cmd(args), err(&format!("ERR wrong number of arguments for '{name}' command")), "{args:?}");
    }
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
}

#[test]
fn binary_members() {
    let s = Server::start();
    let mut c = s.client();
    let odd: &[u8] = b"\x00\xff\r\n a";
    assert_eq!(c.cmd_bytes(&[b"SADD", b"s", odd, b"", b"plain"]), int(3));
    assert_eq!(c.cmd_bytes(&[b"SISMEMBER", b"s", odd]), int(1));
    assert_eq!(c.cmd_bytes(&[b"SISMEMBER", b"s", b""]), int(1));
    assert_eq!(c.cmd_bytes(&[b"SISMEMBER", b"s", b"\x00"]), int(0));
    let mut got: Vec<Vec<u8>> = c
        .cmd(&["SMEMBERS", "s"])
        .array()
        .into_iter()
        .map(|v| match v {
            Value::Bulk(b) => b,
            other => panic!("{other:?}"),
        })
        .collect();
    got.sort();
    assert_eq!(got, vec![b"".to_vec(), odd.to_vec(), b"plain".to_vec()]);
    assert_eq!(c.cmd_bytes(&[b"SREM", b"s", odd, b""]), int(2));
    assert_eq!(c.cmd(&["SMEMBERS", "s"]), arr(vec![bulk("plain")]));
}

#[test]
fn smembers_is_a_set_in_resp3() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SADD", "s", "a", "b"]), int(2));
    assert!(matches!(c.cmd(&["SMEMBERS", "s"]), Value::Array(_)));
    assert!(matches!(c.cmd(&["HELLO", "3"]), Value::Map(_)));
    let reply = c.cmd(&["SMEMBERS", "s"]);
    let Value::Set(items) = &reply else { panic!("SMEMBERS in RESP3 must be a set: {reply:?}") };
    assert_eq!(items.len(), 2);
    assert_eq!(c.cmd(&["SMEMBERS", "none"]), Value::Set(vec![]));
    assert!(matches!(c.cmd(&["SINTER", "s", "s"]), Value::Set(_)));
    assert!(matches!(c.cmd(&["SUNION", "s"]), Value::Set(_)));
    assert!(matches!(c.cmd(&["SDIFF", "s"]), Value::Set(_)));
    assert!(matches!(c.cmd(&["SPOP", "s", "1"]), Value::Set(_)));
    assert!(matches!(c.cmd(&["SRANDMEMBER", "s", "1"]), Value::Array(_)));
    assert!(matches!(c.cmd(&["SMISMEMBER", "s", "a"]), Value::Array(_)));
}

#[test]
fn wrong_type_against_a_string_key() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "str", "v"]), ok());
    assert_eq!(c.cmd(&["SADD", "set", "a"]), int(1));
    for args in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SMEMBERS", "str"],
        &["SCARD", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "2"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "2"],
        &["SMOVE", "str", "set", "a"],
        &["SMOVE", "set", "str", "a"],
        &["SINTER", "set", "str"],
        &["SINTER", "nokey", "str"],
        &["SINTERCARD", "2", "set", "str"],
        &["SINTERSTORE", "d", "set", "str"],
        &["SUNION", "str", "set"],
        &["SUNIONSTORE", "d", "set", "str"],
        &["SDIFF", "set", "str"],
        &["SDIFF", "nokey", "str"],
        &["SDIFFSTORE", "d", "set", "str"],
        &["SSCAN", "str", "0"],
    ] {
        assert_eq!(c.cmd(args), err(WRONGTYPE), "{args:?}");
    }
    // A missing source answers 0 before the destination's type is looked at.
    assert_eq!(c.cmd(&["SMOVE", "nokey", "str", "a"]), int(0));
    assert_eq!(c.cmd(&["GET", "str"]), bulk("v"));
    assert_eq!(c.cmd(&["EXISTS", "d"]), int(0));
    assert_eq!(c.cmd(&["SADD", "h", "x"]), int(1));
    assert_eq!(c.cmd(&["HSET", "hash", "f", "v"]), int(1));
    assert_eq!(c.cmd(&["SADD", "hash", "x"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["HGET", "h", "x"]), err(WRONGTYPE));
}

// ---------------------------------------------------------------------------------
// SPOP, SRANDMEMBER

#[test]
fn spop_single_and_counts() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "s", 10);
    let all: HashSet<String> = (0..10).map(|i| format!("m{i}")).collect();
    let one = c.cmd(&["SPOP", "s"]).text();
    assert!(all.contains(&one));
    assert_eq!(c.cmd(&["SISMEMBER", "s", &one]), int(0));
    assert_eq!(c.cmd(&["SCARD", "s"]), int(9));
    assert_eq!(c.cmd(&["SPOP", "s", "0"]), arr(vec![]));
    let three = c.cmd(&["SPOP", "s", "3"]).texts();
    assert_eq!(three.len(), 3);
    assert_eq!(three.iter().collect::<HashSet<_>>().len(), 3);
    assert!(!three.contains(&one));
    for m in &three {
        assert!(all.contains(m));
        assert_eq!(c.cmd(&["SISMEMBER", "s", m]), int(0));
    }
    assert_eq!(c.cmd(&["SCARD", "s"]), int(6));
    let rest = c.cmd(&["SPOP", "s", "100"]).texts();
    assert_eq!(rest.len(), 6);
    let mut popped: HashSet<String> = rest.into_iter().chain(three).collect();
    popped.insert(one);
    assert_eq!(popped, all);
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
}

#[test]
fn spop_argument_errors() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "s", 3);
    let positive = "ERR value is out of range, must be positive";
    assert_eq!(c.cmd(&["SPOP", "s", "-1"]), err(positive));
    assert_eq!(c.cmd(&["SPOP", "s", "x"]), err(positive));
    assert_eq!(c.cmd(&["SPOP", "nokey", "-1"]), err(positive));
    assert_eq!(c.cmd(&["SPOP", "s", "1", "2"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SCARD", "s"]), int(3));
}

#[test]
fn srandmember_single_and_counts() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "s", 10);
    let all: HashSet<String> = (0..10).map(|i| format!("m{i}")).collect();
    for _ in 0..20 {
        assert!(all.contains(&c.cmd(&["SRANDMEMBER", "s"]).text()));
    }
    assert_eq!(c.cmd(&["SRANDMEMBER", "s", "0"]), arr(vec![]));
    for n in [1, 3, 9] {
        let got = c.cmd(&["SRANDMEMBER", "s", &n.to_string()]).texts();
        assert_eq!(got.len(), n);
        assert_eq!(got.iter().collect::<HashSet<_>>().len(), n, "{got:?}");
        assert!(got.iter().all(|m| all.contains(m)));
    }
    for n in ["10", "11", "9223372036854775807"] {
        let got: HashSet<String> = c.cmd(&["SRANDMEMBER", "s", n]).texts().into_iter().collect();
        assert_eq!(got, all);
    }
    let got = c.cmd(&["SRANDMEMBER", "s", "-50"]).texts();
    assert_eq!(got.len(), 50);
    assert!(got.iter().all(|m| all.contains(m)));
    assert!(got.iter().collect::<HashSet<_>>().len() < 50, "50 picks of 10 members must repeat");
    assert_eq!(c.cmd(&["SADD", "one", "only"]), int(1));
    assert_eq!(c.cmd(&["SRANDMEMBER", "one", "-4"]), arr(vec![bulk("only"); 4]));
    assert_eq!(c.cmd(&["SRANDMEMBER", "one", "4"]), arr(vec![bulk("only")]));
    // SRANDMEMBER removes nothing.
    assert_eq!(c.cmd(&["SCARD", "s"]), int(10));
}

#[test]
fn srandmember_argument_errors() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "s", 3);
    assert_eq!(c.cmd(&["SRANDMEMBER", "s", "x"]), err(NOT_INT));
    assert_eq!(c.cmd(&["SRANDMEMBER", "nokey", "x"]), err(NOT_INT));
    assert_eq!(c.cmd(&["SRANDMEMBER", "s", "1", "2"]), err(SYNTAX));
    assert_eq!(
        c.cmd(&["SRANDMEMBER", "s", "-9223372036854775808"]),
        err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
    if !s.is_reference() {
        // Redis would try to build the whole reply; DiskDB caps the picks.
        assert_eq!(c.cmd(&["SRANDMEMBER", "s", "-9223372036854775807"]), err("ERR value is out of range"));
    }
}

// ---------------------------------------------------------------------------------
// SMOVE

#[test]
fn smove() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SADD", "a", "x", "y"]), int(2));
    assert_eq!(c.cmd(&["SADD", "b", "y", "z"]), int(2));
    assert_eq!(c.cmd(&["SMOVE", "a", "b", "x"]), int(1));
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "a"])), ["y"]);
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "b"])), ["x", "y", "z"]);
    assert_eq!(c.cmd(&["SMOVE", "a", "b", "nope"]), int(0));
    // Already in the destination: removed from the source only.
    assert_eq!(c.cmd(&["SMOVE", "a", "b", "y"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "a"]), int(0));
    assert_eq!(c.cmd(&["SCARD", "b"]), int(3));
    // To a new key.
    assert_eq!(c.cmd(&["SMOVE", "b", "new", "z"]), int(1));
    assert_eq!(c.cmd(&["SMEMBERS", "new"]), arr(vec![bulk("z")]));
    assert_eq!(c.cmd(&["SCARD", "b"]), int(2));
    // Within one set.
    assert_eq!(c.cmd(&["SMOVE", "b", "b", "x"]), int(1));
    assert_eq!(c.cmd(&["SMOVE", "b", "b", "q"]), int(0));
    assert_eq!(c.cmd(&["SCARD", "b"]), int(2));
    assert_eq!(c.cmd(&["DBSIZE"]), int(2));
}

// ---------------------------------------------------------------------------------
// Set algebra

#[test]
fn sinter_sunion_sdiff() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SADD", "x", "a", "b", "c", "d"]), int(4));
    assert_eq!(c.cmd(&["SADD", "y", "c", "d", "e"]), int(3));
    assert_eq!(c.cmd(&["SADD", "z", "d", "e", "f"]), int(3));
    assert_eq!(sorted(c.cmd(&["SINTER", "x", "y"])), ["c", "d"]);
    assert_eq!(sorted(c.cmd(&["SINTER", "x", "y", "z"])), ["d"]);
    assert_eq!(sorted(c.cmd(&["SINTER", "x"])), ["a", "b", "c", "d"]);
    assert_eq!(c.cmd(&["SINTER", "x", "nokey"]), arr(vec![]));
    assert_eq!(sorted(c.cmd(&["SUNION", "x", "y", "nokey"])), ["a", "b", "c", "d", "e"]);
    assert_eq!(sorted(c.cmd(&["SUNION", "x", "y", "z"])), ["a", "b", "c", "d", "e", "f"]);
    assert_eq!(sorted(c.cmd(&["SDIFF", "x", "y"])), ["a", "b"]);
    assert_eq!(sorted(c.cmd(&["SDIFF", "x", "y", "z"])), ["a", "b"]);
    assert_eq!(sorted(c.cmd(&["SDIFF", "x", "nokey"])), ["a", "b", "c", "d"]);
    assert_eq!(c.cmd(&["SDIFF", "nokey", "x"]), arr(vec![]));
    assert_eq!(c.cmd(&["SDIFF", "x", "x"]), arr(vec![]));
    assert_eq!(sorted(c.cmd(&["SDIFF", "z", "x"])), ["e", "f"]);
}

#[test]
fn store_forms_replace_and_delete_the_destination() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SADD", "x", "a", "b", "c"]), int(3));
    assert_eq!(c.cmd(&["SADD", "y", "b", "c", "d"]), int(3));
    assert_eq!(c.cmd(&["SINTERSTORE", "d", "x", "y"]), int(2));
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "d"])), ["b", "c"]);
    assert_eq!(c.cmd(&["SUNIONSTORE", "d", "x", "y"]), int(4));
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "d"])), ["a", "b", "c", "d"]);
    assert_eq!(c.cmd(&["SDIFFSTORE", "d", "x", "y"]), int(1));
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "d"])), ["a"]);
    // A string (with a TTL) destination is replaced whole.
    assert_eq!(c.cmd(&["SET", "str", "v", "EX", "100"]), ok());
    assert_eq!(c.cmd(&["SUNIONSTORE", "str", "x"]), int(3));
    assert_eq!(c.cmd(&["TYPE", "str"]), simple("set"));
    assert_eq!(c.cmd(&["TTL", "str"]), int(-1));
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "str"])), ["a", "b", "c"]);
    // A hash destination too.
    assert_eq!(c.cmd(&["HSET", "hash", "f", "v"]), int(1));
    assert_eq!(c.cmd(&["SINTERSTORE", "hash", "x", "y"]), int(2));
    assert_eq!(c.cmd(&["TYPE", "hash"]), simple("set"));
    // The destination may be a source.
    assert_eq!(c.cmd(&["SUNIONSTORE", "x", "x", "y"]), int(4));
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "x"])), ["a", "b", "c", "d"]);
    assert_eq!(c.cmd(&["SDIFFSTORE", "x", "x", "y"]), int(1));
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "x"])), ["a"]);
    // An empty result deletes the destination, whatever it held.
    assert_eq!(c.cmd(&["SET", "str2", "v"]), ok());
    assert_eq!(c.cmd(&["SINTERSTORE", "str2", "x", "nokey"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "str2"]), int(0));
    assert_eq!(c.cmd(&["SDIFFSTORE", "d", "y", "y"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "d"]), int(0));
    assert_eq!(c.cmd(&["SUNIONSTORE", "d", "nokey"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "d"]), int(0));
    assert_eq!(c.cmd(&["DBSIZE"]), int(4));
    // A source of the wrong type leaves the destination alone.
    assert_eq!(c.cmd(&["SET", "s", "v"]), ok());
    assert_eq!(c.cmd(&["SUNIONSTORE", "x", "y", "s"]), err(WRONGTYPE));
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "x"])), ["a"]);
}

#[test]
fn sintercard_limit_and_errors() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "a", 20);
    fill(&mut c, "b", 10);
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b"]), int(10));
    assert_eq!(c.cmd(&["SINTERCARD", "1", "a"]), int(20));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "LIMIT", "3"]), int(3));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "limit", "0"]), int(10));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "LIMIT", "100"]), int(10));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "nokey", "LIMIT", "1"]), int(0));
    let numkeys = "ERR numkeys should be greater than 0";
    assert_eq!(c.cmd(&["SINTERCARD", "0", "a"]), err(numkeys));
    assert_eq!(c.cmd(&["SINTERCARD", "-1", "a"]), err(numkeys));
    assert_eq!(c.cmd(&["SINTERCARD", "x", "a"]), err(numkeys));
    let too_many = "ERR Number of keys can't be greater than number of args";
    assert_eq!(c.cmd(&["SINTERCARD", "3", "a", "b"]), err(too_many));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "LIMIT", "-1"]), err("ERR LIMIT can't be negative"));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "LIMIT", "x"]), err("ERR LIMIT can't be negative"));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "LIMIT"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "FOO", "1"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SINTERCARD", "1", "a", "b"]), err(SYNTAX));
}

// ---------------------------------------------------------------------------------
// SSCAN

#[test]
fn sscan_small_and_large_sets() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SADD", "small", "a", "b"]), int(2));
    let mut got = scan_all(&mut c, "small", &[]);
    got.sort();
    assert_eq!(got, ["a", "b"]);
    fill(&mut c, "big", 1000);
    for count in ["1", "7", "100", "5000"] {
        let members = scan_all(&mut c, "big", &["COUNT", count]);
        assert_eq!(members.len(), 1000, "COUNT {count}");
        assert_eq!(members.iter().collect::<HashSet<_>>().len(), 1000);
    }
    let mut matched = scan_all(&mut c, "big", &["MATCH", "m99*", "COUNT", "50"]);
    matched.sort();
    let mut want: Vec<String> = ["m99".to_string()].into_iter().chain((0..10).map(|i| format!("m99{i}"))).collect();
    want.sort();
    assert_eq!(matched, want);
    assert!(scan_all(&mut c, "big", &["MATCH", "x*"]).is_empty());
    assert_eq!(scan_all(&mut c, "big", &["match", "m[12]?", "count", "1000"]).len(), 20);
}

#[test]
fn sscan_errors() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "s", 3);
    assert_eq!(c.cmd(&["SSCAN", "s", "x"]), err("ERR invalid cursor"));
    assert_eq!(c.cmd(&["SSCAN", "s", "0", "COUNT", "0"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SSCAN", "s", "0", "COUNT", "x"]), err(NOT_INT));
    assert_eq!(c.cmd(&["SSCAN", "s", "0", "MATCH"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SSCAN", "s", "0", "FOO"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SSCAN", "nokey", "0", "FOO"]), arr(vec![bulk("0"), arr(vec![])]));
}

// ---------------------------------------------------------------------------------
// Generic key commands on sets

#[test]
fn type_encoding_and_scan_type() {
    let s = Server::start();
    let mut c = s.client();
    // A member over 64 bytes makes Redis use a real hash table.
    let long = "x".repeat(100);
    assert_eq!(c.cmd(&["SADD", "s", &long]), int(1));
    assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), int(1));
    assert_eq!(c.cmd(&["TYPE", "s"]), simple("set"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "s"]), bulk("hashtable"));
    let reply = c.cmd(&["SCAN", "0", "TYPE", "set", "COUNT", "100"]).array();
    assert_eq!(reply[0], bulk("0"));
    assert_eq!(reply[1].texts(), ["s"]);
}

#[test]
fn rename_copy_and_move_keep_every_member() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "s", 300);
    let original = sorted(c.cmd(&["SMEMBERS", "s"]));
    assert_eq!(c.cmd(&["RENAME", "s", "r"]), ok());
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "r"])), original);
    assert_eq!(c.cmd(&["SCARD", "r"]), int(300));
    assert_eq!(c.cmd(&["COPY", "r", "c"]), int(1));
    assert_eq!(c.cmd(&["SREM", "c", "m1"]), int(1));
    assert_eq!(c.cmd(&["SISMEMBER", "r", "m1"]), int(1));
    assert_eq!(c.cmd(&["MOVE", "r", "1"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "r"]), int(0));
    assert_eq!(c.cmd(&["SELECT", "1"]), ok());
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "r"])), original);
    assert_eq!(c.cmd(&["SCARD", "r"]), int(300));
}

#[test]
fn expire_on_a_set() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SADD", "s", "a", "b"]), int(2));
    assert_eq!(c.cmd(&["EXPIRE", "s", "100"]), int(1));
    assert_eq!(c.cmd(&["SADD", "s", "c"]), int(1));
    assert!(c.cmd(&["TTL", "s"]).int() > 0, "changing members keeps the expiry");
    assert_eq!(c.cmd(&["PEXPIRE", "s", "50"]), int(1));
    std::thread::sleep(Duration::from_millis(120));
    assert_eq!(c.cmd(&["SCARD", "s"]), int(0));
    assert_eq!(c.cmd(&["SISMEMBER", "s", "a"]), int(0));
    assert_eq!(c.cmd(&["SADD", "s", "z"]), int(1));
    assert_eq!(c.cmd(&["SMEMBERS", "s"]), arr(vec![bulk("z")]));
    assert_eq!(c.cmd(&["TTL", "s"]), int(-1));
}

#[test]
fn a_deleted_huge_set_is_gone_and_the_name_starts_empty() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "big", 100_000);
    assert_eq!(c.cmd(&["SCARD", "big"]), int(100_000));
    assert_eq!(c.cmd(&["SISMEMBER", "big", "m99999"]), int(1));
    // DEL writes one tombstone whatever the size; `make bench` measures it on a million.
    assert_eq!(c.cmd(&["DEL", "big"]), int(1));
    assert_eq!(c.cmd(&["SADD", "big", "m5"]), int(1));
    assert_eq!(c.cmd(&["SCARD", "big"]), int(1));
    assert_eq!(c.cmd(&["SISMEMBER", "big", "m6"]), int(0));
    assert_eq!(c.cmd(&["SMEMBERS", "big"]), arr(vec![bulk("m5")]));
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
}

#[test]
fn sets_survive_a_restart() {
    let mut s = Server::start();
    if s.is_reference() {
        return;
    }
    let mut c = s.client();
    fill(&mut c, "s", 1000);
    assert_eq!(c.cmd(&["SREM", "s", "m7"]), int(1));
    assert_eq!(c.cmd(&["SUNIONSTORE", "u", "s"]), int(999));
    drop(c);
    s.restart();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SCARD", "s"]), int(999));
    assert_eq!(c.cmd(&["SISMEMBER", "s", "m7"]), int(0));
    assert_eq!(c.cmd(&["SISMEMBER", "u", "m8"]), int(1));
    assert_eq!(c.cmd(&["SCARD", "u"]), int(999));
    assert_eq!(c.cmd(&["DBSIZE"]), int(2));
}

#[test]
fn pipelined_writes_to_one_set_all_apply() {
    let s = Server::start();
    let mut c = s.client();
    let mut batch = Vec::new();
    for i in 0..200 {
        let m = format!("m{}", i % 50);
        batch.extend(Client::encode(&[b"SADD", b"s", m.as_bytes()]));
    }
    batch.extend(Client::encode(&[b"SCARD", b"s"]));
    c.send_raw(&batch);
    for i in 0..200 {
        assert_eq!(c.read(), int((i < 50) as i64), "SADD #{i}");
    }
    assert_eq!(c.read(), int(50));
}

#[test]
fn pipelined_algebra_sees_the_writes_before_it() {
    let s = Server::start();
    let mut c = s.client();
    let mut batch = Vec::new();
    for cmd in [
        &[&b"SADD"[..], b"x", b"a", b"b"][..],
        &[b"SADD", b"y", b"b", b"c"],
        &[b"SUNIONSTORE", b"u", b"x", b"y"],
        &[b"SINTERCARD", b"2", b"u", b"x"],
        &[b"SMOVE", b"x", b"y", b"a"],
        &[b"SCARD", b"y"],
        &[b"SDIFFSTORE", b"d", b"u", b"y"],
        &[b"SCARD", b"d"],
    ] {
        batch.extend(Client::encode(cmd));
    }
    c.send_raw(&batch);
    for want in [2, 2, 3, 2, 1, 3, 0, 0] {
        assert_eq!(c.read(), int(want));
    }
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "x"])), ["b"]);
}

#[test]
fn spop_drains_every_member_added_beyond_the_edges_it_saw() {
    // SPOP remembers the set's edges between pops; members added outside them (by SADD
    // or SMOVE) must still come out, and draining must end with the key gone.
    let s = Server::start();
    let mut c = s.client();
    let middle: Vec<String> = (50..100).map(|i| format!("m{i}")).collect();
    let mut args = vec!["SADD", "s"];
    args.extend(middle.iter().map(String::as_str));
    assert_eq!(c.cmd(&args), int(50));
    let mut popped = std::collections::BTreeSet::new();
    for _ in 0..10 {
        assert!(popped.insert(c.cmd(&["SPOP", "s"]).text()));
    }
    assert_eq!(c.cmd(&["SADD", "s", "a0", "a1", "z0", "z1"]), int(4));
    assert_eq!(c.cmd(&["SADD", "other", "0first", "~last"]), int(2));
    assert_eq!(c.cmd(&["SMOVE", "other", "s", "0first"]), int(1));
    assert_eq!(c.cmd(&["SMOVE", "other", "s", "~last"]), int(1));
    loop {
        match c.cmd(&["SPOP", "s"]) {
            Value::Nil => break,
            v => assert!(popped.insert(v.text()), "popped twice: {v:?}"),
        }
    }
    assert_eq!(popped.len(), 56);
    for m in ["a0", "a1", "z0", "z1", "0first", "~last", "m50", "m99"] {
        assert!(popped.contains(m), "{m} never popped");
    }
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
}

#[test]
fn spop_drains_a_large_set_member_by_member() {
    // Near the end of the drain most rows near any probe are deleted ones, and SPOP
    // changes how it picks; every member must still come out exactly once. With
    // pipeline-max-batch 1 each pop is its own storage write and reads committed rows
    // only; with the default, pops of one pipeline also read their group's deletes.
    for args in [&["--pipeline-max-batch", "1"][..], &[]] {
        let s = Server::start_with(args);
        drain_by_single_pops(&mut s.client(), 3000);
    }
}

fn drain_by_single_pops(c: &mut Client, n: usize) {
    let mut batch = Vec::new();
    for i in 0..n {
        batch.extend(Client::encode(&[b"SADD", b"big", format!("item:{i:06}").as_bytes()]));
    }
    c.send_raw(&batch);
    for _ in 0..n {
        assert_eq!(c.read(), int(1));
    }
    let pops: Vec<u8> = (0..n + 5).flat_map(|_| Client::encode(&[b"SPOP", b"big"])).collect();
    c.send_raw(&pops);
    let mut seen = std::collections::HashSet::new();
    for i in 0..n {
        let member = c.read().text();
        assert!(seen.insert(member.clone()), "{member} popped twice (pop #{i})");
    }
    for _ in 0..5 {
        assert_eq!(c.read(), Value::Nil);
    }
    assert_eq!(c.cmd(&["EXISTS", "big"]), int(0));
}

/// Members that come and go (SADD + SREM, SMOVE away) leave tombstones; past a threshold
/// the set is copied under a new version. The members that stay, the count and the TTL
/// stay exact, through one pipeline, single commands and a restart.
#[test]
fn members_that_come_and_go_leave_the_others_whole() {
    let mut s = Server::start();
    let mut c = s.client();
    fill(&mut c, "s", 10);
    let kept = sorted(c.cmd(&["SMEMBERS", "s"]));
    assert_eq!(c.cmd(&["EXPIRE", "s", "1000"]), int(1));
    let mut batch = Vec::new();
    for i in 0..600 {
        let m = format!("tmp{i}");
        batch.extend(Client::encode(&[b"SADD", b"s", m.as_bytes()]));
        batch.extend(Client::encode(&[b"SREM", b"s", m.as_bytes()]));
        batch.extend(Client::encode(&[b"SMEMBERS", b"s"]));
    }
    c.send_raw(&batch);
    for i in 0..600 {
        assert_eq!((c.read(), c.read()), (int(1), int(1)), "round {i}");
        assert_eq!(sorted(c.read()), kept, "SMEMBERS in pipelined round {i}");
    }
    for i in 600..900 {
        let m = format!("tmp{i}");
        assert_eq!(c.cmd(&["SADD", "s", &m]), int(1));
        assert_eq!(c.cmd(&["SMOVE", "s", "elsewhere", &m]), int(1));
        assert_eq!(c.cmd(&["SCARD", "s"]), int(10));
    }
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "s"])), kept);
    assert_eq!(c.cmd(&["SCARD", "elsewhere"]), int(300));
    let ttl = c.cmd(&["TTL", "s"]).int();
    assert!((990..=1000).contains(&ttl), "TTL {ttl}");
    if s.is_reference() {
        return;
    }
    drop(c);
    s.restart();
    let mut c = s.client();
    assert_eq!(sorted(c.cmd(&["SMEMBERS", "s"])), kept);
    assert_eq!(c.cmd(&["SCARD", "s"]), int(10));
    assert_eq!(c.cmd(&["SCARD", "elsewhere"]), int(300));
}

/// Several clients pipeline SPOPs (and SADDs of new members) at one set: every member
/// comes out exactly once. DiskDB draws these pops from the set's members kept in
/// memory, under each client's write group; halfway, a restart drops that copy and
/// SPOP reads it back from storage.
#[test]
fn pipelined_pops_from_many_clients_take_every_member_exactly_once() {
    let mut s = Server::start();
    let mut c = s.client();
    for chunk in 0..30 {
        let mut args: Vec<String> = vec!["SADD".into(), "s".into()];
        args.extend((0..100).map(|i| format!("m{}", chunk * 100 + i)));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(c.cmd(&refs), int(100));
    }
    let mut expected: HashSet<String> = (0..3000).map(|i| format!("m{i}")).collect();
    let mut popped: Vec<String> = Vec::new();
    let rounds = |port: u16, phase: usize, popped: &mut Vec<String>, expected: &mut HashSet<String>| {
        let clients: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    let mut c = Client::connect(port);
                    let (mut got, mut added) = (Vec::new(), Vec::new());
                    for round in 0..20 {
                        // 15 pops and one new member per pipeline.
                        let extra = format!("t{phase}-{t}-{round}");
                        let mut batch = Vec::new();
                        for i in 0..16 {
                            match i {
                                7 => batch.extend(Client::encode(&[b"SADD", b"s", extra.as_bytes()])),
                                _ => batch.extend(Client::encode(&[b"SPOP", b"s"])),
                            }
                        }
                        c.send_raw(&batch);
                        for i in 0..16 {
                            match (i, c.read()) {
                                (7, reply) => assert_eq!(reply, int(1), "{extra} is new"),
                                (_, Value::Bulk(m)) => got.push(String::from_utf8(m).unwrap()),
                                (_, other) => panic!("SPOP of a non-empty set: {other:?}"),
                            }
                        }
                        added.push(extra);
                    }
                    (got, added)
                })
            })
            .collect();
        for t in clients {
            let (got, added) = t.join().unwrap();
            popped.extend(got);
            expected.extend(added);
        }
    };
    rounds(s.port, 0, &mut popped, &mut expected);
    if !s.is_reference() {
        drop(c);
        s.restart();
        c = s.client();
    }
    rounds(s.port, 1, &mut popped, &mut expected);
    assert_eq!(popped.len(), 2 * 4 * 20 * 15);
    let left = c.cmd(&["SCARD", "s"]).int() as usize;
    assert_eq!(left, expected.len() - popped.len());
    popped.extend(c.cmd(&["SPOP", "s", &left.to_string()]).texts());
    let distinct: HashSet<String> = popped.iter().cloned().collect();
    assert_eq!(distinct.len(), popped.len(), "a member was popped twice");
    assert_eq!(distinct, expected);
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
}

/// Inside MULTI each command sees the ones before it, also where DiskDB answers from the
/// set's members kept in memory: a member added twice counts once, and SPOP finds only
/// what the transaction left.
#[test]
fn a_transaction_adds_removes_and_pops_seeing_its_own_writes() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SADD", "s", "x"]), int(1));
    assert_eq!(c.cmd(&["MULTI"]), ok());
    for cmd in [&["SADD", "s", "a"][..], &["SADD", "s", "a"], &["SREM", "s", "x"], &["SPOP", "s"], &["SPOP", "s"]] {
        assert_eq!(c.cmd(cmd), simple("QUEUED"));
    }
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![int(1), int(0), int(1), bulk("a"), nil()]));
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
}
