//! Transactions (MULTI/EXEC): many commands' writes gathered into one batch that they can
//! read before it is committed.
//!
//! A [`Txn`] is an EXEC in the making: the one [`Batch`] every command of the transaction
//! adds to, and an index of the newest value of every row in it. A [`View`] is what the
//! types layer reads through: storage as it is, or storage seen through a transaction,
//! so that a command reads what an earlier one of the same transaction wrote
//! (`MULTI; INCR x; INCR x; EXEC` answers 1, 2) although nothing reaches RocksDB until
//! the whole transaction commits as one atomic write. A transaction that is killed or
//! fails before that leaves no trace; once committed it survives a crash whole.
//!
//! # Locking
//!
//! A transaction holds the structure lock exclusively from [`Txn::begin`] to
//! [`Txn::commit`]: no keyed write of anyone else (another connection, the expiry cycle)
//! can interleave, so what it read stays true until it commits, and its own commands take
//! no key locks. The server keeps every other command, readers included, out while EXEC
//! runs (`server/execute.rs`), so nobody sees the transaction half done.
//!
//! A script may run in a transaction begun with [`Txn::begin_keyed`] instead, which holds
//! no lock itself: the script takes the key locks of every command it calls before the
//! command runs, and the structure lock shared (`commands/scripting.rs`, `ScriptLocks`),
//! and calls no command that may touch keys it does not name.

use super::{cf, meta_key, Batch, Group, Meta, Op, Probe, Reads, Result, Storage, DBMAP_KEY};
use parking_lot::{ArcRwLockWriteGuard, RawRwLock};
use std::cell::{Ref, RefCell};
use std::collections::BTreeMap;
use std::ops::{Bound, RangeInclusive};
use std::sync::Arc;

/// Rows by key, newest value first: `None` is a deleted row.
type Rows = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// A pending row as reads see it: its key and value (`None`: deleted).
type PendingRow<'a> = (&'a [u8], Option<&'a [u8]>);

/// The newest value of every row a batch writes, by column family: what a command reads
/// through to see the uncommitted writes before it (a transaction's, or a write group's).
#[derive(Default)]
pub struct Pending {
    rows: BTreeMap<&'static str, Rows>,
}

impl Pending {
    /// Indexes `ops`. Returns false (indexing nothing) if one of them is a range delete,
    /// which only FLUSHDB makes and which this index cannot show.
    pub(super) fn index(&mut self, ops: &[Op]) -> bool {
        self.index_where(ops, |_| true)
    }

    /// [`Pending::index`] of the rows whose keys `keep` accepts.
    fn index_where(&mut self, ops: &[Op], keep: impl Fn(&[u8]) -> bool) -> bool {
        if ops.iter().any(|op| matches!(op, Op::DeleteRange(..))) {
            return false;
        }
        for op in ops {
            match op {
                Op::Put(family, k, v) if keep(k) => self.set(family, k.clone(), Some(v.clone())),
                Op::Delete(family, k) if keep(k) => self.set(family, k.clone(), None),
                _ => {}
            }
        }
        true
    }

    fn set(&mut self, family: &'static str, key: Vec<u8>, value: Option<Vec<u8>>) {
        self.rows.entry(family).or_default().insert(key, value);
    }

    /// The rows `batch` writes under `prefix` (a command reading its own uncommitted
    /// rows: [`View::scan_rows_with`]). `batch` must not flush.
    pub fn of_batch(batch: &Batch, prefix: &[u8]) -> Pending {
        let mut own = Pending::default();
        let indexed = own.index_where(&batch.ops, |k| k.starts_with(prefix));
        assert!(indexed, "a command reading its own rows does not flush");
        own
    }

    pub fn clear(&mut self) {
        self.rows.clear();
    }

    /// Indexes `ops` as a transaction's index was built: range deletes (its FLUSHDBs)
    /// forget the rows written before them.
    fn replay(&mut self, ops: &[Op]) {
        for op in ops {
            match op {
                Op::Put(family, k, v) => self.set(family, k.clone(), Some(v.clone())),
                Op::Delete(family, k) => self.set(family, k.clone(), None),
                Op::DeleteRange(family, from, to) => {
                    if let Some(rows) = self.rows.get_mut(family) {
                        rows.retain(|k, _| k < from || k >= to);
                    }
                }
            }
        }
    }

