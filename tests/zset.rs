//! Sorted set commands, black-box against Redis 7 semantics: every reply and error line is
//! the one Redis sends. `DISKDB_TEST_REDIS=1` runs the same tests against redis-server.
//!
//! Redis 7.0 prints scores with `%.17g` and 7.2 (which DiskDB follows) with the shortest
//! round-trip form; asserts on scores where the two differ are guarded with
//! `is_reference()`.

mod common;
use common::*;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const SYNTAX: &str = "ERR syntax error";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const NOT_FLOAT: &str = "ERR value is not a valid float";
const BOUND_FLOAT: &str = "ERR min or max is not a float";
const BOUND_LEX: &str = "ERR min or max not valid string range item";

fn texts(v: Value) -> Vec<String> {
    v.texts()
}

fn dbl(s: &str) -> Value {
    Value::Double(s.into())
}

/// z = {a:1, b:2, c:3, d:4, e:5}
fn five(c: &mut Client) {
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]), int(5));
}

// ---------------------------------------------------------------------------------
// ZADD and its options

#[test]
fn zadd_zscore_zcard_zrem() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b"]), int(2));
    assert_eq!(c.cmd(&["ZADD", "z", "3", "a", "2", "b", "4", "c"]), int(1));
    assert_eq!(c.cmd(&["ZCARD", "z"]), int(3));
    assert_eq!(c.cmd(&["ZSCORE", "z", "a"]), bulk("3"));
    assert_eq!(c.cmd(&["ZSCORE", "z", "nope"]), Value::Nil);
    assert_eq!(c.cmd(&["ZSCORE", "missing", "a"]), Value::Nil);
    assert_eq!(c.cmd(&["ZMSCORE", "z", "a", "nope", "c"]), arr(vec![bulk("3"), Value::Nil, bulk("4")]));
    assert_eq!(c.cmd(&["ZMSCORE", "missing", "a"]), arr(vec![Value::Nil]));
    assert_eq!(c.cmd(&["TYPE", "z"]), Value::Simple("zset".into()));
    // A repeated member takes its last score.
    assert_eq!(c.cmd(&["ZADD", "r", "1", "x", "5", "x"]), int(1));
    assert_eq!(c.cmd(&["ZSCORE", "r", "x"]), bulk("5"));
    assert_eq!(c.cmd(&["ZREM", "z", "a", "a", "nope"]), int(1));
    assert_eq!(c.cmd(&["ZREM", "missing", "a"]), int(0));
    assert_eq!(c.cmd(&["ZCARD", "z"]), int(2));
    // The emptied sorted set disappears.
    assert_eq!(c.cmd(&["ZREM", "z", "b", "c"]), int(2));
    assert_eq!(c.cmd(&["EXISTS", "z"]), int(0));
    assert_eq!(c.cmd(&["ZCARD", "z"]), int(0));
}

#[test]
fn zadd_option_errors() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZADD", "z", "NX", "1"]), err(SYNTAX));
    assert_eq!(c.cmd(&["ZADD", "z", "1"]), err("ERR wrong number of arguments for 'zadd' command"));
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2"]), err(SYNTAX));
    assert_eq!(c.cmd(&["ZADD", "z", "NX", "XX", "1", "a"]), err("ERR XX and NX options at the same time are not compatible"));
    let gtlt = "ERR GT, LT, and/or NX options at the same time are not compatible";
    assert_eq!(c.cmd(&["ZADD", "z", "GT", "LT", "1", "a"]), err(gtlt));
    assert_eq!(c.cmd(&["ZADD", "z", "NX", "GT", "1", "a"]), err(gtlt));
    assert_eq!(c.cmd(&["ZADD", "z", "INCR", "1", "a", "2", "b"]), err("ERR INCR option supports a single increment-element pair"));
    assert_eq!(c.cmd(&["ZADD", "z", "abc", "a"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["ZADD", "z", "nan", "a"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["ZADD", "z", "1e310", "a"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["ZADD", "z", "-1e310", "a"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["ZADD", "z", "1e-400", "a"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "1e310", "a"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["ZADD", "z", " 1", "a"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "x", "b"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["EXISTS", "z"]), int(0), "nothing is added when a score is bad");
    assert_eq!(c.cmd(&["ZINCRBY", "z", "nan", "a"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["ZADD", "z"]), err("ERR wrong number of arguments for 'zadd' command"));
}

#[test]
fn zadd_nx_xx_gt_lt_ch() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZADD", "z", "XX", "1", "a"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "z"]), int(0), "XX does not create the key");
    assert_eq!(c.cmd(&["ZADD", "z", "10", "a", "20", "b"]), int(2));
    assert_eq!(c.cmd(&["ZADD", "z", "NX", "1", "a", "1", "c"]), int(1));
    assert_eq!(c.cmd(&["ZSCORE", "z", "a"]), bulk("10"));
    assert_eq!(c.cmd(&["ZADD", "z", "XX", "CH", "11", "a", "1", "d"]), int(1));
    assert_eq!(c.cmd(&["ZSCORE", "z", "d"]), Value::Nil);
    // GT: only raises; still adds new members.
    assert_eq!(c.cmd(&["ZADD", "z", "GT", "CH", "5", "a", "30", "b", "7", "e"]), int(2));
    assert_eq!(c.cmd(&["ZMSCORE", "z", "a", "b", "e"]), arr(vec![bulk("11"), bulk("30"), bulk("7")]));
    // LT: only lowers.
    assert_eq!(c.cmd(&["ZADD", "z", "LT", "CH", "50", "a", "3", "b"]), int(1));
    assert_eq!(c.cmd(&["ZMSCORE", "z", "a", "b"]), arr(vec![bulk("11"), bulk("3")]));
    // CH does not count an unchanged score.
    assert_eq!(c.cmd(&["ZADD", "z", "CH", "11", "a", "3", "b"]), int(0));
    assert_eq!(c.cmd(&["ZADD", "z", "GT", "XX", "CH", "12", "a", "99", "new"]), int(1));
    assert_eq!(c.cmd(&["ZSCORE", "z", "new"]), Value::Nil);
}

#[test]
fn zadd_incr_and_zincrby() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZADD", "z", "INCR", "5", "a"]), bulk("5"));
    assert_eq!(c.cmd(&["ZADD", "z", "INCR", "2.5", "a"]), bulk("7.5"));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "-10", "a"]), bulk("-2.5"));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "3", "b"]), bulk("3"));
    assert_eq!(c.cmd(&["ZADD", "z", "NX", "INCR", "1", "a"]), Value::Nil);
    assert_eq!(c.cmd(&["ZADD", "z", "XX", "INCR", "1", "nope"]), Value::Nil);
    assert_eq!(c.cmd(&["ZADD", "z", "GT", "INCR", "-1", "a"]), Value::Nil);
    assert_eq!(c.cmd(&["ZADD", "z", "LT", "INCR", "-1", "a"]), bulk("-3.5"));
    assert_eq!(c.cmd(&["ZSCORE", "z", "a"]), bulk("-3.5"));
    // inf + -inf is NaN: refused, and nothing changes.
    assert_eq!(c.cmd(&["ZADD", "z", "+inf", "i"]), int(1));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "-inf", "i"]), err("ERR resulting score is not a number (NaN)"));
    assert_eq!(c.cmd(&["ZADD", "z", "INCR", "-inf", "i"]), err("ERR resulting score is not a number (NaN)"));
    assert_eq!(c.cmd(&["ZSCORE", "z", "i"]), bulk("inf"));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "abc", "i"]), err(NOT_FLOAT));
}

#[test]
fn special_scores() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZADD", "z", "-inf", "lo", "inf", "hi", "1e300", "big", "-5", "neg", "-0", "mz", "0", "pz"]), int(6));
    assert_eq!(c.cmd(&["ZSCORE", "z", "lo"]), bulk("-inf"));
    assert_eq!(c.cmd(&["ZSCORE", "z", "hi"]), bulk("inf"));
    assert_eq!(c.cmd(&["ZSCORE", "z", "neg"]), bulk("-5"));
    if !s.is_reference() {
        assert_eq!(c.cmd(&["ZSCORE", "z", "big"]), bulk("1e+300"));
    }
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "0", "-1"])), ["lo", "neg", "mz", "pz", "big", "hi"], "-0 and 0 tie and sort by member");
    assert_eq!(c.cmd(&["ZSCORE", "z", "mz"]), bulk("0"), "-0 is stored as 0");
    assert_eq!(c.cmd(&["ZADD", "y", "-0", "b", "0", "a"]), int(2));
    assert_eq!(texts(c.cmd(&["ZRANGE", "y", "0", "-1", "WITHSCORES"])), ["a", "0", "b", "0"]);
    assert_eq!(c.cmd(&["ZCOUNT", "z", "0", "0"]), int(2));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "-0", "-0"]), int(2));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "(0", "+inf"]), int(2));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "-inf", "(0"]), int(2));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "-inf", "+inf"]), int(6));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "(-inf", "(inf"]), int(4));
    assert_eq!(c.cmd(&["ZRANK", "z", "hi"]), int(5));
    assert_eq!(c.cmd(&["ZREVRANK", "z", "hi"]), int(0));
}

