//! Server commands: INFO, CONFIG, COMMAND, TIME, LASTSAVE, SAVE, BGSAVE, SHUTDOWN,
//! DEBUG, FUNCTION.

use super::args::is;
use super::cmdstats::CommandStats;
use super::context::ServerState;
use super::flag::{self, *};
use super::keys::help_reply;
use super::pubsub::{PubSub, Scope};
use super::{all_commands, cmd, dispatch_sub, lookup, printable, After, Args, CmdError, Command, Ctx};
use crate::glob;
use crate::protocol::Reply;
use crate::storage::Fsync;
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const TABLE: &[Command] = &[
    cmd("info", -1, LOADING | STALE, (0, 0, 0), "server", "Server information and statistics", info),
    cmd("config", -2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), "server", "Read and change the configuration", config),
    cmd("command", -1, LOADING | STALE, (0, 0, 0), "server", "Describe the commands", command),
    cmd("time", 1, FAST | LOADING | STALE, (0, 0, 0), "server", "The server time", time),
    cmd("monitor", 1, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), "server", "Stream every command the server runs", monitor),
    cmd("lastsave", 1, FAST | LOADING | STALE, (0, 0, 0), "server", "Unix time of the last successful SAVE", lastsave),
    cmd("save", 1, ADMIN | NOSCRIPT, (0, 0, 0), "server", "Write a RocksDB checkpoint under dir", save),
    cmd("bgsave", -1, ADMIN | NOSCRIPT, (0, 0, 0), "server", "Write a RocksDB checkpoint in the background", bgsave),
    cmd("shutdown", -1, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), "server", "Stop the server cleanly", shutdown),
    cmd("debug", -2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), "server", "Debugging helpers", debug),
    cmd(
        "bgrewriteaof",
        1,
        ADMIN | NOSCRIPT,
        (0, 0, 0),
        "server",
        "Flush the memtables, so RocksDB can drop the WAL behind them",
        bgrewriteaof,
    ),
    cmd("lolwut", -1, READONLY | FAST, (0, 0, 0), "server", "The version, Redis style", lolwut),
    cmd("memory", -2, 0, (0, 0, 0), "server", "Memory use of keys", memory),
];

const MEMORY_SUBS: &[Command] = &[
    cmd("usage", -3, READONLY, (2, 2, 1), "server", "The bytes a key takes", memory_usage),
    cmd("stats", 2, 0, (0, 0, 0), "server", "Memory use by part", memory_stats),
    cmd("doctor", 2, 0, (0, 0, 0), "server", "Advice on memory use", memory_doctor),
    cmd("malloc-stats", 2, 0, (0, 0, 0), "server", "Allocator statistics", memory_malloc_stats),
    cmd("purge", 2, 0, (0, 0, 0), "server", "Give freed memory back", memory_purge),
    cmd("help", 2, LOADING | STALE, (0, 0, 0), "server", "Show help", memory_help),
];

fn memory(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    dispatch_sub(ctx, args, "memory", MEMORY_SUBS)
}

/// MEMORY USAGE key [SAMPLES count]: see [`crate::types::Db::memory_usage`].
fn memory_usage(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let key = args.next_bytes()?;
    let mut samples = 5;
    while let Some(opt) = args.try_next() {
        if !is(opt, "SAMPLES") || args.is_empty() {
            return Err(CmdError::Syntax);
        }
        let n = args.next_i64()?;
        samples = usize::try_from(n).map_err(|_| CmdError::Syntax)?;
    }
    let usage = ctx.db().memory_usage(key, samples)?;
    Ok(usage.map_or(Reply::Nil, |n| Reply::Int(n as i64)))
}

/// MEMORY STATS: Redis's field names where DiskDB has the number, and its own budgets.
fn memory_stats(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    let state = ctx.state;
    let rss = rss_bytes() as i64;
    let (databases, block_cache_size, meta_cache_size) = {
        let cfg = &state.settings.read().config;
        (cfg.databases, cfg.block_cache_size, cfg.meta_cache_size)
    };
    let keys: i64 = (0..databases).map(|db| state.store.dbsize(state.store.physical(db))).sum();
    let s = Reply::from_str;
    let fields = vec![
        (s("peak.allocated"), Reply::Int(rss)),
        (s("total.allocated"), Reply::Int(rss)),
        (s("clients.normal"), Reply::Int(0)),
        (s("keys.count"), Reply::Int(keys)),
        (s("block-cache.capacity"), Reply::Int(block_cache_size as i64)),
        (s("block-cache.usage"), Reply::Int(state.store.cache_usage() as i64)),
        (s("memtables.usage"), Reply::Int(state.store.memtable_usage() as i64)),
        (s("meta-cache.capacity"), Reply::Int(meta_cache_size as i64)),
        (s("meta-cache.usage"), Reply::Int(state.store.meta_cache_usage() as i64)),
        (s("lua.caches"), Reply::Int(state.scripts.len() as i64)),
    ];
    Ok(Reply::Map(fields))
}

fn memory_doctor(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Verbatim(
        "DiskDB keeps its data in RocksDB: its memory is bounded by block-cache-size (which \
         memtables are charged to) and meta-cache-size, whatever the dataset's size. See INFO memory.\n"
            .into(),
    ))
}

