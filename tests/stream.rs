//! Stream commands, black-box against Redis 7 semantics: entries, trimming, reads,
//! consumer groups with their pending entries, claims and XINFO, in RESP2 and RESP3;
//! then a producer/consumer-group run across a SIGKILL. `DISKDB_TEST_REDIS=1` runs the
//! same tests against redis-server (the crash tests need DiskDB's data dir and skip).
//!
//! Where Redis 7.0 and 7.2 differ (7.2 adds `inactive` and `active-time` to XINFO),
//! the tests look fields up by name and check only those both have.

mod common;
use common::*;

use std::collections::HashMap;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const SYNTAX: &str = "ERR syntax error";
const INVALID_ID: &str = "ERR Invalid stream ID specified as stream command argument";
const TOO_SMALL: &str = "ERR The ID specified in XADD is equal or smaller than the target stream top item";

fn nil() -> Value {
    Value::Nil
}

/// An entry as XRANGE returns it: `[id, [field, value, ...]]`.
fn entry(id: &str, fields: &[&str]) -> Value {
    arr(vec![bulk(id), arr(fields.iter().map(|f| bulk(f)).collect())])
}

fn ids(v: &Value) -> Vec<String> {
    v.array().iter().map(|e| e.array()[0].text()).collect()
}

/// XINFO-style replies as a name → value map, from a RESP2 flat array or a RESP3 map.
fn fields(v: &Value) -> HashMap<String, Value> {
    match v {
        Value::Map(pairs) => pairs.iter().map(|(k, v)| (k.text(), v.clone())).collect(),
        Value::Array(items) => items.chunks(2).map(|p| (p[0].text(), p[1].clone())).collect(),
        other => panic!("not a map reply: {other:?}"),
    }
}

fn add(c: &mut Client, key: &str, id: &str, fv: &[&str]) -> Value {
    let mut args = vec!["XADD", key, id];
    args.extend_from_slice(fv);
    c.cmd(&args)
}

/// A stream `key` with entries `1-0 .. n-0`, each `n <i>`.
fn fill(c: &mut Client, key: &str, n: u64) {
    for i in 1..=n {
        assert_eq!(add(c, key, &format!("{i}-0"), &["n", &i.to_string()]), bulk(&format!("{i}-0")));
    }
}

// ---------------------------------------------------------------------------------
// XADD and IDs

#[test]
fn xadd_ids_explicit_partial_and_automatic() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(add(&mut c, "s", "0-0", &["f", "v"]), err("ERR The ID specified in XADD must be greater than 0-0"));
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0), "the refused XADD creates nothing");
    assert_eq!(add(&mut c, "s", "0-*", &["f", "v"]), bulk("0-1"));
    assert_eq!(add(&mut c, "s", "5", &["f", "v"]), bulk("5-0"), "a missing sequence is 0");
    assert_eq!(add(&mut c, "s", "5-*", &["f", "v"]), bulk("5-1"));
    assert_eq!(add(&mut c, "s", "5-1", &["f", "v"]), err(TOO_SMALL));
    assert_eq!(add(&mut c, "s", "4-*", &["f", "v"]), err(TOO_SMALL));
    assert_eq!(add(&mut c, "s", "7-3", &["f", "v"]), bulk("7-3"));
    // `*` uses the clock, which is far past 7 ms.
    let auto = add(&mut c, "s", "*", &["f", "v"]).text();
    let (ms, seq) = auto.split_once('-').unwrap();
    assert!(ms.parse::<u64>().unwrap() > 1_600_000_000_000, "{auto}");
    assert_eq!(seq, "0");
    // An ID ahead of the clock makes `*` continue its sequence.
    assert_eq!(add(&mut c, "f", "99999999999999-5", &["f", "v"]), bulk("99999999999999-5"));
    assert_eq!(add(&mut c, "f", "*", &["f", "v"]), bulk("99999999999999-6"));
    // The last possible ID.
    assert_eq!(
        add(&mut c, "m", "18446744073709551615-18446744073709551615", &["f", "v"]),
        bulk("18446744073709551615-18446744073709551615")
    );
    assert_eq!(add(&mut c, "m", "*", &["f", "v"]), err("ERR The stream has exhausted the last possible ID, unable to add more items"));
    for bad in ["abc", "1-x", "-", "+", "1-2-3", "-1"] {
        assert_eq!(add(&mut c, "s", bad, &["f", "v"]), err(INVALID_ID), "{bad}");
    }
    assert_eq!(c.cmd(&["XLEN", "s"]), int(5));
    assert_eq!(c.cmd(&["TYPE", "s"]), Value::Simple("stream".into()));
}

