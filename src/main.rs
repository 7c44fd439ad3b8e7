//! The `diskdb` binary: parse flags, set up logging, run the server.

use clap::Parser;
use diskdb::config::{Cli, Config};

/// mimalloc for Rust's allocations; RocksDB's C++ keeps the system malloc, which returns
/// freed block and compaction buffers to the OS sooner (docs/decisions.md, "Allocator").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let config = match Config::from_cli(Cli::parse()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("diskdb: {e}");
            std::process::exit(2);
        }
    };
    diskdb::logging::init(diskdb::logging::parse_level(&config.loglevel).unwrap_or(log::LevelFilter::Info));
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    // Workers keep contended key stripes between write groups and give them back before
    // they park (storage::locks; a thread leaving for `block_in_place` gives them back
    // in server::connection).
    builder
        .worker_threads(config.workers())
        .on_thread_start(diskdb::storage::keep_stripes_on_this_thread)
        .on_thread_park(diskdb::storage::release_kept_stripes);
    let runtime = match builder.enable_all().thread_name("diskdb-worker").build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("diskdb: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(diskdb::server::run(config)) {
        log::error!("{e}");
        std::process::exit(1);
    }
}
