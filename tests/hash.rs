//! Hash commands, black-box against Redis 7 semantics: every reply and error line is the
//! one Redis sends. `DISKDB_TEST_REDIS=1` runs the same tests against redis-server.
//!
//! Redis returns small hashes in insertion order and DiskDB in field order, so tests that
//! read a whole hash compare sorted replies.

mod common;
use common::*;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const SYNTAX: &str = "ERR syntax error";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const NOT_FLOAT: &str = "ERR value is not a valid float";

fn nil() -> Value {
    Value::Nil
}

fn bin(b: &[u8]) -> Value {
    Value::Bulk(b.to_vec())
}

fn sorted(v: Value) -> Vec<String> {
    let mut t = v.texts();
    t.sort();
    t
}

/// A flat field/value array (RESP2 HGETALL, HSCAN pages) as a map.
fn pairs_of(v: &Value) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let items = v.array();
    assert_eq!(items.len() % 2, 0, "odd field/value array {v:?}");
    items
        .chunks(2)
        .map(|p| match (&p[0], &p[1]) {
            (Value::Bulk(f), Value::Bulk(v)) => (f.clone(), v.clone()),
            other => panic!("not a field/value pair: {other:?}"),
        })
        .collect()
}

fn expect_map(items: &[(&str, &str)]) -> BTreeMap<Vec<u8>, Vec<u8>> {
    items.iter().map(|(f, v)| (f.as_bytes().to_vec(), v.as_bytes().to_vec())).collect()
}

/// Sets `n` fields `f0..` to `v0..` with one HSET.
fn fill(c: &mut Client, key: &str, n: usize) {
    let mut args: Vec<String> = vec!["HSET".into(), key.into()];
    for i in 0..n {
        args.push(format!("f{i}"));
        args.push(format!("v{i}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(c.cmd(&refs), int(n as i64));
}

/// Every field/value of a hash, through HSCAN with the given COUNT.
fn scan_all(c: &mut Client, key: &str, extra: &[&str]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut cursor = "0".to_string();
    let mut out = Vec::new();
    let mut rounds = 0;
    loop {
        let mut args = vec!["HSCAN", key, &cursor];
        args.extend_from_slice(extra);
        let reply = c.cmd(&args).array();
        assert_eq!(reply.len(), 2, "HSCAN reply {reply:?}");
        let page = reply[1].array();
        assert_eq!(page.len() % 2, 0);
        for p in page.chunks(2) {
            let (Value::Bulk(f), Value::Bulk(v)) = (&p[0], &p[1]) else { panic!("bad pair {p:?}") };
            out.push((f.clone(), v.clone()));
        }
        cursor = reply[0].text();
        if cursor == "0" {
            return out;
        }
        rounds += 1;
        assert!(rounds < 100_000, "HSCAN did not finish");
    }
}

// ---------------------------------------------------------------------------------
// Setting and reading fields

#[test]
fn hset_hget_and_hmset() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["HGET", "h", "a"]), nil());
    assert_eq!(c.cmd(&["HSET", "h", "a", "1"]), int(1));
    assert_eq!(c.cmd(&["HGET", "h", "a"]), bulk("1"));
    assert_eq!(c.cmd(&["HGET", "h", "b"]), nil());
    // HSET counts only new fields; an existing one is overwritten.
    assert_eq!(c.cmd(&["HSET", "h", "a", "2", "b", "3", "c", "4"]), int(2));
    assert_eq!(c.cmd(&["HGET", "h", "a"]), bulk("2"));
    // A field named twice counts once and takes its last value.
    assert_eq!(c.cmd(&["HSET", "h", "d", "x", "d", "y"]), int(1));
    assert_eq!(c.cmd(&["HGET", "h", "d"]), bulk("y"));
    assert_eq!(c.cmd(&["HLEN", "h"]), int(4));
    assert_eq!(c.cmd(&["HMSET", "h", "a", "5", "e", "6"]), ok());
    assert_eq!(c.cmd(&["HMGET", "h", "a", "e", "nope"]), arr(vec![bulk("5"), bulk("6"), nil()]));
    assert_eq!(c.cmd(&["HLEN", "h"]), int(5));
    assert_eq!(c.cmd(&["TYPE", "h"]), Value::Simple("hash".into()));
    // Case-insensitive command names.
    assert_eq!(c.cmd(&["hget", "h", "e"]), bulk("6"));
}

