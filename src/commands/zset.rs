//! Sorted set commands. Scores are replied as doubles (`,` in RESP3, a bulk string in
//! RESP2); a member with its score is a flat pair in RESP2 and a nested `[member, score]`
//! array in RESP3, as Redis 7 replies. The blocking pops (BZPOPMIN, BZPOPMAX, BZMPOP)
//! wait as the blocking list pops do.

use super::args::{is, timeout};
use super::flag::*;
use super::keys::{cursor_start, parse_cursor, random_u64, scan_options, scan_reply};
use super::list::{mpop_args, owned};
use super::pubsub::event;
use super::{cmd, dest_and_keys_counted_at_2, keys_counted_at_1, keys_counted_at_2, Args, CmdError, Command, Ctx};
use crate::protocol::format_double;
use crate::protocol::Reply;
use crate::storage::Kind;
use crate::types::zset::{Aggregate, LexBound, Range, RangeSpec, ScoreBound, Scored, ZAddFlags, ZOp};
use crate::types::{parse_double, parse_double_saturating, parse_i64};

const W: u32 = WRITE | DENYOOM;
const RO: u32 = READONLY;

pub const TABLE: &[Command] = &[
    cmd("zadd", -4, W | FAST, (1, 1, 1), "sorted_set", "Add members or update their scores", zadd),
    cmd("zincrby", 4, W | FAST, (1, 1, 1), "sorted_set", "Increment a member's score", zincrby),
    cmd("zrem", -3, WRITE | FAST, (1, 1, 1), "sorted_set", "Remove members", zrem),
    cmd("zscore", 3, RO | FAST, (1, 1, 1), "sorted_set", "Score of a member", zscore),
    cmd("zmscore", -3, RO | FAST, (1, 1, 1), "sorted_set", "Scores of several members", zmscore),
    cmd("zcard", 2, RO | FAST, (1, 1, 1), "sorted_set", "Number of members", zcard),
    cmd("zcount", 4, RO | FAST, (1, 1, 1), "sorted_set", "Members within a score range", zcount),
    cmd("zlexcount", 4, RO | FAST, (1, 1, 1), "sorted_set", "Members within a lex range", zlexcount),
    cmd("zrank", -3, RO | FAST, (1, 1, 1), "sorted_set", "Rank of a member, low to high", zrank),
    cmd("zrevrank", -3, RO | FAST, (1, 1, 1), "sorted_set", "Rank of a member, high to low", zrevrank),
    cmd("zrange", -4, RO, (1, 1, 1), "sorted_set", "Members in a range of ranks, scores or members", zrange),
    cmd("zrangestore", -5, W, (1, 2, 1), "sorted_set", "Store a range of a sorted set", zrangestore).writes(super::first_key),
    cmd("zrevrange", -4, RO, (1, 1, 1), "sorted_set", "Members in a range of ranks, high to low", zrevrange),
    cmd("zrangebyscore", -4, RO, (1, 1, 1), "sorted_set", "Members in a score range", zrangebyscore),
    cmd("zrevrangebyscore", -4, RO, (1, 1, 1), "sorted_set", "Members in a score range, high to low", zrevrangebyscore),
    cmd("zrangebylex", -4, RO, (1, 1, 1), "sorted_set", "Members in a lex range", zrangebylex),
    cmd("zrevrangebylex", -4, RO, (1, 1, 1), "sorted_set", "Members in a lex range, high to low", zrevrangebylex),
    cmd("zpopmin", -2, WRITE | FAST, (1, 1, 1), "sorted_set", "Remove and return the lowest members", zpopmin),
    cmd("zpopmax", -2, WRITE | FAST, (1, 1, 1), "sorted_set", "Remove and return the highest members", zpopmax),
    cmd("zmpop", -4, WRITE, (0, 0, 0), "sorted_set", "Pop members from the first non-empty sorted set", zmpop).movable(keys_counted_at_1),
    cmd(
        "bzpopmin",
        -3,
        WRITE | NOSCRIPT | FAST | BLOCKING,
        (1, -2, 1),
        "sorted_set",
        "Pop the lowest member of the first non-empty sorted set, or wait",
        bzpopmin,
    ),
    cmd(
        "bzpopmax",
        -3,
        WRITE | NOSCRIPT | FAST | BLOCKING,
        (1, -2, 1),
        "sorted_set",
        "Pop the highest member of the first non-empty sorted set, or wait",
        bzpopmax,
    ),
    cmd("bzmpop", -5, WRITE | NOSCRIPT | BLOCKING, (0, 0, 0), "sorted_set", "ZMPOP, waiting for a member", bzmpop)
        .movable(keys_counted_at_2),
    cmd("zremrangebyrank", 4, WRITE, (1, 1, 1), "sorted_set", "Remove members in a range of ranks", zremrangebyrank),
    cmd("zremrangebyscore", 4, WRITE, (1, 1, 1), "sorted_set", "Remove members in a score range", zremrangebyscore),
    cmd("zremrangebylex", 4, WRITE, (1, 1, 1), "sorted_set", "Remove members in a lex range", zremrangebylex),
    cmd("zrandmember", -2, RO, (1, 1, 1), "sorted_set", "Random members", zrandmember),
    cmd("zscan", -3, RO, (1, 1, 1), "sorted_set", "Iterate members and scores", zscan),
    cmd("zunion", -3, RO, (0, 0, 0), "sorted_set", "Union of sorted sets", zunion).movable(keys_counted_at_1),
    cmd("zunionstore", -4, W, (1, 1, 1), "sorted_set", "Store the union of sorted sets", zunionstore)
        .movable(dest_and_keys_counted_at_2)
        .writes(super::first_key),
    cmd("zinter", -3, RO, (0, 0, 0), "sorted_set", "Intersection of sorted sets", zinter).movable(keys_counted_at_1),
    cmd("zinterstore", -4, W, (1, 1, 1), "sorted_set", "Store the intersection of sorted sets", zinterstore)
        .movable(dest_and_keys_counted_at_2)
        .writes(super::first_key),
    cmd("zintercard", -3, RO, (0, 0, 0), "sorted_set", "Size of the intersection of sorted sets", zintercard).movable(keys_counted_at_1),
    cmd("zdiff", -3, RO, (0, 0, 0), "sorted_set", "Difference of sorted sets", zdiff).movable(keys_counted_at_1),
    cmd("zdiffstore", -4, W, (1, 1, 1), "sorted_set", "Store the difference of sorted sets", zdiffstore)
        .movable(dest_and_keys_counted_at_2)
        .writes(super::first_key),
];

