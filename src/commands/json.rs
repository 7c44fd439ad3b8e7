//! JSON commands: RedisJSON's command set, replies and error lines.
//!
//! Reply shapes follow RedisJSON: a JSONPath (`$...`) answers with one result per match
//! (a JSON array text for JSON.GET, an array reply for the others, nil where a match has
//! the wrong type); a legacy path answers with the first match's result alone, and an
//! error where nothing of the right type matched. A write that changed the document
//! publishes RedisJSON's keyspace event, `json.<command>` in the module class (`d`).

use super::args::is;
use super::flag::*;
use super::pubsub::event;
use super::{cmd, Args, CmdError, Command, Ctx};
use crate::protocol::Reply;
use crate::types::json::{self, each_match, no_such_key, type_name, NumOp, Path, Scope, SetCond};
use serde::Serialize;
use serde_json::{Map, Number, Value};
use std::io;

const W: u32 = WRITE | DENYOOM;

pub const TABLE: &[Command] = &[
    cmd("json.set", -4, W, (1, 1, 1), "json", "Set the JSON value at path in key", json_set),
    cmd("json.get", -2, READONLY, (1, 1, 1), "json", "Get JSON values at paths", json_get),
    cmd("json.mget", -3, READONLY, (1, -2, 1), "json", "Get the value at path from several keys", json_mget),
    cmd("json.mset", -4, W, (1, -1, 3), "json", "Set JSON values at paths of several keys", json_mset),
    cmd("json.merge", -4, W, (1, 1, 1), "json", "Merge a JSON value into the values at path", json_merge),
    cmd("json.del", -2, WRITE, (1, 1, 1), "json", "Delete the values at path", json_del),
    cmd("json.forget", -2, WRITE, (1, 1, 1), "json", "Delete the values at path (JSON.DEL)", json_del),
    cmd("json.type", -2, READONLY, (1, 1, 1), "json", "The type of the values at path", json_type),
    cmd("json.numincrby", 4, WRITE, (1, 1, 1), "json", "Add to the numbers at path", json_numincrby),
    cmd("json.nummultby", 4, WRITE, (1, 1, 1), "json", "Multiply the numbers at path", json_nummultby),
    cmd("json.strappend", -3, W, (1, 1, 1), "json", "Append to the strings at path", json_strappend),
    cmd("json.strlen", -2, READONLY, (1, 1, 1), "json", "Length of the strings at path", json_strlen),
    cmd("json.arrappend", -4, W, (1, 1, 1), "json", "Append values to the arrays at path", json_arrappend),
    cmd("json.arrinsert", -5, W, (1, 1, 1), "json", "Insert values into the arrays at path", json_arrinsert),
    cmd("json.arrindex", -4, READONLY, (1, 1, 1), "json", "First position of a value in the arrays at path", json_arrindex),
    cmd("json.arrlen", -2, READONLY, (1, 1, 1), "json", "Length of the arrays at path", json_arrlen),
    cmd("json.arrpop", -2, WRITE, (1, 1, 1), "json", "Remove and return an element of the arrays at path", json_arrpop),
    cmd("json.arrtrim", 5, WRITE, (1, 1, 1), "json", "Trim the arrays at path to a range", json_arrtrim),
    cmd("json.objkeys", -2, READONLY, (1, 1, 1), "json", "Member names of the objects at path", json_objkeys),
    cmd("json.objlen", -2, READONLY, (1, 1, 1), "json", "Member count of the objects at path", json_objlen),
    cmd("json.clear", -2, WRITE, (1, 1, 1), "json", "Empty containers and zero numbers at path", json_clear),
    cmd("json.toggle", 3, WRITE, (1, 1, 1), "json", "Toggle the booleans at path", json_toggle),
    cmd("json.resp", -2, READONLY, (1, 1, 1), "json", "The values at path as RESP", json_resp),
];

// ---- arguments ----

fn parse_path(arg: &[u8]) -> Result<Path, CmdError> {
    let text = std::str::from_utf8(arg).map_err(|_| CmdError::err("JSON path is not valid UTF-8"))?;
    Path::parse(text).map_err(|e| CmdError::msg(format!("ERR invalid JSON path '{}' at position {}", e.path, e.position)))
}

