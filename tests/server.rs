//! Server commands: INFO, CONFIG, COMMAND, TIME, LASTSAVE, BGSAVE, DEBUG, FUNCTION, MONITOR, and
//! the stock Redis tools (`redis-cli`, `redis-benchmark`) run against the server.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// INFO text as sections: header name -> key:value lines, in order.
fn info_sections(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.split("\r\n") {
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix("# ") {
            sections.push((name.to_string(), Vec::new()));
            continue;
        }
        let (k, v) = line.split_once(':').unwrap_or_else(|| panic!("INFO line without ':': {line:?}"));
        sections.last_mut().unwrap_or_else(|| panic!("INFO line before any header: {line:?}")).1.push((k.into(), v.into()));
    }
    sections
}

fn section_names(text: &str) -> Vec<String> {
    info_sections(text).into_iter().map(|(n, _)| n).collect()
}

/// One `key:value` field of INFO text.
fn info_field(text: &str, key: &str) -> Option<String> {
    text.split("\r\n").find_map(|l| l.strip_prefix(&format!("{key}:"))).map(str::to_string)
}

/// CONFIG GET as a map (order is not specified).
fn config_get(c: &mut Client, patterns: &[&str]) -> BTreeMap<String, String> {
    let mut args = vec!["CONFIG", "GET"];
    args.extend_from_slice(patterns);
    match c.cmd(&args) {
        Value::Array(items) => items.chunks(2).map(|p| (p[0].text(), p[1].text())).collect(),
        Value::Map(pairs) => pairs.into_iter().map(|(k, v)| (k.text(), v.text())).collect(),
        other => panic!("CONFIG GET replied {other:?}"),
    }
}

fn config_one(c: &mut Client, name: &str) -> String {
    config_get(c, &[name]).remove(name).unwrap_or_else(|| panic!("CONFIG GET {name} is empty"))
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn info_has_every_default_section() {
    let server = Server::start();
    let mut c = server.client();
    let text = c.cmd(&["INFO"]).text();
    assert!(text.starts_with("# Server\r\n"), "{text}");
    assert!(!text.ends_with("\r\n\r\n"), "INFO ends with a single CRLF");
    let names = section_names(&text);
    for s in ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Keyspace"] {
        assert!(names.iter().any(|n| n == s), "# {s} missing: {names:?}");
    }
    let port = server.port.to_string();
    assert_eq!(info_field(&text, "tcp_port").as_deref(), Some(port.as_str()));
    assert_eq!(info_field(&text, "redis_mode").as_deref(), Some("standalone"));
    assert_eq!(info_field(&text, "role").as_deref(), Some("master"));
    assert!(info_field(&text, "redis_version").unwrap().starts_with("7."));
    for key in [
        "process_id",
        "uptime_in_seconds",
        "connected_clients",
        "maxclients",
        "used_memory",
        "used_memory_rss",
        "loading",
        "rdb_changes_since_last_save",
        "rdb_last_save_time",
        "total_connections_received",
        "total_commands_processed",
        "keyspace_hits",
        "keyspace_misses",
        "used_cpu_sys",
        "used_cpu_user",
    ] {
        assert!(info_field(&text, key).is_some(), "{key} missing from INFO");
    }
    let pid: u32 = info_field(&text, "process_id").unwrap().parse().unwrap();
    assert!(pid > 0);
    assert!(info_field(&text, "connected_clients").unwrap().parse::<u64>().unwrap() >= 1);
    if !server.is_reference() {
        // Documented differences: Redis version 7.2.0, DiskDB's own version, a rocksdb section.
        assert_eq!(info_field(&text, "redis_version").as_deref(), Some("7.2.0"));
        assert_eq!(info_field(&text, "diskdb_version").as_deref(), Some(env!("CARGO_PKG_VERSION")));
        assert!(names.iter().any(|n| n == "Rocksdb"), "{names:?}");
        assert!(info_field(&text, "estimate_num_keys").is_some());
        assert_eq!(info_field(&text, "appendfsync").as_deref(), Some("everysec"));
    }
}

#[test]
fn info_keyspace_counts_keys_and_expires() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["INFO", "keyspace"]).text(), "# Keyspace\r\n");
    assert_eq!(c.cmd(&["SET", "a", "1"]), ok());
    assert_eq!(c.cmd(&["SET", "b", "2", "EX", "1000"]), ok());
    assert_eq!(c.cmd(&["SET", "c", "3"]), ok());
    assert_eq!(c.cmd(&["SELECT", "3"]), ok());
    assert_eq!(c.cmd(&["SET", "x", "1"]), ok());
    let text = c.cmd(&["INFO", "keyspace"]).text();
    let sections = info_sections(&text);
    assert_eq!(sections.len(), 1, "{text}");
    let (name, lines) = &sections[0];
    assert_eq!(name, "Keyspace");
    let dbs: Vec<&str> = lines.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(dbs, ["db0", "db3"]);
    assert!(lines[0].1.starts_with("keys=3,expires=1,avg_ttl="), "{text}");
    assert!(lines[1].1.starts_with("keys=1,expires=0,avg_ttl="), "{text}");
    // Deleting the last key removes the database's line.
    assert_eq!(c.cmd(&["DEL", "x"]), int(1));
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
    assert_eq!(c.cmd(&["PERSIST", "b"]), int(1));
    let text = c.cmd(&["INFO", "keyspace"]).text();
    assert!(!text.contains("db3:"), "{text}");
    assert!(text.contains("db0:keys=3,expires=0,"), "{text}");
}

#[test]
fn info_sections_can_be_selected() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(section_names(&c.cmd(&["INFO", "server"]).text()), ["Server"]);
    assert_eq!(section_names(&c.cmd(&["INFO", "CLIENTS"]).text()), ["Clients"]);
    assert_eq!(section_names(&c.cmd(&["INFO", "stats"]).text()), ["Stats"]);
    assert_eq!(section_names(&c.cmd(&["INFO", "server", "clients"]).text()), ["Server", "Clients"]);
    // Order follows the server's, not the request's.
    assert_eq!(section_names(&c.cmd(&["INFO", "cpu", "memory"]).text()), ["Memory", "CPU"]);
    // An unknown section gives empty text.
    assert_eq!(c.cmd(&["INFO", "nosuch"]), bulk(""));
    for all in ["all", "everything", "default"] {
        let names = section_names(&c.cmd(&["INFO", all]).text());
        for s in ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Errorstats", "Keyspace"] {
            assert!(names.iter().any(|n| n == s), "INFO {all}: # {s} missing from {names:?}");
        }
        // Per-command statistics are asked for by name, or with all of them.
        for s in ["Commandstats", "Latencystats"] {
            assert_eq!(names.iter().any(|n| n == s), all != "default", "INFO {all}: {names:?}");
        }
    }
    assert_eq!(section_names(&c.cmd(&["INFO", "commandstats"]).text()), ["Commandstats"]);
    assert_eq!(section_names(&c.cmd(&["INFO", "latencystats"]).text()), ["Latencystats"]);
    if !server.is_reference() {
        assert_eq!(section_names(&c.cmd(&["INFO", "rocksdb"]).text()), ["Rocksdb"]);
    }
}

