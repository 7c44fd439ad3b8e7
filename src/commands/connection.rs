//! Connection commands: PING, ECHO, QUIT, HELLO, AUTH, SELECT, RESET, CLIENT.

use super::args::is;
use super::context::Unblock;
use super::flag::*;
use super::keys::help_reply;
use super::{cmd, dispatch_sub, printable, After, Args, CmdError, Command, Ctx};
use crate::protocol::Reply;
use crate::types::parse_i64;
use std::sync::atomic::Ordering;

pub const TABLE: &[Command] = &[
    cmd("ping", -1, FAST | STALE, (0, 0, 0), "connection", "Ping the server", ping),
    cmd("echo", 2, FAST, (0, 0, 0), "connection", "Echo the argument", echo),
    cmd("quit", -1, FAST | NOAUTH | STALE | LOADING, (0, 0, 0), "connection", "Close the connection", quit),
    cmd("hello", -1, FAST | NOAUTH | STALE | LOADING | NOSCRIPT, (0, 0, 0), "connection", "Handshake: protocol version, auth, name", hello),
    cmd("auth", -2, FAST | NOAUTH | STALE | LOADING | NOSCRIPT, (0, 0, 0), "connection", "Authenticate the connection", auth),
    cmd("select", 2, FAST | LOADING | STALE, (0, 0, 0), "connection", "Select a database", select),
    cmd("reset", 1, FAST | NOAUTH | STALE | LOADING | NOSCRIPT, (0, 0, 0), "connection", "Reset the connection state", reset),
    cmd("client", -2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), "connection", "Inspect and manage connections", client),
];

fn ping(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    if args.remaining() > 1 {
        return Err(CmdError::WrongArgs("ping".into()));
    }
    let text = args.try_next();
    if ctx.in_subscribed_mode() {
        // RESP2's subscribed mode answers in the shape of a message.
        return Ok(Reply::Push(vec![Reply::from_str("pong"), Reply::bulk(text.unwrap_or_default())]));
    }
    Ok(text.map_or(Reply::Simple("PONG"), Reply::bulk))
}

fn echo(_ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::bulk(args.next_bytes()?))
}

fn quit(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    ctx.after = After::Close;
    Ok(Reply::Ok)
}

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

/// Checks credentials against the one user DiskDB has, `default`.
fn check_password(ctx: &Ctx, user: &[u8], pass: &[u8]) -> Result<(), CmdError> {
    if user != b"default" {
        return Err(CmdError::msg(WRONGPASS));
    }
    match ctx.state.requirepass() {
        // Without requirepass the default user has no password: anything goes.
        None => Ok(()),
        Some(p) if p.as_bytes() == pass => Ok(()),
        Some(_) => Err(CmdError::msg(WRONGPASS)),
    }
}

fn auth(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (user, pass) = match args.remaining() {
        1 => {
            if ctx.state.requirepass().is_none() {
                return Err(CmdError::err(
                    "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
                ));
            }
            (&b"default"[..], args.next_bytes()?)
        }
        2 => (args.next_bytes()?, args.next_bytes()?),
        _ => return Err(CmdError::Syntax),
    };
    check_password(ctx, user, pass)?;
    ctx.session.authenticated = true;
    Ok(Reply::Ok)
}

/// Client names may not contain spaces, newlines or other special characters.
fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

fn bad_name() -> CmdError {
    CmdError::err("Client names cannot contain spaces, newlines or special characters.")
}

fn set_name(ctx: &mut Ctx, name: &[u8]) -> Result<(), CmdError> {
    if !valid_name(name) {
        return Err(bad_name());
    }
    *ctx.session.handle.name.lock() = (!name.is_empty()).then(|| name.to_vec());
    Ok(())
}

