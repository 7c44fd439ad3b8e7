//! JSON documents, RedisJSON's type: `serde_json` values (object members keep their
//! insertion order) addressed by [`Path`]s.
//!
//! # Storage
//!
//! A document is kept one of two ways (byte layouts in [`crate::storage::Meta`]):
//!
//! - **Inline**: the compact JSON text in the meta row, when it is at most
//!   [`INLINE_MAX`] bytes or its root is not an object. A write rewrites the whole text,
//!   which is small.
//! - **Split**: a larger root object keeps a small header in the meta row and one `data`
//!   row per top-level member (`member_key(db, key, version, name)` → `[order][JSON text]`).
//!   A command whose paths all start with member names (`$.a.b`, `.a`, `$['a','b'][0]`)
//!   reads only those rows, and every write stores only the members whose text changed
//!   (plus the header when members come or go). So `JSON.NUMINCRBY doc $.f.n 1` on a
//!   1 MB document rewrites the one member `f`, not the megabyte. Paths that may reach
//!   anywhere (`$`, `$..x`, `$.*`, filters on the root) read every row, in order.
//!
//! A document that grows past the threshold through an edit is split on that write; one
//! replaced at the root (JSON.SET key $ ...) is stored afresh under a new version, so the
//! old member rows are dropped in O(1) and reclaimed by the compaction filter. A split
//! document that shrinks stays split until it is replaced.

pub mod path;

pub use path::{get_mut, mutation_order, Path, PathError, Seg};

use super::{Db, Error, Result};
use crate::storage::{cf, decode_json_member, encode_json_member, member_key, member_prefix, Batch, JsonBody, Kind, Meta};
use serde_json::{Map, Number, Value};
use std::collections::HashSet;

/// Documents whose compact text is at most this long stay inline in the meta row (the
/// meta cache keeps rows up to this size, so small documents are served from memory).
pub const INLINE_MAX: usize = 16 * 1024;

/// Which part of a document a command needs (see the storage notes above).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Only these top-level members.
    Members(Vec<String>),
}

impl Scope {
    /// What evaluating every one of `paths` needs.
    pub fn of<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Scope {
        let mut names: Vec<String> = Vec::new();
        for p in paths {
            match p.top_names() {
                Some(n) => names.extend(n),
                None => return Scope::All,
            }
        }
        names.sort();
        names.dedup();
        Scope::Members(names)
    }
}

/// JSON.SET's condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetCond {
    Always,
    /// NX: only where nothing exists yet.
    Missing,
    /// XX: only where something exists.
    Exists,
}

/// NUMINCRBY or NUMMULTBY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumOp {
    Incr,
    Mult,
}

/// A document as loaded for a command: all of it, or the members its paths need.
struct Loaded {
    value: Value,
    split: Option<Split>,
}

/// A split document's header and the member rows that were loaded, with their order
/// numbers and stored text (to write back only what changed).
struct Split {
    version: u64,
    count: u64,
    next_order: u64,
    members: Vec<(String, u64, Vec<u8>)>,
}

fn corrupt() -> Error {
    Error::Storage(crate::storage::StorageError("corrupt JSON document".into()))
}

fn parse_stored(text: &[u8]) -> Result<Value> {
    serde_json::from_slice(text).map_err(|_| corrupt())
}

/// The deepest nesting of arrays and objects a document may have: what serde_json (and so
/// RedisJSON) reads back.
const MAX_DEPTH: usize = 127;

/// How deeply `v` nests arrays and objects (a scalar is 0).
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn to_text(v: &Value) -> Vec<u8> {
    // Serializing a `Value` cannot fail: its keys are strings and its numbers finite.
    serde_json::to_vec(v).unwrap_or_default()
}

/// RedisJSON's error for a command that needs an existing key.
pub fn no_such_key() -> Error {
    Error::Json("ERR could not perform this operation on a key that doesn't exist".into())
}

