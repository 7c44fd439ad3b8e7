//! SORT and SORT_RO: the elements of a list, set or sorted set, ordered by their own
//! values or by keys named after them (`BY weight_*`, `BY h_*->field`), optionally
//! replaced by other keys' values (`GET`), returned or stored as a list. Redis's
//! `sortCommandGeneric`, whose order of checks and edge cases this follows.

use super::zset::{Range, RangeSpec};
use super::{parse_double, Db, Error, Result};
use crate::storage::Kind;
use std::cmp::Ordering;

/// SORT's options.
#[derive(Debug)]
pub struct SortSpec<'a> {
    /// `BY` pattern. One without `*` (`BY nosort`) leaves the elements in their stored
    /// order.
    pub by: Option<&'a [u8]>,
    /// `LIMIT offset count` (`count < 0`: to the end).
    pub offset: i64,
    pub count: i64,
    /// `GET` patterns, in order; `#` is the element itself.
    pub get: Vec<&'a [u8]>,
    pub desc: bool,
    pub alpha: bool,
    /// `STORE` destination.
    pub store: Option<&'a [u8]>,
}

/// What SORT gives back: the reply's entries (`None` for a GET of a missing key), or,
/// with STORE, how many it stored.
pub enum Sorted {
    Items(Vec<Option<Vec<u8>>>),
    Stored(u64),
}

/// The key an element sorts by.
enum SortKey {
    Score(f64),
    Text(Option<Vec<u8>>),
}

