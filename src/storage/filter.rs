//! The compaction filter that reclaims member rows of dead collection versions.
//!
//! DEL and overwrite of a collection only touch its meta row (O(1) whatever its size);
//! its member rows stay behind under a version no meta row names any more. When RocksDB
//! compacts a member family, this filter looks up the meta row of each row's key and
//! drops the row if the key is gone, holds an inline value (string, inline JSON), or holds
//! a collection (or split JSON document) of another version. Versions never repeat (see
//! [`super::Storage::new_version`]) and one meta row never goes back to an old version,
//! so a row found dead stays dead; and a command writes a collection's meta row and member rows in one atomic batch, so a
//! live row is never seen before its meta row.
//!
//! Expired keys: a key whose deadline has passed but whose meta row the expiry cycle has
//! not deleted yet keeps its rows (the version still matches). That is the grace period
//! the design asks for: the rows go at the first compaction after the expiry cycle
//! removes the meta row, and until then a meta row and its rows are always consistent.
//!
//! The filter runs on RocksDB's threads and reads the meta family through the database
//! itself, which exists only after the column families (and so the filter) are
//! configured. The factory therefore holds a [`Handle`] that [`super::Storage::open`] fills
//! once the database is open. It holds a weak reference: the database is owned by the
//! `Storage`, and `Storage`'s `Drop` stops background work (waiting for running
//! compactions) before releasing it, so a compaction thread never drops the last strong
//! reference and never closes the database from inside a compaction. Whenever the filter
//! cannot tell (no handle yet, database closing, read error, corrupt meta row), it keeps
//! the row.

use super::{cf, meta_key, split_member_key, Meta};
use rocksdb::compaction_filter::{CompactionFilter, Decision};
use rocksdb::compaction_filter_factory::{CompactionFilterContext, CompactionFilterFactory};
use rocksdb::DB;
use std::ffi::CStr;
use std::sync::{Arc, OnceLock, Weak};

/// The database, once it is open: what the filter reads meta rows through.
pub type Handle = Arc<OnceLock<Weak<DB>>>;

/// Makes one [`VersionFilter`] per compaction (so each is used by one thread only).
pub struct VersionFilterFactory {
    pub db: Handle,
}

impl CompactionFilterFactory for VersionFilterFactory {
    type Filter = VersionFilter;

    fn create(&mut self, _context: CompactionFilterContext) -> VersionFilter {
        VersionFilter { db: self.db.get().cloned(), last: None }
    }

    fn name(&self) -> &CStr {
        c"diskdb.versions"
    }
}

/// What the meta row of one key says about its member rows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// A live collection of this version: its rows stay, every other version's go.
    Live(u64),
    /// No collection: every row of the key goes.
    Dead,
    /// Could not tell: keep.
    Unsure,
}

pub struct VersionFilter {
    db: Option<Weak<DB>>,
    /// The last key looked up and its verdict: a compaction visits one key's rows in a
    /// row, so most rows need no lookup.
    last: Option<(Vec<u8>, Verdict)>,
}

impl VersionFilter {
    fn lookup(&self, mkey: &[u8]) -> Verdict {
        let Some(db) = self.db.as_ref().and_then(Weak::upgrade) else { return Verdict::Unsure };
        let Some(meta_cf) = db.cf_handle(cf::META) else { return Verdict::Unsure };
        let row = db.get_pinned_cf(meta_cf, mkey).map(|raw| raw.map(|raw| Meta::decode(&raw)));
        match row {
            Err(_) | Ok(Some(None)) => Verdict::Unsure,
            Ok(None) => Verdict::Dead,
            Ok(Some(Some(m))) => m.member_version().map_or(Verdict::Dead, Verdict::Live),
        }
    }
}

impl CompactionFilter for VersionFilter {
    fn filter(&mut self, _level: u32, key: &[u8], _value: &[u8]) -> Decision {
        let Some((db, user_key, version, _)) = split_member_key(key) else { return Decision::Keep };
        let mkey = meta_key(db, user_key);
        let verdict = match &self.last {
            Some((k, v)) if *k == mkey => *v,
            _ => {
                let v = self.lookup(&mkey);
                if v != Verdict::Unsure {
                    self.last = Some((mkey, v));
                }
                v
            }
        };
        match verdict {
            Verdict::Live(live) if live != version => Decision::Remove,
            Verdict::Dead => Decision::Remove,
            _ => Decision::Keep,
        }
    }

    fn name(&self) -> &CStr {
        c"diskdb.versions"
    }
}
