//! Data types over storage: the logic of strings, hashes, sets and generic key operations
//! (and, in later issues, lists, sorted sets, JSON and streams).
//!
//! May import [`crate::storage`] and leaf utilities only: no sockets, no RESP, no
//! command parsing. A write takes the key locks, reads, builds one batch and commits it.

pub mod dump;
pub mod geo;
pub mod hash;
pub mod hll;
pub mod json;
pub mod keys;
pub mod list;
mod random;
pub mod set;
pub mod sort;
pub mod stream;
pub mod string;
mod zrank;
pub mod zset;

use crate::storage::{cf, Batch, Group, Kind, Meta, Pending, Storage, StorageError, View, WriteLock};
use std::cell::RefCell;
use std::fmt;

/// What can go wrong in a type operation; the command layer turns these into Redis's
/// error lines.
#[derive(Debug)]
pub enum Error {
    WrongType,
    NotInteger,
    NotFloat,
    Overflow,
    NoSuchKey,
    /// The result of INCRBYFLOAT would be NaN or infinite.
    NanOrInfinity,
    /// HINCRBY on a field whose value is not an integer.
    HashNotInteger,
    /// HINCRBYFLOAT on a field whose value is not a float.
    HashNotFloat,
    /// HINCRBYFLOAT with an infinite increment.
    IncrNanOrInfinity,
    /// A count beyond what the command accepts (HRANDFIELD).
    OutOfRange,
    /// A string would exceed `proto-max-bulk-len` (SETRANGE, APPEND, SETBIT).
    TooLarge,
    /// DUMP of a type that has no serialization (streams, JSON).
    NotSerializable,
    /// SORT of values that are not numbers, without ALPHA.
    NotDoubleScores,
    /// A HyperLogLog command on a string that is not one.
    NotHll,
    /// A HyperLogLog whose registers do not add up.
    CorruptHll,
    /// A JSON command's error, as a whole line in RedisJSON's words.
    Json(String),
    /// A stream command's own errors (see [`stream::StreamError`]).
    Stream(stream::StreamError),
    Storage(StorageError),
}

impl From<StorageError> for Error {
    fn from(e: StorageError) -> Self {
        Error::Storage(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::WrongType => "WRONGTYPE Operation against a key holding the wrong kind of value",
            Error::NotInteger => "ERR value is not an integer or out of range",
            Error::NotFloat => "ERR value is not a valid float",
            Error::Overflow => "ERR increment or decrement would overflow",
            Error::NoSuchKey => "ERR no such key",
            Error::NanOrInfinity => "ERR increment would produce NaN or Infinity",
            Error::HashNotInteger => "ERR hash value is not an integer",
            Error::HashNotFloat => "ERR hash value is not a float",
            Error::IncrNanOrInfinity => "ERR value is NaN or Infinity",
            Error::OutOfRange => "ERR value is out of range",
            Error::TooLarge => "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
            Error::NotSerializable => "ERR DUMP does not support stream and JSON keys",
            Error::NotDoubleScores => "ERR One or more scores can't be converted into double",
            Error::NotHll => "WRONGTYPE Key is not a valid HyperLogLog string value.",
            Error::CorruptHll => "INVALIDOBJ Corrupted HLL object detected",
            Error::Json(line) => line,
            Error::Stream(e) => return write!(f, "{e}"),
            Error::Storage(e) => return write!(f, "ERR {e}"),
        })
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// The largest string value, Redis's `proto-max-bulk-len`.
pub const MAX_STRING: usize = 512 * 1024 * 1024;

/// One database as seen by one command: storage (through the command's transaction, if
/// it runs inside EXEC: see [`View`]), the physical db number, the command's clock (one
/// `now` per command, so a command sees one consistent instant), and the connection's
/// write group when the command may join one (see [`Group`]).
#[derive(Clone, Copy)]
pub struct Db<'a> {
    pub store: View<'a>,
    pub db: u8,
    pub now: u64,
    group: Option<&'a RefCell<Group>>,
}

/// The locks a write holds until it is written: its own, or its group's.
pub enum Lock<'a> {
    Own(WriteLock<'a>),
    Group,
    /// Inside EXEC: the transaction excludes every other writer until it commits.
    Txn,
}

