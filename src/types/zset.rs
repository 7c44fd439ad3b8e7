//! Sorted sets: a meta row holding `[version][size]` (see [`Meta::collection`]), and per
//! member two rows written in the same batch:
//!
//! - `data`: `member_key(db, key, version, member)` → the score, 8 bytes of
//!   [`encode_score`], so ZSCORE is one point read and lex ranges are a member-order scan;
//! - `zscore`: `zscore_key(db, key, version, score, member)` → empty, so a score range is a
//!   key range, walked forward or in reverse; members with equal scores sort by their
//!   bytes, as in Redis.
//!
//! Changing a score deletes the old index row and writes the new one. Every index row
//! written or deleted goes through [`Db::put_member`] and [`Db::remove_member`], which
//! note it in the command's [`IndexChanges`]; [`Db::close_zset`] then keeps the rank
//! buckets of large sets in step (see [`super::zrank`]). Rank operations (ZRANK, ZRANGE
//! by index, ZREMRANGEBYRANK) on a set with buckets cost O(sqrt N); on a small set they
//! walk the index from one end. A sorted set whose last member goes is deleted, as in
//! Redis.

use super::random::{Distinct, Repeats, Rng};
use super::zrank::{index_suffix, IndexChanges};
use super::{CollectionWrite, Db, Error, Result};
use crate::storage::{cf, decode_score, encode_score, member_key, member_prefix, prefix_end, zscore_key, Batch, HintEnd, Kind, Meta};
use foldhash::{HashMap, HashMapExt};

/// A member and its score.
pub type Scored = (Vec<u8>, f64);

/// One end of a score range; `(` in the command makes it exclusive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreBound {
    pub value: f64,
    pub exclusive: bool,
}

/// One end of a lex range: `-`, `+`, `[member` or `(member`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexBound {
    NegInf,
    PosInf,
    Incl(Vec<u8>),
    Excl(Vec<u8>),
}

/// Which members a range names. Score and lex bounds are given as (min, max) whatever
/// the direction; ranks count from the walking end.
#[derive(Clone, Debug, PartialEq)]
pub enum Range {
    Rank(i64, i64),
    Score(ScoreBound, ScoreBound),
    Lex(LexBound, LexBound),
}

/// A range query: the range, the direction, and ZRANGE's LIMIT (`count < 0` = all).
#[derive(Clone, Debug, PartialEq)]
pub struct RangeSpec {
    pub range: Range,
    pub rev: bool,
    pub offset: i64,
    pub count: i64,
}

impl RangeSpec {
    pub fn new(range: Range, rev: bool) -> RangeSpec {
        RangeSpec { range, rev, offset: 0, count: -1 }
    }
}

/// ZADD's options.
#[derive(Clone, Copy, Debug, Default)]
pub struct ZAddFlags {
    pub nx: bool,
    pub xx: bool,
    pub gt: bool,
    pub lt: bool,
    pub incr: bool,
}

/// What ZADD did.
#[derive(Debug, Default, PartialEq)]
pub struct ZAdded {
    pub added: i64,
    pub updated: i64,
    /// With INCR: the new score, `None` if the options stopped the update.
    pub score: Option<f64>,
    /// INCR would have produced NaN (`inf + -inf`); nothing was written.
    pub nan: bool,
}

/// One page of ZSCAN.
pub struct ScoredPage {
    pub items: Vec<Scored>,
    /// The member the next page starts from, or `None` when the scan is complete.
    pub next: Option<Vec<u8>>,
}

fn score_of(value: &[u8]) -> f64 {
    value.get(..8).and_then(|b| b.try_into().ok()).map_or(0.0, decode_score)
}

fn above_min(s: f64, min: ScoreBound) -> bool {
    if min.exclusive {
        s > min.value
    } else {
        s >= min.value
    }
}

fn below_max(s: f64, max: ScoreBound) -> bool {
    if max.exclusive {
        s < max.value
    } else {
        s <= max.value
    }
}

fn lex_above_min(m: &[u8], min: &LexBound) -> bool {
    match min {
        LexBound::NegInf => true,
        LexBound::PosInf => false,
        LexBound::Incl(b) => m >= &b[..],
        LexBound::Excl(b) => m > &b[..],
    }
}

fn lex_below_max(m: &[u8], max: &LexBound) -> bool {
    match max {
        LexBound::NegInf => false,
        LexBound::PosInf => true,
        LexBound::Incl(b) => m <= &b[..],
        LexBound::Excl(b) => m < &b[..],
    }
}

