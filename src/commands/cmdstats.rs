//! Per-command statistics, as Redis keeps them: INFO `commandstats` (calls, time,
//! rejected and failed calls of each command, and of each subcommand as `config|get`)
//! and `errorstats` (error replies by their first word). CONFIG RESETSTAT clears both.
//!
//! Every command counts, so the counters are sharded by thread: each thread adds to its
//! own shard (two workers never write the same cache line), and INFO sums the shards.
//! Subcommands and errors are rare and share one map each behind a mutex.

use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Shards of the per-command counters; threads beyond this many share them.
const SHARDS: usize = 8;
/// Distinct error codes counted, as in Redis (`ERROR_STATS_NUMBER`); later ones are not.
const ERROR_CODES: usize = 128;

/// How one run of a command ended.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Outcome {
    /// Ran and replied without an error.
    Ok,
    /// Ran and replied with an error.
    Failed,
    /// Refused before running (wrong arity, not authenticated, ...).
    Rejected,
}

#[derive(Default)]
struct Counter {
    calls: AtomicU64,
    usec: AtomicU64,
    rejected: AtomicU64,
    failed: AtomicU64,
}

impl Counter {
    fn add(&self, outcome: Outcome, usec: u64) {
        if outcome == Outcome::Rejected {
            return bump(&self.rejected, 1);
        }
        bump(&self.calls, 1);
        bump(&self.usec, usec);
        if outcome == Outcome::Failed {
            bump(&self.failed, 1);
        }
    }

    fn totals(&self) -> Totals {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Totals { calls: get(&self.calls), usec: get(&self.usec), rejected: get(&self.rejected), failed: get(&self.failed) }
    }

    fn reset(&self) {
        for c in [&self.calls, &self.usec, &self.rejected, &self.failed] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// An add by the shard's usual only writer, safe if a thread past [`SHARDS`] shares it.
fn bump(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

#[derive(Default, Clone, Copy)]
struct Totals {
    calls: u64,
    usec: u64,
    rejected: u64,
    failed: u64,
}

impl Totals {
    fn merge(&mut self, o: Totals) {
        self.calls += o.calls;
        self.usec += o.usec;
        self.rejected += o.rejected;
        self.failed += o.failed;
    }
}

pub struct CommandStats {
    /// `[shard][command index]` (the index [`super::lookup`] returns).
    shards: Box<[Box<[Counter]>]>,
    names: Vec<&'static str>,
    subcommands: Mutex<BTreeMap<String, Totals>>,
    errors: Mutex<BTreeMap<String, u64>>,
}

/// This thread's shard.
fn shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|s| *s)
}

impl CommandStats {
    /// Counters for `names`, the command table in index order.
    pub fn new(names: Vec<&'static str>) -> CommandStats {
        let shards = (0..SHARDS).map(|_| names.iter().map(|_| Counter::default()).collect()).collect();
        CommandStats { shards, names, subcommands: Mutex::default(), errors: Mutex::default() }
    }

    /// Counts a run of the command at table index `index`.
    pub fn record(&self, index: usize, outcome: Outcome, usec: u64) {
        self.shards[shard()][index].add(outcome, usec);
    }

    /// Counts a run of subcommand `name` (`config|get`).
    pub fn record_sub(&self, name: String, outcome: Outcome, usec: u64) {
        let mut subcommands = self.subcommands.lock();
        let t = subcommands.entry(name).or_default();
        match outcome {
            Outcome::Rejected => t.rejected += 1,
            _ => {
                t.calls += 1;
                t.usec += usec;
                t.failed += (outcome == Outcome::Failed) as u64;
            }
        }
    }

    /// Counts an error reply by its code: the first word of `line` when it is followed
    /// by a space within 32 bytes, else `ERR`, as Redis does.
    pub fn record_error(&self, line: &str) {
        let code = match line.as_bytes()[..line.len().min(32)].iter().position(|&b| b == b' ') {
            Some(end) if end > 0 => &line[..end],
            _ => "ERR",
        };
        let mut errors = self.errors.lock();
        if let Some(n) = errors.get_mut(code) {
            *n += 1;
        } else if errors.len() < ERROR_CODES {
            errors.insert(code.to_string(), 1);
        }
    }

    pub fn reset(&self) {
        self.shards.iter().flat_map(|s| s.iter()).for_each(Counter::reset);
        self.subcommands.lock().clear();
        self.errors.lock().clear();
    }

    /// INFO's `commandstats` lines, by command name.
    pub fn commandstats(&self, out: &mut String) {
        let mut all: BTreeMap<String, Totals> = self.subcommands.lock().clone();
        for (i, name) in self.names.iter().enumerate() {
            let mut t = Totals::default();
            self.shards.iter().for_each(|s| t.merge(s[i].totals()));
            if t.calls + t.rejected > 0 {
                all.insert(name.to_string(), t);
            }
        }
        for (name, t) in all {
            let per_call = if t.calls == 0 { 0.0 } else { t.usec as f64 / t.calls as f64 };
            let _ = write!(
                out,
                "cmdstat_{name}:calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}\r\n",
                t.calls, t.usec, t.rejected, t.failed
            );
        }
    }

    /// INFO's `errorstats` lines, by error code.
    pub fn errorstats(&self, out: &mut String) {
        for (code, n) in self.errors.lock().iter() {
            let _ = write!(out, "errorstat_{code}:count={n}\r\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_sum_over_the_shards_of_every_thread() {
        let stats = std::sync::Arc::new(CommandStats::new(vec!["get", "set"]));
        let threads: Vec<_> = (0..12)
            .map(|_| {
                let stats = stats.clone();
                std::thread::spawn(move || {
                    for _ in 0..100 {
                        stats.record(1, Outcome::Ok, 2);
                    }
                    stats.record(1, Outcome::Failed, 1);
                    stats.record(1, Outcome::Rejected, 0);
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let mut out = String::new();
        stats.commandstats(&mut out);
        assert_eq!(out, "cmdstat_set:calls=1212,usec=2412,usec_per_call=1.99,rejected_calls=12,failed_calls=12\r\n");
        stats.reset();
        out.clear();
        stats.commandstats(&mut out);
        assert_eq!(out, "");
    }

    #[test]
    fn errors_count_by_their_first_word() {
        let stats = CommandStats::new(vec![]);
        for line in ["ERR syntax error", "WRONGTYPE Operation against a key", "ERR x", "NOSPACE", " lead"] {
            stats.record_error(line);
        }
        stats.record_error(&format!("{} tail", "A".repeat(40)));
        let mut out = String::new();
        stats.errorstats(&mut out);
        assert_eq!(out, "errorstat_ERR:count=5\r\nerrorstat_WRONGTYPE:count=1\r\n");
    }
}
