//! Sets: a meta row holding `[version][size]` (see [`Meta::collection`]) and one `data`
//! row per member, keyed `member_key(db, key, version, member)`, with an empty value.
//! Members sort bytewise under the version's member prefix.
//!
//! Every command reads and writes only the members it names; the commands about whole
//! sets (SMEMBERS, SPOP and SRANDMEMBER with a count, the set algebra, SSCAN) iterate the
//! prefix, and SINTER / SDIFF iterate only one set and look members up in the others. As
//! with hashes, a new key gets a fresh version, so the rows of an earlier set under the
//! same name are never seen; the compaction filter reclaims them. A set whose last member
//! goes is deleted, as in Redis.

use super::random::{Distinct, Repeats, Rng};
use super::{CollectionWrite, Db, Error, Result};
use crate::storage::{cf, member_key, member_prefix, Batch, HintEnd, Kind, Meta, Probe};
use foldhash::{HashSet, HashSetExt};
use std::collections::BTreeSet;

/// How many deleted rows a random probe may step over before SPOP takes the set's first
/// member instead.
const MAX_PROBE_SKIP: u64 = 64;

/// SPOP reads the member set of a set of at most this many members into memory when it
/// finds none cached (a scan of the set, once), to draw from it instead of probing.
const MAX_LOADED_SET: u64 = 1 << 16;

/// One page of SSCAN.
pub struct MemberPage {
    pub members: Vec<Vec<u8>>,
    /// The member the next page starts from, or `None` when the scan is complete.
    pub next: Option<Vec<u8>>,
}

/// The set algebra of SINTER, SUNION and SDIFF (and their STORE forms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOp {
    Inter,
    Union,
    Diff,
}

