//! Geospatial commands, on sorted sets (see [`crate::types::geo`]). Options, errors and
//! reply shapes follow Redis 7.0's `geo.c`.

use super::args::is;
use super::flag::*;
use super::pubsub::event;
use super::{cmd, first_key, Args, CmdError, Command, Ctx};
use crate::protocol::Reply;
use crate::types::geo::{self, Found, Shape};
use crate::types::parse_double;
use crate::types::zset::ZAddFlags;
use bytes::Bytes;

const W: u32 = WRITE | DENYOOM;

pub const TABLE: &[Command] = &[
    cmd("geoadd", -5, W, (1, 1, 1), "geo", "Add members with their positions", geoadd),
    cmd("geopos", -2, READONLY, (1, 1, 1), "geo", "Positions of members", geopos),
    cmd("geodist", -4, READONLY, (1, 1, 1), "geo", "Distance between two members", geodist),
    cmd("geohash", -2, READONLY, (1, 1, 1), "geo", "Standard geohashes of members", geohash),
    cmd("geosearch", -7, READONLY, (1, 1, 1), "geo", "Members within a radius or box", geosearch),
    cmd("geosearchstore", -8, W, (1, 2, 1), "geo", "Store the members within a radius or box", geosearchstore).writes(first_key),
    cmd("georadius", -6, W, (1, 1, 1), "geo", "Members within a radius of a position", georadius).movable(georadius_keys).writes(store_key),
    cmd("georadius_ro", -6, READONLY, (1, 1, 1), "geo", "Members within a radius of a position", georadius_ro),
    cmd("georadiusbymember", -5, W, (1, 1, 1), "geo", "Members within a radius of a member", georadiusbymember)
        .movable(georadius_keys)
        .writes(store_key),
    cmd("georadiusbymember_ro", -5, READONLY, (1, 1, 1), "geo", "Members within a radius of a member", georadiusbymember_ro),
];

/// A position argument pair, checked against the limits Redis indexes.
fn lon_lat(lon: &[u8], lat: &[u8]) -> Result<(f64, f64), CmdError> {
    let lon = parse_double(lon).ok_or(CmdError::NotFloat)?;
    let lat = parse_double(lat).ok_or(CmdError::NotFloat)?;
    if !(geo::LONG_MIN..=geo::LONG_MAX).contains(&lon) || !(geo::LAT_MIN..=geo::LAT_MAX).contains(&lat) {
        return Err(CmdError::err(format!("invalid longitude,latitude pair {lon:.6},{lat:.6}")));
    }
    Ok((lon, lat))
}

/// A distance unit: metres per unit.
fn unit(arg: &[u8]) -> Result<f64, CmdError> {
    [("m", 1.0), ("km", 1000.0), ("ft", 0.3048), ("mi", 1609.34)]
        .into_iter()
        .find_map(|(name, m)| is(arg, name).then_some(m))
        .ok_or_else(|| CmdError::err("unsupported unit provided. please use M, KM, FT, MI"))
}

/// A non-negative number for a radius, width or height (`what` names it in the error).
fn length(arg: &[u8], what: &str) -> Result<f64, CmdError> {
    parse_double(arg).ok_or_else(|| CmdError::err(format!("need numeric {what}")))
}

/// A coordinate as Redis prints one: `%.17Lf` without trailing zeros.
fn coordinate(v: f64) -> Reply {
    let text = format!("{v:.17}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    Reply::Bulk(text.as_bytes().to_vec())
}

fn distance_reply(metres: f64) -> Reply {
    Reply::Bulk(format!("{metres:.4}").into_bytes())
}

fn geoadd(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let mut flags = ZAddFlags::default();
    let mut ch = false;
    while let Some(opt) = args.peek() {
        match () {
            _ if is(opt, "NX") => flags.nx = true,
            _ if is(opt, "XX") => flags.xx = true,
            _ if is(opt, "CH") => ch = true,
            _ => break,
        }
        args.next_bytes()?;
    }
    let rest = args.rest_slices();
    if rest.is_empty() || !rest.len().is_multiple_of(3) || (flags.nx && flags.xx) {
        return Err(CmdError::Syntax);
    }
    let items = rest
        .chunks(3)
        .map(|t| {
            let (lon, lat) = lon_lat(t[0], t[1])?;
            Ok((geo::score_of(lon, lat).expect("a position within the limits"), t[2]))
        })
        .collect::<Result<Vec<_>, CmdError>>()?;
    let out = ctx.db().zadd(key, &items, flags)?;
    if out.added + out.updated > 0 {
        ctx.notify(event::ZSET, "zadd", key);
    }
    Ok(Reply::Int(out.added + if ch { out.updated } else { 0 }))
}

fn geopos(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let members = args.rest_slices();
    let scores = ctx.db().zmscore(key, &members)?;
    Ok(Reply::Array(
        scores
            .into_iter()
            .map(|s| match s {
                Some(score) => {
                    let (lon, lat) = geo::position(score);
                    Reply::Array(vec![coordinate(lon), coordinate(lat)])
                }
                None => Reply::NilArray,
            })
            .collect(),
    ))
}

fn geodist(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let (a, b) = (args.next_bytes()?, args.next_bytes()?);
    let per_unit = match args.remaining() {
        0 => 1.0,
        1 => unit(args.next_bytes()?)?,
        _ => return Err(CmdError::Syntax),
    };
    let scores = ctx.db().zmscore(key, &[a, b])?;
    let (Some(sa), Some(sb)) = (scores[0], scores[1]) else { return Ok(Reply::Nil) };
    let ((lon1, lat1), (lon2, lat2)) = (geo::position(sa), geo::position(sb));
    Ok(distance_reply(geo::distance(lon1, lat1, lon2, lat2) / per_unit))
}

fn geohash(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let members = args.rest_slices();
    let scores = ctx.db().zmscore(key, &members)?;
    Ok(Reply::Array(scores.into_iter().map(|s| s.map_or(Reply::Nil, |s| Reply::Bulk(geo::geohash_string(s).into_bytes()))).collect()))
}

/// Which search command runs: where its centre comes from, whether it may store.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Radius { by_member: bool, store: bool },
    Search { store: bool },
}

