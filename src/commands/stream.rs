//! Stream commands: entries (XADD ... XSETID), reads (XREAD, XREADGROUP), consumer
//! groups (XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM) and XINFO. Arguments are checked
//! in Redis's order, so a malformed command gets the error Redis gives. Where Redis looks
//! the key (and group) up before it reads IDs and options, a command here parses first
//! and looks them up only when parsing fails ([`Db::xprobe`]), to answer as Redis would:
//! a command that parses reads nothing twice. A write publishes
//! Redis 7's keyspace events (class `t`) only when it changed something.

use super::args::{is, timeout};
use super::flag::*;
use super::keys::help_reply;
use super::pubsub::event;
use super::server::subcommand_syntax_error;
use super::{cmd, dispatch_sub, After, Args, CmdError, Command, Ctx};
use crate::protocol::{Bulks, Nested, Reply};
use crate::storage::PendingRow;
use crate::types::parse_i64;
use crate::types::stream::{
    Claim, ConsumerInfo, Delivered, Entry, Fields, GroupInfo, GroupRead, NewId, PendingRange, ReadFrom, StreamError, StreamId, Trim, TrimBy,
};
use bytes::Bytes;
use std::time::Instant;

const W: u32 = WRITE | DENYOOM;

pub const TABLE: &[Command] = &[
    cmd("xadd", -5, W | FAST, (1, 1, 1), "stream", "Append an entry to a stream", xadd),
    cmd("xlen", 2, READONLY | FAST, (1, 1, 1), "stream", "Number of entries in a stream", xlen),
    cmd("xrange", -4, READONLY, (1, 1, 1), "stream", "Entries in an ID range", xrange),
    cmd("xrevrange", -4, READONLY, (1, 1, 1), "stream", "Entries in an ID range, newest first", xrevrange),
    cmd("xdel", -3, WRITE | FAST, (1, 1, 1), "stream", "Delete entries", xdel),
    cmd("xtrim", -4, WRITE, (1, 1, 1), "stream", "Remove the oldest entries", xtrim),
    cmd("xsetid", -3, W | FAST, (1, 1, 1), "stream", "Set a stream's last ID and counters", xsetid),
    // The keys follow STREAMS, so the table cannot name them (Redis's movable keys).
    cmd("xread", -4, READONLY | BLOCKING, (0, 0, 0), "stream", "Read entries after IDs from streams", xread).movable(keys_after_streams),
    cmd("xreadgroup", -7, WRITE | BLOCKING, (0, 0, 0), "stream", "Read entries as a consumer of a group", xreadgroup)
        .movable(keys_after_streams),
    cmd("xgroup", -2, WRITE, (2, 2, 1), "stream", "Manage consumer groups", xgroup),
    cmd("xack", -4, WRITE | FAST, (1, 1, 1), "stream", "Acknowledge pending entries", xack),
    cmd("xpending", -3, READONLY, (1, 1, 1), "stream", "A group's pending entries", xpending),
    cmd("xclaim", -6, WRITE | FAST, (1, 1, 1), "stream", "Take over pending entries", xclaim),
    cmd("xautoclaim", -6, WRITE | FAST, (1, 1, 1), "stream", "Take over idle pending entries", xautoclaim),
    cmd("xinfo", -2, READONLY, (2, 2, 1), "stream", "Information about streams, groups and consumers", xinfo),
];

/// The keys of XREAD and XREADGROUP: the first half of what follows STREAMS, found as
/// Redis's `xreadGetKeys` finds it (skipping the options' arguments); none if the list is
/// malformed.
pub fn keys_after_streams(argv: &[Bytes]) -> Vec<usize> {
    let mut i = 1;
    while i < argv.len() {
        let arg = &argv[i][..];
        if is(arg, "BLOCK") || is(arg, "COUNT") {
            i += 2;
        } else if is(arg, "GROUP") {
            i += 3;
        } else if is(arg, "NOACK") {
            i += 1;
        } else if is(arg, "STREAMS") {
            let rest = argv.len() - i - 1;
            if rest == 0 || !rest.is_multiple_of(2) {
                return Vec::new();
            }
            return (i + 1..=i + rest / 2).collect();
        } else {
            break;
        }
    }
    Vec::new()
}

const INVALID_ID: &str = "ERR Invalid stream ID specified as stream command argument";

fn invalid_id() -> CmdError {
    CmdError::msg(INVALID_ID)
}

