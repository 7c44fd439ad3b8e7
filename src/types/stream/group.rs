//! Consumer groups: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM and the
//! group half of XINFO.
//!
//! A group is one row (its last delivered ID, its entries-read counter and the counts of
//! its pending entries and consumers); each consumer is a row (seen and active times, its
//! pending count); each pending entry is a row in the group's PEL naming its owner, with
//! an empty index row under the owner, so that one consumer's pending entries are a range
//! scan too. The counts in the group and consumer rows change in the same batch as the
//! rows they count. The entries-read and lag arithmetic follows Redis 7 (`t_stream.c`)
//! line for line, so XINFO reports the same numbers.

use super::{entry_of, Fields, Stream, StreamError, StreamId};
use crate::storage::{cf, Batch, ConsumerRow, GroupRow, PendingRow, StreamState};
use crate::types::{Db, Result};
use std::collections::{BTreeMap, HashSet};

/// Where XREADGROUP reads a stream from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// `>`: entries never delivered to the group.
    New,
    /// An ID: the consumer's own pending entries after it.
    After(StreamId),
}

/// XREADGROUP's options.
pub struct GroupRead<'a> {
    pub group: &'a [u8],
    pub consumer: &'a [u8],
    /// At most this many entries per stream; 0 = all.
    pub count: u64,
    pub noack: bool,
}

/// One delivered or claimed entry; `None` fields for a pending entry that was deleted
/// from the stream.
pub type Delivered = (StreamId, Option<Fields>);

/// What XREADGROUP reports for one stream.
pub struct Served {
    pub key: Vec<u8>,
    pub entries: Vec<Delivered>,
    /// Whether the read created the consumer in this stream's group.
    pub new_consumer: bool,
}

/// XCLAIM's answer.
pub struct Claimed {
    pub entries: Vec<Delivered>,
    /// Whether the claim created the consumer.
    pub new_consumer: bool,
}

/// XPENDING's summary form.
pub struct PendingSummary {
    pub count: u64,
    /// The smallest and greatest pending IDs.
    pub bounds: Option<(StreamId, StreamId)>,
    /// Consumers with pending entries, by name, and how many.
    pub consumers: Vec<(Vec<u8>, u64)>,
}

/// One line of XPENDING's extended form.
pub struct PendingItem {
    pub id: StreamId,
    pub consumer: Vec<u8>,
    pub idle: u64,
    pub deliveries: u64,
}

/// XPENDING's extended form's filters.
pub struct PendingRange<'a> {
    pub from: StreamId,
    pub to: StreamId,
    pub count: u64,
    pub consumer: Option<&'a [u8]>,
    pub min_idle: u64,
}

/// XCLAIM's options.
pub struct Claim {
    pub min_idle: u64,
    /// The delivery time to record (IDLE / TIME; now by default).
    pub delivered: u64,
    pub retry: Option<u64>,
    pub force: bool,
    pub justid: bool,
    pub last_id: Option<StreamId>,
}

/// XAUTOCLAIM's answer.
pub struct AutoClaim {
    /// Where the next call starts; 0-0 when the PEL was scanned to its end.
    pub next: StreamId,
    pub claimed: Vec<Delivered>,
    /// Pending entries found deleted from the stream (and dropped from the PEL).
    pub deleted: Vec<StreamId>,
    /// Whether the claim created the consumer.
    pub new_consumer: bool,
}

/// XINFO GROUPS's view of one group.
pub struct GroupInfo {
    pub name: Vec<u8>,
    pub consumers: u64,
    pub pending: u64,
    pub last_id: StreamId,
    pub entries_read: Option<i64>,
    pub lag: Option<i64>,
}

/// XINFO CONSUMERS's view of one consumer.
pub struct ConsumerInfo {
    pub name: Vec<u8>,
    pub pending: u64,
    /// When it last read or claimed.
    pub seen: u64,
    /// When it last got an entry (0 = never).
    pub active: u64,
}

/// One group in XINFO STREAM FULL.
pub struct GroupFull {
    pub info: GroupInfo,
    pub pel: Vec<(StreamId, PendingRow)>,
    pub consumers: Vec<(ConsumerInfo, Vec<(StreamId, PendingRow)>)>,
}

/// Redis's `SCG_INVALID_ENTRIES_READ`.
const UNKNOWN: i64 = -1;

/// Redis's `streamEstimateDistanceFromFirstEverEntry`: the entries-read counter of `id`,
/// or -1 if it cannot be known.
fn estimate_entries_read(st: &StreamState, len: u64, id: StreamId) -> i64 {
    let added = st.entries_added as i64;
    if st.entries_added == 0 {
        return 0;
    }
    if len == 0 && id <= st.last_id {
        return added;
    }
    if id == st.last_id {
        return added;
    }
    if id > st.last_id {
        return UNKNOWN;
    }
    if st.max_deleted == StreamId::MIN || st.max_deleted < st.first_id {
        if id < st.first_id {
            return added - len as i64;
        }
        if id == st.first_id {
            return added - len as i64 + 1;
        }
    }
    UNKNOWN
}