fn memory_malloc_stats(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    // Redis's answer when it is not built with jemalloc.
    Ok(Reply::Verbatim("Stats not supported for the current allocator".into()))
}

fn memory_purge(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Ok)
}

fn memory_help(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(help_reply(
        "MEMORY",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return the bytes <key> takes in storage before compression. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    ))
}

/// ROLE: DiskDB has no replication yet, so it is a master with no replicas at offset 0.
/// BGREWRITEAOF: DiskDB's append-only file is RocksDB's WAL, which a rewrite would make
/// smaller; the counterpart is to flush the memtables to SST files, after which RocksDB
/// deletes the WAL files they covered. Done in the background, as Redis's rewrite is.
fn bgrewriteaof(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    let state = ctx.state.clone();
    std::thread::Builder::new()
        .name("diskdb-bgrewriteaof".into())
        .spawn(move || match state.store.flush() {
            Ok(()) => log::info!("Background AOF rewrite (memtable flush) finished successfully"),
            Err(e) => log::warn!("Background AOF rewrite (memtable flush) failed: {e}"),
        })
        .map_err(|e| CmdError::err(format!("cannot start the flush: {e}")))?;
    Ok(Reply::Status("Background append only file rewriting started".into()))
}

/// LOLWUT [VERSION v] [art parameters]: Redis draws art, then names its version; DiskDB
/// names its own and ignores the rest.
fn lolwut(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Verbatim(format!("DiskDB ver. {} (Redis {} compatible)\n", crate::VERSION, crate::REDIS_COMPAT_VERSION)))
}

fn seconds_since_epoch() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

// ---------------------------------------------------------------------------------------
// INFO

/// Resident set size in bytes (Linux; 0 elsewhere).
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .map_or(0, |pages| pages * 4096)
}

/// User and system CPU seconds of this process (Linux; 0 elsewhere).
fn cpu_seconds() -> (f64, f64) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return (0.0, 0.0) };
    // Fields after the command name (which may contain spaces) start after ')'.
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 100.0;
    (ticks(11), ticks(12))
}

fn human_bytes(n: u64) -> String {
    let units = ["B", "K", "M", "G", "T"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < units.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n}B")
    } else {
        format!("{:.2}{}", v, units[u])
    }
}

/// The connection buffer pool's lines of `INFO memory`: whether it pools, and per size
/// class the buffers in use, waiting on the free list, and acquisitions that reused one
/// (hits) or allocated (misses).
fn buffer_pool_info(state: &ServerState, out: &mut String) {
    let stats = state.buffers.stats();
    let _ = write!(out, "mem_pool_enabled:{}\r\n", u8::from(!stats.is_empty()));
    for (class, s) in stats {
        let size = class.size();
        let _ = write!(
            out,
            "mem_pool_{size}_in_use:{}\r\nmem_pool_{size}_free:{}\r\nmem_pool_{size}_hits:{}\r\nmem_pool_{size}_misses:{}\r\n",
            s.in_use, s.free, s.hits, s.misses
        );
    }
}

/// Every section, in Redis's order (DiskDB's `rocksdb` last).
const SECTIONS: [&str; 12] = [
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "commandstats",
    "errorstats",
    "latencystats",
    "keyspace",
    "rocksdb",
];
/// What the default leaves out, as Redis does.
const NOT_DEFAULT: [&str; 2] = ["commandstats", "latencystats"];

