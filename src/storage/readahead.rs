//! Read-ahead windows: the next rows at the end of a collection that pops are eating,
//! read with one scan instead of one read per pop.
//!
//! - LPOP and RPOP read the element they remove with a point read: in profiles of RPOP at
//!   `-P 16`, over a third of the CPU, mostly SST probes (the popped end holds the oldest
//!   pushes).
//! - ZPOPMIN and ZPOPMAX opened a RocksDB iterator per pop to find the lowest (highest)
//!   `zscore` row: a quarter of a ZPOPMIN's CPU.
//!
//! A window holds a run of consecutive rows of one family under one member prefix: every
//! stored row with a member (the key after the prefix) between its bounds, read by one
//! scan under the key's lock. A bound may be open: the window of a sorted set's low end
//! holds every row up to its high bound. Pops then find their rows in it.
//!
//! Coherence follows the member sets' rules ([`super::members`]): a window is exact for
//! the key's writer, the only one that reads it, because [`Storage::write`]
//! (super::Storage::write) applies every committed row of its family between its bounds
//! while the writer still holds the lock. A row written outside the bounds (a push at the
//! other end) changes nothing the window claims to know. A window that writes grow past
//! twice its row budget sheds rows at the end away from the pops and moves that bound in.
//!
//! A prefix's first window takes [`ROWS`] rows; each window that replaces one the pops
//! have eaten through takes twice as many, up to [`MAX_ROWS`], as a file system's
//! read-ahead grows on sequential reads. A queue drained steadily pays the iterator's
//! seek once per [`MAX_ROWS`] pops, and one pop from a large list still reads only
//! [`ROWS`].

use super::cache::{ByCharge, Charged, Coherent};
use parking_lot::Mutex;
use std::cmp::Ordering;
use std::collections::VecDeque;
use std::sync::Arc;

/// How many rows, and about how many bytes, the first read-ahead of a prefix takes.
pub const ROWS: usize = 64;
pub const BYTES: usize = 64 << 10;
/// The most rows one read-ahead takes (and its bytes, in proportion).
pub const MAX_ROWS: usize = 512;

/// Bookkeeping bytes per row and per window.
const ROW_OVERHEAD: u64 = 64;
const WINDOW_OVERHEAD: u64 = 256;

/// One row: its member and value in one allocation.
struct Row {
    bytes: Box<[u8]>,
    split: usize,
}

impl Row {
    fn new(member: &[u8], value: &[u8]) -> Row {
        Row { bytes: [member, value].concat().into_boxed_slice(), split: member.len() }
    }

    fn member(&self) -> &[u8] {
        &self.bytes[..self.split]
    }

    fn value(&self) -> &[u8] {
        &self.bytes[self.split..]
    }
}

/// Rows in member order. A deque: windows are read in order, from either end, and pops
/// take rows at one end, so most changes are at the ends (a write between two rows
/// moves the shorter side). Profiles of LPOP and RPOP put a tenth of their CPU in the
/// B-tree this replaced and its two allocations per row.
#[derive(Default)]
pub struct RowSet {
    rows: VecDeque<Row>,
    /// The members' and values' bytes.
    bytes: usize,
}

