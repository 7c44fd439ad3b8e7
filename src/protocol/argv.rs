//! The argument vectors of one read batch, built where the connection's mode says: in a
//! per-batch `bumpalo` arena reset after the batch (feature `memory_pool`, `--optimized`),
//! or in plain `Vec`s. Either way a batch costs two vectors (every argument flat, and one
//! slice per request), not one per request.
//!
//! Arguments are [`Bytes`] sliced from the read buffer without copying.

use super::scan::{Args, Batch};
use bytes::Bytes;

/// The most arena memory a connection keeps between batches.
#[cfg(feature = "memory_pool")]
const KEEP_BYTES: usize = 256 * 1024;

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
        // Sized up front: a growing vector would copy, and in the arena leave the old copy behind.
        let (n_cmds, n_args) = requests(batch, skip).fold((0, 0), |(c, a), r| (c + 1, a + r.len()));
        #[cfg(feature = "memory_pool")]
        if let Some(bump) = &mut self.arena {
            let r = {
                let mut flat = bumpalo::collections::Vec::with_capacity_in(n_args, bump);
                flat.extend(arguments(batch, chunk, skip));
                let mut cmds = bumpalo::collections::Vec::with_capacity_in(n_cmds, bump);
                cmds.extend(split(&flat, batch, skip));
                f(&cmds)
            };
            bump.reset();
            if bump.allocated_bytes() > KEEP_BYTES {
                // `reset` keeps the arena's largest chunk: not one sized for a huge request.
                *bump = bumpalo::Bump::new();
            }
            return r;
        }
        let mut flat = Vec::with_capacity(n_args);
        flat.extend(arguments(batch, chunk, skip));
        let mut cmds = Vec::with_capacity(n_cmds);
        cmds.extend(split(&flat, batch, skip));
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