    /// Forgets the rows of the physical databases `dbs` (flushed after they were written).
    fn forget_dbs(&mut self, dbs: &RangeInclusive<u8>) {
        for family in cf::KEYED {
            if let Some(rows) = self.rows.get_mut(family) {
                rows.retain(|k, _| !k.first().is_some_and(|db| dbs.contains(db)));
            }
        }
    }

    /// The pending value of a row: `Some(None)` if it is deleted, `None` if not written.
    fn row(&self, family: &str, key: &[u8]) -> Option<Option<&[u8]>> {
        self.rows.get(family).and_then(|rows| rows.get(key)).map(|v| v.as_deref())
    }

    /// The pending rows of `family` in `range`, in key order, read as they are visited
    /// (a scan that stops after one row takes one).
    fn range<'a>(&'a self, family: &str, range: (Bound<&[u8]>, Bound<&[u8]>)) -> impl DoubleEndedIterator<Item = PendingRow<'a>> + 'a {
        let empty = match range {
            (Bound::Included(lo), Bound::Included(hi)) => lo > hi,
            (Bound::Included(lo), Bound::Excluded(hi)) => lo >= hi,
            _ => false,
        };
        let rows = self.rows.get(family).filter(|_| !empty);
        rows.map(|rows| rows.range::<[u8], _>(range)).into_iter().flatten().map(|(k, v)| (k.as_slice(), v.as_deref()))
    }
}

/// What [`Txn::rollback`] returns a transaction to.
pub struct Savepoint {
    ops: usize,
    deltas: Vec<(u8, i64, i64)>,
    resets: Vec<u8>,
    flushed: usize,
    swaps: usize,
}

/// The uncommitted writes of one transaction.
pub struct Txn {
    store: Arc<Storage>,
    _exclusive: Option<ArcRwLockWriteGuard<RawRwLock, ()>>,
    batch: Batch,
    rows: Pending,
    /// Physical databases the transaction flushed: their stored rows are hidden.
    flushed: Vec<u8>,
    /// SWAPDBs already applied to the in-memory database map, undone if the commit fails.
    swaps: Vec<(usize, usize)>,
}

impl Txn {
    /// Starts a transaction, waiting for every keyed write in progress to finish.
    pub fn begin(store: Arc<Storage>) -> Txn {
        super::locks::release_kept_stripes();
        let exclusive = store.structure.write_arc();
        Self::new(store, Some(exclusive))
    }

    /// Begins a transaction whose commands lock their keys themselves (see the module
    /// notes).
    pub fn begin_keyed(store: Arc<Storage>) -> Txn {
        Self::new(store, None)
    }

    fn new(store: Arc<Storage>, exclusive: Option<ArcRwLockWriteGuard<RawRwLock, ()>>) -> Txn {
        let batch = store.batch();
        Txn { store, _exclusive: exclusive, batch, rows: Pending::default(), flushed: Vec::new(), swaps: Vec::new() }
    }

    /// Adds one command's writes.
    pub fn add(&mut self, batch: Batch) {
        let indexed = self.rows.index(&batch.ops);
        assert!(indexed, "commands flush through Txn::flush_dbs");
        self.batch.append(batch);
    }

    /// FLUSHDB or FLUSHALL inside the transaction.
    pub fn flush_dbs(&mut self, dbs: RangeInclusive<u8>) {
        self.rows.forget_dbs(&dbs);
        self.batch.flush_dbs(dbs.clone());
        for db in dbs {
            if !self.flushed.contains(&db) {
                self.flushed.push(db);
            }
        }
    }

    /// SWAPDB inside the transaction: the map changes at once (nobody else runs until
    /// the commit) and is written with the batch.
    pub fn swap_db(&mut self, a: usize, b: usize) {
        let mut map = self.store.dbmap.write();
        map.swap(a, b);
        self.batch.ops.push(Op::Put(cf::SYSTEM, DBMAP_KEY.to_vec(), map.clone()));
        self.swaps.push((a, b));
    }