#[test]
fn xadd_options_and_arity() {
    let s = Server::start();
    let mut c = s.client();
    let wrong = err("ERR wrong number of arguments for 'xadd' command");
    assert_eq!(c.cmd(&["XADD", "s", "*", "f"]), wrong);
    assert_eq!(c.cmd(&["XADD", "s", "*", "f", "v", "g"]), wrong);
    assert_eq!(c.cmd(&["XADD", "s", "NOMKSTREAM", "f", "v"]), err(INVALID_ID));
    assert_eq!(c.cmd(&["XADD", "s", "NOMKSTREAM", "*", "f", "v"]), nil());
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0));
    assert_eq!(c.cmd(&["XADD", "s", "MAXLEN", "abc", "*", "f", "v"]), err("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["XADD", "s", "MAXLEN", "-1", "*", "f", "v"]), err("ERR The MAXLEN argument must be >= 0."));
    assert_eq!(
        c.cmd(&["XADD", "s", "MAXLEN", "1", "LIMIT", "10", "*", "f", "v"]),
        err("ERR syntax error, LIMIT cannot be used without the special ~ option")
    );
    assert_eq!(c.cmd(&["XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "*", "f", "v"]), err("ERR The LIMIT argument must be >= 0."));
    assert_eq!(
        c.cmd(&["XADD", "s", "MAXLEN", "1", "MINID", "1", "*", "f", "v"]),
        err("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
    );
    assert_eq!(
        c.cmd(&["XADD", "s", "LIMIT", "5", "*", "f", "v"]),
        err("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
    );
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(0), "no refused XADD wrote anything");
    // Field order and duplicate fields are kept as given; values are binary-safe.
    assert_eq!(c.cmd_bytes(&[b"XADD", b"s", b"1-0", b"b", b"\x00\xff", b"a", b"1", b"b", b"2"]), bulk("1-0"));
    assert_eq!(
        c.cmd(&["XRANGE", "s", "-", "+"]),
        arr(vec![arr(vec![bulk("1-0"), arr(vec![bulk("b"), Value::Bulk(vec![0, 255]), bulk("a"), bulk("1"), bulk("b"), bulk("2")])])])
    );
    // Options may come in any order before the ID.
    assert_eq!(c.cmd(&["XADD", "s", "MAXLEN", "=", "1", "NOMKSTREAM", "2-0", "f", "v"]), bulk("2-0"));
    assert_eq!(c.cmd(&["XRANGE", "s", "-", "+"]), arr(vec![entry("2-0", &["f", "v"])]));
    assert_eq!(c.cmd(&["SET", "str", "v"]), ok());
    assert_eq!(c.cmd(&["XADD", "str", "*", "f", "v"]), err(WRONGTYPE));
}

// ---------------------------------------------------------------------------------
// Reading ranges

#[test]
fn xrange_and_xrevrange() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["XRANGE", "missing", "-", "+"]), arr(vec![]));
    fill(&mut c, "s", 5);
    assert_eq!(add(&mut c, "s", "5-1", &["n", "5.1"]), bulk("5-1"));
    assert_eq!(ids(&c.cmd(&["XRANGE", "s", "-", "+"])), ["1-0", "2-0", "3-0", "4-0", "5-0", "5-1"]);
    assert_eq!(c.cmd(&["XRANGE", "s", "2", "2"]), arr(vec![entry("2-0", &["n", "2"])]));
    // A bare end ms covers every sequence of that millisecond.
    assert_eq!(ids(&c.cmd(&["XRANGE", "s", "5", "5"])), ["5-0", "5-1"]);
    assert_eq!(ids(&c.cmd(&["XRANGE", "s", "(1-0", "(5-0"])), ["2-0", "3-0", "4-0"]);
    assert_eq!(ids(&c.cmd(&["XRANGE", "s", "-", "+", "COUNT", "2"])), ["1-0", "2-0"]);
    assert_eq!(c.cmd(&["XRANGE", "s", "-", "+", "COUNT", "0"]), nil());
    assert_eq!(c.cmd(&["XRANGE", "s", "-", "+", "COUNT", "-1"]), nil());
    assert_eq!(c.cmd(&["XRANGE", "s", "4", "2"]), arr(vec![]));
    assert_eq!(ids(&c.cmd(&["XREVRANGE", "s", "+", "-", "COUNT", "3"])), ["5-1", "5-0", "4-0"]);
    assert_eq!(ids(&c.cmd(&["XREVRANGE", "s", "(4-0", "(1"])), ["3-0", "2-0"]);
    assert_eq!(c.cmd(&["XRANGE", "s", "abc", "+"]), err(INVALID_ID));
    assert_eq!(c.cmd(&["XRANGE", "s", "(-", "+"]), err(INVALID_ID));
    assert_eq!(c.cmd(&["XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"]), err("ERR invalid start ID for the interval"));
    assert_eq!(c.cmd(&["XRANGE", "s", "-", "(0-0"]), err("ERR invalid end ID for the interval"));
    assert_eq!(c.cmd(&["XRANGE", "s", "-", "+", "COUNT"]), err(SYNTAX));
    assert_eq!(c.cmd(&["XRANGE", "s", "-", "+", "LIMIT", "1"]), err(SYNTAX));
    assert_eq!(c.cmd(&["XRANGE", "s", "-"]), err("ERR wrong number of arguments for 'xrange' command"));
    assert_eq!(c.cmd(&["SET", "str", "v"]), ok());
    assert_eq!(c.cmd(&["XRANGE", "str", "-", "+"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["XLEN", "str"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["XLEN", "missing"]), int(0));
}

// ---------------------------------------------------------------------------------
// Deleting and trimming, and the counters XINFO reports

#[test]
fn xdel_and_the_stream_counters() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["XDEL", "missing", "1-0"]), int(0));
    fill(&mut c, "s", 4);
    assert_eq!(c.cmd(&["XDEL", "s", "1-0", "1-0", "3-0", "9-0"]), int(2));
    assert_eq!(c.cmd(&["XDEL", "s", "2-0", "abc"]), err(INVALID_ID));
    assert_eq!(c.cmd(&["XLEN", "s"]), int(2), "an invalid ID deletes nothing");
    let info = fields(&c.cmd(&["XINFO", "STREAM", "s"]));
    assert_eq!(info["length"], int(2));
    assert_eq!(info["last-generated-id"], bulk("4-0"));
    assert_eq!(info["max-deleted-entry-id"], bulk("3-0"));
    assert_eq!(info["entries-added"], int(4));
    assert_eq!(info["recorded-first-entry-id"], bulk("2-0"));
    assert_eq!(info["groups"], int(0));
    assert_eq!(info["first-entry"], entry("2-0", &["n", "2"]));
    assert_eq!(info["last-entry"], entry("4-0", &["n", "4"]));
    // A stream whose last entry goes stays, empty, with its last ID.
    assert_eq!(c.cmd(&["XDEL", "s", "2-0", "4-0"]), int(2));
    assert_eq!(c.cmd(&["EXISTS", "s"]), int(1));
    let info = fields(&c.cmd(&["XINFO", "STREAM", "s"]));
    assert_eq!(info["length"], int(0));
    assert_eq!(info["recorded-first-entry-id"], bulk("0-0"));
    assert_eq!(info["first-entry"], nil());
    assert_eq!(info["last-entry"], nil());
    assert_eq!(add(&mut c, "s", "4-0", &["f", "v"]), err(TOO_SMALL));
    assert_eq!(c.cmd(&["DEL", "s"]), int(1));
    assert_eq!(add(&mut c, "s", "1-0", &["f", "v"]), bulk("1-0"), "DEL forgets the last ID");
}

#[test]
fn xtrim_and_xadd_trimming() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "s", 10);
    assert_eq!(c.cmd(&["XTRIM", "s", "MAXLEN"]), err("ERR wrong number of arguments for 'xtrim' command"));
    assert_eq!(c.cmd(&["XTRIM", "s", "FOO", "1"]), err(SYNTAX));
    assert_eq!(c.cmd(&["XTRIM", "s", "MAXLEN", "=", "7"]), int(3));
    assert_eq!(ids(&c.cmd(&["XRANGE", "s", "-", "+", "COUNT", "1"])), ["4-0"]);
    assert_eq!(c.cmd(&["XTRIM", "s", "MINID", "6"]), int(2));
    assert_eq!(c.cmd(&["XTRIM", "s", "MINID", "6"]), int(0));
    assert_eq!(c.cmd(&["XTRIM", "s", "MAXLEN", "100"]), int(0));
    assert_eq!(c.cmd(&["XTRIM", "missing", "MAXLEN", "0"]), int(0));
    // XADD trims after adding: MAXLEN 2 keeps the newest two, the new one included.
    assert_eq!(c.cmd(&["XADD", "s", "MAXLEN", "2", "11-0", "n", "11"]), bulk("11-0"));
    assert_eq!(ids(&c.cmd(&["XRANGE", "s", "-", "+"])), ["10-0", "11-0"]);
    assert_eq!(c.cmd(&["XADD", "s", "MINID", "11-0", "12-0", "n", "12"]), bulk("12-0"));
    assert_eq!(ids(&c.cmd(&["XRANGE", "s", "-", "+"])), ["11-0", "12-0"]);
    // MAXLEN 0 trims the entry being added too; the stream and its counters stay.
    assert_eq!(c.cmd(&["XADD", "s", "MAXLEN", "0", "13-0", "n", "13"]), bulk("13-0"));
    let info = fields(&c.cmd(&["XINFO", "STREAM", "s"]));
    assert_eq!((info["length"].clone(), info["entries-added"].clone()), (int(0), int(13)));
    assert_eq!(info["last-generated-id"], bulk("13-0"));
    assert_eq!(info["recorded-first-entry-id"], bulk("0-0"));
    assert_eq!(info["max-deleted-entry-id"], bulk("0-0"), "trimming is not deleting");
}

#[test]
fn xsetid_sets_the_last_id_and_counters() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["XSETID", "missing", "1-0"]), err("ERR no such key"));
    fill(&mut c, "s", 3);
    assert_eq!(c.cmd(&["XSETID", "s", "2-0"]), err("ERR The ID specified in XSETID is smaller than the target stream top item"));
    assert_eq!(c.cmd(&["XSETID", "s", "9-0", "ENTRIESADDED", "-1"]), err("ERR entries_added must be positive"));
    assert_eq!(
        c.cmd(&["XSETID", "s", "9-0", "ENTRIESADDED", "2"]),
        err("ERR The entries_added specified in XSETID is smaller than the target stream length")
    );
    assert_eq!(
        c.cmd(&["XSETID", "s", "9-0", "MAXDELETEDID", "10-0"]),
        err("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
    );
    assert_eq!(c.cmd(&["XSETID", "s", "9-0", "FOO", "1"]), err(SYNTAX));
    assert_eq!(c.cmd(&["XSETID", "s", "9-0", "ENTRIESADDED", "50", "MAXDELETEDID", "2-5"]), ok());
    let info = fields(&c.cmd(&["XINFO", "STREAM", "s"]));
    assert_eq!(info["last-generated-id"], bulk("9-0"));
    assert_eq!(info["entries-added"], int(50));
    assert_eq!(info["max-deleted-entry-id"], bulk("2-5"));
    assert_eq!(add(&mut c, "s", "9-0", &["f", "v"]), err(TOO_SMALL));
    assert_eq!(add(&mut c, "s", "9-*", &["f", "v"]), bulk("9-1"));
}

// ---------------------------------------------------------------------------------
// XREAD

