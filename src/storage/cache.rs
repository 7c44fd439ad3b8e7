//! The meta cache: recently used meta rows, decoded from neither RocksDB's memtable nor
//! its block cache. A point read of a hot key (GET, and the read every write does first)
//! is a hash lookup instead of a memtable skiplist search plus SST probes, which was the
//! largest cost of a GET in profiles.
//!
//! The cache holds raw meta values (or "known absent") keyed by the meta row key, bounded
//! by bytes. It stays coherent with RocksDB by two rules:
//!
//! - Writers update the entry after their batch is committed, while they still hold the
//!   key's lock, and bump their shard's epoch.
//! - Readers that miss take the shard's epoch *before* reading RocksDB and insert what
//!   they read only if the epoch is unchanged, so a value read before a concurrent write
//!   can never overwrite the newer one.

use super::keys::split_member_key;
use parking_lot::Mutex;
use quick_cache::sync::Cache;
use quick_cache::{OptionsBuilder, Weighter};
use std::sync::Arc;

const EPOCH_SHARDS: usize = 256;

/// A byte-bounded cache of values derived from RocksDB rows, kept coherent with RocksDB by
/// the two rules above. The meta cache and the rank directories ([`super::rankdir`]) are
/// both one.
pub struct Coherent<V, W> {
    cache: Option<Cache<Vec<u8>, V, W>>,
    epochs: Box<[Mutex<u64>]>,
}

impl<V: Clone, W: Weighter<Vec<u8>, V> + Clone> Coherent<V, W> {
    /// A cache of at most `bytes` (0 disables it) of entries of about `entry` bytes.
    pub fn new(bytes: usize, entry: usize, weighter: W) -> Self {
        let cache = (bytes > 0).then(|| Cache::with_weighter(bytes / entry + 16, bytes as u64, weighter));
        Coherent { cache, epochs: (0..EPOCH_SHARDS).map(|_| Mutex::new(0)).collect() }
    }

    /// [`Coherent::new`] with `shards` cache shards: an entry may weigh up to a shard's
    /// share of `bytes`.
    pub fn with_shards(bytes: usize, entry: usize, shards: usize, weighter: W) -> Self {
        let options = OptionsBuilder::new()
            .estimated_items_capacity(bytes / entry + 16)
            .weight_capacity(bytes as u64)
            .shards(shards)
            .build()
            .expect("capacities are set");
        let cache = (bytes > 0).then(|| Cache::with_options(options, weighter, Default::default(), Default::default()));
        Coherent { cache, epochs: (0..EPOCH_SHARDS).map(|_| Mutex::new(0)).collect() }
    }

    fn epoch(&self, key: &[u8]) -> &Mutex<u64> {
        &self.epochs[super::locks::KeyLocks::stripe(0, key) % EPOCH_SHARDS]
    }

    /// The cached value of `key`, or a ticket for [`Coherent::fill`] (take it before
    /// reading RocksDB).
    pub fn lookup(&self, key: &[u8]) -> Result<V, u64> {
        let Some(cache) = &self.cache else { return Err(0) };
        cache.get(key).ok_or_else(|| *self.epoch(key).lock())
    }

    /// A ticket for [`Coherent::fill`] that replaces a cached value (take it before
    /// reading RocksDB).
    pub fn ticket(&self, key: &[u8]) -> u64 {
        *self.epoch(key).lock()
    }

    /// Caches what a reader read from RocksDB after a miss, unless a writer has touched
    /// the key's shard since the ticket was taken.
    pub fn fill(&self, key: &[u8], ticket: u64, value: V) {
        let Some(cache) = &self.cache else { return };
        let epoch = self.epoch(key).lock();
        if *epoch == ticket {
            cache.insert(key.to_vec(), value);
        }
    }

    /// Records a committed write of `key`: bumps its shard's epoch and, holding it, lets
    /// `apply` change the cache.
    pub fn update(&self, key: &[u8], apply: impl FnOnce(&Cache<Vec<u8>, V, W>)) {
        let Some(cache) = &self.cache else { return };
        let mut epoch = self.epoch(key).lock();
        *epoch += 1;
        apply(cache);
    }

    /// Forgets everything (FLUSHDB, FLUSHALL). Called after the RocksDB write: epochs
    /// are bumped first so that no reader that read before the flush can fill afterwards.
    pub fn clear(&self) {
        let Some(cache) = &self.cache else { return };
        for e in self.epochs.iter() {
            *e.lock() += 1;
        }
        cache.clear();
    }

    /// Bytes held.
    pub fn usage(&self) -> u64 {
        self.cache.as_ref().map_or(0, |c| c.weight())
    }
}

/// A cached value shared by `Arc`, with the weight it was inserted with. The cache
/// weighs an entry again when it replaces it, to subtract what it charged; a weight read
/// from the shared value would already be the new one.
pub type Charged<T> = (Arc<T>, u64);

/// Weighs a [`Charged`] entry: its key and the weight it carries.
#[derive(Clone)]
pub struct ByCharge;

