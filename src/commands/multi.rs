//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, and the registry of watched keys.
//!
//! Between MULTI and EXEC the dispatcher queues every command (after the checks it does
//! from the command table; a command it rejects dooms the transaction to `EXECABORT`).
//! EXEC runs with every other client kept out (the server holds its gate exclusively:
//! see `server/execute.rs`), checks the watched keys, then runs the queued commands in
//! one storage [`Txn`]: each reads what the earlier ones wrote, and all of them are
//! committed as one atomic RocksDB write. A command that fails at run time (WRONGTYPE,
//! not an integer) fails alone, as in Redis.
//!
//! WATCH is optimistic locking. A watched key is invalidated after any committed write
//! that names it ([`touch_written`], called by the server after every commit), by
//! FLUSHDB, FLUSHALL and SWAPDB when it existed, and by its TTL running out; EXEC then
//! answers a null array and runs nothing.

use super::flag::*;
use super::{cmd, dispatch, lookup, Args, CmdError, Command, Ctx};
use crate::protocol::Reply;
use crate::storage::Txn;
use crate::types::{parse_i64, Db};
use bytes::Bytes;
use parking_lot::Mutex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

pub const TABLE: &[Command] = &[
    cmd("multi", 1, NOSCRIPT | LOADING | STALE | FAST, (0, 0, 0), "transactions", "Start a transaction", multi),
    cmd("exec", 1, NOSCRIPT | LOADING | STALE, (0, 0, 0), "transactions", "Run the queued commands as one transaction", exec),
    cmd("discard", 1, NOSCRIPT | LOADING | STALE | FAST, (0, 0, 0), "transactions", "Drop the queued commands", discard),
    cmd("watch", -2, NOSCRIPT | LOADING | STALE | FAST, (1, -1, 1), "transactions", "Make EXEC fail if these keys change", watch),
    cmd("unwatch", 1, NOSCRIPT | LOADING | STALE | FAST, (0, 0, 0), "transactions", "Forget every watched key", unwatch),
];

/// Commands that run at once inside MULTI instead of being queued, as in Redis.
const NOT_QUEUED: [&str; 6] = ["multi", "exec", "discard", "watch", "quit", "reset"];

/// A transaction being queued (between MULTI and EXEC).
#[derive(Default)]
pub struct Multi {
    queued: Vec<Vec<Bytes>>,
    /// A command was rejected while queueing: EXEC answers `EXECABORT`.
    failed: bool,
}

impl Multi {
    /// The commands queued so far.
    pub fn queued(&self) -> &[Vec<Bytes>] {
        &self.queued
    }
}

/// Whether `cmd` is queued when its client is inside MULTI.
pub fn queues(session_in_multi: bool, cmd: &Command) -> bool {
    session_in_multi && !NOT_QUEUED.contains(&cmd.name)
}

/// Queues a command that passed the dispatcher's checks.
pub fn queue(ctx: &mut Ctx, argv: &[Bytes]) -> Reply {
    if let Some(m) = &mut ctx.session.multi {
        m.queued.push(argv.to_vec());
    }
    Reply::Simple("QUEUED")
}

/// Records that the dispatcher rejected a command: inside MULTI, EXEC will abort.
pub fn rejected(ctx: &mut Ctx) {
    if let Some(m) = &mut ctx.session.multi {
        m.failed = true;
    }
}

/// Whether `argv` is a WATCH.
pub fn is_watch(argv: &[Bytes]) -> bool {
    argv[0].eq_ignore_ascii_case(b"watch")
}

/// Whether `argv` is an EXEC that will run a transaction, which the server runs with
/// every other client kept out.
pub fn is_exec(in_multi: bool, argv: &[Bytes]) -> bool {
    in_multi && argv[0].eq_ignore_ascii_case(b"exec")
}

fn multi(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    if ctx.session.multi.is_some() {
        return Err(CmdError::err("MULTI calls can not be nested"));
    }
    ctx.session.multi = Some(Multi::default());
    Ok(Reply::Ok)
}

fn discard(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    if ctx.session.multi.take().is_none() {
        return Err(CmdError::err("DISCARD without MULTI"));
    }
    ctx.session.watch = None;
    Ok(Reply::Ok)
}