#[test]
fn arity_errors() {
    let s = Server::start();
    let mut c = s.client();
    for (args, name) in [
        (&["HSET", "h", "a"][..], "hset"),
        (&["HSET", "h", "a", "1", "b"], "hset"),
        (&["HMSET", "h", "a"], "hmset"),
        (&["HMSET", "h", "a", "1", "b"], "hmset"),
        (&["HGET", "h"], "hget"),
        (&["HGET", "h", "a", "b"], "hget"),
        (&["HSETNX", "h", "a"], "hsetnx"),
        (&["HMGET", "h"], "hmget"),
        (&["HDEL", "h"], "hdel"),
        (&["HLEN"], "hlen"),
        (&["HEXISTS", "h"], "hexists"),
        (&["HSTRLEN", "h"], "hstrlen"),
        (&["HKEYS"], "hkeys"),
        (&["HVALS", "h", "x"], "hvals"),
        (&["HGETALL"], "hgetall"),
        (&["HINCRBY", "h", "a"], "hincrby"),
        (&["HINCRBYFLOAT", "h", "a"], "hincrbyfloat"),
        (&["HRANDFIELD"], "hrandfield"),
        (&["HSCAN", "h"], "hscan"),
    ] {
        assert_eq!(c.cmd(args), err(&format!("ERR wrong number of arguments for '{name}' command")), "{args:?}");
    }
    assert_eq!(c.cmd(&["EXISTS", "h"]), int(0), "a rejected HSET writes nothing");
}

#[test]
fn hsetnx() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["HSETNX", "h", "a", "1"]), int(1));
    assert_eq!(c.cmd(&["HSETNX", "h", "a", "2"]), int(0));
    assert_eq!(c.cmd(&["HGET", "h", "a"]), bulk("1"));
    assert_eq!(c.cmd(&["HSETNX", "h", "b", "2"]), int(1));
    assert_eq!(c.cmd(&["HLEN", "h"]), int(2));
}

#[test]
fn hmget_hexists_hlen_hstrlen_on_missing_keys_and_fields() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["HMGET", "nokey", "a", "b"]), arr(vec![nil(), nil()]));
    assert_eq!(c.cmd(&["HEXISTS", "nokey", "a"]), int(0));
    assert_eq!(c.cmd(&["HLEN", "nokey"]), int(0));
    assert_eq!(c.cmd(&["HSTRLEN", "nokey", "a"]), int(0));
    assert_eq!(c.cmd(&["HKEYS", "nokey"]), arr(vec![]));
    assert_eq!(c.cmd(&["HVALS", "nokey"]), arr(vec![]));
    assert_eq!(c.cmd(&["HGETALL", "nokey"]), arr(vec![]));
    assert_eq!(c.cmd(&["HDEL", "nokey", "a"]), int(0));
    assert_eq!(c.cmd(&["HSET", "h", "a", "hello", "e", ""]), int(2));
    assert_eq!(c.cmd(&["HEXISTS", "h", "a"]), int(1));
    assert_eq!(c.cmd(&["HEXISTS", "h", "b"]), int(0));
    assert_eq!(c.cmd(&["HSTRLEN", "h", "a"]), int(5));
    assert_eq!(c.cmd(&["HSTRLEN", "h", "b"]), int(0));
    // An empty value is a value.
    assert_eq!(c.cmd(&["HEXISTS", "h", "e"]), int(1));
    assert_eq!(c.cmd(&["HGET", "h", "e"]), bulk(""));
    assert_eq!(c.cmd(&["EXISTS", "nokey"]), int(0), "reads create nothing");
}

#[test]
fn hdel_and_the_empty_hash_disappears() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2", "c", "3"]), int(3));
    assert_eq!(c.cmd(&["HDEL", "h", "a", "nope"]), int(1));
    // A field named twice is deleted once.
    assert_eq!(c.cmd(&["HDEL", "h", "b", "b"]), int(1));
    assert_eq!(c.cmd(&["HLEN", "h"]), int(1));
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
    assert_eq!(c.cmd(&["HDEL", "h", "c", "zz"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "h"]), int(0));
    assert_eq!(c.cmd(&["TYPE", "h"]), Value::Simple("none".into()));
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    assert_eq!(c.cmd(&["HDEL", "h", "c"]), int(0));
    // The name is free for any type again.
    assert_eq!(c.cmd(&["SET", "h", "v"]), ok());
    assert_eq!(c.cmd(&["GET", "h"]), bulk("v"));
}

#[test]
fn hkeys_hvals_hgetall() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["HSET", "h", "b", "2", "a", "1", "c", "3"]), int(3));
    assert_eq!(sorted(c.cmd(&["HKEYS", "h"])), ["a", "b", "c"]);
    assert_eq!(sorted(c.cmd(&["HVALS", "h"])), ["1", "2", "3"]);
    let all = c.cmd(&["HGETALL", "h"]);
    assert_eq!(pairs_of(&all), expect_map(&[("a", "1"), ("b", "2"), ("c", "3")]));
    // HKEYS and HVALS list the fields in the same order, as HGETALL does.
    let keys = c.cmd(&["HKEYS", "h"]).texts();
    let vals = c.cmd(&["HVALS", "h"]).texts();
    let flat: Vec<String> = all.texts();
    for (i, (k, v)) in keys.iter().zip(&vals).enumerate() {
        assert_eq!((&flat[2 * i], &flat[2 * i + 1]), (k, v));
    }
}

