//! Reads that take no lock, checked against the version changes that could cut them short.
//!
//! A read of a collection takes its meta row, then reads the member rows under the
//! version the meta row names. It holds no key lock, so between the two a writer may give
//! the collection a new version (DEL and recreate, RENAME, the rewrite of a collection
//! whose members came and went: `types::Db::count_deletes`), and the compaction filter
//! drops the old version's rows as soon as it sees the new meta row. A RocksDB iterator
//! pins the files it reads, so once the member rows are being read they stay; but a
//! compaction that finishes before the read opens its iterator leaves it part of the old
//! collection, or none of it. RocksDB snapshots do not help: compaction filters ignore
//! them.
//!
//! So a lock-free read notes the version of every collection whose meta row it took from
//! storage ([`Reads`]), and [`read_stable`] runs it again if one of them has changed by
//! the time it is done: a version that is the same after the read was the same
//! throughout (versions never repeat), so no compaction can have dropped its rows.

use super::{Result, Storage};
use std::cell::RefCell;

/// How often [`read_stable`] runs a read whose collections keep changing version before
/// it answers with the last run. Each retry needs another version change inside the
/// read; only a long read of a key that is replaced over and over gets here, and rows are
/// lost only if a compaction also finished inside the read.
const MAX_RUNS: usize = 16;

/// The collections (db, key, version) one read took from storage.
#[derive(Default)]
pub struct Reads(RefCell<Vec<(u8, Vec<u8>, u64)>>);

impl Reads {
    /// Notes that the read saw `key` with its member rows under `version` (a value kept
    /// whole in its meta row, a string or a small JSON document, needs no check).
    pub(super) fn note(&self, db: u8, key: &[u8], version: u64) {
        self.0.borrow_mut().push((db, key.to_vec(), version));
    }

    /// Whether a collection the read saw has a different version now, or is gone.
    pub fn changed(&self, store: &Storage) -> Result<bool> {
        for (db, key, version) in self.0.borrow().iter() {
            if store.get_meta(*db, key)?.and_then(|m| m.member_version()) != Some(*version) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Runs `read` (which reads through views recording into the [`Reads`] it is given) until
/// no collection it read changed version meanwhile, at most [`MAX_RUNS`] times. A failure
/// to check returns the read's own result.
pub fn read_stable<R>(store: &Storage, mut read: impl FnMut(&Reads) -> R) -> R {
    let mut runs = 1;
    loop {
        let reads = Reads::default();
        let result = read(&reads);
        if runs == MAX_RUNS || !reads.changed(store).unwrap_or(false) {
            return result;
        }
        runs += 1;
    }
}