const NAN_RESULT: &str = "ERR resulting score is not a number (NaN)";

/// Members with scores: flat in RESP2, `[member, score]` pairs in RESP3 when `nested`.
fn scored_reply(ctx: &Ctx, items: Vec<Scored>, nested: bool) -> Reply {
    if nested && ctx.session.resp >= 3 {
        Reply::Array(items.into_iter().map(|(m, s)| Reply::Array(vec![Reply::Bulk(m), Reply::Double(s)])).collect())
    } else {
        Reply::Array(items.into_iter().flat_map(|(m, s)| [Reply::Bulk(m), Reply::Double(s)]).collect())
    }
}

fn members_reply(items: Vec<Scored>) -> Reply {
    Reply::Array(items.into_iter().map(|(m, _)| Reply::Bulk(m)).collect())
}

/// A score argument of ZADD or ZINCRBY, as [`parse_double`] reads it: like Redis's
/// `getDoubleFromObject` (which checks strtod's `ERANGE`), a literal too large (`1e310`)
/// or too small (`1e-400`) for a double is refused rather than rounded to infinity or zero.
fn score_arg(arg: &[u8]) -> Result<f64, CmdError> {
    parse_double(arg).ok_or(CmdError::NotFloat)
}

/// A score range end, as Redis's `zslParseRange`: a float, `(` for exclusive. Like the
/// `strtod` it calls, an empty text is 0 and leading whitespace is skipped.
fn score_bound(arg: &[u8]) -> Result<ScoreBound, CmdError> {
    let (text, exclusive) = match arg.strip_prefix(b"(") {
        Some(rest) => (rest, true),
        None => (arg, false),
    };
    let start = text.iter().position(|c| !b" \t\n\x0b\x0c\r".contains(c)).unwrap_or(0);
    let text = if text.is_empty() { &b"0"[..] } else { &text[start..] };
    match parse_double_saturating(text) {
        Some(value) => Ok(ScoreBound { value, exclusive }),
        None => Err(CmdError::err("min or max is not a float")),
    }
}