impl Db<'_> {
    /// The score of `member` in the live sorted set `meta`.
    fn score_in(&self, key: &[u8], meta: &Meta, member: &[u8]) -> Result<Option<f64>> {
        let row = member_key(self.db, key, meta.version(), member);
        Ok(self.store.get_member(cf::DATA, &row)?.map(|v| score_of(&v)))
    }

    /// [`Db::score_in`] for the writer of `key` (which holds its lock): from the set's
    /// member set if one is cached (see [`crate::storage::MemberSet`]).
    fn writer_score_in(&self, key: &[u8], meta: &Meta, member: &[u8]) -> Result<Option<f64>> {
        let row = member_key(self.db, key, meta.version(), member);
        let prefix = &row[..row.len() - member.len()];
        Ok(self.store.writer_get_member(prefix, &row)?.map(|v| score_of(&v)))
    }

    /// Adds to `batch` the removal of `member` (with score `score`); `data` says whether
    /// its member row goes too (not when its score changes).
    fn remove_member(&self, key: &[u8], meta: &Meta, member: &[u8], score: f64, data: bool, zb: &mut ZBatch) {
        if data {
            zb.batch.delete_row(cf::DATA, &member_key(self.db, key, meta.version(), member));
        }
        zb.batch.delete_row(cf::ZSCORE, &zscore_key(self.db, key, meta.version(), score, member));
        zb.index.remove(score, member);
    }

    /// Adds to `batch` the rows of `member` at `score`.
    fn put_member(&self, key: &[u8], meta: &Meta, member: &[u8], score: f64, zb: &mut ZBatch) {
        let row = zscore_key(self.db, key, meta.version(), score, member);
        let hints = &self.store.storage().pop_hints;
        if hints.active() {
            hints.added(&member_prefix(self.db, key, meta.version()), &row);
        }
        zb.batch.put_row(cf::DATA, &member_key(self.db, key, meta.version(), member), &encode_score(score));
        zb.batch.put_row(cf::ZSCORE, &row, b"");
        zb.index.add(score, member);
    }

    /// Finishes a sorted-set write: the rank buckets, then the meta row.
    fn close_zset(&self, key: &[u8], w: &mut CollectionWrite, zb: &mut ZBatch) -> Result<()> {
        self.update_rank_index(key, &mut w.meta, &zb.index, &mut zb.batch)?;
        self.close_collection(key, w, &mut zb.batch)?;
        Ok(())
    }

    /// Walks the members of `range` (ranks ignored: see [`Self::walk_range`]) in score
    /// order, or reverse, calling `f(member, score)` until it returns false. Score ranges
    /// seek the index; lex ranges seek the member rows, which sort by member bytes (the
    /// order Redis gives when all scores are equal, the case lex ranges are meant for).
    /// `front` is an index key no live row sorts before (the set's front pop hint), where
    /// forward walks by rank or score start if it lies beyond their own start; only a
    /// writer holding the key's lock may pass one (a reader could meet a row added in
    /// front of it after it read the hint).
    fn walk(
        &self,
        key: &[u8],
        meta: &Meta,
        range: &Range,
        rev: bool,
        front: Option<&[u8]>,
        mut f: impl FnMut(&[u8], f64) -> bool,
    ) -> Result<()> {
        let prefix = member_prefix(self.db, key, meta.version());
        let plen = prefix.len();
        let front = front.filter(|_| !rev);
        match range {
            Range::Rank(..) => {
                self.store.scan_rows(cf::ZSCORE, &prefix, front, rev, |k, _| {
                    let s = decode_score(k[plen..plen + 8].try_into().unwrap_or_default());
                    f(&k[plen + 8..], s)
                })?;
            }
            Range::Score(min, max) => {
                // -0 sorts before +0 in the index but equals it: seek the outer one.
                let start = if !rev {
                    let lo = if min.value == 0.0 { -0.0 } else { min.value };
                    let mut s = prefix.clone();
                    s.extend_from_slice(&encode_score(lo));
                    Some(match front {
                        Some(f) if f > &s[..] => f.to_vec(),
                        _ => s,
                    })
                } else {
                    let hi = if max.value == 0.0 { 0.0 } else { max.value };
                    let mut s = prefix.clone();
                    s.extend_from_slice(&encode_score(hi));
                    prefix_end(&s)
                };
                self.store.scan_rows(cf::ZSCORE, &prefix, start.as_deref(), rev, |k, _| {
                    let s = decode_score(k[plen..plen + 8].try_into().unwrap_or_default());
                    if !rev {
                        if !above_min(s, *min) {
                            return true;
                        }
                        if !below_max(s, *max) {
                            return false;
                        }
                    } else {
                        if !below_max(s, *max) {
                            return true;
                        }
                        if !above_min(s, *min) {
                            return false;
                        }
                    }
                    f(&k[plen + 8..], s)
                })?;
            }
            Range::Lex(min, max) => {
                let seek = if rev { max } else { min };
                let start = match seek {
                    LexBound::Incl(m) | LexBound::Excl(m) => Some(member_key(self.db, key, meta.version(), m)),
                    _ => None,
                };
                self.store.scan_rows(cf::DATA, &prefix, start.as_deref(), rev, |k, v| {
                    let m = &k[plen..];
                    let (skip, stop) = if rev {
                        (!lex_below_max(m, max), !lex_above_min(m, min))
                    } else {
                        (!lex_above_min(m, min), !lex_below_max(m, max))
                    };
                    if skip {
                        return true;
                    }
                    if stop {
                        return false;
                    }
                    f(m, score_of(v))
                })?;
            }
        }
        Ok(())
    }

    /// The members of `spec` in the live sorted set `meta`, with their scores; `front` as
    /// for [`Self::walk`].
    fn collect(&self, key: &[u8], meta: &Meta, spec: &RangeSpec, front: Option<&[u8]>) -> Result<Vec<Scored>> {
        let mut out = Vec::new();
        let (mut skip, mut take) = match spec.range {
            Range::Rank(start, stop) => {
                let size = meta.size() as i64;
                let start = if start < 0 { (start + size).max(0) } else { start };
                let stop = if stop < 0 { stop + size } else { stop.min(size - 1) };
                if start > stop || start >= size {
                    return Ok(out);
                }
                (start as u64, (stop - start + 1) as u64)
            }
            _ => {
                if spec.offset < 0 {
                    return Ok(out);
                }
                (spec.offset as u64, if spec.count < 0 { u64::MAX } else { spec.count as u64 })
            }
        };
        if take == 0 {
            return Ok(out);
        }
        if let (Range::Rank(..), true, true) = (&spec.range, skip > 0, meta.zset_ranked()) {
            // Seek the first row by rank buckets instead of stepping over `skip` rows.
            let at = if spec.rev { meta.size() - 1 - skip } else { skip };
            let Some(first) = self.index_key_at(key, meta, at)? else { return Ok(out) };
            let plen = member_prefix(self.db, key, meta.version()).len();
            self.store.scan_rows(cf::ZSCORE, &first[..plen], Some(&first), spec.rev, |k, _| {
                let s = decode_score(k[plen..plen + 8].try_into().unwrap_or_default());
                out.push((k[plen + 8..].to_vec(), s));
                take -= 1;
                take > 0
            })?;
            return Ok(out);
        }
        self.walk(key, meta, &spec.range, spec.rev, front, |m, s| {
            if skip > 0 {
                skip -= 1;
                return true;
            }
            out.push((m.to_vec(), s));
            take -= 1;
            take > 0
        })?;
        Ok(out)
    }

    /// ZADD (and ZINCRBY, as INCR): applies `items` in order, a repeated member seeing
    /// the score the previous item gave it.
    pub fn zadd(&self, key: &[u8], items: &[(f64, &[u8])], flags: ZAddFlags) -> Result<ZAdded> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_collection(key, Kind::ZSet)?;
        let mut zb = ZBatch::new(self);
        let mut out = ZAdded::default();
        let mut pending: HashMap<&[u8], Option<f64>> = HashMap::new();
        let mut size = w.old_size;
        for &(score, member) in items {
            // -0 is stored as 0, so that it ties with 0 and sorts by member, as in Redis.
            let score = score + 0.0;
            let cur = match pending.get(member) {
                Some(c) => *c,
                None if !w.existed => None,
                None => self.writer_score_in(key, &w.meta, member)?,
            };
            match cur {
                None => {
                    if flags.xx {
                        continue;
                    }
                    self.put_member(key, &w.meta, member, score, &mut zb);
                    pending.insert(member, Some(score));
                    size += 1;
                    out.added += 1;
                    out.score = Some(score);
                }
                Some(c) => {
                    if flags.nx {
                        continue;
                    }
                    let new = if flags.incr { c + score } else { score };
                    if new.is_nan() {
                        return Ok(ZAdded { nan: true, ..ZAdded::default() });
                    }
                    if (flags.lt && new >= c) || (flags.gt && new <= c) {
                        continue;
                    }
                    out.score = Some(new);
                    // Compared as doubles, as Redis does: -0 and 0 are the same score.
                    if new != c {
                        self.remove_member(key, &w.meta, member, c, false, &mut zb);
                        self.put_member(key, &w.meta, member, new, &mut zb);
                        pending.insert(member, Some(new));
                        out.updated += 1;
                    }
                }
            }
        }
        if !zb.batch.is_empty() {
            w.meta.set_size(size);
            self.close_zset(key, &mut w, &mut zb)?;
            self.write(&lock, zb.batch)?;
        }
        Ok(out)
    }

    /// ZREM: returns how many of the members existed.
    pub fn zrem(&self, key: &[u8], members: &[&[u8]]) -> Result<i64> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_collection(key, Kind::ZSet)?;
        if !w.existed {
            return Ok(0);
        }
        let mut zb = ZBatch::new(self);
        let mut removed = 0u64;
        let mut seen: HashMap<&[u8], ()> = HashMap::new();
        for member in members {
            if seen.insert(*member, ()).is_some() {
                continue;
            }
            if let Some(s) = self.writer_score_in(key, &w.meta, member)? {
                self.remove_member(key, &w.meta, member, s, true, &mut zb);
                removed += 1;
            }
        }
        if removed > 0 {
            w.meta.set_size(w.old_size.saturating_sub(removed));
            self.close_zset(key, &mut w, &mut zb)?;
            self.write(&lock, zb.batch)?;
        }
        Ok(removed as i64)
    }

    /// ZSCORE.
    pub fn zscore(&self, key: &[u8], member: &[u8]) -> Result<Option<f64>> {
        match self.live_of(key, Kind::ZSet)? {
            Some(meta) => self.score_in(key, &meta, member),
            None => Ok(None),
        }
    }

    /// ZMSCORE: one answer per member.
    pub fn zmscore(&self, key: &[u8], members: &[&[u8]]) -> Result<Vec<Option<f64>>> {
        match self.live_of(key, Kind::ZSet)? {
            Some(meta) => members.iter().map(|m| self.score_in(key, &meta, m)).collect(),
            None => Ok(vec![None; members.len()]),
        }
    }

    /// ZCARD: O(1), from the meta row.
    pub fn zcard(&self, key: &[u8]) -> Result<u64> {
        Ok(self.live_of(key, Kind::ZSet)?.map_or(0, |m| m.size()))
    }

    /// ZCOUNT and ZLEXCOUNT: the members of a score or lex range (walked: O(count)).
    pub fn zcount(&self, key: &[u8], range: &Range) -> Result<u64> {
        let Some(meta) = self.live_of(key, Kind::ZSet)? else { return Ok(0) };
        let mut n = 0u64;
        self.walk(key, &meta, range, false, None, |_, _| {
            n += 1;
            true
        })?;
        Ok(n)
    }

    /// ZRANK / ZREVRANK: the member's rank and score. O(sqrt N) with rank buckets;
    /// otherwise (a small set) the index is walked from the start up to the member.
    pub fn zrank(&self, key: &[u8], member: &[u8], rev: bool) -> Result<Option<(u64, f64)>> {
        let Some(meta) = self.live_of(key, Kind::ZSet)? else { return Ok(None) };
        let Some(score) = self.score_in(key, &meta, member)? else { return Ok(None) };
        if meta.zset_ranked() {
            let rank = self.rank_of(key, &meta, &index_suffix(score, member))?;
            let rank = if rev { meta.size().saturating_sub(rank + 1) } else { rank };
            return Ok(Some((rank, score)));
        }
        let target = zscore_key(self.db, key, meta.version(), score, member);
        let prefix = member_prefix(self.db, key, meta.version());
        let mut rank = 0u64;
        self.store.scan_rows(cf::ZSCORE, &prefix, None, false, |k, _| {
            if k >= &target[..] {
                return false;
            }
            rank += 1;
            true
        })?;
        let rank = if rev { meta.size().saturating_sub(rank + 1) } else { rank };
        Ok(Some((rank, score)))
    }

    /// ZRANGE in all its forms (and the older ZRANGEBYSCORE, ZREVRANGE, ...).
    pub fn zrange(&self, key: &[u8], spec: &RangeSpec) -> Result<Vec<Scored>> {
        match self.live_of(key, Kind::ZSet)? {
            Some(meta) => self.collect(key, &meta, spec, None),
            None => Ok(Vec::new()),
        }
    }

    /// ZRANGESTORE: replaces `dst` (whatever its type) with the range of `src`, or
    /// deletes it when the range is empty; returns the stored size.
    pub fn zrangestore(&self, dst: &[u8], src: &[u8], spec: &RangeSpec) -> Result<u64> {
        self.zstore(dst, src, |db| db.zrange(src, spec))
    }

    /// Replaces `dst` (whatever its type) with the sorted set `items` computes from
    /// `src`, holding both keys' locks, or deletes it when there are none; returns the
    /// stored size. A member listed twice keeps its first score.
    pub fn zstore(&self, dst: &[u8], src: &[u8], items: impl FnOnce(&Self) -> Result<Vec<Scored>>) -> Result<u64> {
        let keys: &[&[u8]] = if dst == src { &[dst] } else { &[dst, src] };
        let lock = self.lock(keys)?;
        let mut items = items(self)?;
        let mut seen = foldhash::HashSet::default();
        items.retain(|(m, _)| seen.insert(m.clone()));
        self.store_scored(&lock, dst, items)
    }

    /// Replaces `dst` with a new sorted set of `items` (distinct members), or deletes it.
    fn store_scored(&self, lock: &super::Lock, dst: &[u8], items: Vec<Scored>) -> Result<u64> {
        let stored = self.store.get_meta(self.db, dst)?;
        let mut zb = ZBatch::new(self);
        if items.is_empty() {
            match stored.as_ref().filter(|m| !m.is_expired(self.now)) {
                Some(old) => zb.batch.delete_meta(self.db, dst, old),
                None => return Ok(0),
            }
        } else {
            let meta = self.new_zset_rows(dst, &items, &mut zb.batch)?;
            zb.batch.put_meta(self.db, dst, stored.as_ref(), &meta);
        }
        self.write(lock, zb.batch)?;
        Ok(items.len() as u64)
    }

    /// Adds the rows of a new sorted set of `items` (distinct members) at `key` to
    /// `batch`: member rows, index rows and rank buckets. Returns its meta row, for the
    /// caller to write.
    pub(crate) fn new_zset_rows(&self, key: &[u8], items: &[Scored], batch: &mut Batch) -> Result<Meta> {
        let mut zb = ZBatch { batch: std::mem::replace(batch, self.store.batch()), index: IndexChanges::default() };
        let mut meta = Meta::collection(Kind::ZSet, self.store.new_version(), items.len() as u64);
        for (m, s) in items {
            self.put_member(key, &meta, m, *s, &mut zb);
        }
        self.update_rank_index(key, &mut meta, &zb.index, &mut zb.batch)?;
        *batch = zb.batch;
        Ok(meta)
    }

    /// ZREMRANGEBYRANK, ZREMRANGEBYSCORE and ZREMRANGEBYLEX: returns how many went.
    pub fn zremrange(&self, key: &[u8], range: Range) -> Result<u64> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_collection(key, Kind::ZSet)?;
        if !w.existed {
            return Ok(0);
        }
        // A removal from the low end (a sliding window: ZREMRANGEBYSCORE key -inf t, or
        // ZREMRANGEBYRANK key 0 n) starts past the rows earlier ones removed, and records
        // where it stops, as ZPOPMIN does.
        let from_front = match &range {
            Range::Score(min, _) => min.value == f64::NEG_INFINITY && !min.exclusive,
            Range::Rank(start, _) => *start == 0 || *start <= -(w.old_size as i64),
            Range::Lex(..) => false,
        };
        let hints = &self.store.storage().pop_hints;
        let prefix = from_front.then(|| member_prefix(self.db, key, w.meta.version()));
        let front = prefix.as_ref().and_then(|p| hints.get(p, HintEnd::Front));
        let items = self.collect(key, &w.meta, &RangeSpec::new(range, false), front.as_deref())?;
        if items.is_empty() {
            return Ok(0);
        }
        let mut zb = ZBatch::new(self);
        for (m, s) in &items {
            self.remove_member(key, &w.meta, m, *s, true, &mut zb);
        }
        let reached = items.last().filter(|_| from_front).map(|(m, s)| zscore_key(self.db, key, w.meta.version(), *s, m));
        w.meta.set_size(w.old_size.saturating_sub(items.len() as u64));
        self.close_zset(key, &mut w, &mut zb)?;
        self.write(&lock, zb.batch)?;
        if let (Some(prefix), Some(reached)) = (prefix, reached) {
            hints.set(&prefix, HintEnd::Front, reached);
        }
        Ok(items.len() as u64)
    }

    /// ZPOPMIN / ZPOPMAX (and ZMPOP): removes and returns up to `count` members from the
    /// low or high end.
    pub fn zpop(&self, key: &[u8], count: u64, max: bool) -> Result<Vec<Scored>> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_collection(key, Kind::ZSet)?;
        if !w.existed || count == 0 {
            return Ok(Vec::new());
        }
        let items = self.pop_end(key, &w.meta, count, max)?;
        let mut zb = ZBatch::new(self);
        for (m, s) in &items {
            self.remove_member(key, &w.meta, m, *s, true, &mut zb);
        }
        w.meta.set_size(w.old_size.saturating_sub(items.len() as u64));
        self.close_zset(key, &mut w, &mut zb)?;
        self.write(&lock, zb.batch)?;
        Ok(items)
    }

    /// The `count` lowest (or highest) members, for a pop: the scan starts where the last
    /// pop from that end left off, past the tombstones of the rows it took (see
    /// [`crate::storage::HintEnd`]), and records where this one stops.
    fn pop_end(&self, key: &[u8], meta: &Meta, count: u64, max: bool) -> Result<Vec<Scored>> {
        let hints = &self.store.storage().pop_hints;
        let prefix = member_prefix(self.db, key, meta.version());
        let end = if max { HintEnd::Back } else { HintEnd::Front };
        let start = hints.get(&prefix, end);
        let plen = prefix.len();
        let mut out = Vec::new();
        let mut last = Vec::new();
        self.store.writer_scan_end(&prefix, start.as_deref(), max, |k, _| {
            out.push((k[plen + 8..].to_vec(), decode_score(k[plen..plen + 8].try_into().unwrap_or_default())));
            let more = (out.len() as u64) < count;
            if !more {
                last = k.to_vec();
            }
            more
        })?;
        if !last.is_empty() {
            hints.set(&prefix, end, last);
        }
        Ok(out)
    }

    /// ZRANDMEMBER with a count: for `count >= 0`, up to `count` distinct members in
    /// random order; for `count < 0`, `-count` members chosen independently.
    pub fn zrandmember(&self, key: &[u8], count: i64, seed: u64) -> Result<Vec<Scored>> {
        let Some(meta) = self.live_of(key, Kind::ZSet)? else { return Ok(Vec::new()) };
        let size = meta.size();
        if count == 0 || size == 0 {
            return Ok(Vec::new());
        }
        let mut rng = Rng(seed);
        let all = Range::Rank(0, -1);
        if count > 0 {
            let mut picks = Distinct::new(count as usize);
            self.walk(key, &meta, &all, false, None, |m, s| {
                picks.offer(&mut rng, || (m.to_vec(), s));
                true
            })?;
            return Ok(picks.finish(&mut rng));
        }
        let mut picks = Repeats::new(count.unsigned_abs(), size, &mut rng)?;
        self.walk(key, &meta, &all, false, None, |m, s| picks.offer(|| (m.to_vec(), s)))?;
        Ok(picks.finish())
    }

    /// ZSCAN: examines up to `count` members from `start` (a member, inclusive), in
    /// member order, keeping those that match `pattern`.
    pub fn zscan(&self, key: &[u8], start: &[u8], count: usize, pattern: Option<&[u8]>) -> Result<ScoredPage> {
        let mut page = ScoredPage { items: Vec::new(), next: None };
        let Some(meta) = self.live_of(key, Kind::ZSet)? else { return Ok(page) };
        page.next = self.scan_members(key, &meta, start, count, pattern, |m, v| page.items.push((m.to_vec(), score_of(v))))?;
        Ok(page)
    }
}