#[test]
fn xread_several_streams() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "a", 3);
    assert_eq!(add(&mut c, "b", "5-0", &["k", "b"]), bulk("5-0"));
    assert_eq!(
        c.cmd(&["XREAD", "STREAMS", "a", "b", "1-0", "0"]),
        arr(vec![
            arr(vec![bulk("a"), arr(vec![entry("2-0", &["n", "2"]), entry("3-0", &["n", "3"])])]),
            arr(vec![bulk("b"), arr(vec![entry("5-0", &["k", "b"])])]),
        ])
    );
    assert_eq!(
        c.cmd(&["XREAD", "COUNT", "1", "STREAMS", "a", "missing", "b", "0", "0", "5-0"]),
        arr(vec![arr(vec![bulk("a"), arr(vec![entry("1-0", &["n", "1"])])])]),
        "streams with nothing new are left out"
    );
    assert_eq!(c.cmd(&["XREAD", "STREAMS", "a", "$"]), nil());
    assert_eq!(c.cmd(&["XREAD", "STREAMS", "a", "3-0"]), nil());
    assert_eq!(c.cmd(&["XREAD", "STREAMS", "a", "-"]), err(INVALID_ID));
    assert_eq!(ids(&c.cmd(&["XREAD", "COUNT", "0", "STREAMS", "a", "0"]).array()[0].array()[1]), ["1-0", "2-0", "3-0"]);
    assert_eq!(
        c.cmd(&["XREAD", "STREAMS", "a", "b", "0"]),
        err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
    );
    assert_eq!(c.cmd(&["XREAD", "STREAMS", "a"]), err("ERR wrong number of arguments for 'xread' command"));
    assert_eq!(c.cmd(&["XREAD", "COUNT", "1", "a", "0"]), err(SYNTAX));
    assert_eq!(
        c.cmd(&["XREAD", "STREAMS", "a", ">"]),
        err("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
    );
    assert_eq!(
        c.cmd(&["XREAD", "GROUP", "g", "c", "STREAMS", "a", "0"]),
        err("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
    );
    assert_eq!(c.cmd(&["XREAD", "BLOCK", "abc", "STREAMS", "a", "0"]), err("ERR timeout is not an integer or out of range"));
    assert_eq!(c.cmd(&["XREAD", "BLOCK", "-1", "STREAMS", "a", "0"]), err("ERR timeout is negative"));
    // The keys follow STREAMS, after any options.
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "a", "b", "0", "0"]),
        arr(vec![bulk("a"), bulk("b")])
    );
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "streams", "c", "NOACK", "STREAMS", "a", ">"]), arr(vec![bulk("a")]));
    // BLOCK with something to read answers at once.
    assert_eq!(ids(&c.cmd(&["XREAD", "BLOCK", "0", "STREAMS", "a", "2"]).array()[0].array()[1]), ["3-0"]);
    assert_eq!(c.cmd(&["SET", "str", "v"]), ok());
    assert_eq!(c.cmd(&["XREAD", "STREAMS", "str", "0"]), err(WRONGTYPE));
}

#[test]
fn resp3_shapes() {
    let s = Server::start();
    let mut c = s.client();
    assert!(matches!(c.cmd(&["HELLO", "3"]), Value::Map(_)));
    fill(&mut c, "s", 2);
    // XREAD is a map from stream to entries.
    assert_eq!(
        c.cmd(&["XREAD", "STREAMS", "s", "0"]),
        Value::Map(vec![(bulk("s"), arr(vec![entry("1-0", &["n", "1"]), entry("2-0", &["n", "2"])]))])
    );
    assert_eq!(c.cmd(&["XREAD", "STREAMS", "s", "$"]), nil());
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]), ok());
    assert!(matches!(c.cmd(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]), Value::Map(_)));
    // XINFO replies are maps, the groups and consumers lists arrays of maps.
    let Value::Map(info) = c.cmd(&["XINFO", "STREAM", "s"]) else { panic!("XINFO STREAM is a map in RESP3") };
    assert_eq!(info[0], (bulk("length"), int(2)));
    let groups = c.cmd(&["XINFO", "GROUPS", "s"]).array();
    assert!(matches!(&groups[0], Value::Map(_)));
    assert_eq!(fields(&groups[0])["pending"], int(2));
    let consumers = c.cmd(&["XINFO", "CONSUMERS", "s", "g"]).array();
    assert_eq!(fields(&consumers[0])["name"], bulk("c"));
    let Value::Map(full) = c.cmd(&["XINFO", "STREAM", "s", "FULL"]) else { panic!("FULL is a map") };
    let full: HashMap<String, Value> = full.into_iter().map(|(k, v)| (k.text(), v)).collect();
    assert!(matches!(&full["groups"].array()[0], Value::Map(_)));
    // Null-valued fields are RESP3 nulls.
    assert_eq!(c.cmd(&["XGROUP", "SETID", "s", "g", "1-0"]), ok());
    assert_eq!(c.cmd(&["XDEL", "s", "2-0"]), int(1));
    assert_eq!(c.cmd(&["XADD", "s", "3-0", "n", "3"]), bulk("3-0"));
    let g = fields(&c.cmd(&["XINFO", "GROUPS", "s"]).array()[0]);
    assert_eq!((g["entries-read"].clone(), g["lag"].clone()), (nil(), nil()));
    // XPENDING's empty summary uses nulls.
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "empty", "$"]), ok());
    assert_eq!(c.cmd(&["XPENDING", "s", "empty"]), arr(vec![int(0), nil(), nil(), nil()]));
}

/// Entries go out encoded straight from their stored rows: the exact wire form of
/// XRANGE, XREAD, XINFO's entries and a delivered entry deleted meanwhile (a nil array,
/// `*-1` in RESP2 and `_` in RESP3), as redis-server sends them.
#[test]
fn entries_on_the_wire_in_both_protocols() {
    let s = Server::start();
    let mut c = s.client();
    for (resp, nil_array) in [("2", "*-1"), ("3", "_")] {
        c.cmd(&["HELLO", resp]);
        c.cmd(&["DEL", "s"]);
        c.cmd(&["XADD", "s", "1-1", "a", "1", "bb", "22"]);
        c.cmd(&["XADD", "s", "2-1", "c", ""]);
        c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]);
        c.cmd(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]);
        c.cmd(&["XDEL", "s", "2-1"]);
        c.cmd(&["XADD", "s", "3-1", "d", "4"]);
        // Reads as many reply lines as `want` has words (no element here has a space).
        let expect = |c: &mut Client, args: &[&str], want: String| {
            c.send_raw(&Client::encode(&args.iter().map(|a| a.as_bytes()).collect::<Vec<_>>()));
            let got: Vec<String> = want.split(' ').map(|_| c.line_raw()).collect();
            assert_eq!(got.join(" "), want, "RESP{resp} {args:?}");
        };
        let first = "*2 $3 1-1 *4 $1 a $1 1 $2 bb $2 22";
        let third = "*2 $3 3-1 *2 $1 d $1 4";
        let read = if resp == "2" { "*1 *2 $1 s" } else { "%1 $1 s" };
        expect(&mut c, &["XRANGE", "s", "-", "+"], format!("*2 {first} {third}"));
        expect(&mut c, &["XREVRANGE", "s", "+", "-", "COUNT", "1"], format!("*1 {third}"));
        expect(&mut c, &["XREAD", "STREAMS", "s", "1-1"], format!("{read} *1 {third}"));
        expect(&mut c, &["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"], format!("{read} *2 {first} *2 $3 2-1 {nil_array}"));
        c.cmd(&["DEL", "one"]);
        c.cmd(&["XADD", "one", "5-5", "f", "v"]);
        let info = c.cmd(&["XINFO", "STREAM", "one"]);
        let entry = arr(vec![bulk("5-5"), arr(vec![bulk("f"), bulk("v")])]);
        let info: HashMap<String, Value> = match info {
            Value::Map(pairs) => pairs.into_iter().map(|(k, v)| (k.text(), v)).collect(),
            other => other.array().chunks(2).map(|p| (p[0].text(), p[1].clone())).collect(),
        };
        assert_eq!((&info["first-entry"], &info["last-entry"]), (&entry, &entry));
    }
}

// ---------------------------------------------------------------------------------
// Consumer groups

