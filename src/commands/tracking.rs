//! Client-side caching: CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO, as in Redis 7.
//!
//! A tracking client keeps values it read in its own memory; the server tells it when one
//! of those keys changes, so that it drops the copy. In the default mode the server
//! remembers which clients read which key (read commands, also inside EXEC and scripts;
//! with OPTIN only after `CLIENT CACHING yes`, with OPTOUT not after `CLIENT CACHING no`)
//! and forgets the pair once it has sent the invalidation, until the client reads the key
//! again. In BCAST mode a client is told of every changed key under its prefixes, read
//! or not. Keys are names, whatever the database, as in Redis.
//!
//! Invalidations are `invalidate` pushes on RESP3, or, with `REDIRECT <id>`, go to
//! another connection: as pushes if it speaks RESP3, else as messages on the
//! `__redis__:invalidate` channel while it is in subscribed mode (the RESP2 way). They
//! travel through the pub/sub hub's mailboxes, so a connection writes them after the
//! replies it is sending, under the same output buffer limits as published messages.
//!
//! Ordering without a global lock: a read registers its keys *before* it runs, and a
//! write invalidates *after* it is committed. A write that commits before the read runs
//! is seen by the read; one that commits after it finds the registration and invalidates
//! it. Either way no client keeps a stale value.

use super::args::is;
use super::pubsub::{Broker, Kind, Message};
use super::{printable, Args, CmdError, Ctx};
use crate::protocol::Reply;
use crate::types::parse_i64;
use bytes::Bytes;
use foldhash::HashMap;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// How a client tracks, as its own reads need to know (kept in its session).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mode {
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
}

/// A tracking client as writers need to know it.
struct Tracker {
    mode: Mode,
    noloop: bool,
    /// The client invalidations go to instead (0: this one).
    redirect: u64,
    /// The redirect client was found gone (TRACKINGINFO's `broken_redirect`).
    broken: bool,
    /// BCAST's prefixes (an empty one matches every key).
    prefixes: Vec<Bytes>,
}

#[derive(Default)]
struct Table {
    trackers: HashMap<u64, Tracker>,
    /// Default mode: the clients that read each key since it last changed.
    keys: HashMap<Bytes, Vec<u64>>,
    /// Client ids over all keys (INFO's `tracking_total_items`).
    items: usize,
}

/// Every tracking client and what it read.
pub struct Tracking {
    /// How many clients track: writes look at nothing else while none does.
    count: AtomicUsize,
    /// `tracking-table-max-keys`: past it, keys are invalidated to make room (0: no limit).
    max_keys: AtomicUsize,
    table: Mutex<Table>,
}

impl Default for Tracking {
    fn default() -> Self {
        Tracking { count: AtomicUsize::new(0), max_keys: AtomicUsize::new(1_000_000), table: Mutex::default() }
    }
}

/// One invalidation to send: the tracking client, its redirect client (0: none), and the
/// keys (`None`: everything).
type Outgoing = (u64, u64, Option<Arc<[Bytes]>>);

impl Tracking {
    /// Whether any client tracks.
    pub fn active(&self) -> bool {
        self.count.load(Ordering::Relaxed) > 0
    }

    /// Applies `tracking-table-max-keys` when CONFIG SET changes it; other names pass.
    pub fn apply_param(&self, name: &str, value: &str) {
        if name == "tracking-table-max-keys" {
            if let Ok(n) = value.parse() {
                self.max_keys.store(n, Ordering::Relaxed);
            }
        }
    }

    /// How many clients track, how many keys are remembered, the client ids over them,
    /// and the BCAST prefixes (INFO).
    pub fn stats(&self) -> (usize, usize, usize, usize) {
        let table = self.table.lock();
        let prefixes = table.trackers.values().map(|t| t.prefixes.len()).sum();
        (table.trackers.len(), table.keys.len(), table.items, prefixes)
    }

