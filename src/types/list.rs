//! Lists: a meta row holding `[version][size][head][tail]` (see [`Meta::list`]) and one
//! `data` row per element, keyed `member_key(db, key, version, index u64 BE)`, for every
//! index from `head` (inclusive) to `tail` (exclusive). Big-endian indexes sort in list
//! order, so a range of the list is one range scan.
//!
//! A new list starts at `head = tail = 1 << 63` and grows both ways: LPUSH decrements
//! `head`, RPUSH increments `tail`, and the pops move them back, so the ends, LINDEX and
//! LSET are O(1) reads and writes whatever the list's length. LINSERT and LREM must keep
//! the indexes contiguous, so they rewrite the elements on one side of the change: O(N),
//! as in Redis (which moves memory the same way), shifting whichever side is shorter.
//!
//! As with the other collections, a new key gets a fresh version, so the rows of an
//! earlier list under the same name are never seen; a list whose last element goes is
//! deleted, as in Redis (popping a whole list writes only the meta tombstone: the
//! compaction filter reclaims its rows).

use super::{Db, Error, Result};
use crate::storage::{cf, member_key, member_prefix, Batch, Kind, Meta};

/// The end of a list a command pushes to or pops from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Left,
    Right,
}

/// What LMPOP popped: the key and its elements, in pop order.
pub type Popped = (Vec<u8>, Vec<Vec<u8>>);

/// Where a new list's indexes start: the middle of the u64 range, so it can grow 2^63
/// elements either way.
const MIDDLE: u64 = 1 << 63;

/// A list being written: its stored meta row (expired or not, which decides how the key
/// counts change), the live list (a fresh empty one if the key is missing or expired)
/// and its bounds as the command moves them.
struct ListWrite {
    stored: Option<Meta>,
    meta: Meta,
    existed: bool,
    head: u64,
    tail: u64,
}

impl ListWrite {
    fn len(&self) -> u64 {
        self.tail - self.head
    }
}

/// Redis's clamping of a `start..=stop` range (negative = from the end) over a list of
/// `len` elements: the offsets of the first and last element, or `None` if it is empty.
fn clamp_range(start: i64, stop: i64, len: u64) -> Option<(u64, u64)> {
    let len = len as i128;
    let (mut start, mut stop) = (start as i128, stop as i128);
    if start < 0 {
        start += len;
    }
    if stop < 0 {
        stop += len;
    }
    start = start.max(0);
    if start > stop || start >= len {
        return None;
    }
    Some((start as u64, stop.min(len - 1) as u64))
}

/// The offset of `index` (negative = from the end) in a list of `len`, if it is inside.
fn resolve_index(index: i64, len: u64) -> Option<u64> {
    let i = if index < 0 { len as i128 + index as i128 } else { index as i128 };
    (0..len as i128).contains(&i).then_some(i as u64)
}

