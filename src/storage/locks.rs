//! Striped key locks. A write command locks the stripes of every key it writes, in
//! ascending stripe order (so two multi-key commands can never deadlock), and holds them
//! across its read-modify-write. Reads take no lock: RocksDB reads are consistent per key
//! and a command's batch is applied atomically.
//!
//! **Kept stripes.** When two worker threads write one hot key, each write group used to
//! hand its stripe to the other thread at commit: a futex wake on one side, a sleep and a
//! context switch on the other, per group. A worker thread that enabled it
//! ([`keep_stripes_on_this_thread`]) instead keeps a stripe it had to wait for after the
//! pipelined group that took it commits, and the thread's next groups take it back without
//! touching the lock. A kept stripe goes back, handed fairly to the waiting thread, after
//! [`KEEP_COMMITS`] commits; sooner when a commit on the thread does not use it, when a
//! batch of requests on the thread ends without a commit that kept it ([`batch_done`]),
//! when the thread is about to wait for any stripe, the structure lock or the server's
//! transaction gate (a thread never waits while keeping one, so no cycle of waits can
//! form), and when the thread goes idle ([`release_kept_stripes`], called before the
//! runtime parks). Kept stripes hold no uncommitted writes, so keeping one only delays
//! the other thread's writes to its keys.

use parking_lot::{ArcMutexGuard, Mutex, MutexGuard, RawMutex};
use std::cell::{Cell, RefCell};
use std::sync::Arc;

const STRIPES: usize = 4096;

/// How many of its thread's commits a contended stripe stays with the thread. Each
/// hand-over is a futex wake and sleep (an IPI on a VM): 16 left them at 11% of a
/// pipelined SADD's CPU, 64 took 5-25% off the hot-key rows (docs/decisions.md).
const KEEP_COMMITS: u32 = 64;

/// Only a group of at least this many commands keeps its stripes. With one command per
/// group (`-P 1` clients) the lock is a small part of each request, and keeping it made
/// the other thread wait through the parts the two could run side by side.
const KEEP_MIN_COMMANDS: usize = 4;

/// At most this many stripes are kept per thread.
const KEEP_MAX: usize = 4;

thread_local! {
    /// The stripes this thread keeps between write groups; `None` where keeping is off.
    static KEPT: RefCell<Option<Vec<Stripe>>> = const { RefCell::new(None) };
    /// Whether a commit kept stripes since the last [`batch_done`].
    static KEPT_SINCE_BATCH: Cell<bool> = const { Cell::new(false) };
}

/// One stripe held by a write group.
pub struct Stripe {
    pub index: usize,
    guard: ArcMutexGuard<RawMutex, ()>,
    /// Some(n) if another thread competes for the stripe: the commits it has been kept for.
    kept: Option<u32>,
}

/// Lets this thread keep contended stripes between its write groups. Only for runtime
/// threads whose runtime calls [`release_kept_stripes`] before it parks, and that call it
/// too before they stop running connections (`block_in_place`).
pub fn keep_stripes_on_this_thread() {
    KEPT.with(|k| *k.borrow_mut() = Some(Vec::new()));
}

/// Releases every stripe this thread keeps.
pub fn release_kept_stripes() {
    let kept = KEPT.with(|k| k.borrow_mut().as_mut().map(std::mem::take));
    drop(kept);
}

/// Called after each batch of requests a thread runs: stripes no commit of the batch
/// used go back, so a thread busy with other work (reads, other keys) never sits on one.
pub fn batch_done() {
    if !KEPT_SINCE_BATCH.replace(false) {
        release_kept_stripes();
    }
}

/// Called by a write group after its commit with the stripes it held: contended ones are
/// kept (see the module notes), the rest released.
pub fn release_or_keep(stripes: &mut Vec<Stripe>, commands: usize) {
    KEPT.with(|k| {
        let mut kept = k.borrow_mut();
        let Some(kept) = kept.as_mut() else {
            stripes.clear();
            return;
        };
        // What this commit did not use goes back.
        kept.clear();
        for mut s in stripes.drain(..) {
            match s.kept {
                Some(n) if n + 1 < KEEP_COMMITS && commands >= KEEP_MIN_COMMANDS && kept.len() < KEEP_MAX => {
                    s.kept = Some(n + 1);
                    kept.push(s);
                    KEPT_SINCE_BATCH.set(true);
                }
                Some(n) if n > 0 => ArcMutexGuard::unlock_fair(s.guard),
                _ => {}
            }
        }
    });
}

fn take_kept(index: usize) -> Option<Stripe> {
    KEPT.with(|k| {
        let mut kept = k.borrow_mut();
        let kept = kept.as_mut()?;
        let at = kept.iter().position(|s| s.index == index)?;
        Some(kept.swap_remove(at))
    })
}

pub struct KeyLocks {
    stripes: Vec<Arc<Mutex<()>>>,
}

/// Holds a set of stripes until dropped.
pub struct KeyGuard<'a> {
    _held: Vec<MutexGuard<'a, ()>>,
}

impl KeyLocks {
    pub fn new() -> KeyLocks {
        KeyLocks { stripes: (0..STRIPES).map(|_| Arc::new(Mutex::new(()))).collect() }
    }