/// A u64 as Redis's `string2ull` reads it: a strict integer first (a negative one is
/// out of range), else what C's `strtoull` accepts of the whole text: leading white
/// space, a sign (`-` negates modulo 2^64), then digits up to the end.
fn parse_u64(s: &[u8]) -> Option<u64> {
    if let Some(n) = parse_i64(s) {
        return u64::try_from(n).ok();
    }
    let s = &s[s.iter().take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')).count()..];
    let (negative, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(if negative { n.wrapping_neg() } else { n })
}

/// `ms-seq` or `ms` (then `seq` is `missing_seq`); unless `strict`, also `-` and `+`.
/// Redis reads the argument as a C string, so it ends at a NUL byte.
fn parse_id(arg: &[u8], missing_seq: u64, strict: bool) -> Result<StreamId, CmdError> {
    let arg = arg.iter().position(|&c| c == 0).map_or(arg, |nul| &arg[..nul]);
    match arg {
        b"-" if !strict => return Ok(StreamId::MIN),
        b"+" if !strict => return Ok(StreamId::MAX),
        _ if arg.len() > 127 => return Err(invalid_id()),
        _ => {}
    }
    let (ms, seq) = match arg.iter().position(|&c| c == b'-') {
        Some(dash) => (parse_u64(&arg[..dash]), parse_u64(&arg[dash + 1..])),
        None => (parse_u64(arg), Some(missing_seq)),
    };
    match (ms, seq) {
        (Some(ms), Some(seq)) => Ok(StreamId::new(ms, seq)),
        _ => Err(invalid_id()),
    }
}

/// One end of an interval (XRANGE, XPENDING, XAUTOCLAIM): an ID, `-`, `+`, or an
/// exclusive `(ID`, turned into the inclusive bound next to it.
fn parse_bound(arg: &[u8], start: bool) -> Result<StreamId, CmdError> {
    let missing_seq = if start { 0 } else { u64::MAX };
    if arg.len() > 1 && arg[0] == b'(' {
        let id = parse_id(&arg[1..], missing_seq, true)?;
        let moved = if start { id.next() } else { id.prev() };
        return moved.ok_or_else(|| CmdError::err(format!("invalid {} ID for the interval", if start { "start" } else { "end" })));
    }
    parse_id(arg, missing_seq, false)
}

/// An ID as `ms-seq` text, built on the stack (itoa: replies hold many IDs, and
/// `format!` showed in profiles).
struct IdText {
    text: [u8; 41],
    len: usize,
}

impl IdText {
    fn new(id: StreamId) -> IdText {
        let (mut a, mut b) = (itoa::Buffer::new(), itoa::Buffer::new());
        let (ms, seq) = (a.format(id.ms).as_bytes(), b.format(id.seq).as_bytes());
        let mut text = [0u8; 41];
        text[..ms.len()].copy_from_slice(ms);
        text[ms.len()] = b'-';
        text[ms.len() + 1..ms.len() + 1 + seq.len()].copy_from_slice(seq);
        IdText { text, len: ms.len() + 1 + seq.len() }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.text[..self.len]
    }
}

fn id_reply(id: StreamId) -> Reply {
    Reply::bulk(IdText::new(id).as_bytes())
}

/// An entry's `[id, [field, value, ...]]`, added to `out` as one element.
fn push_entry(out: &mut Bulks, id: StreamId, fields: &Fields) {
    out.push_array(2, |e| {
        e.bulk(IdText::new(id).as_bytes());
        e.array(2 * fields.pairs().len(), |a| field_elements(a, fields));
    });
}

fn field_elements(out: &mut Nested, fields: &Fields) {
    for (f, v) in fields.pairs() {
        out.bulk(f);
        out.bulk(v);
    }
}

/// One entry: `[id, [field, value, ...]]`.
fn entry_reply(e: Entry) -> Reply {
    let mut out = Bulks::default();
    out.push(IdText::new(e.id).as_bytes());
    out.push_array(2 * e.fields.pairs().len(), |a| field_elements(a, &e.fields));
    Reply::Bulks(out)
}

/// Entries, encoded as they are added: one buffer for the reply, not a vector per field.
fn entries_reply(entries: Vec<Entry>) -> Reply {
    let mut out = Bulks::default();
    entries.iter().for_each(|e| push_entry(&mut out, e.id, &e.fields));
    Reply::Bulks(out)
}

/// A delivered entry: `[id, fields]`, with a nil array for an entry deleted meanwhile
/// (which RESP2 and RESP3 encode differently, so it is not a [`Bulks`]).
fn delivered_reply((id, fields): Delivered) -> Reply {
    match fields {
        Some(fields) => entry_reply(Entry { id, fields }),
        None => Reply::Array(vec![id_reply(id), Reply::NilArray]),
    }
}

/// XADD's and XTRIM's options, parsed as Redis's `streamParseAddOrTrimArgsOrReply` does.
struct AddOrTrim {
    trim: Option<Trim>,
    nomkstream: bool,
    /// XADD's ID argument, if the options ended at one.
    id: Option<NewId>,
}

fn parse_add_or_trim(args: &mut Args, xadd: bool) -> Result<AddOrTrim, CmdError> {
    let mut out = AddOrTrim { trim: None, nomkstream: false, id: None };
    let (mut by, mut approx, mut limit) = (None, false, None);
    while let Some(opt) = args.try_next() {
        let more = args.remaining();
        if xadd && opt == b"*" {
            out.id = Some(NewId::Auto);
            break;
        } else if (is(opt, "MAXLEN") || is(opt, "MINID")) && more > 0 {
            if by.is_some() {
                return Err(CmdError::err("syntax error, MAXLEN and MINID options at the same time are not compatible"));
            }
            approx = false;
            if more >= 2 && matches!(args.peek(), Some(b"~") | Some(b"=")) {
                approx = args.next_bytes()? == b"~";
            }
            let threshold = args.next_bytes()?;
            by = Some(if is(opt, "MAXLEN") {
                let n = parse_i64(threshold).ok_or(CmdError::NotInteger)?;
                if n < 0 {
                    return Err(CmdError::err("The MAXLEN argument must be >= 0."));
                }
                TrimBy::MaxLen(n as u64)
            } else {
                TrimBy::MinId(parse_id(threshold, 0, true)?)
            });
        } else if is(opt, "LIMIT") && more > 0 {
            let n = args.next_i64()?;
            if n < 0 {
                return Err(CmdError::err("The LIMIT argument must be >= 0."));
            }
            limit = Some(n as u64);
        } else if xadd && is(opt, "NOMKSTREAM") {
            out.nomkstream = true;
        } else if xadd {
            out.id = Some(parse_new_id(opt)?);
            break;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if limit.is_some_and(|n| n > 0) && by.is_none() {
        return Err(CmdError::err("syntax error, LIMIT cannot be used without specifying a trimming strategy"));
    }
    if !xadd && by.is_none() {
        return Err(CmdError::err("syntax error, XTRIM must be called with a trimming strategy"));
    }
    if limit.is_some() && !approx {
        return Err(CmdError::err("syntax error, LIMIT cannot be used without the special ~ option"));
    }
    // `~` without LIMIT trims at most 100 * stream-node-max-entries, as in Redis.
    let limit = if approx { limit.unwrap_or(10_000) } else { 0 };
    out.trim = by.map(|by| Trim { by, limit });
    Ok(out)
}

/// XADD's ID: `ms-seq`, `ms`, or `ms-*`.
fn parse_new_id(arg: &[u8]) -> Result<NewId, CmdError> {
    if let Some(ms) = arg.strip_suffix(b"-*") {
        return parse_u64(ms).map(NewId::Seq).ok_or_else(invalid_id);
    }
    parse_id(arg, 0, true).map(NewId::Exact)
}

/// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...
fn xadd(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let opts = parse_add_or_trim(args, true)?;
    let rest = args.rest();
    let Some(id) = opts.id.filter(|_| rest.len() >= 2 && rest.len().is_multiple_of(2)) else {
        return Err(CmdError::WrongArgs("xadd".into()));
    };
    let fields: Vec<(&[u8], &[u8])> = rest.chunks_exact(2).map(|p| (&p[0][..], &p[1][..])).collect();
    let Some(added) = ctx.db().xadd(key, id, &fields, opts.nomkstream, opts.trim)? else { return Ok(Reply::Nil) };
    ctx.notify(event::STREAM, "xadd", key);
    if added.trimmed > 0 {
        ctx.notify(event::STREAM, "xtrim", key);
    }
    Ok(id_reply(added.id))
}

fn xlen(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Int(ctx.db().xlen(args.next_bytes()?)? as i64))
}

/// XRANGE key start end [COUNT n] / XREVRANGE key end start [COUNT n].
fn range(ctx: &mut Ctx, args: &mut Args, reverse: bool) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let (a, b) = (args.next_bytes()?, args.next_bytes()?);
    let (start, end) = if reverse { (b, a) } else { (a, b) };
    let (from, to) = (parse_bound(start, true)?, parse_bound(end, false)?);
    let mut count = None;
    while let Some(opt) = args.try_next() {
        if is(opt, "COUNT") && !args.is_empty() {
            count = Some(args.next_i64()?.max(0) as u64);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    // COUNT 0 (or less) is a nil array in Redis, not an empty one; but the key is
    // looked up first.
    if count == Some(0) {
        let (exists, _) = ctx.db().xprobe(key, None)?;
        return Ok(if exists { Reply::NilArray } else { Reply::Array(Vec::new()) });
    }
    Ok(entries_reply(ctx.db().xrange(key, from, to, count.unwrap_or(0), reverse)?))
}

fn xrange(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    range(ctx, args, false)
}

fn xrevrange(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    range(ctx, args, true)
}

fn parse_ids(args: &mut Args) -> Result<Vec<StreamId>, CmdError> {
    args.rest().iter().map(|a| parse_id(a, 0, true)).collect()
}

fn xdel(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let ids = match parse_ids(args) {
        Ok(ids) => ids,
        // A missing key deletes nothing, whatever the IDs.
        Err(e) => return if ctx.db().xprobe(key, None)?.0 { Err(e) } else { Ok(Reply::Int(0)) },
    };
    let deleted = ctx.db().xdel(key, &ids)?;
    if deleted > 0 {
        ctx.notify(event::STREAM, "xdel", key);
    }
    Ok(Reply::Int(deleted as i64))
}

fn xtrim(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let opts = parse_add_or_trim(args, false)?;
    let trim = opts.trim.ok_or(CmdError::Syntax)?;
    let removed = ctx.db().xtrim(key, trim)?;
    if removed > 0 {
        ctx.notify(event::STREAM, "xtrim", key);
    }
    Ok(Reply::Int(removed as i64))
}

/// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id].
fn xsetid(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let id = parse_id(args.next_bytes()?, 0, true)?;
    let (mut entries_added, mut max_deleted) = (None, None);
    while let Some(opt) = args.try_next() {
        if is(opt, "ENTRIESADDED") && !args.is_empty() {
            let n = args.next_i64()?;
            if n < 0 {
                return Err(CmdError::err("entries_added must be positive"));
            }
            entries_added = Some(n as u64);
        } else if is(opt, "MAXDELETEDID") && !args.is_empty() {
            let m = parse_id(args.next_bytes()?, 0, true)?;
            if id < m {
                return Err(CmdError::err("The ID specified in XSETID is smaller than the provided max_deleted_entry_id"));
            }
            max_deleted = Some(m);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if !ctx.db().xsetid(key, id, entries_added, max_deleted)? {
        return Err(CmdError::Type(crate::types::Error::NoSuchKey));
    }
    ctx.notify(event::STREAM, "xsetid", key);
    Ok(Reply::Ok)
}

/// What XREAD and XREADGROUP share: the options and the STREAMS list, split in keys
/// and IDs.
struct ReadArgs<'a> {
    count: u64,
    /// BLOCK's deadline: `Some(None)` waits for ever.
    block: Option<Option<Instant>>,
    group: Option<(&'a [u8], &'a [u8])>,
    noack: bool,
    keys: Vec<&'a [u8]>,
    ids: Vec<&'a [u8]>,
}

fn parse_read<'a>(args: &mut Args<'a>, group_cmd: bool) -> Result<ReadArgs<'a>, CmdError> {
    let mut r = ReadArgs { count: 0, block: None, group: None, noack: false, keys: Vec::new(), ids: Vec::new() };
    let mut streams = None;
    while let Some(opt) = args.try_next() {
        let more = args.remaining();
        if is(opt, "BLOCK") && more > 0 {
            r.block = Some(timeout(args.next_bytes()?, false)?);
        } else if is(opt, "COUNT") && more > 0 {
            r.count = args.next_i64()?.max(0) as u64;
        } else if is(opt, "STREAMS") && more > 0 {
            streams = Some(args.rest());
            break;
        } else if is(opt, "GROUP") && more >= 2 {
            if !group_cmd {
                return Err(CmdError::err("The GROUP option is only supported by XREADGROUP. You called XREAD instead."));
            }
            r.group = Some((args.next_bytes()?, args.next_bytes()?));
        } else if is(opt, "NOACK") {
            if !group_cmd {
                return Err(CmdError::err("The NOACK option is only supported by XREADGROUP. You called XREAD instead."));
            }
            r.noack = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let Some(streams) = streams else { return Err(CmdError::Syntax) };
    if streams.len() % 2 != 0 {
        // Redis says XREAD for XREADGROUP too.
        return Err(CmdError::err("Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."));
    }
    if group_cmd && r.group.is_none() {
        return Err(CmdError::err("Missing GROUP option for XREADGROUP"));
    }
    let half = streams.len() / 2;
    r.keys = streams[..half].iter().map(|b| &b[..]).collect();
    r.ids = streams[half..].iter().map(|b| &b[..]).collect();
    Ok(r)
}

/// The reply of XREAD and XREADGROUP: per stream, `[key, entries]` (a map in RESP3), or
/// a nil array when no stream has anything.
fn streams_reply(ctx: &Ctx, per_stream: Vec<(Vec<u8>, Reply)>) -> Reply {
    if per_stream.is_empty() {
        return Reply::NilArray;
    }
    if ctx.session.resp >= 3 {
        return Reply::Map(per_stream.into_iter().map(|(k, r)| (Reply::Bulk(k), r)).collect());
    }
    Reply::Array(per_stream.into_iter().map(|(k, r)| Reply::Array(vec![Reply::Bulk(k), r])).collect())
}

/// What a read that found nothing answers: a nil array at once, or with BLOCK a wait for
/// a write to one of `keys` (where waiting is allowed), after which the command runs
/// again, as `rerun` if given.
fn nothing_to_read(ctx: &mut Ctx, block: Option<Option<Instant>>, keys: &[&[u8]], rerun: Option<Vec<Bytes>>) -> Reply {
    let Some(deadline) = block else { return Reply::NilArray };
    let reply = ctx.block(keys.iter().map(|k| k.to_vec()).collect(), deadline, Reply::NilArray);
    if let After::Block(b) = &mut ctx.after {
        b.rerun = rerun;
    }
    reply
}

/// XREAD [COUNT n] [BLOCK ms] STREAMS key ... id ...
fn xread(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let r = parse_read(args, false)?;
    let db = ctx.db();
    let mut after = Vec::with_capacity(r.ids.len());
    for (i, (key, id)) in r.keys.iter().zip(&r.ids).enumerate() {
        let parsed = match *id {
            b"$" => Ok(db.xlast_id(key)?),
            b">" => Err(CmdError::err("The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")),
            id => parse_id(id, 0, true),
        };
        match parsed {
            Ok(id) => after.push(id),
            Err(e) => {
                // Redis checks each key's type before it reads the key's ID.
                for key in &r.keys[..=i] {
                    db.xprobe(key, None)?;
                }
                return Err(e);
            }
        }
    }
    let mut out = Vec::new();
    for (key, after) in r.keys.iter().zip(&after) {
        let entries = db.xread(key, *after, r.count)?;
        if !entries.is_empty() {
            out.push((key.to_vec(), entries_reply(entries)));
        }
    }
    if out.is_empty() {
        // A wait must not see entries added meanwhile as new: `$` becomes the ID it stood
        // for now.
        let rerun = r.ids.contains(&&b"$"[..]).then(|| {
            let mut argv = args.argv().to_vec();
            let first = argv.len() - r.ids.len();
            for (i, id) in after.iter().enumerate() {
                argv[first + i] = Bytes::from(id.to_string());
            }
            argv
        });
        return Ok(nothing_to_read(ctx, r.block, &r.keys, rerun));
    }
    Ok(streams_reply(ctx, out))
}

/// XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key ... id ...
fn xreadgroup(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let r = parse_read(args, true)?;
    let Some((group, consumer)) = r.group else { return Err(CmdError::Syntax) };
    let mut streams = Vec::with_capacity(r.keys.len());
    for (i, (key, id)) in r.keys.iter().zip(&r.ids).enumerate() {
        let from = match *id {
            b">" => Ok(ReadFrom::New),
            b"$" => Err(CmdError::err(
                "The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by \
                 specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result \
                 set.",
            )),
            // Redis stands for `>` with the largest ID, so naming it reads new entries.
            id => parse_id(id, 0, true).map(|id| if id == StreamId::MAX { ReadFrom::New } else { ReadFrom::After(id) }),
        };
        match from {
            Ok(from) => streams.push((*key, from)),
            Err(e) => {
                // Redis checks each key's type and group before it reads the key's ID.
                for key in &r.keys[..=i] {
                    if !ctx.db().xprobe(key, Some(group))?.1 {
                        return Err(stream_error(StreamError::NoGroupToRead { key: key.to_vec(), group: group.to_vec() }));
                    }
                }
                return Err(e);
            }
        }
    }
    let read = GroupRead { group, consumer, count: r.count, noack: r.noack };
    let served = ctx.db().xreadgroup(&read, &streams)?;
    if served.is_empty() {
        return Ok(nothing_to_read(ctx, r.block, &r.keys, None));
    }
    for s in served.iter().filter(|s| s.new_consumer) {
        ctx.notify(event::STREAM, "xgroup-createconsumer", &s.key);
    }
    let out = served.into_iter().map(|s| (s.key, Reply::Array(s.entries.into_iter().map(delivered_reply).collect()))).collect();
    Ok(streams_reply(ctx, out))
}

/// XACK key group id ...
fn xack(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, group) = (args.next_bytes()?, args.next_bytes()?);
    let ids = match parse_ids(args) {
        Ok(ids) => ids,
        // A missing key or group acknowledges nothing, whatever the IDs.
        Err(e) => return if ctx.db().xprobe(key, Some(group))?.1 { Err(e) } else { Ok(Reply::Int(0)) },
    };
    Ok(Reply::Int(ctx.db().xack(key, group, &ids)? as i64))
}

/// XPENDING key group [[IDLE ms] start end count [consumer]].
fn xpending(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, group) = (args.next_bytes()?, args.next_bytes()?);
    let argc = args.len();
    if argc == 3 {
        let s = ctx.db().xpending_summary(key, group)?;
        let Some((min, max)) = s.bounds else {
            return Ok(Reply::Array(vec![Reply::Int(0), Reply::Nil, Reply::Nil, Reply::NilArray]));
        };
        let consumers = s
            .consumers
            .into_iter()
            .map(|(name, n)| Reply::Array(vec![Reply::Bulk(name), Reply::Bulk(n.to_string().into_bytes())]))
            .collect();
        return Ok(Reply::Array(vec![Reply::Int(s.count as i64), id_reply(min), id_reply(max), Reply::Array(consumers)]));
    }
    if !(6..=9).contains(&argc) {
        return Err(CmdError::Syntax);
    }
    let mut min_idle = 0;
    if args.peek().is_some_and(|a| is(a, "IDLE")) {
        args.next_bytes()?;
        min_idle = args.next_i64()?.max(0) as u64;
        if argc < 8 {
            return Err(CmdError::Syntax);
        }
    }
    let (start, end, count) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let count = parse_i64(count).ok_or(CmdError::NotInteger)?.max(0) as u64;
    let (from, to) = (parse_bound(start, true)?, parse_bound(end, false)?);
    let consumer = args.try_next();
    let q = PendingRange { from, to, count, consumer, min_idle };
    let items = ctx.db().xpending_range(key, group, &q)?;
    Ok(Reply::Array(
        items
            .into_iter()
            .map(|p| {
                Reply::Array(vec![id_reply(p.id), Reply::Bulk(p.consumer), Reply::Int(p.idle as i64), Reply::Int(p.deliveries as i64)])
            })
            .collect(),
    ))
}

fn stream_error(e: StreamError) -> CmdError {
    CmdError::Type(e.into())
}

/// A min-idle-time argument: negative counts as 0.
fn min_idle(arg: &[u8], command: &str) -> Result<u64, CmdError> {
    let n = parse_i64(arg).ok_or_else(|| CmdError::err(format!("Invalid min-idle-time argument for {command}")))?;
    Ok(n.max(0) as u64)
}

/// XCLAIM key group consumer min-idle-time id ... [IDLE ms] [TIME ms] [RETRYCOUNT n]
/// [FORCE] [JUSTID] [LASTID id]
fn xclaim(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, group, consumer) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let (ids, opt) = match parse_claim(args, ctx.now) {
        Ok(parsed) => parsed,
        // Redis looks the key and the group up before it reads the arguments.
        Err(e) if ctx.db().xprobe(key, Some(group))?.1 => return Err(e),
        Err(_) => return Err(stream_error(StreamError::NoGroup { key: key.to_vec(), group: group.to_vec() })),
    };
    let claimed = ctx.db().xclaim(key, group, consumer, &ids, &opt)?;
    notify_new_consumer(ctx, key, claimed.new_consumer);
    Ok(Reply::Array(claimed.entries.into_iter().map(|d| if opt.justid { id_reply(d.0) } else { delivered_reply(d) }).collect()))
}

/// XCLAIM's arguments after the consumer: the IDs and the options.
fn parse_claim(args: &mut Args, now: u64) -> Result<(Vec<StreamId>, Claim), CmdError> {
    let mut opt = Claim {
        min_idle: min_idle(args.next_bytes()?, "XCLAIM")?,
        delivered: now,
        retry: None,
        force: false,
        justid: false,
        last_id: None,
    };
    let mut ids = Vec::new();
    while let Some(id) = args.peek().and_then(|a| parse_id(a, 0, true).ok()) {
        ids.push(id);
        args.next_bytes()?;
    }
    let mut delivered: Option<i64> = None;
    while let Some(o) = args.try_next() {
        let more = !args.is_empty();
        let int = |args: &mut Args, what: &str| {
            parse_i64(args.next_bytes()?).ok_or_else(|| CmdError::err(format!("Invalid {what} option argument for XCLAIM")))
        };
        if is(o, "FORCE") {
            opt.force = true;
        } else if is(o, "JUSTID") {
            opt.justid = true;
        } else if is(o, "IDLE") && more {
            delivered = Some(now as i64 - int(args, "IDLE")?);
        } else if is(o, "TIME") && more {
            delivered = Some(int(args, "TIME")?);
        } else if is(o, "RETRYCOUNT") && more {
            // A negative count is ignored, as in Redis.
            opt.retry = u64::try_from(int(args, "RETRYCOUNT")?).ok();
        } else if is(o, "LASTID") && more {
            opt.last_id = Some(parse_id(args.next_bytes()?, 0, true)?);
        } else {
            return Err(CmdError::err(format!("Unrecognized XCLAIM option '{}'", String::from_utf8_lossy(o))));
        }
    }
    // A delivery time in the future (or before 1970) is now, as in Redis.
    opt.delivered = delivered.filter(|&t| t >= 0 && t <= now as i64).map_or(now, |t| t as u64);
    Ok((ids, opt))
}

/// A command that created a consumer (XGROUP CREATECONSUMER, or a claim on behalf of a
/// new one) announces it.
fn notify_new_consumer(ctx: &Ctx, key: &[u8], created: bool) {
    if created {
        ctx.notify(event::STREAM, "xgroup-createconsumer", key);
    }
}

/// XAUTOCLAIM key group consumer min-idle-time start [COUNT n] [JUSTID]
fn xautoclaim(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, group, consumer) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let idle = min_idle(args.next_bytes()?, "XAUTOCLAIM")?;
    let start = parse_bound(args.next_bytes()?, true)?;
    let (mut count, mut justid) = (100u64, false);
    while let Some(o) = args.try_next() {
        if is(o, "COUNT") && !args.is_empty() {
            let max = i64::MAX / 16;
            count =
                parse_i64(args.next_bytes()?).filter(|n| (1..=max).contains(n)).ok_or_else(|| CmdError::err("COUNT must be > 0"))? as u64;
        } else if is(o, "JUSTID") {
            justid = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let r = ctx.db().xautoclaim(key, group, consumer, idle, start, count, justid)?;
    notify_new_consumer(ctx, key, r.new_consumer);
    let claimed = r.claimed.into_iter().map(|d| if justid { id_reply(d.0) } else { delivered_reply(d) }).collect();
    let deleted = r.deleted.into_iter().map(id_reply).collect();
    Ok(Reply::Array(vec![id_reply(r.next), Reply::Array(claimed), Reply::Array(deleted)]))
}

const XGROUP_SUBS: &[Command] = &[
    cmd("create", -5, W, (2, 2, 1), "stream", "Create a consumer group", xgroup_create),
    cmd("setid", -5, WRITE, (2, 2, 1), "stream", "Set a group's last delivered ID", xgroup_setid),
    cmd("destroy", 4, WRITE, (2, 2, 1), "stream", "Destroy a consumer group", xgroup_destroy),
    cmd("createconsumer", 5, W, (2, 2, 1), "stream", "Create a consumer in a group", xgroup_createconsumer),
    cmd("delconsumer", 5, WRITE, (2, 2, 1), "stream", "Delete a consumer from a group", xgroup_delconsumer),
    cmd("help", 2, 0, (0, 0, 0), "stream", "Show help", xgroup_help),
];

fn xgroup(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    dispatch_sub(ctx, args, "xgroup", XGROUP_SUBS)
}

/// An ENTRIESREAD value: a count or -1 (unknown).
fn entries_read(arg: &[u8]) -> Result<i64, CmdError> {
    let n = parse_i64(arg).ok_or(CmdError::NotInteger)?;
    if n < -1 {
        return Err(CmdError::err("value for ENTRIESREAD must be positive or -1"));
    }
    Ok(n)
}

/// A group's start: `$` (`None`: the stream's last ID) or an ID.
fn group_start(arg: &[u8], strict: bool) -> Result<Option<StreamId>, CmdError> {
    if arg == b"$" {
        return Ok(None);
    }
    parse_id(arg, 0, strict).map(Some)
}

/// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n]
fn xgroup_create(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let sub = args.argv()[1].clone();
    let (key, group, id) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let (mut mkstream, mut read) = (false, -1);
    while let Some(o) = args.try_next() {
        if is(o, "MKSTREAM") {
            mkstream = true;
        } else if is(o, "ENTRIESREAD") && !args.is_empty() {
            read = entries_read(args.next_bytes()?)?;
        } else {
            return Err(subcommand_syntax_error(&sub, "XGROUP"));
        }
    }
    let id = match group_start(id, true) {
        Ok(id) => id,
        // Redis looks the key up (WRONGTYPE, or missing without MKSTREAM) before it
        // reads the ID.
        Err(_) if !ctx.db().xprobe(key, None)?.0 && !mkstream => return Err(stream_error(StreamError::KeyRequired)),
        Err(e) => return Err(e),
    };
    ctx.db().xgroup_create(key, group, id, mkstream, read)?;
    ctx.notify(event::STREAM, "xgroup-create", key);
    Ok(Reply::Ok)
}

/// XGROUP SETID key group id|$ [ENTRIESREAD n]
fn xgroup_setid(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let sub = args.argv()[1].clone();
    let (key, group, id) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let read = match (args.try_next(), args.try_next(), args.is_empty()) {
        (None, _, _) => -1,
        (Some(o), Some(n), true) if is(o, "ENTRIESREAD") => entries_read(n)?,
        _ => return Err(subcommand_syntax_error(&sub, "XGROUP")),
    };
    let id = match group_start(id, false) {
        Ok(id) => id,
        // Redis looks the key and the group up before it reads the ID.
        Err(e) => {
            return Err(match ctx.db().xprobe(key, Some(group))? {
                (false, _) => stream_error(StreamError::KeyRequired),
                (true, false) => stream_error(StreamError::NoGroupForKey { key: key.to_vec(), group: group.to_vec() }),
                (true, true) => e,
            })
        }
    };
    ctx.db().xgroup_setid(key, group, id, read)?;
    ctx.notify(event::STREAM, "xgroup-setid", key);
    Ok(Reply::Ok)
}

fn xgroup_destroy(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, group) = (args.next_bytes()?, args.next_bytes()?);
    let destroyed = ctx.db().xgroup_destroy(key, group)?;
    if destroyed {
        ctx.notify(event::STREAM, "xgroup-destroy", key);
    }
    Ok(Reply::Int(destroyed as i64))
}

fn xgroup_createconsumer(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, group, consumer) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let created = ctx.db().xgroup_createconsumer(key, group, consumer)?;
    notify_new_consumer(ctx, key, created);
    Ok(Reply::Int(created as i64))
}

fn xgroup_delconsumer(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, group, consumer) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let pending = ctx.db().xgroup_delconsumer(key, group, consumer)?;
    if pending.is_some() {
        ctx.notify(event::STREAM, "xgroup-delconsumer", key);
    }
    Ok(Reply::Int(pending.unwrap_or(0) as i64))
}

