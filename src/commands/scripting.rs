//! Lua scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT, on Lua 5.1 (the version
//! Redis embeds) through mlua.
//!
//! Every command a script calls runs through the dispatcher inside one storage [`Txn`],
//! so each reads what the earlier ones wrote and all of them are committed as one atomic
//! RocksDB write when the script ends, failed or not (Redis keeps the writes made before
//! an error too). Inside EXEC a script joins the transaction's `Txn`; so do consecutive
//! scripts of one pipelined read, which share one `Txn` and one commit, answered after it
//! (`server/execute.rs`).
//!
//! No other client may see or change what a script touches while it runs. A script
//! first runs holding the key locks of each command it calls, taken as it calls them
//! ([`ScriptLocks`]): other clients' commands on other keys run meanwhile, also on the
//! other worker threads. If a lock is taken by another client, or a command may touch
//! keys it does not name (KEYS, FLUSHALL, PUBLISH ...), that run is given up (its writes
//! rolled back) and the script runs again as EXEC does, with the server's gate held
//! exclusively (no other client's command runs meanwhile). While keyspace events are on
//! or a MONITOR is attached, scripts run that way at once, so that what they publish is
//! published once.
//!
//! Scripts are kept by SHA-1 for the server's life (EVAL caches too, as in Redis 7).
//! Each worker thread has its own Lua state, built on first use and again after SCRIPT
//! FLUSH; only one runs at a time. The sandbox follows Redis 7: the base, table, string
//! and math libraries, `bit` and `cjson`; no `print`, `dofile`, `loadfile`, `os`, `io`;
//! reading an unset global or creating one is an error. Replies convert between Lua and
//! RESP2 as in Redis.

use super::flag::*;
use super::{cmd, dispatch, dispatch_sub, keys_counted_at_2, lookup, Args, CmdError, Command, Ctx, ServerState};
use crate::protocol::Reply;
use crate::storage::{HeldLocks, Txn};
use crate::types::geo::c_i64;
use bytes::Bytes;
use mlua::{ffi, Function, HookTriggers, LightUserData, Lua, MultiValue, StdLib, Table, Value, VmState};
use parking_lot::Mutex;
use std::cell::Cell;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_int;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const TABLE: &[Command] = &[
    cmd("eval", -3, NOSCRIPT | STALE, (0, 0, 0), "scripting", "Run a Lua script", eval).movable(keys_counted_at_2).reads_unnamed_keys(),
    cmd("evalsha", -3, NOSCRIPT | STALE, (0, 0, 0), "scripting", "Run a cached Lua script by its SHA-1", evalsha)
        .movable(keys_counted_at_2)
        .reads_unnamed_keys(),
    cmd("eval_ro", -3, NOSCRIPT | STALE, (0, 0, 0), "scripting", "Run a read-only Lua script", eval_ro)
        .movable(keys_counted_at_2)
        .reads_unnamed_keys(),
    cmd("evalsha_ro", -3, NOSCRIPT | STALE, (0, 0, 0), "scripting", "Run a cached read-only Lua script", evalsha_ro)
        .movable(keys_counted_at_2)
        .reads_unnamed_keys(),
    cmd("script", -2, NOSCRIPT, (0, 0, 0), "scripting", "Manage the script cache", script),
];

const SCRIPT_SUBS: &[Command] = &[
    cmd("load", 3, NOSCRIPT | STALE, (0, 0, 0), "scripting", "Cache a script and return its SHA-1", script_load),
    cmd("exists", -3, NOSCRIPT, (0, 0, 0), "scripting", "Whether scripts are cached", script_exists),
    cmd("flush", -2, NOSCRIPT, (0, 0, 0), "scripting", "Drop every cached script", script_flush),
    cmd("kill", 2, NOSCRIPT, (0, 0, 0), "scripting", "Stop the running read-only script", script_kill),
    cmd("help", 2, STALE, (0, 0, 0), "scripting", "Show help", script_help),
];

/// Whether `argv` runs a script, which the server runs with every other client kept out.
pub fn is_script(argv: &[Bytes]) -> bool {
    let name = &argv[0];
    ["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"].iter().any(|n| name.eq_ignore_ascii_case(n.as_bytes()))
}

/// The server's scripts by SHA-1 (lowercase hex), and a generation that SCRIPT FLUSH moves
/// on, so that every thread's Lua state starts again.
pub struct Scripts {
    bodies: Mutex<HashMap<String, Bytes>>,
    generation: AtomicU64,
    /// Redis's `busy-reply-threshold` in ms (0 = no limit): how long a script may run
    /// before it is stopped (see [`Vm::execute`]).
    busy_ms: AtomicU64,
}

impl Default for Scripts {
    fn default() -> Scripts {
        Scripts { bodies: Mutex::default(), generation: AtomicU64::new(0), busy_ms: AtomicU64::new(5000) }
    }
}

impl Scripts {
    /// Applies `busy-reply-threshold` when CONFIG SET changes it; other names pass.
    pub fn apply_param(&self, name: &str, value: &str) {
        if name == "busy-reply-threshold" {
            if let Ok(ms) = value.parse::<u64>() {
                self.busy_ms.store(ms, Ordering::Relaxed);
            }
        }
    }

    fn add(&self, body: &[u8]) -> String {
        let sha = sha1_hex(body);
        self.bodies.lock().entry(sha.clone()).or_insert_with(|| Bytes::copy_from_slice(body));
        sha
    }

    fn get(&self, sha: &str) -> Option<Bytes> {
        self.bodies.lock().get(sha).cloned()
    }

