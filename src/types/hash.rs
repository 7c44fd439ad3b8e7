//! Hashes: a meta row holding `[version][size]` (see [`Meta::collection`]) and one `data`
//! row per field, keyed `member_key(db, key, version, field)`, whose value is the field's
//! value. Fields sort bytewise under the version's member prefix.
//!
//! Every command reads and writes only the fields it names; only the commands that are
//! about the whole hash (HGETALL, HKEYS, HVALS, HRANDFIELD, HSCAN) iterate the prefix.
//! A new (or expired, then rewritten) key gets a fresh version, so rows of an earlier
//! hash under the same name are never seen; the compaction filter reclaims them. A hash
//! whose last field goes is deleted, as in Redis.

use super::random::{Distinct, Repeats, Rng};
use super::string::format_human;
use super::{parse_f64, parse_i64, CollectionWrite, Db, Error, Result};
use crate::storage::{cf, member_key, member_prefix, Batch, Kind, Meta};
use foldhash::{HashSet, HashSetExt};

/// A field and its value.
pub type Pair = (Vec<u8>, Vec<u8>);

/// One page of HSCAN.
pub struct FieldPage {
    pub pairs: Vec<Pair>,
    /// The field the next page starts from, or `None` when the scan is complete.
    pub next: Option<Vec<u8>>,
}

