//! Pub/sub commands (SUBSCRIBE ... PUBSUB) and keyspace notifications.
//!
//! The hub that routes messages to connections belongs to the server layer
//! (`server::pubsub`); commands reach it through the [`Broker`] trait, so this layer
//! never sees a connection. A command that changes a key reports it with one line,
//! `ctx.notify(event::HASH, "hset", key)`, which costs one relaxed atomic load while
//! `notify-keyspace-events` is empty (the default).

use super::flag::*;
use super::keys::help_reply;
use super::{cmd, dispatch_sub, Args, CmdError, Command, Ctx};
use crate::commands::context::ClientHandle;
use crate::protocol::Reply;
use bytes::Bytes;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedReceiver;

const PS: u32 = PUBSUB | NOSCRIPT | LOADING | STALE;

pub const TABLE: &[Command] = &[
    cmd("subscribe", -2, PS, (0, 0, 0), "pubsub", "Listen for messages published to channels", subscribe),
    cmd("unsubscribe", -1, PS, (0, 0, 0), "pubsub", "Stop listening to channels", unsubscribe),
    cmd("psubscribe", -2, PS, (0, 0, 0), "pubsub", "Listen for messages published to channels matching patterns", psubscribe),
    cmd("punsubscribe", -1, PS, (0, 0, 0), "pubsub", "Stop listening to patterns", punsubscribe),
    cmd("ssubscribe", -2, PS, (1, -1, 1), "pubsub", "Listen for messages published to shard channels", ssubscribe),
    cmd("sunsubscribe", -1, PS, (1, -1, 1), "pubsub", "Stop listening to shard channels", sunsubscribe),
    cmd("publish", 3, PUBSUB | LOADING | STALE | FAST, (0, 0, 0), "pubsub", "Post a message to a channel", publish),
    cmd("spublish", 3, PUBSUB | LOADING | STALE | FAST, (1, 1, 1), "pubsub", "Post a message to a shard channel", spublish),
    cmd("pubsub", -2, PUBSUB | LOADING | STALE, (0, 0, 0), "pubsub", "Inspect the pub/sub state", pubsub),
];

/// The three kinds of subscription, each its own namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Channel,
    Pattern,
    Shard,
}

impl Scope {
    /// The confirmation words (`subscribe`/`unsubscribe` and their P and S twins).
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Scope::Channel => ("subscribe", "unsubscribe"),
            Scope::Pattern => ("psubscribe", "punsubscribe"),
            Scope::Shard => ("ssubscribe", "sunsubscribe"),
        }
    }
}

/// One published message on its way to subscribers; shared by all of them.
#[derive(Debug)]
pub struct Message {
    /// The pattern it matched (a `pmessage`), or `None` for a channel subscription.
    pub pattern: Option<Bytes>,
    /// Published with SPUBLISH (an `smessage`).
    pub shard: bool,
    pub channel: Bytes,
    pub payload: Bytes,
    pub kind: Kind,
}

/// What a [`Message`] is, which decides how it is written.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A published message (`message`, `pmessage` or `smessage`).
    Published,
    /// A MONITOR line (`payload`, without `channel`), sent as a simple string.
    Monitor,
    /// Client-side caching: these keys changed, or (`None`) everything was flushed
    /// (see `commands/tracking.rs`).
    Invalidate(Option<Arc<[Bytes]>>),
    /// Client-side caching: the client invalidations were redirected to is gone.
    RedirectBroken(u64),
}

impl Message {
    pub fn of(kind: Kind) -> Message {
        Message { pattern: None, shard: false, channel: Bytes::new(), payload: Bytes::new(), kind }
    }

    /// What the message costs in a subscriber's output buffer: its RESP encoding,
    /// give or take a few header digits.
    pub fn size(&self) -> usize {
        let keys = match &self.kind {
            Kind::Invalidate(Some(keys)) => keys.iter().map(|k| k.len() + 16).sum(),
            _ => 0,
        };
        32 + keys + self.channel.len() + self.payload.len() + self.pattern.as_ref().map_or(0, |p| p.len() + 16)
    }
}

/// What a connection drains: messages published to it, and the bytes the hub has
/// charged to it for them (queued or being written), which the connection gives back
/// once they are written.
pub struct Mailbox {
    pub messages: UnboundedReceiver<Arc<Message>>,
    pub queued: Arc<AtomicUsize>,
}

