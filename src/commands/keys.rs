//! Generic key commands (Redis's "generic" and "keyspace" groups).

use super::args::is;
use super::flag::*;
use super::pubsub::event;
use super::{cmd, dispatch_sub, Args, CmdError, Command, Ctx};
use crate::protocol::Reply;
use crate::rdb;
use crate::storage::Kind;
use crate::types::dump::Restored;
use crate::types::keys::ExpireCond;
use crate::types::parse_i64;
use crate::types::sort::{SortSpec, Sorted};

pub const TABLE: &[Command] = &[
    cmd("del", -2, WRITE, (1, -1, 1), "generic", "Delete keys", del),
    cmd("unlink", -2, WRITE | FAST, (1, -1, 1), "generic", "Delete keys (O(1) per key, like DEL here)", del),
    cmd("exists", -2, READONLY | FAST, (1, -1, 1), "generic", "Count existing keys", exists),
    cmd("touch", -2, READONLY | FAST, (1, -1, 1), "generic", "Count existing keys (access time is not tracked)", exists),
    cmd("type", 2, READONLY | FAST, (1, 1, 1), "generic", "The type of a key", type_cmd),
    cmd("expire", -3, WRITE | FAST, (1, 1, 1), "generic", "Set a time to live in seconds", expire),
    cmd("pexpire", -3, WRITE | FAST, (1, 1, 1), "generic", "Set a time to live in milliseconds", pexpire),
    cmd("expireat", -3, WRITE | FAST, (1, 1, 1), "generic", "Set an expiry as a Unix time in seconds", expireat),
    cmd("pexpireat", -3, WRITE | FAST, (1, 1, 1), "generic", "Set an expiry as a Unix time in milliseconds", pexpireat),
    cmd("ttl", 2, READONLY | FAST, (1, 1, 1), "generic", "Time to live in seconds", ttl),
    cmd("pttl", 2, READONLY | FAST, (1, 1, 1), "generic", "Time to live in milliseconds", pttl),
    cmd("expiretime", 2, READONLY | FAST, (1, 1, 1), "generic", "Expiry as a Unix time in seconds", expiretime),
    cmd("pexpiretime", 2, READONLY | FAST, (1, 1, 1), "generic", "Expiry as a Unix time in milliseconds", pexpiretime),
    cmd("persist", 2, WRITE | FAST, (1, 1, 1), "generic", "Remove the expiry of a key", persist),
    cmd("keys", 2, READONLY, (0, 0, 0), "keyspace", "Find keys matching a pattern", keys),
    cmd("scan", -2, READONLY, (0, 0, 0), "keyspace", "Iterate the keyspace", scan),
    cmd("randomkey", 1, READONLY, (0, 0, 0), "keyspace", "A random key", randomkey),
    cmd("rename", 3, WRITE, (1, 2, 1), "generic", "Rename a key", rename),
    cmd("renamenx", 3, WRITE | FAST, (1, 2, 1), "generic", "Rename a key if the new name is free", renamenx),
    cmd("copy", -3, WRITE | DENYOOM, (1, 2, 1), "generic", "Copy a key", copy).writes(super::second_key),
    cmd("move", 3, WRITE | FAST, (1, 1, 1), "generic", "Move a key to another database", move_cmd),
    cmd("swapdb", 3, WRITE | FAST, (0, 0, 0), "keyspace", "Swap two databases", swapdb),
    cmd("dbsize", 1, READONLY | FAST, (0, 0, 0), "keyspace", "Number of keys in the database", dbsize),
    cmd("flushdb", -1, WRITE, (0, 0, 0), "keyspace", "Remove every key of the database", flushdb),
    cmd("flushall", -1, WRITE, (0, 0, 0), "keyspace", "Remove every key of every database", flushall),
    cmd("object", -2, READONLY, (2, 2, 1), "generic", "Inspect how a key is stored", object),
    cmd("dump", 2, READONLY, (1, 1, 1), "generic", "A key's value in Redis's serialization format", dump),
    cmd("restore", -4, WRITE | DENYOOM, (1, 1, 1), "generic", "Create a key from a DUMP payload", restore),
    cmd("sort", -2, WRITE | DENYOOM, (1, 1, 1), "generic", "Sort a list, set or sorted set", sort)
        .movable(sort_keys)
        .writes(sort_store_key)
        .reads_unnamed_keys(),
    cmd("sort_ro", -2, READONLY, (1, 1, 1), "generic", "Sort a list, set or sorted set (no STORE)", sort_ro).reads_unnamed_keys(),
];