#[test]
fn ties_order_by_member_bytes() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "b", "1", "a", "1", "B", "0", "z", "1", "aa"]), int(5));
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "0", "-1"])), ["z", "B", "a", "aa", "b"]);
    assert_eq!(texts(c.cmd(&["ZREVRANGE", "z", "0", "-1"])), ["b", "aa", "a", "B", "z"]);
    assert_eq!(c.cmd(&["ZRANK", "z", "aa"]), int(3));
    assert_eq!(c.cmd(&["ZREVRANK", "z", "aa"]), int(1));
    assert_eq!(c.cmd(&["ZRANK", "z", "nope"]), Value::Nil);
    assert_eq!(c.cmd(&["ZRANK", "missing", "a"]), Value::Nil);
}

// ---------------------------------------------------------------------------------
// Ranges

#[test]
fn zrange_by_rank() {
    let s = Server::start();
    let mut c = s.client();
    five(&mut c);
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "0", "-1"])), ["a", "b", "c", "d", "e"]);
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "1", "2"])), ["b", "c"]);
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "-2", "100"])), ["d", "e"]);
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "-100", "0"])), ["a"]);
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "3", "1"])), Vec::<String>::new());
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "5", "10"])), Vec::<String>::new());
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "0", "1", "REV"])), ["e", "d"]);
    assert_eq!(texts(c.cmd(&["ZREVRANGE", "z", "0", "1"])), ["e", "d"]);
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "0", "1", "WITHSCORES"])), ["a", "1", "b", "2"]);
    assert_eq!(texts(c.cmd(&["ZREVRANGE", "z", "0", "0", "WITHSCORES"])), ["e", "5"]);
    assert_eq!(texts(c.cmd(&["ZRANGE", "missing", "0", "-1"])), Vec::<String>::new());
    assert_eq!(c.cmd(&["ZRANGE", "z", "a", "1"]), err(NOT_INT));
    assert_eq!(
        c.cmd(&["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"]),
        err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
    );
    assert_eq!(c.cmd(&["ZRANGE", "z", "0", "1", "BOGUS"]), err(SYNTAX));
    assert_eq!(c.cmd(&["ZREVRANGE", "z", "0", "1", "REV"]), err(SYNTAX));
}

#[test]
fn zrange_by_score() {
    let s = Server::start();
    let mut c = s.client();
    five(&mut c);
    assert_eq!(texts(c.cmd(&["ZRANGEBYSCORE", "z", "2", "4"])), ["b", "c", "d"]);
    assert_eq!(texts(c.cmd(&["ZRANGEBYSCORE", "z", "(2", "(4"])), ["c"]);
    assert_eq!(texts(c.cmd(&["ZRANGEBYSCORE", "z", "-inf", "+inf"])), ["a", "b", "c", "d", "e"]);
    assert_eq!(texts(c.cmd(&["ZRANGEBYSCORE", "z", "4", "2"])), Vec::<String>::new());
    assert_eq!(texts(c.cmd(&["ZRANGEBYSCORE", "z", "(1", "inf", "LIMIT", "1", "2"])), ["c", "d"]);
    assert_eq!(texts(c.cmd(&["ZRANGEBYSCORE", "z", "-inf", "inf", "LIMIT", "3", "-1"])), ["d", "e"]);
    assert_eq!(texts(c.cmd(&["ZRANGEBYSCORE", "z", "-inf", "inf", "LIMIT", "-1", "2"])), Vec::<String>::new());
    assert_eq!(texts(c.cmd(&["ZRANGEBYSCORE", "z", "-inf", "inf", "LIMIT", "0", "0"])), Vec::<String>::new());
    assert_eq!(texts(c.cmd(&["ZRANGEBYSCORE", "z", "2", "3", "WITHSCORES"])), ["b", "2", "c", "3"]);
    assert_eq!(texts(c.cmd(&["ZREVRANGEBYSCORE", "z", "4", "2"])), ["d", "c", "b"]);
    assert_eq!(texts(c.cmd(&["ZREVRANGEBYSCORE", "z", "(4", "(2"])), ["c"]);
    assert_eq!(texts(c.cmd(&["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "2"])), ["d", "c"]);
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "2", "4", "BYSCORE"])), ["b", "c", "d"]);
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "(5", "2", "BYSCORE", "REV", "LIMIT", "0", "2", "WITHSCORES"])), ["d", "4", "c", "3"]);
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "x", "2"]), err(BOUND_FLOAT));
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "1", "nan"]), err(BOUND_FLOAT));
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "((1", "2"]), err(BOUND_FLOAT));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "(1", "x"]), err(BOUND_FLOAT));
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "1", "2", "BYSCORE"]), err(SYNTAX));
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "1"]), err(SYNTAX));
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "x", "1"]), err(NOT_INT));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "(1", "3"]), int(2));
    assert_eq!(c.cmd(&["ZCOUNT", "missing", "-inf", "inf"]), int(0));
}

#[test]
fn zrange_by_lex() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "ee"]), int(6));
    assert_eq!(texts(c.cmd(&["ZRANGEBYLEX", "z", "-", "+"])), ["a", "b", "c", "d", "e", "ee"]);
    assert_eq!(texts(c.cmd(&["ZRANGEBYLEX", "z", "[b", "(d"])), ["b", "c"]);
    assert_eq!(texts(c.cmd(&["ZRANGEBYLEX", "z", "(b", "[e"])), ["c", "d", "e"]);
    assert_eq!(texts(c.cmd(&["ZRANGEBYLEX", "z", "[e", "+"])), ["e", "ee"]);
    assert_eq!(texts(c.cmd(&["ZRANGEBYLEX", "z", "-", "+", "LIMIT", "2", "2"])), ["c", "d"]);
    assert_eq!(texts(c.cmd(&["ZRANGEBYLEX", "z", "+", "-"])), Vec::<String>::new());
    assert_eq!(texts(c.cmd(&["ZREVRANGEBYLEX", "z", "+", "-"])), ["ee", "e", "d", "c", "b", "a"]);
    assert_eq!(texts(c.cmd(&["ZREVRANGEBYLEX", "z", "(d", "[b"])), ["c", "b"]);
    assert_eq!(texts(c.cmd(&["ZREVRANGEBYLEX", "z", "[e", "-", "LIMIT", "1", "2"])), ["d", "c"]);
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "[e", "(a", "BYLEX", "REV"])), ["e", "d", "c", "b"]);
    assert_eq!(c.cmd(&["ZLEXCOUNT", "z", "-", "+"]), int(6));
    assert_eq!(c.cmd(&["ZLEXCOUNT", "z", "(a", "[c"]), int(2));
    assert_eq!(c.cmd(&["ZLEXCOUNT", "z", "a", "[c"]), err(BOUND_LEX));
    assert_eq!(c.cmd(&["ZRANGEBYLEX", "z", "[a", "c"]), err(BOUND_LEX));
    assert_eq!(
        c.cmd(&["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"]),
        err("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    );
    assert_eq!(
        c.cmd(&["ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"]),
        err("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    );
}

#[test]
fn withscores_in_resp3_are_pairs_of_doubles() {
    let s = Server::start();
    let mut c = s.client();
    assert!(matches!(c.cmd(&["HELLO", "3"]), Value::Map(_)));
    assert_eq!(c.cmd(&["ZADD", "z", "1.5", "a", "-inf", "b"]), int(2));
    assert_eq!(c.cmd(&["ZSCORE", "z", "a"]), dbl("1.5"));
    assert_eq!(c.cmd(&["ZSCORE", "z", "b"]), dbl("-inf"));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "1", "a"]), dbl("2.5"));
    assert_eq!(c.cmd(&["ZMSCORE", "z", "a", "x"]), arr(vec![dbl("2.5"), Value::Nil]));
    assert_eq!(
        c.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]),
        arr(vec![arr(vec![bulk("b"), dbl("-inf")]), arr(vec![bulk("a"), dbl("2.5")])])
    );
    // ZPOPMIN without a count replies one flat pair, with a count nested pairs.
    assert_eq!(c.cmd(&["ZPOPMIN", "z"]), arr(vec![bulk("b"), dbl("-inf")]));
    assert_eq!(c.cmd(&["ZPOPMAX", "z", "5"]), arr(vec![arr(vec![bulk("a"), dbl("2.5")])]));
    assert_eq!(c.cmd(&["ZPOPMAX", "z", "5"]), arr(vec![]));
}

// ---------------------------------------------------------------------------------
// Pops, removals, store

#[test]
fn zpopmin_zpopmax() {
    let s = Server::start();
    let mut c = s.client();
    five(&mut c);
    assert_eq!(texts(c.cmd(&["ZPOPMIN", "z"])), ["a", "1"]);
    assert_eq!(texts(c.cmd(&["ZPOPMAX", "z", "2"])), ["e", "5", "d", "4"]);
    assert_eq!(texts(c.cmd(&["ZPOPMIN", "z", "0"])), Vec::<String>::new());
    assert_eq!(c.cmd(&["ZPOPMIN", "z", "-1"]), err("ERR value is out of range, must be positive"));
    assert_eq!(c.cmd(&["ZPOPMIN", "z", "1", "2"]), err(SYNTAX));
    assert_eq!(texts(c.cmd(&["ZPOPMIN", "z", "10"])), ["b", "2", "c", "3"]);
    assert_eq!(c.cmd(&["EXISTS", "z"]), int(0));
    assert_eq!(texts(c.cmd(&["ZPOPMIN", "z"])), Vec::<String>::new());
}