    pub fn len(&self) -> usize {
        self.bodies.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn sha1_hex(bytes: &[u8]) -> String {
    sha1_smol::Sha1::from(bytes).digest().to_string()
}

fn eval(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    run(ctx, args, false, false)
}

fn evalsha(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    run(ctx, args, true, false)
}

fn eval_ro(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    run(ctx, args, false, true)
}

fn evalsha_ro(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    run(ctx, args, true, true)
}

fn run(ctx: &mut Ctx, args: &mut Args, by_sha: bool, read_only: bool) -> Result<Reply, CmdError> {
    let script = args.next_bytes()?;
    let numkeys = args.next_i64()?;
    let (keys, argv) = keys_and_args(numkeys, args.rest())?;
    let scripts = &ctx.state.scripts;
    let stored;
    let (sha, body) = if by_sha {
        let sha = String::from_utf8_lossy(script).to_ascii_lowercase();
        stored = scripts.get(&sha).ok_or_else(|| CmdError::msg("NOSCRIPT No matching script. Please use EVAL."))?;
        (sha, &stored[..])
    } else {
        (scripts.add(script), script)
    };
    with_vm(ctx, |vm, ctx| vm.run(ctx, &sha, body, keys, argv, read_only))
}

/// Runs `f` with this thread's Lua state, built (again) if there is none yet or SCRIPT
/// FLUSH has moved the cache on since.
pub(super) fn with_vm<R>(ctx: &mut Ctx, f: impl FnOnce(&mut Vm, &mut Ctx) -> Result<R, CmdError>) -> Result<R, CmdError> {
    let generation = ctx.state.scripts.generation.load(Ordering::Acquire);
    VM.with(|vm| {
        let mut vm = vm.borrow_mut();
        if vm.as_ref().is_none_or(|vm| vm.generation != generation) {
            *vm = Some(Vm::new(generation).map_err(|e| CmdError::err(format!("cannot start Lua: {e}")))?);
        }
        f(vm.as_mut().expect("just built"), ctx)
    })
}

/// The `numkeys` keys and then the arguments of an EVAL or FCALL, checked as Redis does.
pub(super) fn keys_and_args(numkeys: i64, rest: &[Bytes]) -> Result<(&[Bytes], &[Bytes]), CmdError> {
    if numkeys < 0 {
        return Err(CmdError::err("Number of keys can't be negative"));
    }
    if numkeys as u64 > rest.len() as u64 {
        return Err(CmdError::err("Number of keys can't be greater than number of args"));
    }
    Ok(rest.split_at(numkeys as usize))
}

fn script(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    dispatch_sub(ctx, args, "script", SCRIPT_SUBS)
}

fn script_load(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let body = args.next_bytes()?;
    // Compiled first, so a script that cannot run is refused here.
    compile_check(body)?;
    Ok(Reply::bulk(ctx.state.scripts.add(body)))
}

fn script_exists(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let scripts = ctx.state.scripts.bodies.lock();
    let found = args
        .rest_slices()
        .into_iter()
        .map(|sha| Reply::Int(scripts.contains_key(&String::from_utf8_lossy(sha).to_ascii_lowercase()) as i64));
    Ok(Reply::Array(found.collect()))
}

fn script_flush(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    match args.try_next() {
        None => {}
        Some(mode) if args.is_empty() && (mode.eq_ignore_ascii_case(b"async") || mode.eq_ignore_ascii_case(b"sync")) => {}
        Some(_) => return Err(CmdError::err("SCRIPT FLUSH only support SYNC|ASYNC option")),
    }
    let scripts = &ctx.state.scripts;
    scripts.bodies.lock().clear();
    scripts.generation.fetch_add(1, Ordering::AcqRel);
    Ok(Reply::Ok)
}

fn script_kill(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    // A script runs with every other client kept out, so none is ever running when this
    // command is.
    Err(CmdError::msg("NOTBUSY No scripts in execution right now."))
}

fn script_help(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    let lines = [
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Print this help.",
    ];
    Ok(Reply::Array(lines.iter().map(|l| Reply::Status(l.to_string())).collect()))
}

thread_local! {
    static VM: RefCell<Option<Vm>> = const { RefCell::new(None) };
}

/// The name scripts are compiled under: Lua's messages then say `user_script:LINE:`.
const CHUNK_NAME: &str = "@user_script";

/// The name function libraries are compiled under, as in Redis.
const FUNCTION_CHUNK_NAME: &str = "@user_function";

/// The flags a function may be registered with (Redis 7's).
pub(super) const FUNCTION_FLAGS: [&str; 5] = ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"];

/// A function a library registered.
pub(super) struct Registered {
    pub name: String,
    pub callback: Function,
    pub flags: Vec<String>,
    pub description: Option<String>,
}

/// Library and function names: letters, digits and underscores, at least one.
pub(super) fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// Where each run puts its dispatcher (a scoped Rust function) in the Lua registry, for
/// `redis.call` and `redis.pcall` to reach.
const DISPATCH_KEY: &str = "diskdb.dispatch";

/// The error a call raises in a script run that had to be given up ([`ScriptLocks`]);
/// no client sees it, the script runs again.
const GIVEN_UP: &str = "ERR script run given up, to run again alone";

/// Set-up run once per Lua state: the error handler that notes where a script failed,
/// and the globals guard. `...` is a table the handler is put in.
const PRELUDE: &str = r#"
local internal = ...
local getinfo = debug.getinfo

-- Turns any error into a table {err, source, line}. The line is the script's innermost
-- frame at the error (not the guard's below or a C function's), unless redis.call
-- noted it already.
internal.handler = function(err)
    local source, line
    for level = 2, 64 do
        local frame = getinfo(level, 'Sl')
        if frame == nil then break end
        if frame.source == '@user_script' or frame.source == '@user_function' then
            source, line = frame.source, frame.currentline
            break
        end
    end
    if type(err) == 'userdata' then
        -- Raised by a library written in Rust (cjson, cmsgpack), which mlua words as
        -- "runtime error: <message>" and a traceback: Redis's C libraries raise the
        -- message at the script's line.
        local text = tostring(err)
        text = text:match('^runtime error: (.-)\nstack traceback:') or text
        err = source and (source:sub(2) .. ':' .. line .. ': ' .. text) or text
    end
    if type(err) ~= 'table' then
        err = {err = 'ERR ' .. tostring(err)}
    end
    if err.line == nil then
        err.source, err.line = source, line
    end
    return err
end

-- A script stopped for running too long (Vm::run) must not catch that and go on: once
-- stopped, every protected call raises again as it returns.
local rawpcall, rawxpcall, resume, killed = pcall, xpcall, coroutine.resume, internal.killed
local function rethrow(...)
    if killed() then
        error('script killed', 0)
    end
    return ...
end
-- Redis's pcall hands an error reply ({err = ...}) to the script as its text, as scripts
-- written before Redis 7 expect (xpcall passes the table as it is).
local function as_text(ok, ...)
    local err = ...
    if not ok and type(err) == 'table' and type(err.err) == 'string' then
        return false, err.err
    end
    return ok, ...
end
pcall = function(...) return rethrow(as_text(rawpcall(...))) end
xpcall = function(...) return rethrow(rawxpcall(...)) end
coroutine.resume = function(...) return rethrow(resume(...)) end
internal.xpcall = rawxpcall

local setresp = redis.setresp
redis.setresp = function(...)
    local err = setresp(...)
    if err then error({err = err}) end
end

-- FUNCTION LOAD: a library's code registers its functions into internal.registering;
-- redis.register_function exists only while it runs (load_library), as in Redis.
internal.register_function = function(name, callback)
    local registering = internal.registering
    local entry
    if type(name) == 'table' then
        entry = {name = name.function_name, callback = name.callback, flags = name.flags, description = name.description}
    else
        entry = {name = name, callback = callback}
    end
    registering[#registering + 1] = entry
end

-- FCALL: a function called with its keys and arguments, as xpcall's argument-less callee.
internal.bind = function(f, keys, args)
    return function() return f(keys, args) end
end

debug = nil
print = nil
dofile = nil
loadfile = nil

setmetatable(_G, {
    __newindex = function(_, name)
        error("Attempt to modify a readonly table", 2)
    end,
    __index = function(_, name)
        error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
    end,
})
"#;

/// Calls the run's dispatcher with this call's arguments, leaving its one result on the
/// stack.
unsafe fn call_dispatcher(state: *mut ffi::lua_State) {
    let nargs = ffi::lua_gettop(state);
    ffi::lua_getfield(state, ffi::LUA_REGISTRYINDEX, c"diskdb.dispatch".as_ptr());
    ffi::lua_insert(state, 1);
    ffi::lua_call(state, nargs, 1);
}

/// `redis.pcall`: the command's reply, an error reply being a table `{err = ...}`.
unsafe extern "C-unwind" fn redis_pcall(state: *mut ffi::lua_State) -> c_int {
    call_dispatcher(state);
    1
}

/// `redis.call`: as `redis.pcall`, but an error reply is raised, with the script line
/// that called. It is a C function because Lua 5.1 tail-calls only Lua functions: in
/// `return redis.call(...)` the script's frame stays on the stack to be named.
unsafe extern "C-unwind" fn redis_call(state: *mut ffi::lua_State) -> c_int {
    call_dispatcher(state);
    if ffi::lua_type(state, -1) != ffi::LUA_TTABLE {
        return 1;
    }
    ffi::lua_getfield(state, -1, c"err".as_ptr());
    let failed = ffi::lua_isnil(state, -1) == 0;
    ffi::lua_pop(state, 1);
    if !failed {
        return 1;
    }
    let mut frame: ffi::lua_Debug = std::mem::zeroed();
    if ffi::lua_getstack(state, 1, &mut frame) != 0 && ffi::lua_getinfo(state, c"Sl".as_ptr(), &mut frame) != 0 {
        ffi::lua_pushstring(state, frame.source);
        ffi::lua_setfield(state, -2, c"source".as_ptr());
        ffi::lua_pushinteger(state, frame.currentline as ffi::lua_Integer);
        ffi::lua_setfield(state, -2, c"line".as_ptr());
    }
    ffi::lua_error(state)
}

/// One thread's Lua state and the scripts compiled in it.
pub(super) struct Vm {
    lua: Lua,
    generation: u64,
    internal: Table,
    compiled: HashMap<String, Function>,
    /// The callbacks of the function libraries loaded here, by function name, as of
    /// the libraries' generation `functions_generation`.
    functions: HashMap<String, Function>,
    functions_generation: u64,
    /// When the running script is stopped (see [`Vm::run`]), and whether it was.
    deadline: Rc<Cell<Option<Instant>>>,
    killed: Rc<Cell<bool>>,
    /// The protocol the running script asked for with `redis.setresp` (2 at its start):
    /// the shape of the replies its `redis.call`s get, and how its booleans are returned.
    resp: Rc<Cell<u8>>,
}

/// How many Lua instructions run between two looks at the clock.
const HOOK_INSTRUCTIONS: u32 = 100_000;

impl Vm {
    pub(super) fn new(generation: u64) -> mlua::Result<Vm> {
        // The debug library only while the prelude takes `getinfo` from it.
        let lua =
            unsafe { Lua::unsafe_new_with(StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::DEBUG, mlua::LuaOptions::default()) };
        let globals = lua.globals();
        let resp = Rc::new(Cell::new(2));
        globals.set("redis", redis_library(&lua, resp.clone())?)?;
        globals.set("bit", bit_library(&lua)?)?;
        globals.set("cjson", cjson_library(&lua)?)?;
        globals.set("cmsgpack", super::cmsgpack::library(&lua)?)?;
        let (deadline, killed) = (Rc::new(Cell::new(None::<Instant>)), Rc::new(Cell::new(false)));
        let internal = lua.create_table()?;
        let was_killed = killed.clone();
        internal.raw_set("killed", lua.create_function(move |_, ()| Ok(was_killed.get()))?)?;
        lua.load(PRELUDE).set_name("=prelude").call::<()>(internal.clone())?;
        let (at, kill) = (deadline.clone(), killed.clone());
        lua.set_hook(HookTriggers::new().every_nth_instruction(HOOK_INSTRUCTIONS), move |_, _| {
            if at.get().is_some_and(|at| Instant::now() >= at) {
                kill.set(true);
                return Err(mlua::Error::runtime("script killed"));
            }
            Ok(VmState::Continue)
        })?;
        Ok(Vm {
            lua,
            generation,
            internal,
            compiled: HashMap::new(),
            functions: HashMap::new(),
            functions_generation: 0,
            deadline,
            killed,
            resp,
        })
    }

    fn function(&mut self, sha: &str, body: &[u8]) -> Result<Function, CmdError> {
        if let Some(f) = self.compiled.get(sha) {
            return Ok(f.clone());
        }
        let f = self.lua.load(body).set_name(CHUNK_NAME).into_function().map_err(compile_error)?;
        self.compiled.insert(sha.to_string(), f.clone());
        Ok(f)
    }

    fn run(&mut self, ctx: &mut Ctx, sha: &str, body: &[u8], keys: &[Bytes], argv: &[Bytes], read_only: bool) -> Result<Reply, CmdError> {
        let function = self.function(sha, body)?;
        let globals = self.lua.globals();
        globals.raw_set("KEYS", strings(&self.lua, keys).map_err(lua_err)?).map_err(lua_err)?;
        globals.raw_set("ARGV", strings(&self.lua, argv).map_err(lua_err)?).map_err(lua_err)?;
        self.execute(ctx, function, sha, read_only)
    }

    /// Runs a library's code (FUNCTION LOAD) and returns the functions it registered,
    /// checked as Redis checks them.
    pub(super) fn load_library(&self, body: &[u8]) -> Result<Vec<Registered>, CmdError> {
        let registering_failed = |why: String| CmdError::err(format!("Error registering functions: {why}"));
        let chunk = self.lua.load(body).set_name(FUNCTION_CHUNK_NAME).into_function().map_err(|e| {
            let message = match &e {
                mlua::Error::SyntaxError { message, .. } => message.clone(),
                other => other.to_string(),
            };
            CmdError::err(format!("Error compiling function: {}", message.replace(['\r', '\n'], " ")))
        })?;
        let registering = self.lua.create_table().map_err(lua_err)?;
        self.internal.raw_set("registering", registering.clone()).map_err(lua_err)?;
        let redis: Table = self.lua.globals().raw_get("redis").map_err(lua_err)?;
        let register: Function = self.internal.raw_get("register_function").map_err(lua_err)?;
        redis.raw_set("register_function", register).map_err(lua_err)?;
        let handler: Function = self.internal.raw_get("handler").map_err(lua_err)?;
        let xpcall: Function = self.internal.raw_get("xpcall").map_err(lua_err)?;
        let result = xpcall.call::<MultiValue>((chunk, handler));
        let _ = self.internal.raw_set("registering", Value::Nil);
        let _ = redis.raw_set("register_function", Value::Nil);
        let mut values = result.map_err(lua_err)?.into_iter();
        if !matches!(values.next(), Some(Value::Boolean(true))) {
            let why = match values.next() {
                Some(Value::Table(t)) => t.raw_get::<Option<String>>("err").ok().flatten().unwrap_or_default(),
                _ => String::new(),
            };
            return Err(registering_failed(why));
        }
        let mut registered: Vec<Registered> = Vec::new();
        for entry in registering.sequence_values::<Table>() {
            let entry = entry.map_err(lua_err)?;
            let name =
                match entry.raw_get::<Value>("name").map_err(lua_err)? {
                    Value::String(s) if valid_name(&s.as_bytes()) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
                    // Redis 7.0 words a bad function name as a bad library name.
                    _ => return Err(registering_failed(
                        "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"
                            .into(),
                    )),
                };
            let Value::Function(callback) = entry.raw_get::<Value>("callback").map_err(lua_err)? else {
                return Err(registering_failed("ERR callback must be a function".into()));
            };
            let mut flags = Vec::new();
            match entry.raw_get::<Value>("flags").map_err(lua_err)? {
                Value::Nil => {}
                Value::Table(t) => {
                    for flag in t.sequence_values::<mlua::LuaString>() {
                        let flag = String::from_utf8_lossy(&flag.map_err(lua_err)?.as_bytes()).into_owned();
                        if !FUNCTION_FLAGS.contains(&flag.as_str()) {
                            return Err(registering_failed("ERR unknown flag given".into()));
                        }
                        flags.push(flag);
                    }
                }
                _ => {
                    return Err(registering_failed(
                        "ERR flags argument to redis.register_function must be a table representing function flags".into(),
                    ))
                }
            }
            let description = match entry.raw_get::<Value>("description").map_err(lua_err)? {
                Value::String(s) => Some(String::from_utf8_lossy(&s.as_bytes()).into_owned()),
                _ => None,
            };
            if registered.iter().any(|r| r.name == name) {
                return Err(registering_failed("ERR Function already exists in the library".into()));
            }
            registered.push(Registered { name, callback, flags, description });
        }
        if registered.is_empty() {
            return Err(CmdError::err("No functions registered"));
        }
        Ok(registered)
    }

    /// The callback of function `name`, loading its library (`body`) into this state
    /// when the libraries changed (`generation`) or it is not here yet.
    pub(super) fn library_function(&mut self, generation: u64, name: &str, body: &[u8]) -> Result<Function, CmdError> {
        if self.functions_generation != generation {
            self.functions.clear();
            self.functions_generation = generation;
        }
        if let Some(f) = self.functions.get(name) {
            return Ok(f.clone());
        }
        for r in self.load_library(body)? {
            self.functions.insert(r.name, r.callback);
        }
        self.functions.get(name).cloned().ok_or_else(|| CmdError::err("Function not found"))
    }

    /// Runs a registered function (FCALL): `callback(keys, args)`, named `name` in errors.
    pub(super) fn call_function(
        &mut self,
        ctx: &mut Ctx,
        callback: Function,
        name: &str,
        keys: &[Bytes],
        argv: &[Bytes],
        read_only: bool,
    ) -> Result<Reply, CmdError> {
        let bind: Function = self.internal.raw_get("bind").map_err(lua_err)?;
        let (keys, argv) = (strings(&self.lua, keys).map_err(lua_err)?, strings(&self.lua, argv).map_err(lua_err)?);
        let bound: Function = bind.call((callback, keys, argv)).map_err(lua_err)?;
        self.execute(ctx, bound, name, read_only)
    }

    /// Runs `function` (taking no arguments) as a script, `name` naming it in errors.
    fn execute(&mut self, ctx: &mut Ctx, function: Function, name: &str, read_only: bool) -> Result<Reply, CmdError> {
        let lua = self.lua.clone();

        // A script runs with every other client kept out, so one that never ends would
        // hold the server for good, and no SCRIPT KILL could reach it: past
        // busy-reply-threshold it is stopped and its writes are discarded.
        let limit_ms = ctx.state.scripts.busy_ms.load(Ordering::Relaxed);
        self.killed.set(false);
        self.resp.set(2);
        self.deadline.set((limit_ms > 0).then(|| Instant::now() + Duration::from_millis(limit_ms)));

        // Commands see RESP2 and their own database, as in Redis: the script's SELECT
        // does not change the caller's.
        let (resp, db) = (ctx.session.resp, ctx.session.db);
        ctx.session.resp = 2;
        let own_txn = ctx.txn.is_none().then(|| RefCell::new(Txn::begin(ctx.state.store.clone())));
        let txn = ctx.txn.or(own_txn.as_ref()).expect("a transaction");
        let start = txn.borrow().savepoint();
        let mut written: Vec<(usize, Vec<Bytes>)> = Vec::new();
        let journal = RefCell::new(Vec::new());
        let outcome = {
            let mut call = Call { ctx: &mut *ctx, txn, read_only, written: &mut written, resp: &self.resp, journal: &journal };
            lua.scope(|scope| {
                let dispatch = scope.create_function_mut(|lua, args: MultiValue| call.run(lua, args))?;
                lua.set_named_registry_value(DISPATCH_KEY, dispatch)?;
                let handler: Function = self.internal.raw_get("handler")?;
                let xpcall: Function = self.internal.raw_get("xpcall")?;
                let result = xpcall.call::<MultiValue>((function, handler))?;
                let mut values = result.into_iter();
                let ok = matches!(values.next(), Some(Value::Boolean(true)));
                let value = values.next().unwrap_or(Value::Nil);
                let counted = matches!(&value, Value::Table(t) if t.raw_get::<bool>(COUNTED).unwrap_or(false));
                Ok((if ok { Ok(to_reply(&value, 0, self.resp.get())) } else { Err(script_error(&value, name)) }, counted))
            })
        };
        let outcome = outcome.map(|(reply, counted)| {
            ctx.error_counted = counted;
            reply
        });
        let _ = lua.set_named_registry_value(DISPATCH_KEY, Value::Nil);
        self.deadline.set(None);
        ctx.session.resp = resp;
        ctx.session.set_db(db);
        if ctx.script_locks.is_some_and(ScriptLocks::gave_up) {
            // It runs again with the gate exclusive; this run leaves nothing behind, not
            // even in the statistics.
            txn.borrow_mut().rollback(start);
            return Err(CmdError::err(GIVEN_UP));
        }
        for counted in journal.into_inner() {
            super::count(ctx, counted);
        }
        if self.killed.get() {
            // None of its writes happen (the transaction may hold earlier ones, which stay).
            txn.borrow_mut().rollback(start);
            return Err(CmdError::err(format!(
                "Script killed after running longer than busy-reply-threshold ({limit_ms} ms); its writes were discarded script: {name}"
            )));
        }
        match (own_txn, ctx.script_writes) {
            (Some(txn), _) => {
                txn.into_inner().commit()?;
                for (db, argv) in &written {
                    super::context::written(ctx.state, *db, argv, ctx.session.id());
                }
            }
            // Inside EXEC or a run of pipelined scripts, whose commit reports them.
            (None, Some(writes)) => writes.borrow_mut().extend(written),
            (None, None) => {}
        }
        outcome.map_err(lua_err)?.map_err(CmdError::Msg)
    }
}

fn lua_err(e: mlua::Error) -> CmdError {
    CmdError::err(format!("Lua: {e}"))
}

/// The key locks of a run of scripts that does not hold the server's gate exclusively
/// (see the module notes), and whether it had to be given up.
#[derive(Default)]
pub struct ScriptLocks {
    held: RefCell<HeldLocks>,
    gave_up: Cell<bool>,
}

impl ScriptLocks {
    /// Takes the locks of the keys `argv` (a call of `cmd` in logical database `db`)
    /// names. False, and the run is given up, if it cannot: a lock another client holds
    /// (waited for only while the run holds none, so no cycle of waits can form), or a
    /// command that may touch keys it does not name.
    fn take(&self, state: &ServerState, db: usize, cmd: &Command, argv: &[Bytes]) -> bool {
        if self.gave_up.get() {
            return false;
        }
        let taken = match cmd.named_keys(argv) {
            // MOVE and COPY ... DB also write a key of another database.
            Some(keys) if !matches!(cmd.name, "move" | "copy") => {
                let (store, db) = (&state.store, state.store.physical(db));
                let mut held = self.held.borrow_mut();
                if held.is_empty() {
                    held.lock(store, db, &keys);
                    true
                } else {
                    held.try_lock(store, db, &keys)
                }
            }
            // Touching no key and changing nothing outside the script (SELECT changes the
            // database of the script's later calls only, whose keys are locked there).
            None if matches!(cmd.name, "ping" | "echo" | "time" | "select") => true,
            _ => false,
        };
        self.gave_up.set(!taken);
        taken
    }

    /// Whether a script had to be given up, to run again with the gate exclusive.
    pub fn gave_up(&self) -> bool {
        self.gave_up.get()
    }
}

/// What `redis.call` and `redis.pcall` reach: runs one command of the script.
struct Call<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    txn: &'c RefCell<Txn>,
    read_only: bool,
    /// The write commands that succeeded, with their database: the watches they break
    /// and the clients they wake once committed.
    written: &'c mut Vec<(usize, Vec<Bytes>)>,
    /// The protocol the script chose (`redis.setresp`).
    resp: &'c Cell<u8>,
    /// The statistics of the commands it calls, counted once it has run.
    journal: &'c RefCell<Vec<super::Counted>>,
}

impl Call<'_, '_> {
    fn run(&mut self, lua: &Lua, args: MultiValue) -> mlua::Result<Value> {
        let fail = |line: &str| error_table(lua, line);
        let mut argv = Vec::with_capacity(args.len());
        for arg in args {
            match argument(&arg) {
                Some(bytes) => argv.push(Bytes::from(bytes)),
                None => return fail("ERR Lua redis lib command arguments must be strings or integers"),
            }
        }
        if argv.is_empty() {
            return fail("ERR Please specify at least one argument for this redis lib call");
        }
        let Some((_, cmd)) = lookup(&argv[0]) else { return fail("ERR Unknown Redis command called from script") };
        if cmd.has(NOSCRIPT) {
            return fail("ERR This Redis command is not allowed from script");
        }
        if !cmd.arity_ok(argv.len()) {
            return fail("ERR Wrong number of args calling Redis command from script");
        }
        if self.read_only && cmd.has(WRITE) {
            return fail("ERR Write commands are not allowed from read-only scripts.");
        }
        let ctx = &mut *self.ctx;
        if let Some(locks) = ctx.script_locks {
            if !locks.take(ctx.state, ctx.session.db, cmd, &argv) {
                return Err(mlua::Error::runtime(GIVEN_UP));
            }
        }
        let resp = self.resp.get();
        ctx.session.resp = resp;
        let mut inner = Ctx::new(ctx.state, ctx.session);
        inner.now = ctx.now;
        inner.txn = Some(self.txn);
        inner.journal = Some(self.journal);
        let reply = dispatch(&mut inner, &argv);
        if cmd.has(WRITE) && !matches!(reply, Reply::Error(_)) {
            self.written.push((ctx.session.db, argv));
        }
        let value = from_reply(lua, &reply, resp)?;
        if let (Reply::Error(_), Value::Table(t)) = (&reply, &value) {
            // Counted in INFO errorstats by the command that failed: not again by the
            // script that passes it on (Redis marks the table the same way).
            t.raw_set(COUNTED, true)?;
        }
        Ok(value)
    }
}

/// A command argument from Lua: a string, or a number as Redis 7 prints it (`%.17g`).
fn argument(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Integer(n) => Some(n.to_string().into_bytes()),
        Value::Number(n) => Some(format_g17(*n).into_bytes()),
        _ => None,
    }
}

/// C's `%.17g`.
fn format_g17(n: f64) -> String {
    if !n.is_finite() {
        return if n.is_nan() {
            "nan".into()
        } else if n > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if n == 0.0 {
        return if n.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let sci = format!("{n:.16e}");
    let (mantissa, exp) = sci.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent");
    let trim = |s: &str| if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s.to_string() };
    if !(-4..17).contains(&exp) {
        format!("{}e{}{:02}", trim(mantissa), if exp < 0 { '-' } else { '+' }, exp.abs())
    } else {
        trim(&format!("{n:.*}", (16 - exp) as usize))
    }
}

fn strings(lua: &Lua, items: &[Bytes]) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(items.len(), 0)?;
    for (i, item) in items.iter().enumerate() {
        t.raw_set(i + 1, lua.create_string(item)?)?;
    }
    Ok(t)
}

/// The field of an error table that says its error was counted already (Redis's name).
const COUNTED: &str = "ignore_error_stats_update";

fn error_table(lua: &Lua, line: &str) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    t.raw_set("err", line)?;
    Ok(Value::Table(t))
}

