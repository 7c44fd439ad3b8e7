//! The pub/sub hub: who listens to which channel, shard channel and pattern, and the
//! delivery of published messages into each subscriber's mailbox.
//!
//! Publishing never waits: a message goes into every subscriber's unbounded queue and
//! its connection task writes it when the socket takes it. What bounds the memory is
//! Redis's `client-output-buffer-limit pubsub <hard> <soft> <seconds>`: every message
//! charges its size to the subscriber (the connection gives the bytes back once
//! written), and a subscriber past the hard limit, or past the soft limit for longer
//! than the soft seconds, is disconnected, with Redis's log line.
//!
//! Locks: `clients` (the per-connection subscription sets) is taken before a route map
//! when both are needed; publishing takes only the route maps, for reading. `monitors`
//! is never taken with `clients` held, nor the other way round.

use crate::commands::context::ClientHandle;
use crate::commands::pubsub::{Broker, Kind, Mailbox, Message, Scope};
use crate::glob;
use crate::protocol::Reply;
use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

/// One connection as the hub delivers to it.
struct Inbox {
    client: Arc<ClientHandle>,
    tx: UnboundedSender<Arc<Message>>,
    /// Bytes queued or being written (shared with the connection's [`Mailbox`]).
    queued: Arc<AtomicUsize>,
    /// Milliseconds since the hub started when the soft limit was first exceeded, 0 if
    /// the subscriber is under it.
    over_soft_since: AtomicU64,
}

/// One connection's subscriptions.
struct Subscriber {
    inbox: Arc<Inbox>,
    sets: [BTreeSet<Bytes>; 3],
}

type Routes = RwLock<HashMap<Bytes, Vec<Arc<Inbox>>>>;

pub struct Hub {
    clients: Mutex<HashMap<u64, Subscriber>>,
    /// Channel, pattern and shard-channel routes, indexed by [`slot`].
    routes: [Routes; 3],
    /// `client-output-buffer-limit pubsub`: hard bytes, soft bytes, soft seconds.
    limit: [AtomicU64; 3],
    started: Instant,
    /// MONITOR clients, and how many there are (read before every command).
    monitors: RwLock<Vec<Arc<Inbox>>>,
    monitor_count: AtomicUsize,
}

fn slot(scope: Scope) -> usize {
    match scope {
        Scope::Channel => 0,
        Scope::Pattern => 1,
        Scope::Shard => 2,
    }
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            clients: Mutex::default(),
            routes: Default::default(),
            // Redis's default: 32mb hard, 8mb soft for 60 seconds.
            limit: [AtomicU64::new(32 << 20), AtomicU64::new(8 << 20), AtomicU64::new(60)],
            started: Instant::now(),
            monitors: RwLock::default(),
            monitor_count: AtomicUsize::new(0),
        }
    }
}

impl Hub {
    /// Queues `message` for one subscriber unless that puts it over its output limits,
    /// in which case the subscriber is disconnected instead.
    fn deliver(&self, inbox: &Inbox, message: &Arc<Message>) {
        if inbox.client.killed.load(Ordering::Relaxed) {
            return;
        }
        let size = message.size();
        let used = (inbox.queued.fetch_add(size, Ordering::Relaxed) + size) as u64;
        if self.over_limits(inbox, used) {
            log::warn!(
                "Client id={} addr={} laddr={} name={} scheduled to be closed ASAP for overcoming of output buffer limits.",
                inbox.client.id,
                inbox.client.addr,
                inbox.client.laddr,
                inbox.client.name.lock().as_deref().map(String::from_utf8_lossy).unwrap_or_default()
            );
            inbox.client.kill();
            return;
        }
        // Fails only once the connection is gone, which detaches it next.
        let _ = inbox.tx.send(message.clone());
    }

