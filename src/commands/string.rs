//! String commands.

use super::args::is;
use super::context::add;
use super::flag::*;
use super::pubsub::event;
use super::{cmd, Args, CmdError, Command, Ctx};
use crate::protocol::Reply;
use crate::types::string::{self as st, BitOp, Cond, Field, FieldOp, Overflow, Ttl, TtlChange};
use crate::types::{parse_f64, parse_i64, Error};

const W: u32 = WRITE | DENYOOM;

pub const TABLE: &[Command] = &[
    cmd("get", 2, READONLY | FAST, (1, 1, 1), "string", "Get the value of a key", get),
    cmd("set", -3, W, (1, 1, 1), "string", "Set the string value of a key", set),
    cmd("setnx", 3, W | FAST, (1, 1, 1), "string", "Set a key only if it does not exist", setnx),
    cmd("setex", 4, W, (1, 1, 1), "string", "Set a key with an expiry in seconds", setex),
    cmd("psetex", 4, W, (1, 1, 1), "string", "Set a key with an expiry in milliseconds", psetex),
    cmd("getset", 3, W | FAST, (1, 1, 1), "string", "Set a key and return its old value", getset),
    cmd("getdel", 2, WRITE | FAST, (1, 1, 1), "string", "Get a key and delete it", getdel),
    cmd("getex", -2, WRITE | FAST, (1, 1, 1), "string", "Get a key and change its expiry", getex),
    cmd("mget", -2, READONLY | FAST, (1, -1, 1), "string", "Get the values of several keys", mget),
    cmd("mset", -3, W, (1, -1, 2), "string", "Set several keys", mset),
    cmd("msetnx", -3, W, (1, -1, 2), "string", "Set several keys only if none exists", msetnx),
    cmd("incr", 2, W | FAST, (1, 1, 1), "string", "Increment an integer by one", incr),
    cmd("decr", 2, W | FAST, (1, 1, 1), "string", "Decrement an integer by one", decr),
    cmd("incrby", 3, W | FAST, (1, 1, 1), "string", "Increment an integer", incrby),
    cmd("decrby", 3, W | FAST, (1, 1, 1), "string", "Decrement an integer", decrby),
    cmd("incrbyfloat", 3, W | FAST, (1, 1, 1), "string", "Increment a float", incrbyfloat),
    cmd("append", 3, W | FAST, (1, 1, 1), "string", "Append to a string", append),
    cmd("strlen", 2, READONLY | FAST, (1, 1, 1), "string", "Length of a string", strlen),
    cmd("getrange", 4, READONLY, (1, 1, 1), "string", "Get a substring", getrange),
    cmd("substr", 4, READONLY, (1, 1, 1), "string", "Get a substring (old name of GETRANGE)", getrange),
    cmd("setrange", 4, W, (1, 1, 1), "string", "Overwrite part of a string", setrange),
    cmd("lcs", -3, READONLY, (1, 2, 1), "string", "Longest common subsequence of two strings", lcs),
    cmd("setbit", 4, W, (1, 1, 1), "bitmap", "Set or clear a bit", setbit),
    cmd("getbit", 3, READONLY | FAST, (1, 1, 1), "bitmap", "Get a bit", getbit),
    cmd("bitcount", -2, READONLY, (1, 1, 1), "bitmap", "Count set bits", bitcount),
    cmd("bitpos", -3, READONLY, (1, 1, 1), "bitmap", "Find the first set or clear bit", bitpos),
    cmd("bitop", -4, W, (2, -1, 1), "bitmap", "Store the bitwise AND, OR, XOR or NOT of strings", bitop).writes(super::second_key),
    cmd("bitfield", -2, W, (1, 1, 1), "bitmap", "Get, set and increment integer fields of a string", bitfield).writes(bitfield_writes),
    cmd("bitfield_ro", -2, READONLY | FAST, (1, 1, 1), "bitmap", "Get integer fields of a string", bitfield_ro),
    cmd("pfadd", -2, W | FAST, (1, 1, 1), "hyperloglog", "Add elements to a HyperLogLog", pfadd),
    cmd("pfcount", -2, READONLY, (1, -1, 1), "hyperloglog", "Estimated cardinality of the union of HyperLogLogs", pfcount),
    cmd("pfmerge", -2, W, (1, -1, 1), "hyperloglog", "Merge HyperLogLogs into one", pfmerge).writes(super::first_key),
];

