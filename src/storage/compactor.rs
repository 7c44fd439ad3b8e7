//! Compactions of the stretch of rows a scan found full of deleted ones.
//!
//! A deleted row leaves a tombstone that every scan over it steps across until a
//! compaction carries it to the bottom level, which a hot key range may not reach for a
//! long time. Collections of up to `types::REWRITE_MAX_ROWS` rows are rewritten under a
//! new version when their deletes pile up; larger ones, stretches a rewrite does not see
//! coming (a leaderboard whose score updates all delete rows next to the top), and keys
//! deleted in the order they were made (`job:1`, `job:2`, ... whose meta rows'
//! tombstones sort where SCAN starts) are handled here. A scan that stepped over more
//! than [`SKIPPED_DELETES`] tombstones, and over more tombstones than live rows, names
//! the key range it covered, and a background thread compacts that range down to the
//! bottom level, which drops them. One range at a time, resting as long as each took, so
//! at most one compaction runs beside the automatic ones, half the time; a range that
//! overlaps one already queued joins it.

use super::cf;
use parking_lot::{Condvar, Mutex};
use rocksdb::perf::{set_perf_stats, PerfContext, PerfMetric, PerfStatsLevel};
use rocksdb::{BottommostLevelCompaction, CompactOptions, DB};
use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Instant;

/// A scan that steps over more deleted rows than this asks for a compaction of its range.
pub const SKIPPED_DELETES: u64 = 1024;

/// Ranges waiting beyond this many are dropped (a later scan asks again).
const MAX_QUEUED: usize = 64;