    /// Where the transaction stands, for [`Txn::rollback`].
    pub fn savepoint(&self) -> Savepoint {
        Savepoint {
            ops: self.batch.ops.len(),
            deltas: self.batch.deltas.clone(),
            resets: self.batch.resets.clone(),
            flushed: self.flushed.len(),
            swaps: self.swaps.len(),
        }
    }

    /// Forgets every write made since `point` (a script stopped half way): the batch,
    /// its index and the database map go back to what they were. The pops since then
    /// moved their hints past rows that stay, so every hint is dropped.
    pub fn rollback(&mut self, point: Savepoint) {
        self.batch.ops.truncate(point.ops);
        self.batch.deltas = point.deltas;
        self.batch.resets = point.resets;
        self.flushed.truncate(point.flushed);
        if self.swaps.len() > point.swaps {
            let mut map = self.store.dbmap.write();
            for &(a, b) in self.swaps[point.swaps..].iter().rev() {
                map.swap(a, b);
            }
            self.swaps.truncate(point.swaps);
        }
        self.rows.clear();
        self.rows.replay(&self.batch.ops);
        self.store.pop_hints.clear();
    }

    /// Writes the whole transaction as one RocksDB write.
    pub fn commit(self) -> Result<()> {
        let result = self.store.write(self.batch);
        if result.is_err() {
            let mut map = self.store.dbmap.write();
            for &(a, b) in self.swaps.iter().rev() {
                map.swap(a, b);
            }
        }
        result
    }

    /// What the transaction knows of a row: `Some(None)` if it deleted it (or flushed
    /// its database), `None` if storage has the answer.
    fn row(&self, family: &str, key: &[u8]) -> Option<Option<&[u8]>> {
        self.rows.row(family, key).or_else(|| self.hides(family, key).then_some(None))
    }

    /// Whether stored rows of `family` starting with `key` are hidden by a flush.
    fn hides(&self, family: &str, key: &[u8]) -> bool {
        cf::KEYED.contains(&family) && key.first().is_some_and(|db| self.flushed.contains(db))
    }
}

/// Storage as one command sees it: through its transaction, if it runs inside EXEC, or
/// through its connection's write group, if an earlier command of the group wrote one
/// of its keys. The types layer reads and writes only through this.
#[derive(Clone, Copy)]
pub struct View<'a> {
    store: &'a Storage,
    txn: Option<&'a RefCell<Txn>>,
    group: Option<&'a RefCell<Group>>,
    /// Where a read that holds no lock notes the collection versions it reads from
    /// storage ([`super::reads`]).
    reads: Option<&'a Reads>,
}

/// The uncommitted rows a view reads through, borrowed for one read.
enum Overlay<'b> {
    Txn(Ref<'b, Txn>),
    Group(Ref<'b, Group>),
}

impl Overlay<'_> {
    fn row(&self, family: &str, key: &[u8]) -> Option<Option<&[u8]>> {
        match self {
            Overlay::Txn(t) => t.row(family, key),
            Overlay::Group(g) => g.pending().row(family, key),
        }
    }

    fn range<'r>(&'r self, family: &str, range: (Bound<&[u8]>, Bound<&[u8]>)) -> impl DoubleEndedIterator<Item = PendingRow<'r>> + 'r {
        let pending = match self {
            Overlay::Txn(t) => &t.rows,
            Overlay::Group(g) => g.pending(),
        };
        pending.range(family, range)
    }

    fn hides(&self, family: &str, key: &[u8]) -> bool {
        matches!(self, Overlay::Txn(t) if t.hides(family, key))
    }
}

impl<'a> View<'a> {
    pub fn new(store: &'a Storage) -> View<'a> {
        View { store, txn: None, group: None, reads: None }
    }

    /// Storage seen through `txn`.
    pub fn with_txn(store: &'a Storage, txn: Option<&'a RefCell<Txn>>) -> View<'a> {
        View { store, txn, group: None, reads: None }
    }

