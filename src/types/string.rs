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

    /// BITOP: stores the bitwise `op` of `sources` at `dst` (a missing key reads as an
    /// empty string, a shorter string as padded with zero bytes), replacing whatever `dst`
    /// held, without expiry. Returns the result's length; an empty result deletes `dst`.
    pub fn bitop(&self, op: BitOp, dst: &[u8], sources: &[&[u8]]) -> Result<BitopOutcome> {
        let mut keys: Vec<&[u8]> = vec![dst];
        for k in sources {
            if !keys.contains(k) {
                keys.push(k);
            }
        }
        let lock = self.lock(&keys)?;
        let values = sources.iter().map(|k| Ok(self.get(k)?.unwrap_or_default())).collect::<Result<Vec<_>>>()?;
        let value = combine_bits(op, &values);
        let len = value.len();
        let stored = self.store.get_meta(self.db, dst)?;
        let mut batch = self.store.batch();
        let mut deleted = false;
        if len > 0 {
            batch.put_meta(self.db, dst, stored.as_ref(), &Meta::new(Kind::String, 0, value));
        } else if let Some(old) = stored.as_ref().filter(|m| !m.is_expired(self.now)) {
            batch.delete_meta(self.db, dst, old);
            deleted = true;
        } else {
            return Ok(BitopOutcome { len, deleted });
        }
        self.write(&lock, batch)?;
        Ok(BitopOutcome { len, deleted })
    }

    /// BITFIELD: runs `fields` in order on the string at `key`, each GET seeing the writes
    /// before it. With any SET or INCRBY the string is first created or zero-padded to hold
    /// every field written (even one an `OVERFLOW FAIL` then leaves alone, as in Redis) and
    /// written back keeping its expiry, unless nothing changed; with GETs only nothing is
    /// written. An entry is `None` where FAIL refused a write. Returns the entries and
    /// whether the string changed.
    pub fn bitfield(&self, key: &[u8], fields: &[Field]) -> Result<(Vec<Option<i64>>, bool)> {
        let Some(end) = fields.iter().filter(|f| f.op != FieldOp::Get).map(|f| f.offset + f.bits as u64).max() else {
            let value = self.get(key)?.unwrap_or_default();
            return Ok((fields.iter().map(|f| Some(f.get(&value))).collect(), false));
        };
        self.update(key, |cur| {
            let len = end.div_ceil(8) as usize;
            let mut changed = cur.is_none_or(|v| v.len() < len);
            let mut value = cur.unwrap_or_default().to_vec();
            if value.len() < len {
                value.resize(len, 0);
            }
            let out = fields
                .iter()
                .map(|f| {
                    let (reply, wrote) = f.apply(&mut value);
                    changed |= wrote;
                    reply
                })
                .collect();
            Ok((changed.then_some(value), (out, changed)))
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

/// BITOP's operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// What BITOP did: the stored length, and whether an empty result deleted the destination.
pub struct BitopOutcome {
    pub len: usize,
    pub deleted: bool,
}

/// The bitwise `op` of `values` (NOT takes one), as long as the longest, the shorter ones
/// read as padded with zero bytes.
pub fn combine_bits(op: BitOp, values: &[Vec<u8>]) -> Vec<u8> {
    let len = values.iter().map(Vec::len).max().unwrap_or(0);
    let Some((first, rest)) = values.split_first() else { return Vec::new() };
    let mut out = first.clone();
    out.resize(len, 0);
    for v in rest {
        match op {
            BitOp::And => {
                out.iter_mut().zip(v).for_each(|(o, b)| *o &= b);
                out[v.len()..].fill(0);
            }
            BitOp::Or => out.iter_mut().zip(v).for_each(|(o, b)| *o |= b),
            BitOp::Xor => out.iter_mut().zip(v).for_each(|(o, b)| *o ^= b),
            BitOp::Not => {}
        }
    }
    if op == BitOp::Not {
        out.iter_mut().for_each(|o| *o = !*o);
    }
    out
}

/// A BITFIELD operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldOp {
    Get,
    Set(i64),
    IncrBy(i64),
}

/// BITFIELD's OVERFLOW behaviour for SET and INCRBY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// One BITFIELD operation on an integer of `bits` bits (1-64 signed, 1-63 unsigned) at
/// bit `offset`, most significant bit first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub op: FieldOp,
    pub signed: bool,
    pub bits: u32,
    pub offset: u64,
    pub overflow: Overflow,
}

impl Field {
    /// The field's value in `bytes` (zero past the end).
    fn get(&self, bytes: &[u8]) -> i64 {
        let raw = get_bits(bytes, self.offset, self.bits);
        if self.signed && self.bits < 64 && raw >> (self.bits - 1) & 1 == 1 {
            (raw | u64::MAX << self.bits) as i64
        } else {
            raw as i64
        }
    }

    /// Runs the operation on `bytes` (long enough for a write): GET's value, SET's old
    /// value, INCRBY's new one, or `None` where OVERFLOW FAIL refused the write; and
    /// whether the field's value changed.
    fn apply(&self, bytes: &mut [u8]) -> (Option<i64>, bool) {
        let old = self.get(bytes);
        let (new, overflowed, reply) = match self.op {
            FieldOp::Get => return (Some(old), false),
            FieldOp::Set(v) => {
                let (n, o) = self.fit(v, 0);
                (n, o, old)
            }
            FieldOp::IncrBy(by) => {
                let (n, o) = self.fit(old, by);
                (n, o, n)
            }
        };
        if overflowed && self.overflow == Overflow::Fail {
            return (None, false);
        }
        set_bits(bytes, self.offset, self.bits, new as u64);
        (Some(reply), new != old)
    }

    /// `value + incr` brought into the field's range by its overflow rule, and whether
    /// it overflowed: Redis's `check{Signed,Unsigned}BitfieldOverflow`, whose arithmetic
    /// (including an unsigned SET of a negative value, taken as its two's complement) it
    /// follows exactly.
    fn fit(&self, value: i64, incr: i64) -> (i64, bool) {
        let bits = self.bits;
        let wrap = || {
            let sum = (value as u64).wrapping_add(incr as u64);
            if bits == 64 {
                sum as i64
            } else if self.signed && sum >> (bits - 1) & 1 == 1 {
                (sum | u64::MAX << bits) as i64
            } else {
                (sum & !(u64::MAX << bits)) as i64
            }
        };
        let limit = |sat: i64| if self.overflow == Overflow::Wrap { wrap() } else { sat };
        if self.signed {
            let max = if bits == 64 { i64::MAX } else { (1i64 << (bits - 1)) - 1 };
            let min = -max - 1;
            let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
            let min_incr = min.wrapping_sub(value);
            if value > max || (bits != 64 && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr) {
                (limit(max), true)
            } else if value < min || (bits != 64 && incr < min_incr) || (value < 0 && incr < 0 && incr < min_incr) {
                (limit(min), true)
            } else {
                (value.wrapping_add(incr), false)
            }
        } else {
            let (v, max) = (value as u64, (1u64 << bits) - 1);
            let max_incr = max.wrapping_sub(v) as i64;
            let min_incr = v.wrapping_neg() as i64;
            if v > max || (incr > 0 && incr > max_incr) {
                (limit(max as i64), true)
            } else if incr < 0 && incr < min_incr {
                (limit(0), true)
            } else {
                (v.wrapping_add(incr as u64) as i64, false)
            }
        }
    }
}

/// `bits` bits of `bytes` from bit `offset`, most significant first, as an unsigned
/// integer; bits past the end read as zero.
fn get_bits(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    (offset..offset + bits as u64).fold(0, |acc, i| {
        let byte = bytes.get((i >> 3) as usize).copied().unwrap_or(0);
        acc << 1 | (byte >> (7 - (i & 7)) & 1) as u64
    })
}

/// Writes the low `bits` bits of `value` into `bytes` from bit `offset`, most
/// significant first.
fn set_bits(bytes: &mut [u8], offset: u64, bits: u32, value: u64) {
    for j in 0..bits as u64 {
        let i = offset + j;
        let mask = 0x80u8 >> (i & 7);
        let byte = &mut bytes[(i >> 3) as usize];
        if value >> (bits as u64 - 1 - j) & 1 == 1 {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
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