    /// Redis's `checkClientOutputBufferLimits`: over the hard limit at once, or over the
    /// soft limit for more than the soft seconds.
    fn over_limits(&self, inbox: &Inbox, used: u64) -> bool {
        let [hard, soft, secs] = [0, 1, 2].map(|i| self.limit[i].load(Ordering::Relaxed));
        if hard > 0 && used >= hard {
            return true;
        }
        if soft == 0 || used < soft {
            inbox.over_soft_since.store(0, Ordering::Relaxed);
            return false;
        }
        // Stored +1 so that 0 keeps meaning "under the soft limit".
        let now = self.started.elapsed().as_millis() as u64 + 1;
        match inbox.over_soft_since.load(Ordering::Relaxed) {
            0 => {
                inbox.over_soft_since.store(now, Ordering::Relaxed);
                false
            }
            since => now - since > secs * 1000,
        }
    }

    fn add_route(&self, scope: Scope, name: &[u8], inbox: &Arc<Inbox>) {
        self.routes[slot(scope)].write().entry(Bytes::copy_from_slice(name)).or_default().push(inbox.clone());
    }

    fn remove_route(&self, scope: Scope, name: &[u8], client: u64) {
        let mut routes = self.routes[slot(scope)].write();
        if let Some(list) = routes.get_mut(name) {
            list.retain(|i| i.client.id != client);
            if list.is_empty() {
                routes.remove(name);
            }
        }
    }
}

/// The count a (un)subscription confirms: channels plus patterns, or shard channels.
fn confirm_count(sub: &Subscriber, scope: Scope) -> usize {
    match scope {
        Scope::Shard => sub.sets[2].len(),
        _ => sub.sets[0].len() + sub.sets[1].len(),
    }
}

impl Broker for Hub {
    fn attach(&self, client: Arc<ClientHandle>) -> Mailbox {
        let (tx, rx) = unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let id = client.id;
        let inbox = Arc::new(Inbox { client, tx, queued: queued.clone(), over_soft_since: AtomicU64::new(0) });
        self.clients.lock().insert(id, Subscriber { inbox, sets: Default::default() });
        Mailbox { messages: rx, queued }
    }

    fn detach(&self, client: u64) {
        self.monitor(client, false);
        let Some(sub) = self.clients.lock().remove(&client) else { return };
        for (scope, set) in [Scope::Channel, Scope::Pattern, Scope::Shard].into_iter().zip(&sub.sets) {
            for name in set {
                self.remove_route(scope, name, client);
            }
        }
    }

    fn subscribe(&self, client: u64, scope: Scope, name: &[u8]) -> usize {
        let mut clients = self.clients.lock();
        let Some(sub) = clients.get_mut(&client) else { return 0 };
        if sub.sets[slot(scope)].insert(Bytes::copy_from_slice(name)) {
            self.add_route(scope, name, &sub.inbox);
        }
        confirm_count(sub, scope)
    }

    fn unsubscribe(&self, client: u64, scope: Scope, name: &[u8]) -> usize {
        let mut clients = self.clients.lock();
        let Some(sub) = clients.get_mut(&client) else { return 0 };
        if sub.sets[slot(scope)].remove(name) {
            self.remove_route(scope, name, client);
        }
        confirm_count(sub, scope)
    }

    fn subscriptions(&self, client: u64, scope: Scope) -> Vec<Bytes> {
        self.clients.lock().get(&client).map_or_else(Vec::new, |s| s.sets[slot(scope)].iter().cloned().collect())
    }

    fn counts(&self, client: u64) -> [usize; 3] {
        self.clients.lock().get(&client).map_or([0; 3], |s| [0, 1, 2].map(|i| s.sets[i].len()))
    }

    fn publish(&self, scope: Scope, channel: &[u8], payload: &[u8]) -> usize {
        let (channel, payload) = (Bytes::copy_from_slice(channel), Bytes::copy_from_slice(payload));
        // One message per route, shared by all its subscribers.
        let fan_out = |list: &[Arc<Inbox>], pattern: Option<&Bytes>| {
            let message = Arc::new(Message {
                pattern: pattern.cloned(),
                shard: scope == Scope::Shard,
                channel: channel.clone(),
                payload: payload.clone(),
                kind: Kind::Published,
            });
            list.iter().for_each(|inbox| self.deliver(inbox, &message));
            list.len()
        };
        let mut receivers = self.routes[slot(scope)].read().get(&channel).map_or(0, |list| fan_out(list, None));
        if scope == Scope::Channel {
            for (pattern, list) in self.routes[1].read().iter() {
                if glob::matches(pattern, &channel, false) {
                    receivers += fan_out(list, Some(pattern));
                }
            }
        }
        receivers
    }

