//! Storage: RocksDB behind a narrow seam. Column families, key encoding, meta rows,
//! striped key locks, exact key counts, expiry and durability all live here.
//!
//! This layer depends on nothing else in the crate except [`crate::glob`]-free leaf code;
//! it knows nothing of connections, commands or RESP.
//!
//! # Writes
//!
//! Every command builds one [`Batch`] and commits it with [`Storage::write`]: a command is
//! applied whole or not at all. A write command first takes the striped locks of its keys
//! ([`Storage::lock`]), reads what it needs, then writes; the lock makes its
//! read-modify-write atomic against other writers. Structural operations (FLUSHDB,
//! FLUSHALL, SWAPDB) take the structure lock exclusively, so no keyed write overlaps them.
//!
//! # Counts
//!
//! `DBSIZE` is exact and O(1): a [`Batch`] that creates or removes a meta row merges a
//! delta into that database's count row in the same atomic write, and an in-memory copy
//! is updated after the write succeeds. After a crash the count rows are as exact as the
//! keys themselves.
//!
//! # Durability
//!
//! `appendfsync always` writes with `sync = true` (RocksDB groups concurrent syncs into one
//! fsync). Under `everysec` and `no` a write leaves its WAL record in RocksDB's buffer, and
//! the server flushes the buffer to the OS before any reply that could depend on it
//! ([`wal`]), so a killed process loses nothing acknowledged; `everysec` has a thread
//! fsync the WAL every second.

mod cache;
mod compactor;
mod filter;
mod group;
mod hints;
mod keys;
mod locks;
mod members;
mod meta;
mod rankdir;
mod readahead;
mod reads;
mod txn;
mod wal;

pub use group::{Group, HeldLocks};
pub use hints::End as HintEnd;
pub use keys::*;
pub use locks::{batch_done, keep_stripes_on_this_thread, release_kept_stripes, KeyGuard, KeyLocks};
pub use members::MemberSet;
pub use meta::{JsonBody, Kind, Meta, StreamState, META_HEADER};
pub use reads::{read_stable, Reads};
pub use txn::{Pending, Txn, View};

use cache::{Lookup, MetaCache};

use foldhash::{HashSet, HashSetExt};
use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DBCompressionType, MergeOperands, Options, ReadOptions, WriteBatch,
    WriteBufferManager, WriteOptions, DB,
};
use std::fmt;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// Column family names, in one place.
pub mod cf {
    pub const META: &str = "meta";
    pub const DATA: &str = "data";
    pub const ZSCORE: &str = "zscore";
    pub const STREAM: &str = "stream";
    pub const EXPIRE: &str = "expire";
    pub const SYSTEM: &str = "system";
    /// Rank buckets of large sorted sets (see `types::zset`).
    pub const ZRANK: &str = "zrank";
    /// Every column family DiskDB opens (RocksDB also keeps `default`, unused).
    pub const ALL: [&str; 7] = [META, DATA, ZSCORE, STREAM, EXPIRE, SYSTEM, ZRANK];
    /// The families whose keys start with the physical db byte.
    pub const KEYED: [&str; 5] = [META, DATA, ZSCORE, STREAM, ZRANK];
    /// The families keyed by a collection's member prefix (`[db][len][key][version]`),
    /// whose rows of dead versions the compaction filter drops.
    pub const MEMBERS: [&str; 4] = [DATA, ZSCORE, STREAM, ZRANK];
}

/// The most databases DiskDB supports: the db number is one byte of every key.
pub const MAX_DATABASES: usize = 255;
/// Every physical database.
pub(crate) const ALL_DATABASES: RangeInclusive<u8> = 0..=(MAX_DATABASES - 1) as u8;

/// FLUSHDB and FLUSHALL write range deletions, and every read of a memtable holding
/// range deletions pays for them (RocksDB re-fragments them after each new one), so a
/// client flushing before every test would slow each read down more than the last. The
/// keyed families' memtables are therefore flushed to SST files (whose range deletions
/// are fragmented once, and dropped by compaction) after this many flushing writes.
const RANGE_DELETES_PER_MEMTABLE: u64 = 16;
/// FLUSHDB and FLUSHALL delete up to this many keys one by one, like DEL, and use range
/// deletions only above it.
const SMALL_FLUSH: usize = 1024;

/// A storage failure, reported to clients as `ERR storage error: ...`.
#[derive(Debug)]
pub struct StorageError(pub String);

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "storage error: {}", self.0)
    }
}

impl std::error::Error for StorageError {}

impl From<rocksdb::Error> for StorageError {
    fn from(e: rocksdb::Error) -> Self {
        StorageError(e.into_string())
    }
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// Compression of on-disk blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Lz4,
    Snappy,
    Zstd,
}

impl Compression {
    pub fn parse(name: &str) -> Option<Compression> {
        Some(match name.to_ascii_lowercase().as_str() {
            "none" | "no" => Compression::None,
            "lz4" => Compression::Lz4,
            "snappy" => Compression::Snappy,
            "zstd" => Compression::Zstd,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Lz4 => "lz4",
            Compression::Snappy => "snappy",
            Compression::Zstd => "zstd",
        }
    }
}

/// When the WAL is fsynced: Redis's `appendfsync` words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fsync {
    Always,
    EverySec,
    No,
}

impl Fsync {
    pub fn parse(name: &str) -> Option<Fsync> {
        Some(match name.to_ascii_lowercase().as_str() {
            "always" => Fsync::Always,
            "everysec" => Fsync::EverySec,
            "no" => Fsync::No,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Fsync::Always => "always",
            Fsync::EverySec => "everysec",
            Fsync::No => "no",
        }
    }
}

/// What [`Storage::open`] needs to know.
#[derive(Debug, Clone)]
pub struct StorageOptions {
    /// The RocksDB directory.
    pub path: PathBuf,
    pub databases: usize,
    pub compression: Compression,
    /// Block cache size; memtables are charged to the same budget.
    pub block_cache_bytes: usize,
    /// Total memtable budget across column families.
    pub write_buffer_bytes: usize,
    /// The meta cache (hot meta rows above RocksDB); 0 disables it.
    pub meta_cache_bytes: usize,
    pub fsync: Fsync,
}

/// Current Unix time in milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

struct DbCounts {
    keys: AtomicI64,
    expires: AtomicI64,
}

/// What [`Storage::first_row_near`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Probe {
    Found(Vec<u8>),
    /// No row at or after the start.
    End,
    /// Too many deleted rows in the way.
    GaveUp,
}

/// The database: one RocksDB instance and the state that makes it a keyspace.
pub struct Storage {
    /// Shared with the compaction filter, which holds it weakly (see [`filter`]).
    db: Arc<DB>,
    path: PathBuf,
    locks: KeyLocks,
    counts: Vec<DbCounts>,
    /// `dbmap[logical] = physical`, changed only by SWAPDB under the structure lock.
    dbmap: RwLock<Vec<u8>>,
    structure: Arc<RwLock<()>>,
    sync_writes: AtomicBool,
    next_version: AtomicU64,
    cache: Cache,
    write_buffers: WriteBufferManager,
    meta_cache: MetaCache,
    rank_dirs: rankdir::RankDirs,
    member_sets: members::MemberSets,
    read_aheads: readahead::ReadAheads,
    /// Where queue-like pops left off (see [`hints`]).
    pub pop_hints: hints::PopHints,
    wal: wal::WalFlush,
    /// Writes with range deletions since the keyed memtables were last flushed for them.
    range_deletes: AtomicU64,
    /// Compacts the ranges scans found full of deleted rows (see [`compactor`]).
    compactor: compactor::Compactor,
}

/// Which of `ops` a write must apply: a put or delete of a row that a later op of the
/// same batch puts or deletes again changes nothing that anyone sees (the batch applies
/// whole), so it is left out. A pipeline of pushes to one list rewrites the list's meta
/// row once per command; its write group stores it once.
fn last_writes(ops: &[Op]) -> Vec<bool> {
    let mut last = vec![true; ops.len()];
    if ops.len() > 2 {
        let mut seen: HashSet<(&str, &[u8])> = HashSet::with_capacity(ops.len());
        for (i, op) in ops.iter().enumerate().rev() {
            if let Op::Put(family, k, _) | Op::Delete(family, k) = op {
                last[i] = seen.insert((family, k));
            }
        }
    }
    last
}

