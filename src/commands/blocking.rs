//! Clients waiting in blocking commands (BLPOP, BZPOPMIN, BLMOVE, XREAD BLOCK, ...).
//!
//! A waiting client sits in a FIFO queue for each key it waits on. When a write command
//! touching a key commits, the client at the head of that key's queue is woken; it runs
//! its command again, and when it leaves the queue (served, timed out, or gone) it wakes
//! the new heads of its keys in turn. So clients are served in the order they began to
//! wait, one at a time, and a push of several elements serves as many waiters as it can.
//! A client woken for nothing (someone else took the element) runs its command, finds
//! nothing and keeps its place: waking too often costs a read, never a lost wake-up.
//!
//! Writers look at one atomic counter before anything else, so the registry costs
//! nothing while nobody waits. Ordering: a waiter joins its queues (bumping the counter)
//! before running its command again, and a writer reads the counter after its write is
//! committed; both are `SeqCst`, so either the writer sees the waiter, or the waiter's
//! run sees the write.

use crate::commands::context::ClientHandle;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

type Queues = HashMap<(u8, Vec<u8>), VecDeque<Arc<ClientHandle>>>;

#[derive(Default)]
pub struct Waiters {
    /// How many clients wait (INFO's `blocked_clients`).
    waiting: AtomicUsize,
    queues: Mutex<Queues>,
}

impl Waiters {
    /// How many clients wait now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Puts `client` at the end of the queue of each of `keys` in physical db `db`.
    pub fn join(&self, db: u8, keys: &[Vec<u8>], client: &Arc<ClientHandle>) {
        let mut queues = self.queues.lock();
        for key in keys {
            let queue = queues.entry((db, key.clone())).or_default();
            if !queue.iter().any(|c| c.id == client.id) {
                queue.push_back(client.clone());
            }
        }
        client.blocked.store(true, Ordering::SeqCst);
        self.waiting.fetch_add(1, Ordering::SeqCst);
    }

    /// Takes `client` out of its queues and wakes their new heads, which may have been
    /// passed over while it was first in line.
    pub fn leave(&self, db: u8, keys: &[Vec<u8>], client: &ClientHandle) {
        let mut queues = self.queues.lock();
        for key in keys {
            let slot = (db, key.clone());
            let Some(queue) = queues.get_mut(&slot) else { continue };
            queue.retain(|c| c.id != client.id);
            match queue.front() {
                Some(head) => head.wake.notify_one(),
                None => {
                    queues.remove(&slot);
                }
            }
        }
        client.blocked.store(false, Ordering::SeqCst);
        self.waiting.fetch_sub(1, Ordering::SeqCst);
    }

    /// A write to `key` committed: wakes the first client waiting on it.
    pub fn key_written(&self, db: u8, key: &[u8]) {
        let queues = self.queues.lock();
        if let Some(head) = queues.get(&(db, key.to_vec())).and_then(|q| q.front()) {
            head.wake.notify_one();
        }
    }

    /// Something beyond named keys changed (FLUSHALL, SWAPDB): every waiter looks again.
    pub fn everything_written(&self) {
        for queue in self.queues.lock().values() {
            for client in queue {
                client.wake.notify_one();
            }
        }
    }
}
