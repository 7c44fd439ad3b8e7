//! What a command runs with: the shared server state, the calling client's session,
//! and the effects a command asks the server to carry out after replying.

use super::blocking::Waiters;
use super::multi::{Multi, Watch, Watches};
use crate::config::Config;
use crate::protocol::Reply;
use crate::storage::{Group, Reads, Storage, Txn, View};
use crate::types::Db;
use bytes::Bytes;
use parking_lot::Mutex;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Server-wide counters reported by INFO.
#[derive(Default)]
pub struct Stats {
    pub connections_received: AtomicU64,
    pub rejected_connections: AtomicU64,
    pub commands_processed: AtomicU64,
    pub keyspace_hits: AtomicU64,
    pub keyspace_misses: AtomicU64,
    pub expired_keys: AtomicU64,
    pub net_input_bytes: AtomicU64,
    pub net_output_bytes: AtomicU64,
    pub error_replies: AtomicU64,
    pub unexpected_error_replies: AtomicU64,
    /// Writes since the last SAVE (`rdb_changes_since_last_save`).
    pub dirty: AtomicU64,
}

impl Stats {
    pub fn reset(&self) {
        for c in [
            &self.connections_received,
            &self.rejected_connections,
            &self.commands_processed,
            &self.keyspace_hits,
            &self.keyspace_misses,
            &self.expired_keys,
            &self.net_input_bytes,
            &self.net_output_bytes,
            &self.error_replies,
            &self.unexpected_error_replies,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

pub fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

/// A write command committed by client `writer` (`db` is the logical database it ran
/// in): the watches on what it wrote are invalidated, the clients waiting on its keys
/// woken, and the clients caching them told. A write whose keys the table cannot name
/// (FLUSHALL, SWAPDB) wakes every waiter, and FLUSHALL, FLUSHDB and SWAPDB invalidate
/// every cached key. Costs three atomic loads when nobody watches, waits or tracks.
pub fn written(state: &Arc<ServerState>, db: usize, argv: &[Bytes], writer: u64) {
    super::multi::touch_written(state, db, argv);
    let (waiting, tracking) = (state.waiters.waiting() > 0, state.tracking.active());
    if !waiting && !tracking {
        return;
    }
    // EXEC reports every command it ran, reads too.
    let Some((_, cmd)) = super::lookup(&argv[0]).filter(|(_, c)| c.has(super::flag::WRITE)) else { return };
    if cmd.keys_of(argv).is_empty() {
        if waiting {
            state.waiters.everything_written();
        }
        if tracking && matches!(cmd.name, "flushall" | "flushdb" | "swapdb") {
            state.tracking.flushed(&*state.pubsub.hub);
        }
        return;
    }
    let written = cmd.written_keys_of(argv);
    if waiting {
        let phys = state.store.physical(db);
        for &k in &written {
            state.waiters.key_written(phys, &argv[k]);
        }
    }
    if tracking {
        let keys: Vec<&[u8]> = written.iter().map(|&k| &argv[k][..]).collect();
        state.tracking.changed(&*state.pubsub.hub, &keys, writer);
    }
}

/// A connected client as others see it (CLIENT LIST, CLIENT KILL, INFO clients).
pub struct ClientHandle {
    pub id: u64,
    pub addr: SocketAddr,
    pub laddr: SocketAddr,
    pub created: Instant,
    pub name: Mutex<Option<Vec<u8>>>,
    pub db: AtomicUsize,
    pub resp: AtomicU8,
    /// Milliseconds since `created` of the last command.
    pub last_active_ms: AtomicU64,
    /// The last command and subcommand ("" if none), for CLIENT LIST's `cmd=`.
    pub last_cmd: Mutex<(&'static str, &'static str)>,
    pub killed: AtomicBool,
    /// Wakes the connection's task when it is killed.
    pub kill: Notify,
    /// Wakes the connection's task while it waits in a blocking command.
    pub wake: Notify,
    /// Whether the client waits in a blocking command (CLIENT LIST flag `b`).
    pub blocked: AtomicBool,
    /// Whether the client is a MONITOR (CLIENT LIST flag `O`).
    pub monitor: AtomicBool,
    /// CLIENT UNBLOCK's request to a waiting client: [`Unblock`] as a number.
    pub unblock: AtomicU8,
}

/// How CLIENT UNBLOCK ends a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unblock {
    None = 0,
    /// As if the timeout had passed.
    Timeout = 1,
    /// With `-UNBLOCKED client unblocked via CLIENT UNBLOCK`.
    Error = 2,
}

impl ClientHandle {
    pub fn new(id: u64, addr: SocketAddr, laddr: SocketAddr) -> ClientHandle {
        ClientHandle {
            id,
            addr,
            laddr,
            created: Instant::now(),
            name: Mutex::new(None),
            db: AtomicUsize::new(0),
            resp: AtomicU8::new(2),
            last_active_ms: AtomicU64::new(0),
            last_cmd: Mutex::new(("", "")),
            killed: AtomicBool::new(false),
            kill: Notify::new(),
            wake: Notify::new(),
            blocked: AtomicBool::new(false),
            monitor: AtomicBool::new(false),
            unblock: AtomicU8::new(Unblock::None as u8),
        }
    }

    pub fn kill(&self) {
        self.killed.store(true, Ordering::Relaxed);
        self.kill.notify_one();
    }

    /// Ends the client's wait in a blocking command; false if it is not waiting.
    pub fn unblock(&self, how: Unblock) -> bool {
        if !self.blocked.load(Ordering::SeqCst) {
            return false;
        }
        self.unblock.store(how as u8, Ordering::SeqCst);
        self.wake.notify_one();
        true
    }

    /// Takes a pending CLIENT UNBLOCK request.
    pub fn take_unblock(&self) -> Unblock {
        match self.unblock.swap(Unblock::None as u8, Ordering::SeqCst) {
            1 => Unblock::Timeout,
            2 => Unblock::Error,
            _ => Unblock::None,
        }
    }
}

/// Every connected client, by id.
#[derive(Default)]
pub struct Clients {
    map: Mutex<BTreeMap<u64, Arc<ClientHandle>>>,
    next_id: AtomicU64,
}

impl Clients {
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn insert(&self, handle: Arc<ClientHandle>) {
        self.map.lock().insert(handle.id, handle);
    }

    pub fn remove(&self, id: u64) {
        self.map.lock().remove(&id);
    }

    pub fn len(&self) -> usize {
        self.map.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn all(&self) -> Vec<Arc<ClientHandle>> {
        self.map.lock().values().cloned().collect()
    }

    pub fn get(&self, id: u64) -> Option<Arc<ClientHandle>> {
        self.map.lock().get(&id).cloned()
    }
}

/// SCAN cursors. A cursor is a number that names the key the next page starts from, so
/// a scan is stable under concurrent writes: every key present for the whole scan is
/// returned. The table keeps the newest `CAPACITY` cursors; an unknown cursor restarts
/// the scan from the beginning (documented in the README).
#[derive(Default)]
pub struct Cursors {
    inner: Mutex<CursorTable>,
}

#[derive(Default)]
struct CursorTable {
    map: HashMap<u64, Vec<u8>>,
    order: VecDeque<u64>,
    next: u64,
}

impl Cursors {
    const CAPACITY: usize = 100_000;

    /// Stores where a scan goes on and returns its cursor number (never 0).
    pub fn save(&self, position: Vec<u8>) -> u64 {
        let mut t = self.inner.lock();
        // Start far from 0 so cursors do not look like Redis's small hash-slot cursors.
        t.next = t.next.max(1 << 20) + 1;
        let id = t.next;
        t.map.insert(id, position);
        t.order.push_back(id);
        while t.order.len() > Self::CAPACITY {
            if let Some(old) = t.order.pop_front() {
                t.map.remove(&old);
            }
        }
        id
    }

    /// The position cursor `id` stands for.
    pub fn position(&self, id: u64) -> Option<Vec<u8>> {
        self.inner.lock().map.get(&id).cloned()
    }
}

/// Settings that can change at run time (CONFIG SET) and the Redis parameters DiskDB
/// accepts but does not act on.
pub struct Settings {
    pub config: Config,
    pub redis_params: BTreeMap<String, String>,
}

/// State shared by every connection.
pub struct ServerState {
    pub store: Arc<Storage>,
    pub settings: parking_lot::RwLock<Settings>,
    pub stats: Stats,
    pub clients: Clients,
    pub cursors: Cursors,
    /// The pub/sub hub and the keyspace notification classes.
    pub pubsub: super::pubsub::PubSub,
    pub started: Instant,
    pub start_unix: u64,
    /// Unix seconds of the last successful SAVE (or start-up).
    pub last_save: AtomicU64,
    /// The listening address, for CLIENT LIST `laddr` and INFO.
    pub port: u16,
    /// Set once SHUTDOWN has been asked for; the server stops accepting and drains.
    pub shutdown: Notify,
    pub shutting_down: AtomicBool,
    pub features: &'static [&'static str],
    /// Connection buffers by size class, and their statistics for INFO.
    pub buffers: Arc<crate::pool::BufferPool>,
    /// The network transport serving connections (`tokio` or `io_uring`), for INFO.
    pub transport: &'static str,
    /// `pipeline-max-batch`: the most writes one group commit carries (fixed at start).
    pub pipeline_max_batch: usize,
    /// Clients waiting in blocking commands, by key.
    pub waiters: Waiters,
    /// Every client's watched keys (WATCH).
    pub watches: Arc<Watches>,
    /// Every batch of commands runs holding this shared, and EXEC holds it exclusively,
    /// so no client sees a transaction half done (see `server/execute.rs`).
    pub gate: parking_lot::RwLock<()>,
    /// Lua scripts by SHA-1 (EVAL, SCRIPT LOAD).
    pub scripts: super::scripting::Scripts,
    /// Function libraries (FUNCTION LOAD, FCALL).
    pub functions: super::functions::Functions,
    /// LATENCY's samples.
    pub latency: super::latency::Latency,
    /// SLOWLOG's entries and settings.
    pub slowlog: super::slowlog::SlowLog,
    pub cmdstats: super::cmdstats::CommandStats,
    /// Client-side caching: who tracks, and the keys they read.
    pub tracking: super::tracking::Tracking,
    /// CLIENT PAUSE.
    pub pause: super::pause::Pause,
}

impl ServerState {
    pub fn requirepass(&self) -> Option<String> {
        self.settings.read().config.requirepass.clone()
    }

    pub fn databases(&self) -> usize {
        self.settings.read().config.databases
    }

    /// Asks the server to shut down.
    pub fn request_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        self.shutdown.notify_waiters();
    }
}

/// One client's connection state.
pub struct Session {
    pub handle: Arc<ClientHandle>,
    /// The logical database (SELECT).
    pub db: usize,
    /// 2 or 3 (HELLO).
    pub resp: u8,
    pub authenticated: bool,
    /// The transaction being queued, between MULTI and EXEC/DISCARD.
    pub multi: Option<Multi>,
    /// The keys this client watches (WATCH), until EXEC, DISCARD, UNWATCH or RESET.
    pub watch: Option<Watch>,
    /// Channels, patterns and shard channels subscribed to (RESP2's subscribed mode).
    pub subscriptions: usize,
    /// Whether the command runs again, after waiting (a blocking command) or because a
    /// collection changed under a read: MONITOR has shown it already.
    pub rerun: bool,
    /// CLIENT REPLY OFF: no reply is sent until CLIENT REPLY ON.
    pub replies_off: bool,
    /// CLIENT REPLY SKIP: how many more replies (its own, then the next) are not sent.
    pub replies_skipped: u8,
    /// CLIENT TRACKING on: how this client's reads are tracked.
    pub tracking: Option<super::tracking::Mode>,
    /// CLIENT CACHING given for the next command (OPTIN: yes, OPTOUT: no).
    pub caching: bool,
}

impl Session {
    pub fn new(handle: Arc<ClientHandle>, authenticated: bool) -> Session {
        Session {
            handle,
            db: 0,
            resp: 2,
            authenticated,
            multi: None,
            watch: None,
            subscriptions: 0,
            rerun: false,
            replies_off: false,
            replies_skipped: 0,
            tracking: None,
            caching: false,
        }
    }