fn del(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let keys = args.rest_slices();
    // Which keys exist is read only when `del` events are published.
    let mut live: Vec<&[u8]> = Vec::new();
    if ctx.notifying(event::GENERIC) {
        for key in &keys {
            if !live.contains(key) && ctx.db().live(key)?.is_some() {
                live.push(key);
            }
        }
    }
    let removed = ctx.db().del(&keys)?;
    live.iter().for_each(|key| ctx.notify(event::GENERIC, "del", key));
    Ok(Reply::Int(removed))
}

fn exists(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let keys = args.rest_slices();
    Ok(Reply::Int(ctx.db().exists(&keys)?))
}

fn type_cmd(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let kind = ctx.db().kind(args.next_bytes()?)?;
    Ok(Reply::Simple(kind.map_or("none", Kind::name)))
}

/// EXPIRE and friends: `unit_ms` converts the argument to ms; `absolute` for *AT.
fn expire_generic(ctx: &mut Ctx, args: &mut Args, unit_ms: i64, absolute: bool, name: &str) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    // Redis checks the options before it parses the time.
    let time = args.next_bytes()?;
    let mut cond = ExpireCond::default();
    while let Some(opt) = args.try_next() {
        if is(opt, "NX") {
            cond.nx = true;
        } else if is(opt, "XX") {
            cond.xx = true;
        } else if is(opt, "GT") {
            cond.gt = true;
        } else if is(opt, "LT") {
            cond.lt = true;
        } else {
            return Err(CmdError::err(format!("Unsupported option {}", super::printable(opt, 128))));
        }
    }
    if cond.nx && (cond.xx || cond.gt || cond.lt) {
        return Err(CmdError::err("NX and XX, GT or LT options at the same time are not compatible"));
    }
    if cond.gt && cond.lt {
        return Err(CmdError::err("GT and LT options at the same time are not compatible"));
    }
    let n = parse_i64(time).ok_or(CmdError::NotInteger)?;
    let invalid = || CmdError::msg(format!("ERR invalid expire time in '{name}' command"));
    let ms = n.checked_mul(unit_ms).ok_or_else(invalid)?;
    let at = if absolute { ms } else { ms.checked_add(ctx.now as i64).ok_or_else(invalid)? };
    let set = ctx.db().expire_at(key, at, cond)?;
    if set {
        // A deadline in the past deletes the key.
        ctx.notify(event::GENERIC, if at <= ctx.now as i64 { "del" } else { "expire" }, key);
    }
    Ok(Reply::Int(set as i64))
}

fn expire(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    expire_generic(ctx, args, 1000, false, "expire")
}

fn pexpire(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    expire_generic(ctx, args, 1, false, "pexpire")
}

fn expireat(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    expire_generic(ctx, args, 1000, true, "expireat")
}

fn pexpireat(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    expire_generic(ctx, args, 1, true, "pexpireat")
}

/// TTL family: `absolute` for *EXPIRETIME, `ms` for the P* forms.
fn ttl_generic(ctx: &mut Ctx, args: &mut Args, absolute: bool, ms: bool) -> Result<Reply, CmdError> {
    let at = ctx.db().expire_time(args.next_bytes()?)?;
    if at < 0 {
        return Ok(Reply::Int(at));
    }
    let t = if absolute { at } else { (at - ctx.now as i64).max(0) };
    // Rounded to the nearest second without overflowing near i64::MAX (PEXPIREAT k
    // 9223372036854775807).
    Ok(Reply::Int(if ms { t } else { t / 1000 + (t % 1000 >= 500) as i64 }))
}

fn ttl(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    ttl_generic(ctx, args, false, false)
}

fn pttl(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    ttl_generic(ctx, args, false, true)
}

fn expiretime(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    ttl_generic(ctx, args, true, false)
}

fn pexpiretime(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    ttl_generic(ctx, args, true, true)
}

fn persist(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let done = ctx.db().persist(key)?;
    if done {
        ctx.notify(event::GENERIC, "persist", key);
    }
    Ok(Reply::Int(done as i64))
}

fn keys(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let keys = ctx.db().keys(args.next_bytes()?)?;
    Ok(Reply::Array(keys.into_iter().map(Reply::Bulk).collect()))
}

fn scan(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let cursor = parse_cursor(args.next_bytes()?)?;
    let opts = scan_options(args, true)?;
    let Some(start) = cursor_start(ctx, cursor) else { return Ok(scan_reply(ctx, None, vec![])) };
    let page = ctx.db().scan(&start, opts.count, opts.pattern, opts.kind)?;
    Ok(scan_reply(ctx, page.next, page.keys.into_iter().map(Reply::Bulk).collect()))
}

