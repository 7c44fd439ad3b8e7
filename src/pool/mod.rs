//! Connection buffers in three size classes (512 B, 4 KiB, 64 KiB), handed out by a
//! [`BufferPool`] and given back when a connection changes class or closes.
//!
//! A leaf utility like [`crate::config`]: it depends on nothing else in the crate, so the
//! server can own the pool and `INFO` (in [`crate::commands`]) can read its statistics.
//!
//! The class policy lives here and is the same in every build: a connection starts with
//! the smallest class, moves up when a read fills its buffer or a reply outgrows it, and
//! back down once its batches would fit a smaller class twice over, so an idle client pins
//! 1 KiB instead of a 16 KiB read buffer and a 16 KiB write buffer. What differs is
//! [`BufferPool`]: with the `memory_pool` feature and `--optimized` it keeps returned
//! buffers on bounded per-class free lists (`tiered.rs`); otherwise it allocates on
//! acquire and frees on release (`plain.rs`), with the same signatures.
//!
//! # The read buffer and `Bytes`
//!
//! Requests are split off the read buffer with `split_to(..).freeze()` and their arguments
//! are zero-copy `Bytes` slices of it, which may outlive the batch (a MULTI queue, a
//! blocked command). A read buffer therefore goes back to the pool only when
//! `BytesMut::try_reclaim` proves nothing else references its allocation; otherwise the
//! connection drops its handle, and the allocation is freed by whichever `Bytes` goes last.

#[cfg_attr(feature = "memory_pool", path = "tiered.rs")]
#[cfg_attr(not(feature = "memory_pool"), path = "plain.rs")]
mod imp;

pub use imp::BufferPool;

use bytes::BytesMut;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// A buffer size class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Small,
    Medium,
    Large,
}

impl Class {
    pub const ALL: [Class; 3] = [Class::Small, Class::Medium, Class::Large];

    /// The capacity of this class's buffers, in bytes.
    pub const fn size(self) -> usize {
        match self {
            Class::Small => 512,
            Class::Medium => 4 * 1024,
            Class::Large => 64 * 1024,
        }
    }

    /// The next larger class, if any.
    pub fn up(self) -> Option<Class> {
        match self {
            Class::Small => Some(Class::Medium),
            Class::Medium => Some(Class::Large),
            Class::Large => None,
        }
    }

    /// The smallest class that holds `bytes`; None past the largest.
    pub fn fit(bytes: usize) -> Option<Class> {
        Class::ALL.into_iter().find(|c| bytes <= c.size())
    }

    /// The class whose free list may keep a buffer of `capacity` bytes: at least the
    /// class's size and less than twice it, so that a pool counting buffers never holds
    /// much more memory than its count times the class size.
    pub fn holding(capacity: usize) -> Option<Class> {
        Class::ALL.into_iter().find(|c| (c.size()..2 * c.size()).contains(&capacity))
    }
}

/// The class a buffer of class `now` should move to before its next batch, if any.
/// `grew`: the last batch did not fit (a read filled the buffer, a reply outgrew it);
/// `giant`: the buffer grew past the largest class; `bytes`: what the last batch moved.
/// Up to the class that holds `bytes`; down only once [`DEMOTE_AFTER`] batches in a row
/// (counted in `small_run`) would fit a smaller class twice over, so a busy connection
/// whose batches vary (a pipeline split over several reads) keeps its class instead of
/// bouncing between two; a giant buffer shrinks at once.
pub fn next_class(now: Class, grew: bool, giant: bool, bytes: usize, small_run: &mut u32) -> Option<Class> {
    if grew {
        *small_run = 0;
        let up = now.up().unwrap_or(Class::Large).max(Class::fit(bytes).unwrap_or(Class::Large));
        return (up != now).then_some(up);
    }
    match Class::fit(bytes.saturating_mul(2)) {
        Some(to) if giant => Some(to),
        Some(to) if to < now => {
            *small_run += 1;
            (*small_run >= DEMOTE_AFTER).then(|| {
                *small_run = 0;
                to
            })
        }
        _ => {
            *small_run = 0;
            None
        }
    }
}

