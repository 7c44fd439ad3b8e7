//! String commands, black-box against Redis 7 semantics: every reply and error line is
//! the one Redis sends. `DISKDB_TEST_REDIS=1` runs the same tests against redis-server.

mod common;
use common::*;

use std::time::{SystemTime, UNIX_EPOCH};

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

fn nil() -> Value {
    Value::Nil
}

fn bin(b: &[u8]) -> Value {
    Value::Bulk(b.to_vec())
}

const SYNTAX: &str = "ERR syntax error";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const NOT_FLOAT: &str = "ERR value is not a valid float";
const OVERFLOW: &str = "ERR increment or decrement would overflow";
const WRONG_TYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// Asserts that a TTL in seconds is within `lo..=hi`.
fn assert_ttl(c: &mut Client, key: &str, lo: i64, hi: i64) {
    let ttl = c.cmd(&["TTL", key]).int();
    assert!((lo..=hi).contains(&ttl), "TTL {key} = {ttl}, expected {lo}..={hi}");
}

fn assert_pttl(c: &mut Client, key: &str, lo: i64, hi: i64) {
    let ttl = c.cmd(&["PTTL", key]).int();
    assert!((lo..=hi).contains(&ttl), "PTTL {key} = {ttl}, expected {lo}..={hi}");
}

// ---------------------------------------------------------------------------------
// SET and its options

#[test]
fn set_and_get() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["GET", "k"]), nil());
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(c.cmd(&["SET", "k", "w"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("w"));
    // Command names and options are case-insensitive.
    assert_eq!(c.cmd(&["set", "k", "x", "ex", "100"]), ok());
    assert_eq!(c.cmd(&["gEt", "k"]), bulk("x"));
}

#[test]
fn set_expiry_options() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "ex", "v", "EX", "100"]), ok());
    assert_ttl(&mut c, "ex", 99, 100);
    assert_eq!(c.cmd(&["SET", "px", "v", "PX", "100000"]), ok());
    assert_pttl(&mut c, "px", 95_000, 100_000);
    let at = now_ms() / 1000 + 100;
    assert_eq!(c.cmd(&["SET", "exat", "v", "EXAT", &at.to_string()]), ok());
    assert_ttl(&mut c, "exat", 98, 100);
    assert_eq!(c.cmd(&["EXPIRETIME", "exat"]), int(at));
    let pat = now_ms() + 100_000;
    assert_eq!(c.cmd(&["SET", "pxat", "v", "PXAT", &pat.to_string()]), ok());
    assert_eq!(c.cmd(&["PEXPIRETIME", "pxat"]), int(pat));
    // A plain SET removes the expiry; KEEPTTL keeps it.
    assert_eq!(c.cmd(&["SET", "ex", "w", "KEEPTTL"]), ok());
    assert_ttl(&mut c, "ex", 99, 100);
    assert_eq!(c.cmd(&["GET", "ex"]), bulk("w"));
    assert_eq!(c.cmd(&["SET", "ex", "w2"]), ok());
    assert_eq!(c.cmd(&["TTL", "ex"]), int(-1));
    // KEEPTTL on a key without expiry, and on a missing key.
    assert_eq!(c.cmd(&["SET", "nottl", "v", "KEEPTTL"]), ok());
    assert_eq!(c.cmd(&["TTL", "nottl"]), int(-1));
    // The same option twice is accepted; the last value wins.
    assert_eq!(c.cmd(&["SET", "twice", "v", "EX", "10", "EX", "200"]), ok());
    assert_ttl(&mut c, "twice", 199, 200);
    assert_eq!(c.cmd(&["SET", "twice", "v", "KEEPTTL", "KEEPTTL"]), ok());
    assert_ttl(&mut c, "twice", 199, 200);
}

#[test]
fn set_with_an_expiry_in_the_past_deletes_the_key() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["SET", "k", "v2", "PXAT", "1"]), ok());
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
    assert_eq!(c.cmd(&["GET", "k"]), nil());
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["SET", "k", "v2", "EXAT", "1", "GET"]), bulk("v"));
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
}

#[test]
fn set_nx_xx() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "k", "v", "XX"]), nil());
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
    assert_eq!(c.cmd(&["SET", "k", "v", "NX"]), ok());
    assert_eq!(c.cmd(&["SET", "k", "w", "NX"]), nil());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(c.cmd(&["SET", "k", "w", "XX"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("w"));
    assert_eq!(c.cmd(&["SET", "k", "x", "NX", "NX"]), nil());
    assert_eq!(c.cmd(&["SET", "k", "x", "XX", "XX"]), ok());
    // NX with an expiry sets both.
    assert_eq!(c.cmd(&["SET", "n", "v", "NX", "EX", "100"]), ok());
    assert_ttl(&mut c, "n", 99, 100);
    // XX keeps nothing of the old key but its existence.
    assert_eq!(c.cmd(&["SET", "n", "v2", "XX"]), ok());
    assert_eq!(c.cmd(&["TTL", "n"]), int(-1));
}

#[test]
fn set_get_option() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "k", "v1", "GET"]), nil());
    assert_eq!(c.cmd(&["SET", "k", "v2", "GET"]), bulk("v1"));
    assert_eq!(c.cmd(&["SET", "k", "v3", "GET", "GET"]), bulk("v2"));
    // NX + GET: the old value comes back and nothing is written.
    assert_eq!(c.cmd(&["SET", "k", "v4", "NX", "GET"]), bulk("v3"));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v3"));
    // XX + GET on a missing key: nil, and the key is not created.
    assert_eq!(c.cmd(&["SET", "nx", "v", "XX", "GET"]), nil());
    assert_eq!(c.cmd(&["EXISTS", "nx"]), int(0));
    assert_eq!(c.cmd(&["SET", "k", "v5", "XX", "GET", "EX", "100"]), bulk("v3"));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v5"));
    assert_ttl(&mut c, "k", 99, 100);
}

#[test]
fn set_rejects_invalid_combinations() {
    let s = Server::start();
    let mut c = s.client();
    for args in [
        &["SET", "k", "v", "NX", "XX"][..],
        &["SET", "k", "v", "XX", "NX"],
        &["SET", "k", "v", "EX", "10", "PX", "10"],
        &["SET", "k", "v", "PX", "10", "EX", "10"],
        &["SET", "k", "v", "EX", "10", "EXAT", "10"],
        &["SET", "k", "v", "PXAT", "10", "PX", "10"],
        &["SET", "k", "v", "KEEPTTL", "EX", "10"],
        &["SET", "k", "v", "EX", "10", "KEEPTTL"],
        &["SET", "k", "v", "PXAT", "10", "KEEPTTL"],
        &["SET", "k", "v", "EX"],
        &["SET", "k", "v", "PX"],
        &["SET", "k", "v", "FOO"],
        &["SET", "k", "v", "PERSIST"],
        &["SET", "k", "v", "EX", "10", "FOO"],
        // Options are checked before the expire value is parsed.
        &["SET", "k", "v", "EX", "abc", "FOO"],
    ] {
        assert_eq!(c.cmd(args), err(SYNTAX), "{args:?}");
    }
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0), "a failed SET writes nothing");
}

#[test]
fn set_rejects_bad_expire_times() {
    let s = Server::start();
    let mut c = s.client();
    let invalid = "ERR invalid expire time in 'set' command";
    for (opt, val) in [
        ("EX", "0"),
        ("EX", "-1"),
        ("PX", "0"),
        ("PX", "-100"),
        ("EXAT", "0"),
        ("PXAT", "-5"),
        // Overflows when converted to milliseconds or added to the current time.
        ("EX", "9999999999999999"),
        ("EX", "9223372036854775"),
        ("PX", "9223372036854775807"),
        ("EXAT", "9223372036854775807"),
    ] {
        assert_eq!(c.cmd(&["SET", "k", "v", opt, val]), err(invalid), "{opt} {val}");
    }
    assert_eq!(c.cmd(&["SET", "k", "v", "EX", "0", "NX"]), err(invalid));
    assert_eq!(c.cmd(&["SET", "k", "v", "EX", "abc"]), err(NOT_INT));
    assert_eq!(c.cmd(&["SET", "k", "v", "PX", "1.5"]), err(NOT_INT));
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
}

// ---------------------------------------------------------------------------------
// GET-and-modify commands

#[test]
fn getset_getdel() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["GETSET", "k", "1"]), nil());
    assert_eq!(c.cmd(&["GETSET", "k", "2"]), bulk("1"));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("2"));
    // GETSET removes the expiry, like SET.
    assert_eq!(c.cmd(&["SET", "t", "v", "EX", "100"]), ok());
    assert_eq!(c.cmd(&["GETSET", "t", "w"]), bulk("v"));
    assert_eq!(c.cmd(&["TTL", "t"]), int(-1));
    assert_eq!(c.cmd(&["GETDEL", "k"]), bulk("2"));
    assert_eq!(c.cmd(&["GETDEL", "k"]), nil());
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
}

