//! Strings: the value lives inline in the meta row (see [`crate::storage::Meta`]).

use super::{parse_f64, parse_i64, Db, Error, Result, MAX_STRING};
use crate::storage::{Kind, Meta};
use foldhash::{HashSet, HashSetExt};

/// What SET does with the key's time to live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// Remove any expiry (plain SET).
    Clear,
    /// Keep the current expiry (KEEPTTL).
    Keep,
    /// Expire at this Unix time in milliseconds.
    At(u64),
}

/// SET's existence condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cond {
    Always,
    /// NX: only if the key does not exist.
    Missing,
    /// XX: only if the key exists.
    Exists,
}

/// The outcome of a SET: whether it wrote, and the old value when GET asked for it.
pub struct SetOutcome {
    pub written: bool,
    pub old: Option<Vec<u8>>,
}

/// GETEX's change to the time to live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TtlChange {
    None,
    Persist,
    At(u64),
}

/// The value of a live string meta row; WRONGTYPE for any other type.
fn string_value(meta: Option<Meta>) -> Result<Option<Vec<u8>>> {
    match meta {
        None => Ok(None),
        Some(m) if m.kind == Kind::String => Ok(Some(m.body)),
        Some(_) => Err(Error::WrongType),
    }
}

impl Db<'_> {
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        string_value(self.live(key)?)
    }

    /// MGET: missing keys and keys of other types read as `None`.
    pub fn mget(&self, keys: &[&[u8]]) -> Result<Vec<Option<Vec<u8>>>> {
        let metas = self.store.multi_get_live(self.db, keys, self.now)?;
        Ok(metas.into_iter().map(|m| m.filter(|m| m.kind == Kind::String).map(|m| m.body)).collect())
    }

    /// SET with every option. With `get`, an existing key of another type is WRONGTYPE and
    /// nothing is written. An expiry in the past deletes the key.
    pub fn set(&self, key: &[u8], value: &[u8], cond: Cond, ttl: Ttl, get: bool) -> Result<SetOutcome> {
        let lock = self.lock(&[key])?;
        let stored = self.store.get_meta(self.db, key)?;
        let live = stored.as_ref().filter(|m| !m.is_expired(self.now));
        let old = if get { string_value(live.cloned())? } else { None };
        let proceed = match cond {
            Cond::Always => true,
            Cond::Missing => live.is_none(),
            Cond::Exists => live.is_some(),
        };
        if !proceed {
            return Ok(SetOutcome { written: false, old });
        }
        let expire_at = match ttl {
            Ttl::Clear => 0,
            Ttl::Keep => live.map_or(0, |m| m.expire_at),
            Ttl::At(at) => at,
        };
        let mut batch = self.store.batch();
        if expire_at != 0 && expire_at <= self.now {
            if let Some(m) = &stored {
                batch.delete_meta(self.db, key, m);
            }
        } else {
            batch.put_meta(self.db, key, stored.as_ref(), &Meta::new(Kind::String, expire_at, value.to_vec()));
        }
        self.write(&lock, batch)?;
        Ok(SetOutcome { written: true, old })
    }

    /// MSET (`only_if_none_exist = false`) and MSETNX (`true`): all keys or none.
    pub fn mset(&self, pairs: &[(&[u8], &[u8])], only_if_none_exist: bool) -> Result<bool> {
        let keys: Vec<&[u8]> = pairs.iter().map(|p| p.0).collect();
        let lock = self.lock(&keys)?;
        let mut stored = Vec::with_capacity(pairs.len());
        for k in &keys {
            let m = self.store.get_meta(self.db, k)?;
            if only_if_none_exist && m.as_ref().is_some_and(|m| !m.is_expired(self.now)) {
                return Ok(false);
            }
            stored.push(m);
        }
        let mut batch = self.store.batch();
        // The same key may appear twice; later pairs win, and counts see the first write.
        // A set, not a list: MSET with 100,000 keys must stay linear.
        let mut written: HashSet<&[u8]> = HashSet::with_capacity(pairs.len());
        let rewritten = Meta::new(Kind::String, 0, vec![]);
        for ((key, value), old) in pairs.iter().zip(&stored) {
            let old = if written.insert(*key) { old.as_ref() } else { Some(&rewritten) };
            batch.put_meta(self.db, key, old, &Meta::new(Kind::String, 0, value.to_vec()));
        }
        self.write(&lock, batch)?;
        Ok(true)
    }

    /// Reads, transforms and writes back a string, keeping its expiry. `f` gets the current
    /// value (`None` if missing) and returns the new value (`None` = leave untouched) and
    /// the command's result.
    pub fn update<T>(&self, key: &[u8], f: impl FnOnce(Option<&[u8]>) -> Result<(Option<Vec<u8>>, T)>) -> Result<T> {
        let lock = self.lock(&[key])?;
        let stored = self.store.get_meta(self.db, key)?;
        let live = stored.as_ref().filter(|m| !m.is_expired(self.now));
        if live.is_some_and(|m| m.kind != Kind::String) {
            return Err(Error::WrongType);
        }
        let (new, out) = f(live.map(|m| m.body.as_slice()))?;
        if let Some(value) = new {
            let expire_at = live.map_or(0, |m| m.expire_at);
            let mut batch = self.store.batch();
            batch.put_meta(self.db, key, stored.as_ref(), &Meta::new(Kind::String, expire_at, value));
            self.write(&lock, batch)?;
        }
        Ok(out)
    }

    /// INCRBY / DECRBY / INCR / DECR.
    pub fn incr_by(&self, key: &[u8], delta: i64) -> Result<i64> {
        self.update(key, |cur| {
            let n = match cur {
                None => 0,
                Some(v) => parse_i64(v).ok_or(Error::NotInteger)?,
            };
            let n = n.checked_add(delta).ok_or(Error::Overflow)?;
            Ok((Some(itoa::Buffer::new().format(n).as_bytes().to_vec()), n))
        })
    }

    /// INCRBYFLOAT by `delta` (`None`: not a float, reported after the key's type and
    /// value are checked, as Redis does); returns the new value as stored (Redis's
    /// human-friendly format).
    pub fn incr_by_float(&self, key: &[u8], delta: Option<f64>) -> Result<Vec<u8>> {
        self.update(key, |cur| {
            let n = match cur {
                None => 0.0,
                Some(v) => parse_f64(v).ok_or(Error::NotFloat)?,
            };
            let delta = delta.ok_or(Error::NotFloat)?;
            let sum = n + delta;
            if !sum.is_finite() {
                return Err(Error::NanOrInfinity);
            }
            let text = format_human(sum, n.abs().max(delta.abs())).into_bytes();
            Ok((Some(text.clone()), text))
        })
    }

    /// APPEND; returns the new length.
    pub fn append(&self, key: &[u8], tail: &[u8]) -> Result<usize> {
        self.update(key, |cur| {
            let cur = cur.unwrap_or_default();
            if cur.len() + tail.len() > MAX_STRING {
                return Err(Error::TooLarge);
            }
            let mut v = Vec::with_capacity(cur.len() + tail.len());
            v.extend_from_slice(cur);
            v.extend_from_slice(tail);
            let len = v.len();
            Ok((Some(v), len))
        })
    }

    /// SETRANGE; returns the new length. An empty `value` never creates the key.
    pub fn setrange(&self, key: &[u8], offset: usize, value: &[u8]) -> Result<usize> {
        self.update(key, |cur| {
            let cur_len = cur.map_or(0, <[u8]>::len);
            if value.is_empty() {
                return Ok((None, cur_len));
            }
            if offset + value.len() > MAX_STRING {
                return Err(Error::TooLarge);
            }
            let mut v = cur.unwrap_or_default().to_vec();
            if v.len() < offset + value.len() {
                v.resize(offset + value.len(), 0);
            }
            v[offset..offset + value.len()].copy_from_slice(value);
            let len = v.len();
            Ok((Some(v), len))
        })
    }

    /// SETBIT; returns the previous bit.
    pub fn setbit(&self, key: &[u8], offset: u64, on: bool) -> Result<u8> {
        self.update(key, |cur| {
            let byte = (offset >> 3) as usize;
            let mut v = cur.unwrap_or_default().to_vec();
            if v.len() <= byte {
                v.resize(byte + 1, 0);
            }
            let mask = 1u8 << (7 - (offset & 7));
            let old = (v[byte] & mask != 0) as u8;
            if on {
                v[byte] |= mask;
            } else {
                v[byte] &= !mask;
            }
            Ok((Some(v), old))
        })
    }

    /// GETDEL.
    pub fn getdel(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let lock = self.lock(&[key])?;
        let stored = self.store.get_meta(self.db, key)?;
        let value = string_value(stored.clone().filter(|m| !m.is_expired(self.now)))?;
        if let (Some(_), Some(m)) = (&value, &stored) {
            let mut batch = self.store.batch();
            batch.delete_meta(self.db, key, m);
            self.write(&lock, batch)?;
        }
        Ok(value)
    }

    /// GETEX: returns the value and changes its time to live.
    pub fn getex(&self, key: &[u8], change: TtlChange) -> Result<Option<Vec<u8>>> {
        let lock = self.lock(&[key])?;
        let stored = self.store.get_meta(self.db, key)?;
        let live = stored.clone().filter(|m| !m.is_expired(self.now));
        let Some(mut meta) = live else { return Ok(None) };
        if meta.kind != Kind::String {
            return Err(Error::WrongType);
        }
        let value = meta.body.clone();
        let new_expire = match change {
            TtlChange::None => return Ok(Some(value)),
            TtlChange::Persist => 0,
            TtlChange::At(at) => at,
        };
        let mut batch = self.store.batch();
        if new_expire != 0 && new_expire <= self.now {
            batch.delete_meta(self.db, key, &meta);
        } else if new_expire != meta.expire_at {
            meta.expire_at = new_expire;
            batch.put_meta(self.db, key, stored.as_ref(), &meta);
        }
        self.write(&lock, batch)?;
        Ok(Some(value))
    }
}

