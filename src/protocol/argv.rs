//! The argument vectors of one read batch: every argument in one flat `Vec` and one slice
//! per request in another, so a batch costs two allocations, not one per request.
//! Arguments are [`Bytes`] sliced from the read buffer without copying.
//!
//! A per-batch `bumpalo` arena (feature `memory_pool`) was measured against these two Vecs
//! and was 15% slower (`cargo bench --bench protocol -- argv`, see csrc/README.md), so
//! there is none.

use super::scan::{Args, Batch};
use bytes::Bytes;

/// Calls `f` with the argument vectors of the non-empty requests of `batch` after the
/// first `skip`; `chunk` holds the scanned bytes. The vectors live only during `f`, so the
/// connection rebuilds the rest of a batch after an await instead of holding them across it.
pub fn with_argv<R>(batch: &Batch, chunk: &Bytes, skip: usize, f: impl FnOnce(&[&[Bytes]]) -> R) -> R {
    // Sized up front: a growing vector would copy.
    let (n_cmds, n_args) = requests(batch, skip).fold((0, 0), |(c, a), r| (c + 1, a + r.len()));
    let mut flat = Vec::with_capacity(n_args);
    flat.extend(requests(batch, skip).flat_map(|a| a.bytes(chunk)));
    let mut rest = &flat[..];
    let mut cmds = Vec::with_capacity(n_cmds);
    cmds.extend(requests(batch, skip).map(|a| {
        let (head, tail) = rest.split_at(a.len());
        rest = tail;
        head
    }));
    f(&cmds)
}

/// The non-empty requests of `batch` after the first `skip`.
fn requests(batch: &Batch, skip: usize) -> impl Iterator<Item = Args<'_>> {
    batch.requests().filter(|a| !a.is_empty()).skip(skip)
}
