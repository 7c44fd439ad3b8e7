//! Every byte layout DiskDB writes to RocksDB, in one place. The on-disk format is
//! forever: the golden tests at the bottom pin each encoding, byte by byte.
//!
//! Column families (see [`super::cf`]) and their keys:
//!
//! | CF | key | value |
//! |---|---|---|
//! | `meta` | `[db u8][user key]` | [`super::Meta`]: `[type u8][expire_at_ms u64 BE][body]` |
//! | `data` | `[db u8][key len u32 BE][user key][version u64 BE][member]` | member value |
//! | `zscore` | `[db u8][key len u32 BE][user key][version u64 BE][score 8 B][member]` | empty |
//! | `stream` | like `data`, with the entry or group id as member | entry |
//! | `zrank` | `[db u8][key len u32 BE][user key][version u64 BE][boundary]` | rows in the bucket, u64 BE |
//! | `expire` | `[expire_at_ms u64 BE][db u8][user key]` | empty |
//! | `system` | `"keys" [db u8]` / `"dbmap"` | key counts / logical-to-physical db map |
//!
//! `db` is always the *physical* database number; `SWAPDB` swaps the logical mapping
//! (the `dbmap` row), not the keys. Member keys carry the key length so that one key's
//! members never share a prefix with a longer key's, and the collection version so that
//! DEL and overwrite are O(1): rows of an older version are unreachable and the compaction
//! filter drops them.

/// `[db][user key]`: the meta row of a user key.
pub fn meta_key(db: u8, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + key.len());
    k.push(db);
    k.extend_from_slice(key);
    k
}

/// Splits a meta row key back into `(db, user key)`.
pub fn split_meta_key(raw: &[u8]) -> Option<(u8, &[u8])> {
    raw.split_first().map(|(db, key)| (*db, key))
}

/// The prefix shared by every member row of one version of one key:
/// `[db][key len u32 BE][key][version u64 BE]`.
pub fn member_prefix(db: u8, key: &[u8], version: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + 4 + key.len() + 8 + 16);
    k.push(db);
    k.extend_from_slice(&(key.len() as u32).to_be_bytes());
    k.extend_from_slice(key);
    k.extend_from_slice(&version.to_be_bytes());
    k
}

/// A member row key: the member prefix followed by the member bytes.
pub fn member_key(db: u8, key: &[u8], version: u64, member: &[u8]) -> Vec<u8> {
    let mut k = member_prefix(db, key, version);
    k.extend_from_slice(member);
    k
}

/// A sorted-set score index key: the member prefix, the score in order-preserving
/// bytes, then the member, so a score range is a key range.
pub fn zscore_key(db: u8, key: &[u8], version: u64, score: f64, member: &[u8]) -> Vec<u8> {
    let mut k = member_prefix(db, key, version);
    k.extend_from_slice(&encode_score(score));
    k.extend_from_slice(member);
    k
}

/// A rank bucket key of a large sorted set: the member prefix, then the bucket's lower
/// boundary, a `zscore` row suffix (`[score 8 B][member]`), or nothing for the first
/// bucket. The bucket counts the set's `zscore` rows from its boundary (inclusive) up to
/// the next bucket's boundary (exclusive); its value is [`encode_rank_count`].
pub fn zrank_key(db: u8, key: &[u8], version: u64, boundary: &[u8]) -> Vec<u8> {
    member_key(db, key, version, boundary)
}

/// A rank bucket's value: its row count, u64 BE.
pub fn encode_rank_count(count: u64) -> [u8; 8] {
    count.to_be_bytes()
}

/// The inverse of [`encode_rank_count`]; a malformed value counts as zero.
pub fn decode_rank_count(v: &[u8]) -> u64 {
    v.try_into().map_or(0, u64::from_be_bytes)
}

/// Splits a member row key into `(db, user key, version, member)`.
pub fn split_member_key(raw: &[u8]) -> Option<(u8, &[u8], u64, &[u8])> {
    let (&db, rest) = raw.split_first()?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let key = rest.get(4..4 + len)?;
    let version = u64::from_be_bytes(rest.get(4 + len..12 + len)?.try_into().ok()?);
    Some((db, key, version, &rest[12 + len..]))
}

/// Maps a double to 8 bytes whose unsigned order is the numeric order: flip every bit of
/// a negative number, flip only the sign bit of a positive one.
pub fn encode_score(score: f64) -> [u8; 8] {
    let bits = score.to_bits();
    let ordered = if bits >> 63 == 1 { !bits } else { bits | (1 << 63) };
    ordered.to_be_bytes()
}

/// The inverse of [`encode_score`].
pub fn decode_score(bytes: [u8; 8]) -> f64 {
    let ordered = u64::from_be_bytes(bytes);
    let bits = if ordered >> 63 == 1 { ordered & !(1 << 63) } else { !ordered };
    f64::from_bits(bits)
}

