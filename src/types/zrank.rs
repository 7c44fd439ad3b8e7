//! Rank buckets: the order-statistics index of large sorted sets.
//!
//! A sorted set's `zscore` rows sort by `[score][member]`, so a member's rank is the
//! number of rows before its own; walking up to it costs O(rank). A sorted set that grows
//! to [`THRESHOLD`] members gets rank buckets: `zrank` rows (see
//! [`crate::storage::zrank_key`]) that cut its index into ranges, each row holding its
//! boundary (the `[score][member]` suffix of an index row; empty for the first bucket,
//! which covers everything before the second) and the number of index rows from there up
//! to the next boundary. Then
//!
//! - rank(member) = the counts of the buckets before the member's + the rows between its
//!   bucket's boundary and the member: O(N / B + B) rows read for buckets of B rows;
//! - the row at rank r is found the same way, summing counts from whichever end is nearer.
//!
//! B is [`target`]: about sqrt(N) / 4, at least [`MIN_BUCKET`], so both terms are
//! O(sqrt N). The quarter: bucket counts are summed from the set's rank directory in
//! memory (`storage/rankdir.rs`), some ten times cheaper per row than stepping through
//! index rows in RocksDB, so smaller buckets balance the two.
//!
//! Every write to the index records its rows in an [`IndexChanges`] (netted: a row added
//! and removed by one command is no change), and [`Db::update_rank_index`] applies them
//! in the command's batch: each touched bucket gets its new count; a bucket above 2B rows
//! is cut into pieces of about B (one pass over its rows, merged with the changes); an
//! empty bucket other than the first is dropped, its range joining the one before. The
//! buckets are built in one pass, in the batch of the write that takes the set to
//! [`THRESHOLD`] (or of the first write to a set that is that large but was stored before
//! rank buckets existed), and the meta row's flag ([`Meta::zset_ranked`]) says they exist.
//! They live under the set's version, so DEL stays O(1) and the compaction filter drops
//! them with the index rows. Writes hold the key lock, and a write that follows another
//! of the same key in its connection's write group reads the group's pending rows, so
//! the bucket rows a write reads are current.

use super::{Db, Result};
use crate::storage::{cf, decode_rank_count, encode_rank_count, encode_score, member_prefix, Batch, Meta, StorageError};
use std::collections::BTreeMap;

/// The size at which a sorted set gets rank buckets. Small in unit tests, so that they
/// split and drop buckets with a few dozen members.
pub(crate) const THRESHOLD: u64 = if cfg!(test) { 4 } else { 1024 };

/// The smallest bucket size aimed at (small in unit tests too).
const MIN_BUCKET: u64 = if cfg!(test) { 4 } else { 128 };

/// The bucket size aimed at for a set of `size` members: about sqrt(size) / 4, at least
/// [`MIN_BUCKET`]. A bucket is cut when it exceeds twice this.
fn target(size: u64) -> u64 {
    MIN_BUCKET.max(size.isqrt() / 4)
}

/// The `[score][member]` suffix of an index row (its key after the member prefix).
pub(crate) fn index_suffix(score: f64, member: &[u8]) -> Vec<u8> {
    let mut s = Vec::with_capacity(8 + member.len());
    s.extend_from_slice(&encode_score(score));
    s.extend_from_slice(member);
    s
}

/// The index rows one command adds (+1) and removes (-1), by suffix, netted.
#[derive(Default)]
pub(crate) struct IndexChanges(BTreeMap<Vec<u8>, i64>);

impl IndexChanges {
    pub fn add(&mut self, score: f64, member: &[u8]) {
        self.note(index_suffix(score, member), 1);
    }

    pub fn remove(&mut self, score: f64, member: &[u8]) {
        self.note(index_suffix(score, member), -1);
    }

    fn note(&mut self, suffix: Vec<u8>, delta: i64) {
        let d = self.0.entry(suffix.clone()).or_insert(0);
        *d += delta;
        if *d == 0 {
            self.0.remove(&suffix);
        }
    }
}

/// A bucket some changes fall into: its boundary and count, the next bucket's boundary
/// (`None` if not looked up yet; `Some(None)` for the last bucket), and which of the
/// (sorted) changes are its.
struct Touched {
    boundary: Vec<u8>,
    count: u64,
    next: Option<Option<Vec<u8>>>,
    changes: std::ops::Range<usize>,
}

