//! Random picks from collections (HRANDFIELD, SRANDMEMBER, SPOP with a count,
//! ZRANDMEMBER): the generator, and the two ways of choosing while walking a collection's
//! rows once, in order.

use super::{Error, Result};
use std::collections::{HashMap, HashSet};

/// The most elements a negative count may ask for. Redis has no such limit but would
/// build the whole reply in memory; so do we, and a client must not be able to make the
/// server allocate without bound.
pub const MAX_RANDOM_PICKS: u64 = 1 << 24;

/// splitmix64: small, fast and good enough to pick members.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Up to `want` distinct items, uniformly: reservoir sampling over one pass, then a
/// shuffle so the order is random too.
pub(super) struct Distinct<T> {
    want: usize,
    seen: u64,
    picked: Vec<T>,
}

impl<T> Distinct<T> {
    pub(super) fn new(want: usize) -> Distinct<T> {
        Distinct { want, seen: 0, picked: Vec::with_capacity(want.min(1 << 20)) }
    }

    /// Offers the next item; `make` builds it only if it is kept.
    pub(super) fn offer(&mut self, rng: &mut Rng, make: impl FnOnce() -> T) {
        self.seen += 1;
        if self.picked.len() < self.want {
            self.picked.push(make());
        } else {
            let j = rng.below(self.seen) as usize;
            if j < self.want {
                self.picked[j] = make();
            }
        }
    }

    pub(super) fn finish(mut self, rng: &mut Rng) -> Vec<T> {
        for i in (1..self.picked.len()).rev() {
            self.picked.swap(i, rng.below(i as u64 + 1) as usize);
        }
        self.picked
    }
}

/// `n` items chosen independently (so they may repeat), in pick order; the walk stops at
/// the last picked position.
pub(super) struct Repeats<T> {
    picks: Vec<u64>,
    wanted: HashSet<u64>,
    last: u64,
    next: u64,
    rows: HashMap<u64, T>,
}

impl<T: Clone> Repeats<T> {
    /// `n` picks among `size > 0` items; `OutOfRange` beyond [`MAX_RANDOM_PICKS`].
    pub(super) fn new(n: u64, size: u64, rng: &mut Rng) -> Result<Repeats<T>> {
        if n > MAX_RANDOM_PICKS {
            return Err(Error::OutOfRange);
        }
        let picks: Vec<u64> = (0..n).map(|_| rng.below(size)).collect();
        let last = picks.iter().copied().max().unwrap_or(0);
        let wanted: HashSet<u64> = picks.iter().copied().collect();
        Ok(Repeats { rows: HashMap::with_capacity(wanted.len()), picks, wanted, last, next: 0 })
    }

    /// Offers the next item; returns whether the walk should go on.
    pub(super) fn offer(&mut self, make: impl FnOnce() -> T) -> bool {
        if self.wanted.contains(&self.next) {
            self.rows.insert(self.next, make());
        }
        self.next += 1;
        self.next <= self.last
    }

    pub(super) fn finish(self) -> Vec<T> {
        self.picks.iter().filter_map(|p| self.rows.get(p).cloned()).collect()
    }
}