#[test]
fn hgetall_is_a_map_in_resp3() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2"]), int(2));
    assert!(matches!(c.cmd(&["HELLO", "3"]), Value::Map(_)));
    let Value::Map(pairs) = c.cmd(&["HGETALL", "h"]) else { panic!("HGETALL is not a map in RESP3") };
    let got: BTreeMap<Vec<u8>, Vec<u8>> = pairs
        .into_iter()
        .map(|(f, v)| match (f, v) {
            (Value::Bulk(f), Value::Bulk(v)) => (f, v),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, expect_map(&[("a", "1"), ("b", "2")]));
    assert_eq!(c.cmd(&["HGETALL", "nokey"]), Value::Map(vec![]));
    assert_eq!(c.cmd(&["HGET", "h", "nope"]), nil());
    assert_eq!(c.cmd(&["HMGET", "h", "a", "nope"]), arr(vec![bulk("1"), nil()]));
    // HKEYS and HVALS stay arrays.
    assert!(matches!(c.cmd(&["HKEYS", "h"]), Value::Array(_)));
    assert!(matches!(c.cmd(&["HVALS", "h"]), Value::Array(_)));
}

#[test]
fn binary_fields_and_values() {
    let s = Server::start();
    let mut c = s.client();
    let fields: [&[u8]; 5] = [b"", b"\x00", b"a\r\nb", b"\xff\xfe", b"\x00\x00\x01"];
    for (i, f) in fields.iter().enumerate() {
        let value = [b'\x00', i as u8, b'\r', b'\n', 0xff];
        assert_eq!(c.cmd_bytes(&[b"HSET", b"bin\x00key", f, &value]), int(1), "{f:?}");
    }
    assert_eq!(c.cmd_bytes(&[b"HLEN", b"bin\x00key"]), int(5));
    for (i, f) in fields.iter().enumerate() {
        let value = vec![b'\x00', i as u8, b'\r', b'\n', 0xff];
        assert_eq!(c.cmd_bytes(&[b"HGET", b"bin\x00key", f]), Value::Bulk(value), "{f:?}");
        assert_eq!(c.cmd_bytes(&[b"HEXISTS", b"bin\x00key", f]), int(1));
    }
    let all = pairs_of(&c.cmd_bytes(&[b"HGETALL", b"bin\x00key"]));
    assert_eq!(all.len(), 5);
    assert!(all.contains_key(&b"\xff\xfe"[..]));
    // A field that is a prefix of another is its own field.
    assert_eq!(c.cmd_bytes(&[b"HDEL", b"bin\x00key", b"\x00"]), int(1));
    assert_eq!(c.cmd_bytes(&[b"HGET", b"bin\x00key", b"\x00\x00\x01"]), bin(&[0, 4, b'\r', b'\n', 0xff]));
    // Keys that are prefixes of each other do not share fields.
    assert_eq!(c.cmd_bytes(&[b"HSET", b"bin", b"x", b"1"]), int(1));
    assert_eq!(c.cmd_bytes(&[b"HLEN", b"bin"]), int(1));
    assert_eq!(c.cmd_bytes(&[b"HKEYS", b"bin"]), arr(vec![bulk("x")]));
}

// ---------------------------------------------------------------------------------
// Increments

#[test]
fn hincrby() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["HINCRBY", "h", "n", "5"]), int(5));
    assert_eq!(c.cmd(&["HINCRBY", "h", "n", "-7"]), int(-2));
    assert_eq!(c.cmd(&["HGET", "h", "n"]), bulk("-2"));
    assert_eq!(c.cmd(&["HINCRBY", "h", "z", "0"]), int(0));
    assert_eq!(c.cmd(&["HLEN", "h"]), int(2));
    assert_eq!(c.cmd(&["HSET", "h", "s", "abc", "f", "1.5", "sp", " 1", "lz", "01", "neg0", "-0", "e", ""]), int(6));
    for field in ["s", "f", "sp", "lz", "neg0", "e"] {
        assert_eq!(c.cmd(&["HINCRBY", "h", field, "1"]), err("ERR hash value is not an integer"), "{field}");
    }
    assert_eq!(c.cmd(&["HINCRBY", "h", "n", "x"]), err(NOT_INT));
    assert_eq!(c.cmd(&["HINCRBY", "h", "n", "1.0"]), err(NOT_INT));
    assert_eq!(c.cmd(&["HSET", "h", "max", "9223372036854775807", "min", "-9223372036854775808"]), int(2));
    assert_eq!(c.cmd(&["HINCRBY", "h", "max", "1"]), err("ERR increment or decrement would overflow"));
    assert_eq!(c.cmd(&["HINCRBY", "h", "min", "-1"]), err("ERR increment or decrement would overflow"));
    assert_eq!(c.cmd(&["HINCRBY", "h", "max", "-9223372036854775808"]), int(-1));
    assert_eq!(c.cmd(&["HGET", "h", "max"]), bulk("-1"));
}