impl RowSet {
    /// Where `member` is (`Ok`) or would go (`Err`). Pops and reads in order work at
    /// the ends, which are looked at first.
    fn find(&self, member: &[u8]) -> Result<usize, usize> {
        let n = self.rows.len();
        match self.rows.front().map(|r| r.member().cmp(member)) {
            None | Some(Ordering::Greater) => return Err(0),
            Some(Ordering::Equal) => return Ok(0),
            Some(Ordering::Less) => {}
        }
        match self.rows.back().map(|r| r.member().cmp(member)) {
            Some(Ordering::Less) => return Err(n),
            Some(Ordering::Equal) => return Ok(n - 1),
            _ => {}
        }
        self.rows.binary_search_by(|r| r.member().cmp(member))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn get(&self, member: &[u8]) -> Option<&[u8]> {
        self.find(member).ok().map(|i| self.rows[i].value())
    }

    /// The lowest member, and the highest.
    pub fn first(&self) -> Option<&[u8]> {
        self.rows.front().map(Row::member)
    }

    pub fn last(&self) -> Option<&[u8]> {
        self.rows.back().map(Row::member)
    }

    pub fn insert(&mut self, member: &[u8], value: &[u8]) {
        self.bytes += member.len() + value.len();
        match self.find(member) {
            Ok(i) => self.bytes -= std::mem::replace(&mut self.rows[i], Row::new(member, value)).bytes.len(),
            Err(i) => self.rows.insert(i, Row::new(member, value)),
        }
    }

    pub fn remove(&mut self, member: &[u8]) {
        if let Ok(i) = self.find(member) {
            let row = self.rows.remove(i);
            self.forget(row);
        }
    }

    /// Drops the lowest row (`high`: the highest).
    fn drop_end(&mut self, high: bool) {
        let row = if high { self.rows.pop_back() } else { self.rows.pop_front() };
        self.forget(row);
    }

    fn forget(&mut self, row: Option<Row>) {
        self.bytes -= row.map_or(0, |r| r.bytes.len());
    }

    /// Visits (member, value) from `from` (inclusive; `None`: from the end) upwards, or
    /// downwards if `reverse`, while `f` returns true; false if `f` stopped it.
    fn visit(&self, from: Option<&[u8]>, reverse: bool, mut f: impl FnMut(&[u8], &[u8]) -> bool) -> bool {
        let mut visit = |r: &Row| f(r.member(), r.value());
        match (from, reverse) {
            (None, false) => self.rows.iter().all(&mut visit),
            (None, true) => self.rows.iter().rev().all(&mut visit),
            (Some(m), false) => self.rows.range(self.rows.partition_point(|r| r.member() < m)..).all(&mut visit),
            (Some(m), true) => self.rows.range(..self.rows.partition_point(|r| r.member() <= m)).rev().all(&mut visit),
        }
    }

    /// The bytes charged for the rows.
    fn weight(&self) -> u64 {
        (self.bytes + self.rows.len() * ROW_OVERHEAD as usize) as u64
    }
}

/// The rows of one window: member -> value, complete for members in `lo..=hi`.
pub struct Rows {
    /// The column family the rows are of.
    pub family: &'static str,
    /// The lowest member covered; `None`: from the first.
    pub lo: Option<Vec<u8>>,
    /// The highest member covered; `None`: to the last.
    pub hi: Option<Vec<u8>>,
    /// Pops eat the high end (the window sheds low rows when it grows).
    pub reverse: bool,
    pub rows: RowSet,
    /// The row budget it was read with (see [`Reading::new`]).
    pub budget: usize,
}

impl Rows {
    fn covers(&self, member: &[u8]) -> bool {
        self.lo.as_deref().is_none_or(|lo| lo <= member) && self.hi.as_deref().is_none_or(|hi| member <= hi)
    }

    /// Whether the window can answer a scan from `from` (`None`: from the end) towards
    /// the inside: `from` lies between the bounds, and the scan cannot start beyond them.
    fn serves(&self, from: Option<&[u8]>, reverse: bool) -> bool {
        match (from, reverse) {
            (Some(m), _) => self.covers(m),
            (None, false) => self.lo.is_none(),
            (None, true) => self.hi.is_none(),
        }
    }

    fn weight(&self) -> u64 {
        let bound = |b: &Option<Vec<u8>>| b.as_ref().map_or(0, Vec::len) as u64;
        WINDOW_OVERHEAD + bound(&self.lo) + bound(&self.hi) + self.rows.weight()
    }

    /// Drops rows at the end away from the pops until its budget of rows is left, and
    /// moves that bound to the last row kept.
    fn shed(&mut self) {
        while self.rows.len() > self.budget {
            self.rows.drop_end(!self.reverse);
        }
        let kept = if self.reverse { self.rows.first() } else { self.rows.last() };
        let bound = kept.map(<[u8]>::to_vec);
        if self.reverse {
            self.lo = bound;
        } else {
            self.hi = bound;
        }
    }
}

/// The rows of a window being read, up to its budget of rows or about [`BYTES`] bytes
/// per [`ROWS`] of them.
pub struct Reading {
    pub rows: RowSet,
    budget: usize,
}

impl Reading {
    /// A window of up to `budget` rows (see [`Window::next_budget`]).
    pub fn new(budget: usize) -> Reading {
        Reading { rows: RowSet::default(), budget }
    }

    /// Adds the row of `member`; false once the window is full.
    pub fn add(&mut self, member: &[u8], value: &[u8]) -> bool {
        self.rows.insert(member, value);
        !self.full()
    }

