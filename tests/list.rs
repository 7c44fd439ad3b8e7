//! List commands, black-box against Redis 7 semantics: every reply and error line is the
//! one Redis sends. `DISKDB_TEST_REDIS=1` runs the same tests against redis-server.

mod common;
use common::*;

use std::time::Duration;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const SYNTAX: &str = "ERR syntax error";
const NOT_INT: &str = "ERR value is not an integer or out of range";

fn nil() -> Value {
    Value::Nil
}

fn texts(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// RPUSHes `e0`, `e1`, ... (`n` of them, `per_command` a command) and returns them.
fn pushed(c: &mut Client, key: &str, n: usize, per_command: usize) -> std::collections::VecDeque<String> {
    let elements: Vec<String> = (0..n).map(|i| format!("e{i}")).collect();
    for chunk in elements.chunks(per_command) {
        let mut args = vec!["RPUSH", key];
        args.extend(chunk.iter().map(String::as_str));
        c.cmd(&args);
    }
    elements.into()
}

fn all(c: &mut Client, key: &str) -> Vec<String> {
    c.cmd(&["LRANGE", key, "0", "-1"]).texts()
}

/// RPUSHes `items` onto `key`.
fn fill(c: &mut Client, key: &str, items: &[&str]) {
    let mut args = vec!["RPUSH", key];
    args.extend_from_slice(items);
    c.cmd(&args);
}

// ---------------------------------------------------------------------------------
// Pushing and popping

#[test]
fn push_both_ends_and_length() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["LPUSH", "l", "b", "a"]), int(2));
    assert_eq!(all(&mut c, "l"), texts(&["a", "b"]));
    assert_eq!(c.cmd(&["RPUSH", "l", "c", "d"]), int(4));
    assert_eq!(c.cmd(&["LPUSH", "l", "z"]), int(5));
    assert_eq!(all(&mut c, "l"), texts(&["z", "a", "b", "c", "d"]));
    assert_eq!(c.cmd(&["LLEN", "l"]), int(5));
    assert_eq!(c.cmd(&["LLEN", "none"]), int(0));
    assert_eq!(c.cmd(&["TYPE", "l"]), Value::Simple("list".into()));
    assert_eq!(c.cmd(&["LPUSHX", "none", "a"]), int(0));
    assert_eq!(c.cmd(&["RPUSHX", "none", "a", "b"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "none"]), int(0));
    assert_eq!(c.cmd(&["LPUSHX", "l", "y", "x"]), int(7));
    assert_eq!(c.cmd(&["RPUSHX", "l", "e"]), int(8));
    assert_eq!(all(&mut c, "l"), texts(&["x", "y", "z", "a", "b", "c", "d", "e"]));
    assert_eq!(c.cmd(&["LPUSH", "l"]), err("ERR wrong number of arguments for 'lpush' command"));
}

#[test]
fn pop_with_and_without_count() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "l", &["a", "b", "c", "d", "e"]);
    assert_eq!(c.cmd(&["LPOP", "l"]), bulk("a"));
    assert_eq!(c.cmd(&["RPOP", "l"]), bulk("e"));
    assert_eq!(c.cmd(&["LPOP", "l", "2"]), arr(vec![bulk("b"), bulk("c")]));
    assert_eq!(c.cmd(&["LPOP", "l", "0"]), arr(vec![]));
    assert_eq!(c.cmd(&["RPOP", "l", "10"]), arr(vec![bulk("d")]));
    assert_eq!(c.cmd(&["EXISTS", "l"]), int(0));
    // A missing key: nil without a count, a nil array with one (even a count of 0).
    assert_eq!(c.cmd(&["LPOP", "l"]), nil());
    assert_eq!(c.cmd(&["RPOP", "l", "3"]), nil());
    assert_eq!(c.cmd(&["LPOP", "l", "0"]), nil());
    c.send_raw(&Client::encode(&[b"LPOP", b"l", b"1"]));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut c.reader, &mut line).unwrap();
    assert_eq!(line, "*-1\r\n");
    assert_eq!(c.cmd(&["LPOP", "l", "-1"]), err("ERR value is out of range, must be positive"));
    assert_eq!(c.cmd(&["LPOP", "l", "x"]), err("ERR value is out of range, must be positive"));
    assert_eq!(c.cmd(&["LPOP", "l", "1", "2"]), err("ERR wrong number of arguments for 'lpop' command"));
    fill(&mut c, "r", &["1", "2", "3"]);
    assert_eq!(c.cmd(&["RPOP", "r", "2"]), arr(vec![bulk("3"), bulk("2")]));
}

#[test]
fn pops_in_resp3_are_null() {
    let s = Server::start();
    let mut c = s.client();
    assert!(matches!(c.cmd(&["HELLO", "3"]), Value::Map(_)));
    c.send_raw(&Client::encode(&[b"LPOP", b"none", b"2"]));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut c.reader, &mut line).unwrap();
    assert_eq!(line, "_\r\n");
    assert_eq!(c.cmd(&["RPOP", "none"]), nil());
}

#[test]
fn emptied_list_disappears() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "l", &["a"]);
    assert_eq!(c.cmd(&["RPOP", "l"]), bulk("a"));
    assert_eq!(c.cmd(&["EXISTS", "l"]), int(0));
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    fill(&mut c, "l", &["a", "b"]);
    assert_eq!(c.cmd(&["LTRIM", "l", "5", "10"]), ok());
    assert_eq!(c.cmd(&["EXISTS", "l"]), int(0));
    fill(&mut c, "l", &["a", "a"]);
    assert_eq!(c.cmd(&["LREM", "l", "0", "a"]), int(2));
    assert_eq!(c.cmd(&["EXISTS", "l"]), int(0));
    fill(&mut c, "l", &["a"]);
    assert_eq!(c.cmd(&["LMOVE", "l", "m", "LEFT", "RIGHT"]), bulk("a"));
    assert_eq!(c.cmd(&["EXISTS", "l"]), int(0));
    assert_eq!(c.cmd(&["LMPOP", "1", "m", "LEFT"]), arr(vec![bulk("m"), arr(vec![bulk("a")])]));
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    // A new list under the same name starts empty.
    assert_eq!(c.cmd(&["RPUSH", "l", "new"]), int(1));
    assert_eq!(all(&mut c, "l"), texts(&["new"]));
}

// ---------------------------------------------------------------------------------
// Reading and indexing

