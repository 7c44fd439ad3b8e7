//! SLOWLOG: the commands whose run took at least `slowlog-log-slower-than` microseconds
//! (negative: none), newest first, at most `slowlog-max-len` of them, as Redis keeps
//! them. A command's time is its run, without reading the request or writing the reply;
//! a write that joins its connection's write group is committed after its run, so the
//! group commit's time is not in it.

use super::flag::*;
use super::keys::help_reply;
use super::{cmd, dispatch_sub, Args, CmdError, Command, Ctx};
use crate::protocol::Reply;
use bytes::Bytes;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub const TABLE: &[Command] = &[cmd("slowlog", -2, ADMIN | LOADING | STALE, (0, 0, 0), "server", "The log of slow commands", slowlog)];

const SUBS: &[Command] = &[
    cmd("get", -2, ADMIN | LOADING | STALE, (0, 0, 0), "server", "The newest entries", get),
    cmd("len", 2, ADMIN | LOADING | STALE, (0, 0, 0), "server", "How many entries there are", len),
    cmd("reset", 2, ADMIN | LOADING | STALE, (0, 0, 0), "server", "Remove every entry", reset),
    cmd("help", 2, LOADING | STALE, (0, 0, 0), "server", "Show help", help),
];

/// Arguments kept per entry, the last standing for the rest; bytes kept per argument.
const MAX_ARGS: usize = 32;
const MAX_ARG_BYTES: usize = 128;

/// The log and its two settings.
pub struct SlowLog {
    threshold_us: AtomicI64,
    max_len: AtomicUsize,
    next_id: AtomicU64,
    entries: Mutex<VecDeque<Entry>>,
}

struct Entry {
    id: u64,
    unix_secs: u64,
    micros: u64,
    args: Vec<Vec<u8>>,
    client: String,
    name: Vec<u8>,
}

impl SlowLog {
    /// A log with the settings of `redis_params` (Redis's defaults: 10 ms, 128 entries).
    pub fn new(redis_params: &std::collections::BTreeMap<String, String>) -> SlowLog {
        let log = SlowLog {
            threshold_us: AtomicI64::new(10_000),
            max_len: AtomicUsize::new(128),
            next_id: AtomicU64::new(0),
            entries: Mutex::default(),
        };
        for name in ["slowlog-log-slower-than", "slowlog-max-len"] {
            if let Some(value) = redis_params.get(name) {
                let _ = log.check_param(name, value).map(|v| log.apply_param(name, &v));
            }
        }
        log
    }

    /// Logs the command `argv` that `ctx`'s client ran in `micros`, if it took long enough.
    pub fn record(&self, micros: u64, ctx: &Ctx, argv: &[Bytes]) {
        let threshold = self.threshold_us.load(Ordering::Relaxed);
        let max_len = self.max_len.load(Ordering::Relaxed);
        if threshold < 0 || (micros as i64) < threshold || max_len == 0 {
            return;
        }
        let shown = argv.len().min(MAX_ARGS);
        let args = super::server::redacted(argv)
            .take(shown)
            .enumerate()
            .map(|(i, arg)| match arg {
                _ if i == MAX_ARGS - 1 && argv.len() > MAX_ARGS => format!("... ({} more arguments)", argv.len() - i).into_bytes(),
                None => b"(redacted)".to_vec(),
                Some(a) if a.len() > MAX_ARG_BYTES => {
                    [&a[..MAX_ARG_BYTES], format!("... ({} more bytes)", a.len() - MAX_ARG_BYTES).as_bytes()].concat()
                }
                Some(a) => a.to_vec(),
            })
            .collect();
        let unix_secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let handle = &ctx.session.handle;
        let name = handle.name.lock().clone().unwrap_or_default();
        let mut entries = self.entries.lock();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        entries.push_front(Entry { id, unix_secs, micros, args, client: handle.addr.to_string(), name });
        entries.truncate(max_len);
    }

    /// Checks a value for CONFIG SET of one of the log's settings; other names pass.
    pub fn check_param(&self, name: &str, value: &str) -> Result<String, &'static str> {
        let min = match name {
            "slowlog-log-slower-than" => -1,
            "slowlog-max-len" => 0,
            _ => return Ok(value.to_string()),
        };
        match value.parse::<i64>() {
            Err(_) => Err("argument couldn't be parsed into an integer"),
            Ok(n) if n < min && min == 0 => Err("argument must be between 0 and 9223372036854775807 inclusive"),
            Ok(n) if n < min => Err("argument must be between -1 and 9223372036854775807 inclusive"),
            Ok(n) => Ok(n.to_string()),
        }
    }

    /// Applies a checked setting.
    pub fn apply_param(&self, name: &str, value: &str) {
        let Ok(n) = value.parse::<i64>() else { return };
        match name {
            "slowlog-log-slower-than" => self.threshold_us.store(n, Ordering::Relaxed),
            "slowlog-max-len" => {
                let len = usize::try_from(n).unwrap_or(usize::MAX);
                self.max_len.store(len, Ordering::Relaxed);
                self.entries.lock().truncate(len);
            }
            _ => {}
        }
    }
}

fn slowlog(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    dispatch_sub(ctx, args, "slowlog", SUBS)
}

fn get(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let count = match args.try_next() {
        None => 10,
        Some(arg) => match crate::types::parse_i64(arg) {
            Some(n) if n >= -1 => n,
            _ => return Err(CmdError::err("count should be greater than or equal to -1")),
        },
    };
    let entries = ctx.state.slowlog.entries.lock();
    let count = if count < 0 { entries.len() } else { count as usize };
    let text = |s: &[u8]| Reply::Bulk(s.to_vec());
    Ok(Reply::Array(
        entries
            .iter()
            .take(count)
            .map(|e| {
                Reply::Array(vec![
                    Reply::Int(e.id as i64),
                    Reply::Int(e.unix_secs as i64),
                    Reply::Int(e.micros as i64),
                    Reply::Array(e.args.iter().map(|a| text(a)).collect()),
                    text(e.client.as_bytes()),
                    text(&e.name),
                ])
            })
            .collect(),
    ))
}

fn len(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Int(ctx.state.slowlog.entries.lock().len() as i64))
}

fn reset(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    ctx.state.slowlog.entries.lock().clear();
    Ok(Reply::Ok)
}

fn help(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(help_reply(
        "SLOWLOG",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    ))
}