#[test]
fn getex_changes_the_expiry() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["GETEX", "missing"]), nil());
    assert_eq!(c.cmd(&["GETEX", "missing", "EX", "10"]), nil());
    assert_eq!(c.cmd(&["EXISTS", "missing"]), int(0));
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["GETEX", "k"]), bulk("v"));
    assert_eq!(c.cmd(&["TTL", "k"]), int(-1));
    assert_eq!(c.cmd(&["GETEX", "k", "EX", "100"]), bulk("v"));
    assert_ttl(&mut c, "k", 99, 100);
    // Without options the expiry stays.
    assert_eq!(c.cmd(&["GETEX", "k"]), bulk("v"));
    assert_ttl(&mut c, "k", 99, 100);
    assert_eq!(c.cmd(&["GETEX", "k", "PX", "200000"]), bulk("v"));
    assert_pttl(&mut c, "k", 195_000, 200_000);
    let at = now_ms() / 1000 + 300;
    assert_eq!(c.cmd(&["GETEX", "k", "EXAT", &at.to_string()]), bulk("v"));
    assert_eq!(c.cmd(&["EXPIRETIME", "k"]), int(at));
    let pat = now_ms() + 400_000;
    assert_eq!(c.cmd(&["GETEX", "k", "PXAT", &pat.to_string()]), bulk("v"));
    assert_eq!(c.cmd(&["PEXPIRETIME", "k"]), int(pat));
    assert_eq!(c.cmd(&["GETEX", "k", "PERSIST"]), bulk("v"));
    assert_eq!(c.cmd(&["TTL", "k"]), int(-1));
    // The same option twice is accepted.
    assert_eq!(c.cmd(&["GETEX", "k", "EX", "10", "EX", "100"]), bulk("v"));
    assert_ttl(&mut c, "k", 99, 100);
    assert_eq!(c.cmd(&["GETEX", "k", "PERSIST", "PERSIST"]), bulk("v"));
    assert_eq!(c.cmd(&["TTL", "k"]), int(-1));
    // An absolute time in the past deletes the key, after returning it.
    assert_eq!(c.cmd(&["GETEX", "k", "PXAT", "1"]), bulk("v"));
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["GETEX", "k", "EXAT", "1"]), bulk("v"));
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
}

#[test]
fn getex_errors() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "k", "v", "EX", "100"]), ok());
    for args in [
        &["GETEX", "k", "PERSIST", "EX", "10"][..],
        &["GETEX", "k", "EX", "10", "PERSIST"],
        &["GETEX", "k", "EX", "10", "PX", "10"],
        &["GETEX", "k", "EXAT", "10", "PXAT", "10"],
        &["GETEX", "k", "KEEPTTL"],
        &["GETEX", "k", "FOO"],
        &["GETEX", "k", "EX"],
        &["GETEX", "missing", "FOO"],
        &["GETEX", "missing", "EX"],
    ] {
        assert_eq!(c.cmd(args), err(SYNTAX), "{args:?}");
    }
    let invalid = "ERR invalid expire time in 'getex' command";
    assert_eq!(c.cmd(&["GETEX", "k", "EX", "0"]), err(invalid));
    assert_eq!(c.cmd(&["GETEX", "k", "EX", "-5"]), err(invalid));
    assert_eq!(c.cmd(&["GETEX", "k", "PXAT", "0"]), err(invalid));
    assert_eq!(c.cmd(&["GETEX", "k", "EX", "abc"]), err(NOT_INT));
    assert_ttl(&mut c, "k", 99, 100);
    // On a missing key the expire value is never looked at.
    assert_eq!(c.cmd(&["GETEX", "missing", "EX", "0"]), nil());
    assert_eq!(c.cmd(&["GETEX", "missing", "EX", "abc"]), nil());
}

// ---------------------------------------------------------------------------------
// Multi-key and conditional setters

#[test]
fn mget_mset_msetnx() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["MSET", "a", "1", "b", "2"]), ok());
    assert_eq!(c.cmd(&["MGET", "a", "missing", "b", "a"]), arr(vec![bulk("1"), nil(), bulk("2"), bulk("1")]));
    assert_eq!(c.cmd(&["MSET", "a", "1", "b"]), err("ERR wrong number of arguments for 'mset' command"));
    assert_eq!(c.cmd(&["MSETNX", "a", "1", "c"]), err("ERR wrong number of arguments for 'msetnx' command"));
    // MSETNX writes nothing if any key exists.
    assert_eq!(c.cmd(&["MSETNX", "a", "9", "c", "3"]), int(0));
    assert_eq!(c.cmd(&["MGET", "a", "c"]), arr(vec![bulk("1"), nil()]));
    assert_eq!(c.cmd(&["MSETNX", "c", "3", "d", "4"]), int(1));
    assert_eq!(c.cmd(&["MGET", "c", "d"]), arr(vec![bulk("3"), bulk("4")]));
    // The same key twice: the last value wins, counted once.
    assert_eq!(c.cmd(&["MSETNX", "e", "5", "e", "6"]), int(1));
    assert_eq!(c.cmd(&["GET", "e"]), bulk("6"));
    assert_eq!(c.cmd(&["MSET", "x", "1", "x", "2"]), ok());
    assert_eq!(c.cmd(&["GET", "x"]), bulk("2"));
    assert_eq!(c.cmd(&["DBSIZE"]), int(6));
    // MSET removes expiries of the keys it overwrites.
    assert_eq!(c.cmd(&["SET", "t", "v", "EX", "100"]), ok());
    assert_eq!(c.cmd(&["MSET", "t", "w"]), ok());
    assert_eq!(c.cmd(&["TTL", "t"]), int(-1));
    // MSETNX treats an expired key as missing.
    assert_eq!(c.cmd(&["SET", "gone", "v", "PX", "1"]), ok());
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(c.cmd(&["MSETNX", "gone", "new"]), int(1));
    assert_eq!(c.cmd(&["GET", "gone"]), bulk("new"));
}

#[test]
fn setnx_setex_psetex() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SETNX", "k", "1"]), int(1));
    assert_eq!(c.cmd(&["SETNX", "k", "2"]), int(0));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("1"));
    assert_eq!(c.cmd(&["SETEX", "k", "100", "v"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    assert_ttl(&mut c, "k", 99, 100);
    assert_eq!(c.cmd(&["PSETEX", "p", "100000", "v"]), ok());
    assert_pttl(&mut c, "p", 95_000, 100_000);
    assert_eq!(c.cmd(&["SETEX", "s", "0", "v"]), err("ERR invalid expire time in 'setex' command"));
    assert_eq!(c.cmd(&["SETEX", "s", "-1", "v"]), err("ERR invalid expire time in 'setex' command"));
    assert_eq!(c.cmd(&["PSETEX", "s", "0", "v"]), err("ERR invalid expire time in 'psetex' command"));
    assert_eq!(c.cmd(&["SETEX", "s", "abc", "v"]), err(NOT_INT));
    assert_eq!(c.cmd(&["SETEX", "s", "10"]), err("ERR wrong number of arguments for 'setex' command"));
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
}

// ---------------------------------------------------------------------------------
// Counters

#[test]
fn incr_decr_family() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["INCR", "n"]), int(1));
    assert_eq!(c.cmd(&["INCRBY", "n", "10"]), int(11));
    assert_eq!(c.cmd(&["DECR", "n"]), int(10));
    assert_eq!(c.cmd(&["DECRBY", "n", "5"]), int(5));
    assert_eq!(c.cmd(&["INCRBY", "n", "-3"]), int(2));
    assert_eq!(c.cmd(&["DECRBY", "n", "-3"]), int(5));
    assert_eq!(c.cmd(&["GET", "n"]), bulk("5"));
    assert_eq!(c.cmd(&["DECR", "neg"]), int(-1));
    assert_eq!(c.cmd(&["DECRBY", "neg2", "7"]), int(-7));
    // The stored value is a plain decimal string.
    assert_eq!(c.cmd(&["APPEND", "n", "0"]), int(2));
    assert_eq!(c.cmd(&["INCR", "n"]), int(51));
    // Expiry is kept.
    assert_eq!(c.cmd(&["SET", "t", "5", "EX", "100"]), ok());
    assert_eq!(c.cmd(&["INCR", "t"]), int(6));
    assert_ttl(&mut c, "t", 99, 100);
}