    fn channels(&self, scope: Scope, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let routes = self.routes[slot(scope)].read();
        let mut names: Vec<Bytes> = routes.keys().filter(|c| pattern.is_none_or(|p| glob::matches(p, c, false))).cloned().collect();
        names.sort_unstable();
        names
    }

    fn numsub(&self, scope: Scope, channel: &[u8]) -> usize {
        self.routes[slot(scope)].read().get(channel).map_or(0, Vec::len)
    }

    fn numpat(&self) -> usize {
        self.routes[1].read().len()
    }

    fn set_output_limit(&self, hard: u64, soft: u64, soft_seconds: u64) {
        for (slot, v) in self.limit.iter().zip([hard, soft, soft_seconds]) {
            slot.store(v, Ordering::Relaxed);
        }
    }

    fn monitor(&self, client: u64, on: bool) {
        let inbox = if on { self.clients.lock().get(&client).map(|sub| sub.inbox.clone()) } else { None };
        let mut monitors = self.monitors.write();
        monitors.retain(|i| i.client.id != client);
        monitors.extend(inbox);
        self.monitor_count.store(monitors.len(), Ordering::Relaxed);
    }

    fn monitoring(&self) -> bool {
        self.monitor_count.load(Ordering::Relaxed) > 0
    }

    fn send(&self, client: u64, message: Message) -> bool {
        let Some(inbox) = self.clients.lock().get(&client).map(|s| s.inbox.clone()) else { return false };
        self.deliver(&inbox, &Arc::new(message));
        true
    }

    fn reachable(&self, client: u64) -> Option<(u8, bool)> {
        let clients = self.clients.lock();
        let s = clients.get(&client)?;
        Some((s.inbox.client.resp.load(Ordering::Relaxed), s.sets.iter().any(|set| !set.is_empty())))
    }

    fn feed_monitors(&self, line: Bytes) {
        let message = Arc::new(Message { payload: line, ..Message::of(Kind::Monitor) });
        self.monitors.read().iter().for_each(|inbox| self.deliver(inbox, &message));
    }
}

/// The most message bytes a connection encodes before writing them, so a backlog
/// goes out in bounded pieces.
pub const DRAIN_BYTES: usize = 256 * 1024;

/// Encodes `first` (if any) and whatever else is already queued, up to about
/// [`DRAIN_BYTES`], for a client speaking `resp`. Returns the bytes the hub charged for
/// them, to give back once they are written.
pub fn drain(mailbox: &mut Mailbox, first: Option<Arc<Message>>, resp: u8, out: &mut Vec<u8>) -> usize {
    let mut charged = 0;
    let mut next = first;
    loop {
        let Some(m) = next.take().or_else(|| mailbox.messages.try_recv().ok()) else { break };
        charged += m.size();
        match (&m.kind, &m.pattern, m.shard) {
            (Kind::Monitor, ..) => crate::protocol::encode_status(&m.payload, out),
            (Kind::Invalidate(keys), ..) => invalidation(keys.as_deref(), resp).encode(resp, out),
            (Kind::RedirectBroken(id), ..) => {
                Reply::Push(vec![Reply::from_str("tracking-redir-broken"), Reply::Int(*id as i64)]).encode(resp, out)
            }
            (_, Some(p), _) => crate::protocol::encode_push(resp, &[b"pmessage", p, &m.channel, &m.payload], out),
            (_, None, true) => crate::protocol::encode_push(resp, &[b"smessage", &m.channel, &m.payload], out),
            (_, None, false) => crate::protocol::encode_push(resp, &[b"message", &m.channel, &m.payload], out),
        }
        if out.len() >= DRAIN_BYTES {
            break;
        }
    }
    charged
}