fn exec(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    let Some(multi) = ctx.session.multi.take() else { return Err(CmdError::err("EXEC without MULTI")) };
    // EXEC forgets the watched keys whatever happens.
    let watch = ctx.session.watch.take();
    if multi.failed {
        return Err(CmdError::msg("EXECABORT Transaction discarded because of previous errors."));
    }
    if watch.is_some_and(|w| w.broken(ctx.now)) {
        return Ok(Reply::NilArray);
    }
    let txn = RefCell::new(Txn::begin(ctx.state.store.clone()));
    let script_writes = RefCell::new(Vec::new());
    let mut replies = Vec::with_capacity(multi.queued.len());
    // The logical db each command ran in, for the watches it invalidates.
    let mut dbs = Vec::with_capacity(multi.queued.len());
    for argv in &multi.queued {
        dbs.push(ctx.session.db);
        let mut inner = Ctx::new(ctx.state, ctx.session);
        inner.now = ctx.now;
        inner.txn = Some(&txn);
        inner.script_writes = Some(&script_writes);
        replies.push(dispatch(&mut inner, argv));
        if inner.after != super::After::Nothing {
            ctx.after = inner.after;
        }
    }
    txn.into_inner().commit()?;
    for ((argv, reply), db) in multi.queued.iter().zip(&replies).zip(dbs) {
        if !matches!(reply, Reply::Error(_)) {
            super::context::written(ctx.state, db, argv, ctx.session.id());
        }
    }
    for (db, argv) in script_writes.into_inner() {
        super::context::written(ctx.state, db, &argv, ctx.session.id());
    }
    Ok(Reply::Array(replies))
}

fn watch(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    if ctx.session.multi.is_some() {
        return Err(CmdError::err("WATCH inside MULTI is not allowed"));
    }
    let db = ctx.db();
    let logical = ctx.session.db;
    let registry = &ctx.state.watches;
    let w = ctx.session.watch.get_or_insert_with(|| Watch::new(registry.clone()));
    for key in args.rest() {
        // Registered between two reads: a write that commits meanwhile may miss the
        // watch, and is then seen by the second read.
        let before = db.live(key)?;
        if !w.add(logical, key, before.is_some()) {
            continue;
        }
        let after = db.live(key)?;
        w.expires_at(after.as_ref().map_or(0, |m| m.expire_at));
        if before != after {
            w.watcher.dirty.store(true, Ordering::SeqCst);
        }
    }
    Ok(Reply::Ok)
}

fn unwatch(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    ctx.session.watch = None;
    Ok(Reply::Ok)
}

/// Invalidates the watches a committed write command affects: the keys it names (the
/// movable keys of LMPOP, ZUNIONSTORE, ... included), or every watched key that existed in
/// the databases FLUSHDB, FLUSHALL or SWAPDB changed. `db` is the logical db the
/// command ran in. Commands that failed need not be passed.
pub fn touch_written(state: &Arc<super::ServerState>, db: usize, argv: &[Bytes]) {
    let watches = &state.watches;
    if watches.is_empty() {
        return;
    }
    let Some((_, cmd)) = lookup(&argv[0]) else { return };
    if !cmd.has(WRITE) {
        return;
    }
    match cmd.name {
        "flushdb" => watches.touch_db(db, |_| false),
        "flushall" => (0..state.databases()).for_each(|d| watches.touch_db(d, |_| false)),
        "swapdb" => {
            let (Some(a), Some(b)) = (parse_i64(&argv[1]), parse_i64(&argv[2])) else { return };
            let now = crate::storage::now_ms();
            // After the swap, what `b` held before is in `a` and the other way round:
            // a watched key is touched if it existed on either side.
            let exists_now = |d: usize, key: &[u8]| {
                let db = Db::new(&state.store, state.store.physical(d), now);
                db.live(key).map_or(true, |m| m.is_some())
            };
            watches.touch_db(a as usize, |k| exists_now(a as usize, k));
            watches.touch_db(b as usize, |k| exists_now(b as usize, k));
        }
        "move" | "copy" => {
            // The keys it names, and the one it wrote in the other database.
            let other = match cmd.name {
                "move" => parse_i64(&argv[2]).map(|d| (d, &argv[1])),
                _ => argv
                    .iter()
                    .skip(3)
                    .position(|a| a.eq_ignore_ascii_case(b"db"))
                    .and_then(|i| argv.get(i + 4))
                    .and_then(|d| parse_i64(d))
                    .map(|d| (d, &argv[2])),
            };
            if let Some((d, key)) = other.filter(|(d, _)| *d >= 0) {
                watches.touch(d as usize, key);
            }
            for i in cmd.written_keys_of(argv) {
                watches.touch(db, &argv[i]);
            }
        }
        _ => {
            for i in cmd.written_keys_of(argv) {
                watches.touch(db, &argv[i]);
            }
        }
    }
}

