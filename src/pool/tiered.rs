//! The pooled [`BufferPool`] of the `memory_pool` feature: one bounded free list per
//! class, so connections that come and go, or change class, reuse buffers instead of
//! asking the allocator.
//!
//! Each free list is a `parking_lot::Mutex<Vec<Vec<u8>>>` held only for one push or pop;
//! connections take and give buffers a few times per connection or class change, not per
//! command, so contention stays negligible (see `benches/pool.rs`).

use super::{Class, ClassStats};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The most memory one class's free list keeps; buffers given back past it are freed.
/// Three classes: the pool never holds more than 24 MiB of idle buffers.
pub const KEEP_BYTES_PER_CLASS: usize = 8 * 1024 * 1024;

/// Buffers by class, kept for reuse when pooling is on (`--optimized`); plain
/// allocations otherwise.
#[derive(Debug)]
pub struct BufferPool {
    pooled: bool,
    shelves: [Shelf; 3],
}

/// One class's free list and counters.
#[derive(Debug)]
struct Shelf {
    free: Mutex<Vec<Vec<u8>>>,
    keep: usize,
    in_use: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Shelf {
    fn new(keep: usize) -> Self {
        Shelf { free: Mutex::new(Vec::new()), keep, in_use: AtomicU64::new(0), hits: AtomicU64::new(0), misses: AtomicU64::new(0) }
    }
}

impl BufferPool {
    /// A pool keeping up to [`KEEP_BYTES_PER_CLASS`] per class if `pooled`; one that
    /// allocates and frees like the portable build otherwise.
    pub fn new(pooled: bool) -> Self {
        Self::with_limits(pooled, Class::ALL.map(|c| KEEP_BYTES_PER_CLASS / c.size()))
    }

    /// A pool whose free lists keep at most `keep[class]` buffers.
    pub fn with_limits(pooled: bool, keep: [usize; 3]) -> Self {
        BufferPool { pooled, shelves: keep.map(Shelf::new) }
    }

    /// An empty buffer with room for `class.size()` bytes, from the free list if it has one.
    pub fn acquire(&self, class: Class) -> Vec<u8> {
        if !self.pooled {
            return Vec::with_capacity(class.size());
        }
        let shelf = &self.shelves[class as usize];
        shelf.in_use.fetch_add(1, Ordering::Relaxed);
        match shelf.free.lock().pop() {
            Some(buf) => {
                shelf.hits.fetch_add(1, Ordering::Relaxed);
                buf
            }
            None => {
                shelf.misses.fetch_add(1, Ordering::Relaxed);
                Vec::with_capacity(class.size())
            }
        }
    }

    /// Gives back `buf`, acquired as `class`. It joins the free list of the class its
    /// capacity fits (it may have grown), unless that list is full or it fits none.
    pub fn release(&self, class: Class, mut buf: Vec<u8>) {
        if !self.pooled {
            return;
        }
        self.shelves[class as usize].in_use.fetch_sub(1, Ordering::Relaxed);
        let Some(home) = Class::holding(buf.capacity()) else { return };
        let shelf = &self.shelves[home as usize];
        let mut free = shelf.free.lock();
        if free.len() < shelf.keep {
            buf.clear();
            free.push(buf);
        }
    }

