//! The meta row: one per user key, `[type u8][expire_at_ms u64 BE][body]`.
//!
//! Strings and JSON keep their value inline as the body. Collections keep
//! `[version u64 BE][size u64 BE]` followed by type extras (list head/tail, stream ids);
//! their members live in their own rows (see [`super::keys`]).
//!
//! Lists add `[head u64 BE][tail u64 BE]` (body bytes 16..32): the elements are the `data`
//! rows `member_key(db, key, version, index u64 BE)` for `head <= index < tail`, so the
//! size is always `tail - head`. A new list starts at `head = tail = 1 << 63` and grows
//! both ways (LPUSH decrements `head`, RPUSH increments `tail`).
//!
//! Sorted sets add a flags byte (body byte 16) once they have rank buckets: bit 0 set
//! means the `zrank` rows of this version exist and are maintained by every write. A
//! sorted set without the byte (small, or written before rank buckets existed) has none.

/// The type of a key, as stored in the first byte of its meta row. The numbers are part
/// of the on-disk format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    String = 1,
    List = 2,
    Hash = 3,
    Set = 4,
    ZSet = 5,
    Json = 6,
    Stream = 7,
}

impl Kind {
    pub fn from_byte(b: u8) -> Option<Kind> {
        Some(match b {
            1 => Kind::String,
            2 => Kind::List,
            3 => Kind::Hash,
            4 => Kind::Set,
            5 => Kind::ZSet,
            6 => Kind::Json,
            7 => Kind::Stream,
            _ => return None,
        })
    }

    /// The name TYPE reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::List => "list",
            Kind::Hash => "hash",
            Kind::Set => "set",
            Kind::ZSet => "zset",
            Kind::Json => "ReJSON-RL",
            Kind::Stream => "stream",
        }
    }
}

/// A decoded meta row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    /// Absolute expiry in Unix milliseconds; 0 means no expiry.
    pub expire_at: u64,
    /// The inline value (strings, JSON) or the collection header and extras.
    pub body: Vec<u8>,
}

/// The fixed part of a meta value: type byte plus expiry.
pub const META_HEADER: usize = 9;

impl Meta {
    pub fn new(kind: Kind, expire_at: u64, body: Vec<u8>) -> Meta {
        Meta { kind, expire_at, body }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(META_HEADER + self.body.len());
        v.push(self.kind as u8);
        v.extend_from_slice(&self.expire_at.to_be_bytes());
        v.extend_from_slice(&self.body);
        v
    }

    /// Decodes a meta value; `None` for a corrupt row (unknown type or too short).
    pub fn decode(raw: &[u8]) -> Option<Meta> {
        if raw.len() < META_HEADER {
            return None;
        }
        let kind = Kind::from_byte(raw[0])?;
        let expire_at = u64::from_be_bytes(raw[1..9].try_into().ok()?);
        Some(Meta { kind, expire_at, body: raw[META_HEADER..].to_vec() })
    }