/// The options shared by SCAN, HSCAN, SSCAN and ZSCAN.
pub struct ScanOptions<'a> {
    pub count: usize,
    /// `None` also for `*`, which matches everything.
    pub pattern: Option<&'a [u8]>,
    /// SCAN's TYPE filter.
    pub kind: Option<&'a str>,
}

/// Parses a scan cursor: an unsigned integer, or Redis's `ERR invalid cursor`.
pub fn parse_cursor(arg: &[u8]) -> Result<u64, CmdError> {
    std::str::from_utf8(arg).ok().and_then(|s| s.parse().ok()).ok_or_else(|| CmdError::err("invalid cursor"))
}

/// Parses `[MATCH pattern] [COUNT count]` (and `[TYPE type]` when `with_type`).
pub fn scan_options<'a>(args: &mut Args<'a>, with_type: bool) -> Result<ScanOptions<'a>, CmdError> {
    let mut opts = ScanOptions { count: 10, pattern: None, kind: None };
    while let Some(opt) = args.try_next() {
        if is(opt, "COUNT") {
            let n = args.next_i64()?;
            if n < 1 {
                return Err(CmdError::Syntax);
            }
            opts.count = n as usize;
        } else if is(opt, "MATCH") {
            opts.pattern = Some(args.next_bytes()?).filter(|p| *p != b"*");
        } else if with_type && is(opt, "TYPE") {
            opts.kind = Some(args.next_str()?);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(opts)
}

/// Where the page of `cursor` starts: the beginning for 0, the saved position otherwise,
/// or `None` for a forgotten cursor (restart, or 100,000 newer cursors), which ends the
/// scan rather than starting over, so a client can never loop forever.
pub fn cursor_start(ctx: &Ctx, cursor: u64) -> Option<Vec<u8>> {
    if cursor == 0 {
        return Some(Vec::new());
    }
    ctx.state.cursors.position(cursor)
}

/// A scan page: the cursor of `next` (0 when the scan is complete) and the items.
pub fn scan_reply(ctx: &Ctx, next: Option<Vec<u8>>, items: Vec<Reply>) -> Reply {
    let cursor = next.map_or(0, |p| ctx.state.cursors.save(p));
    Reply::Array(vec![Reply::from_str(&cursor.to_string()), Reply::Array(items)])
}

fn randomkey(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    let seed = random_u64();
    Ok(Reply::opt(ctx.db().random_key(seed)?))
}

/// A cheap random number (RandomState is seeded from the OS per process).
pub fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    h.finish()
}

fn rename_generic(ctx: &mut Ctx, args: &mut Args, nx: bool) -> Result<Reply, CmdError> {
    let (src, dst) = (args.next_bytes()?, args.next_bytes()?);
    let renamed = ctx.db().rename(src, dst, nx)?;
    if renamed == Some(true) && src != dst {
        ctx.notify(event::GENERIC, "rename_from", src);
        ctx.notify(event::GENERIC, "rename_to", dst);
    }
    match renamed {
        None => Err(CmdError::err("no such key")),
        Some(done) if nx => Ok(Reply::Int(done as i64)),
        Some(_) => Ok(Reply::Ok),
    }
}

fn rename(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    rename_generic(ctx, args, false)
}

fn renamenx(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    rename_generic(ctx, args, true)
}

/// Parses a database index argument with Redis's error for one out of range.
pub fn db_index(ctx: &Ctx, arg: &[u8]) -> Result<usize, CmdError> {
    let n = parse_i64(arg).ok_or(CmdError::NotInteger)?;
    if n < 0 || n as usize >= ctx.state.databases() {
        return Err(CmdError::err("DB index is out of range"));
    }
    Ok(n as usize)
}