#[test]
fn incr_limits_and_overflow() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "n", "9223372036854775806"]), ok());
    assert_eq!(c.cmd(&["INCR", "n"]), int(i64::MAX));
    assert_eq!(c.cmd(&["INCR", "n"]), err(OVERFLOW));
    assert_eq!(c.cmd(&["INCRBY", "n", "1"]), err(OVERFLOW));
    assert_eq!(c.cmd(&["DECRBY", "n", "-1"]), err(OVERFLOW));
    assert_eq!(c.cmd(&["GET", "n"]), bulk("9223372036854775807"), "a failed INCR changes nothing");
    assert_eq!(c.cmd(&["SET", "m", "-9223372036854775807"]), ok());
    assert_eq!(c.cmd(&["DECR", "m"]), int(i64::MIN));
    assert_eq!(c.cmd(&["DECR", "m"]), err(OVERFLOW));
    assert_eq!(c.cmd(&["DECRBY", "m", "1"]), err(OVERFLOW));
    assert_eq!(c.cmd(&["INCRBY", "m", "-1"]), err(OVERFLOW));
    assert_eq!(c.cmd(&["GET", "m"]), bulk("-9223372036854775808"));
    assert_eq!(c.cmd(&["INCRBY", "m", "9223372036854775807"]), int(-1));
    assert_eq!(c.cmd(&["INCRBY", "z", "-9223372036854775808"]), int(i64::MIN));
    assert_eq!(c.cmd(&["SET", "z", "0"]), ok());
    // Negating i64::MIN is its own error.
    assert_eq!(c.cmd(&["DECRBY", "z", "-9223372036854775808"]), err("ERR decrement would overflow"));
    assert_eq!(c.cmd(&["INCRBY", "z", "9223372036854775808"]), err(NOT_INT));
    assert_eq!(c.cmd(&["INCRBY", "z", "-9223372036854775809"]), err(NOT_INT));
    assert_eq!(c.cmd(&["GET", "z"]), bulk("0"));
}

#[test]
fn incr_rejects_non_integers() {
    let s = Server::start();
    let mut c = s.client();
    for bad in ["foo", " 1", "1 ", "1.5", "+1", "01", "-0", "", "12345678901234567890", "1e3", "0x10"] {
        assert_eq!(c.cmd(&["SET", "s", bad]), ok());
        assert_eq!(c.cmd(&["INCR", "s"]), err(NOT_INT), "value {bad:?}");
        assert_eq!(c.cmd(&["DECRBY", "s", "1"]), err(NOT_INT), "value {bad:?}");
        assert_eq!(c.cmd(&["GET", "s"]), bulk(bad));
    }
    for bad in ["abc", " 1", "1 ", "1.0", "+1", "", "99999999999999999999"] {
        assert_eq!(c.cmd(&["INCRBY", "n", bad]), err(NOT_INT), "increment {bad:?}");
        assert_eq!(c.cmd(&["DECRBY", "n", bad]), err(NOT_INT), "decrement {bad:?}");
    }
    assert_eq!(c.cmd(&["EXISTS", "n"]), int(0));
}

#[test]
fn incrbyfloat_formats_like_redis() {
    let s = Server::start();
    let mut c = s.client();
    // The examples of Redis's documentation.
    assert_eq!(c.cmd(&["SET", "mykey", "10.50"]), ok());
    assert_eq!(c.cmd(&["INCRBYFLOAT", "mykey", "0.1"]), bulk("10.6"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "mykey", "-5"]), bulk("5.6"));
    assert_eq!(c.cmd(&["SET", "mykey", "5.0e3"]), ok());
    assert_eq!(c.cmd(&["INCRBYFLOAT", "mykey", "2.0e2"]), bulk("5200"));
    assert_eq!(c.cmd(&["GET", "mykey"]), bulk("5200"));
    assert_eq!(c.cmd(&["SET", "e", "5.0e3"]), ok());
    assert_eq!(c.cmd(&["INCRBYFLOAT", "e", "0"]), bulk("5000"));
    // Missing key starts at 0; no exponent, no trailing zeros, no "-0".
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "3"]), bulk("3"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "-3"]), bulk("0"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "-0.0"]), bulk("0"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "1e-5"]), bulk("0.00001"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "g", "1.5e10"]), bulk("15000000000"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "h", "1e20"]), bulk("100000000000000000000"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "i", "-2.5"]), bulk("-2.5"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "j", ".5"]), bulk("0.5"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "j", "5."]), bulk("5.5"));
    assert_eq!(c.cmd(&["SET", "k", "3.0"]), ok());
    assert_eq!(c.cmd(&["INCRBYFLOAT", "k", "0.0"]), bulk("3"));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("3"));
    // Binary rounding noise does not show: Redis computes in long double.
    assert_eq!(c.cmd(&["INCRBYFLOAT", "sum", "0.1"]), bulk("0.1"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "sum", "0.2"]), bulk("0.3"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "sum2", "1.1"]), bulk("1.1"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "sum2", "2.2"]), bulk("3.3"));
    assert_eq!(c.cmd(&["SET", "diff", "100"]), ok());
    assert_eq!(c.cmd(&["INCRBYFLOAT", "diff", "-99.9"]), bulk("0.1"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "diff", "0.1"]), bulk("0.2"));
    assert_eq!(c.cmd(&["SET", "diff", "3.7"]), ok());
    assert_eq!(c.cmd(&["INCRBYFLOAT", "diff", "-3.6"]), bulk("0.1"));
    // Expiry is kept.
    assert_eq!(c.cmd(&["SET", "t", "1", "EX", "100"]), ok());
    assert_eq!(c.cmd(&["INCRBYFLOAT", "t", "1.5"]), bulk("2.5"));
    assert_ttl(&mut c, "t", 99, 100);
}

#[test]
fn incrbyfloat_errors() {
    let s = Server::start();
    let mut c = s.client();
    for bad in ["abc", "nan", " 1", "1 ", "", "1.5.5"] {
        assert_eq!(c.cmd(&["INCRBYFLOAT", "k", bad]), err(NOT_FLOAT), "increment {bad:?}");
    }
    for bad in ["foo", " 1", "1 ", "1,5"] {
        assert_eq!(c.cmd(&["SET", "s", bad]), ok());
        assert_eq!(c.cmd(&["INCRBYFLOAT", "s", "1"]), err(NOT_FLOAT), "value {bad:?}");
    }
    let nan_inf = "ERR increment would produce NaN or Infinity";
    assert_eq!(c.cmd(&["INCRBYFLOAT", "k", "inf"]), err(nan_inf));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "k", "+inf"]), err(nan_inf));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "k", "-inf"]), err(nan_inf));
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "k"]), err("ERR wrong number of arguments for 'incrbyfloat' command"));
}

// ---------------------------------------------------------------------------------
// Substrings

#[test]
fn append_and_strlen() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["STRLEN", "a"]), int(0));
    assert_eq!(c.cmd(&["APPEND", "a", "Hello"]), int(5));
    assert_eq!(c.cmd(&["APPEND", "a", " World"]), int(11));
    assert_eq!(c.cmd(&["GET", "a"]), bulk("Hello World"));
    assert_eq!(c.cmd(&["STRLEN", "a"]), int(11));
    assert_eq!(c.cmd(&["SET", "n", "12345"]), ok());
    assert_eq!(c.cmd(&["STRLEN", "n"]), int(5));
    // APPEND keeps the expiry.
    assert_eq!(c.cmd(&["SET", "t", "v", "EX", "100"]), ok());
    assert_eq!(c.cmd(&["APPEND", "t", "w"]), int(2));
    assert_ttl(&mut c, "t", 99, 100);
    // Appending nothing to a missing key creates an empty string.
    assert_eq!(c.cmd(&["APPEND", "e", ""]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "e"]), int(1));
    assert_eq!(c.cmd(&["GET", "e"]), bulk(""));
}

#[test]
fn getrange_and_substr() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "a", "Hello World"]), ok());
    for (start, end, want) in [
        ("0", "4", "Hello"),
        ("-5", "-1", "World"),
        ("0", "-1", "Hello World"),
        ("-100", "-1", "Hello World"),
        ("5", "100", " World"),
        ("3", "2", ""),
        ("-1", "-3", ""),
        ("100", "200", ""),
        ("-1", "-1", "d"),
        ("0", "0", "H"),
        // An end before the start of the string clamps to 0 (Redis 7; Redis 8 changed it).
        ("0", "-100", "H"),
        ("-100", "-100", "H"),
        ("0", "9223372036854775807", "Hello World"),
    ] {
        assert_eq!(c.cmd(&["GETRANGE", "a", start, end]), bulk(want), "GETRANGE {start} {end}");
        assert_eq!(c.cmd(&["SUBSTR", "a", start, end]), bulk(want), "SUBSTR {start} {end}");
    }
    assert_eq!(c.cmd(&["GETRANGE", "missing", "0", "-1"]), bulk(""));
    assert_eq!(c.cmd(&["SET", "e", ""]), ok());
    assert_eq!(c.cmd(&["GETRANGE", "e", "0", "-1"]), bulk(""));
    assert_eq!(c.cmd(&["GETRANGE", "e", "0", "0"]), bulk(""));
    assert_eq!(c.cmd(&["SET", "n", "12345"]), ok());
    assert_eq!(c.cmd(&["GETRANGE", "n", "1", "2"]), bulk("23"));
    assert_eq!(c.cmd(&["GETRANGE", "a", "abc", "1"]), err(NOT_INT));
    assert_eq!(c.cmd(&["GETRANGE", "a", "0", "1.5"]), err(NOT_INT));
    assert_eq!(c.cmd(&["GETRANGE", "a", "0"]), err("ERR wrong number of arguments for 'getrange' command"));
}