fn info_section(state: &ServerState, name: &str, out: &mut String) {
    let stats = &state.stats;
    let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    let cfg = state.settings.read().config.clone();
    match name {
        "server" => {
            let uptime = state.started.elapsed().as_secs();
            let _ = write!(
                out,
                "# Server\r\nredis_version:{}\r\ndiskdb_version:{}\r\nredis_mode:standalone\r\nos:{} {}\r\narch_bits:64\r\n\
                 multiplexing_api:{}\r\nprocess_id:{}\r\nrun_id:{:040x}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\n\
                 uptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:10\r\nexecutable:{}\r\nconfig_file:{}\r\n\
                 diskdb_features:{}\r\n\r\n",
                crate::REDIS_COMPAT_VERSION,
                crate::VERSION,
                std::env::consts::OS,
                std::env::consts::ARCH,
                state.transport,
                std::process::id(),
                (state.start_unix as u128 * 0x9e3779b97f4a7c15) ^ std::process::id() as u128,
                state.port,
                SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros()),
                uptime,
                uptime / 86400,
                std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default(),
                cfg.config_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
                if state.features.is_empty() { "none".to_string() } else { state.features.join(",") },
            );
        }
        "clients" => {
            let _ = write!(
                out,
                "# Clients\r\nconnected_clients:{}\r\nmaxclients:{}\r\nblocked_clients:{}\r\ntracking_clients:{}\r\n\r\n",
                state.clients.len(),
                cfg.maxclients,
                state.waiters.waiting(),
                state.tracking.stats().0
            );
        }
        "memory" => {
            let rss = rss_bytes();
            let cache = state.store.cache_usage() as u64;
            let _ = write!(
                out,
                "# Memory\r\nused_memory:{rss}\r\nused_memory_human:{}\r\nused_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\n\
                 used_memory_peak:{rss}\r\nmaxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\n\
                 block_cache_capacity:{}\r\nblock_cache_usage:{cache}\r\nmemtable_usage:{}\r\n\
                 meta_cache_capacity:{}\r\nmeta_cache_usage:{}\r\nmem_allocator:libc\r\n\
                 number_of_cached_scripts:{}\r\nnumber_of_functions:{}\r\nnumber_of_libraries:{}\r\n",
                human_bytes(rss),
                human_bytes(rss),
                cfg.block_cache_size,
                state.store.memtable_usage(),
                cfg.meta_cache_size,
                state.store.meta_cache_usage(),
                state.scripts.len(),
                state.functions.function_count(),
                state.functions.library_count()
            );
            buffer_pool_info(state, out);
            out.push_str("\r\n");
        }
        "persistence" => {
            let _ = write!(
                out,
                "# Persistence\r\nloading:0\r\nasync_loading:0\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:0\r\n\
                 rdb_last_save_time:{}\r\nrdb_last_bgsave_status:ok\r\naof_enabled:1\r\naof_rewrite_in_progress:0\r\n\
                 aof_last_write_status:ok\r\nappendfsync:{}\r\nstorage_engine:rocksdb\r\ndir:{}\r\n\r\n",
                get(&stats.dirty),
                state.last_save.load(Ordering::Relaxed),
                cfg.appendfsync.name(),
                cfg.dir.display()
            );
        }
        "stats" => {
            let tracked = state.tracking.stats();
            let _ = write!(
                out,
                "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:0\r\n\
                 total_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\nexpired_keys:{}\r\n\
                 evicted_keys:0\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\n\
                 pubsubshard_channels:{}\r\ntracking_total_keys:{}\r\ntracking_total_items:{}\r\n\
                 tracking_total_prefixes:{}\r\nunexpected_error_replies:{}\r\ntotal_error_replies:{}\r\n\r\n",
                get(&stats.connections_received),
                get(&stats.commands_processed),
                get(&stats.net_input_bytes),
                get(&stats.net_output_bytes),
                get(&stats.rejected_connections),
                get(&stats.expired_keys),
                get(&stats.keyspace_hits),
                get(&stats.keyspace_misses),
                state.pubsub.hub.channels(Scope::Channel, None).len(),
                state.pubsub.hub.numpat(),
                state.pubsub.hub.channels(Scope::Shard, None).len(),
                tracked.1,
                tracked.2,
                tracked.3,
                get(&stats.unexpected_error_replies),
                get(&stats.error_replies),
            );
        }
        "replication" => {
            out.push_str("# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_repl_offset:0\r\n\r\n");
        }
        "cpu" => {
            let (user, sys) = cpu_seconds();
            let _ = write!(out, "# CPU\r\nused_cpu_sys:{sys:.6}\r\nused_cpu_user:{user:.6}\r\n\r\n");
        }
        "commandstats" => {
            out.push_str("# Commandstats\r\n");
            state.cmdstats.commandstats(out);
            out.push_str("\r\n");
        }
        "errorstats" => {
            out.push_str("# Errorstats\r\n");
            state.cmdstats.errorstats(out);
            out.push_str("\r\n");
        }
        "latencystats" => {
            out.push_str("# Latencystats\r\n");
            state.cmdstats.latencystats(out);
            out.push_str("\r\n");
        }
        "keyspace" => {
            out.push_str("# Keyspace\r\n");
            for db in 0..cfg.databases {
                let phys = state.store.physical(db);
                let keys = state.store.dbsize(phys);
                if keys > 0 {
                    let _ = write!(out, "db{db}:keys={keys},expires={},avg_ttl=0\r\n", state.store.expires(phys));
                }
            }
            out.push_str("\r\n");
        }
        "rocksdb" => {
            let p = |name: &str| state.store.property_sum(name);
            let _ = write!(
                out,
                "# Rocksdb\r\nestimate_num_keys:{}\r\ntotal_sst_files_size:{}\r\nlive_sst_files_size:{}\r\n\
                 cur_size_all_mem_tables:{}\r\nestimate_pending_compaction_bytes:{}\r\nnum_running_compactions:{}\r\n\
                 num_running_flushes:{}\r\nrange_compactions:{}\r\ncompression:{}\r\n\r\n",
                p("rocksdb.estimate-num-keys"),
                p("rocksdb.total-sst-files-size"),
                p("rocksdb.live-sst-files-size"),
                p("rocksdb.cur-size-all-mem-tables"),
                p("rocksdb.estimate-pending-compaction-bytes"),
                p("rocksdb.num-running-compactions"),
                p("rocksdb.num-running-flushes"),
                state.store.range_compactions(),
                cfg.compression.name()
            );
        }
        _ => {}
    }
}

