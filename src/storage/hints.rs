//! Where the live rows under a prefix begin and end, as far as pops have learnt it.
//!
//! A sorted set drained from one end (ZPOPMIN as a queue) leaves the tombstones of the
//! rows it popped at that end until compaction, and a scan from the prefix steps over
//! all of them: each pop would cost more than the last. So a pop records the key of the
//! last row it took; the next pop from that end seeks there and skips the tombstones in
//! one step. SPOP keeps its set's edges here too, to draw probes between them without
//! seeking them (see `types/set.rs`). A hint is only an optimisation: it lives in memory,
//! is bounded, and a write that adds a row under the prefix beyond a hint forgets it.

use foldhash::HashMap;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Which end of the prefix's rows a hint is for.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum End {
    /// No live row sorts before the hint.
    Front,
    /// No live row sorts after the hint.
    Back,
}

/// At most this many hints are kept; past it they are all dropped (they rebuild on the
/// next pops).
const CAPACITY: usize = 4096;

#[derive(Default)]
pub struct PopHints {
    map: Mutex<HashMap<(Vec<u8>, End), Vec<u8>>>,
    /// False while the map is empty, so writers pay one atomic load.
    any: AtomicBool,
}

impl PopHints {
    /// Whether any hint is kept (one atomic load: writers check it before building keys).
    pub fn active(&self) -> bool {
        self.any.load(Ordering::Acquire)
    }

    pub fn get(&self, prefix: &[u8], end: End) -> Option<Vec<u8>> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        self.map.lock().get(&(prefix.to_vec(), end)).cloned()
    }

    /// Records that no live row under `prefix` lies beyond `key` towards `end`.
    pub fn set(&self, prefix: &[u8], end: End, key: Vec<u8>) {
        let mut map = self.map.lock();
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert((prefix.to_vec(), end), key);
        self.any.store(true, Ordering::Release);
    }

    /// Row `key` was added under `prefix`: forgets the hints it lies beyond (a sliding
    /// window adds at the back and removes from the front, and keeps its front hint).
    pub fn added(&self, prefix: &[u8], key: &[u8]) {
        if !self.any.load(Ordering::Acquire) {
            return;
        }
        let mut map = self.map.lock();
        for end in [End::Front, End::Back] {
            let slot = (prefix.to_vec(), end);
            let beyond = map.get(&slot).is_some_and(|hint| match end {
                End::Front => key < &hint[..],
                End::Back => key > &hint[..],
            });
            if beyond {
                map.remove(&slot);
            }
        }
        self.any.store(!map.is_empty(), Ordering::Release);
    }

    /// Forgets every hint: a write failed, and the hints its pops recorded point past rows
    /// that are still stored.
    pub fn clear(&self) {
        self.map.lock().clear();
        self.any.store(false, Ordering::Release);
    }

    /// A row was added under `prefix`: both ends may have moved outwards.
    pub fn forget(&self, prefix: &[u8]) {
        if !self.any.load(Ordering::Acquire) {
            return;
        }
        let mut map = self.map.lock();
        map.remove(&(prefix.to_vec(), End::Front));
        map.remove(&(prefix.to_vec(), End::Back));
        self.any.store(!map.is_empty(), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_forget() {
        let h = PopHints::default();
        assert_eq!(h.get(b"p", End::Front), None);
        h.set(b"p", End::Front, b"p5".to_vec());
        h.set(b"p", End::Back, b"p9".to_vec());
        assert_eq!(h.get(b"p", End::Front), Some(b"p5".to_vec()));
        assert_eq!(h.get(b"q", End::Front), None);
        h.forget(b"p");
        assert_eq!(h.get(b"p", End::Back), None);
    }

    #[test]
    fn an_added_row_forgets_only_the_hints_it_lies_beyond() {
        let h = PopHints::default();
        h.set(b"p", End::Front, b"p5".to_vec());
        h.set(b"p", End::Back, b"p7".to_vec());
        h.added(b"p", b"p6");
        assert_eq!((h.get(b"p", End::Front), h.get(b"p", End::Back)), (Some(b"p5".to_vec()), Some(b"p7".to_vec())));
        h.added(b"p", b"p8");
        assert_eq!((h.get(b"p", End::Front), h.get(b"p", End::Back)), (Some(b"p5".to_vec()), None));
        h.added(b"p", b"p1");
        assert_eq!(h.get(b"p", End::Front), None);
        assert!(!h.active());
    }
}