/// INFO commandstats: calls, rejected and failed calls of each command (subcommands as
/// `config|get`); errorstats: error replies by code. A script that passes on the error
/// of a command it called does not count it twice. CONFIG RESETSTAT clears both.
#[test]
fn info_commandstats_and_errorstats_count_as_redis_does() {
    let server = Server::start();
    let mut c = server.client();
    let script_calls = "return redis.call('lpush', 'a', 'x')";
    let script_pcalls = "return redis.pcall('lpush', 'a', 'x')";
    let script_fails = "return redis.error_reply('MY bad')";
    let batch: &[&[&str]] = &[
        &["SET", "a", "1"],
        &["GET", "a"],
        &["LPUSH", "a", "x"],
        &["GET"],
        &["NOSUCH"],
        &["CONFIG", "GET", "maxmemory"],
        &["CONFIG", "GET"],
        &["CONFIG", "NOSUCH"],
        &["EVAL", script_calls, "0"],
        &["EVAL", script_pcalls, "0"],
        &["EVAL", script_fails, "0"],
        &["MULTI"],
        &["INCR", "b"],
        &["LPUSH", "a", "x"],
        &["EXEC"],
    ];
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), ok());
    for cmd in batch {
        c.cmd(cmd);
    }
    let stats = |c: &mut Client, section: &str| -> Vec<(String, String)> {
        let text = c.cmd(&["INFO", section]).text();
        let mut lines: Vec<(String, String)> = info_sections(&text).remove(0).1;
        for (_, v) in lines.iter_mut() {
            // Times vary; the counts must not.
            *v = v.split(',').filter(|f| !f.starts_with("usec")).collect::<Vec<_>>().join(",");
        }
        lines.sort();
        lines
    };
    let line = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(
        stats(&mut c, "commandstats"),
        [
            line("cmdstat_config|get", "calls=1,rejected_calls=1,failed_calls=0"),
            line("cmdstat_config|resetstat", "calls=1,rejected_calls=0,failed_calls=0"),
            line("cmdstat_eval", "calls=3,rejected_calls=0,failed_calls=3"),
            line("cmdstat_exec", "calls=1,rejected_calls=0,failed_calls=0"),
            line("cmdstat_get", "calls=1,rejected_calls=1,failed_calls=0"),
            line("cmdstat_incr", "calls=1,rejected_calls=0,failed_calls=0"),
            line("cmdstat_lpush", "calls=4,rejected_calls=0,failed_calls=4"),
            line("cmdstat_multi", "calls=1,rejected_calls=0,failed_calls=0"),
            line("cmdstat_set", "calls=1,rejected_calls=0,failed_calls=0"),
        ]
    );
    assert_eq!(
        stats(&mut c, "errorstats"),
        [line("errorstat_ERR", "count=4"), line("errorstat_MY", "count=1"), line("errorstat_WRONGTYPE", "count=4")]
    );
    assert_eq!(info_field(&c.cmd(&["INFO", "stats"]).text(), "total_error_replies").as_deref(), Some("9"));
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), ok());
    assert_eq!(stats(&mut c, "errorstats"), []);
    assert_eq!(
        stats(&mut c, "commandstats"),
        [
            line("cmdstat_config|resetstat", "calls=1,rejected_calls=0,failed_calls=0"),
            line("cmdstat_info", "calls=1,rejected_calls=0,failed_calls=0")
        ]
    );
}

/// LATENCY HISTOGRAM: each command's calls and cumulative histogram (powers of two in
/// us); INFO latencystats: its percentiles, as `latency-tracking-info-percentiles` asks.
#[test]
fn latency_histograms_and_percentiles_per_command() {
    let server = Server::start();
    let mut c = server.client();
    for i in 0..5 {
        assert_eq!(c.cmd(&["SET", "k", &i.to_string()]), ok());
    }
    c.cmd(&["CONFIG", "GET", "maxmemory"]);
    // RESP2: a flat array of name, then calls and the histogram as flat arrays too.
    let histograms = |c: &mut Client, names: &[&str]| -> Vec<(String, i64, Vec<(i64, i64)>)> {
        let mut args = vec!["LATENCY", "HISTOGRAM"];
        args.extend(names);
        let Value::Array(items) = c.cmd(&args) else { panic!("LATENCY HISTOGRAM is not an array") };
        items
            .chunks(2)
            .map(|pair| {
                let Value::Array(fields) = &pair[1] else { panic!("{pair:?}") };
                assert_eq!((fields[0].text(), fields[2].text()), ("calls".into(), "histogram_usec".into()));
                let Value::Array(steps) = &fields[3] else { panic!("{fields:?}") };
                let steps = steps.chunks(2).map(|s| (s[0].int(), s[1].int())).collect();
                (pair[0].text(), fields[1].int(), steps)
            })
            .collect()
    };
    let mut found = histograms(&mut c, &["SET", "config", "nosuch"]);
    found.sort();
    let names: Vec<(&str, i64)> = found.iter().map(|(n, calls, _)| (n.as_str(), *calls)).collect();
    assert_eq!(names, [("config|get", 1), ("set", 5)]);
    for (name, calls, steps) in &found {
        assert!(steps.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1), "{name}: {steps:?}");
        assert_eq!(steps.last().map(|s| s.1), Some(*calls), "{name}: the last step counts every call");
    }
    let percentiles = |c: &mut Client| -> Vec<(String, f64)> {
        let text = c.cmd(&["INFO", "latencystats"]).text();
        let line = info_field(&text, "latency_percentiles_usec_set").unwrap_or_else(|| panic!("no SET in {text}"));
        line.split(',').map(|f| f.split_once('=').map(|(k, v)| (k.to_string(), v.parse().unwrap())).unwrap()).collect()
    };
    let default = percentiles(&mut c);
    assert_eq!(default.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["p50", "p99", "p99.9"]);
    assert!(default.windows(2).all(|w| w[0].1 <= w[1].1) && default[0].1 > 0.0, "{default:?}");
    assert_eq!(c.cmd(&["CONFIG", "SET", "latency-tracking-info-percentiles", "50.0 100"]), ok());
    assert_eq!(config_one(&mut c, "latency-tracking-info-percentiles"), "50 100");
    assert_eq!(percentiles(&mut c).iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["p50", "p100"]);
    let failed = |name: &str, why: &str| err(&format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"));
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "latency-tracking-info-percentiles", "50 x"]),
        failed("latency-tracking-info-percentiles", "Invalid latency-tracking-info-percentiles parameters")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "latency-tracking-info-percentiles", "101"]),
        failed("latency-tracking-info-percentiles", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
    );
    assert_eq!(c.cmd(&["CONFIG", "SET", "latency-tracking", "maybe"]), failed("latency-tracking", "argument must be 'yes' or 'no'"));
    // Off: no percentiles, and runs stop going into the histograms.
    assert_eq!(c.cmd(&["CONFIG", "SET", "latency-tracking", "no"]), ok());
    assert_eq!(c.cmd(&["INFO", "latencystats"]).text(), "# Latencystats\r\n");
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(histograms(&mut c, &["set"])[0].1, 5);
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), ok());
    assert_eq!(histograms(&mut c, &[]), []);
}

