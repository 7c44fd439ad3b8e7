//! When a write's WAL record reaches the operating system.
//!
//! RocksDB runs with `manual_wal_flush`: a write appends its record to the WAL's buffer in
//! memory, and [`Storage::flush_wal`](super::Storage::flush_wal) hands the buffer to the
//! OS in one `write()`. That is Redis's AOF discipline: one write of the log per round of
//! the event loop instead of one per command. The server keeps the promise of
//! `appendfsync everysec` (and `no`), that an acknowledged write survives the process
//! being killed, by flushing before it sends a reply that may acknowledge a write or show
//! what one wrote: a reply waits for a flush that covers every write started before it
//! ([`WalFlush::mark`]), and the connections of one event-loop round share that flush
//! (`server/connection.rs`). `appendfsync always` writes flush and fsync inside RocksDB.
//!
//! What a flush covers, without knowing which writes another thread has in flight: a
//! flush that starts after a reply's mark was taken covers everything the reply saw (a
//! write's record is in the buffer before its rows are visible). A flush that started
//! earlier covers the writes that had completed when it started; if that count reaches
//! the number of writes started by the time the mark was taken, every one of those had
//! completed before the flush started, so it covers them all.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

#[derive(Default)]
pub struct WalFlush {
    started: AtomicU64,
    completed: AtomicU64,
    /// The most writes known to be in the OS: the `completed` count a flush saw when it
    /// started.
    covered: AtomicU64,
}

impl WalFlush {
    /// Runs one RocksDB write, counting it.
    pub fn write<T>(&self, write: impl FnOnce() -> T) -> T {
        self.started.fetch_add(1, SeqCst);
        let result = write();
        self.completed.fetch_add(1, SeqCst);
        result
    }

    /// Runs one flush of the WAL buffer, recording what it covers if it succeeds.
    pub fn flush<E>(&self, flush: impl FnOnce() -> Result<(), E>) -> Result<(), E> {
        let completed = self.completed.load(SeqCst);
        flush()?;
        self.covered.fetch_max(completed, SeqCst);
        Ok(())
    }

    /// What a reply sent now must see covered, or `None` if every write is already in
    /// the OS.
    pub fn mark(&self) -> Option<u64> {
        let started = self.started.load(SeqCst);
        (self.covered.load(SeqCst) < started).then_some(started)
    }

    /// Whether a flush since `mark` was taken covers it.
    pub fn covers(&self, mark: u64) -> bool {
        self.covered.load(SeqCst) >= mark
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flush_covers_only_the_writes_completed_when_it_started() {
        let wal = WalFlush::default();
        assert_eq!(wal.mark(), None);
        wal.write(|| ());
        let mark = wal.mark().expect("one write is buffered");
        // A second write starts (on another thread) and a flush begins before it completes:
        // the flush covers the first write, so the mark taken before the second is covered.
        wal.started.fetch_add(1, SeqCst);
        wal.flush(|| Ok::<(), ()>(())).unwrap();
        assert!(wal.covers(mark));
        // A reply taken now may have seen the second write's rows: it is not covered ...
        let later = wal.mark().expect("the second write is in flight");
        assert!(!wal.covers(later));
        wal.completed.fetch_add(1, SeqCst);
        // ... until a flush that starts after it completed.
        wal.flush(|| Ok::<(), ()>(())).unwrap();
        assert!(wal.covers(later));
        assert_eq!(wal.mark(), None);
        // A failed flush covers nothing.
        wal.write(|| ());
        let mark = wal.mark().unwrap();
        assert!(wal.flush(|| Err(())).is_err());
        assert!(!wal.covers(mark));
    }
}