    pub fn full(&self) -> bool {
        self.rows.len() >= self.budget || self.rows.bytes >= BYTES / ROWS * self.budget
    }
}

/// How a window answered a scan.
pub enum Served {
    /// The scan's callback stopped.
    Stopped,
    /// Every row to the window's far bound was handed over; rows past `Some(bound)` (the
    /// bound itself is covered) are unknown, `None`: there are none.
    Exhausted(Option<Vec<u8>>),
    /// The scan does not start inside the window.
    Uncovered,
}

pub struct Window(Mutex<Rows>);

impl Window {
    /// `None` if `member` is outside the window, else its stored value (or `Some(None)`:
    /// no such row).
    pub fn get(&self, member: &[u8]) -> Option<Option<Vec<u8>>> {
        let rows = self.0.lock();
        rows.covers(member).then(|| rows.rows.get(member).map(<[u8]>::to_vec))
    }

    /// Hands `f` the window's rows (member, value) from member `from` (inclusive;
    /// `None`: from the window's end) towards its far bound (downwards if `reverse`),
    /// until `f` returns false. `f` runs under the window's mutex and must not read
    /// storage.
    pub fn scan(&self, from: Option<&[u8]>, reverse: bool, mut f: impl FnMut(&[u8], &[u8]) -> bool) -> Served {
        let w = self.0.lock();
        if !w.serves(from, reverse) {
            return Served::Uncovered;
        }
        if !w.rows.visit(from, reverse, &mut f) {
            return Served::Stopped;
        }
        Served::Exhausted(if reverse { w.lo.clone() } else { w.hi.clone() })
    }