#[test]
fn config_get_patterns_and_several_arguments() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(config_one(&mut c, "appendfsync"), "everysec");
    assert_eq!(config_one(&mut c, "maxclients"), "10000");
    assert_eq!(config_one(&mut c, "port"), server.port.to_string());
    assert_eq!(config_one(&mut c, "maxmemory"), "0");
    assert_eq!(config_one(&mut c, "save"), "");
    assert_eq!(config_one(&mut c, "databases"), "16");
    assert_eq!(config_one(&mut c, "requirepass"), "");
    let dir = std::fs::canonicalize(config_one(&mut c, "dir")).unwrap();
    assert_eq!(dir, std::fs::canonicalize(server.data_dir()).unwrap());

    // Several patterns, globs, duplicates, and unknown names.
    let both = config_get(&mut c, &["maxmemory", "appendfsync"]);
    assert_eq!(both.keys().collect::<Vec<_>>(), ["appendfsync", "maxmemory"]);
    let mm = config_get(&mut c, &["maxmemory*"]);
    assert!(mm.contains_key("maxmemory") && mm.contains_key("maxmemory-policy"), "{mm:?}");
    assert!(mm.keys().all(|k| k.starts_with("maxmemory")), "{mm:?}");
    assert_eq!(mm["maxmemory-policy"], "noeviction");
    let fsync = config_get(&mut c, &["*fsync*"]);
    assert_eq!(fsync.get("appendfsync").map(String::as_str), Some("everysec"));
    assert_eq!(config_get(&mut c, &["maxmemory", "maxmemory"]).len(), 1);
    let mixed = config_get(&mut c, &["max*", "maxmemory"]);
    assert!(mixed.contains_key("maxclients") && mixed.contains_key("maxmemory"));
    assert_eq!(c.cmd(&["CONFIG", "GET", "nosuch"]), arr(vec![]));
    assert_eq!(c.cmd(&["CONFIG", "GET"]), err("ERR wrong number of arguments for 'config|get' command"));
}

#[test]
fn config_set_appendfsync_at_run_time() {
    let server = Server::start();
    let mut c = server.client();
    for (i, mode) in ["always", "no", "everysec", "ALWAYS"].iter().enumerate() {
        assert_eq!(c.cmd(&["CONFIG", "SET", "appendfsync", mode]), ok());
        assert_eq!(config_one(&mut c, "appendfsync"), mode.to_lowercase());
        // Writes keep working in every mode.
        assert_eq!(c.cmd(&["SET", "k", &i.to_string()]), ok());
        assert_eq!(c.cmd(&["GET", "k"]), bulk(&i.to_string()));
        if !server.is_reference() {
            let info = c.cmd(&["INFO", "persistence"]).text();
            assert_eq!(info_field(&info, "appendfsync"), Some(mode.to_lowercase()));
        }
    }
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "appendfsync", "sometimes"]),
        err("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no")
    );
    assert_eq!(config_one(&mut c, "appendfsync"), "always");
}

#[test]
fn config_set_errors() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["CONFIG", "SET", "nosuch", "1"]), err("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"));
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "databases", "3"]),
        err("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config")
    );
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendfsync"]), err("ERR wrong number of arguments for 'config|set' command"));
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendfsync", "no", "maxmemory"]), err("ERR syntax error"));
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "appendfsync", "no", "appendfsync", "always"]),
        err("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - duplicate parameter")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxclients", "abc"]),
        err("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxclients", "-5"]),
        err("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxmemory", "lots"]),
        err("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")
    );
    // None of the failures changed anything.
    assert_eq!(config_one(&mut c, "appendfsync"), "everysec");
    assert_eq!(config_one(&mut c, "maxclients"), "10000");
    assert_eq!(config_one(&mut c, "maxmemory"), "0");
    assert_eq!(config_one(&mut c, "databases"), "16");
    if !server.is_reference() {
        // Documented: DiskDB's port is fixed at start-up (Redis can rebind at run time).
        assert_eq!(
            c.cmd(&["CONFIG", "SET", "port", "1234"]),
            err("ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config")
        );
        assert_eq!(config_one(&mut c, "port"), server.port.to_string());
    }
}

#[test]
fn config_set_loglevel() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["CONFIG", "SET", "loglevel", "warning"]), ok());
    assert_eq!(config_one(&mut c, "loglevel"), "warning");
    assert_eq!(c.cmd(&["CONFIG", "SET", "loglevel", "notice"]), ok());
    let reply = c.cmd(&["CONFIG", "SET", "loglevel", "loud"]);
    let prefix = "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning";
    if server.is_reference() {
        assert!(reply.error().starts_with(prefix), "{reply:?}");
    } else {
        // Redis 7.2 added `nothing`.
        assert_eq!(reply, err(&format!("{prefix}, nothing")));
    }
}

