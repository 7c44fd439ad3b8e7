//! A tiny stderr logger with levels and timestamps, in the spirit of Redis's log lines.
//! The level can be changed at run time (`CONFIG SET loglevel`).

use log::{LevelFilter, Log, Metadata, Record};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

struct StderrLogger;

static LOGGER: StderrLogger = StderrLogger;

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let mark = match record.level() {
            log::Level::Error => '!',
            log::Level::Warn => '#',
            log::Level::Info => '*',
            log::Level::Debug | log::Level::Trace => '.',
        };
        let line = format!("{}:M {}.{:03} {} {}\n", std::process::id(), now.as_secs(), now.subsec_millis(), mark, record.args());
        // One write per line so concurrent lines do not interleave.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {}
}

/// Installs the logger; later calls only change the level.
pub fn init(level: LevelFilter) {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}

/// Maps Redis's `loglevel` names to a filter.
pub fn parse_level(name: &str) -> Option<LevelFilter> {
    match name.to_ascii_lowercase().as_str() {
        "debug" => Some(LevelFilter::Trace),
        "verbose" => Some(LevelFilter::Debug),
        "notice" => Some(LevelFilter::Info),
        "warning" => Some(LevelFilter::Warn),
        "nothing" => Some(LevelFilter::Off),
        _ => None,
    }
}

/// The Redis name of the current level.
pub fn level_name() -> &'static str {
    match log::max_level() {
        LevelFilter::Trace => "debug",
        LevelFilter::Debug => "verbose",
        LevelFilter::Info => "notice",
        LevelFilter::Warn | LevelFilter::Error => "warning",
        LevelFilter::Off => "nothing",
    }
}