#[test]
fn hincrbyfloat_formatting_and_errors() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "10.5"]), bulk("10.5"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "0.1"]), bulk("10.6"));
    assert_eq!(c.cmd(&["HGET", "h", "f"]), bulk("10.6"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "e", "5.0e3"]), bulk("5000"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "e", "-5000"]), bulk("0"));
    assert_eq!(c.cmd(&["HSET", "h", "i", "3", "x", "1e3", "d", "3.0"]), int(3));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "i", "1.5"]), bulk("4.5"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "x", "1"]), bulk("1001"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "d", "0"]), bulk("3"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "p", "0.1"]), bulk("0.1"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "p", "0.2"]), bulk("0.3"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "n", "-2.5"]), bulk("-2.5"));
    // The integer field now holds a float, and HINCRBY refuses it.
    assert_eq!(c.cmd(&["HINCRBY", "h", "i", "1"]), err("ERR hash value is not an integer"));
    assert_eq!(c.cmd(&["HSET", "h", "s", "abc", "sp", " 1", "empty", ""]), int(3));
    for field in ["s", "sp", "empty"] {
        assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", field, "1"]), err("ERR hash value is not a float"), "{field}");
    }
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "abc"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "nan"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "inf"]), err("ERR value is NaN or Infinity"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "-inf"]), err("ERR value is NaN or Infinity"));
    // Redis checks the increment before the key's type.
    assert_eq!(c.cmd(&["SET", "str", "1"]), ok());
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "str", "f", "inf"]), err("ERR value is NaN or Infinity"));
    assert_eq!(c.cmd(&["HGET", "h", "f"]), bulk("10.6"), "failed increments change nothing");
}

// ---------------------------------------------------------------------------------
// Types, expiry and key operations

#[test]
fn wrong_type_against_a_string_key() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "s", "v"]), ok());
    for args in [
        &["HSET", "s", "a", "1"][..],
        &["HSETNX", "s", "a", "1"],
        &["HMSET", "s", "a", "1"],
        &["HGET", "s", "a"],
        &["HMGET", "s", "a"],
        &["HDEL", "s", "a"],
        &["HEXISTS", "s", "a"],
        &["HLEN", "s"],
        &["HSTRLEN", "s", "a"],
        &["HKEYS", "s"],
        &["HVALS", "s"],
        &["HGETALL", "s"],
        &["HINCRBY", "s", "a", "1"],
        &["HINCRBYFLOAT", "s", "a", "1"],
        &["HRANDFIELD", "s"],
        &["HRANDFIELD", "s", "2"],
        &["HSCAN", "s", "0"],
    ] {
        assert_eq!(c.cmd(args), err(WRONGTYPE), "{args:?}");
    }
    assert_eq!(c.cmd(&["GET", "s"]), bulk("v"), "the string is untouched");
    // And the other way round.
    assert_eq!(c.cmd(&["HSET", "h", "a", "1"]), int(1));
    assert_eq!(c.cmd(&["GET", "h"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["INCR", "h"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["APPEND", "h", "x"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["MGET", "h", "s"]), arr(vec![nil(), bulk("v")]));
    // SET replaces a hash, and the fields go with it.
    assert_eq!(c.cmd(&["SET", "h", "v"]), ok());
    assert_eq!(c.cmd(&["DEL", "h"]), int(1));
    assert_eq!(c.cmd(&["HSET", "h", "b", "2"]), int(1));
    assert_eq!(c.cmd(&["HGETALL", "h"]), arr(vec![bulk("b"), bulk("2")]));
}

#[test]
fn type_encoding_and_scan_type() {
    let s = Server::start();
    let mut c = s.client();
    // A value over 64 bytes makes Redis use a real hash table from the start.
    let long = "x".repeat(100);
    assert_eq!(c.cmd(&["HSET", "h", "a", &long]), int(1));
    assert_eq!(c.cmd(&["SET", "s", "v"]), ok());
    assert_eq!(c.cmd(&["TYPE", "h"]), Value::Simple("hash".into()));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "h"]), bulk("hashtable"));
    let reply = c.cmd(&["SCAN", "0", "TYPE", "hash", "COUNT", "100"]).array();
    assert_eq!(reply[0], bulk("0"));
    assert_eq!(reply[1].texts(), ["h"]);
    let reply = c.cmd(&["SCAN", "0", "TYPE", "string", "COUNT", "100"]).array();
    assert_eq!(reply[1].texts(), ["s"]);
    assert_eq!(sorted(c.cmd(&["KEYS", "*"])), ["h", "s"]);
}

