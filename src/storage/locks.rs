//! Striped key locks. A write command locks the stripes of every key it writes, in
//! ascending stripe order (so two multi-key commands can never deadlock), and holds them
//! across its read-modify-write. Reads take no lock: RocksDB reads are consistent per key
//! and a command's batch is applied atomically.

use parking_lot::{ArcMutexGuard, Mutex, MutexGuard, RawMutex};
use std::sync::Arc;

const STRIPES: usize = 4096;

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

    /// Locks the stripes of `keys` in database `db`.
    pub fn lock<'a, K: AsRef<[u8]>>(&'a self, db: u8, keys: &[K]) -> KeyGuard<'a> {
        KeyGuard { _held: Self::stripes_of(db, keys).into_iter().map(|i| self.stripes[i].lock()).collect() }
    }

    /// Tries to lock one stripe without waiting; the guard owns a handle to the stripe,
    /// so a write group can keep it across commands.
    pub fn try_stripe(&self, stripe: usize) -> Option<ArcMutexGuard<RawMutex, ()>> {
        self.stripes[stripe].try_lock_arc()
    }

    /// Locks one stripe, waiting for it; the guard owns a handle to the stripe.
    pub fn stripe_arc(&self, stripe: usize) -> ArcMutexGuard<RawMutex, ()> {
        self.stripes[stripe].lock_arc()
    }

    /// Locks keys that may live in different databases (MOVE, COPY ... DB).
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