fn xgroup_help(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(help_reply(
        "XGROUP",
        &[
            "CREATE <key> <groupname> <id|$> [option]",
            "    Create a new consumer group. Options are:",
            "    * MKSTREAM",
            "      Create the empty stream if it does not exist.",
            "    * ENTRIESREAD entries_read",
            "      Set the group's entries_read counter (internal use).",
            "CREATECONSUMER <key> <groupname> <consumer>",
            "    Create a new consumer in the specified group.",
            "DELCONSUMER <key> <groupname> <consumer>",
            "    Remove the specified consumer.",
            "DESTROY <key> <groupname>",
            "    Remove the specified group.",
            "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
            "    Set the current group ID and entries_read counter.",
        ],
    ))
}

const XINFO_SUBS: &[Command] = &[
    cmd("stream", -3, READONLY, (2, 2, 1), "stream", "Information about a stream", xinfo_stream),
    cmd("groups", 3, READONLY, (2, 2, 1), "stream", "The consumer groups of a stream", xinfo_groups),
    cmd("consumers", 4, READONLY, (2, 2, 1), "stream", "The consumers of a group", xinfo_consumers),
    cmd("help", 2, 0, (0, 0, 0), "stream", "Show help", xinfo_help),
];

fn xinfo(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    dispatch_sub(ctx, args, "xinfo", XINFO_SUBS)
}