impl Db<'_> {
    /// The row key of `member` in the set `meta` of `key`.
    fn member_row(&self, key: &[u8], meta: &Meta, member: &[u8]) -> Vec<u8> {
        member_key(self.db, key, meta.version(), member)
    }

    /// Whether `member` is in the live set `meta` of `key`.
    fn has_member(&self, key: &[u8], meta: &Meta, member: &[u8]) -> Result<bool> {
        Ok(self.store.get_member(cf::DATA, &self.member_row(key, meta, member))?.is_some())
    }

    /// Calls `f(member)` for every member of a live set, in member order, until it
    /// returns false.
    fn each_member(&self, key: &[u8], meta: &Meta, mut f: impl FnMut(&[u8]) -> bool) -> Result<()> {
        let prefix = member_prefix(self.db, key, meta.version());
        Ok(self.store.scan_rows(cf::DATA, &prefix, None, false, |k, _| f(&k[prefix.len()..]))?)
    }

    /// One random member without reading the set: seek to a random point between the
    /// first and the last member (past their common prefix) and take the next member,
    /// wrapping around. O(log n) like a point read; not perfectly uniform when members
    /// cluster, which Redis's own SPOP does not promise either.
    ///
    /// The edges only bound where probes go, so bounds learnt by earlier pops (the set's
    /// pop hints: no member sorts before the front one or after the back one) serve as
    /// well as the edges themselves and save two seeks per pop; `learn` (set by SPOP,
    /// which holds the key's lock) records them. A bound may have been popped since: the
    /// wrap-around therefore rescans from the front hint, and from the prefix if even
    /// that finds nothing.
    fn random_member(&self, key: &[u8], meta: &Meta, rng: &mut Rng, learn: bool) -> Result<Option<Vec<u8>>> {
        let prefix = member_prefix(self.db, key, meta.version());
        let hints = &self.store.storage().pop_hints;
        let first_from = |start: Option<&[u8]>, reverse: bool| -> Result<Option<Vec<u8>>> {
            Ok(self.store.first_row(cf::DATA, &prefix, start, reverse)?)
        };
        let edge = |end: HintEnd| -> Result<Option<Vec<u8>>> {
            if let Some(bound) = hints.get(&prefix, end) {
                return Ok(Some(bound));
            }
            let found = first_from(None, end == HintEnd::Back)?;
            if let (true, Some(k)) = (learn, &found) {
                hints.set(&prefix, end, k.clone());
            }
            Ok(found)
        };
        let (Some(first), Some(last)) = (edge(HintEnd::Front)?, edge(HintEnd::Back)?) else { return Ok(None) };
        let (first, last) = (&first[prefix.len()..], &last[prefix.len()..]);
        let common = first.iter().zip(last).take_while(|(a, b)| a == b).count();
        let mut probe = prefix.clone();
        probe.extend_from_slice(&first[..common]);
        let lo = first.get(common).copied().unwrap_or(0) as u64;
        let hi = last.get(common).copied().unwrap_or(255).max(lo as u8) as u64;
        probe.push((lo + rng.below(hi - lo + 1)) as u8);
        // The bytes after it are drawn from the range the edge members use there (digits
        // for `item:000123`), so probes spread over the members instead of piling up on a
        // few, whose tombstones every later probe would then have to step over.
        let tail = first[common..].iter().chain(&last[common..]);
        let (min, max) = tail.fold((255u8, 0u8), |(min, max), &b| (min.min(b), max.max(b)));
        let (min, max) = if min > max { (0, 255) } else { (min as u64, max as u64) };
        for _ in 0..8 {
            probe.push((min + rng.below(max - min + 1)) as u8);
        }
        // The first member, from the front hint (or the prefix, if the hint is stale),
        // remembered so that the next search seeks straight to it.
        let first_member = || -> Result<Option<Vec<u8>>> {
            let front = hints.get(&prefix, HintEnd::Front);
            let first = match first_from(front.as_deref(), false)? {
                Some(k) => Some(k),
                None => first_from(None, false)?,
            };
            if let (true, Some(k)) = (learn, &first) {
                hints.set(&prefix, HintEnd::Front, k.clone());
            }
            Ok(first)
        };
        let found = match self.store.first_row_near(cf::DATA, &prefix, &probe, MAX_PROBE_SKIP)? {
            Probe::Found(k) => Some(k),
            // Deleted rows everywhere near the probe (a set nearly drained by pops): take
            // the first member instead.
            Probe::GaveUp => first_member()?,
            Probe::End => {
                // Nothing lives at or after the probe: a tighter back bound, so later
                // probes stop stepping over the tombstones there. Then wrap around.
                if learn {
                    hints.set(&prefix, HintEnd::Back, probe);
                }
                first_member()?
            }
        };
        Ok(found.map(|k| k[prefix.len()..].to_vec()))
    }

    /// A member was added to the set: the bounds SPOP learnt may no longer hold.
    fn forget_bounds(&self, key: &[u8], meta: &Meta) {
        let hints = &self.store.storage().pop_hints;
        if hints.active() {
            hints.forget(&member_prefix(self.db, key, meta.version()));
        }
    }

    /// Every member of a live set, in member order.
    fn all_members(&self, key: &[u8], meta: &Meta) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::with_capacity(meta.size().min(1 << 20) as usize);
        self.each_member(key, meta, |m| {
            out.push(m.to_vec());
            true
        })?;
        Ok(out)
    }

    /// A random member of the set `meta` of `key` (`size` members), drawn uniformly from
    /// its member set (see [`crate::storage::MemberSet`]), which this loads for sets of up
    /// to [`MAX_LOADED_SET`] members. `None` if there is no member set, or if the draws
    /// kept finding members this command's write group has already popped; the caller
    /// then probes RocksDB. The caller holds the key's lock.
    fn pick_from_member_set(&self, key: &[u8], meta: &Meta, size: u64, rng: &mut Rng) -> Result<Option<Vec<u8>>> {
        let prefix = member_prefix(self.db, key, meta.version());
        let store = self.store.storage();
        let set = match store.member_set(&prefix) {
            Some(set) => set,
            None if size <= MAX_LOADED_SET => store.load_member_set(&prefix)?,
            None => return Ok(None),
        };
        for _ in 0..8 {
            let Some(member) = set.get_index(rng.below(set.len().max(1) as u64) as usize) else { break };
            // The member set holds the stored members; the group may have popped this one.
            let row = self.member_row(key, meta, &member);
            if self.writer_has_row(&row, &member)? {
                return Ok(Some(member));
            }
        }
        Ok(None)
    }

    /// `n` distinct members of the set `meta` of `key`, uniformly, in random order, drawn
    /// from its member set without reading the set: for SPOP with a count of at most half
    /// the set. `None` (the caller scans) without a cached member set, for larger counts,
    /// or when this command's group or transaction has uncommitted rows of the set, which
    /// the member set does not show. The caller holds the key's lock.
    fn draw_from_member_set(&self, key: &[u8], meta: &Meta, n: u64, rng: &mut Rng) -> Option<Vec<Vec<u8>>> {
        let prefix = member_prefix(self.db, key, meta.version());
        if self.store.has_pending_under(cf::DATA, &prefix) {
            return None;
        }
        let set = self.store.storage().member_set(&prefix)?;
        let len = set.len() as u64;
        if n > len / 2 {
            return None;
        }
        // Distinct indexes by rejection: with n at most half the set, under two draws each.
        let mut chosen = HashSet::with_capacity(n as usize);
        let mut picked = Vec::with_capacity(n as usize);
        while (picked.len() as u64) < n {
            let i = rng.below(len) as usize;
            if chosen.insert(i) {
                picked.push(set.get_index(i)?);
            }
        }
        Some(picked)
    }

    /// SADD: returns how many members were new.
    pub fn sadd(&self, key: &[u8], members: &[&[u8]]) -> Result<i64> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_collection(key, Kind::Set)?;
        let mut batch = self.store.batch();
        let mut added = 0u64;
        let mut seen: HashSet<&[u8]> = HashSet::with_capacity(members.len());
        for member in members {
            if !seen.insert(*member) {
                continue;
            }
            let row = self.member_row(key, &w.meta, member);
            // A new set has no rows to look up.
            if !w.existed || !self.writer_has_row(&row, member)? {
                batch.put_row(cf::DATA, &row, b"");
                added += 1;
            }
        }
        if added > 0 && w.existed {
            self.forget_bounds(key, &w.meta);
        }
        if added > 0 {
            w.meta.set_size(w.old_size + added);
            self.close_collection(key, &w, &mut batch)?;
            self.write(&lock, batch)?;
        }
        Ok(added as i64)
    }

    /// SREM: returns how many of the members existed. Removing the last member deletes
    /// the key.
    pub fn srem(&self, key: &[u8], members: &[&[u8]]) -> Result<i64> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_collection(key, Kind::Set)?;
        if !w.existed {
            return Ok(0);
        }
        let mut batch = self.store.batch();
        let mut removed = 0u64;
        let mut seen: HashSet<&[u8]> = HashSet::with_capacity(members.len());
        for member in members {
            if !seen.insert(*member) {
                continue;
            }
            let row = self.member_row(key, &w.meta, member);
            if self.writer_has_row(&row, member)? {
                batch.delete_row(cf::DATA, &row);
                removed += 1;
            }
        }
        if removed > 0 {
            w.meta.set_size(w.old_size.saturating_sub(removed));
            self.close_collection(key, &w, &mut batch)?;
            self.write(&lock, batch)?;
        }
        Ok(removed as i64)
    }

    /// SISMEMBER.
    pub fn sismember(&self, key: &[u8], member: &[u8]) -> Result<bool> {
        match self.live_of(key, Kind::Set)? {
            Some(meta) => self.has_member(key, &meta, member),
            None => Ok(false),
        }
    }

    /// SMISMEMBER: one answer per member; all false for a missing key.
    pub fn smismember(&self, key: &[u8], members: &[&[u8]]) -> Result<Vec<bool>> {
        match self.live_of(key, Kind::Set)? {
            Some(meta) => members.iter().map(|m| self.has_member(key, &meta, m)).collect(),
            None => Ok(vec![false; members.len()]),
        }
    }

    /// SCARD: O(1), from the meta row.
    pub fn scard(&self, key: &[u8]) -> Result<u64> {
        Ok(self.live_of(key, Kind::Set)?.map_or(0, |m| m.size()))
    }

    /// SMEMBERS: every member, in member order.
    pub fn smembers(&self, key: &[u8]) -> Result<Vec<Vec<u8>>> {
        match self.live_of(key, Kind::Set)? {
            Some(meta) => self.all_members(key, &meta),
            None => Ok(Vec::new()),
        }
    }

    /// Up to `want` distinct members, uniformly, in random order: one pass over the set.
    fn pick_distinct(&self, key: &[u8], meta: &Meta, want: usize, rng: &mut Rng) -> Result<Vec<Vec<u8>>> {
        let mut picks = Distinct::new(want);
        self.each_member(key, meta, |m| {
            picks.offer(rng, || m.to_vec());
            true
        })?;
        Ok(picks.finish(rng))
    }

    /// SRANDMEMBER with a count: for `count >= 0`, up to `count` distinct members (the
    /// whole set if it has no more); for `count < 0`, `-count` members chosen
    /// independently, so they may repeat.
    pub fn srandmember(&self, key: &[u8], count: i64, seed: u64) -> Result<Vec<Vec<u8>>> {
        let Some(meta) = self.live_of(key, Kind::Set)? else { return Ok(Vec::new()) };
        if count == 0 || meta.size() == 0 {
            return Ok(Vec::new());
        }
        let mut rng = Rng(seed);
        if count > 0 {
            return self.pick_distinct(key, &meta, count as usize, &mut rng);
        }
        let mut picks = Repeats::new(count.unsigned_abs(), meta.size(), &mut rng)?;
        self.each_member(key, &meta, |m| picks.offer(|| m.to_vec()))?;
        Ok(picks.finish())
    }

    /// SRANDMEMBER without a count: one member, `None` for a missing key.
    pub fn srandmember_one(&self, key: &[u8], seed: u64) -> Result<Option<Vec<u8>>> {
        let Some(meta) = self.live_of(key, Kind::Set)? else { return Ok(None) };
        self.random_member(key, &meta, &mut Rng(seed), false)
    }

    /// SPOP: removes and returns up to `count` distinct random members (one, chosen
    /// without reading the rest of the set, when `count` is `None`). Popping every
    /// member deletes the key.
    pub fn spop(&self, key: &[u8], count: Option<u64>, seed: u64) -> Result<Vec<Vec<u8>>> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_collection(key, Kind::Set)?;
        if !w.existed || count == Some(0) {
            return Ok(Vec::new());
        }
        let mut rng = Rng(seed);
        let size = w.old_size;
        let mut batch = self.store.batch();
        let popped = match count {
            None => match self.pick_from_member_set(key, &w.meta, size, &mut rng)? {
                Some(member) => vec![member],
                None => self.random_member(key, &w.meta, &mut rng, true)?.into_iter().collect(),
            },
            Some(n) if n >= size => {
                // The whole set goes: one meta tombstone, whatever its size.
                let all = self.all_members(key, &w.meta)?;
                w.meta.set_size(0);
                self.close_collection(key, &w, &mut batch)?;
                self.write(&lock, batch)?;
                return Ok(all);
            }
            Some(n) => match self.draw_from_member_set(key, &w.meta, n, &mut rng) {
                Some(picked) => picked,
                None => self.pick_distinct(key, &w.meta, n as usize, &mut rng)?,
            },
        };
        for m in &popped {
            batch.delete_row(cf::DATA, &self.member_row(key, &w.meta, m));
        }
        w.meta.set_size(size.saturating_sub(popped.len() as u64));
        self.close_collection(key, &w, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(popped)
    }

    /// SMOVE: moves `member` from `src` to `dst`; returns whether it was in `src`. As in
    /// Redis, a missing `src` answers 0 before `dst`'s type is checked, and moving within
    /// one set only checks membership.
    pub fn smove(&self, src: &[u8], dst: &[u8], member: &[u8]) -> Result<bool> {
        let lock = self.lock(&[src, dst])?;
        let stored = self.store.get_meta(self.db, src)?;
        let Some(src_meta) = stored.clone().filter(|m| !m.is_expired(self.now)) else { return Ok(false) };
        if src_meta.kind != Kind::Set {
            return Err(Error::WrongType);
        }
        let mut to = self.open_collection(dst, Kind::Set)?;
        if src == dst {
            return self.has_member(src, &src_meta, member);
        }
        let row = self.member_row(src, &src_meta, member);
        if !self.writer_has_row(&row, member)? {
            return Ok(false);
        }
        let mut batch = self.store.batch();
        batch.delete_row(cf::DATA, &row);
        let old_size = src_meta.size();
        let mut from = CollectionWrite { stored, meta: src_meta, existed: true, old_size };
        from.meta.set_size(old_size.saturating_sub(1));
        self.close_collection(src, &from, &mut batch)?;
        let to_row = self.member_row(dst, &to.meta, member);
        if !to.existed || !self.writer_has_row(&to_row, member)? {
            batch.put_row(cf::DATA, &to_row, b"");
            to.meta.set_size(to.old_size + 1);
            self.forget_bounds(dst, &to.meta);
        }
        self.close_collection(dst, &to, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(true)
    }

    /// The live sets at `keys` (`None` for a missing key); any other type is an error.
    fn sets_of(&self, keys: &[&[u8]]) -> Result<Vec<Option<Meta>>> {
        keys.iter().map(|k| self.live_of(k, Kind::Set)).collect()
    }

    /// The result of `op` over `keys`, in member order, stopping after `limit` members
    /// (0 = no limit; honoured by SINTER only, for SINTERCARD). A missing key is an empty
    /// set. SINTER walks the smallest set and SDIFF the first, looking members up in the
    /// others; SUNION reads every set.
    fn combine(&self, op: SetOp, keys: &[&[u8]], limit: u64) -> Result<Vec<Vec<u8>>> {
        let metas = self.sets_of(keys)?;
        let mut out = Vec::new();
        match op {
            SetOp::Inter => {
                if metas.iter().any(Option::is_none) {
                    return Ok(out);
                }
                let mut sets: Vec<(&[u8], Meta)> = keys.iter().copied().zip(metas.into_iter().flatten()).collect();
                sets.sort_by_key(|(_, m)| m.size());
                let (first, first_meta) = &sets[0];
                let mut failed: Option<Error> = None;
                self.each_member(first, first_meta, |m| {
                    for (k, meta) in &sets[1..] {
                        match self.has_member(k, meta, m) {
                            Ok(true) => {}
                            Ok(false) => return true,
                            Err(e) => {
                                failed = Some(e);
                                return false;
                            }
                        }
                    }
                    out.push(m.to_vec());
                    limit == 0 || (out.len() as u64) < limit
                })?;
                if let Some(e) = failed {
                    return Err(e);
                }
            }
            SetOp::Union => {
                let mut all: BTreeSet<Vec<u8>> = BTreeSet::new();
                for (k, meta) in keys.iter().zip(&metas) {
                    if let Some(meta) = meta {
                        self.each_member(k, meta, |m| {
                            if !all.contains(m) {
                                all.insert(m.to_vec());
                            }
                            true
                        })?;
                    }
                }
                out = all.into_iter().collect();
            }
            SetOp::Diff => {
                let Some(first_meta) = &metas[0] else { return Ok(out) };
                let others: Vec<(&[u8], &Meta)> =
                    keys[1..].iter().copied().zip(&metas[1..]).filter_map(|(k, m)| m.as_ref().map(|m| (k, m))).collect();
                let mut failed: Option<Error> = None;
                self.each_member(keys[0], first_meta, |m| {
                    for (k, meta) in &others {
                        match self.has_member(k, meta, m) {
                            Ok(false) => {}
                            Ok(true) => return true,
                            Err(e) => {
                                failed = Some(e);
                                return false;
                            }
                        }
                    }
                    out.push(m.to_vec());
                    true
                })?;
                if let Some(e) = failed {
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    /// SINTER, SUNION and SDIFF.
    pub fn set_op(&self, op: SetOp, keys: &[&[u8]]) -> Result<Vec<Vec<u8>>> {
        self.combine(op, keys, 0)
    }

    /// SINTERCARD: the size of the intersection, counting no further than `limit`
    /// (0 = no limit).
    pub fn sintercard(&self, keys: &[&[u8]], limit: u64) -> Result<u64> {
        Ok(self.combine(SetOp::Inter, keys, limit)?.len() as u64)
    }

    /// SINTERSTORE, SUNIONSTORE and SDIFFSTORE: replaces `dst` (whatever its type) with
    /// the result, or deletes it when the result is empty; returns the result's size.
    pub fn set_op_store(&self, op: SetOp, dst: &[u8], keys: &[&[u8]]) -> Result<u64> {
        let mut locked: Vec<&[u8]> = Vec::with_capacity(keys.len() + 1);
        locked.push(dst);
        for k in keys {
            if !locked.contains(k) {
                locked.push(k);
            }
        }
        let lock = self.lock(&locked)?;
        let members = self.combine(op, keys, 0)?;
        let stored = self.store.get_meta(self.db, dst)?;
        let mut batch = self.store.batch();
        if members.is_empty() {
            match stored.as_ref().filter(|m| !m.is_expired(self.now)) {
                Some(old) => batch.delete_meta(self.db, dst, old),
                None => return Ok(0),
            }
        } else {
            let meta = self.new_set_rows(dst, &members, &mut batch);
            batch.put_meta(self.db, dst, stored.as_ref(), &meta);
        }
        self.write(&lock, batch)?;
        Ok(members.len() as u64)
    }

    /// Adds the rows of a new set of `members` (distinct) at `key` to `batch`; returns
    /// its meta row, for the caller to write.
    pub(crate) fn new_set_rows(&self, key: &[u8], members: &[Vec<u8>], batch: &mut Batch) -> Meta {
        let meta = Meta::collection(Kind::Set, self.store.new_version(), members.len() as u64);
        for m in members {
            batch.put_row(cf::DATA, &self.member_row(key, &meta, m), b"");
        }
        meta
    }

    /// SSCAN: examines up to `count` members from `start` (a member, inclusive), keeping
    /// those that match `pattern`. Members are visited in order, so a member present for
    /// the whole scan is returned exactly once.
    pub fn sscan(&self, key: &[u8], start: &[u8], count: usize, pattern: Option<&[u8]>) -> Result<MemberPage> {
        let mut page = MemberPage { members: Vec::new(), next: None };
        let Some(meta) = self.live_of(key, Kind::Set)? else { return Ok(page) };
        page.next = self.scan_members(key, &meta, start, count, pattern, |m, _| page.members.push(m.to_vec()))?;
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::temp_store;
    use super::*;
    use crate::storage::{now_ms, Group, Storage, View};
    use std::cell::RefCell;
    use std::sync::Arc;

    /// A store holding the set `s` of `n` members `m00`.., created by SADD (so it has a
    /// member set), and those members in order.
    fn created_set(n: usize) -> (tempfile::TempDir, Arc<Storage>, Vec<Vec<u8>>) {
        let (dir, store) = temp_store();
        let members: Vec<Vec<u8>> = (0..n).map(|i| format!("m{i:02}").into_bytes()).collect();
        let refs: Vec<&[u8]> = members.iter().map(|m| &m[..]).collect();
        Db::new(&store, 0, now_ms()).sadd(b"s", &refs).unwrap();
        (dir, Arc::new(store), members)
    }

    #[test]
    fn pops_in_one_write_group_draw_each_member_once_from_the_member_set() {
        let (_d, store, members) = created_set(6);
        let now = now_ms();
        let db = Db::new(&store, 0, now);
        let prefix = member_prefix(0, b"s", db.live(b"s").unwrap().unwrap().version());
        assert_eq!(store.member_set(&prefix).expect("a new set starts its member set").len(), 6);

        // Six pops gathered in one uncommitted group: each must see the ones before it.
        let group = RefCell::new(Group::new(store.clone()));
        let mut popped = Vec::new();
        for seed in 0..6 {
            assert!(group.borrow_mut().index_pending());
            let db = Db::in_view(View::new(&store).through_group(&group), 0, now).with_group(&group);
            popped.extend(db.spop(b"s", None, seed).unwrap());
        }
        assert_eq!(store.member_set(&prefix).unwrap().len(), 6, "nothing is committed yet");
        group.borrow_mut().commit().unwrap();
        popped.sort();
        assert_eq!(popped, members);
        assert_eq!(store.member_set(&prefix).unwrap().len(), 0);
        assert_eq!(db.live(b"s").unwrap(), None);
    }

    #[test]
    fn pops_with_a_count_draw_distinct_members_with_or_without_a_group() {
        let (_d, store, members) = created_set(40);
        let now = now_ms();
        let db = Db::new(&store, 0, now);
        // From the member set (5 of 40), then through a group holding an earlier pop.
        let mut popped = db.spop(b"s", Some(5), 1).unwrap();
        assert_eq!(popped.len(), 5);
        assert_eq!(db.scard(b"s").unwrap(), 35);
        let group = RefCell::new(Group::new(store.clone()));
        for (seed, count) in [(2, None), (3, Some(4)), (4, Some(10))] {
            assert!(group.borrow_mut().index_pending());
            let db = Db::in_view(View::new(&store).through_group(&group), 0, now).with_group(&group);
            popped.extend(db.spop(b"s", count, seed).unwrap());
        }
        group.borrow_mut().commit().unwrap();
        assert_eq!(popped.len(), 20);
        popped.extend(db.spop(b"s", Some(7), 5).unwrap());
        popped.extend(db.spop(b"s", Some(100), 6).unwrap());
        popped.sort();
        assert_eq!(popped, members, "every member popped once");
        assert_eq!(db.live(b"s").unwrap(), None);
    }

    #[test]
    fn a_set_found_in_storage_is_loaded_by_spop_and_kept_exact_by_writes() {
        let dir = tempfile::tempdir().unwrap();
        let opts = |path: &std::path::Path| crate::storage::StorageOptions {
            path: path.join("db"),
            databases: 16,
            compression: crate::storage::Compression::Lz4,
            block_cache_bytes: 8 << 20,
            write_buffer_bytes: 8 << 20,
            meta_cache_bytes: 1 << 20,
            fsync: crate::storage::Fsync::No,
        };
        let now = now_ms();
        {
            let store = Storage::open(&opts(dir.path())).unwrap();
            Db::new(&store, 0, now).sadd(b"s", &[b"a", b"b", b"c", b"d"]).unwrap();
        }
        // Reopened: no member set until SPOP reads one from the stored rows.
        let store = Storage::open(&opts(dir.path())).unwrap();
        let db = Db::new(&store, 0, now);
        let prefix = member_prefix(0, b"s", db.live(b"s").unwrap().unwrap().version());
        assert!(store.member_set(&prefix).is_none());
        let first = db.spop(b"s", None, 1).unwrap();
        assert_eq!(store.member_set(&prefix).expect("loaded by SPOP").len(), 3);
        assert_eq!(db.sadd(b"s", &[b"e", b"a"]).unwrap(), 1 + (first[0] == b"a") as i64);
        assert_eq!(db.srem(b"s", &[b"b", b"zz"]).unwrap(), (first[0] != b"b") as i64);
        let mut all: Vec<Vec<u8>> = (0..10).flat_map(|seed| db.spop(b"s", None, seed).unwrap()).collect();
        all.extend(first);
        all.sort();
        // `b` only if the first pop took it before SREM could.
        all.retain(|m| m != b"b");
        let expected: Vec<Vec<u8>> = [&b"a"[..], b"c", b"d", b"e"].iter().map(|m| m.to_vec()).collect();
        assert_eq!(all, expected, "every member popped once");
        assert_eq!(db.live(b"s").unwrap(), None);
    }

    #[test]
    fn add_remove_and_the_empty_set_goes() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        assert_eq!(db.sadd(b"s", &[b"a", b"b", b"a"]).unwrap(), 2);
        assert_eq!(db.sadd(b"s", &[b"b", b"c"]).unwrap(), 1);
        assert_eq!(db.scard(b"s").unwrap(), 3);
        assert!(db.sismember(b"s", b"c").unwrap());
        assert_eq!(db.srem(b"s", &[b"a", b"a", b"zz"]).unwrap(), 1);
        assert_eq!(db.srem(b"s", &[b"b", b"c"]).unwrap(), 2);
        assert_eq!(db.live(b"s").unwrap(), None);
        assert_eq!(store.dbsize(0), 0);
    }

    #[test]
    fn algebra_store_and_pop() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        db.sadd(b"x", &[b"1", b"2", b"3", b"4"]).unwrap();
        db.sadd(b"y", &[b"3", b"4", b"5"]).unwrap();
        assert_eq!(db.set_op(SetOp::Inter, &[b"x", b"y"]).unwrap(), vec![b"3".to_vec(), b"4".to_vec()]);
        assert_eq!(db.set_op(SetOp::Diff, &[b"x", b"y"]).unwrap(), vec![b"1".to_vec(), b"2".to_vec()]);
        assert_eq!(db.set_op(SetOp::Union, &[b"x", b"y", b"none"]).unwrap().len(), 5);
        assert_eq!(db.sintercard(&[b"x", b"y"], 1).unwrap(), 1);
        assert_eq!(db.set_op_store(SetOp::Union, b"x", &[b"x", b"y"]).unwrap(), 5);
        assert_eq!(db.scard(b"x").unwrap(), 5);
        assert_eq!(db.spop(b"x", Some(2), 9).unwrap().len(), 2);
        assert_eq!(db.scard(b"x").unwrap(), 3);
        assert_eq!(db.spop(b"x", Some(10), 9).unwrap().len(), 3);
        assert_eq!(db.live(b"x").unwrap(), None);
        assert_eq!(db.set_op_store(SetOp::Inter, b"y", &[b"y", b"none"]).unwrap(), 0);
        assert_eq!(store.dbsize(0), 0);
    }
}
