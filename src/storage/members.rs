//! Member sets: the member names of sets, hashes and sorted sets (with the scores of
//! the latter), kept in memory so that writers need not ask RocksDB whether a member
//! exists.
//!
//! SADD, HSET and ZADD must know whether each member is new (for the reply and the size
//! in the meta row; ZADD also needs the old score), and SPOP must find a random member.
//! Asked of RocksDB, the first is a point read and the second a seek, each a memtable
//! skiplist search plus SST probes: over 40% of an HSET to one hash in profiles, and
//! most of an SPOP. A member set holds every member of one collection version (one
//! member prefix), and the value of every member whose value is 8 bytes (a sorted set's
//! score), so both become hash-table operations.
//!
//! A member set is exact only for the writers of its key, which is all that uses it:
//!
//! - It starts as the empty set of a fresh version (a collection a writer is creating,
//!   whose prefix holds no rows), or as a scan of a collection under its writer's lock.
//! - [`Storage::write`](super::Storage::write) applies every committed `data` row of a
//!   cached prefix, after the RocksDB write and while the writer still holds the key's
//!   lock, so the next writer of the key finds the set as stored.
//! - FLUSHDB and FLUSHALL clear all of them; a failed write changes neither storage nor
//!   the sets.
//!
//! Readers that hold no lock (SISMEMBER, HEXISTS) keep reading RocksDB: between the
//! commit and the update a member set lags the stored rows.
//!
//! Sets are weighed by their members' bytes and evicted whole, least recently used first;
//! a writer that finds none reads RocksDB as before.

use super::cache::{ByCharge, Charged, Coherent};
use indexmap::IndexMap;
use parking_lot::Mutex;
use std::sync::Arc;

/// Bookkeeping bytes per member (index entry, hash, allocation) and per set.
const MEMBER_OVERHEAD: u64 = 64;
const SET_OVERHEAD: u64 = 256;

/// A member's value, if it is 8 bytes (a sorted set's score); sets and hashes keep none.
pub type Small = Option<[u8; 8]>;

/// Members and their small values: what [`MemberSets::fill`] takes. Hashed with
/// foldhash's seeded quality hasher, as the meta cache is (SipHash was 3% of a ZADD).
pub type Members = IndexMap<Box<[u8]>, Small, foldhash::quality::RandomState>;

/// The small value of a row written with `value`.
pub fn small(value: &[u8]) -> Small {
    value.try_into().ok()
}

pub struct MemberSet {
    members: Mutex<Members>,
}

impl MemberSet {
    /// `None` if `member` is absent, else its small value.
    pub fn get(&self, member: &[u8]) -> Option<Small> {
        self.members.lock().get(member).copied()
    }

    pub fn len(&self) -> usize {
        self.members.lock().len()
    }

    /// The member at `index` of the set's internal order (`index < len`), for random picks.
    pub fn get_index(&self, index: usize) -> Option<Vec<u8>> {
        self.members.lock().get_index(index).map(|(m, _)| m.to_vec())
    }
}

/// The bytes a set holds, without visiting every member: the average member length is
/// taken from its first members. The cache charges a set again once this drifts by an
/// eighth from what it charged.
fn weigh(members: &Members) -> u64 {
    let sample = members.len().min(64);
    if sample == 0 {
        return SET_OVERHEAD;
    }
    let bytes: u64 = members.keys().take(sample).map(|m| m.len() as u64).sum();
    SET_OVERHEAD + members.len() as u64 * (bytes / sample as u64 + MEMBER_OVERHEAD)
}

/// Member sets by member prefix.
pub struct MemberSets(Coherent<Charged<MemberSet>, ByCharge>);

impl MemberSets {
    /// Sets of at most `bytes` in all (0 disables them). Two shards, so that one set may
    /// take half the budget (the cache refuses entries heavier than a shard).
    pub fn new(bytes: usize) -> MemberSets {
        MemberSets(Coherent::with_shards(bytes, 64 << 10, 2, ByCharge))
    }

    /// The cached member set of `prefix`, or a ticket to fill it with.
    pub fn lookup(&self, prefix: &[u8]) -> Result<Arc<MemberSet>, u64> {
        self.0.lookup(prefix).map(|(set, _)| set)
    }

    /// Caches the members of `prefix` (read from RocksDB under the key's lock after the
    /// ticket was taken, or none for a fresh version) unless a write touched the prefix's
    /// shard since.
    pub fn fill(&self, prefix: &[u8], ticket: u64, members: Members) -> Arc<MemberSet> {
        let weight = weigh(&members);
        let set = Arc::new(MemberSet { members: Mutex::new(members) });
        self.0.fill(prefix, ticket, (set.clone(), weight));
        set
    }