    /// The stripe of a key.
    pub fn stripe(db: u8, key: &[u8]) -> usize {
        // FNV-1a: cheap, and good enough to spread keys over stripes.
        let mut h: u64 = 0xcbf29ce484222325 ^ db as u64;
        for &b in key {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        (h as usize) % STRIPES
    }

    /// The stripes of `keys` in database `db`, each once, in the ascending order every
    /// locker takes them in.
    pub fn stripes_of<K: AsRef<[u8]>>(db: u8, keys: &[K]) -> Vec<usize> {
        let mut idx: Vec<usize> = keys.iter().map(|k| Self::stripe(db, k.as_ref())).collect();
        idx.sort_unstable();
        idx.dedup();
        idx
    }

    /// Locks the stripes of `keys` in database `db`. The caller has released this
    /// thread's kept stripes ([`release_kept_stripes`]).
    pub fn lock<'a, K: AsRef<[u8]>>(&'a self, db: u8, keys: &[K]) -> KeyGuard<'a> {
        KeyGuard { _held: Self::stripes_of(db, keys).into_iter().map(|i| self.stripes[i].lock()).collect() }
    }

    /// Takes one stripe without waiting, from this thread's kept ones or from the lock;
    /// the guard owns a handle to the stripe, so a write group can hold it across commands.
    pub fn try_stripe(&self, index: usize) -> Option<Stripe> {
        take_kept(index).or_else(|| Some(Stripe { index, guard: self.stripes[index].try_lock_arc()?, kept: None }))
    }

    /// Takes one stripe, waiting for it. The caller has released this thread's kept
    /// stripes. A stripe that had to be waited for is marked contended.
    pub fn wait_stripe(&self, index: usize) -> Stripe {
        match self.stripes[index].try_lock_arc() {
            Some(guard) => Stripe { index, guard, kept: None },
            None => Stripe { index, guard: self.stripes[index].lock_arc(), kept: Some(0) },
        }
    }

    /// Locks keys that may live in different databases (MOVE, COPY ... DB). The caller
    /// has released this thread's kept stripes.
    pub fn lock_pairs<'a>(&'a self, keys: &[(u8, &[u8])]) -> KeyGuard<'a> {
        let mut idx: Vec<usize> = keys.iter().map(|(db, k)| Self::stripe(*db, k)).collect();
        idx.sort_unstable();
        idx.dedup();
        KeyGuard { _held: idx.into_iter().map(|i| self.stripes[i].lock()).collect() }
    }
}

impl Default for KeyLocks {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Takes stripe `i` on this thread after waiting for another thread to release it, so
    /// it is marked contended (tried again in the unlikely case the other thread let go
    /// before this one asked).
    fn wait_while_held(locks: &Arc<KeyLocks>, i: usize) -> Stripe {
        loop {
            let (held_tx, held_rx) = std::sync::mpsc::channel();
            let holder = {
                let locks = locks.clone();
                std::thread::spawn(move || {
                    let _held = locks.stripes[i].lock();
                    held_tx.send(()).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(20));
                })
            };
            held_rx.recv().unwrap();
            let s = locks.wait_stripe(i);
            holder.join().unwrap();
            if s.kept.is_some() {
                return s;
            }
        }
    }

    #[test]
    fn a_contended_stripe_stays_with_its_thread_for_a_bounded_number_of_commits() {
        let locks = Arc::new(KeyLocks::new());
        let locked = |i: usize| locks.stripes[i].is_locked();
        let run = {
            let locks = locks.clone();
            move || {
                keep_stripes_on_this_thread();
                // An uncontended stripe goes back at commit.
                let mut held = vec![locks.wait_stripe(1)];
                release_or_keep(&mut held, 16);
                assert!(!locks.stripes[1].is_locked());
                // A contended one taken by a small group goes back too.
                let mut held = vec![wait_while_held(&locks, 2)];
                release_or_keep(&mut held, 1);
                assert!(!locks.stripes[2].is_locked());
                // One taken by a pipelined group is kept, and the next group takes it back
                // from the thread, for KEEP_COMMITS commits in all.
                let mut held = vec![wait_while_held(&locks, 3)];
                for _ in 1..KEEP_COMMITS {
                    release_or_keep(&mut held, 16);
                    assert!(held.is_empty() && locks.stripes[3].is_locked());
                    batch_done();
                    held.push(locks.try_stripe(3).expect("kept on this thread"));
                }
                release_or_keep(&mut held, 16);
                assert!(!locks.stripes[3].is_locked());
                // A batch without a commit that kept it gives it back.
                let mut held = vec![wait_while_held(&locks, 4)];
                release_or_keep(&mut held, 16);
                batch_done();
                assert!(locks.stripes[4].is_locked());
                batch_done();
                assert!(!locks.stripes[4].is_locked());
                // So does a commit that does not use it, and going idle.
                let mut held = vec![wait_while_held(&locks, 5)];
                release_or_keep(&mut held, 16);
                release_or_keep(&mut vec![locks.wait_stripe(6)], 16);
                assert!(!locks.stripes[5].is_locked());
                let mut held = vec![wait_while_held(&locks, 7)];
                release_or_keep(&mut held, 16);
                release_kept_stripes();
                assert!(!locks.stripes[7].is_locked());
            }
        };
        std::thread::spawn(run).join().unwrap();
        assert!((1..8).all(|i| !locked(i)));
        // Threads that did not ask for it keep nothing.
        let mut held = vec![wait_while_held(&locks, 8)];
        release_or_keep(&mut held, 16);
        assert!(!locked(8));
    }

    #[test]
    fn same_key_twice_does_not_deadlock_and_overlapping_sets_serialize() {
        let locks = Arc::new(KeyLocks::new());
        let g = locks.lock(0, &[b"a".as_ref(), b"a".as_ref(), b"b".as_ref()]);
        drop(g);
        let counter = Arc::new(Mutex::new(0u32));
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let (locks, counter) = (locks.clone(), counter.clone());
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        let keys: [&[u8]; 2] = if i % 2 == 0 { [b"x", b"y"] } else { [b"y", b"x"] };
                        let _g = locks.lock(0, &keys);
                        *counter.lock() += 1;
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(*counter.lock(), 4000);
    }
}
