//! List commands. The blocking forms (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) try
//! once and, finding nothing, ask the server to run them again when one of their keys
//! is written ([`Ctx::block`]).

use super::args::{is, timeout};
use super::flag::*;
use super::pubsub::event;
use super::{cmd, keys_counted_at_1, keys_counted_at_2, Args, CmdError, Command, Ctx};
use crate::protocol::{Bulks, Reply};
use crate::types::list::End;
use crate::types::parse_i64;

const W: u32 = WRITE | DENYOOM;

pub const TABLE: &[Command] = &[
    cmd("lpush", -3, W | FAST, (1, 1, 1), "list", "Prepend elements to a list", lpush),
    cmd("rpush", -3, W | FAST, (1, 1, 1), "list", "Append elements to a list", rpush),
    cmd("lpushx", -3, W | FAST, (1, 1, 1), "list", "Prepend elements to an existing list", lpushx),
    cmd("rpushx", -3, W | FAST, (1, 1, 1), "list", "Append elements to an existing list", rpushx),
    cmd("lpop", -2, WRITE | FAST, (1, 1, 1), "list", "Remove and return the first elements", lpop),
    cmd("rpop", -2, WRITE | FAST, (1, 1, 1), "list", "Remove and return the last elements", rpop),
    cmd("llen", 2, READONLY | FAST, (1, 1, 1), "list", "Length of a list", llen),
    cmd("lrange", 4, READONLY, (1, 1, 1), "list", "A range of elements", lrange),
    cmd("lindex", 3, READONLY, (1, 1, 1), "list", "The element at an index", lindex),
    cmd("lset", 4, W, (1, 1, 1), "list", "Set the element at an index", lset),
    cmd("ltrim", 4, WRITE, (1, 1, 1), "list", "Keep only a range of elements", ltrim),
    cmd("lmove", 5, W, (1, 2, 1), "list", "Pop an element and push it onto another list", lmove),
    cmd("rpoplpush", 3, W, (1, 2, 1), "list", "Pop the last element and prepend it to another list", rpoplpush),
    cmd("linsert", 5, W, (1, 1, 1), "list", "Insert an element before or after another", linsert),
    cmd("lrem", 4, WRITE, (1, 1, 1), "list", "Remove occurrences of an element", lrem),
    cmd("lpos", -3, READONLY, (1, 1, 1), "list", "Positions of matching elements", lpos),
    cmd("lmpop", -4, WRITE, (0, 0, 0), "list", "Pop elements from the first non-empty list", lmpop).movable(keys_counted_at_1),
    cmd("blpop", -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1), "list", "Pop the first element of the first non-empty list, or wait", blpop),
    cmd("brpop", -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1), "list", "Pop the last element of the first non-empty list, or wait", brpop),
    cmd("blmove", 6, W | NOSCRIPT | BLOCKING, (1, 2, 1), "list", "LMOVE, waiting for an element", blmove),
    cmd("brpoplpush", 4, W | NOSCRIPT | BLOCKING, (1, 2, 1), "list", "RPOPLPUSH, waiting for an element", brpoplpush),
    cmd("blmpop", -5, WRITE | NOSCRIPT | BLOCKING, (0, 0, 0), "list", "LMPOP, waiting for an element", blmpop).movable(keys_counted_at_2),
];

/// Owned copies of keys, for a wait that outlives the arguments.
pub(super) fn owned(keys: &[&[u8]]) -> Vec<Vec<u8>> {
    keys.iter().map(|k| k.to_vec()).collect()
}

fn elements(items: Vec<Vec<u8>>) -> Reply {
    Reply::Array(items.into_iter().map(Reply::Bulk).collect())
}

/// LEFT or RIGHT, as LMOVE and LMPOP spell the ends.
fn parse_end(arg: &[u8]) -> Result<End, CmdError> {
    if is(arg, "LEFT") {
        Ok(End::Left)
    } else if is(arg, "RIGHT") {
        Ok(End::Right)
    } else {
        Err(CmdError::Syntax)
    }
}