/// The pub/sub hub as commands see it. Implemented by `server::pubsub::Hub`.
pub trait Broker: Send + Sync {
    /// Registers a connection; its messages arrive in the returned mailbox.
    fn attach(&self, client: Arc<ClientHandle>) -> Mailbox;
    /// Drops a connection and every subscription it had.
    fn detach(&self, client: u64);
    /// Adds a subscription; returns the count Redis confirms with: channels plus
    /// patterns, or shard channels for [`Scope::Shard`].
    fn subscribe(&self, client: u64, scope: Scope, name: &[u8]) -> usize;
    /// Removes a subscription (if any); returns the count after, as [`Broker::subscribe`].
    fn unsubscribe(&self, client: u64, scope: Scope, name: &[u8]) -> usize;
    /// The client's subscriptions of one scope.
    fn subscriptions(&self, client: u64, scope: Scope) -> Vec<Bytes>;
    /// How many channels, patterns and shard channels the client is subscribed to.
    fn counts(&self, client: u64) -> [usize; 3];
    /// Delivers a message to the subscribers of `channel` (and, for
    /// [`Scope::Channel`], of the patterns matching it). Returns how many received it.
    /// Never waits for a subscriber.
    fn publish(&self, scope: Scope, channel: &[u8], payload: &[u8]) -> usize;
    /// Channels (or shard channels) with at least one subscriber, matching `pattern`.
    fn channels(&self, scope: Scope, pattern: Option<&[u8]>) -> Vec<Bytes>;
    /// Subscribers of one channel (or shard channel), patterns excluded.
    fn numsub(&self, scope: Scope, channel: &[u8]) -> usize;
    /// Distinct patterns subscribed to.
    fn numpat(&self) -> usize;
    /// Redis's `client-output-buffer-limit pubsub <hard> <soft> <seconds>`; 0 = none.
    fn set_output_limit(&self, hard: u64, soft: u64, soft_seconds: u64);
    /// Makes the client a MONITOR (`on`), or an ordinary client again.
    fn monitor(&self, client: u64, on: bool);
    /// Whether any client monitors: checked before every command, so it must be cheap.
    fn monitoring(&self) -> bool;
    /// Sends a MONITOR line to every monitoring client (under the same output limits as
    /// published messages).
    fn feed_monitors(&self, line: Bytes);
    /// Queues a client-side caching message for `client`, under the same output limits.
    /// Returns false if there is no such client.
    fn send(&self, client: u64, message: Message) -> bool;
    /// A connected client's protocol version and whether it is subscribed to anything,
    /// or `None` if there is no such client.
    fn reachable(&self, client: u64) -> Option<(u8, bool)>;
}

/// The pub/sub state every connection shares: the hub and the keyspace event classes.
pub struct PubSub {
    pub hub: Arc<dyn Broker>,
    events: AtomicU32,
}

/// Keyspace notification classes: `notify-keyspace-events`'s letters, as Redis's bits.
pub mod event {
    pub const KEYSPACE: u32 = 1 << 0; // K
    pub const KEYEVENT: u32 = 1 << 1; // E
    pub const GENERIC: u32 = 1 << 2; // g
    pub const STRING: u32 = 1 << 3; // $
    pub const LIST: u32 = 1 << 4; // l
    pub const SET: u32 = 1 << 5; // s
    pub const HASH: u32 = 1 << 6; // h
    pub const ZSET: u32 = 1 << 7; // z
    pub const EXPIRED: u32 = 1 << 8; // x
    pub const EVICTED: u32 = 1 << 9; // e
    pub const STREAM: u32 = 1 << 10; // t
    pub const KEY_MISS: u32 = 1 << 11; // m
    pub const MODULE: u32 = 1 << 13; // d
    pub const NEW: u32 = 1 << 14; // n
    /// `A`: every class but m and n.
    pub const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

    /// The letters in the order Redis prints them after `A`'s classes.
    pub(super) const CLASS_LETTERS: [(u32, char); 11] = [
        (GENERIC, 'g'),
        (STRING, '$'),
        (LIST, 'l'),
        (SET, 's'),
        (HASH, 'h'),
        (ZSET, 'z'),
        (EXPIRED, 'x'),
        (EVICTED, 'e'),
        (STREAM, 't'),
        (MODULE, 'd'),
        (NEW, 'n'),
    ];
}

