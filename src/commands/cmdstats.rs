//! Per-command statistics, as Redis keeps them: INFO `commandstats` (calls, time,
//! rejected and failed calls of each command, and of each subcommand as `config|get`),
//! `latencystats` (latency percentiles per command, from histograms LATENCY HISTOGRAM
//! shows) and `errorstats` (error replies by their first word). CONFIG RESETSTAT clears
//! them all.
//!
//! Every command counts, so the counters are sharded by thread: each thread adds to its
//! own shard (two workers never write the same cache line), and INFO sums the shards.
//! A shard's histogram of a command is allocated when the command first runs there.
//! Subcommands and errors are rare and share one map each behind a mutex.

use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;

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

/// Latency histograms count nanoseconds in log-linear buckets: values under 64 exactly,
/// then 64 buckets to each power of two, so values within 1.6% of each other share one
/// (about the two significant digits of Redis's HdrHistogram).
const SUB_BITS: u32 = 6;
const SUB: usize = 1 << SUB_BITS;
/// Values clamp at 2^41 ns (about 37 minutes).
const TOP_EXP: u32 = 40;
const BUCKETS: usize = SUB + (TOP_EXP - SUB_BITS + 1) as usize * SUB;

fn bucket(ns: u64) -> usize {
    let v = ns.min((2 << TOP_EXP) - 1);
    if v < SUB as u64 {
        return v as usize;
    }
    let exp = 63 - v.leading_zeros();
    let sub = (v >> (exp - SUB_BITS)) as usize & (SUB - 1);
    SUB + (exp - SUB_BITS) as usize * SUB + sub
}

/// The highest value bucket `i` holds.
fn highest(i: usize) -> u64 {
    if i < SUB {
        return i as u64;
    }
    let (row, sub) = ((i - SUB) / SUB, (i - SUB) % SUB);
    let width = 1u64 << row;
    (SUB + sub) as u64 * width + width - 1
}

type Histogram = Box<[AtomicU64]>;

#[derive(Default)]
struct Counter {
    calls: AtomicU64,
    /// Summed in nanoseconds, so that commands shorter than a microsecond add up.
    ns: AtomicU64,
    rejected: AtomicU64,
    failed: AtomicU64,
    latency: OnceLock<Histogram>,
}

impl Counter {
    fn add(&self, outcome: Outcome, ns: u64, tracking: bool) {
        if outcome == Outcome::Rejected {
            return bump(&self.rejected, 1);
        }
        bump(&self.calls, 1);
        bump(&self.ns, ns);
        if outcome == Outcome::Failed {
            bump(&self.failed, 1);
        }
        if tracking {
            let latency = self.latency.get_or_init(|| (0..BUCKETS).map(|_| AtomicU64::new(0)).collect());
            bump(&latency[bucket(ns)], 1);
        }
    }

    fn totals(&self) -> Totals {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Totals { calls: get(&self.calls), ns: get(&self.ns), rejected: get(&self.rejected), failed: get(&self.failed) }
    }