impl<'a> Db<'a> {
    pub fn new(store: &'a Storage, db: u8, now: u64) -> Db<'a> {
        Db::in_view(View::new(store), db, now)
    }

    /// A database seen through `view` (a transaction's, inside EXEC).
    pub fn in_view(store: View<'a>, db: u8, now: u64) -> Db<'a> {
        Db { store, db, now, group: None }
    }

    /// Lets this command's writes join `group`.
    pub fn with_group(self, group: &'a RefCell<Group>) -> Db<'a> {
        Db { group: Some(group), ..self }
    }

    /// Locks `keys` for a read-modify-write, for the group if there is one (after
    /// committing it when a key is held elsewhere and the lock must be waited for).
    pub fn lock(&self, keys: &[&[u8]]) -> Result<Lock<'a>> {
        if self.store.txn().is_some() {
            return Ok(Lock::Txn);
        }
        if let Some(group) = self.group {
            let mut g = group.borrow_mut();
            if !g.try_lock(self.db, keys) {
                g.commit()?;
                g.lock(self.db, keys);
            }
            return Ok(Lock::Group);
        }
        Ok(Lock::Own(self.store.storage().lock(self.db, keys)))
    }

    /// Locks keys in several databases; such commands never join a group.
    pub fn lock_pairs(&self, keys: &[(u8, &[u8])]) -> Result<Lock<'a>> {
        if self.store.txn().is_some() {
            return Ok(Lock::Txn);
        }
        if let Some(group) = self.group {
            group.borrow_mut().commit()?;
        }
        Ok(Lock::Own(self.store.storage().lock_pairs(keys)))
    }

    /// Writes a command's batch: now, with its group, or with its transaction.
    pub fn write(&self, lock: &Lock<'a>, batch: Batch) -> Result<()> {
        match (lock, self.group, self.store.txn()) {
            (Lock::Txn, _, Some(txn)) => {
                txn.borrow_mut().add(batch);
                Ok(())
            }
            (Lock::Group, Some(group), _) => {
                group.borrow_mut().add(batch);
                Ok(())
            }
            _ => Ok(self.store.storage().write(batch)?),
        }
    }

    /// The live meta row of `key`, or `None` if it is missing or expired.
    pub fn live(&self, key: &[u8]) -> Result<Option<Meta>> {
        Ok(self.store.get_live(self.db, key, self.now)?)
    }

    /// The live meta row of `key`, which must be of `kind` if it exists.
    pub fn live_of(&self, key: &[u8], kind: Kind) -> Result<Option<Meta>> {
        match self.live(key)? {
            Some(m) if m.kind != kind => Err(Error::WrongType),
            other => Ok(other),
        }
    }
}

/// A collection being written (hash, set, sorted set): its stored meta row (expired or
/// not, which decides how the key counts change) and the live collection, a fresh empty
/// one under a new version if the key is missing or expired.
pub(crate) struct CollectionWrite {
    pub stored: Option<Meta>,
    pub meta: Meta,
    pub existed: bool,
    pub old_size: u64,
}

impl Db<'_> {
    /// Reads the collection of `kind` at `key` for a write, under the caller's lock.
    pub(crate) fn open_collection(&self, key: &[u8], kind: Kind) -> Result<CollectionWrite> {
        let stored = self.store.get_meta(self.db, key)?;
        let live = stored.as_ref().filter(|m| !m.is_expired(self.now)).cloned();
        match live {
            Some(m) if m.kind != kind => Err(Error::WrongType),
            Some(m) => Ok(CollectionWrite { old_size: m.size(), meta: m, existed: true, stored }),
            None => {
                let meta = Meta::collection(kind, self.store.new_version(), 0);
                Ok(CollectionWrite { stored, meta, existed: false, old_size: 0 })
            }
        }
    }

    /// Whether `row`, the row of `member` in a set or hash whose key this command holds
    /// the lock of, exists (see [`crate::storage::View::has_member_row`]).
    pub(crate) fn writer_has_row(&self, row: &[u8], member: &[u8]) -> Result<bool> {
        Ok(self.store.has_member_row(&row[..row.len() - member.len()], row)?)
    }