/// Parses `notify-keyspace-events` (`KEA`, `Ex$`, ...); `None` for an unknown letter.
pub fn parse_events(text: &str) -> Option<u32> {
    let mut flags = 0;
    for c in text.chars() {
        flags |= match c {
            'A' => event::ALL,
            'K' => event::KEYSPACE,
            'E' => event::KEYEVENT,
            'm' => event::KEY_MISS,
            c => event::CLASS_LETTERS.iter().find(|(_, l)| *l == c)?.0,
        };
    }
    Some(flags)
}

/// The flags as Redis prints them back (`KEA` reads back as `AKE`).
pub fn events_string(flags: u32) -> String {
    let mut out = String::new();
    if flags & event::ALL == event::ALL {
        out.push('A');
    } else {
        out.extend(event::CLASS_LETTERS.iter().filter(|(f, _)| flags & f != 0).map(|(_, l)| *l));
    }
    for (f, l) in [(event::KEYSPACE, 'K'), (event::KEYEVENT, 'E'), (event::KEY_MISS, 'm')] {
        if flags & f != 0 {
            out.push(l);
        }
    }
    out
}

impl PubSub {
    pub fn new(hub: Arc<dyn Broker>) -> PubSub {
        PubSub { hub, events: AtomicU32::new(0) }
    }

    /// Whether events of `class` are published: the one check every write pays.
    #[inline]
    pub fn wants(&self, class: u32) -> bool {
        self.events.load(Ordering::Relaxed) & class != 0
    }

    /// Whether any keyspace events are published at all.
    #[inline]
    pub fn notifications_on(&self) -> bool {
        self.events.load(Ordering::Relaxed) != 0
    }

    pub fn set_events(&self, flags: u32) {
        self.events.store(flags, Ordering::Relaxed);
    }

    /// Publishes keyspace event `event` of `class` on `key` of logical database `db`:
    /// `__keyspace@<db>__:<key>` carries the event, `__keyevent@<db>__:<event>` the key.
    pub fn notify(&self, class: u32, event: &str, db: usize, key: &[u8]) {
        let flags = self.events.load(Ordering::Relaxed);
        if flags & class == 0 {
            return;
        }
        if flags & event::KEYSPACE != 0 {
            let mut channel = format!("__keyspace@{db}__:").into_bytes();
            channel.extend_from_slice(key);
            self.hub.publish(Scope::Channel, &channel, event.as_bytes());
        }
        if flags & event::KEYEVENT != 0 {
            self.hub.publish(Scope::Channel, format!("__keyevent@{db}__:{event}").as_bytes(), key);
        }
    }

    /// Applies `notify-keyspace-events` or `client-output-buffer-limit` (the Redis
    /// parameters pub/sub acts on). Returns the value as CONFIG GET shows it, or why it
    /// is refused; other parameters pass through unchanged.
    pub fn apply_param(&self, name: &str, value: &str, current: &str) -> Result<String, &'static str> {
        let shown = Self::check_param(name, value, current)?;
        match name {
            "notify-keyspace-events" => self.set_events(parse_events(&shown).unwrap_or(0)),
            "client-output-buffer-limit" => {
                let [hard, soft, seconds] = output_limits(&shown, "")?.1;
                self.hub.set_output_limit(hard, soft, seconds);
            }
            _ => {}
        }
        Ok(shown)
    }

    /// Checks a value for [`PubSub::apply_param`] without applying it.
    pub fn check_param(name: &str, value: &str, current: &str) -> Result<String, &'static str> {
        match name {
            "notify-keyspace-events" => {
                parse_events(value).map(events_string).ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
            }
            "client-output-buffer-limit" => output_limits(value, current).map(|(text, _)| text),
            _ => Ok(value.to_string()),
        }
    }
}

