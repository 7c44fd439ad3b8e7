//! Every byte layout DiskDB writes to RocksDB, in one place. The on-disk format is
//! forever: the golden tests at the bottom pin each encoding, byte by byte.
//!
//! Column families (see [`super::cf`]) and their keys:
//!
//! | CF | key | value |
//! |---|---|---|
//! | `meta` | `[db u8][user key]` | [`super::Meta`]: `[type u8][expire_at_ms u64 BE][body]` |
//! | `data` | `[db u8][key len u32 BE][user key][version u64 BE][member]` | member value |
//! | `data` (split JSON) | `[db u8][key len u32 BE][user key][version u64 BE][member name]` | [`encode_json_member`]: `[order u64 BE][JSON text]` |
//! | `zscore` | `[db u8][key len u32 BE][user key][version u64 BE][score 8 B][member]` | empty |
//! | `stream` | the member prefix, a row tag, then the entry id or group/consumer names (see [`StreamKeys`]) | entry fields / group / consumer / pending entry |
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

/// The value of a split JSON document's member row: the member's insertion order (its
/// place in the object), then its value as compact JSON text.
pub fn encode_json_member(order: u64, text: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + text.len());
    v.extend_from_slice(&order.to_be_bytes());
    v.extend_from_slice(text);
    v
}