impl Db<'_> {
    /// The row key of `field` in the hash `meta` of `key`.
    fn field_row(&self, key: &[u8], meta: &Meta, field: &[u8]) -> Vec<u8> {
        member_key(self.db, key, meta.version(), field)
    }

    /// Reads one field of a live hash.
    fn field(&self, key: &[u8], meta: &Meta, field: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.store.get_member(cf::DATA, &self.field_row(key, meta, field))?)
    }

    /// Calls `f(field, value)` for every field of a live hash, in field order, until it
    /// returns false.
    fn each_field(&self, key: &[u8], meta: &Meta, mut f: impl FnMut(&[u8], &[u8]) -> bool) -> Result<()> {
        let prefix = member_prefix(self.db, key, meta.version());
        Ok(self.store.scan_rows(cf::DATA, &prefix, None, false, |k, v| f(&k[prefix.len()..], v))?)
    }

    /// HSET / HMSET: sets every pair (a field named twice takes its last value); returns
    /// how many fields were new.
    pub fn hset(&self, key: &[u8], pairs: &[(&[u8], &[u8])]) -> Result<i64> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_collection(key, Kind::Hash)?;
        let mut batch = self.store.batch();
        let mut added = 0u64;
        // A set, not a list: HSET with 100,000 fields must stay linear.
        let mut seen: HashSet<&[u8]> = HashSet::with_capacity(pairs.len());
        for (field, value) in pairs {
            let row = self.field_row(key, &w.meta, field);
            // A new hash has no rows to look up.
            if seen.insert(*field) && (!w.existed || !self.writer_has_row(&row, field)?) {
                added += 1;
            }
            batch.put_row(cf::DATA, &row, value);
        }
        w.meta.set_size(w.old_size + added);
        self.close_collection(key, &w, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(added as i64)
    }

    /// Adds the rows of a new hash of `pairs` (distinct fields) at `key` to `batch`;
    /// returns its meta row, for the caller to write.
    pub(crate) fn new_hash_rows(&self, key: &[u8], pairs: &[Pair], batch: &mut Batch) -> Meta {
        let meta = Meta::collection(Kind::Hash, self.store.new_version(), pairs.len() as u64);
        for (field, value) in pairs {
            batch.put_row(cf::DATA, &self.field_row(key, &meta, field), value);
        }
        meta
    }

    /// HSETNX: sets `field` only if it does not exist; returns whether it did.
    pub fn hsetnx(&self, key: &[u8], field: &[u8], value: &[u8]) -> Result<bool> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_collection(key, Kind::Hash)?;
        let row = self.field_row(key, &w.meta, field);
        if w.existed && self.writer_has_row(&row, field)? {
            return Ok(false);
        }
        let mut batch = self.store.batch();
        batch.put_row(cf::DATA, &row, value);
        w.meta.set_size(w.old_size + 1);
        self.close_collection(key, &w, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(true)
    }

    /// HGET: the field's value, `None` if the field or the key is missing.
    pub fn hget(&self, key: &[u8], field: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.live_of(key, Kind::Hash)? {
            Some(meta) => self.field(key, &meta, field),
            None => Ok(None),
        }
    }

    /// HMGET: one value (or `None`) per field; all `None` for a missing key.
    pub fn hmget(&self, key: &[u8], fields: &[&[u8]]) -> Result<Vec<Option<Vec<u8>>>> {
        match self.live_of(key, Kind::Hash)? {
            Some(meta) => fields.iter().map(|f| self.field(key, &meta, f)).collect(),
            None => Ok(vec![None; fields.len()]),
        }
    }

    /// HDEL: returns how many of the fields existed. Deleting the last field deletes the key.
    pub fn hdel(&self, key: &[u8], fields: &[&[u8]]) -> Result<i64> {
        let lock = self.lock(&[key])?;
        let stored = self.store.get_meta(self.db, key)?;
        let Some(mut meta) = stored.clone().filter(|m| !m.is_expired(self.now)) else { return Ok(0) };
        if meta.kind != Kind::Hash {
            return Err(Error::WrongType);
        }
        let mut batch = self.store.batch();
        let mut removed = 0u64;
        let mut seen: HashSet<&[u8]> = HashSet::with_capacity(fields.len());
        for field in fields {
            if !seen.insert(*field) {
                continue;
            }
            let row = self.field_row(key, &meta, field);
            if self.writer_has_row(&row, field)? {
                batch.delete_row(cf::DATA, &row);
                removed += 1;
            }
        }
        if removed > 0 {
            let old_size = meta.size();
            meta.set_size(old_size.saturating_sub(removed));
            let w = CollectionWrite { stored, meta, existed: true, old_size };
            self.close_collection(key, &w, &mut batch)?;
            self.write(&lock, batch)?;
        }
        Ok(removed as i64)
    }

    /// HEXISTS.
    pub fn hexists(&self, key: &[u8], field: &[u8]) -> Result<bool> {
        Ok(self.hget(key, field)?.is_some())
    }

    /// HLEN: O(1), from the meta row.
    pub fn hlen(&self, key: &[u8]) -> Result<u64> {
        Ok(self.live_of(key, Kind::Hash)?.map_or(0, |m| m.size()))
    }

    /// HSTRLEN: the length of the field's value, 0 if it is missing.
    pub fn hstrlen(&self, key: &[u8], field: &[u8]) -> Result<usize> {
        Ok(self.hget(key, field)?.map_or(0, |v| v.len()))
    }

    /// HGETALL: every field and value, in field order.
    pub fn hgetall(&self, key: &[u8]) -> Result<Vec<Pair>> {
        let Some(meta) = self.live_of(key, Kind::Hash)? else { return Ok(Vec::new()) };
        let mut out = Vec::with_capacity(meta.size().min(1 << 20) as usize);
        self.each_field(key, &meta, |f, v| {
            out.push((f.to_vec(), v.to_vec()));
            true
        })?;
        Ok(out)
    }

    /// HKEYS (`values = false`) and HVALS (`values = true`).
    pub fn hkeys_or_vals(&self, key: &[u8], values: bool) -> Result<Vec<Vec<u8>>> {
        let Some(meta) = self.live_of(key, Kind::Hash)? else { return Ok(Vec::new()) };
        let mut out = Vec::with_capacity(meta.size().min(1 << 20) as usize);
        self.each_field(key, &meta, |f, v| {
            out.push(if values { v.to_vec() } else { f.to_vec() });
            true
        })?;
        Ok(out)
    }

    /// Reads `field` and replaces its value with what `f` makes of the current one
    /// (`None` if missing), creating the hash if needed; returns `f`'s result.
    fn update_field<T>(&self, key: &[u8], field: &[u8], f: impl FnOnce(Option<&[u8]>) -> Result<(Vec<u8>, T)>) -> Result<T> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_collection(key, Kind::Hash)?;
        let row = self.field_row(key, &w.meta, field);
        let current = if w.existed { self.store.get_member(cf::DATA, &row)? } else { None };
        let (value, out) = f(current.as_deref())?;
        let mut batch = self.store.batch();
        batch.put_row(cf::DATA, &row, &value);
        if current.is_none() {
            w.meta.set_size(w.old_size + 1);
        }
        self.close_collection(key, &w, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(out)
    }

    /// HINCRBY: returns the new value.
    pub fn hincrby(&self, key: &[u8], field: &[u8], delta: i64) -> Result<i64> {
        self.update_field(key, field, |cur| {
            let n = match cur {
                None => 0,
                Some(v) => parse_i64(v).ok_or(Error::HashNotInteger)?,
            };
            let n = n.checked_add(delta).ok_or(Error::Overflow)?;
            Ok((itoa::Buffer::new().format(n).as_bytes().to_vec(), n))
        })
    }

    /// HINCRBYFLOAT: returns the new value as stored, formatted as INCRBYFLOAT does.
    pub fn hincrbyfloat(&self, key: &[u8], field: &[u8], delta: f64) -> Result<Vec<u8>> {
        // Redis refuses an infinite increment before it looks at the key.
        if !delta.is_finite() {
            return Err(Error::IncrNanOrInfinity);
        }
        self.update_field(key, field, |cur| {
            let n = match cur {
                None => 0.0,
                Some(v) => parse_f64(v).ok_or(Error::HashNotFloat)?,
            };
            let sum = n + delta;
            if !sum.is_finite() {
                return Err(Error::NanOrInfinity);
            }
            let text = format_human(sum, n.abs().max(delta.abs())).into_bytes();
            Ok((text.clone(), text))
        })
    }

    /// HRANDFIELD without a count: one field chosen uniformly, `None` for a missing key.
    pub fn hrandfield_one(&self, key: &[u8], seed: u64) -> Result<Option<Vec<u8>>> {
        let picks = self.hrandfield(key, -1, seed)?;
        Ok(picks.into_iter().next().map(|(f, _)| f))
    }

    /// HRANDFIELD with a count: for `count >= 0`, up to `count` distinct fields (the whole
    /// hash if it has no more); for `count < 0`, `-count` fields chosen independently, so
    /// they may repeat. Picks are uniform; the hash is read up to the last pick only.
    pub fn hrandfield(&self, key: &[u8], count: i64, seed: u64) -> Result<Vec<Pair>> {
        let Some(meta) = self.live_of(key, Kind::Hash)? else { return Ok(Vec::new()) };
        let size = meta.size();
        if count == 0 || size == 0 {
            return Ok(Vec::new());
        }
        let mut rng = Rng(seed);
        if count > 0 && count as u64 >= size {
            return self.hgetall(key);
        }
        if count > 0 {
            let mut picks = Distinct::new(count as usize);
            self.each_field(key, &meta, |f, v| {
                picks.offer(&mut rng, || (f.to_vec(), v.to_vec()));
                true
            })?;
            return Ok(picks.finish(&mut rng));
        }
        let mut picks = Repeats::new(count.unsigned_abs(), size, &mut rng)?;
        self.each_field(key, &meta, |f, v| picks.offer(|| (f.to_vec(), v.to_vec())))?;
        Ok(picks.finish())
    }

    /// HSCAN: examines up to `count` fields from `start` (a field, inclusive), keeping
    /// those that match `pattern`. Fields are visited in order, so a field present for
    /// the whole scan is returned exactly once.
    pub fn hscan(&self, key: &[u8], start: &[u8], count: usize, pattern: Option<&[u8]>) -> Result<FieldPage> {
        let mut page = FieldPage { pairs: Vec::new(), next: None };
        let Some(meta) = self.live_of(key, Kind::Hash)? else { return Ok(page) };
        page.next = self.scan_members(key, &meta, start, count, pattern, |f, v| page.pairs.push((f.to_vec(), v.to_vec())))?;
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::temp_store;
    use super::*;
    use crate::storage::now_ms;

    fn pairs<'a>(items: &'a [(&'a str, &'a str)]) -> Vec<(&'a [u8], &'a [u8])> {
        items.iter().map(|(f, v)| (f.as_bytes(), v.as_bytes())).collect()
    }

    #[test]
    fn set_get_delete_and_the_empty_hash_goes() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        assert_eq!(db.hset(b"h", &pairs(&[("a", "1"), ("b", "2"), ("a", "3")])).unwrap(), 2);
        assert_eq!(db.hset(b"h", &pairs(&[("b", "x"), ("c", "y")])).unwrap(), 1);
        assert_eq!(db.hlen(b"h").unwrap(), 3);
        assert_eq!(db.hget(b"h", b"a").unwrap(), Some(b"3".to_vec()));
        assert_eq!(store.dbsize(0), 1);
        assert_eq!(db.hdel(b"h", &[b"a", b"a", b"zz"]).unwrap(), 1);
        assert_eq!(db.hdel(b"h", &[b"b", b"c"]).unwrap(), 2);
        assert_eq!(db.live(b"h").unwrap(), None);
        assert_eq!(store.dbsize(0), 0);
    }

    #[test]
    fn a_deleted_hash_leaves_no_fields_behind() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        db.hset(b"h", &pairs(&[("a", "1"), ("b", "2")])).unwrap();
        db.del(&[b"h"]).unwrap();
        assert_eq!(db.hset(b"h", &pairs(&[("c", "3")])).unwrap(), 1);
        assert_eq!(db.hgetall(b"h").unwrap(), vec![(b"c".to_vec(), b"3".to_vec())]);
    }

    #[test]
    fn increments_and_wrong_types() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        assert_eq!(db.hincrby(b"h", b"n", 5).unwrap(), 5);
        assert_eq!(db.hincrby(b"h", b"n", -7).unwrap(), -2);
        assert_eq!(db.hincrbyfloat(b"h", b"f", 10.5).unwrap(), b"10.5");
        assert_eq!(db.hincrbyfloat(b"h", b"f", 0.1).unwrap(), b"10.6");
        assert!(matches!(db.hincrby(b"h", b"f", 1), Err(Error::HashNotInteger)));
        db.hset(b"h", &pairs(&[("s", "abc")])).unwrap();
        assert!(matches!(db.hincrbyfloat(b"h", b"s", 1.0), Err(Error::HashNotFloat)));
        assert_eq!(db.hlen(b"h").unwrap(), 3);
        db.set(b"str", b"v", super::super::string::Cond::Always, super::super::string::Ttl::Clear, false).unwrap();
        assert!(matches!(db.hget(b"str", b"a"), Err(Error::WrongType)));
        assert!(matches!(db.hset(b"str", &pairs(&[("a", "1")])), Err(Error::WrongType)));
    }

    #[test]
    fn random_fields_and_scan_pages() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        let items: Vec<(String, String)> = (0..50).map(|i| (format!("f{i:02}"), i.to_string())).collect();
        let refs: Vec<(&[u8], &[u8])> = items.iter().map(|(f, v)| (f.as_bytes(), v.as_bytes())).collect();
        db.hset(b"h", &refs).unwrap();
        let distinct = db.hrandfield(b"h", 20, 7).unwrap();
        assert_eq!(distinct.len(), 20);
        assert_eq!(distinct.iter().map(|p| &p.0).collect::<HashSet<_>>().len(), 20);
        assert_eq!(db.hrandfield(b"h", -200, 7).unwrap().len(), 200);
        assert_eq!(db.hrandfield(b"h", 80, 7).unwrap().len(), 50);
        let mut start = Vec::new();
        let mut seen = Vec::new();
        loop {
            let page = db.hscan(b"h", &start, 7, Some(b"f1*")).unwrap();
            seen.extend(page.pairs.into_iter().map(|p| p.0));
            match page.next {
                Some(n) => start = n,
                None => break,
            }
        }
        assert_eq!(seen.len(), 10);
    }
}