#[test]
fn lrange_indexes_and_clamping() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "l", &["a", "b", "c", "d", "e"]);
    assert_eq!(c.cmd(&["LRANGE", "l", "1", "2"]).texts(), texts(&["b", "c"]));
    assert_eq!(c.cmd(&["LRANGE", "l", "-2", "-1"]).texts(), texts(&["d", "e"]));
    assert_eq!(c.cmd(&["LRANGE", "l", "-100", "1"]).texts(), texts(&["a", "b"]));
    assert_eq!(c.cmd(&["LRANGE", "l", "3", "100"]).texts(), texts(&["d", "e"]));
    assert_eq!(c.cmd(&["LRANGE", "l", "5", "10"]), arr(vec![]));
    assert_eq!(c.cmd(&["LRANGE", "l", "3", "1"]), arr(vec![]));
    assert_eq!(c.cmd(&["LRANGE", "l", "-1", "-2"]), arr(vec![]));
    assert_eq!(c.cmd(&["LRANGE", "l", "0", "-6"]), arr(vec![]));
    assert_eq!(c.cmd(&["LRANGE", "l", "-9223372036854775808", "9223372036854775807"]).texts().len(), 5);
    assert_eq!(c.cmd(&["LRANGE", "none", "0", "-1"]), arr(vec![]));
    assert_eq!(c.cmd(&["LRANGE", "l", "x", "1"]), err(NOT_INT));
    assert_eq!(c.cmd(&["LRANGE", "none", "0", "x"]), err(NOT_INT));
}

#[test]
fn lindex_and_lset() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "l", &["a", "b", "c"]);
    assert_eq!(c.cmd(&["LINDEX", "l", "0"]), bulk("a"));
    assert_eq!(c.cmd(&["LINDEX", "l", "-1"]), bulk("c"));
    assert_eq!(c.cmd(&["LINDEX", "l", "-3"]), bulk("a"));
    assert_eq!(c.cmd(&["LINDEX", "l", "3"]), nil());
    assert_eq!(c.cmd(&["LINDEX", "l", "-4"]), nil());
    assert_eq!(c.cmd(&["LINDEX", "none", "0"]), nil());
    // A missing key answers before the index is parsed.
    assert_eq!(c.cmd(&["LINDEX", "none", "x"]), nil());
    assert_eq!(c.cmd(&["LINDEX", "l", "x"]), err(NOT_INT));
    assert_eq!(c.cmd(&["LSET", "l", "1", "B"]), ok());
    assert_eq!(c.cmd(&["LSET", "l", "-1", "C"]), ok());
    assert_eq!(all(&mut c, "l"), texts(&["a", "B", "C"]));
    assert_eq!(c.cmd(&["LSET", "l", "3", "x"]), err("ERR index out of range"));
    assert_eq!(c.cmd(&["LSET", "l", "-4", "x"]), err("ERR index out of range"));
    assert_eq!(c.cmd(&["LSET", "none", "0", "x"]), err("ERR no such key"));
    assert_eq!(c.cmd(&["LSET", "none", "x", "x"]), err("ERR no such key"));
    assert_eq!(c.cmd(&["LSET", "l", "x", "x"]), err(NOT_INT));
}

#[test]
fn ltrim_keeps_a_range() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "l", &["a", "b", "c", "d", "e"]);
    assert_eq!(c.cmd(&["LTRIM", "l", "1", "-2"]), ok());
    assert_eq!(all(&mut c, "l"), texts(&["b", "c", "d"]));
    assert_eq!(c.cmd(&["LTRIM", "l", "-100", "100"]), ok());
    assert_eq!(all(&mut c, "l"), texts(&["b", "c", "d"]));
    assert_eq!(c.cmd(&["LTRIM", "l", "0", "0"]), ok());
    assert_eq!(all(&mut c, "l"), texts(&["b"]));
    // Pushes after a trim land next to what is left.
    assert_eq!(c.cmd(&["LPUSH", "l", "a"]), int(2));
    assert_eq!(c.cmd(&["RPUSH", "l", "c"]), int(3));
    assert_eq!(all(&mut c, "l"), texts(&["a", "b", "c"]));
    assert_eq!(c.cmd(&["LTRIM", "l", "2", "1"]), ok());
    assert_eq!(c.cmd(&["EXISTS", "l"]), int(0));
    assert_eq!(c.cmd(&["LTRIM", "none", "0", "1"]), ok());
    assert_eq!(c.cmd(&["LTRIM", "none", "x", "1"]), err(NOT_INT));
}

// ---------------------------------------------------------------------------------
// Moving, inserting, removing, searching

#[test]
fn lmove_and_rpoplpush() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "a", &["1", "2", "3"]);
    assert_eq!(c.cmd(&["RPOPLPUSH", "a", "b"]), bulk("3"));
    assert_eq!(c.cmd(&["LMOVE", "a", "b", "LEFT", "RIGHT"]), bulk("1"));
    assert_eq!(all(&mut c, "a"), texts(&["2"]));
    assert_eq!(all(&mut c, "b"), texts(&["3", "1"]));
    assert_eq!(c.cmd(&["LMOVE", "b", "a", "right", "left"]), bulk("1"));
    assert_eq!(all(&mut c, "a"), texts(&["1", "2"]));
    assert_eq!(c.cmd(&["LMOVE", "none", "a", "LEFT", "LEFT"]), nil());
    assert_eq!(c.cmd(&["RPOPLPUSH", "none", "a"]), nil());
    assert_eq!(c.cmd(&["LMOVE", "a", "b", "UP", "LEFT"]), err(SYNTAX));
    assert_eq!(c.cmd(&["LMOVE", "none", "b", "LEFT", "DOWN"]), err(SYNTAX));
    // The destination's type is checked only when the source has an element.
    c.cmd(&["SET", "str", "x"]);
    assert_eq!(c.cmd(&["RPOPLPUSH", "none", "str"]), nil());
    assert_eq!(c.cmd(&["RPOPLPUSH", "a", "str"]), err(WRONGTYPE));
    assert_eq!(all(&mut c, "a"), texts(&["1", "2"]));
    assert_eq!(c.cmd(&["RPOPLPUSH", "str", "a"]), err(WRONGTYPE));
}