#[test]
fn config_set_several_parameters_at_once() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendfsync", "no", "maxmemory", "1000"]), ok());
    assert_eq!(config_one(&mut c, "appendfsync"), "no");
    assert_eq!(config_one(&mut c, "maxmemory"), "1000");
    // All or nothing: a bad value or name anywhere leaves every parameter as it was.
    assert!(c.cmd(&["CONFIG", "SET", "appendfsync", "always", "maxmemory", "lots"]).error().contains("'maxmemory'"));
    assert!(c.cmd(&["CONFIG", "SET", "appendfsync", "always", "nosuch", "1"]).error().contains("'nosuch'"));
    assert_eq!(config_one(&mut c, "appendfsync"), "no");
    assert_eq!(config_one(&mut c, "maxmemory"), "1000");
}

#[test]
fn redis_parameters_are_accepted_and_reported_back() {
    let server = Server::start();
    let mut c = server.client();
    // Memory values are reported in bytes, as Redis does.
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory", "100mb"]), ok());
    assert_eq!(config_one(&mut c, "maxmemory"), "104857600");
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory", "1GB"]), ok());
    assert_eq!(config_one(&mut c, "maxmemory"), "1073741824");
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory", "2k"]), ok());
    assert_eq!(config_one(&mut c, "maxmemory"), "2000");
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory", "0"]), ok());
    assert_eq!(config_one(&mut c, "maxmemory"), "0");
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]), ok());
    assert_eq!(config_one(&mut c, "maxmemory-policy"), "allkeys-lru");
    assert_eq!(c.cmd(&["CONFIG", "SET", "save", "3600 1"]), ok());
    assert_eq!(config_one(&mut c, "save"), "3600 1");
    assert_eq!(c.cmd(&["CONFIG", "SET", "save", ""]), ok());
    assert_eq!(config_one(&mut c, "save"), "");
    // Parameter names are case-insensitive.
    assert_eq!(c.cmd(&["CONFIG", "SET", "APPENDFSYNC", "EVERYSEC"]), ok());
}

#[test]
fn config_resetstat_clears_the_counters() {
    let server = Server::start();
    let mut c = server.client();
    for _ in 0..20 {
        assert_eq!(c.cmd(&["GET", "missing"]), Value::Nil);
    }
    let before = c.cmd(&["INFO", "stats"]).text();
    assert!(info_field(&before, "total_commands_processed").unwrap().parse::<u64>().unwrap() >= 20);
    assert!(info_field(&before, "keyspace_misses").unwrap().parse::<u64>().unwrap() >= 20);
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), ok());
    let after = c.cmd(&["INFO", "stats"]).text();
    assert!(info_field(&after, "total_commands_processed").unwrap().parse::<u64>().unwrap() <= 2, "{after}");
    assert_eq!(info_field(&after, "keyspace_misses").as_deref(), Some("0"));
    assert_eq!(info_field(&after, "keyspace_hits").as_deref(), Some("0"));
}

#[test]
fn config_rewrite_needs_a_config_file() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), err("ERR The server is running without a config file"));
}

#[test]
fn config_rewrite_persists_run_time_changes() {
    let conf_dir = tempfile::tempdir().unwrap();
    let path = conf_dir.path().join("diskdb.toml");
    std::fs::write(&path, "[server]\nmaxclients = 500\n\n[storage]\nappendfsync = \"no\"\n").unwrap();
    let path_str = path.to_str().unwrap().to_string();
    let mut server = Server::start_with(&["--config", &path_str]);
    let mut c = server.client();
    assert_eq!(config_one(&mut c, "maxclients"), "500");
    assert_eq!(config_one(&mut c, "appendfsync"), "no");
    assert!(info_field(&c.cmd(&["INFO", "server"]).text(), "config_file").unwrap().ends_with("diskdb.toml"));
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendfsync", "always", "maxclients", "321"]), ok());
    assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), ok());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("appendfsync = \"always\""), "{text}");
    assert!(text.contains("maxclients = 321"), "{text}");
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    // A restart with the same file keeps the settings (and the data).
    server.restart();
    let mut c = server.client();
    assert_eq!(config_one(&mut c, "appendfsync"), "always");
    assert_eq!(config_one(&mut c, "maxclients"), "321");
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
}

#[test]
fn network_threads_and_batch_settings_from_file_and_flags() {
    let conf_dir = tempfile::tempdir().unwrap();
    let path = conf_dir.path().join("diskdb.toml");
    std::fs::write(
        &path,
        "[server]\npipeline-max-batch = 50\n\n[network]\ntcp-keepalive = 60\nsend-buffer = \"256kb\"\ntcp-quickack = true\n",
    )
    .unwrap();
    let path_str = path.to_str().unwrap().to_string();
    let server = Server::start_with(&["--config", &path_str, "--threads", "1", "--pipeline-max-batch", "2"]);
    let mut c = server.client();
    let got = config_get(&mut c, &["tcp-*", "*-buffer", "threads", "pipeline-max-batch"]);
    let want = [
        ("tcp-keepalive", "60"),
        ("tcp-nodelay", "yes"),
        ("tcp-quickack", "yes"),
        ("send-buffer", "262144"),
        ("recv-buffer", "0"),
        ("threads", "1"),
        ("pipeline-max-batch", "2"),
    ];
    for (name, value) in want {
        assert_eq!(got.get(name).map(String::as_str), Some(value), "{name} in {got:?}");
    }
    // Groups of at most two writes: a pipeline of writes and reads still answers in order.
    let mut pipeline = Vec::new();
    for i in 0..9 {
        pipeline.extend(Client::encode(&[b"INCR", format!("k{}", i % 3).as_bytes()]));
        pipeline.extend(Client::encode(&[b"GET", format!("k{}", i % 3).as_bytes()]));
    }
    c.send_raw(&pipeline);
    for i in 0..9 {
        let n = i / 3 + 1;
        assert_eq!(c.read(), int(n));
        assert_eq!(c.read(), bulk(&n.to_string()));
    }
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "threads", "4"]),
        err("ERR CONFIG SET failed (possibly related to argument 'threads') - can't set immutable config")
    );
}