    /// Per-class statistics; empty when nothing is pooled.
    pub fn stats(&self) -> Vec<(Class, ClassStats)> {
        if !self.pooled {
            return Vec::new();
        }
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Class::ALL
            .into_iter()
            .zip(&self.shelves)
            .map(|(class, s)| {
                let stats =
                    ClassStats { in_use: get(&s.in_use), free: s.free.lock().len() as u64, hits: get(&s.hits), misses: get(&s.misses) };
                (class, stats)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::{ReadBuf, WriteBuf};
    use std::sync::Arc;

    fn stats(pool: &BufferPool, class: Class) -> ClassStats {
        pool.stats().into_iter().find(|(c, _)| *c == class).map(|(_, s)| s).unwrap()
    }

    #[test]
    fn released_buffers_are_reused() {
        let pool = BufferPool::new(true);
        let buf = pool.acquire(Class::Medium);
        assert!(buf.capacity() >= 4096 && buf.is_empty());
        let addr = buf.as_ptr();
        pool.release(Class::Medium, buf);
        assert_eq!(stats(&pool, Class::Medium), ClassStats { in_use: 0, free: 1, hits: 0, misses: 1 });
        let again = pool.acquire(Class::Medium);
        assert_eq!(again.as_ptr(), addr);
        assert_eq!(stats(&pool, Class::Medium), ClassStats { in_use: 1, free: 0, hits: 1, misses: 1 });
    }

    #[test]
    fn free_lists_are_bounded() {
        let pool = BufferPool::with_limits(true, [2, 2, 2]);
        let bufs: Vec<_> = (0..5).map(|_| pool.acquire(Class::Small)).collect();
        assert_eq!(stats(&pool, Class::Small).in_use, 5);
        for buf in bufs {
            pool.release(Class::Small, buf);
        }
        assert_eq!(stats(&pool, Class::Small), ClassStats { in_use: 0, free: 2, hits: 0, misses: 5 });
    }

    #[test]
    fn a_grown_buffer_goes_to_the_class_it_fits() {
        let pool = BufferPool::new(true);
        let mut buf = pool.acquire(Class::Small);
        buf.reserve_exact(4096);
        pool.release(Class::Small, buf);
        assert_eq!(stats(&pool, Class::Small).free, 0);
        assert_eq!(stats(&pool, Class::Medium).free, 1);
        // Too big for any class: freed.
        pool.release(Class::Large, Vec::with_capacity(1 << 20));
        assert_eq!(stats(&pool, Class::Large).free, 0);
    }

    #[test]
    fn unpooled_allocates_and_reports_nothing() {
        let pool = BufferPool::new(false);
        let buf = pool.acquire(Class::Large);
        assert!(buf.capacity() >= 64 * 1024);
        pool.release(Class::Large, buf);
        assert!(pool.stats().is_empty());
    }

    #[test]
    fn connection_buffers_come_back_when_they_change_class_or_drop() {
        let pool = Arc::new(BufferPool::new(true));
        let (mut rbuf, mut wbuf) = (ReadBuf::new(pool.clone()), WriteBuf::new(pool.clone()));
        assert_eq!(stats(&pool, Class::Small).in_use, 2);
        rbuf.extend_from_slice(&[b'x'; 512]);
        rbuf.prepare(0);
        wbuf.extend_from_slice(&[b'y'; 1000]);
        wbuf.written();
        // The read buffer's 512 bytes are back; the write buffer grew to 1 KiB by
        // reallocation, fits no class, and was freed.
        assert_eq!(stats(&pool, Class::Small), ClassStats { in_use: 0, free: 1, hits: 0, misses: 2 });
        assert_eq!(stats(&pool, Class::Medium).in_use, 2);
        drop((rbuf, wbuf));
        assert_eq!(stats(&pool, Class::Medium), ClassStats { in_use: 0, free: 2, hits: 0, misses: 2 });
        // A second connection starts from the free list.
        let _conn = (ReadBuf::new(pool.clone()), WriteBuf::new(pool.clone()));
        assert_eq!(stats(&pool, Class::Small), ClassStats { in_use: 2, free: 0, hits: 1, misses: 3 });
    }

    #[test]
    fn a_read_buffer_still_referenced_is_not_pooled() {
        let pool = Arc::new(BufferPool::new(true));
        let mut rbuf = ReadBuf::new(pool.clone());
        rbuf.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        let arg = rbuf.split_to(14).freeze().slice(8..12);
        drop(rbuf);
        assert_eq!(stats(&pool, Class::Small), ClassStats { in_use: 0, free: 0, hits: 0, misses: 1 });
        assert_eq!(&arg[..], b"PING");
    }
}