impl Db<'_> {
    fn load_doc(&self, key: &[u8], meta: &Meta, scope: &Scope) -> Result<Loaded> {
        match meta.json_body().ok_or_else(corrupt)? {
            JsonBody::Inline(text) => Ok(Loaded { value: parse_stored(text)?, split: None }),
            JsonBody::Split { version, count, next_order } => {
                let mut members = Vec::new();
                match scope {
                    Scope::All => {
                        let prefix = member_prefix(self.db, key, version);
                        self.store.scan_rows(cf::DATA, &prefix, None, false, |k, v| {
                            if let Some((order, text)) = decode_json_member(v) {
                                let name = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
                                members.push((name, order, text.to_vec()));
                            }
                            true
                        })?;
                        members.sort_by_key(|m| m.1);
                    }
                    Scope::Members(names) => {
                        for name in names {
                            let row = self.store.get_member(cf::DATA, &member_key(self.db, key, version, name.as_bytes()))?;
                            if let Some((order, text)) = row.as_deref().and_then(decode_json_member) {
                                members.push((name.clone(), order, text.to_vec()));
                            }
                        }
                    }
                }
                let mut map = Map::with_capacity(members.len());
                for (name, _, text) in &members {
                    map.insert(name.clone(), parse_stored(text)?);
                }
                Ok(Loaded { value: Value::Object(map), split: Some(Split { version, count, next_order, members }) })
            }
        }
    }

    /// Writes `value` as the whole document at `key` (whose stored meta row is `stored`),
    /// inline or split by its size.
    fn put_whole(&self, key: &[u8], stored: Option<&Meta>, expire_at: u64, value: &Value, batch: &mut Batch) {
        if let Value::Object(map) = value {
            // Each member is serialized once, whichever way the document is stored.
            let texts: Vec<Vec<u8>> = map.values().map(to_text).collect();
            let size = 2 + texts.iter().zip(map.keys()).map(|(t, k)| t.len() + k.len() + 4).sum::<usize>();
            if size > INLINE_MAX {
                let version = self.store.new_version();
                for (order, (name, text)) in map.keys().zip(&texts).enumerate() {
                    let row = member_key(self.db, key, version, name.as_bytes());
                    batch.put_row(cf::DATA, &row, &encode_json_member(order as u64, text));
                }
                let n = map.len() as u64;
                batch.put_meta(self.db, key, stored, &Meta::json_split(expire_at, version, n, n));
                return;
            }
        }
        batch.put_meta(self.db, key, stored, &Meta::json_inline(expire_at, &to_text(value)));
    }

    /// Adds to `batch` what a command changed in `doc` (loaded from `meta`). An edit that
    /// nests the document deeper than it could be read back is refused.
    fn store_changes(&self, key: &[u8], meta: &Meta, doc: Loaded, batch: &mut Batch) -> Result<()> {
        if depth(&doc.value) > MAX_DEPTH {
            return Err(Error::Json("ERR recursion limit exceeded".into()));
        }
        let (split, map) = match (doc.split, &doc.value) {
            (Some(split), Value::Object(map)) => (split, map),
            (None, value) => {
                if !matches!(meta.json_body(), Some(JsonBody::Inline(old)) if old == to_text(value).as_slice()) {
                    self.put_whole(key, Some(meta), meta.expire_at, value, batch);
                }
                return Ok(());
            }
            (Some(_), value) => {
                self.put_whole(key, Some(meta), meta.expire_at, value, batch);
                return Ok(());
            }
        };
        let (mut count, mut next, mut deleted) = (split.count, split.next_order, 0);
        let mut loaded: HashSet<&str> = HashSet::with_capacity(split.members.len());
        for (name, order, old) in &split.members {
            loaded.insert(name);
            let row = member_key(self.db, key, split.version, name.as_bytes());
            match map.get(name) {
                None => {
                    batch.delete_row(cf::DATA, &row);
                    count -= 1;
                    deleted += 1;
                }
                Some(v) => {
                    let text = to_text(v);
                    if text != *old {
                        batch.put_row(cf::DATA, &row, &encode_json_member(*order, &text));
                    }
                }
            }
        }
        for (name, v) in map.iter().filter(|(n, _)| !loaded.contains(n.as_str())) {
            let row = member_key(self.db, key, split.version, name.as_bytes());
            batch.put_row(cf::DATA, &row, &encode_json_member(next, &to_text(v)));
            next += 1;
            count += 1;
        }
        if (count, next) != (split.count, split.next_order) {
            let mut changed = Meta::json_split(meta.expire_at, split.version, count, next);
            if meta.deletes() > 0 {
                changed.set_deletes(meta.deletes());
            }
            if deleted > 0 {
                // Deleted members leave tombstones that every read of the document crosses.
                changed = self.count_deletes(key, &changed, deleted, || Ok(count), batch)?;
            }
            batch.put_meta(self.db, key, Some(meta), &changed);
        }
        Ok(())
    }

    /// Reads the document at `key` (as much as `scope` needs) and hands it to `f`;
    /// `None` if the key is missing.
    pub fn json_read<T>(&self, key: &[u8], scope: &Scope, f: impl FnOnce(&Value) -> T) -> Result<Option<T>> {
        let Some(meta) = self.live_of(key, Kind::Json)? else { return Ok(None) };
        Ok(Some(f(&self.load_doc(key, &meta, scope)?.value)))
    }

    /// The whole document as compact JSON text, straight from storage (no parsing):
    /// JSON.GET of the root, the most common read. `None` if the key is missing.
    pub fn json_text(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let Some(meta) = self.live_of(key, Kind::Json)? else { return Ok(None) };
        let (version, count) = match meta.json_body().ok_or_else(corrupt)? {
            JsonBody::Inline(text) => return Ok(Some(text.to_vec())),
            JsonBody::Split { version, count, .. } => (version, count),
        };
        let prefix = member_prefix(self.db, key, version);
        let mut members: Vec<(u64, Vec<u8>, Vec<u8>)> = Vec::with_capacity(count.min(1 << 20) as usize);
        self.store.scan_rows(cf::DATA, &prefix, None, false, |k, v| {
            if let Some((order, text)) = decode_json_member(v) {
                members.push((order, k[prefix.len()..].to_vec(), text.to_vec()));
            }
            true
        })?;
        members.sort_by_key(|m| m.0);
        let mut out = Vec::with_capacity(2 + members.iter().map(|m| m.1.len() + m.2.len() + 4).sum::<usize>());
        out.push(b'{');
        for (i, (_, name, text)) in members.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&to_text(&Value::String(String::from_utf8_lossy(name).into_owned())));
            out.push(b':');
            out.extend_from_slice(text);
        }
        out.push(b'}');
        Ok(Some(out))
    }

    /// JSON.MGET: `f` of each key's document; `None` for a missing key or one of
    /// another type.
    pub fn json_read_many<T>(&self, keys: &[&[u8]], scope: &Scope, mut f: impl FnMut(&Value) -> T) -> Result<Vec<Option<T>>> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.push(match self.live(key)? {
                Some(meta) if meta.kind == Kind::Json => Some(f(&self.load_doc(key, &meta, scope)?.value)),
                _ => None,
            });
        }
        Ok(out)
    }

    /// Runs `f` on the document at `key` under its lock and stores what it changed;
    /// `None` (and `f` not run) if the key is missing.
    pub fn json_write<T>(&self, key: &[u8], scope: &Scope, f: impl FnOnce(&mut Value) -> Result<T>) -> Result<Option<T>> {
        let lock = self.lock(&[key])?;
        let Some(meta) = self.live_of(key, Kind::Json)? else { return Ok(None) };
        let mut doc = self.load_doc(key, &meta, scope)?;
        let out = f(&mut doc.value)?;
        let mut batch = self.store.batch();
        self.store_changes(key, &meta, doc, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(Some(out))
    }

    /// JSON.SET: returns false where RedisJSON answers nil (NX/XX refused, or nowhere to
    /// put the value).
    pub fn json_set(&self, key: &[u8], path: &Path, value: Value, cond: SetCond) -> Result<bool> {
        let edit = |doc: &mut Value| set_at(doc, path, &value, cond);
        self.json_put(key, path, cond, true, value.clone(), edit)
    }

    /// JSON.MERGE: RFC 7396 merge patch of `patch` into every match of `path`.
    pub fn json_merge(&self, key: &[u8], path: &Path, patch: Value) -> Result<bool> {
        let edit = |doc: &mut Value| merge_at(doc, path, &patch);
        self.json_put(key, path, SetCond::Always, false, patch.clone(), edit)
    }

    /// The shared shape of SET and MERGE: a missing key may only be created at the root
    /// (as `new_doc`); an existing one is replaced whole (`replace_root` at the root, its
    /// TTL kept) or edited by `edit`, which returns whether it changed anything.
    fn json_put(
        &self,
        key: &[u8],
        path: &Path,
        cond: SetCond,
        replace_root: bool,
        new_doc: Value,
        edit: impl FnOnce(&mut Value) -> Result<bool>,
    ) -> Result<bool> {
        let lock = self.lock(&[key])?;
        let stored = self.store.get_meta(self.db, key)?;
        let live = stored.clone().filter(|m| !m.is_expired(self.now));
        let mut batch = self.store.batch();
        match live {
            Some(m) if m.kind != Kind::Json => return Err(Error::WrongType),
            None if cond == SetCond::Exists => return Ok(false),
            None if !path.is_root() => return Err(Error::Json("ERR new objects must be created at the root".into())),
            None => self.put_whole(key, stored.as_ref(), 0, &new_doc, &mut batch),
            Some(_) if path.is_root() && replace_root && cond == SetCond::Missing => return Ok(false),
            Some(meta) if path.is_root() && replace_root => self.put_whole(key, Some(&meta), meta.expire_at, &new_doc, &mut batch),
            Some(meta) => {
                let mut doc = self.load_doc(key, &meta, &Scope::of([path]))?;
                if !edit(&mut doc.value)? {
                    return Ok(false);
                }
                self.store_changes(key, &meta, doc, &mut batch)?;
            }
        }
        self.write(&lock, batch)?;
        Ok(true)
    }

    /// JSON.MSET: every `(key, path, value)` set in order (a later triplet sees the
    /// earlier ones), all in one atomic write. Returns, per triplet, whether it set
    /// anything (a path that matches nothing and names no new member does not).
    pub fn json_mset(&self, triplets: &[(&[u8], Path, Value)]) -> Result<Vec<bool>> {
        let keys: Vec<&[u8]> = triplets.iter().map(|t| t.0).collect();
        let lock = self.lock(&keys)?;
        // Each key once: its stored meta row, and its document as the triplets so far left it.
        let mut docs: Vec<(&[u8], Option<Meta>, Option<Loaded>)> = Vec::new();
        let mut set = Vec::with_capacity(triplets.len());
        for (key, path, value) in triplets {
            let i = match docs.iter().position(|d| d.0 == *key) {
                Some(i) => i,
                None => {
                    let stored = self.store.get_meta(self.db, key)?;
                    let doc = match stored.as_ref().filter(|m| !m.is_expired(self.now)) {
                        Some(m) if m.kind != Kind::Json => return Err(Error::WrongType),
                        Some(m) => Some(self.load_doc(key, m, &Scope::All)?),
                        None => None,
                    };
                    docs.push((key, stored, doc));
                    docs.len() - 1
                }
            };
            set.push(match &mut docs[i].2 {
                None if !path.is_root() => return Err(Error::Json("ERR new objects must be created at the root".into())),
                doc @ None => {
                    *doc = Some(Loaded { value: value.clone(), split: None });
                    true
                }
                Some(doc) if path.is_root() => {
                    doc.value = value.clone();
                    true
                }
                Some(doc) => set_at(&mut doc.value, path, value, SetCond::Always)?,
            });
        }
        let mut batch = self.store.batch();
        for (key, stored, doc) in docs {
            let Some(doc) = doc else { continue };
            match stored.as_ref().filter(|m| !m.is_expired(self.now)) {
                Some(meta) => self.store_changes(key, meta, doc, &mut batch)?,
                None => self.put_whole(key, stored.as_ref(), 0, &doc.value, &mut batch),
            }
        }
        self.write(&lock, batch)?;
        Ok(set)
    }

    /// JSON.DEL / JSON.FORGET: how many values were deleted (the root deletes the key).
    pub fn json_del(&self, key: &[u8], path: &Path) -> Result<i64> {
        if !path.is_root() {
            return Ok(self.json_write(key, &Scope::of([path]), |doc| Ok(delete_at(doc, path)))?.unwrap_or(0));
        }
        let lock = self.lock(&[key])?;
        let Some(meta) = self.live_of(key, Kind::Json)? else { return Ok(0) };
        let mut batch = self.store.batch();
        batch.delete_meta(self.db, key, &meta);
        self.write(&lock, batch)?;
        Ok(1)
    }
}

