//! Running the requests of one read: in order, each answered, with consecutive keyed
//! writes committed together as one RocksDB write (see [`crate::storage::Group`]).
//!
//! The rule that keeps this invisible to clients: while a group holds uncommitted writes,
//! a command runs alongside it only if it names its keys (the command table says where);
//! if the group has written one of them, the command reads through the group's pending
//! rows, so it sees exactly what it would after a commit. Anything else (a keyless
//! command such as DBSIZE or SELECT, a command that changes the connection) commits the
//! group first. Replies are encoded only after the writes they acknowledge, or the
//! uncommitted writes they read, are committed.
//!
//! Transactions and scripts: every batch runs holding the server's gate shared; an EXEC
//! that runs a transaction first commits the group, then holds the gate exclusively, so
//! no other client's command (reader or writer) runs while it does. A script also
//! commits the group first, then runs holding the locks of the keys it touches, or the
//! gate exclusively when it cannot (see [`scripting`]). Consecutive scripts share one
//! transaction ([`Scripts`]): one commit for the run, as a group of plain writes has.
//! After the batch's writes are committed, the watched keys they touched are invalidated
//! and the clients waiting on them woken ([`context::written`]).

use crate::commands::scripting::{self, ScriptLocks};
use crate::commands::{context, dispatch, flag, lookup, multi, After, Ctx, ServerState, Session};
use crate::protocol::Reply;
use crate::storage::{batch_done, read_stable, release_kept_stripes, Group, Reads, Txn};
use bytes::Bytes;
use foldhash::{HashSet, HashSetExt};
use std::cell::RefCell;
use std::sync::Arc;