fn info(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let mut sections: Vec<String> = args.rest().iter().map(|a| String::from_utf8_lossy(a).to_ascii_lowercase()).collect();
    if sections.iter().any(|s| s == "all" || s == "everything") {
        sections = SECTIONS.iter().map(|s| s.to_string()).collect();
    } else if sections.is_empty() || sections.iter().any(|s| s == "default") {
        sections.extend(SECTIONS.iter().filter(|s| !NOT_DEFAULT.contains(s)).map(|s| s.to_string()));
    }
    let mut out = String::new();
    for s in SECTIONS.iter().filter(|d| sections.iter().any(|s| s == *d)) {
        info_section(ctx.state, s, &mut out);
    }
    // Redis ends the text without the last blank line.
    if out.ends_with("\r\n\r\n") {
        out.truncate(out.len() - 2);
    }
    Ok(Reply::Verbatim(out))
}

// ---------------------------------------------------------------------------------------
// CONFIG

/// Redis parameters DiskDB accepts and reports but does not act on, with Redis's defaults.
/// Tools that set them (benchmarks, client libraries, ops scripts) keep working.
const REDIS_PARAMS: &[(&str, &str)] = &[
    ("activedefrag", "no"),
    ("appendfilename", "appendonly.aof"),
    ("appendonly", "yes"),
    ("busy-reply-threshold", "5000"),
    ("client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
    ("cluster-enabled", "no"),
    ("daemonize", "no"),
    ("dbfilename", "dump.rdb"),
    ("hash-max-listpack-entries", "128"),
    ("hash-max-listpack-value", "64"),
    ("hz", "10"),
    ("io-threads", "1"),
    ("latency-monitor-threshold", "0"),
    ("latency-tracking", "yes"),
    ("latency-tracking-info-percentiles", "50 99 99.9"),
    ("lazyfree-lazy-eviction", "no"),
    ("lazyfree-lazy-expire", "no"),
    ("lazyfree-lazy-server-del", "no"),
    ("lazyfree-lazy-user-del", "no"),
    ("lazyfree-lazy-user-flush", "no"),
    ("list-compress-depth", "0"),
    ("list-max-listpack-size", "-2"),
    ("lua-time-limit", "5000"),
    ("maxmemory", "0"),
    ("maxmemory-policy", "noeviction"),
    ("maxmemory-samples", "5"),
    ("min-replicas-to-write", "0"),
    ("notify-keyspace-events", ""),
    ("protected-mode", "no"),
    ("proto-max-bulk-len", "536870912"),
    ("repl-diskless-sync", "yes"),
    ("replica-read-only", "yes"),
    ("save", ""),
    ("set-max-intset-entries", "512"),
    ("set-max-listpack-entries", "128"),
    ("slowlog-log-slower-than", "10000"),
    ("slowlog-max-len", "128"),
    ("stop-writes-on-bgsave-error", "yes"),
    ("stream-node-max-bytes", "4096"),
    ("stream-node-max-entries", "100"),
    ("tcp-backlog", "511"),
    ("timeout", "0"),
    ("tracking-table-max-keys", "1000000"),
    ("zset-max-listpack-entries", "128"),
    ("zset-max-listpack-value", "64"),
];

/// The [`REDIS_PARAMS`] that hold a memory size (`100mb`), reported back in bytes.
const MEMORY_PARAMS: &[&str] = &["maxmemory", "proto-max-bulk-len", "stream-node-max-bytes"];

/// The defaults of [`REDIS_PARAMS`], as the server starts with them.
pub fn redis_param_defaults() -> std::collections::BTreeMap<String, String> {
    REDIS_PARAMS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// DiskDB's own parameters and whether CONFIG SET may change them at run time.
const DISKDB_PARAMS: &[(&str, bool)] = &[
    ("port", false),
    ("bind", false),
    ("dir", false),
    ("databases", false),
    ("appendfsync", true),
    ("maxclients", true),
    ("requirepass", true),
    ("loglevel", true),
    ("compression", false),
    ("block-cache-size", false),
    ("write-buffer-size", false),
    ("expire-interval-ms", false),
    ("optimized", false),
    ("threads", false),
    ("pipeline-max-batch", false),
    ("tcp-nodelay", false),
    ("tcp-keepalive", false),
    ("send-buffer", false),
    ("recv-buffer", false),
    ("tcp-quickack", false),
    ("transport", false),
    ("tls-port", false),
    ("tls-cert-file", false),
    ("tls-key-file", false),
    ("tls-ca-cert-file", false),
    ("tls-auth-clients", false),
];

fn yes_no(on: bool) -> String {
    if on { "yes" } else { "no" }.into()
}

fn path_param(path: &Option<std::path::PathBuf>) -> String {
    path.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
}

fn diskdb_param(cfg: &crate::config::Config, name: &str) -> String {
    match name {
        "port" => cfg.port.to_string(),
        "bind" => cfg.bind.clone(),
        "dir" => cfg.dir.display().to_string(),
        "databases" => cfg.databases.to_string(),
        "appendfsync" => cfg.appendfsync.name().into(),
        "maxclients" => cfg.maxclients.to_string(),
        "requirepass" => cfg.requirepass.clone().unwrap_or_default(),
        "loglevel" => crate::logging::level_name().into(),
        "compression" => cfg.compression.name().into(),
        "block-cache-size" => cfg.block_cache_size.to_string(),
        "write-buffer-size" => cfg.write_buffer_size.to_string(),
        "expire-interval-ms" => cfg.expire_interval_ms.to_string(),
        "optimized" => yes_no(cfg.optimized),
        "threads" => cfg.threads.to_string(),
        "pipeline-max-batch" => cfg.pipeline_max_batch.to_string(),
        "tcp-nodelay" => yes_no(cfg.network.tcp_nodelay),
        "tcp-keepalive" => cfg.network.tcp_keepalive.to_string(),
        "send-buffer" => cfg.network.send_buffer.to_string(),
        "recv-buffer" => cfg.network.recv_buffer.to_string(),
        "tcp-quickack" => yes_no(cfg.network.tcp_quickack),
        "transport" => cfg.network.transport.name().into(),
        "tls-port" => cfg.tls.port.to_string(),
        "tls-cert-file" => path_param(&cfg.tls.cert_file),
        "tls-key-file" => path_param(&cfg.tls.key_file),
        "tls-ca-cert-file" => path_param(&cfg.tls.ca_cert_file),
        "tls-auth-clients" => cfg.tls.auth_clients.name().into(),
        _ => String::new(),
    }
}

const CONFIG_SUBS: &[Command] = &[
    cmd("get", -3, ADMIN, (0, 0, 0), "server", "Read parameters matching patterns", config_get),
    cmd("set", -4, ADMIN, (0, 0, 0), "server", "Change parameters", config_set),
    cmd("resetstat", 2, ADMIN, (0, 0, 0), "server", "Reset INFO statistics", config_resetstat),
    cmd("rewrite", 2, ADMIN, (0, 0, 0), "server", "Write the configuration back to its file", config_rewrite),
    cmd("help", 2, ADMIN, (0, 0, 0), "server", "Show help", config_help),
];

fn config(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    dispatch_sub(ctx, args, "config", CONFIG_SUBS)
}

fn config_get(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let patterns = args.rest_slices();
    let settings = ctx.state.settings.read();
    let mut pairs: Vec<(String, String)> = Vec::new();
    let wanted = |name: &str| patterns.iter().any(|p| glob::matches(p, name.as_bytes(), true));
    for (name, _) in DISKDB_PARAMS {
        if wanted(name) {
            pairs.push((name.to_string(), diskdb_param(&settings.config, name)));
        }
    }
    for (name, value) in &settings.redis_params {
        if wanted(name) {
            pairs.push((name.clone(), value.clone()));
        }
    }
    Ok(Reply::Map(pairs.into_iter().map(|(k, v)| (Reply::from_str(&k), Reply::from_str(&v))).collect()))
}

fn set_failed(name: &str, why: &str) -> CmdError {
    CmdError::err(format!("CONFIG SET failed (possibly related to argument '{name}') - {why}"))
}

fn config_set(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let rest = args.rest_slices();
    if !rest.len().is_multiple_of(2) {
        return Err(CmdError::Syntax);
    }
    let mut settings = ctx.state.settings.write();
    // Validate everything first so a multi-parameter SET applies all or nothing.
    let mut changes: Vec<(String, String)> = Vec::new();
    for pair in rest.chunks(2) {
        let name = String::from_utf8_lossy(pair[0]).to_ascii_lowercase();
        let mut value = String::from_utf8_lossy(pair[1]).into_owned();
        if changes.iter().any(|(n, _)| *n == name) {
            return Err(set_failed(&name, "duplicate parameter"));
        }
        match DISKDB_PARAMS.iter().find(|(n, _)| *n == name) {
            Some((_, false)) => return Err(set_failed(&name, "can't set immutable config")),
            Some((_, true)) => {
                let why = match name.as_str() {
                    "appendfsync" if Fsync::parse(&value).is_none() => {
                        // Redis lists the values in its enum's order.
                        Some("argument(s) must be one of the following: everysec, always, no")
                    }
                    "maxclients" => match value.parse::<i64>() {
                        Err(_) => Some("argument couldn't be parsed into an integer"),
                        Ok(n) if !(1..=u32::MAX as i64).contains(&n) => Some("argument must be between 1 and 4294967295 inclusive"),
                        Ok(_) => None,
                    },
                    "loglevel" if crate::logging::parse_level(&value).is_none() => {
                        Some("argument(s) must be one of the following: debug, verbose, notice, warning, nothing")
                    }
                    _ => None,
                };
                if let Some(why) = why {
                    return Err(set_failed(&name, why));
                }
            }
            None if settings.redis_params.contains_key(&name) => {
                // Memory parameters take Redis's units and read back in bytes.
                if MEMORY_PARAMS.contains(&name.as_str()) {
                    let bytes = crate::config::parse_size(&value).ok_or_else(|| set_failed(&name, "argument must be a memory value"))?;
                    value = bytes.to_string();
                }
                // The parameters pub/sub and the slow log act on are checked (and
                // normalised) here.
                value = PubSub::check_param(&name, &value, &settings.redis_params[&name]).map_err(|why| set_failed(&name, why))?;
                value = ctx.state.slowlog.check_param(&name, &value).map_err(|why| set_failed(&name, why))?;
                value = CommandStats::check_param(&name, &value).map_err(|why| set_failed(&name, why))?;
            }
            None => {
                return Err(CmdError::err(format!("Unknown option or number of arguments for CONFIG SET - '{}'", printable(pair[0], 128))))
            }
        }
        changes.push((name, value));
    }
    for (name, value) in changes {
        let cfg = &mut settings.config;
        match name.as_str() {
            "appendfsync" => {
                cfg.appendfsync = Fsync::parse(&value).unwrap_or(cfg.appendfsync);
                ctx.state.store.set_sync_writes(cfg.appendfsync == Fsync::Always);
            }
            "maxclients" => cfg.maxclients = value.parse().unwrap_or(cfg.maxclients),
            "requirepass" => cfg.requirepass = Some(value).filter(|p| !p.is_empty()),
            "loglevel" => {
                if let Some(level) = crate::logging::parse_level(&value) {
                    log::set_max_level(level);
                    cfg.loglevel = value;
                }
            }
            _ => {
                let current = settings.redis_params.get(&name).cloned().unwrap_or_default();
                let value = ctx.state.pubsub.apply_param(&name, &value, &current).unwrap_or(value);
                ctx.state.slowlog.apply_param(&name, &value);
                ctx.state.latency.apply_param(&name, &value);
                ctx.state.cmdstats.apply_param(&name, &value);
                ctx.state.scripts.apply_param(&name, &value);
                ctx.state.tracking.apply_param(&name, &value);
                match name.as_str() {
                    "notify-keyspace-events" => settings.config.notify_keyspace_events = value.clone(),
                    "client-output-buffer-limit" => settings.config.client_output_buffer_limit = value.clone(),
                    _ => {}
                }
                settings.redis_params.insert(name, value);
            }
        }
    }
    Ok(Reply::Ok)
}

fn config_resetstat(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    ctx.state.stats.reset();
    ctx.state.cmdstats.reset();
    Ok(Reply::Ok)
}

fn config_rewrite(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    let settings = ctx.state.settings.read();
    let Some(path) = settings.config.config_file.clone() else {
        return Err(CmdError::err("The server is running without a config file"));
    };
    std::fs::write(&path, settings.config.to_toml()).map_err(|e| CmdError::err(format!("Rewriting config file: {e}")))?;
    Ok(Reply::Ok)
}

fn config_help(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(help_reply(
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    ))
}

// ---------------------------------------------------------------------------------------
// COMMAND

fn command_info(c: &Command) -> Reply {
    let flags = flag::NAMES.iter().enumerate().filter(|(i, _)| c.flags & (1 << i) != 0).map(|(_, n)| Reply::Status(n.to_string()));
    let movable = c.movable.map(|_| Reply::Status("movablekeys".into()));
    let flags = flags.chain(movable);
    let (first, last, step) = c.keys;
    Reply::Array(vec![
        Reply::from_str(c.name),
        Reply::Int(c.arity as i64),
        Reply::Set(flags.collect()),
        Reply::Int(first as i64),
        Reply::Int(last as i64),
        Reply::Int(step as i64),
        Reply::Set(vec![Reply::Status(format!("@{}", c.group))]),
        Reply::Set(vec![]),
        Reply::Array(vec![]),
        Reply::Array(vec![]),
    ])
}

const COMMAND_SUBS: &[Command] = &[
    cmd("count", 2, LOADING | STALE, (0, 0, 0), "server", "Number of commands", command_count),
    cmd("info", -2, LOADING | STALE, (0, 0, 0), "server", "Details of commands", command_info_cmd),
    cmd("docs", -2, LOADING | STALE, (0, 0, 0), "server", "Documentation of commands", command_docs),
    cmd("list", -2, LOADING | STALE, (0, 0, 0), "server", "Names of commands", command_list),
    cmd("getkeys", -3, LOADING | STALE, (0, 0, 0), "server", "Key arguments of a command", command_getkeys),
    cmd("help", 2, LOADING | STALE, (0, 0, 0), "server", "Show help", command_help),
];

fn command(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    if args.is_empty() {
        return Ok(Reply::Array(all_commands().iter().map(|c| command_info(c)).collect()));
    }
    dispatch_sub(ctx, args, "command", COMMAND_SUBS)
}

fn command_count(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Int(all_commands().len() as i64))
}

fn command_info_cmd(_ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    if args.is_empty() {
        return Ok(Reply::Array(all_commands().iter().map(|c| command_info(c)).collect()));
    }
    Ok(Reply::Array(args.rest().iter().map(|n| lookup(n).map_or(Reply::Nil, |(_, c)| command_info(c))).collect()))
}

fn command_docs(_ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let names: Vec<&Command> =
        if args.is_empty() { all_commands().to_vec() } else { args.rest().iter().filter_map(|n| lookup(n).map(|(_, c)| c)).collect() };
    let s = Reply::from_str;
    Ok(Reply::Map(
        names
            .into_iter()
            .map(|c| {
                let doc = Reply::Map(vec![(s("summary"), s(c.summary)), (s("since"), s("1.0.0")), (s("group"), s(c.group))]);
                (s(c.name), doc)
            })
            .collect(),
    ))
}

fn command_list(_ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let mut filter: Option<Box<dyn Fn(&Command) -> bool>> = None;
    if let Some(opt) = args.try_next() {
        if !is(opt, "FILTERBY") {
            return Err(CmdError::Syntax);
        }
        let kind = args.next_bytes()?;
        let value = args.next_bytes()?.to_vec();
        args.finish()?;
        filter = Some(if is(kind, "PATTERN") {
            Box::new(move |c: &Command| glob::matches(&value, c.name.as_bytes(), true))
        } else if is(kind, "ACLCAT") {
            Box::new(move |c: &Command| c.group.as_bytes().eq_ignore_ascii_case(&value))
        } else if is(kind, "MODULE") {
            Box::new(|_: &Command| false)
        } else {
            return Err(CmdError::Syntax);
        });
    }
    Ok(Reply::Array(all_commands().iter().filter(|c| filter.as_ref().is_none_or(|f| f(c))).map(|c| Reply::from_str(c.name)).collect()))
}

fn command_getkeys(_ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let argv = args.rest();
    let Some((_, c)) = lookup(&argv[0]) else { return Err(CmdError::err("Invalid command specified")) };
    if !c.arity_ok(argv.len()) {
        return Err(CmdError::err("Invalid number of arguments specified for command"));
    }
    let keys = c.keys_of(argv);
    if keys.is_empty() {
        return Err(CmdError::err("The command has no key arguments"));
    }
    Ok(Reply::Array(keys.into_iter().map(|i| Reply::bulk(&argv[i][..])).collect()))
}

fn command_help(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(help_reply(
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all commands.",
            "COUNT",
            "    Return the total number of commands in this server.",
            "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
            "    Return a list of all commands in this server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple commands.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple commands.",
            "GETKEYS <full-command>",
            "    Return the keys from a full command.",
        ],
    ))
}

