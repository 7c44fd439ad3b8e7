//! Commands: one file per family, each with its table of name, arity, flags and key
//! positions, and the one dispatcher that runs every generic check from those tables.
//!
//! May import [`crate::types`], [`crate::storage`] (for shared state) and
//! [`crate::protocol::Reply`]; never sockets. A command returns a [`Reply`]; encoding it
//! is the protocol layer's job, writing it the server's.

mod args;
pub mod blocking;
pub mod cmdstats;
mod cmsgpack;
pub mod connection;
pub mod context;
pub mod functions;
pub mod geo;
pub mod hash;
pub mod json;
pub mod keys;
pub mod latency;
pub mod list;
pub mod multi;
pub mod pause;
pub mod pubsub;
pub mod replication;
pub mod scripting;
pub mod server;
pub mod set;
pub mod slowlog;
pub mod stream;
pub mod string;
pub mod tracking;
pub mod zset;

pub use args::Args;
pub use context::{After, Ctx, ServerState, Session};

use crate::protocol::Reply;
use bytes::Bytes;
use cmdstats::Outcome;
use context::add;
use foldhash::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// Command flags, as in Redis's command table.
pub mod flag {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const FAST: u32 = 1 << 2;
    pub const NOSCRIPT: u32 = 1 << 3;
    pub const BLOCKING: u32 = 1 << 4;
    pub const ADMIN: u32 = 1 << 5;
    /// Allowed before AUTH.
    pub const NOAUTH: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const PUBSUB: u32 = 1 << 9;
    pub const DENYOOM: u32 = 1 << 10;

    /// Redis's names for COMMAND INFO, in bit order.
    pub const NAMES: [&str; 11] =
        ["write", "readonly", "fast", "noscript", "blocking", "admin", "no_auth", "loading", "stale", "pubsub", "denyoom"];
}

/// A command handler.
pub type Handler = fn(&mut Ctx, &mut Args) -> Result<Reply, CmdError>;

/// The key positions of a full argument vector, for commands whose keys follow a count
/// (Redis's movable keys: LMPOP, ZUNIONSTORE, ...), which the `keys` triple cannot name.
pub type KeysFn = fn(&[Bytes]) -> Vec<usize>;

/// One row of a command table.
pub struct Command {
    pub name: &'static str,
    /// Argument count including the name; negative means "at least".
    pub arity: i32,
    pub flags: u32,
    /// Key positions: first, last (negative counts from the end), step. 0 = no keys.
    pub keys: (i32, i32, i32),
    /// Redis's ACL category / COMMAND DOCS group (`string`, `generic`, `server`, ...).
    pub group: &'static str,
    pub summary: &'static str,
    pub run: Handler,
    pub movable: Option<KeysFn>,
    /// The keys a write command may change, where that is not every key it names
    /// (`SORT` without `STORE`, `BITFIELD` with GETs only): what WATCH and blocked
    /// clients are told about.
    pub written: Option<KeysFn>,
    /// Reads keys its arguments do not name (SORT's `BY` and `GET` patterns), so it must
    /// see every earlier write committed.
    pub reads_unnamed: bool,
}

impl Command {
    pub fn has(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    /// Whether `argc` arguments (the name included) fit this command's arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i32;
        if self.arity >= 0 {
            argc == self.arity
        } else {
            argc >= -self.arity
        }
    }

    /// Gives the row a key extractor for keys that follow a count.
    pub const fn movable(self, keys: KeysFn) -> Command {
        Command { movable: Some(keys), ..self }
    }

    /// Gives the row the keys it may change, where not all it names.
    pub const fn writes(self, keys: KeysFn) -> Command {
        Command { written: Some(keys), ..self }
    }

    /// The positions of the keys a successful run of this write command may have
    /// changed in `argv`.
    pub fn written_keys_of(&self, argv: &[Bytes]) -> Vec<usize> {
        match self.written {
            Some(keys) => keys(argv),
            None => self.keys_of(argv),
        }
    }

    /// Marks the row as reading keys it does not name.
    pub const fn reads_unnamed_keys(self) -> Command {
        Command { reads_unnamed: true, ..self }
    }