    /// This view, also seeing the uncommitted writes of `group` (whose pending rows the
    /// caller has indexed: [`Group::index_pending`]).
    pub fn through_group(self, group: &'a RefCell<Group>) -> View<'a> {
        View { group: Some(group), ..self }
    }

    /// This view, noting in `reads` the version of every collection it reads from
    /// storage, so that the caller can check the read with [`super::read_stable`].
    pub fn recording(self, reads: Option<&'a Reads>) -> View<'a> {
        View { reads, ..self }
    }

    fn overlay(&self) -> Option<Overlay<'a>> {
        match (self.txn, self.group) {
            (Some(t), _) => Some(Overlay::Txn(t.borrow())),
            (None, Some(g)) => Some(Overlay::Group(g.borrow())),
            (None, None) => None,
        }
    }

    /// The storage underneath, for locks and commits.
    pub fn storage(&self) -> &'a Storage {
        self.store
    }

    /// The transaction this view reads through, if any.
    pub fn txn(&self) -> Option<&'a RefCell<Txn>> {
        self.txn
    }

    pub fn batch(&self) -> Batch {
        self.store.batch()
    }

    pub fn new_version(&self) -> u64 {
        self.store.new_version()
    }

    /// See [`Storage::get_meta`].
    pub fn get_meta(&self, db: u8, key: &[u8]) -> Result<Option<Meta>> {
        if let Some(overlay) = self.overlay() {
            if let Some(row) = overlay.row(cf::META, &meta_key(db, key)) {
                return Ok(row.and_then(Meta::decode));
            }
        }
        let meta = self.store.get_meta(db, key)?;
        if let (Some(reads), Some(version)) = (self.reads, meta.as_ref().and_then(Meta::member_version)) {
            reads.note(db, key, version);
        }
        Ok(meta)
    }

    /// See [`Storage::get_live`].
    pub fn get_live(&self, db: u8, key: &[u8], now: u64) -> Result<Option<Meta>> {
        Ok(self.get_meta(db, key)?.filter(|m| !m.is_expired(now)))
    }

    /// See [`Storage::multi_get_live`].
    pub fn multi_get_live(&self, db: u8, keys: &[&[u8]], now: u64) -> Result<Vec<Option<Meta>>> {
        keys.iter().map(|k| self.get_live(db, k, now)).collect()
    }

    /// The uncommitted value of a row: `Some(None)` if deleted, `None` if this view's
    /// group or transaction did not write it.
    fn pending(&self, family: &str, key: &[u8]) -> Option<Option<Vec<u8>>> {
        self.overlay()?.row(family, key).map(|row| row.map(<[u8]>::to_vec))
    }

    /// See [`Storage::get_member`].
    pub fn get_member(&self, family: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.pending(family, key) {
            Some(row) => Ok(row),
            None => self.store.get_member(family, key),
        }
    }

    /// Whether `row`, a member row of the set or hash under member prefix `prefix`,
    /// exists, for the writer of its key: through this view's uncommitted rows, then the
    /// collection's member set if one is cached ([`Storage::member_set`]), then RocksDB.
    pub fn has_member_row(&self, prefix: &[u8], row: &[u8]) -> Result<bool> {
        if let Some(pending) = self.pending(cf::DATA, row) {
            return Ok(pending.is_some());
        }
        match self.store.member_set(prefix) {
            Some(set) => Ok(set.get(&row[prefix.len()..]).is_some()),
            None => Ok(self.store.get_member(cf::DATA, row)?.is_some()),
        }
    }

    /// Whether this view's uncommitted rows (its group's or transaction's) include rows
    /// of `family` under `prefix`, or hide the stored ones (a flush in the transaction).
    pub fn has_pending_under(&self, family: &str, prefix: &[u8]) -> bool {
        let Some(overlay) = self.overlay() else { return false };
        let end = super::prefix_end(prefix);
        let upper = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        overlay.hides(family, prefix) || overlay.range(family, (Bound::Included(prefix), upper)).next().is_some()
    }

    /// [`View::get_member`] of `row`, a `data` row of the collection under member prefix
    /// `prefix`, for the writer of its key: a value of 8 bytes (a sorted set's score)
    /// comes from the collection's member set if one is cached.
    pub fn writer_get_member(&self, prefix: &[u8], row: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(pending) = self.pending(cf::DATA, row) {
            return Ok(pending);
        }
        match self.store.member_set(prefix).map(|set| set.get(&row[prefix.len()..])) {
            Some(None) => Ok(None),
            Some(Some(Some(small))) => Ok(Some(small.to_vec())),
            None | Some(Some(None)) => self.store.get_member(cf::DATA, row),
        }
    }

    /// [`View::get_member`] of `row`, a `data` row under member prefix `prefix` that a pop
    /// at one end of a list is about to remove, for the writer of its key: through the
    /// prefix's read-ahead window ([`Storage::read_ahead`]; `reverse`: popping from the
    /// high end; `floor(n)`: where to read a window of `n` rows of the high end from).
    pub fn writer_pop_row(
        &self,
        prefix: &[u8],
        row: &[u8],
        reverse: bool,
        floor: Option<&dyn Fn(usize) -> Vec<u8>>,
    ) -> Result<Option<Vec<u8>>> {
        match self.pending(cf::DATA, row) {
            Some(row) => Ok(row),
            None => self.store.read_ahead(prefix, row, reverse, floor),
        }
    }

    /// See [`Storage::scan_rows`]: the stored rows merged with the transaction's.
    pub fn scan_rows(
        &self,
        family: &str,
        prefix: &[u8],
        start: Option<&[u8]>,
        reverse: bool,
        f: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<()> {
        self.scan_merged(family, prefix, start, reverse, |g| self.store.scan_rows(family, prefix, start, reverse, g), f)
    }

    /// [`View::scan_rows`] of the `zscore` rows of the sorted set under member prefix
    /// `prefix`, from `start` towards the inside, for the writer of its key popping from
    /// the low end (the high end if `reverse`): see [`Storage::scan_end`].
    pub fn writer_scan_end(&self, prefix: &[u8], start: Option<&[u8]>, reverse: bool, f: impl FnMut(&[u8], &[u8]) -> bool) -> Result<()> {
        self.scan_merged(cf::ZSCORE, prefix, start, reverse, |g| self.store.scan_end(prefix, start, reverse, g), f)
    }

    /// The rows `stored` hands its callback (those of `family` under `prefix` from
    /// `start`, as RocksDB holds them) merged with the transaction's.
    fn scan_merged(
        &self,
        family: &str,
        prefix: &[u8],
        start: Option<&[u8]>,
        reverse: bool,
        stored: impl FnOnce(&mut dyn FnMut(&[u8], &[u8]) -> bool) -> Result<()>,
        mut f: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<()> {
        let Some(txn) = self.overlay() else { return stored(&mut f) };
        let end = super::prefix_end(prefix);
        let upper = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        let range = match (start, reverse) {
            (Some(s), false) => (Bound::Included(s.max(prefix)), upper),
            (None, false) => (Bound::Included(prefix), upper),
            (Some(s), true) => (Bound::Included(prefix), Bound::Included(s)),
            (None, true) => (Bound::Included(prefix), upper),
        };
        let pending = txn.range(family, range);
        let stored = |g: &mut dyn FnMut(&[u8], &[u8]) -> bool| {
            if txn.hides(family, prefix) {
                return Ok(());
            }
            stored(g)
        };
        if reverse {
            merge(pending.rev(), true, stored, &mut f)
        } else {
            merge(pending, false, stored, &mut f)
        }
    }

    /// Every row of `family` under `prefix`, in key order, as this view will read them
    /// once `own` (a command's uncommitted rows: [`Pending::of_batch`]) is written.
    pub fn scan_rows_with(&self, own: &Pending, family: &str, prefix: &[u8], mut f: impl FnMut(&[u8], &[u8]) -> bool) -> Result<()> {
        let end = super::prefix_end(prefix);
        let upper = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        let pending = own.range(family, (Bound::Included(prefix), upper));
        merge(pending, false, |g| self.scan_rows(family, prefix, None, false, g), &mut f)
    }

    /// See [`Storage::first_row_near`]. Through a write group's rows, stored rows the
    /// group deletes are stepped over (and counted) and a row it adds may come first;
    /// through a transaction (which may hide whole databases) it never gives up.
    pub fn first_row_near(&self, family: &str, prefix: &[u8], start: &[u8], max_skip: u64) -> Result<Probe> {
        match self.overlay() {
            None => self.store.first_row_near(family, prefix, start, max_skip, |_| false),
            Some(Overlay::Group(g)) => {
                let pending = g.pending();
                let stored = self.store.first_row_near(family, prefix, start, max_skip, |k| pending.row(family, k) == Some(None))?;
                let end = super::prefix_end(prefix);
                let upper = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
                let added = pending.range(family, (Bound::Included(start), upper)).find(|(_, v)| v.is_some()).map(|(k, _)| k.to_vec());
                Ok(match (stored, added) {
                    (Probe::Found(s), Some(a)) => Probe::Found(s.min(a)),
                    (Probe::Found(k), None) | (Probe::End, Some(k)) => Probe::Found(k),
                    (other, _) => other,
                })
            }
            Some(Overlay::Txn(_)) => Ok(self.first_row(family, prefix, Some(start), false)?.map_or(Probe::End, Probe::Found)),
        }
    }

    /// The key of the first row [`View::scan_rows`] would visit.
    pub fn first_row(&self, family: &str, prefix: &[u8], start: Option<&[u8]>, reverse: bool) -> Result<Option<Vec<u8>>> {
        let mut found = None;
        self.scan_rows(family, prefix, start, reverse, |k, _| {
            found = Some(k.to_vec());
            false
        })?;
        Ok(found)
    }

    /// See [`Storage::scan_meta`].
    pub fn scan_meta(&self, db: u8, start: &[u8], mut f: impl FnMut(&[u8], &[u8]) -> bool) -> Result<()> {
        if self.txn.is_none() {
            return self.store.scan_meta(db, start, f);
        }
        self.scan_rows(cf::META, &[db], Some(&meta_key(db, start)), false, |k, v| f(&k[1..], v))
    }

    /// See [`Storage::random_key`]. Inside a transaction that wrote keys of `db`, a key
    /// among the first thousand live ones.
    pub fn random_key(&self, db: u8, seed: u64, now: u64) -> Result<Option<Vec<u8>>> {
        let end = super::prefix_end(&[db]);
        let upper = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        let touched = self.txn.is_some_and(|t| {
            let t = t.borrow();
            t.hides(cf::META, &[db]) || t.rows.range(cf::META, (Bound::Included(&[db][..]), upper)).next().is_some()
        });
        if !touched {
            return self.store.random_key(db, seed, now);
        }
        let mut live = Vec::new();
        self.scan_meta(db, b"", |k, v| {
            if Meta::decode(v).is_some_and(|m| !m.is_expired(now)) {
                live.push(k.to_vec());
            }
            live.len() < 1000
        })?;
        Ok((!live.is_empty()).then(|| live.swap_remove((seed % live.len() as u64) as usize)))
    }

    /// See [`Storage::dbsize`].
    pub fn dbsize(&self, db: u8) -> i64 {
        self.counts(db).0
    }

    /// See [`Storage::expires`].
    pub fn expires(&self, db: u8) -> i64 {
        self.counts(db).1
    }

    fn counts(&self, db: u8) -> (i64, i64) {
        let Some(txn) = self.txn else { return (self.store.dbsize(db), self.store.expires(db)) };
        let txn = txn.borrow();
        let (keys, expires) = txn.batch.delta(db);
        if txn.flushed.contains(&db) {
            (keys, expires)
        } else {
            (self.store.dbsize(db) + keys, self.store.expires(db) + expires)
        }
    }

    /// See [`Storage::flush_db`].
    pub fn flush_db(&self, db: u8) -> Result<()> {
        match self.txn {
            Some(txn) => {
                txn.borrow_mut().flush_dbs(db..=db);
                Ok(())
            }
            None => self.store.flush_db(db),
        }
    }

    /// See [`Storage::flush_all`].
    pub fn flush_all(&self) -> Result<()> {
        match self.txn {
            Some(txn) => {
                txn.borrow_mut().flush_dbs(super::ALL_DATABASES);
                Ok(())
            }
            None => self.store.flush_all(),
        }
    }

    /// See [`Storage::swap_db`].
    pub fn swap_db(&self, a: usize, b: usize) -> Result<()> {
        match self.txn {
            Some(txn) => {
                txn.borrow_mut().swap_db(a, b);
                Ok(())
            }
            None => self.store.swap_db(a, b),
        }
    }
}

/// Calls `f` on the rows `stored` yields merged with `pending` (in the same order,
/// `None` = deleted), a pending row replacing a stored one of the same key, until `f`
/// returns false.
fn merge<'p>(
    pending: impl Iterator<Item = PendingRow<'p>>,
    reverse: bool,
    stored: impl FnOnce(&mut dyn FnMut(&[u8], &[u8]) -> bool) -> Result<()>,
    f: &mut dyn FnMut(&[u8], &[u8]) -> bool,
) -> Result<()> {
    let first = |a: &[u8], b: &[u8]| if reverse { a > b } else { a < b };
    let mut pending = pending.peekable();
    let mut stopped = false;
    stored(&mut |k, v| {
        while let Some((pk, pv)) = pending.next_if(|&(pk, _)| first(pk, k)) {
            if let Some(pv) = pv {
                if !f(pk, pv) {
                    stopped = true;
                    return false;
                }
            }
        }
        let value = match pending.next_if(|&(pk, _)| pk == k) {
            Some((_, Some(pv))) => pv,
            Some((_, None)) => return true,
            None => v,
        };
        stopped = !f(k, value);
        !stopped
    })?;
    if !stopped {
        for (k, v) in pending {
            if let Some(v) = v {
                if !f(k, v) {
                    break;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{member_key, member_prefix, now_ms, Compression, Fsync, Kind, StorageOptions};

    fn open(dir: &std::path::Path) -> Arc<Storage> {
        Arc::new(
            Storage::open(&StorageOptions {
                path: dir.to_path_buf(),
                databases: 16,
                compression: Compression::Lz4,
                block_cache_bytes: 8 << 20,
                write_buffer_bytes: 8 << 20,
                meta_cache_bytes: 1 << 20,
                fsync: Fsync::EverySec,
            })
            .unwrap(),
        )
    }

    fn put(view: &View, db: u8, key: &[u8], value: &[u8]) {
        let old = view.get_meta(db, key).unwrap();
        let mut b = view.batch();
        b.put_meta(db, key, old.as_ref(), &Meta::new(Kind::String, 0, value.to_vec()));
        match view.txn() {
            Some(t) => t.borrow_mut().add(b),
            None => view.storage().write(b).unwrap(),
        }
    }

    fn keys(view: &View, db: u8) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        view.scan_meta(db, b"", |k, _| {
            out.push(k.to_vec());
            true
        })
        .unwrap();
        out
    }

    #[test]
    fn a_transaction_reads_its_writes_and_commits_them_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let plain = View::new(&store);
        put(&plain, 0, b"a", b"1");
        put(&plain, 0, b"c", b"3");
        let txn = RefCell::new(Txn::begin(store.clone()));
        let view = View::with_txn(&store, Some(&txn));
        put(&view, 0, b"b", b"2");
        put(&view, 0, b"a", b"10");
        assert_eq!(view.get_meta(0, b"a").unwrap().unwrap().body, b"10");
        assert_eq!(keys(&view, 0), [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        assert_eq!(view.dbsize(0), 3);
        // Members: a stored row, a pending one, a pending delete of a stored one.
        let mut b = store.batch();
        b.put_row(cf::DATA, &member_key(0, b"h", 1, b"x"), b"stored");
        store.write(b).unwrap();
        let mut b = store.batch();
        b.put_row(cf::DATA, &member_key(0, b"h", 1, b"y"), b"pending");
        b.delete_row(cf::DATA, &member_key(0, b"h", 1, b"x"));
        txn.borrow_mut().add(b);
        let mut members = Vec::new();
        view.scan_rows(cf::DATA, &member_prefix(0, b"h", 1), None, true, |k, v| {
            members.push((k.to_vec(), v.to_vec()));
            true
        })
        .unwrap();
        assert_eq!(members, [(member_key(0, b"h", 1, b"y"), b"pending".to_vec())]);
        // Nothing is visible outside the transaction before the commit.
        assert_eq!(plain.get_meta(0, b"b").unwrap(), None);
        assert_eq!(plain.dbsize(0), 2);
        txn.into_inner().commit().unwrap();
        assert_eq!(plain.get_meta(0, b"a").unwrap().unwrap().body, b"10");
        assert_eq!(plain.dbsize(0), 3);
        assert!(plain.get_member(cf::DATA, &member_key(0, b"h", 1, b"x")).unwrap().is_none());
    }

    #[test]
    fn a_flush_inside_a_transaction_hides_stored_keys_and_restarts_the_count() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let plain = View::new(&store);
        put(&plain, 0, b"old", b"1");
        put(&plain, 1, b"other", b"1");
        let txn = RefCell::new(Txn::begin(store.clone()));
        let view = View::with_txn(&store, Some(&txn));
        put(&view, 0, b"gone", b"1");
        view.flush_db(0).unwrap();
        put(&view, 0, b"new", b"1");
        assert_eq!(view.get_meta(0, b"old").unwrap(), None);
        assert_eq!(keys(&view, 0), [b"new".to_vec()]);
        assert_eq!((view.dbsize(0), view.dbsize(1)), (1, 1));
        assert_eq!(view.random_key(0, 7, now_ms()).unwrap(), Some(b"new".to_vec()));
        txn.into_inner().commit().unwrap();
        assert_eq!(keys(&plain, 0), [b"new".to_vec()]);
        assert_eq!((plain.dbsize(0), plain.dbsize(1)), (1, 1));
        let store = Arc::try_unwrap(store).ok().unwrap();
        drop(store);
        let store = open(dir.path());
        assert_eq!((store.dbsize(0), store.dbsize(1)), (1, 1));
    }

    fn merged(pending: &[(&[u8], Option<&[u8]>)], stored: &[(&[u8], &[u8])], reverse: bool, limit: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        merge(
            pending.iter().copied(),
            reverse,
            |g| {
                for (k, v) in stored {
                    if !g(k, v) {
                        break;
                    }
                }
                Ok(())
            },
            &mut |k, v| {
                out.push((k.to_vec(), v.to_vec()));
                out.len() < limit
            },
        )
        .unwrap();
        out
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
        list.iter().map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec())).collect()
    }

    #[test]
    fn pending_rows_replace_hide_and_join_stored_ones() {
        let stored: &[(&[u8], &[u8])] = &[(b"a", b"1"), (b"c", b"3"), (b"e", b"5")];
        let pending: &[(&[u8], Option<&[u8]>)] = &[(b"b", Some(b"2")), (b"c", None), (b"e", Some(b"50")), (b"f", Some(b"6"))];
        assert_eq!(merged(pending, stored, false, 99), pairs(&[("a", "1"), ("b", "2"), ("e", "50"), ("f", "6")]));
        assert_eq!(merged(pending, stored, false, 2), pairs(&[("a", "1"), ("b", "2")]));
        let rev_stored: Vec<_> = stored.iter().rev().copied().collect();
        let rev_pending: Vec<_> = pending.iter().rev().copied().collect();
        assert_eq!(merged(&rev_pending, &rev_stored, true, 99), pairs(&[("f", "6"), ("e", "50"), ("b", "2"), ("a", "1")]));
        assert_eq!(merged(&[], stored, false, 99), pairs(&[("a", "1"), ("c", "3"), ("e", "5")]));
    }
}