fn copy(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (src, dst) = (args.next_bytes()?, args.next_bytes()?);
    let (mut dst_db, mut replace) = (ctx.session.db, false);
    while let Some(opt) = args.try_next() {
        if is(opt, "REPLACE") {
            replace = true;
        } else if is(opt, "DB") {
            dst_db = db_index(ctx, args.next_bytes()?)?;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if src == dst && dst_db == ctx.session.db {
        return Err(CmdError::err("source and destination objects are the same"));
    }
    let phys = ctx.physical(dst_db);
    let copied = ctx.db().copy(src, phys, dst, replace)?;
    if copied {
        ctx.notify_in(dst_db, event::GENERIC, "copy_to", dst);
    }
    Ok(Reply::Int(copied as i64))
}

fn move_cmd(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let dst = db_index(ctx, args.next_bytes()?)?;
    if dst == ctx.session.db {
        return Err(CmdError::err("source and destination objects are the same"));
    }
    let phys = ctx.physical(dst);
    let moved = ctx.db().move_to(key, phys)?;
    if moved {
        ctx.notify(event::GENERIC, "move_from", key);
        ctx.notify_in(dst, event::GENERIC, "move_to", key);
    }
    Ok(Reply::Int(moved as i64))
}

fn swapdb(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let a = parse_i64(args.next_bytes()?).ok_or_else(|| CmdError::err("invalid first DB index"))?;
    let b = parse_i64(args.next_bytes()?).ok_or_else(|| CmdError::err("invalid second DB index"))?;
    let n = ctx.state.databases() as i64;
    if !(0..n).contains(&a) || !(0..n).contains(&b) {
        return Err(CmdError::err("DB index is out of range"));
    }
    if a != b {
        ctx.store().swap_db(a as usize, b as usize)?;
    }
    Ok(Reply::Ok)
}

fn dbsize(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Int(ctx.store().dbsize(ctx.db().db)))
}

/// FLUSHDB/FLUSHALL take `ASYNC` or `SYNC`; both are O(1) range deletes here.
fn flush_mode(args: &mut Args) -> Result<(), CmdError> {
    match args.try_next() {
        None => Ok(()),
        Some(m) if is(m, "ASYNC") || is(m, "SYNC") => args.finish(),
        Some(_) => Err(CmdError::Syntax),
    }
}

fn flushdb(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    flush_mode(args)?;
    ctx.store().flush_db(ctx.db().db)?;
    Ok(Reply::Ok)
}

fn flushall(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    flush_mode(args)?;
    ctx.store().flush_all()?;
    Ok(Reply::Ok)
}

const OBJECT_SUBS: &[Command] = &[
    cmd("encoding", 3, READONLY, (2, 2, 1), "generic", "How the value is encoded", object_encoding),
    cmd("freq", 3, READONLY, (2, 2, 1), "generic", "Access frequency (LFU policies only)", object_freq),
    cmd("idletime", 3, READONLY, (2, 2, 1), "generic", "Seconds since last access (not tracked: 0)", object_idletime),
    cmd("refcount", 3, READONLY, (2, 2, 1), "generic", "Reference count (always 1)", object_refcount),
    cmd("help", 2, READONLY, (0, 0, 0), "generic", "Show help", object_help),
];

fn object(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    dispatch_sub(ctx, args, "object", OBJECT_SUBS)
}

/// The encoding Redis would report for this value.
fn encoding_of(kind: Kind, body: &[u8]) -> &'static str {
    match kind {
        Kind::String if body.len() <= 20 && parse_i64(body).is_some() => "int",
        Kind::String if body.len() <= 44 => "embstr",
        Kind::String => "raw",
        Kind::List => "quicklist",
        Kind::Hash | Kind::Set => "hashtable",
        Kind::ZSet => "skiplist",
        Kind::Json => "raw",
        Kind::Stream => "stream",
    }
}

fn object_encoding(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let meta = ctx.db().live(args.next_bytes()?)?;
    Ok(meta.map_or(Reply::Nil, |m| Reply::from_str(encoding_of(m.kind, &m.body))))
}

fn object_freq(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    if ctx.db().live(args.next_bytes()?)?.is_none() {
        return Ok(Reply::Nil);
    }
    Err(CmdError::err(
        "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
    ))
}

fn object_idletime(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    Ok(ctx.db().live(args.next_bytes()?)?.map_or(Reply::Nil, |_| Reply::Int(0)))
}

fn object_refcount(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    Ok(ctx.db().live(args.next_bytes()?)?.map_or(Reply::Nil, |_| Reply::Int(1)))
}

fn object_help(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(help_reply(
        "OBJECT",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key> (LFU policies only).",
            "IDLETIME <key>",
            "    DiskDB does not track access times: always 0.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key> (always 1 in DiskDB).",
        ],
    ))
}

/// A HELP reply in Redis's shape: a title line, the lines, and HELP itself.
pub fn help_reply(parent: &str, lines: &[&str]) -> Reply {
    let mut out = vec![Reply::Status(format!("{parent} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"))];
    out.extend(lines.iter().map(|l| Reply::Status(l.to_string())));
    out.push(Reply::Status("HELP".into()));
    out.push(Reply::Status("    Prints this help.".into()));
    Reply::Array(out)
}

fn dump(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let value = ctx.db().dump_value(args.next_bytes()?)?;
    Ok(value.map_or(Reply::Nil, |v| Reply::Bulk(rdb::encode(&v))))
}

/// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s | FREQ f]. The checks come in
/// Redis's order: options, an existing key, the TTL, the payload. IDLETIME and FREQ are
/// checked and then ignored: DiskDB keeps no access times or counters per key.
fn restore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (key, ttl, payload) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let (mut replace, mut absttl, mut idle, mut freq) = (false, false, false, false);
    while let Some(opt) = args.try_next() {
        if is(opt, "REPLACE") {
            replace = true;
        } else if is(opt, "ABSTTL") {
            absttl = true;
        } else if is(opt, "IDLETIME") && args.remaining() >= 1 && !freq {
            if args.next_i64()? < 0 {
                return Err(CmdError::err("Invalid IDLETIME value, must be >= 0"));
            }
            idle = true;
        } else if is(opt, "FREQ") && args.remaining() >= 1 && !idle {
            if !(0..=255).contains(&args.next_i64()?) {
                return Err(CmdError::err("Invalid FREQ value, must be >= 0 and <= 255"));
            }
            freq = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if !replace && ctx.db().live(key)?.is_some() {
        return Err(CmdError::msg("BUSYKEY Target key name already exists."));
    }
    let ttl = parse_i64(ttl).ok_or(CmdError::NotInteger)?;
    if ttl < 0 {
        return Err(CmdError::err("Invalid TTL value, must be >= 0"));
    }
    let value = rdb::decode(payload).map_err(|e| CmdError::msg(e.message()))?;
    let expire_at = match ttl {
        0 => 0,
        t if absttl => t as u64,
        t => (ctx.now as i64).saturating_add(t) as u64,
    };
    match ctx.db().restore(key, &value, expire_at, replace)? {
        Restored::Busy => Err(CmdError::msg("BUSYKEY Target key name already exists.")),
        Restored::Expired { deleted } => {
            if deleted {
                ctx.notify(event::GENERIC, "del", key);
            }
            Ok(Reply::Ok)
        }
        Restored::Created => {
            ctx.notify(event::GENERIC, "restore", key);
            Ok(Reply::Ok)
        }
    }
}

fn sort(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    run_sort(ctx, args, false)
}

fn sort_ro(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    run_sort(ctx, args, true)
}

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
/// [STORE destination], options in any order, the last of each winning; SORT_RO
/// without STORE.
fn run_sort(ctx: &mut Ctx, args: &mut Args, read_only: bool) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let mut spec = SortSpec { by: None, offset: 0, count: -1, get: Vec::new(), desc: false, alpha: false, store: None };
    while let Some(opt) = args.try_next() {
        let rest = args.remaining();
        if is(opt, "ASC") || is(opt, "DESC") {
            spec.desc = is(opt, "DESC");
        } else if is(opt, "ALPHA") {
            spec.alpha = true;
        } else if is(opt, "LIMIT") && rest >= 2 {
            spec.offset = args.next_i64()?;
            spec.count = args.next_i64()?;
        } else if is(opt, "STORE") && rest >= 1 && !read_only {
            spec.store = Some(args.next_bytes()?);
        } else if is(opt, "BY") && rest >= 1 {
            spec.by = Some(args.next_bytes()?);
        } else if is(opt, "GET") && rest >= 1 {
            spec.get.push(args.next_bytes()?);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let existed = match spec.store {
        Some(dst) => ctx.exists_for_events(dst)?,
        None => false,
    };
    match ctx.db().sort(key, &spec)? {
        Sorted::Items(items) => Ok(Reply::Array(items.into_iter().map(Reply::opt).collect())),
        Sorted::Stored(n) => {
            ctx.notify_stored(event::LIST, "sortstore", spec.store.unwrap_or_default(), n, existed);
            Ok(Reply::Int(n as i64))
        }
    }
}

/// SORT's keys: the sorted key, and STORE's destination (the last one given), found
/// by stepping over the other options' arguments as Redis's `sortGetKeys` does.
fn sort_keys(argv: &[bytes::Bytes]) -> Vec<usize> {
    let mut keys = vec![1];
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        let a = &argv[i][..];
        if is(a, "LIMIT") {
            i += 2;
        } else if is(a, "GET") || is(a, "BY") {
            i += 1;
        } else if is(a, "STORE") && i + 1 < argv.len() {
            store = Some(i + 1);
            i += 1;
        }
        i += 1;
    }
    keys.extend(store);
    keys
}

/// The key a SORT may change: STORE's destination, if any.
fn sort_store_key(argv: &[bytes::Bytes]) -> Vec<usize> {
    sort_keys(argv).into_iter().skip(1).collect()
}