/// Formats an INCRBYFLOAT result as Redis does: plain decimal, never an exponent, no
/// trailing zeros, at most 17 decimals (`%.17Lf`). Redis computes in long double, so
/// `0.1 + 0.2` and `100 - 99.9` show as `0.3` and `0.1`. In f64 the rounding error of a
/// sum is below the 16th significant digit of its largest operand (`scale`), so we print
/// only the digits above it.
pub fn format_human(n: f64, scale: f64) -> String {
    let scale = scale.abs().max(n.abs());
    let magnitude = if scale == 0.0 { 0 } else { scale.log10().floor() as i32 };
    let decimals = (15 - magnitude).clamp(0, 17) as usize;
    let mut s = format!("{:.*}", decimals, n);
    if s.contains('.') {
        let trimmed = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(trimmed);
    }
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// Resolves Redis's `start`/`end` byte range (negative = from the end) against a
/// length; `None` when the range is empty. Shared by GETRANGE and BITCOUNT, which answer
/// an empty range for two negative indexes in reverse order before clamping them.
pub fn resolve_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    clamp_range(start, end, len)
}

/// [`resolve_range`] without that first check, as BITPOS resolves its range: `BITPOS k 1
/// -3 -100` clamps both ends to 0 and searches the first byte.
pub fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return None;
    }
    Some((start as usize, end as usize))
}

