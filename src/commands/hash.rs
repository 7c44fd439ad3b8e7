//! Hash commands.

use super::args::is;
use super::flag::*;
use super::keys::{cursor_start, parse_cursor, random_u64, scan_options, scan_reply};
use super::pubsub::event;
use super::{cmd, Args, CmdError, Command, Ctx};
use crate::protocol::Reply;
use crate::storage::Kind;
use crate::types::hash::Pair;
use crate::types::parse_i64;

const W: u32 = WRITE | DENYOOM;

pub const TABLE: &[Command] = &[
    cmd("hset", -4, W | FAST, (1, 1, 1), "hash", "Set fields of a hash", hset),
    cmd("hsetnx", 4, W | FAST, (1, 1, 1), "hash", "Set a field only if it does not exist", hsetnx),
    cmd("hget", 3, READONLY | FAST, (1, 1, 1), "hash", "Get the value of a field", hget),
    cmd("hmset", -4, W | FAST, (1, 1, 1), "hash", "Set fields of a hash (old form of HSET)", hmset),
    cmd("hmget", -3, READONLY | FAST, (1, 1, 1), "hash", "Get the values of several fields", hmget),
    cmd("hdel", -3, WRITE | FAST, (1, 1, 1), "hash", "Delete fields", hdel),
    cmd("hexists", 3, READONLY | FAST, (1, 1, 1), "hash", "Whether a field exists", hexists),
    cmd("hlen", 2, READONLY | FAST, (1, 1, 1), "hash", "Number of fields", hlen),
    cmd("hstrlen", 3, READONLY | FAST, (1, 1, 1), "hash", "Length of a field's value", hstrlen),
    cmd("hkeys", 2, READONLY, (1, 1, 1), "hash", "Every field of a hash", hkeys),
    cmd("hvals", 2, READONLY, (1, 1, 1), "hash", "Every value of a hash", hvals),
    cmd("hgetall", 2, READONLY, (1, 1, 1), "hash", "Every field and value of a hash", hgetall),
    cmd("hincrby", 4, W | FAST, (1, 1, 1), "hash", "Increment an integer field", hincrby),
    cmd("hincrbyfloat", 4, W | FAST, (1, 1, 1), "hash", "Increment a float field", hincrbyfloat),
    cmd("hrandfield", -2, READONLY, (1, 1, 1), "hash", "Random fields of a hash", hrandfield),
    cmd("hscan", -3, READONLY, (1, 1, 1), "hash", "Iterate the fields of a hash", hscan),
];

/// The field/value pairs of HSET and HMSET; an odd count is Redis's arity error.
fn pairs<'a>(args: &mut Args<'a>, name: &str) -> Result<Vec<(&'a [u8], &'a [u8])>, CmdError> {
    let rest = args.rest();
    if !rest.len().is_multiple_of(2) {
        return Err(CmdError::WrongArgs(name.into()));
    }
    Ok(rest.chunks_exact(2).map(|p| (&p[0][..], &p[1][..])).collect())
}

fn hset(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let pairs = pairs(args, "hset")?;
    let added = ctx.db().hset(key, &pairs)?;
    ctx.notify(event::HASH, "hset", key);
    Ok(Reply::Int(added))
}

fn hmset(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let pairs = pairs(args, "hmset")?;
    ctx.db().hset(key, &pairs)?;
    ctx.notify(event::HASH, "hset", key);
    Ok(Reply::Ok)
}

fn hsetnx(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, field, value) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let set = ctx.db().hsetnx(key, field, value)?;
    if set {
        ctx.notify(event::HASH, "hset", key);
    }
    Ok(Reply::Int(set as i64))
}

fn hget(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, field) = (args.next_bytes()?, args.next_bytes()?);
    Ok(Reply::opt(ctx.db().hget(key, field)?))
}

fn hmget(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let fields = args.rest_slices();
    let values = ctx.db().hmget(key, &fields)?;
    Ok(Reply::Array(values.into_iter().map(Reply::opt).collect()))
}