#[test]
fn rpoplpush_onto_itself_rotates() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "l", &["a", "b", "c"]);
    assert_eq!(c.cmd(&["RPOPLPUSH", "l", "l"]), bulk("c"));
    assert_eq!(all(&mut c, "l"), texts(&["c", "a", "b"]));
    assert_eq!(c.cmd(&["LMOVE", "l", "l", "LEFT", "RIGHT"]), bulk("c"));
    assert_eq!(all(&mut c, "l"), texts(&["a", "b", "c"]));
    assert_eq!(c.cmd(&["LMOVE", "l", "l", "LEFT", "LEFT"]), bulk("a"));
    assert_eq!(c.cmd(&["LMOVE", "l", "l", "RIGHT", "RIGHT"]), bulk("c"));
    assert_eq!(all(&mut c, "l"), texts(&["a", "b", "c"]));
    fill(&mut c, "one", &["x"]);
    assert_eq!(c.cmd(&["RPOPLPUSH", "one", "one"]), bulk("x"));
    assert_eq!(c.cmd(&["LMOVE", "one", "one", "LEFT", "LEFT"]), bulk("x"));
    assert_eq!(all(&mut c, "one"), texts(&["x"]));
    assert_eq!(c.cmd(&["LLEN", "one"]), int(1));
}

#[test]
fn linsert_before_and_after() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "l", &["a", "b", "c", "b"]);
    assert_eq!(c.cmd(&["LINSERT", "l", "BEFORE", "b", "x"]), int(5));
    assert_eq!(c.cmd(&["LINSERT", "l", "after", "b", "y"]), int(6));
    assert_eq!(all(&mut c, "l"), texts(&["a", "x", "b", "y", "c", "b"]));
    assert_eq!(c.cmd(&["LINSERT", "l", "AFTER", "b", "z"]), int(7));
    assert_eq!(c.cmd(&["LINSERT", "l", "BEFORE", "a", "first"]), int(8));
    assert_eq!(c.cmd(&["LINSERT", "l", "AFTER", "b", "q"]), int(9));
    fill(&mut c, "l", &["end"]);
    assert_eq!(c.cmd(&["LINSERT", "l", "AFTER", "end", "last"]), int(11));
    assert_eq!(all(&mut c, "l"), texts(&["first", "a", "x", "b", "q", "z", "y", "c", "b", "end", "last"]));
    assert_eq!(c.cmd(&["LINSERT", "l", "BEFORE", "nope", "x"]), int(-1));
    assert_eq!(c.cmd(&["LINSERT", "none", "BEFORE", "a", "x"]), int(0));
    assert_eq!(c.cmd(&["LINSERT", "l", "MIDDLE", "a", "x"]), err(SYNTAX));
    assert_eq!(c.cmd(&["LINSERT", "none", "MIDDLE", "a", "x"]), err(SYNTAX));
    assert_eq!(c.cmd(&["LINDEX", "l", "4"]), bulk("q"));
    assert_eq!(c.cmd(&["LLEN", "l"]), int(11));
}

#[test]
fn lrem_from_either_end() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "l", &["a", "x", "b", "x", "c", "x", "d"]);
    assert_eq!(c.cmd(&["LREM", "l", "1", "x"]), int(1));
    assert_eq!(all(&mut c, "l"), texts(&["a", "b", "x", "c", "x", "d"]));
    assert_eq!(c.cmd(&["LREM", "l", "-1", "x"]), int(1));
    assert_eq!(all(&mut c, "l"), texts(&["a", "b", "x", "c", "d"]));
    fill(&mut c, "l", &["x", "x"]);
    assert_eq!(c.cmd(&["LREM", "l", "0", "x"]), int(3));
    assert_eq!(all(&mut c, "l"), texts(&["a", "b", "c", "d"]));
    assert_eq!(c.cmd(&["LREM", "l", "0", "zz"]), int(0));
    assert_eq!(c.cmd(&["LREM", "l", "-5", "a"]), int(1));
    assert_eq!(c.cmd(&["LPUSH", "l", "new"]), int(4));
    assert_eq!(c.cmd(&["RPUSH", "l", "tail"]), int(5));
    assert_eq!(all(&mut c, "l"), texts(&["new", "b", "c", "d", "tail"]));
    assert_eq!(c.cmd(&["LINDEX", "l", "-2"]), bulk("d"));
    assert_eq!(c.cmd(&["LREM", "none", "0", "a"]), int(0));
    assert_eq!(c.cmd(&["LREM", "l", "x", "a"]), err(NOT_INT));
    assert_eq!(c.cmd(&["LREM", "none", "x", "a"]), err(NOT_INT));
}

#[test]
fn lpos_rank_count_maxlen() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "l", &["a", "b", "c", "1", "2", "3", "c", "c"]);
    assert_eq!(c.cmd(&["LPOS", "l", "c"]), int(2));
    assert_eq!(c.cmd(&["LPOS", "l", "zz"]), nil());
    assert_eq!(c.cmd(&["LPOS", "l", "c", "RANK", "2"]), int(6));
    assert_eq!(c.cmd(&["LPOS", "l", "c", "RANK", "-1"]), int(7));
    assert_eq!(c.cmd(&["LPOS", "l", "c", "RANK", "-3"]), int(2));
    assert_eq!(c.cmd(&["LPOS", "l", "c", "RANK", "-4"]), nil());
    assert_eq!(c.cmd(&["LPOS", "l", "c", "COUNT", "2"]), arr(vec![int(2), int(6)]));
    assert_eq!(c.cmd(&["LPOS", "l", "c", "COUNT", "0"]), arr(vec![int(2), int(6), int(7)]));
    assert_eq!(c.cmd(&["LPOS", "l", "c", "RANK", "-1", "COUNT", "0"]), arr(vec![int(7), int(6), int(2)]));
    assert_eq!(c.cmd(&["LPOS", "l", "c", "RANK", "-2", "COUNT", "5"]), arr(vec![int(6), int(2)]));
    assert_eq!(c.cmd(&["LPOS", "l", "zz", "COUNT", "1"]), arr(vec![]));
    assert_eq!(c.cmd(&["LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7"]), arr(vec![int(2), int(6)]));
    assert_eq!(c.cmd(&["LPOS", "l", "c", "MAXLEN", "2"]), nil());
    assert_eq!(c.cmd(&["LPOS", "l", "c", "RANK", "-1", "MAXLEN", "1"]), int(7));
    assert_eq!(c.cmd(&["LPOS", "none", "c"]), nil());
    assert_eq!(c.cmd(&["LPOS", "none", "c", "COUNT", "1"]), arr(vec![]));
    assert_eq!(
        c.cmd(&["LPOS", "l", "c", "RANK", "0"]),
        err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
    );
    if !s.is_reference() {
        // Redis 7.2's check; 7.0 negates LONG_MIN (undefined behaviour) and answers.
        assert_eq!(
            c.cmd(&["LPOS", "l", "c", "RANK", "-9223372036854775808"]),
            err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
        );
    }
    assert_eq!(c.cmd(&["LPOS", "l", "c", "RANK", "x"]), err(NOT_INT));
    assert_eq!(c.cmd(&["LPOS", "l", "c", "COUNT", "-1"]), err("ERR COUNT can't be negative"));
    assert_eq!(c.cmd(&["LPOS", "l", "c", "MAXLEN", "-1"]), err("ERR MAXLEN can't be negative"));
    assert_eq!(c.cmd(&["LPOS", "l", "c", "COUNT"]), err(SYNTAX));
    assert_eq!(c.cmd(&["LPOS", "l", "c", "FOO", "1"]), err(SYNTAX));
    assert!(c.cmd(&["LPOS", "none", "c", "RANK", "0"]).error().starts_with("ERR RANK"));
}