#[test]
fn zmpop() {
    let s = Server::start();
    let mut c = s.client();
    five(&mut c);
    assert_eq!(c.cmd(&["ZMPOP", "2", "none", "z", "MIN"]), arr(vec![bulk("z"), arr(vec![arr(vec![bulk("a"), bulk("1")])])]));
    assert_eq!(
        c.cmd(&["ZMPOP", "1", "z", "MAX", "COUNT", "2"]),
        arr(vec![bulk("z"), arr(vec![arr(vec![bulk("e"), bulk("5")]), arr(vec![bulk("d"), bulk("4")])])])
    );
    assert_eq!(c.cmd(&["ZMPOP", "1", "none", "MIN"]), Value::Nil);
    assert_eq!(c.cmd(&["ZMPOP", "0", "z", "MIN"]), err("ERR numkeys should be greater than 0"));
    assert_eq!(c.cmd(&["ZMPOP", "1", "z", "MIN", "COUNT", "0"]), err("ERR count should be greater than 0"));
    assert_eq!(c.cmd(&["ZMPOP", "1", "z", "BOGUS"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SET", "s", "x"]), ok());
    assert_eq!(c.cmd(&["ZMPOP", "2", "s", "z", "MIN"]), err(WRONGTYPE));
}

#[test]
fn zremrange_by_rank_score_lex() {
    let s = Server::start();
    let mut c = s.client();
    five(&mut c);
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "z", "0", "1"]), int(2));
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "z", "-1", "-1"]), int(1));
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "0", "-1"])), ["c", "d"]);
    assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "z", "(3", "inf"]), int(1));
    assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "z", "x", "inf"]), err(BOUND_FLOAT));
    assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "z", "-inf", "inf"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "z"]), int(0));
    assert_eq!(c.cmd(&["ZADD", "l", "0", "a", "0", "b", "0", "c"]), int(3));
    assert_eq!(c.cmd(&["ZREMRANGEBYLEX", "l", "(a", "+"]), int(2));
    assert_eq!(c.cmd(&["ZREMRANGEBYLEX", "l", "a", "+"]), err(BOUND_LEX));
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "l", "x", "1"]), err(NOT_INT));
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "missing", "0", "-1"]), int(0));
}

#[test]
fn zrangestore() {
    let s = Server::start();
    let mut c = s.client();
    five(&mut c);
    assert_eq!(c.cmd(&["ZRANGESTORE", "dst", "z", "1", "2"]), int(2));
    assert_eq!(texts(c.cmd(&["ZRANGE", "dst", "0", "-1", "WITHSCORES"])), ["b", "2", "c", "3"]);
    assert_eq!(c.cmd(&["ZRANGESTORE", "dst", "z", "+inf", "(3", "BYSCORE", "REV", "LIMIT", "0", "1"]), int(1));
    assert_eq!(texts(c.cmd(&["ZRANGE", "dst", "0", "-1"])), ["e"]);
    assert_eq!(c.cmd(&["SET", "str", "x"]), ok());
    assert_eq!(c.cmd(&["ZRANGESTORE", "str", "z", "0", "0"]), int(1));
    assert_eq!(c.cmd(&["TYPE", "str"]), Value::Simple("zset".into()));
    // An empty result deletes the destination.
    assert_eq!(c.cmd(&["ZRANGESTORE", "dst", "z", "10", "20"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "dst"]), int(0));
    assert_eq!(c.cmd(&["ZRANGESTORE", "dst", "z", "0", "1", "WITHSCORES"]), err(SYNTAX));
    assert_eq!(c.cmd(&["ZRANGESTORE", "dst", "str2", "0", "1"]), int(0));
    // The source may be the destination.
    assert_eq!(c.cmd(&["ZRANGESTORE", "z", "z", "0", "1"]), int(2));
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"])), ["a", "1", "b", "2"]);
}

#[test]
fn zrandmember() {
    let s = Server::start();
    let mut c = s.client();
    five(&mut c);
    let one = c.cmd(&["ZRANDMEMBER", "z"]).text();
    assert!(["a", "b", "c", "d", "e"].contains(&one.as_str()));
    let mut all = texts(c.cmd(&["ZRANDMEMBER", "z", "10"]));
    all.sort();
    assert_eq!(all, ["a", "b", "c", "d", "e"]);
    assert_eq!(texts(c.cmd(&["ZRANDMEMBER", "z", "3"])).len(), 3);
    assert_eq!(texts(c.cmd(&["ZRANDMEMBER", "z", "-20"])).len(), 20);
    let pairs = texts(c.cmd(&["ZRANDMEMBER", "z", "2", "WITHSCORES"]));
    assert_eq!(pairs.len(), 4);
    assert_eq!(c.cmd(&["ZSCORE", "z", &pairs[0]]).text(), pairs[1]);
    assert_eq!(c.cmd(&["ZRANDMEMBER", "missing"]), Value::Nil);
    assert_eq!(texts(c.cmd(&["ZRANDMEMBER", "missing", "5"])), Vec::<String>::new());
    assert_eq!(c.cmd(&["ZRANDMEMBER", "z", "x"]), err(NOT_INT));
    assert_eq!(c.cmd(&["ZRANDMEMBER", "z", "1", "BOGUS"]), err(SYNTAX));
}

#[test]
fn zscan_visits_every_member() {
    let s = Server::start();
    let mut c = s.client();
    let mut args: Vec<String> = vec!["ZADD".into(), "z".into()];
    for i in 0..100 {
        args.push(i.to_string());
        args.push(format!("m{i}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(c.cmd(&refs), int(100));
    let mut cursor = "0".to_string();
    let mut seen = Vec::new();
    for _ in 0..1000 {
        let reply = c.cmd(&["ZSCAN", "z", &cursor, "COUNT", "7"]).array();
        let items = reply[1].texts();
        for pair in items.chunks(2) {
            assert_eq!(format!("m{}", pair[1]), pair[0]);
            seen.push(pair[0].clone());
        }
        cursor = reply[0].text();
        if cursor == "0" {
            break;
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 100);
    let reply = c.cmd(&["ZSCAN", "z", "0", "MATCH", "m9*", "COUNT", "1000"]).array();
    assert_eq!(reply[1].texts().len(), 22);
    assert_eq!(c.cmd(&["ZSCAN", "missing", "0"]), arr(vec![bulk("0"), arr(vec![])]));
    assert_eq!(c.cmd(&["ZSCAN", "z", "x"]), err("ERR invalid cursor"));
}

// ---------------------------------------------------------------------------------
// Types and lifetimes

#[test]
fn wrong_type() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "s", "x"]), ok());
    for cmd in [
        &["ZADD", "s", "1", "a"][..],
        &["ZINCRBY", "s", "1", "a"],
        &["ZREM", "s", "a"],
        &["ZSCORE", "s", "a"],
        &["ZMSCORE", "s", "a"],
        &["ZCARD", "s"],
        &["ZCOUNT", "s", "0", "1"],
        &["ZLEXCOUNT", "s", "-", "+"],
        &["ZRANK", "s", "a"],
        &["ZRANGE", "s", "0", "1"],
        &["ZRANGEBYSCORE", "s", "0", "1"],
        &["ZRANGEBYLEX", "s", "-", "+"],
        &["ZPOPMIN", "s"],
        &["ZREMRANGEBYRANK", "s", "0", "1"],
        &["ZRANDMEMBER", "s"],
        &["ZSCAN", "s", "0"],
        &["ZRANGESTORE", "d", "s", "0", "1"],
    ] {
        assert_eq!(c.cmd(cmd), err(WRONGTYPE), "{cmd:?}");
    }
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a"]), int(1));
    assert_eq!(c.cmd(&["GET", "z"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["SADD", "z", "a"]), err(WRONGTYPE));
}

#[test]
fn del_and_recreate_and_expire() {
    let s = Server::start();
    let mut c = s.client();
    five(&mut c);
    assert_eq!(c.cmd(&["DEL", "z"]), int(1));
    assert_eq!(c.cmd(&["ZADD", "z", "9", "x"]), int(1));
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"])), ["x", "9"]);
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "-inf", "inf"]).texts(), ["x"]);
    assert_eq!(c.cmd(&["PEXPIRE", "z", "1"]), int(1));
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(c.cmd(&["ZCARD", "z"]), int(0));
    assert_eq!(c.cmd(&["ZADD", "z", "XX", "1", "x"]), int(0));
    assert_eq!(c.cmd(&["ZADD", "z", "1", "y"]), int(1));
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "0", "-1"])), ["y"]);
}