/// Counts a read as a keyspace hit or miss (INFO stats).
fn hit(ctx: &Ctx, found: bool) {
    let s = &ctx.state.stats;
    add(if found { &s.keyspace_hits } else { &s.keyspace_misses }, 1);
}

fn get(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let v = ctx.db().get(args.next_bytes()?)?;
    hit(ctx, v.is_some());
    Ok(Reply::opt(v))
}

/// Turns an expiry option (`EX` seconds, `PX` ms, `EXAT`, `PXAT`) into absolute Unix ms,
/// with Redis's `invalid expire time in '<cmd>' command` for non-positive or overflowing
/// values.
pub fn expire_at(option: &[u8], value: &[u8], now: u64, cmd: &str) -> Result<u64, CmdError> {
    let n = parse_i64(value).ok_or(CmdError::NotInteger)?;
    let invalid = || CmdError::msg(format!("ERR invalid expire time in '{cmd}' command"));
    if n <= 0 {
        return Err(invalid());
    }
    let (ms, relative) = if is(option, "EX") || is(option, "EXAT") {
        (n.checked_mul(1000).ok_or_else(invalid)?, is(option, "EX"))
    } else {
        (n, is(option, "PX"))
    };
    let at = if relative { ms.checked_add(now as i64).ok_or_else(invalid)? } else { ms };
    Ok(at as u64)
}

/// Whether `opt` is one of the expiry options `EX`, `PX`, `EXAT`, `PXAT`.
fn is_expiry(opt: &[u8]) -> bool {
    ["EX", "PX", "EXAT", "PXAT"].iter().any(|o| is(opt, o))
}

/// Accepts an expiry option unless a different one (or KEEPTTL / PERSIST) came
/// before: as in Redis, repeating the same option is allowed and the last value wins.
fn accepts_expiry(opt: &[u8], seen: Option<(&[u8], &[u8])>, other: bool) -> bool {
    is_expiry(opt) && !other && seen.is_none_or(|(prev, _)| prev.eq_ignore_ascii_case(opt))
}

fn set(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let value = args.next_bytes()?;
    let (mut cond, mut get, mut keep) = (Cond::Always, false, false);
    let mut expire = None;
    // Options first, values after: `SET k v EX abc FOO` is a syntax error, as in Redis.
    while let Some(opt) = args.try_next() {
        if is(opt, "NX") && cond != Cond::Exists {
            cond = Cond::Missing;
        } else if is(opt, "XX") && cond != Cond::Missing {
            cond = Cond::Exists;
        } else if is(opt, "GET") {
            get = true;
        } else if is(opt, "KEEPTTL") && expire.is_none() {
            keep = true;
        } else if accepts_expiry(opt, expire, keep) {
            expire = Some((opt, args.next_bytes()?));
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let ttl = match expire {
        Some((opt, value)) => Ttl::At(expire_at(opt, value, ctx.now, "set")?),
        None if keep => Ttl::Keep,
        None => Ttl::Clear,
    };
    let out = ctx.db().set(key, value, cond, ttl, get)?;
    if out.written {
        notify_set(ctx, key, expire.is_some());
    }
    Ok(match (get, out.written) {
        (true, _) => Reply::opt(out.old),
        (false, true) => Reply::Ok,
        (false, false) => Reply::Nil,
    })
}

/// The events of a string write: `set`, and `expire` when it gave the key a deadline.
fn notify_set(ctx: &Ctx, key: &[u8], expire: bool) {
    ctx.notify(event::STRING, "set", key);
    if expire {
        ctx.notify(event::GENERIC, "expire", key);
    }
}

fn setnx(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, value) = (args.next_bytes()?, args.next_bytes()?);
    let out = ctx.db().set(key, value, Cond::Missing, Ttl::Clear, false)?;
    if out.written {
        notify_set(ctx, key, false);
    }
    Ok(Reply::Int(out.written as i64))
}

fn setex_with(ctx: &mut Ctx, args: &mut Args, unit: &str, name: &str) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let at = expire_at(unit.as_bytes(), args.next_bytes()?, ctx.now, name)?;
    let value = args.next_bytes()?;
    ctx.db().set(key, value, Cond::Always, Ttl::At(at), false)?;
    notify_set(ctx, key, true);
    Ok(Reply::Ok)
}