fn no_such_key() -> CmdError {
    CmdError::Type(crate::types::Error::NoSuchKey)
}

fn pair(name: &str, value: Reply) -> (Reply, Reply) {
    (Reply::from_str(name), value)
}

fn opt_int(n: Option<i64>) -> Reply {
    n.map_or(Reply::Nil, Reply::Int)
}

/// The fields XINFO STREAM and XINFO STREAM FULL share.
fn stream_header(len: u64, st: &crate::storage::StreamState) -> Vec<(Reply, Reply)> {
    // DiskDB has no radix tree: these are the numbers Redis shows for a stream of this
    // length in nodes of 100 entries.
    let nodes = len.div_ceil(100);
    vec![
        pair("length", Reply::Int(len as i64)),
        pair("radix-tree-keys", Reply::Int(nodes as i64)),
        pair("radix-tree-nodes", Reply::Int(nodes as i64 + 1)),
        pair("last-generated-id", id_reply(st.last_id)),
        pair("max-deleted-entry-id", id_reply(st.max_deleted)),
        pair("entries-added", Reply::Int(st.entries_added as i64)),
        pair("recorded-first-entry-id", id_reply(st.first_id)),
    ]
}

/// XINFO STREAM key [FULL [COUNT n]]
fn xinfo_stream(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let full = match parse_full(args) {
        Ok(full) => full,
        // Redis looks the key up before it reads the options.
        Err(_) if !ctx.db().xprobe(key, None)?.0 => return Err(no_such_key()),
        Err(e) => return Err(e),
    };
    let db = ctx.db();
    let Some(count) = full else {
        let info = db.xinfo_stream(key)?.ok_or_else(no_such_key)?;
        let mut m = stream_header(info.len, &info.state);
        m.push(pair("groups", Reply::Int(info.state.groups as i64)));
        m.push(pair("first-entry", info.first.map_or(Reply::Nil, entry_reply)));
        m.push(pair("last-entry", info.last.map_or(Reply::Nil, entry_reply)));
        return Ok(Reply::Map(m));
    };
    let info = db.xinfo_stream_full(key, count)?.ok_or_else(no_such_key)?;
    let mut m = stream_header(info.len, &info.state);
    m.push(pair("entries", entries_reply(info.entries)));
    let groups = info.groups.into_iter().map(|g| {
        let pel = g.pel.into_iter().map(|(id, p)| {
            Reply::Array(vec![id_reply(id), Reply::Bulk(p.consumer), Reply::Int(p.delivered as i64), Reply::Int(p.deliveries as i64)])
        });
        let consumers = g.consumers.into_iter().map(|(c, pending)| {
            let pending = pending.into_iter().map(|(id, p): (StreamId, PendingRow)| {
                Reply::Array(vec![id_reply(id), Reply::Int(p.delivered as i64), Reply::Int(p.deliveries as i64)])
            });
            Reply::Map(vec![
                pair("name", Reply::Bulk(c.name)),
                pair("seen-time", Reply::Int(c.seen as i64)),
                pair("active-time", Reply::Int(if c.active == 0 { -1 } else { c.active as i64 })),
                pair("pel-count", Reply::Int(c.pending as i64)),
                pair("pending", Reply::Array(pending.collect())),
            ])
        });
        Reply::Map(vec![
            pair("name", Reply::Bulk(g.info.name)),
            pair("last-delivered-id", id_reply(g.info.last_id)),
            pair("entries-read", opt_int(g.info.entries_read)),
            pair("lag", opt_int(g.info.lag)),
            pair("pel-count", Reply::Int(g.info.pending as i64)),
            pair("pending", Reply::Array(pel.collect())),
            pair("consumers", Reply::Array(consumers.collect())),
        ])
    });
    m.push(pair("groups", Reply::Array(groups.collect())));
    Ok(Reply::Map(m))
}

