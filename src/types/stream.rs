//! Streams: a meta row holding `[version][size]` and the stream's counters
//! ([`StreamState`]: last ID, greatest deleted ID, entries ever added, first ID, group
//! count), and rows in the `stream` family under the version's member prefix (see
//! [`StreamKeys`]): one row per entry keyed by its 16-byte big-endian ID, so XRANGE and
//! XREAD are range scans, and for consumer groups one row per group, per consumer and per
//! pending entry (plus a per-consumer index of pending IDs). Pending entries are rows
//! like any other, so they survive a restart, and every command writes its changes in
//! one batch.
//!
//! Unlike the other collections, a stream stays when its last entry goes (as in Redis):
//! its last ID and its groups must survive. The consumer-group half lives in
//! [`group`].

mod group;

pub use group::*;

use super::{Db, Error, Result};
use crate::storage::{cf, encode_fields, field_pairs, Batch, FieldPairs, Kind, Meta, StreamKeys, StreamState};
use std::collections::HashSet;
use std::fmt;

pub use crate::storage::StreamId;

/// An entry's field/value pairs, in the order they were added, kept as stored
/// ([`encode_fields`]): a reply is encoded from it without a vector per field, which
/// was a third of XRANGE's CPU at `-P 16` (allocations and frees).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields(Vec<u8>);

impl Fields {
    /// The fields of a stored entry row; a corrupt row reads as no fields.
    fn of_row(row: &[u8]) -> Fields {
        match field_pairs(row) {
            Some(_) => Fields(row.to_vec()),
            None => Fields(encode_fields::<&[u8], &[u8]>(&[])),
        }
    }

    /// The (field, value) pairs.
    pub fn pairs(&self) -> FieldPairs<'_> {
        FieldPairs::of_checked(&self.0)
    }
}

/// One stream entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: StreamId,
    pub fields: Fields,
}

/// The ID XADD is asked to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewId {
    /// `*`: the clock, or one more than the last ID.
    Auto,
    /// `ms-*`: this millisecond, with the next free sequence number.
    Seq(u64),
    /// `ms-seq`.
    Exact(StreamId),
}

/// What XADD did: the new entry's ID, and how many entries its trim removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Added {
    pub id: StreamId,
    pub trimmed: u64,
}

/// What a trim keeps: at most N entries, or the entries from an ID on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrimBy {
    MaxLen(u64),
    MinId(StreamId),
}

/// XADD's and XTRIM's trimming. DiskDB has no radix-tree nodes, so `~` trims exactly as
/// `=` does, but removes at most `limit` entries per command (0 = no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trim {
    pub by: TrimBy,
    pub limit: u64,
}

/// Stream errors with Redis's wording. The NOGROUP lines name the key and group, in the
/// three forms Redis uses for different commands.
#[derive(Debug)]
pub enum StreamError {
    IdTooSmall,
    IdZero,
    Exhausted,
    KeyRequired,
    BusyGroup,
    SetIdBelowTop,
    EntriesAddedBelowLength,
    /// XPENDING, XCLAIM, XAUTOCLAIM.
    NoGroup {
        key: Vec<u8>,
        group: Vec<u8>,
    },
    /// XREADGROUP.
    NoGroupToRead {
        key: Vec<u8>,
        group: Vec<u8>,
    },
    /// XGROUP, XINFO CONSUMERS.
    NoGroupForKey {
        key: Vec<u8>,
        group: Vec<u8>,
    },
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match self {
            StreamError::IdTooSmall => f.write_str("ERR The ID specified in XADD is equal or smaller than the target stream top item"),
            StreamError::IdZero => f.write_str("ERR The ID specified in XADD must be greater than 0-0"),
            StreamError::Exhausted => f.write_str("ERR The stream has exhausted the last possible ID, unable to add more items"),
            StreamError::KeyRequired => f.write_str(
                "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use \
                 the MKSTREAM option to create an empty stream automatically.",
            ),
            StreamError::BusyGroup => f.write_str("BUSYGROUP Consumer Group name already exists"),
            StreamError::SetIdBelowTop => f.write_str("ERR The ID specified in XSETID is smaller than the target stream top item"),
            StreamError::EntriesAddedBelowLength => {
                f.write_str("ERR The entries_added specified in XSETID is smaller than the target stream length")
            }
            StreamError::NoGroup { key, group } => {
                write!(f, "NOGROUP No such key '{}' or consumer group '{}'", text(key), text(group))
            }
            StreamError::NoGroupToRead { key, group } => {
                write!(f, "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option", text(key), text(group))
            }
            StreamError::NoGroupForKey { key, group } => {
                write!(f, "NOGROUP No such consumer group '{}' for key name '{}'", text(group), text(key))
            }
        }
    }
}