/// Runs `cmds` until one asks for something only the event loop can do. Returns how many
/// ran, what the last one asked for, and its reply when it must be sent later (after a
/// DEBUG SLEEP). Every other reply is encoded into `out`.
pub fn run(state: &Arc<ServerState>, session: &mut Session, cmds: &[&[Bytes]], out: &mut Vec<u8>) -> (usize, After, Option<Reply>) {
    let group = RefCell::new(Group::new(state.store.clone()));
    let mut replies: Vec<Reply> = Vec::with_capacity(cmds.len());
    let mut grouped: Vec<usize> = Vec::new();
    let mut grouped_keys: HashSet<(u8, &[u8])> = HashSet::new();
    let mut ran = 0;
    let mut stop = (After::Nothing, None);
    // The logical db and index of each command that ran and may have written, for the
    // watches and the waiting clients.
    let mut written: Vec<(usize, usize)> = Vec::new();
    let mut shared = Some(gate_shared(state));
    let mut scripts: Option<Scripts> = None;
    for argv in cmds {
        ran += 1;
        let phys = state.store.physical(session.db);
        let (db, queueing) = (session.db, session.multi.is_some());
        // Scripts (inside MULTI they are queued, and run within the EXEC) run alone, and
        // a run of them shares one transaction, committed before anything else runs.
        let script = !queueing && scripting::is_script(argv);
        if scripts.as_ref().is_some_and(|s| !script || s.replies.len() >= state.pipeline_max_batch) {
            scripts.take().expect("scripts").finish(state, &mut replies, session.id());
            shared = shared.or_else(|| Some(gate_shared(state)));
        }
        let found = lookup(&argv[0]);
        let command = found.map(|(_, c)| c);
        let keys = command.and_then(|c| c.named_keys(argv));
        // A command on keys the group has written reads through its pending rows.
        let overlaps = keys.as_ref().is_some_and(|k| k.iter().any(|key| grouped_keys.contains(&(phys, *key))));
        let mut reads_group = overlaps && group.borrow_mut().index_pending();
        if keys.is_none() || overlaps != reads_group || grouped.len() >= state.pipeline_max_batch {
            commit(&group, &mut replies, &mut grouped);
            grouped_keys.clear();
            reads_group = false;
        }
        if state.pause.holds(command, session) {
            // Not run: the connection waits for the pause to end and runs it then.
            ran -= 1;
            stop = (After::Paused, None);
            break;
        }
        // WATCH and EXEC (keyless: the group is committed) must see the watches this
        // batch's earlier writes invalidated, and EXEC runs with every other client out.
        let exec = multi::is_exec(session.multi.is_some(), argv);
        if exec || multi::is_watch(argv) {
            touch(state, cmds, &mut written, session.id());
        }
        let exclusive = exec.then(|| {
            shared = None;
            release_kept_stripes();
            state.gate.write()
        });
        if script && scripts.is_none() {
            scripts = Some(Scripts::start(state, &mut shared, false));
        }
        let (before, commits) = {
            let g = group.borrow();
            (g.commands, g.commits)
        };
        let rerun = session.rerun;
        let read_only = !queueing && command.is_some_and(|c| c.has(flag::READONLY) && !c.has(flag::WRITE));
        let (reply, after) = loop {
            let run = scripts.as_ref();
            let mut run_once = |reads: Option<&Reads>| {
                let mut ctx = Ctx::new(state, &mut *session);
                ctx.found = Some(found);
                if keys.is_some() {
                    ctx.group = Some(&group);
                    ctx.reads_group = reads_group;
                }
                ctx.reads = reads;
                if let Some(s) = run {
                    ctx.txn = Some(&s.txn);
                    ctx.script_writes = Some(&s.writes);
                    ctx.script_locks = s.locks.as_ref();
                }
                let reply = dispatch(&mut ctx, argv);
                // Run again, it has been shown to MONITOR already.
                ctx.session.rerun = true;
                (reply, std::mem::replace(&mut ctx.after, After::Nothing))
            };
            // A read takes no lock, so it is checked against the version changes that
            // could have cut it short, and run again after one.
            let outcome = if read_only { read_stable(&state.store, |reads| run_once(Some(reads))) } else { run_once(None) };
            session.rerun = rerun;
            if !run.is_some_and(Scripts::gave_up) {
                break outcome;
            }
            // The script needed a lock another client holds, or the whole keyspace: the
            // run so far commits, and the script runs again alone.
            scripts.take().expect("scripts").finish(state, &mut replies, session.id());
            scripts = Some(Scripts::start(state, &mut shared, true));
        };
        if exclusive.is_some() {
            drop(exclusive);
            shared = Some(gate_shared(state));
        }
        let mut g = group.borrow_mut();
        if let Some(e) = g.failed.take() {
            // A commit made on this command's behalf failed: the writes it carried were
            // lost, so their acknowledgements become errors.
            for &i in &grouped {
                replies[i] = Reply::Error(format!("ERR {e}"));
            }
            grouped.clear();
            grouped_keys.clear();
        }
        let committed_inside = g.commits != commits;
        if committed_inside {
            // The command committed the group (it needed a lock another client held, or
            // it spans databases): everything grouped before it is written.
            grouped.clear();
            grouped_keys.clear();
        }
        if g.commands > if committed_inside { 0 } else { before } {
            grouped.push(replies.len());
            grouped_keys.extend(keys.unwrap_or_default().into_iter().map(|k| (phys, k)));
        } else if reads_group && !committed_inside {
            // It answered from uncommitted writes: if they are lost, so is its reply.
            grouped.push(replies.len());
        }
        drop(g);
        let wrote = command.is_some_and(|c| c.has(flag::WRITE)) && !matches!(after, After::Block(_));
        if wrote && !queueing && !matches!(reply, Reply::Error(_)) {
            written.push((db, ran - 1));
        }
        if let Some(s) = scripts.as_mut() {
            s.replies.push(replies.len());
        }
        // CLIENT CACHING holds for the next command: CLIENT commands and a transaction
        // being queued keep it, as in Redis.
        if session.caching && session.multi.is_none() && !argv[0].eq_ignore_ascii_case(b"client") {
            session.caching = false;
        }
        // CLIENT REPLY OFF or SKIP: the command ran, its reply is dropped.
        let reply = if session.takes_reply() { reply } else { Reply::Many(Vec::new()) };
        match after {
            After::Nothing => replies.push(reply),
            After::Close => {
                replies.push(reply);
                stop = (After::Close, None);
                break;
            }
            After::Sleep(d) => {
                stop = (After::Sleep(d), Some(reply));
                break;
            }
            After::Shutdown => {
                stop = (After::Shutdown, None);
                break;
            }
            After::Block(block) => {
                stop = (After::Block(block), None);
                break;
            }
            After::Paused => unreachable!("commands do not pause themselves"),
        }
    }
    if let Some(s) = scripts.take() {
        s.finish(state, &mut replies, session.id());
        shared = shared.or_else(|| Some(gate_shared(state)));
    }
    commit(&group, &mut replies, &mut grouped);
    touch(state, cmds, &mut written, session.id());
    drop(shared);
    batch_done();
    for r in &replies {
        r.encode(session.resp, out);
    }
    (ran, stop.0, stop.1)
}