    /// Adds the meta row change of a collection write to `batch`: the new size, the new
    /// key, or the deletion of a collection that lost its last member. The member rows
    /// the write deletes are counted ([`Db::count_deletes`]).
    pub(crate) fn close_collection(&self, key: &[u8], w: &CollectionWrite, batch: &mut Batch) -> Result<()> {
        let size = w.meta.size();
        if size == 0 {
            if let (true, Some(old)) = (w.existed, &w.stored) {
                batch.delete_meta(self.db, key, old);
            }
            return Ok(());
        }
        let prefix = || crate::storage::member_prefix(self.db, key, w.meta.version());
        if !w.existed && matches!(w.meta.kind, Kind::Set | Kind::Hash | Kind::ZSet) {
            // Created by this batch: its member set starts empty and gets the batch's rows.
            self.store.storage().start_member_set(&prefix());
        }
        let deleted = if w.existed { batch.deletes_under(&prefix(), |_| false) } else { 0 };
        if deleted > 0 {
            // A sorted set has two rows per member (and a few rank buckets).
            let rows = if w.meta.kind == Kind::ZSet { 2 * size } else { size };
            let meta = self.count_deletes(key, &w.meta, deleted, || Ok(rows), batch)?;
            batch.put_meta(self.db, key, w.stored.as_ref(), &meta);
        } else if !w.existed || w.stored.as_ref() != Some(&w.meta) {
            batch.put_meta(self.db, key, w.stored.as_ref(), &w.meta);
        }
        Ok(())
    }

    /// The meta row to write for a collection (`meta`, as this write leaves it) from
    /// which `batch` deletes `deleted` member rows that later scans would step over.
    ///
    /// Each such row leaves a tombstone that every scan of the collection crosses until
    /// compaction drops it, so a hash whose fields come and go would read slower and
    /// slower. The meta row counts them; once they reach [`REWRITE_MIN`] and
    /// [`REWRITE_FACTOR`] times the collection's live rows (`rows`, asked for only then),
    /// the live rows are copied under a new version in this same batch: scans of the new
    /// prefix meet none of the old tombstones, and the compaction filter drops the old
    /// rows. The copy costs O(rows), paid once per that many deletes; a collection of
    /// more than [`REWRITE_MAX_ROWS`] rows is left to the compactions its scans ask for
    /// (`storage/compactor.rs`), so that no one command writes without bound.
    pub(crate) fn count_deletes(
        &self,
        key: &[u8],
        meta: &Meta,
        deleted: u64,
        rows: impl FnOnce() -> Result<u64>,
        batch: &mut Batch,
    ) -> Result<Meta> {
        let deletes = meta.deletes() + deleted;
        if deletes >= REWRITE_MIN {
            let rows = rows()?;
            if deletes >= REWRITE_FACTOR * rows && rows <= REWRITE_MAX_ROWS {
                let prefix = crate::storage::member_prefix(self.db, key, meta.version());
                self.store.storage().pop_hints.forget(&prefix);
                return self.relocate(batch, meta, (self.db, key), (self.db, key));
            }
        }
        let mut counted = meta.clone();
        counted.set_deletes(deletes);
        Ok(counted)
    }

    /// Prepares `meta` of `from` to live at `to`, as it will be once `batch` is written: a
    /// value kept in the meta row moves as it is; a collection's member rows are copied
    /// under a fresh version (member keys embed the user key, so a collection cannot
    /// change name in O(1); a collection rewritten in place leaves its tombstones behind).
    pub(crate) fn relocate(&self, batch: &mut Batch, meta: &Meta, from: (u8, &[u8]), to: (u8, &[u8])) -> Result<Meta> {
        let Some(old_version) = meta.member_version() else { return Ok(meta.clone()) };
        let version = self.store.new_version();
        let old_prefix = crate::storage::member_prefix(from.0, from.1, old_version);
        let new_prefix = crate::storage::member_prefix(to.0, to.1, version);
        let own = Pending::of_batch(batch, &old_prefix);
        for family in [cf::DATA, cf::ZSCORE, cf::STREAM, cf::ZRANK] {
            self.store.scan_rows_with(&own, family, &old_prefix, |k, v| {
                let mut nk = new_prefix.clone();
                nk.extend_from_slice(&k[old_prefix.len()..]);
                batch.put_row(family, &nk, v);
                true
            })?;
        }
        let mut moved = meta.clone();
        moved.set_member_version(version);
        if moved.deletes() > 0 {
            moved.set_deletes(0);
        }
        Ok(moved)
    }
}