impl<T> Weighter<Vec<u8>, Charged<T>> for ByCharge {
    fn weight(&self, key: &Vec<u8>, (_, weight): &Charged<T>) -> u64 {
        key.len() as u64 + weight
    }
}

impl<T> Coherent<Charged<T>, ByCharge> {
    /// Records a committed write of `key` in its cached value, if there is one: `change`
    /// applies it (given the weight charged so far) and returns a new weight when the
    /// cache should charge that instead, which re-inserting the entry makes it do.
    pub fn update_charged(&self, key: &[u8], change: impl FnOnce(&T, u64) -> Option<u64>) {
        self.update(key, |cache| {
            let Some((value, charged)) = cache.get(key) else { return };
            if let Some(weight) = change(&value, charged) {
                cache.insert(key.to_vec(), (value, weight));
            }
        });
    }
}

/// Calls `f(prefix, run)` for each run of `rows` (member row keys with a change, in
/// batch order) that share one member prefix. Keys that are not member rows are skipped.
pub fn prefix_runs<'r, V>(rows: &[(&'r [u8], V)], mut f: impl FnMut(&'r [u8], &[(&'r [u8], V)])) {
    let prefix_of = |key: &'r [u8]| split_member_key(key).map(|(.., member)| &key[..key.len() - member.len()]);
    let mut rest = rows;
    while let Some(&(first, _)) = rest.first() {
        let prefix = prefix_of(first);
        let run = rest.iter().take_while(|(k, _)| prefix_of(k) == prefix).count();
        if let Some(prefix) = prefix {
            f(prefix, &rest[..run]);
        }
        rest = &rest[run..];
    }
}

/// A cached meta value: `None` means the key is known not to exist.
pub type Cached = Option<Arc<[u8]>>;

/// Values larger than this are not cached (they would crowd out many small keys).
const MAX_VALUE: usize = 16 * 1024;
/// Bookkeeping bytes per entry, on top of key and value.
const OVERHEAD: u64 = 64;

#[derive(Clone)]
struct ByBytes;

impl Weighter<Vec<u8>, Cached> for ByBytes {
    fn weight(&self, key: &Vec<u8>, val: &Cached) -> u64 {
        key.len() as u64 + val.as_ref().map_or(0, |v| v.len() as u64) + OVERHEAD
    }
}

/// Meta rows by meta row key.
pub struct MetaCache(Coherent<Cached, ByBytes>);

/// What a reader got from [`MetaCache::lookup`]: a hit, or a ticket to fill the miss with.
pub enum Lookup {
    Hit(Cached),
    Miss(u64),
}

impl MetaCache {
    /// A cache of at most `bytes` (0 disables it).
    pub fn new(bytes: usize) -> MetaCache {
        MetaCache(Coherent::new(bytes, 160, ByBytes))
    }

    /// Looks `key` (a meta row key) up.
    pub fn lookup(&self, key: &[u8]) -> Lookup {
        match self.0.lookup(key) {
            Ok(v) => Lookup::Hit(v),
            Err(ticket) => Lookup::Miss(ticket),
        }
    }

    /// Stores what a reader read from RocksDB after a miss (see [`Coherent::fill`]).
    pub fn fill(&self, key: &[u8], ticket: u64, value: Option<&[u8]>) {
        if value.is_none_or(|v| v.len() <= MAX_VALUE) {
            self.0.fill(key, ticket, value.map(Arc::from));
        }
    }

    /// Records a committed write of `key` (`None` = deleted).
    pub fn update(&self, key: &[u8], value: Option<&[u8]>) {
        self.0.update(key, |cache| match value {
            Some(v) if v.len() > MAX_VALUE => {
                cache.remove(key);
            }
            v => cache.insert(key.to_vec(), v.map(Arc::from)),
        });
    }

    /// See [`Coherent::clear`].
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

    #[test]
    fn a_fill_after_a_write_is_rejected() {
        let c = MetaCache::new(1 << 20);
        let Lookup::Miss(ticket) = c.lookup(b"k") else { panic!("empty cache hit") };
        c.update(b"k", Some(b"new"));
        c.fill(b"k", ticket, Some(b"old"));
        assert!(matches!(c.lookup(b"k"), Lookup::Hit(Some(v)) if &*v == b"new"));
    }

    #[test]
    fn fills_deletes_and_clear() {
        let c = MetaCache::new(1 << 20);
        let Lookup::Miss(t) = c.lookup(b"k") else { panic!() };
        c.fill(b"k", t, None);
        assert!(matches!(c.lookup(b"k"), Lookup::Hit(None)));
        c.update(b"k", Some(b"v"));
        c.clear();
        assert!(matches!(c.lookup(b"k"), Lookup::Miss(_)));
        let off = MetaCache::new(0);
        off.update(b"k", Some(b"v"));
        assert!(matches!(off.lookup(b"k"), Lookup::Miss(_)));
    }
}