    /// The row budget of the window to replace this one with, read for pops of `family`
    /// rows from the low end (the high end if `reverse`): twice this one's if it served
    /// the same pops, up to [`MAX_ROWS`]; else [`ROWS`], as for a prefix's first window.
    pub fn next_budget(&self, family: &str, reverse: bool) -> usize {
        let w = self.0.lock();
        if w.family == family && w.reverse == reverse {
            (2 * w.budget).clamp(ROWS, MAX_ROWS)
        } else {
            ROWS
        }
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

    /// Records committed writes of `family` rows under `prefix` (`None` = deleted), in
    /// batch order, in its cached window if it is of that family. A window that grew is
    /// charged again.
    pub fn apply(&self, family: &str, prefix: &[u8], changes: &[(&[u8], Option<&[u8]>)]) {
        self.0.update_charged(prefix, |window, _| {
            let mut w = window.0.lock();
            if w.family != family {
                return None;
            }
            let before = w.rows.len();
            for &(row, value) in changes {
                let member = &row[prefix.len()..];
                if !w.covers(member) {
                    continue;
                }
                match value {
                    Some(v) => w.rows.insert(member, v),
                    None => w.rows.remove(member),
                }
            }
            if w.rows.len() > 2 * w.budget {
                w.shed();
            }
            (w.rows.len() > before).then(|| w.weight())
        });
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
    use crate::storage::cf;
    use crate::storage::keys::{member_key, member_prefix};

    fn rows(family: &'static str, lo: Option<u8>, hi: Option<u8>, reverse: bool, members: &[u8]) -> Rows {
        let mut rows = RowSet::default();
        for &m in members {
            rows.insert(&[m], &[m]);
        }
        Rows { family, lo: lo.map(|b| vec![b]), hi: hi.map(|b| vec![b]), reverse, rows, budget: ROWS }
    }

    fn served(window: &Window, from: Option<u8>, reverse: bool, take: usize) -> (Vec<u8>, Option<Option<u8>>) {
        let mut seen = Vec::new();
        let from = from.map(|b| [b]);
        let served = window.scan(from.as_ref().map(|f| &f[..]), reverse, |m, _| {
            seen.push(m[0]);
            seen.len() < take
        });
        let exhausted = match served {
            Served::Stopped => None,
            Served::Exhausted(bound) => Some(bound.map(|b| b[0])),
            Served::Uncovered => panic!("uncovered"),
        };
        (seen, exhausted)
    }

    #[test]
    fn committed_rows_inside_the_bounds_reach_the_window() {
        let windows = ReadAheads::new(1 << 20);
        let prefix = member_prefix(0, b"l", 3);
        let row = |i: u8| member_key(0, b"l", 3, &[i]);
        let Err(ticket) = windows.lookup(&prefix) else { panic!("empty cache hit") };
        let window = windows.fill(&prefix, ticket, rows(cf::DATA, Some(2), Some(4), false, &[2, 4]));
        assert_eq!(window.get(&[3]), Some(None), "inside the bounds, absent");
        assert_eq!(window.get(&[5]), None, "outside the bounds, unknown");

        let changes = [(&row(2)[..], None), (&row(3)[..], Some(&[3u8][..])), (&row(5)[..], Some(&[5u8][..]))];
        windows.apply(cf::ZSCORE, &prefix, &changes);
        assert_eq!(window.get(&[2]), Some(Some(vec![2])), "rows of another family change nothing");
        windows.apply(cf::DATA, &prefix, &changes);
        assert_eq!(window.get(&[2]), Some(None));
        assert_eq!(window.get(&[3]), Some(Some(vec![3])));
        assert_eq!(window.get(&[5]), None, "a row outside stays unknown");

        // A fill that raced a write is served but not kept.
        windows.clear();
        let Err(ticket) = windows.lookup(&prefix) else { panic!() };
        windows.apply(cf::DATA, &prefix, &[(&row(9)[..], None)]);
        windows.fill(&prefix, ticket, rows(cf::DATA, Some(1), Some(1), false, &[]));
        assert!(windows.lookup(&prefix).is_err());
    }

    #[test]
    fn a_window_open_at_one_end_serves_scans_from_inside_it_and_sheds_at_the_other() {
        let windows = ReadAheads::new(1 << 20);
        let prefix = member_prefix(0, b"z", 3);
        let row = |i: u8| member_key(0, b"z", 3, &[i]);
        let Err(ticket) = windows.lookup(&prefix) else { panic!() };
        // The low end of a sorted set, complete up to 40.
        let low = windows.fill(&prefix, ticket, rows(cf::ZSCORE, None, Some(40), false, &[10, 20, 30, 40]));
        assert_eq!(served(&low, None, false, 2), (vec![10, 20], None));
        assert_eq!(served(&low, Some(15), false, 9), (vec![20, 30, 40], Some(Some(40))), "rows past 40 are unknown");
        assert!(matches!(low.scan(Some(&[41]), false, |_, _| true), Served::Uncovered));
        assert!(matches!(low.scan(None, true, |_, _| true), Served::Uncovered), "the high end is not in it");

        // Rows added below the lowest and above the bound.
        windows.apply(cf::ZSCORE, &prefix, &[(&row(5)[..], Some(&[5u8][..])), (&row(50)[..], Some(&[50u8][..]))]);
        assert_eq!(served(&low, None, false, 9), (vec![5, 10, 20, 30, 40], Some(Some(40))));

        // Grown past twice ROWS, it keeps the ROWS lowest and is complete up to the last.
        let usage = windows.usage();
        let many: Vec<Vec<u8>> = (100..=255u8).map(|b| vec![0, b]).collect();
        let window = {
            let Err(ticket) = windows.lookup(&member_prefix(0, b"y", 1)) else { panic!() };
            windows.fill(&member_prefix(0, b"y", 1), ticket, rows(cf::ZSCORE, None, None, false, &[]))
        };
        let changes: Vec<(Vec<u8>, Option<&[u8]>)> = many.iter().map(|m| (member_key(0, b"y", 1, m), Some(&b"v"[..]))).collect();
        let changes: Vec<(&[u8], Option<&[u8]>)> = changes.iter().map(|(k, v)| (&k[..], *v)).collect();
        windows.apply(cf::ZSCORE, &member_prefix(0, b"y", 1), &changes);
        let mut seen = Vec::new();
        let outcome = window.scan(None, false, |m, _| {
            seen.push(m.to_vec());
            true
        });
        assert_eq!(seen, many[..ROWS]);
        assert!(matches!(outcome, Served::Exhausted(Some(bound)) if bound == many[ROWS - 1]));
        assert!(windows.usage() > usage, "a window that grows is charged for it");

        // The high end of a sorted set, complete down to 100, sheds its low rows.
        let high = windows.fill(&prefix, windows.ticket(&prefix), rows(cf::ZSCORE, Some(100), None, true, &[100, 200]));
        assert_eq!(served(&high, None, true, 9), (vec![200, 100], Some(Some(100))));
        assert_eq!(served(&high, Some(150), true, 9), (vec![100], Some(Some(100))));
        assert!(matches!(high.scan(Some(&[99]), true, |_, _| true), Served::Uncovered));
        let changes: Vec<Vec<u8>> = (101..=250u8).map(row).collect();
        let changes: Vec<(&[u8], Option<&[u8]>)> = changes.iter().map(|k| (&k[..], Some(&b"v"[..]))).collect();
        windows.apply(cf::ZSCORE, &prefix, &changes);
        let (seen, bound) = served(&high, None, true, 1000);
        assert_eq!(seen, (187..=250u8).rev().collect::<Vec<_>>());
        assert_eq!(bound, Some(Some(187)));
    }

    #[test]
    fn windows_read_for_a_run_of_pops_at_one_end_double_up_to_the_largest() {
        let windows = ReadAheads::new(1 << 20);
        let prefix = member_prefix(0, b"q", 3);
        let mut seen = Vec::new();
        for _ in 0..6 {
            // A prefix's first window takes ROWS.
            let budget = windows.lookup(&prefix).map_or(ROWS, |before| before.next_budget(cf::DATA, false));
            seen.push(budget);
            let window = Rows { budget, ..rows(cf::DATA, Some(0), Some(1), false, &[]) };
            windows.fill(&prefix, windows.ticket(&prefix), window);
        }
        assert_eq!(seen, [ROWS, 2 * ROWS, 4 * ROWS, MAX_ROWS, MAX_ROWS, MAX_ROWS]);
        let Ok(last) = windows.lookup(&prefix) else { panic!("cached") };
        assert_eq!(last.next_budget(cf::DATA, true), ROWS, "pops at the other end start over");
        assert_eq!(last.next_budget(cf::ZSCORE, false), ROWS, "so do pops of another family");

        // A window's bytes grow with its rows.
        let mut small = Reading::new(ROWS);
        let mut large = Reading::new(4 * ROWS);
        let value = vec![0u8; BYTES / ROWS];
        for i in 0..2 * ROWS as u32 {
            small.add(&i.to_be_bytes(), &value);
            large.add(&i.to_be_bytes(), &value);
        }
        assert!(small.full() && !large.full());
    }

    #[test]
    fn a_row_set_keeps_member_order_through_changes_at_either_end_and_inside() {
        let mut set = RowSet::default();
        for m in [5u8, 3, 9, 7, 1] {
            set.insert(&[m], &[m, m]);
        }
        set.insert(&[7], b"new");
        set.remove(&[1]);
        set.remove(&[4]);
        let visit = |set: &RowSet, from: Option<u8>, reverse: bool| {
            let mut seen = Vec::new();
            let from = from.map(|b| [b]);
            set.visit(from.as_ref().map(|f| &f[..]), reverse, |m, v| {
                seen.push((m[0], v.to_vec()));
                true
            });
            seen
        };
        let all: Vec<(u8, Vec<u8>)> = vec![(3, vec![3, 3]), (5, vec![5, 5]), (7, b"new".to_vec()), (9, vec![9, 9])];
        assert_eq!(visit(&set, None, false), all);
        assert_eq!(visit(&set, None, true), all.iter().rev().cloned().collect::<Vec<_>>());
        assert_eq!(visit(&set, Some(5), false), all[1..]);
        assert_eq!(visit(&set, Some(6), false), all[2..]);
        assert_eq!(visit(&set, Some(5), true), vec![all[1].clone(), all[0].clone()]);
        assert_eq!(visit(&set, Some(4), true), all[..1]);
        assert_eq!(visit(&set, Some(2), true), []);
        assert_eq!((set.first(), set.last(), set.len()), (Some(&[3u8][..]), Some(&[9u8][..]), 4));
        assert_eq!((set.get(&[3]), set.get(&[9]), set.get(&[4])), (Some(&[3u8, 3][..]), Some(&[9u8, 9][..]), None));
        assert_eq!(set.bytes, all.iter().map(|(_, v)| 1 + v.len()).sum::<usize>(), "bytes follow replacements and removals");
        set.drop_end(true);
        set.drop_end(false);
        assert_eq!((set.first(), set.bytes), (Some(&[5u8][..]), 3 + 4));
    }
}