#[test]
fn rank_withscore() {
    let s = Server::start();
    if s.is_reference() {
        return; // WITHSCORE is Redis 7.2; the reference is 7.0.
    }
    let mut c = s.client();
    five(&mut c);
    assert_eq!(c.cmd(&["ZRANK", "z", "c", "WITHSCORE"]), arr(vec![int(2), bulk("3")]));
    assert_eq!(c.cmd(&["ZREVRANK", "z", "c", "WITHSCORE"]), arr(vec![int(2), bulk("3")]));
    assert_eq!(c.cmd(&["ZRANK", "z", "x", "WITHSCORE"]), Value::Nil);
    assert_eq!(c.cmd(&["ZRANK", "z", "c", "BOGUS"]), err(SYNTAX));
}

#[test]
fn scores_format_shortest() {
    let s = Server::start();
    if s.is_reference() {
        return; // Redis 7.0 prints %.17g.
    }
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZADD", "z", "0.1", "a", "1e-5", "b", "123456789012345678", "c", "-0", "d"]), int(4));
    assert_eq!(c.cmd(&["ZSCORE", "z", "a"]), bulk("0.1"));
    assert_eq!(c.cmd(&["ZSCORE", "z", "b"]), bulk("1e-05"));
    assert_eq!(c.cmd(&["ZSCORE", "z", "c"]), bulk("1.2345678901234568e+17"));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "0.2", "a"]), bulk("0.30000000000000004"));
}

// ---------------------------------------------------------------------------------
// Algebra

#[test]
fn zunion_zinter_zdiff() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZADD", "x", "1", "a", "2", "b", "3", "c"]), int(3));
    assert_eq!(c.cmd(&["ZADD", "y", "10", "b", "20", "c", "30", "d"]), int(3));
    assert_eq!(c.cmd(&["SADD", "s", "a", "d"]), int(2));
    assert_eq!(texts(c.cmd(&["ZUNION", "2", "x", "y", "WITHSCORES"])), ["a", "1", "b", "12", "c", "23", "d", "30"]);
    assert_eq!(
        texts(c.cmd(&["ZUNION", "2", "x", "y", "WEIGHTS", "2", "1", "AGGREGATE", "MIN", "WITHSCORES"])),
        ["a", "2", "b", "4", "c", "6", "d", "30"]
    );
    assert_eq!(texts(c.cmd(&["ZUNION", "3", "x", "y", "missing"])), ["a", "b", "c", "d"]);
    assert_eq!(texts(c.cmd(&["ZINTER", "2", "x", "y", "AGGREGATE", "MAX", "WITHSCORES"])), ["b", "10", "c", "20"]);
    assert_eq!(texts(c.cmd(&["ZINTER", "2", "x", "missing"])), Vec::<String>::new());
    // A plain set counts each member with score 1.
    assert_eq!(texts(c.cmd(&["ZINTER", "2", "s", "y", "WITHSCORES"])), ["d", "31"]);
    assert_eq!(texts(c.cmd(&["ZDIFF", "2", "x", "y", "WITHSCORES"])), ["a", "1"]);
    assert_eq!(texts(c.cmd(&["ZDIFF", "1", "y"])), ["b", "c", "d"]);
    assert_eq!(c.cmd(&["ZINTERCARD", "2", "x", "y"]), int(2));
    assert_eq!(c.cmd(&["ZINTERCARD", "2", "x", "y", "LIMIT", "1"]), int(1));
    assert_eq!(c.cmd(&["ZINTERCARD", "0", "x"]), err("ERR at least 1 input key is needed for 'zintercard' command"));
    assert_eq!(c.cmd(&["ZINTERCARD", "2", "x"]), err(SYNTAX));
    assert_eq!(c.cmd(&["ZINTERCARD", "1", "x", "LIMIT", "-1"]), err("ERR LIMIT can't be negative"));
    assert_eq!(c.cmd(&["ZUNIONSTORE", "dst", "2", "x", "y", "WEIGHTS", "1", "-1"]), int(4));
    assert_eq!(texts(c.cmd(&["ZRANGE", "dst", "0", "-1", "WITHSCORES"])), ["d", "-30", "c", "-17", "b", "-8", "a", "1"]);
    assert_eq!(c.cmd(&["ZINTERSTORE", "dst", "2", "x", "y"]), int(2));
    assert_eq!(c.cmd(&["ZUNIONSTORE", "y", "2", "y", "s"]), int(4));
    assert_eq!(texts(c.cmd(&["ZRANGE", "y", "0", "-1", "WITHSCORES"])), ["a", "1", "b", "10", "c", "20", "d", "31"]);
    assert_eq!(c.cmd(&["ZDIFFSTORE", "dst", "2", "x", "x"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "dst"]), int(0));
    assert_eq!(c.cmd(&["ZUNION", "0", "x"]), err("ERR at least 1 input key is needed for 'zunion' command"));
    assert_eq!(c.cmd(&["ZUNIONSTORE", "d", "0", "x"]), err("ERR at least 1 input key is needed for 'zunionstore' command"));
    assert_eq!(c.cmd(&["ZUNION", "3", "x", "y"]), err(SYNTAX));
    assert_eq!(c.cmd(&["ZUNION", "x", "y"]), err(NOT_INT));
    assert_eq!(c.cmd(&["ZUNION", "2", "x", "y", "WEIGHTS", "1", "z"]), err("ERR weight value is not a float"));
    assert_eq!(c.cmd(&["ZUNION", "2", "x", "y", "WEIGHTS", "1"]), err(SYNTAX));
    assert_eq!(c.cmd(&["ZUNION", "2", "x", "y", "AGGREGATE", "AVG"]), err(SYNTAX));
    assert_eq!(c.cmd(&["ZDIFF", "2", "x", "y", "WEIGHTS", "1", "1"]), err(SYNTAX));
    assert_eq!(c.cmd(&["ZUNIONSTORE", "d", "1", "x", "WITHSCORES"]), err(SYNTAX));
    assert_eq!(c.cmd(&["SET", "str", "v"]), ok());
    assert_eq!(c.cmd(&["ZUNION", "2", "x", "str", "BOGUS"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["ZINTERCARD", "2", "x", "str"]), err(WRONGTYPE));
    // inf + -inf sums to 0.
    assert_eq!(c.cmd(&["ZADD", "p", "inf", "m"]), int(1));
    assert_eq!(c.cmd(&["ZADD", "n", "-inf", "m"]), int(1));
    assert_eq!(texts(c.cmd(&["ZUNION", "2", "p", "n", "WITHSCORES"])), ["m", "0"]);
}

// ---------------------------------------------------------------------------------
// Blocking pops: BZPOPMIN, BZPOPMAX, BZMPOP

#[test]
fn blocking_zpops_serve_at_once_or_time_out() {
    let s = Server::start();
    let mut c = s.client();
    five(&mut c);
    let k = |c: &mut Client, args: &[&str]| texts(c.cmd(args));
    assert_eq!(k(&mut c, &["BZPOPMIN", "none", "z", "0"]), ["z", "a", "1"]);
    assert_eq!(k(&mut c, &["BZPOPMAX", "z", "0"]), ["z", "e", "5"]);
    assert_eq!(
        c.cmd(&["BZMPOP", "0", "2", "none", "z", "MIN", "COUNT", "2"]),
        arr(vec![bulk("z"), arr(vec![arr(vec![bulk("b"), bulk("2")]), arr(vec![bulk("c"), bulk("3")])])])
    );
    assert_eq!(c.cmd(&["BZPOPMIN", "none", "0.01"]), Value::Nil);
    assert_eq!(c.cmd(&["BZMPOP", "0.01", "1", "none", "MAX"]), Value::Nil);
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["BZPOPMIN", "z", "0"]), arr(vec![bulk("z"), bulk("d"), dbl("4")]));
    c.send_raw(&Client::encode(&[b"BZPOPMAX", b"none", b"0.01"]));
    assert_eq!(c.line_raw(), "_");
}

#[test]
fn blocking_zpop_errors() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["BZPOPMIN", "z", "soon"]), err("ERR timeout is not a float or out of range"));
    assert_eq!(c.cmd(&["BZPOPMAX", "z", "-0.5"]), err("ERR timeout is negative"));
    assert_eq!(c.cmd(&["BZMPOP", "0", "1", "z", "BOTH"]), err(SYNTAX));
    assert_eq!(c.cmd(&["BZMPOP", "0", "1", "z", "MIN", "COUNT", "-1"]), err("ERR count should be greater than 0"));
    c.cmd(&["SET", "s", "v"]);
    assert_eq!(c.cmd(&["BZPOPMIN", "s", "0"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "BZMPOP", "0", "2", "a", "b", "MIN"]), arr(vec![bulk("a"), bulk("b")]));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b"]), arr(vec![bulk("d"), bulk("a"), bulk("b")]));
}

#[test]
fn zadd_from_another_client_wakes_waiters_in_order() {
    let s = Server::start();
    let mut first = s.client();
    first.send_raw(&Client::encode(&[b"BZPOPMIN", b"z", b"0"]));
    s.wait_blocked(1);
    let mut second = s.client();
    second.send_raw(&Client::encode(&[b"BZMPOP", b"0", b"1", b"z", b"MAX"]));
    s.wait_blocked(2);
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "low", "9", "high", "5", "mid"]), int(3));
    assert_eq!(texts(first.read()), ["z", "low", "1"]);
    assert_eq!(second.read(), arr(vec![bulk("z"), arr(vec![arr(vec![bulk("high"), bulk("9")])])]));
    s.wait_blocked(0);
    assert_eq!(texts(c.cmd(&["ZRANGE", "z", "0", "-1"])), ["mid"]);
}

