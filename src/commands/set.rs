//! Set commands.

use super::args::is;
use super::flag::*;
use super::keys::{cursor_start, parse_cursor, random_u64, scan_options, scan_reply};
use super::pubsub::event;
use super::{cmd, keys_counted_at_1, Args, CmdError, Command, Ctx};
use crate::protocol::Reply;
use crate::storage::Kind;
use crate::types::parse_i64;
use crate::types::set::SetOp;

const W: u32 = WRITE | DENYOOM;

pub const TABLE: &[Command] = &[
    cmd("sadd", -3, W | FAST, (1, 1, 1), "set", "Add members to a set", sadd),
    cmd("srem", -3, WRITE | FAST, (1, 1, 1), "set", "Remove members from a set", srem),
    cmd("sismember", 3, READONLY | FAST, (1, 1, 1), "set", "Whether a member is in a set", sismember),
    cmd("smismember", -3, READONLY | FAST, (1, 1, 1), "set", "Whether each member is in a set", smismember),
    cmd("smembers", 2, READONLY, (1, 1, 1), "set", "Every member of a set", smembers),
    cmd("scard", 2, READONLY | FAST, (1, 1, 1), "set", "Number of members", scard),
    cmd("spop", -2, WRITE | FAST, (1, 1, 1), "set", "Remove and return random members", spop),
    cmd("srandmember", -2, READONLY, (1, 1, 1), "set", "Random members of a set", srandmember),
    cmd("smove", 4, WRITE | FAST, (1, 2, 1), "set", "Move a member from one set to another", smove),
    cmd("sinter", -2, READONLY, (1, -1, 1), "set", "Intersection of sets", sinter),
    cmd("sintercard", -3, READONLY, (0, 0, 0), "set", "Size of the intersection of sets", sintercard).movable(keys_counted_at_1),
    cmd("sinterstore", -3, W, (1, -1, 1), "set", "Store the intersection of sets", sinterstore).writes(super::first_key),
    cmd("sunion", -2, READONLY, (1, -1, 1), "set", "Union of sets", sunion),
    cmd("sunionstore", -3, W, (1, -1, 1), "set", "Store the union of sets", sunionstore).writes(super::first_key),
    cmd("sdiff", -2, READONLY, (1, -1, 1), "set", "Difference of sets", sdiff),
    cmd("sdiffstore", -3, W, (1, -1, 1), "set", "Store the difference of sets", sdiffstore).writes(super::first_key),
    cmd("sscan", -3, READONLY, (1, 1, 1), "set", "Iterate the members of a set", sscan),
];

fn members(items: Vec<Vec<u8>>) -> Reply {
    Reply::Set(items.into_iter().map(Reply::Bulk).collect())
}

fn sadd(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let members = args.rest_slices();
    let added = ctx.db().sadd(key, &members)?;
    if added > 0 {
        ctx.notify(event::SET, "sadd", key);
    }
    Ok(Reply::Int(added))
}

fn srem(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let members = args.rest_slices();
    let removed = ctx.db().srem(key, &members)?;
    ctx.notify_removed(event::SET, "srem", key, removed > 0);
    Ok(Reply::Int(removed))
}

fn sismember(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, member) = (args.next_bytes()?, args.next_bytes()?);
    Ok(Reply::Int(ctx.db().sismember(key, member)? as i64))
}

fn smismember(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let members = args.rest_slices();
    let found = ctx.db().smismember(key, &members)?;
    Ok(Reply::Array(found.into_iter().map(|b| Reply::Int(b as i64)).collect()))
}

fn smembers(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    Ok(members(ctx.db().smembers(key)?))
}

fn scard(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    Ok(Reply::Int(ctx.db().scard(key)? as i64))
}

/// SPOP key [count], with Redis's checks in Redis's order: the arity, the count, then
/// the key.
fn spop(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let Some(count) = args.try_next() else {
        let popped = ctx.db().spop(key, None, random_u64())?;
        ctx.notify_removed(event::SET, "spop", key, !popped.is_empty());
        return Ok(Reply::opt(popped.into_iter().next()));
    };
    if !args.is_empty() {
        return Err(CmdError::Syntax);
    }
    let count = match parse_i64(count) {
        Some(n) if n >= 0 => n as u64,
        _ => return Err(CmdError::err("value is out of range, must be positive")),
    };
    let popped = ctx.db().spop(key, Some(count), random_u64())?;
    ctx.notify_removed(event::SET, "spop", key, !popped.is_empty());
    Ok(members(popped))
}