#[test]
fn xgroup_lifecycle_and_errors() {
    let s = Server::start();
    let mut c = s.client();
    let needs_key = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.";
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]), err(needs_key));
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]), ok());
    assert_eq!(c.cmd(&["XLEN", "s"]), int(0));
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]), err("BUSYGROUP Consumer Group name already exists"));
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g2", "abc"]), err(INVALID_ID));
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-2"]), err("ERR value for ENTRIESREAD must be positive or -1"));
    assert_eq!(
        c.cmd(&["XGROUP", "CREATE", "s", "g2", "0", "FOO"]),
        err("ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.")
    );
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s"]), err("ERR wrong number of arguments for 'xgroup|create' command"));
    assert_eq!(c.cmd(&["XGROUP", "FOO"]), err("ERR unknown subcommand 'FOO'. Try XGROUP HELP."));
    let no_group = err("NOGROUP No such consumer group 'nog' for key name 's'");
    assert_eq!(c.cmd(&["XGROUP", "SETID", "s", "nog", "0"]), no_group);
    assert_eq!(c.cmd(&["XGROUP", "CREATECONSUMER", "s", "nog", "c"]), no_group);
    assert_eq!(c.cmd(&["XGROUP", "DELCONSUMER", "s", "nog", "c"]), no_group);
    assert_eq!(c.cmd(&["XGROUP", "SETID", "missing", "g", "0"]), err(needs_key));
    assert_eq!(c.cmd(&["XGROUP", "DESTROY", "missing", "g"]), err(needs_key));
    assert_eq!(c.cmd(&["XGROUP", "CREATECONSUMER", "s", "g", "c1"]), int(1));
    assert_eq!(c.cmd(&["XGROUP", "CREATECONSUMER", "s", "g", "c1"]), int(0));
    assert_eq!(c.cmd(&["XGROUP", "DELCONSUMER", "s", "g", "nobody"]), int(0));
    fill(&mut c, "s", 3);
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "3"]), ok());
    let groups = c.cmd(&["XINFO", "GROUPS", "s"]).array();
    let (g, g2) = (fields(&groups[0]), fields(&groups[1]));
    assert_eq!(g["name"], bulk("g"));
    assert_eq!(g["consumers"], int(1));
    assert_eq!(g["last-delivered-id"], bulk("0-0"));
    assert_eq!(g["lag"], int(3));
    assert_eq!((g2["last-delivered-id"].clone(), g2["entries-read"].clone(), g2["lag"].clone()), (bulk("3-0"), int(3), int(0)));
    assert_eq!(c.cmd(&["XGROUP", "SETID", "s", "g", "$"]), ok());
    assert_eq!(c.cmd(&["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"]), nil());
    assert_eq!(c.cmd(&["XGROUP", "SETID", "s", "g", "1-0", "ENTRIESREAD", "1"]), ok());
    assert_eq!(ids(&c.cmd(&["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"]).array()[0].array()[1]), ["2-0", "3-0"]);
    assert_eq!(fields(&c.cmd(&["XINFO", "GROUPS", "s"]).array()[0])["entries-read"], int(3));
    // DELCONSUMER drops the consumer's pending entries from the group.
    assert_eq!(c.cmd(&["XGROUP", "DELCONSUMER", "s", "g", "c1"]), int(2));
    assert_eq!(c.cmd(&["XPENDING", "s", "g"]).array()[0], int(0));
    assert_eq!(c.cmd(&["XGROUP", "DESTROY", "s", "g"]), int(1));
    assert_eq!(c.cmd(&["XGROUP", "DESTROY", "s", "g"]), int(0));
    assert_eq!(fields(&c.cmd(&["XINFO", "STREAM", "s"]))["groups"], int(1));
    assert_eq!(c.cmd(&["XGROUP", "HELP"]).array()[0].text(), "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    assert_eq!(c.cmd(&["SET", "str", "v"]), ok());
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "str", "g", "0"]), err(WRONGTYPE));
}

#[test]
fn two_consumers_share_a_group() {
    let s = Server::start();
    let mut producer = s.client();
    let (mut alice, mut bob) = (s.client(), s.client());
    assert_eq!(producer.cmd(&["XGROUP", "CREATE", "jobs", "workers", "$", "MKSTREAM"]), ok());
    for i in 1..=5 {
        assert_eq!(add(&mut producer, "jobs", &format!("{i}-0"), &["job", &i.to_string()]), bulk(&format!("{i}-0")));
    }
    let read = |c: &mut Client, who: &str, count: &str, id: &str| {
        c.cmd(&["XREADGROUP", "GROUP", "workers", who, "COUNT", count, "STREAMS", "jobs", id])
    };
    // Each new entry goes to exactly one consumer.
    assert_eq!(
        read(&mut alice, "alice", "2", ">"),
        arr(vec![arr(vec![bulk("jobs"), arr(vec![entry("1-0", &["job", "1"]), entry("2-0", &["job", "2"])])])])
    );
    assert_eq!(ids(&read(&mut bob, "bob", "2", ">").array()[0].array()[1]), ["3-0", "4-0"]);
    assert_eq!(ids(&read(&mut alice, "alice", "10", ">").array()[0].array()[1]), ["5-0"]);
    assert_eq!(read(&mut bob, "bob", "10", ">"), nil());
    // The PEL: summary, extended, by consumer.
    assert_eq!(
        producer.cmd(&["XPENDING", "jobs", "workers"]),
        arr(vec![int(5), bulk("1-0"), bulk("5-0"), arr(vec![arr(vec![bulk("alice"), bulk("3")]), arr(vec![bulk("bob"), bulk("2")])]),])
    );
    let detail = producer.cmd(&["XPENDING", "jobs", "workers", "-", "+", "10", "bob"]).array();
    assert_eq!(detail.len(), 2);
    let line = detail[0].array();
    assert_eq!((line[0].clone(), line[1].clone(), line[3].clone()), (bulk("3-0"), bulk("bob"), int(1)));
    assert_eq!(ids(&producer.cmd(&["XPENDING", "jobs", "workers", "(1-0", "4", "2"])), ["2-0", "3-0"]);
    assert_eq!(producer.cmd(&["XPENDING", "jobs", "workers", "-", "+", "10", "nobody"]), arr(vec![]));
    assert_eq!(producer.cmd(&["XPENDING", "jobs", "workers", "-", "+", "0"]), arr(vec![]));
    // Acknowledging; the history read shows only what is still pending, delivered again.
    assert_eq!(alice.cmd(&["XACK", "jobs", "workers", "1-0", "1-0", "99-0"]), int(1), "1-0 counts once");
    assert_eq!(
        read(&mut alice, "alice", "10", "0"),
        arr(vec![arr(vec![bulk("jobs"), arr(vec![entry("2-0", &["job", "2"]), entry("5-0", &["job", "5"])])])])
    );
    assert_eq!(ids(&read(&mut alice, "alice", "1", "2-0").array()[0].array()[1]), ["5-0"]);
    let again = producer.cmd(&["XPENDING", "jobs", "workers", "2-0", "2-0", "1"]).array()[0].array();
    assert_eq!(again[3], int(2), "delivered by >, then once more by a history read");
    // A history read with nothing pending still names the stream.
    assert_eq!(read(&mut producer, "carol", "10", "0"), arr(vec![arr(vec![bulk("jobs"), arr(vec![])])]));
    // A pending entry deleted from the stream comes back with nil fields.
    assert_eq!(producer.cmd(&["XDEL", "jobs", "2-0"]), int(1));
    assert_eq!(read(&mut alice, "alice", "1", "0"), arr(vec![arr(vec![bulk("jobs"), arr(vec![arr(vec![bulk("2-0"), nil()])])])]));
    // NOACK delivers without pending entries.
    assert_eq!(producer.cmd(&["XGROUP", "CREATE", "jobs", "audit", "0"]), ok());
    let got = producer.cmd(&["XREADGROUP", "GROUP", "audit", "x", "NOACK", "STREAMS", "jobs", ">"]);
    assert_eq!(ids(&got.array()[0].array()[1]), ["1-0", "3-0", "4-0", "5-0"]);
    assert_eq!(producer.cmd(&["XPENDING", "jobs", "audit"]).array()[0], int(0));
    let consumers = producer.cmd(&["XINFO", "CONSUMERS", "jobs", "workers"]).array();
    let names: Vec<(Value, Value)> = consumers.iter().map(|c| (fields(c)["name"].clone(), fields(c)["pending"].clone())).collect();
    assert_eq!(names, vec![(bulk("alice"), int(2)), (bulk("bob"), int(2)), (bulk("carol"), int(0))]);
}