/// A collection's live rows are copied under a new version (leaving the tombstones of its
/// deleted members behind) once its member-row deletes reach this many times its rows...
const REWRITE_FACTOR: u64 = 2;
/// ... and at least this many...
const REWRITE_MIN: u64 = 128;
/// ... if it has at most this many rows: a rewrite of 8,000 rows holds up its worker for
/// about 10 ms, of 32,000 for about 40.
const REWRITE_MAX_ROWS: u64 = 8_192;

impl Db<'_> {
    /// One page of HSCAN/SSCAN/ZSCAN over the `data` rows of a live collection: examines
    /// up to `count` members from `start` (inclusive), in member order, and hands those
    /// matching `pattern` with their row value to `keep`. Members matching a pattern with
    /// a literal prefix are contiguous, so the scan starts there and stops after them.
    /// Returns where the next page starts, or `None` when the collection is done.
    pub(crate) fn scan_members(
        &self,
        key: &[u8],
        meta: &Meta,
        start: &[u8],
        count: usize,
        pattern: Option<&[u8]>,
        mut keep: impl FnMut(&[u8], &[u8]),
    ) -> Result<Option<Vec<u8>>> {
        let prefix = crate::storage::member_prefix(self.db, key, meta.version());
        let literal = pattern.map_or(&b""[..], crate::glob::literal_prefix);
        let from = if start < literal { literal } else { start };
        let first = crate::storage::member_key(self.db, key, meta.version(), from);
        let (mut examined, mut next) = (0, None);
        self.store.scan_rows(crate::storage::cf::DATA, &prefix, Some(&first), false, |k, v| {
            let member = &k[prefix.len()..];
            if !member.starts_with(literal) {
                return false;
            }
            if examined == count {
                next = Some(member.to_vec());
                return false;
            }
            examined += 1;
            if pattern.is_none_or(|p| crate::glob::matches(p, member, false)) {
                keep(member, v);
            }
            true
        })?;
        Ok(next)
    }
}

/// Parses a whole byte string as a signed 64-bit integer, strictly as Redis's
/// `string2ll`: no spaces, no `+`, no leading zeros except "0" itself.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || (digits[0] == b'0' && (digits.len() > 1 || neg)) {
        return None;
    }
    let mut n: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = (c - b'0') as i64;
        n = if neg { n.checked_mul(10)?.checked_sub(d)? } else { n.checked_mul(10)?.checked_add(d)? };
    }
    Some(n)
}

/// Parses a float argument as Redis's `string2ld`/`strtold` and `getDoubleFromObject`
/// read it: decimal or exponent notation, `inf`/`-inf`, no spaces; NaN is rejected, and
/// so is a literal out of a double's range (`1e400`, `1e-400`), which `strtod` reports
/// with `ERANGE`.
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    let v = parse_f64_saturating(s)?;
    let mantissa = s.split(|&c| c == b'e' || c == b'E').next().unwrap_or(s);
    let overflow = v.is_infinite() && !s.iter().any(|c| c.eq_ignore_ascii_case(&b'i'));
    let underflow = v == 0.0 && mantissa.iter().any(|c| matches!(c, b'1'..=b'9'));
    (!overflow && !underflow).then_some(v)
}

/// [`parse_f64`] without the range check, as Redis's `zslParseRange` reads score range
/// ends: `1e400` is infinity and `1e-400` zero.
pub fn parse_f64_saturating(s: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(s).ok()?;
    if text.is_empty() || text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace) {
        return None;
    }
    let v: f64 = match text.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        t if t.contains("inf") || t.contains("nan") => return None,
        t => t.parse().ok()?,
    };
    (!v.is_nan()).then_some(v)
}

/// Parses a double as C's `strtod` reads Redis's scores and weights
/// (`getDoubleFromObject`): what [`parse_f64`] reads, and hexadecimal floats too
/// (`0x10`, `-0x1.8p3`), which `strtod` accepts and clients may send.
pub fn parse_double(s: &[u8]) -> Option<f64> {
    parse_f64(s).or_else(|| parse_signed_hex_float(s))
}