/// SRANDMEMBER key [count], checked as HRANDFIELD is: the arity, the count, the key.
fn srandmember(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let Some(count) = args.try_next() else {
        return Ok(Reply::opt(ctx.db().srandmember_one(key, random_u64())?));
    };
    if !args.is_empty() {
        return Err(CmdError::Syntax);
    }
    let count = parse_i64(count).ok_or(CmdError::NotInteger)?;
    if count == i64::MIN {
        return Err(CmdError::err("value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
    }
    let picks = ctx.db().srandmember(key, count, random_u64())?;
    Ok(Reply::Array(picks.into_iter().map(Reply::Bulk).collect()))
}

fn smove(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (src, dst, member) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    // Redis announces `sadd` only if the member was not in `dst` already.
    let in_dst = ctx.notifying(event::SET) && ctx.db().sismember(dst, member).unwrap_or(true);
    let moved = ctx.db().smove(src, dst, member)?;
    if moved && src != dst {
        ctx.notify_removed(event::SET, "srem", src, true);
        if !in_dst {
            ctx.notify(event::SET, "sadd", dst);
        }
    }
    Ok(Reply::Int(moved as i64))
}

fn set_op(ctx: &mut Ctx, args: &mut Args, op: SetOp) -> Result<Reply, CmdError> {
    let keys = args.rest_slices();
    Ok(members(ctx.db().set_op(op, &keys)?))
}

fn set_op_store(ctx: &mut Ctx, args: &mut Args, op: SetOp) -> Result<Reply, CmdError> {
    let dst = args.next_bytes()?;
    let keys = args.rest_slices();
    let existed = ctx.exists_for_events(dst)?;
    let stored = ctx.db().set_op_store(op, dst, &keys)?;
    let name = match op {
        SetOp::Inter => "sinterstore",
        SetOp::Union => "sunionstore",
        SetOp::Diff => "sdiffstore",
    };
    ctx.notify_stored(event::SET, name, dst, stored, existed);
    Ok(Reply::Int(stored as i64))
}

fn sinter(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    set_op(ctx, args, SetOp::Inter)
}

fn sunion(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    set_op(ctx, args, SetOp::Union)
}

fn sdiff(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    set_op(ctx, args, SetOp::Diff)
}

fn sinterstore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    set_op_store(ctx, args, SetOp::Inter)
}

fn sunionstore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    set_op_store(ctx, args, SetOp::Union)
}

fn sdiffstore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    set_op_store(ctx, args, SetOp::Diff)
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit], checked in Redis's order: numkeys,
/// the key count, the options, then the keys.
fn sintercard(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let numkeys = match parse_i64(args.next_bytes()?) {
        Some(n) if n > 0 => n as usize,
        _ => return Err(CmdError::err("numkeys should be greater than 0")),
    };
    if numkeys > args.remaining() {
        return Err(CmdError::err("Number of keys can't be greater than number of args"));
    }
    let keys: Vec<&[u8]> = (0..numkeys).map(|_| args.next_bytes()).collect::<Result<_, _>>()?;
    let mut limit = 0u64;
    while let Some(opt) = args.try_next() {
        if is(opt, "LIMIT") && !args.is_empty() {
            limit = match parse_i64(args.next_bytes()?) {
                Some(n) if n >= 0 => n as u64,
                _ => return Err(CmdError::err("LIMIT can't be negative")),
            };
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(Reply::Int(ctx.db().sintercard(&keys, limit)? as i64))
}

/// SSCAN key cursor [MATCH pattern] [COUNT count], as HSCAN: the cursor is checked
/// first, then the key (a missing key ends the scan whatever the options), then the
/// options. A cursor names the member the next page starts from (see SCAN).
fn sscan(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let cursor = parse_cursor(args.next_bytes()?)?;
    let db = ctx.db();
    if db.live_of(key, Kind::Set)?.is_none() {
        return Ok(scan_reply(ctx, None, vec![]));
    }
    let opts = scan_options(args, false)?;
    let Some(start) = cursor_start(ctx, cursor) else { return Ok(scan_reply(ctx, None, vec![])) };
    let page = db.sscan(key, &start, opts.count, opts.pattern)?;
    Ok(scan_reply(ctx, page.next, page.members.into_iter().map(Reply::Bulk).collect()))
}