/// A command's reply as Lua sees it, in the protocol the script chose: RESP2's shape (maps
/// flat, doubles as strings) unless it called `redis.setresp(3)`, with Redis's
/// conversions: integer -> number, bulk -> string, nil -> false (RESP3: nil),
/// status -> {ok}, error -> {err} (see [`parse_resp`]).
fn from_reply(lua: &Lua, reply: &Reply, resp: u8) -> mlua::Result<Value> {
    let mut wire = Vec::new();
    reply.encode(resp, &mut wire);
    // A reply of several frames (none that a script may call sends one) gives the first.
    if wire.is_empty() {
        return Ok(Value::Boolean(false));
    }
    parse_resp(lua, &wire, &mut 0)
}

/// A one-field table, Redis's shape for the RESP3 types Lua has no type for.
fn tagged(lua: &Lua, field: &str, value: impl mlua::IntoLua) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    t.raw_set(field, value)?;
    Ok(Value::Table(t))
}

/// One reply as Lua sees it: RESP2's types as Redis 5 converted them, and after
/// `redis.setresp(3)` RESP3's as Redis 7 does (null -> nil, booleans, `{map=...}`,
/// `{set=...}`, `{double=...}`, `{big_number=...}`, `{verbatim_string=...}`).
fn parse_resp(lua: &Lua, wire: &[u8], pos: &mut usize) -> mlua::Result<Value> {
    let end =
        wire[*pos..].windows(2).position(|w| w == b"\r\n").map(|i| *pos + i).ok_or_else(|| mlua::Error::runtime("truncated reply"))?;
    let (kind, line) = (wire[*pos], &wire[*pos + 1..end]);
    *pos = end + 2;
    let number =
        || std::str::from_utf8(line).ok().and_then(|s| s.parse::<i64>().ok()).ok_or_else(|| mlua::Error::runtime("bad reply length"));
    Ok(match kind {
        b'+' => {
            let t = lua.create_table()?;
            t.raw_set("ok", lua.create_string(line)?)?;
            Value::Table(t)
        }
        b'-' => {
            let t = lua.create_table()?;
            t.raw_set("err", lua.create_string(line)?)?;
            Value::Table(t)
        }
        b':' => Value::Integer(number()?),
        b'$' => match number()? {
            n if n < 0 => Value::Boolean(false),
            n => {
                let s = lua.create_string(&wire[*pos..*pos + n as usize])?;
                *pos += n as usize + 2;
                Value::String(s)
            }
        },
        b'*' | b'~' | b'%' | b'|' => match number()? {
            n if n < 0 => Value::Boolean(false),
            n if kind == b'*' => {
                let t = lua.create_table_with_capacity(n as usize, 0)?;
                for i in 1..=n {
                    t.raw_set(i, parse_resp(lua, wire, pos)?)?;
                }
                Value::Table(t)
            }
            n if kind == b'~' => {
                let members = lua.create_table()?;
                for _ in 0..n {
                    members.raw_set(parse_resp(lua, wire, pos)?, true)?;
                }
                tagged(lua, "set", members)?
            }
            n => {
                let pairs = lua.create_table()?;
                for _ in 0..n {
                    let key = parse_resp(lua, wire, pos)?;
                    pairs.raw_set(key, parse_resp(lua, wire, pos)?)?;
                }
                if kind == b'|' {
                    // Attributes are not shown to scripts: the reply they annotate is.
                    return parse_resp(lua, wire, pos);
                }
                tagged(lua, "map", pairs)?
            }
        },
        b'_' => Value::Nil,
        b'#' => Value::Boolean(line == b"t"),
        b',' => {
            let text = std::str::from_utf8(line).unwrap_or("");
            let n = match text {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                "nan" => f64::NAN,
                _ => text.parse().map_err(|_| mlua::Error::runtime("bad double reply"))?,
            };
            tagged(lua, "double", n)?
        }
        b'(' => tagged(lua, "big_number", lua.create_string(line)?)?,
        b'=' => {
            let n = number()? as usize;
            let body = &wire[*pos..*pos + n];
            *pos += n + 2;
            let (format, text) = body.split_at(3.min(body.len()));
            let verbatim = lua.create_table()?;
            verbatim.raw_set("format", lua.create_string(format)?)?;
            verbatim.raw_set("string", lua.create_string(text.get(1..).unwrap_or_default())?)?;
            tagged(lua, "verbatim_string", verbatim)?
        }
        _ => return Err(mlua::Error::runtime("unexpected reply type")),
    })
}