/// Redis's `streamRangeHasTombstones` for the range from `start` to the end.
fn has_tombstones_after(st: &StreamState, len: u64, start: StreamId) -> bool {
    if len == 0 || st.max_deleted == StreamId::MIN || st.first_id > st.max_deleted {
        return false;
    }
    start <= st.max_deleted
}

/// Redis's `streamReplyWithCGLag`.
fn lag(st: &StreamState, len: u64, g: &GroupRow) -> Option<i64> {
    let added = st.entries_added as i64;
    if st.entries_added == 0 {
        return Some(0);
    }
    if g.entries_read != UNKNOWN && !has_tombstones_after(st, len, g.last_id) {
        return Some(added - g.entries_read);
    }
    match estimate_entries_read(st, len, g.last_id) {
        UNKNOWN => None,
        read => Some(added - read),
    }
}

/// A group being written: its row and the consumers the command touched, written back
/// together by [`Db::close_group`].
pub(crate) struct GroupWrite {
    name: Vec<u8>,
    row: GroupRow,
    consumers: BTreeMap<Vec<u8>, ConsumerRow>,
    /// Pending entries this command wrote (`None`: removed), not yet in storage: an
    /// XREADGROUP naming a stream twice reads its first read's deliveries in the second.
    pel: BTreeMap<StreamId, Option<PendingRow>>,
}