// ---------------------------------------------------------------------------------
// Ranks on a sorted set large enough for many rank buckets (1024 members and up)

/// Sends `cmds` in one pipeline and reads their replies.
fn pipeline(c: &mut Client, cmds: &[Vec<String>]) -> Vec<Value> {
    let mut out = Vec::new();
    for cmd in cmds {
        let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
        out.extend_from_slice(&Client::encode(&args));
    }
    c.send_raw(&out);
    cmds.iter().map(|_| c.read()).collect()
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// The model of a sorted set: member -> integer score.
type Model = std::collections::BTreeMap<String, i64>;

fn by_rank(model: &Model) -> Vec<(&String, i64)> {
    let mut v: Vec<(&String, i64)> = model.iter().map(|(m, s)| (m, *s)).collect();
    v.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)));
    v
}

/// ZCARD, ZRANK and ZREVRANK of a sample of members (and of a missing one), and rank
/// ranges from both ends, at near and far ranks, all agree with the model.
fn check_ranks(c: &mut Client, key: &str, model: &Model) {
    let sorted = by_rank(model);
    let n = sorted.len();
    let mut cmds = vec![strings(&["ZCARD", key]), strings(&["ZRANK", key, "nope"])];
    let mut want = vec![int(n as i64), Value::Nil];
    for (rank, (m, _)) in sorted.iter().enumerate().step_by(n / 150 + 1).chain(sorted.iter().enumerate().rev().take(2)) {
        cmds.push(strings(&["ZRANK", key, m]));
        want.push(int(rank as i64));
        cmds.push(strings(&["ZREVRANK", key, m]));
        want.push(int((n - 1 - rank) as i64));
    }
    for start in [0, 1, n / 3, n / 2, n * 9 / 10, n - 3, n - 1, n + 5] {
        let (a, b) = (start.to_string(), (start + 4).to_string());
        cmds.push(strings(&["ZRANGE", key, &a, &b, "WITHSCORES"]));
        let mut fwd = Vec::new();
        for (m, s) in sorted.iter().skip(start).take(5) {
            fwd.push(bulk(m));
            fwd.push(bulk(&s.to_string()));
        }
        want.push(arr(fwd));
        cmds.push(strings(&["ZREVRANGE", key, &a, &b]));
        want.push(arr(sorted.iter().rev().skip(start).take(5).map(|(m, _)| bulk(m)).collect()));
    }
    cmds.push(strings(&["ZRANGE", key, "-3", "-1"]));
    want.push(arr(sorted.iter().skip(n.saturating_sub(3)).map(|(m, _)| bulk(m)).collect()));
    let got = pipeline(c, &cmds);
    for ((cmd, g), w) in cmds.iter().zip(got).zip(want) {
        assert_eq!(g, w, "{cmd:?}");
    }
}

/// Adds `members` (with their scores) to both the server and the model, 500 per ZADD.
fn add(c: &mut Client, key: &str, model: &mut Model, members: &[(String, i64)]) {
    for chunk in members.chunks(500) {
        let mut cmd = strings(&["ZADD", key]);
        for (m, s) in chunk {
            cmd.push(s.to_string());
            cmd.push(m.clone());
            model.insert(m.clone(), *s);
        }
        pipeline(c, &[cmd]);
    }
}

/// Removes the members of a ZPOP*/ZRANGE reply (member, score, ...) from the model.
fn forget(model: &mut Model, reply: Value) {
    for m in reply.texts().iter().step_by(2) {
        assert!(model.remove(m).is_some(), "{m} was not a member");
    }
}

#[test]
fn ranks_stay_right_on_a_large_sorted_set() {
    let mut s = Server::start();
    let mut c = s.client();
    let mut model = Model::new();
    // 20,000 members whose scores repeat, so ties sort by member bytes.
    let members: Vec<(String, i64)> = (0..20_000).map(|i| (format!("m:{i:06}"), (i * 7919) % 1000)).collect();
    add(&mut c, "big", &mut model, &members);
    check_ranks(&mut c, "big", &model);

    // Score changes, up and down, and increments.
    let moved: Vec<(String, i64)> = (0..20_000).step_by(37).map(|i| (format!("m:{i:06}"), 2000 - (i % 3000))).collect();
    add(&mut c, "big", &mut model, &moved);
    for i in (5..20_000).step_by(501) {
        let m = format!("m:{i:06}");
        let now = model[&m] - 700;
        assert_eq!(c.cmd(&["ZINCRBY", "big", "-700", &m]), bulk(&now.to_string()));
        model.insert(m, now);
    }
    check_ranks(&mut c, "big", &model);

    // Removals: a run of members (whole buckets), pops at both ends, rank and score ranges.
    let gone: Vec<String> = (3000..6000).map(|i| format!("m:{i:06}")).collect();
    let mut zrem = strings(&["ZREM", "big"]);
    zrem.extend(gone.iter().cloned());
    assert_eq!(pipeline(&mut c, &[zrem]), vec![int(3000)]);
    for m in &gone {
        model.remove(m);
    }
    forget(&mut model, c.cmd(&["ZPOPMIN", "big", "100"]));
    forget(&mut model, c.cmd(&["ZPOPMAX", "big", "100"]));
    let far = c.cmd(&["ZRANGE", "big", "9000", "10999", "WITHSCORES"]);
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "big", "9000", "10999"]), int(2000));
    forget(&mut model, far);
    let low = c.cmd(&["ZRANGEBYSCORE", "big", "100", "(150", "WITHSCORES"]);
    let n_low = low.texts().len() as i64 / 2;
    assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "big", "100", "(150"]), int(n_low));
    forget(&mut model, low);
    check_ranks(&mut c, "big", &model);

    // New members below and above everything.
    add(&mut c, "big", &mut model, &[("first".into(), -5), ("last".into(), 99_999)]);
    check_ranks(&mut c, "big", &model);

    // The buckets follow the set when it is renamed or copied, and survive a restart.
    assert_eq!(c.cmd(&["RENAME", "big", "moved"]), ok());
    check_ranks(&mut c, "moved", &model);
    assert_eq!(c.cmd(&["COPY", "moved", "copy"]), int(1));
    forget(&mut model.clone(), c.cmd(&["ZPOPMIN", "moved", "1"]));
    check_ranks(&mut c, "copy", &model);
    if !s.is_reference() {
        s.restart();
        c = s.client();
    }
    check_ranks(&mut c, "copy", &model);

    // A stored range large enough for buckets of its own.
    let n = model.len();
    let start = (n / 4).to_string();
    let stop = (n / 4 + 2999).to_string();
    assert_eq!(c.cmd(&["ZRANGESTORE", "part", "copy", &start, &stop]), int(3000));
    let part: Model = by_rank(&model).into_iter().skip(n / 4).take(3000).map(|(m, s)| (m.clone(), s)).collect();
    check_ranks(&mut c, "part", &part);

    // Emptied by rank ranges, the set goes.
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "part", "0", "-1"]), int(3000));
    assert_eq!(c.cmd(&["EXISTS", "part"]), int(0));
}

#[test]
fn pops_from_either_end_see_members_added_beyond_where_the_last_pop_stopped() {
    let s = Server::start();
    let mut c = s.client();
    five(&mut c);
    assert_eq!(texts(c.cmd(&["ZPOPMIN", "z"])), ["a", "1"]);
    assert_eq!(texts(c.cmd(&["ZPOPMIN", "z"])), ["b", "2"]);
    // Below the last popped score: the next pop must find it.
    assert_eq!(c.cmd(&["ZADD", "z", "0", "low"]), int(1));
    assert_eq!(texts(c.cmd(&["ZPOPMIN", "z"])), ["low", "0"]);
    assert_eq!(texts(c.cmd(&["ZPOPMAX", "z"])), ["e", "5"]);
    // A score update past the top, and ZINCRBY past the bottom.
    assert_eq!(c.cmd(&["ZADD", "z", "9", "c"]), int(0));
    assert_eq!(texts(c.cmd(&["ZPOPMAX", "z"])), ["c", "9"]);
    assert_eq!(c.cmd(&["ZADD", "z", "7", "m"]), int(1));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "-10", "m"]), bulk("-3"));
    assert_eq!(texts(c.cmd(&["ZPOPMIN", "z", "5"])), ["m", "-3", "d", "4"]);
    assert_eq!(c.cmd(&["EXISTS", "z"]), int(0));
    // Drained as a queue, with pushes in between: every member comes out once, in order.
    for i in 0..200 {
        c.cmd(&["ZADD", "q", &i.to_string(), &format!("m{i:03}")]);
    }
    for i in 0..200 {
        assert_eq!(texts(c.cmd(&["ZPOPMIN", "q"])), [format!("m{i:03}"), i.to_string()]);
        c.cmd(&["ZADD", "q", &(1000 + i).to_string(), &format!("n{i:03}")]);
    }
    assert_eq!(c.cmd(&["ZCARD", "q"]), int(200));
    assert_eq!(texts(c.cmd(&["ZPOPMIN", "q"])), ["n000", "1000"]);
}