    pub fn id(&self) -> u64 {
        self.handle.id
    }

    /// Whether the reply of the command that just ran is sent (CLIENT REPLY), counting
    /// a skipped one off.
    pub fn takes_reply(&mut self) -> bool {
        if self.replies_skipped > 0 {
            self.replies_skipped -= 1;
            return false;
        }
        !self.replies_off
    }

    pub fn set_db(&mut self, db: usize) {
        self.db = db;
        self.handle.db.store(db, Ordering::Relaxed);
    }

    pub fn set_resp(&mut self, resp: u8) {
        self.resp = resp;
        self.handle.resp.store(resp, Ordering::Relaxed);
    }
}

/// What the server does after sending a command's reply.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    Nothing,
    /// QUIT, CLIENT KILL of oneself: close after the reply.
    Close,
    /// DEBUG SLEEP: pause this connection.
    Sleep(Duration),
    /// SHUTDOWN: the server stops after this reply.
    Shutdown,
    /// A blocking command found nothing to serve: wait for a write to its keys.
    Block(Block),
    /// CLIENT PAUSE holds the command, which has not run: wait, then run it.
    Paused,
}

/// A blocking command's wait (BLPOP, BZPOPMIN, XREAD BLOCK, ...). The server parks the
/// connection, and each time a write command touching one of `keys` commits, runs the
/// command again (`rerun`, or the same arguments) until it no longer asks to block, or
/// until `deadline`, when it answers `timeout`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Keys of the session's database.
    pub keys: Vec<Vec<u8>>,
    /// `None` waits for ever (a timeout of 0).
    pub deadline: Option<Instant>,
    /// The reply when the deadline passes (a nil or nil array, as the command says).
    pub timeout: Reply,
    /// The arguments to run again with, when they differ from the first run's (XREAD
    /// with `$` resolved to the id it stood for when the wait began).
    pub rerun: Option<Vec<Bytes>>,
}