fn hello(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let mut resp = ctx.session.resp;
    if let Some(v) = args.try_next() {
        let v = parse_i64(v).ok_or_else(|| CmdError::err("Protocol version is not an integer or out of range"))?;
        if !(2..=3).contains(&v) {
            return Err(CmdError::msg("NOPROTO unsupported protocol version"));
        }
        resp = v as u8;
    }
    let (mut creds, mut name) = (None, None);
    while let Some(opt) = args.try_next() {
        if is(opt, "AUTH") && args.remaining() >= 2 {
            creds = Some((args.next_bytes()?, args.next_bytes()?));
        } else if is(opt, "SETNAME") && args.remaining() >= 1 {
            // Checked with the options, before AUTH or a protocol switch, as Redis does.
            let n = args.next_bytes()?;
            if !valid_name(n) {
                return Err(bad_name());
            }
            name = Some(n);
        } else {
            return Err(CmdError::err(format!("Syntax error in HELLO option '{}'", printable(opt, 128))));
        }
    }
    match creds {
        Some((user, pass)) => {
            check_password(ctx, user, pass)?;
            ctx.session.authenticated = true;
        }
        None if !ctx.session.authenticated => {
            return Err(CmdError::msg(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
            ))
        }
        None => {}
    }
    if let Some(n) = name {
        set_name(ctx, n)?;
    }
    ctx.session.set_resp(resp);
    let s = |v: &str| Reply::from_str(v);
    Ok(Reply::Map(vec![
        (s("server"), s("redis")),
        (s("version"), s(crate::REDIS_COMPAT_VERSION)),
        (s("proto"), Reply::Int(resp as i64)),
        (s("id"), Reply::Int(ctx.session.id() as i64)),
        (s("mode"), s("standalone")),
        (s("role"), s("master")),
        (s("modules"), Reply::Array(vec![])),
    ]))
}

fn select(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let db = super::keys::db_index(ctx, args.next_bytes()?)?;
    ctx.session.set_db(db);
    Ok(Reply::Ok)
}

fn reset(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    ctx.session.multi = None;
    ctx.session.watch = None;
    super::pubsub::leave_all(ctx);
    ctx.session.handle.monitor.store(false, Ordering::Relaxed);
    ctx.state.pubsub.hub.monitor(ctx.session.id(), false);
    ctx.session.set_db(0);
    ctx.session.set_resp(2);
    ctx.session.authenticated = ctx.state.requirepass().is_none();
    *ctx.session.handle.name.lock() = None;
    ctx.state.tracking.disable(ctx.session.id());
    (ctx.session.tracking, ctx.session.caching) = (None, false);
    Ok(Reply::Simple("RESET"))
}

const CLIENT_SUBS: &[Command] = &[
    cmd("id", 2, FAST, (0, 0, 0), "connection", "This connection's id", client_id),
    cmd("setname", 3, FAST, (0, 0, 0), "connection", "Name this connection", client_setname),
    cmd("getname", 2, FAST, (0, 0, 0), "connection", "This connection's name", client_getname),
    cmd("list", -2, ADMIN, (0, 0, 0), "connection", "List connections", client_list),
    cmd("info", 2, FAST, (0, 0, 0), "connection", "Describe this connection", client_info),
    cmd("kill", -3, ADMIN, (0, 0, 0), "connection", "Close connections", client_kill),
    cmd("unblock", -3, ADMIN, (0, 0, 0), "connection", "End another client's wait in a blocking command", client_unblock),
    cmd("setinfo", 4, FAST, (0, 0, 0), "connection", "Record the client library name/version", client_setinfo),
    cmd("reply", 3, FAST, (0, 0, 0), "connection", "Turn replies to this connection on or off", client_reply),
    cmd("tracking", -3, 0, (0, 0, 0), "connection", "Client-side caching: invalidations of keys read", super::tracking::client_tracking),
    cmd(
        "caching",
        3,
        0,
        (0, 0, 0),
        "connection",
        "Track, or not, the next command's reads (OPTIN, OPTOUT)",
        super::tracking::client_caching,
    ),
    cmd("getredir", 2, 0, (0, 0, 0), "connection", "Where this client's invalidations go", super::tracking::client_getredir),
    cmd("trackinginfo", 2, 0, (0, 0, 0), "connection", "This client's tracking settings", super::tracking::client_trackinginfo),
    cmd(
        "pause",
        -3,
        ADMIN,
        (0, 0, 0),
        "connection",
        "Hold every client's commands, or their writes, for a while",
        super::pause::client_pause,
    ),
    cmd("unpause", 2, ADMIN, (0, 0, 0), "connection", "End CLIENT PAUSE", super::pause::client_unpause),
    cmd("no-evict", 3, FAST, (0, 0, 0), "connection", "Accepted for compatibility", client_noop),
    cmd("no-touch", 3, FAST, (0, 0, 0), "connection", "Accepted for compatibility", client_noop),
    cmd("help", 2, FAST, (0, 0, 0), "connection", "Show help", client_help),
];