/// The type name JSON.TYPE reports.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Applies `op` at every match of `path` in an order that keeps the other matches'
/// locations valid, and returns its results in match order (`None` where `op` did not
/// apply, e.g. to a value of another type).
pub fn each_match<T>(doc: &mut Value, path: &Path, mut op: impl FnMut(&mut Value) -> Result<Option<T>>) -> Result<Vec<Option<T>>> {
    let locations = path.locations(doc);
    let mut order: Vec<usize> = (0..locations.len()).collect();
    order.sort_by(|&a, &b| mutation_order(&locations[a], &locations[b]));
    let mut out: Vec<Option<T>> = (0..locations.len()).map(|_| None).collect();
    for i in order {
        if let Some(v) = get_mut(doc, &locations[i]) {
            out[i] = op(v)?;
        }
    }
    Ok(out)
}

/// JSON.SET below the root: every match, or where the path's last name can be added.
fn set_at(doc: &mut Value, path: &Path, value: &Value, cond: SetCond) -> Result<bool> {
    if cond != SetCond::Missing {
        let found = each_match(doc, path, |v| {
            *v = value.clone();
            Ok(Some(()))
        })?;
        if !found.is_empty() {
            return Ok(true);
        }
    }
    if cond == SetCond::Exists {
        return Ok(false);
    }
    add_member(doc, path, value, |slot, v| *slot = v.clone())
}