fn hdel(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let fields = args.rest_slices();
    let removed = ctx.db().hdel(key, &fields)?;
    ctx.notify_removed(event::HASH, "hdel", key, removed > 0);
    Ok(Reply::Int(removed))
}

fn hexists(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, field) = (args.next_bytes()?, args.next_bytes()?);
    Ok(Reply::Int(ctx.db().hexists(key, field)? as i64))
}

fn hlen(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Int(ctx.db().hlen(args.next_bytes()?)? as i64))
}

fn hstrlen(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, field) = (args.next_bytes()?, args.next_bytes()?);
    Ok(Reply::Int(ctx.db().hstrlen(key, field)? as i64))
}

fn hkeys(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let fields = ctx.db().hkeys_or_vals(args.next_bytes()?, false)?;
    Ok(Reply::Array(fields.into_iter().map(Reply::Bulk).collect()))
}

fn hvals(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let values = ctx.db().hkeys_or_vals(args.next_bytes()?, true)?;
    Ok(Reply::Array(values.into_iter().map(Reply::Bulk).collect()))
}

fn hgetall(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let pairs = ctx.db().hgetall(args.next_bytes()?)?;
    Ok(Reply::Map(pairs.into_iter().map(|(f, v)| (Reply::Bulk(f), Reply::Bulk(v))).collect()))
}

fn hincrby(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, field) = (args.next_bytes()?, args.next_bytes()?);
    let delta = args.next_i64()?;
    let n = ctx.db().hincrby(key, field, delta)?;
    ctx.notify(event::HASH, "hincrby", key);
    Ok(Reply::Int(n))
}

fn hincrbyfloat(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, field) = (args.next_bytes()?, args.next_bytes()?);
    let delta = args.next_f64()?;
    let n = ctx.db().hincrbyfloat(key, field, delta)?;
    ctx.notify(event::HASH, "hincrbyfloat", key);
    Ok(Reply::Bulk(n))
}

/// HRANDFIELD key [count [WITHVALUES]], with Redis's checks in Redis's order: the count,
/// then the options, then the key.
fn hrandfield(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let Some(count) = args.try_next() else {
        return Ok(Reply::opt(ctx.db().hrandfield_one(key, random_u64())?));
    };
    let count = parse_i64(count).ok_or(CmdError::NotInteger)?;
    if count == i64::MIN {
        return Err(CmdError::err("value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
    }
    let with_values = match args.try_next() {
        None => false,
        Some(opt) if is(opt, "WITHVALUES") && args.is_empty() => true,
        Some(_) => return Err(CmdError::Syntax),
    };
    // Redis's bound, so that twice the count (fields and values) fits a long.
    if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CmdError::err("value is out of range"));
    }
    let picks = ctx.db().hrandfield(key, count, random_u64())?;
    Ok(if !with_values {
        Reply::Array(picks.into_iter().map(|(f, _)| Reply::Bulk(f)).collect())
    } else if ctx.session.resp >= 3 {
        // RESP3: one [field, value] array per pick.
        Reply::Array(picks.into_iter().map(|(f, v)| Reply::Array(vec![Reply::Bulk(f), Reply::Bulk(v)])).collect())
    } else {
        Reply::Array(flatten(picks))
    })
}

fn flatten(pairs: Vec<Pair>) -> Vec<Reply> {
    pairs.into_iter().flat_map(|(f, v)| [Reply::Bulk(f), Reply::Bulk(v)]).collect()
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]. As in Redis, the cursor is checked
/// first, then the key (a missing key ends the scan whatever the options), then the
/// options. A cursor names the field the next page starts from (see SCAN).
fn hscan(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let cursor = parse_cursor(args.next_bytes()?)?;
    let db = ctx.db();
    if db.live_of(key, Kind::Hash)?.is_none() {
        return Ok(scan_reply(ctx, None, vec![]));
    }
    let opts = scan_options(args, false)?;
    let Some(start) = cursor_start(ctx, cursor) else { return Ok(scan_reply(ctx, None, vec![])) };
    let page = db.hscan(key, &start, opts.count, opts.pattern)?;
    Ok(scan_reply(ctx, page.next, flatten(page.pairs)))
}