fn client(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    dispatch_sub(ctx, args, "client", CLIENT_SUBS)
}

/// CLIENT REPLY ON|OFF|SKIP: OFF silences this and every later reply until ON; SKIP
/// silences this one and the next (the server drops them: `server/execute.rs`).
fn client_reply(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let mode = args.next_bytes()?;
    let session = &mut *ctx.session;
    if is(mode, "ON") {
        (session.replies_off, session.replies_skipped) = (false, 0);
    } else if is(mode, "OFF") {
        session.replies_off = true;
    } else if is(mode, "SKIP") {
        session.replies_skipped = 2;
    } else {
        return Err(CmdError::Syntax);
    }
    Ok(Reply::Ok)
}

fn client_id(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Int(ctx.session.id() as i64))
}

fn client_setname(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    set_name(ctx, args.next_bytes()?)?;
    Ok(Reply::Ok)
}

fn client_getname(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::opt(ctx.session.handle.name.lock().clone()))
}

fn client_setinfo(_ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let attr = args.next_bytes()?;
    if !is(attr, "LIB-NAME") && !is(attr, "LIB-VER") {
        return Err(CmdError::err(format!("Unrecognized option '{}'", printable(attr, 128))));
    }
    // The same charset as client names, so CLIENT LIST stays splittable on spaces.
    if !valid_name(args.next_bytes()?) {
        return Err(CmdError::err(format!("{} cannot contain spaces, newlines or special characters.", printable(attr, 128))));
    }
    Ok(Reply::Ok)
}

fn client_noop(_ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let v = args.next_bytes()?;
    if is(v, "ON") || is(v, "OFF") {
        Ok(Reply::Ok)
    } else {
        Err(CmdError::Syntax)
    }
}

/// One CLIENT LIST line, with Redis's fields (memory fields DiskDB does not track are 0).
fn client_line(ctx: &Ctx, c: &super::context::ClientHandle) -> String {
    let age = c.created.elapsed();
    let idle_ms = (age.as_millis() as u64).saturating_sub(c.last_active_ms.load(Ordering::Relaxed));
    let name = c.name.lock().clone().map(|n| String::from_utf8_lossy(&n).into_owned()).unwrap_or_default();
    let last = match *c.last_cmd.lock() {
        ("", _) => "NULL".to_string(),
        (name, "") => name.to_string(),
        (name, sub) => format!("{name}|{sub}"),
    };
    let subs = ctx.state.pubsub.hub.counts(c.id);
    let flags = if c.blocked.load(Ordering::Relaxed) {
        "b"
    } else if c.monitor.load(Ordering::Relaxed) {
        "O"
    } else if subs.iter().any(|&n| n > 0) {
        "P"
    } else {
        "N"
    };
    format!(
        "id={} addr={} laddr={} fd=-1 name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd={} user=default redir={} resp={}\n",
        c.id,
        c.addr,
        c.laddr,
        name,
        age.as_secs(),
        idle_ms / 1000,
        flags,
        c.db.load(Ordering::Relaxed),
        subs[0],
        subs[1],
        subs[2],
        last,
        ctx.state.tracking.redirect_of(c.id),
        c.resp.load(Ordering::Relaxed)
    )
}

/// Redis's client type: `pubsub` while subscribed to anything, else `normal`.
fn client_type(ctx: &Ctx, id: u64) -> &'static str {
    if ctx.state.pubsub.hub.counts(id).iter().any(|&n| n > 0) {
        "pubsub"
    } else {
        "normal"
    }
}

