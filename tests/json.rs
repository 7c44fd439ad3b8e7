//! JSON commands, black-box against RedisJSON's semantics: every command, both path
//! syntaxes, the RESP2/RESP3 reply shapes, errors, wrong types, binary-safe keys, the
//! generic key commands on JSON keys, and large documents (which DiskDB stores split by
//! top-level member): edits, whole reads, DEL, expiry and restart.
//!
//! Debian's redis-server has no JSON module, so with `DISKDB_TEST_REDIS=1` these tests
//! check nothing and say so.

mod common;
use common::*;

use serde_json::{json, Value as Json};
use std::time::{Duration, Instant};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NO_KEY: &str = "ERR could not perform this operation on a key that doesn't exist";

/// DiskDB, or `None` (test skipped) when the reference server is asked for.
fn server() -> Option<Server> {
    let s = Server::start();
    if s.is_reference() {
        eprintln!("skipped: redis-server has no JSON module");
        return None;
    }
    Some(s)
}

fn nil() -> Value {
    Value::Nil
}

/// A bulk reply parsed as JSON.
fn parsed(v: &Value) -> Json {
    serde_json::from_str(&v.text()).unwrap_or_else(|e| panic!("not JSON: {v:?}: {e}"))
}

fn simple(s: &str) -> Value {
    Value::Simple(s.into())
}

const DOC: &str = r#"{"name":"Ada","age":36,"tags":["math","logic"],"address":{"city":"London","zip":null},"items":[{"price":5,"n":"a"},{"price":15,"n":"b"},{"price":8.5,"n":"c"}],"ok":true}"#;

fn with_doc() -> Option<(Server, Client)> {
    let s = server()?;
    let mut c = s.client();
    assert_eq!(c.cmd(&["JSON.SET", "doc", "$", DOC]), ok());
    Some((s, c))
}