fn push(ctx: &mut Ctx, args: &mut Args, end: End, only_existing: bool) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let items = args.rest_slices();
    let len = ctx.db().push(key, &items, end, only_existing)?;
    if len > 0 {
        ctx.notify(event::LIST, push_event(end), key);
    }
    Ok(Reply::Int(len as i64))
}

fn lpush(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    push(ctx, args, End::Left, false)
}

fn rpush(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    push(ctx, args, End::Right, false)
}

fn lpushx(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    push(ctx, args, End::Left, true)
}

fn rpushx(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    push(ctx, args, End::Right, true)
}

/// LPOP / RPOP key [count], in Redis 7's order: the arity, the count, then the key.
/// Without a count the reply is one element or nil; with one it is an array, nil
/// (`*-1` in RESP2) for a missing key, and empty for a count of 0.
fn pop(ctx: &mut Ctx, args: &mut Args, end: End) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    // As Redis: the arity before the count.
    if args.remaining() > 1 {
        return Err(CmdError::WrongArgs(ctx_name(end).into()));
    }
    let count = match args.try_next() {
        None => None,
        Some(c) => match parse_i64(c) {
            Some(n) if n >= 0 => Some(n as u64),
            _ => return Err(CmdError::err("value is out of range, must be positive")),
        },
    };
    let popped = ctx.db().pop(key, end, count)?;
    ctx.notify_removed(event::LIST, ctx_name(end), key, popped.as_ref().is_some_and(|p| !p.is_empty()));
    Ok(match (count, popped) {
        (None, p) => Reply::opt(p.and_then(|v| v.into_iter().next())),
        (Some(_), None) => Reply::NilArray,
        (Some(_), Some(v)) => elements(v),
    })
}

/// The keyspace event of a push at `end`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Left => "lpush",
        End::Right => "rpush",
    }
}

fn ctx_name(end: End) -> &'static str {
    match end {
        End::Left => "lpop",
        End::Right => "rpop",
    }
}

fn lpop(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    pop(ctx, args, End::Left)
}

fn rpop(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    pop(ctx, args, End::Right)
}

fn llen(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    Ok(Reply::Int(ctx.db().llen(key)? as i64))
}

/// LRANGE key start stop: the indexes are checked before the key.
fn lrange(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let (start, stop) = (args.next_i64()?, args.next_i64()?);
    let mut reply = Bulks::default();
    ctx.db().lrange(key, start, stop, |v| reply.push(v))?;
    Ok(Reply::Bulks(reply))
}

/// LINDEX key index: as in Redis, a missing key answers nil before the index is parsed.
fn lindex(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let index = args.next_bytes()?;
    let db = ctx.db();
    if db.live_of(key, crate::storage::Kind::List)?.is_none() {
        return Ok(Reply::Nil);
    }
    let index = parse_i64(index).ok_or(CmdError::NotInteger)?;
    Ok(Reply::opt(db.lindex(key, index)?))
}

/// LSET key index element: the key is checked (`ERR no such key`) before the index.
fn lset(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, index, element) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let db = ctx.db();
    if db.live_of(key, crate::storage::Kind::List)?.is_none() {
        return Err(crate::types::Error::NoSuchKey.into());
    }
    let index = parse_i64(index).ok_or(CmdError::NotInteger)?;
    if db.lset(key, index, element)? {
        ctx.notify(event::LIST, "lset", key);
        Ok(Reply::Ok)
    } else {
        Err(CmdError::err("index out of range"))
    }
}

fn ltrim(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let (start, stop) = (args.next_i64()?, args.next_i64()?);
    let existed = ctx.exists_for_events(key)?;
    ctx.db().ltrim(key, start, stop)?;
    ctx.notify_removed(event::LIST, "ltrim", key, existed);
    Ok(Reply::Ok)
}

fn lmove(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (src, dst) = (args.next_bytes()?, args.next_bytes()?);
    let (from, to) = (parse_end(args.next_bytes()?)?, parse_end(args.next_bytes()?)?);
    move_element(ctx, src, dst, from, to)
}