/// Small batches in a row after which a buffer moves down a class. Measured: moving
/// down after one small batch cost GET -P 16 about 15% (buffers bounced every few reads).
pub const DEMOTE_AFTER: u32 = 64;

/// Statistics of one class, for `INFO memory`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClassStats {
    /// Buffers handed out and not given back.
    pub in_use: u64,
    /// Buffers waiting on the free list.
    pub free: u64,
    /// Acquisitions served from the free list.
    pub hits: u64,
    /// Acquisitions that had to allocate.
    pub misses: u64,
}

/// A connection's read buffer: a `BytesMut` (reached through `Deref`) of one class that
/// picks its class before each read ([`ReadBuf::prepare`]) and goes back to the pool on drop.
pub struct ReadBuf {
    buf: BytesMut,
    class: Class,
    small_run: u32,
    /// Grown by `reserve` past the largest class, for a request bigger than 64 KiB.
    giant: bool,
    pool: Arc<BufferPool>,
}

impl ReadBuf {
    pub fn new(pool: Arc<BufferPool>) -> Self {
        let buf = to_bytes_mut(pool.acquire(Class::Small));
        ReadBuf { buf, class: Class::Small, small_run: 0, giant: false, pool }
    }

    pub fn class(&self) -> Class {
        self.class
    }

    /// Makes room for the next read, after the last batch's `used` bytes were split off:
    /// changes class if the last read filled the buffer or the batches got small, then
    /// ensures at least half a class of free space, reusing the allocation when no
    /// argument of an earlier batch still points into it.
    pub fn prepare(&mut self, used: usize) {
        let full = self.buf.len() == self.buf.capacity();
        if full || self.buf.is_empty() {
            if let Some(to) = next_class(self.class, full, self.giant, used, &mut self.small_run) {
                self.swap(to);
            }
        }
        let (size, len) = (self.class.size(), self.buf.len());
        if self.buf.capacity() - len >= size / 2 || self.buf.try_reclaim(size.saturating_sub(len).max(size / 2)) {
            return;
        }
        // Still shared with arguments of an earlier batch, or too full to move back.
        if len < size / 2 {
            self.swap(self.class);
        } else if let Some(up) = self.class.up() {
            self.swap(up);
        } else {
            self.buf.reserve(size);
            self.giant = true;
        }
    }

    /// Moves the unparsed bytes to a fresh buffer of class `to`, giving the old one back.
    fn swap(&mut self, to: Class) {
        let mut fresh = to_bytes_mut(self.pool.acquire(to));
        fresh.extend_from_slice(&self.buf);
        let old = std::mem::replace(&mut self.buf, fresh);
        self.pool.release(self.class, reclaim(old, self.class));
        self.class = to;
        self.giant = false;
    }
}

impl Deref for ReadBuf {
    type Target = BytesMut;
    fn deref(&self) -> &BytesMut {
        &self.buf
    }
}

impl DerefMut for ReadBuf {
    fn deref_mut(&mut self) -> &mut BytesMut {
        &mut self.buf
    }
}

impl Drop for ReadBuf {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        self.pool.release(self.class, reclaim(buf, self.class));
    }
}

/// An empty `BytesMut` over `vec`'s allocation (bytes has no direct `From<Vec<u8>>`; this
/// path copies nothing).
fn to_bytes_mut(vec: Vec<u8>) -> BytesMut {
    BytesMut::from(bytes::Bytes::from(vec))
}

/// The allocation under `buf` as an empty `Vec` if nothing else references it; an empty,
/// unallocated `Vec` (which the pool just drops) if frozen slices still do.
fn reclaim(mut buf: BytesMut, class: Class) -> Vec<u8> {
    buf.clear();
    if !buf.try_reclaim(class.size()) {
        return Vec::new();
    }
    let mut vec = Vec::from(buf);
    vec.clear();
    vec
}

