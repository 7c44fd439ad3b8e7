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
//! JSON bodies start with a layout byte (see [`JsonBody`]):
//!
//! - `[0][JSON text]`: the whole document inline, as compact JSON text.
//! - `[1][version u64 BE][count u64 BE][next order u64 BE]`: a root object stored split,
//!   one `data` row per top-level member, `member_key(db, key, version, name)` →
//!   [`super::encode_json_member`] (`[order u64 BE][JSON text]`); `count` members, and
//!   `next order` is the order number the next new member gets (insertion order).
//!   Optionally followed by `[deletes u64 BE]`, the members deleted under this version
//!   (as for hashes below).
//!
//! Streams add [`StreamState`] (body bytes 16..80): `[last id 16][max deleted id 16]
//! [entries added u64 BE][first id 16][groups u64 BE]`, IDs as in
//! [`super::StreamId::to_bytes`], then optionally `[deletes u64 BE]` (80..88, as for
//! hashes below; trimmed entries, which scans never reach, are not counted). The size is
//! the number of entries; a stream stays when its last entry goes, as in Redis.
//!
//! Hashes, sets and sorted sets may add `[flags u8][deletes u64 BE]` (body bytes 16..25);
//! a row without them reads as flags 0 and no deletes. Flag bit 0, sorted sets only, means
//! the set has rank buckets: the `zrank` rows of this version exist and are maintained by
//! every write (a sorted set without it, small or written before rank buckets existed,
//! has none). `deletes` counts the member rows deleted under this version, whose
//! tombstones every scan of the collection steps over until compaction drops them; when
//! they outnumber the members enough, the live rows are copied under a new version (see
//! `Db::count_deletes`) and the count starts again.

use super::keys::StreamId;

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

/// JSON body layout bytes (the first body byte of a JSON meta row).
pub const JSON_INLINE: u8 = 0;
pub const JSON_SPLIT: u8 = 1;

/// A decoded JSON meta body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonBody<'a> {
    /// The document as compact JSON text.
    Inline(&'a [u8]),
    /// A root object split into one row per top-level member.
    Split { version: u64, count: u64, next_order: u64 },
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

    /// The version this key's member rows live under; `None` for values kept whole in
    /// the meta row (strings, inline JSON). RENAME/COPY/MOVE and the compaction filter
    /// go by this.
    pub fn member_version(&self) -> Option<u64> {
        match (self.kind, self.json_body()) {
            (Kind::String, _) | (Kind::Json, Some(JsonBody::Inline(_)) | None) => None,
            (Kind::Json, Some(JsonBody::Split { version, .. })) => Some(version),
            _ => Some(self.version()),
        }
    }

    /// Moves the member rows' version (a relocated collection or split JSON document).
    pub fn set_member_version(&mut self, version: u64) {
        let at = if self.kind == Kind::Json { 1 } else { 0 };
        if self.body.len() >= at + 8 {
            self.body[at..at + 8].copy_from_slice(&version.to_be_bytes());
        }
    }

    /// An inline JSON document.
    pub fn json_inline(expire_at: u64, text: &[u8]) -> Meta {
        let mut body = Vec::with_capacity(1 + text.len());
        body.push(JSON_INLINE);
        body.extend_from_slice(text);
        Meta { kind: Kind::Json, expire_at, body }
    }

    /// A split JSON document's header.
    pub fn json_split(expire_at: u64, version: u64, count: u64, next_order: u64) -> Meta {
        let mut body = Vec::with_capacity(25);
        body.push(JSON_SPLIT);
        for n in [version, count, next_order] {
            body.extend_from_slice(&n.to_be_bytes());
        }
        Meta { kind: Kind::Json, expire_at, body }
    }

    /// The JSON layout of this row; `None` if it is not JSON or is corrupt.
    pub fn json_body(&self) -> Option<JsonBody<'_>> {
        if self.kind != Kind::Json {
            return None;
        }
        let at = |i: usize| self.body.get(i..i + 8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes);
        match *self.body.first()? {
            JSON_INLINE => Some(JsonBody::Inline(&self.body[1..])),
            JSON_SPLIT => Some(JsonBody::Split { version: at(1)?, count: at(9)?, next_order: at(17)? }),
            _ => None,
        }
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

    /// Where a collection keeps its count of deleted member rows: body bytes 17..25 of a
    /// hash, set or sorted set, 80..88 of a stream, 25..33 of a split JSON document.
    fn deletes_at(&self) -> Option<usize> {
        match self.kind {
            Kind::Hash | Kind::Set | Kind::ZSet => Some(17),
            Kind::Stream => Some(80),
            Kind::Json if self.body.first() == Some(&JSON_SPLIT) => Some(25),
            Kind::String | Kind::List | Kind::Json => None,
        }
    }

    /// How many member rows the collection has deleted under its version that scans
    /// would step over (0 if the row has no count, or the type keeps none).
    pub fn deletes(&self) -> u64 {
        let Some(at) = self.deletes_at() else { return 0 };
        self.body.get(at..at + 8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_be_bytes)
    }

    /// Updates the count of deleted member rows (kept by hashes, sets, sorted sets,
    /// streams and split JSON documents; a no-op for the other types).
    pub fn set_deletes(&mut self, deletes: u64) {
        let Some(at) = self.deletes_at() else { return };
        self.body.resize((at + 8).max(self.body.len()), 0);
        self.body[at..at + 8].copy_from_slice(&deletes.to_be_bytes());
    }

    /// Updates a collection's member count in place.
    pub fn set_size(&mut self, size: u64) {
        if self.body.len() >= 16 {
            self.body[8..16].copy_from_slice(&size.to_be_bytes());
        }
    }
}