#[test]
fn concurrent_consumers_never_get_the_same_entry() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"]), ok());
    let total = 400;
    fill(&mut c, "q", total);
    let port = s.port;
    let workers: Vec<_> = (0..4)
        .map(|w| {
            std::thread::spawn(move || {
                let mut c = Client::connect(port);
                let name = format!("w{w}");
                let mut mine = Vec::new();
                loop {
                    let reply = c.cmd(&["XREADGROUP", "GROUP", "g", &name, "COUNT", "3", "STREAMS", "q", ">"]);
                    if reply == Value::Nil {
                        return mine;
                    }
                    mine.extend(ids(&reply.array()[0].array()[1]));
                }
            })
        })
        .collect();
    let mut all: Vec<String> = workers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    assert_eq!(all.len(), total as usize, "every entry delivered once");
    all.sort_by_key(|id| id.split('-').next().unwrap().parse::<u64>().unwrap());
    all.dedup();
    assert_eq!(all.len(), total as usize, "no entry delivered twice");
    assert_eq!(c.cmd(&["XPENDING", "q", "g"]).array()[0], int(total as i64));
}

#[test]
fn xreadgroup_errors() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "s", 1);
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]), ok());
    assert_eq!(
        c.cmd(&["XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"]),
        err("NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option")
    );
    // Every stream is checked before any is served.
    assert_eq!(
        c.cmd(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "missing", ">", ">"]),
        err("NOGROUP No such key 'missing' or consumer group 'g' in XREADGROUP with GROUP option")
    );
    assert_eq!(c.cmd(&["XPENDING", "s", "g"]).array()[0], int(0));
    assert!(c.cmd(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"]).error().starts_with("ERR The $ ID is meaningless"));
    assert_eq!(c.cmd(&["XREADGROUP", "COUNT", "1", "NOACK", "STREAMS", "s", ">"]), err("ERR Missing GROUP option for XREADGROUP"));
    assert_eq!(
        c.cmd(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">"]),
        err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
    );
    assert_eq!(c.cmd(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s"]), err("ERR wrong number of arguments for 'xreadgroup' command"));
    assert_eq!(c.cmd(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "abc"]), err(INVALID_ID));
    // A `>` read that finds nothing does not create the consumer.
    assert_eq!(c.cmd(&["XGROUP", "SETID", "s", "g", "$"]), ok());
    assert_eq!(c.cmd(&["XREADGROUP", "GROUP", "g", "ghost", "STREAMS", "s", ">"]), nil());
    assert_eq!(c.cmd(&["XINFO", "CONSUMERS", "s", "g"]), arr(vec![]));
}

#[test]
fn xreadgroup_with_a_key_named_twice() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "s", 2);
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]), ok());
    // The second `>` continues where the first stopped.
    assert_eq!(
        c.cmd(&["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", "s", ">", ">"]),
        arr(vec![arr(vec![bulk("s"), arr(vec![entry("1-0", &["n", "1"])])]), arr(vec![bulk("s"), arr(vec![entry("2-0", &["n", "2"])])]),])
    );
    assert_eq!(
        c.cmd(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "s", "0", ">"]),
        arr(vec![arr(vec![bulk("s"), arr(vec![entry("1-0", &["n", "1"]), entry("2-0", &["n", "2"])])])])
    );
    let pel = c.cmd(&["XPENDING", "s", "g", "-", "+", "10"]).array();
    assert_eq!(pel.iter().map(|p| p.array()[3].clone()).collect::<Vec<_>>(), vec![int(2), int(2)]);
}

#[test]
fn xpending_and_xack_errors() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "s", 1);
    assert_eq!(c.cmd(&["XPENDING", "s", "g"]), err("NOGROUP No such key 's' or consumer group 'g'"));
    assert_eq!(c.cmd(&["XPENDING", "missing", "g"]), err("NOGROUP No such key 'missing' or consumer group 'g'"));
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]), ok());
    assert_eq!(c.cmd(&["XPENDING", "s", "g", "-", "+"]), err(SYNTAX));
    assert_eq!(c.cmd(&["XPENDING", "s", "g", "IDLE", "0", "-", "+"]), err(SYNTAX));
    assert_eq!(c.cmd(&["XPENDING", "s", "g", "-", "+", "abc"]), err("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["XPENDING", "s", "g", "x", "+", "1"]), err(INVALID_ID));
    assert_eq!(c.cmd(&["XACK", "s", "nog", "1-0"]), int(0));
    assert_eq!(c.cmd(&["XACK", "missing", "g", "1-0"]), int(0));
    assert_eq!(c.cmd(&["XACK", "s", "g", "abc"]), err(INVALID_ID));
}

#[test]
fn xclaim_options() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"]), ok());
    fill(&mut c, "s", 4);
    assert_eq!(ids(&c.cmd(&["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"]).array()[0].array()[1]).len(), 4);
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "bob", "0", "1-0"]), arr(vec![entry("1-0", &["n", "1"])]));
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "bob", "0", "2-0", "JUSTID"]), arr(vec![bulk("2-0")]));
    // Not idle long enough: nothing moves.
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "carol", "3600000", "1-0", "3-0"]), arr(vec![]));
    // IDLE sets the delivery time in the past, RETRYCOUNT the count.
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "bob", "0", "3-0", "IDLE", "500000", "RETRYCOUNT", "7", "JUSTID"]), arr(vec![bulk("3-0")]));
    let p = c.cmd(&["XPENDING", "s", "g", "-", "+", "10"]).array();
    let line = |i: usize| p[i].array();
    assert_eq!((line(0)[1].clone(), line(0)[3].clone()), (bulk("bob"), int(2)), "claimed once: delivered twice");
    assert_eq!(line(1)[3], int(1), "JUSTID does not count a delivery");
    assert_eq!(line(2)[3], int(7));
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "bob", "0", "2-0", "RETRYCOUNT", "-3", "JUSTID"]), arr(vec![bulk("2-0")]));
    assert_eq!(c.cmd(&["XPENDING", "s", "g", "2-0", "2-0", "1"]).array()[0].array()[3], int(1), "a negative RETRYCOUNT is ignored");
    assert!(line(2)[2].int() >= 500000);
    assert_eq!(ids(&c.cmd(&["XPENDING", "s", "g", "IDLE", "400000", "-", "+", "10"])), ["3-0"]);
    // TIME sets it absolutely.
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "carol", "0", "4-0", "TIME", "1000", "JUSTID"]), arr(vec![bulk("4-0")]));
    assert!(c.cmd(&["XPENDING", "s", "g", "4-0", "4-0", "1"]).array()[0].array()[2].int() > 1_000_000_000);
    // FORCE creates a pending entry for an entry never delivered; without it nothing.
    assert_eq!(add(&mut c, "s", "9-0", &["n", "9"]), bulk("9-0"));
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "bob", "0", "9-0"]), arr(vec![]));
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "bob", "0", "9-0", "FORCE", "LASTID", "20-0"]), arr(vec![entry("9-0", &["n", "9"])]));
    assert_eq!(fields(&c.cmd(&["XINFO", "GROUPS", "s"]).array()[0])["last-delivered-id"], bulk("20-0"));
    // A claimed entry deleted from the stream leaves the PEL.
    assert_eq!(c.cmd(&["XDEL", "s", "4-0"]), int(1));
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "bob", "0", "4-0"]), arr(vec![]));
    assert_eq!(ids(&c.cmd(&["XPENDING", "s", "g", "-", "+", "10"])), ["1-0", "2-0", "3-0", "9-0"]);
    // Errors.
    assert_eq!(c.cmd(&["XCLAIM", "s", "nog", "bob", "0", "1-0"]), err("NOGROUP No such key 's' or consumer group 'nog'"));
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "bob", "abc", "1-0"]), err("ERR Invalid min-idle-time argument for XCLAIM"));
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "bob", "0", "1-0", "FOO"]), err("ERR Unrecognized XCLAIM option 'FOO'"));
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "bob", "0", "1-0", "IDLE", "x"]), err("ERR Invalid IDLE option argument for XCLAIM"));
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "bob", "0", "1-0", "TIME", "x"]), err("ERR Invalid TIME option argument for XCLAIM"));
    assert_eq!(
        c.cmd(&["XCLAIM", "s", "g", "bob", "0", "1-0", "RETRYCOUNT", "x"]),
        err("ERR Invalid RETRYCOUNT option argument for XCLAIM")
    );
    assert_eq!(c.cmd(&["XCLAIM", "s", "g", "bob", "0", "1-0", "LASTID", "x"]), err(INVALID_ID));
}