#[test]
fn command_count_list_info_and_docs() {
    let server = Server::start();
    let mut c = server.client();
    let count = c.cmd(&["COMMAND", "COUNT"]).int();
    let list = c.cmd(&["COMMAND", "LIST"]).texts();
    assert!(count > 20, "{count}");
    assert!(list.len() as i64 >= count, "{} names for {count} commands", list.len());
    for name in ["get", "set", "ping", "info", "config", "client", "command", "hello"] {
        assert!(list.iter().any(|n| n == name), "{name} missing from COMMAND LIST");
    }
    assert_eq!(c.cmd(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "ge?"]).texts(), ["get"]);
    assert_eq!(c.cmd(&["COMMAND", "LIST", "FOO"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["COMMAND"]).array().len() as i64, count);

    let info = c.cmd(&["COMMAND", "INFO", "get", "nosuch", "SET"]).array();
    assert_eq!(info.len(), 3);
    let get = info[0].array();
    assert_eq!(get[0], bulk("get"));
    assert_eq!(get[1], int(2));
    let flags: Vec<String> = get[2].array().iter().map(Value::text).collect();
    assert!(flags.contains(&"readonly".to_string()) && flags.contains(&"fast".to_string()), "{flags:?}");
    assert_eq!(&get[3..6], &[int(1), int(1), int(1)]);
    assert_eq!(info[1], Value::Nil);
    let set = info[2].array();
    assert_eq!((set[0].clone(), set[1].clone()), (bulk("set"), int(-3)));
    assert!(set[2].array().iter().any(|f| f.text() == "write"));

    // DOCS: a map (flat in RESP2) from name to a map with summary, since, group.
    let docs = c.cmd(&["COMMAND", "DOCS", "get"]).array();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0], bulk("get"));
    let doc = docs[1].array();
    let keys: Vec<String> = doc.iter().step_by(2).map(Value::text).collect();
    for k in ["summary", "since", "group"] {
        assert!(keys.iter().any(|x| x == k), "{k} missing from {keys:?}");
    }
    let group = doc.iter().position(|v| v.text() == "group").unwrap();
    assert_eq!(doc[group + 1], bulk("string"));
    assert_eq!(c.cmd(&["COMMAND", "DOCS", "nosuch"]), arr(vec![]));
    assert_eq!(c.cmd(&["COMMAND", "FOO"]), err("ERR unknown subcommand 'FOO'. Try COMMAND HELP."));
}

#[test]
fn command_getkeys() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "SET", "a", "b"]), arr(vec![bulk("a")]));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "set", "a", "b", "EX", "10"]), arr(vec![bulk("a")]));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"]), arr(vec![bulk("a"), bulk("b")]));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "DEL", "a", "b", "c"]), arr(vec![bulk("a"), bulk("b"), bulk("c")]));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "GET", "k"]), arr(vec![bulk("k")]));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "nosuch", "a"]), err("ERR Invalid command specified"));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "GET", "a", "b"]), err("ERR Invalid number of arguments specified for command"));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "SET", "a"]), err("ERR Invalid number of arguments specified for command"));
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "PING", "x"]), err("ERR The command has no key arguments"));
}

#[test]
fn time_and_lastsave() {
    let server = Server::start();
    let mut c = server.client();
    let t = c.cmd(&["TIME"]).texts();
    assert_eq!(t.len(), 2);
    let secs: u64 = t[0].parse().unwrap();
    let micros: u64 = t[1].parse().unwrap();
    assert!(secs.abs_diff(unix_now()) <= 5, "TIME {secs} vs {}", unix_now());
    assert!(micros < 1_000_000);
    assert_eq!(c.cmd(&["TIME", "x"]), err("ERR wrong number of arguments for 'time' command"));
    let last = c.cmd(&["LASTSAVE"]).int() as u64;
    assert!(last > 1_600_000_000 && last <= unix_now() + 1, "LASTSAVE {last}");
}