/// A script's result as a reply, with Redis's conversions: number -> integer (C's
/// truncating cast), string -> bulk, true -> 1, false and nil -> nil, {err} -> error,
/// {ok} -> status, any other table -> the array of its elements up to the first nil.
///
/// Tables shaped as RESP3 types (`{double=n}`, `{big_number=s}`, `{verbatim_string=...}`,
/// `{map=...}`, `{set=...}`) become those replies, which a RESP2 client reads in RESP2's
/// shapes; booleans follow the protocol the script chose (`resp`), as in Redis 7.
fn to_reply(value: &Value, depth: usize, resp: u8) -> Reply {
    match value {
        Value::String(s) => Reply::Bulk(s.as_bytes().to_vec()),
        Value::Integer(n) => Reply::Int(*n),
        Value::Number(n) => Reply::Int(c_i64(*n)),
        Value::Boolean(b) if resp >= 3 => Reply::Bool(*b),
        Value::Boolean(true) => Reply::Int(1),
        Value::Table(t) => {
            if let Ok(Value::String(e)) = t.raw_get::<Value>("err") {
                return Reply::Error(error_line(&e.as_bytes()));
            }
            if let Ok(Value::String(s)) = t.raw_get::<Value>("ok") {
                return Reply::Status(String::from_utf8_lossy(&s.as_bytes()).replace(['\r', '\n'], " "));
            }
            if let Ok(Value::Number(n)) = t.raw_get::<Value>("double") {
                return Reply::Double(n);
            }
            if let Ok(Value::Integer(n)) = t.raw_get::<Value>("double") {
                return Reply::Double(n as f64);
            }
            if let Ok(Value::String(s)) = t.raw_get::<Value>("big_number") {
                return Reply::BigNumber(String::from_utf8_lossy(&s.as_bytes()).replace(['\r', '\n'], " "));
            }
            if let Ok(Value::Table(v)) = t.raw_get::<Value>("verbatim_string") {
                if let (Ok(Value::String(_)), Ok(Value::String(s))) = (v.raw_get::<Value>("format"), v.raw_get::<Value>("string")) {
                    return Reply::Verbatim(String::from_utf8_lossy(&s.as_bytes()).into_owned());
                }
            }
            // Deeper than Redis lets a reply nest (its protocol writer's limit).
            if depth > 1000 {
                return Reply::Error("ERR reached lua stack limit".into());
            }
            if let Ok(Value::Table(m)) = t.raw_get::<Value>("map") {
                let pairs = m.pairs::<Value, Value>().filter_map(|p| p.ok());
                return Reply::Map(pairs.map(|(k, v)| (to_reply(&k, depth + 1, resp), to_reply(&v, depth + 1, resp))).collect());
            }
            if let Ok(Value::Table(s)) = t.raw_get::<Value>("set") {
                let members = s.pairs::<Value, Value>().filter_map(|p| p.ok());
                return Reply::Set(members.map(|(k, _)| to_reply(&k, depth + 1, resp)).collect());
            }
            let mut items = Vec::new();
            for i in 1.. {
                match t.raw_get::<Value>(i) {
                    Ok(Value::Nil) | Err(_) => break,
                    Ok(v) => items.push(to_reply(&v, depth + 1, resp)),
                }
            }
            Reply::Array(items)
        }
        _ => Reply::Nil,
    }
}