#[test]
fn setrange() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "a", "Hello World"]), ok());
    assert_eq!(c.cmd(&["SETRANGE", "a", "6", "Redis"]), int(11));
    assert_eq!(c.cmd(&["GET", "a"]), bulk("Hello Redis"));
    assert_eq!(c.cmd(&["SETRANGE", "a", "11", "!!"]), int(13));
    assert_eq!(c.cmd(&["GET", "a"]), bulk("Hello Redis!!"));
    // Past the end of a missing key: zero-padded.
    assert_eq!(c.cmd(&["SETRANGE", "p", "5", "xyz"]), int(8));
    assert_eq!(c.cmd(&["GET", "p"]), bin(b"\0\0\0\0\0xyz"));
    assert_eq!(c.cmd(&["SETRANGE", "p", "10", "!"]), int(11));
    assert_eq!(c.cmd(&["GET", "p"]), bin(b"\0\0\0\0\0xyz\0\0!"));
    // An empty value never creates a key, and reports the current length.
    assert_eq!(c.cmd(&["SETRANGE", "new", "0", ""]), int(0));
    assert_eq!(c.cmd(&["SETRANGE", "new", "10", ""]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "new"]), int(0));
    assert_eq!(c.cmd(&["SETRANGE", "a", "100", ""]), int(13));
    assert_eq!(c.cmd(&["STRLEN", "a"]), int(13));
    // Expiry is kept.
    assert_eq!(c.cmd(&["SET", "t", "v", "EX", "100"]), ok());
    assert_eq!(c.cmd(&["SETRANGE", "t", "1", "x"]), int(2));
    assert_ttl(&mut c, "t", 99, 100);
    // Errors.
    assert_eq!(c.cmd(&["SETRANGE", "a", "-1", "x"]), err("ERR offset is out of range"));
    assert_eq!(c.cmd(&["SETRANGE", "a", "abc", "x"]), err(NOT_INT));
    let too_big = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    assert_eq!(c.cmd(&["SETRANGE", "a", "536870912", "x"]), err(too_big));
    assert_eq!(c.cmd(&["SETRANGE", "big", "536870912", "x"]), err(too_big));
    assert_eq!(c.cmd(&["SETRANGE", "big", "9223372036854775807", "x"]), err(too_big));
    assert_eq!(c.cmd(&["EXISTS", "big"]), int(0));
    assert_eq!(c.cmd(&["GET", "a"]), bulk("Hello Redis!!"));
}

// ---------------------------------------------------------------------------------
// LCS

#[test]
fn lcs_redis_documentation_example() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["MSET", "key1", "ohmytext", "key2", "mynewtext"]), ok());
    assert_eq!(c.cmd(&["LCS", "key1", "key2"]), bulk("mytext"));
    assert_eq!(c.cmd(&["LCS", "key1", "key2", "LEN"]), int(6));
    let range = |a: i64, b: i64| arr(vec![int(a), int(b)]);
    assert_eq!(
        c.cmd(&["LCS", "key1", "key2", "IDX"]),
        arr(vec![
            bulk("matches"),
            arr(vec![arr(vec![range(4, 7), range(5, 8)]), arr(vec![range(2, 3), range(0, 1)])]),
            bulk("len"),
            int(6),
        ])
    );
    assert_eq!(
        c.cmd(&["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4"]),
        arr(vec![bulk("matches"), arr(vec![arr(vec![range(4, 7), range(5, 8)])]), bulk("len"), int(6)])
    );
    assert_eq!(
        c.cmd(&["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"]),
        arr(vec![bulk("matches"), arr(vec![arr(vec![range(4, 7), range(5, 8), int(4)])]), bulk("len"), int(6)])
    );
    assert_eq!(
        c.cmd(&["LCS", "key1", "key2", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "-5"]),
        arr(vec![
            bulk("matches"),
            arr(vec![arr(vec![range(4, 7), range(5, 8), int(4)]), arr(vec![range(2, 3), range(0, 1), int(2)])]),
            bulk("len"),
            int(6),
        ])
    );
    // WITHMATCHLEN and MINMATCHLEN without IDX change nothing.
    assert_eq!(c.cmd(&["LCS", "key1", "key2", "WITHMATCHLEN"]), bulk("mytext"));
    assert_eq!(c.cmd(&["LCS", "key1", "key2", "MINMATCHLEN", "3"]), bulk("mytext"));
}

#[test]
fn lcs_edge_cases_and_errors() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["MSET", "key1", "ohmytext", "key2", "mynewtext", "same", "ohmytext"]), ok());
    assert_eq!(c.cmd(&["LCS", "key1", "missing"]), bulk(""));
    assert_eq!(c.cmd(&["LCS", "missing1", "missing2", "LEN"]), int(0));
    assert_eq!(c.cmd(&["LCS", "missing1", "missing2", "IDX"]), arr(vec![bulk("matches"), arr(vec![]), bulk("len"), int(0)]));
    assert_eq!(c.cmd(&["LCS", "key1", "same"]), bulk("ohmytext"));
    assert_eq!(c.cmd(&["LCS", "key1", "key1", "LEN"]), int(8));
    assert_eq!(c.cmd(&["LCS", "key1", "key2", "LEN", "IDX"]), err("ERR If you want both the length and indexes, please just use IDX."));
    assert_eq!(c.cmd(&["LCS", "key1", "key2", "FOO"]), err(SYNTAX));
    assert_eq!(c.cmd(&["LCS", "key1", "key2", "MINMATCHLEN"]), err(SYNTAX));
    assert_eq!(c.cmd(&["LCS", "key1", "key2", "MINMATCHLEN", "abc"]), err(NOT_INT));
    assert_eq!(c.cmd(&["LCS", "key1"]), err("ERR wrong number of arguments for 'lcs' command"));
}

// ---------------------------------------------------------------------------------
// Bits

#[test]
fn setbit_getbit() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SETBIT", "b", "7", "1"]), int(0));
    assert_eq!(c.cmd(&["SETBIT", "b", "7", "0"]), int(1));
    assert_eq!(c.cmd(&["SETBIT", "b", "7", "1"]), int(0));
    assert_eq!(c.cmd(&["GET", "b"]), bin(b"\x01"));
    assert_eq!(c.cmd(&["SETBIT", "b", "0", "1"]), int(0));
    assert_eq!(c.cmd(&["GET", "b"]), bin(b"\x81"));
    assert_eq!(c.cmd(&["GETBIT", "b", "0"]), int(1));
    assert_eq!(c.cmd(&["GETBIT", "b", "6"]), int(0));
    assert_eq!(c.cmd(&["GETBIT", "b", "7"]), int(1));
    assert_eq!(c.cmd(&["GETBIT", "b", "1000"]), int(0));
    assert_eq!(c.cmd(&["GETBIT", "missing", "0"]), int(0));
    // Growing pads with zero bytes.
    assert_eq!(c.cmd(&["SETBIT", "g", "100", "1"]), int(0));
    assert_eq!(c.cmd(&["STRLEN", "g"]), int(13));
    assert_eq!(c.cmd(&["GETBIT", "g", "100"]), int(1));
    // Bits of a text value: "A" is 0b01000001.
    assert_eq!(c.cmd(&["SET", "t", "A", "EX", "100"]), ok());
    let bits: Vec<i64> = (0..8).map(|i| c.cmd(&["GETBIT", "t", &i.to_string()]).int()).collect();
    assert_eq!(bits, vec![0, 1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(c.cmd(&["SETBIT", "t", "6", "1"]), int(0));
    assert_eq!(c.cmd(&["GET", "t"]), bulk("C"));
    assert_ttl(&mut c, "t", 99, 100);
    // The largest offset is 2^32-1.
    assert_eq!(c.cmd(&["GETBIT", "b", "4294967295"]), int(0));
}

#[test]
fn setbit_getbit_errors() {
    let s = Server::start();
    let mut c = s.client();
    let offset = "ERR bit offset is not an integer or out of range";
    let bit = "ERR bit is not an integer or out of range";
    assert_eq!(c.cmd(&["SETBIT", "b", "0", "2"]), err(bit));
    assert_eq!(c.cmd(&["SETBIT", "b", "0", "-1"]), err(bit));
    assert_eq!(c.cmd(&["SETBIT", "b", "0", "abc"]), err(bit));
    assert_eq!(c.cmd(&["SETBIT", "b", "-1", "1"]), err(offset));
    assert_eq!(c.cmd(&["SETBIT", "b", "4294967296", "1"]), err(offset));
    assert_eq!(c.cmd(&["SETBIT", "b", "abc", "1"]), err(offset));
    assert_eq!(c.cmd(&["GETBIT", "b", "-1"]), err(offset));
    assert_eq!(c.cmd(&["GETBIT", "b", "4294967296"]), err(offset));
    assert_eq!(c.cmd(&["EXISTS", "b"]), int(0));
}

#[test]
fn bitcount() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "mykey", "foobar"]), ok());
    assert_eq!(c.cmd(&["BITCOUNT", "mykey"]), int(26));
    assert_eq!(c.cmd(&["BITCOUNT", "mykey", "0", "0"]), int(4));
    assert_eq!(c.cmd(&["BITCOUNT", "mykey", "1", "1"]), int(6));
    assert_eq!(c.cmd(&["BITCOUNT", "mykey", "1", "1", "BYTE"]), int(6));
    assert_eq!(c.cmd(&["BITCOUNT", "mykey", "5", "30", "BIT"]), int(17));
    assert_eq!(c.cmd(&["BITCOUNT", "mykey", "0", "-1", "bit"]), int(26));
    assert_eq!(c.cmd(&["BITCOUNT", "mykey", "0", "-1", "BYTE"]), int(26));
    assert_eq!(c.cmd(&["BITCOUNT", "mykey", "-2", "-1"]), int(7));
    assert_eq!(c.cmd(&["BITCOUNT", "mykey", "3", "1"]), int(0));
    assert_eq!(c.cmd(&["BITCOUNT", "mykey", "-100", "100"]), int(26));
    assert_eq!(c.cmd(&["BITCOUNT", "missing"]), int(0));
    assert_eq!(c.cmd(&["BITCOUNT", "missing", "0", "-1"]), int(0));
    assert_eq!(c.cmd_bytes(&[b"SET", b"ff", b"\xff\xff"]), ok());
    assert_eq!(c.cmd(&["BITCOUNT", "ff", "3", "12", "BIT"]), int(10));
    // Errors (on an existing key).
    assert_eq!(c.cmd(&["BITCOUNT", "mykey", "0"]), err(SYNTAX));
    assert_eq!(c.cmd(&["BITCOUNT", "mykey", "0", "-1", "FOO"]), err(SYNTAX));
    assert_eq!(c.cmd(&["BITCOUNT", "mykey", "0", "1", "BIT", "extra"]), err(SYNTAX));
    assert_eq!(c.cmd(&["BITCOUNT", "mykey", "a", "b"]), err(NOT_INT));
    assert_eq!(c.cmd(&["BITCOUNT"]), err("ERR wrong number of arguments for 'bitcount' command"));
}