/// A lex range end: `-`, `+`, `[member` or `(member`.
fn lex_bound(arg: &[u8]) -> Result<LexBound, CmdError> {
    match arg.split_first() {
        Some((b'-', [])) => Ok(LexBound::NegInf),
        Some((b'+', [])) => Ok(LexBound::PosInf),
        Some((b'[', m)) => Ok(LexBound::Incl(m.to_vec())),
        Some((b'(', m)) => Ok(LexBound::Excl(m.to_vec())),
        _ => Err(CmdError::err("min or max not valid string range item")),
    }
}

/// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...], checked in
/// Redis's order: options, pairing, conflicts, INCR's single pair, scores, the key.
fn zadd(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let mut f = ZAddFlags::default();
    let mut ch = false;
    while let Some(opt) = args.peek() {
        let flag = match () {
            _ if is(opt, "NX") => &mut f.nx,
            _ if is(opt, "XX") => &mut f.xx,
            _ if is(opt, "GT") => &mut f.gt,
            _ if is(opt, "LT") => &mut f.lt,
            _ if is(opt, "INCR") => &mut f.incr,
            _ if is(opt, "CH") => &mut ch,
            _ => break,
        };
        *flag = true;
        args.next_bytes()?;
    }
    let rest = args.rest_slices();
    if rest.is_empty() || !rest.len().is_multiple_of(2) {
        return Err(CmdError::Syntax);
    }
    if f.nx && f.xx {
        return Err(CmdError::err("XX and NX options at the same time are not compatible"));
    }
    if (f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt) {
        return Err(CmdError::err("GT, LT, and/or NX options at the same time are not compatible"));
    }
    if f.incr && rest.len() > 2 {
        return Err(CmdError::err("INCR option supports a single increment-element pair"));
    }
    let items: Vec<(f64, &[u8])> = rest.chunks(2).map(|p| score_arg(p[0]).map(|s| (s, p[1]))).collect::<Result<_, _>>()?;
    let out = ctx.db().zadd(key, &items, f)?;
    if out.nan {
        return Err(CmdError::msg(NAN_RESULT));
    }
    if if f.incr { out.score.is_some() } else { out.added + out.updated > 0 } {
        ctx.notify(event::ZSET, if f.incr { "zincr" } else { "zadd" }, key);
    }
    if f.incr {
        return Ok(out.score.map_or(Reply::Nil, Reply::Double));
    }
    Ok(Reply::Int(out.added + if ch { out.updated } else { 0 }))
}

fn zincrby(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let incr = score_arg(args.next_bytes()?)?;
    let member = args.next_bytes()?;
    let out = ctx.db().zadd(key, &[(incr, member)], ZAddFlags { incr: true, ..Default::default() })?;
    if out.nan {
        return Err(CmdError::msg(NAN_RESULT));
    }
    ctx.notify(event::ZSET, "zincr", key);
    Ok(out.score.map_or(Reply::Nil, Reply::Double))
}

fn zrem(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let members = args.rest_slices();
    let removed = ctx.db().zrem(key, &members)?;
    ctx.notify_removed(event::ZSET, "zrem", key, removed > 0);
    Ok(Reply::Int(removed))
}

fn zscore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, member) = (args.next_bytes()?, args.next_bytes()?);
    Ok(ctx.db().zscore(key, member)?.map_or(Reply::Nil, Reply::Double))
}