/// An error text from Lua as an error line: one line, without a leading `-`.
fn error_line(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    text.strip_prefix('-').unwrap_or(&text).replace(['\r', '\n'], " ")
}

/// The error line of a script that failed: its message, then which script and where,
/// as Redis 7 words it (`... script: <sha>, on @user_script:1.`).
fn script_error(err: &Value, sha: &str) -> String {
    let Value::Table(t) = err else { return format!("ERR unknown error script: {sha}") };
    let message = match t.raw_get::<Value>("err") {
        Ok(Value::String(s)) => error_line(&s.as_bytes()),
        _ => "ERR unknown error".into(),
    };
    let source = t.raw_get::<Option<String>>("source").ok().flatten();
    let line = t.raw_get::<Option<i64>>("line").ok().flatten();
    match (source, line) {
        (Some(source), Some(line)) => format!("{message} script: {sha}, on {source}:{line}."),
        _ => format!("{message} script: {sha}, on ?:?."),
    }
}

fn compile_error(e: mlua::Error) -> CmdError {
    let message = match &e {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        other => other.to_string(),
    };
    CmdError::err(format!("Error compiling script (new function): {}", message.replace(['\r', '\n'], " ")))
}

/// Compiles a script in a throwaway state, for SCRIPT LOAD's check.
fn compile_check(body: &[u8]) -> Result<(), CmdError> {
    let lua = Lua::new_with(StdLib::NONE, mlua::LuaOptions::default()).map_err(|e| CmdError::err(e.to_string()))?;
    lua.load(body).set_name(CHUNK_NAME).into_function().map(|_| ()).map_err(compile_error)
}