impl From<StreamError> for Error {
    fn from(e: StreamError) -> Self {
        Error::Stream(e)
    }
}

/// A live stream as one command sees it: its meta row as stored (expired or not, which
/// decides how the key counts change), the live header, counters and row keys.
pub(crate) struct Stream {
    stored: Option<Meta>,
    meta: Meta,
    pub(crate) state: StreamState,
    pub(crate) len: u64,
    pub(crate) keys: StreamKeys,
    /// Whether the key existed before this command (a new stream is always written).
    existed: bool,
}

/// XINFO STREAM's answer.
pub struct StreamInfo {
    pub len: u64,
    pub state: StreamState,
    pub first: Option<Entry>,
    pub last: Option<Entry>,
}

/// XINFO STREAM FULL's answer.
pub struct StreamFullInfo {
    pub len: u64,
    pub state: StreamState,
    pub entries: Vec<Entry>,
    pub groups: Vec<GroupFull>,
}

fn entry_of(id: StreamId, value: &[u8]) -> Entry {
    Entry { id, fields: Fields::of_row(value) }
}

impl Db<'_> {
    /// The live stream at `key` for a read: `None` if missing, WRONGTYPE if not a stream.
    pub(crate) fn read_stream(&self, key: &[u8]) -> Result<Option<Stream>> {
        Ok(self.live_of(key, Kind::Stream)?.map(|meta| self.stream_of(key, None, meta)))
    }

    fn stream_of(&self, key: &[u8], stored: Option<Meta>, meta: Meta) -> Stream {
        Stream {
            state: meta.stream_state(),
            len: meta.size(),
            keys: StreamKeys::new(self.db, key, meta.version()),
            existed: true,
            stored,
            meta,
        }
    }

    /// The stream at `key` for a write, under the caller's lock; a fresh empty one if it
    /// is missing and `create` is set.
    pub(crate) fn open_stream(&self, key: &[u8], create: bool) -> Result<Option<Stream>> {
        let stored = self.store.get_meta(self.db, key)?;
        match stored.clone().filter(|m| !m.is_expired(self.now)) {
            Some(m) if m.kind != Kind::Stream => Err(Error::WrongType),
            Some(m) => Ok(Some(self.stream_of(key, stored, m))),
            None if create => {
                let meta = Meta::stream(self.store.new_version(), 0, &StreamState::default());
                Ok(Some(Stream { existed: false, ..self.stream_of(key, stored, meta) }))
            }
            None => Ok(None),
        }
    }

    /// Adds the stream's meta row to `batch` if its size or counters changed, or if the
    /// write deletes rows that later scans would step over (see [`Db::count_deletes`]):
    /// pending entries (XACK, XCLAIM), consumers, groups, entries deleted from the middle.
    /// Entries below the first one, or all of them, are not counted: every entry scan
    /// starts at the first ID, past their tombstones.
    pub(crate) fn close_stream(&self, key: &[u8], s: &mut Stream, batch: &mut Batch) -> Result<()> {
        let deleted = if s.existed {
            let (entries, first) = (s.keys.entries(), s.keys.entry(s.state.first_id));
            batch.deletes_under(s.keys.prefix(), |k| k.starts_with(&entries) && (s.len == 0 || k < &first[..]))
        } else {
            0
        };
        if deleted == 0 && s.existed && s.meta.size() == s.len && s.meta.stream_state() == s.state {
            return Ok(());
        }
        s.meta.set_size(s.len);
        s.meta.set_stream_state(&s.state);
        if deleted > 0 {
            let rows = || -> Result<u64> {
                let groups = self.groups(s)?;
                Ok(s.len + groups.iter().map(|(_, g)| 1 + g.consumers + 2 * g.pending).sum::<u64>())
            };
            let meta = self.count_deletes(key, &s.meta, deleted, rows, batch)?;
            batch.put_meta(self.db, key, s.stored.as_ref(), &meta);
        } else {
            batch.put_meta(self.db, key, s.stored.as_ref(), &s.meta);
        }
        Ok(())
    }

    /// Calls `f(id, fields)` for the entries from `from` to `to` (both inclusive), in ID
    /// order or in reverse, until it returns false.
    pub(crate) fn each_entry(
        &self,
        s: &Stream,
        from: StreamId,
        to: StreamId,
        reverse: bool,
        mut f: impl FnMut(StreamId, &[u8]) -> bool,
    ) -> Result<()> {
        // No entry lies outside first..=last; starting at the first skips the tombstones
        // that trimming and XDEL leave at the front until compaction drops them.
        let (from, to) = (from.max(s.state.first_id), to.min(s.state.last_id));
        if s.len == 0 || from > to {
            return Ok(());
        }
        let prefix = s.keys.entries();
        let start = s.keys.entry(if reverse { to } else { from });
        self.store.scan_rows(cf::STREAM, &prefix, Some(&start), reverse, |k, v| {
            let Some(id) = StreamId::from_bytes(&k[prefix.len()..]) else { return true };
            if (reverse && id < from) || (!reverse && id > to) {
                return false;
            }
            f(id, v)
        })?;
        Ok(())
    }

    /// Reads one entry.
    pub(crate) fn entry(&self, s: &Stream, id: StreamId) -> Result<Option<Fields>> {
        let row = self.store.get_member(cf::STREAM, &s.keys.entry(id))?;
        Ok(row.map(|v| Fields::of_row(&v)))
    }

    /// Up to `count` entries (0 = all) from `from` to `to`, inclusive.
    fn range(&self, s: &Stream, from: StreamId, to: StreamId, count: u64, reverse: bool) -> Result<Vec<Entry>> {
        let mut out = Vec::new();
        self.each_entry(s, from, to, reverse, |id, v| {
            out.push(entry_of(id, v));
            count == 0 || (out.len() as u64) < count
        })?;
        Ok(out)
    }

    /// The first entry's ID at or after `from` that is not in `skip`.
    fn first_entry_from(&self, s: &Stream, from: StreamId, skip: &HashSet<StreamId>) -> Result<Option<StreamId>> {
        let mut found = None;
        self.each_entry(s, from, StreamId::MAX, false, |id, _| {
            if skip.contains(&id) {
                return true;
            }
            found = Some(id);
            false
        })?;
        Ok(found)
    }

    /// XADD: appends an entry and trims; `None` if the key is missing and `nomkstream`.
    pub fn xadd(&self, key: &[u8], id: NewId, fields: &[(&[u8], &[u8])], nomkstream: bool, trim: Option<Trim>) -> Result<Option<Added>> {
        if id == NewId::Exact(StreamId::MIN) {
            return Err(StreamError::IdZero.into());
        }
        let lock = self.lock(&[key])?;
        let Some(mut s) = self.open_stream(key, !nomkstream)? else { return Ok(None) };
        let last = s.state.last_id;
        if last == StreamId::MAX {
            return Err(StreamError::Exhausted.into());
        }
        let new = match id {
            NewId::Auto if self.now > last.ms => StreamId::new(self.now, 0),
            // `last` is not the greatest ID, so it has a successor.
            NewId::Auto => last.next().unwrap_or(StreamId::MAX),
            NewId::Seq(ms) if ms > last.ms => StreamId::new(ms, 0),
            NewId::Seq(ms) if ms == last.ms && last.seq < u64::MAX => StreamId::new(ms, last.seq + 1),
            NewId::Exact(id) if id > last => id,
            _ => return Err(StreamError::IdTooSmall.into()),
        };
        let mut batch = self.store.batch();
        batch.put_row(cf::STREAM, &s.keys.entry(new), &encode_fields(fields));
        if s.len == 0 {
            s.state.first_id = new;
        }
        s.len += 1;
        s.state.last_id = new;
        s.state.entries_added += 1;
        let trimmed = match trim {
            Some(trim) => self.trim(&mut s, trim, Some(new), &mut batch)?,
            None => 0,
        };
        self.close_stream(key, &mut s, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(Some(Added { id: new, trimmed }))
    }

    /// Removes entries from the start of `s` as `trim` says. `added` is an entry this
    /// command put in `batch` (newer than every stored one). Returns how many went.
    fn trim(&self, s: &mut Stream, trim: Trim, added: Option<StreamId>, batch: &mut Batch) -> Result<u64> {
        let limit = if trim.limit == 0 { u64::MAX } else { trim.limit };
        let len = s.len;
        // Cheap exits first: most XADD ... MAXLEN calls find nothing to trim.
        let nothing = match trim.by {
            TrimBy::MaxLen(n) => len <= n,
            TrimBy::MinId(min) => s.len == 0 || s.state.first_id >= min,
        };
        if nothing {
            return Ok(0);
        }
        // Entries go from the start until the rule or the limit says stop; the first one
        // kept is the new first entry.
        let mut doomed: Vec<StreamId> = Vec::new();
        let mut first_kept = None;
        let mut decide = |doomed: &mut Vec<StreamId>, id: StreamId| {
            let gone = doomed.len() as u64;
            let remove = gone < limit
                && match trim.by {
                    TrimBy::MaxLen(n) => len - gone > n,
                    TrimBy::MinId(min) => id < min,
                };
            if remove {
                doomed.push(id);
            } else {
                first_kept = Some(id);
            }
            remove
        };
        let stored_to = added.and_then(StreamId::prev).unwrap_or(StreamId::MAX);
        self.each_entry(s, StreamId::MIN, stored_to, false, |id, _| decide(&mut doomed, id))?;
        if let Some(a) = added {
            if doomed.len() as u64 == len - 1 {
                decide(&mut doomed, a);
            }
        }
        for id in &doomed {
            batch.delete_row(cf::STREAM, &s.keys.entry(*id));
        }
        s.len -= doomed.len() as u64;
        s.state.first_id = if s.len == 0 { StreamId::MIN } else { first_kept.unwrap_or(s.state.first_id) };
        Ok(doomed.len() as u64)
    }

    /// XTRIM: returns how many entries went.
    pub fn xtrim(&self, key: &[u8], trim: Trim) -> Result<u64> {
        let lock = self.lock(&[key])?;
        let Some(mut s) = self.open_stream(key, false)? else { return Ok(0) };
        let mut batch = self.store.batch();
        let removed = self.trim(&mut s, trim, None, &mut batch)?;
        self.close_stream(key, &mut s, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(removed)
    }

    /// XDEL: returns how many of the IDs existed. Pending entries that name them stay
    /// (as in Redis: XREADGROUP and XCLAIM then report them deleted).
    pub fn xdel(&self, key: &[u8], ids: &[StreamId]) -> Result<u64> {
        let lock = self.lock(&[key])?;
        let Some(mut s) = self.open_stream(key, false)? else { return Ok(0) };
        let mut batch = self.store.batch();
        let mut gone: HashSet<StreamId> = HashSet::with_capacity(ids.len());
        for &id in ids {
            if !gone.contains(&id) && self.entry(&s, id)?.is_some() {
                batch.delete_row(cf::STREAM, &s.keys.entry(id));
                gone.insert(id);
                s.state.max_deleted = s.state.max_deleted.max(id);
            }
        }
        if gone.is_empty() {
            return Ok(0);
        }
        s.len -= gone.len() as u64;
        if s.len == 0 {
            s.state.first_id = StreamId::MIN;
        } else if gone.contains(&s.state.first_id) {
            s.state.first_id = self.first_entry_from(&s, s.state.first_id, &gone)?.unwrap_or(StreamId::MIN);
        }
        self.close_stream(key, &mut s, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(gone.len() as u64)
    }

    /// XLEN.
    pub fn xlen(&self, key: &[u8]) -> Result<u64> {
        Ok(self.live_of(key, Kind::Stream)?.map_or(0, |m| m.size()))
    }

    /// XRANGE / XREVRANGE: up to `count` entries (0 = all) from `from` to `to`, both
    /// inclusive.
    pub fn xrange(&self, key: &[u8], from: StreamId, to: StreamId, count: u64, reverse: bool) -> Result<Vec<Entry>> {
        let Some(s) = self.read_stream(key)? else { return Ok(Vec::new()) };
        self.range(&s, from, to, count, reverse)
    }

    /// XREAD for one stream: up to `count` entries (0 = all) after `after`.
    pub fn xread(&self, key: &[u8], after: StreamId, count: u64) -> Result<Vec<Entry>> {
        let Some(s) = self.read_stream(key)? else { return Ok(Vec::new()) };
        match after.next() {
            Some(from) if after < s.state.last_id => self.range(&s, from, StreamId::MAX, count, false),
            _ => Ok(Vec::new()),
        }
    }

    /// The last ID of the stream at `key` (0-0 if missing): what XREAD's `$` means.
    pub fn xlast_id(&self, key: &[u8]) -> Result<StreamId> {
        Ok(self.read_stream(key)?.map_or(StreamId::MIN, |s| s.state.last_id))
    }

    /// XSETID: sets the last ID and optionally the counters; `false` if the key is
    /// missing. The caller has checked the arguments against each other.
    pub fn xsetid(&self, key: &[u8], id: StreamId, entries_added: Option<u64>, max_deleted: Option<StreamId>) -> Result<bool> {
        let lock = self.lock(&[key])?;
        let Some(mut s) = self.open_stream(key, false)? else { return Ok(false) };
        // Redis's order: the top entry, then the length.
        if s.len > 0 {
            let mut top = StreamId::MIN;
            self.each_entry(&s, StreamId::MIN, StreamId::MAX, true, |id, _| {
                top = id;
                false
            })?;
            if id < top {
                return Err(StreamError::SetIdBelowTop.into());
            }
        }
        if entries_added.is_some_and(|n| n < s.len) {
            return Err(StreamError::EntriesAddedBelowLength.into());
        }
        s.state.last_id = id;
        if let Some(n) = entries_added {
            s.state.entries_added = n;
        }
        if let Some(m) = max_deleted.filter(|m| *m != StreamId::MIN) {
            s.state.max_deleted = m;
        }
        let mut batch = self.store.batch();
        self.close_stream(key, &mut s, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(true)
    }

    /// XINFO STREAM; `None` if the key is missing.
    pub fn xinfo_stream(&self, key: &[u8]) -> Result<Option<StreamInfo>> {
        let Some(s) = self.read_stream(key)? else { return Ok(None) };
        let first = self.range(&s, StreamId::MIN, StreamId::MAX, 1, false)?.pop();
        let last = self.range(&s, StreamId::MIN, StreamId::MAX, 1, true)?.pop();
        Ok(Some(StreamInfo { len: s.len, state: s.state, first, last }))
    }

    /// XINFO STREAM FULL: up to `count` entries, and of each group up to `count` pending
    /// entries (0 = all).
    pub fn xinfo_stream_full(&self, key: &[u8], count: u64) -> Result<Option<StreamFullInfo>> {
        let Some(s) = self.read_stream(key)? else { return Ok(None) };
        let entries = self.range(&s, StreamId::MIN, StreamId::MAX, count, false)?;
        let groups = self.groups_full(&s, count)?;
        Ok(Some(StreamFullInfo { len: s.len, state: s.state, entries, groups }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::temp_store;
    use super::*;
    use crate::storage::now_ms;

    fn f(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static [u8], &'static [u8])> {
        pairs.iter().map(|(a, b)| (a.as_bytes(), b.as_bytes())).collect()
    }

    fn id(ms: u64, seq: u64) -> StreamId {
        StreamId::new(ms, seq)
    }

    #[test]
    fn ids_grow_and_trimming_keeps_the_counters() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, 1000);
        let added = |id| Some(Added { id, trimmed: 0 });
        assert_eq!(db.xadd(b"s", NewId::Auto, &f(&[("a", "1")]), false, None).unwrap(), added(id(1000, 0)));
        assert_eq!(db.xadd(b"s", NewId::Auto, &f(&[("a", "2")]), false, None).unwrap(), added(id(1000, 1)));
        assert_eq!(db.xadd(b"s", NewId::Seq(1000), &f(&[("a", "3")]), false, None).unwrap(), added(id(1000, 2)));
        assert!(matches!(
            db.xadd(b"s", NewId::Exact(id(999, 0)), &f(&[("a", "x")]), false, None),
            Err(Error::Stream(StreamError::IdTooSmall))
        ));
        let trim = Trim { by: TrimBy::MaxLen(2), limit: 0 };
        let added = db.xadd(b"s", NewId::Exact(id(2000, 0)), &f(&[("a", "4")]), false, Some(trim)).unwrap();
        assert_eq!(added, Some(Added { id: id(2000, 0), trimmed: 2 }));
        let all = db.xrange(b"s", StreamId::MIN, StreamId::MAX, 0, false).unwrap();
        assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), vec![id(1000, 2), id(2000, 0)]);
        let info = db.xinfo_stream(b"s").unwrap().unwrap();
        assert_eq!((info.len, info.state.entries_added, info.state.first_id), (2, 4, id(1000, 2)));
        // MAXLEN 0 removes the entry being added too; the stream stays, empty.
        let trim = Trim { by: TrimBy::MaxLen(0), limit: 0 };
        db.xadd(b"s", NewId::Auto, &f(&[("a", "5")]), false, Some(trim)).unwrap();
        assert_eq!(db.xlen(b"s").unwrap(), 0);
        assert_eq!(store.dbsize(0), 1);
        let info = db.xinfo_stream(b"s").unwrap().unwrap();
        assert_eq!((info.state.first_id, info.state.last_id, info.first.is_none()), (StreamId::MIN, id(2000, 1), true));
    }

    #[test]
    fn approximate_trims_stop_at_their_limit() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        for ms in 1..=10 {
            db.xadd(b"s", NewId::Exact(id(ms, 0)), &f(&[("n", "v")]), false, None).unwrap();
        }
        assert_eq!(db.xtrim(b"s", Trim { by: TrimBy::MaxLen(0), limit: 3 }).unwrap(), 3);
        assert_eq!(db.xtrim(b"s", Trim { by: TrimBy::MinId(id(9, 0)), limit: 2 }).unwrap(), 2);
        assert_eq!(db.xtrim(b"s", Trim { by: TrimBy::MinId(id(9, 0)), limit: 0 }).unwrap(), 3);
        let info = db.xinfo_stream(b"s").unwrap().unwrap();
        assert_eq!((info.len, info.state.first_id), (2, id(9, 0)));
    }

    #[test]
    fn xdel_moves_the_first_id_and_records_the_greatest_deleted() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        for ms in 1..=4 {
            db.xadd(b"s", NewId::Exact(id(ms, 0)), &f(&[("n", "v")]), false, None).unwrap();
        }
        assert_eq!(db.xdel(b"s", &[id(1, 0), id(2, 0), id(2, 0), id(9, 0)]).unwrap(), 2);
        let info = db.xinfo_stream(b"s").unwrap().unwrap();
        assert_eq!((info.len, info.state.first_id, info.state.max_deleted), (2, id(3, 0), id(2, 0)));
    }

    #[test]
    fn compaction_reclaims_the_rows_of_a_deleted_stream() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, now_ms());
        db.xadd(b"s", NewId::Exact(id(1, 0)), &f(&[("n", "v")]), false, None).unwrap();
        db.xgroup_create(b"s", b"g", Some(StreamId::MIN), false, -1).unwrap();
        let read = GroupRead { group: b"g", consumer: b"c", count: 0, noack: false };
        db.xreadgroup(&read, &[(&b"s"[..], ReadFrom::New)]).unwrap();
        let live = db.read_stream(b"s").unwrap().unwrap();
        let rows = |keys: &StreamKeys| {
            [keys.entry(id(1, 0)), keys.group(b"g"), keys.consumer(b"g", b"c"), keys.pending_entry(b"g", id(1, 0))]
                .iter()
                .filter(|k| store.get_member(cf::STREAM, k).unwrap().is_some())
                .count()
        };
        assert_eq!(rows(&live.keys), 4);
        db.del(&[b"s"]).unwrap();
        db.xadd(b"s", NewId::Exact(id(5, 0)), &f(&[("n", "v")]), false, None).unwrap();
        store.compact();
        assert_eq!(rows(&live.keys), 0, "the old version's entry, group, consumer and PEL rows are gone");
        assert_eq!(db.xlen(b"s").unwrap(), 1);
    }
}