/// Sums `[keys i64][expires i64]` deltas (see [`keys::encode_counts`]).
fn merge_counts(_key: &[u8], existing: Option<&[u8]>, operands: &MergeOperands) -> Option<Vec<u8>> {
    let (mut keys, mut expires) = existing.map_or((0, 0), decode_counts);
    for op in operands.iter() {
        let (k, e) = decode_counts(op);
        keys += k;
        expires += e;
    }
    Some(encode_counts(keys, expires).to_vec())
}

impl Storage {
    /// Opens (or creates) the database at `opts.path`.
    pub fn open(opts: &StorageOptions) -> Result<Storage> {
        if opts.databases == 0 || opts.databases > MAX_DATABASES {
            return Err(StorageError(format!("databases must be between 1 and {MAX_DATABASES}")));
        }
        std::fs::create_dir_all(&opts.path).map_err(|e| StorageError(format!("{}: {e}", opts.path.display())))?;
        let cache = Cache::new_lru_cache(opts.block_cache_bytes.max(1 << 20));
        // Memtables are charged to the block cache, so the two together stay within the
        // configured cache size however large the dataset grows.
        let write_buffers =
            WriteBufferManager::new_write_buffer_manager_with_cache(opts.write_buffer_bytes.max(1 << 20), false, cache.clone());

        let mut db_opts = Options::default();
        db_opts.create_if_missing(true);
        db_opts.create_missing_column_families(true);
        db_opts.set_max_background_jobs(4);
        db_opts.set_keep_log_file_num(4);
        db_opts.set_max_total_wal_size(256 << 20);
        db_opts.set_write_buffer_manager(&write_buffers);
        // One write queue, not RocksDB's pipelined WAL and memtable stages: with the WAL a
        // buffered append (below), the second stage's hand-over cost more than it saved
        // (docs/decisions.md, "RocksDB write options").
        db_opts.set_enable_pipelined_write(false);
        // Measured: +19% on pipelined SET. Writes arrive grouped per connection, and a
        // single memtable writer inserts with splice hints instead of CAS retries.
        db_opts.set_allow_concurrent_memtable_write(false);
        // Writes leave their WAL records in RocksDB's buffer; the server flushes it once
        // per round of replies (see [`wal`]).
        db_opts.set_manual_wal_flush(true);

        let compression = match opts.compression {
            Compression::None => DBCompressionType::None,
            Compression::Lz4 => DBCompressionType::Lz4,
            Compression::Snappy => DBCompressionType::Snappy,
            Compression::Zstd => DBCompressionType::Zstd,
        };
        // The compaction filter of the member families reads meta rows through the
        // database, which it gets once the database is open.
        let filter_handle: filter::Handle = Arc::new(OnceLock::new());
        let descriptors: Vec<ColumnFamilyDescriptor> = cf::ALL
            .iter()
            .map(|name| {
                let mut table = BlockBasedOptions::default();
                table.set_block_cache(&cache);
                table.set_bloom_filter(10.0, false);
                table.set_cache_index_and_filter_blocks(true);
                table.set_pin_l0_filter_and_index_blocks_in_cache(true);
                let mut o = Options::default();
                o.set_block_based_table_factory(&table);
                o.set_compression_type(compression);
                o.set_write_buffer_size(32 << 20);
                if *name == cf::ZRANK {
                    // Rank buckets are few, small rows rewritten by every write to their
                    // sorted set: a small memtable is flushed (which keeps only the newest
                    // version of each row) before scans have to step over many versions.
                    o.set_write_buffer_size(1 << 20);
                }
                if *name == cf::SYSTEM {
                    o.set_merge_operator_associative("diskdb.counts", merge_counts);
                }
                if cf::MEMBERS.contains(name) {
                    o.set_compaction_filter_factory(filter::VersionFilterFactory { db: filter_handle.clone() });
                }
                ColumnFamilyDescriptor::new(*name, o)
            })
            .collect();
        let db = Arc::new(DB::open_cf_descriptors(&db_opts, &opts.path, descriptors)?);
        // Compactions that ran before this line kept every row (the filter keeps what it
        // cannot check).
        let _ = filter_handle.set(Arc::downgrade(&db));

        let store = Storage {
            counts: (0..MAX_DATABASES).map(|_| DbCounts { keys: AtomicI64::new(0), expires: AtomicI64::new(0) }).collect(),
            dbmap: RwLock::new(Vec::new()),
            structure: Arc::new(RwLock::new(())),
            locks: KeyLocks::new(),
            sync_writes: AtomicBool::new(opts.fsync == Fsync::Always),
            // Versions must never repeat, also across restarts: start from the clock in
            // microseconds, scaled so a million versions a second never catch up with it.
            next_version: AtomicU64::new((now_ms() * 1000) << 10),
            path: opts.path.clone(),
            cache,
            write_buffers,
            // Half of the budget holds meta rows, a quarter the rank directories of large
            // sorted sets, 3/16 the member sets of collections, 1/16 list read-aheads.
            meta_cache: MetaCache::new(opts.meta_cache_bytes - opts.meta_cache_bytes / 2),
            rank_dirs: rankdir::RankDirs::new(opts.meta_cache_bytes / 4),
            member_sets: members::MemberSets::new(opts.meta_cache_bytes / 16 * 3),
            read_aheads: readahead::ReadAheads::new(opts.meta_cache_bytes / 16),
            pop_hints: Default::default(),
            wal: Default::default(),
            range_deletes: AtomicU64::new(0),
            compactor: compactor::Compactor::start(Arc::downgrade(&db)),
            db,
        };
        store.load_state(opts.databases)?;
        Ok(store)
    }

    /// The rows of the `system` family whose keys start with `prefix`, in key order
    /// (server-wide state kept beside the data: function libraries). Writes go through
    /// [`Storage::write`] with `cf::SYSTEM` rows.
    pub fn system_rows(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut it = self.db.raw_iterator_cf(self.cf(cf::SYSTEM));
        it.seek(prefix);
        let mut rows = Vec::new();
        while let (Some(k), Some(v)) = (it.key(), it.value()) {
            if !k.starts_with(prefix) {
                break;
            }
            rows.push((k.to_vec(), v.to_vec()));
            it.next();
        }
        it.status()?;
        Ok(rows)
    }

    fn load_state(&self, databases: usize) -> Result<()> {
        let sys = self.cf(cf::SYSTEM);
        let mut map: Vec<u8> = self.db.get_cf(sys, DBMAP_KEY)?.unwrap_or_default();
        // A map written for fewer databases is extended with the identity.
        for i in map.len()..databases {
            map.push(i as u8);
        }
        map.truncate(databases.max(map.len()));
        *self.dbmap.write() = map;
        for (i, counts) in self.counts.iter().enumerate() {
            if let Some(v) = self.db.get_cf(sys, count_key(i as u8))? {
                let (k, e) = decode_counts(&v);
                counts.keys.store(k, Ordering::Relaxed);
                counts.expires.store(e, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    fn cf(&self, name: &str) -> &ColumnFamily {
        // Every family in `cf::ALL` is created by `open`, so the handle always exists.
        self.db.cf_handle(name).expect("column family opened at start-up")
    }

    /// The directory RocksDB lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The physical database behind logical database `db` (see SWAPDB).
    pub fn physical(&self, db: usize) -> u8 {
        self.dbmap.read().get(db).copied().unwrap_or(db as u8)
    }

    /// The logical database currently mapped to physical database `phys`.
    pub fn logical(&self, phys: u8) -> usize {
        self.dbmap.read().iter().position(|&p| p == phys).unwrap_or(phys as usize)
    }

    /// Switches `appendfsync always` on or off at run time.
    pub fn set_sync_writes(&self, on: bool) {
        self.sync_writes.store(on, Ordering::Relaxed);
    }

    /// Whether writes fsync before returning (`appendfsync always`).
    pub fn sync_writes(&self) -> bool {
        self.sync_writes.load(Ordering::Relaxed)
    }

    /// A fresh collection version, never handed out before.
    pub fn new_version(&self) -> u64 {
        self.next_version.fetch_add(1, Ordering::Relaxed)
    }

    /// Locks the stripes of `keys` for a read-modify-write, and the structure lock shared.
    pub fn lock<'a, K: AsRef<[u8]>>(&'a self, db: u8, keys: &[K]) -> WriteLock<'a> {
        locks::release_kept_stripes();
        let structure = self.structure.read();
        WriteLock { _keys: self.locks.lock(db, keys), _structure: structure }
    }

    /// Like [`Storage::lock`] for keys in several databases.
    pub fn lock_pairs<'a>(&'a self, keys: &[(u8, &[u8])]) -> WriteLock<'a> {
        locks::release_kept_stripes();
        let structure = self.structure.read();
        WriteLock { _keys: self.locks.lock_pairs(keys), _structure: structure }
    }