/// The `redis` table.
fn redis_library(lua: &Lua, script_resp: Rc<Cell<u8>>) -> mlua::Result<Table> {
    let redis = lua.create_table()?;
    // SAFETY: both follow the Lua C API's rules: they use the stack only within what
    // they were called with and what Lua guarantees (LUA_MINSTACK free slots), and raise
    // errors with lua_error, holding no Rust values that need dropping.
    unsafe {
        redis.set("call", lua.create_c_function(redis_call)?)?;
        redis.set("pcall", lua.create_c_function(redis_pcall)?)?;
    }
    redis.set("sha1hex", lua.create_function(|_, s: mlua::LuaString| Ok(sha1_hex(&s.as_bytes())))?)?;
    // As Redis words it: a message whose first word is not followed by more text gets
    // the code ERR (`error_reply('oops')` is `ERR oops`, `error_reply('MY oops')` stays).
    redis.set(
        "error_reply",
        lua.create_function(|lua, s: mlua::LuaString| {
            let text = s.as_bytes();
            let text = text.strip_prefix(b"-").unwrap_or(&text);
            let t = lua.create_table()?;
            if text.contains(&b' ') {
                t.raw_set("err", lua.create_string(text)?)?;
            } else {
                t.raw_set("err", lua.create_string([b"ERR ", text].concat())?)?;
            }
            Ok(t)
        })?,
    )?;
    redis.set(
        "status_reply",
        lua.create_function(|lua, s: mlua::LuaString| {
            let t = lua.create_table()?;
            t.raw_set("ok", s)?;
            Ok(t)
        })?,
    )?;
    redis.set(
        "log",
        lua.create_function(|_, (level, parts): (i64, mlua::Variadic<mlua::LuaString>)| {
            let text: Vec<String> = parts.iter().map(|p| String::from_utf8_lossy(&p.as_bytes()).into_owned()).collect();
            let text = text.join(" ");
            match level {
                0 => log::debug!("{text}"),
                1 => log::info!("{text}"),
                2 => log::info!("{text}"),
                3 => log::warn!("{text}"),
                _ => return Err(mlua::Error::runtime("Invalid debug level.")),
            }
            Ok(())
        })?,
    )?;
    for (name, value) in [("LOG_DEBUG", 0), ("LOG_VERBOSE", 1), ("LOG_NOTICE", 2), ("LOG_WARNING", 3)] {
        redis.set(name, value)?;
    }
    for (name, value) in [("REPL_NONE", 0), ("REPL_AOF", 1), ("REPL_SLAVE", 2), ("REPL_REPLICA", 2), ("REPL_ALL", 3)] {
        redis.set(name, value)?;
    }
    // Effects replication is the only kind since Redis 7: these change nothing.
    redis.set("replicate_commands", lua.create_function(|_, ()| Ok(true))?)?;
    redis.set("set_repl", lua.create_function(|_, _flags: i64| Ok(()))?)?;
    redis.set(
        "setresp",
        // Answers the error's text instead of raising it: the prelude raises it as Redis's
        // error reply, so that it names the script's line.
        lua.create_function(move |_, args: MultiValue| {
            if args.len() != 1 {
                return Ok(Some("ERR redis.setresp() requires one argument."));
            }
            // Read as Lua's `tonumber` reads it, truncated as Redis's (int) cast does.
            let n = match &args[0] {
                Value::Integer(n) => *n,
                Value::Number(n) => *n as i64,
                Value::String(s) => s.to_str().ok().and_then(|s| s.trim().parse::<f64>().ok()).map_or(0, |n| n as i64),
                _ => 0,
            };
            match n {
                2 | 3 => {
                    script_resp.set(n as u8);
                    Ok(None)
                }
                _ => Ok(Some("ERR RESP version must be 2 or 3.")),
            }
        })?,
    )?;
    redis.set("breakpoint", lua.create_function(|_, ()| Ok(false))?)?;
    redis.set("debug", lua.create_function(|_, _args: MultiValue| Ok(()))?)?;
    redis.set("REDIS_VERSION", crate::REDIS_COMPAT_VERSION)?;
    let num = crate::REDIS_COMPAT_VERSION.split('.').map(|p| p.parse::<i64>().unwrap_or(0)).fold(0, |n, p| n * 256 + p);
    redis.set("REDIS_VERSION_NUM", num)?;
    Ok(redis)
}