/// XINFO STREAM's options: `None` without FULL, else FULL's COUNT (0 = all).
fn parse_full(args: &mut Args) -> Result<Option<u64>, CmdError> {
    let sub = args.argv()[1].clone();
    let syntax = || subcommand_syntax_error(&sub, "XINFO");
    match args.try_next() {
        None => Ok(None),
        Some(o) if is(o, "FULL") => match (args.try_next(), args.try_next()) {
            (None, _) => Ok(Some(10)),
            (Some(c), Some(n)) if is(c, "COUNT") && args.is_empty() => {
                let n = parse_i64(n).ok_or(CmdError::NotInteger)?;
                Ok(Some(if n < 0 { 10 } else { n as u64 }))
            }
            _ => Err(syntax()),
        },
        Some(_) => Err(syntax()),
    }
}

fn group_info_reply(g: GroupInfo) -> Reply {
    Reply::Map(vec![
        pair("name", Reply::Bulk(g.name)),
        pair("consumers", Reply::Int(g.consumers as i64)),
        pair("pending", Reply::Int(g.pending as i64)),
        pair("last-delivered-id", id_reply(g.last_id)),
        pair("entries-read", opt_int(g.entries_read)),
        pair("lag", opt_int(g.lag)),
    ])
}

fn xinfo_groups(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let groups = ctx.db().xinfo_groups(args.next_bytes()?)?.ok_or_else(no_such_key)?;
    Ok(Reply::Array(groups.into_iter().map(group_info_reply).collect()))
}

fn consumer_info_reply(c: ConsumerInfo, now: u64) -> Reply {
    let inactive = if c.active == 0 { -1 } else { now.saturating_sub(c.active) as i64 };
    Reply::Map(vec![
        pair("name", Reply::Bulk(c.name)),
        pair("pending", Reply::Int(c.pending as i64)),
        pair("idle", Reply::Int(now.saturating_sub(c.seen) as i64)),
        pair("inactive", Reply::Int(inactive)),
    ])
}

fn xinfo_consumers(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, group) = (args.next_bytes()?, args.next_bytes()?);
    let consumers = ctx.db().xinfo_consumers(key, group)?.ok_or_else(no_such_key)?;
    let now = ctx.now;
    Ok(Reply::Array(consumers.into_iter().map(|c| consumer_info_reply(c, now)).collect()))
}

fn xinfo_help(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(help_reply(
        "XINFO",
        &[
            "CONSUMERS <key> <groupname>",
            "    Show consumers of <groupname>.",
            "GROUPS <key>",
            "    Show the stream consumer groups.",
            "STREAM <key> [FULL [COUNT <count>]",
            "    Show information about the stream.",
        ],
    ))
}