/// A command's view of the world.
pub struct Ctx<'a> {
    pub state: &'a Arc<ServerState>,
    pub session: &'a mut Session,
    /// The command's clock, in Unix ms: one instant per command.
    pub now: u64,
    pub after: After,
    /// The connection's write group, when this command may join it.
    pub group: Option<&'a RefCell<Group>>,
    /// Whether the group has written one of this command's keys, so that the command
    /// reads through the group's uncommitted rows.
    pub reads_group: bool,
    /// The transaction this command runs in, inside EXEC.
    pub txn: Option<&'a RefCell<Txn>>,
    /// Where a read-only command notes the collection versions it read, to be run again
    /// if one changed under it ([`crate::storage::read_stable`]).
    pub reads: Option<&'a Reads>,
    /// Inside EXEC: where a script run by the transaction puts the write commands it ran,
    /// for EXEC to report (watches, blocked clients) once it has committed.
    pub script_writes: Option<&'a RefCell<Vec<(usize, Vec<Bytes>)>>>,
    /// For a script run without the exclusive gate: the key locks it takes as it goes.
    pub script_locks: Option<&'a super::scripting::ScriptLocks>,
    /// Set by [`super::dispatch_sub`]: whether the subcommand that ran is an admin one
    /// (or was refused before running). MONITOR leaves out admin commands, and judges a
    /// container command (CLIENT, CONFIG, ...) by its subcommand: CLIENT SETNAME is
    /// shown, CLIENT LIST is not.
    pub admin_subcommand: Option<bool>,
    /// Set by [`super::dispatch_sub`]: the subcommand that ran, which INFO commandstats
    /// counts (`config|get`) instead of its container.
    pub subcommand: Option<&'static str>,
    /// Set by a script whose error reply passes on the error of a command it called,
    /// which INFO errorstats counted already.
    pub error_counted: bool,
    /// For a command a script calls: where its statistics wait until the script has run
    /// (see [`super::count`]).
    pub journal: Option<&'a RefCell<Vec<super::Counted>>>,
    /// The command's table entry (`None`: no such command), when the caller looked it up
    /// already, so that [`super::dispatch`] does not look it up again.
    pub found: Option<Option<(usize, &'static super::Command)>>,
}