impl Db<'_> {
    fn group_row(&self, s: &Stream, group: &[u8]) -> Result<Option<GroupRow>> {
        let raw = self.store.get_member(cf::STREAM, &s.keys.group(group))?;
        Ok(raw.and_then(|v| GroupRow::decode(&v)))
    }

    fn open_group(&self, s: &Stream, group: &[u8]) -> Result<Option<GroupWrite>> {
        let row = self.group_row(s, group)?;
        Ok(row.map(|row| GroupWrite { name: group.to_vec(), row, consumers: BTreeMap::new(), pel: BTreeMap::new() }))
    }

    /// The consumer `name` of `g`, read once per command, created if missing.
    fn consumer<'g>(&self, s: &Stream, g: &'g mut GroupWrite, name: &[u8]) -> Result<&'g mut ConsumerRow> {
        if !g.consumers.contains_key(name) {
            let row = match self.store.get_member(cf::STREAM, &s.keys.consumer(&g.name, name))? {
                Some(v) => ConsumerRow::decode(&v).unwrap_or_default(),
                None => {
                    g.row.consumers += 1;
                    ConsumerRow { seen: self.now, active: 0, pending: 0 }
                }
            };
            g.consumers.insert(name.to_vec(), row);
        }
        Ok(g.consumers.get_mut(name).expect("inserted above"))
    }

    /// Writes the group row and every consumer the command touched.
    fn close_group(&self, s: &Stream, g: &GroupWrite, batch: &mut Batch) {
        batch.put_row(cf::STREAM, &s.keys.group(&g.name), &g.row.encode());
        for (name, row) in &g.consumers {
            batch.put_row(cf::STREAM, &s.keys.consumer(&g.name, name), &row.encode());
        }
    }

    fn pending_row(&self, s: &Stream, group: &[u8], id: StreamId) -> Result<Option<PendingRow>> {
        let raw = self.store.get_member(cf::STREAM, &s.keys.pending_entry(group, id))?;
        Ok(raw.and_then(|v| PendingRow::decode(&v)))
    }

    /// Pending entry `id` as this command last left it.
    fn pending_row_of(&self, s: &Stream, g: &GroupWrite, id: StreamId) -> Result<Option<PendingRow>> {
        match g.pel.get(&id) {
            Some(row) => Ok(row.clone()),
            None => self.pending_row(s, &g.name, id),
        }
    }

    /// Writes pending entry `id` as `row`, taking it from its previous owner (`old`) if
    /// it had one; keeps the pending counts of the group and the consumers in step.
    fn put_pending(
        &self,
        s: &Stream,
        g: &mut GroupWrite,
        id: StreamId,
        old: Option<&PendingRow>,
        row: PendingRow,
        batch: &mut Batch,
    ) -> Result<()> {
        match old {
            Some(old) if old.consumer == row.consumer => {}
            Some(old) => {
                batch.delete_row(cf::STREAM, &s.keys.consumer_pending_entry(&g.name, &old.consumer, id));
                let owner = self.consumer(s, g, &old.consumer)?;
                owner.pending = owner.pending.saturating_sub(1);
                self.consumer(s, g, &row.consumer)?.pending += 1;
            }
            None => {
                g.row.pending += 1;
                self.consumer(s, g, &row.consumer)?.pending += 1;
            }
        }
        batch.put_row(cf::STREAM, &s.keys.consumer_pending_entry(&g.name, &row.consumer, id), &[]);
        batch.put_row(cf::STREAM, &s.keys.pending_entry(&g.name, id), &row.encode());
        g.pel.insert(id, Some(row));
        Ok(())
    }

    /// Removes pending entry `id` (owned as `row` says) from the group.
    fn drop_pending(&self, s: &Stream, g: &mut GroupWrite, id: StreamId, row: &PendingRow, batch: &mut Batch) -> Result<()> {
        batch.delete_row(cf::STREAM, &s.keys.pending_entry(&g.name, id));
        batch.delete_row(cf::STREAM, &s.keys.consumer_pending_entry(&g.name, &row.consumer, id));
        g.row.pending = g.row.pending.saturating_sub(1);
        let owner = self.consumer(s, g, &row.consumer)?;
        owner.pending = owner.pending.saturating_sub(1);
        g.pel.insert(id, None);
        Ok(())
    }

    /// Calls `f(id, row)` for the group's pending entries from `from` on, in ID order,
    /// until it returns false.
    fn each_pending(&self, s: &Stream, group: &[u8], from: StreamId, mut f: impl FnMut(StreamId, PendingRow) -> bool) -> Result<()> {
        let prefix = s.keys.pending(group);
        let start = s.keys.pending_entry(group, from);
        self.store.scan_rows(cf::STREAM, &prefix, Some(&start), false, |k, v| {
            match (StreamId::from_bytes(&k[prefix.len()..]), PendingRow::decode(v)) {
                (Some(id), Some(row)) => f(id, row),
                _ => true,
            }
        })?;
        Ok(())
    }

    /// Up to `count` (0 = all) IDs pending for `consumer`, from `from` on.
    fn consumer_pending_ids(&self, s: &Stream, group: &[u8], consumer: &[u8], from: StreamId, count: u64) -> Result<Vec<StreamId>> {
        let prefix = s.keys.consumer_pending(group, consumer);
        let start = s.keys.consumer_pending_entry(group, consumer, from);
        let mut ids = Vec::new();
        self.store.scan_rows(cf::STREAM, &prefix, Some(&start), false, |k, _| {
            if let Some(id) = StreamId::from_bytes(&k[prefix.len()..]) {
                ids.push(id);
            }
            count == 0 || (ids.len() as u64) < count
        })?;
        Ok(ids)
    }

    /// Every row key under `prefix` (to delete a group's or a consumer's rows).
    fn row_keys(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>> {
        let mut keys = Vec::new();
        self.store.scan_rows(cf::STREAM, prefix, None, false, |k, _| {
            keys.push(k.to_vec());
            true
        })?;
        Ok(keys)
    }

    /// What Redis checks of a stream command's key (and group) before it reads the
    /// command's IDs: WRONGTYPE if `key` holds another type, else whether the stream
    /// exists and whether it has `group`.
    pub fn xprobe(&self, key: &[u8], group: Option<&[u8]>) -> Result<(bool, bool)> {
        let Some(s) = self.read_stream(key)? else { return Ok((false, false)) };
        let has_group = match group {
            Some(g) => self.group_row(&s, g)?.is_some(),
            None => false,
        };
        Ok((true, has_group))
    }

    /// Opens the stream and group that an XGROUP subcommand other than CREATE works on.
    fn open_for_xgroup(&self, key: &[u8], group: &[u8]) -> Result<(Stream, Option<GroupWrite>)> {
        let s = self.open_stream(key, false)?.ok_or(StreamError::KeyRequired)?;
        let g = self.open_group(&s, group)?;
        Ok((s, g))
    }

    fn no_group_for_key(key: &[u8], group: &[u8]) -> StreamError {
        StreamError::NoGroupForKey { key: key.to_vec(), group: group.to_vec() }
    }

    /// XGROUP CREATE: `id` `None` means `$` (the stream's last ID).
    pub fn xgroup_create(&self, key: &[u8], group: &[u8], id: Option<StreamId>, mkstream: bool, entries_read: i64) -> Result<()> {
        let lock = self.lock(&[key])?;
        let mut s = self.open_stream(key, mkstream)?.ok_or(StreamError::KeyRequired)?;
        if self.group_row(&s, group)?.is_some() {
            return Err(StreamError::BusyGroup.into());
        }
        let row = GroupRow { last_id: id.unwrap_or(s.state.last_id), entries_read, pending: 0, consumers: 0 };
        let mut batch = self.store.batch();
        batch.put_row(cf::STREAM, &s.keys.group(group), &row.encode());
        s.state.groups += 1;
        self.close_stream(key, &mut s, &mut batch)?;
        self.write(&lock, batch)
    }

    /// XGROUP SETID: `id` `None` means `$`.
    pub fn xgroup_setid(&self, key: &[u8], group: &[u8], id: Option<StreamId>, entries_read: i64) -> Result<()> {
        let lock = self.lock(&[key])?;
        let (s, g) = self.open_for_xgroup(key, group)?;
        let mut g = g.ok_or_else(|| Self::no_group_for_key(key, group))?;
        g.row.last_id = id.unwrap_or(s.state.last_id);
        g.row.entries_read = entries_read;
        let mut batch = self.store.batch();
        self.close_group(&s, &g, &mut batch);
        self.write(&lock, batch)
    }

    /// XGROUP DESTROY: whether the group existed. Its consumers and pending entries go
    /// with it.
    pub fn xgroup_destroy(&self, key: &[u8], group: &[u8]) -> Result<bool> {
        let lock = self.lock(&[key])?;
        let (mut s, g) = self.open_for_xgroup(key, group)?;
        if g.is_none() {
            return Ok(false);
        }
        let mut batch = self.store.batch();
        batch.delete_row(cf::STREAM, &s.keys.group(group));
        for prefix in [s.keys.consumers(group), s.keys.pending(group), s.keys.consumers_pending(group)] {
            for k in self.row_keys(&prefix)? {
                batch.delete_row(cf::STREAM, &k);
            }
        }
        s.state.groups = s.state.groups.saturating_sub(1);
        self.close_stream(key, &mut s, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(true)
    }

    /// XGROUP CREATECONSUMER: whether the consumer is new.
    pub fn xgroup_createconsumer(&self, key: &[u8], group: &[u8], consumer: &[u8]) -> Result<bool> {
        let lock = self.lock(&[key])?;
        let (s, g) = self.open_for_xgroup(key, group)?;
        let mut g = g.ok_or_else(|| Self::no_group_for_key(key, group))?;
        let before = g.row.consumers;
        self.consumer(&s, &mut g, consumer)?;
        if g.row.consumers == before {
            return Ok(false);
        }
        let mut batch = self.store.batch();
        self.close_group(&s, &g, &mut batch);
        self.write(&lock, batch)?;
        Ok(true)
    }

    /// XGROUP DELCONSUMER: how many entries the consumer had pending (they leave the
    /// group's PEL with it); `None` if there was no such consumer.
    pub fn xgroup_delconsumer(&self, key: &[u8], group: &[u8], consumer: &[u8]) -> Result<Option<u64>> {
        let lock = self.lock(&[key])?;
        let (mut s, g) = self.open_for_xgroup(key, group)?;
        let mut g = g.ok_or_else(|| Self::no_group_for_key(key, group))?;
        let row_key = s.keys.consumer(group, consumer);
        if self.store.get_member(cf::STREAM, &row_key)?.is_none() {
            return Ok(None);
        }
        let ids = self.consumer_pending_ids(&s, group, consumer, StreamId::MIN, 0)?;
        let mut batch = self.store.batch();
        for &id in &ids {
            batch.delete_row(cf::STREAM, &s.keys.pending_entry(group, id));
            batch.delete_row(cf::STREAM, &s.keys.consumer_pending_entry(group, consumer, id));
        }
        g.row.pending = g.row.pending.saturating_sub(ids.len() as u64);
        g.row.consumers = g.row.consumers.saturating_sub(1);
        self.close_group(&s, &g, &mut batch);
        batch.delete_row(cf::STREAM, &row_key);
        self.close_stream(key, &mut s, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(Some(ids.len() as u64))
    }

    /// XREADGROUP (without blocking): every stream and group must exist, or nothing is
    /// served. Returns, per stream that has something to report, what was delivered: a
    /// history read (an ID) always reports its stream, a `>` read only if it delivered.
    pub fn xreadgroup(&self, read: &GroupRead, streams: &[(&[u8], ReadFrom)]) -> Result<Vec<Served>> {
        let keys: Vec<&[u8]> = streams.iter().map(|(k, _)| *k).collect();
        let lock = self.lock(&keys)?;
        // One state per distinct key: a key named twice is served twice from one state,
        // so its second `>` read sees what the first delivered.
        let mut opened: Vec<(&[u8], Stream, GroupWrite, bool)> = Vec::with_capacity(streams.len());
        for (key, _) in streams {
            if opened.iter().any(|o| o.0 == *key) {
                continue;
            }
            let s = self.open_stream(key, false)?;
            let g = match &s {
                Some(s) => self.open_group(s, read.group)?,
                None => None,
            };
            match (s, g) {
                (Some(s), Some(g)) => opened.push((*key, s, g, false)),
                _ => return Err(StreamError::NoGroupToRead { key: key.to_vec(), group: read.group.to_vec() }.into()),
            }
        }
        let mut batch = self.store.batch();
        let mut out = Vec::new();
        for (key, from) in streams {
            let Some((_, s, g, touched)) = opened.iter_mut().find(|o| o.0 == *key) else { continue };
            let consumers = g.row.consumers;
            let delivered = match from {
                ReadFrom::New => self.deliver_new(s, g, read, &mut batch)?,
                ReadFrom::After(id) => self.deliver_history(s, g, read, *id, &mut batch)?,
            };
            // As in Redis, a `>` read that finds nothing does not even create the consumer.
            if *from == ReadFrom::New && delivered.is_empty() {
                continue;
            }
            self.consumer(s, g, read.consumer)?.seen = self.now;
            *touched = true;
            out.push(Served { key: key.to_vec(), entries: delivered, new_consumer: g.row.consumers > consumers });
        }
        for (key, s, g, touched) in &mut opened {
            if *touched {
                self.close_group(s, g, &mut batch);
                self.close_stream(key, s, &mut batch)?;
            }
        }
        self.write(&lock, batch)?;
        Ok(out)
    }

    /// `>`: the entries after the group's last delivered ID, which moves past them.
    fn deliver_new(&self, s: &Stream, g: &mut GroupWrite, read: &GroupRead, batch: &mut Batch) -> Result<Vec<Delivered>> {
        let Some(from) = g.row.last_id.next() else { return Ok(Vec::new()) };
        let mut entries = Vec::new();
        self.each_entry(s, from, StreamId::MAX, false, |id, v| {
            entries.push(entry_of(id, v));
            read.count == 0 || (entries.len() as u64) < read.count
        })?;
        for e in &entries {
            // Redis's counter arithmetic, as in `streamReplyWithRange`.
            if g.row.entries_read != UNKNOWN && !has_tombstones_after(&s.state, s.len, e.id) {
                g.row.entries_read += 1;
            } else if s.state.entries_added > 0 {
                g.row.entries_read = estimate_entries_read(&s.state, s.len, e.id);
            }
            g.row.last_id = e.id;
            if !read.noack {
                let old = self.pending_row_of(s, g, e.id)?;
                let row = PendingRow { delivered: self.now, deliveries: 1, consumer: read.consumer.to_vec() };
                self.put_pending(s, g, e.id, old.as_ref(), row, batch)?;
            }
        }
        if !entries.is_empty() {
            self.consumer(s, g, read.consumer)?.active = self.now;
        }
        Ok(entries.into_iter().map(|e| (e.id, Some(e.fields))).collect())
    }

    /// An ID: the consumer's pending entries after it, each delivered once more.
    fn deliver_history(
        &self,
        s: &Stream,
        g: &mut GroupWrite,
        read: &GroupRead,
        after: StreamId,
        batch: &mut Batch,
    ) -> Result<Vec<Delivered>> {
        let Some(from) = after.next() else { return Ok(Vec::new()) };
        let mut ids = self.consumer_pending_ids(s, &g.name, read.consumer, from, if g.pel.is_empty() { read.count } else { 0 })?;
        if !g.pel.is_empty() {
            // What this command delivered or acknowledged before decides for those IDs.
            ids.retain(|id| !g.pel.contains_key(id));
            let mine = g.pel.range(from..).filter(|(_, row)| row.as_ref().is_some_and(|r| r.consumer == read.consumer));
            ids.extend(mine.map(|(id, _)| *id));
            ids.sort_unstable();
            if read.count > 0 {
                ids.truncate(read.count as usize);
            }
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let fields = self.entry(s, id)?;
            if fields.is_some() {
                if let Some(mut row) = self.pending_row_of(s, g, id)? {
                    row.delivered = self.now;
                    row.deliveries += 1;
                    batch.put_row(cf::STREAM, &s.keys.pending_entry(&g.name, id), &row.encode());
                    g.pel.insert(id, Some(row));
                }
            }
            out.push((id, fields));
        }
        Ok(out)
    }

    /// XACK: how many of the IDs were pending (a missing key or group acknowledges none).
    pub fn xack(&self, key: &[u8], group: &[u8], ids: &[StreamId]) -> Result<u64> {
        let lock = self.lock(&[key])?;
        let Some(mut s) = self.open_stream(key, false)? else { return Ok(0) };
        let Some(mut g) = self.open_group(&s, group)? else { return Ok(0) };
        let mut batch = self.store.batch();
        let mut acked: HashSet<StreamId> = HashSet::with_capacity(ids.len());
        for &id in ids {
            if acked.contains(&id) {
                continue;
            }
            if let Some(row) = self.pending_row(&s, group, id)? {
                self.drop_pending(&s, &mut g, id, &row, &mut batch)?;
                acked.insert(id);
            }
        }
        if acked.is_empty() {
            return Ok(0);
        }
        self.close_group(&s, &g, &mut batch);
        self.close_stream(key, &mut s, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(acked.len() as u64)
    }

    /// The stream and group a read-only group command works on, or NOGROUP.
    fn read_group(&self, key: &[u8], group: &[u8]) -> Result<(Stream, GroupRow)> {
        let no_group = || StreamError::NoGroup { key: key.to_vec(), group: group.to_vec() };
        let s = self.read_stream(key)?.ok_or_else(no_group)?;
        let g = self.group_row(&s, group)?.ok_or_else(no_group)?;
        Ok((s, g))
    }

    /// XPENDING key group.
    pub fn xpending_summary(&self, key: &[u8], group: &[u8]) -> Result<PendingSummary> {
        let (s, g) = self.read_group(key, group)?;
        let mut summary = PendingSummary { count: g.pending, bounds: None, consumers: Vec::new() };
        if g.pending == 0 {
            return Ok(summary);
        }
        let prefix = s.keys.pending(group);
        let mut ends = [StreamId::MIN; 2];
        for (i, reverse) in [false, true].into_iter().enumerate() {
            self.store.scan_rows(cf::STREAM, &prefix, None, reverse, |k, _| {
                ends[i] = StreamId::from_bytes(&k[prefix.len()..]).unwrap_or_default();
                false
            })?;
        }
        summary.bounds = Some((ends[0], ends[1]));
        summary.consumers = self.consumers(&s, group)?.into_iter().filter(|c| c.pending > 0).map(|c| (c.name, c.pending)).collect();
        Ok(summary)
    }

    /// XPENDING key group [IDLE ms] start end count [consumer].
    pub fn xpending_range(&self, key: &[u8], group: &[u8], q: &PendingRange) -> Result<Vec<PendingItem>> {
        let (s, _) = self.read_group(key, group)?;
        let mut out = Vec::new();
        if q.count == 0 || q.from > q.to {
            return Ok(out);
        }
        let mut keep = |id: StreamId, row: PendingRow| {
            if id > q.to {
                return false;
            }
            let idle = self.now.saturating_sub(row.delivered);
            if idle >= q.min_idle {
                out.push(PendingItem { id, consumer: row.consumer, idle, deliveries: row.deliveries });
            }
            (out.len() as u64) < q.count
        };
        match q.consumer {
            None => self.each_pending(&s, group, q.from, keep)?,
            Some(consumer) => {
                // The consumer's index, then its rows: only its own entries are read.
                let mut ids = self.consumer_pending_ids(&s, group, consumer, q.from, 0)?;
                ids.retain(|id| *id <= q.to);
                for id in ids {
                    let Some(row) = self.pending_row(&s, group, id)? else { continue };
                    if !keep(id, row) {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }

    /// The stream and group XCLAIM and XAUTOCLAIM write, or NOGROUP.
    fn open_to_claim(&self, key: &[u8], group: &[u8]) -> Result<(Stream, GroupWrite)> {
        let no_group = || StreamError::NoGroup { key: key.to_vec(), group: group.to_vec() };
        let s = self.open_stream(key, false)?.ok_or_else(no_group)?;
        let g = self.open_group(&s, group)?.ok_or_else(no_group)?;
        Ok((s, g))
    }

    /// XCLAIM: the entries (or, with JUSTID, the IDs) now owned by `consumer`.
    pub fn xclaim(&self, key: &[u8], group: &[u8], consumer: &[u8], ids: &[StreamId], opt: &Claim) -> Result<Claimed> {
        let lock = self.lock(&[key])?;
        let (mut s, mut g) = self.open_to_claim(key, group)?;
        let consumers = g.row.consumers;
        let mut batch = self.store.batch();
        if let Some(last) = opt.last_id.filter(|l| *l > g.row.last_id) {
            g.row.last_id = last;
        }
        self.consumer(&s, &mut g, consumer)?.seen = self.now;
        let mut out = Vec::new();
        for &id in ids {
            let old = self.pending_row(&s, group, id)?;
            let Some(fields) = self.entry(&s, id)? else {
                // Deleted from the stream: it leaves the PEL too.
                if let Some(old) = old {
                    self.drop_pending(&s, &mut g, id, &old, &mut batch)?;
                }
                continue;
            };
            let (old, deliveries) = match old {
                Some(old) if self.now.saturating_sub(old.delivered) < opt.min_idle => continue,
                Some(old) => {
                    let d = old.deliveries;
                    (Some(old), d)
                }
                None if opt.force => (None, 1),
                None => continue,
            };
            let deliveries = match opt.retry {
                Some(n) => n,
                None if opt.justid => deliveries,
                None => deliveries + 1,
            };
            let row = PendingRow { delivered: opt.delivered, deliveries, consumer: consumer.to_vec() };
            self.put_pending(&s, &mut g, id, old.as_ref(), row, &mut batch)?;
            out.push((id, (!opt.justid).then_some(fields)));
        }
        if !out.is_empty() {
            self.consumer(&s, &mut g, consumer)?.active = self.now;
        }
        self.close_group(&s, &g, &mut batch);
        self.close_stream(key, &mut s, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(Claimed { entries: out, new_consumer: g.row.consumers > consumers })
    }

    /// XAUTOCLAIM: claims up to `count` entries idle for at least `min_idle`, scanning at
    /// most ten times `count` pending entries from `start`.
    pub fn xautoclaim(
        &self,
        key: &[u8],
        group: &[u8],
        consumer: &[u8],
        min_idle: u64,
        start: StreamId,
        count: u64,
        justid: bool,
    ) -> Result<AutoClaim> {
        let lock = self.lock(&[key])?;
        let (mut s, mut g) = self.open_to_claim(key, group)?;
        let consumers = g.row.consumers;
        let attempts = count.saturating_mul(10);
        // One more than may be examined: the first one left over is the next cursor.
        let mut scanned: Vec<(StreamId, PendingRow)> = Vec::new();
        self.each_pending(&s, group, start, |id, row| {
            scanned.push((id, row));
            (scanned.len() as u64) <= attempts
        })?;
        self.consumer(&s, &mut g, consumer)?.seen = self.now;
        let mut batch = self.store.batch();
        let mut result = AutoClaim { next: StreamId::MIN, claimed: Vec::new(), deleted: Vec::new(), new_consumer: false };
        let (mut left, mut examined) = (count, 0);
        for (id, old) in &scanned {
            if left == 0 || examined == attempts {
                break;
            }
            examined += 1;
            let Some(fields) = self.entry(&s, *id)? else {
                self.drop_pending(&s, &mut g, *id, old, &mut batch)?;
                result.deleted.push(*id);
                left -= 1;
                continue;
            };
            if self.now.saturating_sub(old.delivered) < min_idle {
                continue;
            }
            let deliveries = if justid { old.deliveries } else { old.deliveries + 1 };
            let row = PendingRow { delivered: self.now, deliveries, consumer: consumer.to_vec() };
            self.put_pending(&s, &mut g, *id, Some(old), row, &mut batch)?;
            result.claimed.push((*id, (!justid).then_some(fields)));
            left -= 1;
        }
        if let Some((next, _)) = scanned.get(examined as usize) {
            result.next = *next;
        }
        if !result.claimed.is_empty() {
            self.consumer(&s, &mut g, consumer)?.active = self.now;
        }
        result.new_consumer = g.row.consumers > consumers;
        self.close_group(&s, &g, &mut batch);
        self.close_stream(key, &mut s, &mut batch)?;
        self.write(&lock, batch)?;
        Ok(result)
    }

    fn group_info(&self, s: &Stream, name: Vec<u8>, g: &GroupRow) -> GroupInfo {
        GroupInfo {
            name,
            consumers: g.consumers,
            pending: g.pending,
            last_id: g.last_id,
            entries_read: (g.entries_read != UNKNOWN).then_some(g.entries_read),
            lag: lag(&s.state, s.len, g),
        }
    }

    pub(crate) fn groups(&self, s: &Stream) -> Result<Vec<(Vec<u8>, GroupRow)>> {
        let prefix = s.keys.groups();
        let mut out = Vec::new();
        self.store.scan_rows(cf::STREAM, &prefix, None, false, |k, v| {
            if let Some(row) = GroupRow::decode(v) {
                out.push((k[prefix.len()..].to_vec(), row));
            }
            true
        })?;
        Ok(out)
    }

    fn consumers(&self, s: &Stream, group: &[u8]) -> Result<Vec<ConsumerInfo>> {
        let prefix = s.keys.consumers(group);
        let mut out = Vec::new();
        self.store.scan_rows(cf::STREAM, &prefix, None, false, |k, v| {
            if let Some(c) = ConsumerRow::decode(v) {
                out.push(ConsumerInfo { name: k[prefix.len()..].to_vec(), pending: c.pending, seen: c.seen, active: c.active });
            }
            true
        })?;
        Ok(out)
    }

    /// XINFO GROUPS; `None` if the key is missing.
    pub fn xinfo_groups(&self, key: &[u8]) -> Result<Option<Vec<GroupInfo>>> {
        let Some(s) = self.read_stream(key)? else { return Ok(None) };
        let groups = self.groups(&s)?;
        Ok(Some(groups.into_iter().map(|(name, g)| self.group_info(&s, name, &g)).collect()))
    }

    /// XINFO CONSUMERS; `None` if the key is missing.
    pub fn xinfo_consumers(&self, key: &[u8], group: &[u8]) -> Result<Option<Vec<ConsumerInfo>>> {
        let Some(s) = self.read_stream(key)? else { return Ok(None) };
        if self.group_row(&s, group)?.is_none() {
            return Err(Self::no_group_for_key(key, group).into());
        }
        Ok(Some(self.consumers(&s, group)?))
    }

    /// The groups of XINFO STREAM FULL, each with up to `count` (0 = all) pending entries
    /// in all and per consumer.
    pub(crate) fn groups_full(&self, s: &Stream, count: u64) -> Result<Vec<GroupFull>> {
        let mut out = Vec::new();
        for (name, g) in self.groups(s)? {
            let mut pel = Vec::new();
            self.each_pending(s, &name, StreamId::MIN, |id, row| {
                pel.push((id, row));
                count == 0 || (pel.len() as u64) < count
            })?;
            let mut consumers = Vec::new();
            for c in self.consumers(s, &name)? {
                let mut pending = Vec::new();
                for id in self.consumer_pending_ids(s, &name, &c.name, StreamId::MIN, count)? {
                    if let Some(row) = self.pending_row(s, &name, id)? {
                        pending.push((id, row));
                    }
                }
                consumers.push((c, pending));
            }
            out.push(GroupFull { info: self.group_info(s, name, &g), pel, consumers });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::tests::temp_store;
    use super::super::NewId;
    use super::*;

    fn id(ms: u64) -> StreamId {
        StreamId::new(ms, 0)
    }

    #[test]
    fn pending_counts_follow_reads_claims_and_acks() {
        let (_d, store) = temp_store();
        let db = Db::new(&store, 0, 10_000);
        for ms in 1..=3 {
            db.xadd(b"s", NewId::Exact(id(ms)), &[(&b"n"[..], &b"v"[..])], false, None).unwrap();
        }
        db.xgroup_create(b"s", b"g", Some(StreamId::MIN), false, -1).unwrap();
        let alice = GroupRead { group: b"g", consumer: b"alice", count: 2, noack: false };
        let got = db.xreadgroup(&alice, &[(&b"s"[..], ReadFrom::New)]).unwrap();
        assert_eq!(got[0].entries.iter().map(|d| d.0).collect::<Vec<_>>(), vec![id(1), id(2)]);
        assert!(got[0].new_consumer);
        let later = Db::new(&store, 0, 20_000);
        let claim = Claim { min_idle: 5_000, delivered: 20_000, retry: None, force: false, justid: false, last_id: None };
        let claimed = later.xclaim(b"s", b"g", b"bob", &[id(2), id(3)], &claim).unwrap();
        assert_eq!(claimed.entries.len(), 1, "3 was never delivered and FORCE is off");
        assert!(claimed.new_consumer);
        let summary = later.xpending_summary(b"s", b"g").unwrap();
        assert_eq!(summary.count, 2);
        assert_eq!(summary.consumers, vec![(b"alice".to_vec(), 1), (b"bob".to_vec(), 1)]);
        assert_eq!(later.xack(b"s", b"g", &[id(1), id(1), id(2), id(3)]).unwrap(), 2);
        let summary = later.xpending_summary(b"s", b"g").unwrap();
        assert_eq!((summary.count, summary.consumers.len()), (0, 0));
        let info = later.xinfo_groups(b"s").unwrap().unwrap();
        assert_eq!((info[0].entries_read, info[0].lag, info[0].consumers), (Some(2), Some(1), 2));
    }

    #[test]
    fn lag_follows_redis_arithmetic() {
        let st = StreamState { last_id: id(5), max_deleted: StreamId::MIN, entries_added: 5, first_id: id(1), groups: 1 };
        let g = GroupRow { last_id: StreamId::MIN, entries_read: UNKNOWN, pending: 0, consumers: 0 };
        assert_eq!(lag(&st, 5, &g), Some(5));
        let g = GroupRow { last_id: id(3), entries_read: UNKNOWN, ..g };
        assert_eq!(lag(&st, 5, &g), None, "an ID inside the stream has no known counter");
        let tomb = StreamState { max_deleted: id(4), ..st };
        let g = GroupRow { entries_read: 3, ..g };
        assert_eq!(lag(&st, 5, &g), Some(2));
        assert_eq!(lag(&tomb, 4, &g), None, "a deleted entry ahead makes the lag unknown");
    }
}