    /// Records committed writes of `data` rows under `prefix` (`None` = deleted), in
    /// batch order, in its cached set if there is one.
    pub fn apply(&self, prefix: &[u8], changes: &[(&[u8], Option<&[u8]>)]) {
        self.0.update_charged(prefix, |set, charged| {
            let mut members = set.members.lock();
            for &(row, value) in changes {
                let member = &row[prefix.len()..];
                match value {
                    Some(v) => match members.get_mut(member) {
                        Some(known) => *known = small(v),
                        None => {
                            members.insert(member.into(), small(v));
                        }
                    },
                    None => {
                        members.swap_remove(member);
                    }
                }
            }
            let weight = weigh(&members);
            (weight.abs_diff(charged) > charged / 8).then_some(weight)
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
    use crate::storage::cache::prefix_runs;
    use crate::storage::keys::{member_key, member_prefix};

    /// A committed batch's `data` rows, as `Storage::write` hands them over.
    fn update(sets: &MemberSets, rows: &[(&[u8], Option<&[u8]>)]) {
        prefix_runs(rows, |prefix, run| sets.apply(prefix, run));
    }

    fn names(set: &MemberSet) -> Vec<Vec<u8>> {
        let mut all: Vec<Vec<u8>> = (0..set.len()).filter_map(|i| set.get_index(i)).collect();
        all.sort();
        all
    }

    #[test]
    fn committed_rows_reach_a_cached_set_and_stale_fills_are_dropped() {
        let sets = MemberSets::new(1 << 20);
        let prefix = member_prefix(0, b"s", 7);
        let (a, b) = (member_key(0, b"s", 7, b"a"), member_key(0, b"s", 7, b"b"));

        // A fill that raced a write is served but not kept.
        let Err(ticket) = sets.lookup(&prefix) else { panic!("empty cache hit") };
        update(&sets, &[(&a[..], Some(&b""[..]))]);
        let stale = sets.fill(&prefix, ticket, Members::default());
        assert_eq!(stale.get(b"a"), None);
        assert!(sets.lookup(&prefix).is_err());

        let Err(ticket) = sets.lookup(&prefix) else { panic!() };
        sets.fill(&prefix, ticket, Members::from_iter([(Box::from(&b"a"[..]), None)]));
        // A batch's rows of several keys, puts and deletes, apply in one call; values of
        // 8 bytes (scores) are kept.
        let other = member_key(0, b"t", 7, b"x");
        let score = 1.5f64.to_be_bytes();
        update(&sets, &[(&b[..], Some(&b""[..])), (&other[..], Some(&b""[..])), (&a[..], None), (&b[..], Some(&score[..]))]);
        let set = sets.lookup(&prefix).expect("cached");
        assert_eq!(names(&set), [b"b".to_vec()]);
        assert_eq!(set.get(b"b"), Some(Some(score)));
        assert_eq!(set.get(b"a"), None);
        assert!(sets.lookup(&member_prefix(0, b"t", 7)).is_err(), "uncached prefixes stay uncached");

        // Another version of the key is another set.
        update(&sets, &[(&member_key(0, b"s", 8, b"c")[..], Some(&b""[..]))]);
        assert_eq!(names(&sets.lookup(&prefix).unwrap()), [b"b".to_vec()]);

        sets.clear();
        assert!(sets.lookup(&prefix).is_err());
        assert_eq!(sets.usage(), 0);
    }

    #[test]
    fn a_growing_set_is_recharged_and_stays_cached() {
        let sets = MemberSets::new(4 << 20);
        let prefix = member_prefix(0, b"s", 1);
        let Err(ticket) = sets.lookup(&prefix) else { panic!() };
        sets.fill(&prefix, ticket, Members::default());
        let rows: Vec<Vec<u8>> = (0..10_000).map(|i| member_key(0, b"s", 1, format!("member:{i:06}").as_bytes())).collect();
        let puts: Vec<(&[u8], Option<&[u8]>)> = rows.iter().map(|r| (&r[..], Some(&b""[..]))).collect();
        update(&sets, &puts);
        assert_eq!(sets.lookup(&prefix).expect("still cached").len(), 10_000);
        let usage = sets.usage();
        assert!(usage > 10_000 * MEMBER_OVERHEAD, "charged for its members: {usage}");
    }
}