fn setex(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    setex_with(ctx, args, "EX", "setex")
}

fn psetex(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    setex_with(ctx, args, "PX", "psetex")
}

fn getset(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, value) = (args.next_bytes()?, args.next_bytes()?);
    let out = ctx.db().set(key, value, Cond::Always, Ttl::Clear, true)?;
    notify_set(ctx, key, false);
    Ok(Reply::opt(out.old))
}

fn getdel(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let value = ctx.db().getdel(key)?;
    if value.is_some() {
        ctx.notify(event::GENERIC, "del", key);
    }
    Ok(Reply::opt(value))
}

fn getex(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let mut persist = false;
    let mut expire = None;
    while let Some(opt) = args.try_next() {
        if is(opt, "PERSIST") && expire.is_none() {
            persist = true;
        } else if accepts_expiry(opt, expire, persist) {
            expire = Some((opt, args.next_bytes()?));
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let change = match expire {
        // Redis looks the key up before it validates the time: a missing key is nil
        // even with `EX 0`.
        Some((opt, value)) => match ctx.db().get(key)? {
            None => return Ok(Reply::Nil),
            Some(_) => TtlChange::At(expire_at(opt, value, ctx.now, "getex")?),
        },
        None if persist => TtlChange::Persist,
        None => TtlChange::None,
    };
    let had_ttl = change == TtlChange::Persist && ctx.notifying(event::GENERIC) && ctx.db().expire_time(key)? > 0;
    let value = ctx.db().getex(key, change)?;
    match change {
        _ if value.is_none() => {}
        TtlChange::At(at) if at <= ctx.now => ctx.notify(event::GENERIC, "del", key),
        TtlChange::At(_) => ctx.notify(event::GENERIC, "expire", key),
        TtlChange::Persist if had_ttl => ctx.notify(event::GENERIC, "persist", key),
        _ => {}
    }
    Ok(Reply::opt(value))
}

fn mget(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let keys = args.rest_slices();
    let values = ctx.db().mget(&keys)?;
    Ok(Reply::Array(values.into_iter().map(Reply::opt).collect()))
}

fn mset_pairs<'a>(args: &mut Args<'a>, name: &str) -> Result<Vec<(&'a [u8], &'a [u8])>, CmdError> {
    let rest = args.rest_slices();
    if !rest.len().is_multiple_of(2) {
        return Err(CmdError::WrongArgs(name.into()));
    }
    Ok(rest.chunks(2).map(|p| (p[0], p[1])).collect())
}

fn mset(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let pairs = mset_pairs(args, "mset")?;
    ctx.db().mset(&pairs, false)?;
    pairs.iter().for_each(|(key, _)| notify_set(ctx, key, false));
    Ok(Reply::Ok)
}

fn msetnx(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let pairs = mset_pairs(args, "msetnx")?;
    let written = ctx.db().mset(&pairs, true)?;
    if written {
        pairs.iter().for_each(|(key, _)| notify_set(ctx, key, false));
    }
    Ok(Reply::Int(written as i64))
}

fn incr_with(ctx: &mut Ctx, key: &[u8], delta: i64) -> Result<Reply, CmdError> {
    let n = ctx.db().incr_by(key, delta)?;
    ctx.notify(event::STRING, "incrby", key);
    Ok(Reply::Int(n))
}

fn incr(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    incr_with(ctx, args.next_bytes()?, 1)
}

fn decr(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    incr_with(ctx, args.next_bytes()?, -1)
}

fn incrby(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let delta = args.next_i64()?;
    incr_with(ctx, key, delta)
}

fn decrby(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let delta = args.next_i64()?;
    let delta = delta.checked_neg().ok_or_else(|| CmdError::msg("ERR decrement would overflow"))?;
    incr_with(ctx, key, delta)
}

fn incrbyfloat(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    // Checked after the key's type and value, as Redis does.
    let delta = parse_f64(args.next_bytes()?);
    let n = ctx.db().incr_by_float(key, delta)?;
    ctx.notify(event::STRING, "incrbyfloat", key);
    Ok(Reply::Bulk(n))
}

fn append(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, tail) = (args.next_bytes()?, args.next_bytes()?);
    let len = ctx.db().append(key, tail)?;
    ctx.notify(event::STRING, "append", key);
    Ok(Reply::Int(len as i64))
}

