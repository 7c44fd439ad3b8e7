//! Group commit for one connection's pipeline: consecutive write commands on distinct
//! keys are joined into one RocksDB write, committed before any of their replies is
//! sent. Each command stays atomic (its operations are contiguous in the one batch, and
//! the batch is applied whole), and `appendfsync always` fsyncs once per group.
//!
//! A command joins the group if it can take all its key stripes without waiting; the
//! group keeps them until it commits, so no other writer can touch those keys in between
//! and the meta cache (updated at commit) stays in the order of RocksDB. A command that
//! would wait commits the group first and then waits with the emptied group, which keeps
//! the stripes for the commands after it: a connection never waits for a lock while
//! holding others (no deadlock), and a pipeline on a contended key waits once, not once
//! per command. A command that reads a key the group has written reads through the
//! group's pending rows (the caller indexes them first), so a pipeline of writes to one
//! key (LPUSH, INCR, ZADD ... on one key) shares one write.

use super::{
    locks::{self, KeyLocks, Stripe},
    Batch, Pending, Result, Storage,
};
use parking_lot::{ArcRwLockReadGuard, RawRwLock};
use std::sync::Arc;

pub struct Group {
    store: Arc<Storage>,
    batch: Batch,
    /// The rows of `batch`'s first `indexed` operations, for commands that read keys the
    /// group has written (indexed only when such a command comes).
    pending: Pending,
    indexed: usize,
    held: HeldLocks,
    /// How many commands the uncommitted batch holds.
    pub commands: usize,
    /// The error of a failed commit, for the owner to report to the grouped commands.
    pub failed: Option<String>,
    /// How many times the group has committed, so its owner can tell which commands a
    /// commit made inside a command carried.
    pub commits: u64,
}

impl Group {
    pub fn new(store: Arc<Storage>) -> Group {
        let batch = store.batch();
        Group { store, batch, pending: Pending::default(), indexed: 0, held: HeldLocks::default(), commands: 0, failed: None, commits: 0 }
    }

    /// Takes the stripes of `keys` for the group without waiting. Returns false (holding
    /// nothing new) if another connection holds one of them.
    pub fn try_lock(&mut self, db: u8, keys: &[&[u8]]) -> bool {
        self.held.try_lock(&self.store, db, keys)
    }

    /// Takes the stripes of `keys` for the group, waiting for them. Only an empty group
    /// (just committed) may wait: it holds nothing another connection could be waiting
    /// for, so no deadlock. Keeping the stripes lets the rest of the connection's pipeline
    /// on the same keys join the group instead of waiting for them once per command.
    pub fn lock(&mut self, db: u8, keys: &[&[u8]]) {
        assert!(self.is_empty(), "a write group waits for locks only when it holds none");
        self.held.lock(&self.store, db, keys);
    }

    /// Adds one command's writes.
    pub fn add(&mut self, batch: Batch) {
        self.batch.append(batch);
        self.commands += 1;
    }

    /// Brings the index of pending rows up to date, so that a command can read the
    /// group's writes through it ([`super::View::through_group`]). Returns false if the
    /// batch holds something the index cannot show; the caller then commits first.
    pub fn index_pending(&mut self) -> bool {
        let fresh = &self.batch.ops[self.indexed..];
        if !self.pending.index(fresh) {
            return false;
        }
        self.indexed = self.batch.ops.len();
        true
    }

    pub fn pending(&self) -> &Pending {
        &self.pending
    }

    pub fn is_empty(&self) -> bool {
        self.commands == 0 && self.held.is_empty()
    }

    /// Writes everything gathered so far as one batch and releases the locks (the thread
    /// may keep contended stripes: see [`locks`]).
    pub fn commit(&mut self) -> Result<()> {
        let batch = std::mem::replace(&mut self.batch, self.store.batch());
        let result = self.store.write(batch);
        self.pending.clear();
        self.indexed = 0;
        self.commits += 1;
        self.held.release(self.commands);
        self.commands = 0;
        if let Err(e) = &result {
            self.failed = Some(e.to_string());
        }
        result
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        // The owner always commits; this only makes a forgotten commit loud.
        if self.commands > 0 {
            log::error!("write group dropped with {} uncommitted commands", self.commands);
        }
    }
}

/// Key stripes and the structure lock (shared), held until dropped: what a write group
/// holds until it commits, and what a run of scripts holds instead of the exclusive gate
/// (`server/execute.rs`).
#[derive(Default)]
pub struct HeldLocks {
    stripes: Vec<Stripe>,
    structure: Option<ArcRwLockReadGuard<RawRwLock, ()>>,
}

impl HeldLocks {
    /// Takes the stripes of `keys` (and the structure lock) without waiting. Returns
    /// false, holding nothing new, if another connection holds one of them.
    pub fn try_lock(&mut self, store: &Storage, db: u8, keys: &[&[u8]]) -> bool {
        if self.structure.is_none() {
            match store.structure.try_read_arc() {
                Some(g) => self.structure = Some(g),
                None => return false,
            }
        }
        let mut wanted = KeyLocks::stripes_of(db, keys);
        wanted.retain(|&w| !self.stripes.iter().any(|s| s.index == w));
        let mut taken = Vec::with_capacity(wanted.len());
        for &s in &wanted {
            match store.locks.try_stripe(s) {
                Some(g) => taken.push(g),
                None => return false,
            }
        }
        self.stripes.extend(taken);
        true
    }

    /// Takes the stripes of `keys` and the structure lock, waiting for them. Only while
    /// holding nothing, so that no cycle of waits can form.
    pub fn lock(&mut self, store: &Storage, db: u8, keys: &[&[u8]]) {
        assert!(self.is_empty(), "locks are waited for only by a holder of none");
        locks::release_kept_stripes();
        self.structure = Some(store.structure.read_arc());
        self.stripes.extend(KeyLocks::stripes_of(db, keys).into_iter().map(|s| store.locks.wait_stripe(s)));
    }

    /// Lets go of everything, keeping the thread's contended stripes after a group of
    /// `commands` (see [`locks::release_or_keep`]).
    pub fn release(&mut self, commands: usize) {
        self.structure = None;
        locks::release_or_keep(&mut self.stripes, commands);
    }

    pub fn is_empty(&self) -> bool {
        self.stripes.is_empty() && self.structure.is_none()
    }
}