impl<'a> Ctx<'a> {
    pub fn new(state: &'a Arc<ServerState>, session: &'a mut Session) -> Ctx<'a> {
        Ctx {
            state,
            session,
            now: crate::storage::now_ms(),
            after: After::Nothing,
            group: None,
            reads_group: false,
            txn: None,
            reads: None,
            script_writes: None,
            script_locks: None,
            admin_subcommand: None,
            subcommand: None,
            error_counted: false,
            journal: None,
            found: None,
        }
    }

    /// Storage as this command sees it: through its transaction, inside EXEC, or through
    /// its connection's write group.
    pub fn store(&self) -> View<'a> {
        let view = View::with_txn(&self.state.store, self.txn).recording(self.reads);
        match self.group {
            Some(g) if self.reads_group => view.through_group(g),
            _ => view,
        }
    }

    /// What a blocking command that found nothing answers: it waits for a write to
    /// `keys` (the reply returned here is never sent), or, where it may not wait, its
    /// timeout reply now.
    pub fn block(&mut self, keys: Vec<Vec<u8>>, deadline: Option<Instant>, timeout: Reply) -> Reply {
        if !self.may_block() {
            return timeout;
        }
        self.after = After::Block(Block { keys, deadline, timeout, rerun: None });
        Reply::Nil
    }

    /// The selected database.
    pub fn db(&self) -> Db<'a> {
        let db = Db::in_view(self.store(), self.state.store.physical(self.session.db), self.now);
        match self.group {
            // A command that publishes keyspace events writes on its own, so that the
            // events go out after the change is committed.
            Some(g) if !self.state.pubsub.notifications_on() => db.with_group(g),
            _ => db,
        }
    }

    /// Whether a blocking command may block: never inside EXEC, where it answers its
    /// timeout reply at once, as in Redis.
    pub fn may_block(&self) -> bool {
        self.txn.is_none()
    }

    /// Another logical database (COPY ... DB, MOVE).
    pub fn physical(&self, logical: usize) -> u8 {
        self.state.store.physical(logical)
    }
}