#[test]
fn pipelined_writes_to_one_large_set_keep_ranks_exact() {
    // Above 1,024 members a sorted set has rank buckets; a pipeline of writes to it must
    // keep them exact from one command to the next.
    let s = Server::start();
    let mut c = s.client();
    let mut batch = Vec::new();
    for i in 0..1100 {
        batch.extend(Client::encode(&[b"ZADD", b"z", i.to_string().as_bytes(), format!("m{i:04}").as_bytes()]));
    }
    c.send_raw(&batch);
    for _ in 0..1100 {
        assert_eq!(c.read(), int(1));
    }
    let mut batch = Vec::new();
    for j in 0..50 {
        batch.extend(Client::encode(&[b"ZADD", b"z", b"-1", format!("n{j:02}").as_bytes()]));
        batch.extend(Client::encode(&[b"ZRANK", b"z", b"m0500"]));
        batch.extend(Client::encode(&[b"ZPOPMAX", b"z"]));
        batch.extend(Client::encode(&[b"ZREVRANK", b"z", format!("n{j:02}").as_bytes()]));
    }
    c.send_raw(&batch);
    for j in 0..50 {
        assert_eq!(c.read(), int(1));
        assert_eq!(c.read(), int(500 + j + 1), "rank of m0500 after {j}");
        let top = 1099 - j;
        assert_eq!(c.read(), arr(vec![bulk(&format!("m{top:04}")), bulk(&top.to_string())]));
        // n00..nj all score -1, so nj is the highest of them: 1100 members above it less it.
        assert_eq!(c.read(), int(1100 - 1 - j), "reverse rank of n{j:02}");
    }
    assert_eq!(c.cmd(&["ZCARD", "z"]), int(1100));
    assert_eq!(c.cmd(&["ZRANK", "z", "m1000"]), int(1050));
}

#[test]
fn ranks_stay_exact_across_transactions_discards_flushes_and_restarts() {
    // A large set's rank buckets are also kept in memory (storage/rankdir.rs); every way
    // of writing them, or of not writing them, must leave ranks as the stored rows say.
    let mut s = Server::start();
    let mut c = s.client();
    let mut batch = Vec::new();
    for i in 0..1500 {
        batch.extend(Client::encode(&[b"ZADD", b"z", i.to_string().as_bytes(), format!("m{i:04}").as_bytes()]));
    }
    c.send_raw(&batch);
    for _ in 0..1500 {
        assert_eq!(c.read(), int(1));
    }
    assert_eq!(c.cmd(&["ZRANK", "z", "m1000"]), int(1000));

    // A transaction's writes are seen inside it and after EXEC.
    assert_eq!(c.cmd(&["MULTI"]), ok());
    for cmd in [&["ZADD", "z", "-1", "a"][..], &["ZRANK", "z", "m1000"], &["ZREM", "z", "m0000", "m0001"], &["ZRANK", "z", "m1000"]] {
        assert_eq!(c.cmd(cmd), Value::Simple("QUEUED".into()));
    }
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![int(1), int(1001), int(2), int(999)]));
    assert_eq!(c.cmd(&["ZRANK", "z", "m1000"]), int(999));

    // A discarded one changes nothing.
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["ZADD", "z", "-2", "b", "-3", "c"]), Value::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["DISCARD"]), ok());
    assert_eq!(c.cmd(&["ZRANK", "z", "m1000"]), int(999));

    // Another client's writes, then a restart (nothing cached) and more writes.
    let mut other = s.client();
    assert_eq!(other.cmd(&["ZREMRANGEBYSCORE", "z", "100", "199"]), int(100));
    assert_eq!(c.cmd(&["ZRANK", "z", "m1000"]), int(899));
    s.kill9();
    s.restart();
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZRANK", "z", "m1000"]), int(899));
    assert_eq!(c.cmd(&["ZPOPMIN", "z", "10"]).array().len(), 20);
    assert_eq!(c.cmd(&["ZRANK", "z", "m1000"]), int(889));

    // A flushed and rebuilt set starts from nothing.
    assert_eq!(c.cmd(&["FLUSHALL"]), ok());
    let mut batch = Vec::new();
    for i in 0..1200 {
        batch.extend(Client::encode(&[b"ZADD", b"z", (-i).to_string().as_bytes(), format!("m{i:04}").as_bytes()]));
    }
    c.send_raw(&batch);
    for _ in 0..1200 {
        assert_eq!(c.read(), int(1));
    }
    assert_eq!(c.cmd(&["ZRANK", "z", "m1000"]), int(199));
    assert_eq!(c.cmd(&["ZCARD", "z"]), int(1200));
}

/// Scores, weights and score ranges read as Redis reads them with `strtod`: hexadecimal
/// floats everywhere, and in ranges an empty bound is 0 and leading blanks are skipped.
/// Then the pop and random-member argument checks in Redis's order. (Differences from
/// redis-server that `scripts/difffuzz.py` found.)
#[test]
fn scores_and_ranges_read_like_strtod_and_arguments_check_in_redis_order() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZADD", "z", "0", "a"]), int(1));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "", "1"]), int(1));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "(", "1"]), int(0));
    assert_eq!(c.cmd(&["ZCOUNT", "z", " 0", "\t1"]), int(1));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "-infinity", "+inf"]), int(1));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "0 ", "1"]), err(BOUND_FLOAT));
    assert_eq!(c.cmd(&["ZCOUNT", "z", " ", "1"]), err(BOUND_FLOAT));
    assert_eq!(c.cmd(&["ZADD", "z", "0x10", "b"]), int(1));
    assert_eq!(c.cmd(&["ZSCORE", "z", "b"]), bulk("16"));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "0x1p1", "b"]), bulk("18"));
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "(0x1", "inf"]), arr(vec![bulk("b")]));
    assert_eq!(c.cmd(&["ZUNIONSTORE", "u", "1", "z", "WEIGHTS", "0x2"]), int(2));
    assert_eq!(c.cmd(&["ZSCORE", "u", "b"]), bulk("36"));
    assert_eq!(c.cmd(&["ZADD", "z", " 1", "c"]), err(NOT_FLOAT), "a score may not start with a blank");
    assert_eq!(c.cmd(&["ZADD", "z", "0x", "c"]), err(NOT_FLOAT));
    assert_eq!(c.cmd(&["ZPOPMIN", "z", "-5", "x"]), err(SYNTAX));
    assert_eq!(c.cmd(&["ZPOPMAX", "z", "-5", "x"]), err(SYNTAX));
    assert_eq!(
        c.cmd(&["ZRANDMEMBER", "z", "-9223372036854775808", "WITHSCORES", "x"]),
        err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
    assert_eq!(c.cmd(&["ZRANDMEMBER", "z", "1", "WITHSCORES", "x"]), err(SYNTAX));
    assert_eq!(c.cmd(&["ZCARD", "z"]), int(2));
}

/// A sliding window (ZADD at the back, ZREMRANGEBYSCORE -inf t or ZREMRANGEBYRANK 0 n at
/// the front) starts each removal where the last one stopped; a member added or moved in
/// front of that point, alone or in the same pipeline, is still found.
#[test]
fn removals_from_the_front_still_find_members_added_in_front_of_them() {
    let s = Server::start();
    let mut c = s.client();
    for i in 1..=50 {
        assert_eq!(c.cmd(&["ZADD", "w", &i.to_string(), &format!("m{i}")]), int(1));
        if i > 10 {
            assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "w", "-inf", &format!("({}", i - 9)]), int(1));
        }
    }
    assert_eq!(c.cmd(&["ZCARD", "w"]), int(10));
    // In front of the removed ones, then moved in front: both must go next.
    assert_eq!(c.cmd(&["ZADD", "w", "-5", "early"]), int(1));
    assert_eq!(c.cmd(&["ZINCRBY", "w", "-100", "m45"]), bulk("-55"));
    assert_eq!(c.cmd(&["ZRANGE", "w", "0", "1"]), arr(vec![bulk("m45"), bulk("early")]));
    assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "w", "-inf", "40"]), int(2));
    assert_eq!(c.cmd(&["ZRANGE", "w", "0", "0"]), arr(vec![bulk("m41")]));
    // Exclusive -inf keeps members scored -inf in front.
    assert_eq!(c.cmd(&["ZADD", "w", "-inf", "floor"]), int(1));
    assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "w", "(-inf", "41"]), int(1));
    assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "w", "-inf", "-inf"]), int(1));
    // By rank, and within one pipeline: remove the front, add in front, remove again.
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "w", "0", "1"]), int(2));
    let pipeline = [
        &["ZREMRANGEBYRANK", "w", "0", "0"][..],
        &["ZADD", "w", "0", "zero"],
        &["ZREMRANGEBYRANK", "w", "0", "0"],
        &["ZRANGE", "w", "0", "-1"],
    ];
    for cmd in pipeline {
        let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
        c.send_raw(&Client::encode(&args));
    }
    assert_eq!(c.read(), int(1));
    assert_eq!(c.read(), int(1));
    assert_eq!(c.read(), int(1), "the member added in front is removed");
    let rest = |from: &[&str]| arr(from.iter().map(|m| bulk(m)).collect());
    assert_eq!(c.read(), rest(&["m46", "m47", "m48", "m49", "m50"]));
    assert_eq!(c.cmd(&["ZADD", "w", "1", "one"]), int(1));
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "w", "-inf", "+inf"]), rest(&["one", "m46", "m47", "m48", "m49", "m50"]));
}