/// [`parse_double`] without the range check (see [`parse_f64_saturating`]).
pub fn parse_double_saturating(s: &[u8]) -> Option<f64> {
    parse_f64_saturating(s).or_else(|| parse_signed_hex_float(s))
}

/// A hexadecimal float with an optional sign.
fn parse_signed_hex_float(s: &[u8]) -> Option<f64> {
    let (negative, body) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    let v = parse_hex_float(body)?;
    Some(if negative { -v } else { v })
}

/// An unsigned hexadecimal float: `0x`, hex digits with an optional point, and an optional
/// binary exponent (`p-3`).
fn parse_hex_float(s: &[u8]) -> Option<f64> {
    let s = s.strip_prefix(b"0x").or_else(|| s.strip_prefix(b"0X"))?;
    let (mantissa, exp) = match s.iter().position(|&c| c == b'p' || c == b'P') {
        Some(i) => (&s[..i], std::str::from_utf8(&s[i + 1..]).ok()?.parse::<i32>().ok()?),
        None => (s, 0),
    };
    let point = mantissa.iter().position(|&c| c == b'.').unwrap_or(mantissa.len());
    let digits: Vec<u32> = mantissa.iter().filter(|&&c| c != b'.').map(|&c| (c as char).to_digit(16)).collect::<Option<_>>()?;
    if digits.is_empty() || mantissa.iter().filter(|&&c| c == b'.').count() > 1 {
        return None;
    }
    let value = digits.iter().fold(0f64, |v, &d| v * 16.0 + d as f64);
    let fraction_bits = 4 * (digits.len() - point) as i32;
    Some(value * 2f64.powi(exp - fraction_bits))
}

#[cfg(test)]
mod tests {
    use super::keys::ExpireCond;
    use super::string::{Cond, Ttl};
    use super::*;
    use crate::storage::{now_ms, Compression, Fsync, StorageOptions};

    /// A real RocksDB in a temp dir, as every types test uses.
    pub(crate) fn temp_store() -> (tempfile::TempDir, Storage) {
        let dir = tempfile::tempdir().unwrap();
        let store = Storage::open(&StorageOptions {
            path: dir.path().join("db"),
            databases: 16,
            compression: Compression::Lz4,
            block_cache_bytes: 8 << 20,
            write_buffer_bytes: 8 << 20,
            meta_cache_bytes: 1 << 20,
            fsync: Fsync::No,
        })
        .unwrap();
        (dir, store)
    }

    /// The rows RocksDB holds under `key`'s current version in `family`, member suffixes only.
    fn rows_of(store: &Storage, key: &[u8], family: &str) -> Vec<Vec<u8>> {
        let version = Db::new(store, 0, now_ms()).live(key).unwrap().unwrap().version();
        let prefix = crate::storage::member_prefix(0, key, version);
        store.stored_rows(family, &prefix).into_iter().map(|(k, _)| k[prefix.len()..].to_vec()).collect()
    }