#[test]
fn bgsave_writes_in_the_background() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    let before = c.cmd(&["LASTSAVE"]).int();
    assert_eq!(c.cmd(&["BGSAVE", "x"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["BGSAVE"]), Value::Simple("Background saving started".into()));
    // The save finishes on its own: LASTSAVE moves (or at least the save is reported ok).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let persistence = c.cmd(&["INFO", "persistence"]).text();
        let done = info_field(&persistence, "rdb_bgsave_in_progress").as_deref() == Some("0")
            && info_field(&persistence, "rdb_last_bgsave_status").as_deref() == Some("ok")
            && c.cmd(&["LASTSAVE"]).int() >= before;
        if done && (server.is_reference() || server.data_dir().join("checkpoint").join("CURRENT").exists()) {
            break;
        }
        assert!(Instant::now() < deadline, "BGSAVE did not finish: {persistence}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
}

#[test]
fn debug_sleep_and_log() {
    let server = Server::start();
    if server.is_reference() {
        // Debian's redis-server refuses DEBUG unless enable-debug-command is set (these
        // replies were checked against redis-server --enable-debug-command yes).
        return;
    }
    let mut c = server.client();
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0"]), ok());
    // The reply comes after the pause, and pipelined commands wait for it.
    let mut batch = Client::encode(&[b"DEBUG", b"SLEEP", b"0.1"]);
    batch.extend(Client::encode(&[b"PING"]));
    c.send_raw(&batch);
    assert_eq!(c.read(), ok());
    assert_eq!(c.read(), Value::Simple("PONG".into()));
    // Redis reads the seconds with strtod: no number means no pause.
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "soon"]), ok());
    // DEBUG is a single command in Redis: a missing argument and an unknown
    // subcommand get the same error.
    assert_eq!(c.cmd(&["DEBUG", "SLEEP"]), err("ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP."));
    assert_eq!(c.cmd(&["DEBUG", "foo"]), err("ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP."));
    assert_eq!(c.cmd(&["DEBUG", "LOG", "marker-from-the-test"]), ok());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log().contains("marker-from-the-test") {
        assert!(Instant::now() < deadline, "DEBUG LOG line not in the log:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn function_flush_and_list() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["FUNCTION", "FLUSH"]), ok());
    assert_eq!(c.cmd(&["FUNCTION", "FLUSH", "ASYNC"]), ok());
    assert_eq!(c.cmd(&["function", "flush", "sync"]), ok());
    assert_eq!(c.cmd(&["FUNCTION", "FLUSH", "x"]), err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"));
    assert_eq!(
        c.cmd(&["FUNCTION", "FLUSH", "SYNC", "x"]),
        err("ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.")
    );
    assert_eq!(c.cmd(&["FUNCTION", "LIST"]), arr(vec![]));
    assert_eq!(c.cmd(&["FUNCTION", "FOO"]), err("ERR unknown subcommand 'FOO'. Try FUNCTION HELP."));
}

#[test]
fn config_help_lists_the_subcommands() {
    let server = Server::start();
    let mut c = server.client();
    let lines: Vec<String> = c.cmd(&["CONFIG", "HELP"]).array().iter().map(Value::text).collect();
    assert_eq!(lines[0], "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    for sub in ["GET <pattern>", "SET <directive> <value>", "RESETSTAT", "REWRITE"] {
        assert!(lines.iter().any(|l| l == sub), "{sub} missing from {lines:?}");
    }
    assert_eq!(&lines[lines.len() - 2..], ["HELP", "    Prints this help."]);
    assert_eq!(c.cmd(&["CONFIG", "FOO"]), err("ERR unknown subcommand 'FOO'. Try CONFIG HELP."));
}

/// Runs a tool to completion with a deadline; returns (success, stdout, stderr).
fn run_tool(program: &str, args: &[&str], limit: Duration) -> (bool, String, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} (apt-get install redis-tools): {e}"));
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            return (
                status.success(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{program} {args:?} did not finish within {limit:?}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn redis_cli_works() {
    let server = Server::start();
    let port = server.port.to_string();
    let cli = |args: &[&str]| {
        let mut all = vec!["-p", port.as_str()];
        all.extend_from_slice(args);
        let (ok, out, errs) = run_tool("redis-cli", &all, Duration::from_secs(60));
        assert!(ok, "redis-cli {args:?} failed: {out}{errs}");
        out
    };
    assert_eq!(cli(&["ping"]), "PONG\n");
    assert_eq!(cli(&["set", "greeting", "hello world"]), "OK\n");
    assert_eq!(cli(&["get", "greeting"]), "hello world\n");
    assert_eq!(cli(&["incr", "n"]), "1\n");
    assert_eq!(cli(&["--no-raw", "get", "nosuch"]), "(nil)\n");
    assert_eq!(cli(&["--no-raw", "get"]), "(error) ERR wrong number of arguments for 'get' command\n");
    assert!(cli(&["info", "server"]).contains("redis_version:7."));
    assert_eq!(cli(&["dbsize"]), "2\n");
    // RESP3 mode.
    assert_eq!(cli(&["-3", "get", "nosuch"]), "\n");
    assert_eq!(cli(&["-3", "--no-raw", "config", "get", "maxmemory"]), "1# \"maxmemory\" => \"0\"\n");
}

#[test]
fn redis_benchmark_runs_to_completion() {
    let server = Server::start();
    let port = server.port.to_string();
    let (ok, out, errs) = run_tool("redis-benchmark", &["-p", &port, "-t", "set,get", "-n", "2000", "-q"], Duration::from_secs(120));
    assert!(ok, "redis-benchmark failed:\n{out}\n{errs}");
    let text = out.replace('\r', "\n");
    for t in ["SET:", "GET:"] {
        assert!(text.lines().any(|l| l.starts_with(t) && l.contains("requests per second")), "no {t} result in:\n{text}");
    }
    // The benchmark's keys are really there.
    let mut c = server.client();
    assert!(c.cmd(&["EXISTS", "key:__rand_int__"]).int() == 1, "redis-benchmark writes key:__rand_int__");
    // Pipelined run too.
    let (ok, out, errs) = run_tool(
        "redis-benchmark",
        &["-p", &port, "-t", "set,get,incr,mset", "-n", "2000", "-P", "16", "-c", "8", "-q"],
        Duration::from_secs(120),
    );
    assert!(ok, "pipelined redis-benchmark failed:\n{out}\n{errs}");
    assert!(out.replace('\r', "\n").lines().any(|l| l.starts_with("MSET") && l.contains("requests per second")), "{out}");
}

/// INFO memory reports the caches above RocksDB (meta rows, rank directories, member
/// sets, read-ahead windows) against their budget; a set's members are charged to it.
#[test]
fn info_memory_reports_the_caches_above_rocksdb() {
    let server = Server::start_with(&["--meta-cache-size", "8mb"]);
    let mut c = server.client();
    let usage = |c: &mut Client| info_field(&c.cmd(&["INFO", "memory"]).text(), "meta_cache_usage").unwrap().parse::<u64>().unwrap();
    assert_eq!(info_field(&c.cmd(&["INFO", "memory"]).text(), "meta_cache_capacity").as_deref(), Some("8388608"));
    let before = usage(&mut c);
    for chunk in 0..20 {
        let mut args: Vec<String> = vec!["SADD".into(), "s".into()];
        args.extend((0..100).map(|i| format!("member:{:06}", chunk * 100 + i)));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(c.cmd(&refs), int(100));
    }
    let after = usage(&mut c);
    assert!(after >= before + 2000 * 13, "2,000 members charged: {before} -> {after}");
    assert!(after <= 8 << 20);
}

/// One MONITOR line: `<secs>.<micros> [<db> <addr>] <args>`, checked for its shape;
/// returns the db and the quoted arguments.
fn monitor_line(v: Value) -> (String, String) {
    let Value::Simple(line) = v else { panic!("not a monitor line: {v:?}") };
    let (time, rest) = line.split_once(' ').unwrap();
    let (secs, micros) = time.split_once('.').unwrap();
    let secs: u64 = secs.parse().unwrap();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert!(secs.abs_diff(now) < 60 && micros.len() == 6 && micros.parse::<u32>().is_ok(), "{line}");
    let (client, args) = rest.strip_prefix('[').unwrap().split_once("] ").unwrap();
    let (db, addr) = client.split_once(' ').unwrap();
    assert!(addr.starts_with("127.0.0.1:"), "{line}");
    (db.to_string(), args.to_string())
}

#[test]
fn monitor_streams_what_every_client_runs() {
    let s = Server::start();
    let mut m = s.client();
    assert_eq!(m.cmd(&["MONITOR"]), ok());
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "a", "1"]), ok());
    assert_eq!(c.cmd(&["SELECT", "1"]), ok());
    assert_eq!(c.cmd(&["get", "a"]), Value::Nil);
    assert!(c.cmd(&["AUTH", "secret"]).error().starts_with("ERR AUTH"));
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "n"]), ok());
    // Admin commands are left out, and so are commands refused before they run.
    c.cmd(&["CONFIG", "GET", "maxmemory"]);
    let list = c.cmd(&["CLIENT", "LIST"]).text();
    assert!(list.lines().any(|l| l.contains(" flags=O ")), "{list}");
    c.cmd(&["NOSUCH"]);
    c.cmd(&["GET"]);
    // A transaction's commands show when EXEC runs them, not when they are queued.
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd_bytes(&[b"SET", b"b", b"x y\n\x01\"\\"]), Value::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![ok()]));
    let expected = [
        ("0", r#""SET" "a" "1""#),
        ("1", r#""SELECT" "1""#),
        ("1", r#""get" "a""#),
        ("1", r#""AUTH" "(redacted)""#),
        ("1", r#""CLIENT" "SETNAME" "n""#),
        ("1", r#""MULTI""#),
        ("1", r#""SET" "b" "x y\n\x01\"\\""#),
        ("1", r#""EXEC""#),
    ];
    for (db, args) in expected {
        assert_eq!(monitor_line(m.read()), (db.to_string(), args.to_string()));
    }
    // The monitor sees its own commands too, and may not touch the keyspace.
    assert_eq!(m.cmd(&["GET", "a"]), err("ERR Replica can't interact with the keyspace"));
    assert_eq!(m.cmd(&["PING"]), Value::Simple("PONG".into()));
    assert_eq!(monitor_line(m.read()).1, r#""PING""#);
    // PUBLISH would be replicated: refused too. A second MONITOR is ignored, unanswered.
    assert_eq!(m.cmd(&["PUBLISH", "ch", "x"]), err("ERR Replica can't interact with the keyspace"));
    m.send_raw(&Client::encode(&[b"MONITOR"]));
    assert_eq!(m.cmd(&["PING"]), Value::Simple("PONG".into()));
    assert_eq!(monitor_line(m.read()).1, r#""PING""#);
    // A subcommand refused before it runs is not shown (the next line is the BLPOP's).
    assert!(c.cmd(&["OBJECT", "FOO", "x"]).error().starts_with("ERR unknown subcommand"));
    // A blocking command shows once, however often it runs again while it waits.
    // (Its line says it ran, and is waiting.)
    let mut b = s.client();
    b.send_raw(&Client::encode(&[b"BLPOP", b"q", b"5"]));
    assert_eq!(monitor_line(m.read()), ("0".to_string(), r#""BLPOP" "q" "5""#.to_string()));
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
    assert_eq!(c.cmd(&["RPUSH", "q", "x"]), int(1));
    assert_eq!(b.read(), arr(vec![bulk("q"), bulk("x")]));
    assert_eq!(monitor_line(m.read()).1, r#""SELECT" "0""#);
    assert_eq!(monitor_line(m.read()).1, r#""RPUSH" "q" "x""#);
    assert_eq!(m.cmd(&["PING"]), Value::Simple("PONG".into()));
    assert_eq!(monitor_line(m.read()).1, r#""PING""#);
    // RESET ends it; a monitor that disconnects is forgotten.
    let mut gone = s.client();
    assert_eq!(gone.cmd(&["MONITOR"]), ok());
    drop(gone);
    assert_eq!(m.cmd(&["RESET"]), Value::Simple("RESET".into()));
    assert_eq!(c.cmd(&["SET", "z", "1"]), ok());
    assert_eq!(m.cmd(&["PING"]), Value::Simple("PONG".into()), "nothing was streamed after RESET");
    assert_eq!(m.cmd(&["GET", "z"]), bulk("1"), "and the keyspace is open to it again");
}

/// The fields of SLOWLOG GET's entries: (id, arguments, client address, client name).
fn slowlog_entries(c: &mut Client, count: &str) -> Vec<(i64, Vec<Vec<u8>>, String, String)> {
    c.cmd(&["SLOWLOG", "GET", count])
        .array()
        .into_iter()
        .map(|e| {
            let f = e.array();
            assert!(f[1].int() > 1_700_000_000, "a Unix time: {:?}", f[1]);
            assert!(f[2].int() >= 0);
            let args = f[3].array().into_iter().map(|a| match a {
                Value::Bulk(b) => b,
                other => panic!("{other:?}"),
            });
            (f[0].int(), args.collect(), f[4].text(), f[5].text())
        })
        .collect()
}

#[test]
fn slowlog_keeps_the_slow_commands_newest_first() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), ok());
    // With the default threshold of 10 ms a quick command is not logged.
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), int(0));
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]), ok());
    assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "me"]), ok());
    let long = "x".repeat(200);
    assert_eq!(c.cmd(&["SET", "k", &long]), ok());
    let many: Vec<String> = (0..40).map(|i| i.to_string()).collect();
    let mut rpush = vec!["RPUSH", "l"];
    rpush.extend(many.iter().map(String::as_str));
    assert_eq!(c.cmd(&rpush), int(40));
    assert_eq!(c.cmd(&["AUTH", "user", "secret"]).error().split(' ').next(), Some("WRONGPASS"));
    let entries = slowlog_entries(&mut c, "-1");
    let args: Vec<Vec<Vec<u8>>> = entries.iter().map(|e| e.1.clone()).collect();
    // Newest first; the RESET that emptied the log is its first entry.
    assert_eq!(args[0], vec![b"AUTH".to_vec(), b"(redacted)".to_vec(), b"(redacted)".to_vec()]);
    assert_eq!(args[1].len(), 32);
    assert_eq!(args[1][..3], [b"RPUSH".to_vec(), b"l".to_vec(), b"0".to_vec()]);
    assert_eq!(args[1][31], b"... (11 more arguments)".to_vec());
    assert_eq!(args[2][2], [&long.as_bytes()[..128], &b"... (72 more bytes)"[..]].concat());
    assert_eq!(args[3], vec![b"CLIENT".to_vec(), b"SETNAME".to_vec(), b"me".to_vec()]);
    assert_eq!(args[4], vec![b"SLOWLOG".to_vec(), b"RESET".to_vec()]);
    assert_eq!(entries.len(), 5);
    let ids: Vec<i64> = entries.iter().map(|e| e.0).collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1] + 1), "{ids:?}");
    assert!(entries[0].2.starts_with("127.0.0.1:"), "{}", entries[0].2);
    assert_eq!(entries[0].3, "me");
    assert_eq!(slowlog_entries(&mut c, "2").len(), 2);
    // SLOWLOG GET itself was logged meanwhile.
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), int(7));
    // The log keeps the newest slowlog-max-len entries.
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-max-len", "3"]), ok());
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), int(3));
    assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()));
    assert_eq!(slowlog_entries(&mut c, "1")[0].1[0], b"PING".to_vec());
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), int(3));
    // A negative threshold logs nothing.
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "-1"]), ok());
    assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk(&long));
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), int(0));
}