// ---------------------------------------------------------------------------------------
// TIME, LASTSAVE, SAVE, BGSAVE, SHUTDOWN, DEBUG, FUNCTION

fn time(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Ok(Reply::Array(vec![Reply::from_str(&now.as_secs().to_string()), Reply::from_str(&now.subsec_micros().to_string())]))
}

fn lastsave(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Int(ctx.state.last_save.load(Ordering::Relaxed) as i64))
}

/// Writes a checkpoint to `<dir>/checkpoint`, replacing the previous one only once the
/// new one is complete.
pub fn save_checkpoint(state: &ServerState) -> Result<(), String> {
    let dir = state.settings.read().config.dir.clone();
    let tmp = dir.join("checkpoint.tmp");
    let dest = dir.join("checkpoint");
    let _ = std::fs::remove_dir_all(&tmp);
    state.store.checkpoint(&tmp).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::rename(&tmp, &dest).map_err(|e| e.to_string())?;
    state.last_save.store(seconds_since_epoch(), Ordering::Relaxed);
    state.stats.dirty.store(0, Ordering::Relaxed);
    log::info!("DB saved on disk (checkpoint at {})", dest.display());
    Ok(())
}

fn save(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    save_checkpoint(ctx.state).map_err(|e| CmdError::err(format!("checkpoint failed: {e}")))?;
    Ok(Reply::Ok)
}