fn zmscore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let members = args.rest_slices();
    let scores = ctx.db().zmscore(key, &members)?;
    Ok(Reply::Array(scores.into_iter().map(|s| s.map_or(Reply::Nil, Reply::Double)).collect()))
}

fn zcard(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    Ok(Reply::Int(ctx.db().zcard(key)? as i64))
}

fn zcount(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let (min, max) = (score_bound(args.next_bytes()?)?, score_bound(args.next_bytes()?)?);
    Ok(Reply::Int(ctx.db().zcount(key, &Range::Score(min, max))? as i64))
}

fn zlexcount(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let (min, max) = (lex_bound(args.next_bytes()?)?, lex_bound(args.next_bytes()?)?);
    Ok(Reply::Int(ctx.db().zcount(key, &Range::Lex(min, max))? as i64))
}

/// ZRANK / ZREVRANK key member [WITHSCORE] (WITHSCORE as in Redis 7.2).
fn rank_generic(ctx: &mut Ctx, args: &mut Args, rev: bool) -> Result<Reply, CmdError> {
    let (key, member) = (args.next_bytes()?, args.next_bytes()?);
    let with_score = match args.try_next() {
        None => false,
        Some(opt) if is(opt, "WITHSCORE") && args.is_empty() => true,
        Some(_) => return Err(CmdError::Syntax),
    };
    Ok(match ctx.db().zrank(key, member, rev)? {
        None if with_score => Reply::NilArray,
        None => Reply::Nil,
        Some((rank, score)) if with_score => Reply::Array(vec![Reply::Int(rank as i64), Reply::Double(score)]),
        Some((rank, _)) => Reply::Int(rank as i64),
    })
}

fn zrank(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    rank_generic(ctx, args, false)
}

