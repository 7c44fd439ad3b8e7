//! Read-ahead windows: the next rows at the end of a list that pops are eating, read
//! with one scan instead of one point read per pop.
//!
//! LPOP and RPOP read the element they remove with a point read: in profiles of RPOP at
//! `-P 16`, over a third of the CPU, mostly SST probes (the popped end holds the oldest
//! pushes). A window holds a run of consecutive rows of one collection (one member
//! prefix): every stored row with a member between its bounds, read by one scan under
//! the key's lock. Pops then find their elements in it.
//!
//! Coherence follows the member sets' rules ([`super::members`]): a window is exact for
//! the key's writer, the only one that reads it, because [`Storage::write`]
//! (super::Storage::write) applies every committed `data` row between its bounds while
//! the writer still holds the lock. A row written outside the bounds (a push at the
//! other end) changes nothing the window claims to know.

use super::cache::{ByCharge, Charged, Coherent};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many rows, and about how many bytes, one read-ahead takes.
pub const ROWS: usize = 64;
pub const BYTES: usize = 64 << 10;

/// Bookkeeping bytes per row and per window.
const ROW_OVERHEAD: u64 = 64;
const WINDOW_OVERHEAD: u64 = 256;

/// The rows of one window: member suffix -> value, complete for members in `lo..=hi`.
pub struct Rows {
    pub lo: Vec<u8>,
    pub hi: Vec<u8>,
    pub rows: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl Rows {
    fn covers(&self, member: &[u8]) -> bool {
        self.lo.as_slice() <= member && member <= self.hi.as_slice()
    }

    fn weight(&self) -> u64 {
        WINDOW_OVERHEAD
            + (self.lo.len() + self.hi.len()) as u64
            + self.rows.iter().map(|(k, v)| (k.len() + v.len()) as u64 + ROW_OVERHEAD).sum::<u64>()
    }
}

pub struct Window(Mutex<Rows>);

impl Window {
    /// `None` if `member` is outside the window, else its stored value (or `Some(None)`:
    /// no such row).
    pub fn get(&self, member: &[u8]) -> Option<Option<Vec<u8>>> {
        let rows = self.0.lock();
        rows.covers(member).then(|| rows.rows.get(member).cloned())
    }
}

/// Windows by member prefix.
pub struct ReadAheads(Coherent<Charged<Window>, ByCharge>);

impl ReadAheads {
    /// Windows of at most `bytes` in all (0 disables them).
    pub fn new(bytes: usize) -> ReadAheads {
        ReadAheads(Coherent::new(bytes, BYTES / 4, ByCharge))
    }

    /// The cached window of `prefix`, or a ticket to fill one with.
    pub fn lookup(&self, prefix: &[u8]) -> Result<Arc<Window>, u64> {
        self.0.lookup(prefix).map(|(w, _)| w)
    }

    /// A ticket to replace the window of `prefix` with.
    pub fn ticket(&self, prefix: &[u8]) -> u64 {
        self.0.ticket(prefix)
    }

    /// Caches `rows` (scanned under the key's lock after the ticket was taken) as the
    /// window of `prefix`, replacing any other, unless a write touched the prefix's shard
    /// since.
    pub fn fill(&self, prefix: &[u8], ticket: u64, rows: Rows) -> Arc<Window> {
        let weight = rows.weight();
        let window = Arc::new(Window(Mutex::new(rows)));
        self.0.fill(prefix, ticket, (window.clone(), weight));
        window
    }

    /// Records committed writes of `data` rows under `prefix` (`None` = deleted), in
    /// batch order, in its cached window if there is one. Rows only leave a window or
    /// change in it, so its weight is not recharged.
    pub fn apply(&self, prefix: &[u8], changes: &[(&[u8], Option<&[u8]>)]) {
        self.0.update(prefix, |cache| {
            let Some((window, _)) = cache.get(prefix) else { return };
            let mut w = window.0.lock();
            for &(row, value) in changes {
                let member = &row[prefix.len()..];
                if !w.covers(member) {
                    continue;
                }
                match value {
                    Some(v) => w.rows.insert(member.to_vec(), v.to_vec()),
                    None => w.rows.remove(member),
                };
            }
        })
    }

    /// Forgets everything (FLUSHDB, FLUSHALL), after the RocksDB write.
    pub fn clear(&self) {
        self.0.clear();
    }

    /// Bytes held.
    pub fn usage(&self) -> u64 {
        self.0.usage()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::keys::{member_key, member_prefix};

    #[test]
    fn committed_rows_inside_the_bounds_reach_the_window() {
        let windows = ReadAheads::new(1 << 20);
        let prefix = member_prefix(0, b"l", 3);
        let row = |i: u8| member_key(0, b"l", 3, &[i]);
        let Err(ticket) = windows.lookup(&prefix) else { panic!("empty cache hit") };
        let rows = Rows { lo: vec![2], hi: vec![4], rows: BTreeMap::from([(vec![2], b"b".to_vec()), (vec![4], b"d".to_vec())]) };
        let window = windows.fill(&prefix, ticket, rows);
        assert_eq!(window.get(&[3]), Some(None), "inside the bounds, absent");
        assert_eq!(window.get(&[5]), None, "outside the bounds, unknown");

        windows.apply(&prefix, &[(&row(2)[..], None), (&row(3)[..], Some(&b"c"[..])), (&row(5)[..], Some(&b"e"[..]))]);
        assert_eq!(window.get(&[2]), Some(None));
        assert_eq!(window.get(&[3]), Some(Some(b"c".to_vec())));
        assert_eq!(window.get(&[5]), None, "a row outside stays unknown");

        // A fill that raced a write is served but not kept.
        windows.clear();
        let Err(ticket) = windows.lookup(&prefix) else { panic!() };
        windows.apply(&prefix, &[(&row(9)[..], None)]);
        windows.fill(&prefix, ticket, Rows { lo: vec![1], hi: vec![1], rows: BTreeMap::new() });
        assert!(windows.lookup(&prefix).is_err());
    }
}