/// LuaBitOp's `bit` library, which Redis ships: 32-bit operations on numbers.
fn bit_library(lua: &Lua) -> mlua::Result<Table> {
    // Numbers wrap into 32 bits as LuaBitOp's `tobit` does (modulo 2^32, then signed).
    fn tobit(n: f64) -> i32 {
        (n.trunc().rem_euclid(4_294_967_296.0) as u64) as u32 as i32
    }
    let bit = lua.create_table()?;
    let fold = |lua: &Lua, f: fn(i32, i32) -> i32| {
        lua.create_function(move |_, (first, rest): (f64, mlua::Variadic<f64>)| {
            Ok(rest.iter().fold(tobit(first), |acc, n| f(acc, tobit(*n))))
        })
    };
    bit.set("band", fold(lua, |a, b| a & b)?)?;
    bit.set("bor", fold(lua, |a, b| a | b)?)?;
    bit.set("bxor", fold(lua, |a, b| a ^ b)?)?;
    bit.set("tobit", lua.create_function(|_, n: f64| Ok(tobit(n)))?)?;
    bit.set("bnot", lua.create_function(|_, n: f64| Ok(!tobit(n)))?)?;
    bit.set("bswap", lua.create_function(|_, n: f64| Ok(tobit(n).swap_bytes()))?)?;
    let shift =
        |lua: &Lua, f: fn(i32, u32) -> i32| lua.create_function(move |_, (n, by): (f64, f64)| Ok(f(tobit(n), (tobit(by) & 31) as u32)));
    bit.set("lshift", shift(lua, |n, by| ((n as u32) << by) as i32)?)?;
    bit.set("rshift", shift(lua, |n, by| ((n as u32) >> by) as i32)?)?;
    bit.set("arshift", shift(lua, |n, by| n >> by)?)?;
    bit.set("rol", shift(lua, |n, by| (n as u32).rotate_left(by) as i32)?)?;
    bit.set("ror", shift(lua, |n, by| (n as u32).rotate_right(by) as i32)?)?;
    bit.set(
        "tohex",
        lua.create_function(|_, (n, digits): (f64, Option<f64>)| {
            let digits = digits.map_or(8, tobit);
            let (upper, width) = (digits < 0, digits.unsigned_abs().min(8) as usize);
            let hex = format!("{:08x}", tobit(n) as u32);
            let hex = hex[8 - width..].to_string();
            Ok(if upper { hex.to_ascii_uppercase() } else { hex })
        })?,
    )?;
    Ok(bit)
}

