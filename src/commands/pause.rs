//! CLIENT PAUSE and CLIENT UNPAUSE, as in Redis 7: for a while, every client's commands
//! (`ALL`), or only those that may change the data set (`WRITE`), wait instead of
//! running; so do the expiry cycle's deletions. Used to switch clients over to another
//! server without losing writes.
//!
//! A paused command has not run: the server stops the read's batch before it
//! (`server/execute.rs`), sends the replies of the commands before it, waits
//! ([`Pause::wait`]), and runs the rest of the batch once the pause ends or changes.

use super::args::is;
use super::{flag, Args, CmdError, Command, Ctx, Session};
use crate::protocol::Reply;
use crate::types::parse_i64;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// Commands that may write although the table does not flag them so: scripts that may
/// call writes, and commands whose effects Redis replicates (Redis's `may-replicate`).
const MAY_REPLICATE: &[&str] = &["eval", "evalsha", "fcall", "publish", "spublish", "pfcount"];

#[derive(Default)]
pub struct Pause {
    /// Unix ms when the pause ends; 0 when there is none.
    until: AtomicU64,
    /// `ALL` (every command) rather than `WRITE`.
    all: AtomicBool,
    /// Wakes the waiting clients when the pause ends early or changes.
    changed: Notify,
}

impl Pause {
    /// How long the current pause lasts still, if one is on. Checked before every
    /// command, so without a pause it is one load: a pause found over is cleared.
    fn remaining(&self) -> Option<Duration> {
        let until = self.until.load(Ordering::Acquire);
        if until == 0 {
            return None;
        }
        let now = crate::storage::now_ms();
        if until <= now {
            let _ = self.until.compare_exchange(until, 0, Ordering::AcqRel, Ordering::Relaxed);
            return None;
        }
        Some(Duration::from_millis(until - now))
    }

    /// Whether writes are held now (either kind of pause): the expiry cycle waits too.
    pub fn holds_writes(&self) -> bool {
        self.remaining().is_some()
    }

    /// Whether `cmd`, sent by `session`, must wait now: any command under `ALL`; under
    /// `WRITE` one that may write, or an EXEC of a transaction holding one.
    pub fn holds(&self, cmd: Option<&Command>, session: &Session) -> bool {
        if self.remaining().is_none() {
            return false;
        }
        if self.all.load(Ordering::Acquire) {
            return true;
        }
        let Some(cmd) = cmd else { return false };
        let exec_writes = || {
            let queued = session.multi.as_ref().map(|m| m.queued()).unwrap_or_default();
            queued.iter().any(|argv| super::lookup(&argv[0]).is_some_and(|(_, c)| may_write(c)))
        };
        may_write(cmd) || (cmd.name == "exec" && exec_writes())
    }

    /// Waits until the pause ends, or is lifted or changed (the caller checks again).
    pub async fn wait(&self) {
        let changed = self.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        if let Some(left) = self.remaining() {
            tokio::select! {
                _ = tokio::time::sleep(left) => {}
                _ = changed => {}
            }
        }
    }

    fn set(&self, until: u64, all: bool) {
        self.all.store(all, Ordering::Release);
        self.until.store(until, Ordering::Release);
        self.changed.notify_waiters();
    }
}

fn may_write(cmd: &Command) -> bool {
    cmd.has(flag::WRITE) || MAY_REPLICATE.contains(&cmd.name)
}

/// CLIENT PAUSE timeout [WRITE|ALL]: a later end time than the current pause's wins; the
/// kind is the one given last, as in Redis.
pub fn client_pause(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let ms = parse_i64(args.next_bytes()?).ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?;
    if ms < 0 {
        return Err(CmdError::err("timeout is negative"));
    }
    let all = match args.try_next() {
        None => true,
        Some(m) if is(m, "ALL") => true,
        Some(m) if is(m, "WRITE") => false,
        Some(_) => return Err(CmdError::err("CLIENT PAUSE mode must be WRITE or ALL")),
    };
    if args.remaining() > 0 {
        return Err(CmdError::Syntax);
    }
    let pause = &ctx.state.pause;
    let until = crate::storage::now_ms().saturating_add(ms as u64).max(pause.until.load(Ordering::Acquire));
    pause.set(until, all);
    Ok(Reply::Ok)
}

/// CLIENT UNPAUSE: the waiting clients go on at once.
pub fn client_unpause(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    ctx.state.pause.set(0, false);
    Ok(Reply::Ok)
}