/// The optional path argument of the one-path commands (the legacy root by default).
fn optional_path(args: &mut Args) -> Result<Path, CmdError> {
    let path = args.try_next().map_or_else(|| Ok(Path::legacy_root()), parse_path)?;
    args.finish()?;
    Ok(path)
}

/// A JSON value argument; a parse error is reported in serde_json's words, as RedisJSON
/// (which parses with serde_json too) does.
fn parse_json(arg: &[u8]) -> Result<Value, CmdError> {
    serde_json::from_slice(arg).map_err(CmdError::err)
}

fn path_missing(path: &str) -> CmdError {
    CmdError::msg(format!("ERR Path '{path}' does not exist"))
}

/// The legacy-path error when nothing of the right type matched.
fn path_missing_or(path: &Path, or: &str) -> CmdError {
    CmdError::msg(format!("ERR Path '{}' does not exist or {or}", path.normalized()))
}

fn expected(what: &str, found: &Value) -> CmdError {
    CmdError::msg(format!("WRONGTYPE wrong type of path value - expected {what} but found {}", type_name(found)))
}

// ---- serialization ----

/// JSON.GET's INDENT / NEWLINE / SPACE; all unset is compact JSON.
#[derive(Default)]
struct Layout<'a> {
    indent: Option<&'a [u8]>,
    newline: Option<&'a [u8]>,
    space: Option<&'a [u8]>,
}

impl Layout<'_> {
    fn text<T: Serialize + ?Sized>(&self, v: &T) -> Vec<u8> {
        let mut out = Vec::new();
        let done = if self.indent.is_none() && self.newline.is_none() && self.space.is_none() {
            v.serialize(&mut serde_json::Serializer::new(&mut out))
        } else {
            v.serialize(&mut serde_json::Serializer::with_formatter(&mut out, Pretty { layout: self, depth: 0, has_value: false }))
        };
        // Values built from parsed JSON always serialize.
        debug_assert!(done.is_ok());
        out
    }
}

/// The formatter behind [`Layout`]: a new line (plus one indent per level) before every
/// member and element and before a non-empty container's closing bracket, the SPACE
/// string after each `:`.
struct Pretty<'a> {
    layout: &'a Layout<'a>,
    depth: usize,
    has_value: bool,
}

impl Pretty<'_> {
    fn line<W: ?Sized + io::Write>(&self, w: &mut W) -> io::Result<()> {
        if let Some(nl) = self.layout.newline {
            w.write_all(nl)?;
        }
        if let Some(indent) = self.layout.indent {
            for _ in 0..self.depth {
                w.write_all(indent)?;
            }
        }
        Ok(())
    }

    fn open<W: ?Sized + io::Write>(&mut self, w: &mut W, c: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(c)
    }

    fn close<W: ?Sized + io::Write>(&mut self, w: &mut W, c: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(w)?;
        }
        w.write_all(c)
    }

    fn item<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.line(w)
    }
}

impl serde_json::ser::Formatter for Pretty<'_> {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b":")?;
        self.layout.space.map_or(Ok(()), |s| w.write_all(s))
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

fn compact<T: Serialize + ?Sized>(v: &T) -> Vec<u8> {
    Layout::default().text(v)
}

// ---- reads ----

fn json_get(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let mut layout = Layout::default();
    let mut paths = Vec::new();
    while let Some(arg) = args.try_next() {
        if is(arg, "INDENT") {
            layout.indent = Some(args.next_bytes()?);
        } else if is(arg, "NEWLINE") {
            layout.newline = Some(args.next_bytes()?);
        } else if is(arg, "SPACE") {
            layout.space = Some(args.next_bytes()?);
        } else if !is(arg, "NOESCAPE") {
            paths.push(parse_path(arg)?);
        }
    }
    let plain = layout.indent.is_none() && layout.newline.is_none() && layout.space.is_none();
    match &paths[..] {
        // The whole document, compact: its stored text as it is.
        [] if plain => return Ok(Reply::opt(ctx.db().json_text(key)?)),
        [p] if plain && p.is_root() => {
            let text = ctx.db().json_text(key)?;
            let legacy = p.is_legacy();
            return Ok(Reply::opt(text.map(|t| if legacy { t } else { [&b"["[..], &t, b"]"].concat() })));
        }
        [] => paths.push(Path::legacy_root()),
        _ => {}
    }
    let reply = ctx.db().json_read(key, &Scope::of(&paths), |doc| get_reply(doc, &paths, &layout))?;
    reply.unwrap_or(Ok(Reply::Nil))
}