    /// Whether the key has expired at `now_ms` (and so is invisible to every command).
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expire_at != 0 && self.expire_at <= now_ms
    }

    /// A collection's version (the first 8 body bytes); 0 for inline types.
    pub fn version(&self) -> u64 {
        self.body.get(..8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_be_bytes)
    }

    /// A collection's member count (body bytes 8..16); 0 for inline types.
    pub fn size(&self) -> u64 {
        self.body.get(8..16).and_then(|b| b.try_into().ok()).map_or(0, u64::from_be_bytes)
    }

    /// A new collection header: `[version][size]`, extras appended by the caller.
    pub fn collection(kind: Kind, version: u64, size: u64) -> Meta {
        let mut body = Vec::with_capacity(16);
        body.extend_from_slice(&version.to_be_bytes());
        body.extend_from_slice(&size.to_be_bytes());
        Meta { kind, expire_at: 0, body }
    }

    /// A list header: `[version][size][head][tail]`, with `size = tail - head`.
    pub fn list(version: u64, head: u64, tail: u64) -> Meta {
        let mut m = Meta::collection(Kind::List, version, tail - head);
        m.body.extend_from_slice(&head.to_be_bytes());
        m.body.extend_from_slice(&tail.to_be_bytes());
        m
    }

    /// A list's `(head, tail)` (body bytes 16..32); `(0, 0)` if the row has no extras.
    pub fn list_bounds(&self) -> (u64, u64) {
        let at = |i: usize| self.body.get(i..i + 8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_be_bytes);
        (at(16), at(24))
    }

    /// Updates a list's head and tail, and its size with them.
    pub fn set_list_bounds(&mut self, head: u64, tail: u64) {
        self.body.resize(32.max(self.body.len()), 0);
        self.body[16..24].copy_from_slice(&head.to_be_bytes());
        self.body[24..32].copy_from_slice(&tail.to_be_bytes());
        self.set_size(tail - head);
    }

    /// Whether a sorted set has rank buckets (flags byte, body byte 16, bit 0).
    pub fn zset_ranked(&self) -> bool {
        self.body.get(16).is_some_and(|f| f & 1 == 1)
    }

    /// Marks a sorted set as having rank buckets.
    pub fn set_zset_ranked(&mut self) {
        self.body.resize(17.max(self.body.len()), 0);
        self.body[16] |= 1;
    }

    /// Updates a collection's member count in place.
    pub fn set_size(&mut self, size: u64) {
        if self.body.len() >= 16 {
            self.body[8..16].copy_from_slice(&size.to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_string_meta() {
        let m = Meta::new(Kind::String, 0, b"v".to_vec());
        assert_eq!(m.encode(), vec![1, 0, 0, 0, 0, 0, 0, 0, 0, b'v']);
        let m = Meta::new(Kind::String, 0x0102, vec![]);
        assert_eq!(m.encode(), vec![1, 0, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(Meta::decode(&m.encode()), Some(m));
    }

    #[test]
    fn golden_collection_meta() {
        let mut m = Meta::collection(Kind::Hash, 5, 2);
        assert_eq!(m.encode(), vec![3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 2]);
        m.set_size(3);
        assert_eq!((m.version(), m.size()), (5, 3));
    }

    #[test]
    fn golden_list_meta() {
        let mut m = Meta::list(5, 1 << 63, (1 << 63) + 2);
        #[rustfmt::skip]
        let want = vec![
            2, 0, 0, 0, 0, 0, 0, 0, 0, // type, no expiry
            0, 0, 0, 0, 0, 0, 0, 5, // version
            0, 0, 0, 0, 0, 0, 0, 2, // size
            0x80, 0, 0, 0, 0, 0, 0, 0, // head
            0x80, 0, 0, 0, 0, 0, 0, 2, // tail
        ];
        assert_eq!(m.encode(), want);
        assert_eq!(Meta::decode(&want), Some(m.clone()));
        m.set_list_bounds((1 << 63) - 1, (1 << 63) + 2);
        assert_eq!((m.size(), m.list_bounds()), (3, ((1 << 63) - 1, (1 << 63) + 2)));
    }

    #[test]
    fn golden_ranked_zset_meta() {
        let mut m = Meta::collection(Kind::ZSet, 5, 2);
        assert!(!m.zset_ranked());
        m.set_zset_ranked();
        #[rustfmt::skip]
        let want = vec![
            5, 0, 0, 0, 0, 0, 0, 0, 0, // type, no expiry
            0, 0, 0, 0, 0, 0, 0, 5, // version
            0, 0, 0, 0, 0, 0, 0, 2, // size
            1, // flags: rank buckets
        ];
        assert_eq!(m.encode(), want);
        let back = Meta::decode(&want).unwrap();
        assert!(back.zset_ranked());
        assert_eq!((back.version(), back.size()), (5, 2));
    }

    #[test]
    fn corrupt_rows_decode_to_none() {
        assert_eq!(Meta::decode(&[1, 0]), None);
        assert_eq!(Meta::decode(&[99, 0, 0, 0, 0, 0, 0, 0, 0]), None);
    }

    #[test]
    fn expiry_is_inclusive_of_the_deadline() {
        let m = Meta::new(Kind::String, 1000, vec![]);
        assert!(!m.is_expired(999));
        assert!(m.is_expired(1000));
        assert!(!Meta::new(Kind::String, 0, vec![]).is_expired(u64::MAX));
    }
}
