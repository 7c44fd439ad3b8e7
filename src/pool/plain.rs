//! The portable [`BufferPool`]: every acquisition allocates and every release frees, so
//! the default build has no free lists and nothing to report.

use super::{Class, ClassStats};

/// Hands out plain allocations of a class's size.
#[derive(Debug, Default)]
pub struct BufferPool;

impl BufferPool {
    /// `pooled` is ignored: this build has no free lists.
    pub fn new(_pooled: bool) -> Self {
        BufferPool
    }

    /// An empty buffer with room for `class.size()` bytes.
    pub fn acquire(&self, class: Class) -> Vec<u8> {
        Vec::with_capacity(class.size())
    }

    /// Frees `buf`, acquired as `class`.
    pub fn release(&self, _class: Class, buf: Vec<u8>) {
        drop(buf);
    }

    /// Per-class statistics; empty when nothing is pooled.
    pub fn stats(&self) -> Vec<(Class, ClassStats)> {
        Vec::new()
    }
}