/// One path: its result. Several: an object from each path as written to its result
/// (all legacy: each path's first match; otherwise each path's array of matches).
fn get_reply(doc: &Value, paths: &[Path], layout: &Layout) -> Result<Reply, CmdError> {
    let legacy = paths.iter().all(Path::is_legacy);
    if let [path] = paths {
        let values = path.values(doc);
        return match (legacy, values.first()) {
            (false, _) => Ok(Reply::Bulk(layout.text(&values))),
            (true, Some(v)) => Ok(Reply::Bulk(layout.text(v))),
            (true, None) => Err(path_missing(path.normalized())),
        };
    }
    let mut out = Map::new();
    for path in paths {
        let values = path.values(doc);
        let result = if legacy {
            (*values.first().ok_or_else(|| path_missing(path.original()))?).clone()
        } else {
            Value::Array(values.into_iter().cloned().collect())
        };
        out.insert(path.original().to_string(), result);
    }
    Ok(Reply::Bulk(layout.text(&out)))
}

fn json_mget(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let rest = args.rest_slices();
    let (path, keys) = rest.split_last().ok_or(CmdError::Syntax)?;
    let path = parse_path(path)?;
    let docs = ctx.db().json_read_many(keys, &Scope::of([&path]), |doc| {
        let values = path.values(doc);
        match (path.is_legacy(), values.first()) {
            (false, _) => Some(compact(&values)),
            (true, first) => first.map(compact),
        }
    })?;
    Ok(Reply::Array(docs.into_iter().map(|d| Reply::opt(d.flatten())).collect()))
}

/// A read of one path: `f` maps each match to its reply. JSONPath: an array of them;
/// legacy: the first match's, or `none` when nothing matched.
fn read_each(
    ctx: &mut Ctx,
    key: &[u8],
    path: &Path,
    none: impl FnOnce() -> Result<Reply, CmdError>,
    f: impl Fn(&Value) -> Result<Reply, CmdError>,
) -> Result<Option<Reply>, CmdError> {
    let reply = ctx.db().json_read(key, &Scope::of([path]), |doc| {
        let values = path.values(doc);
        if !path.is_legacy() {
            return values.into_iter().map(&f).collect::<Result<Vec<_>, _>>().map(Reply::Array);
        }
        match values.first() {
            Some(v) => f(v),
            None => none(),
        }
    })?;
    reply.transpose()
}

fn json_type(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let path = optional_path(args)?;
    let reply = read_each(ctx, key, &path, || Ok(Reply::Nil), |v| Ok(Reply::from_str(type_name(v))))?.unwrap_or(Reply::Nil);
    // RESP3 wraps the answer in one more array.
    Ok(if ctx.session.resp >= 3 { Reply::Array(vec![reply]) } else { reply })
}

/// How a read of one value kind (STRLEN, ARRLEN, OBJLEN, OBJKEYS) answers where it finds
/// no value of that kind; RedisJSON differs from command to command.
struct Misses {
    /// A legacy path that matches nothing: an error (`ERR Path ... does not exist`) or nil.
    no_match_fails: bool,
    /// A legacy path whose first match has another kind.
    wrong_kind: fn(&Path, &Value) -> CmdError,
    /// A JSONPath on a missing key (a legacy path answers nil).
    missing_key: fn(&Path) -> CmdError,
}

