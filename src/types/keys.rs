//! Operations on keys of any type: existence, deletion, expiry, enumeration, renaming,
//! copying and moving between databases.

use super::{Db, Result};
use crate::glob;
use crate::storage::{cf, member_prefix, JsonBody, Kind, Meta};
use foldhash::{HashSet, HashSetExt};

/// EXPIRE's NX / XX / GT / LT options (NX excludes the others; GT excludes LT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExpireCond {
    /// Only if the key has no expiry.
    pub nx: bool,
    /// Only if the key has an expiry.
    pub xx: bool,
    /// Only if the new expiry is later (no expiry counts as infinite).
    pub gt: bool,
    /// Only if the new expiry is earlier.
    pub lt: bool,
}

/// One page of SCAN.
pub struct ScanPage {
    pub keys: Vec<Vec<u8>>,
    /// Where the next page starts, or `None` when the scan is complete.
    pub next: Option<Vec<u8>>,
}

impl Db<'_> {
    /// MEMORY USAGE: the bytes `key` takes in RocksDB before compression (its meta row and
    /// member rows, keys and values, and a per-row overhead), the member rows estimated
    /// from the first `samples` of each family (`0`: every row), as Redis samples nested
    /// values; `None` for a missing key.
    pub fn memory_usage(&self, key: &[u8], samples: usize) -> Result<Option<u64>> {
        /// RocksDB's per-entry cost beyond the key and value: sequence number, type,
        /// lengths and index share, roughly.
        const ROW_OVERHEAD: u64 = 16;
        let Some(meta) = self.live(key)? else { return Ok(None) };
        let mut bytes = (key.len() + meta.encode().len()) as u64 + ROW_OVERHEAD;
        let Some(version) = meta.member_version() else { return Ok(Some(bytes)) };
        let rows = match (meta.kind, meta.json_body()) {
            (Kind::List, _) => meta.list_bounds().1 - meta.list_bounds().0,
            (_, Some(JsonBody::Split { count, .. })) => count,
            _ => meta.size(),
        };
        let prefix = member_prefix(self.db, key, version);
        for family in [cf::DATA, cf::ZSCORE, cf::STREAM] {
            let (mut seen, mut sum) = (0u64, 0u64);
            self.store.scan_rows(family, &prefix, None, false, |k, v| {
                seen += 1;
                sum += (k.len() + v.len()) as u64 + ROW_OVERHEAD;
                samples == 0 || seen < samples as u64
            })?;
            bytes += if seen > 0 && rows > seen { sum * rows / seen } else { sum };
        }
        Ok(Some(bytes))
    }

    /// DEL / UNLINK: O(1) per key whatever its size; returns how many live keys went.
    pub fn del(&self, keys: &[&[u8]]) -> Result<i64> {
        let lock = self.lock(keys)?;
        let mut batch = self.store.batch();
        let mut removed = 0;
        // A set, not a list: DEL with 100,000 keys must stay linear.
        let mut seen: HashSet<&[u8]> = HashSet::with_capacity(keys.len());
        for key in keys {
            if !seen.insert(*key) {
                continue;
            }
            if let Some(m) = self.store.get_meta(self.db, key)? {
                removed += !m.is_expired(self.now) as i64;
                batch.delete_meta(self.db, key, &m);
            }
        }
        self.write(&lock, batch)?;
        Ok(removed)
    }

    /// EXISTS / TOUCH: counts live keys, a key named twice counting twice.
    pub fn exists(&self, keys: &[&[u8]]) -> Result<i64> {
        let metas = self.store.multi_get_live(self.db, keys, self.now)?;
        Ok(metas.iter().filter(|m| m.is_some()).count() as i64)
    }

    pub fn kind(&self, key: &[u8]) -> Result<Option<Kind>> {
        Ok(self.live(key)?.map(|m| m.kind))
    }

    /// Sets the expiry of `key` to `at` (Unix ms) under `cond`; an expiry in the past
    /// deletes the key. Returns whether anything changed.
    pub fn expire_at(&self, key: &[u8], at: i64, cond: ExpireCond) -> Result<bool> {
        let lock = self.lock(&[key])?;
        let stored = self.store.get_meta(self.db, key)?;
        let Some(mut meta) = stored.clone().filter(|m| !m.is_expired(self.now)) else { return Ok(false) };
        let current = meta.expire_at;
        let refused = (cond.nx && current != 0)
            || (cond.xx && current == 0)
            || (cond.gt && (current == 0 || at <= current as i64))
            || (cond.lt && current != 0 && at >= current as i64);
        if refused {
            return Ok(false);
        }
        let mut batch = self.store.batch();
        if at <= self.now as i64 {
            batch.delete_meta(self.db, key, &meta);
        } else {
            meta.expire_at = at as u64;
            batch.put_meta(self.db, key, stored.as_ref(), &meta);
        }
        self.write(&lock, batch)?;
        Ok(true)
    }

    /// PERSIST: returns whether an expiry was removed.
    pub fn persist(&self, key: &[u8]) -> Result<bool> {
        let lock = self.lock(&[key])?;
        let stored = self.store.get_meta(self.db, key)?;
        match stored.clone().filter(|m| !m.is_expired(self.now)) {
            Some(mut meta) if meta.expire_at != 0 => {
                meta.expire_at = 0;
                let mut batch = self.store.batch();
                batch.put_meta(self.db, key, stored.as_ref(), &meta);
                self.write(&lock, batch)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// The absolute expiry of `key` in Unix ms: `-2` if missing, `-1` if it has none.
    pub fn expire_time(&self, key: &[u8]) -> Result<i64> {
        Ok(match self.live(key)? {
            None => -2,
            Some(m) if m.expire_at == 0 => -1,
            Some(m) => m.expire_at as i64,
        })
    }

    /// KEYS: every live key matching `pattern`.
    pub fn keys(&self, pattern: &[u8]) -> Result<Vec<Vec<u8>>> {
        let prefix = glob::literal_prefix(pattern);
        let all = pattern == b"*";
        let mut out = Vec::new();
        self.store.scan_meta(self.db, prefix, |key, value| {
            if !key.starts_with(prefix) {
                return false;
            }
            if (all || glob::matches(pattern, key, false)) && Meta::decode(value).is_some_and(|m| !m.is_expired(self.now)) {
                out.push(key.to_vec());
            }
            true
        })?;
        Ok(out)
    }

    /// SCAN: up to `count` keys examined from `start`, filtered by pattern and type.
    pub fn scan(&self, start: &[u8], count: usize, pattern: Option<&[u8]>, kind: Option<&str>) -> Result<ScanPage> {
        let mut keys = Vec::new();
        let mut examined = 0;
        let mut next = None;
        self.store.scan_meta(self.db, start, |key, value| {
            if examined == count {
                next = Some(key.to_vec());
                return false;
            }
            examined += 1;
            let Some(meta) = Meta::decode(value) else { return true };
            if meta.is_expired(self.now) {
                return true;
            }
            if pattern.is_some_and(|p| !glob::matches(p, key, false)) {
                return true;
            }
            if kind.is_some_and(|k| !k.eq_ignore_ascii_case(meta.kind.name())) {
                return true;
            }
            keys.push(key.to_vec());
            true
        })?;
        Ok(ScanPage { keys, next })
    }

    /// RANDOMKEY.
    pub fn random_key(&self, seed: u64) -> Result<Option<Vec<u8>>> {
        Ok(self.store.random_key(self.db, seed, self.now)?)
    }

    /// RENAME / RENAMENX (`nx`). Returns `Ok(None)` if the source does not exist, and
    /// `Ok(Some(false))` if NX found the destination taken.
    pub fn rename(&self, src: &[u8], dst: &[u8], nx: bool) -> Result<Option<bool>> {
        let lock = self.lock(&[src, dst])?;
        let src_stored = self.store.get_meta(self.db, src)?;
        let Some(meta) = src_stored.clone().filter(|m| !m.is_expired(self.now)) else { return Ok(None) };
        if src == dst {
            return Ok(Some(!nx));
        }
        let dst_stored = self.store.get_meta(self.db, dst)?;
        if nx && dst_stored.as_ref().is_some_and(|m| !m.is_expired(self.now)) {
            return Ok(Some(false));
        }
        let mut batch = self.store.batch();
        let moved = self.relocate(&mut batch, &meta, (self.db, src), (self.db, dst))?;
        batch.put_meta(self.db, dst, dst_stored.as_ref(), &moved);
        batch.delete_meta(self.db, src, &src_stored.unwrap_or(meta));
        self.write(&lock, batch)?;
        Ok(Some(true))
    }

    /// COPY src dst [DB n] [REPLACE]: returns whether it copied.
    pub fn copy(&self, src: &[u8], dst_db: u8, dst: &[u8], replace: bool) -> Result<bool> {
        let lock = self.lock_pairs(&[(self.db, src), (dst_db, dst)])?;
        let Some(meta) = self.live(src)? else { return Ok(false) };
        let dst_stored = self.store.get_meta(dst_db, dst)?;
        if !replace && dst_stored.as_ref().is_some_and(|m| !m.is_expired(self.now)) {
            return Ok(false);
        }
        let mut batch = self.store.batch();
        let copied = self.relocate(&mut batch, &meta, (self.db, src), (dst_db, dst))?;
        batch.put_meta(dst_db, dst, dst_stored.as_ref(), &copied);
        self.write(&lock, batch)?;
        Ok(true)
    }

    /// MOVE key db: returns whether it moved (not if the target already has the key).
    pub fn move_to(&self, key: &[u8], dst_db: u8) -> Result<bool> {
        let lock = self.lock_pairs(&[(self.db, key), (dst_db, key)])?;
        let stored = self.store.get_meta(self.db, key)?;
        let Some(meta) = stored.clone().filter(|m| !m.is_expired(self.now)) else { return Ok(false) };
        let dst_stored = self.store.get_meta(dst_db, key)?;
        if dst_stored.as_ref().is_some_and(|m| !m.is_expired(self.now)) {
            return Ok(false);
        }
        let mut batch = self.store.batch();
        let moved = self.relocate(&mut batch, &meta, (self.db, key), (dst_db, key))?;
        batch.put_meta(dst_db, key, dst_stored.as_ref(), &moved);
        batch.delete_meta(self.db, key, &meta);
        self.write(&lock, batch)?;
        Ok(true)
    }
}
