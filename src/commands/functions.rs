//! Redis 7 functions: FUNCTION LOAD / DELETE / FLUSH / LIST / STATS / KILL and FCALL,
//! FCALL_RO. A library is Lua code that registers named functions; libraries are kept
//! in the `system` column family (`function:<name>` -> code), so they survive restarts
//! as Redis's do (in its RDB and AOF), and FLUSHALL leaves them alone, as in Redis.
//!
//! FCALL runs a function exactly as EVAL runs a script (`scripting.rs`: alone, in one
//! transaction, with the same conversions and errors); each thread's Lua state loads a
//! library the first time one of its functions is called there, and again after the
//! libraries change.

use super::args::is;
use super::flag::*;
use super::scripting::{keys_and_args, valid_name, with_vm, Vm, FUNCTION_FLAGS};
use super::{cmd, dispatch_sub, keys_counted_at_2, Args, CmdError, Command, Ctx};
use crate::glob;
use crate::protocol::Reply;
use crate::storage::{cf, Storage};
use bytes::Bytes;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

pub const TABLE: &[Command] = &[
    cmd("fcall", -3, NOSCRIPT | STALE, (0, 0, 0), "scripting", "Run a function", fcall).movable(keys_counted_at_2).reads_unnamed_keys(),
    cmd("fcall_ro", -3, NOSCRIPT | STALE, (0, 0, 0), "scripting", "Run a function that only reads", fcall_ro)
        .movable(keys_counted_at_2)
        .reads_unnamed_keys(),
    cmd("function", -2, NOSCRIPT, (0, 0, 0), "scripting", "Manage function libraries", function),
];

const FUNCTION_SUBS: &[Command] = &[
    cmd("load", -3, WRITE | NOSCRIPT, (0, 0, 0), "scripting", "Load a library of functions", function_load),
    cmd("delete", 3, WRITE | NOSCRIPT, (0, 0, 0), "scripting", "Delete a library", function_delete),
    cmd("flush", -2, WRITE | NOSCRIPT, (0, 0, 0), "scripting", "Delete every library", function_flush),
    cmd("list", -2, NOSCRIPT, (0, 0, 0), "scripting", "List libraries and their functions", function_list),
    cmd("stats", 2, NOSCRIPT, (0, 0, 0), "scripting", "Count libraries and functions", function_stats),
    cmd("dump", 2, NOSCRIPT, (0, 0, 0), "scripting", "Serialize every library", function_dump),
    cmd("restore", -3, WRITE | NOSCRIPT, (0, 0, 0), "scripting", "Load libraries from a FUNCTION DUMP payload", function_restore),
    cmd("kill", 2, NOSCRIPT, (0, 0, 0), "scripting", "Stop the running function", function_kill),
    cmd("help", 2, NOSCRIPT, (0, 0, 0), "scripting", "Show help", function_help),
];

/// Where libraries are stored in the `system` family.
const ROW_PREFIX: &[u8] = b"function:";

/// The `system` row holding library `name`.
fn row_key(name: &str) -> Vec<u8> {
    [ROW_PREFIX, name.as_bytes()].concat()
}

/// A loaded library.
struct Library {
    code: Bytes,
    /// What Lua runs: `code` from the end of its first line (see [`parse_library`]).
    body: Bytes,
    functions: Vec<FunctionInfo>,
}

struct FunctionInfo {
    name: String,
    flags: Vec<String>,
    description: Option<String>,
}

/// The server's function libraries by name, and a generation that every change moves
/// on, so that each thread's Lua state loads them again.
#[derive(Default)]
pub struct Functions {
    libraries: Mutex<BTreeMap<String, Library>>,
    generation: AtomicU64,
}