/// A sorted-set write being built: the batch and the index rows it adds and removes.
struct ZBatch {
    batch: Batch,
    index: IndexChanges,
}

impl ZBatch {
    fn new(db: &Db<'_>) -> ZBatch {
        ZBatch { batch: db.store.batch(), index: IndexChanges::default() }
    }
}

/// ZUNION, ZINTER and ZDIFF (and their STORE forms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZOp {
    Union,
    Inter,
    Diff,
}

/// How ZUNION and ZINTER combine the scores of one member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    fn apply(self, acc: f64, v: f64) -> f64 {
        match self {
            // inf + -inf is NaN; Redis makes it 0.
            Aggregate::Sum => Some(acc + v).filter(|s| !s.is_nan()).unwrap_or(0.0),
            // f64::min and max ignore a NaN, as Redis's comparisons do.
            Aggregate::Min => acc.min(v),
            Aggregate::Max => acc.max(v),
        }
    }
}

impl Db<'_> {
    /// The members of each source key with their scores: a sorted set, a plain set (every
    /// score 1, as in Redis), or a missing key (empty). Checked first, as Redis checks
    /// the sources' types before the options.
    pub fn zsources(&self, keys: &[&[u8]]) -> Result<Vec<Option<Meta>>> {
        keys.iter()
            .map(|k| match self.live(k)? {
                Some(m) if m.kind != Kind::ZSet && m.kind != Kind::Set => Err(Error::WrongType),
                other => Ok(other),
            })
            .collect()
    }

    /// Every member of one source, with its score (1 for a plain set).
    fn source_items(&self, key: &[u8], meta: &Option<Meta>) -> Result<Vec<Scored>> {
        let Some(meta) = meta else { return Ok(Vec::new()) };
        let prefix = member_prefix(self.db, key, meta.version());
        let set = meta.kind == Kind::Set;
        let mut out = Vec::with_capacity(meta.size().min(1 << 20) as usize);
        self.store.scan_rows(cf::DATA, &prefix, None, false, |k, v| {
            out.push((k[prefix.len()..].to_vec(), if set { 1.0 } else { score_of(v) }));
            true
        })?;
        Ok(out)
    }

    /// The result of `op` over `keys`, ordered by score then member. Each source is read
    /// whole (O(total size)); `weights` (one per key) multiply its scores, a NaN product
    /// counting as 0 (in an intersection, the first one only); `limit` stops an
    /// intersection early (0 = no limit, for ZINTERCARD).
    pub fn zcombine(&self, op: ZOp, keys: &[&[u8]], weights: &[f64], agg: Aggregate, limit: u64) -> Result<Vec<Scored>> {
        let metas = self.zsources(keys)?;
        let product = |i: usize, s: f64| s * weights.get(i).copied().unwrap_or(1.0) + 0.0;
        let weight = |i: usize, s: f64| Some(product(i, s)).filter(|v| !v.is_nan()).unwrap_or(0.0);
        // As Redis: unions and intersections aggregate the sources from the smallest up,
        // which fixes the order of the sums and so their rounding.
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by_key(|&i| metas[i].as_ref().map_or(0, Meta::size));
        let mut out: Vec<Scored> = Vec::new();
        match op {
            ZOp::Union => {
                let mut acc: HashMap<Vec<u8>, f64> = HashMap::new();
                for &i in &order {
                    for (member, s) in self.source_items(keys[i], &metas[i])? {
                        let v = weight(i, s);
                        acc.entry(member).and_modify(|a| *a = agg.apply(*a, v)).or_insert(v);
                    }
                }
                out = acc.into_iter().collect();
            }
            ZOp::Inter => {
                if metas.iter().any(Option::is_none) {
                    return Ok(out);
                }
                let all: Vec<Vec<Scored>> = keys.iter().zip(&metas).map(|(k, m)| self.source_items(k, m)).collect::<Result<_>>()?;
                let maps: Vec<HashMap<&[u8], f64>> = all.iter().map(|items| items.iter().map(|(m, s)| (&m[..], *s)).collect()).collect();
                // Only the first product turns NaN into 0; a later NaN (inf * 0) goes to
                // the aggregate (SUM: 0, MIN/MAX: ignored).
                'members: for (member, _) in &all[order[0]] {
                    let mut score: Option<f64> = None;
                    for &i in &order {
                        let Some(&s) = maps[i].get(&member[..]) else { continue 'members };
                        score = Some(match score {
                            None => weight(i, s),
                            Some(a) => agg.apply(a, product(i, s)),
                        });
                    }
                    out.push((member.clone(), score.unwrap_or(0.0)));
                    if limit > 0 && out.len() as u64 >= limit {
                        break;
                    }
                }
            }
            ZOp::Diff => {
                let first = self.source_items(keys[0], &metas[0])?;
                let mut others: Vec<HashMap<Vec<u8>, f64>> = Vec::new();
                for (k, m) in keys.iter().zip(&metas).skip(1) {
                    others.push(self.source_items(k, m)?.into_iter().collect());
                }
                out = first.into_iter().filter(|(m, _)| !others.iter().any(|o| o.contains_key(m))).collect();
            }
        }
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// ZUNIONSTORE, ZINTERSTORE and ZDIFFSTORE: replaces `dst` with the result (deleting
    /// it when empty); returns the result's size.
    pub fn zcombine_store(&self, op: ZOp, dst: &[u8], keys: &[&[u8]], weights: &[f64], agg: Aggregate) -> Result<u64> {
        let mut locked: Vec<&[u8]> = vec![dst];
        for k in keys {
            if !locked.contains(k) {
                locked.push(k);
            }
        }
        let lock = self.lock(&locked)?;
        let items = self.zcombine(op, keys, weights, agg, 0)?;
        self.store_scored(&lock, dst, items)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::temp_store;
    use super::*;
    use crate::storage::now_ms;

    fn incl(v: f64) -> ScoreBound {
        ScoreBound { value: v, exclusive: false }
    }

    #[test]
    fn add_range_pop_and_the_empty_zset_goes() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        let f = ZAddFlags::default();
        let out = db.zadd(b"z", &[(2.0, b"b"), (1.0, b"a"), (2.0, b"c"), (-0.0, b"z")], f).unwrap();
        assert_eq!(out.added, 4);
        assert_eq!(db.zadd(b"z", &[(5.0, b"a")], f).unwrap().updated, 1);
        let all = db.zrange(b"z", &RangeSpec::new(Range::Rank(0, -1), false)).unwrap();
        let names: Vec<&[u8]> = all.iter().map(|(m, _)| &m[..]).collect();
        assert_eq!(names, vec![&b"z"[..], b"b", b"c", b"a"]);
        let r = Range::Score(incl(0.0), incl(2.0));
        assert_eq!(db.zcount(b"z", &r).unwrap(), 3, "-0 is within [0, 2]");
        assert_eq!(db.zrank(b"z", b"a", false).unwrap(), Some((3, 5.0)));
        assert_eq!(db.zrank(b"z", b"a", true).unwrap(), Some((0, 5.0)));
        assert_eq!(db.zpop(b"z", 2, true).unwrap().len(), 2);
        assert_eq!(db.zremrange(b"z", Range::Rank(0, -1)).unwrap(), 2);
        assert_eq!(db.live(b"z").unwrap(), None);
        assert_eq!(store.dbsize(0), 0);
    }

    #[test]
    fn lex_ranges_algebra_and_nan_increments() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        let f = ZAddFlags::default();
        db.zadd(b"x", &[(0.0, b"a"), (0.0, b"b"), (0.0, b"c")], f).unwrap();
        db.zadd(b"y", &[(f64::INFINITY, b"b"), (2.0, b"c")], f).unwrap();
        let lex = Range::Lex(LexBound::Excl(b"a".to_vec()), LexBound::PosInf);
        let rev = db.zrange(b"x", &RangeSpec::new(lex, true)).unwrap();
        assert_eq!(rev, vec![(b"c".to_vec(), 0.0), (b"b".to_vec(), 0.0)]);
        let inter = db.zcombine(ZOp::Inter, &[b"x", b"y"], &[1.0, 2.0], Aggregate::Sum, 0).unwrap();
        assert_eq!(inter, vec![(b"c".to_vec(), 4.0), (b"b".to_vec(), f64::INFINITY)]);
        let incr = ZAddFlags { incr: true, ..ZAddFlags::default() };
        assert!(db.zadd(b"y", &[(f64::NEG_INFINITY, b"b")], incr).unwrap().nan);
        assert_eq!(db.zscore(b"y", b"b").unwrap(), Some(f64::INFINITY));
        assert_eq!(db.zcombine_store(ZOp::Diff, b"d", &[b"x", b"y"], &[], Aggregate::Sum).unwrap(), 1);
        assert_eq!(store.dbsize(0), 3);
    }
}