/// The inverse of [`encode_json_member`]: `(order, JSON text)`.
pub fn decode_json_member(v: &[u8]) -> Option<(u64, &[u8])> {
    let order = u64::from_be_bytes(v.get(..8)?.try_into().ok()?);
    Some((order, &v[8..]))
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

/// A stream entry ID: a millisecond time and a sequence number, stored as 16 big-endian
/// bytes (`[ms u64 BE][seq u64 BE]`) so that byte order is ID order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId { ms: u64::MAX, seq: u64::MAX };

    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    pub fn to_bytes(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.ms.to_be_bytes());
        b[8..].copy_from_slice(&self.seq.to_be_bytes());
        b
    }

    /// Reads an ID from the first 16 bytes of `b`.
    pub fn from_bytes(b: &[u8]) -> Option<StreamId> {
        let ms = u64::from_be_bytes(b.get(..8)?.try_into().ok()?);
        let seq = u64::from_be_bytes(b.get(8..16)?.try_into().ok()?);
        Some(StreamId { ms, seq })
    }

    /// The next ID, `None` after the last possible one.
    pub fn next(self) -> Option<StreamId> {
        match self.seq.checked_add(1) {
            Some(seq) => Some(StreamId { ms: self.ms, seq }),
            None => self.ms.checked_add(1).map(|ms| StreamId { ms, seq: 0 }),
        }
    }

    /// The previous ID, `None` before 0-0.
    pub fn prev(self) -> Option<StreamId> {
        match self.seq.checked_sub(1) {
            Some(seq) => Some(StreamId { ms: self.ms, seq }),
            None => self.ms.checked_sub(1).map(|ms| StreamId { ms, seq: u64::MAX }),
        }
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// The row tags of the `stream` family: the byte after a stream's member prefix says
/// what the row is. Part of the on-disk format.
pub mod stream_tag {
    /// `[tag][id 16]` → the entry's fields ([`super::encode_fields`]).
    pub const ENTRY: u8 = 1;
    /// `[tag][group]` → [`super::GroupRow`].
    pub const GROUP: u8 = 2;
    /// `[tag][group len u32 BE][group][consumer]` → [`super::ConsumerRow`].
    pub const CONSUMER: u8 = 3;
    /// `[tag][group len u32 BE][group][id 16]` → [`super::PendingRow`]: the group's
    /// pending entries list (PEL).
    pub const PENDING: u8 = 4;
    /// `[tag][group len u32 BE][group][consumer len u32 BE][consumer][id 16]` → empty:
    /// one consumer's pending entries, an index over the group's PEL.
    pub const CONSUMER_PENDING: u8 = 5;
}

/// The row keys of one version of one stream, all under its member prefix
/// `[db][key len u32 BE][key][version u64 BE]` in the `stream` family, followed by a
/// [`stream_tag`] byte. Entries sort by ID, so XRANGE is a range scan; a group's PEL
/// sorts by ID too, and each consumer's pending IDs have a prefix of their own.
/// Names are length-prefixed where another part follows them.
#[derive(Clone, Debug)]
pub struct StreamKeys {
    prefix: Vec<u8>,
}

impl StreamKeys {
    pub fn new(db: u8, key: &[u8], version: u64) -> StreamKeys {
        StreamKeys { prefix: member_prefix(db, key, version) }
    }

    /// The stream's member prefix, under which all its rows live.
    pub fn prefix(&self) -> &[u8] {
        &self.prefix
    }

    fn tagged(&self, tag: u8, extra: usize) -> Vec<u8> {
        let mut k = Vec::with_capacity(self.prefix.len() + 1 + extra);
        k.extend_from_slice(&self.prefix);
        k.push(tag);
        k
    }

    fn named(&self, tag: u8, group: &[u8], extra: usize) -> Vec<u8> {
        let mut k = self.tagged(tag, 4 + group.len() + extra);
        k.extend_from_slice(&(group.len() as u32).to_be_bytes());
        k.extend_from_slice(group);
        k
    }

    /// The prefix of every entry row.
    pub fn entries(&self) -> Vec<u8> {
        self.tagged(stream_tag::ENTRY, 16)
    }

    pub fn entry(&self, id: StreamId) -> Vec<u8> {
        let mut k = self.entries();
        k.extend_from_slice(&id.to_bytes());
        k
    }

    /// The prefix of every group row.
    pub fn groups(&self) -> Vec<u8> {
        self.tagged(stream_tag::GROUP, 16)
    }

    pub fn group(&self, group: &[u8]) -> Vec<u8> {
        let mut k = self.groups();
        k.extend_from_slice(group);
        k
    }

    /// The prefix of every consumer row of `group`.
    pub fn consumers(&self, group: &[u8]) -> Vec<u8> {
        self.named(stream_tag::CONSUMER, group, 16)
    }

    pub fn consumer(&self, group: &[u8], consumer: &[u8]) -> Vec<u8> {
        let mut k = self.consumers(group);
        k.extend_from_slice(consumer);
        k
    }

    /// The prefix of `group`'s pending entries.
    pub fn pending(&self, group: &[u8]) -> Vec<u8> {
        self.named(stream_tag::PENDING, group, 16)
    }

    pub fn pending_entry(&self, group: &[u8], id: StreamId) -> Vec<u8> {
        let mut k = self.pending(group);
        k.extend_from_slice(&id.to_bytes());
        k
    }

    /// The prefix of every consumer's pending entries in `group`.
    pub fn consumers_pending(&self, group: &[u8]) -> Vec<u8> {
        self.named(stream_tag::CONSUMER_PENDING, group, 16)
    }

    /// The prefix of one consumer's pending entries in `group`.
    pub fn consumer_pending(&self, group: &[u8], consumer: &[u8]) -> Vec<u8> {
        let mut k = self.consumers_pending(group);
        k.extend_from_slice(&(consumer.len() as u32).to_be_bytes());
        k.extend_from_slice(consumer);
        k
    }

    pub fn consumer_pending_entry(&self, group: &[u8], consumer: &[u8], id: StreamId) -> Vec<u8> {
        let mut k = self.consumer_pending(group, consumer);
        k.extend_from_slice(&id.to_bytes());
        k
    }
}

/// A stream entry's fields: `[count u32 BE]` then, per field and per value,
/// `[len u32 BE][bytes]`.
pub fn encode_fields<F: AsRef<[u8]>, V: AsRef<[u8]>>(fields: &[(F, V)]) -> Vec<u8> {
    let size: usize = fields.iter().map(|(f, v)| 8 + f.as_ref().len() + v.as_ref().len()).sum();
    let mut out = Vec::with_capacity(4 + size);
    out.extend_from_slice(&(fields.len() as u32).to_be_bytes());
    for (f, v) in fields {
        for part in [f.as_ref(), v.as_ref()] {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part);
        }
    }
    out
}