/// STRLEN, ARRLEN, OBJLEN and OBJKEYS: `f` answers for a value of the right kind.
fn inspect(ctx: &mut Ctx, args: &mut Args, misses: Misses, f: impl Fn(&Value) -> Option<Reply>) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let path = optional_path(args)?;
    let legacy = path.is_legacy();
    let no_match = || if misses.no_match_fails { Err(path_missing(path.normalized())) } else { Ok(Reply::Nil) };
    let reply = read_each(ctx, key, &path, no_match, |v| match f(v) {
        Some(r) => Ok(r),
        None if legacy => Err((misses.wrong_kind)(&path, v)),
        None => Ok(Reply::Nil),
    })?;
    match reply {
        Some(r) => Ok(r),
        None if legacy => Ok(Reply::Nil),
        None => Err((misses.missing_key)(&path)),
    }
}

fn key_missing(_: &Path) -> CmdError {
    no_such_key().into()
}

fn json_strlen(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let misses = Misses { no_match_fails: true, wrong_kind: |_, v| expected("string", v), missing_key: key_missing };
    inspect(ctx, args, misses, |v| v.as_str().map(|s| Reply::Int(s.len() as i64)))
}

fn json_arrlen(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let misses = Misses { no_match_fails: true, wrong_kind: |p, _| path_missing_or(p, "not an array"), missing_key: key_missing };
    inspect(ctx, args, misses, |v| v.as_array().map(|a| Reply::Int(a.len() as i64)))
}

fn json_objlen(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let misses =
        Misses { no_match_fails: false, wrong_kind: |_, v| expected("object", v), missing_key: |p| path_missing_or(p, "not an object") };
    inspect(ctx, args, misses, |v| v.as_object().map(|m| Reply::Int(m.len() as i64)))
}

fn json_objkeys(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let misses = Misses { no_match_fails: false, wrong_kind: |p, _| path_missing_or(p, "not an object"), missing_key: key_missing };
    inspect(ctx, args, misses, |v| v.as_object().map(|m| Reply::Array(m.keys().map(|k| Reply::from_str(k)).collect())))
}

fn json_arrindex(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let path = parse_path(args.next_bytes()?)?;
    let item = parse_json(args.next_bytes()?)?;
    let start = if args.is_empty() { 0 } else { args.next_i64()? };
    let stop = if args.is_empty() { 0 } else { args.next_i64()? };
    args.finish()?;
    let legacy = path.is_legacy();
    let reply = read_each(
        ctx,
        key,
        &path,
        || Err(path_missing(path.normalized())),
        |v| match json::arr_index(v, &item, start, stop) {
            Some(i) => Ok(Reply::Int(i)),
            None if legacy => Err(expected("array", v)),
            None => Ok(Reply::Nil),
        },
    )?;
    reply.ok_or_else(|| no_such_key().into())
}

/// A number as an integer reply, or a double when it is not an integer.
fn number_reply(n: &Number) -> Reply {
    n.as_i64().map_or_else(|| Reply::Double(n.as_f64().unwrap_or(0.0)), Reply::Int)
}

/// RedisJSON's RESP form of a value: objects as `{` then names and values, arrays as `[`
/// then elements, booleans as the simple strings `true` / `false`.
fn resp_form(v: &Value) -> Reply {
    match v {
        Value::Null => Reply::Nil,
        Value::Bool(b) => Reply::Simple(if *b { "true" } else { "false" }),
        Value::Number(n) => number_reply(n),
        Value::String(s) => Reply::from_str(s),
        Value::Array(a) => Reply::Array(std::iter::once(Reply::Simple("[")).chain(a.iter().map(resp_form)).collect()),
        Value::Object(m) => {
            let members = m.iter().flat_map(|(k, v)| [Reply::from_str(k), resp_form(v)]);
            Reply::Array(std::iter::once(Reply::Simple("{")).chain(members).collect())
        }
    }
}

fn json_resp(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let path = optional_path(args)?;
    let reply = read_each(ctx, key, &path, || Err(path_missing(path.normalized())), |v| Ok(resp_form(v)))?;
    Ok(reply.unwrap_or(Reply::Nil))
}

// ---- writes ----