impl Functions {
    /// Loads the libraries stored in `store` (at start-up).
    pub fn restore(&self, store: &Storage) -> Result<(), String> {
        let rows = store.system_rows(ROW_PREFIX).map_err(|e| e.to_string())?;
        if rows.is_empty() {
            return Ok(());
        }
        let vm = Vm::new(0).map_err(|e| format!("cannot start Lua: {e}"))?;
        let mut libraries = self.libraries.lock();
        for (key, code) in rows {
            let name = String::from_utf8_lossy(&key[ROW_PREFIX.len()..]).into_owned();
            match parse_library(&vm, &code) {
                Ok((_, library)) => {
                    libraries.insert(name, library);
                }
                Err(e) => log::warn!("function library {name} could not be loaded: {e}"),
            }
        }
        if !libraries.is_empty() {
            log::info!("Loaded {} function libraries", libraries.len());
        }
        Ok(())
    }

    /// The body of the library defining `function`, and whether the function may write.
    fn find(&self, function: &str) -> Option<(Bytes, bool)> {
        let libraries = self.libraries.lock();
        libraries.values().find_map(|lib| {
            let f = lib.functions.iter().find(|f| f.name == function)?;
            Some((lib.body.clone(), !f.flags.iter().any(|fl| fl == "no-writes")))
        })
    }

    pub fn library_count(&self) -> usize {
        self.libraries.lock().len()
    }

