//! LATENCY: Redis's latency monitor. With `latency-monitor-threshold` set (milliseconds;
//! 0, the default, is off), every command whose run takes at least that long is a sample
//! of the event `command` (`fast-command` for commands flagged fast), timed where SLOWLOG
//! times it. Each event keeps its latest and worst samples and a history of the last 160
//! seconds that had one (the worst sample of each second), as Redis keeps.

use super::flag::*;
use super::{cmd, dispatch_sub, Args, CmdError, Command, Ctx};
use crate::protocol::Reply;
use parking_lot::Mutex;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub const TABLE: &[Command] =
    &[cmd("latency", -2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), "server", "The latency monitor", latency)];

const SUBS: &[Command] = &[
    cmd("latest", 2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), "server", "The latest sample of every event", latest),
    cmd("history", 3, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), "server", "An event's samples", history),
    cmd("reset", -2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), "server", "Forget events' samples", reset),
    cmd("graph", 3, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), "server", "An event's samples as text", graph),
    cmd("doctor", 2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), "server", "A report on the samples", doctor),
    cmd("histogram", -2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), "server", "Commands' latency histograms", histogram),
    cmd("help", 2, LOADING | STALE, (0, 0, 0), "server", "Show help", help),
];

/// Samples kept per event, as in Redis.
const HISTORY: usize = 160;

/// The monitor: its threshold and every event's samples.
#[derive(Default)]
pub struct Latency {
    threshold_ms: AtomicU64,
    events: Mutex<BTreeMap<&'static str, Event>>,
}

#[derive(Default)]
struct Event {
    /// (Unix seconds, milliseconds), oldest first, one per second.
    samples: VecDeque<(u64, u64)>,
    max_ms: u64,
}

impl Latency {
    /// Notes a run of `command` that took `micros`, if it took the threshold or longer.
    pub fn record(&self, micros: u64, command: &Command) {
        let threshold = self.threshold_ms.load(Ordering::Relaxed);
        if threshold == 0 {
            return;
        }
        let ms = micros / 1000;
        if ms < threshold {
            return;
        }
        let name = if command.has(FAST) { "fast-command" } else { "command" };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let mut events = self.events.lock();
        let event = events.entry(name).or_default();
        event.max_ms = event.max_ms.max(ms);
        match event.samples.back_mut() {
            Some((at, worst)) if *at == now => *worst = (*worst).max(ms),
            _ => {
                event.samples.push_back((now, ms));
                if event.samples.len() > HISTORY {
                    event.samples.pop_front();
                }
            }
        }
    }

    /// Applies `latency-monitor-threshold` when CONFIG SET changes it; other names pass.
    pub fn apply_param(&self, name: &str, value: &str) {
        if name == "latency-monitor-threshold" {
            if let Ok(ms) = value.parse::<u64>() {
                self.threshold_ms.store(ms, Ordering::Relaxed);
            }
        }
    }
}

fn latency(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    dispatch_sub(ctx, args, "latency", SUBS)
}

fn latest(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    let events = ctx.state.latency.events.lock();
    let rows = events.iter().filter_map(|(name, event)| {
        let &(at, ms) = event.samples.back()?;
        Some(Reply::Array(vec![Reply::from_str(name), Reply::Int(at as i64), Reply::Int(ms as i64), Reply::Int(event.max_ms as i64)]))
    });
    Ok(Reply::Array(rows.collect()))
}

fn history(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let name = args.next_bytes()?;
    let events = ctx.state.latency.events.lock();
    let samples = events.iter().find(|(n, _)| n.as_bytes() == name).map(|(_, e)| &e.samples);
    let rows = samples.into_iter().flatten().map(|&(at, ms)| Reply::Array(vec![Reply::Int(at as i64), Reply::Int(ms as i64)]));
    Ok(Reply::Array(rows.collect()))
}

fn reset(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let names = args.rest_slices();
    let mut events = ctx.state.latency.events.lock();
    let before = events.len();
    if names.is_empty() {
        events.clear();
    } else {
        events.retain(|name, _| !names.contains(&name.as_bytes()));
    }
    Ok(Reply::Int((before - events.len()) as i64))
}

/// LATENCY GRAPH: Redis draws an ASCII chart; DiskDB lists the samples under the same
/// heading line.
fn graph(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let name = args.next_bytes()?;
    let events = ctx.state.latency.events.lock();
    let Some((name, event)) = events.iter().find(|(n, _)| n.as_bytes() == name).filter(|(_, e)| !e.samples.is_empty()) else {
        return Err(CmdError::err(format!("No samples available for event '{}'", String::from_utf8_lossy(name))));
    };
    let high = event.samples.iter().map(|s| s.1).max().unwrap_or(0);
    let low = event.samples.iter().map(|s| s.1).min().unwrap_or(0);
    let mut text = format!("{name} - high {high} ms, low {low} ms (all time high {} ms)\n{}\n", event.max_ms, "-".repeat(80));
    for (at, ms) in &event.samples {
        text += &format!("{at} {ms} ms\n");
    }
    Ok(Reply::Verbatim(text))
}

fn doctor(ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    let latency = &ctx.state.latency;
    if latency.threshold_ms.load(Ordering::Relaxed) == 0 {
        return Ok(Reply::Verbatim(
            "Latency monitoring is disabled in this DiskDB instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it.\n".into(),
        ));
    }
    let events = latency.events.lock();
    if events.values().all(|e| e.samples.is_empty()) {
        return Ok(Reply::Verbatim("No latency spike was observed during the lifetime of this DiskDB instance.\n".into()));
    }
    let mut text = String::from("Latency spikes were observed in this DiskDB instance:\n\n");
    for (i, (name, e)) in events.iter().filter(|(_, e)| !e.samples.is_empty()).enumerate() {
        let average = e.samples.iter().map(|s| s.1).sum::<u64>() / e.samples.len() as u64;
        text +=
            &format!("{}. {name}: {} latency spikes (average {average}ms). Worst all time event {}ms.\n", i + 1, e.samples.len(), e.max_ms);
    }
    text += "\nSLOWLOG GET shows which commands were slow.\n";
    Ok(Reply::Verbatim(text))
}

/// LATENCY HISTOGRAM [command ...]: each command's calls and cumulative latency histogram
/// (see [`super::cmdstats`]), for the named commands (all when none is named).
fn histogram(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let names: Vec<String> = args.rest_slices().iter().map(|n| String::from_utf8_lossy(n).to_ascii_lowercase()).collect();
    let commands = ctx.state.cmdstats.histograms(&names).into_iter().map(|(name, calls, steps)| {
        let steps = steps.into_iter().map(|(us, below)| (Reply::Int(us as i64), Reply::Int(below as i64))).collect();
        let fields = vec![(Reply::from_str("calls"), Reply::Int(calls as i64)), (Reply::from_str("histogram_usec"), Reply::Map(steps))];
        (Reply::Bulk(name.into_bytes().into()), Reply::Map(fields))
    });
    Ok(Reply::Map(commands.collect()))
}

fn help(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(super::keys::help_reply(
        "LATENCY",
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return the samples of the <event> class as text.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    ))
}