fn strlen(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Int(ctx.db().get(args.next_bytes()?)?.map_or(0, |v| v.len()) as i64))
}

fn getrange(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let (start, end) = (args.next_i64()?, args.next_i64()?);
    let v = ctx.db().get(key)?.unwrap_or_default();
    Ok(match st::resolve_range(start, end, v.len()) {
        Some((s, e)) => Reply::bulk(&v[s..=e]),
        None => Reply::bulk(Vec::new()),
    })
}

fn setrange(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let offset = args.next_i64()?;
    if offset < 0 {
        return Err(CmdError::err("offset is out of range"));
    }
    let value = args.next_bytes()?;
    let len = ctx.db().setrange(key, offset as usize, value)?;
    if !value.is_empty() {
        ctx.notify(event::STRING, "setrange", key);
    }
    Ok(Reply::Int(len as i64))
}

/// A SETBIT/GETBIT bit offset.
fn bit_offset(args: &mut Args) -> Result<u64, CmdError> {
    offset(args.next_bytes()?, None)
}

/// A bit offset: 0 ..= 2^32-1, as Redis allows with the default proto-max-bulk-len.
/// BITFIELD passes its field width as `field`, which allows `#n` for the n-th field of
/// that width.
fn offset(arg: &[u8], field: Option<u32>) -> Result<u64, CmdError> {
    let err = || CmdError::err("bit offset is not an integer or out of range");
    let (digits, scale) = match (arg.strip_prefix(b"#"), field) {
        (Some(rest), Some(bits)) => (rest, bits as i64),
        _ => (arg, 1),
    };
    let n = parse_i64(digits).and_then(|n| n.checked_mul(scale)).ok_or_else(err)?;
    if !(0..(4i64 << 30)).contains(&n) {
        return Err(err());
    }
    Ok(n as u64)
}

fn setbit(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let offset = bit_offset(args)?;
    let on = match args.next_bytes()? {
        b"1" => true,
        b"0" => false,
        _ => return Err(CmdError::err("bit is not an integer or out of range")),
    };
    let old = ctx.db().setbit(key, offset, on)?;
    ctx.notify(event::STRING, "setbit", key);
    Ok(Reply::Int(old as i64))
}

fn getbit(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let offset = bit_offset(args)?;
    let v = ctx.db().get(key)?.unwrap_or_default();
    let byte = (offset >> 3) as usize;
    let bit = v.get(byte).map_or(0, |b| (b >> (7 - (offset & 7))) & 1);
    Ok(Reply::Int(bit as i64))
}

/// Parses the optional `[start end [BYTE|BIT]]` of BITCOUNT/BITPOS; `Some(true)` = BIT.
fn bit_unit(args: &mut Args) -> Result<bool, CmdError> {
    match args.try_next() {
        None => Ok(false),
        Some(u) if is(u, "BYTE") => Ok(false),
        Some(u) if is(u, "BIT") => Ok(true),
        Some(_) => Err(CmdError::Syntax),
    }
}

fn bitcount(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let range = match args.remaining() {
        0 => None,
        2 | 3 => {
            let (s, e) = (args.next_i64()?, args.next_i64()?);
            Some((s, e, bit_unit(args)?))
        }
        _ => return Err(CmdError::Syntax),
    };
    let v = ctx.db().get(key)?.unwrap_or_default();
    let n = match range {
        None => st::popcount(&v),
        Some((s, e, false)) => st::resolve_range(s, e, v.len()).map_or(0, |(s, e)| st::popcount(&v[s..=e])),
        Some((s, e, true)) => st::resolve_range(s, e, v.len() * 8).map_or(0, |(s, e)| st::popcount_bits(&v, s, e)),
    };
    Ok(Reply::Int(n as i64))
}