#[test]
fn bitpos() {
    let s = Server::start();
    let mut c = s.client();
    // The examples of Redis's documentation.
    assert_eq!(c.cmd_bytes(&[b"SET", b"mykey", b"\xff\xf0\x00"]), ok());
    assert_eq!(c.cmd(&["BITPOS", "mykey", "0"]), int(12));
    assert_eq!(c.cmd_bytes(&[b"SET", b"mykey", b"\x00\xff\xf0"]), ok());
    assert_eq!(c.cmd(&["BITPOS", "mykey", "1", "0"]), int(8));
    assert_eq!(c.cmd(&["BITPOS", "mykey", "1", "2"]), int(16));
    assert_eq!(c.cmd(&["BITPOS", "mykey", "1", "2", "-1", "BYTE"]), int(16));
    assert_eq!(c.cmd(&["BITPOS", "mykey", "1", "7", "15", "BIT"]), int(8));
    assert_eq!(c.cmd(&["BITPOS", "mykey", "0", "8", "15", "BIT"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "mykey", "0", "1"]), int(20));
    assert_eq!(c.cmd(&["BITPOS", "mykey", "1", "-1"]), int(16));
    assert_eq!(c.cmd_bytes(&[b"SET", b"mykey", b"\x00\x00\x00"]), ok());
    assert_eq!(c.cmd(&["BITPOS", "mykey", "1"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "mykey", "0"]), int(0));
    assert_eq!(c.cmd(&["BITPOS", "mykey", "0", "1", "1"]), int(8));
    // All ones: without an end the string counts as padded with zeros on the right;
    // with an explicit end there is no clear bit in the range.
    assert_eq!(c.cmd_bytes(&[b"SET", b"ones", b"\xff\xff\xff"]), ok());
    assert_eq!(c.cmd(&["BITPOS", "ones", "0"]), int(24));
    assert_eq!(c.cmd(&["BITPOS", "ones", "0", "0"]), int(24));
    assert_eq!(c.cmd(&["BITPOS", "ones", "0", "1"]), int(24));
    assert_eq!(c.cmd(&["BITPOS", "ones", "0", "0", "-1"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "ones", "0", "1", "2"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "ones", "0", "0", "-1", "BIT"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "ones", "1"]), int(0));
    assert_eq!(c.cmd(&["BITPOS", "ones", "1", "1"]), int(8));
    // A start past the end.
    assert_eq!(c.cmd(&["BITPOS", "ones", "0", "5"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "ones", "1", "5"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "ones", "1", "5", "2"]), int(-1));
    // A missing key is an infinite run of zeros.
    assert_eq!(c.cmd(&["BITPOS", "missing", "0"]), int(0));
    assert_eq!(c.cmd(&["BITPOS", "missing", "1"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "missing", "0", "0", "-1", "BIT"]), int(0));
}

#[test]
fn bitpos_errors() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "k", "abc"]), ok());
    assert_eq!(c.cmd(&["BITPOS", "k", "2"]), err("ERR The bit argument must be 1 or 0."));
    assert_eq!(c.cmd(&["BITPOS", "k", "-1"]), err("ERR The bit argument must be 1 or 0."));
    assert_eq!(c.cmd(&["BITPOS", "k", "abc"]), err(NOT_INT));
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "a"]), err(NOT_INT));
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "0", "b"]), err(NOT_INT));
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "0", "-1", "FOO"]), err(SYNTAX));
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "0", "-1", "BIT", "extra"]), err(SYNTAX));
    assert_eq!(c.cmd(&["BITPOS", "k"]), err("ERR wrong number of arguments for 'bitpos' command"));
}

// ---------------------------------------------------------------------------------
// Binary safety, empty strings, arity

#[test]
fn bitop() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "a", "foobar"]), ok());
    assert_eq!(c.cmd(&["SET", "b", "abcdef"]), ok());
    assert_eq!(c.cmd(&["BITOP", "AND", "dest", "a", "b"]), int(6));
    assert_eq!(c.cmd(&["GET", "dest"]), bulk("`bc`ab"));
    assert_eq!(c.cmd(&["BITOP", "or", "dest", "a", "b"]), int(6));
    assert_eq!(c.cmd(&["GET", "dest"]), bulk("goofev"));
    assert_eq!(c.cmd(&["BITOP", "XOR", "dest", "a", "b"]), int(6));
    assert_eq!(c.cmd_bytes(&[b"GET", b"dest"]), bin(b"\x07\x0d\x0c\x06\x04\x14"));
    assert_eq!(c.cmd_bytes(&[b"SET", b"n", b"\x0f\xf0"]), ok());
    assert_eq!(c.cmd(&["BITOP", "NOT", "dest", "n"]), int(2));
    assert_eq!(c.cmd_bytes(&[b"GET", b"dest"]), bin(b"\xf0\x0f"));
    // Shorter strings and missing keys count as zero bytes: AND clears the tail, OR and
    // XOR keep the longer string's bytes.
    assert_eq!(c.cmd_bytes(&[b"SET", b"short", b"\xff"]), ok());
    assert_eq!(c.cmd_bytes(&[b"SET", b"long", b"\xff\xff\xff"]), ok());
    assert_eq!(c.cmd(&["BITOP", "AND", "dest", "long", "short"]), int(3));
    assert_eq!(c.cmd_bytes(&[b"GET", b"dest"]), bin(b"\xff\x00\x00"));
    assert_eq!(c.cmd(&["BITOP", "AND", "dest", "long", "missing"]), int(3));
    assert_eq!(c.cmd_bytes(&[b"GET", b"dest"]), bin(b"\x00\x00\x00"));
    assert_eq!(c.cmd(&["BITOP", "XOR", "dest", "short", "long", "short"]), int(3));
    assert_eq!(c.cmd_bytes(&[b"GET", b"dest"]), bin(b"\xff\xff\xff"));
    // The destination may be a source, and is replaced whatever it held, expiry included.
    assert_eq!(c.cmd(&["BITOP", "NOT", "short", "short"]), int(1));
    assert_eq!(c.cmd_bytes(&[b"GET", b"short"]), bin(b"\x00"));
    assert_eq!(c.cmd(&["RPUSH", "list", "x"]), int(1));
    assert_eq!(c.cmd(&["EXPIRE", "list", "100"]), int(1));
    assert_eq!(c.cmd(&["BITOP", "OR", "list", "a"]), int(6));
    assert_eq!(c.cmd(&["GET", "list"]), bulk("foobar"));
    assert_eq!(c.cmd(&["TTL", "list"]), int(-1));
    // An empty result deletes the destination.
    assert_eq!(c.cmd(&["BITOP", "OR", "dest", "missing", "missing2"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "dest"]), int(0));
    assert_eq!(c.cmd(&["BITOP", "NOT", "dest", "missing"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "dest"]), int(0));
    // Errors.
    assert_eq!(c.cmd(&["BITOP", "NAND", "dest", "a"]), err(SYNTAX));
    assert_eq!(c.cmd(&["BITOP", "NOT", "dest", "a", "b"]), err("ERR BITOP NOT must be called with a single source key."));
    assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), int(1));
    assert_eq!(c.cmd(&["BITOP", "AND", "dest", "a", "h"]), err(WRONG_TYPE));
    assert_eq!(c.cmd(&["EXISTS", "dest"]), int(0));
    assert_eq!(c.cmd(&["BITOP", "AND", "dest"]), err("ERR wrong number of arguments for 'bitop' command"));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "BITOP", "AND", "d", "s1", "s2"]), arr(vec![bulk("d"), bulk("s1"), bulk("s2")]));
}