/// Parses `client-output-buffer-limit` (`<class> <hard> <soft> <seconds>`, repeated)
/// over the `current` setting, as Redis does: classes not named keep their limits.
/// Returns the full setting in bytes, and the pubsub class's limits.
fn output_limits(value: &str, current: &str) -> Result<(String, [u64; 3]), &'static str> {
    let parse = |text: &str| -> Result<Vec<(String, [u64; 3])>, &'static str> {
        let words: Vec<&str> = text.split_whitespace().collect();
        if !words.len().is_multiple_of(4) {
            return Err("Wrong number of arguments in buffer limit configuration.");
        }
        words
            .chunks(4)
            .map(|w| {
                let class = match w[0].to_ascii_lowercase().as_str() {
                    "normal" => "normal",
                    "slave" | "replica" => "slave",
                    "pubsub" => "pubsub",
                    _ => return Err("Invalid client class specified in buffer limit configuration."),
                };
                let bad = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
                let hard = crate::config::parse_size(w[1]).ok_or(bad)?;
                let soft = crate::config::parse_size(w[2]).ok_or(bad)?;
                let secs: u64 = w[3].parse().map_err(|_| bad)?;
                Ok((class.to_string(), [hard, soft, secs]))
            })
            .collect()
    };
    let mut classes = parse(current)?;
    for (class, limits) in parse(value)? {
        match classes.iter_mut().find(|(c, _)| *c == class) {
            Some(entry) => entry.1 = limits,
            None => classes.push((class, limits)),
        }
    }
    let text = classes.iter().map(|(c, l)| format!("{c} {} {} {}", l[0], l[1], l[2])).collect::<Vec<_>>().join(" ");
    let pubsub = classes.iter().find(|(c, _)| c == "pubsub").map_or([0; 3], |(_, l)| *l);
    Ok((text, pubsub))
}

impl Ctx<'_> {
    /// Whether keyspace events of `class` are on; commands that must read something
    /// extra to word an event (did the collection just empty?) ask this first.
    #[inline]
    pub fn notifying(&self, class: u32) -> bool {
        self.state.pubsub.wants(class)
    }

    /// Reports that this command changed `key` in the selected database: publishes
    /// keyspace event `event` of `class` if notifications of that class are on.
    #[inline]
    pub fn notify(&self, class: u32, event: &str, key: &[u8]) {
        if self.notifying(class) {
            self.state.pubsub.notify(class, event, self.session.db, key);
        }
    }

    /// [`Ctx::notify`] for a key of another logical database (MOVE, COPY ... DB).
    pub fn notify_in(&self, db: usize, class: u32, event: &str, key: &[u8]) {
        if self.notifying(class) {
            self.state.pubsub.notify(class, event, db, key);
        }
    }

    /// Reports a removal from the collection at `key`: `event` if anything went
    /// (`removed`), then `del` if that took the last member, as Redis does. While events
    /// are on, commands write without joining a group (see [`Ctx::db`]), so the key's
    /// absence can be read back here.
    pub fn notify_removed(&self, class: u32, event: &str, key: &[u8], removed: bool) {
        if !removed || !self.notifying(class | event::GENERIC) {
            return;
        }
        self.notify(class, event, key);
        if self.notifying(event::GENERIC) && matches!(self.db().live(key), Ok(None)) {
            self.notify(event::GENERIC, "del", key);
        }
    }

    /// Reports a *STORE command's result at `dst`: `event` if it stored anything,
    /// `del` if an empty result deleted an existing key.
    pub fn notify_stored(&self, class: u32, event: &str, dst: &[u8], stored: u64, existed: bool) {
        if stored > 0 {
            self.notify(class, event, dst);
        } else if existed {
            self.notify(event::GENERIC, "del", dst);
        }
    }

    /// Whether `key` exists, read only while generic events are on (for [`Ctx::notify_stored`]).
    pub fn exists_for_events(&self, key: &[u8]) -> Result<bool, CmdError> {
        Ok(self.notifying(event::GENERIC) && self.db().live(key)?.is_some())
    }

    /// Lazy expiry while `expired` events are on: a command about to touch keys whose
    /// deadline has passed deletes them first and announces `expired`, as Redis does.
    /// (Otherwise reads just skip expired keys and the background cycle deletes them.)
    pub fn expire_touched_keys(&mut self, cmd: &Command, argv: &[Bytes]) {
        // Inside EXEC the transaction holds the storage locks the deletes would take.
        if !self.notifying(event::EXPIRED) || !cmd.has(WRITE | READONLY) || self.txn.is_some() {
            return;
        }
        if let Some(g) = self.group {
            // This connection's group may hold the stripes the deletes lock.
            let mut g = g.borrow_mut();
            if !g.is_empty() && g.commit().is_err() {
                return;
            }
        }
        let (store, db) = (&self.state.store, self.state.store.physical(self.session.db));
        for i in cmd.keys_of(argv) {
            if let Ok(true) = store.expire_if_due(db, &argv[i], self.now) {
                crate::commands::context::add(&self.state.stats.expired_keys, 1);
                self.notify(event::EXPIRED, "expired", &argv[i]);
                self.state.tracking.changed(&*self.state.pubsub.hub, &[&argv[i]], 0);
            }
        }
    }

    /// Whether this connection is in RESP2's subscribed mode, where only pub/sub
    /// commands, PING, QUIT and RESET run.
    pub fn in_subscribed_mode(&self) -> bool {
        self.session.subscriptions > 0 && self.session.resp == 2
    }
}