/// One client's mark on the keys it watches: set when one of them changes.
#[derive(Default)]
struct Watcher {
    dirty: AtomicBool,
}

/// A watcher of one key, and whether the key existed when it was watched.
type Entry = (Arc<Watcher>, bool);

/// Who watches which keys, by logical database.
#[derive(Default)]
pub struct Watches {
    /// How many (client, key) watches exist: writes skip the map while nobody watches.
    count: AtomicUsize,
    map: Mutex<HashMap<usize, HashMap<Vec<u8>, Vec<Entry>>>>,
}

impl Watches {
    /// Whether nobody watches anything. A writer calls this after its commit, and a
    /// watcher registers before it reads: the fences make sure that either the writer
    /// sees the watch or the watcher reads the write.
    pub fn is_empty(&self) -> bool {
        fence(Ordering::SeqCst);
        self.count.load(Ordering::SeqCst) == 0
    }

    /// Invalidates the watches on `key` of logical database `db`.
    pub fn touch(&self, db: usize, key: &[u8]) {
        if self.is_empty() {
            return;
        }
        if let Some(entries) = self.map.lock().get(&db).and_then(|keys| keys.get(key)) {
            for (w, _) in entries {
                w.dirty.store(true, Ordering::SeqCst);
            }
        }
    }

    /// Invalidates the watches on keys of `db` that existed when watched or for which
    /// `exists` says so (FLUSHDB, FLUSHALL, SWAPDB). A watched key that was absent and
    /// stayed untouched is unaffected by a flush, as in Redis.
    pub fn touch_db(&self, db: usize, exists: impl Fn(&[u8]) -> bool) {
        if self.is_empty() {
            return;
        }
        let map = self.map.lock();
        let Some(keys) = map.get(&db) else { return };
        for (key, entries) in keys {
            let now = exists(key);
            for (w, existed) in entries {
                if *existed || now {
                    w.dirty.store(true, Ordering::SeqCst);
                }
            }
        }
    }

    fn add(&self, db: usize, key: &[u8], entry: Entry) {
        let mut map = self.map.lock();
        map.entry(db).or_default().entry(key.to_vec()).or_default().push(entry);
        self.count.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }

    fn remove(&self, db: usize, key: &[u8], watcher: &Arc<Watcher>) {
        let mut map = self.map.lock();
        let Some(keys) = map.get_mut(&db) else { return };
        let Some(entries) = keys.get_mut(key) else { return };
        entries.retain(|(w, _)| !Arc::ptr_eq(w, watcher));
        if entries.is_empty() {
            keys.remove(key);
        }
        self.count.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The keys one client watches. Dropping it (EXEC, DISCARD, UNWATCH, RESET, the client
/// leaving) unwatches them.
pub struct Watch {
    registry: Arc<Watches>,
    watcher: Arc<Watcher>,
    keys: Vec<(usize, Vec<u8>)>,
    /// The earliest deadline of a watched key that was live when watched: once it has
    /// passed, the key expired since WATCH and EXEC fails, as in Redis.
    deadline: Option<u64>,
}

impl Watch {
    fn new(registry: Arc<Watches>) -> Watch {
        Watch { registry, watcher: Arc::default(), keys: Vec::new(), deadline: None }
    }

    /// Watches `key` (which exists or not); false if it was watched already.
    fn add(&mut self, db: usize, key: &[u8], exists: bool) -> bool {
        if self.keys.iter().any(|(d, k)| *d == db && k == key) {
            return false;
        }
        self.registry.add(db, key, (self.watcher.clone(), exists));
        self.keys.push((db, key.to_vec()));
        true
    }

    /// Notes the deadline (0 = none) of a watched key that is live.
    fn expires_at(&mut self, at: u64) {
        if at != 0 {
            self.deadline = Some(self.deadline.map_or(at, |d| d.min(at)));
        }
    }

    /// Whether a watched key changed or expired since it was watched.
    fn broken(&self, now: u64) -> bool {
        self.watcher.dirty.load(Ordering::SeqCst) || self.deadline.is_some_and(|d| d <= now)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        for (db, key) in &self.keys {
            self.registry.remove(*db, key, &self.watcher);
        }
    }
}