    pub fn function_count(&self) -> usize {
        self.libraries.lock().values().map(|l| l.functions.len()).sum()
    }

    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

/// Reads a library's first line, `#!lua name=<name>`, as Redis does, runs its code in
/// `vm` and returns its name and what it registered. The code Lua sees keeps the first
/// line's place (empty), so line numbers in errors count it as Redis's do.
fn parse_library(vm: &Vm, code: &[u8]) -> Result<(String, Library), CmdError> {
    let first_end = code.iter().position(|&c| c == b'\n').unwrap_or(code.len());
    let first = &code[..first_end];
    let Some(header) = first.strip_prefix(b"#!") else { return Err(CmdError::err("Missing library metadata")) };
    let header = String::from_utf8_lossy(header);
    let mut parts = header.split(' ').filter(|p| !p.is_empty());
    let engine = parts.next().unwrap_or("");
    let mut name = None;
    for part in parts {
        match part.split_once('=') {
            Some(("name", value)) => name = Some(value.to_string()),
            _ => return Err(CmdError::err(format!("Invalid metadata value given: {part}"))),
        }
    }
    if !engine.eq_ignore_ascii_case("lua") {
        return Err(CmdError::err(format!("Engine '{engine}' not found")));
    }
    let name = name.ok_or_else(|| CmdError::err("Library name was not given"))?;
    if !valid_name(name.as_bytes()) {
        return Err(CmdError::err(
            "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ));
    }
    let code = Bytes::copy_from_slice(code);
    let body = code.slice(first_end..);
    let registered = vm.load_library(&body)?;
    let functions = registered
        .into_iter()
        .map(|r| {
            // Redis keeps flags as a set, shown in its own order.
            let flags = FUNCTION_FLAGS.iter().filter(|f| r.flags.iter().any(|g| g == *f)).map(|f| f.to_string()).collect();
            FunctionInfo { name: r.name, flags, description: r.description }
        })
        .collect();
    Ok((name, Library { code, body, functions }))
}

fn fcall(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    call(ctx, args, false)
}

fn fcall_ro(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    call(ctx, args, true)
}

fn call(ctx: &mut Ctx, args: &mut Args, ro_command: bool) -> Result<Reply, CmdError> {
    let name = String::from_utf8_lossy(args.next_bytes()?).into_owned();
    // The function first, as Redis checks.
    let functions = &ctx.state.functions;
    let (body, writes) = functions.find(&name).ok_or_else(|| CmdError::err("Function not found"))?;
    let numkeys = args.next_i64().map_err(|_| CmdError::err("Bad number of keys provided"))?;
    let (keys, argv) = keys_and_args(numkeys, args.rest())?;
    if ro_command && writes {
        return Err(CmdError::err("Can not execute a script with write flag using *_ro command."));
    }
    let generation = functions.generation.load(Ordering::Acquire);
    with_vm(ctx, |vm, ctx| {
        let callback = vm.library_function(generation, &name, &body)?;
        vm.call_function(ctx, callback, &name, keys, argv, !writes)
    })
}

fn function(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    dispatch_sub(ctx, args, "function", FUNCTION_SUBS)
}

/// FUNCTION LOAD [REPLACE] code
fn function_load(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let mut replace = false;
    let mut code = args.next_bytes()?;
    if is(code, "REPLACE") && !args.is_empty() {
        replace = true;
        code = args.next_bytes()?;
    }
    if !args.is_empty() {
        return Err(CmdError::err("Unknown option given: ".to_string() + &String::from_utf8_lossy(code)));
    }
    let vm = Vm::new(0).map_err(|e| CmdError::err(format!("cannot start Lua: {e}")))?;
    let (name, library) = parse_library(&vm, code)?;
    let functions = &ctx.state.functions;
    let mut libraries = functions.libraries.lock();
    if libraries.contains_key(&name) && !replace {
        return Err(CmdError::err(format!("Library '{name}' already exists")));
    }
    function_clash(&libraries, &library, |other| other == name)?;
    let mut batch = ctx.state.store.batch();
    batch.put_row(cf::SYSTEM, &row_key(&name), code);
    ctx.state.store.write(batch)?;
    libraries.insert(name.clone(), library);
    functions.changed();
    Ok(Reply::bulk(name))
}

/// Redis's "Function f already exists": one of `library`'s functions is defined by one
/// of `libraries` that stays (not `replaced`).
fn function_clash(libraries: &BTreeMap<String, Library>, library: &Library, replaced: impl Fn(&str) -> bool) -> Result<(), CmdError> {
    for f in &library.functions {
        if libraries.iter().any(|(name, lib)| !replaced(name) && lib.functions.iter().any(|g| g.name == f.name)) {
            return Err(CmdError::err(format!("Function {} already exists", f.name)));
        }
    }
    Ok(())
}

/// FUNCTION DUMP: every library in Redis's payload format, which Redis 7 restores too.
fn function_dump(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    let libraries = ctx.state.functions.libraries.lock();
    Ok(Reply::bulk(crate::rdb::encode_functions(libraries.values().map(|l| &l.code[..]))))
}

/// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: every library of the payload is
/// checked (loaded in a fresh Lua state, names checked against the policy) before any is
/// stored, so a payload that fails changes nothing.
fn function_restore(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let payload = args.next_bytes()?;
    let (mut flush, mut replace) = (false, false);
    if let Some(policy) = args.try_next() {
        if is(policy, "FLUSH") {
            flush = true;
        } else if is(policy, "REPLACE") {
            replace = true;
        } else if !is(policy, "APPEND") {
            return Err(CmdError::err("Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."));
        }
    }
    if !args.is_empty() {
        return Err(super::server::subcommand_syntax_error(args.argv()[1].as_ref(), "FUNCTION"));
    }
    let codes = crate::rdb::decode_functions(payload).map_err(CmdError::msg)?;
    let vm = Vm::new(0).map_err(|e| CmdError::err(format!("cannot start Lua: {e}")))?;
    let mut restored: BTreeMap<String, Library> = BTreeMap::new();
    for code in &codes {
        let (name, library) = parse_library(&vm, code)?;
        if restored.contains_key(&name) {
            return Err(CmdError::err(format!("Library {name} already exists")));
        }
        function_clash(&restored, &library, |_| false)?;
        restored.insert(name, library);
    }
    let functions = &ctx.state.functions;
    let mut libraries = functions.libraries.lock();
    let mut batch = ctx.state.store.batch();
    if flush {
        for name in libraries.keys() {
            batch.delete_row(cf::SYSTEM, &row_key(name));
        }
    } else {
        for (name, library) in &restored {
            if libraries.contains_key(name) && !replace {
                return Err(CmdError::err(format!("Library {name} already exists")));
            }
            function_clash(&libraries, library, |other| restored.contains_key(other))?;
        }
    }
    for (name, library) in &restored {
        batch.put_row(cf::SYSTEM, &row_key(name), &library.code);
    }
    ctx.state.store.write(batch)?;
    if flush {
        libraries.clear();
    }
    libraries.extend(restored);
    functions.changed();
    Ok(Reply::Ok)
}

fn function_delete(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let name = String::from_utf8_lossy(args.next_bytes()?).into_owned();
    let functions = &ctx.state.functions;
    let mut libraries = functions.libraries.lock();
    if !libraries.contains_key(&name) {
        return Err(CmdError::err("Library not found"));
    }
    let mut batch = ctx.state.store.batch();
    batch.delete_row(cf::SYSTEM, &row_key(&name));
    ctx.state.store.write(batch)?;
    libraries.remove(&name);
    functions.changed();
    Ok(Reply::Ok)
}

fn function_flush(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    match args.try_next() {
        None => {}
        Some(m) if !(is(m, "ASYNC") || is(m, "SYNC")) => return Err(CmdError::err("FUNCTION FLUSH only supports SYNC|ASYNC option")),
        Some(_) if !args.is_empty() => return Err(super::server::subcommand_syntax_error(args.argv()[1].as_ref(), "FUNCTION")),
        Some(_) => {}
    }
    let functions = &ctx.state.functions;
    let mut libraries = functions.libraries.lock();
    let mut batch = ctx.state.store.batch();
    for name in libraries.keys() {
        batch.delete_row(cf::SYSTEM, &row_key(name));
    }
    ctx.state.store.write(batch)?;
    libraries.clear();
    functions.changed();
    Ok(Reply::Ok)
}

/// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]
fn function_list(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (mut pattern, mut with_code) = (None, false);
    while let Some(opt) = args.try_next() {
        if is(opt, "WITHCODE") && !with_code {
            with_code = true;
        } else if is(opt, "LIBRARYNAME") && pattern.is_none() {
            pattern = Some(args.next_bytes().map_err(|_| CmdError::err("library name argument was not given"))?);
        } else {
            return Err(CmdError::err(format!("Unknown argument {}", String::from_utf8_lossy(opt))));
        }
    }
    let s = Reply::from_str;
    let libraries = ctx.state.functions.libraries.lock();
    let listed = libraries.iter().filter(|(name, _)| pattern.is_none_or(|p| glob::matches(p, name.as_bytes(), true)));
    let list = listed
        .map(|(name, lib)| {
            let functions = lib.functions.iter().map(|f| {
                Reply::Map(vec![
                    (s("name"), s(&f.name)),
                    (s("description"), f.description.as_deref().map_or(Reply::Nil, s)),
                    (s("flags"), Reply::Set(f.flags.iter().map(|fl| Reply::Status(fl.clone())).collect())),
                ])
            });
            let mut fields =
                vec![(s("library_name"), s(name)), (s("engine"), s("LUA")), (s("functions"), Reply::Array(functions.collect()))];
            if with_code {
                fields.push((s("library_code"), Reply::bulk(&lib.code[..])));
            }
            Reply::Map(fields)
        })
        .collect();
    Ok(Reply::Array(list))
}

fn function_stats(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    let s = Reply::from_str;
    let functions = &ctx.state.functions;
    let lua = Reply::Map(vec![
        (s("libraries_count"), Reply::Int(functions.library_count() as i64)),
        (s("functions_count"), Reply::Int(functions.function_count() as i64)),
    ]);
    Ok(Reply::Map(vec![(s("running_script"), Reply::Nil), (s("engines"), Reply::Map(vec![(s("LUA"), lua)]))]))
}

fn function_kill(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    // As SCRIPT KILL: a function runs with every other client kept out.
    Err(CmdError::msg("NOTBUSY No scripts in execution right now."))
}

fn function_help(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(super::keys::help_reply(
        "FUNCTION",
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    ))
}