/// Writes bucket rows while rows stream past in index order: a new bucket every `per`
/// rows, the first at `boundary`.
struct Chunker<'b> {
    prefix: &'b [u8],
    per: u64,
    boundary: Vec<u8>,
    count: u64,
    batch: &'b mut Batch,
}

impl Chunker<'_> {
    fn push(&mut self, suffix: &[u8]) {
        if self.count == self.per {
            self.flush();
            self.boundary = suffix.to_vec();
            self.count = 0;
        }
        self.count += 1;
    }

    fn flush(&mut self) {
        let mut k = self.prefix.to_vec();
        k.extend_from_slice(&self.boundary);
        self.batch.put_row(cf::ZRANK, &k, &encode_rank_count(self.count));
    }
}

fn corrupt() -> super::Error {
    super::Error::Storage(StorageError("sorted set rank index is inconsistent".into()))
}

impl Db<'_> {
    /// Brings the rank buckets of the sorted set `meta` (as it will be after the command:
    /// version and new size) in step with `changes`, adding to `batch`. Builds them, and
    /// flags `meta`, when the set reaches [`THRESHOLD`] members without them.
    pub(crate) fn update_rank_index(&self, key: &[u8], meta: &mut Meta, changes: &IndexChanges, batch: &mut Batch) -> Result<()> {
        let size = meta.size();
        if size == 0 || changes.0.is_empty() {
            return Ok(());
        }
        let prefix = member_prefix(self.db, key, meta.version());
        let all: Vec<(&[u8], i64)> = changes.0.iter().map(|(s, d)| (&s[..], *d)).collect();
        if !meta.zset_ranked() {
            if size >= THRESHOLD {
                self.rechunk(&prefix, b"", None, &all, size, size, batch)?;
                meta.set_zset_ranked();
            }
            return Ok(());
        }
        let limit = 2 * target(size);
        for t in self.touched_buckets(&prefix, &all, size)? {
            let changed = &all[t.changes.clone()];
            let rows = t.count as i64 + changed.iter().map(|(_, d)| d).sum::<i64>();
            if rows < 0 {
                return Err(corrupt());
            }
            let mut row = prefix.clone();
            row.extend_from_slice(&t.boundary);
            if rows as u64 > limit {
                let next = match t.next {
                    Some(next) => next,
                    None => self.bucket_after(&prefix, &t.boundary)?,
                };
                self.rechunk(&prefix, &t.boundary, next.as_deref(), changed, rows as u64, size, batch)?;
            } else if rows == 0 && !t.boundary.is_empty() {
                batch.delete_row(cf::ZRANK, &row);
            } else {
                batch.put_row(cf::ZRANK, &row, &encode_rank_count(rows as u64));
            }
        }
        Ok(())
    }

    /// The buckets that `changes` (sorted) fall into, each with the changes it gets. A few
    /// changes seek their buckets; many (a bulk ZADD spread over the set) read the bucket
    /// rows in one pass instead of two seeks per bucket.
    fn touched_buckets(&self, prefix: &[u8], changes: &[(&[u8], i64)], size: u64) -> Result<Vec<Touched>> {
        let mut out: Vec<Touched> = Vec::new();
        let buckets = size / target(size) + 1;
        if (changes.len() as u64) * 8 < buckets {
            let mut i = 0;
            while i < changes.len() {
                let (boundary, count) = self.bucket_at(prefix, changes[i].0)?.ok_or_else(corrupt)?;
                if i + 1 == changes.len() {
                    // The last change needs no next boundary unless its bucket is cut.
                    out.push(Touched { boundary, count, next: None, changes: i..i + 1 });
                    break;
                }
                let next = self.bucket_after(prefix, &boundary)?;
                let j = i + changes[i..].iter().take_while(|(s, _)| next.as_ref().is_none_or(|n| *s < &n[..])).count();
                out.push(Touched { boundary, count, next: Some(next), changes: i..j });
                i = j;
            }
            return Ok(out);
        }
        let (first, _) = self.bucket_at(prefix, changes[0].0)?.ok_or_else(corrupt)?;
        let mut start = prefix.to_vec();
        start.extend_from_slice(&first);
        let mut cur: Option<(Vec<u8>, u64)> = None;
        let mut i = 0;
        self.store.scan_rows(cf::ZRANK, prefix, Some(&start), false, |k, v| {
            let here = &k[prefix.len()..];
            if let Some((boundary, count)) = cur.take() {
                let j = i + changes[i..].iter().take_while(|(s, _)| *s < here).count();
                if j > i {
                    out.push(Touched { boundary, count, next: Some(Some(here.to_vec())), changes: i..j });
                }
                i = j;
            }
            cur = Some((here.to_vec(), decode_rank_count(v)));
            i < changes.len()
        })?;
        if let (Some((boundary, count)), true) = (cur, i < changes.len()) {
            out.push(Touched { boundary, count, next: Some(None), changes: i..changes.len() });
        }
        Ok(out)
    }

    /// Rewrites the buckets of the index range `[from, to)` (suffixes; `to = None`: to the
    /// end) as it will be after `changes` (all inside the range): `rows` rows in pieces of
    /// about the [`target`] of a set of `size` members. The first piece keeps boundary `from`.
    #[allow(clippy::too_many_arguments)]
    fn rechunk(
        &self,
        prefix: &[u8],
        from: &[u8],
        to: Option<&[u8]>,
        changes: &[(&[u8], i64)],
        rows: u64,
        size: u64,
        batch: &mut Batch,
    ) -> Result<()> {
        let pieces = rows.div_ceil(target(size)).max(1);
        let per = rows.div_ceil(pieces).max(1);
        let mut out = Chunker { prefix, per, boundary: from.to_vec(), count: 0, batch };
        let mut start = prefix.to_vec();
        start.extend_from_slice(from);
        let plen = prefix.len();
        let mut c = 0;
        self.store.scan_rows(cf::ZSCORE, prefix, Some(&start), false, |k, _| {
            let row = &k[plen..];
            if to.is_some_and(|t| row >= t) {
                return false;
            }
            while c < changes.len() && changes[c].0 < row {
                if changes[c].1 > 0 {
                    out.push(changes[c].0);
                }
                c += 1;
            }
            if c < changes.len() && changes[c].0 == row {
                c += 1;
                if changes[c - 1].1 < 0 {
                    return true;
                }
            }
            out.push(row);
            true
        })?;
        for (s, d) in &changes[c..] {
            if *d > 0 {
                out.push(s);
            }
        }
        out.flush();
        Ok(())
    }

    /// The bucket holding index suffix `suffix`: its boundary and count.
    fn bucket_at(&self, prefix: &[u8], suffix: &[u8]) -> Result<Option<(Vec<u8>, u64)>> {
        self.first_bucket(prefix, suffix, true)
    }

    /// The boundary of the bucket after the one at `boundary`, if any.
    fn bucket_after(&self, prefix: &[u8], boundary: &[u8]) -> Result<Option<Vec<u8>>> {
        let mut above = boundary.to_vec();
        above.push(0);
        Ok(self.first_bucket(prefix, &above, false)?.map(|(b, _)| b))
    }

    /// The first bucket (boundary, count) at or before `suffix` (`back`), or at or after it.
    fn first_bucket(&self, prefix: &[u8], suffix: &[u8], back: bool) -> Result<Option<(Vec<u8>, u64)>> {
        let mut at = prefix.to_vec();
        at.extend_from_slice(suffix);
        let mut found = None;
        self.store.scan_rows(cf::ZRANK, prefix, Some(&at), back, |k, v| {
            found = Some((k[prefix.len()..].to_vec(), decode_rank_count(v)));
            false
        })?;
        Ok(found)
    }

    /// The number of index rows before `suffix` in the ranked sorted set `meta`.
    pub(crate) fn rank_of(&self, key: &[u8], meta: &Meta, suffix: &[u8]) -> Result<u64> {
        let prefix = member_prefix(self.db, key, meta.version());
        let mut target = prefix.clone();
        target.extend_from_slice(suffix);
        let (boundary, _) = self.bucket_at(&prefix, suffix)?.ok_or_else(corrupt)?;
        let mut bucket = prefix.clone();
        bucket.extend_from_slice(&boundary);
        let mut before = 0u64;
        self.store.scan_rows(cf::ZRANK, &prefix, None, false, |k, v| {
            if k >= &bucket[..] {
                return false;
            }
            before += decode_rank_count(v);
            true
        })?;
        self.store.scan_rows(cf::ZSCORE, &prefix, Some(&bucket), false, |k, _| {
            if k >= &target[..] {
                return false;
            }
            before += 1;
            true
        })?;
        Ok(before)
    }

    /// The index row key at rank `rank` (0-based, ascending) of the ranked sorted set
    /// `meta`, or `None` past the end. Bucket counts are summed from the nearer end.
    pub(crate) fn index_key_at(&self, key: &[u8], meta: &Meta, rank: u64) -> Result<Option<Vec<u8>>> {
        let size = meta.size();
        if rank >= size {
            return Ok(None);
        }
        let prefix = member_prefix(self.db, key, meta.version());
        // The bucket holding `rank` and how many of its rows to step over.
        let mut found: Option<(Vec<u8>, u64)> = None;
        let from_end = rank >= size / 2;
        let mut passed = 0u64;
        self.store.scan_rows(cf::ZRANK, &prefix, None, from_end, |k, v| {
            let count = decode_rank_count(v);
            let first = if from_end { size.saturating_sub(passed + count) } else { passed };
            if first <= rank && rank < first + count {
                found = Some((k.to_vec(), rank - first));
                return false;
            }
            passed += count;
            true
        })?;
        let Some((start, mut skip)) = found else { return Ok(None) };
        let mut out = None;
        self.store.scan_rows(cf::ZSCORE, &prefix, Some(&start), false, |k, _| {
            if skip == 0 {
                out = Some(k.to_vec());
                return false;
            }
            skip -= 1;
            true
        })?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::random::Rng;
    use super::super::tests::temp_store;
    use super::super::zset::{Range, RangeSpec, ZAddFlags};
    use super::*;
    use crate::storage::{now_ms, zrank_key, Storage};

    /// The buckets of `key` in db 0: (boundary, count), in order.
    fn buckets(store: &Storage, key: &[u8]) -> Vec<(Vec<u8>, u64)> {
        let db = Db::new(store, 0, now_ms());
        let Some(meta) = db.live(key).unwrap() else { return Vec::new() };
        let prefix = member_prefix(0, key, meta.version());
        let mut out = Vec::new();
        store
            .scan_rows(cf::ZRANK, &prefix, None, false, |k, v| {
                out.push((k[prefix.len()..].to_vec(), decode_rank_count(v)));
                true
            })
            .unwrap();
        out
    }

    /// Every rank, rank range and bucket count of `key` agrees with `model`.
    fn check(store: &Storage, key: &[u8], model: &BTreeMap<Vec<u8>, f64>) {
        let db = Db::new(store, 0, now_ms());
        let mut sorted: Vec<(&Vec<u8>, f64)> = model.iter().map(|(m, s)| (m, *s)).collect();
        sorted.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(b.0)));
        let n = sorted.len() as u64;
        assert_eq!(db.zcard(key).unwrap(), n);
        for (rank, (m, s)) in sorted.iter().enumerate() {
            assert_eq!(db.zrank(key, m, false).unwrap(), Some((rank as u64, *s)), "rank of {m:?}");
            assert_eq!(db.zrank(key, m, true).unwrap(), Some((n - 1 - rank as u64, *s)));
        }
        for start in [0, 1, n / 3, n / 2, n.saturating_sub(2)] {
            let got = db.zrange(key, &RangeSpec::new(Range::Rank(start as i64, start as i64 + 2), false)).unwrap();
            let want: Vec<_> = sorted.iter().skip(start as usize).take(3).map(|(m, s)| ((*m).clone(), *s)).collect();
            assert_eq!(got, want, "range from {start}");
            let got = db.zrange(key, &RangeSpec::new(Range::Rank(start as i64, start as i64 + 2), true)).unwrap();
            let want: Vec<_> = sorted.iter().rev().skip(start as usize).take(3).map(|(m, s)| ((*m).clone(), *s)).collect();
            assert_eq!(got, want, "reverse range from {start}");
        }
        let meta = db.live(key).unwrap();
        if let Some(meta) = meta.filter(|m| m.zset_ranked()) {
            let b = buckets(store, key);
            assert_eq!(b.first().map(|(k, _)| k.len()), Some(0), "the first bucket starts at the beginning");
            assert_eq!(b.iter().map(|(_, c)| c).sum::<u64>(), n, "bucket counts add up");
            assert!(b.iter().skip(1).all(|(_, c)| *c > 0), "no empty bucket but the first");
            let prefix = member_prefix(0, key, meta.version());
            let stored: Vec<(Vec<u8>, u64)> = store
                .stored_rows(cf::ZRANK, &prefix)
                .into_iter()
                .map(|(k, v)| (k[prefix.len()..].to_vec(), decode_rank_count(&v)))
                .collect();
            assert_eq!(b, stored, "the directory in memory is what RocksDB holds");
        }
    }

    #[test]
    fn random_operations_keep_ranks_equal_to_a_model() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
        let mut rng = Rng(7);
        let member = |i: u64| format!("m{i}").into_bytes();
        for round in 0..300 {
            match rng.below(10) {
                0..=3 => {
                    let items: Vec<(f64, Vec<u8>)> =
                        (0..1 + rng.below(12)).map(|_| ((rng.below(20) as f64) - 5.0, member(rng.below(150)))).collect();
                    let refs: Vec<(f64, &[u8])> = items.iter().map(|(s, m)| (*s, &m[..])).collect();
                    db.zadd(b"z", &refs, ZAddFlags::default()).unwrap();
                    for (s, m) in items {
                        model.insert(m, s);
                    }
                }
                4 => {
                    let m = member(rng.below(150));
                    let by = rng.below(7) as f64 - 3.0;
                    db.zadd(b"z", &[(by, &m[..])], ZAddFlags { incr: true, ..Default::default() }).unwrap();
                    *model.entry(m).or_insert(0.0) += by;
                }
                5 | 6 => {
                    let ms: Vec<Vec<u8>> = (0..1 + rng.below(8)).map(|_| member(rng.below(150))).collect();
                    let refs: Vec<&[u8]> = ms.iter().map(|m| &m[..]).collect();
                    db.zrem(b"z", &refs).unwrap();
                    for m in ms {
                        model.remove(&m);
                    }
                }
                7 => {
                    let max = rng.below(2) == 1;
                    for (m, _) in db.zpop(b"z", rng.below(5), max).unwrap() {
                        model.remove(&m);
                    }
                }
                8 => {
                    let start = rng.below(60) as i64;
                    let stop = start + rng.below(6) as i64;
                    let gone = db.zrange(b"z", &RangeSpec::new(Range::Rank(start, stop), false)).unwrap();
                    assert_eq!(db.zremrange(b"z", Range::Rank(start, stop)).unwrap(), gone.len() as u64);
                    for (m, _) in gone {
                        model.remove(&m);
                    }
                }
                _ => {
                    // A bulk add that cuts one bucket into several pieces at once.
                    let base = rng.below(1000) * 100;
                    let items: Vec<(f64, Vec<u8>)> = (0..40).map(|i| (1.5, member(10_000 + base + i))).collect();
                    let refs: Vec<(f64, &[u8])> = items.iter().map(|(s, m)| (*s, &m[..])).collect();
                    db.zadd(b"z", &refs, ZAddFlags::default()).unwrap();
                    for (s, m) in items {
                        model.insert(m, s);
                    }
                }
            }
            if round % 10 == 0 || model.len() < 10 {
                check(&store, b"z", &model);
            }
        }
        check(&store, b"z", &model);
    }

    #[test]
    fn a_rewritten_set_keeps_its_buckets() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
        let items: Vec<(f64, Vec<u8>)> = (0..1100).map(|i| (i as f64, format!("m{i}").into_bytes())).collect();
        let refs: Vec<(f64, &[u8])> = items.iter().map(|(s, m)| (*s, &m[..])).collect();
        db.zadd(b"z", &refs, ZAddFlags::default()).unwrap();
        model.extend(items.iter().map(|(s, m)| (m.clone(), *s)));
        let first = db.live(b"z").unwrap().unwrap().version();
        let mut rng = Rng(3);
        // Each new score deletes an index row: twice the set's 2,200 rows rewrite it.
        for _ in 0..4500 {
            let m = format!("m{}", rng.below(1100)).into_bytes();
            let by = rng.below(2000) as f64 - 1000.0;
            db.zadd(b"z", &[(by, &m[..])], ZAddFlags { incr: true, ..Default::default() }).unwrap();
            *model.get_mut(&m).unwrap() += by;
        }
        let meta = db.live(b"z").unwrap().unwrap();
        assert!(meta.zset_ranked());
        assert_ne!(meta.version(), first);
        check(&store, b"z", &model);
    }

    #[test]
    fn buckets_are_built_when_the_set_crosses_the_threshold_and_die_with_it() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        let f = ZAddFlags::default();
        db.zadd(b"z", &[(1.0, b"a"), (2.0, b"b")], f).unwrap();
        assert!(!db.live(b"z").unwrap().unwrap().zset_ranked(), "small sets have no buckets");
        assert!(buckets(&store, b"z").is_empty());
        let many: Vec<Vec<u8>> = (0..100).map(|i| format!("n{i:03}").into_bytes()).collect();
        let refs: Vec<(f64, &[u8])> = many.iter().map(|m| (3.0, &m[..])).collect();
        db.zadd(b"z", &refs, f).unwrap();
        let meta = db.live(b"z").unwrap().unwrap();
        assert!(meta.zset_ranked());
        assert!(buckets(&store, b"z").len() > 5);
        assert_eq!(db.zrank(b"z", b"n050", false).unwrap(), Some((52, 3.0)));
        // Removing a run of ranks empties whole buckets, which are dropped.
        let before = buckets(&store, b"z").len();
        assert_eq!(db.zremrange(b"z", Range::Rank(20, 80)).unwrap(), 61);
        assert!(buckets(&store, b"z").len() < before - 3);
        let model: BTreeMap<Vec<u8>, f64> = db.zrange(b"z", &RangeSpec::new(Range::Rank(0, -1), false)).unwrap().into_iter().collect();
        assert_eq!(model.len(), 41);
        check(&store, b"z", &model);
        assert_eq!(db.zrank(b"z", b"n090", false).unwrap(), Some((31, 3.0)));
        // DEL is O(1): the bucket rows stay until compaction drops them with the version.
        assert_eq!(db.del(&[b"z"]).unwrap(), 1);
        let first = zrank_key(0, b"z", meta.version(), b"");
        assert!(store.get_member(cf::ZRANK, &first).unwrap().is_some());
        store.compact();
        assert!(store.get_member(cf::ZRANK, &first).unwrap().is_none());
    }

    #[test]
    fn rename_copies_buckets_and_a_legacy_set_gets_them_on_its_next_write() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        let mut model = BTreeMap::new();
        let items: Vec<(f64, Vec<u8>)> = (0..50).map(|i| ((i % 7) as f64, format!("k{i}").into_bytes())).collect();
        // A set stored without buckets, as before they existed: its rows and a plain header.
        let version = store.new_version();
        let mut batch = store.batch();
        for (s, m) in &items {
            batch.put_row(cf::DATA, &crate::storage::member_key(0, b"old", version, m), &encode_score(*s));
            let mut row = member_prefix(0, b"old", version);
            row.extend_from_slice(&index_suffix(*s, m));
            batch.put_row(cf::ZSCORE, &row, b"");
            model.insert(m.clone(), *s);
        }
        batch.put_meta(0, b"old", None, &Meta::collection(crate::storage::Kind::ZSet, version, 50));
        store.write(batch).unwrap();
        check(&store, b"old", &model);
        db.zadd(b"old", &[(9.0, b"k3")], ZAddFlags::default()).unwrap();
        model.insert(b"k3".to_vec(), 9.0);
        assert!(db.live(b"old").unwrap().unwrap().zset_ranked(), "the first write builds the buckets");
        check(&store, b"old", &model);
        assert_eq!(db.rename(b"old", b"new", false).unwrap(), Some(true));
        check(&store, b"new", &model);
        assert!(!buckets(&store, b"new").is_empty());
    }
}