/// The parts of lua-cjson that scripts use: `cjson.encode`, `cjson.decode`, `cjson.null`.
fn cjson_library(lua: &Lua) -> mlua::Result<Table> {
    let cjson = lua.create_table()?;
    cjson.set("null", Value::LightUserData(LightUserData(std::ptr::null_mut())))?;
    cjson.set(
        "encode",
        lua.create_function(|lua, value: Value| {
            let json = to_json(&value, 0)?;
            lua.create_string(serde_json::to_vec(&json).map_err(mlua::Error::external)?)
        })?,
    )?;
    cjson.set(
        "decode",
        lua.create_function(|lua, text: mlua::LuaString| {
            let json: serde_json::Value = serde_json::from_slice(&text.as_bytes())
                .map_err(|e| mlua::Error::runtime(format!("Expected value but found invalid token: {e}")))?;
            from_json(lua, &json)
        })?,
    )?;
    Ok(cjson)
}

fn to_json(value: &Value, depth: usize) -> mlua::Result<serde_json::Value> {
    use serde_json::Value as J;
    if depth > 1000 {
        return Err(mlua::Error::runtime("Cannot serialise, excessive nesting (1001)"));
    }
    Ok(match value {
        Value::Nil | Value::LightUserData(_) => J::Null,
        Value::Boolean(b) => J::Bool(*b),
        Value::Integer(n) => J::from(*n),
        Value::Number(n) if n.is_finite() => serde_json::Number::from_f64(*n).map_or(J::Null, J::Number),
        Value::Number(_) => return Err(mlua::Error::runtime("Cannot serialise number: must not be NaN or Inf")),
        Value::String(s) => J::String(String::from_utf8_lossy(&s.as_bytes()).into_owned()),
        Value::Table(t) => {
            // An array when every key is an integer 1..n (cjson's rule, without its
            // sparse-array allowance); an empty table is an object, as in cjson.
            let mut max = 0;
            let mut count = 0;
            let mut is_array = true;
            for pair in t.clone().pairs::<Value, Value>() {
                let (k, _) = pair?;
                count += 1;
                match k {
                    Value::Integer(i) if i >= 1 => max = max.max(i),
                    _ => is_array = false,
                }
            }
            if is_array && count > 0 && max == count {
                let mut items = Vec::with_capacity(count as usize);
                for i in 1..=max {
                    items.push(to_json(&t.raw_get::<Value>(i)?, depth + 1)?);
                }
                J::Array(items)
            } else {
                let mut map = serde_json::Map::new();
                for pair in t.clone().pairs::<Value, Value>() {
                    let (k, v) = pair?;
                    let key = match k {
                        Value::String(s) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
                        Value::Integer(i) => i.to_string(),
                        Value::Number(n) => format_g17(n),
                        _ => return Err(mlua::Error::runtime("Cannot serialise table: table key must be a number or string")),
                    };
                    map.insert(key, to_json(&v, depth + 1)?);
                }
                J::Object(map)
            }
        }
        other => return Err(mlua::Error::runtime(format!("Cannot serialise {}: type not supported", other.type_name()))),
    })
}

fn from_json(lua: &Lua, json: &serde_json::Value) -> mlua::Result<Value> {
    use serde_json::Value as J;
    Ok(match json {
        J::Null => Value::LightUserData(LightUserData(std::ptr::null_mut())),
        J::Bool(b) => Value::Boolean(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::String(lua.create_string(s)?),
        J::Array(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.iter().enumerate() {
                t.raw_set(i + 1, from_json(lua, item)?)?;
            }
            Value::Table(t)
        }
        J::Object(map) => {
            let t = lua.create_table_with_capacity(0, map.len())?;
            for (k, v) in map {
                t.raw_set(k.as_str(), from_json(lua, v)?)?;
            }
            Value::Table(t)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::format_g17;

    #[test]
    fn numbers_print_as_c_does_with_17_digits() {
        for (n, text) in [
            (10.0, "10"),
            (0.1, "0.10000000000000001"),
            (1.0 / 3.0, "0.33333333333333331"),
            (1e20, "1e+20"),
            (-2.5, "-2.5"),
            (1e-5, "1.0000000000000001e-05"),
            (123456789012345678.0, "1.2345678901234568e+17"),
        ] {
            assert_eq!(format_g17(n), text, "{n}");
        }
    }
}