impl Db<'_> {
    /// SORT: see the module documentation. With STORE the destination is replaced by a
    /// list (whatever it held, without expiry), or deleted when the result is empty.
    pub fn sort(&self, key: &[u8], spec: &SortSpec) -> Result<Sorted> {
        let Some(dst) = spec.store else { return Ok(Sorted::Items(self.sorted(key, spec)?)) };
        let keys: &[&[u8]] = if dst == key { &[key] } else { &[dst, key] };
        let lock = self.lock(keys)?;
        let items: Vec<Vec<u8>> = self.sorted(key, spec)?.into_iter().map(Option::unwrap_or_default).collect();
        let stored = self.store.get_meta(self.db, dst)?;
        let mut batch = self.store.batch();
        if !items.is_empty() {
            let meta = self.new_list_rows(dst, &items, &mut batch);
            batch.put_meta(self.db, dst, stored.as_ref(), &meta);
        } else if let Some(old) = stored.as_ref().filter(|m| !m.is_expired(self.now)) {
            batch.delete_meta(self.db, dst, old);
        } else {
            return Ok(Sorted::Stored(0));
        }
        self.write(&lock, batch)?;
        Ok(Sorted::Stored(items.len() as u64))
    }

    /// The reply entries of SORT `key` with `spec`.
    fn sorted(&self, key: &[u8], spec: &SortSpec) -> Result<Vec<Option<Vec<u8>>>> {
        let meta = self.live(key)?;
        let (kind, len) = match &meta {
            None => (Kind::List, 0),
            Some(m) if m.kind == Kind::List => (Kind::List, m.list_bounds().1 - m.list_bounds().0),
            Some(m) if m.kind == Kind::Set || m.kind == Kind::ZSet => (m.kind, m.size()),
            Some(_) => return Err(Error::WrongType),
        };
        let len = len as i64;
        let mut sort = spec.by.is_none_or(|p| p.contains(&b'*'));
        let (mut alpha, mut by) = (spec.alpha, spec.by);
        // A set has no order of its own to keep: a stored result is sorted by value.
        if !sort && kind == Kind::Set && spec.store.is_some() {
            (sort, alpha, by) = (true, true, None);
        }
        let start = spec.offset.clamp(0, len);
        let count = spec.count.clamp(-1, len);
        let end = if count < 0 { len } else { (start + count).min(len) };

        let (mut elements, from) = match kind {
            _ if meta.is_none() => (Vec::new(), 0),
            Kind::Set => (self.smembers(key)?, 0),
            // Kept in stored order: read only the range LIMIT asks for.
            _ if !sort => (self.range_in_order(key, kind, start, end, spec.desc)?, start),
            _ => (self.range_in_order(key, kind, 0, len, false)?, 0),
        };
        if sort {
            let mut keyed = Vec::with_capacity(elements.len());
            let mut bad_score = false;
            for e in elements {
                let k = match (alpha, by) {
                    // Compared by the elements themselves.
                    (true, None) => SortKey::Text(None),
                    (true, Some(pattern)) => SortKey::Text(self.lookup(pattern, &e)?),
                    (false, _) => {
                        let score = match by {
                            Some(pattern) => self.lookup(pattern, &e)?.map_or(Some(0.0), |v| sort_score(&v)),
                            None => sort_score(&e),
                        };
                        bad_score |= score.is_none();
                        SortKey::Score(score.unwrap_or(0.0))
                    }
                };
                keyed.push((k, e));
            }
            if bad_score {
                return Err(Error::NotDoubleScores);
            }
            keyed.sort_by(|(ka, a), (kb, b)| {
                let order = match (ka, kb) {
                    // Equal scores fall back to the elements, so the order is defined.
                    (SortKey::Score(x), SortKey::Score(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal).then_with(|| a.cmp(b)),
                    // A missing BY value sorts first.
                    (SortKey::Text(x), SortKey::Text(y)) if by.is_some() => x.cmp(y),
                    _ => a.cmp(b),
                };
                if spec.desc {
                    order.reverse()
                } else {
                    order
                }
            });
            elements = keyed.into_iter().map(|(_, e)| e).collect();
        }
        let (start, end) = ((start - from) as usize, (end - from) as usize);
        elements.truncate(end);
        elements.drain(..start.min(elements.len()));
        if spec.get.is_empty() {
            return Ok(elements.into_iter().map(Some).collect());
        }
        let mut out = Vec::with_capacity(elements.len() * spec.get.len());
        for e in &elements {
            for pattern in &spec.get {
                out.push(self.lookup(pattern, e)?);
            }
        }
        Ok(out)
    }

    /// Elements `start..end` of a list (by index) or sorted set (by rank), from the
    /// other end if `desc`.
    fn range_in_order(&self, key: &[u8], kind: Kind, start: i64, end: i64, desc: bool) -> Result<Vec<Vec<u8>>> {
        if start >= end {
            return Ok(Vec::new());
        }
        if kind == Kind::ZSet {
            let spec = RangeSpec::new(Range::Rank(start, end - 1), desc);
            return Ok(self.zrange(key, &spec)?.into_iter().map(|(m, _)| m).collect());
        }
        let mut items = Vec::new();
        if desc {
            self.lrange(key, -end, -start - 1, |e| items.push(e.to_vec()))?;
            items.reverse();
        } else {
            self.lrange(key, start, end - 1, |e| items.push(e.to_vec()))?;
        }
        Ok(items)
    }

    /// The value `pattern` names for `element`: `#` is the element; otherwise the first
    /// `*` is replaced by it, naming a string key, or a hash field with `key->field`.
    /// A missing key or field, a key of another type, or a pattern without `*` is `None`.
    fn lookup(&self, pattern: &[u8], element: &[u8]) -> Result<Option<Vec<u8>>> {
        if pattern == b"#" {
            return Ok(Some(element.to_vec()));
        }
        let Some(star) = pattern.iter().position(|&c| c == b'*') else { return Ok(None) };
        let after = &pattern[star + 1..];
        let (suffix, field) = match after.windows(2).position(|w| w == b"->") {
            Some(i) if i + 2 < after.len() => (&after[..i], Some(&after[i + 2..])),
            _ => (after, None),
        };
        let name = [&pattern[..star], element, suffix].concat();
        let value = match field {
            Some(field) => self.hget(&name, field),
            None => self.get(&name),
        };
        match value {
            Err(Error::WrongType) => Ok(None),
            other => other,
        }
    }
}

/// A value as a numeric sort key, as C's `strtod` reads it for SORT: up to the first NUL
/// byte (where a C string ends), leading white space skipped, the empty string 0, and
/// anything left unread, NaN or out of range an error (`None`).
fn sort_score(value: &[u8]) -> Option<f64> {
    let value = value.split(|&c| c == 0).next().unwrap_or_default();
    if value.is_empty() {
        return Some(0.0);
    }
    let start = value.iter().position(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'));
    parse_double(&value[start.unwrap_or(value.len())..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_read_as_strtod_reads_them() {
        assert_eq!(sort_score(b""), Some(0.0));
        assert_eq!(sort_score(b" \t\x0b3.5"), Some(3.5));
        assert_eq!(sort_score(b"  "), None);
        assert_eq!(sort_score(b"\x00\xff"), Some(0.0), "a C string ends at NUL");
        assert_eq!(sort_score(b"7\x00x"), Some(7.0));
        assert_eq!(sort_score(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(sort_score(b"0x10"), Some(16.0));
        assert_eq!(sort_score(b"1e400"), None);
        assert_eq!(sort_score(b"3 "), None);
        assert_eq!(sort_score(b"nan"), None);
        assert_eq!(sort_score(b"abc"), None);
    }
}
