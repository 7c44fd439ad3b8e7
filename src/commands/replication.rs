//! Replication and cluster commands of a server that has neither: ROLE, WAIT, REPLICAOF
//! and SLAVEOF, and the cluster commands, answered as a standalone Redis master without
//! replicas answers them, so tools and client libraries that ask get a true answer.

use super::args::{is, timeout};
use super::flag::*;
use super::{cmd, After, Args, CmdError, Command, Ctx};
use crate::protocol::Reply;
use std::time::{Duration, Instant};

pub const TABLE: &[Command] = &[
    cmd("role", 1, NOSCRIPT | LOADING | STALE | FAST, (0, 0, 0), "server", "The replication role: a master without replicas", role),
    cmd("wait", 3, NOSCRIPT, (0, 0, 0), "generic", "Wait for replicas to acknowledge the writes (there are none)", wait),
    cmd("replicaof", 3, ADMIN | NOSCRIPT | STALE, (0, 0, 0), "server", "Stay a master (NO ONE); replication is not supported", replicaof),
    cmd("slaveof", 3, ADMIN | NOSCRIPT | STALE, (0, 0, 0), "server", "REPLICAOF's old name", replicaof),
    cmd("readonly", 1, FAST | LOADING | STALE, (0, 0, 0), "cluster", "Cluster mode only", no_cluster),
    cmd("readwrite", 1, FAST | LOADING | STALE, (0, 0, 0), "cluster", "Cluster mode only", no_cluster),
    cmd("asking", 1, FAST, (0, 0, 0), "cluster", "Cluster mode only", no_cluster),
    cmd("cluster", -2, 0, (0, 0, 0), "cluster", "Cluster mode only", no_cluster),
];

fn role(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Ok(Reply::Array(vec![Reply::from_str("master"), Reply::Int(0), Reply::Array(vec![])]))
}

/// WAIT numreplicas timeout: no replica ever acknowledges, so it answers 0, at once when
/// no replica is asked for (or inside a transaction), else when the timeout (in ms; 0 =
/// for ever) runs out, as Redis does.
fn wait(ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let wanted = args.next_i64()?;
    let deadline = timeout(args.next_bytes()?, false)?;
    if wanted > 0 && ctx.txn.is_none() {
        let wait = deadline.map_or(Duration::MAX, |d| d.saturating_duration_since(Instant::now()));
        ctx.after = After::Sleep(wait);
    }
    Ok(Reply::Int(0))
}

/// REPLICAOF NO ONE is what a master already is; following another server is refused,
/// since DiskDB cannot replicate.
fn replicaof(_ctx: &mut Ctx, args: &mut Args) -> Result<Reply, CmdError> {
    let (host, port) = (args.next_bytes()?, args.next_bytes()?);
    if is(host, "no") && is(port, "one") {
        return Ok(Reply::Ok);
    }
    Err(CmdError::err("DiskDB does not support replication: it can only be a master (REPLICAOF NO ONE)"))
}

fn no_cluster(_ctx: &mut Ctx, _args: &mut Args) -> Result<Reply, CmdError> {
    Err(CmdError::err("This instance has cluster support disabled"))
}