fn bgsave(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    match args.try_next() {
        None => {}
        Some(o) if is(o, "SCHEDULE") => {}
        Some(_) => return Err(CmdError::Syntax),
    }
    // A checkpoint is hard links plus a WAL copy, but it still does I/O: keep it off the
    // connection's thread.
    let state = ctx.state.clone();
    std::thread::spawn(move || {
        if let Err(e) = save_checkpoint(&state) {
            log::warn!("Background saving error: {e}");
        }
    });
    Ok(Reply::Simple("Background saving started"))
}

fn shutdown(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    while let Some(opt) = args.try_next() {
        if is(opt, "ABORT") {
            return Err(CmdError::err("No shutdown in progress."));
        }
        if !["NOSAVE", "SAVE", "NOW", "FORCE"].iter().any(|o| is(opt, o)) {
            return Err(CmdError::Syntax);
        }
    }
    // Every acknowledged write is already in RocksDB; SAVE and NOSAVE both shut down with
    // a flush, which is all a save would add.
    log::warn!("User requested shutdown...");
    ctx.after = After::Shutdown;
    Ok(Reply::Ok)
}

const DEBUG_SUBS: &[Command] = &[
    cmd("sleep", 3, ADMIN, (0, 0, 0), "server", "Pause this connection", debug_sleep),
    cmd("log", 3, ADMIN, (0, 0, 0), "server", "Write a line to the server log", debug_log),
    cmd("compact", 2, ADMIN, (0, 0, 0), "server", "Compact the whole store now (DiskDB)", debug_compact),
    cmd("help", 2, ADMIN, (0, 0, 0), "server", "Show help", debug_help),
];

