//! The `diskdb` binary: parse flags, set up logging, run the server.

use clap::Parser;
use diskdb::config::{Cli, Config};

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
    builder.worker_threads(config.workers());
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