/// The inverse of [`encode_fields`]: its pairs, borrowed from it; `None` for a corrupt
/// value.
pub fn field_pairs(v: &[u8]) -> Option<FieldPairs<'_>> {
    let count = u32::from_be_bytes(v.get(..4)?.try_into().ok()?) as usize;
    let pairs = FieldPairs { v, at: 4, left: count };
    // Check the whole value once, so that iterating cannot stop short.
    let mut check = pairs;
    for _ in 0..count {
        check.next_pair()?;
    }
    Some(pairs)
}

/// The iterator of [`field_pairs`].
#[derive(Clone, Copy)]
pub struct FieldPairs<'a> {
    v: &'a [u8],
    at: usize,
    left: usize,
}

impl<'a> FieldPairs<'a> {
    /// The pairs of a value [`field_pairs`] accepted before, without checking it again.
    pub fn of_checked(v: &'a [u8]) -> FieldPairs<'a> {
        let count = v.get(..4).map_or(0, |c| u32::from_be_bytes(c.try_into().expect("4 bytes")) as usize);
        FieldPairs { v, at: 4, left: count }
    }

    fn part(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_be_bytes(self.v.get(self.at..self.at + 4)?.try_into().ok()?) as usize;
        let bytes = self.v.get(self.at + 4..self.at + 4 + len)?;
        self.at += 4 + len;
        Some(bytes)
    }

    fn next_pair(&mut self) -> Option<(&'a [u8], &'a [u8])> {
        Some((self.part()?, self.part()?))
    }
}

impl<'a> Iterator for FieldPairs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        self.next_pair()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for FieldPairs<'_> {}

fn u64_at(v: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(v.get(at..at + 8)?.try_into().ok()?))
}

/// A consumer group: `[last delivered id 16][entries read i64 BE][pending u64 BE]
/// [consumers u64 BE]`. `entries_read` is -1 when unknown (Redis's
/// `SCG_INVALID_ENTRIES_READ`); the two counts mirror the group's rows so that XINFO and
/// XPENDING need not count them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupRow {
    pub last_id: StreamId,
    pub entries_read: i64,
    pub pending: u64,
    pub consumers: u64,
}

impl GroupRow {
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(40);
        v.extend_from_slice(&self.last_id.to_bytes());
        v.extend_from_slice(&self.entries_read.to_be_bytes());
        v.extend_from_slice(&self.pending.to_be_bytes());
        v.extend_from_slice(&self.consumers.to_be_bytes());
        v
    }

    pub fn decode(v: &[u8]) -> Option<GroupRow> {
        Some(GroupRow {
            last_id: StreamId::from_bytes(v)?,
            entries_read: u64_at(v, 16)? as i64,
            pending: u64_at(v, 24)?,
            consumers: u64_at(v, 32)?,
        })
    }
}

/// A consumer: `[seen ms u64 BE][active ms u64 BE][pending u64 BE]`: when it last tried
/// to read or claim, when it last got something (0 = never), and how many entries it has
/// pending.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsumerRow {
    pub seen: u64,
    pub active: u64,
    pub pending: u64,
}

impl ConsumerRow {
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(24);
        for n in [self.seen, self.active, self.pending] {
            v.extend_from_slice(&n.to_be_bytes());
        }
        v
    }

    pub fn decode(v: &[u8]) -> Option<ConsumerRow> {
        Some(ConsumerRow { seen: u64_at(v, 0)?, active: u64_at(v, 8)?, pending: u64_at(v, 16)? })
    }
}

/// A pending (delivered, not acknowledged) entry of a group: `[delivery ms u64 BE]
/// [delivery count u64 BE][consumer]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingRow {
    pub delivered: u64,
    pub deliveries: u64,
    pub consumer: Vec<u8>,
}