#[test]
fn xautoclaim_pages_through_the_pel() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"]), ok());
    fill(&mut c, "s", 5);
    c.cmd(&["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"]);
    assert_eq!(
        c.cmd(&["XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "2"]),
        arr(vec![bulk("3-0"), arr(vec![entry("1-0", &["n", "1"]), entry("2-0", &["n", "2"])]), arr(vec![])])
    );
    assert_eq!(
        c.cmd(&["XAUTOCLAIM", "s", "g", "bob", "0", "3-0", "COUNT", "2", "JUSTID"]),
        arr(vec![bulk("5-0"), arr(vec![bulk("3-0"), bulk("4-0")]), arr(vec![])])
    );
    // Deleted entries leave the PEL and are listed; the cursor ends at 0-0.
    assert_eq!(c.cmd(&["XDEL", "s", "5-0"]), int(1));
    assert_eq!(c.cmd(&["XAUTOCLAIM", "s", "g", "bob", "0", "5-0"]), arr(vec![bulk("0-0"), arr(vec![]), arr(vec![bulk("5-0")])]));
    // Not idle long enough.
    assert_eq!(c.cmd(&["XAUTOCLAIM", "s", "g", "carol", "3600000", "-", "JUSTID"]), arr(vec![bulk("0-0"), arr(vec![]), arr(vec![])]));
    assert_eq!(
        c.cmd(&["XAUTOCLAIM", "s", "g", "carol", "0", "(1-0", "COUNT", "1", "JUSTID"]),
        arr(vec![bulk("3-0"), arr(vec![bulk("2-0")]), arr(vec![])])
    );
    let p = c.cmd(&["XPENDING", "s", "g"]).array();
    assert_eq!(p[0], int(4));
    assert_eq!(p[3], arr(vec![arr(vec![bulk("bob"), bulk("3")]), arr(vec![bulk("carol"), bulk("1")])]));
    assert_eq!(c.cmd(&["XAUTOCLAIM", "s", "g", "d", "0", "0", "COUNT", "0"]), err("ERR COUNT must be > 0"));
    assert_eq!(c.cmd(&["XAUTOCLAIM", "s", "g", "d", "x", "0"]), err("ERR Invalid min-idle-time argument for XAUTOCLAIM"));
    assert_eq!(c.cmd(&["XAUTOCLAIM", "s", "g", "d", "0", "x"]), err(INVALID_ID));
    assert_eq!(c.cmd(&["XAUTOCLAIM", "s", "g", "d", "0", "0", "FOO"]), err(SYNTAX));
    assert_eq!(c.cmd(&["XAUTOCLAIM", "s", "nog", "d", "0", "0"]), err("NOGROUP No such key 's' or consumer group 'nog'"));
}

#[test]
fn xinfo_full_and_errors() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["XINFO", "STREAM", "missing"]), err("ERR no such key"));
    assert_eq!(c.cmd(&["XINFO", "GROUPS", "missing"]), err("ERR no such key"));
    assert_eq!(c.cmd(&["XINFO", "CONSUMERS", "missing", "g"]), err("ERR no such key"));
    fill(&mut c, "s", 3);
    assert_eq!(c.cmd(&["XINFO", "CONSUMERS", "s", "g"]), err("NOGROUP No such consumer group 'g' for key name 's'"));
    assert_eq!(
        c.cmd(&["XINFO", "STREAM", "s", "FOO"]),
        err("ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.")
    );
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]), ok());
    c.cmd(&["XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"]);
    let full = fields(&c.cmd(&["XINFO", "STREAM", "s", "FULL", "COUNT", "1"]));
    assert_eq!(full["length"], int(3));
    assert_eq!(full["entries"], arr(vec![entry("1-0", &["n", "1"])]));
    let g = fields(&full["groups"].array()[0]);
    assert_eq!(g["name"], bulk("g"));
    assert_eq!(g["last-delivered-id"], bulk("2-0"));
    assert_eq!(g["entries-read"], int(2));
    assert_eq!(g["lag"], int(1));
    assert_eq!(g["pel-count"], int(2));
    let pel = g["pending"].array();
    assert_eq!(pel.len(), 1, "COUNT 1 limits the PEL too");
    assert_eq!((pel[0].array()[0].clone(), pel[0].array()[1].clone(), pel[0].array()[3].clone()), (bulk("1-0"), bulk("alice"), int(1)));
    let alice = fields(&g["consumers"].array()[0]);
    assert_eq!((alice["name"].clone(), alice["pel-count"].clone()), (bulk("alice"), int(2)));
    assert_eq!(alice["pending"].array().len(), 1);
    let all = fields(&c.cmd(&["XINFO", "STREAM", "s", "FULL"]));
    assert_eq!(all["entries"].array().len(), 3);
    let consumer = fields(&c.cmd(&["XINFO", "CONSUMERS", "s", "g"]).array()[0]);
    assert_eq!((consumer["name"].clone(), consumer["pending"].clone()), (bulk("alice"), int(2)));
    assert!(consumer["idle"].int() >= 0);
}

#[test]
fn streams_move_with_rename_and_copy() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "s", 2);
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]), ok());
    c.cmd(&["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"]);
    assert_eq!(c.cmd(&["RENAME", "s", "t"]), ok());
    assert_eq!(c.cmd(&["COPY", "t", "u"]), int(1));
    for key in ["t", "u"] {
        assert_eq!(ids(&c.cmd(&["XRANGE", key, "-", "+"])), ["1-0", "2-0"]);
        assert_eq!(c.cmd(&["XPENDING", key, "g"]).array()[0], int(2), "{key}");
        assert_eq!(add(&mut c, key, "2-0", &["f", "v"]), err(TOO_SMALL), "the last ID moves too");
    }
    assert_eq!(c.cmd(&["XACK", "u", "g", "1-0"]), int(1));
    assert_eq!(c.cmd(&["XPENDING", "t", "g"]).array()[0], int(2), "a copy is independent");
}

// ---------------------------------------------------------------------------------
// Crashes and restarts