impl Db<'_> {
    /// Reads the list at `key` for a write, under the caller's lock.
    fn open_list(&self, key: &[u8]) -> Result<ListWrite> {
        let stored = self.store.get_meta(self.db, key)?;
        let live = stored.as_ref().filter(|m| !m.is_expired(self.now)).cloned();
        match live {
            Some(m) if m.kind != Kind::List => Err(Error::WrongType),
            Some(m) => {
                let (head, tail) = m.list_bounds();
                Ok(ListWrite { stored, meta: m, existed: true, head, tail })
            }
            None => {
                let meta = Meta::list(self.store.new_version(), MIDDLE, MIDDLE);
                Ok(ListWrite { stored, meta, existed: false, head: MIDDLE, tail: MIDDLE })
            }
        }
    }

    /// Adds the meta row change of a list write to `batch`: the new bounds, the new key,
    /// or the deletion of a list that lost its last element.
    fn close_list(&self, key: &[u8], w: &mut ListWrite, batch: &mut Batch) {
        if w.len() == 0 {
            if let (true, Some(old)) = (w.existed, &w.stored) {
                batch.delete_meta(self.db, key, old);
            }
        } else {
            w.meta.set_list_bounds(w.head, w.tail);
            batch.put_meta(self.db, key, w.stored.as_ref(), &w.meta);
        }
    }

    /// The row key of the element at `index` of the list `meta` of `key`.
    fn list_row(&self, key: &[u8], meta: &Meta, index: u64) -> Vec<u8> {
        member_key(self.db, key, meta.version(), &index.to_be_bytes())
    }

    /// Calls `f(index, element)` for the elements with `from <= index < to`, from the
    /// left (or from the right if `reverse`), until it returns false. One range scan.
    fn each_element(
        &self,
        key: &[u8],
        meta: &Meta,
        from: u64,
        to: u64,
        reverse: bool,
        mut f: impl FnMut(u64, &[u8]) -> bool,
    ) -> Result<()> {
        if from >= to {
            return Ok(());
        }
        let prefix = member_prefix(self.db, key, meta.version());
        let start = self.list_row(key, meta, if reverse { to - 1 } else { from });
        Ok(self.store.scan_rows(cf::DATA, &prefix, Some(&start), reverse, |k, v| {
            let Some(index) = k.get(prefix.len()..).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes) else {
                return true;
            };
            if index < from || index >= to {
                return false;
            }
            f(index, v)
        })?)
    }

    /// The elements with `from <= index < to`, in list order (or reversed). A few
    /// elements (a pop) are point reads: cheaper than opening an iterator, and blind to
    /// the tombstones earlier pops left at that end.
    fn read_elements(&self, key: &[u8], meta: &Meta, from: u64, to: u64, reverse: bool) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::with_capacity((to.saturating_sub(from)).min(1 << 16) as usize);
        self.visit_elements(key, meta, from, to, reverse, |v| out.push(v.to_vec()))?;
        Ok(out)
    }

    /// [`Db::read_elements`], handing each element to `f` instead of copying it.
    fn visit_elements(&self, key: &[u8], meta: &Meta, from: u64, to: u64, reverse: bool, mut f: impl FnMut(&[u8])) -> Result<()> {
        const POINT_READS: u64 = 4;
        if to.saturating_sub(from) <= POINT_READS {
            let mut indexes: Vec<u64> = (from..to).collect();
            if reverse {
                indexes.reverse();
            }
            for i in indexes {
                if let Some(v) = self.store.get_member(cf::DATA, &self.list_row(key, meta, i))? {
                    f(&v);
                }
            }
            return Ok(());
        }
        self.each_element(key, meta, from, to, reverse, |_, v| {
            f(v);
            true
        })
    }

    /// Adds the rows of a new list of `items` at `key` to `batch`; returns its meta row,
    /// for the caller to write.
    pub(crate) fn new_list_rows(&self, key: &[u8], items: &[Vec<u8>], batch: &mut Batch) -> Meta {
        let meta = Meta::list(self.store.new_version(), MIDDLE, MIDDLE + items.len() as u64);
        for (i, item) in items.iter().enumerate() {
            batch.put_row(cf::DATA, &self.list_row(key, &meta, MIDDLE + i as u64), item);
        }
        meta
    }

    /// Appends `element` at one end of the list being written.
    fn push_element(&self, key: &[u8], w: &mut ListWrite, end: End, element: &[u8], batch: &mut Batch) {
        let index = match end {
            End::Left => {
                w.head -= 1;
                w.head
            }
            End::Right => {
                w.tail += 1;
                w.tail - 1
            }
        };
        batch.put_row(cf::DATA, &self.list_row(key, &w.meta, index), element);
    }

    /// Takes up to `n` elements from one end, in pop order. Their rows are deleted unless
    /// `keep_rows` (the whole list is going, and its meta tombstone is enough).
    fn pop_elements(&self, key: &[u8], w: &mut ListWrite, end: End, n: u64, keep_rows: bool, batch: &mut Batch) -> Result<Vec<Vec<u8>>> {
        let n = n.min(w.len());
        let (from, to) = match end {
            End::Left => (w.head, w.head + n),
            End::Right => (w.tail - n, w.tail),
        };
        let items = if n <= 4 {
            // The elements at the end being popped, through its read-ahead window.
            let prefix = member_prefix(self.db, key, w.meta.version());
            let mut indexes: Vec<u64> = (from..to).collect();
            if end == End::Right {
                indexes.reverse();
            }
            let mut items = Vec::with_capacity(indexes.len());
            for i in indexes {
                let row = self.list_row(key, &w.meta, i);
                // The rows are dense: a window of n rows below the tail starts n - 1 rows down.
                let floor = |n: usize| self.list_row(key, &w.meta, w.head.max(i.saturating_sub(n as u64 - 1)));
                let floor: Option<&dyn Fn(usize) -> Vec<u8>> = (end == End::Right).then_some(&floor);
                items.extend(self.store.writer_pop_row(&prefix, &row, end == End::Right, floor)?);
            }
            items
        } else {
            self.read_elements(key, &w.meta, from, to, end == End::Right)?
        };
        if !keep_rows {
            for i in from..to {
                batch.delete_row(cf::DATA, &self.list_row(key, &w.meta, i));
            }
        }
        match end {
            End::Left => w.head = to,
            End::Right => w.tail = from,
        }
        Ok(items)
    }

    /// LPUSH / RPUSH (and the X forms with `only_existing`): pushes the elements one by
    /// one, so LPUSH reverses them; returns the new length (0 for X on a missing key).
    pub fn push(&self, key: &[u8], elements: &[&[u8]], end: End, only_existing: bool) -> Result<u64> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_list(key)?;
        if !w.existed && only_existing {
            return Ok(0);
        }
        let mut batch = self.store.batch();
        for e in elements {
            self.push_element(key, &mut w, end, e, &mut batch);
        }
        self.close_list(key, &mut w, &mut batch);
        self.write(&lock, batch)?;
        Ok(w.len())
    }

    /// LPOP / RPOP: up to `count` elements (1 if `None`) in pop order; `None` for a
    /// missing key. Popping every element deletes the key.
    pub fn pop(&self, key: &[u8], end: End, count: Option<u64>) -> Result<Option<Vec<Vec<u8>>>> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_list(key)?;
        if !w.existed {
            return Ok(None);
        }
        let n = count.unwrap_or(1);
        if n == 0 {
            return Ok(Some(Vec::new()));
        }
        let mut batch = self.store.batch();
        let whole = n >= w.len();
        let items = self.pop_elements(key, &mut w, end, n, whole, &mut batch)?;
        self.close_list(key, &mut w, &mut batch);
        self.write(&lock, batch)?;
        Ok(Some(items))
    }

    /// LMPOP: pops up to `count` elements from the first non-empty list of `keys`;
    /// a key of another type before it is an error, as in Redis.
    pub fn mpop(&self, keys: &[&[u8]], end: End, count: u64) -> Result<Option<Popped>> {
        let lock = self.lock(keys)?;
        for key in keys {
            let mut w = self.open_list(key)?;
            if !w.existed {
                continue;
            }
            let mut batch = self.store.batch();
            let whole = count >= w.len();
            let items = self.pop_elements(key, &mut w, end, count, whole, &mut batch)?;
            self.close_list(key, &mut w, &mut batch);
            self.write(&lock, batch)?;
            return Ok(Some((key.to_vec(), items)));
        }
        Ok(None)
    }

    /// LMOVE / RPOPLPUSH: pops one element of `src` and pushes it onto `dst`; `None` if
    /// `src` is missing. As in Redis, `dst`'s type is checked only when `src` exists, and
    /// `src == dst` rotates the list.
    pub fn lmove(&self, src: &[u8], dst: &[u8], from: End, to: End) -> Result<Option<Vec<u8>>> {
        let lock = self.lock(&[src, dst])?;
        let mut s = self.open_list(src)?;
        if !s.existed {
            return Ok(None);
        }
        let mut batch = self.store.batch();
        if src == dst {
            // The popped row's delete and the pushed row's put may name the same index
            // (LEFT LEFT on one key): the batch applies them in order, so the put wins.
            let Some(v) = self.pop_elements(src, &mut s, from, 1, false, &mut batch)?.pop() else { return Ok(None) };
            self.push_element(src, &mut s, to, &v, &mut batch);
            self.close_list(src, &mut s, &mut batch);
            self.write(&lock, batch)?;
            return Ok(Some(v));
        }
        let mut d = self.open_list(dst)?;
        let whole = s.len() == 1;
        let Some(v) = self.pop_elements(src, &mut s, from, 1, whole, &mut batch)?.pop() else { return Ok(None) };
        self.push_element(dst, &mut d, to, &v, &mut batch);
        self.close_list(src, &mut s, &mut batch);
        self.close_list(dst, &mut d, &mut batch);
        self.write(&lock, batch)?;
        Ok(Some(v))
    }

    /// LLEN: O(1), from the meta row.
    pub fn llen(&self, key: &[u8]) -> Result<u64> {
        Ok(self.live_of(key, Kind::List)?.map_or(0, |m| m.size()))
    }

    /// LRANGE: hands `f` the elements from `start` to `stop` inclusive (negative = from
    /// the end), clamped as Redis clamps them, in order. One range scan.
    pub fn lrange(&self, key: &[u8], start: i64, stop: i64, f: impl FnMut(&[u8])) -> Result<()> {
        let Some(meta) = self.live_of(key, Kind::List)? else { return Ok(()) };
        let (head, tail) = meta.list_bounds();
        let Some((s, e)) = clamp_range(start, stop, tail - head) else { return Ok(()) };
        self.visit_elements(key, &meta, head + s, head + e + 1, false, f)
    }

    /// LINDEX: one point read.
    pub fn lindex(&self, key: &[u8], index: i64) -> Result<Option<Vec<u8>>> {
        let Some(meta) = self.live_of(key, Kind::List)? else { return Ok(None) };
        let (head, tail) = meta.list_bounds();
        let Some(i) = resolve_index(index, tail - head) else { return Ok(None) };
        Ok(self.store.get_member(cf::DATA, &self.list_row(key, &meta, head + i))?)
    }

    /// LSET: one point write. `Err(NoSuchKey)` for a missing key, `Ok(false)` for an
    /// index outside the list.
    pub fn lset(&self, key: &[u8], index: i64, element: &[u8]) -> Result<bool> {
        let lock = self.lock(&[key])?;
        let w = self.open_list(key)?;
        if !w.existed {
            return Err(Error::NoSuchKey);
        }
        let Some(i) = resolve_index(index, w.len()) else { return Ok(false) };
        let mut batch = self.store.batch();
        batch.put_row(cf::DATA, &self.list_row(key, &w.meta, w.head + i), element);
        self.write(&lock, batch)?;
        Ok(true)
    }

    /// LTRIM: keeps `start..=stop` (clamped as LRANGE) and deletes the rows of both ends;
    /// an empty range deletes the key.
    pub fn ltrim(&self, key: &[u8], start: i64, stop: i64) -> Result<()> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_list(key)?;
        if !w.existed {
            return Ok(());
        }
        let mut batch = self.store.batch();
        match clamp_range(start, stop, w.len()) {
            None => w.head = w.tail,
            Some((s, e)) => {
                let (new_head, new_tail) = (w.head + s, w.head + e + 1);
                if (new_head, new_tail) == (w.head, w.tail) {
                    return Ok(());
                }
                for i in (w.head..new_head).chain(new_tail..w.tail) {
                    batch.delete_row(cf::DATA, &self.list_row(key, &w.meta, i));
                }
                (w.head, w.tail) = (new_head, new_tail);
            }
        }
        self.close_list(key, &mut w, &mut batch);
        self.write(&lock, batch)?;
        Ok(())
    }

    /// LINSERT: inserts `element` before (or after) the first `pivot`; returns the new
    /// length, -1 if there is no pivot, 0 for a missing key. The elements on the shorter
    /// side of the insertion point move one index outwards: O(N).
    pub fn linsert(&self, key: &[u8], after: bool, pivot: &[u8], element: &[u8]) -> Result<i64> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_list(key)?;
        if !w.existed {
            return Ok(0);
        }
        let mut found = None;
        self.each_element(key, &w.meta, w.head, w.tail, false, |i, v| {
            if v == pivot {
                found = Some(i);
            }
            found.is_none()
        })?;
        let Some(pivot_index) = found else { return Ok(-1) };
        // The new element goes between `at - 1` and `at`.
        let at = pivot_index + after as u64;
        let mut batch = self.store.batch();
        if at - w.head < w.tail - at {
            self.each_element(key, &w.meta, w.head, at, false, |i, v| {
                batch.put_row(cf::DATA, &self.list_row(key, &w.meta, i - 1), v);
                true
            })?;
            w.head -= 1;
            batch.put_row(cf::DATA, &self.list_row(key, &w.meta, at - 1), element);
        } else {
            self.each_element(key, &w.meta, at, w.tail, false, |i, v| {
                batch.put_row(cf::DATA, &self.list_row(key, &w.meta, i + 1), v);
                true
            })?;
            w.tail += 1;
            batch.put_row(cf::DATA, &self.list_row(key, &w.meta, at), element);
        }
        self.close_list(key, &mut w, &mut batch);
        self.write(&lock, batch)?;
        Ok(w.len() as i64)
    }

    /// LREM: removes the first `count` occurrences of `element` from the left (from the
    /// right for a negative count, all of them for 0); returns how many went. Reads the
    /// list and closes the gaps by moving the elements on the shorter side: O(N).
    pub fn lrem(&self, key: &[u8], count: i64, element: &[u8]) -> Result<i64> {
        let lock = self.lock(&[key])?;
        let mut w = self.open_list(key)?;
        if !w.existed {
            return Ok(0);
        }
        let all = self.read_elements(key, &w.meta, w.head, w.tail, false)?;
        let limit = if count == 0 { u64::MAX } else { count.unsigned_abs() };
        let mut removed = vec![false; all.len()];
        let mut n = 0u64;
        let order: Box<dyn Iterator<Item = usize>> = if count < 0 { Box::new((0..all.len()).rev()) } else { Box::new(0..all.len()) };
        for i in order {
            if n == limit {
                break;
            }
            if all[i] == element {
                removed[i] = true;
                n += 1;
            }
        }
        if n == 0 {
            return Ok(0);
        }
        let first = removed.iter().position(|&r| r).unwrap_or(0);
        let last = removed.iter().rposition(|&r| r).unwrap_or(0);
        let mut batch = self.store.batch();
        if n == w.len() {
            w.head = w.tail;
        } else if all.len() - first <= last + 1 {
            // Keep the head: the elements after the first removal move left.
            let mut at = w.head + first as u64;
            for (v, _) in all.iter().zip(&removed).skip(first).filter(|(_, r)| !**r) {
                batch.put_row(cf::DATA, &self.list_row(key, &w.meta, at), v);
                at += 1;
            }
            for i in at..w.tail {
                batch.delete_row(cf::DATA, &self.list_row(key, &w.meta, i));
            }
            w.tail = at;
        } else {
            // Keep the tail: the elements before the last removal move right.
            let mut at = w.head + last as u64 + 1;
            for (v, _) in all[..=last].iter().zip(&removed[..=last]).rev().filter(|(_, r)| !**r) {
                at -= 1;
                batch.put_row(cf::DATA, &self.list_row(key, &w.meta, at), v);
            }
            for i in w.head..at {
                batch.delete_row(cf::DATA, &self.list_row(key, &w.meta, i));
            }
            w.head = at;
        }
        self.close_list(key, &mut w, &mut batch);
        self.write(&lock, batch)?;
        Ok(n as i64)
    }

    /// LPOS: the offsets (from the left) of up to `count` matches of `element` (0 = all),
    /// skipping the first `|rank| - 1` matches and scanning from the right for a
    /// negative rank, comparing at most `maxlen` elements (0 = all). `None` for a
    /// missing key. `rank` must not be 0.
    pub fn lpos(&self, key: &[u8], element: &[u8], rank: i64, count: u64, maxlen: u64) -> Result<Option<Vec<u64>>> {
        let Some(meta) = self.live_of(key, Kind::List)? else { return Ok(None) };
        let (head, tail) = meta.list_bounds();
        let mut skip = rank.unsigned_abs().saturating_sub(1);
        let mut compared = 0u64;
        let mut out = Vec::new();
        self.each_element(key, &meta, head, tail, rank < 0, |i, v| {
            if maxlen != 0 && compared == maxlen {
                return false;
            }
            compared += 1;
            if v == element {
                if skip > 0 {
                    skip -= 1;
                } else {
                    out.push(i - head);
                    if count != 0 && out.len() as u64 == count {
                        return false;
                    }
                }
            }
            true
        })?;
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::temp_store;
    use super::*;
    use crate::storage::now_ms;

    fn texts(v: Vec<Vec<u8>>) -> Vec<String> {
        v.into_iter().map(|b| String::from_utf8(b).unwrap()).collect()
    }

    fn whole(db: &Db, key: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        db.lrange(key, 0, -1, |v| out.push(String::from_utf8(v.to_vec()).unwrap())).unwrap();
        out
    }

    #[test]
    fn push_pop_both_ends_and_the_empty_list_goes() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        assert_eq!(db.push(b"l", &[b"b", b"a"], End::Left, false).unwrap(), 2);
        assert_eq!(db.push(b"l", &[b"c"], End::Right, false).unwrap(), 3);
        assert_eq!(whole(&db, b"l"), ["a", "b", "c"]);
        assert_eq!(store.get_meta(0, b"l").unwrap().unwrap().list_bounds(), (MIDDLE - 2, MIDDLE + 1));
        assert_eq!(texts(db.pop(b"l", End::Right, Some(2)).unwrap().unwrap()), ["c", "b"]);
        assert_eq!(db.llen(b"l").unwrap(), 1);
        assert_eq!(texts(db.pop(b"l", End::Left, None).unwrap().unwrap()), ["a"]);
        assert_eq!(db.live(b"l").unwrap(), None);
        assert_eq!(store.dbsize(0), 0);
        assert_eq!(db.push(b"l", &[b"x"], End::Left, true).unwrap(), 0);
    }

    #[test]
    fn insert_and_remove_shift_the_shorter_side() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        db.push(b"l", &[b"a", b"b", b"c", b"d", b"e"], End::Right, false).unwrap();
        assert_eq!(db.linsert(b"l", false, b"b", b"x").unwrap(), 6);
        assert_eq!(db.linsert(b"l", true, b"d", b"y").unwrap(), 7);
        assert_eq!(whole(&db, b"l"), ["a", "x", "b", "c", "d", "y", "e"]);
        db.push(b"l", &[b"x"], End::Right, false).unwrap();
        assert_eq!(db.lrem(b"l", -1, b"x").unwrap(), 1);
        assert_eq!(db.lrem(b"l", 1, b"a").unwrap(), 1);
        assert_eq!(whole(&db, b"l"), ["x", "b", "c", "d", "y", "e"]);
        let (head, tail) = store.get_meta(0, b"l").unwrap().unwrap().list_bounds();
        assert_eq!(tail - head, 6);
        assert_eq!(db.lindex(b"l", -1).unwrap(), Some(b"e".to_vec()));
        assert_eq!(db.lindex(b"l", 0).unwrap(), Some(b"x".to_vec()));
        db.ltrim(b"l", 1, -2).unwrap();
        assert_eq!(whole(&db, b"l"), ["b", "c", "d", "y"]);
        assert_eq!(db.lpos(b"l", b"d", -1, 0, 0).unwrap(), Some(vec![2]));
    }
    #[test]
    fn rows_outside_the_bounds_are_gone() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        db.push(b"l", &[b"a", b"b", b"c", b"d"], End::Right, false).unwrap();
        let meta = store.get_meta(0, b"l").unwrap().unwrap();
        let rows = |db: &Db| {
            let mut n = 0;
            db.store
                .scan_rows(cf::DATA, &member_prefix(0, b"l", meta.version()), None, false, |_, _| {
                    n += 1;
                    true
                })
                .unwrap();
            n
        };
        db.ltrim(b"l", 1, 2).unwrap();
        db.pop(b"l", End::Left, None).unwrap();
        assert_eq!(rows(&db), 1);
        // Popping the whole list writes only the tombstone; compaction takes the rows.
        db.pop(b"l", End::Right, Some(5)).unwrap();
        assert_eq!(rows(&db), 1);
        store.compact();
        assert_eq!(rows(&db), 0);
        assert_eq!(store.dbsize(0), 0);
    }
}