fn json_set(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let path = parse_path(args.next_bytes()?)?;
    let value = parse_json(args.next_bytes()?)?;
    let mut cond = SetCond::Always;
    while let Some(opt) = args.try_next() {
        cond = match opt {
            o if is(o, "NX") && cond == SetCond::Always => SetCond::Missing,
            o if is(o, "XX") && cond == SetCond::Always => SetCond::Exists,
            _ => return Err(CmdError::Syntax),
        };
    }
    let set = ctx.db().json_set(key, &path, value, cond)?;
    notify_if(ctx, set, "json.set", key);
    Ok(if set { Reply::Ok } else { Reply::Nil })
}

fn json_mset(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let rest = args.rest_slices();
    if !rest.len().is_multiple_of(3) {
        return Err(CmdError::WrongArgs("json.mset".into()));
    }
    let mut triplets = Vec::with_capacity(rest.len() / 3);
    for t in rest.chunks_exact(3) {
        triplets.push((t[0], parse_path(t[1])?, parse_json(t[2])?));
    }
    let set = ctx.db().json_mset(&triplets)?;
    // One event per triplet that set something, as RedisJSON publishes them.
    for ((key, _, _), set) in triplets.iter().zip(set) {
        notify_if(ctx, set, "json.mset", key);
    }
    Ok(Reply::Ok)
}

fn json_merge(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let path = parse_path(args.next_bytes()?)?;
    let patch = parse_json(args.next_bytes()?)?;
    args.finish()?;
    let merged = ctx.db().json_merge(key, &path, patch)?;
    notify_if(ctx, merged, "json.merge", key);
    Ok(if merged { Reply::Ok } else { Reply::Nil })
}

fn json_del(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let path = optional_path(args)?;
    let deleted = ctx.db().json_del(key, &path)?;
    // JSON.FORGET publishes `json.del` too: RedisJSON runs one function for both.
    notify_if(ctx, deleted > 0, "json.del", key);
    Ok(Reply::Int(deleted))
}

/// Publishes RedisJSON's keyspace event for a write, `event` in the module class (`d`),
/// when the command `changed` the document.
fn notify_if(ctx: &Ctx, changed: bool, event: &str, key: &[u8]) {
    if changed {
        ctx.notify(event::MODULE, event, key);
    }
}

/// Whether a write applied to at least one match: RedisJSON's condition for its event.
fn applied<T>(results: &[Option<T>]) -> bool {
    results.iter().any(Option::is_some)
}

/// A write at every match of `path` in an existing document: `op` gives each match's
/// result (`None` where it does not apply).
fn write_each<T>(
    ctx: &mut Ctx,
    key: &[u8],
    path: &Path,
    op: impl FnMut(&mut Value) -> crate::types::Result<Option<T>>,
) -> Result<Vec<Option<T>>, CmdError> {
    let results = ctx.db().json_write(key, &Scope::of([path]), |doc| each_match(doc, path, op))?;
    results.ok_or_else(|| no_such_key().into())
}

/// The reply of most writes: JSONPath, one reply per match (nil where the value had the
/// wrong type); legacy, the last applicable match's reply, or an error naming what was
/// expected.
fn per_match<T>(path: &Path, results: Vec<Option<T>>, reply: impl Fn(T) -> Reply, or: &str) -> Result<Reply, CmdError> {
    if !path.is_legacy() {
        return Ok(Reply::Array(results.into_iter().map(|r| r.map_or(Reply::Nil, &reply)).collect()));
    }
    results.into_iter().flatten().last().map(reply).ok_or_else(|| path_missing_or(path, or))
}

fn num_op(ctx: &mut Ctx, args: &mut Args, op: NumOp, event: &str) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let path = parse_path(args.next_bytes()?)?;
    let Value::Number(by) = parse_json(args.next_bytes()?)? else {
        return Err(CmdError::err("expected a number"));
    };
    let results = write_each(ctx, key, &path, |v| json::num_op(v, &by, op))?;
    notify_if(ctx, applied(&results), event, key);
    if ctx.session.resp >= 3 {
        return Ok(Reply::Array(results.into_iter().map(|r| r.map_or(Reply::Nil, |n| number_reply(&n))).collect()));
    }
    if path.is_legacy() {
        let last = results.into_iter().flatten().last().ok_or_else(|| path_missing_or(&path, "does not contains a number"))?;
        return Ok(Reply::Bulk(last.to_string().into_bytes()));
    }
    let values: Vec<Value> = results.into_iter().map(|r| r.map_or(Value::Null, Value::Number)).collect();
    Ok(Reply::Bulk(compact(&values)))
}