/// ZINTER and ZUNION aggregate the sources from the smallest up, as Redis does: that order
/// fixes how sums round; in an intersection only the first product turns a NaN (inf * 0)
/// into 0.
#[test]
fn intersections_and_unions_aggregate_from_the_smallest_source_as_redis_does() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZADD", "big", "1e16", "m", "0", "a", "0", "b"]), int(3));
    assert_eq!(c.cmd(&["ZADD", "one", "1", "m"]), int(1));
    assert_eq!(c.cmd(&["ZADD", "two", "1", "m", "0", "a"]), int(2));
    assert_eq!(c.cmd(&["ZINTERSTORE", "out", "3", "big", "one", "two"]), int(1));
    assert_eq!(c.cmd(&["ZSCORE", "out", "m"]), bulk("10000000000000002"), "(1 + 1) + 1e16, not (1e16 + 1) + 1");
    assert_eq!(c.cmd(&["ZADD", "k", "0", "zero", "1", "one", "-inf", "ninf"]), int(3));
    assert_eq!(c.cmd(&["ZINTER", "2", "k", "k", "WEIGHTS", "-inf", "0", "WITHSCORES"]).texts(), ["one", "-inf", "ninf", "0", "zero", "0"]);
    assert_eq!(
        c.cmd(&["ZINTER", "2", "k", "k", "WEIGHTS", "-inf", "0", "AGGREGATE", "MAX", "WITHSCORES"]).texts(),
        ["one", "0", "zero", "0", "ninf", "inf"]
    );
    assert_eq!(
        c.cmd(&["ZUNION", "2", "k", "k", "WEIGHTS", "-inf", "0", "WITHSCORES"]).texts(),
        ["one", "-inf", "zero", "0", "ninf", "inf"]
    );
    // Unions too: the two-member source is summed before the ten-member set.
    assert_eq!(c.cmd(&["ZADD", "pair", "9007199254741002", "m", "1", "a"]), int(2));
    assert_eq!(c.cmd(&["SADD", "ten", "m", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9"]), int(10));
    for order in [["ten", "pair", "pair"], ["pair", "ten", "pair"]] {
        let mut args = vec!["ZUNIONSTORE", "u", "3"];
        args.extend(order);
        assert_eq!(c.cmd(&args), int(11));
        assert_eq!(c.cmd(&["ZSCORE", "u", "m"]), bulk("18014398509482004"), "{order:?}: (x + x) + 1");
    }
}

/// A leaderboard: every new score deletes the member's old index row, and past a
/// threshold the set is copied under a new version. Scores, ranks and ranges stay exact
/// for a small set and for one with rank buckets, through one pipeline and a restart.
#[test]
fn a_leaderboard_keeps_its_order_through_many_new_scores() {
    let mut s = Server::start();
    let mut c = s.client();
    let mut want: Vec<(String, i64)> = Vec::new();
    for (key, players) in [("small", 100usize), ("big", 1200)] {
        let mut scores = vec![0i64; players];
        let mut batch = Vec::new();
        for i in 0..6000 {
            let p = (i * 7919) % players;
            scores[p] += (i % 13) as i64;
            let (by, m) = (format!("{}", i % 13), format!("p{p}"));
            batch.extend(Client::encode(&[b"ZINCRBY", key.as_bytes(), by.as_bytes(), m.as_bytes()]));
        }
        c.send_raw(&batch);
        for _ in 0..6000 {
            c.read();
        }
        let mut model: Vec<(String, i64)> = (0..players).map(|p| (format!("p{p}"), scores[p])).filter(|(_, s)| *s > 0).collect();
        model.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let flat: Vec<String> = model.iter().flat_map(|(m, s)| [m.clone(), s.to_string()]).collect();
        assert_eq!(texts(c.cmd(&["ZRANGE", key, "0", "-1", "WITHSCORES"])), flat, "{key}");
        for rank in [0, model.len() / 2, model.len() - 1] {
            assert_eq!(c.cmd(&["ZRANK", key, &model[rank].0]), int(rank as i64), "{key} rank {rank}");
        }
        assert_eq!(c.cmd(&["ZCARD", key]), int(model.len() as i64));
        if key == "big" {
            want = model;
        }
    }
    if s.is_reference() {
        return;
    }
    drop(c);
    s.restart();
    let mut c = s.client();
    let top = &want[want.len() - 1];
    assert_eq!(texts(c.cmd(&["ZREVRANGE", "big", "0", "0", "WITHSCORES"])), [top.0.clone(), top.1.to_string()]);
    assert_eq!(c.cmd(&["ZRANK", "big", &want[100].0]), int(100));
    assert_eq!(c.cmd(&["ZCARD", "big"]), int(want.len() as i64));
}

/// A leaderboard too large to be rewritten (5,000 players) whose 100 active players keep
/// scoring: every new score deletes a row next to the top, the reads there step over them,
/// and the stretch they cross is compacted in the background while clients read and write.
#[test]
fn a_large_leaderboard_stays_exact_while_its_deleted_rows_are_compacted_away() {
    let s = Server::start();
    let mut c = s.client();
    let players = 5000;
    let mut scores = vec![0i64; players];
    for start in (0..players).step_by(1000) {
        let mut args = vec!["ZADD".to_string(), "lb".to_string()];
        for p in start..start + 1000 {
            args.extend(["0".to_string(), format!("p{p}")]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(c.cmd(&args), int(1000));
    }
    let model = |scores: &[i64]| {
        let mut m: Vec<(String, i64)> = scores.iter().enumerate().map(|(p, s)| (format!("p{p}"), *s)).collect();
        m.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        m
    };
    for round in 0..30 {
        let mut batch = Vec::new();
        for i in 0..200 {
            let p = (round * 200 + i) % 100;
            scores[p] += 1 + (i % 3) as i64;
            let (by, m) = ((1 + i % 3).to_string(), format!("p{p}"));
            batch.extend(Client::encode(&[b"ZINCRBY", b"lb", by.as_bytes(), m.as_bytes()]));
        }
        c.send_raw(&batch);
        for _ in 0..200 {
            c.read();
        }
        let want = model(&scores);
        let top: Vec<String> = want.iter().rev().take(10).flat_map(|(m, s)| [m.clone(), s.to_string()]).collect();
        assert_eq!(texts(c.cmd(&["ZREVRANGE", "lb", "0", "9", "WITHSCORES"])), top, "round {round}");
        let (m, _) = &want[players - 1 - (round * 7) % 100];
        assert_eq!(c.cmd(&["ZREVRANK", "lb", m]), int(((round * 7) % 100) as i64), "round {round}");
    }
    let want = model(&scores);
    let flat: Vec<String> = want.iter().flat_map(|(m, s)| [m.clone(), s.to_string()]).collect();
    assert_eq!(texts(c.cmd(&["ZRANGE", "lb", "0", "-1", "WITHSCORES"])), flat);
    if s.is_reference() {
        return;
    }
    // 6,000 new scores left 6,000 deleted rows near the top: the reads above crossed them.
    c.wait_range_compaction();
    assert_eq!(texts(c.cmd(&["ZRANGE", "lb", "0", "-1", "WITHSCORES"])), flat);
    assert_eq!(c.cmd(&["ZREVRANK", "lb", &want[players - 1].0]), int(0));
    assert_eq!(c.cmd(&["ZCARD", "lb"]), int(players as i64));
}

/// Several clients pipeline ZADD, ZINCRBY and ZREM at one sorted set, each on its own
/// members and each pipeline touching a member more than once. DiskDB answers these
/// writers' score lookups from the set's members kept in memory (with their scores)
/// under each client's write group; halfway, a restart drops that copy. Every reply, and
/// the set at the end, is what the model says.
#[test]
fn pipelined_score_updates_from_many_clients_see_each_earlier_write() {
    let mut s = Server::start();
    let run = |port: u16, phase: u32| {
        let clients: Vec<_> = (0..4u32)
            .map(|t| {
                std::thread::spawn(move || {
                    let mut c = Client::connect(port);
                    for round in 0..20u32 {
                        let member = |i: u32| format!("c{t}-m{}", (round + i) % 6);
                        let mut batch = Vec::new();
                        let mut want = Vec::new();
                        // Per member of this round: ZADD 1 (new unless an earlier round left
                        // it), ZINCRBY 2, ZINCRBY 3 + round, and ZREM every other round.
                        let last = (3 + round).to_string();
                        for i in 0..3 {
                            let m = member(i);
                            batch.extend(Client::encode(&[b"ZADD", b"z", b"1", m.as_bytes()]));
                            batch.extend(Client::encode(&[b"ZINCRBY", b"z", b"2", m.as_bytes()]));
                            batch.extend(Client::encode(&[b"ZINCRBY", b"z", last.as_bytes(), m.as_bytes()]));
                            want.push((m.clone(), (round + phase) % 2 == 1));
                            if (round + phase) % 2 == 1 {
                                batch.extend(Client::encode(&[b"ZREM", b"z", m.as_bytes()]));
                            }
                        }
                        c.send_raw(&batch);
                        for (m, removed) in want {
                            let _ = c.read(); // ZADD: 0 or 1, depending on earlier rounds
                            assert_eq!(c.read().text(), "3", "{m}: ZINCRBY after ZADD 1");
                            assert_eq!(c.read().text(), (6 + round).to_string(), "{m}: ZINCRBY sees the first");
                            if removed {
                                assert_eq!(c.read(), int(1), "{m}: ZREM finds it");
                            }
                        }
                    }
                })
            })
            .collect();
        for t in clients {
            t.join().unwrap();
        }
    };
    run(s.port, 0);
    if !s.is_reference() {
        s.restart();
    }
    run(s.port, 1);
    // Phase 1's last round (19) kept its members: (19 + 1) % 2 == 0. Others left by
    // earlier kept rounds may remain too, each once in the score index.
    let mut c = s.client();
    let all = c.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]).texts();
    let members: std::collections::HashSet<&String> = all.iter().step_by(2).collect();
    assert_eq!(members.len(), all.len() / 2, "a member is in the index twice: {all:?}");
    assert_eq!(c.cmd(&["ZCARD", "z"]).int() as usize, members.len());
    for t in 0..4 {
        for i in 0..3 {
            let m = format!("c{t}-m{}", (19 + i) % 6);
            assert_eq!(c.cmd(&["ZSCORE", "z", &m]).text(), "25", "{m}");
        }
    }
}

/// Each command reads the score the one before it committed (on DiskDB, from the set's
/// members kept in memory), and the score index follows.
#[test]
fn score_updates_in_separate_commands_build_on_each_other() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "1", "b"]), int(2));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "5", "a"]), bulk("6"));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "5", "a"]), bulk("11"));
    assert_eq!(c.cmd(&["ZADD", "z", "GT", "CH", "7", "a", "7", "b"]), int(1));
    assert_eq!(c.cmd(&["ZREM", "z", "b"]), int(1));
    assert_eq!(c.cmd(&["ZADD", "z", "2", "a"]), int(0));
    assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]).texts(), ["a", "2"]);
}