#[test]
fn slowlog_errors() {
    let s = Server::start();
    let mut c = s.client();
    let bad_count = "ERR count should be greater than or equal to -1";
    assert_eq!(c.cmd(&["SLOWLOG", "GET", "-2"]), err(bad_count));
    assert_eq!(c.cmd(&["SLOWLOG", "GET", "x"]), err(bad_count));
    assert_eq!(c.cmd(&["SLOWLOG", "LEN", "x"]), err("ERR wrong number of arguments for 'slowlog|len' command"));
    assert_eq!(c.cmd(&["SLOWLOG", "FOO"]), err("ERR unknown subcommand 'FOO'. Try SLOWLOG HELP."));
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "-2"]),
        err("ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - argument must be between -1 and 9223372036854775807 inclusive")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "slowlog-max-len", "-1"]),
        err("ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len') - argument must be between 0 and 9223372036854775807 inclusive")
    );
    assert_eq!(c.cmd(&["CONFIG", "GET", "slowlog-max-len"]), arr(vec![bulk("slowlog-max-len"), bulk("128")]));
    assert_eq!(c.cmd(&["SLOWLOG", "HELP"]).array().len(), 12);
}

#[test]
fn role_is_a_master_without_replicas() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["ROLE"]), arr(vec![bulk("master"), int(0), arr(vec![])]));
    // WAIT: no replica ever acknowledges; 0 at once when none is asked for, else after the
    // timeout.
    assert_eq!(c.cmd(&["WAIT", "0", "0"]), int(0));
    let started = std::time::Instant::now();
    assert_eq!(c.cmd(&["WAIT", "1", "50"]), int(0));
    assert!(started.elapsed() >= std::time::Duration::from_millis(50), "WAIT 1 50 answered before its timeout");
    assert_eq!(c.cmd(&["WAIT", "x", "0"]), err("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["WAIT", "1", "-1"]), err("ERR timeout is negative"));
    assert_eq!(c.cmd(&["REPLICAOF", "NO", "ONE"]), ok());
    assert_eq!(c.cmd(&["SLAVEOF", "no", "one"]), ok());
    if !s.is_reference() {
        // Redis would become a replica; DiskDB says it cannot.
        assert!(c.cmd(&["REPLICAOF", "127.0.0.1", "1"]).error().starts_with("ERR DiskDB does not support replication"));
        assert_eq!(c.cmd(&["ROLE"]), arr(vec![bulk("master"), int(0), arr(vec![])]));
    }
    for cmd in [&["READONLY"][..], &["READWRITE"], &["ASKING"], &["CLUSTER", "INFO"], &["CLUSTER", "SLOTS"]] {
        assert_eq!(c.cmd(cmd), err("ERR This instance has cluster support disabled"), "{cmd:?}");
    }
}

#[test]
fn client_reply_off_and_skip_drop_replies() {
    let s = Server::start();
    let mut c = s.client();
    let mut batch = Vec::new();
    for cmd in [
        &["CLIENT", "REPLY", "OFF"][..],
        &["SET", "a", "1"],
        &["INCR", "a"],
        &["CLIENT", "REPLY", "ON"],
        &["GET", "a"],
        &["CLIENT", "REPLY", "SKIP"],
        &["INCR", "a"],
        &["INCR", "a"],
        &["CLIENT", "REPLY", "maybe"],
    ] {
        let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
        batch.extend(Client::encode(&args));
    }
    c.send_raw(&batch);
    // The commands ran; only ON, the GET, the last INCR and the bad REPLY answer.
    assert_eq!(c.read(), ok());
    assert_eq!(c.read(), bulk("2"));
    assert_eq!(c.read(), int(4));
    assert_eq!(c.read(), err("ERR syntax error"));
    assert_eq!(c.cmd(&["GET", "a"]), bulk("4"));
}

#[test]
fn memory_lolwut_and_bgrewriteaof() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["MEMORY", "PURGE"]), ok());
    assert!(matches!(c.cmd(&["MEMORY", "DOCTOR"]), Value::Bulk(_) | Value::Verbatim(_)));
    assert!(matches!(c.cmd(&["MEMORY", "MALLOC-STATS"]), Value::Bulk(_) | Value::Verbatim(_)));
    let stats = c.cmd(&["MEMORY", "STATS"]).array();
    let keys = stats.chunks(2).find(|kv| kv[0] == bulk("keys.count")).map(|kv| kv[1].clone());
    assert_eq!(keys, Some(int(1)));
    assert!(c.cmd(&["LOLWUT"]).text().contains(" ver. "));
    // Redis's art takes parameters; the version line is what both print.
    assert!(c.cmd(&["LOLWUT", "VERSION", "5", "1", "1"]).text().contains(" ver. "));
    assert_eq!(c.cmd(&["BGREWRITEAOF"]), Value::Simple("Background append only file rewriting started".into()));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
}