/// LMOVE and RPOPLPUSH, with Redis's events: the push on `dst`, then the pop on `src`.
fn move_element(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End) -> Result<Reply, CmdError> {
    let moved = ctx.db().lmove(src, dst, from, to)?;
    if moved.is_some() {
        ctx.notify(event::LIST, push_event(to), dst);
        ctx.notify_removed(event::LIST, ctx_name(from), src, true);
    }
    Ok(Reply::opt(moved))
}

fn rpoplpush(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (src, dst) = (args.next_bytes()?, args.next_bytes()?);
    move_element(ctx, src, dst, End::Right, End::Left)
}

/// BLPOP / BRPOP key [key ...] timeout: `[key, element]` from the first non-empty list,
/// or a nil array when the timeout passes.
fn bpop(ctx: &mut Ctx, args: &mut Args, end: End) -> Result<Reply, CmdError> {
    let mut keys = args.rest_slices();
    let deadline = timeout(keys.pop().ok_or(CmdError::Syntax)?, true)?;
    Ok(match ctx.db().mpop(&keys, end, 1)? {
        Some((key, items)) => {
            ctx.notify_removed(event::LIST, ctx_name(end), &key, true);
            Reply::Array(vec![Reply::Bulk(key), Reply::opt(items.into_iter().next())])
        }
        None => ctx.block(owned(&keys), deadline, Reply::NilArray),
    })
}

fn blpop(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    bpop(ctx, args, End::Left)
}

fn brpop(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    bpop(ctx, args, End::Right)
}

/// BLMOVE / BRPOPLPUSH: LMOVE once `src` has an element. As in Redis, a timeout answers
/// a nil array, and where the command may not wait (MULTI) a nil bulk.
fn bmove(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End, deadline: Option<std::time::Instant>) -> Result<Reply, CmdError> {
    Ok(match move_element(ctx, src, dst, from, to)? {
        Reply::Nil if ctx.may_block() => ctx.block(vec![src.to_vec()], deadline, Reply::NilArray),
        reply => reply,
    })
}

/// BLMOVE src dst LEFT|RIGHT LEFT|RIGHT timeout: the ends are checked before the timeout.
fn blmove(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (src, dst) = (args.next_bytes()?, args.next_bytes()?);
    let (from, to) = (parse_end(args.next_bytes()?)?, parse_end(args.next_bytes()?)?);
    let deadline = timeout(args.next_bytes()?, true)?;
    bmove(ctx, src, dst, from, to, deadline)
}

fn brpoplpush(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (src, dst) = (args.next_bytes()?, args.next_bytes()?);
    let deadline = timeout(args.next_bytes()?, true)?;
    bmove(ctx, src, dst, End::Right, End::Left, deadline)
}

/// LINSERT key BEFORE|AFTER pivot element: the position word is checked first.
fn linsert(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let place = args.next_bytes()?;
    let after = if is(place, "AFTER") {
        true
    } else if is(place, "BEFORE") {
        false
    } else {
        return Err(CmdError::Syntax);
    };
    let (pivot, element) = (args.next_bytes()?, args.next_bytes()?);
    let len = ctx.db().linsert(key, after, pivot, element)?;
    if len > 0 {
        ctx.notify(event::LIST, "linsert", key);
    }
    Ok(Reply::Int(len))
}

/// LREM key count element: the count is checked before the key.
fn lrem(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let count = args.next_i64()?;
    let element = args.next_bytes()?;
    let removed = ctx.db().lrem(key, count, element)?;
    ctx.notify_removed(event::LIST, "lrem", key, removed > 0);
    Ok(Reply::Int(removed))
}

/// A count that must not be negative; Redis answers `message` also for a non-number.
fn non_negative(arg: &[u8], message: &str) -> Result<u64, CmdError> {
    parse_i64(arg).and_then(|n| u64::try_from(n).ok()).ok_or_else(|| CmdError::err(message))
}