#[test]
fn lmpop_first_non_empty_list() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "b", &["1", "2", "3"]);
    assert_eq!(c.cmd(&["LMPOP", "2", "a", "b", "LEFT"]), arr(vec![bulk("b"), arr(vec![bulk("1")])]));
    assert_eq!(c.cmd(&["LMPOP", "2", "a", "b", "RIGHT", "COUNT", "5"]), arr(vec![bulk("b"), arr(vec![bulk("3"), bulk("2")])]));
    assert_eq!(c.cmd(&["EXISTS", "b"]), int(0));
    assert_eq!(c.cmd(&["LMPOP", "2", "a", "b", "LEFT"]), nil());
    assert_eq!(c.cmd(&["LMPOP", "0", "a", "LEFT"]), err("ERR numkeys should be greater than 0"));
    assert_eq!(c.cmd(&["LMPOP", "x", "a", "LEFT"]), err("ERR numkeys should be greater than 0"));
    assert_eq!(c.cmd(&["LMPOP", "2", "a", "LEFT"]), err(SYNTAX));
    assert_eq!(c.cmd(&["LMPOP", "1", "a", "UP"]), err(SYNTAX));
    assert_eq!(c.cmd(&["LMPOP", "1", "a", "LEFT", "COUNT", "0"]), err("ERR count should be greater than 0"));
    assert_eq!(c.cmd(&["LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"]), err(SYNTAX));
    assert_eq!(c.cmd(&["LMPOP", "1", "a", "LEFT", "COUNT"]), err(SYNTAX));
    c.cmd(&["SET", "str", "x"]);
    fill(&mut c, "l", &["1"]);
    assert_eq!(c.cmd(&["LMPOP", "2", "str", "l", "LEFT"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["LMPOP", "2", "l", "str", "LEFT"]), arr(vec![bulk("l"), arr(vec![bulk("1")])]));
}

// ---------------------------------------------------------------------------------
// Types, binary data, keys

#[test]
fn wrong_type_against_a_string() {
    let s = Server::start();
    let mut c = s.client();
    c.cmd(&["SET", "s", "v"]);
    for cmd in [
        &["LPUSH", "s", "a"][..],
        &["RPUSH", "s", "a"],
        &["LPUSHX", "s", "a"],
        &["RPUSHX", "s", "a"],
        &["LPOP", "s"],
        &["RPOP", "s", "2"],
        &["LLEN", "s"],
        &["LRANGE", "s", "0", "-1"],
        &["LINDEX", "s", "0"],
        &["LSET", "s", "0", "a"],
        &["LTRIM", "s", "0", "1"],
        &["LINSERT", "s", "BEFORE", "a", "b"],
        &["LREM", "s", "0", "a"],
        &["LPOS", "s", "a"],
        &["LMOVE", "s", "d", "LEFT", "LEFT"],
        &["LMPOP", "1", "s", "LEFT"],
    ] {
        assert_eq!(c.cmd(cmd), err(WRONGTYPE), "{cmd:?}");
    }
    fill(&mut c, "l", &["a"]);
    assert_eq!(c.cmd(&["GET", "l"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["SADD", "l", "a"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["GET", "s"]), bulk("v"));
}

#[test]
fn binary_elements() {
    let s = Server::start();
    let mut c = s.client();
    let big = vec![0xffu8; 100_000];
    let elems: [&[u8]; 4] = [b"\x00\x01", b"", b"a\r\nb", &big];
    for e in elems {
        assert!(matches!(c.cmd_bytes(&[b"RPUSH", b"k\x00bin", e]), Value::Int(_)));
    }
    let got = c.cmd_bytes(&[b"LRANGE", b"k\x00bin", b"0", b"-1"]).array();
    assert_eq!(got, elems.iter().map(|e| Value::Bulk(e.to_vec())).collect::<Vec<_>>());
    assert_eq!(c.cmd_bytes(&[b"LPOS", b"k\x00bin", b"a\r\nb"]), int(2));
    assert_eq!(c.cmd_bytes(&[b"LREM", b"k\x00bin", b"0", b""]), int(1));
    assert_eq!(c.cmd_bytes(&[b"LINDEX", b"k\x00bin", b"2"]), Value::Bulk(big.clone()));
    assert_eq!(c.cmd_bytes(&[b"LINSERT", b"k\x00bin", b"AFTER", b"\x00\x01", b"\xfe"]), int(4));
    assert_eq!(c.cmd_bytes(&[b"LPOP", b"k\x00bin", b"2"]), arr(vec![Value::Bulk(b"\x00\x01".to_vec()), Value::Bulk(b"\xfe".to_vec())]));
}

#[test]
fn rename_keeps_elements_and_ttl_survives_pushes() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "l", &["a", "b", "c"]);
    c.cmd(&["LPOP", "l"]);
    c.cmd(&["LPUSH", "l", "z"]);
    assert_eq!(c.cmd(&["RENAME", "l", "m"]), ok());
    assert_eq!(all(&mut c, "m"), texts(&["z", "b", "c"]));
    assert_eq!(c.cmd(&["LPUSH", "m", "y"]), int(4));
    assert_eq!(c.cmd(&["RPUSH", "m", "d"]), int(5));
    assert_eq!(c.cmd(&["LINDEX", "m", "0"]), bulk("y"));
    assert_eq!(c.cmd(&["COPY", "m", "n"]), int(1));
    assert_eq!(all(&mut c, "n"), texts(&["y", "z", "b", "c", "d"]));
    assert_eq!(c.cmd(&["EXPIRE", "m", "100"]), int(1));
    c.cmd(&["RPUSH", "m", "e"]);
    c.cmd(&["LPOP", "m"]);
    assert!(c.cmd(&["TTL", "m"]).int() > 0);
    assert!(!c.cmd(&["OBJECT", "ENCODING", "n"]).text().is_empty());
}