/// Adds the last member name of `path` to every object its parent matches (where the
/// member does not exist yet), with `put` filling the new slot. RedisJSON only adds
/// along "static" paths (names and indexes) that end in a name.
fn add_member(doc: &mut Value, path: &Path, value: &Value, put: impl Fn(&mut Value, &Value)) -> Result<bool> {
    let Some((parent, name)) = path.parent_and_name() else {
        if path.ends_in_index() {
            return if path.locations(doc).is_empty() { Err(Error::Json("ERR array index out of range".into())) } else { Ok(false) };
        }
        return Err(Error::Json("ERR wrong static path".into()));
    };
    let mut added = false;
    for at in parent.locations(doc) {
        if let Some(Value::Object(m)) = get_mut(doc, &at) {
            if !m.contains_key(&name) {
                let slot = m.entry(name.clone()).or_insert(Value::Null);
                put(slot, value);
                added = true;
            }
        }
    }
    Ok(added)
}

/// JSON.MERGE at every match of `path`, or adding the patch where SET would add.
fn merge_at(doc: &mut Value, path: &Path, patch: &Value) -> Result<bool> {
    let found = each_match(doc, path, |v| {
        merge_patch(v, patch);
        Ok(Some(()))
    })?;
    if !found.is_empty() {
        return Ok(true);
    }
    if patch.is_null() {
        return Ok(false);
    }
    add_member(doc, path, patch, merge_patch)
}