    /// A client in the default mode is about to read `keys`.
    pub fn remember<'k>(&self, hub: &dyn Broker, client: u64, keys: impl Iterator<Item = &'k [u8]>) {
        let mut out = Vec::new();
        {
            let mut table = self.table.lock();
            for key in keys {
                let readers = table.keys.entry(Bytes::copy_from_slice(key)).or_default();
                if !readers.contains(&client) {
                    readers.push(client);
                    table.items += 1;
                }
            }
            let max = self.max_keys.load(Ordering::Relaxed);
            while max > 0 && table.keys.len() > max {
                // Room is made as Redis makes it: the keys dropped are invalidated.
                let Some(key) = table.keys.keys().next().cloned() else { break };
                table.forget(&key, 0, &mut out);
            }
        }
        self.send(hub, out);
    }

    /// `keys` were written by `writer` (0: the server itself, expiring them).
    pub fn changed(&self, hub: &dyn Broker, keys: &[&[u8]], writer: u64) {
        if self.count.load(Ordering::Relaxed) == 0 || keys.is_empty() {
            return;
        }
        let mut out = Vec::new();
        {
            let mut table = self.table.lock();
            for key in keys {
                table.forget(key, writer, &mut out);
            }
            for (&id, t) in &table.trackers {
                if !t.mode.bcast || (t.noloop && id == writer) {
                    continue;
                }
                let matched: Vec<Bytes> =
                    keys.iter().filter(|k| t.prefixes.iter().any(|p| k.starts_with(p))).map(|k| Bytes::copy_from_slice(k)).collect();
                if !matched.is_empty() {
                    out.push((id, t.redirect, Some(matched.into())));
                }
            }
        }
        self.send(hub, out);
    }

    /// Every key changed (FLUSHALL, FLUSHDB, SWAPDB): every tracking client, whatever
    /// its mode, is told to drop everything.
    pub fn flushed(&self, hub: &dyn Broker) {
        if self.count.load(Ordering::Relaxed) == 0 {
            return;
        }
        let out = {
            let mut table = self.table.lock();
            table.keys.clear();
            table.items = 0;
            table.trackers.iter().map(|(&id, t)| (id, t.redirect, None)).collect()
        };
        self.send(hub, out);
    }

    /// Delivers invalidations: to the tracking client on RESP3, or to its redirect
    /// client. A redirect client that is gone marks the tracker broken and is reported
    /// to it (RESP3 only, as Redis does).
    fn send(&self, hub: &dyn Broker, out: Vec<Outgoing>) {
        for (id, redirect, keys) in out {
            let to = if redirect == 0 { id } else { redirect };
            match hub.reachable(to) {
                Some((resp, subscribed)) if resp >= 3 || (redirect != 0 && subscribed) => {
                    hub.send(to, Message::of(Kind::Invalidate(keys)));
                }
                Some(_) => {}
                None if redirect != 0 => {
                    if let Some(t) = self.table.lock().trackers.get_mut(&id) {
                        t.broken = true;
                    }
                    if hub.reachable(id).is_some_and(|(resp, _)| resp >= 3) {
                        hub.send(id, Message::of(Kind::RedirectBroken(redirect)));
                    }
                }
                None => {}
            }
        }
    }

    /// Where `client`'s invalidations go: its redirect client, 0 for itself, -1 if it
    /// does not track (CLIENT GETREDIR, CLIENT LIST's `redir`).
    pub fn redirect_of(&self, client: u64) -> i64 {
        self.table.lock().trackers.get(&client).map_or(-1, |t| t.redirect as i64)
    }

    /// Turns tracking on (again) for `client`. BCAST prefixes add to those it had.
    fn enable(&self, client: u64, mode: Mode, noloop: bool, redirect: u64, prefixes: Vec<Bytes>) {
        let mut table = self.table.lock();
        let t = table.trackers.entry(client).or_insert_with(|| {
            self.count.fetch_add(1, Ordering::Relaxed);
            Tracker { mode, noloop, redirect, broken: false, prefixes: Vec::new() }
        });
        (t.mode, t.noloop, t.redirect, t.broken) = (mode, noloop, redirect, false);
        if mode.bcast {
            let new = if prefixes.is_empty() { vec![Bytes::new()] } else { prefixes };
            for p in new {
                if !t.prefixes.contains(&p) {
                    t.prefixes.push(p);
                }
            }
        }
    }

    /// Turns tracking off for `client` (CLIENT TRACKING off, RESET, disconnection). The
    /// keys it read stay in the table until they change: an id that no longer tracks is
    /// skipped then.
    pub fn disable(&self, client: u64) {
        if self.table.lock().trackers.remove(&client).is_some() {
            self.count.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Table {
    /// Drops `key`'s readers, queueing an invalidation for each that still tracks in the
    /// default mode (not for `writer` itself with NOLOOP).
    fn forget(&mut self, key: &[u8], writer: u64, out: &mut Vec<Outgoing>) {
        let Some(readers) = self.keys.remove(key) else { return };
        self.items -= readers.len();
        let keys: Arc<[Bytes]> = Arc::new([Bytes::copy_from_slice(key)]);
        for id in readers {
            // Skipped: a client that stopped tracking or switched to BCAST, and with
            // NOLOOP the writer itself.
            let Some(t) = self.trackers.get(&id) else { continue };
            let skipped = t.mode.bcast || (t.noloop && id == writer);
            if !skipped {
                out.push((id, t.redirect, Some(keys.clone())));
            }
        }
    }
}

/// Whether two prefixes overlap (one starts the other), which Redis refuses.
fn overlap(a: &[u8], b: &[u8]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX prefix ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
pub fn client_tracking(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let on = args.next_bytes()?;
    let (mut mode, mut noloop, mut redirect, mut prefixes) = (Mode::default(), false, 0u64, Vec::<Bytes>::new());
    while let Some(opt) = args.try_next() {
        let more = args.remaining() > 0;
        if is(opt, "REDIRECT") && more {
            if redirect != 0 {
                return Err(CmdError::err("A client can only redirect to a single other client"));
            }
            let id = parse_i64(args.next_bytes()?).ok_or(CmdError::NotInteger)?;
            if id <= 0 || ctx.state.clients.get(id as u64).is_none() {
                return Err(CmdError::err("The client ID you want redirect to does not exist"));
            }
            redirect = id as u64;
        } else if is(opt, "BCAST") {
            mode.bcast = true;
        } else if is(opt, "OPTIN") {
            mode.optin = true;
        } else if is(opt, "OPTOUT") {
            mode.optout = true;
        } else if is(opt, "NOLOOP") {
            noloop = true;
        } else if is(opt, "PREFIX") && more {
            prefixes.push(Bytes::copy_from_slice(args.next_bytes()?));
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let id = ctx.session.id();
    if is(on, "OFF") {
        ctx.state.tracking.disable(id);
        (ctx.session.tracking, ctx.session.caching) = (None, false);
        return Ok(Reply::Ok);
    }
    if !is(on, "ON") {
        return Err(CmdError::Syntax);
    }
    let current = ctx.session.tracking;
    if !mode.bcast && !prefixes.is_empty() {
        return Err(CmdError::err("PREFIX option requires BCAST mode to be enabled"));
    }
    if current.is_some_and(|c| c.bcast != mode.bcast) {
        return Err(CmdError::err(
            "You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
        ));
    }
    if mode.bcast && (mode.optin || mode.optout) {
        return Err(CmdError::err("OPTIN and OPTOUT are not compatible with BCAST"));
    }
    if mode.optin && mode.optout {
        return Err(CmdError::err("You can't specify both OPTIN mode and OPTOUT mode"));
    }
    if current.is_some_and(|c| (mode.optin && c.optout) || (mode.optout && c.optin)) {
        return Err(CmdError::err(
            "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
        ));
    }
    if mode.bcast {
        let existing = ctx.state.tracking.table.lock().trackers.get(&id).map(|t| t.prefixes.clone()).unwrap_or_default();
        for (i, p) in prefixes.iter().enumerate() {
            if let Some(e) = existing.iter().find(|e| overlap(p, e)) {
                return Err(CmdError::err(format!(
                    "Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                    printable(p, 128),
                    printable(e, 128)
                )));
            }
            if let Some(q) = prefixes[i + 1..].iter().find(|q| overlap(p, q)) {
                return Err(CmdError::err(format!(
                    "Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                    printable(p, 128),
                    printable(q, 128)
                )));
            }
        }
    }
    ctx.state.tracking.enable(id, mode, noloop, redirect, prefixes);
    ctx.session.tracking = Some(mode);
    ctx.session.caching = false;
    Ok(Reply::Ok)
}

/// CLIENT CACHING YES|NO: whether the next command's reads are tracked, in OPTIN or
/// OPTOUT mode.
pub fn client_caching(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let Some(mode) = ctx.session.tracking else {
        return Err(CmdError::err(
            "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
        ));
    };
    let yes = args.next_bytes()?;
    if is(yes, "YES") {
        if !mode.optin {
            return Err(CmdError::err("CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."));
        }
    } else if is(yes, "NO") {
        if !mode.optout {
            return Err(CmdError::err("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."));
        }
    } else {
        return Err(CmdError::Syntax);
    }
    ctx.session.caching = true;
    Ok(Reply::Ok)
}

/// CLIENT GETREDIR: the client invalidations go to, 0 for none, -1 if not tracking.
pub fn client_getredir(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Int(ctx.state.tracking.redirect_of(ctx.session.id())))
}

/// CLIENT TRACKINGINFO: flags, redirect and prefixes, in Redis's order.
pub fn client_trackinginfo(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    let table = ctx.state.tracking.table.lock();
    let (flags, redirect, prefixes) = match table.trackers.get(&ctx.session.id()) {
        None => (vec!["off"], -1, Vec::new()),
        Some(t) => {
            let caching = ctx.session.caching;
            let flags = [
                (true, "on"),
                (t.mode.bcast, "bcast"),
                (t.mode.optin, "optin"),
                (t.mode.optin && caching, "caching-yes"),
                (t.mode.optout, "optout"),
                (t.mode.optout && caching, "caching-no"),
                (t.noloop, "noloop"),
                (t.broken, "broken_redirect"),
            ];
            let mut prefixes = t.prefixes.clone();
            prefixes.sort();
            (flags.into_iter().filter(|f| f.0).map(|f| f.1).collect(), t.redirect as i64, prefixes)
        }
    };
    Ok(Reply::Map(vec![
        (Reply::from_str("flags"), Reply::Set(flags.into_iter().map(Reply::from_str).collect())),
        (Reply::from_str("redirect"), Reply::Int(redirect)),
        (Reply::from_str("prefixes"), Reply::Array(prefixes.iter().map(|p| Reply::bulk(p.to_vec())).collect())),
    ]))
}

/// Whether a command run now by a client in `mode` has its keys remembered: with OPTIN
/// only right after CLIENT CACHING yes, with OPTOUT unless right after CLIENT CACHING no.
pub fn tracks_reads(mode: Mode, caching: bool) -> bool {
    let wanted = if mode.optin { caching } else { !(mode.optout && caching) };
    wanted && !mode.bcast
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_tracked_as_the_mode_and_caching_flag_say() {
        let default = Mode::default();
        let optin = Mode { optin: true, ..Mode::default() };
        let optout = Mode { optout: true, ..Mode::default() };
        let bcast = Mode { bcast: true, ..Mode::default() };
        assert!(tracks_reads(default, false));
        assert!(!tracks_reads(optin, false) && tracks_reads(optin, true));
        assert!(tracks_reads(optout, false) && !tracks_reads(optout, true));
        assert!(!tracks_reads(bcast, false));
    }

    #[test]
    fn prefixes_overlap_when_one_starts_the_other() {
        assert!(overlap(b"user:", b"user:1"));
        assert!(overlap(b"a", b"a"));
        assert!(overlap(b"", b"x"));
        assert!(!overlap(b"user:", b"acct:"));
    }
}