#[test]
fn expired_list_is_gone() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "l", &["a", "b"]);
    assert_eq!(c.cmd(&["PEXPIRE", "l", "20"]), int(1));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(c.cmd(&["LLEN", "l"]), int(0));
    assert_eq!(c.cmd(&["LPUSHX", "l", "x"]), int(0));
    assert_eq!(c.cmd(&["RPUSH", "l", "x"]), int(1));
    assert_eq!(all(&mut c, "l"), texts(&["x"]));
    assert_eq!(c.cmd(&["TTL", "l"]), int(-1));
}

// ---------------------------------------------------------------------------------
// Pipelines and size

#[test]
fn pipelined_pushes_are_seen_in_order() {
    let s = Server::start();
    let mut c = s.client();
    let mut batch = Vec::new();
    for i in 0..200 {
        let v = i.to_string();
        let cmd: &[u8] = if i % 2 == 0 { b"RPUSH" } else { b"LPUSH" };
        batch.extend(Client::encode(&[cmd, b"l", v.as_bytes()]));
    }
    batch.extend(Client::encode(&[b"LLEN", b"l"]));
    batch.extend(Client::encode(&[b"LPOP", b"l"]));
    batch.extend(Client::encode(&[b"RPOP", b"l"]));
    c.send_raw(&batch);
    for i in 0..200 {
        assert_eq!(c.read(), int(i + 1), "push #{i}");
    }
    assert_eq!(c.read(), int(200));
    assert_eq!(c.read(), bulk("199"));
    assert_eq!(c.read(), bulk("198"));
    let got = all(&mut c, "l");
    let mut want: Vec<String> = (1..198).rev().step_by(2).map(|i| i.to_string()).collect();
    want.extend((0..198).step_by(2).map(|i: i32| i.to_string()));
    assert_eq!(got, want);
}

#[test]
fn large_list_point_reads_and_delete() {
    let s = Server::start();
    let mut c = s.client();
    let n = 100_000;
    let mut batch = Vec::new();
    for chunk in 0..(n / 1000) {
        let vals: Vec<String> = (chunk * 1000..(chunk + 1) * 1000).map(|i| format!("v{i}")).collect();
        let mut args: Vec<&[u8]> = vec![b"RPUSH", b"big"];
        args.extend(vals.iter().map(|v| v.as_bytes()));
        batch.extend(Client::encode(&args));
    }
    c.send_raw(&batch);
    for chunk in 0..(n / 1000) {
        assert_eq!(c.read(), int((chunk + 1) * 1000));
    }
    assert_eq!(c.cmd(&["LLEN", "big"]), int(n));
    assert_eq!(c.cmd(&["LINDEX", "big", "50000"]), bulk("v50000"));
    assert_eq!(c.cmd(&["LINDEX", "big", "-1"]), bulk("v99999"));
    assert_eq!(c.cmd(&["LSET", "big", "50000", "mid"]), ok());
    assert_eq!(c.cmd(&["LRANGE", "big", "49999", "50001"]).texts(), texts(&["v49999", "mid", "v50001"]));
    assert_eq!(c.cmd(&["LPOP", "big"]), bulk("v0"));
    assert_eq!(c.cmd(&["RPOP", "big"]), bulk("v99999"));
    // How fast these are on a million elements is measured by `make bench` (benches/).
    assert_eq!(c.cmd(&["DEL", "big"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "big"]), int(0));
    assert_eq!(c.cmd(&["LLEN", "big"]), int(0));
}

#[test]
fn commands_are_listed() {
    let s = Server::start();
    let mut c = s.client();
    if !s.is_reference() {
        for name in ["lpush", "rpop", "lmove", "lmpop", "lpos"] {
            let info = c.cmd(&["COMMAND", "INFO", name]).array();
            assert!(matches!(info[0], Value::Array(_)), "{name}: {info:?}");
        }
        assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "LMOVE", "a", "b", "LEFT", "LEFT"]).texts(), texts(&["a", "b"]));
    }
    assert_eq!(c.cmd(&["LLEN"]), err("ERR wrong number of arguments for 'llen' command"));
}

#[test]
fn lists_survive_kill9_and_swapdb_and_move() {
    let mut s = Server::start();
    if s.is_reference() {
        return; // restarts a DiskDB process on its data dir
    }
    let mut c = s.client();
    fill(&mut c, "l", &["b", "c"]);
    c.cmd(&["LPUSH", "l", "a"]);
    c.cmd(&["LINSERT", "l", "AFTER", "b", "bb"]);
    s.restart();
    let mut c = s.client();
    assert_eq!(all(&mut c, "l"), texts(&["a", "b", "bb", "c"]));
    assert_eq!(c.cmd(&["LPUSH", "l", "z"]), int(5));
    assert_eq!(c.cmd(&["MOVE", "l", "1"]), int(1));
    assert_eq!(c.cmd(&["SWAPDB", "0", "1"]), ok());
    assert_eq!(all(&mut c, "l"), texts(&["z", "a", "b", "bb", "c"]));
    assert_eq!(c.cmd(&["RPOP", "l", "2"]), arr(vec![bulk("c"), bulk("bb")]));
    assert_eq!(c.cmd(&["DBSIZE"]), int(1));
}

// ---------------------------------------------------------------------------------
// Blocking pops: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP

/// A client that sends `args` and returns before the reply (it will block).
fn send(s: &Server, args: &[&str]) -> Client {
    let mut c = s.client();
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    c.send_raw(&Client::encode(&args));
    c
}

#[test]
fn blocking_pops_serve_at_once_when_an_element_is_there() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "b", &["1", "2", "3"]);
    // The first non-empty list in argument order serves.
    assert_eq!(c.cmd(&["BLPOP", "a", "b", "0"]), arr(vec![bulk("b"), bulk("1")]));
    assert_eq!(c.cmd(&["BRPOP", "a", "b", "0"]), arr(vec![bulk("b"), bulk("3")]));
    assert_eq!(c.cmd(&["BLMOVE", "b", "d", "LEFT", "RIGHT", "0"]), bulk("2"));
    assert_eq!(c.cmd(&["EXISTS", "b"]), int(0));
    assert_eq!(c.cmd(&["BRPOPLPUSH", "d", "e", "0"]), bulk("2"));
    fill(&mut c, "m", &["x", "y", "z"]);
    assert_eq!(c.cmd(&["BLMPOP", "0", "2", "a", "m", "RIGHT", "COUNT", "2"]), arr(vec![bulk("m"), arr(vec![bulk("z"), bulk("y")])]));
}