/// Redis's `addReplySubcommandSyntaxError`.
pub(super) fn subcommand_syntax_error(sub: &[u8], parent: &str) -> CmdError {
    CmdError::err(format!("unknown subcommand or wrong number of arguments for '{}'. Try {parent} HELP.", printable(sub, 128)))
}

fn debug(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    // In Redis DEBUG is one command, not a container: an unknown subcommand and a wrong
    // argument count get the same error.
    let sub = args.peek().unwrap_or_default();
    let known = DEBUG_SUBS.iter().find(|c| c.name.as_bytes().eq_ignore_ascii_case(sub));
    if !known.is_some_and(|c| c.arity_ok(args.len())) {
        return Err(subcommand_syntax_error(sub, "DEBUG"));
    }
    dispatch_sub(ctx, args, "debug", DEBUG_SUBS)
}

/// C's `strtod` on the longest numeric prefix, 0 if there is none (DEBUG SLEEP's parsing).
fn strtod_prefix(arg: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(arg);
    // Only the leading run of characters a number can hold, and not too many of them.
    let text: String = text.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || "+-.".contains(*c)).take(64).collect();
    (1..=text.len()).rev().find_map(|n| text[..n].parse::<f64>().ok()).unwrap_or(0.0)
}

fn debug_sleep(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let secs = strtod_prefix(args.next_bytes()?);
    if secs > 0.0 {
        ctx.after = After::Sleep(Duration::from_secs_f64(secs.min(3600.0)));
    }
    Ok(Reply::Ok)
}