/// A key range `[from, to]` of one column family.
type Range = (&'static str, Vec<u8>, Vec<u8>);

#[derive(Default)]
struct Queue {
    ranges: VecDeque<Range>,
    stop: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    done: AtomicU64,
}

/// The queue of ranges to compact and the thread that compacts them.
pub struct Compactor {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Compactor {
    /// Starts the thread. It holds the database weakly, as the compaction filter does, so
    /// that the database closes when [`super::Storage`] goes.
    pub fn start(db: Weak<DB>) -> Compactor {
        let shared = Arc::new(Shared::default());
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("range-compactor".into())
            .spawn(move || run(&worker, &db))
            .expect("spawn the range compaction thread");
        Compactor { shared, thread: Mutex::new(Some(thread)) }
    }

    /// Asks for `[from, to]` of `family` to be compacted. A range that overlaps one
    /// already waiting joins it (scans of one hot stretch each stop at another key).
    pub fn request(&self, family: &'static str, from: Vec<u8>, to: Vec<u8>) {
        let mut q = self.shared.queue.lock();
        if q.stop {
            return;
        }
        if let Some((_, f, t)) = q.ranges.iter_mut().find(|(fam, f, t)| *fam == family && from <= *t && *f <= to) {
            if from < *f {
                *f = from;
            }
            if to > *t {
                *t = to;
            }
            return;
        }
        if q.ranges.len() < MAX_QUEUED {
            q.ranges.push_back((family, from, to));
            self.shared.wake.notify_one();
        }
    }

    /// How many range compactions have run (INFO, tests).
    pub fn done(&self) -> u64 {
        self.shared.done.load(Ordering::Relaxed)
    }

    /// Tells the thread to start no new compaction.
    pub fn stop(&self) {
        self.shared.queue.lock().stop = true;
        self.shared.wake.notify_one();
    }

    /// Waits for the thread to finish the compaction it runs, if any (RocksDB's shutdown
    /// cancels it).
    pub fn join(&self) {
        if let Some(t) = self.thread.lock().take() {
            let _ = t.join();
        }
    }
}

thread_local! {
    /// This thread's RocksDB perf context, and whether a scan on it is counting.
    static PERF: (PerfContext, Cell<bool>) = (PerfContext::default(), Cell::new(false));
}

/// Counts the tombstones one scan of a member family steps over, in RocksDB's perf
/// context. Counting is switched on for the scan only: it costs every comparison.
pub struct DeleteCounter {
    family: &'static str,
    before: u64,
}

impl DeleteCounter {
    /// Starts counting for a scan of `family`; `None` for a family other than the meta
    /// rows and the member rows, or inside another scan (which counts for both).
    pub fn start(family: &str) -> Option<DeleteCounter> {
        let family = *[cf::META].iter().chain(&cf::MEMBERS).find(|f| **f == family)?;
        PERF.with(|(ctx, counting)| {
            if counting.replace(true) {
                return None;
            }
            set_perf_stats(PerfStatsLevel::EnableCount);
            Some(DeleteCounter { family, before: ctx.metric(PerfMetric::InternalDeleteSkippedCount) })
        })
    }

    /// Stops counting for a scan that read `live` rows. Returns the family if the scan
    /// stepped over more than [`SKIPPED_DELETES`] deleted rows, and over more deleted rows
    /// than live ones: a long read with a few deletes in it would not pay for compacting
    /// its whole range.
    pub fn finish(self, live: u64) -> Option<&'static str> {
        let skipped = PERF.with(|(ctx, _)| ctx.metric(PerfMetric::InternalDeleteSkippedCount)).saturating_sub(self.before);
        (skipped > SKIPPED_DELETES.max(live)).then_some(self.family)
    }
}

impl Drop for DeleteCounter {
    fn drop(&mut self) {
        set_perf_stats(PerfStatsLevel::Disable);
        PERF.with(|(_, counting)| counting.set(false));
    }
}

fn run(shared: &Shared, db: &Weak<DB>) {
    loop {
        let (family, from, to) = {
            let mut q = shared.queue.lock();
            loop {
                if q.stop {
                    return;
                }
                if let Some(r) = q.ranges.pop_front() {
                    break r;
                }
                shared.wake.wait(&mut q);
            }
        };
        let began = Instant::now();
        {
            let Some(db) = db.upgrade() else { return };
            let Some(cf) = db.cf_handle(family) else { continue };
            let mut opts = CompactOptions::default();
            // All the way down, where tombstones are dropped; without holding up the
            // automatic compactions.
            opts.set_bottommost_level_compaction(BottommostLevelCompaction::ForceOptimized);
            opts.set_exclusive_manual_compaction(false);
            db.compact_range_cf_opt(cf, Some(&from), Some(&to), &opts);
        }
        shared.done.fetch_add(1, Ordering::Relaxed);
        // Rest as long as the compaction took, so that a stretch deleted as fast as it is
        // compacted keeps this thread busy half the time at most.
        let rest_until = Instant::now() + began.elapsed();
        let mut q = shared.queue.lock();
        while !q.stop && Instant::now() < rest_until {
            shared.wake.wait_until(&mut q, rest_until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_requests_join_the_range_already_waiting() {
        // No thread: the queue is what the test looks at.
        let c = Compactor { shared: Arc::new(Shared::default()), thread: Mutex::new(None) };
        c.request(cf::DATA, b"k10".to_vec(), b"k20".to_vec());
        c.request(cf::DATA, b"k15".to_vec(), b"k30".to_vec());
        c.request(cf::DATA, b"k05".to_vec(), b"k12".to_vec());
        c.request(cf::DATA, b"k40".to_vec(), b"k50".to_vec());
        c.request(cf::ZSCORE, b"k10".to_vec(), b"k20".to_vec());
        let queued: Vec<Range> = c.shared.queue.lock().ranges.iter().cloned().collect();
        assert_eq!(
            queued,
            [
                (cf::DATA, b"k05".to_vec(), b"k30".to_vec()),
                (cf::DATA, b"k40".to_vec(), b"k50".to_vec()),
                (cf::ZSCORE, b"k10".to_vec(), b"k20".to_vec()),
            ]
        );
        c.stop();
        c.request(cf::DATA, b"k60".to_vec(), b"k70".to_vec());
        assert_eq!(c.shared.queue.lock().ranges.len(), 3, "a stopped compactor takes no more");
    }
}