#[test]
fn consumer_group_survives_sigkill_without_losing_or_redelivering() {
    if std::env::var("DISKDB_TEST_REDIS").is_ok_and(|v| v == "1") {
        return; // needs DiskDB's data dir and a restart
    }
    let mut server = Server::start_with(&["--appendfsync", "everysec"]);
    let mut producer = server.client();
    assert_eq!(producer.cmd(&["XGROUP", "CREATE", "jobs", "workers", "$", "MKSTREAM"]), ok());
    let total = 200;
    for i in 1..=total {
        assert_eq!(add(&mut producer, "jobs", &format!("{i}-0"), &["job", &i.to_string()]), bulk(&format!("{i}-0")));
    }
    // Two consumers take a share each and acknowledge part of it.
    let mut got: HashMap<&str, Vec<String>> = HashMap::new();
    for (who, count) in [("alice", "60"), ("bob", "50")] {
        let mut c = server.client();
        let reply = c.cmd(&["XREADGROUP", "GROUP", "workers", who, "COUNT", count, "STREAMS", "jobs", ">"]);
        got.insert(who, ids(&reply.array()[0].array()[1]));
    }
    let acked: Vec<String> = got["alice"][..40].to_vec();
    let mut ack = vec!["XACK", "jobs", "workers"];
    ack.extend(acked.iter().map(String::as_str));
    assert_eq!(producer.cmd(&ack), int(40));
    let before = producer.cmd(&["XPENDING", "jobs", "workers", "-", "+", "1000"]);
    server.kill9();
    server.restart();

    let mut c = server.client();
    assert_eq!(c.cmd(&["XLEN", "jobs"]), int(total));
    // Exactly the unacknowledged entries are still pending, with their owners and counts.
    let after = c.cmd(&["XPENDING", "jobs", "workers", "-", "+", "1000"]);
    let strip_idle = |v: &Value| -> Vec<Vec<Value>> {
        v.array().iter().map(|l| l.array().into_iter().enumerate().filter(|(i, _)| *i != 2).map(|(_, x)| x).collect()).collect()
    };
    assert_eq!(strip_idle(&after), strip_idle(&before));
    assert_eq!(after.array().len(), 70);
    assert_eq!(
        c.cmd(&["XPENDING", "jobs", "workers"]).array()[3],
        arr(vec![arr(vec![bulk("alice"), bulk("20")]), arr(vec![bulk("bob"), bulk("50")])])
    );
    // `>` continues after the last delivered entry: nothing is delivered twice.
    let next = c.cmd(&["XREADGROUP", "GROUP", "workers", "carol", "STREAMS", "jobs", ">"]);
    assert_eq!(ids(&next.array()[0].array()[1]), (111..=total).map(|i| format!("{i}-0")).collect::<Vec<_>>());
    // Bob's history is intact; only a claim moves his entries.
    assert_eq!(ids(&c.cmd(&["XREADGROUP", "GROUP", "workers", "bob", "STREAMS", "jobs", "0"]).array()[0].array()[1]), got["bob"]);
    let claimed = c.cmd(&["XAUTOCLAIM", "jobs", "workers", "alice", "0", "0", "COUNT", "1000", "JUSTID"]).array();
    assert_eq!(claimed[1].array().len(), 160);
    assert_eq!(fields(&c.cmd(&["XINFO", "GROUPS", "jobs"]).array()[0])["lag"], int(0));
}

#[test]
fn streams_survive_a_clean_restart_with_their_counters() {
    if std::env::var("DISKDB_TEST_REDIS").is_ok_and(|v| v == "1") {
        return;
    }
    let mut server = Server::start_with(&[]);
    let mut c = server.client();
    fill(&mut c, "s", 5);
    assert_eq!(c.cmd(&["XDEL", "s", "5-0"]), int(1));
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]), ok());
    let info = c.cmd(&["XINFO", "STREAM", "s", "FULL"]);
    assert!(server.terminate());
    server.restart();
    let mut c = server.client();
    assert_eq!(c.cmd(&["XINFO", "STREAM", "s", "FULL"]), info);
    assert_eq!(c.cmd(&["XADD", "s", "*", "f", "v"]).text().split('-').count(), 2);
    assert_eq!(add(&mut c, "s", "5-0", &["f", "v"]), err(TOO_SMALL));
}

/// A work queue: entries come in, are delivered, acknowledged and deleted, while one
/// poison entry stays pending and entries in the middle of a kept backlog are deleted.
/// Every acknowledgement and XDEL deletes rows that XPENDING, XAUTOCLAIM and XRANGE scan,
/// and past a threshold the stream is copied under a new version. The stream, the group,
/// its consumers and the pending entries stay exact, and after a restart too.
#[test]
fn a_work_queue_keeps_its_stream_group_and_pending_entries_exact() {
    let mut server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"]), ok());
    for i in 1..=20 {
        add(&mut c, "q", &format!("{i}-0"), &["backlog", &i.to_string()]);
    }
    assert_eq!(c.cmd(&["XREADGROUP", "GROUP", "g", "stuck", "COUNT", "1", "STREAMS", "q", ">"]).array().len(), 1);
    assert_eq!(c.cmd(&["XGROUP", "SETID", "q", "g", "20-0"]), ok());
    let mut backlog: Vec<String> = (2..=20).map(|i| format!("{i}-0")).collect();
    let mut batch = Vec::new();
    for i in 100..700u64 {
        let id = format!("{i}-0");
        batch.extend(Client::encode(&[b"XADD", b"q", id.as_bytes(), b"job", b"x"]));
        batch.extend(Client::encode(&[b"XCLAIM", b"q", b"g", b"worker", b"0", id.as_bytes(), b"JUSTID"]));
        batch.extend(Client::encode(&[b"XACK", b"q", b"g", id.as_bytes()]));
        batch.extend(Client::encode(&[b"XDEL", b"q", id.as_bytes()]));
    }
    c.send_raw(&batch);
    for i in 100..700 {
        let id = format!("{i}-0");
        assert_eq!(c.read(), bulk(&id));
        assert_eq!(c.read(), arr(vec![]), "XCLAIM only claims pending entries");
        assert_eq!((c.read(), c.read()), (int(0), int(1)), "round {i}");
    }
    for i in 700..1000u64 {
        let id = format!("{i}-0");
        assert_eq!(add(&mut c, "q", &id, &["job", "x"]), bulk(&id));
        let got = c.cmd(&["XREADGROUP", "GROUP", "g", "worker", "COUNT", "1", "STREAMS", "q", ">"]);
        assert_eq!(ids(&got.array()[0].array()[1]), std::slice::from_ref(&id));
        assert_eq!(c.cmd(&["XACK", "q", "g", &id]), int(1));
        assert_eq!(c.cmd(&["XDEL", "q", &id]), int(1));
        if i % 3 == 0 && backlog.len() > 5 {
            // An entry from the middle of the backlog.
            let gone = backlog.remove(backlog.len() / 2);
            assert_eq!(c.cmd(&["XDEL", "q", &gone]), int(1));
        }
    }
    let check = |c: &mut Client| {
        let pending = c.cmd(&["XPENDING", "q", "g", "-", "+", "10"]).array();
        assert_eq!(pending.len(), 1);
        assert_eq!((pending[0].array()[0].text(), pending[0].array()[1].text()), ("1-0".to_string(), "stuck".to_string()));
        let summary = c.cmd(&["XPENDING", "q", "g"]).array();
        assert_eq!(summary[0], int(1));
        let claimed = c.cmd(&["XAUTOCLAIM", "q", "g", "stuck", "0", "0-0", "COUNT", "10", "JUSTID"]).array();
        assert_eq!(claimed[1], arr(vec![bulk("1-0")]));
        let mut want = vec!["1-0".to_string()];
        want.extend(backlog.iter().cloned());
        assert_eq!(ids(&c.cmd(&["XRANGE", "q", "-", "+"])), want);
        let info = fields(&c.cmd(&["XINFO", "STREAM", "q"]));
        assert_eq!(info["length"], int(want.len() as i64));
        assert_eq!(info["last-generated-id"], bulk("999-0"));
        assert_eq!(info["entries-added"], int(920));
        let groups = c.cmd(&["XINFO", "GROUPS", "q"]).array();
        let group = fields(&groups[0]);
        assert_eq!((group["consumers"].clone(), group["pending"].clone()), (int(2), int(1)));
        assert_eq!(group["last-delivered-id"], bulk("999-0"));
    };
    check(&mut c);
    if server.is_reference() {
        return;
    }
    drop(c);
    server.restart();
    check(&mut server.client());
}

// ---------------------------------------------------------------------------------
// Blocking reads

#[test]
fn xread_block_times_out_with_nil() {
    let s = Server::start();
    let mut c = s.client();
    fill(&mut c, "s", 1);
    assert_eq!(c.cmd(&["XREAD", "BLOCK", "50", "STREAMS", "s", "$"]), nil());
    assert_eq!(c.cmd(&["XREAD", "BLOCK", "50", "STREAMS", "missing", "0"]), nil());
    assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()), "the connection works after a timeout");
}

/// Sends `args` without reading the reply (the client is about to block).
fn send(c: &mut Client, args: &[&str]) {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    c.send_raw(&Client::encode(&args));
}