/// Counts set bits in `bytes`.
pub fn popcount(bytes: &[u8]) -> u64 {
    bytes.iter().map(|b| b.count_ones() as u64).sum()
}

/// Counts set bits between bit offsets `start..=end`.
pub fn popcount_bits(bytes: &[u8], start: usize, end: usize) -> u64 {
    (start..=end).filter(|&i| bytes[i >> 3] & (0x80 >> (i & 7)) != 0).count() as u64
}

/// The first bit equal to `bit` within bit offsets `start..=end`.
pub fn find_bit(bytes: &[u8], bit: bool, start: usize, end: usize) -> Option<usize> {
    let mut i = start;
    while i <= end {
        // Skip whole bytes that cannot contain the bit.
        if i & 7 == 0 && i + 7 <= end {
            let b = bytes[i >> 3];
            if (bit && b == 0) || (!bit && b == 0xff) {
                i += 8;
                continue;
            }
        }
        if (bytes[i >> 3] & (0x80 >> (i & 7)) != 0) == bit {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The result of LCS: the common subsequence, and its matches as
/// `((a_start, a_end), (b_start, b_end), len)` from the end of the strings backwards.
pub struct Lcs {
    pub sequence: Vec<u8>,
    pub matches: Vec<((usize, usize), (usize, usize), usize)>,
}

/// Longest common subsequence by dynamic programming, as Redis computes it (so IDX
/// reports the same matches in the same order).
pub fn lcs(a: &[u8], b: &[u8]) -> Lcs {
    let (n, m) = (a.len(), b.len());
    let w = m + 1;
    let mut t = vec![0u32; (n + 1) * (m + 1)];
    for i in 1..=n {
        for j in 1..=m {
            t[i * w + j] = if a[i - 1] == b[j - 1] { t[(i - 1) * w + j - 1] + 1 } else { t[(i - 1) * w + j].max(t[i * w + j - 1]) };
        }
    }
    let len = t[n * w + m] as usize;
    let mut seq = vec![0u8; len];
    let mut idx = len;
    let (mut i, mut j) = (n, m);
    let mut matches = Vec::new();
    let mut cur: Option<((usize, usize), (usize, usize))> = None;
    while i > 0 && j > 0 {
        if a[i - 1] == b[j - 1] {
            idx -= 1;
            seq[idx] = a[i - 1];
            match &mut cur {
                // Extend the current match if this position continues it backwards.
                Some(((a0, _), (b0, _))) if *a0 == i && *b0 == j => {
                    *a0 = i - 1;
                    *b0 = j - 1;
                }
                _ => {
                    if let Some((ra, rb)) = cur.take() {
                        matches.push((ra, rb, ra.1 - ra.0 + 1));
                    }
                    cur = Some(((i - 1, i - 1), (j - 1, j - 1)));
                }
            }
            i -= 1;
            j -= 1;
        } else if t[(i - 1) * w + j] > t[i * w + j - 1] {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    if let Some((ra, rb)) = cur {
        matches.push((ra, rb, ra.1 - ra.0 + 1));
    }
    Lcs { sequence: seq, matches }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_getrange() {
        assert_eq!(resolve_range(0, -1, 5), Some((0, 4)));
        assert_eq!(resolve_range(-3, -1, 5), Some((2, 4)));
        assert_eq!(resolve_range(3, 100, 5), Some((3, 4)));
        assert_eq!(resolve_range(4, 2, 5), None);
        assert_eq!(resolve_range(-1, -3, 5), None);
        assert_eq!(resolve_range(0, 0, 0), None);
        assert_eq!(resolve_range(-100, -100, 5), Some((0, 0)));
    }

    #[test]
    fn lcs_matches_redis_example() {
        let r = lcs(b"ohmytext", b"mynewtext");
        assert_eq!(r.sequence, b"mytext");
        assert_eq!(r.matches, vec![((4, 7), (5, 8), 4), ((2, 3), (0, 1), 2)]);
    }

    #[test]
    fn bits() {
        assert_eq!(popcount(b"foobar"), 26);
        assert_eq!(find_bit(&[0xff, 0xf0, 0], false, 0, 23), Some(12));
        assert_eq!(find_bit(&[0, 0, 1], true, 0, 23), Some(23));
        assert_eq!(popcount_bits(&[0xff], 2, 4), 3);
        assert_eq!(format_human(10.5 + 0.1, 10.5), "10.6");
        assert_eq!(format_human(5000.0, 5000.0), "5000");
        assert_eq!(format_human(0.1 + 0.2, 0.2), "0.3");
        assert_eq!(format_human(1.1 + 2.2, 2.2), "3.3");
        assert_eq!(format_human(100.0 - 99.9, 100.0), "0.1");
        assert_eq!(format_human(1e-5, 1e-5), "0.00001");
        assert_eq!(format_human(1e-20, 0.0), "0");
        assert_eq!(format_human(-1e-20, 0.0), "0");
        assert_eq!(format_human(1e20, 1e20), "100000000000000000000");
        assert_eq!(format_human(-2.5, 2.5), "-2.5");
    }
}