/// `[expire_at_ms u64 BE][db][key]`: the expiry index, ordered by deadline.
pub fn expire_key(at_ms: u64, db: u8, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(9 + key.len());
    k.extend_from_slice(&at_ms.to_be_bytes());
    k.push(db);
    k.extend_from_slice(key);
    k
}

/// Splits an expiry index key into `(expire_at_ms, db, key)`.
pub fn split_expire_key(raw: &[u8]) -> Option<(u64, u8, &[u8])> {
    let at = u64::from_be_bytes(raw.get(..8)?.try_into().ok()?);
    Some((at, *raw.get(8)?, &raw[9..]))
}

/// The `system` row holding one physical database's key counts.
pub fn count_key(db: u8) -> [u8; 5] {
    [b'k', b'e', b'y', b's', db]
}

/// The `system` row holding the logical-to-physical database map (one byte per db).
pub const DBMAP_KEY: &[u8] = b"dbmap";

/// Key counts of one database, as merged in the `system` CF: `[keys i64 LE][expires i64 LE]`.
/// Deltas are written with the command's batch, so the count is exact after a crash.
pub fn encode_counts(keys: i64, expires: i64) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[..8].copy_from_slice(&keys.to_le_bytes());
    v[8..].copy_from_slice(&expires.to_le_bytes());
    v
}

/// The inverse of [`encode_counts`]; a malformed value counts as zero.
pub fn decode_counts(v: &[u8]) -> (i64, i64) {
    if v.len() != 16 {
        return (0, 0);
    }
    let keys = i64::from_le_bytes(v[..8].try_into().unwrap_or_default());
    let expires = i64::from_le_bytes(v[8..].try_into().unwrap_or_default());
    (keys, expires)
}

/// The smallest key greater than every key starting with `prefix` (`None` if there is
/// none, i.e. the prefix is all 0xff).
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_meta_key() {
        assert_eq!(meta_key(3, b"k\x00"), vec![3, b'k', 0]);
        assert_eq!(split_meta_key(&[3, b'k', 0]), Some((3, &b"k\x00"[..])));
    }

    #[test]
    fn golden_member_key() {
        let k = member_key(1, b"ab", 0x0102030405060708, b"m");
        assert_eq!(k, vec![1, 0, 0, 0, 2, b'a', b'b', 1, 2, 3, 4, 5, 6, 7, 8, b'm']);
        assert_eq!(split_member_key(&k), Some((1, &b"ab"[..], 0x0102030405060708, &b"m"[..])));
    }

    #[test]
    fn golden_score_bytes_and_order() {
        assert_eq!(encode_score(0.0), [0x80, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(encode_score(1.0), [0xbf, 0xf0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(encode_score(-1.0), [0x40, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        let scores = [f64::NEG_INFINITY, -1e300, -2.5, -1.0, -0.0, 0.0, 1e-300, 1.0, 2.5, 1e300, f64::INFINITY];
        for pair in scores.windows(2) {
            assert!(encode_score(pair[0]) <= encode_score(pair[1]), "{:?}", pair);
        }
        for s in scores {
            assert_eq!(decode_score(encode_score(s)).to_bits(), s.to_bits());
        }
        assert_eq!(zscore_key(0, b"z", 7, 1.0, b"m")[14..22], encode_score(1.0));
    }

    #[test]
    fn golden_zrank_key_and_count() {
        assert_eq!(zrank_key(1, b"z", 7, b""), vec![1, 0, 0, 0, 1, b'z', 0, 0, 0, 0, 0, 0, 0, 7]);
        let mut boundary = encode_score(1.0).to_vec();
        boundary.push(b'm');
        let k = zrank_key(1, b"z", 7, &boundary);
        assert_eq!(k[14..], [0xbf, 0xf0, 0, 0, 0, 0, 0, 0, b'm']);
        assert_eq!(split_member_key(&k), Some((1, &b"z"[..], 7, &boundary[..])));
        assert_eq!(encode_rank_count(0x0102), [0, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(decode_rank_count(&encode_rank_count(1 << 40)), 1 << 40);
        assert_eq!(decode_rank_count(b"bad"), 0);
    }

    #[test]
    fn golden_expire_and_system_keys() {
        assert_eq!(expire_key(0x0102, 2, b"k"), vec![0, 0, 0, 0, 0, 0, 1, 2, 2, b'k']);
        assert_eq!(split_expire_key(&expire_key(9, 2, b"k")), Some((9, 2, &b"k"[..])));
        assert_eq!(count_key(7), *b"keys\x07");
        assert_eq!(encode_counts(1, -1), [1, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]);
        assert_eq!(decode_counts(&encode_counts(42, 7)), (42, 7));
    }

    #[test]
    fn prefix_end_is_the_next_prefix() {
        assert_eq!(prefix_end(&[1, 2]), Some(vec![1, 3]));
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff]), None);
    }
}