#[test]
fn expire_on_a_hash() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2"]), int(2));
    assert_eq!(c.cmd(&["EXPIRE", "h", "100"]), int(1));
    let ttl = c.cmd(&["TTL", "h"]).int();
    assert!((99..=100).contains(&ttl), "TTL {ttl}");
    // Changing fields keeps the expiry.
    assert_eq!(c.cmd(&["HSET", "h", "c", "3"]), int(1));
    assert_eq!(c.cmd(&["HDEL", "h", "a"]), int(1));
    assert_eq!(c.cmd(&["HINCRBY", "h", "n", "1"]), int(1));
    assert!(c.cmd(&["TTL", "h"]).int() > 0);
    assert_eq!(c.cmd(&["PERSIST", "h"]), int(1));
    assert_eq!(c.cmd(&["TTL", "h"]), int(-1));
    // Once expired, the hash and every field are gone; a new hash starts empty.
    assert_eq!(c.cmd(&["PEXPIRE", "h", "50"]), int(1));
    std::thread::sleep(Duration::from_millis(120));
    assert_eq!(c.cmd(&["EXISTS", "h"]), int(0));
    assert_eq!(c.cmd(&["HLEN", "h"]), int(0));
    assert_eq!(c.cmd(&["HGET", "h", "b"]), nil());
    assert_eq!(c.cmd(&["HGETALL", "h"]), arr(vec![]));
    assert_eq!(c.cmd(&["HSET", "h", "z", "9"]), int(1));
    assert_eq!(c.cmd(&["HGETALL", "h"]), arr(vec![bulk("z"), bulk("9")]));
    assert_eq!(c.cmd(&["TTL", "h"]), int(-1));
    // The same through an increment.
    assert_eq!(c.cmd(&["PEXPIRE", "h", "50"]), int(1));
    std::thread::sleep(Duration::from_millis(120));
    assert_eq!(c.cmd(&["HINCRBY", "h", "z", "1"]), int(1));
    assert_eq!(c.cmd(&["HLEN", "h"]), int(1));
    // An expiry in the past deletes the hash at once.
    assert_eq!(c.cmd(&["EXPIRE", "h", "-1"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "h"]), int(0));
}

#[test]
fn rename_copy_and_move_keep_every_field() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "h", 300);
    let original = pairs_of(&c.cmd(&["HGETALL", "h"]));
    assert_eq!(original.len(), 300);

    assert_eq!(c.cmd(&["RENAME", "h", "r"]), ok());
    assert_eq!(c.cmd(&["EXISTS", "h"]), int(0));
    assert_eq!(c.cmd(&["HGETALL", "h"]), arr(vec![]));
    assert_eq!(pairs_of(&c.cmd(&["HGETALL", "r"])), original);
    assert_eq!(c.cmd(&["HLEN", "r"]), int(300));

    assert_eq!(c.cmd(&["COPY", "r", "c"]), int(1));
    assert_eq!(pairs_of(&c.cmd(&["HGETALL", "c"])), original);
    // The copy is independent.
    assert_eq!(c.cmd(&["HSET", "c", "f0", "changed", "new", "x"]), int(1));
    assert_eq!(c.cmd(&["HDEL", "c", "f1"]), int(1));
    assert_eq!(c.cmd(&["HGET", "r", "f0"]), bulk("v0"));
    assert_eq!(c.cmd(&["HGET", "r", "f1"]), bulk("v1"));
    assert_eq!(c.cmd(&["HLEN", "r"]), int(300));
    assert_eq!(c.cmd(&["HLEN", "c"]), int(300));

    // RENAME over an existing hash replaces it whole.
    assert_eq!(c.cmd(&["HSET", "other", "only", "1"]), int(1));
    assert_eq!(c.cmd(&["RENAME", "other", "c"]), ok());
    assert_eq!(c.cmd(&["HGETALL", "c"]), arr(vec![bulk("only"), bulk("1")]));

    assert_eq!(c.cmd(&["MOVE", "r", "1"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "r"]), int(0));
    assert_eq!(c.cmd(&["SELECT", "1"]), ok());
    assert_eq!(pairs_of(&c.cmd(&["HGETALL", "r"])), original);
    assert_eq!(c.cmd(&["HLEN", "r"]), int(300));
    assert_eq!(c.cmd(&["COPY", "r", "back", "DB", "0"]), int(1));
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
    assert_eq!(pairs_of(&c.cmd(&["HGETALL", "back"])), original);
}

#[test]
fn a_deleted_huge_hash_is_gone_and_the_name_starts_empty() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "big", 100_000);
    assert_eq!(c.cmd(&["HLEN", "big"]), int(100_000));
    assert_eq!(c.cmd(&["HGET", "big", "f99999"]), bulk("v99999"));
    // DEL writes one tombstone whatever the size; `make bench` measures it on a million.
    assert_eq!(c.cmd(&["DEL", "big"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "big"]), int(0));
    assert_eq!(c.cmd(&["HSET", "big", "f5", "new"]), int(1));
    assert_eq!(c.cmd(&["HLEN", "big"]), int(1));
    assert_eq!(c.cmd(&["HGET", "big", "f6"]), nil());
    assert_eq!(c.cmd(&["HGETALL", "big"]), arr(vec![bulk("f5"), bulk("new")]));
    assert_eq!(scan_all(&mut c, "big", &[]).len(), 1);
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
}

// ---------------------------------------------------------------------------------
// HRANDFIELD