#[test]
fn bitfield() {
    let s = Server::start();
    let mut c = s.client();
    // Redis's documentation examples.
    assert_eq!(c.cmd(&["BITFIELD", "mykey", "INCRBY", "i5", "100", "1", "GET", "u4", "0"]), arr(vec![int(1), int(0)]));
    assert_eq!(c.cmd(&["DEL", "mykey"]), int(1));
    let overflow = ["BITFIELD", "mykey", "incrby", "u2", "100", "1", "OVERFLOW", "SAT", "incrby", "u2", "102", "1"];
    assert_eq!(c.cmd(&overflow), arr(vec![int(1), int(1)]));
    assert_eq!(c.cmd(&overflow), arr(vec![int(2), int(2)]));
    assert_eq!(c.cmd(&overflow), arr(vec![int(3), int(3)]));
    assert_eq!(c.cmd(&overflow), arr(vec![int(0), int(3)]));
    assert_eq!(c.cmd(&["BITFIELD", "mykey", "OVERFLOW", "FAIL", "incrby", "u2", "102", "1"]), arr(vec![nil()]));
    // SET returns the old value; GET sees the writes before it; #n counts fields.
    assert_eq!(
        c.cmd(&["BITFIELD", "f", "SET", "u8", "#1", "255", "GET", "u8", "8", "SET", "u8", "#1", "7"]),
        arr(vec![int(0), int(255), int(255)])
    );
    assert_eq!(c.cmd_bytes(&[b"GET", b"f"]), bin(b"\x00\x07"));
    assert_eq!(
        c.cmd(&["BITFIELD", "f", "GET", "i4", "12", "GET", "u4", "12", "GET", "i8", "#1", "GET", "u16", "0"]),
        arr(vec![int(7), int(7), int(7), int(7)])
    );
    // Signed fields and wrap-around (the default), saturation at both ends.
    assert_eq!(c.cmd(&["BITFIELD", "s", "SET", "i8", "0", "127", "INCRBY", "i8", "0", "1"]), arr(vec![int(0), int(-128)]));
    assert_eq!(
        c.cmd(&["BITFIELD", "s", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-1000", "INCRBY", "i8", "0", "1000"]),
        arr(vec![int(-128), int(127)])
    );
    assert_eq!(
        c.cmd(&["BITFIELD", "s", "OVERFLOW", "SAT", "SET", "i8", "0", "300", "SET", "u8", "0", "-1"]),
        arr(vec![int(127), int(127)])
    );
    assert_eq!(c.cmd(&["BITFIELD", "s", "GET", "u8", "0"]), arr(vec![int(255)]));
    assert_eq!(c.cmd(&["BITFIELD", "s", "SET", "u8", "0", "256", "GET", "u8", "0"]), arr(vec![int(255), int(0)]));
    assert_eq!(
        c.cmd(&["BITFIELD", "s", "SET", "i64", "0", "9223372036854775807", "INCRBY", "i64", "0", "1"]),
        arr(vec![int(0), int(i64::MIN)])
    );
    assert_eq!(c.cmd(&["BITFIELD", "s", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-1"]), arr(vec![int(i64::MIN)]));
    assert_eq!(c.cmd(&["BITFIELD", "s", "SET", "u63", "0", "-1", "GET", "u63", "0"]), arr(vec![int(1 << 62), int(i64::MAX)]));
    // A write creates or pads the string even when FAIL refuses it, and keeps the expiry.
    assert_eq!(c.cmd(&["BITFIELD", "p", "OVERFLOW", "FAIL", "SET", "u2", "20", "9"]), arr(vec![nil()]));
    assert_eq!(c.cmd_bytes(&[b"GET", b"p"]), bin(b"\x00\x00\x00"));
    assert_eq!(c.cmd(&["EXPIRE", "p", "100"]), int(1));
    assert_eq!(c.cmd(&["BITFIELD", "p", "SET", "u8", "0", "65"]), arr(vec![int(0)]));
    assert_ttl(&mut c, "p", 90, 100);
    // GETs alone write nothing; past the end reads zeros.
    assert_eq!(c.cmd(&["BITFIELD", "nothing", "GET", "u8", "1000"]), arr(vec![int(0)]));
    assert_eq!(c.cmd(&["BITFIELD", "nothing"]), arr(vec![]));
    assert_eq!(c.cmd(&["EXISTS", "nothing"]), int(0));
    assert_eq!(c.cmd(&["BITFIELD_RO", "p", "GET", "u8", "0", "GET", "i8", "#2"]), arr(vec![int(65), int(0)]));
    // A BITFIELD of GETs leaves a WATCH on the key alone; one that writes does not.
    assert_eq!(c.cmd(&["WATCH", "p"]), ok());
    assert_eq!(c.cmd(&["BITFIELD", "p", "GET", "u8", "0"]), arr(vec![int(65)]));
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["GET", "p"]), Value::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![bulk("A\0\0")]));
    assert_eq!(c.cmd(&["WATCH", "p"]), ok());
    assert_eq!(c.cmd(&["BITFIELD", "p", "INCRBY", "u8", "0", "1"]), arr(vec![int(66)]));
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["GET", "p"]), Value::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["EXEC"]), nil());
}

#[test]
fn bitfield_errors() {
    let s = Server::start();
    let mut c = s.client();
    let bad_type = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
    let bad_offset = "ERR bit offset is not an integer or out of range";
    for t in ["u64", "i65", "i0", "I8", "x8", "i", "u8x"] {
        assert_eq!(c.cmd(&["BITFIELD", "k", "GET", t, "0"]), err(bad_type), "type {t}");
    }
    for o in ["-1", "x", "#-1", "4294967296", "#536870912"] {
        assert_eq!(c.cmd(&["BITFIELD", "k", "GET", "u8", o]), err(bad_offset), "offset {o}");
    }
    assert_eq!(c.cmd(&["BITFIELD", "k", "SET", "u8", "0", "x"]), err(NOT_INT));
    assert_eq!(c.cmd(&["BITFIELD", "k", "OVERFLOW", "CLAMP"]), err("ERR Invalid OVERFLOW type specified"));
    assert_eq!(c.cmd(&["BITFIELD", "k", "GET", "u8"]), err(SYNTAX));
    assert_eq!(c.cmd(&["BITFIELD", "k", "SET", "u8", "0"]), err(SYNTAX));
    assert_eq!(c.cmd(&["BITFIELD", "k", "OVERFLOW"]), err(SYNTAX));
    assert_eq!(c.cmd(&["BITFIELD", "k", "DEL", "u8", "0"]), err(SYNTAX));
    // Every operation is checked before any runs.
    assert_eq!(c.cmd(&["BITFIELD", "k", "SET", "u8", "0", "1", "GET", "u99", "0"]), err(bad_type));
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
    assert_eq!(c.cmd(&["BITFIELD_RO", "k", "SET", "u8", "0", "1"]), err("ERR BITFIELD_RO only supports the GET subcommand"));
    assert_eq!(c.cmd(&["BITFIELD_RO", "k", "GET", "u64", "0", "SET", "u8", "0", "1"]), err(bad_type));
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
    assert_eq!(c.cmd(&["LPUSH", "l", "x"]), int(1));
    assert_eq!(c.cmd(&["BITFIELD", "l", "GET", "u8", "0"]), err(WRONG_TYPE));
    assert_eq!(c.cmd(&["BITFIELD", "l", "SET", "u8", "0", "1"]), err(WRONG_TYPE));
    assert_eq!(c.cmd(&["BITFIELD_RO", "l", "GET", "u8", "0"]), err(WRONG_TYPE));
    assert_eq!(c.cmd(&["BITFIELD"]), err("ERR wrong number of arguments for 'bitfield' command"));
}

/// Adds `item:<from>` .. `item:<to - 1>` to the HyperLogLog at `key`, 500 at a time.
fn pfadd_items(c: &mut Client, key: &str, from: usize, to: usize) {
    for start in (from..to).step_by(500) {
        let items: Vec<String> = (start..to.min(start + 500)).map(|i| format!("item:{i}")).collect();
        let mut args = vec!["PFADD", key];
        args.extend(items.iter().map(String::as_str));
        c.cmd(&args);
    }
}