    /// The keys of a keyed command, or `None` for a command that names no keys or may
    /// touch more than it names: such commands never run beside a write group, and a
    /// script that calls one runs with every other client kept out.
    pub fn named_keys<'a>(&self, argv: &'a [Bytes]) -> Option<Vec<&'a [u8]>> {
        if !self.has(flag::WRITE | flag::READONLY) || self.reads_unnamed || !self.arity_ok(argv.len()) {
            return None;
        }
        let positions = self.keys_of(argv);
        if positions.is_empty() {
            return None;
        }
        Some(positions.into_iter().map(|i| &argv[i][..]).collect())
    }

    /// The positions of the keys in `argv` (COMMAND GETKEYS, write grouping, wake-ups).
    pub fn keys_of(&self, argv: &[Bytes]) -> Vec<usize> {
        match self.movable {
            Some(keys) => keys(argv),
            None => self.key_positions(argv.len()),
        }
    }

    /// The key argument positions for `argc` arguments, from the `keys` triple.
    pub fn key_positions(&self, argc: usize) -> Vec<usize> {
        let (first, last, step) = self.keys;
        if first <= 0 || step <= 0 {
            return Vec::new();
        }
        let last = if last < 0 { argc as i32 + last } else { last };
        (first..=last.min(argc as i32 - 1)).step_by(step as usize).map(|i| i as usize).collect()
    }
}

/// Every command family, listed explicitly.
fn families() -> [&'static [Command]; 18] {
    [
        connection::TABLE,
        string::TABLE,
        list::TABLE,
        hash::TABLE,
        set::TABLE,
        zset::TABLE,
        geo::TABLE,
        json::TABLE,
        stream::TABLE,
        keys::TABLE,
        server::TABLE,
        multi::TABLE,
        pubsub::TABLE,
        slowlog::TABLE,
        scripting::TABLE,
        replication::TABLE,
        functions::TABLE,
        latency::TABLE,
    ]
}

struct Registry {
    all: Vec<&'static Command>,
    by_name: HashMap<&'static str, usize>,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let all: Vec<&'static Command> = families().into_iter().flatten().collect();
        let by_name = all.iter().enumerate().map(|(i, c)| (c.name, i)).collect();
        Registry { all, by_name }
    })
}

/// Every command, in table order.
pub fn all_commands() -> &'static [&'static Command] {
    &registry().all
}

/// Looks a command up by name, ignoring case; returns its table index too.
pub fn lookup(name: &[u8]) -> Option<(usize, &'static Command)> {
    let mut buf = [0u8; 32];
    if name.len() > buf.len() {
        return None;
    }
    let lower = &mut buf[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    let name = std::str::from_utf8(lower).ok()?;
    let reg = registry();
    reg.by_name.get(name).map(|&i| (i, reg.all[i]))
}

/// A command's failure, carrying Redis's error line.
#[derive(Debug)]
pub enum CmdError {
    Syntax,
    NotInteger,
    NotFloat,
    WrongArgs(String),
    /// A full error line, e.g. `ERR invalid expire time in 'set' command`.
    Msg(String),
    Type(crate::types::Error),
}

impl CmdError {
    pub fn msg(s: impl Into<String>) -> CmdError {
        CmdError::Msg(s.into())
    }

    pub fn err(s: impl fmt::Display) -> CmdError {
        CmdError::Msg(format!("ERR {s}"))
    }
}

impl From<crate::types::Error> for CmdError {
    fn from(e: crate::types::Error) -> Self {
        CmdError::Type(e)
    }
}

impl From<crate::storage::StorageError> for CmdError {
    fn from(e: crate::storage::StorageError) -> Self {
        CmdError::Type(e.into())
    }
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmdError::Syntax => f.write_str("ERR syntax error"),
            CmdError::NotInteger => f.write_str("ERR value is not an integer or out of range"),
            CmdError::NotFloat => f.write_str("ERR value is not a valid float"),
            CmdError::WrongArgs(name) => write!(f, "ERR wrong number of arguments for '{}' command", name),
            CmdError::Msg(m) => f.write_str(m),
            CmdError::Type(e) => write!(f, "{e}"),
        }
    }
}

/// `ERR unknown command 'x', with args beginning with: 'a' 'b' `, as Redis words it: the
/// arguments shown are cut to 128 characters in all.
fn unknown_command(argv: &[Bytes]) -> String {
    let mut shown = String::new();
    for a in argv.iter().skip(1) {
        if shown.len() >= 128 {
            break;
        }
        shown += &format!("'{}' ", printable(a, 128 - shown.len()));
    }
    format!("ERR unknown command '{}', with args beginning with: {}", printable(&argv[0], 128), shown)
}

/// Bytes shown in an error message; Redis replaces newlines so the line stays one line.
pub fn printable(b: &[u8], max: usize) -> String {
    let b = &b[..b.len().min(max)];
    String::from_utf8_lossy(b).replace(['\r', '\n'], " ")
}