#[test]
fn get_answers_jsonpath_with_arrays_and_legacy_paths_with_the_value() {
    let Some((_s, mut c)) = with_doc() else { return };
    // No path is the legacy root: the document itself, compact, in insertion order.
    assert_eq!(c.cmd(&["JSON.GET", "doc"]), bulk(DOC));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "."]), bulk(DOC));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$"]), bulk(&format!("[{DOC}]")));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$.name"]), bulk(r#"["Ada"]"#));
    assert_eq!(c.cmd(&["JSON.GET", "doc", ".name"]), bulk(r#""Ada""#));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "name"]), bulk(r#""Ada""#));
    assert_eq!(c.cmd(&["JSON.GET", "doc", r#"["name"]"#]), bulk(r#""Ada""#));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "address.city"]), bulk(r#""London""#));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$['address']['city']"]), bulk(r#"["London"]"#));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$..city"]), bulk(r#"["London"]"#));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$.tags[0]"]), bulk(r#"["math"]"#));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$.tags[-1]"]), bulk(r#"["logic"]"#));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$.tags[*]"]), bulk(r#"["math","logic"]"#));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$.items[*].price"]), bulk("[5,15,8.5]"));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$.items[0:2].n"]), bulk(r#"["a","b"]"#));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$..price"]), bulk("[5,15,8.5]"));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$.items[?(@.price<10)].n"]), bulk(r#"["a","c"]"#));
    assert_eq!(c.cmd(&["JSON.GET", "doc", r#"$.items[?(@.price>1 && @.n=="b")].price"#]), bulk("[15]"));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$.address.zip"]), bulk("[null]"));
    // Nothing matches: an empty array for JSONPath, an error for a legacy path.
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$.nope"]), bulk("[]"));
    assert_eq!(c.cmd(&["JSON.GET", "doc", ".nope"]), err("ERR Path '$.nope' does not exist"));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "nope.deeper"]), err("ERR Path '$.nope.deeper' does not exist"));
    assert_eq!(c.cmd(&["JSON.GET", "missing"]), nil());
    assert_eq!(c.cmd(&["JSON.GET", "missing", "$"]), nil());
}

#[test]
fn get_with_several_paths_answers_an_object_keyed_by_path() {
    let Some((_s, mut c)) = with_doc() else { return };
    let both = parsed(&c.cmd(&["JSON.GET", "doc", "$.name", "$..city"]));
    assert_eq!(both, json!({"$.name": ["Ada"], "$..city": ["London"]}));
    let legacy = parsed(&c.cmd(&["JSON.GET", "doc", ".name", ".age"]));
    assert_eq!(legacy, json!({".name": "Ada", ".age": 36}));
    // Mixed syntaxes: every path answers with its array of matches.
    let mixed = parsed(&c.cmd(&["JSON.GET", "doc", ".name", "$.age"]));
    assert_eq!(mixed, json!({".name": ["Ada"], "$.age": [36]}));
    assert_eq!(c.cmd(&["JSON.GET", "doc", ".name", ".nope"]), err("ERR Path '.nope' does not exist"));
}

#[test]
fn get_formats_with_indent_newline_and_space() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    c.cmd(&["JSON.SET", "k", "$", r#"{"a":[1,{}],"b":{"c":true}}"#]);
    let pretty = c.cmd(&["JSON.GET", "k", "INDENT", "  ", "NEWLINE", "\n", "SPACE", " "]);
    assert_eq!(pretty.text(), "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": {\n    \"c\": true\n  }\n}");
    assert_eq!(c.cmd(&["JSON.GET", "k", "SPACE", "_", "$.b"]), bulk(r#"[{"c":_true}]"#));
    assert_eq!(c.cmd(&["JSON.GET", "k", "NOESCAPE", ".b"]), bulk(r#"{"c":true}"#));
    assert_eq!(c.cmd(&["JSON.GET", "k", "INDENT"]), err("ERR syntax error"));
}

#[test]
fn set_creates_at_the_root_and_honours_nx_xx() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    assert_eq!(c.cmd(&["JSON.SET", "k", "$.a", "1"]), err("ERR new objects must be created at the root"));
    assert_eq!(c.cmd(&["JSON.SET", "k", ".", "1", "XX"]), nil());
    assert_eq!(c.cmd(&["JSON.SET", "k", ".", r#"{"a":1}"#, "NX"]), ok());
    assert_eq!(c.cmd(&["JSON.SET", "k", "$", "{}", "NX"]), nil());
    assert_eq!(c.cmd(&["JSON.GET", "k"]), bulk(r#"{"a":1}"#));
    // A new member of an existing object; a deeper missing parent is nil.
    assert_eq!(c.cmd(&["JSON.SET", "k", "$.b", r#"[1,2]"#]), ok());
    assert_eq!(c.cmd(&["JSON.SET", "k", ".c", r#""x""#]), ok());
    assert_eq!(c.cmd(&["JSON.SET", "k", "$.x.y", "1"]), nil());
    assert_eq!(c.cmd(&["JSON.SET", "k", "$.a", "2", "NX"]), nil());
    assert_eq!(c.cmd(&["JSON.SET", "k", "$.z", "2", "XX"]), nil());
    assert_eq!(c.cmd(&["JSON.SET", "k", "$.a", "2", "XX"]), ok());
    assert_eq!(c.cmd(&["JSON.SET", "k", "$.b[1]", "20"]), ok());
    assert_eq!(c.cmd(&["JSON.SET", "k", "$.b[5]", "20"]), err("ERR array index out of range"));
    assert_eq!(c.cmd(&["JSON.GET", "k"]), bulk(r#"{"a":2,"b":[1,20],"c":"x"}"#));
    // Every match of a JSONPath is set.
    c.cmd(&["JSON.SET", "m", "$", r#"{"a":{"x":1},"b":{"x":2},"c":[{"x":3}]}"#]);
    assert_eq!(c.cmd(&["JSON.SET", "m", "$..x", "0"]), ok());
    assert_eq!(c.cmd(&["JSON.GET", "m"]), bulk(r#"{"a":{"x":0},"b":{"x":0},"c":[{"x":0}]}"#));
    assert_eq!(c.cmd(&["JSON.SET", "m", "$..nope", "0"]), err("ERR wrong static path"));
    // Bad input.
    assert_eq!(c.cmd(&["JSON.SET", "k", "$", "{oops"]), err("ERR key must be a string at line 1 column 2"));
    assert_eq!(c.cmd(&["JSON.SET", "k", "$", ""]), err("ERR EOF while parsing a value at line 1 column 0"));
    assert_eq!(c.cmd(&["JSON.SET", "k", "$", "1", "NX", "XX"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["JSON.SET", "k", "$", "1", "FOO"]), err("ERR syntax error"));
    assert!(c.cmd(&["JSON.SET", "k", "$[", "1"]).error().starts_with("ERR invalid JSON path '$['"));
    assert_eq!(c.cmd(&["JSON.SET", "k", "$"]), err("ERR wrong number of arguments for 'json.set' command"));
    // Root replacement keeps the TTL, as RedisJSON edits the value in place.
    c.cmd(&["EXPIRE", "k", "100"]);
    assert_eq!(c.cmd(&["JSON.SET", "k", "$", "[]"]), ok());
    assert!(c.cmd(&["TTL", "k"]).int() > 0);
}

#[test]
fn unicode_numbers_and_nesting_round_trip() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    let doc =
        r#"{"ü":["ñ",1.5,null,true,{"deep":[[]]}],"big":18446744073709551615,"neg":-9223372036854775808,"e":1e300,"esc":"a\"b\\c\n"}"#;
    assert_eq!(c.cmd(&["JSON.SET", "k", "$", doc]), ok());
    // Numbers are written as serde_json (and so RedisJSON) writes them.
    assert_eq!(c.cmd(&["JSON.GET", "k"]), bulk(&doc.replace("1e300", "1e+300")));
    assert_eq!(c.cmd(&["JSON.GET", "k", "$['ü'][4].deep"]), bulk("[[[]]]"));
    // Whitespace in the input is not kept.
    c.cmd(&["JSON.SET", "w", "$", " { \"a\" : [ 1 , 2 ] } "]);
    assert_eq!(c.cmd(&["JSON.GET", "w"]), bulk(r#"{"a":[1,2]}"#));
}

#[test]
fn mget_reads_one_path_from_many_keys() {
    let Some((_s, mut c)) = with_doc() else { return };
    c.cmd(&["JSON.SET", "doc2", "$", r#"{"name":"Alan"}"#]);
    c.cmd(&["SET", "str", "x"]);
    let reply = c.cmd(&["JSON.MGET", "doc", "doc2", "missing", "str", "$.name"]);
    assert_eq!(reply, arr(vec![bulk(r#"["Ada"]"#), bulk(r#"["Alan"]"#), nil(), nil()]));
    let reply = c.cmd(&["JSON.MGET", "doc", "doc2", ".age"]);
    assert_eq!(reply, arr(vec![bulk("36"), nil()]));
    assert_eq!(c.cmd(&["JSON.MGET", "doc"]), err("ERR wrong number of arguments for 'json.mget' command"));
}

#[test]
fn mset_sets_every_triplet() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    assert_eq!(c.cmd(&["JSON.MSET", "a", "$", "1", "b", "$", r#"{"x":[]}"#]), ok());
    assert_eq!(c.cmd(&["JSON.MSET", "b", "$.x", "[2]", "a", "$"]), err("ERR wrong number of arguments for 'json.mset' command"));
    assert_eq!(c.cmd(&["JSON.MSET", "b", "$.x", "[2]", "a", "$", "{bad"]), err("ERR key must be a string at line 1 column 2"));
    assert_eq!(c.cmd(&["JSON.GET", "b"]), bulk(r#"{"x":[]}"#), "a bad triplet writes nothing");
    assert_eq!(c.cmd(&["JSON.MSET", "b", "$.x", "[2]", "new", "$.y", "1"]), err("ERR new objects must be created at the root"));
    assert_eq!(c.cmd(&["JSON.GET", "b"]), bulk(r#"{"x":[]}"#), "a triplet that cannot apply writes nothing");
    assert_eq!(c.cmd(&["JSON.MSET", "b", "$.x", "[2]", "a", "$", "3"]), ok());
    // Later triplets see the earlier ones, also on one key.
    assert_eq!(c.cmd(&["JSON.MSET", "c", "$", "{}", "c", "$.v", "[1]", "c", "$.v[0]", "5"]), ok());
    assert_eq!(c.cmd(&["JSON.GET", "c"]), bulk(r#"{"v":[5]}"#));
    assert_eq!(c.cmd(&["JSON.MGET", "a", "b", "."]), arr(vec![bulk("3"), bulk(r#"{"x":[2]}"#)]));
}

#[test]
fn del_and_forget_remove_matches_or_the_key() {
    let Some((_s, mut c)) = with_doc() else { return };
    assert_eq!(c.cmd(&["JSON.DEL", "doc", "$.address.zip"]), int(1));
    assert_eq!(c.cmd(&["JSON.DEL", "doc", "$.nope"]), int(0));
    assert_eq!(c.cmd(&["JSON.FORGET", "doc", ".tags[0]"]), int(1));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$.tags"]), bulk(r#"[["logic"]]"#));
    // Matches inside another match go with it; array elements go highest first.
    assert_eq!(c.cmd(&["JSON.DEL", "doc", "$.items[?(@.price<10)]"]), int(2));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$.items"]), bulk(r#"[[{"price":15,"n":"b"}]]"#));
    c.cmd(&["JSON.SET", "n", "$", r#"{"a":{"a":{"a":1}},"b":[{"a":2}]}"#]);
    assert_eq!(c.cmd(&["JSON.DEL", "n", "$..a"]), int(2));
    assert_eq!(c.cmd(&["JSON.GET", "n"]), bulk(r#"{"b":[{}]}"#));
    // The root deletes the key.
    assert_eq!(c.cmd(&["JSON.DEL", "doc"]), int(1));
    assert_eq!(c.cmd(&["EXISTS", "doc"]), int(0));
    assert_eq!(c.cmd(&["JSON.DEL", "doc"]), int(0));
    assert_eq!(c.cmd(&["JSON.FORGET", "n", "$"]), int(1));
    assert_eq!(c.cmd(&["DBSIZE"]), int(0));
}

#[test]
fn type_names_every_kind_and_wraps_in_resp3() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    c.cmd(&["JSON.SET", "k", "$", r#"{"o":{},"a":[],"s":"","i":1,"f":1.5,"b":false,"n":null}"#]);
    let types = c.cmd(&["JSON.TYPE", "k", "$.*"]);
    let names = ["object", "array", "string", "integer", "number", "boolean", "null"];
    assert_eq!(types, arr(names.iter().map(|n| bulk(n)).collect()));
    assert_eq!(c.cmd(&["JSON.TYPE", "k"]), bulk("object"));
    assert_eq!(c.cmd(&["JSON.TYPE", "k", ".f"]), bulk("number"));
    assert_eq!(c.cmd(&["JSON.TYPE", "k", ".nope"]), nil());
    assert_eq!(c.cmd(&["JSON.TYPE", "k", "$.nope"]), arr(vec![]));
    assert_eq!(c.cmd(&["JSON.TYPE", "missing"]), nil());
    assert_eq!(c.cmd(&["TYPE", "k"]), simple("ReJSON-RL"));
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["JSON.TYPE", "k", "$.i"]), arr(vec![arr(vec![bulk("integer")])]));
    assert_eq!(c.cmd(&["JSON.TYPE", "k", ".i"]), arr(vec![bulk("integer")]));
}

#[test]
fn numincrby_and_nummultby_keep_integers_and_answer_per_protocol() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    c.cmd(&["JSON.SET", "k", "$", r#"{"a":1,"b":{"a":2.5},"c":"x","d":[3]}"#]);
    assert_eq!(c.cmd(&["JSON.NUMINCRBY", "k", "$.a", "2"]), bulk("[3]"));
    assert_eq!(c.cmd(&["JSON.NUMINCRBY", "k", "$..a", "1"]), bulk("[4,3.5]"));
    assert_eq!(c.cmd(&["JSON.NUMINCRBY", "k", "$.c", "1"]), bulk("[null]"));
    assert_eq!(c.cmd(&["JSON.NUMINCRBY", "k", ".a", "0.5"]), bulk("4.5"));
    assert_eq!(c.cmd(&["JSON.NUMMULTBY", "k", "$.d[0]", "2"]), bulk("[6]"));
    assert_eq!(c.cmd(&["JSON.NUMMULTBY", "k", ".d[0]", "1.5"]), bulk("9.0"));
    assert_eq!(c.cmd(&["JSON.NUMINCRBY", "k", ".c", "1"]), err("ERR Path '$.c' does not exist or does not contains a number"));
    assert_eq!(c.cmd(&["JSON.NUMINCRBY", "k", "$.a", "x"]), err("ERR expected value at line 1 column 1"));
    assert_eq!(c.cmd(&["JSON.NUMINCRBY", "k", "$.a", r#""1""#]), err("ERR expected a number"));
    assert_eq!(c.cmd(&["JSON.NUMINCRBY", "missing", "$.a", "1"]), err(NO_KEY));
    assert_eq!(c.cmd(&["JSON.NUMMULTBY", "k", "$.a", "1e308"]), err("ERR result is not a number"));
    assert_eq!(c.cmd(&["JSON.GET", "k"]), bulk(r#"{"a":4.5,"b":{"a":3.5},"c":"x","d":[9.0]}"#));
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["JSON.NUMINCRBY", "k", "$..a", "1"]), arr(vec![Value::Double("5.5".into()), Value::Double("4.5".into())]));
    assert_eq!(c.cmd(&["JSON.NUMINCRBY", "k", "$.d[0]", "1"]), arr(vec![Value::Double("10".into())]));
    c.cmd(&["JSON.SET", "i", "$", "[1]"]);
    assert_eq!(c.cmd(&["JSON.NUMINCRBY", "i", "$[0]", "1"]), arr(vec![int(2)]));
    assert_eq!(c.cmd(&["JSON.NUMINCRBY", "i", "$", "1"]), arr(vec![nil()]));
}

#[test]
fn strings_append_and_measure() {
    let Some((_s, mut c)) = with_doc() else { return };
    assert_eq!(c.cmd(&["JSON.STRAPPEND", "doc", "$.name", r#"" L.""#]), arr(vec![int(6)]));
    assert_eq!(c.cmd(&["JSON.STRAPPEND", "doc", "$..city", r#""!""#]), arr(vec![int(7)]));
    assert_eq!(c.cmd(&["JSON.STRAPPEND", "doc", ".name", r#""é""#]), int(8), "lengths count bytes");
    assert_eq!(c.cmd(&["JSON.STRAPPEND", "doc", "$.age", r#""x""#]), arr(vec![nil()]));
    assert_eq!(c.cmd(&["JSON.STRAPPEND", "doc", ".age", r#""x""#]), err("ERR Path '$.age' does not exist or not a string"));
    assert_eq!(c.cmd(&["JSON.STRAPPEND", "doc", ".name", "x"]), err("ERR expected value at line 1 column 1"));
    assert_eq!(c.cmd(&["JSON.STRAPPEND", "doc", ".name", "1"]), err("WRONGTYPE wrong type of path value - expected string but found 1"));
    assert_eq!(c.cmd(&["JSON.STRAPPEND", "missing", "$", r#""x""#]), err(NO_KEY));
    assert_eq!(c.cmd(&["JSON.GET", "doc", "$.name"]), bulk(r#"["Ada L.é"]"#));
    assert_eq!(c.cmd(&["JSON.STRLEN", "doc", "$.name"]), arr(vec![int(8)]));
    assert_eq!(c.cmd(&["JSON.STRLEN", "doc", "$.*"]).array().len(), 6);
    assert_eq!(c.cmd(&["JSON.STRLEN", "doc", ".address.city"]), int(7));
    assert_eq!(c.cmd(&["JSON.STRLEN", "doc", ".age"]), err("WRONGTYPE wrong type of path value - expected string but found integer"));
    assert_eq!(c.cmd(&["JSON.STRLEN", "doc", ".nope"]), err("ERR Path '$.nope' does not exist"));
    assert_eq!(c.cmd(&["JSON.STRLEN", "missing", ".name"]), nil());
    assert_eq!(c.cmd(&["JSON.STRLEN", "missing", "$.name"]), err(NO_KEY));
    // Without a path STRAPPEND works on the root.
    c.cmd(&["JSON.SET", "s", "$", r#""ab""#]);
    assert_eq!(c.cmd(&["JSON.STRAPPEND", "s", r#""c""#]), int(3));
    assert_eq!(c.cmd(&["JSON.STRLEN", "s"]), int(3));
}

#[test]
fn arrays_append_insert_index_pop_and_trim() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    c.cmd(&["JSON.SET", "k", "$", r#"{"a":[1],"b":{"a":[]},"c":"x"}"#]);
    assert_eq!(c.cmd(&["JSON.ARRAPPEND", "k", "$..a", "2", r#"{"z":1}"#]), arr(vec![int(3), int(2)]));
    assert_eq!(c.cmd(&["JSON.ARRAPPEND", "k", "$.c", "2"]), arr(vec![nil()]));
    assert_eq!(c.cmd(&["JSON.ARRAPPEND", "k", ".a", "3"]), int(4));
    assert_eq!(c.cmd(&["JSON.ARRAPPEND", "k", ".c", "3"]), err("ERR Path '$.c' does not exist or not an array"));
    assert_eq!(c.cmd(&["JSON.ARRAPPEND", "k", ".a"]), err("ERR wrong number of arguments for 'json.arrappend' command"));
    assert_eq!(c.cmd(&["JSON.ARRAPPEND", "missing", "$", "1"]), err(NO_KEY));
    assert_eq!(c.cmd(&["JSON.GET", "k", ".a"]), bulk(r#"[1,2,{"z":1},3]"#));

    assert_eq!(c.cmd(&["JSON.ARRINSERT", "k", "$.a", "1", "10", "11"]), arr(vec![int(6)]));
    assert_eq!(c.cmd(&["JSON.ARRINSERT", "k", ".a", "-1", "12"]), int(7));
    assert_eq!(c.cmd(&["JSON.ARRINSERT", "k", ".a", "99", "0"]), err("ERR index out of bounds"));
    assert_eq!(c.cmd(&["JSON.ARRINSERT", "k", ".a", "x", "0"]), err("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["JSON.GET", "k", ".a"]), bulk(r#"[1,10,11,2,{"z":1},12,3]"#));

    assert_eq!(c.cmd(&["JSON.ARRINDEX", "k", "$.a", "2"]), arr(vec![int(3)]));
    assert_eq!(c.cmd(&["JSON.ARRINDEX", "k", "$.a", r#"{"z":1}"#]), arr(vec![int(4)]));
    assert_eq!(c.cmd(&["JSON.ARRINDEX", "k", ".a", "2", "4"]), int(-1));
    assert_eq!(c.cmd(&["JSON.ARRINDEX", "k", ".a", "3", "-3"]), int(6));
    assert_eq!(c.cmd(&["JSON.ARRINDEX", "k", ".a", "10", "0", "-6"]), int(-1));
    assert_eq!(c.cmd(&["JSON.ARRINDEX", "k", "$..a", "2"]), arr(vec![int(3), int(0)]));
    assert_eq!(c.cmd(&["JSON.ARRINDEX", "k", "$.c", "2"]), arr(vec![nil()]));
    assert_eq!(c.cmd(&["JSON.ARRINDEX", "k", ".a", "2.0"]), int(-1), "2.0 is not the integer 2");

    assert_eq!(c.cmd(&["JSON.ARRLEN", "k", "$..a"]), arr(vec![int(7), int(2)]));
    assert_eq!(c.cmd(&["JSON.ARRLEN", "k", "$.*"]), arr(vec![int(7), nil(), nil()]));
    assert_eq!(c.cmd(&["JSON.ARRLEN", "k", ".a"]), int(7));
    assert_eq!(c.cmd(&["JSON.ARRLEN", "k", ".c"]), err("ERR Path '$.c' does not exist or not an array"));
    assert_eq!(c.cmd(&["JSON.ARRLEN", "k", ".nope"]), err("ERR Path '$.nope' does not exist"));
    assert_eq!(c.cmd(&["JSON.ARRLEN", "missing", ".a"]), nil());
    assert_eq!(c.cmd(&["JSON.ARRLEN", "missing", "$.a"]), err(NO_KEY));

    assert_eq!(c.cmd(&["JSON.ARRPOP", "k", "$.a"]), arr(vec![bulk("3")]));
    assert_eq!(c.cmd(&["JSON.ARRPOP", "k", ".a", "0"]), bulk("1"));
    assert_eq!(c.cmd(&["JSON.ARRPOP", "k", ".a", "-2"]), bulk(r#"{"z":1}"#));
    assert_eq!(c.cmd(&["JSON.ARRPOP", "k", ".a", "100"]), bulk("12"));
    assert_eq!(c.cmd(&["JSON.ARRPOP", "k", "$..a"]), arr(vec![bulk("2"), bulk(r#"{"z":1}"#)]));
    assert_eq!(c.cmd(&["JSON.ARRPOP", "k", "$.b.a", "0"]), arr(vec![bulk("2")]));
    assert_eq!(c.cmd(&["JSON.ARRPOP", "k", "$.b.a"]), arr(vec![nil()]), "an empty array pops nil");
    assert_eq!(c.cmd(&["JSON.ARRPOP", "k", ".c"]), err("ERR Path '$.c' does not exist or not an array"));
    assert_eq!(c.cmd(&["JSON.ARRPOP", "missing"]), err(NO_KEY));
    assert_eq!(c.cmd(&["JSON.GET", "k", ".a"]), bulk("[10,11]"));

    c.cmd(&["JSON.SET", "t", "$", "[0,1,2,3,4,5,6]"]);
    assert_eq!(c.cmd(&["JSON.ARRTRIM", "t", "$", "1", "-2"]), arr(vec![int(5)]));
    assert_eq!(c.cmd(&["JSON.GET", "t"]), bulk("[1,2,3,4,5]"));
    assert_eq!(c.cmd(&["JSON.ARRTRIM", "t", ".", "1", "100"]), int(4));
    assert_eq!(c.cmd(&["JSON.ARRTRIM", "t", ".", "3", "1"]), int(0));
    assert_eq!(c.cmd(&["JSON.GET", "t"]), bulk("[]"));
    // Without a path ARRPOP pops the last element of the root.
    c.cmd(&["JSON.SET", "r", "$", r#"["a","b"]"#]);
    assert_eq!(c.cmd(&["JSON.ARRPOP", "r"]), bulk(r#""b""#));
}

#[test]
fn objects_keys_and_lengths() {
    let Some((_s, mut c)) = with_doc() else { return };
    let keys = c.cmd(&["JSON.OBJKEYS", "doc"]);
    assert_eq!(keys.texts(), ["name", "age", "tags", "address", "items", "ok"]);
    assert_eq!(c.cmd(&["JSON.OBJKEYS", "doc", "$.address"]), arr(vec![arr(vec![bulk("city"), bulk("zip")])]));
    assert_eq!(c.cmd(&["JSON.OBJKEYS", "doc", "$.name"]), arr(vec![nil()]));
    assert_eq!(c.cmd(&["JSON.OBJKEYS", "doc", ".name"]), err("ERR Path '$.name' does not exist or not an object"));
    assert_eq!(c.cmd(&["JSON.OBJKEYS", "doc", ".nope"]), nil());
    assert_eq!(c.cmd(&["JSON.OBJKEYS", "missing"]), nil());
    assert_eq!(c.cmd(&["JSON.OBJKEYS", "missing", "$"]), err(NO_KEY));
    assert_eq!(c.cmd(&["JSON.OBJLEN", "doc"]), int(6));
    assert_eq!(c.cmd(&["JSON.OBJLEN", "doc", "$..address"]), arr(vec![int(2)]));
    assert_eq!(c.cmd(&["JSON.OBJLEN", "doc", "$.items[*]"]), arr(vec![int(2), int(2), int(2)]));
    assert_eq!(c.cmd(&["JSON.OBJLEN", "doc", ".age"]), err("WRONGTYPE wrong type of path value - expected object but found integer"));
    assert_eq!(c.cmd(&["JSON.OBJLEN", "doc", ".nope"]), nil());
    assert_eq!(c.cmd(&["JSON.OBJLEN", "missing"]), nil());
}

#[test]
fn clear_and_toggle() {
    let Some((_s, mut c)) = with_doc() else { return };
    assert_eq!(c.cmd(&["JSON.TOGGLE", "doc", "$.ok"]), arr(vec![int(0)]));
    assert_eq!(c.cmd(&["JSON.TOGGLE", "doc", ".ok"]), bulk("true"));
    assert_eq!(c.cmd(&["JSON.TOGGLE", "doc", "$.name"]), arr(vec![nil()]));
    assert_eq!(c.cmd(&["JSON.TOGGLE", "doc", ".name"]), err("ERR Path '$.name' does not exist or not a bool"));
    assert_eq!(c.cmd(&["JSON.TOGGLE", "missing", "$"]), err(NO_KEY));
    // CLEAR counts the containers it emptied and the numbers it zeroed.
    assert_eq!(c.cmd(&["JSON.CLEAR", "doc", "$.*"]), int(4));
    assert_eq!(c.cmd(&["JSON.GET", "doc"]), bulk(r#"{"name":"Ada","age":0,"tags":[],"address":{},"items":[],"ok":true}"#));
    assert_eq!(c.cmd(&["JSON.CLEAR", "doc", "$.*"]), int(0));
    assert_eq!(c.cmd(&["JSON.CLEAR", "doc"]), int(1));
    assert_eq!(c.cmd(&["JSON.GET", "doc"]), bulk("{}"));
    assert_eq!(c.cmd(&["JSON.CLEAR", "missing"]), err(NO_KEY));
}

#[test]
fn merge_patches_like_rfc_7396() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    assert_eq!(c.cmd(&["JSON.MERGE", "k", "$.a", "1"]), err("ERR new objects must be created at the root"));
    assert_eq!(c.cmd(&["JSON.MERGE", "k", "$", r#"{"a":{"b":1,"c":2},"d":[1]}"#]), ok());
    assert_eq!(c.cmd(&["JSON.MERGE", "k", "$", r#"{"a":{"b":null,"e":{"f":3}},"d":[2]}"#]), ok());
    assert_eq!(c.cmd(&["JSON.GET", "k"]), bulk(r#"{"a":{"c":2,"e":{"f":3}},"d":[2]}"#));
    assert_eq!(c.cmd(&["JSON.MERGE", "k", "$.a.c", r#"{"x":1}"#]), ok());
    assert_eq!(c.cmd(&["JSON.MERGE", "k", "$.new", r#"{"y":null,"z":1}"#]), ok());
    assert_eq!(c.cmd(&["JSON.MERGE", "k", "$.none.deeper", "1"]), nil());
    assert_eq!(c.cmd(&["JSON.GET", "k"]), bulk(r#"{"a":{"c":{"x":1},"e":{"f":3}},"d":[2],"new":{"z":1}}"#));
    assert_eq!(c.cmd(&["JSON.MERGE", "k", "$", "[1]"]), ok());
    assert_eq!(c.cmd(&["JSON.GET", "k"]), bulk("[1]"));
}

#[test]
fn resp_renders_values_as_redis_replies() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    c.cmd(&["JSON.SET", "k", "$", r#"{"a":[1,2.5,"x",true,null],"o":{"b":false}}"#]);
    let a = arr(vec![simple("["), int(1), bulk("2.5"), bulk("x"), simple("true"), nil()]);
    let o = arr(vec![simple("{"), bulk("b"), simple("false")]);
    assert_eq!(c.cmd(&["JSON.RESP", "k"]), arr(vec![simple("{"), bulk("a"), a.clone(), bulk("o"), o]));
    assert_eq!(c.cmd(&["JSON.RESP", "k", "$.a"]), arr(vec![a]));
    assert_eq!(c.cmd(&["JSON.RESP", "k", ".a[1]"]), bulk("2.5"));
    assert_eq!(c.cmd(&["JSON.RESP", "k", ".nope"]), err("ERR Path '$.nope' does not exist"));
    assert_eq!(c.cmd(&["JSON.RESP", "missing"]), nil());
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["JSON.RESP", "k", ".a[1]"]), Value::Double("2.5".into()));
}

#[test]
fn wrong_types_both_ways() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    c.cmd(&["SET", "str", "x"]);
    c.cmd(&["HSET", "h", "f", "v"]);
    c.cmd(&["JSON.SET", "j", "$", "{}"]);
    for args in [
        &["JSON.SET", "str", "$", "1"][..],
        &["JSON.GET", "str"],
        &["JSON.DEL", "str"],
        &["JSON.DEL", "str", "$.a"],
        &["JSON.TYPE", "h"],
        &["JSON.NUMINCRBY", "h", "$", "1"],
        &["JSON.ARRAPPEND", "str", "$", "1"],
        &["JSON.MERGE", "h", "$", "{}"],
        &["JSON.OBJKEYS", "str"],
        &["GET", "j"],
        &["HGET", "j", "f"],
        &["LPUSH", "j", "x"],
    ] {
        assert_eq!(c.cmd(args), err(WRONGTYPE), "{args:?}");
    }
    assert_eq!(c.cmd(&["GET", "str"]), bulk("x"), "nothing was overwritten");
}

#[test]
fn binary_safe_keys() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    let key: &[u8] = b"k\x00\xff\r\n";
    assert_eq!(c.cmd_bytes(&[b"JSON.SET", key, b"$", b"[1]"]), ok());
    assert_eq!(c.cmd_bytes(&[b"JSON.ARRAPPEND", key, b"$", b"2"]), arr(vec![int(2)]));
    assert_eq!(c.cmd_bytes(&[b"JSON.GET", key]), bulk("[1,2]"));
    assert_eq!(c.cmd_bytes(&[b"JSON.GET", b"k\x00\xff\r"]), nil());
    assert_eq!(c.cmd_bytes(&[b"JSON.MGET", key, b"k", b"$[0]"]), arr(vec![bulk("[1]"), nil()]));
    assert_eq!(c.cmd(&["KEYS", "*"]), arr(vec![Value::Bulk(key.to_vec())]));
}

#[test]
fn generic_key_commands_work_on_json_keys() {
    let Some((_s, mut c)) = with_doc() else { return };
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "doc"]), bulk("raw"));
    assert_eq!(c.cmd(&["SCAN", "0", "TYPE", "ReJSON-RL"]).array()[1], arr(vec![bulk("doc")]));
    assert_eq!(c.cmd(&["COPY", "doc", "copy"]), int(1));
    assert_eq!(c.cmd(&["RENAME", "copy", "renamed"]), ok());
    assert_eq!(c.cmd(&["JSON.GET", "renamed"]), bulk(DOC));
    assert_eq!(c.cmd(&["MOVE", "renamed", "1"]), int(1));
    c.cmd(&["SELECT", "1"]);
    assert_eq!(c.cmd(&["JSON.GET", "renamed", "$.name"]), bulk(r#"["Ada"]"#));
    c.cmd(&["SELECT", "0"]);
    assert_eq!(c.cmd(&["PEXPIRE", "doc", "50"]), int(1));
    wait_gone(&mut c, "doc");
    assert_eq!(c.cmd(&["JSON.GET", "doc"]), nil());
    assert_eq!(c.cmd(&["DEL", "missing"]), int(0));
}

fn wait_gone(c: &mut Client, key: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.cmd(&["EXISTS", key]) != int(0) {
        assert!(Instant::now() < deadline, "{key} never expired");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn pipelined_json_writes_are_each_applied_in_order() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    let mut batch = Vec::new();
    for i in 0..20 {
        let key = format!("p{}", i % 4);
        let cmd: Vec<&[u8]> = if i < 4 {
            vec![b"JSON.SET", key.as_bytes(), b"$", b"{\"n\":0}"]
        } else {
            vec![b"JSON.NUMINCRBY", key.as_bytes(), b"$.n", b"1"]
        };
        batch.extend(Client::encode(&cmd));
    }
    c.send_raw(&batch);
    for _ in 0..20 {
        assert!(!matches!(c.read(), Value::Error(_)));
    }
    for i in 0..4 {
        assert_eq!(c.cmd(&["JSON.GET", &format!("p{i}"), ".n"]), bulk("4"));
    }
}

/// A document of about `members` KiB: big enough to be stored split.
fn big_doc(members: usize) -> Json {
    let mut m = serde_json::Map::new();
    for i in 0..members {
        m.insert(format!("m{i}"), json!({"n": i, "tags": ["t"], "pad": "x".repeat(1000)}));
    }
    Json::Object(m)
}

fn get_doc(c: &mut Client, key: &str) -> Json {
    parsed(&c.cmd(&["JSON.GET", key]))
}

#[test]
fn a_large_document_is_edited_read_and_deleted_by_member() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    let mut model = big_doc(1000);
    let text = model.to_string();
    assert!(text.len() > 1_000_000);
    assert_eq!(c.cmd(&["JSON.SET", "big", "$", &text]), ok());
    assert_eq!(c.cmd(&["JSON.GET", "big"]), bulk(&text), "the whole document, in insertion order");

    assert_eq!(c.cmd(&["JSON.NUMINCRBY", "big", "$.m500.n", "7"]), bulk("[507]"));
    model["m500"]["n"] = json!(507);
    assert_eq!(c.cmd(&["JSON.ARRAPPEND", "big", ".m10.tags", r#""u""#]), int(2));
    model["m10"]["tags"] = json!(["t", "u"]);
    assert_eq!(c.cmd(&["JSON.DEL", "big", "$.m0"]), int(1));
    model.as_object_mut().unwrap().shift_remove("m0");
    assert_eq!(c.cmd(&["JSON.SET", "big", "$.added", r#"{"new":true}"#]), ok());
    model["added"] = json!({"new": true});
    assert_eq!(c.cmd(&["JSON.SET", "big", "$.m0", "0"]), ok(), "a re-added member goes last");
    model["m0"] = json!(0);
    assert_eq!(c.cmd(&["JSON.STRAPPEND", "big", "$.m999.pad", r#""y""#]), arr(vec![int(1001)]));
    model["m999"]["pad"] = json!(format!("{}y", "x".repeat(1000)));

    // Paths reaching anywhere read every member; named ones read theirs.
    assert_eq!(c.cmd(&["JSON.GET", "big", "$.m500.n", "$.added"]).text(), r#"{"$.m500.n":[507],"$.added":[{"new":true}]}"#);
    assert_eq!(c.cmd(&["JSON.GET", "big", "$..new"]), bulk("[true]"));
    assert_eq!(c.cmd(&["JSON.OBJLEN", "big"]), int(1001));
    assert_eq!(c.cmd(&["JSON.GET", "big", "$.*.n"]).text().matches(',').count(), 998);
    assert_eq!(c.cmd(&["JSON.GET", "big", "$[?(@.n==507)].n"]), bulk("[507,507]"), "m500 and m507");
    assert_eq!(c.cmd(&["JSON.TYPE", "big", ".m1"]), bulk("object"));
    assert_eq!(get_doc(&mut c, "big"), model);
    let keys = c.cmd(&["JSON.OBJKEYS", "big"]).texts();
    assert_eq!((keys[0].as_str(), keys[999].as_str(), keys[1000].as_str()), ("m1", "added", "m0"));

    // Clearing the root empties it; deleting the key drops it whole.
    assert_eq!(c.cmd(&["COPY", "big", "big2"]), int(1));
    assert_eq!(c.cmd(&["JSON.CLEAR", "big2"]), int(1));
    assert_eq!(c.cmd(&["JSON.GET", "big2"]), bulk("{}"));
    assert_eq!(c.cmd(&["DEL", "big"]), int(1));
    assert_eq!(c.cmd(&["JSON.GET", "big"]), nil());
    assert_eq!(c.cmd(&["JSON.SET", "big", "$", r#"{"fresh":1}"#]), ok());
    assert_eq!(c.cmd(&["JSON.GET", "big"]), bulk(r#"{"fresh":1}"#), "no member of the old document shows through");
}

#[test]
fn a_large_document_survives_restart_rename_and_expiry() {
    let Some(mut s) = server() else { return };
    let mut c = s.client();
    let mut model = big_doc(300);
    assert_eq!(c.cmd(&["JSON.SET", "big", "$", &model.to_string()]), ok());
    assert_eq!(c.cmd(&["JSON.NUMMULTBY", "big", "$.m3.n", "10"]), bulk("[30]"));
    model["m3"]["n"] = json!(30);
    s.restart();
    let mut c = s.client();
    assert_eq!(get_doc(&mut c, "big"), model);
    assert_eq!(c.cmd(&["RENAME", "big", "moved"]), ok());
    assert_eq!(c.cmd(&["JSON.GET", "moved", "$.m3.n"]), bulk("[30]"));
    assert_eq!(get_doc(&mut c, "moved"), model);
    // Grows past the inline size through edits: it is split on the way, and stays right.
    c.cmd(&["JSON.SET", "grow", "$", "{}"]);
    for i in 0..40 {
        c.cmd(&["JSON.SET", "grow", &format!("$.k{i}"), &format!("\"{}\"", "z".repeat(1000))]);
    }
    assert_eq!(c.cmd(&["JSON.OBJLEN", "grow"]), int(40));
    assert_eq!(c.cmd(&["JSON.STRLEN", "grow", "$.k39"]), arr(vec![int(1000)]));
    assert_eq!(c.cmd(&["PEXPIRE", "moved", "50"]), int(1));
    wait_gone(&mut c, "moved");
    assert_eq!(c.cmd(&["JSON.GET", "moved", "$.m3"]), nil());
    s.restart();
    let mut c = s.client();
    assert_eq!(c.cmd(&["JSON.OBJKEYS", "grow"]).array().len(), 40);
    assert_eq!(c.cmd(&["EXISTS", "moved"]), int(0));
}

/// Members that come and go on a split document leave tombstones that every read of the
/// whole document crosses; past a threshold the document is copied under a new version.
/// The members that stay keep their values and their insertion order, through a pipeline,
/// MULTI and a restart.
#[test]
fn members_that_come_and_go_leave_a_large_document_whole() {
    let Some(mut s) = server() else { return };
    let mut c = s.client();
    let model = big_doc(20);
    let text = model.to_string();
    assert_eq!(c.cmd(&["JSON.SET", "doc", "$", &text]), ok());
    assert_eq!(c.cmd(&["EXPIRE", "doc", "1000"]), int(1));
    let mut batch = Vec::new();
    for i in 0..400 {
        let path = format!("$.tmp{i}");
        batch.extend(Client::encode(&[b"JSON.SET", b"doc", path.as_bytes(), b"\"x\""]));
        batch.extend(Client::encode(&[b"JSON.DEL", b"doc", path.as_bytes()]));
        batch.extend(Client::encode(&[b"JSON.OBJLEN", b"doc"]));
    }
    c.send_raw(&batch);
    for i in 0..400 {
        assert_eq!((c.read(), c.read(), c.read()), (ok(), int(1), int(20)), "round {i}");
    }
    assert_eq!(c.cmd(&["MULTI"]), ok());
    for i in 400..600 {
        let path = format!("$.tmp{i}");
        assert_eq!(c.cmd(&["JSON.SET", "doc", &path, "1"]), simple("QUEUED"));
        assert_eq!(c.cmd(&["JSON.DEL", "doc", &path]), simple("QUEUED"));
    }
    assert_eq!(c.cmd(&["EXEC"]).array().len(), 400);
    assert_eq!(c.cmd(&["JSON.GET", "doc"]), bulk(&text), "the members that stay, in insertion order");
    assert_eq!(c.cmd(&["JSON.SET", "doc", "$.last", "1"]), ok());
    assert_eq!(c.cmd(&["JSON.OBJKEYS", "doc"]).texts().last().map(String::as_str), Some("last"), "a new member still goes last");
    assert_eq!(c.cmd(&["JSON.DEL", "doc", "$.last"]), int(1));
    assert!(c.cmd(&["TTL", "doc"]).int() > 0);
    drop(c);
    s.restart();
    let mut c = s.client();
    assert_eq!(c.cmd(&["JSON.GET", "doc"]), bulk(&text));
    assert!(c.cmd(&["TTL", "doc"]).int() > 0);
}

#[test]
fn hostile_paths_and_nesting_are_refused_and_the_server_stays_up() {
    let Some(s) = server() else { return };
    let mut c = s.client();
    c.cmd(&["JSON.SET", "k", "$", r#"{"a":[]}"#]);
    let deep_path = format!("$[?({}@.a{})]", "(".repeat(100_000), ")".repeat(100_000));
    assert!(c.cmd(&["JSON.GET", "k", &deep_path]).error().starts_with("ERR invalid JSON path"));
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(c.cmd(&["JSON.SET", "k", "$", &nested(200)]).error().starts_with("ERR recursion limit exceeded"));
    assert_eq!(c.cmd(&["JSON.SET", "k", "$.a", &nested(126)]), ok());
    assert_eq!(c.cmd(&["JSON.ARRAPPEND", "k", "$..*", "[[]]"]), err("ERR recursion limit exceeded"));
    assert_eq!(c.cmd(&["JSON.SET", "k", "$.a", &nested(127)]), err("ERR recursion limit exceeded"));
    assert_eq!(c.cmd(&["JSON.STRLEN", "k", "$.a"]), arr(vec![nil()]));
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
}