/// The values are Redis's own bytes: counts, sizes and encodings are the ones
/// redis-server gives for the same elements.
#[test]
fn hyperloglog() {
    let s = Server::start();
    let mut c = s.client();
    // A new key is an empty sparse HLL, its cached count marked stale.
    assert_eq!(c.cmd(&["PFADD", "new"]), int(1));
    assert_eq!(c.cmd(&["PFADD", "new"]), int(0));
    assert_eq!(c.cmd_bytes(&[b"GET", b"new"]), bin(b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff"));
    assert_eq!(c.cmd(&["PFADD", "x", "a", "b", "c"]), int(1));
    assert_eq!(c.cmd_bytes(&[b"GET", b"x"]), bin(b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ"));
    assert_eq!(c.cmd(&["PFADD", "x", "a", "c"]), int(0));
    assert_eq!(c.cmd(&["PFCOUNT", "x"]), int(3));
    // The count is cached in the header, fresh until the next change.
    assert_eq!(c.cmd_bytes(&[b"GET", b"x"]), bin(b"HYLL\x01\0\0\0\x03\0\0\0\0\0\0\0`\xf3\x80P\xb1\x84K\xfb\x80BZ"));
    assert_eq!(c.cmd(&["PFCOUNT", "x"]), int(3));
    assert_eq!(c.cmd(&["TYPE", "x"]), Value::Simple("string".into()));
    // Sparse while small, dense past 3,000 bytes; the same estimates either way.
    pfadd_items(&mut c, "small", 0, 100);
    assert_eq!(c.cmd(&["PFCOUNT", "small"]), int(99));
    assert_eq!(c.cmd(&["STRLEN", "small"]), int(277));
    pfadd_items(&mut c, "other", 50, 150);
    assert_eq!(c.cmd(&["PFCOUNT", "small", "other", "missing"]), int(149));
    assert_eq!(c.cmd(&["PFMERGE", "m", "small", "other"]), ok());
    assert_eq!(c.cmd(&["PFCOUNT", "m"]), int(149));
    assert_eq!(c.cmd(&["STRLEN", "m"]), int(398));
    pfadd_items(&mut c, "big", 0, 10_000);
    assert_eq!(c.cmd(&["PFCOUNT", "big"]), int(10083));
    assert_eq!(c.cmd(&["STRLEN", "big"]), int(12304));
    assert_eq!(c.cmd(&["GETRANGE", "big", "0", "4"]), bulk("HYLL\0"));
    // A merge with a dense input is dense; the destination's own registers count, and it
    // keeps its expiry.
    assert_eq!(c.cmd(&["EXPIRE", "m", "100"]), int(1));
    assert_eq!(c.cmd(&["PFMERGE", "m", "big"]), ok());
    assert_eq!(c.cmd(&["PFCOUNT", "m"]), int(10083));
    assert_eq!(c.cmd(&["STRLEN", "m"]), int(12304));
    assert_ttl(&mut c, "m", 90, 100);
    assert_eq!(c.cmd(&["PFMERGE", "empty"]), ok());
    assert_eq!(c.cmd(&["PFCOUNT", "empty", "missing"]), int(0));
    assert_eq!(c.cmd(&["PFCOUNT", "missing"]), int(0));
    // A value restored from Redis's own bytes counts the same.
    let x = c.cmd_bytes(&[b"GET", b"small"]);
    let Value::Bulk(bytes) = x else { panic!("{x:?}") };
    assert_eq!(c.cmd_bytes(&[b"SET", b"copy", &bytes]), ok());
    assert_eq!(c.cmd(&["PFCOUNT", "copy"]), int(99));
}

#[test]
fn hyperloglog_errors() {
    let s = Server::start();
    let mut c = s.client();
    let not_hll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
    let corrupt = "INVALIDOBJ Corrupted HLL object detected";
    assert_eq!(c.cmd(&["SET", "str", "hello"]), ok());
    assert_eq!(c.cmd(&["RPUSH", "list", "x"]), int(1));
    assert_eq!(c.cmd(&["PFADD", "h", "a"]), int(1));
    assert_eq!(c.cmd(&["PFADD", "str", "a"]), err(not_hll));
    assert_eq!(c.cmd(&["PFCOUNT", "str", "h"]), err(not_hll));
    assert_eq!(c.cmd(&["PFCOUNT", "list"]), err(WRONG_TYPE));
    assert_eq!(c.cmd(&["PFMERGE", "h", "list"]), err(WRONG_TYPE));
    // A dense header on a value of the wrong size is not an HLL.
    assert_eq!(c.cmd_bytes(&[b"SET", b"short", &[&b"HYLL\0"[..], &[0u8; 100]].concat()]), ok());
    assert_eq!(c.cmd(&["PFCOUNT", "short"]), err(not_hll));
    // Sparse runs that cover one register too few.
    assert_eq!(c.cmd_bytes(&[b"SET", b"bad", b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xfe"]), ok());
    assert_eq!(c.cmd(&["PFCOUNT", "bad"]), err(corrupt));
    // PFADD checks only the runs it walks, as Redis's does.
    assert_eq!(c.cmd(&["PFADD", "bad", "x"]), int(1));
    assert_eq!(c.cmd(&["PFCOUNT", "bad", "h"]), err(corrupt));
    assert_eq!(c.cmd(&["PFMERGE", "dst", "bad"]), err(corrupt));
    assert_eq!(c.cmd(&["EXISTS", "dst"]), int(0));
    assert_eq!(c.cmd(&["PFADD"]), err("ERR wrong number of arguments for 'pfadd' command"));
}

#[test]
fn binary_keys_and_values() {
    let s = Server::start();
    let mut c = s.client();
    let key: &[u8] = b"k\x00\xff\r\nkey";
    let value: &[u8] = b"\x00\xff\x00\r\n$-1\r\n\xfe";
    assert_eq!(c.cmd_bytes(&[b"SET", key, value]), ok());
    assert_eq!(c.cmd_bytes(&[b"GET", key]), bin(value));
    assert_eq!(c.cmd_bytes(&[b"GET", b"k"]), nil(), "the key is not cut at its NUL byte");
    assert_eq!(c.cmd_bytes(&[b"STRLEN", key]), int(value.len() as i64));
    assert_eq!(c.cmd_bytes(&[b"APPEND", key, b"\x00"]), int(value.len() as i64 + 1));
    assert_eq!(c.cmd_bytes(&[b"GETRANGE", key, b"0", b"1"]), bin(b"\x00\xff"));
    assert_eq!(c.cmd_bytes(&[b"MSET", b"\xff", b"\x00", b"\x00", b"\xff"]), ok());
    assert_eq!(
        c.cmd_bytes(&[b"MGET", b"\xff", b"\x00", key]),
        arr(vec![bin(b"\x00"), bin(b"\xff"), bin(b"\x00\xff\x00\r\n$-1\r\n\xfe\x00")])
    );
    assert_eq!(c.cmd_bytes(&[b"GETDEL", b"\xff"]), bin(b"\x00"));
    assert_eq!(c.cmd_bytes(&[b"EXISTS", b"\xff", b"\x00"]), int(1));
    assert_eq!(c.cmd_bytes(&[b"SETRANGE", b"\x00", b"1", b"\x00\x01"]), int(3));
    assert_eq!(c.cmd_bytes(&[b"GET", b"\x00"]), bin(b"\xff\x00\x01"));
    assert_eq!(c.cmd_bytes(&[b"LCS", b"\x00", key]), bin(b"\xff\x00"));
}

#[test]
fn empty_strings() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "e", ""]), ok());
    assert_eq!(c.cmd(&["GET", "e"]), bulk(""), "an empty string is not nil");
    assert_eq!(c.cmd(&["STRLEN", "e"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "e"]), int(1));
    assert_eq!(c.cmd(&["APPEND", "e", ""]), int(0));
    assert_eq!(c.cmd(&["BITCOUNT", "e"]), int(0));
    assert_eq!(c.cmd(&["BITPOS", "e", "0"]), int(-1));
    assert_eq!(c.cmd(&["BITPOS", "e", "1"]), int(-1));
    assert_eq!(c.cmd(&["INCR", "e"]), err(NOT_INT));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "e", "1"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["MGET", "e"]), arr(vec![bulk("")]));
    assert_eq!(c.cmd(&["GETSET", "e", "x"]), bulk(""));
    // The empty key is a key like any other.
    assert_eq!(c.cmd(&["SET", "", "v"]), ok());
    assert_eq!(c.cmd(&["GET", ""]), bulk("v"));
    assert_eq!(c.cmd(&["INCR", "e"]), err(NOT_INT));
    assert_eq!(c.cmd(&["DBSIZE"]), int(2));
}

#[test]
fn wrong_arity() {
    let s = Server::start();
    let mut c = s.client();
    for (args, name) in [
        (&["GET"][..], "get"),
        (&["get", "a", "b"], "get"),
        (&["SET", "a"], "set"),
        (&["SETNX", "a"], "setnx"),
        (&["GETSET", "a"], "getset"),
        (&["GETDEL"], "getdel"),
        (&["GETEX"], "getex"),
        (&["MGET"], "mget"),
        (&["MSET"], "mset"),
        (&["MSET", "a"], "mset"),
        (&["MSETNX", "a"], "msetnx"),
        (&["INCR"], "incr"),
        (&["INCR", "a", "b"], "incr"),
        (&["DECR"], "decr"),
        (&["INCRBY", "a"], "incrby"),
        (&["DECRBY", "a"], "decrby"),
        (&["APPEND", "a"], "append"),
        (&["STRLEN"], "strlen"),
        (&["GETRANGE", "a", "0"], "getrange"),
        (&["SUBSTR", "a", "0"], "substr"),
        (&["SETRANGE", "a", "0"], "setrange"),
        (&["PSETEX", "a", "100"], "psetex"),
        (&["SETBIT", "a", "0"], "setbit"),
        (&["GETBIT", "a"], "getbit"),
    ] {
        assert_eq!(c.cmd(args), err(&format!("ERR wrong number of arguments for '{name}' command")), "{args:?}");
    }
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
}

#[test]
fn pipelined_string_commands() {
    let s = Server::start();
    let mut c = s.client();
    let mut batch = Vec::new();
    for i in 0..200 {
        batch.extend(Client::encode(&[b"INCR", b"counter"]));
        batch.extend(Client::encode(&[b"APPEND", b"log", format!("{},", i % 10).as_bytes()]));
    }
    c.send_raw(&batch);
    for i in 0..200 {
        assert_eq!(c.read(), int(i + 1));
        assert_eq!(c.read(), int(2 * (i + 1)));
    }
    assert_eq!(c.cmd(&["GET", "counter"]), bulk("200"));
    assert_eq!(c.cmd(&["STRLEN", "log"]), int(400));
}

#[test]
fn concurrent_counters_lose_no_update() {
    let s = Server::start();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let mut c = s.client();
            std::thread::spawn(move || {
                for i in 0..250 {
                    assert!(matches!(c.cmd(&["INCR", "n"]), Value::Int(_)));
                    assert!(matches!(c.cmd(&["INCRBYFLOAT", "f", "0.5"]), Value::Bulk(_)));
                    assert!(matches!(c.cmd(&["APPEND", "log", &format!("{t}")]), Value::Int(_)));
                    if i % 50 == 0 {
                        assert!(matches!(c.cmd(&["MSETNX", &format!("once:{i}"), "x", "shared", "y"]), Value::Int(0 | 1)));
                    }
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let mut c = s.client();
    assert_eq!(c.cmd(&["GET", "n"]), bulk("1000"));
    assert_eq!(c.cmd(&["GET", "f"]), bulk("500"));
    assert_eq!(c.cmd(&["STRLEN", "log"]), int(1000));
    // MSETNX is all or nothing: only the first of the racing calls wrote.
    assert_eq!(c.cmd(&["EXISTS", "once:0", "once:50", "once:100", "once:150", "once:200"]), int(1));
}

#[test]
fn large_values() {
    let s = Server::start();
    let mut c = s.client();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(c.cmd_bytes(&[b"SET", b"big", &big]), ok());
    assert_eq!(c.cmd_bytes(&[b"GET", b"big"]), bin(&big));
    assert_eq!(c.cmd(&["STRLEN", "big"]), int(3_000_000));
    assert_eq!(c.cmd(&["APPEND", "big", "tail"]), int(3_000_004));
    assert_eq!(c.cmd(&["GETRANGE", "big", "-4", "-1"]), bulk("tail"));
    assert_eq!(c.cmd(&["GETRANGE", "big", "251", "253"]), bin(&[0, 1, 2]));
    assert_eq!(c.cmd(&["SETRANGE", "far", "9999999", "!"]), int(10_000_000));
    assert_eq!(c.cmd(&["GETRANGE", "far", "9999998", "-1"]), bin(b"\0!"));
    assert_eq!(c.cmd(&["BITCOUNT", "far"]), int(2));
    assert_eq!(c.cmd(&["BITPOS", "far", "1"]), int(79_999_994));
    assert_eq!(c.cmd(&["SETBIT", "far", "80000007", "1"]), int(0));
    assert_eq!(c.cmd(&["STRLEN", "far"]), int(10_000_001));
}

#[test]
fn lcs_idx_is_a_map_in_resp3() {
    let s = Server::start();
    let mut c = s.client();
    assert!(matches!(c.cmd(&["HELLO", "3"]), Value::Map(_)));
    assert_eq!(c.cmd(&["MSET", "key1", "ohmytext", "key2", "mynewtext"]), ok());
    let range = |a: i64, b: i64| arr(vec![int(a), int(b)]);
    assert_eq!(
        c.cmd(&["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"]),
        Value::Map(vec![(bulk("matches"), arr(vec![arr(vec![range(4, 7), range(5, 8), int(4)])])), (bulk("len"), int(6)),])
    );
    assert_eq!(c.cmd(&["GET", "missing"]), nil());
}

#[test]
fn wrongtype_errors() {
    let s = Server::start();
    let mut c = s.client();
    let wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";
    assert_eq!(c.cmd(&["RPUSH", "list", "a"]), int(1));
    for args in [
        &["GET", "list"][..],
        &["GETSET", "list", "v"],
        &["GETDEL", "list"],
        &["GETEX", "list", "EX", "10"],
        &["SET", "list", "v", "GET"],
        &["INCR", "list"],
        &["INCRBYFLOAT", "list", "1"],
        &["APPEND", "list", "x"],
        &["STRLEN", "list"],
        &["GETRANGE", "list", "0", "-1"],
        &["SETRANGE", "list", "0", "x"],
        &["SETBIT", "list", "0", "1"],
        &["GETBIT", "list", "0"],
        &["BITCOUNT", "list"],
        &["BITPOS", "list", "1"],
    ] {
        assert_eq!(c.cmd(args), err(wrongtype), "{args:?}");
    }
    assert_eq!(c.cmd(&["LCS", "list", "x"]), err("ERR The specified keys must contain string values"));
    assert_eq!(c.cmd(&["MGET", "list", "missing"]), arr(vec![nil(), nil()]));
    assert_eq!(c.cmd(&["SETNX", "list", "v"]), int(0));
    assert_eq!(c.cmd(&["SET", "list", "v"]), ok(), "SET overwrites any type");
    assert_eq!(c.cmd(&["GET", "list"]), bulk("v"));
}

/// Ranges resolved and arguments checked in Redis's order (each case was a difference
/// from redis-server that `scripts/difffuzz.py` found).
#[test]
fn bit_ranges_lcs_and_incrbyfloat_follow_redis_order() {
    let s = Server::start();
    let mut c = s.client();
    // BITPOS clamps two reversed negative indexes to byte 0 and searches it; BITCOUNT and
    // GETRANGE answer an empty range for them.
    assert_eq!(c.cmd(&["SET", "k", " 5"]), ok());
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "-3", "-100"]), int(2));
    assert_eq!(c.cmd(&["SET", "f", "1e3"]), ok());
    assert_eq!(c.cmd(&["BITPOS", "f", "0", "-3", "-10", "BYTE"]), int(0));
    assert_eq!(c.cmd(&["BITCOUNT", "k", "-1", "-3"]), int(0));
    assert_eq!(c.cmd(&["GETRANGE", "k", "-1", "-3"]), bulk(""));
    // Too many arguments is a syntax error before any of them is read; BITPOS reads the
    // unit before the end.
    assert_eq!(c.cmd(&["BITCOUNT", "k", "0", " 1", "WORD", ""]), err(SYNTAX));
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "0", "x", "FOO"]), err(SYNTAX));
    assert_eq!(c.cmd(&["BITPOS", "k", "1", "0", "x", "BIT"]), err(NOT_INT));
    // LCS checks the keys' types before its options.
    assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), int(1));
    for opts in [&["MINMATCHLEN", "x"][..], &["FOO"]] {
        let args = [&["LCS", "h", "k"][..], opts].concat();
        assert_eq!(c.cmd(&args), err("ERR The specified keys must contain string values"), "{opts:?}");
    }
    // INCRBYFLOAT checks the key's type, then its value, then the increment.
    let wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";
    assert_eq!(c.cmd(&["INCRBYFLOAT", "h", "nan"]), err(wrongtype));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "h", "inf"]), err(wrongtype));
    assert_eq!(c.cmd(&["SET", "t", "a"]), ok());
    assert_eq!(c.cmd(&["INCRBYFLOAT", "t", "inf"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["SET", "n", "1"]), ok());
    assert_eq!(c.cmd(&["INCRBYFLOAT", "n", "nan"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "n", "inf"]), err("ERR increment would produce NaN or Infinity"));
    assert_eq!(c.cmd(&["INCRBYFLOAT", "missing", "inf"]), err("ERR increment would produce NaN or Infinity"));
    assert_eq!(c.cmd(&["GET", "n"]), bulk("1"));
}