    fn reset(&self) {
        for c in [&self.calls, &self.ns, &self.rejected, &self.failed].into_iter().chain(self.latency.get().into_iter().flatten()) {
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
    ns: u64,
    rejected: u64,
    failed: u64,
}

impl Totals {
    fn merge(&mut self, o: Totals) {
        self.calls += o.calls;
        self.ns += o.ns;
        self.rejected += o.rejected;
        self.failed += o.failed;
    }
}

/// A subcommand's counters (they run under the map's mutex).
#[derive(Default, Clone)]
struct SubTotals {
    totals: Totals,
    latency: Vec<u64>,
}

/// A histogram summed over shards, with its count.
struct Summed {
    counts: Vec<u64>,
    total: u64,
}

impl Summed {
    fn new(counts: Vec<u64>) -> Summed {
        let total = counts.iter().sum();
        Summed { counts, total }
    }

    /// HdrHistogram's value at percentile `p`: the highest value of the bucket holding
    /// the sample of rank `p` percent of the count (rounded, at least 1), in ns.
    fn percentile(&self, p: f64) -> u64 {
        let rank = ((p / 100.0 * self.total as f64 + 0.5) as u64).max(1);
        let mut seen = 0;
        for (i, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return highest(i);
            }
        }
        0
    }

    /// LATENCY HISTOGRAM's steps: for each power of two from 1024 ns that some sample
    /// falls below (and none below the one before), Redis's label for it (the highest
    /// value of HdrHistogram's bucket there, in us) and how many samples fall below it.
    fn steps(&self) -> Vec<(u64, u64)> {
        let mut steps = Vec::new();
        let (mut below, mut i) = (0, 0);
        for exp in 10..=TOP_EXP + 1 {
            let edge = 1u64 << exp;
            let before = below;
            while i < self.counts.len() && highest(i) < edge {
                below += self.counts[i];
                i += 1;
            }
            if below > before {
                steps.push(((edge + (edge >> 7) - 1) / 1000, below));
            }
            if below == self.total {
                break;
            }
        }
        steps
    }
}

pub struct CommandStats {
    /// `[shard][command index]` (the index [`super::lookup`] returns).
    shards: Box<[Box<[Counter]>]>,
    names: Vec<&'static str>,
    subcommands: Mutex<BTreeMap<String, SubTotals>>,
    errors: Mutex<BTreeMap<String, u64>>,
    /// `latency-tracking`: whether runs go into the histograms.
    tracking: AtomicBool,
    /// `latency-tracking-info-percentiles`.
    percentiles: Mutex<Vec<f64>>,
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
    /// Counters for `names`, the command table in index order, with the latency settings
    /// of `redis_params` (Redis's defaults: tracking on, percentiles 50 99 99.9).
    pub fn new(names: Vec<&'static str>, redis_params: &BTreeMap<String, String>) -> CommandStats {
        let shards = (0..SHARDS).map(|_| names.iter().map(|_| Counter::default()).collect()).collect();
        let stats = CommandStats {
            shards,
            names,
            subcommands: Mutex::default(),
            errors: Mutex::default(),
            tracking: AtomicBool::new(true),
            percentiles: Mutex::new(vec![50.0, 99.0, 99.9]),
        };
        for (name, value) in redis_params {
            if let Ok(value) = CommandStats::check_param(name, value) {
                stats.apply_param(name, &value);
            }
        }
        stats
    }

    /// Counts a run of the command at table index `index` that took `ns`.
    pub fn record(&self, index: usize, outcome: Outcome, ns: u64) {
        self.shards[shard()][index].add(outcome, ns, self.tracking.load(Ordering::Relaxed));
    }