    /// Excludes every keyed write: for FLUSHDB, FLUSHALL, SWAPDB.
    fn lock_all(&self) -> RwLockWriteGuard<'_, ()> {
        locks::release_kept_stripes();
        self.structure.write()
    }

    /// Reads the meta row of `key`, expired or not (callers check [`Meta::is_expired`]).
    pub fn get_meta(&self, db: u8, key: &[u8]) -> Result<Option<Meta>> {
        let mkey = meta_key(db, key);
        match self.meta_cache.lookup(&mkey) {
            Lookup::Hit(v) => Ok(v.and_then(|v| Meta::decode(&v))),
            Lookup::Miss(ticket) => {
                let raw = self.db.get_pinned_cf(self.cf(cf::META), &mkey)?;
                self.meta_cache.fill(&mkey, ticket, raw.as_deref());
                Ok(raw.and_then(|v| Meta::decode(&v)))
            }
        }
    }

    /// Reads the meta row of `key` and hides it if it has expired.
    pub fn get_live(&self, db: u8, key: &[u8], now: u64) -> Result<Option<Meta>> {
        Ok(self.get_meta(db, key)?.filter(|m| !m.is_expired(now)))
    }

    /// Reads many meta rows (MGET, EXISTS), hiding expired ones.
    pub fn multi_get_live(&self, db: u8, keys: &[&[u8]], now: u64) -> Result<Vec<Option<Meta>>> {
        keys.iter().map(|k| self.get_live(db, k, now)).collect()
    }

    /// Reads one member row.
    pub fn get_member(&self, family: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.db.get_cf(self.cf(family), key)?)
    }

    /// The cached member set of a set, hash or sorted set (`prefix`: its member prefix),
    /// for the writer of its key (see [`members`]).
    pub fn member_set(&self, prefix: &[u8]) -> Option<Arc<MemberSet>> {
        self.member_sets.lookup(prefix).ok()
    }

    /// Starts the member set of a collection version being created, which has no rows
    /// yet. Its writer's batch adds its first members when it commits.
    pub fn start_member_set(&self, prefix: &[u8]) {
        if let Err(ticket) = self.member_sets.lookup(prefix) {
            self.member_sets.fill(prefix, ticket, Default::default());
        }
    }

    /// Reads the member set of the collection under `prefix` from RocksDB, caching it.
    /// The caller holds the key's lock.
    pub fn load_member_set(&self, prefix: &[u8]) -> Result<Arc<MemberSet>> {
        let ticket = match self.member_sets.lookup(prefix) {
            Ok(set) => return Ok(set),
            Err(ticket) => ticket,
        };
        let mut members = members::Members::default();
        self.scan_rows(cf::DATA, prefix, None, false, |k, v| {
            members.insert(Box::from(&k[prefix.len()..]), members::small(v));
            true
        })?;
        Ok(self.member_sets.fill(prefix, ticket, members))
    }

    /// The `data` row `row` (under member prefix `prefix`) for the writer of its key, from
    /// the prefix's read-ahead window (see [`readahead`]). A row outside the window is read
    /// with the rows after it (before it if `reverse`) into a new one. For a `reverse`
    /// read, `floor(n)` may name the row `n - 1` rows below `row` (or a nearer one): the
    /// window of `n` rows is then read forwards from there, since RocksDB steps
    /// backwards several times slower than forwards.
    pub fn read_ahead(
        &self,
        prefix: &[u8],
        row: &[u8],
        reverse: bool,
        floor: Option<&dyn Fn(usize) -> Vec<u8>>,
    ) -> Result<Option<Vec<u8>>> {
        let member = &row[prefix.len()..];
        let (ticket, budget) = match self.read_aheads.lookup(prefix) {
            Ok(window) => match window.get(member) {
                Some(value) => return Ok(value),
                None => (self.read_aheads.ticket(prefix), window.next_budget(cf::DATA, reverse)),
            },
            Err(ticket) => (ticket, readahead::ROWS),
        };
        let plen = prefix.len();
        let mut read = readahead::Reading::new(budget);
        let floor = floor.filter(|_| reverse).map(|floor| floor(budget)).filter(|f| f.starts_with(prefix) && f[..] <= *row);
        let mut complete = false;
        if let Some(floor) = &floor {
            self.scan_stored(cf::DATA, prefix, Some(floor), false, |k, v| {
                complete = k >= row;
                k <= row && read.add(&k[plen..], v)
            })?;
            // Rows up to `row` that do not fit in one window: read backwards instead.
            complete = complete || !read.full();
            if !complete {
                read = readahead::Reading::new(budget);
            }
        }
        let (lo, hi) = match floor {
            Some(floor) if complete => (floor[plen..].to_vec(), member.to_vec()),
            _ => {
                self.scan_stored(cf::DATA, prefix, Some(row), reverse, |k, v| read.add(&k[plen..], v))?;
                // Complete from `row` to the last row scanned.
                let far = if reverse { read.rows.first() } else { read.rows.last() };
                let far = far.unwrap_or(member).to_vec();
                if reverse {
                    (far, member.to_vec())
                } else {
                    (member.to_vec(), far)
                }
            }
        };
        let value = read.rows.get(member).map(<[u8]>::to_vec);
        let rows = readahead::Rows { family: cf::DATA, lo: Some(lo), hi: Some(hi), reverse, rows: read.rows, budget };
        self.read_aheads.fill(prefix, ticket, rows);
        Ok(value)
    }

    /// [`Storage::scan_rows`] of the `zscore` rows under `prefix` from `start` towards
    /// the inside, for the writer of its key popping from the low end (the high end if
    /// `reverse`): through the prefix's read-ahead window (see [`readahead`]). Rows past
    /// the window are scanned from RocksDB, and the first of them (up to the window's
    /// row budget, read on after `f` stops if need be) become the next window.
    pub fn scan_end(&self, prefix: &[u8], start: Option<&[u8]>, reverse: bool, mut f: impl FnMut(&[u8], &[u8]) -> bool) -> Result<()> {
        let plen = prefix.len();
        let from = start.and_then(|s| s.strip_prefix(prefix));
        // One buffer for the keys handed to `f`, sized for a score and a short member.
        let mut key = Vec::with_capacity(plen + 64);
        key.extend_from_slice(prefix);
        let mut row = |member: &[u8], value: &[u8], f: &mut dyn FnMut(&[u8], &[u8]) -> bool| {
            key.truncate(plen);
            key.extend_from_slice(member);
            f(&key, value)
        };
        // Where the RocksDB scan starts (a member; `None`: at the end), and whether
        // `f` has already seen the row there.
        let (ticket, from, seen, budget) = match self.read_aheads.lookup(prefix) {
            Ok(window) => match window.scan(from, reverse, |m, v| row(m, v, &mut f)) {
                readahead::Served::Stopped | readahead::Served::Exhausted(None) => return Ok(()),
                readahead::Served::Exhausted(Some(bound)) => {
                    (self.read_aheads.ticket(prefix), Some(bound), true, window.next_budget(cf::ZSCORE, reverse))
                }
                readahead::Served::Uncovered => (self.read_aheads.ticket(prefix), from.map(<[u8]>::to_vec), false, readahead::ROWS),
            },
            Err(ticket) => (ticket, from.map(<[u8]>::to_vec), false, readahead::ROWS),
        };
        let mut read = readahead::Reading::new(budget);
        let mut wanted = true;
        let scan_from = from.as_ref().map(|m| [prefix, m].concat());
        self.scan_stored(cf::ZSCORE, prefix, scan_from.as_deref(), reverse, |k, v| {
            let member = &k[plen..];
            if wanted && !(seen && Some(member) == from.as_deref()) {
                wanted = f(k, v);
            }
            let room = !read.full() && read.add(member, v);
            wanted || room
        })?;
        // Complete from `from` to the last row read, or to the end if the scan got there.
        let full = read.full();
        let rows = read.rows;
        let far = full.then(|| if reverse { rows.first() } else { rows.last() }).flatten().map(<[u8]>::to_vec);
        let (lo, hi) = if reverse { (far, from) } else { (from, far) };
        self.read_aheads.fill(prefix, ticket, readahead::Rows { family: cf::ZSCORE, lo, hi, reverse, rows, budget });
        Ok(())
    }

    /// Starts a write batch.
    pub fn batch(&self) -> Batch {
        Batch { ops: Vec::new(), deltas: Vec::new(), resets: Vec::new() }
    }

    /// Commits a batch atomically, fsyncing first under `appendfsync always`.
    pub fn write(&self, batch: Batch) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let last = last_writes(&batch.ops);
        let ops = || batch.ops.iter().zip(&last).filter_map(|(op, &last)| last.then_some(op));
        let mut wb = WriteBatch::default();
        let mut range_deletes = false;
        for op in ops() {
            match op {
                Op::Put(family, k, v) => wb.put_cf(self.cf(family), k, v),
                Op::Delete(family, k) => wb.delete_cf(self.cf(family), k),
                Op::DeleteRange(family, from, to) => {
                    wb.delete_range_cf(self.cf(family), from, to);
                    range_deletes = true;
                }
            }
        }
        // A put replaces every earlier merge delta; the deltas below came after the flush.
        for &db in &batch.resets {
            wb.put_cf(self.cf(cf::SYSTEM), count_key(db), encode_counts(0, 0));
        }
        for &(db, keys, expires) in &batch.deltas {
            if keys != 0 || expires != 0 {
                wb.merge_cf(self.cf(cf::SYSTEM), count_key(db), encode_counts(keys, expires));
            }
        }
        let mut wo = WriteOptions::default();
        wo.set_sync(self.sync_writes.load(Ordering::Relaxed));
        if let Err(e) = self.wal.write(|| self.db.write_opt(wb, &wo)) {
            // The batch's pops moved their hints past rows it did not delete after all.
            self.pop_hints.clear();
            return Err(e.into());
        }
        if range_deletes {
            self.flush_range_deletes()?;
        }
        // The writer still holds the keys' locks: update the cache before anyone can
        // write these keys again.
        let (mut buckets, mut members, mut scores) = (Vec::new(), Vec::new(), Vec::new());
        for op in ops() {
            match op {
                Op::Put(cf::META, k, v) => self.meta_cache.update(k, Some(v)),
                Op::Delete(cf::META, k) => self.meta_cache.update(k, None),
                Op::Put(cf::ZRANK, k, v) => buckets.push((&k[..], Some(&v[..]))),
                Op::Delete(cf::ZRANK, k) => buckets.push((&k[..], None)),
                Op::Put(cf::DATA, k, v) => members.push((&k[..], Some(&v[..]))),
                Op::Delete(cf::DATA, k) => members.push((&k[..], None)),
                Op::Put(cf::ZSCORE, k, v) => scores.push((&k[..], Some(&v[..]))),
                Op::Delete(cf::ZSCORE, k) => scores.push((&k[..], None)),
                _ => {}
            }
        }
        self.rank_dirs.update(&buckets);
        if range_deletes {
            self.member_sets.clear();
            self.read_aheads.clear();
        } else {
            // A cache holding nothing has nothing to update (its fills are made by the
            // writer of their key, who holds the lock this write holds).
            let (sets, windows) = (self.member_sets.usage() > 0, self.read_aheads.usage() > 0);
            if sets || windows {
                cache::prefix_runs(&members, |prefix, run| {
                    if sets {
                        self.member_sets.apply(prefix, run);
                    }
                    if windows {
                        self.read_aheads.apply(cf::DATA, prefix, run);
                    }
                });
            }
            if windows {
                cache::prefix_runs(&scores, |prefix, run| self.read_aheads.apply(cf::ZSCORE, prefix, run));
            }
        }
        if !batch.resets.is_empty() {
            self.meta_cache.clear();
            self.rank_dirs.clear();
        }
        for &db in &batch.resets {
            self.counts[db as usize].keys.store(0, Ordering::Relaxed);
            self.counts[db as usize].expires.store(0, Ordering::Relaxed);
        }
        for (db, keys, expires) in batch.deltas {
            let c = &self.counts[db as usize];
            c.keys.fetch_add(keys, Ordering::Relaxed);
            c.expires.fetch_add(expires, Ordering::Relaxed);
        }
        Ok(())
    }

    /// The number of keys in physical database `db` (expired keys count until the active
    /// expiry removes them, as in Redis).
    pub fn dbsize(&self, db: u8) -> i64 {
        self.counts[db as usize].keys.load(Ordering::Relaxed)
    }

    /// The number of keys with an expiry in physical database `db`.
    pub fn expires(&self, db: u8) -> i64 {
        self.counts[db as usize].expires.load(Ordering::Relaxed)
    }

    /// Iterates the meta rows of database `db` from `start` (a user key, inclusive),
    /// calling `f(key, meta)` until it returns false.
    pub fn scan_meta(&self, db: u8, start: &[u8], mut f: impl FnMut(&[u8], &[u8]) -> bool) -> Result<()> {
        let mut ro = ReadOptions::default();
        ro.fill_cache(false);
        if let Some(end) = prefix_end(&[db]) {
            ro.set_iterate_upper_bound(end);
        }
        let counter = compactor::DeleteCounter::start(cf::META);
        let mut it = self.db.raw_iterator_cf_opt(self.cf(cf::META), ro);
        it.seek(meta_key(db, start));
        let mut live = 0;
        while it.valid() {
            let (Some(k), Some(v)) = (it.key(), it.value()) else { break };
            live += 1;
            if !f(&k[1..], v) {
                break;
            }
            it.next();
        }
        if let Some(family) = counter.and_then(|c| c.finish(live)) {
            // Deleted keys sort where SCAN starts (keys made and deleted in order).
            if let Some(to) = it.key().filter(|_| it.valid()).map(<[u8]>::to_vec).or_else(|| prefix_end(&[db])) {
                self.compactor.request(family, meta_key(db, start), to);
            }
        }
        Ok(it.status()?)
    }

    /// Iterates the rows of `family` whose key starts with `prefix`, from `start`
    /// (a full row key; `None` = the prefix itself), forward or in reverse. The rank
    /// buckets of one sorted set come from its directory in memory ([`rankdir`]).
    pub fn scan_rows(
        &self,
        family: &str,
        prefix: &[u8],
        start: Option<&[u8]>,
        reverse: bool,
        f: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<()> {
        if family == cf::ZRANK && split_member_key(prefix).is_some_and(|(.., rest)| rest.is_empty()) {
            let dir = match self.rank_dirs.lookup(prefix) {
                Ok(dir) => dir,
                Err(ticket) => {
                    let mut rows = rankdir::Rows::new();
                    self.scan_stored(family, prefix, None, false, |k, v| {
                        rows.insert(k.to_vec(), v.to_vec());
                        true
                    })?;
                    self.rank_dirs.fill(prefix, ticket, rows)
                }
            };
            dir.scan(start, reverse, f);
            return Ok(());
        }
        self.scan_stored(family, prefix, start, reverse, f)
    }

    /// Every row of `family` under `prefix` as RocksDB holds it (tests compare caches with it).
    #[cfg(test)]
    pub(crate) fn stored_rows(&self, family: &str, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        self.scan_stored(family, prefix, None, false, |k, v| {
            out.push((k.to_vec(), v.to_vec()));
            true
        })
        .unwrap();
        out
    }

    /// [`Storage::scan_rows`] from RocksDB.
    fn scan_stored(
        &self,
        family: &str,
        prefix: &[u8],
        start: Option<&[u8]>,
        reverse: bool,
        mut f: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<()> {
        let mut ro = ReadOptions::default();
        let end = prefix_end(prefix);
        if let Some(end) = &end {
            ro.set_iterate_upper_bound(end.clone());
        }
        ro.set_iterate_lower_bound(prefix.to_vec());
        let counter = compactor::DeleteCounter::start(family);
        let mut it = self.db.raw_iterator_cf_opt(self.cf(family), ro);
        match (start, reverse) {
            (Some(s), false) => it.seek(s),
            (None, false) => it.seek(prefix),
            (Some(s), true) => it.seek_for_prev(s),
            (None, true) => it.seek_to_last(),
        }
        let mut live = 0;
        while it.valid() {
            let (Some(k), Some(v)) = (it.key(), it.value()) else { break };
            live += 1;
            if !f(k, v) {
                break;
            }
            if reverse {
                it.prev();
            } else {
                it.next();
            }
        }
        if let Some(family) = counter.and_then(|c| c.finish(live)) {
            // The stretch the scan crossed: from where it started to where it stopped.
            let stop = it.key().filter(|_| it.valid()).map(<[u8]>::to_vec);
            let (from, to) = match reverse {
                false => (start.unwrap_or(prefix).max(prefix).to_vec(), stop.or(end)),
                true => (stop.unwrap_or_else(|| prefix.to_vec()), start.map(<[u8]>::to_vec).or(end)),
            };
            if let Some(to) = to {
                self.compactor.request(family, from, to);
            }
        }
        Ok(it.status()?)
    }

    /// How many ranges scans found full of deleted rows have been compacted.
    pub fn range_compactions(&self) -> u64 {
        self.compactor.done()
    }

    /// The key of the first row of `family` under `prefix` at or after `start`, giving up
    /// once the seek has stepped over `max_skip` deleted or overwritten rows (a probe
    /// into a region emptied by deletes that compaction has not reclaimed yet). Rows
    /// `gone` says are deleted (by uncommitted writes) are stepped over and counted too.
    pub fn first_row_near(&self, family: &str, prefix: &[u8], start: &[u8], max_skip: u64, gone: impl Fn(&[u8]) -> bool) -> Result<Probe> {
        let mut ro = ReadOptions::default();
        if let Some(end) = prefix_end(prefix) {
            ro.set_iterate_upper_bound(end);
        }
        ro.set_max_skippable_internal_keys(max_skip);
        let mut it = self.db.raw_iterator_cf_opt(self.cf(family), ro);
        it.seek(start);
        let mut skipped = 0;
        while let Some(k) = it.key().filter(|_| it.valid()) {
            if !gone(k) {
                return Ok(Probe::Found(k.to_vec()));
            }
            skipped += 1;
            if skipped > max_skip {
                return Ok(Probe::GaveUp);
            }
            it.next();
        }
        match it.status() {
            Ok(()) => Ok(Probe::End),
            Err(e) if e.kind() == rocksdb::ErrorKind::Incomplete => Ok(Probe::GaveUp),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes every key of physical database `db` atomically.
    pub fn flush_db(&self, db: u8) -> Result<()> {
        self.flush_dbs(db..=db)
    }

    /// Removes every key of every database atomically.
    pub fn flush_all(&self) -> Result<()> {
        self.flush_dbs(ALL_DATABASES)
    }

    fn flush_dbs(&self, dbs: RangeInclusive<u8>) -> Result<()> {
        let _all = self.lock_all();
        let full: Vec<u8> = dbs.clone().filter(|&db| self.dbsize(db) != 0).collect();
        if full.is_empty() {
            return Ok(());
        }
        let mut batch = self.batch();
        match self.meta_rows_upto(&full, SMALL_FLUSH)? {
            Some(rows) => batch.flush_rows(&full, rows),
            None => batch.flush_dbs(dbs),
        }
        self.write(batch)
    }

    /// The meta row keys of the databases `dbs`, or `None` if there are more than `limit`
    /// or reading them would step over more than `limit` deleted rows.
    fn meta_rows_upto(&self, dbs: &[u8], limit: usize) -> Result<Option<Vec<Vec<u8>>>> {
        let mut rows = Vec::new();
        for &db in dbs {
            let mut ro = ReadOptions::default();
            ro.fill_cache(false);
            ro.set_max_skippable_internal_keys(limit as u64);
            if let Some(end) = prefix_end(&[db]) {
                ro.set_iterate_upper_bound(end);
            }
            let mut it = self.db.raw_iterator_cf_opt(self.cf(cf::META), ro);
            it.seek([db]);
            while let Some(key) = it.key() {
                if rows.len() == limit {
                    return Ok(None);
                }
                rows.push(key.to_vec());
                it.next();
            }
            match it.status() {
                Ok(()) => {}
                Err(e) if e.kind() == rocksdb::ErrorKind::Incomplete => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Some(rows))
    }

    /// Swaps logical databases `a` and `b` in O(1) by swapping their physical mapping.
    pub fn swap_db(&self, a: usize, b: usize) -> Result<()> {
        let _all = self.lock_all();
        let mut map = self.dbmap.write();
        map.swap(a, b);
        let mut wo = WriteOptions::default();
        wo.set_sync(self.sync_writes.load(Ordering::Relaxed));
        let mut wb = WriteBatch::default();
        wb.put_cf(self.cf(cf::SYSTEM), DBMAP_KEY, map.as_slice());
        if let Err(e) = self.wal.write(|| self.db.write_opt(wb, &wo)) {
            map.swap(a, b);
            return Err(e.into());
        }
        Ok(())
    }

    /// Deletes up to `limit` keys whose deadline has passed; returns the
    /// `(physical db, key)` of each key it removed. Stale index entries (the key was
    /// deleted, persisted or given a new deadline) are dropped on the way.
    pub fn expire_cycle(&self, now: u64, limit: usize) -> Result<Vec<(u8, Vec<u8>)>> {
        let mut due: Vec<Vec<u8>> = Vec::new();
        {
            let mut ro = ReadOptions::default();
            ro.set_iterate_upper_bound(expire_key(now + 1, 0, b""));
            let mut it = self.db.raw_iterator_cf_opt(self.cf(cf::EXPIRE), ro);
            it.seek_to_first();
            while it.valid() && due.len() < limit {
                if let Some(k) = it.key() {
                    due.push(k.to_vec());
                }
                it.next();
            }
            it.status()?;
        }
        let mut removed = Vec::new();
        for raw in due {
            let Some((at, db, key)) = split_expire_key(&raw) else { continue };
            let _lock = self.lock(db, &[key]);
            let mut b = self.batch();
            b.delete_row(cf::EXPIRE, &raw);
            if let Some(meta) = self.get_meta(db, key)? {
                if meta.expire_at == at && meta.is_expired(now) {
                    b.delete_meta(db, key, &meta);
                    removed.push((db, key.to_vec()));
                }
            }
            self.write(b)?;
        }
        Ok(removed)
    }

    /// Deletes `key` if its deadline has passed: Redis's lazy expiry, for when a command
    /// touching an expired key must announce `expired`. Returns whether it deleted. The
    /// key's expiry index row stays for the cycle to drop, as after any delete.
    pub fn expire_if_due(&self, db: u8, key: &[u8], now: u64) -> Result<bool> {
        let _lock = self.lock(db, &[key]);
        let Some(meta) = self.get_meta(db, key)?.filter(|m| m.is_expired(now)) else { return Ok(false) };
        let mut b = self.batch();
        b.delete_meta(db, key, &meta);
        self.write(b)?;
        Ok(true)
    }

    /// Fsyncs the WAL (the `everysec` tick, and shutdown).
    pub fn sync_wal(&self) -> Result<()> {
        Ok(self.wal.flush(|| self.db.flush_wal(true))?)
    }

    /// Hands the WAL's buffered records to the OS, so that the writes so far survive the
    /// process being killed (see [`wal`]).
    pub fn flush_wal(&self) -> Result<()> {
        Ok(self.wal.flush(|| self.db.flush_wal(false))?)
    }

    /// What a reply sent now needs flushed first, or `None` if nothing is buffered.
    pub fn unflushed(&self) -> Option<u64> {
        self.wal.mark()
    }

    /// Whether a flush covering `mark` has happened (see [`Storage::unflushed`]).
    pub fn flushed(&self, mark: u64) -> bool {
        self.wal.covers(mark)
    }

    /// Counts a write with range deletions; every [`RANGE_DELETES_PER_MEMTABLE`]th one
    /// starts a flush of the keyed families' memtables (without waiting for it).
    fn flush_range_deletes(&self) -> Result<()> {
        if self.range_deletes.fetch_add(1, Ordering::Relaxed) + 1 < RANGE_DELETES_PER_MEMTABLE {
            return Ok(());
        }
        self.range_deletes.store(0, Ordering::Relaxed);
        let mut opts = rocksdb::FlushOptions::default();
        opts.set_wait(false);
        let families: Vec<&ColumnFamily> = cf::KEYED.iter().map(|f| self.cf(f)).collect();
        Ok(self.db.flush_cfs_opt(&families, &opts)?)
    }

    /// Flushes memtables to SST files (shutdown, SAVE).
    pub fn flush(&self) -> Result<()> {
        self.sync_wal()?;
        for family in cf::ALL {
            self.db.flush_cf(self.cf(family))?;
        }
        Ok(())
    }

    /// Writes a consistent RocksDB checkpoint to `dest` (which must not exist).
    pub fn checkpoint(&self, dest: &Path) -> Result<()> {
        let cp = rocksdb::checkpoint::Checkpoint::new(&*self.db)?;
        Ok(cp.create_checkpoint(dest)?)
    }

    /// Compacts every column family (reclaims space after deletes).
    pub fn compact(&self) {
        for family in cf::ALL {
            self.db.compact_range_cf(self.cf(family), None::<&[u8]>, None::<&[u8]>);
        }
    }

    /// A RocksDB integer property summed over column families (`rocksdb.estimate-num-keys`, ...).
    pub fn property_sum(&self, name: &str) -> u64 {
        cf::ALL.iter().filter_map(|f| self.db.property_int_value_cf(self.cf(f), name).ok().flatten()).sum()
    }

    /// Bytes used by the block cache (which also holds the memtables' reservation).
    pub fn cache_usage(&self) -> usize {
        self.cache.get_usage()
    }

    /// Bytes held by the meta cache, the rank directories, the member sets and the
    /// read-ahead windows.
    pub fn meta_cache_usage(&self) -> u64 {
        self.meta_cache.usage() + self.rank_dirs.usage() + self.member_sets.usage() + self.read_aheads.usage()
    }

    /// Bytes used by memtables.
    pub fn memtable_usage(&self) -> usize {
        self.write_buffers.get_usage()
    }

    /// The first and last key of database `db`, if it has any.
    fn key_bounds(&self, db: u8) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let mut ro = ReadOptions::default();
        ro.set_iterate_lower_bound(vec![db]);
        if let Some(end) = prefix_end(&[db]) {
            ro.set_iterate_upper_bound(end);
        }
        let mut it = self.db.raw_iterator_cf_opt(self.cf(cf::META), ro);
        it.seek_to_first();
        let Some(first) = it.key().map(|k| k[1..].to_vec()) else { return Ok(it.status().map(|_| None)?) };
        it.seek_to_last();
        let last = it.key().map_or_else(|| first.clone(), |k| k[1..].to_vec());
        it.status()?;
        Ok(Some((first, last)))
    }

    /// Finds a random live key of database `db`: picks a random point between the first
    /// and the last key (past their common prefix) and takes a key a few steps after it,
    /// wrapping around once. Not uniform, but spread over the whole keyspace.
    pub fn random_key(&self, db: u8, seed: u64, now: u64) -> Result<Option<Vec<u8>>> {
        let Some((first, last)) = self.key_bounds(db)? else { return Ok(None) };
        let mut rng = seed;
        let mut next = move || {
            // splitmix64
            rng = rng.wrapping_add(0x9e3779b97f4a7c15);
            let mut z = rng;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
            z ^ (z >> 31)
        };
        let common = first.iter().zip(&last).take_while(|(a, b)| a == b).count();
        let mut probe = first[..common].to_vec();
        let lo = first.get(common).copied().unwrap_or(0) as u64;
        let hi = last.get(common).copied().unwrap_or(255) as u64;
        probe.push((lo + next() % (hi - lo + 1)) as u8);
        // Further bytes from the printable range, where most keys live.
        for _ in 0..8 {
            probe.push((0x20 + next() % 0x5f) as u8);
        }
        // Keys cluster (`key:1`, `key:10`, `key:100` sort together), so a probe alone favours
        // a few of them: step a random 0..15 live keys further from where it lands.
        let skip = next() % 16;
        for start in [&probe[..], &[][..]] {
            let mut found = None;
            let (mut seen, mut live) = (0, 0);
            self.scan_meta(db, start, |k, v| {
                seen += 1;
                if Meta::decode(v).is_some_and(|m| !m.is_expired(now)) {
                    found = Some(k.to_vec());
                    live += 1;
                    if live > skip {
                        return false;
                    }
                }
                seen < 1000
            })?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        // Wait for running compactions before the database goes: their filters hold weak
        // references to it, and the last strong one must be dropped here, never on a
        // compaction thread (closing the database there would wait for itself). The
        // range compactor is told to stop first, so it starts nothing new, and joined
        // after, once RocksDB has cancelled what it was running.
        self.compactor.stop();
        self.db.cancel_all_background_work(true);
        self.compactor.join();
    }
}

/// The locks a write command holds: its key stripes and the shared structure lock.
pub struct WriteLock<'a> {
    _keys: KeyGuard<'a>,
    _structure: RwLockReadGuard<'a, ()>,
}

/// One write in a [`Batch`].
enum Op {
    Put(&'static str, Vec<u8>, Vec<u8>),
    Delete(&'static str, Vec<u8>),
    /// Deletes `[from, to)`.
    DeleteRange(&'static str, Vec<u8>, Vec<u8>),
}

/// One command's writes (or a group of commands', see [`Group`]), applied atomically by
/// [`Storage::write`]. Meta-row changes go through [`Batch::put_meta`] and
/// [`Batch::delete_meta`], which keep the key counts and the expiry index in step.
/// A batch is a log of operations until it is written, so that batches can be joined.
pub struct Batch {
    ops: Vec<Op>,
    deltas: Vec<(u8, i64, i64)>,
    /// Databases flushed by this batch: their counts restart from zero, then `deltas`.
    resets: Vec<u8>,
}

impl Batch {
    fn count(&mut self, db: u8, keys: i64, expires: i64) {
        if keys == 0 && expires == 0 {
            return;
        }
        match self.deltas.iter_mut().find(|d| d.0 == db) {
            Some(d) => {
                d.1 += keys;
                d.2 += expires;
            }
            None => self.deltas.push((db, keys, expires)),
        }
    }

    /// Writes the meta row of `key`. `old` is the row as stored before (expired or not),
    /// which decides how the key counts change.
    pub fn put_meta(&mut self, db: u8, key: &[u8], old: Option<&Meta>, new: &Meta) {
        self.ops.push(Op::Put(cf::META, meta_key(db, key), new.encode()));
        let old_expires = old.is_some_and(|m| m.expire_at != 0) as i64;
        let new_expires = (new.expire_at != 0) as i64;
        self.count(db, old.is_none() as i64, new_expires - old_expires);
        if new.expire_at != 0 && old.is_none_or(|m| m.expire_at != new.expire_at) {
            self.ops.push(Op::Put(cf::EXPIRE, expire_key(new.expire_at, db, key), Vec::new()));
        }
    }

    /// Deletes the meta row of `key` (whose stored row is `old`). Member rows become
    /// unreachable with it; the compaction filter reclaims them.
    pub fn delete_meta(&mut self, db: u8, key: &[u8], old: &Meta) {
        self.ops.push(Op::Delete(cf::META, meta_key(db, key)));
        self.count(db, -1, -((old.expire_at != 0) as i64));
    }

    /// Writes a member row.
    pub fn put_row(&mut self, family: &'static str, key: &[u8], value: &[u8]) {
        self.ops.push(Op::Put(family, key.to_vec(), value.to_vec()));
    }

    /// Deletes a member row.
    pub fn delete_row(&mut self, family: &'static str, key: &[u8]) {
        self.ops.push(Op::Delete(family, key.to_vec()));
    }

    /// How many member rows under `prefix` this batch deletes, leaving out those `skip`
    /// names.
    pub fn deletes_under(&self, prefix: &[u8], skip: impl Fn(&[u8]) -> bool) -> u64 {
        let counted = |op: &&Op| matches!(op, Op::Delete(family, k) if *family != cf::META && k.starts_with(prefix) && !skip(k));
        self.ops.iter().filter(counted).count() as u64
    }

    /// Removes every key of the physical databases `dbs`: their rows in every keyed
    /// family, with one range deletion per family whatever the number of databases
    /// (FLUSHALL is one range, not one per database), and their counts, which the deltas
    /// added after this start again from zero. Expiry index entries of flushed keys stay
    /// behind; the expiry cycle finds no matching meta row and drops them.
    pub fn flush_dbs(&mut self, dbs: RangeInclusive<u8>) {
        let end = prefix_end(&[*dbs.end()]).unwrap_or_else(|| vec![0xff; 2]);
        for family in cf::KEYED {
            self.ops.push(Op::DeleteRange(family, vec![*dbs.start()], end.clone()));
        }
        self.reset_counts(dbs);
    }

    /// Removes every key of the physical databases `dbs`, whose meta rows are `rows` (all
    /// of them): one delete per key, as DEL does (member rows become unreachable, and the
    /// compaction filter reclaims them), so that flushing a small database writes no range
    /// deletion for every later read to step over.
    pub fn flush_rows(&mut self, dbs: &[u8], rows: Vec<Vec<u8>>) {
        self.ops.extend(rows.into_iter().map(|row| Op::Delete(cf::META, row)));
        self.reset_counts(dbs.iter().copied());
    }

    /// Sets the key counts of `dbs` to zero; the deltas added after this count from there.
    fn reset_counts(&mut self, dbs: impl Iterator<Item = u8>) {
        for db in dbs {
            self.deltas.retain(|d| d.0 != db);
            if !self.resets.contains(&db) {
                self.resets.push(db);
            }
        }
    }

    /// Appends another batch's writes (see [`Group`]). `other` must not flush.
    pub fn append(&mut self, other: Batch) {
        debug_assert!(other.resets.is_empty());
        self.ops.extend(other.ops);
        for (db, keys, expires) in other.deltas {
            self.count(db, keys, expires);
        }
    }

    /// How this batch changes the key and expiry counts of `db` (after its flush, if any).
    fn delta(&self, db: u8) -> (i64, i64) {
        self.deltas.iter().find(|d| d.0 == db).map_or((0, 0), |d| (d.1, d.2))
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty() && self.deltas.iter().all(|d| d.1 == 0 && d.2 == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &Path) -> Storage {
        Storage::open(&StorageOptions {
            path: dir.to_path_buf(),
            databases: 16,
            compression: Compression::Lz4,
            block_cache_bytes: 8 << 20,
            write_buffer_bytes: 8 << 20,
            meta_cache_bytes: 1 << 20,
            fsync: Fsync::EverySec,
        })
        .unwrap()
    }

    fn set(s: &Storage, db: u8, key: &[u8], expire_at: u64) {
        let _l = s.lock(db, &[key]);
        let old = s.get_meta(db, key).unwrap();
        let mut b = s.batch();
        b.put_meta(db, key, old.as_ref(), &Meta::new(Kind::String, expire_at, b"v".to_vec()));
        s.write(b).unwrap();
    }

    #[test]
    fn counts_are_exact_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = open(dir.path());
            set(&s, 0, b"a", 0);
            set(&s, 0, b"a", 0);
            set(&s, 0, b"b", now_ms() + 100_000);
            set(&s, 3, b"c", 0);
            assert_eq!((s.dbsize(0), s.expires(0), s.dbsize(3)), (2, 1, 1));
            let _l = s.lock(0, &[b"b"]);
            let old = s.get_meta(0, b"b").unwrap().unwrap();
            let mut b = s.batch();
            b.delete_meta(0, b"b", &old);
            s.write(b).unwrap();
        }
        let s = open(dir.path());
        assert_eq!((s.dbsize(0), s.expires(0), s.dbsize(3)), (1, 0, 1));
        s.flush_db(0).unwrap();
        assert_eq!(s.dbsize(0), 0);
        assert_eq!(s.get_meta(0, b"a").unwrap(), None);
        assert!(s.get_meta(3, b"c").unwrap().is_some());
    }

    #[test]
    fn flushing_a_small_database_deletes_its_keys_without_range_deletions() {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path());
        let ranges = || s.property_sum("rocksdb.num-range-deletes-active-mem-table");
        set(&s, 0, b"a", now_ms() + 100_000);
        set(&s, 2, b"b", 0);
        set(&s, 3, b"c", 0);
        s.flush_db(2).unwrap();
        assert_eq!((s.dbsize(0), s.dbsize(2), s.dbsize(3)), (1, 0, 1));
        assert_eq!(s.get_meta(2, b"b").unwrap(), None);
        s.flush_all().unwrap();
        assert_eq!((s.dbsize(0), s.expires(0), s.dbsize(3)), (0, 0, 0));
        assert_eq!((s.get_meta(0, b"a").unwrap(), s.get_meta(3, b"c").unwrap()), (None, None));
        // An empty server has nothing to flush.
        s.flush_all().unwrap();
        assert_eq!(ranges(), 0, "small flushes delete key by key");
        drop(s);
        let s = open(dir.path());
        assert_eq!((s.dbsize(0), s.dbsize(3)), (0, 0));
    }

    #[test]
    fn flushing_large_databases_flushes_the_memtables_holding_their_range_deletions() {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path());
        let entries = || s.db.property_int_value_cf(s.cf(cf::META), "rocksdb.num-entries-active-mem-table").unwrap().unwrap();
        let rounds = 2 * RANGE_DELETES_PER_MEMTABLE;
        let mut most = 0;
        for round in 0..rounds {
            let mut b = s.batch();
            for i in 0..=SMALL_FLUSH {
                b.put_meta(1, format!("k{i}").as_bytes(), None, &Meta::new(Kind::String, 0, b"v".to_vec()));
            }
            s.write(b).unwrap();
            assert_eq!(s.dbsize(1), SMALL_FLUSH as i64 + 1, "round {round}");
            if round % 2 == 0 {
                s.flush_all().unwrap();
            } else {
                s.flush_db(1).unwrap();
            }
            assert_eq!(s.dbsize(1), 0);
            assert_eq!(s.get_meta(1, b"k0").unwrap(), None);
            most = most.max(entries());
        }
        // Each round writes its keys and one range deletion: without the flushes every
        // few rounds, the memtable would hold every round's.
        let per_round = SMALL_FLUSH as u64 + 2;
        assert!(most <= RANGE_DELETES_PER_MEMTABLE * per_round, "{most} entries in the meta memtable");
    }

    #[test]
    fn a_batch_that_rewrites_rows_stores_only_the_last_write_of_each() {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path());
        set(&s, 0, b"k", 0);
        // Three commands of one write group: the meta row and a member row rewritten,
        // a member row deleted and put back, another put and then deleted.
        let mut b = s.batch();
        let old = s.get_meta(0, b"k").unwrap();
        b.put_meta(0, b"k", old.as_ref(), &Meta::new(Kind::String, 0, b"one".to_vec()));
        b.put_row(cf::DATA, b"m1", b"1");
        b.delete_row(cf::DATA, b"m2");
        b.put_row(cf::DATA, b"m3", b"3");
        let mut c = s.batch();
        c.put_meta(0, b"k", Some(&Meta::new(Kind::String, 0, b"one".to_vec())), &Meta::new(Kind::String, 0, b"two".to_vec()));
        c.put_row(cf::DATA, b"m1", b"11");
        c.put_row(cf::DATA, b"m2", b"2");
        c.delete_row(cf::DATA, b"m3");
        b.append(c);
        assert_eq!(last_writes(&b.ops), [false, false, false, false, true, true, true, true]);
        let entries = || s.property_sum("rocksdb.num-entries-active-mem-table");
        let before = entries();
        s.write(b).unwrap();
        assert_eq!(entries() - before, 4, "one memtable entry per row");
        assert_eq!(s.get_meta(0, b"k").unwrap().unwrap().body, b"two");
        assert_eq!(s.get_member(cf::DATA, b"m1").unwrap().as_deref(), Some(&b"11"[..]));
        assert_eq!(s.get_member(cf::DATA, b"m2").unwrap().as_deref(), Some(&b"2"[..]));
        assert_eq!(s.get_member(cf::DATA, b"m3").unwrap(), None);
        assert_eq!(s.dbsize(0), 1);
        drop(s);
        let s = open(dir.path());
        assert_eq!(s.get_meta(0, b"k").unwrap().unwrap().body, b"two");
        assert_eq!(s.get_member(cf::DATA, b"m1").unwrap().as_deref(), Some(&b"11"[..]));
        assert_eq!(s.get_member(cf::DATA, b"m3").unwrap(), None);
    }

    #[test]
    fn expire_cycle_removes_due_keys_only() {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path());
        let now = now_ms();
        set(&s, 0, b"old", now - 10);
        set(&s, 0, b"new", now + 100_000);
        set(&s, 0, b"moved", now - 5);
        set(&s, 0, b"moved", 0); // persisted: its index entry is stale
        let removed = s.expire_cycle(now, 100).unwrap();
        assert_eq!(removed, vec![(0, b"old".to_vec())]);
        assert_eq!((s.dbsize(0), s.expires(0)), (2, 1));
        assert!(s.expire_cycle(now, 100).unwrap().is_empty());
    }

    /// Writes a hash the way the types layer does: a meta row and one row per field.
    fn hash(s: &Storage, key: &[u8], fields: &[&[u8]]) -> u64 {
        let _l = s.lock(0, &[key]);
        let old = s.get_meta(0, key).unwrap();
        let version = s.new_version();
        let mut b = s.batch();
        b.put_meta(0, key, old.as_ref(), &Meta::collection(Kind::Hash, version, fields.len() as u64));
        for f in fields {
            b.put_row(cf::DATA, &member_key(0, key, version, f), b"v");
        }
        s.write(b).unwrap();
        version
    }

    fn row(s: &Storage, key: &[u8], version: u64, field: &[u8]) -> bool {
        s.get_member(cf::DATA, &member_key(0, key, version, field)).unwrap().is_some()
    }

    #[test]
    fn a_scan_across_many_deleted_rows_gets_their_range_compacted() {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path());
        let fields: Vec<Vec<u8>> = (0..3000).map(|i| format!("f{i:05}").into_bytes()).collect();
        let version = hash(&s, b"h", &fields.iter().map(|f| &f[..]).collect::<Vec<_>>());
        // The middle 2,000 fields deleted one write at a time, as HDEL would.
        for f in &fields[500..2500] {
            let _l = s.lock(0, &[b"h"]);
            let mut b = s.batch();
            b.delete_row(cf::DATA, &member_key(0, b"h", version, f));
            s.write(b).unwrap();
        }
        let prefix = member_prefix(0, b"h", version);
        let probe = || s.first_row_near(cf::DATA, &prefix, &member_key(0, b"h", version, &fields[500]), 64, |_| false).unwrap();
        assert!(matches!(probe(), Probe::GaveUp), "the tombstones are in the way");
        let mut live = 0;
        s.scan_rows(cf::DATA, &prefix, None, false, |_, _| {
            live += 1;
            true
        })
        .unwrap();
        assert_eq!(live, 1000);
        // The scan stepped over 2,000 tombstones: its range is compacted in the background.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while s.range_compactions() == 0 {
            assert!(std::time::Instant::now() < deadline, "no range compaction ran");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(probe(), Probe::Found(member_key(0, b"h", version, &fields[2500])));
        let mut kept = Vec::new();
        s.scan_rows(cf::DATA, &prefix, None, false, |k, _| {
            kept.push(k[prefix.len()..].to_vec());
            true
        })
        .unwrap();
        assert_eq!(kept, [&fields[..500], &fields[2500..]].concat());
    }

    #[test]
    fn compaction_drops_member_rows_of_dead_versions_only() {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path());
        let live = hash(&s, b"live", &[b"a", b"b"]);
        let deleted = hash(&s, b"deleted", &[b"a", b"b"]);
        let replaced_old = hash(&s, b"replaced", &[b"a"]);
        let replaced_new = hash(&s, b"replaced", &[b"c"]);
        let overwritten = hash(&s, b"overwritten", &[b"a"]);
        let expired = hash(&s, b"expired", &[b"a"]);
        {
            let _l = s.lock(0, &[b"deleted"]);
            let old = s.get_meta(0, b"deleted").unwrap().unwrap();
            let mut b = s.batch();
            b.delete_meta(0, b"deleted", &old);
            s.write(b).unwrap();
        }
        set(&s, 0, b"overwritten", 0);
        {
            // Expired but not yet removed by the expiry cycle: its rows are kept.
            let _l = s.lock(0, &[b"expired"]);
            let old = s.get_meta(0, b"expired").unwrap().unwrap();
            let mut m = old.clone();
            m.expire_at = 1;
            let mut b = s.batch();
            b.put_meta(0, b"expired", Some(&old), &m);
            s.write(b).unwrap();
        }
        // DEL and overwrite only touched meta rows: the old rows are still stored.
        assert!(row(&s, b"deleted", deleted, b"a") && row(&s, b"replaced", replaced_old, b"a"));
        s.compact();
        assert!(row(&s, b"live", live, b"a") && row(&s, b"live", live, b"b"));
        assert!(!row(&s, b"deleted", deleted, b"a") && !row(&s, b"deleted", deleted, b"b"));
        assert!(!row(&s, b"replaced", replaced_old, b"a"));
        assert!(row(&s, b"replaced", replaced_new, b"c"));
        assert!(!row(&s, b"overwritten", overwritten, b"a"));
        assert!(row(&s, b"expired", expired, b"a"));
        // Once the expiry cycle removes the key, the next compaction takes its rows.
        assert_eq!(s.expire_cycle(now_ms(), 100).unwrap(), vec![(0, b"expired".to_vec())]);
        s.compact();
        assert!(!row(&s, b"expired", expired, b"a"));
        assert!(row(&s, b"live", live, b"a"));
    }

    #[test]
    fn swapdb_swaps_the_mapping_durably() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = open(dir.path());
            set(&s, s.physical(0), b"k", 0);
            s.swap_db(0, 1).unwrap();
            assert_eq!(s.physical(1), 0);
            assert!(s.get_meta(s.physical(0), b"k").unwrap().is_none());
        }
        let s = open(dir.path());
        assert!(s.get_meta(s.physical(1), b"k").unwrap().is_some());
        assert_eq!(s.logical(0), 1);
    }
}