/// Runs one command with every generic check of the tables: lookup, arity, auth, and
/// queueing inside MULTI (a command rejected there makes EXEC fail).
pub fn dispatch(ctx: &mut Ctx, argv: &[Bytes]) -> Reply {
    let state = ctx.state;
    count(ctx, Counted::Processed);
    let Some((index, cmd)) = ctx.found.unwrap_or_else(|| lookup(&argv[0])) else {
        return rejected(ctx, unknown_command(argv), None);
    };
    *ctx.session.handle.last_cmd.lock() = (cmd.name, "");
    if !cmd.arity_ok(argv.len()) {
        return rejected(ctx, CmdError::WrongArgs(cmd.name.to_string()).to_string(), Some(index));
    }
    if !ctx.session.authenticated && !cmd.has(flag::NOAUTH) {
        return rejected(ctx, "NOAUTH Authentication required.".into(), Some(index));
    }
    if ctx.in_subscribed_mode() && !pubsub::allowed_when_subscribed(cmd.name) {
        return rejected(ctx, pubsub::subscribed_mode_error(cmd, argv), Some(index));
    }
    // A MONITOR is a replica to Redis, which keeps it off the keyspace (and off what
    // would be replicated: PUBLISH).
    let may_replicate = cmd.has(flag::READONLY | flag::WRITE) || matches!(cmd.name, "publish" | "spublish");
    if may_replicate && ctx.session.handle.monitor.load(std::sync::atomic::Ordering::Relaxed) {
        return rejected(ctx, "ERR Replica can't interact with the keyspace".into(), Some(index));
    }
    if multi::queues(ctx.session.multi.is_some(), cmd) {
        return multi::queue(ctx, argv);
    }
    ctx.expire_touched_keys(cmd, argv);
    if let Some(mode) = ctx.session.tracking {
        // Before the read runs: a write committed after it then finds the key remembered.
        if cmd.has(flag::READONLY) && tracking::tracks_reads(mode, ctx.session.caching) && !scripting::is_script(argv) {
            let keys = cmd.keys_of(argv);
            state.tracking.remember(&*state.pubsub.hub, ctx.session.id(), keys.iter().map(|&i| &argv[i][..]));
        }
    }
    let mut args = Args::new(argv);
    let started = std::time::Instant::now();
    let result = (cmd.run)(ctx, &mut args);
    let ns = started.elapsed().as_nanos() as u64;
    let usec = ns / 1000;
    if ctx.script_locks.is_some_and(scripting::ScriptLocks::gave_up) {
        // A script given up, to run again alone: the run that counts is the next one.
        return uncounted(ctx, result);
    }
    // EXEC is not logged itself: the commands it runs are, one by one, as in Redis.
    if cmd.name != "exec" {
        state.slowlog.record(usec, ctx, argv);
    }
    state.latency.record(usec, cmd);
    // Shown once run, failed or not; not again when run again (see `Session::rerun`).
    if state.pubsub.hub.monitoring() && !ctx.session.rerun && !ctx.admin_subcommand.unwrap_or(cmd.has(flag::ADMIN)) {
        server::feed_monitors(ctx, argv);
    }
    let reply = match result {
        Ok(reply) => {
            if cmd.has(flag::WRITE) {
                add(&state.stats.dirty, 1);
            }
            reply
        }
        Err(e) => {
            if let CmdError::Type(crate::types::Error::Storage(se)) = &e {
                log::warn!("storage error in {}: {}", cmd.name, se);
            }
            Reply::Error(e.to_string())
        }
    };
    let outcome = match &reply {
        Reply::Error(line) => {
            if !ctx.error_counted {
                count(ctx, Counted::Error(line.clone()));
            }
            Outcome::Failed
        }
        _ => Outcome::Ok,
    };
    match (ctx.subcommand, ctx.admin_subcommand) {
        (Some(sub), _) => count(ctx, Counted::Subcommand(format!("{}|{}", cmd.name, sub), outcome, ns)),
        (None, None) => count(ctx, Counted::Command(index, outcome, ns)),
        // A subcommand that is unknown or was refused (counted then): no entry, as in Redis.
        (None, Some(_)) => {}
    }
    reply
}

/// A command the dispatcher refused to run (`index`: its table index, if it exists).
fn rejected(ctx: &mut Ctx, line: String, index: Option<usize>) -> Reply {
    if let Some(index) = index {
        count(ctx, Counted::Command(index, Outcome::Rejected, 0));
    }
    multi::rejected(ctx);
    count(ctx, Counted::Error(line.clone()));
    Reply::Error(line)
}

