//! The argument vectors of one read batch, built where the connection's mode says: in a
//! per-batch `bumpalo` arena reset after the batch (feature `memory_pool`, `--optimized`),
//! or in plain `Vec`s. Either way a batch costs two vectors (every argument flat, and one
//! slice per request), not one per request.
//!
//! Arguments are [`Bytes`] sliced from the read buffer without copying.

use super::scan::{Args, Batch};
use bytes::Bytes;

/// Reusable storage for a connection's argument vectors.
#[derive(Default)]
pub struct ArgvStore {
    #[cfg(feature = "memory_pool")]
    arena: Option<bumpalo::Bump>,
}

impl ArgvStore {
    /// `arena`: build in a bump arena when the `memory_pool` feature is compiled in.
    pub fn new(arena: bool) -> Self {
        #[cfg(feature = "memory_pool")]
        return ArgvStore { arena: arena.then(bumpalo::Bump::new) };
        #[cfg(not(feature = "memory_pool"))]
        {
            let _ = arena;
            ArgvStore {}
        }
    }

    /// Calls `f` with the argument vectors of the non-empty requests of `batch` after the
    /// first `skip`; `chunk` holds the scanned bytes. The vectors live only during `f`, so
    /// no borrow of the arena outlives the call (a connection's future must stay `Send`).
    pub fn with<R>(&mut self, batch: &Batch, chunk: &Bytes, skip: usize, f: impl FnOnce(&[&[Bytes]]) -> R) -> R {
        #[cfg(feature = "memory_pool")]
        if let Some(bump) = &mut self.arena {
            let r = {
                let flat = bumpalo::collections::Vec::from_iter_in(arguments(batch, chunk, skip), bump);
                let cmds = bumpalo::collections::Vec::from_iter_in(split(&flat, batch, skip), bump);
                f(&cmds)
            };
            bump.reset();
            return r;
        }
        let flat: Vec<Bytes> = arguments(batch, chunk, skip).collect();
        let cmds: Vec<&[Bytes]> = split(&flat, batch, skip).collect();
        f(&cmds)
    }
}

/// The non-empty requests of `batch` after the first `skip`.
fn requests(batch: &Batch, skip: usize) -> impl Iterator<Item = Args<'_>> {
    batch.requests().filter(|a| !a.is_empty()).skip(skip)
}

/// Every argument of those requests, in order.
fn arguments<'a>(batch: &'a Batch, chunk: &'a Bytes, skip: usize) -> impl Iterator<Item = Bytes> + 'a {
    requests(batch, skip).flat_map(move |a| a.bytes(chunk))
}

/// `flat` cut back into one slice per request.
fn split<'f>(mut flat: &'f [Bytes], batch: &'f Batch, skip: usize) -> impl Iterator<Item = &'f [Bytes]> {
    requests(batch, skip).map(move |a| {
        let (head, rest) = flat.split_at(a.len());
        flat = rest;
        head
    })
}