/// An invalidation as Redis writes it: a RESP3 `invalidate` push, or on RESP2 (a client
/// invalidations are redirected to, in subscribed mode) a message on the
/// `__redis__:invalidate` channel. `None` (a flush) is a null.
fn invalidation(keys: Option<&[Bytes]>, resp: u8) -> Reply {
    let keys = keys.map_or(Reply::Nil, |keys| Reply::Array(keys.iter().map(|k| Reply::bulk(k.to_vec())).collect()));
    if resp >= 3 {
        Reply::Push(vec![Reply::from_str("invalidate"), keys])
    } else {
        Reply::Push(vec![Reply::from_str("message"), Reply::from_str("__redis__:invalidate"), keys])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(id: u64) -> Arc<ClientHandle> {
        let addr = "127.0.0.1:1".parse().unwrap();
        Arc::new(ClientHandle::new(id, addr, addr))
    }

    #[test]
    fn routes_follow_subscriptions_and_detach() {
        let hub = Hub::default();
        let (a, b) = (client(1), client(2));
        let mut ma = hub.attach(a);
        let _mb = hub.attach(b);
        assert_eq!(hub.subscribe(1, Scope::Channel, b"c"), 1);
        assert_eq!(hub.subscribe(1, Scope::Pattern, b"c*"), 2);
        assert_eq!(hub.subscribe(2, Scope::Channel, b"c"), 1);
        assert_eq!(hub.publish(Scope::Channel, b"c", b"m"), 3);
        let mut out = Vec::new();
        drain(&mut ma, None, 2, &mut out);
        assert_eq!(out, b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$1\r\nc\r\n$1\r\nm\r\n");
        hub.detach(2);
        assert_eq!((hub.numsub(Scope::Channel, b"c"), hub.numpat()), (1, 1));
        hub.detach(1);
        assert_eq!((hub.channels(Scope::Channel, None).len(), hub.numpat()), (0, 0));
    }

    #[test]
    fn output_limits_kill_past_hard_at_once_and_past_soft_after_its_seconds() {
        let hub = Hub::default();
        let payload = vec![b'x'; 1000];
        // Hard: the first message that reaches it disconnects.
        hub.set_output_limit(2500, 0, 0);
        let slow = client(1);
        let _m = hub.attach(slow.clone());
        hub.subscribe(1, Scope::Channel, b"c");
        hub.publish(Scope::Channel, b"c", &payload);
        hub.publish(Scope::Channel, b"c", &payload);
        assert!(!slow.killed.load(Ordering::Relaxed));
        hub.publish(Scope::Channel, b"c", &payload);
        assert!(slow.killed.load(Ordering::Relaxed));
        // Soft: over it is tolerated until it has lasted longer than the soft seconds
        // (0 here: the next message a millisecond later).
        hub.set_output_limit(0, 1500, 0);
        let lagging = client(2);
        let mut m = hub.attach(lagging.clone());
        hub.subscribe(2, Scope::Channel, b"d");
        hub.publish(Scope::Channel, b"d", &payload);
        hub.publish(Scope::Channel, b"d", &payload);
        assert!(!lagging.killed.load(Ordering::Relaxed), "first time over the soft limit");
        // Writing what was queued brings it back under, which resets the clock.
        let charged = drain(&mut m, None, 2, &mut Vec::new());
        m.queued.fetch_sub(charged, Ordering::Relaxed);
        hub.publish(Scope::Channel, b"d", &payload);
        hub.publish(Scope::Channel, b"d", &payload);
        assert!(!lagging.killed.load(Ordering::Relaxed), "the clock restarted");
        std::thread::sleep(std::time::Duration::from_millis(5));
        hub.publish(Scope::Channel, b"d", &payload);
        assert!(lagging.killed.load(Ordering::Relaxed));
    }
}