    #[test]
    fn collections_whose_members_come_and_go_are_rewritten_under_a_new_version() {
        let (_d, store) = temp_store();
        let now = now_ms();
        let db = Db::new(&store, 0, now);
        let kept: Vec<Vec<u8>> = (0..10).map(|i| format!("keep{i}").into_bytes()).collect();
        let kept_refs: Vec<&[u8]> = kept.iter().map(|k| &k[..]).collect();
        let pairs: Vec<(&[u8], &[u8])> = kept_refs.iter().map(|k| (*k, &b"v"[..])).collect();
        db.hset(b"h", &pairs).unwrap();
        db.sadd(b"s", &kept_refs).unwrap();
        let scored: Vec<(f64, &[u8])> = kept_refs.iter().map(|k| (1.0, *k)).collect();
        db.zadd(b"z", &scored, zset::ZAddFlags::default()).unwrap();
        for key in [&b"h"[..], b"s", b"z"] {
            db.expire_at(key, now as i64 + 100_000, keys::ExpireCond::default()).unwrap();
        }
        let first: Vec<u64> = [&b"h"[..], b"s", b"z"].iter().map(|k| db.live(k).unwrap().unwrap().version()).collect();
        for i in 0..1000 {
            let tmp = format!("tmp{i}").into_bytes();
            db.hset(b"h", &[(&tmp, b"v")]).unwrap();
            assert_eq!(db.hdel(b"h", &[&tmp]).unwrap(), 1);
            db.sadd(b"s", &[&tmp]).unwrap();
            assert_eq!(db.srem(b"s", &[&tmp]).unwrap(), 1);
            // A new score deletes the member's old index row.
            db.zadd(b"z", &[(i as f64, &kept[i % 10][..])], zset::ZAddFlags::default()).unwrap();
        }
        for (key, first) in [&b"h"[..], b"s", b"z"].iter().zip(first) {
            let meta = db.live(key).unwrap().unwrap();
            assert_ne!(meta.version(), first, "{key:?} was rewritten");
            assert!(meta.deletes() < REWRITE_MIN, "{key:?} counts deletes since its rewrite: {}", meta.deletes());
            assert_eq!((meta.size(), meta.expire_at), (10, now + 100_000));
            assert_eq!(rows_of(&store, key, cf::DATA), kept, "{key:?} holds exactly its members");
        }
        assert_eq!(rows_of(&store, b"z", cf::ZSCORE).len(), 10);
        let want: Vec<(Vec<u8>, f64)> = (990..1000).map(|i| (kept[i % 10].clone(), i as f64)).collect();
        assert_eq!(db.zrange(b"z", &zset::RangeSpec::new(zset::Range::Rank(0, -1), false)).unwrap(), want);
        assert_eq!(db.hgetall(b"h").unwrap().len(), 10);
        assert_eq!(db.smembers(b"s").unwrap().len(), 10);
        assert_eq!((store.dbsize(0), store.expires(0)), (3, 3));
    }

    #[test]
    fn a_read_cut_short_by_a_new_version_and_a_compaction_runs_again() {
        let (_d, store) = temp_store();
        let now = now_ms();
        let writer = Db::new(&store, 0, now);
        writer.hset(b"h", &[(b"a", b"1"), (b"b", b"2")]).unwrap();
        let mut runs = Vec::new();
        let fields = crate::storage::read_stable(&store, |reads| {
            // HGETALL's two steps: the meta row, then the rows under its version...
            let view = View::new(&store).recording(Some(reads));
            let meta = Db::in_view(view, 0, now).live(b"h").unwrap().unwrap();
            if runs.is_empty() {
                // ...between which a writer replaces the hash and a compaction drops the
                // old version's rows.
                writer.del(&[b"h"]).unwrap();
                writer.hset(b"h", &[(b"c", b"3")]).unwrap();
                store.compact();
            }
            let prefix = crate::storage::member_prefix(0, b"h", meta.version());
            let mut fields = Vec::new();
            view.scan_rows(cf::DATA, &prefix, None, false, |k, _| {
                fields.push(k[prefix.len()..].to_vec());
                true
            })
            .unwrap();
            runs.push(fields.clone());
            fields
        });
        // The first run read none of the two fields its meta row promised.
        assert_eq!(runs, [vec![], vec![b"c".to_vec()]]);
        assert_eq!(fields, [b"c".to_vec()]);
    }