#[test]
fn hrandfield_single_and_counts() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["HRANDFIELD", "nokey"]), nil());
    assert_eq!(c.cmd(&["HRANDFIELD", "nokey", "3"]), arr(vec![]));
    assert_eq!(c.cmd(&["HRANDFIELD", "nokey", "-3", "WITHVALUES"]), arr(vec![]));
    fill(&mut c, "h", 10);
    let all: HashSet<String> = (0..10).map(|i| format!("f{i}")).collect();
    for _ in 0..20 {
        assert!(all.contains(&c.cmd(&["HRANDFIELD", "h"]).text()));
    }
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "0"]), arr(vec![]));
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "0", "WITHVALUES"]), arr(vec![]));
    // A positive count gives distinct fields, at most the whole hash.
    for n in [1, 3, 9] {
        let got = c.cmd(&["HRANDFIELD", "h", &n.to_string()]).texts();
        assert_eq!(got.len(), n);
        assert_eq!(got.iter().collect::<HashSet<_>>().len(), n, "{got:?}");
        assert!(got.iter().all(|f| all.contains(f)));
    }
    for n in ["10", "11", "1000"] {
        let got: HashSet<String> = c.cmd(&["HRANDFIELD", "h", n]).texts().into_iter().collect();
        assert_eq!(got, all);
    }
    // A negative count gives exactly that many, repeats allowed.
    let got = c.cmd(&["HRANDFIELD", "h", "-50"]).texts();
    assert_eq!(got.len(), 50);
    assert!(got.iter().all(|f| all.contains(f)));
    assert!(got.iter().collect::<HashSet<_>>().len() < 50, "50 picks of 10 fields must repeat");
    assert_eq!(c.cmd(&["HSET", "one", "only", "1"]), int(1));
    assert_eq!(c.cmd(&["HRANDFIELD", "one", "-5"]), arr(vec![bulk("only"); 5]));
    assert_eq!(c.cmd(&["HRANDFIELD", "one", "5"]), arr(vec![bulk("only")]));
}

#[test]
fn hrandfield_withvalues_in_resp2_and_resp3() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "h", 10);
    let flat = c.cmd(&["HRANDFIELD", "h", "4", "withvalues"]);
    let got = pairs_of(&flat);
    assert_eq!(got.len(), 4);
    for (f, v) in &got {
        assert_eq!(f[1..], v[1..], "value of {f:?} is {v:?}");
    }
    let flat = c.cmd(&["HRANDFIELD", "h", "-20", "WITHVALUES"]).array();
    assert_eq!(flat.len(), 40);
    for p in flat.chunks(2) {
        assert_eq!(p[0].text()[1..], p[1].text()[1..]);
    }
    assert!(matches!(c.cmd(&["HELLO", "3"]), Value::Map(_)));
    let nested = c.cmd(&["HRANDFIELD", "h", "-3", "WITHVALUES"]).array();
    assert_eq!(nested.len(), 3);
    for p in &nested {
        let p = p.array();
        assert_eq!(p.len(), 2, "RESP3 pairs are [field, value] arrays: {p:?}");
        assert_eq!(p[0].text()[1..], p[1].text()[1..]);
    }
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "100", "WITHVALUES"]).array().len(), 10);
    assert_eq!(c.cmd(&["HRANDFIELD", "nokey", "3", "WITHVALUES"]), arr(vec![]));
    assert_eq!(c.cmd(&["HRANDFIELD", "nokey"]), nil());
}

#[test]
fn hrandfield_argument_errors() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "h", 3);
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "x"]), err(NOT_INT));
    assert_eq!(c.cmd(&["HRANDFIELD", "nokey", "x"]), err(NOT_INT));
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "1", "foo"]), err(SYNTAX));
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "1", "WITHVALUES", "x"]), err(SYNTAX));
    // Options are checked before the key.
    assert_eq!(c.cmd(&["HRANDFIELD", "nokey", "1", "foo"]), err(SYNTAX));
    assert_eq!(
        c.cmd(&["HRANDFIELD", "h", "-9223372036854775808"]),
        err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"]), err("ERR value is out of range"));
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"]), err("ERR value is out of range"));
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"]), err("ERR value is out of range"));
    // A huge positive count is just "the whole hash".
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "9223372036854775807"]).array().len(), 3);
}

// ---------------------------------------------------------------------------------
// HSCAN

#[test]
fn hscan_small_and_large_hashes() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["HSCAN", "nokey", "0"]), arr(vec![bulk("0"), arr(vec![])]));
    assert_eq!(c.cmd(&["HSET", "small", "a", "1", "b", "2"]), int(2));
    let got: BTreeMap<_, _> = scan_all(&mut c, "small", &[]).into_iter().collect();
    assert_eq!(got, expect_map(&[("a", "1"), ("b", "2")]));
    fill(&mut c, "big", 1000);
    for count in ["1", "7", "100", "5000"] {
        let pairs = scan_all(&mut c, "big", &["COUNT", count]);
        assert_eq!(pairs.len(), 1000, "COUNT {count}: every field exactly once");
        let fields: HashSet<&Vec<u8>> = pairs.iter().map(|p| &p.0).collect();
        assert_eq!(fields.len(), 1000);
        for (f, v) in &pairs {
            assert_eq!(f[1..], v[1..]);
        }
    }
    // MATCH filters fields (not values).
    let matched = scan_all(&mut c, "big", &["MATCH", "f99*", "COUNT", "50"]);
    let mut fields: Vec<String> = matched.iter().map(|p| String::from_utf8(p.0.clone()).unwrap()).collect();
    fields.sort();
    let mut want: Vec<String> = ["f99".to_string()].into_iter().chain((0..10).map(|i| format!("f99{i}"))).collect();
    want.sort();
    assert_eq!(fields, want);
    assert!(scan_all(&mut c, "big", &["MATCH", "v*"]).is_empty());
    assert_eq!(scan_all(&mut c, "big", &["MATCH", "*", "COUNT", "300"]).len(), 1000);
    assert_eq!(scan_all(&mut c, "big", &["match", "f[12]?", "count", "1000"]).len(), 20);
}