#[test]
fn pipelined_pops_see_every_write_near_the_ends_they_pop() {
    let mut s = Server::start();
    let mut c = s.client();
    let mut model = Model::new();
    // Spread scores (steps of 10) leave room for adds in front of, between and behind them.
    let members: Vec<(String, i64)> = (0..400).map(|i| (format!("m{i:03}"), 10 * i)).collect();
    add(&mut c, "z", &mut model, &members);
    let mut next = lcg(11);
    let pairs = |items: Vec<(&String, i64)>| arr(items.into_iter().flat_map(|(m, s)| [bulk(m), bulk(&s.to_string())]).collect());
    for round in 0..300 {
        if round == 150 {
            s.restart();
            c = s.client();
        }
        let mut cmds = Vec::new();
        let mut want = Vec::new();
        for i in 0..8 {
            let tag = format!("r{round:03}-{i}");
            let sorted = by_rank(&model);
            let (lowest, highest) = (sorted.first().map_or(0, |p| p.1), sorted.last().map_or(0, |p| p.1));
            let (cmd, reply) = match next(12) {
                0..=2 => {
                    // Mostly single pops, sometimes more than a window holds.
                    let n = [1, 1, 1, 2, 3, 70][next(6) as usize];
                    let (cmd, taken) = if next(2) == 0 {
                        ("ZPOPMIN", sorted.iter().take(n).map(|&(m, s)| (m.clone(), s)).collect::<Vec<_>>())
                    } else {
                        ("ZPOPMAX", sorted.iter().rev().take(n).map(|&(m, s)| (m.clone(), s)).collect())
                    };
                    for (m, _) in &taken {
                        model.remove(m);
                    }
                    let reply = pairs(taken.iter().map(|(m, s)| (m, *s)).collect());
                    (strings(&[cmd, "z", &n.to_string()]), reply)
                }
                3 | 4 => {
                    // A new member at, just inside or just outside either end.
                    let score = if next(2) == 0 { lowest + next(40) as i64 - 20 } else { highest + next(40) as i64 - 20 };
                    model.insert(tag.clone(), score);
                    (strings(&["ZADD", "z", &score.to_string(), &tag]), int(1))
                }
                5 if !model.is_empty() => {
                    // A member near one end moves to the other, or the other way round.
                    let k = next(5.min(model.len() as u64)) as usize;
                    let (m, _) = if next(2) == 0 { sorted[k] } else { sorted[sorted.len() - 1 - k] };
                    let m = m.clone();
                    let score = if next(2) == 0 { highest + 5 } else { lowest - 5 };
                    model.insert(m.clone(), score);
                    (strings(&["ZADD", "z", &score.to_string(), &m]), int(0))
                }
                6 if !model.is_empty() => {
                    let k = next(5.min(model.len() as u64)) as usize;
                    let m = sorted[k].0.clone();
                    let score = model[&m] + 3;
                    model.insert(m.clone(), score);
                    (strings(&["ZINCRBY", "z", "3", &m]), bulk(&score.to_string()))
                }
                7 if !model.is_empty() => {
                    // ZREM one of the lowest or highest members.
                    let k = next(3.min(model.len() as u64)) as usize;
                    let m = if next(2) == 0 { sorted[k].0.clone() } else { sorted[sorted.len() - 1 - k].0.clone() };
                    model.remove(&m);
                    (strings(&["ZREM", "z", &m]), int(1))
                }
                8 => {
                    // A few members behind the lowest, in one command.
                    let mut cmd = strings(&["ZADD", "z"]);
                    for j in 0..3 {
                        let (m, score) = (format!("{tag}-{j}"), lowest - 1 - j);
                        cmd.push(score.to_string());
                        cmd.push(m.clone());
                        model.insert(m, score);
                    }
                    (cmd, int(3))
                }
                _ => (strings(&["ZCARD", "z"]), int(model.len() as i64)),
            };
            cmds.push(cmd);
            want.push(reply);
        }
        for ((cmd, got), want) in cmds.iter().zip(pipeline(&mut c, &cmds)).zip(want) {
            assert_eq!(got, want, "round {round}: {cmd:?}");
        }
    }
    let rest = pairs(by_rank(&model));
    assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]), rest);
}

/// A long run of ZPOPMINs (then ZPOPMAXs) in pipelines, with members added, moved and
/// removed near the end being popped: every reply is what the model says. DiskDB reads
/// the rows a run of pops at one end takes in ever larger windows (64 rows at first, up
/// to 512), and each must stay exact under the writes between its bounds.
#[test]
fn a_long_run_of_pops_at_one_end_sees_every_write_near_it() {
    let s = Server::start();
    let mut c = s.client();
    let mut model = Model::new();
    let members: Vec<(String, i64)> = (0..3000).map(|i| (format!("m{i:04}"), 10 * i)).collect();
    add(&mut c, "z", &mut model, &members);
    let mut next = lcg(5);
    for round in 0..200 {
        let low = round < 140;
        let mut cmds = Vec::new();
        let mut want = Vec::new();
        for i in 0..16 {
            let tag = format!("r{round:03}-{i}");
            let sorted = by_rank(&model);
            // A member up to 600 from the end being popped, and its score.
            let k = next(600.min(sorted.len() as u64)) as usize;
            let (near, near_score) = if low { sorted[k] } else { sorted[sorted.len() - 1 - k] };
            let (near, near_score) = (near.clone(), near_score);
            let (cmd, reply) = match next(16) {
                0 => {
                    // A new member among them.
                    model.insert(tag.clone(), near_score + 1);
                    (strings(&["ZADD", "z", &(near_score + 1).to_string(), &tag]), int(1))
                }
                1 => {
                    let score = near_score + 7;
                    model.insert(near.clone(), score);
                    (strings(&["ZINCRBY", "z", "7", &near]), bulk(&score.to_string()))
                }
                2 => {
                    model.remove(&near);
                    (strings(&["ZREM", "z", &near]), int(1))
                }
                _ => {
                    let (cmd, (m, s)) = if low { ("ZPOPMIN", sorted[0]) } else { ("ZPOPMAX", sorted[sorted.len() - 1]) };
                    let reply = arr(vec![bulk(m), bulk(&s.to_string())]);
                    model.remove(&m.clone());
                    (strings(&[cmd, "z"]), reply)
                }
            };
            cmds.push(cmd);
            want.push(reply);
        }
        for ((cmd, got), want) in cmds.iter().zip(pipeline(&mut c, &cmds)).zip(want) {
            assert_eq!(got, want, "round {round}: {cmd:?}");
        }
    }
    assert!(model.len() > 100, "the set is not drained: {}", model.len());
    let rest: Vec<Value> = by_rank(&model).into_iter().flat_map(|(m, s)| [bulk(m), bulk(&s.to_string())]).collect();
    assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]), arr(rest));
}