/// A connection's reply buffer: a `Vec<u8>` (reached through `Deref`) of one class that
/// picks its class after each write ([`WriteBuf::written`]) and goes back to the pool on
/// drop. Replies larger than the buffer grow it as any `Vec`.
pub struct WriteBuf {
    buf: Vec<u8>,
    class: Class,
    small_run: u32,
    pool: Arc<BufferPool>,
}

impl WriteBuf {
    pub fn new(pool: Arc<BufferPool>) -> Self {
        WriteBuf { buf: pool.acquire(Class::Small), class: Class::Small, small_run: 0, pool }
    }

    pub fn class(&self) -> Class {
        self.class
    }

    /// Empties the buffer once its bytes are on the socket, and changes class if they
    /// outgrew it or would fit a smaller class twice over.
    pub fn written(&mut self) {
        let bytes = self.buf.len();
        self.buf.clear();
        let giant = self.buf.capacity() > Class::Large.size();
        if let Some(to) = next_class(self.class, bytes > self.class.size(), giant, bytes, &mut self.small_run) {
            let old = std::mem::replace(&mut self.buf, self.pool.acquire(to));
            self.pool.release(self.class, old);
            self.class = to;
        }
    }
}

impl Deref for WriteBuf {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.buf
    }
}

impl DerefMut for WriteBuf {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }
}