#[test]
fn hscan_sees_fields_present_for_the_whole_scan() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "h", 500);
    let mut cursor = "0".to_string();
    let mut seen = HashSet::new();
    let mut added = 0;
    loop {
        let reply = c.cmd(&["HSCAN", "h", &cursor, "COUNT", "20"]).array();
        for p in reply[1].array().chunks(2) {
            seen.insert(p[0].text());
        }
        // Fields come and go during the scan.
        assert_eq!(c.cmd(&["HSET", "h", &format!("new{added}"), "x"]), int(1));
        added += 1;
        cursor = reply[0].text();
        if cursor == "0" {
            break;
        }
    }
    for i in 0..500 {
        assert!(seen.contains(&format!("f{i}")), "f{i} missed");
    }
}

#[test]
fn hscan_errors() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "h", 3);
    assert_eq!(c.cmd(&["HSCAN", "h", "x"]), err("ERR invalid cursor"));
    assert_eq!(c.cmd(&["HSCAN", "nokey", "x"]), err("ERR invalid cursor"));
    assert_eq!(c.cmd(&["HSCAN", "h", "18446744073709551616"]), err("ERR invalid cursor"));
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "COUNT", "0"]), err(SYNTAX));
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "COUNT", "-1"]), err(SYNTAX));
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "COUNT", "x"]), err(NOT_INT));
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "MATCH"]), err(SYNTAX));
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "TYPE", "string"]), err(SYNTAX));
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "FOO"]), err(SYNTAX));
    // A missing key ends the scan before the options are read.
    assert_eq!(c.cmd(&["HSCAN", "nokey", "0", "FOO"]), arr(vec![bulk("0"), arr(vec![])]));
    assert!(matches!(c.cmd(&["HELLO", "3"]), Value::Map(_)));
    let reply = c.cmd(&["HSCAN", "h", "0", "COUNT", "100"]).array();
    assert_eq!(reply[0], bulk("0"));
    assert_eq!(reply[1].array().len(), 6, "RESP3 HSCAN pages stay flat arrays");
}

// ---------------------------------------------------------------------------------
// Pipelines and durability (DiskDB-specific)

#[test]
fn pipelined_writes_to_one_hash_all_apply() {
    let s = Server::start();
    let mut c = s.client();
    let mut batch = Vec::new();
    for i in 0..200 {
        let f = format!("f{}", i % 50);
        batch.extend(Client::encode(&[b"HSET", b"h", f.as_bytes(), b"1"]));
        batch.extend(Client::encode(&[b"HINCRBY", b"counter", b"n", b"1"]));
    }
    batch.extend(Client::encode(&[b"HLEN", b"h"]));
    batch.extend(Client::encode(&[b"HGET", b"counter", b"n"]));
    c.send_raw(&batch);
    for i in 0..200 {
        assert_eq!(c.read(), int((i < 50) as i64), "HSET #{i}");
        assert_eq!(c.read(), int(i + 1), "HINCRBY #{i}");
    }
    assert_eq!(c.read(), int(50));
    assert_eq!(c.read(), bulk("200"));
}

#[test]
fn hashes_survive_a_restart() {
    let mut s = Server::start();
    if s.is_reference() {
        return;
    }
    let mut c = s.client();
    fill(&mut c, "h", 1000);
    assert_eq!(c.cmd(&["HDEL", "h", "f7"]), int(1));
    assert_eq!(c.cmd(&["HSET", "gone", "a", "1"]), int(1));
    assert_eq!(c.cmd(&["DEL", "gone"]), int(1));
    drop(c);
    s.restart();
    let mut c = s.client();
    assert_eq!(c.cmd(&["HLEN", "h"]), int(999));
    assert_eq!(c.cmd(&["HGET", "h", "f7"]), nil());
    assert_eq!(c.cmd(&["HGET", "h", "f8"]), bulk("v8"));
    assert_eq!(c.cmd(&["EXISTS", "gone"]), int(0));
    assert_eq!(c.cmd(&["HSET", "gone", "b", "2"]), int(1));
    assert_eq!(c.cmd(&["HGETALL", "gone"]), arr(vec![bulk("b"), bulk("2")]));
    assert_eq!(c.cmd(&["DBSIZE"]), int(2));
}