fn json_numincrby(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    num_op(ctx, args, NumOp::Incr, "json.numincrby")
}

fn json_nummultby(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    num_op(ctx, args, NumOp::Mult, "json.nummultby")
}

fn json_strappend(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let first = args.next_bytes()?;
    let (path, raw) = match args.try_next() {
        Some(value) => (parse_path(first)?, value),
        None => (Path::legacy_root(), first),
    };
    args.finish()?;
    let Value::String(suffix) = parse_json(raw)? else {
        let found = String::from_utf8_lossy(raw);
        return Err(CmdError::msg(format!("WRONGTYPE wrong type of path value - expected string but found {found}")));
    };
    let results = write_each(ctx, key, &path, |v| Ok(json::str_append(v, &suffix)))?;
    notify_if(ctx, applied(&results), "json.strappend", key);
    per_match(&path, results, |n| Reply::Int(n as i64), "not a string")
}

fn json_values(args: &mut Args) -> Result<Vec<Value>, CmdError> {
    args.rest().iter().map(|a| parse_json(a)).collect()
}

fn json_arrappend(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let path = parse_path(args.next_bytes()?)?;
    let items = json_values(args)?;
    let results = write_each(ctx, key, &path, |v| Ok(json::arr_append(v, &items)))?;
    notify_if(ctx, applied(&results), "json.arrappend", key);
    per_match(&path, results, |n| Reply::Int(n as i64), "not an array")
}

fn json_arrinsert(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let path = parse_path(args.next_bytes()?)?;
    let index = args.next_i64()?;
    let items = json_values(args)?;
    let results = write_each(ctx, key, &path, |v| json::arr_insert(v, index, &items))?;
    notify_if(ctx, applied(&results), "json.arrinsert", key);
    per_match(&path, results, |n| Reply::Int(n as i64), "not an array")
}

fn json_arrpop(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let (path, index) = match args.try_next() {
        None => (Path::legacy_root(), -1),
        // RedisJSON reads an index that is not a number as -1.
        Some(p) => (parse_path(p)?, args.try_next().and_then(crate::types::parse_i64).unwrap_or(-1)),
    };
    let results = write_each(ctx, key, &path, |v| Ok(json::arr_pop(v, index)))?;
    // Only a pop from a non-empty array changes anything.
    notify_if(ctx, results.iter().any(|r| matches!(r, Some(Some(_)))), "json.arrpop", key);
    per_match(&path, results, |popped| popped.map_or(Reply::Nil, |v| Reply::Bulk(compact(&v))), "not an array")
}

fn json_arrtrim(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let path = parse_path(args.next_bytes()?)?;
    let (start, stop) = (args.next_i64()?, args.next_i64()?);
    let results = write_each(ctx, key, &path, |v| Ok(json::arr_trim(v, start, stop)))?;
    notify_if(ctx, applied(&results), "json.arrtrim", key);
    per_match(&path, results, |n| Reply::Int(n as i64), "not an array")
}

fn json_toggle(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let path = parse_path(args.next_bytes()?)?;
    let results = write_each(ctx, key, &path, |v| Ok(json::toggle(v)))?;
    notify_if(ctx, applied(&results), "json.toggle", key);
    if path.is_legacy() {
        return per_match(&path, results, |b| Reply::from_str(if b { "true" } else { "false" }), "not a bool");
    }
    per_match(&path, results, |b| Reply::Int(b as i64), "not a bool")
}

fn json_clear(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let path = optional_path(args)?;
    let results = write_each(ctx, key, &path, |v| Ok(json::clear(v)))?;
    let cleared = results.iter().flatten().count();
    notify_if(ctx, cleared > 0, "json.clear", key);
    Ok(Reply::Int(cleared as i64))
}