fn bitpos(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let bit = match args.next_bytes()? {
        b"1" => true,
        b"0" => false,
        b => return Err(if parse_i64(b).is_some() { CmdError::err("The bit argument must be 1 or 0.") } else { CmdError::NotInteger }),
    };
    if args.remaining() > 3 {
        return Err(CmdError::Syntax);
    }
    // Redis's order: the start, the unit, then the end.
    let start = args.try_next().map(|s| parse_i64(s).ok_or(CmdError::NotInteger)).transpose()?;
    let end = args.try_next();
    let bits = bit_unit(args)?;
    let end = end.map(|e| parse_i64(e).ok_or(CmdError::NotInteger)).transpose()?;
    let Some(v) = ctx.db().get(key)? else {
        return Ok(Reply::Int(if bit { -1 } else { 0 }));
    };
    let unit_len = if bits { v.len() * 8 } else { v.len() };
    let Some((s, e)) = st::clamp_range(start.unwrap_or(0), end.unwrap_or(-1), unit_len) else {
        return Ok(Reply::Int(-1));
    };
    let (bs, be) = if bits { (s, e) } else { (s * 8, e * 8 + 7) };
    Ok(Reply::Int(match st::find_bit(&v, bit, bs, be) {
        Some(p) => p as i64,
        // Looking for a clear bit without an explicit end: the string is padded with
        // zeros on the right, so the answer is the first bit past the range.
        None if !bit && end.is_none() => (be + 1) as i64,
        None => -1,
    }))
}

fn bitop(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let name = args.next_bytes()?;
    let op = [("AND", BitOp::And), ("OR", BitOp::Or), ("XOR", BitOp::Xor), ("NOT", BitOp::Not)]
        .into_iter()
        .find_map(|(n, op)| is(name, n).then_some(op))
        .ok_or(CmdError::Syntax)?;
    let dst = args.next_bytes()?;
    let sources = args.rest_slices();
    if op == BitOp::Not && sources.len() != 1 {
        return Err(CmdError::err("BITOP NOT must be called with a single source key."));
    }
    let out = ctx.db().bitop(op, dst, &sources)?;
    if out.len > 0 {
        ctx.notify(event::STRING, "set", dst);
    } else if out.deleted {
        ctx.notify(event::GENERIC, "del", dst);
    }
    Ok(Reply::Int(out.len as i64))
}

fn bitfield(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    run_bitfield(ctx, args, false)
}

fn bitfield_ro(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    run_bitfield(ctx, args, true)
}

/// BITFIELD and BITFIELD_RO: every operation is parsed (and its errors reported, in
/// Redis's order) before any runs.
fn run_bitfield(ctx: &mut Ctx, args: &mut Args, read_only: bool) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let mut fields = Vec::new();
    let mut overflow = Overflow::Wrap;
    while let Some(sub) = args.try_next() {
        let rest = args.remaining();
        let op = if is(sub, "GET") && rest >= 2 {
            FieldOp::Get
        } else if is(sub, "SET") && rest >= 3 {
            FieldOp::Set(0)
        } else if is(sub, "INCRBY") && rest >= 3 {
            FieldOp::IncrBy(0)
        } else if is(sub, "OVERFLOW") && rest >= 1 {
            let name = args.next_bytes()?;
            overflow = [("WRAP", Overflow::Wrap), ("SAT", Overflow::Sat), ("FAIL", Overflow::Fail)]
                .into_iter()
                .find_map(|(n, o)| is(name, n).then_some(o))
                .ok_or_else(|| CmdError::err("Invalid OVERFLOW type specified"))?;
            continue;
        } else {
            return Err(CmdError::Syntax);
        };
        let (signed, bits) = field_type(args.next_bytes()?)?;
        let offset = offset(args.next_bytes()?, Some(bits))?;
        let op = match op {
            FieldOp::Get => op,
            FieldOp::Set(_) => FieldOp::Set(args.next_i64()?),
            FieldOp::IncrBy(_) => FieldOp::IncrBy(args.next_i64()?),
        };
        fields.push(Field { op, signed, bits, offset, overflow });
    }
    let writes = fields.iter().any(|f| f.op != FieldOp::Get);
    if read_only && writes {
        return Err(CmdError::err("BITFIELD_RO only supports the GET subcommand"));
    }
    let (out, changed) = ctx.db().bitfield(key, &fields)?;
    if changed {
        ctx.notify(event::STRING, "setbit", key);
    }
    Ok(Reply::Array(out.into_iter().map(|v| v.map_or(Reply::Nil, Reply::Int)).collect()))
}