#[test]
fn blocking_pops_time_out_with_nil() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["BLPOP", "none", "0.05"]), nil());
    assert_eq!(c.cmd(&["BRPOP", "none", "other", "0.01"]), nil());
    assert_eq!(c.cmd(&["BLMOVE", "none", "d", "LEFT", "LEFT", "0.01"]), nil());
    assert_eq!(c.cmd(&["BRPOPLPUSH", "none", "d", "0.01"]), nil());
    assert_eq!(c.cmd(&["BLMPOP", "0.01", "1", "none", "LEFT"]), nil());
    // RESP2 sends a nil array for every timed-out wait, the moves' included, as Redis does.
    c.send_raw(&Client::encode(&[b"BLPOP", b"none", b"0.01"]));
    assert_eq!(c.line_raw(), "*-1");
    c.send_raw(&Client::encode(&[b"BLMOVE", b"none", b"d", b"LEFT", b"LEFT", b"0.01"]));
    assert_eq!(c.line_raw(), "*-1");
    c.cmd(&["HELLO", "3"]);
    c.send_raw(&Client::encode(&[b"BLPOP", b"none", b"0.01"]));
    assert_eq!(c.line_raw(), "_");
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
}

#[test]
fn blocking_pop_errors() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["BLPOP", "l", "x"]), err("ERR timeout is not a float or out of range"));
    assert_eq!(c.cmd(&["BLPOP", "l", "nan"]), err("ERR timeout is not a float or out of range"));
    assert_eq!(c.cmd(&["BLPOP", "l", "-1"]), err("ERR timeout is negative"));
    assert_eq!(c.cmd(&["BLPOP", "l"]), err("ERR wrong number of arguments for 'blpop' command"));
    assert_eq!(c.cmd(&["BLMOVE", "a", "b", "UP", "LEFT", "x"]), err(SYNTAX));
    assert_eq!(c.cmd(&["BLMOVE", "a", "b", "LEFT", "LEFT", "x"]), err("ERR timeout is not a float or out of range"));
    assert_eq!(c.cmd(&["BLMPOP", "0", "0", "a", "LEFT"]), err("ERR numkeys should be greater than 0"));
    assert_eq!(c.cmd(&["BLMPOP", "x", "1", "a", "MIDDLE"]), err(SYNTAX));
    assert_eq!(c.cmd(&["BLMPOP", "x", "1", "a", "LEFT"]), err("ERR timeout is not a float or out of range"));
    assert_eq!(c.cmd(&["BLMPOP", "0", "1", "a", "LEFT", "COUNT", "0"]), err("ERR count should be greater than 0"));
    c.cmd(&["SET", "s", "v"]);
    assert_eq!(c.cmd(&["BLPOP", "s", "0"]), err(WRONGTYPE));
    // A key of another type before a non-empty list is an error, as in Redis.
    fill(&mut c, "l", &["a"]);
    assert_eq!(c.cmd(&["BLPOP", "s", "l", "0"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["BLPOP", "l", "s", "0"]), arr(vec![bulk("l"), bulk("a")]));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "BLMPOP", "0", "2", "a", "b", "LEFT"]), arr(vec![bulk("a"), bulk("b")]));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "BLPOP", "a", "b", "0"]), arr(vec![bulk("a"), bulk("b")]));
}

#[test]
fn a_push_from_another_client_wakes_the_waiter() {
    let s = Server::start();
    let mut waiter = send(&s, &["BLPOP", "q1", "q2", "0"]);
    s.wait_blocked(1);
    let mut c = s.client();
    assert_eq!(c.cmd(&["RPUSH", "q2", "job"]), int(1));
    assert_eq!(waiter.read(), arr(vec![bulk("q2"), bulk("job")]));
    s.wait_blocked(0);
    assert_eq!(c.cmd(&["EXISTS", "q2"]), int(0));
    // The connection goes on as usual after the wait.
    assert_eq!(waiter.cmd(&["PING"]), Value::Simple("PONG".into()));
}

#[test]
fn waiters_are_served_in_the_order_they_began_to_wait() {
    let s = Server::start();
    let mut waiters = Vec::new();
    for i in 0..3 {
        waiters.push(send(&s, &["BRPOP", "q", "0"]));
        s.wait_blocked(i + 1);
    }
    let mut c = s.client();
    // One push of four elements serves the three waiters in order; one stays.
    assert_eq!(c.cmd(&["LPUSH", "q", "a", "b", "c", "d"]), int(4));
    for (w, expect) in waiters.iter_mut().zip(["a", "b", "c"]) {
        assert_eq!(w.read(), arr(vec![bulk("q"), bulk(expect)]));
    }
    s.wait_blocked(0);
    assert_eq!(all(&mut c, "q"), texts(&["d"]));
}

#[test]
fn one_element_at_a_time_goes_to_the_first_waiter_each_time() {
    let s = Server::start();
    let mut first = send(&s, &["BLPOP", "q", "0"]);
    s.wait_blocked(1);
    let mut second = send(&s, &["BLPOP", "q", "0"]);
    s.wait_blocked(2);
    let mut c = s.client();
    c.cmd(&["RPUSH", "q", "one"]);
    assert_eq!(first.read(), arr(vec![bulk("q"), bulk("one")]));
    s.wait_blocked(1);
    c.cmd(&["RPUSH", "q", "two"]);
    assert_eq!(second.read(), arr(vec![bulk("q"), bulk("two")]));
}

#[test]
fn blmove_waits_and_its_push_wakes_the_next_waiter() {
    let s = Server::start();
    // A waits on dst; B waits to move src to dst; a push to src serves B, whose push
    // to dst serves A.
    let mut a = send(&s, &["BLPOP", "dst", "0"]);
    s.wait_blocked(1);
    let mut b = send(&s, &["BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"]);
    s.wait_blocked(2);
    let mut c = s.client();
    c.cmd(&["RPUSH", "src", "x"]);
    assert_eq!(b.read(), bulk("x"));
    assert_eq!(a.read(), arr(vec![bulk("dst"), bulk("x")]));
    s.wait_blocked(0);
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
    let mut r = send(&s, &["BRPOPLPUSH", "src", "dst", "0"]);
    s.wait_blocked(1);
    c.cmd(&["RPUSH", "src", "y"]);
    assert_eq!(r.read(), bulk("y"));
    assert_eq!(all(&mut c, "dst"), texts(&["y"]));
}