fn zrevrank(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    rank_generic(ctx, args, true)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum By {
    Auto,
    Rank,
    Score,
    Lex,
}

/// The shared parser of ZRANGE, ZRANGESTORE and the older range commands, as Redis's
/// `zrangeGenericCommand`: `by` and `rev` preset by the older commands (so their own
/// options are syntax errors there), then the conflicts, the range, and the key.
/// Returns the key, the query and WITHSCORES.
fn parse_range<'a>(args: &mut Args<'a>, mut by: By, mut rev: Option<bool>, store: bool) -> Result<(&'a [u8], RangeSpec, bool), CmdError> {
    let key = args.next_bytes()?;
    let (a, b) = (args.next_bytes()?, args.next_bytes()?);
    let mut withscores = false;
    let (mut offset, mut count) = (0i64, -1i64);
    while let Some(opt) = args.try_next() {
        if !store && is(opt, "WITHSCORES") {
            withscores = true;
        } else if is(opt, "LIMIT") && args.remaining() >= 2 {
            offset = args.next_i64()?;
            count = args.next_i64()?;
        } else if by == By::Auto && is(opt, "BYSCORE") {
            by = By::Score;
        } else if by == By::Auto && is(opt, "BYLEX") {
            by = By::Lex;
        } else if rev.is_none() && is(opt, "REV") {
            rev = Some(true);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let rev = rev.unwrap_or(false);
    if by == By::Auto {
        by = By::Rank;
    }
    if count != -1 && by == By::Rank {
        return Err(CmdError::err("syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"));
    }
    if withscores && by == By::Lex {
        return Err(CmdError::err("syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
    // Score and lex ranges are given high end first when reversed.
    let (lo, hi) = if rev && by != By::Rank { (b, a) } else { (a, b) };
    let range = match by {
        By::Score => Range::Score(score_bound(lo)?, score_bound(hi)?),
        By::Lex => Range::Lex(lex_bound(lo)?, lex_bound(hi)?),
        _ => Range::Rank(parse_i64(lo).ok_or(CmdError::NotInteger)?, parse_i64(hi).ok_or(CmdError::NotInteger)?),
    };
    Ok((key, RangeSpec { range, rev, offset, count }, withscores))
}

fn range_generic(ctx: &mut Ctx, args: &mut Args, by: By, rev: Option<bool>) -> Result<Reply, CmdError> {
    let (key, spec, withscores) = parse_range(args, by, rev, false)?;
    let items = ctx.db().zrange(key, &spec)?;
    Ok(if withscores { scored_reply(ctx, items, true) } else { members_reply(items) })
}

fn zrange(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    range_generic(ctx, args, By::Auto, None)
}

fn zrevrange(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    range_generic(ctx, args, By::Rank, Some(true))
}

fn zrangebyscore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    range_generic(ctx, args, By::Score, Some(false))
}

fn zrevrangebyscore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    range_generic(ctx, args, By::Score, Some(true))
}

fn zrangebylex(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    range_generic(ctx, args, By::Lex, Some(false))
}

fn zrevrangebylex(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    range_generic(ctx, args, By::Lex, Some(true))
}

/// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count].
fn zrangestore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let dst = args.next_bytes()?;
    let (src, spec, _) = parse_range(args, By::Auto, None, true)?;
    let existed = ctx.exists_for_events(dst)?;
    let stored = ctx.db().zrangestore(dst, src, &spec)?;
    ctx.notify_stored(event::ZSET, "zrangestore", dst, stored, existed);
    Ok(Reply::Int(stored as i64))
}

/// A pop count: a positive integer (`must be positive` otherwise, as Redis 7.0 words it).
fn pop_count(arg: &[u8]) -> Result<u64, CmdError> {
    match parse_i64(arg) {
        Some(n) if n >= 0 => Ok(n as u64),
        _ => Err(CmdError::err("value is out of range, must be positive")),
    }
}

/// ZPOPMIN / ZPOPMAX key [count]: without a count one flat pair; with one, pairs
/// nested in RESP3.
fn pop_generic(ctx: &mut Ctx, args: &mut Args, max: bool) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    // As Redis: a syntax error for extra arguments before the count is read.
    if args.remaining() > 1 {
        return Err(CmdError::Syntax);
    }
    let count = match args.try_next() {
        None => None,
        Some(c) => Some(pop_count(c)?),
    };
    let items = ctx.db().zpop(key, count.unwrap_or(1), max)?;
    ctx.notify_removed(event::ZSET, if max { "zpopmax" } else { "zpopmin" }, key, !items.is_empty());
    Ok(scored_reply(ctx, items, count.is_some()))
}

fn zpopmin(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    pop_generic(ctx, args, false)
}

fn zpopmax(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    pop_generic(ctx, args, true)
}

/// BZPOPMIN / BZPOPMAX key [key ...] timeout: `[key, member, score]` from the first
/// non-empty sorted set, or a nil array when the timeout passes.
fn bzpop(ctx: &mut Ctx, args: &mut Args, max: bool) -> Result<Reply, CmdError> {
    let mut keys = args.rest_slices();
    let deadline = timeout(keys.pop().ok_or(CmdError::Syntax)?, true)?;
    let db = ctx.db();
    for key in &keys {
        if let Some((member, score)) = db.zpop(key, 1, max)?.pop() {
            ctx.notify_removed(event::ZSET, if max { "zpopmax" } else { "zpopmin" }, key, true);
            return Ok(Reply::Array(vec![Reply::Bulk(key.to_vec()), Reply::Bulk(member), Reply::Double(score)]));
        }
    }
    Ok(ctx.block(owned(&keys), deadline, Reply::NilArray))
}

fn bzpopmin(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    bzpop(ctx, args, false)
}

fn bzpopmax(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    bzpop(ctx, args, true)
}

/// MIN or MAX, as ZMPOP spells the ends: whether to pop the highest.
fn parse_max(arg: &[u8]) -> Result<bool, CmdError> {
    if is(arg, "MAX") {
        Ok(true)
    } else if is(arg, "MIN") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

/// `[key, [[member, score], ...]]` from the first key that is a non-empty sorted set.
fn mpop(ctx: &mut Ctx, keys: &[&[u8]], max: bool, count: u64) -> Result<Option<Reply>, CmdError> {
    let db = ctx.db();
    for key in keys {
        let items = db.zpop(key, count, max)?;
        if !items.is_empty() {
            ctx.notify_removed(event::ZSET, if max { "zpopmax" } else { "zpopmin" }, key, true);
            let pairs = items.into_iter().map(|(m, s)| Reply::Array(vec![Reply::Bulk(m), Reply::Double(s)])).collect();
            return Ok(Some(Reply::Array(vec![Reply::Bulk(key.to_vec()), Reply::Array(pairs)])));
        }
    }
    Ok(None)
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: a nil array if every set is empty.
fn zmpop(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (keys, max, count) = mpop_args(args, parse_max)?;
    Ok(mpop(ctx, &keys, max, count)?.unwrap_or(Reply::NilArray))
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count].
fn bzmpop(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let wait = args.next_bytes()?;
    let (keys, max, count) = mpop_args(args, parse_max)?;
    let deadline = timeout(wait, true)?;
    Ok(match mpop(ctx, &keys, max, count)? {
        Some(reply) => reply,
        None => ctx.block(owned(&keys), deadline, Reply::NilArray),
    })
}

fn remrange(ctx: &mut Ctx, key: &[u8], range: Range) -> Result<Reply, CmdError> {
    let name = match range {
        Range::Rank(..) => "zremrangebyrank",
        Range::Score(..) => "zremrangebyscore",
        Range::Lex(..) => "zremrangebylex",
    };
    let removed = ctx.db().zremrange(key, range)?;
    ctx.notify_removed(event::ZSET, name, key, removed > 0);
    Ok(Reply::Int(removed as i64))
}

fn zremrangebyrank(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let (start, stop) = (args.next_i64()?, args.next_i64()?);
    remrange(ctx, key, Range::Rank(start, stop))
}

fn zremrangebyscore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let (min, max) = (score_bound(args.next_bytes()?)?, score_bound(args.next_bytes()?)?);
    remrange(ctx, key, Range::Score(min, max))
}

fn zremrangebylex(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let (min, max) = (lex_bound(args.next_bytes()?)?, lex_bound(args.next_bytes()?)?);
    remrange(ctx, key, Range::Lex(min, max))
}

/// ZRANDMEMBER key [count [WITHSCORES]], checked as HRANDFIELD: the arity, the count,
/// the key.
fn zrandmember(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let Some(count) = args.try_next() else {
        let pick = ctx.db().zrandmember(key, -1, random_u64())?;
        return Ok(Reply::opt(pick.into_iter().next().map(|(m, _)| m)));
    };
    // As Redis: the count (and its range) before the options.
    let count = parse_i64(count).ok_or(CmdError::NotInteger)?;
    if count == i64::MIN {
        return Err(CmdError::err("value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
    }
    let withscores = match args.try_next() {
        None => false,
        Some(opt) if is(opt, "WITHSCORES") && args.is_empty() => true,
        Some(_) => return Err(CmdError::Syntax),
    };
    // Redis's bound, so that twice the count (members and scores) fits a long.
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CmdError::err("value is out of range"));
    }
    let picks = ctx.db().zrandmember(key, count, random_u64())?;
    Ok(if withscores { scored_reply(ctx, picks, true) } else { members_reply(picks) })
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count], as HSCAN; scores are bulk strings.
fn zscan(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let cursor = parse_cursor(args.next_bytes()?)?;
    let db = ctx.db();
    if db.live_of(key, Kind::ZSet)?.is_none() {
        return Ok(scan_reply(ctx, None, vec![]));
    }
    let opts = scan_options(args, false)?;
    let Some(start) = cursor_start(ctx, cursor) else { return Ok(scan_reply(ctx, None, vec![])) };
    let page = db.zscan(key, &start, opts.count, opts.pattern)?;
    let items = page.items.into_iter().flat_map(|(m, s)| [Reply::Bulk(m), Reply::Bulk(format_double(s).into_bytes())]).collect();
    Ok(scan_reply(ctx, page.next, items))
}

/// The shared parser of ZUNION, ZINTER, ZDIFF and their STORE forms, as Redis's
/// `zunionInterDiffGenericCommand`: numkeys, the key count, the sources' types, then
/// WEIGHTS, AGGREGATE (not for ZDIFF) and WITHSCORES (not for the STORE forms).
fn combine_generic(ctx: &mut Ctx, args: &mut Args, op: ZOp, name: &str, store: bool) -> Result<Reply, CmdError> {
    let dst = if store { Some(args.next_bytes()?) } else { None };
    let numkeys = args.next_i64()?;
    if numkeys < 1 {
        return Err(CmdError::err(format!("at least 1 input key is needed for '{name}' command")));
    }
    if numkeys as usize > args.remaining() {
        return Err(CmdError::Syntax);
    }
    let keys: Vec<&[u8]> = (0..numkeys).map(|_| args.next_bytes()).collect::<Result<_, _>>()?;
    let db = ctx.db();
    db.zsources(&keys)?;
    let mut weights: Vec<f64> = Vec::new();
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    while let Some(opt) = args.try_next() {
        if op != ZOp::Diff && is(opt, "WEIGHTS") && args.remaining() >= keys.len() {
            weights = (0..keys.len())
                .map(|_| parse_double(args.next_bytes()?).ok_or_else(|| CmdError::err("weight value is not a float")))
                .collect::<Result<_, _>>()?;
        } else if op != ZOp::Diff && is(opt, "AGGREGATE") && !args.is_empty() {
            let a = args.next_bytes()?;
            agg = if is(a, "SUM") {
                Aggregate::Sum
            } else if is(a, "MIN") {
                Aggregate::Min
            } else if is(a, "MAX") {
                Aggregate::Max
            } else {
                return Err(CmdError::Syntax);
            };
        } else if !store && is(opt, "WITHSCORES") {
            withscores = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if let Some(dst) = dst {
        let existed = ctx.exists_for_events(dst)?;
        let stored = db.zcombine_store(op, dst, &keys, &weights, agg)?;
        let name = match op {
            ZOp::Union => "zunionstore",
            ZOp::Inter => "zinterstore",
            ZOp::Diff => "zdiffstore",
        };
        ctx.notify_stored(event::ZSET, name, dst, stored, existed);
        return Ok(Reply::Int(stored as i64));
    }
    let items = db.zcombine(op, &keys, &weights, agg, 0)?;
    Ok(if withscores { scored_reply(ctx, items, true) } else { members_reply(items) })
}

fn zunion(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    combine_generic(ctx, args, ZOp::Union, "zunion", false)
}

fn zunionstore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    combine_generic(ctx, args, ZOp::Union, "zunionstore", true)
}

fn zinter(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    combine_generic(ctx, args, ZOp::Inter, "zinter", false)
}

fn zinterstore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    combine_generic(ctx, args, ZOp::Inter, "zinterstore", true)
}

fn zdiff(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    combine_generic(ctx, args, ZOp::Diff, "zdiff", false)
}

fn zdiffstore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    combine_generic(ctx, args, ZOp::Diff, "zdiffstore", true)
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit], checked as ZINTER.
fn zintercard(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let numkeys = args.next_i64()?;
    if numkeys < 1 {
        return Err(CmdError::err("at least 1 input key is needed for 'zintercard' command"));
    }
    if numkeys as usize > args.remaining() {
        return Err(CmdError::Syntax);
    }
    let keys: Vec<&[u8]> = (0..numkeys).map(|_| args.next_bytes()).collect::<Result<_, _>>()?;
    ctx.db().zsources(&keys)?;
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
    Ok(Reply::Int(ctx.db().zcombine(ZOp::Inter, &keys, &[], Aggregate::Sum, limit)?.len() as i64))
}