/// RFC 7396: objects merge member by member, `null` deletes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in patch {
            if v.is_null() {
                t.shift_remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// Deletes every match of `path` (a match inside another match goes with it); returns
/// how many values went.
fn delete_at(doc: &mut Value, path: &Path) -> i64 {
    let mut locations = path.locations(doc);
    locations.sort();
    let mut outermost: Vec<Vec<Seg>> = Vec::with_capacity(locations.len());
    for at in locations {
        if outermost.last().is_none_or(|kept| !at.starts_with(kept)) {
            outermost.push(at);
        }
    }
    outermost.sort_by(|a, b| mutation_order(a, b));
    let mut deleted = 0;
    for at in outermost {
        let Some((last, parent)) = at.split_last() else { continue };
        let removed = match (get_mut(doc, parent), last) {
            (Some(Value::Object(m)), Seg::Key(k)) => m.shift_remove(k).is_some(),
            (Some(Value::Array(a)), Seg::Index(i)) if *i < a.len() => {
                a.remove(*i);
                true
            }
            _ => false,
        };
        deleted += removed as i64;
    }
    deleted
}

/// NUMINCRBY / NUMMULTBY on one value: integers stay integers while the result fits.
pub fn num_op(v: &mut Value, by: &Number, op: NumOp) -> Result<Option<Number>> {
    let Value::Number(current) = v else { return Ok(None) };
    let exact = match (current.as_i64(), by.as_i64()) {
        (Some(a), Some(b)) => match op {
            NumOp::Incr => a.checked_add(b),
            NumOp::Mult => a.checked_mul(b),
        },
        _ => None,
    };
    let result = match exact {
        Some(n) => Number::from(n),
        None => {
            let (a, b) = (current.as_f64().unwrap_or(0.0), by.as_f64().unwrap_or(0.0));
            let f = match op {
                NumOp::Incr => a + b,
                NumOp::Mult => a * b,
            };
            Number::from_f64(f).ok_or_else(|| Error::Json("ERR result is not a number".into()))?
        }
    };
    *v = Value::Number(result.clone());
    Ok(Some(result))
}

/// STRAPPEND on one value: the new length in bytes.
pub fn str_append(v: &mut Value, suffix: &str) -> Option<usize> {
    let Value::String(s) = v else { return None };
    s.push_str(suffix);
    Some(s.len())
}

/// ARRAPPEND on one value: the new length.
pub fn arr_append(v: &mut Value, items: &[Value]) -> Option<usize> {
    let Value::Array(a) = v else { return None };
    a.extend_from_slice(items);
    Some(a.len())
}

/// ARRINSERT on one value: inserts before `index` (negative counts from the end).
pub fn arr_insert(v: &mut Value, index: i64, items: &[Value]) -> Result<Option<usize>> {
    let Value::Array(a) = v else { return Ok(None) };
    let len = a.len() as i64;
    let at = if index < 0 { len + index } else { index };
    if !(0..=len).contains(&at) {
        return Err(Error::Json("ERR index out of bounds".into()));
    }
    let tail = a.split_off(at as usize);
    a.extend_from_slice(items);
    a.extend(tail);
    Ok(Some(a.len()))
}

/// ARRPOP on one value: `Some(None)` for an empty array.
pub fn arr_pop(v: &mut Value, index: i64) -> Option<Option<Value>> {
    let Value::Array(a) = v else { return None };
    if a.is_empty() {
        return Some(None);
    }
    let len = a.len() as i64;
    let at = if index < 0 { (len + index).max(0) } else { index.min(len - 1) };
    Some(Some(a.remove(at as usize)))
}

/// ARRTRIM on one value, with LTRIM's rules for the range: the new length.
pub fn arr_trim(v: &mut Value, start: i64, stop: i64) -> Option<usize> {
    let Value::Array(a) = v else { return None };
    let len = a.len() as i64;
    let start = if start < 0 { (len + start).max(0) } else { start };
    let stop = if stop < 0 { len + stop } else { stop.min(len - 1) };
    if start > stop || start >= len {
        a.clear();
    } else {
        a.truncate(stop as usize + 1);
        a.drain(..start as usize);
    }
    Some(a.len())
}

/// ARRINDEX on one value: the first position of `item` in `[start, stop)` (`stop` 0
/// means the end; negative bounds count from the end), or -1.
pub fn arr_index(v: &Value, item: &Value, start: i64, stop: i64) -> Option<i64> {
    let Value::Array(a) = v else { return None };
    let len = a.len() as i64;
    let norm = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
    let (start, stop) = (norm(start), if stop == 0 { len } else { norm(stop) });
    let found = (start..stop).find(|&i| a[i as usize] == *item);
    Some(found.unwrap_or(-1))
}

/// TOGGLE on one value: the new boolean.
pub fn toggle(v: &mut Value) -> Option<bool> {
    let Value::Bool(b) = v else { return None };
    *b = !*b;
    Some(*b)
}

/// CLEAR on one value: empties containers and zeroes numbers; `Some` if it changed.
pub fn clear(v: &mut Value) -> Option<()> {
    let changed = match v {
        Value::Array(a) if !a.is_empty() => {
            a.clear();
            true
        }
        Value::Object(m) if !m.is_empty() => {
            m.clear();
            true
        }
        Value::Number(n) if n.as_f64() != Some(0.0) => {
            *v = Value::Number(0.into());
            true
        }
        _ => false,
    };
    changed.then_some(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::temp_store;
    use super::*;
    use crate::storage::now_ms;
    use serde_json::json;

    fn p(s: &str) -> Path {
        Path::parse(s).unwrap()
    }

    fn big_doc(members: usize) -> Value {
        let mut m = Map::new();
        for i in 0..members {
            m.insert(format!("f{i:04}"), json!({"n": i, "pad": "x".repeat(100)}));
        }
        Value::Object(m)
    }

    fn get(db: &Db, key: &[u8]) -> Value {
        db.json_read(key, &Scope::All, |v| v.clone()).unwrap().unwrap()
    }

    #[test]
    fn small_documents_stay_inline_and_large_objects_split() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        db.json_set(b"small", &p("$"), json!({"a": 1}), SetCond::Always).unwrap();
        assert!(matches!(db.live(b"small").unwrap().unwrap().json_body(), Some(JsonBody::Inline(_))));
        db.json_set(b"big", &p("$"), big_doc(500), SetCond::Always).unwrap();
        let meta = db.live(b"big").unwrap().unwrap();
        assert!(matches!(meta.json_body(), Some(JsonBody::Split { count: 500, next_order: 500, .. })));
        assert_eq!(get(&db, b"big"), big_doc(500));
        db.json_set(b"arr", &p("$"), json!(vec![big_doc(1); 300]), SetCond::Always).unwrap();
        assert!(matches!(db.live(b"arr").unwrap().unwrap().json_body(), Some(JsonBody::Inline(_))));
    }

    #[test]
    fn split_edits_keep_order_and_touch_only_their_member() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        db.json_set(b"k", &p("$"), big_doc(300), SetCond::Always).unwrap();
        let before = db.live(b"k").unwrap().unwrap();
        let scope = Scope::of([&p("$.f0100.n")]);
        assert_eq!(scope, Scope::Members(vec!["f0100".into()]));
        let r = db.json_write(b"k", &scope, |doc| each_match(doc, &p("$.f0100.n"), |v| num_op(v, &Number::from(5), NumOp::Incr))).unwrap();
        assert_eq!(r.unwrap(), vec![Some(Number::from(105))]);
        assert_eq!(db.live(b"k").unwrap().unwrap(), before, "an edit in place leaves the header alone");
        // Delete one member, add two: the new ones go last, in order.
        assert_eq!(db.json_del(b"k", &p("$.f0000")).unwrap(), 1);
        db.json_set(b"k", &p("$.zz"), json!(1), SetCond::Always).unwrap();
        db.json_set(b"k", &p("$.f0000"), json!(2), SetCond::Always).unwrap();
        let doc = get(&db, b"k");
        let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert_eq!((keys[0].as_str(), keys[298].as_str(), keys[299].as_str(), keys[300].as_str()), ("f0001", "f0299", "zz", "f0000"));
        assert_eq!(doc["f0100"]["n"], json!(105));
        assert!(matches!(db.live(b"k").unwrap().unwrap().json_body(), Some(JsonBody::Split { count: 301, next_order: 302, .. })));
    }

    /// How many runs `read_stable` gives a read of `key` during whose first run `change`
    /// writes the key.
    fn runs_of_a_read_racing(store: &crate::storage::Storage, key: &[u8], change: impl Fn(&Db)) -> usize {
        let db = Db::new(store, 0, now_ms());
        let mut runs = 0;
        crate::storage::read_stable(store, |reads| {
            runs += 1;
            let view = crate::storage::View::new(store).recording(Some(reads));
            Db::in_view(view, 0, db.now).live(key).unwrap().unwrap();
            if runs == 1 {
                change(&db);
            }
        });
        runs
    }

    #[test]
    fn a_read_checks_the_version_member_rows_live_under() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        // A split document keeps its version after the body's layout byte.
        db.json_set(b"doc", &p("$"), big_doc(300), SetCond::Always).unwrap();
        let replace = |db: &Db| {
            db.del(&[b"doc"]).unwrap();
            db.json_set(b"doc", &p("$"), big_doc(300), SetCond::Always).unwrap();
        };
        assert_eq!(runs_of_a_read_racing(&store, b"doc", replace), 2);
        // A value kept whole in its meta row is read in one go: nothing to check.
        db.set(b"s", b"0123456789abcdef", crate::types::string::Cond::Always, crate::types::string::Ttl::Clear, false).unwrap();
        let overwrite = |db: &Db| {
            db.set(b"s", b"fedcba9876543210", crate::types::string::Cond::Always, crate::types::string::Ttl::Clear, false).unwrap();
        };
        assert_eq!(runs_of_a_read_racing(&store, b"s", overwrite), 1);
    }

    #[test]
    fn replacing_a_split_document_drops_its_rows() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        db.json_set(b"k", &p("$"), big_doc(300), SetCond::Always).unwrap();
        db.json_set(b"k", &p("$"), json!([1]), SetCond::Always).unwrap();
        assert_eq!(get(&db, b"k"), json!([1]));
        db.json_set(b"k", &p("$"), big_doc(200), SetCond::Always).unwrap();
        assert_eq!(get(&db, b"k"), big_doc(200));
        assert_eq!(store.dbsize(0), 1);
    }

    #[test]
    fn compaction_reclaims_the_rows_of_replaced_and_deleted_documents() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        let rows = |key: &[u8], meta: &Meta| {
            let mut n = 0;
            let prefix = member_prefix(0, key, meta.member_version().unwrap());
            store
                .scan_rows(cf::DATA, &prefix, None, false, |_, _| {
                    n += 1;
                    true
                })
                .unwrap();
            n
        };
        db.json_set(b"kept", &p("$"), big_doc(200), SetCond::Always).unwrap();
        db.json_set(b"replaced", &p("$"), big_doc(200), SetCond::Always).unwrap();
        db.json_set(b"deleted", &p("$"), big_doc(200), SetCond::Always).unwrap();
        let (kept, replaced, deleted) =
            (db.live(b"kept").unwrap().unwrap(), db.live(b"replaced").unwrap().unwrap(), db.live(b"deleted").unwrap().unwrap());
        db.json_set(b"replaced", &p("$"), json!({"small": true}), SetCond::Always).unwrap();
        assert_eq!(db.json_del(b"deleted", &p("$")).unwrap(), 1);
        assert_eq!((rows(b"replaced", &replaced), rows(b"deleted", &deleted)), (200, 200), "DEL and replace are O(1)");
        store.compact();
        assert_eq!((rows(b"kept", &kept), rows(b"replaced", &replaced), rows(b"deleted", &deleted)), (200, 0, 0));
        assert_eq!(get(&db, b"kept"), big_doc(200));
    }

    #[test]
    fn documents_nest_no_deeper_than_they_can_be_read() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(serde_json::from_str::<Value>(&nested(MAX_DEPTH)).is_ok());
        assert!(serde_json::from_str::<Value>(&nested(MAX_DEPTH + 1)).is_err());
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        let deep: Value = serde_json::from_str(&nested(MAX_DEPTH)).unwrap();
        db.json_set(b"k", &p("$"), json!({"a": 1}), SetCond::Always).unwrap();
        assert!(matches!(db.json_set(b"k", &p("$.a"), deep.clone(), SetCond::Always), Err(Error::Json(_))));
        assert!(matches!(db.json_mset(&[(b"k", p("$.a"), deep)]), Err(Error::Json(_))));
        assert_eq!(get(&db, b"k"), json!({"a": 1}));
    }

    #[test]
    fn array_operations() {
        let mut v = json!([1, 2, 3, 4, 5]);
        assert_eq!(arr_insert(&mut v, -1, &[json!(9)]).unwrap(), Some(6));
        assert_eq!(v, json!([1, 2, 3, 4, 9, 5]));
        assert!(arr_insert(&mut v, 7, &[json!(0)]).is_err());
        assert_eq!(arr_pop(&mut v, 0), Some(Some(json!(1))));
        assert_eq!(arr_pop(&mut v, 100), Some(Some(json!(5))));
        assert_eq!(arr_trim(&mut v, 1, -2), Some(2));
        assert_eq!(v, json!([3, 4]));
        assert_eq!(arr_index(&v, &json!(4), 0, 0), Some(1));
        assert_eq!(arr_index(&v, &json!(4), 0, 1), Some(-1));
        assert_eq!(arr_trim(&mut v, 5, 10), Some(0));
        assert_eq!(arr_pop(&mut v, -1), Some(None));
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut v = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut v, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(v, json!({"a": "z", "c": {"d": "e"}}));
        merge_patch(&mut v, &json!([1]));
        assert_eq!(v, json!([1]));
    }
}