#[test]
fn blmpop_waits_on_several_lists() {
    let s = Server::start();
    let mut w = send(&s, &["BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "5"]);
    s.wait_blocked(1);
    let mut c = s.client();
    c.cmd(&["RPUSH", "b", "1", "2"]);
    assert_eq!(w.read(), arr(vec![bulk("b"), arr(vec![bulk("1"), bulk("2")])]));
}

#[test]
fn a_waiter_that_disconnects_takes_nothing() {
    let s = Server::start();
    let gone = send(&s, &["BLPOP", "q", "0"]);
    s.wait_blocked(1);
    let mut stays = send(&s, &["BLPOP", "q", "0"]);
    s.wait_blocked(2);
    drop(gone);
    s.wait_blocked(1);
    let mut c = s.client();
    c.cmd(&["RPUSH", "q", "a", "b"]);
    assert_eq!(stays.read(), arr(vec![bulk("q"), bulk("a")]));
    s.wait_blocked(0);
    assert_eq!(all(&mut c, "q"), texts(&["b"]));
}

#[test]
fn commands_pipelined_after_a_wait_run_once_it_is_served() {
    let s = Server::start();
    let mut w = s.client();
    let mut batch = Client::encode(&[b"SET", b"k", b"v"]);
    batch.extend(Client::encode(&[b"BLPOP", b"q", b"0"]));
    batch.extend(Client::encode(&[b"GET", b"k"]));
    w.send_raw(&batch);
    // The reply before the wait arrives while the client waits.
    assert_eq!(w.read(), ok());
    s.wait_blocked(1);
    s.client().cmd(&["RPUSH", "q", "x"]);
    assert_eq!(w.read(), arr(vec![bulk("q"), bulk("x")]));
    assert_eq!(w.read(), bulk("v"));
}

#[test]
fn client_unblock_ends_a_wait() {
    let s = Server::start();
    let mut w = s.client();
    let id = w.cmd(&["CLIENT", "ID"]).int().to_string();
    let mut c = s.client();
    assert_eq!(c.cmd(&["CLIENT", "UNBLOCK", &id]), int(0));
    w.send_raw(&Client::encode(&[b"BLPOP", b"q", b"0"]));
    s.wait_blocked(1);
    assert!(c.cmd(&["CLIENT", "LIST"]).text().lines().any(|l| l.starts_with(&format!("id={id} ")) && l.contains(" flags=b ")));
    assert_eq!(c.cmd(&["CLIENT", "UNBLOCK", &id]), int(1));
    assert_eq!(w.read(), nil());
    w.send_raw(&Client::encode(&[b"BLPOP", b"q", b"0"]));
    s.wait_blocked(1);
    assert_eq!(c.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"]), int(1));
    assert_eq!(w.read(), err("UNBLOCKED client unblocked via CLIENT UNBLOCK"));
    assert_eq!(c.cmd(&["CLIENT", "UNBLOCK", &id, "LATER"]), err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
}

#[test]
fn a_waiter_times_out_while_others_work() {
    let s = Server::start();
    let mut w = send(&s, &["BLPOP", "q", "0.2"]);
    s.wait_blocked(1);
    let mut c = s.client();
    for i in 0..20 {
        assert_eq!(c.cmd(&["RPUSH", "other", &i.to_string()]), int(i + 1));
    }
    assert_eq!(w.read(), nil());
    s.wait_blocked(0);
    assert_eq!(c.cmd(&["LLEN", "other"]), int(20));
}

#[test]
fn pipelined_commands_on_one_key_see_each_others_writes() {
    // One read holds writes and reads of the same keys: each command must see exactly the
    // writes before it, however the server groups them into storage writes.
    let s = Server::start();
    let mut c = s.client();
    let mut batch = Vec::new();
    for i in 0..100 {
        let v = i.to_string();
        batch.extend(Client::encode(&[b"RPUSH", b"l", v.as_bytes()]));
        batch.extend(Client::encode(&[b"LINDEX", b"l", b"-1"]));
        batch.extend(Client::encode(&[b"INCRBY", b"n", v.as_bytes()]));
        batch.extend(Client::encode(&[b"HINCRBY", b"h", b"f", b"2"]));
        if i % 10 == 9 {
            batch.extend(Client::encode(&[b"LPOP", b"l"]));
            batch.extend(Client::encode(&[b"SADD", b"s", v.as_bytes()]));
            batch.extend(Client::encode(&[b"SREM", b"s", v.as_bytes()]));
            batch.extend(Client::encode(&[b"SCARD", b"s"]));
        }
    }
    c.send_raw(&batch);
    let (mut len, mut front, mut sum) = (0, 0, 0);
    for i in 0..100 {
        len += 1;
        sum += i;
        assert_eq!(c.read(), int(len), "RPUSH {i}");
        assert_eq!(c.read(), bulk(&i.to_string()), "LINDEX after RPUSH {i}");
        assert_eq!(c.read(), int(sum), "INCRBY {i}");
        assert_eq!(c.read(), int(2 * (i + 1)), "HINCRBY {i}");
        if i % 10 == 9 {
            assert_eq!(c.read(), bulk(&front.to_string()), "LPOP after {i}");
            front += 1;
            len -= 1;
            assert_eq!(c.read(), int(1));
            assert_eq!(c.read(), int(1));
            assert_eq!(c.read(), int(0));
        }
    }
    assert_eq!(c.cmd(&["LLEN", "l"]), int(90));
    assert_eq!(c.cmd(&["LRANGE", "l", "0", "0"]), arr(vec![bulk("10")]));
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
}

/// Argument errors as Redis words and orders them (differences from redis-server that
/// `scripts/difffuzz.py` found).
#[test]
fn lpos_and_pop_argument_errors_match_redis() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["RPUSH", "l", "a"]), int(1));
    for (opt, message) in [("COUNT", "ERR COUNT can't be negative"), ("MAXLEN", "ERR MAXLEN can't be negative")] {
        for value in ["x", "-1", "1.5"] {
            assert_eq!(c.cmd(&["LPOS", "l", "a", opt, value]), err(message), "{opt} {value}");
        }
    }
    assert_eq!(c.cmd(&["LPOS", "l", "a", "RANK", "x"]), err(NOT_INT));
    assert_eq!(c.cmd(&["LPOP", "l", "-5", "x"]), err("ERR wrong number of arguments for 'lpop' command"));
    assert_eq!(c.cmd(&["RPOP", "l", "-5", "x"]), err("ERR wrong number of arguments for 'rpop' command"));
    assert_eq!(c.cmd(&["LPOP", "l", "-5"]), err("ERR value is out of range, must be positive"));
    assert_eq!(c.cmd(&["LRANGE", "l", "0", "-1"]), arr(vec![bulk("a")]));
}

/// Pops from both ends, in pipelines, mixed with pushes, LSETs and LINSERTs near the
/// ends and LREMs: every reply is what a model list says. DiskDB reads the elements a pop
/// removes from a window of rows read ahead at that end, which every committed write
/// between its bounds must keep exact.
#[test]
fn pops_see_every_write_near_the_ends_they_pop() {
    let s = Server::start();
    let mut c = s.client();
    let mut model = pushed(&mut c, "l", 300, 100);
    let mut next = lcg(7);
    for round in 0..400 {
        let mut batch = Vec::new();
        let mut want = Vec::new();
        for i in 0..8 {
            let tag = format!("r{round}-{i}");
            let (cmd, reply): (Vec<String>, Value) = match next(10) {
                0 | 1 => (vec!["RPOP".into(), "l".into()], model.pop_back().map_or(nil(), |v| bulk(&v))),
                2 | 3 => (vec!["LPOP".into(), "l".into()], model.pop_front().map_or(nil(), |v| bulk(&v))),
                4 => {
                    model.push_back(tag.clone());
                    (vec!["RPUSH".into(), "l".into(), tag], int(model.len() as i64))
                }
                5 => {
                    model.push_front(tag.clone());
                    (vec!["LPUSH".into(), "l".into(), tag], int(model.len() as i64))
                }
                6 | 7 if !model.is_empty() => {
                    // LSET a few elements from either end.
                    let k = next(4.min(model.len() as u64)) as usize;
                    let (index, at) = if next(2) == 0 { (k as i64, k) } else { (-(k as i64) - 1, model.len() - 1 - k) };
                    model[at] = tag.clone();
                    (vec!["LSET".into(), "l".into(), index.to_string(), tag], ok())
                }
                8 if !model.is_empty() => {
                    // LINSERT next to an element near the tail: the rows after it move.
                    let at = model.len() - 1 - next(3.min(model.len() as u64)) as usize;
                    let pivot = model[at].clone();
                    model.insert(at, tag.clone());
                    (vec!["LINSERT".into(), "l".into(), "BEFORE".into(), pivot, tag], int(model.len() as i64))
                }
                _ if !model.is_empty() => {
                    // LREM the element at the front (each element is unique).
                    let victim = model.pop_front().unwrap();
                    (vec!["LREM".into(), "l".into(), "1".into(), victim], int(1))
                }
                _ => (vec!["LLEN".into(), "l".into()], int(0)),
            };
            let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
            batch.extend(Client::encode(&args));
            want.push((cmd.join(" "), reply));
        }
        c.send_raw(&batch);
        for (cmd, reply) in want {
            assert_eq!(c.read(), reply, "round {round}: {cmd}");
        }
    }
    let rest: Vec<String> = model.into_iter().collect();
    assert_eq!(all(&mut c, "l"), rest);
}

#[test]
fn pops_of_large_elements_take_each_once_from_either_end() {
    let s = Server::start();
    let mut c = s.client();
    // 2 KiB elements: fewer of them than a read-ahead window's row count fill its bytes.
    let element = |i: usize| format!("{i:04}{}", "x".repeat(2048));
    let mut model: std::collections::VecDeque<String> = (0..200).map(element).collect();
    for chunk in model.iter().cloned().collect::<Vec<_>>().chunks(50) {
        let mut args = vec!["RPUSH", "l"];
        args.extend(chunk.iter().map(String::as_str));
        c.cmd(&args);
    }
    for round in 0..40 {
        let mut batch = Vec::new();
        let mut want = Vec::new();
        for i in 0..8 {
            let (cmd, reply) = if (round + i) % 3 == 0 { ("LPOP", model.pop_front()) } else { ("RPOP", model.pop_back()) };
            batch.extend(Client::encode(&[cmd.as_bytes(), b"l"]));
            want.push((cmd, reply.map_or(nil(), |v| bulk(&v))));
        }
        c.send_raw(&batch);
        for (cmd, reply) in want {
            assert_eq!(c.read(), reply, "round {round}: {cmd}");
        }
    }
    assert_eq!(all(&mut c, "l"), model.into_iter().collect::<Vec<_>>());
}

/// A long queue drained from one end in pipelines, with LSETs, LINSERTs and pushes near
/// the end being drained: every reply is what a model list says. DiskDB reads the rows a
/// run of pops at one end removes in ever larger windows (64 rows at first, up to 512);
/// each must stay exact under the writes between its bounds, and the end switches once.
#[test]
fn a_queue_drained_from_one_end_sees_every_write_near_it() {
    let s = Server::start();
    let mut c = s.client();
    let mut model = pushed(&mut c, "q", 3000, 500);
    let mut next = lcg(3);
    for round in 0..220 {
        // Pops from the left for the first 150 rounds, then from the right.
        let left = round < 150;
        let mut batch = Vec::new();
        let mut want = Vec::new();
        for i in 0..16 {
            let tag = format!("r{round}-{i}");
            let (cmd, reply): (Vec<String>, Value) = match next(20) {
                0 if !model.is_empty() => {
                    // LSET an element up to 600 from the popping end: inside a large window.
                    let k = next(600.min(model.len() as u64)) as usize;
                    let (index, at) = if left { (k as i64, k) } else { (-(k as i64) - 1, model.len() - 1 - k) };
                    model[at] = tag.clone();
                    (vec!["LSET".into(), "q".into(), index.to_string(), tag], ok())
                }
                1 if !model.is_empty() => {
                    // LINSERT before an element near the popping end.
                    let k = next(300.min(model.len() as u64)) as usize;
                    let at = if left { k } else { model.len() - 1 - k };
                    let pivot = model[at].clone();
                    model.insert(at, tag.clone());
                    (vec!["LINSERT".into(), "q".into(), "BEFORE".into(), pivot, tag], int(model.len() as i64))
                }
                2 => {
                    // A push at the other end (outside the window).
                    let cmd = if left {
                        model.push_back(tag.clone());
                        "RPUSH"
                    } else {
                        model.push_front(tag.clone());
                        "LPUSH"
                    };
                    (vec![cmd.into(), "q".into(), tag], int(model.len() as i64))
                }
                _ if left => (vec!["LPOP".into(), "q".into()], model.pop_front().map_or(nil(), |v| bulk(&v))),
                _ => (vec!["RPOP".into(), "q".into()], model.pop_back().map_or(nil(), |v| bulk(&v))),
            };
            let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
            batch.extend(Client::encode(&args));
            want.push((cmd.join(" "), reply));
        }
        c.send_raw(&batch);
        for (cmd, reply) in want {
            assert_eq!(c.read(), reply, "round {round}: {cmd}");
        }
    }
    assert!(model.len() > 100, "the queue is not drained: {}", model.len());
    assert_eq!(all(&mut c, "q"), model.into_iter().collect::<Vec<_>>());
}