/// A run of consecutive scripts in one read: they run in one transaction, holding the
/// key locks their commands take (or the gate exclusively) from the first to the commit
/// after the last, so that pipelined scripts share a RocksDB write as pipelined writes
/// do. Each still runs whole and isolated (a script stopped by `busy-reply-threshold`
/// rolls back only its own writes), and no reply leaves before the commit.
struct Scripts<'s> {
    txn: RefCell<Txn>,
    /// The writes of the scripts' commands, reported after the commit.
    writes: RefCell<Vec<(usize, Vec<Bytes>)>>,
    /// The scripts' replies, which become the error if the commit fails.
    replies: Vec<usize>,
    /// The key locks of a run beside other clients (see [`scripting`]); `None` when the
    /// run holds the gate exclusively.
    locks: Option<ScriptLocks>,
    _gate: Option<parking_lot::RwLockWriteGuard<'s, ()>>,
}

impl<'s> Scripts<'s> {
    /// Starts a run beside other clients, holding the gate shared (`shared`), or `alone`
    /// with the gate exclusive. A run starts alone too while keyspace events or a MONITOR
    /// would publish what a script does: a run given up must have shown nothing.
    fn start(state: &'s ServerState, shared: &mut Option<parking_lot::RwLockReadGuard<'s, ()>>, alone: bool) -> Scripts<'s> {
        release_kept_stripes();
        let alone = alone || state.pubsub.notifications_on() || state.pubsub.hub.monitoring();
        let gate = alone.then(|| {
            *shared = None;
            state.gate.write()
        });
        Scripts {
            txn: RefCell::new(if alone { Txn::begin(state.store.clone()) } else { Txn::begin_keyed(state.store.clone()) }),
            writes: RefCell::default(),
            replies: Vec::new(),
            locks: (!alone).then(ScriptLocks::default),
            _gate: gate,
        }
    }

    /// Whether the script that just ran was given up, to run again alone.
    fn gave_up(&self) -> bool {
        self.locks.as_ref().is_some_and(ScriptLocks::gave_up)
    }

    /// Commits the scripts' writes and reports them, before the gate is released.
    fn finish(self, state: &Arc<ServerState>, replies: &mut [Reply], writer: u64) {
        if let Err(e) = self.txn.into_inner().commit() {
            for &i in &self.replies {
                replies[i] = Reply::Error(format!("ERR {e}"));
            }
            return;
        }
        for (db, argv) in self.writes.into_inner() {
            context::written(state, db, &argv, writer);
        }
    }
}

/// Takes the gate shared. A thread that has to wait for it (an EXEC is waiting or
/// running) first gives back the stripes it keeps: the EXEC may be waiting for a batch
/// whose write group waits for one of them.
fn gate_shared(state: &ServerState) -> parking_lot::RwLockReadGuard<'_, ()> {
    state.gate.try_read().unwrap_or_else(|| {
        release_kept_stripes();
        state.gate.read()
    })
}

/// Reports the committed writes in `written` (before the gate is released, so that no
/// EXEC can run between the commit and the invalidation of the watches).
fn touch(state: &Arc<ServerState>, cmds: &[&[Bytes]], written: &mut Vec<(usize, usize)>, writer: u64) {
    for (db, i) in written.drain(..) {
        context::written(state, db, cmds[i], writer);
    }
}

/// Commits the group; on failure, the grouped commands' replies become the error.
fn commit(group: &RefCell<Group>, replies: &mut [Reply], grouped: &mut Vec<usize>) {
    let mut g = group.borrow_mut();
    if g.is_empty() {
        return;
    }
    if let Err(e) = g.commit() {
        g.failed = None;
        for &i in grouped.iter() {
            replies[i] = Reply::Error(format!("ERR {e}"));
        }
    }
    grouped.clear();
}