/// Waits (bounded) until the server reports `n` blocked clients.
fn wait_blocked(c: &mut Client, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let info = c.cmd(&["INFO", "clients"]).text();
        if info.contains(&format!("blocked_clients:{n}\r\n")) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{n} clients never blocked: {info}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn xread_block_wakes_on_xadd_from_another_client() {
    let s = Server::start();
    let (mut reader, mut writer) = (s.client(), s.client());
    fill(&mut writer, "s", 2);
    // `$` means the last ID when the read started: the wake-up brings only the new entry.
    send(&mut reader, &["XREAD", "BLOCK", "0", "STREAMS", "other", "s", "0", "$"]);
    wait_blocked(&mut writer, 1);
    assert_eq!(add(&mut writer, "s", "3-0", &["n", "3"]), bulk("3-0"));
    assert_eq!(reader.read(), arr(vec![arr(vec![bulk("s"), arr(vec![entry("3-0", &["n", "3"])])])]));
    // A write to another key of the read wakes it too.
    send(&mut reader, &["XREAD", "BLOCK", "0", "STREAMS", "other", "s", "$", "$"]);
    wait_blocked(&mut writer, 1);
    assert_eq!(add(&mut writer, "other", "1-0", &["o", "1"]), bulk("1-0"));
    assert_eq!(reader.read(), arr(vec![arr(vec![bulk("other"), arr(vec![entry("1-0", &["o", "1"])])])]));
}

#[test]
fn blocked_group_readers_share_new_entries() {
    let s = Server::start();
    let mut writer = s.client();
    assert_eq!(writer.cmd(&["XGROUP", "CREATE", "jobs", "g", "$", "MKSTREAM"]), ok());
    let (mut alice, mut bob) = (s.client(), s.client());
    send(&mut alice, &["XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "jobs", ">"]);
    wait_blocked(&mut writer, 1);
    send(&mut bob, &["XREADGROUP", "GROUP", "g", "bob", "BLOCK", "0", "STREAMS", "jobs", ">"]);
    wait_blocked(&mut writer, 2);
    // The first waiter gets the first entry; the second keeps waiting for the next.
    assert_eq!(add(&mut writer, "jobs", "1-0", &["job", "1"]), bulk("1-0"));
    assert_eq!(alice.read(), arr(vec![arr(vec![bulk("jobs"), arr(vec![entry("1-0", &["job", "1"])])])]));
    wait_blocked(&mut writer, 1);
    assert_eq!(add(&mut writer, "jobs", "2-0", &["job", "2"]), bulk("2-0"));
    assert_eq!(bob.read(), arr(vec![arr(vec![bulk("jobs"), arr(vec![entry("2-0", &["job", "2"])])])]));
    let p = writer.cmd(&["XPENDING", "jobs", "g"]).array();
    assert_eq!(p[3], arr(vec![arr(vec![bulk("alice"), bulk("1")]), arr(vec![bulk("bob"), bulk("1")])]));
    // A group reader that times out gets a nil array.
    assert_eq!(writer.cmd(&["XREADGROUP", "GROUP", "g", "carol", "BLOCK", "50", "STREAMS", "jobs", ">"]), nil());
}

/// IDs are read as Redis's `string2ull` reads numbers: a strict integer, or what C's
/// `strtoull` takes (leading blanks, a `+`), so clients that send such IDs get what
/// Redis gives them.
#[test]
fn ids_are_read_as_redis_reads_them() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["XADD", "s", " 1", "f", "v"]), bulk("1-0"));
    assert_eq!(c.cmd(&["XADD", "s", "+2", "f", "v"]), bulk("2-0"));
    assert_eq!(c.cmd(&["XADD", "s", "3-+4", "f", "v"]), bulk("3-4"));
    assert_eq!(ids(&c.cmd(&["XRANGE", "s", "( 1", "+"])), ["2-0", "3-4"]);
    for bad in ["1 ", "-1", "1--1", "1-", "", "18446744073709551616"] {
        assert_eq!(c.cmd(&["XADD", "s", bad, "f", "v"]), err(INVALID_ID), "{bad:?}");
    }
}

/// Redis looks a stream command's key (and group) up before it reads the command's
/// IDs and options, so a missing key or group, or another type, answers first.
#[test]
fn the_key_and_group_are_checked_before_the_ids() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "str", "x"]), ok());
    assert_eq!(c.cmd(&["XADD", "s", "20-1", "f", "v"]), bulk("20-1"));
    assert_eq!(c.cmd(&["XDEL", "nokey", "bad"]), int(0));
    assert_eq!(c.cmd(&["XDEL", "str", "bad"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["XDEL", "s", "bad"]), err(INVALID_ID));
    assert_eq!(c.cmd(&["XACK", "nokey", "g", "bad"]), int(0));
    assert_eq!(c.cmd(&["XACK", "s", "nogroup", "bad"]), int(0));
    assert_eq!(c.cmd(&["XACK", "str", "g", "bad"]), err(WRONGTYPE));
    let nogroup = "NOGROUP No such key 's' or consumer group 'nogroup'";
    assert_eq!(c.cmd(&["XCLAIM", "s", "nogroup", "c", "0", "bad"]), err(nogroup));
    assert_eq!(c.cmd(&["XCLAIM", "s", "nogroup", "c", "x", "20-0"]), err(nogroup));
    assert_eq!(
        c.cmd(&["XGROUP", "CREATE", "nokey", "g", "bad"]).error(),
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM \
         option to create an empty stream automatically."
    );
    assert_eq!(c.cmd(&["XGROUP", "SETID", "s", "g2", "abc"]), err("NOGROUP No such consumer group 'g2' for key name 's'"));
    assert_eq!(
        c.cmd(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", "$"]),
        err("NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option")
    );
    assert_eq!(c.cmd(&["XREAD", "STREAMS", "str", "0-x"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["XINFO", "STREAM", "str", "x"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["XINFO", "STREAM", "str", "FULL", "COUNT", "x"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["XINFO", "STREAM", "nokey", "FULL", "COUNT", "x"]), err("ERR no such key"));
    // XSETID checks the top entry before the length.
    assert_eq!(
        c.cmd(&["XSETID", "s", "16", "ENTRIESADDED", "0"]),
        err("ERR The ID specified in XSETID is smaller than the target stream top item")
    );
}

/// COUNT 0 (or less) is a nil array for a stream, but only once the key is found: a
/// missing key is an empty array and another type WRONGTYPE.
#[test]
fn xrange_count_zero_looks_the_key_up_first() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "str", "x"]), ok());
    assert_eq!(c.cmd(&["XADD", "s", "1-1", "f", "v"]), bulk("1-1"));
    assert_eq!(c.cmd(&["XRANGE", "nokey", "-", "+", "COUNT", "0"]), arr(vec![]));
    assert_eq!(c.cmd(&["XREVRANGE", "nokey", "-", "-", "COUNT", "-5"]), arr(vec![]));
    assert_eq!(c.cmd(&["XRANGE", "str", "-", "+", "COUNT", "0"]), err(WRONGTYPE));
    assert_eq!(c.cmd(&["XRANGE", "s", "-", "+", "COUNT", "0"]), nil());
}

/// Redis stands for `>` with the largest ID, so XREADGROUP naming that ID reads new
/// entries; and a stream named twice is read twice, the second read seeing what the
/// first delivered.
#[test]
fn xreadgroup_reads_the_largest_id_as_new_and_a_key_twice_in_order() {
    let server = Server::start();
    let mut c = server.client();
    let max = "18446744073709551615-18446744073709551615";
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"]), ok());
    assert_eq!(c.cmd(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", max]), nil());
    assert_eq!(c.cmd(&["XADD", "s", "1-1", "f", "v"]), bulk("1-1"));
    let read = c.cmd(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", max]);
    assert_eq!(read, arr(vec![arr(vec![bulk("s"), arr(vec![entry("1-1", &["f", "v"])])])]));
    assert_eq!(ids(&c.cmd(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"]).array()[0].array()[1]), ["1-1"]);

    assert_eq!(c.cmd(&["XADD", "t", "17-2", "a", "b"]), bulk("17-2"));
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "t", "g", "0"]), ok());
    let twice = c.cmd(&["XREADGROUP", "GROUP", "g", "c", "COUNT", "3", "STREAMS", "t", "t", ">", "0-0"]);
    let per_key = twice.array();
    assert_eq!(per_key.len(), 2);
    assert_eq!(ids(&per_key[0].array()[1]), ["17-2"]);
    assert_eq!(ids(&per_key[1].array()[1]), ["17-2"]);
    // Delivered twice in one command: the second delivery counts.
    let pending = c.cmd(&["XPENDING", "t", "g", "-", "+", "10"]);
    assert_eq!(pending.array()[0].array()[3], int(2));
}