fn debug_log(_ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    log::warn!("DEBUG LOG: {}", String::from_utf8_lossy(args.next_bytes()?));
    Ok(Reply::Ok)
}

/// DEBUG COMPACT (DiskDB's own): flushes the memtables and compacts every column family
/// now, so the rows of deleted and overwritten collections are dropped from disk at once
/// instead of whenever RocksDB gets to them. Answers when done; may take long on a big store.
fn debug_compact(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    ctx.state.store.compact();
    Ok(Reply::Ok)
}

fn debug_help(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(help_reply(
        "DEBUG",
        &[
            "SLEEP <seconds>",
            "    Stop this connection for <seconds> (float).",
            "LOG <message>",
            "    Write <message> to the server log.",
            "COMPACT",
            "    Compact the store now, reclaiming the space of deleted data (DiskDB).",
        ],
    ))
}

/// MONITOR: from now on the connection receives every command the server runs, as
/// `+<unix time with microseconds> [<db> <client address>] "arg" ...` lines, until RESET
/// or the connection closes.
fn monitor(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    if ctx.txn.is_some() {
        return Err(CmdError::err("MONITOR isn't allowed for DENY BLOCKING client"));
    }
    // A second MONITOR is ignored, without a reply, as Redis ignores it.
    if ctx.session.handle.monitor.swap(true, Ordering::Relaxed) {
        return Ok(Reply::Many(Vec::new()));
    }
    ctx.state.pubsub.hub.monitor(ctx.session.id(), true);
    Ok(Reply::Ok)
}

/// Sends the command `argv`, just run by `ctx`'s client, to the monitors, in Redis's
/// format: arguments quoted and escaped as `sdscatrepr` does, passwords redacted.
pub fn feed_monitors(ctx: &Ctx, argv: &[bytes::Bytes]) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let mut line = format!("{}.{:06} [{} {}]", now.as_secs(), now.subsec_micros(), ctx.session.db, ctx.session.handle.addr).into_bytes();
    for arg in redacted(argv) {
        line.extend_from_slice(b" \"");
        match arg {
            Some(arg) => push_repr(&mut line, arg),
            None => line.extend_from_slice(b"(redacted)"),
        }
        line.push(b'"');
    }
    ctx.state.pubsub.hub.feed_monitors(bytes::Bytes::from(line));
}

/// A command's arguments as MONITOR and SLOWLOG show them: `None` for a password (AUTH's
/// arguments, and the two after HELLO's AUTH).
pub fn redacted(argv: &[bytes::Bytes]) -> impl Iterator<Item = Option<&[u8]>> {
    let mut redact = if argv[0].eq_ignore_ascii_case(b"auth") { usize::MAX } else { 0 };
    let hello = argv[0].eq_ignore_ascii_case(b"hello");
    argv.iter().enumerate().map(move |(i, arg)| {
        if i > 0 && redact > 0 {
            redact -= 1;
            return None;
        }
        if hello && i > 1 && arg.eq_ignore_ascii_case(b"auth") {
            redact = 2;
        }
        Some(&arg[..])
    })
}

/// Appends `arg` escaped as Redis's `sdscatrepr` does (without the quotes).
fn push_repr(line: &mut Vec<u8>, arg: &[u8]) {
    for &b in arg {
        match b {
            b'\\' => line.extend_from_slice(b"\\\\"),
            b'"' => line.extend_from_slice(b"\\\""),
            b'\n' => line.extend_from_slice(b"\\n"),
            b'\r' => line.extend_from_slice(b"\\r"),
            b'\t' => line.extend_from_slice(b"\\t"),
            0x07 => line.extend_from_slice(b"\\a"),
            0x08 => line.extend_from_slice(b"\\b"),
            0x20..=0x7e => line.push(b),
            _ => line.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
}