    /// Counts a run of subcommand `name` (`config|get`).
    pub fn record_sub(&self, name: String, outcome: Outcome, ns: u64) {
        let mut subcommands = self.subcommands.lock();
        let sub = subcommands.entry(name).or_default();
        let t = &mut sub.totals;
        match outcome {
            Outcome::Rejected => t.rejected += 1,
            _ => {
                t.calls += 1;
                t.ns += ns;
                t.failed += (outcome == Outcome::Failed) as u64;
                if self.tracking.load(Ordering::Relaxed) {
                    sub.latency.resize(BUCKETS, 0);
                    sub.latency[bucket(ns)] += 1;
                }
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

    /// Every command and subcommand that ran or was refused, by name: its counts and its
    /// latency histogram, summed over the shards.
    fn summed(&self) -> BTreeMap<String, (Totals, Summed)> {
        let mut all: BTreeMap<String, (Totals, Summed)> =
            self.subcommands.lock().iter().map(|(name, sub)| (name.clone(), (sub.totals, Summed::new(sub.latency.clone())))).collect();
        for (i, name) in self.names.iter().enumerate() {
            let mut t = Totals::default();
            let mut latency = Vec::new();
            for shard in self.shards.iter() {
                t.merge(shard[i].totals());
                if let Some(h) = shard[i].latency.get() {
                    latency.resize(BUCKETS, 0);
                    latency.iter_mut().zip(h.iter()).for_each(|(sum, n)| *sum += n.load(Ordering::Relaxed));
                }
            }
            if t.calls + t.rejected > 0 {
                all.insert(name.to_string(), (t, Summed::new(latency)));
            }
        }
        all
    }

    /// INFO's `commandstats` lines, by command name.
    pub fn commandstats(&self, out: &mut String) {
        for (name, (t, _)) in self.summed() {
            let per_call = if t.calls == 0 { 0.0 } else { t.ns as f64 / 1000.0 / t.calls as f64 };
            let _ = write!(
                out,
                "cmdstat_{name}:calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}\r\n",
                t.calls,
                t.ns / 1000,
                t.rejected,
                t.failed
            );
        }
    }

    /// INFO's `latencystats` lines: each command's latency percentiles, in us (none
    /// while `latency-tracking` is off).
    pub fn latencystats(&self, out: &mut String) {
        if !self.tracking.load(Ordering::Relaxed) {
            return;
        }
        let percentiles = self.percentiles.lock().clone();
        if percentiles.is_empty() {
            return;
        }
        for (name, (_, latency)) in self.summed().into_iter().filter(|(_, (_, l))| l.total > 0) {
            let fields: Vec<String> = percentiles.iter().map(|&p| format!("p{p}={:.3}", latency.percentile(p) as f64 / 1000.0)).collect();
            let _ = write!(out, "latency_percentiles_usec_{name}:{}\r\n", fields.join(","));
        }
    }

    /// LATENCY HISTOGRAM: for each command with samples among `names` (a container such
    /// as `config` stands for its subcommands; none = every command), its samples (the
    /// calls while `latency-tracking` was on) and its cumulative histogram, as (label in
    /// us, samples below).
    pub fn histograms(&self, names: &[String]) -> Vec<(String, u64, Vec<(u64, u64)>)> {
        let wanted =
            |name: &str| names.is_empty() || names.iter().any(|n| n == name || name.split_once('|').is_some_and(|(parent, _)| n == parent));
        let all = self.summed().into_iter().filter(|(name, (_, l))| l.total > 0 && wanted(name));
        all.map(|(name, (_, latency))| (name, latency.total, latency.steps())).collect()
    }

    /// Checks a value for CONFIG SET of one of the latency settings, normalised; other
    /// names pass.
    pub fn check_param(name: &str, value: &str) -> Result<String, &'static str> {
        match name {
            "latency-tracking" => match value.to_ascii_lowercase().as_str() {
                v @ ("yes" | "no") => Ok(v.to_string()),
                _ => Err("argument must be 'yes' or 'no'"),
            },
            "latency-tracking-info-percentiles" => {
                let mut shown = Vec::new();
                for word in value.split_whitespace() {
                    let p: f64 = word.parse().map_err(|_| "Invalid latency-tracking-info-percentiles parameters")?;
                    if !(0.0..=100.0).contains(&p) {
                        return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
                    }
                    shown.push(p.to_string());
                }
                Ok(shown.join(" "))
            }
            _ => Ok(value.to_string()),
        }
    }

    /// Applies a checked latency setting; other names pass.
    pub fn apply_param(&self, name: &str, value: &str) {
        match name {
            "latency-tracking" => self.tracking.store(value == "yes", Ordering::Relaxed),
            "latency-tracking-info-percentiles" => {
                *self.percentiles.lock() = value.split_whitespace().filter_map(|w| w.parse().ok()).collect()
            }
            _ => {}
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
        let stats = std::sync::Arc::new(CommandStats::new(vec!["get", "set"], &BTreeMap::new()));
        let threads: Vec<_> = (0..12)
            .map(|_| {
                let stats = stats.clone();
                std::thread::spawn(move || {
                    for _ in 0..100 {
                        stats.record(1, Outcome::Ok, 2000);
                    }
                    stats.record(1, Outcome::Failed, 1000);
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
    fn runs_shorter_than_a_microsecond_add_up() {
        let stats = CommandStats::new(vec!["ping"], &BTreeMap::new());
        (0..1000).for_each(|_| stats.record(0, Outcome::Ok, 500));
        let mut out = String::new();
        stats.commandstats(&mut out);
        assert_eq!(out, "cmdstat_ping:calls=1000,usec=500,usec_per_call=0.50,rejected_calls=0,failed_calls=0\r\n");
    }

    #[test]
    fn errors_count_by_their_first_word() {
        let stats = CommandStats::new(vec![], &BTreeMap::new());
        for line in ["ERR syntax error", "WRONGTYPE Operation against a key", "ERR x", "NOSPACE", " lead"] {
            stats.record_error(line);
        }
        stats.record_error(&format!("{} tail", "A".repeat(40)));
        let mut out = String::new();
        stats.errorstats(&mut out);
        assert_eq!(out, "errorstat_ERR:count=5\r\nerrorstat_WRONGTYPE:count=1\r\n");
    }

    #[test]
    fn buckets_hold_values_within_a_sixty_fourth() {
        let mut last = None;
        for v in (0..5000).chain([65_535, 65_536, 1 << 30, u64::MAX]) {
            let i = bucket(v);
            assert!(highest(i) >= v.min((2 << TOP_EXP) - 1), "{v} above its bucket {i}'s highest {}", highest(i));
            assert!(i == 0 || highest(i - 1) < v.min((2 << TOP_EXP) - 1), "{v} belongs below bucket {i}");
            assert!(highest(i) - v.min(highest(i)) <= v / 64, "bucket {i} of {v} too wide");
            assert!(last.is_none_or(|l| l <= i), "buckets out of order at {v}");
            last = Some(i);
        }
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn percentiles_and_steps_as_hdr_histogram_gives_them() {
        let stats = CommandStats::new(vec!["get"], &BTreeMap::new());
        // 90 runs of 3 us, 9 of 20 us, one of 5 ms.
        for (n, ns) in [(90, 3_000), (9, 20_000), (1, 5_000_000)] {
            (0..n).for_each(|_| stats.record(0, Outcome::Ok, ns));
        }
        let mut out = String::new();
        stats.latencystats(&mut out);
        let p = |ns: u64| highest(bucket(ns)) as f64 / 1000.0;
        assert_eq!(out, format!("latency_percentiles_usec_get:p50={:.3},p99={:.3},p99.9={:.3}\r\n", p(3_000), p(20_000), p(5_000_000)));
        let all = stats.histograms(&[]);
        assert_eq!(all, [("get".to_string(), 100, vec![(4, 90), (33, 99), (8454, 100)])]);
        assert_eq!(stats.histograms(&["set".to_string()]), []);
        stats.apply_param("latency-tracking", "no");
        out.clear();
        stats.latencystats(&mut out);
        assert_eq!(out, "");
    }

    #[test]
    fn latency_settings_are_checked_as_redis_checks_them() {
        assert_eq!(CommandStats::check_param("latency-tracking-info-percentiles", "50.0 0.5 99.999999"), Ok("50 0.5 99.999999".into()));
        assert_eq!(CommandStats::check_param("latency-tracking-info-percentiles", ""), Ok("".into()));
        assert!(CommandStats::check_param("latency-tracking-info-percentiles", "abc").is_err());
        assert!(CommandStats::check_param("latency-tracking-info-percentiles", "101").is_err());
        assert_eq!(CommandStats::check_param("latency-tracking", "YES"), Ok("yes".into()));
        assert!(CommandStats::check_param("latency-tracking", "maybe").is_err());
    }
}