/// A stream's counters, kept in its meta row after `[version][size]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamState {
    /// The greatest ID ever added (or set by XSETID).
    pub last_id: StreamId,
    /// The greatest ID removed by XDEL (0-0 if none).
    pub max_deleted: StreamId,
    /// How many entries were ever added.
    pub entries_added: u64,
    /// The first entry's ID (0-0 when empty).
    pub first_id: StreamId,
    /// How many consumer groups the stream has.
    pub groups: u64,
}

impl Meta {
    /// A stream header: `[version][size]` and the stream's state.
    pub fn stream(version: u64, size: u64, state: &StreamState) -> Meta {
        let mut m = Meta::collection(Kind::Stream, version, size);
        m.set_stream_state(state);
        m
    }

    /// A stream's state (body bytes 16..80); zeros if the row has no extras.
    pub fn stream_state(&self) -> StreamState {
        let id = |i: usize| self.body.get(i..i + 16).and_then(StreamId::from_bytes).unwrap_or_default();
        let n = |i: usize| self.body.get(i..i + 8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_be_bytes);
        StreamState { last_id: id(16), max_deleted: id(32), entries_added: n(48), first_id: id(56), groups: n(72) }
    }

    /// Replaces a stream's state.
    pub fn set_stream_state(&mut self, s: &StreamState) {
        self.body.resize(80.max(self.body.len()), 0);
        self.body[16..32].copy_from_slice(&s.last_id.to_bytes());
        self.body[32..48].copy_from_slice(&s.max_deleted.to_bytes());
        self.body[48..56].copy_from_slice(&s.entries_added.to_be_bytes());
        self.body[56..72].copy_from_slice(&s.first_id.to_bytes());
        self.body[72..80].copy_from_slice(&s.groups.to_be_bytes());
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
    fn golden_json_meta() {
        let m = Meta::json_inline(0, b"[1]");
        assert_eq!(m.encode(), vec![6, 0, 0, 0, 0, 0, 0, 0, 0, 0, b'[', b'1', b']']);
        assert_eq!(m.json_body(), Some(JsonBody::Inline(b"[1]")));
        assert_eq!(m.member_version(), None);
        let mut m = Meta::json_split(0, 5, 2, 3);
        #[rustfmt::skip]
        let want = vec![
            6, 0, 0, 0, 0, 0, 0, 0, 0, // type, no expiry
            1, // split layout
            0, 0, 0, 0, 0, 0, 0, 5, // version
            0, 0, 0, 0, 0, 0, 0, 2, // count
            0, 0, 0, 0, 0, 0, 0, 3, // next order
        ];
        assert_eq!(m.encode(), want);
        assert_eq!(Meta::decode(&want).unwrap().json_body(), Some(JsonBody::Split { version: 5, count: 2, next_order: 3 }));
        assert_eq!(m.member_version(), Some(5));
        m.set_member_version(9);
        assert_eq!(m.member_version(), Some(9));
        m.set_deletes(4);
        assert_eq!(m.encode()[META_HEADER + 25..], [0, 0, 0, 0, 0, 0, 0, 4]);
        assert_eq!((m.json_body(), m.deletes()), (Some(JsonBody::Split { version: 9, count: 2, next_order: 3 }), 4));
        let mut inline = Meta::json_inline(0, b"[1]");
        inline.set_deletes(4);
        assert_eq!((inline.deletes(), inline.json_body()), (0, Some(JsonBody::Inline(b"[1]"))), "inline documents keep no count");
        assert_eq!(Meta::collection(Kind::Hash, 7, 1).member_version(), Some(7));
        assert_eq!(Meta::new(Kind::String, 0, vec![1; 20]).member_version(), None);
    }

    #[test]
    fn golden_stream_meta() {
        let state = StreamState {
            last_id: StreamId::new(5, 1),
            max_deleted: StreamId::new(3, 0),
            entries_added: 7,
            first_id: StreamId::new(4, 0),
            groups: 2,
        };
        let m = Meta::stream(9, 2, &state);
        #[rustfmt::skip]
        let want = vec![
            7, 0, 0, 0, 0, 0, 0, 0, 0, // type, no expiry
            0, 0, 0, 0, 0, 0, 0, 9, // version
            0, 0, 0, 0, 0, 0, 0, 2, // size
            0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1, // last id
            0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, // max deleted id
            0, 0, 0, 0, 0, 0, 0, 7, // entries added
            0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, // first id
            0, 0, 0, 0, 0, 0, 0, 2, // groups
        ];
        assert_eq!(m.encode(), want);
        let back = Meta::decode(&want).unwrap();
        assert_eq!((back.version(), back.size(), back.stream_state()), (9, 2, state));
        let mut counted = back.clone();
        counted.set_deletes(3);
        assert_eq!(counted.encode()[META_HEADER + 80..], [0, 0, 0, 0, 0, 0, 0, 3]);
        assert_eq!((counted.stream_state(), counted.deletes()), (state, 3));
        counted.set_stream_state(&StreamState::default());
        assert_eq!(counted.deletes(), 3, "the count follows the stream state");
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
    fn golden_deletes_after_the_flags() {
        let mut m = Meta::collection(Kind::Hash, 5, 2);
        assert_eq!(m.deletes(), 0);
        m.set_deletes(0x0102);
        #[rustfmt::skip]
        let want = vec![
            3, 0, 0, 0, 0, 0, 0, 0, 0, // type, no expiry
            0, 0, 0, 0, 0, 0, 0, 5, // version
            0, 0, 0, 0, 0, 0, 0, 2, // size
            0, // flags
            0, 0, 0, 0, 0, 0, 1, 2, // deletes
        ];
        assert_eq!(m.encode(), want);
        let mut z = Meta::collection(Kind::ZSet, 5, 2);
        z.set_zset_ranked();
        assert_eq!(z.deletes(), 0);
        z.set_deletes(7);
        assert!(z.zset_ranked());
        assert_eq!((z.body[16], z.deletes(), z.size()), (1, 7, 2));
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
