//! Rank directories: the `zrank` rows of large sorted sets (see `types/zrank.rs`), kept
//! in memory.
//!
//! Every write to a large sorted set finds the rank bucket of each index row it adds or
//! removes, and a rank query sums the counts of the buckets before its own. Read from
//! RocksDB, finding a bucket is a reverse seek that steps over the many versions of the
//! bucket row every write rewrites; profiles of ZADD on a 60,000-member set put over half
//! its time there. A directory holds all bucket rows of one sorted set (one member
//! prefix: database, key, version), so those lookups become B-tree lookups.
//!
//! Coherence follows the meta cache's rules ([`super::cache::Coherent`]):
//!
//! - [`Storage::write`](super::Storage::write) applies every committed `zrank` row to the
//!   cached directory of its prefix, after the RocksDB write and while the writer still
//!   holds the key's lock, and bumps the prefix's epoch shard.
//! - A scan that misses loads the prefix's rows from RocksDB, taking the shard's epoch
//!   before it reads; the directory is kept only if no write touched the shard meanwhile.
//!
//! A directory's rows are scanned under its mutex, so a scan callback must not read
//! storage (the callers in `types/zrank.rs` only sum counts and copy boundaries).

use super::cache::{prefix_runs, ByCharge, Charged, Coherent};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

/// One sorted set's bucket rows: full row key -> stored value.
pub type Rows = BTreeMap<Vec<u8>, Vec<u8>>;

/// Bookkeeping bytes per row and per directory, on top of keys and values.
const ROW_OVERHEAD: u64 = 64;
const DIR_OVERHEAD: u64 = 128;

pub struct Dir {
    rows: Mutex<Rows>,
}

impl Dir {
    fn new(rows: Rows) -> Dir {
        Dir { rows: Mutex::new(rows) }
    }

    /// Visits the rows in order from `start` (see [`super::Storage::scan_rows`]) until `f`
    /// returns false.
    pub fn scan(&self, start: Option<&[u8]>, reverse: bool, mut f: impl FnMut(&[u8], &[u8]) -> bool) {
        let rows = self.rows.lock();
        let range = match (start, reverse) {
            (Some(s), false) => (Bound::Included(s), Bound::Unbounded),
            (Some(s), true) => (Bound::Unbounded, Bound::Included(s)),
            (None, _) => (Bound::Unbounded, Bound::Unbounded),
        };
        let mut visit = |(k, v): (&Vec<u8>, &Vec<u8>)| f(k, v);
        if reverse {
            rows.range::<[u8], _>(range).rev().all(&mut visit);
        } else {
            rows.range::<[u8], _>(range).all(&mut visit);
        }
    }
}

fn weigh(rows: &Rows) -> u64 {
    DIR_OVERHEAD + rows.iter().map(|(k, v)| (k.len() + v.len()) as u64 + ROW_OVERHEAD).sum::<u64>()
}

/// Directories by member prefix.
pub struct RankDirs(Coherent<Charged<Dir>, ByCharge>);

impl RankDirs {
    /// Directories of at most `bytes` in all (0 disables them).
    pub fn new(bytes: usize) -> RankDirs {
        RankDirs(Coherent::new(bytes, 4096, ByCharge))
    }

    /// The cached directory of member prefix `prefix`, or a ticket to fill it with.
    pub fn lookup(&self, prefix: &[u8]) -> Result<Arc<Dir>, u64> {
        self.0.lookup(prefix).map(|(dir, _)| dir)
    }

    /// Wraps `rows`, read from RocksDB after a miss, caching them unless a write touched
    /// the prefix's shard since the ticket was taken.
    pub fn fill(&self, prefix: &[u8], ticket: u64, rows: Rows) -> Arc<Dir> {
        let weight = weigh(&rows);
        let dir = Arc::new(Dir::new(rows));
        self.0.fill(prefix, ticket, (dir.clone(), weight));
        dir
    }

    /// Records the committed writes of `zrank` rows (`None` = deleted), in batch order.
    /// Each run of rows of one sorted set (one command's, at least) is applied under one
    /// hold of its directory, so a reader never sees a bucket cut half done.
    pub fn update(&self, rows: &[(&[u8], Option<&[u8]>)]) {
        prefix_runs(rows, |prefix, run| self.apply(prefix, run));
    }

    fn apply(&self, prefix: &[u8], changes: &[(&[u8], Option<&[u8]>)]) {
        self.0.update_charged(prefix, |dir, _| {
            let mut rows = dir.rows.lock();
            let before = rows.len();
            for &(key, value) in changes {
                match value {
                    Some(v) => rows.insert(key.to_vec(), v.to_vec()),
                    None => rows.remove(key),
                };
            }
            (rows.len() != before).then(|| weigh(&rows))
        });
    }

    /// Forgets everything (FLUSHDB, FLUSHALL), after the RocksDB write.
    pub fn clear(&self) {
        self.0.clear();
    }

    /// Bytes held.
    pub fn usage(&self) -> u64 {
        self.0.usage()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::keys::{member_key, member_prefix};

    fn rows(dir: &Dir, start: Option<&[u8]>, reverse: bool) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        dir.scan(start, reverse, |k, _| {
            out.push(k.to_vec());
            true
        });
        out
    }

    #[test]
    fn committed_rows_reach_a_cached_directory_and_stale_fills_are_dropped() {
        let dirs = RankDirs::new(1 << 20);
        let prefix = member_prefix(0, b"z", 7);
        let (a, b) = (member_key(0, b"z", 7, b"a"), member_key(0, b"z", 7, b"b"));

        // A fill that raced a write is served but not kept.
        let Err(ticket) = dirs.lookup(&prefix) else { panic!("empty cache hit") };
        dirs.update(&[(&a[..], Some(&b"1"[..]))]);
        let stale = dirs.fill(&prefix, ticket, Rows::new());
        assert!(rows(&stale, None, false).is_empty());
        assert!(dirs.lookup(&prefix).is_err());

        let Err(ticket) = dirs.lookup(&prefix) else { panic!() };
        dirs.fill(&prefix, ticket, Rows::from([(a.clone(), b"1".to_vec())]));
        let one_row = dirs.usage();
        dirs.update(&[(&b[..], Some(&b"2"[..]))]);
        assert!(dirs.usage() > one_row, "a directory that grows is charged for its new rows");
        let dir = dirs.lookup(&prefix).expect("cached");
        assert_eq!(rows(&dir, None, false), [a.clone(), b.clone()]);
        assert_eq!(rows(&dir, Some(&b), true), [b.clone(), a.clone()]);
        assert_eq!(rows(&dir, Some(&member_key(0, b"z", 7, b"aa")), false), [b.clone()]);
        dirs.update(&[(&a[..], None)]);
        assert_eq!(rows(&dir, None, true), [b.clone()]);

        // A batch's rows, of several sets, apply in one call.
        let c = member_key(0, b"z", 7, b"c");
        dirs.update(&[(&c[..], Some(&b"3"[..])), (&member_key(0, b"y", 7, b"a")[..], Some(&b"1"[..])), (&b[..], Some(&b"4"[..]))]);
        assert_eq!(rows(&dir, None, false), [b.clone(), c.clone()]);
        dirs.update(&[(&c[..], None)]);

        // Another version of the key is another directory.
        dirs.update(&[(&member_key(0, b"z", 8, b"a")[..], Some(&b"1"[..]))]);
        assert_eq!(rows(&dirs.lookup(&prefix).unwrap(), None, false), [b]);

        dirs.clear();
        assert!(dirs.lookup(&prefix).is_err());
        assert_eq!(dirs.usage(), 0);
    }
}