impl PendingRow {
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(16 + self.consumer.len());
        v.extend_from_slice(&self.delivered.to_be_bytes());
        v.extend_from_slice(&self.deliveries.to_be_bytes());
        v.extend_from_slice(&self.consumer);
        v
    }

    pub fn decode(v: &[u8]) -> Option<PendingRow> {
        Some(PendingRow { delivered: u64_at(v, 0)?, deliveries: u64_at(v, 8)?, consumer: v.get(16..)?.to_vec() })
    }
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
    fn golden_json_member_row() {
        assert_eq!(encode_json_member(0x0102, b"{}"), vec![0, 0, 0, 0, 0, 0, 1, 2, b'{', b'}']);
        assert_eq!(decode_json_member(&encode_json_member(7, b"1")), Some((7, &b"1"[..])));
        assert_eq!(decode_json_member(&[1, 2]), None);
    }

    #[test]
    fn prefix_end_is_the_next_prefix() {
        assert_eq!(prefix_end(&[1, 2]), Some(vec![1, 3]));
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff]), None);
    }

    #[test]
    fn golden_stream_ids_and_row_keys() {
        let id = StreamId::new(0x0102, 3);
        assert_eq!(id.to_bytes(), [0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 3]);
        assert_eq!(StreamId::from_bytes(&id.to_bytes()), Some(id));
        assert!(StreamId::new(1, u64::MAX).to_bytes() < StreamId::new(2, 0).to_bytes());
        assert_eq!(StreamId::new(1, u64::MAX).next(), Some(StreamId::new(2, 0)));
        assert_eq!(StreamId::MAX.next(), None);
        assert_eq!(StreamId::new(2, 0).prev(), Some(StreamId::new(1, u64::MAX)));
        assert_eq!(id.to_string(), "258-3");

        let k = StreamKeys::new(1, b"s", 7);
        let p = [1, 0, 0, 0, 1, b's', 0, 0, 0, 0, 0, 0, 0, 7];
        let cat = |parts: &[&[u8]]| parts.concat();
        assert_eq!(k.entry(id), cat(&[&p, &[1], &id.to_bytes()]));
        assert_eq!(k.group(b"g"), cat(&[&p, &[2], b"g"]));
        assert_eq!(k.consumer(b"g", b"c"), cat(&[&p, &[3], &[0, 0, 0, 1], b"g", b"c"]));
        assert_eq!(k.pending_entry(b"g", id), cat(&[&p, &[4], &[0, 0, 0, 1], b"g", &id.to_bytes()]));
        assert_eq!(k.consumer_pending_entry(b"g", b"c", id), cat(&[&p, &[5], &[0, 0, 0, 1], b"g", &[0, 0, 0, 1], b"c", &id.to_bytes()]));
        assert_eq!(split_member_key(&k.entry(id)), Some((1, &b"s"[..], 7, &cat(&[&[1], &id.to_bytes()])[..])));
        // A group's name never runs into another group's rows.
        assert!(!k.pending_entry(b"ab", id).starts_with(&k.pending(b"a")));
    }

    #[test]
    fn golden_stream_values() {
        let f = encode_fields(&[(&b"f"[..], &b"vv"[..])]);
        assert_eq!(f, vec![0, 0, 0, 1, 0, 0, 0, 1, b'f', 0, 0, 0, 2, b'v', b'v']);
        assert_eq!(field_pairs(&f).map(|p| p.collect::<Vec<_>>()), Some(vec![(&b"f"[..], &b"vv"[..])]));
        assert!(field_pairs(&f[..f.len() - 1]).is_none());

        let g = GroupRow { last_id: StreamId::new(1, 2), entries_read: -1, pending: 3, consumers: 4 };
        #[rustfmt::skip]
        let want = vec![
            0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, // last delivered id
            255, 255, 255, 255, 255, 255, 255, 255, // entries read: -1
            0, 0, 0, 0, 0, 0, 0, 3, // pending
            0, 0, 0, 0, 0, 0, 0, 4, // consumers
        ];
        assert_eq!(g.encode(), want);
        assert_eq!(GroupRow::decode(&want), Some(g));

        let c = ConsumerRow { seen: 5, active: 0, pending: 1 };
        assert_eq!(c.encode(), [[0, 0, 0, 0, 0, 0, 0, 5], [0; 8], [0, 0, 0, 0, 0, 0, 0, 1]].concat());
        assert_eq!(ConsumerRow::decode(&c.encode()), Some(c));

        let p = PendingRow { delivered: 9, deliveries: 2, consumer: b"c".to_vec() };
        assert_eq!(p.encode(), vec![0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 2, b'c']);
        assert_eq!(PendingRow::decode(&p.encode()), Some(p));
    }
}