fn client_list(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (mut ids, mut kind): (Option<Vec<u64>>, Option<Vec<u8>>) = (None, None);
    while let Some(opt) = args.try_next() {
        if is(opt, "TYPE") {
            let t = args.next_bytes()?;
            if !["normal", "master", "replica", "slave", "pubsub"].iter().any(|n| is(t, n)) {
                return Err(CmdError::err(format!("Unknown client type '{}'", printable(t, 128))));
            }
            kind = Some(t.to_ascii_lowercase());
        } else if is(opt, "ID") {
            let mut list = Vec::new();
            for a in args.rest() {
                let id = parse_i64(a).filter(|n| *n > 0).ok_or_else(|| CmdError::err("Invalid client ID"))?;
                list.push(id as u64);
            }
            ids = Some(list);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let text: String = ctx
        .state
        .clients
        .all()
        .iter()
        .filter(|c| ids.as_ref().is_none_or(|ids| ids.contains(&c.id)))
        .filter(|c| kind.as_ref().is_none_or(|k| *k == client_type(ctx, c.id).as_bytes()))
        .map(|c| client_line(ctx, c))
        .collect();
    Ok(Reply::Verbatim(text))
}

fn client_info(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Verbatim(client_line(ctx, &ctx.session.handle.clone())))
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if the client was waiting in a blocking command.
fn client_unblock(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let id = args.next_i64()?;
    let how = match args.try_next() {
        None => Unblock::Timeout,
        Some(r) if is(r, "TIMEOUT") => Unblock::Timeout,
        Some(r) if is(r, "ERROR") => Unblock::Error,
        Some(_) => return Err(CmdError::err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR")),
    };
    args.finish()?;
    let unblocked = u64::try_from(id).ok().and_then(|id| ctx.state.clients.get(id)).is_some_and(|c| c.unblock(how));
    Ok(Reply::Int(unblocked as i64))
}

fn client_kill(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let me = ctx.session.id();
    // Old form: CLIENT KILL addr:port, replying OK or an error.
    if args.remaining() == 1 {
        let addr = args.next_str()?;
        let target = ctx.state.clients.all().into_iter().find(|c| c.addr.to_string() == addr);
        let Some(c) = target else { return Err(CmdError::err("No such client")) };
        if c.id == me {
            ctx.after = After::Close;
        } else {
            c.kill();
        }
        return Ok(Reply::Ok);
    }
    let (mut id, mut addr, mut laddr, mut skipme, mut kind) = (None, None, None, true, None);
    while let Some(opt) = args.try_next() {
        let value = args.next_bytes()?;
        if is(opt, "ID") {
            id = Some(parse_i64(value).filter(|n| *n > 0).ok_or_else(|| CmdError::err("client-id should be greater than 0"))? as u64);
        } else if is(opt, "ADDR") {
            addr = Some(String::from_utf8_lossy(value).into_owned());
        } else if is(opt, "LADDR") {
            laddr = Some(String::from_utf8_lossy(value).into_owned());
        } else if is(opt, "SKIPME") {
            skipme = if is(value, "YES") {
                true
            } else if is(value, "NO") {
                false
            } else {
                return Err(CmdError::Syntax);
            };
        } else if is(opt, "USER") {
            if value != b"default" {
                return Err(CmdError::err(format!("No such user '{}'", printable(value, 128))));
            }
        } else if is(opt, "TYPE") {
            if !["normal", "master", "replica", "slave", "pubsub"].iter().any(|n| is(value, n)) {
                return Err(CmdError::err(format!("Unknown client type '{}'", printable(value, 128))));
            }
            kind = Some(value.to_ascii_lowercase());
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let mut killed = 0;
    for c in ctx.state.clients.all() {
        let matches = id.is_none_or(|i| c.id == i)
            && addr.as_ref().is_none_or(|a| c.addr.to_string() == *a)
            && laddr.as_ref().is_none_or(|a| c.laddr.to_string() == *a)
            && kind.as_ref().is_none_or(|k: &Vec<u8>| *k == client_type(ctx, c.id).as_bytes());
        if !matches || (skipme && c.id == me) {
            continue;
        }
        killed += 1;
        if c.id == me {
            ctx.after = After::Close;
        } else {
            c.kill();
        }
    }
    Ok(Reply::Int(killed))
}

fn client_help(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(help_reply(
        "CLIENT",
        &[
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are: ID, ADDR, LADDR, USER, TYPE, SKIPME.",
            "LIST [TYPE <type>] [ID <id> [<id> ...]]",
            "    Return information about client connections.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETINFO <LIB-NAME|LIB-VER> <value>",
            "    Accepted for compatibility.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
        ],
    ))
}