fn geosearch(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    search(ctx, args, Kind::Search { store: false })
}

fn geosearchstore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    search(ctx, args, Kind::Search { store: true })
}

fn georadius(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    search(ctx, args, Kind::Radius { by_member: false, store: true })
}

fn georadius_ro(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    search(ctx, args, Kind::Radius { by_member: false, store: false })
}

fn georadiusbymember(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    search(ctx, args, Kind::Radius { by_member: true, store: true })
}

fn georadiusbymember_ro(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    search(ctx, args, Kind::Radius { by_member: true, store: false })
}

/// A member's position, for FROMMEMBER and GEORADIUSBYMEMBER.
fn member_position(ctx: &Ctx, key: &[u8], member: &[u8]) -> Result<(f64, f64), CmdError> {
    match ctx.db().zscore(key, member)? {
        Some(score) => Ok(geo::position(score)),
        None => Err(CmdError::err("could not decode requested zset member")),
    }
}

/// GEOSEARCH, GEOSEARCHSTORE and the GEORADIUS family: Redis's `georadiusGeneric`, its
/// checks in its order.
fn search(ctx: &mut Ctx, args: &mut Args, kind: Kind) -> Result<Reply, CmdError> {
    let dst = match kind {
        Kind::Search { store: true } => Some(args.next_bytes()?),
        _ => None,
    };
    let key = args.next_bytes()?;
    // The key's type first; a missing key still has its arguments checked.
    let exists = ctx.db().live_of(key, crate::storage::Kind::ZSet)?.is_some();
    let (mut centre, mut shape, mut per_unit) = (None, None, 1.0);
    if let Kind::Radius { by_member, .. } = kind {
        if by_member {
            let member = args.next_bytes()?;
            if exists {
                centre = Some(member_position(ctx, key, member)?);
            }
        } else {
            centre = Some(lon_lat(args.next_bytes()?, args.next_bytes()?)?);
        }
        let (r, u) = (args.next_bytes()?, args.next_bytes()?);
        if centre.is_some() {
            let r = length(r, "radius")?;
            if r < 0.0 {
                return Err(CmdError::err("radius cannot be negative"));
            }
            per_unit = unit(u)?;
            shape = Some(Shape::Radius(r * per_unit));
        }
    }
    let (mut with_dist, mut with_hash, mut with_coord, mut any) = (false, false, false, false);
    let (mut desc, mut sort, mut count) = (false, false, 0i64);
    let (mut store, mut store_dist) = (dst, false);
    let (mut from_member, mut from_lonlat) = (false, false);
    let searching = matches!(kind, Kind::Search { .. });
    while let Some(opt) = args.try_next() {
        let rest = args.remaining();
        if is(opt, "WITHDIST") {
            with_dist = true;
        } else if is(opt, "WITHHASH") {
            with_hash = true;
        } else if is(opt, "WITHCOORD") {
            with_coord = true;
        } else if is(opt, "ANY") {
            any = true;
        } else if is(opt, "ASC") || is(opt, "DESC") {
            (sort, desc) = (true, is(opt, "DESC"));
        } else if is(opt, "COUNT") && rest >= 1 {
            count = args.next_i64()?;
            if count <= 0 {
                return Err(CmdError::err("COUNT must be > 0"));
            }
        } else if (is(opt, "STORE") || is(opt, "STOREDIST")) && rest >= 1 && matches!(kind, Kind::Radius { store: true, .. }) {
            store = Some(args.next_bytes()?);
            store_dist = is(opt, "STOREDIST");
        } else if is(opt, "STOREDIST") && kind == (Kind::Search { store: true }) {
            store_dist = true;
        } else if is(opt, "FROMMEMBER") && rest >= 1 && searching && !from_lonlat {
            let member = args.next_bytes()?;
            if exists {
                centre = Some(member_position(ctx, key, member)?);
            }
            from_member = true;
        } else if is(opt, "FROMLONLAT") && rest >= 2 && searching && !from_member {
            centre = Some(lon_lat(args.next_bytes()?, args.next_bytes()?)?);
            from_lonlat = true;
        } else if is(opt, "BYRADIUS") && rest >= 2 && searching && !matches!(shape, Some(Shape::Box { .. })) {
            let r = length(args.next_bytes()?, "radius")?;
            if r < 0.0 {
                return Err(CmdError::err("radius cannot be negative"));
            }
            per_unit = unit(args.next_bytes()?)?;
            shape = Some(Shape::Radius(r * per_unit));
        } else if is(opt, "BYBOX") && rest >= 3 && searching && !matches!(shape, Some(Shape::Radius(_))) {
            let width = length(args.next_bytes()?, "width")?;
            let height = length(args.next_bytes()?, "height")?;
            if width < 0.0 || height < 0.0 {
                return Err(CmdError::err("height or width cannot be negative"));
            }
            per_unit = unit(args.next_bytes()?)?;
            shape = Some(Shape::Box { width: width * per_unit, height: height * per_unit });
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let name = String::from_utf8_lossy(&args.argv()[0]).into_owned();
    if store.is_some() && (with_dist || with_hash || with_coord) {
        let what = if searching { "GEOSEARCHSTORE" } else { "STORE option in GEORADIUS" };
        return Err(CmdError::err(format!("{what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options")));
    }
    if searching && !(from_member || from_lonlat) {
        return Err(CmdError::err(format!("exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}")));
    }
    if searching && shape.is_none() {
        return Err(CmdError::err(format!("exactly one of BYRADIUS and BYBOX can be specified for {name}")));
    }
    if any && count == 0 {
        return Err(CmdError::err("the ANY argument requires COUNT argument"));
    }
    let (Some(centre), Some(shape), true) = (centre, shape, exists) else {
        return match store {
            Some(dst) => {
                let existed = ctx.exists_for_events(dst)?;
                let stored = ctx.db().zstore(dst, key, |_| Ok(Vec::new()))?;
                ctx.notify_stored(event::ZSET, store_event(searching), dst, stored, existed);
                Ok(Reply::Int(0))
            }
            None => Ok(Reply::Array(vec![])),
        };
    };
    let limit = (any && count > 0).then_some(count as usize);
    let sort = sort || (count > 0 && !any);
    let shown = |mut found: Vec<Found>| {
        if sort {
            found.sort_by(|a, b| if desc { b.dist.total_cmp(&a.dist) } else { a.dist.total_cmp(&b.dist) });
        }
        if count > 0 {
            found.truncate(count as usize);
        }
        found
    };
    let Some(dst) = store else {
        let found = shown(ctx.db().geo_search(key, centre, shape, limit)?);
        let plain = !(with_dist || with_hash || with_coord);
        return Ok(Reply::Array(
            found
                .into_iter()
                .map(|f| {
                    if plain {
                        return Reply::Bulk(f.member);
                    }
                    let mut item = vec![Reply::Bulk(f.member)];
                    if with_dist {
                        item.push(distance_reply(f.dist / per_unit));
                    }
                    if with_hash {
                        item.push(Reply::Int(geo::c_i64(f.score)));
                    }
                    if with_coord {
                        item.push(Reply::Array(vec![coordinate(f.lon), coordinate(f.lat)]));
                    }
                    Reply::Array(item)
                })
                .collect(),
        ));
    };
    let existed = ctx.exists_for_events(dst)?;
    let stored = ctx.db().zstore(dst, key, |db| {
        let found = shown(db.geo_search(key, centre, shape, limit)?);
        Ok(found.into_iter().map(|f| (f.member, if store_dist { f.dist / per_unit } else { f.score })).collect())
    })?;
    ctx.notify_stored(event::ZSET, store_event(searching), dst, stored, existed);
    Ok(Reply::Int(stored as i64))
}

fn store_event(searching: bool) -> &'static str {
    if searching {
        "geosearchstore"
    } else {
        "georadiusstore"
    }
}

/// GEORADIUS's keys, as COMMAND GETKEYS names them: the source, and every STORE and
/// STOREDIST argument.
fn georadius_keys(argv: &[Bytes]) -> Vec<usize> {
    let mut keys = vec![1];
    keys.extend(store_args(argv));
    keys
}

/// The positions of STORE's and STOREDIST's arguments.
fn store_args(argv: &[Bytes]) -> impl Iterator<Item = usize> + '_ {
    (2..argv.len().saturating_sub(1)).filter(|&i| is(&argv[i], "STORE") || is(&argv[i], "STOREDIST")).map(|i| i + 1)
}

/// The destination a GEORADIUS or GEORADIUSBYMEMBER writes, if any: the last given.
fn store_key(argv: &[Bytes]) -> Vec<usize> {
    store_args(argv).last().into_iter().collect()
}