/// LPOS key element [RANK rank] [COUNT num] [MAXLEN len], with Redis's errors, all
/// checked before the key. Without COUNT the reply is one position or nil; with it, an
/// array (empty for a missing key).
fn lpos(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, element) = (args.next_bytes()?, args.next_bytes()?);
    let (mut rank, mut count, mut maxlen) = (1i64, None, 0u64);
    while let Some(opt) = args.try_next() {
        if args.is_empty() {
            return Err(CmdError::Syntax);
        }
        if is(opt, "RANK") {
            rank = args.next_i64()?;
            if rank == i64::MIN {
                return Err(CmdError::err("value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
            }
            if rank == 0 {
                return Err(CmdError::err(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                ));
            }
        } else if is(opt, "COUNT") {
            count = Some(non_negative(args.next_bytes()?, "COUNT can't be negative")?);
        } else if is(opt, "MAXLEN") {
            maxlen = non_negative(args.next_bytes()?, "MAXLEN can't be negative")?;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let found = ctx.db().lpos(key, element, rank, count.unwrap_or(1), maxlen)?;
    let found = found.unwrap_or_default();
    Ok(match count {
        Some(_) => Reply::Array(found.into_iter().map(|i| Reply::Int(i as i64)).collect()),
        None => found.first().map_or(Reply::Nil, |&i| Reply::Int(i as i64)),
    })
}

/// The arguments of LMPOP, BLMPOP, ZMPOP and BZMPOP after the timeout: `numkeys key
/// [key ...] END [COUNT count]` with the end read by `parse_end` (LEFT|RIGHT, MIN|MAX),
/// checked in Redis's order: numkeys, the end, the options.
pub(super) fn mpop_args<'a, E>(
    args: &mut Args<'a>,
    parse_end: fn(&[u8]) -> Result<E, CmdError>,
) -> Result<(Vec<&'a [u8]>, E, u64), CmdError> {
    let numkeys = match parse_i64(args.next_bytes()?) {
        Some(n) if n > 0 => n as usize,
        _ => return Err(CmdError::err("numkeys should be greater than 0")),
    };
    if numkeys >= args.remaining() {
        return Err(CmdError::Syntax);
    }
    let keys: Vec<&[u8]> = (0..numkeys).map(|_| args.next_bytes()).collect::<Result<_, _>>()?;
    let end = parse_end(args.next_bytes()?)?;
    let mut count = None;
    while let Some(opt) = args.try_next() {
        if count.is_none() && is(opt, "COUNT") && !args.is_empty() {
            count = match parse_i64(args.next_bytes()?) {
                Some(n) if n > 0 => Some(n as u64),
                _ => return Err(CmdError::err("count should be greater than 0")),
            };
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok((keys, end, count.unwrap_or(1)))
}

/// `[key, [elements]]` from the first non-empty list, if any.
fn mpop(ctx: &mut Ctx, keys: &[&[u8]], end: End, count: u64) -> Result<Option<Reply>, CmdError> {
    let Some((key, items)) = ctx.db().mpop(keys, end, count)? else { return Ok(None) };
    ctx.notify_removed(event::LIST, ctx_name(end), &key, true);
    Ok(Some(Reply::Array(vec![Reply::Bulk(key), elements(items)])))
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: `[key, [elements]]`, or nil
/// (`*-1` in RESP2) if every list is empty.
fn lmpop(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (keys, end, count) = mpop_args(args, parse_end)?;
    Ok(mpop(ctx, &keys, end, count)?.unwrap_or(Reply::NilArray))
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: the timeout is checked
/// after the other arguments, as in Redis.
fn blmpop(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let wait = args.next_bytes()?;
    let (keys, end, count) = mpop_args(args, parse_end)?;
    let deadline = timeout(wait, true)?;
    Ok(match mpop(ctx, &keys, end, count)? {
        Some(reply) => reply,
        None => ctx.block(owned(&keys), deadline, Reply::NilArray),
    })
}