    #[test]
    fn set_conditions_and_get_option() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        assert!(!db.set(b"k", b"1", Cond::Exists, Ttl::Clear, false).unwrap().written);
        assert!(db.set(b"k", b"1", Cond::Missing, Ttl::Clear, false).unwrap().written);
        let out = db.set(b"k", b"2", Cond::Missing, Ttl::Clear, true).unwrap();
        assert!(!out.written);
        assert_eq!(out.old, Some(b"1".to_vec()));
        assert_eq!(db.get(b"k").unwrap(), Some(b"1".to_vec()));
        assert_eq!(store.dbsize(0), 1);
    }

    #[test]
    fn expiry_is_lazy_on_read_and_counts_stay_exact() {
        let (_d, store) = temp_store();
        let now = now_ms();
        let db = Db::new(&store, 0, now);
        db.set(b"k", b"v", Cond::Always, Ttl::At(now + 50), false).unwrap();
        assert_eq!(store.expires(0), 1);
        let later = Db::new(&store, 0, now + 51);
        assert_eq!(later.get(b"k").unwrap(), None);
        assert_eq!(later.exists(&[b"k"]).unwrap(), 0);
        // Overwriting an expired key replaces it without counting it twice.
        later.set(b"k", b"w", Cond::Missing, Ttl::Clear, false).unwrap();
        assert_eq!((store.dbsize(0), store.expires(0)), (1, 0));
    }

    #[test]
    fn incr_keeps_ttl_and_rejects_non_integers() {
        let (_d, store) = temp_store();
        let now = now_ms();
        let db = Db::new(&store, 0, now);
        db.set(b"n", b"10", Cond::Always, Ttl::At(now + 100_000), false).unwrap();
        assert_eq!(db.incr_by(b"n", 5).unwrap(), 15);
        assert_eq!(db.expire_time(b"n").unwrap(), (now + 100_000) as i64);
        db.set(b"s", b"abc", Cond::Always, Ttl::Clear, false).unwrap();
        assert!(matches!(db.incr_by(b"s", 1), Err(Error::NotInteger)));
        db.set(b"max", b"9223372036854775807", Cond::Always, Ttl::Clear, false).unwrap();
        assert!(matches!(db.incr_by(b"max", 1), Err(Error::Overflow)));
    }

    #[test]
    fn expire_conditions_and_past_deadlines() {
        let (_d, store) = temp_store();
        let now = now_ms();
        let db = Db::new(&store, 0, now);
        db.set(b"k", b"v", Cond::Always, Ttl::Clear, false).unwrap();
        let gt = ExpireCond { gt: true, ..Default::default() };
        assert!(!db.expire_at(b"k", now as i64 + 1000, gt).unwrap(), "GT treats no TTL as infinite");
        let lt = ExpireCond { lt: true, ..Default::default() };
        assert!(db.expire_at(b"k", now as i64 + 1000, lt).unwrap());
        assert!(db.expire_at(b"k", now as i64 - 1, ExpireCond::default()).unwrap());
        assert_eq!(db.exists(&[b"k"]).unwrap(), 0);
        assert_eq!(store.dbsize(0), 0);
    }

    #[test]
    fn rename_copy_and_move_between_databases() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        db.set(b"a", b"1", Cond::Always, Ttl::Clear, false).unwrap();
        assert_eq!(db.rename(b"a", b"b", false).unwrap(), Some(true));
        assert_eq!(db.rename(b"a", b"b", false).unwrap(), None);
        assert!(db.copy(b"b", 1, b"b", false).unwrap());
        assert!(!db.move_to(b"b", 1).unwrap(), "target db already has the key");
        assert_eq!((store.dbsize(0), store.dbsize(1)), (1, 1));
        assert_eq!(Db::new(&store, 1, now_ms()).get(b"b").unwrap(), Some(b"1".to_vec()));
    }

    #[test]
    fn integers_parse_strictly() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        for bad in [&b""[..], b"9223372036854775808", b"01", b"-0", b"+1", b" 1", b"1 ", b"1.0", b"-"] {
            assert_eq!(parse_i64(bad), None, "{:?}", bad);
        }
    }

    #[test]
    fn floats_parse_like_strtold() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"5e3"), Some(5000.0));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b"1e400"), None, "out of range, as strtod's ERANGE");
        assert_eq!(parse_f64(b"-1e-400"), None);
        assert_eq!(parse_f64(b"0e-400"), Some(0.0));
        assert_eq!(parse_f64(b"1e-310"), Some(1e-310), "subnormal is fine");
        assert_eq!(parse_f64(b" 1"), None);
        assert_eq!(parse_f64(b"abc"), None);
        assert_eq!(parse_f64(b"0x10"), None, "INCRBYFLOAT refuses hex (README)");
        for (text, v) in [("0x10", 16.0), ("-0x1.8p3", -12.0), ("0X.8", 0.5), ("+0xap-1", 5.0), ("2.5", 2.5)] {
            assert_eq!(parse_double(text.as_bytes()), Some(v), "{text}");
        }
        for text in ["0x", "0x1p", "0x1.2.3", "0xg", "0x1 ", " 0x1", "nan"] {
            assert_eq!(parse_double(text.as_bytes()), None, "{text}");
        }
    }
}