/// The key a BITFIELD may change: none when it only GETs.
fn bitfield_writes(argv: &[bytes::Bytes]) -> Vec<usize> {
    let writes = argv.iter().skip(2).any(|a| is(a, "SET") || is(a, "INCRBY"));
    if writes {
        vec![1]
    } else {
        Vec::new()
    }
}

/// A BITFIELD type: `i1`-`i64` or `u1`-`u63` (lower case, as Redis requires).
fn field_type(arg: &[u8]) -> Result<(bool, u32), CmdError> {
    let err = || CmdError::err("Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
    let (signed, max) = match arg.first() {
        Some(b'i') => (true, 64),
        Some(b'u') => (false, 63),
        _ => return Err(err()),
    };
    match parse_i64(&arg[1..]) {
        Some(bits) if (1..=max).contains(&bits) => Ok((signed, bits as u32)),
        _ => Err(err()),
    }
}

fn pfadd(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let updated = ctx.db().pfadd(key, &args.rest_slices())?;
    if updated {
        ctx.notify(event::STRING, "pfadd", key);
    }
    Ok(Reply::Int(updated as i64))
}

fn pfcount(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Int(ctx.db().pfcount(&args.rest_slices())? as i64))
}

fn pfmerge(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let dst = args.next_bytes()?;
    ctx.db().pfmerge(dst, &args.rest_slices())?;
    // Redis announces a merge as a mass PFADD.
    ctx.notify(event::STRING, "pfadd", dst);
    Ok(Reply::Ok)
}

fn lcs(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (k1, k2) = (args.next_bytes()?, args.next_bytes()?);
    // As Redis: the keys' types before the options.
    let db = ctx.db();
    let string_of = |k: &[u8]| match db.get(k) {
        Err(Error::WrongType) => Err(CmdError::err("The specified keys must contain string values")),
        other => Ok(other?.unwrap_or_default()),
    };
    let (a, b) = (string_of(k1)?, string_of(k2)?);
    let (mut len_only, mut idx, mut with_len, mut min_len) = (false, false, false, 0i64);
    while let Some(opt) = args.try_next() {
        if is(opt, "LEN") {
            len_only = true;
        } else if is(opt, "IDX") {
            idx = true;
        } else if is(opt, "WITHMATCHLEN") {
            with_len = true;
        } else if is(opt, "MINMATCHLEN") {
            min_len = args.next_i64()?.max(0);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if len_only && idx {
        return Err(CmdError::err("If you want both the length and indexes, please just use IDX."));
    }
    if (a.len() as u64 + 1) * (b.len() as u64 + 1) >= (u32::MAX / 4) as u64 {
        return Err(CmdError::err("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
    }
    let r = st::lcs(&a, &b);
    if len_only {
        return Ok(Reply::Int(r.sequence.len() as i64));
    }
    if !idx {
        return Ok(Reply::Bulk(r.sequence));
    }
    let range = |(s, e): (usize, usize)| Reply::Array(vec![Reply::Int(s as i64), Reply::Int(e as i64)]);
    let matches = r
        .matches
        .iter()
        .filter(|m| m.2 as i64 >= min_len)
        .map(|&(ra, rb, l)| {
            let mut item = vec![range(ra), range(rb)];
            if with_len {
                item.push(Reply::Int(l as i64));
            }
            Reply::Array(item)
        })
        .collect();
    Ok(Reply::Map(vec![(Reply::from_str("matches"), Reply::Array(matches)), (Reply::from_str("len"), Reply::Int(r.sequence.len() as i64))]))
}