impl Drop for WriteBuf {
    fn drop(&mut self) {
        self.pool.release(self.class, std::mem::take(&mut self.buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Arc<BufferPool> {
        Arc::new(BufferPool::new(true))
    }

    #[test]
    fn classes_fit_and_hold() {
        assert_eq!(Class::fit(0), Some(Class::Small));
        assert_eq!(Class::fit(512), Some(Class::Small));
        assert_eq!(Class::fit(513), Some(Class::Medium));
        assert_eq!(Class::fit(64 * 1024), Some(Class::Large));
        assert_eq!(Class::fit(64 * 1024 + 1), None);
        assert_eq!(Class::holding(512), Some(Class::Small));
        assert_eq!(Class::holding(1024), None);
        assert_eq!(Class::holding(4096), Some(Class::Medium));
        assert_eq!(Class::holding(100_000), Some(Class::Large));
        assert_eq!(Class::holding(200_000), None);
        assert_eq!(Class::holding(0), None);
    }

    #[test]
    fn next_class_goes_up_to_fit_and_down_with_hysteresis() {
        let next = |now, grew, giant, bytes| next_class(now, grew, giant, bytes, &mut 0);
        assert_eq!(next(Class::Small, true, false, 0), Some(Class::Medium));
        assert_eq!(next(Class::Small, true, false, 10_000), Some(Class::Large));
        assert_eq!(next(Class::Large, true, false, 1 << 20), None);
        // 300 bytes fit 512 but not twice over: a 4 KiB buffer stays.
        assert_eq!(next(Class::Medium, false, false, 300), None);
        assert_eq!(next(Class::Small, false, false, 100), None);
        // A giant buffer goes back to a class once batches shrink, and stays while they are huge.
        assert_eq!(next(Class::Large, false, true, 40_000), None);
        assert_eq!(next(Class::Large, false, true, 20_000), Some(Class::Large));
    }

    #[test]
    fn buffers_move_down_only_after_a_run_of_small_batches() {
        let mut run = 0;
        for _ in 1..DEMOTE_AFTER {
            assert_eq!(next_class(Class::Large, false, false, 1500, &mut run), None);
        }
        assert_eq!(next_class(Class::Large, false, false, 1500, &mut run), Some(Class::Medium));
        // One batch that does not fit the smaller class starts the count again.
        for _ in 1..DEMOTE_AFTER {
            assert_eq!(next_class(Class::Medium, false, false, 200, &mut run), None);
        }
        assert_eq!(next_class(Class::Medium, false, false, 300, &mut run), None);
        assert_eq!(next_class(Class::Medium, false, false, 200, &mut run), None);
        assert_eq!(run, 1);
    }

    /// Reads `data` into the buffer as a socket would: at most the free space at a time.
    fn read_into(rbuf: &mut ReadBuf, data: &[u8]) -> usize {
        let n = data.len().min(rbuf.capacity() - rbuf.len());
        rbuf.extend_from_slice(&data[..n]);
        n
    }

    #[test]
    fn read_buffer_moves_up_when_a_read_fills_it_and_keeps_its_bytes() {
        let mut rbuf = ReadBuf::new(pool());
        rbuf.prepare(0);
        let request: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let mut sent = 0;
        let mut classes = vec![rbuf.class()];
        while sent < request.len() {
            sent += read_into(&mut rbuf, &request[sent..]);
            rbuf.prepare(0);
            classes.push(rbuf.class());
        }
        assert_eq!(&rbuf[..], &request[..]);
        classes.dedup();
        assert_eq!(classes, [Class::Small, Class::Medium, Class::Large]);
        // The request is consumed: a run of small batches after it brings the class down.
        let used = rbuf.len();
        let _ = rbuf.split_to(used).freeze();
        rbuf.prepare(used);
        assert_eq!(rbuf.class(), Class::Large);
        for _ in 1..DEMOTE_AFTER {
            rbuf.prepare(40);
        }
        assert_eq!(rbuf.class(), Class::Large);
        rbuf.prepare(40);
        assert_eq!(rbuf.class(), Class::Small);
    }

    #[test]
    fn read_buffer_larger_than_the_largest_class_grows() {
        let mut rbuf = ReadBuf::new(pool());
        let request = vec![7u8; 300_000];
        let mut sent = 0;
        while sent < request.len() {
            rbuf.prepare(0);
            sent += read_into(&mut rbuf, &request[sent..]);
        }
        assert_eq!(rbuf.len(), request.len());
        assert!(rbuf.giant);
        let _ = rbuf.split_to(request.len()).freeze();
        rbuf.prepare(request.len());
        assert!(rbuf.giant, "kept while requests are huge");
        rbuf.prepare(1000);
        assert!(!rbuf.giant);
        assert_eq!(rbuf.class(), Class::Medium);
    }

    #[test]
    fn read_buffer_reuses_its_allocation_once_arguments_are_gone() {
        let pool = pool();
        let mut rbuf = ReadBuf::new(pool.clone());
        let start = rbuf.as_ptr();
        let (mut reused, mut kept) = (0, None);
        for round in 0..100 {
            rbuf.extend_from_slice(format!("*1\r\n$4\r\nP{round:03}\r\n").as_bytes());
            let chunk = rbuf.split_to(14).freeze();
            if round == 50 {
                // As a MULTI queue would: this argument outlives its batch.
                kept = Some(chunk.slice(8..12));
            }
            drop(chunk);
            rbuf.prepare(14);
            assert_eq!(rbuf.class(), Class::Small);
            reused += usize::from(round < 50 && rbuf.as_ptr() == start);
        }
        assert!(reused >= 2, "the allocation is reused from its start once its slices are gone");
        assert_eq!(kept.as_deref(), Some(&b"P050"[..]), "a shared buffer is never reused under its slices");
        drop(rbuf);
        assert_eq!(kept.as_deref(), Some(&b"P050"[..]));
    }

    #[test]
    fn write_buffer_follows_its_replies() {
        let mut wbuf = WriteBuf::new(pool());
        wbuf.extend_from_slice(&[1; 3000]);
        wbuf.written();
        assert_eq!(wbuf.class(), Class::Medium);
        assert!(wbuf.is_empty() && wbuf.capacity() >= 4096);
        wbuf.extend_from_slice(&[1; 1000]);
        wbuf.written();
        assert_eq!(wbuf.class(), Class::Medium, "1000 bytes do not fit 512 twice over");
        wbuf.extend_from_slice(&[1; 200_000]);
        wbuf.written();
        assert_eq!(wbuf.class(), Class::Large);
        wbuf.extend_from_slice(&[1; 200_000]);
        wbuf.written();
        assert!(wbuf.capacity() >= 200_000, "a giant buffer stays while replies are huge");
        wbuf.extend_from_slice(b"+OK\r\n");
        wbuf.written();
        assert_eq!(wbuf.class(), Class::Small);
    }
}