/// The reply of a run that the statistics leave out, the one counted at its start too.
#[cold]
fn uncounted(ctx: &Ctx, result: Result<Reply, CmdError>) -> Reply {
    ctx.state.stats.commands_processed.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    result.unwrap_or_else(|e| Reply::Error(e.to_string()))
}

/// What one command's run adds to INFO's statistics.
pub enum Counted {
    /// `total_commands_processed`.
    Processed,
    /// A run of the command at this table index, and how long it took (ns).
    Command(usize, Outcome, u64),
    /// The same for a subcommand (`config|get`).
    Subcommand(String, Outcome, u64),
    /// An error reply (`total_error_replies`, errorstats).
    Error(String),
}

/// Counts `what` now or, for a command a script calls, when the script has run: a script
/// given up (to run again alone) leaves its commands uncounted.
pub fn count(ctx: &Ctx, what: Counted) {
    if let Some(journal) = ctx.journal {
        return journal.borrow_mut().push(what);
    }
    let state = ctx.state;
    match what {
        Counted::Processed => add(&state.stats.commands_processed, 1),
        Counted::Command(index, outcome, ns) => state.cmdstats.record(index, outcome, ns),
        Counted::Subcommand(name, outcome, ns) => state.cmdstats.record_sub(name, outcome, ns),
        Counted::Error(line) => {
            add(&state.stats.error_replies, 1);
            state.cmdstats.record_error(&line);
        }
    }
}

/// Runs a subcommand of a container command (CONFIG GET, CLIENT LIST, ...), with
/// Redis's errors for unknown subcommands and wrong arity (`'config|get'`).
pub fn dispatch_sub(ctx: &mut Ctx, args: &mut Args, parent: &'static str, subs: &'static [Command]) -> Result<Reply, CmdError> {
    // Refused before it runs: MONITOR does not show it.
    ctx.admin_subcommand = Some(true);
    let name = args.next_bytes()?;
    let Some(sub) = subs.iter().find(|s| s.name.as_bytes().eq_ignore_ascii_case(name)) else {
        return Err(CmdError::msg(format!("ERR unknown subcommand '{}'. Try {} HELP.", printable(name, 128), parent.to_ascii_uppercase())));
    };
    let name = format!("{}|{}", parent, sub.name);
    if !sub.arity_ok(args.len()) {
        count(ctx, Counted::Subcommand(name.clone(), Outcome::Rejected, 0));
        return Err(CmdError::WrongArgs(name));
    }
    *ctx.session.handle.last_cmd.lock() = (parent, sub.name);
    ctx.admin_subcommand = Some(sub.has(flag::ADMIN));
    ctx.subcommand = Some(sub.name);
    (sub.run)(ctx, args)
}

/// For [`Command::writes`]: a command that stores its result at its first key and only
/// reads the others (SINTERSTORE, ZUNIONSTORE, PFMERGE, GEOSEARCHSTORE, ...).
pub fn first_key(_argv: &[Bytes]) -> Vec<usize> {
    vec![1]
}

/// For [`Command::writes`]: a command that writes only its second key (COPY, BITOP).
pub fn second_key(_argv: &[Bytes]) -> Vec<usize> {
    vec![2]
}

/// A command row for a table; keeps the tables one line per command.
pub const fn cmd(
    name: &'static str,
    arity: i32,
    flags: u32,
    keys: (i32, i32, i32),
    group: &'static str,
    summary: &'static str,
    run: Handler,
) -> Command {
    Command { name, arity, flags, keys, group, summary, run, movable: None, written: None, reads_unnamed: false }
}

/// The keys after a count at position `at` (`LMPOP numkeys key ...`): as many as the
/// count says and the arguments hold.
fn counted_keys(argv: &[Bytes], at: usize) -> Vec<usize> {
    let n = argv.get(at).and_then(|c| crate::types::parse_i64(c)).filter(|&n| n > 0).unwrap_or(0) as usize;
    (at + 1..argv.len()).take(n).collect()
}

/// Keys counted at position 1: `LMPOP numkeys key ...`, `ZUNION numkeys key ...`.
pub fn keys_counted_at_1(argv: &[Bytes]) -> Vec<usize> {
    counted_keys(argv, 1)
}

/// Keys counted at position 2: `BLMPOP timeout numkeys key ...`.
pub fn keys_counted_at_2(argv: &[Bytes]) -> Vec<usize> {
    counted_keys(argv, 2)
}

/// A destination, then keys counted at position 2: `ZUNIONSTORE dst numkeys key ...`.
pub fn dest_and_keys_counted_at_2(argv: &[Bytes]) -> Vec<usize> {
    let mut keys = vec![1];
    keys.extend(counted_keys(argv, 2));
    keys
}