/// HSET + HDEL of short-lived fields leaves a tombstone per field; past a threshold the
/// hash is copied under a new version. Whatever route the writes take (one pipeline,
/// single commands, MULTI), the other fields, the TTL and the count stay exact, and
/// after a restart too.
#[test]
fn fields_that_come_and_go_leave_the_others_whole() {
    let mut s = Server::start();
    let mut c = s.client();
    fill(&mut c, "h", 10);
    let kept: BTreeMap<Vec<u8>, Vec<u8>> = (0..10).map(|i| (format!("f{i}").into_bytes(), format!("v{i}").into_bytes())).collect();
    assert_eq!(c.cmd(&["EXPIRE", "h", "1000"]), int(1));
    let mut batch = Vec::new();
    for i in 0..600 {
        let f = format!("tmp{i}");
        batch.extend(Client::encode(&[b"HSET", b"h", f.as_bytes(), b"x"]));
        batch.extend(Client::encode(&[b"HDEL", b"h", f.as_bytes()]));
        batch.extend(Client::encode(&[b"HGETALL", b"h"]));
    }
    c.send_raw(&batch);
    for i in 0..600 {
        assert_eq!((c.read(), c.read()), (int(1), int(1)), "round {i}");
        assert_eq!(pairs_of(&c.read()), kept, "HGETALL in pipelined round {i}");
    }
    for i in 600..900 {
        let f = format!("tmp{i}");
        assert_eq!(c.cmd(&["HSET", "h", &f, "x"]), int(1));
        assert_eq!(c.cmd(&["HDEL", "h", &f, "f0-missing"]), int(1));
        assert_eq!(c.cmd(&["HGET", "h", "f3"]), bulk("v3"));
    }
    assert_eq!(c.cmd(&["MULTI"]), ok());
    for i in 900..1200 {
        let f = format!("tmp{i}");
        assert_eq!(c.cmd(&["HSET", "h", &f, "x"]), Value::Simple("QUEUED".into()));
        assert_eq!(c.cmd(&["HDEL", "h", &f]), Value::Simple("QUEUED".into()));
    }
    assert_eq!(c.cmd(&["HGETALL", "h"]), Value::Simple("QUEUED".into()));
    let exec = c.cmd(&["EXEC"]).array();
    assert_eq!(exec.len(), 601);
    assert!(exec[..600].iter().all(|r| *r == int(1)));
    assert_eq!(pairs_of(&exec[600]), kept);
    assert_eq!(c.cmd(&["HLEN", "h"]), int(10));
    let ttl = c.cmd(&["TTL", "h"]).int();
    assert!((990..=1000).contains(&ttl), "TTL {ttl}");
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
    if s.is_reference() {
        return;
    }
    drop(c);
    s.restart();
    let mut c = s.client();
    assert_eq!(pairs_of(&c.cmd(&["HGETALL", "h"])), kept);
    assert_eq!(c.cmd(&["HLEN", "h"]), int(10));
    assert!(c.cmd(&["TTL", "h"]).int() > 0);
}

/// Several clients pipeline HSETs and HDELs of overlapping fields at one hash. Each
/// reply counts only fields that were new (or really deleted), so the replies add up to
/// HLEN, before and after a restart (DiskDB answers from the hash's field names kept in
/// memory, which a restart drops).
#[test]
fn pipelined_hsets_from_many_clients_count_each_new_field_once() {
    let mut s = Server::start();
    let run = |port: u16, phase: usize| -> i64 {
        let clients: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    let mut c = Client::connect(port);
                    let mut net = 0;
                    for round in 0..25 {
                        let mut batch = Vec::new();
                        for i in 0..16 {
                            // Fields shared by all clients, each twice per pipeline, and
                            // every 5th command a delete.
                            let f = format!("f{}", (t * 7 + round * 11 + i % 8 + phase * 3) % 300);
                            let cmd: &[u8] = if i % 5 == 4 { b"HDEL" } else { b"HSET" };
                            match cmd {
                                b"HDEL" => batch.extend(Client::encode(&[cmd, b"h", f.as_bytes()])),
                                _ => batch.extend(Client::encode(&[cmd, b"h", f.as_bytes(), b"v"])),
                            }
                        }
                        c.send_raw(&batch);
                        for i in 0..16 {
                            let n = c.read().int();
                            net += if i % 5 == 4 { -n } else { n };
                        }
                    }
                    net
                })
            })
            .collect();
        clients.into_iter().map(|t| t.join().unwrap()).sum()
    };
    let first = run(s.port, 0);
    let mut c = s.client();
    assert_eq!(c.cmd(&["HLEN", "h"]).int(), first);
    if !s.is_reference() {
        drop(c);
        s.restart();
        c = s.client();
    }
    let second = run(s.port, 1);
    assert_eq!(c.cmd(&["HLEN", "h"]).int(), first + second);
    assert_eq!(c.cmd(&["HKEYS", "h"]).array().len() as i64, first + second);
}