#[test]
fn latency_monitor_samples_slow_commands() {
    let s = Server::start();
    let mut c = s.client();
    assert_eq!(c.cmd(&["LATENCY", "LATEST"]), arr(vec![]));
    assert_eq!(c.cmd(&["LATENCY", "GRAPH", "command"]), err("ERR No samples available for event 'command'"));
    assert_eq!(c.cmd(&["CONFIG", "SET", "latency-monitor-threshold", "1"]), ok());
    // A command that certainly takes more than a millisecond.
    assert_eq!(c.cmd(&["EVAL", "local i = 0 while i < 3000000 do i = i + 1 end return i", "0"]), int(3_000_000));
    let latest = c.cmd(&["LATENCY", "LATEST"]).array();
    assert_eq!(latest.len(), 1, "{latest:?}");
    let sample = latest[0].array();
    assert_eq!(sample[0], bulk("command"));
    let (latest_ms, max_ms) = (sample[2].int(), sample[3].int());
    assert!(latest_ms >= 1 && max_ms >= latest_ms, "{sample:?}");
    let history = c.cmd(&["LATENCY", "HISTORY", "command"]).array();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].array()[1], int(latest_ms));
    assert!(c.cmd(&["LATENCY", "GRAPH", "command"]).text().starts_with(&format!("command - high {latest_ms} ms")));
    assert_eq!(c.cmd(&["LATENCY", "RESET", "nosuch"]), int(0));
    assert_eq!(c.cmd(&["LATENCY", "RESET"]), int(1));
    assert_eq!(c.cmd(&["LATENCY", "LATEST"]), arr(vec![]));
    assert_eq!(c.cmd(&["LATENCY", "HISTORY", "command"]), arr(vec![]));
    assert_eq!(c.cmd(&["CONFIG", "SET", "latency-monitor-threshold", "0"]), ok());
}
