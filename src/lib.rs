//! DiskDB: a Redis-compatible database server that keeps every key in RocksDB.
//!
//! # Layout
//!
//! Dependencies point one way only, from the top of this list to the bottom:
//!
//! - [`net`]: sockets and listeners (tokio today; io_uring and SO_REUSEPORT later).
//! - [`server`]: connections, pipelining, auth, client registry, blocked clients, the
//!   pub/sub hub, background tasks, shutdown.
//! - [`protocol`]: RESP2/RESP3 requests in and replies out, pure bytes, no I/O.
//! - [`commands`]: one file per command family, each with its table; one dispatcher.
//! - [`types`]: the data-type logic over storage (strings, lists, hashes, sets, sorted
//!   sets, JSON, streams); knows nothing of sockets or RESP.
//! - [`storage`]: RocksDB: column families, key encoding, metadata, locks, durability,
//!   transactions' uncommitted batches.
//!
//! [`config`], [`glob`], [`rdb`] (DUMP payloads) and [`pool`] (connection buffers) are leaf
//! utilities any layer may use.

pub mod commands;
pub mod config;
pub mod glob;
pub mod logging;
pub mod net;
pub mod pool;
pub mod protocol;
pub mod rdb;
pub mod server;
pub mod storage;
pub mod types;

/// The Redis version DiskDB is compatible with, reported by INFO and HELLO so that
/// clients which gate features on the server version treat DiskDB as Redis 7.
pub const REDIS_COMPAT_VERSION: &str = "7.2.0";

/// DiskDB's own version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