/// The commands RESP2's subscribed mode allows.
pub fn allowed_when_subscribed(name: &str) -> bool {
    matches!(name, "subscribe" | "unsubscribe" | "psubscribe" | "punsubscribe" | "ssubscribe" | "sunsubscribe" | "ping" | "quit" | "reset")
}

/// Commands that have subcommands, which Redis names `parent|sub` in errors.
const CONTAINERS: &[&str] = &[
    "acl", "client", "cluster", "command", "config", "debug", "function", "latency", "memory", "module", "object", "pubsub", "script",
    "slowlog", "xgroup", "xinfo",
];

/// Redis's refusal of a command in RESP2's subscribed mode.
pub fn subscribed_mode_error(cmd: &Command, argv: &[Bytes]) -> String {
    let name = match argv.get(1) {
        Some(sub) if CONTAINERS.contains(&cmd.name) => format!("{}|{}", cmd.name, String::from_utf8_lossy(sub).to_ascii_lowercase()),
        _ => cmd.name.to_string(),
    };
    format!("ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
}

/// `[kind, name, count]`, the confirmation of one (un)subscription.
fn confirm(word: &'static str, name: Option<&[u8]>, count: usize) -> Reply {
    Reply::Push(vec![Reply::from_str(word), name.map_or(Reply::Nil, Reply::bulk), Reply::Int(count as i64)])
}

fn refresh(ctx: &mut Ctx) {
    ctx.session.subscriptions = ctx.state.pubsub.hub.counts(ctx.session.id()).iter().sum();
}

fn subscribe_to(ctx: &mut Ctx, args: &mut Args, scope: Scope) -> Result<Reply, CmdError> {
    let (hub, id) = (&ctx.state.pubsub.hub, ctx.session.id());
    let replies = args.rest().iter().map(|name| confirm(scope.words().0, Some(name), hub.subscribe(id, scope, name))).collect();
    refresh(ctx);
    Ok(Reply::Many(replies))
}

fn unsubscribe_from(ctx: &mut Ctx, args: &mut Args, scope: Scope) -> Result<Reply, CmdError> {
    let (hub, id) = (&ctx.state.pubsub.hub, ctx.session.id());
    let names: Vec<Bytes> = if args.is_empty() { hub.subscriptions(id, scope) } else { args.rest().to_vec() };
    let word = scope.words().1;
    let replies = if names.is_empty() {
        let counts = hub.counts(id);
        let count = if scope == Scope::Shard { counts[2] } else { counts[0] + counts[1] };
        vec![confirm(word, None, count)]
    } else {
        names.iter().map(|name| confirm(word, Some(name), hub.unsubscribe(id, scope, name))).collect()
    };
    refresh(ctx);
    Ok(Reply::Many(replies))
}

/// Drops every subscription of this connection without confirmations (RESET).
pub fn leave_all(ctx: &mut Ctx) {
    let (hub, id) = (&ctx.state.pubsub.hub, ctx.session.id());
    for scope in [Scope::Channel, Scope::Pattern, Scope::Shard] {
        for name in hub.subscriptions(id, scope) {
            hub.unsubscribe(id, scope, &name);
        }
    }
    refresh(ctx);
}

fn subscribe(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    subscribe_to(ctx, args, Scope::Channel)
}

fn psubscribe(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    subscribe_to(ctx, args, Scope::Pattern)
}

fn ssubscribe(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    subscribe_to(ctx, args, Scope::Shard)
}

fn unsubscribe(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    unsubscribe_from(ctx, args, Scope::Channel)
}

fn punsubscribe(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    unsubscribe_from(ctx, args, Scope::Pattern)
}

fn sunsubscribe(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    unsubscribe_from(ctx, args, Scope::Shard)
}

fn publish(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (channel, message) = (args.next_bytes()?, args.next_bytes()?);
    Ok(Reply::Int(ctx.state.pubsub.hub.publish(Scope::Channel, channel, message) as i64))
}

fn spublish(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (channel, message) = (args.next_bytes()?, args.next_bytes()?);
    Ok(Reply::Int(ctx.state.pubsub.hub.publish(Scope::Shard, channel, message) as i64))
}

const PUBSUB_SUBS: &[Command] = &[
    cmd("channels", -2, PUBSUB | LOADING | STALE, (0, 0, 0), "pubsub", "Active channels", pubsub_channels),
    cmd("numsub", -2, PUBSUB | LOADING | STALE, (0, 0, 0), "pubsub", "Subscribers per channel", pubsub_numsub),
    cmd("numpat", 2, PUBSUB | LOADING | STALE, (0, 0, 0), "pubsub", "Number of subscribed patterns", pubsub_numpat),
    cmd("shardchannels", -2, PUBSUB | LOADING | STALE, (0, 0, 0), "pubsub", "Active shard channels", pubsub_shardchannels),
    cmd("shardnumsub", -2, PUBSUB | LOADING | STALE, (0, 0, 0), "pubsub", "Subscribers per shard channel", pubsub_shardnumsub),
    cmd("help", 2, LOADING | STALE, (0, 0, 0), "pubsub", "Show help", pubsub_help),
];

fn pubsub(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    dispatch_sub(ctx, args, "pubsub", PUBSUB_SUBS)
}

fn channels_of(ctx: &mut Ctx, args: &mut Args, scope: Scope) -> Result<Reply, CmdError> {
    let pattern = args.try_next();
    args.finish()
        .map_err(|_| CmdError::WrongArgs(format!("pubsub|{}", if scope == Scope::Shard { "shardchannels" } else { "channels" })))?;
    let names = ctx.state.pubsub.hub.channels(scope, pattern);
    Ok(Reply::Array(names.into_iter().map(|n| Reply::bulk(&n[..])).collect()))
}

fn numsub_of(ctx: &mut Ctx, args: &mut Args, scope: Scope) -> Result<Reply, CmdError> {
    let hub = &ctx.state.pubsub.hub;
    let mut out = Vec::new();
    for channel in args.rest() {
        out.push(Reply::bulk(&channel[..]));
        out.push(Reply::Int(hub.numsub(scope, channel) as i64));
    }
    Ok(Reply::Array(out))
}

fn pubsub_channels(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    channels_of(ctx, args, Scope::Channel)
}

fn pubsub_shardchannels(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    channels_of(ctx, args, Scope::Shard)
}

fn pubsub_numsub(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    numsub_of(ctx, args, Scope::Channel)
}

fn pubsub_shardnumsub(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    numsub_of(ctx, args, Scope::Shard)
}

fn pubsub_numpat(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Int(ctx.state.pubsub.hub.numpat() as i64))
}

fn pubsub_help(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(help_reply(
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_flags_read_back_as_redis_prints_them() {
        for (set, get) in [
            ("KEA", "AKE"),
            ("Ex$", "$xE"),
            ("nmdKg", "gdnKm"),
            ("AK", "AK"),
            ("", ""),
            ("g$lshzxetK", "g$lshzxetK"),
            ("g$lshzxetdK", "AK"),
        ] {
            assert_eq!(events_string(parse_events(set).unwrap()), get, "{set}");
        }
        assert_eq!(parse_events("Q"), None);
    }

    #[test]
    fn output_limits_merge_over_the_current_setting() {
        let current = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";
        let (text, pubsub) = output_limits("pubsub 1mb 512kb 10", current).unwrap();
        assert_eq!(text, "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 10");
        assert_eq!(pubsub, [1 << 20, 512 << 10, 10]);
        assert_eq!(output_limits("replica 1 1 1", current).unwrap().0, "normal 0 0 0 slave 1 1 1 pubsub 33554432 8388608 60");
        assert!(output_limits("pubsub 1 1", current).is_err());
        assert!(output_limits("foo 1 1 1", current).is_err());
        assert!(output_limits("pubsub x 1 1", current).is_err());
    }
}
