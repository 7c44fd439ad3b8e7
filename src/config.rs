//! Configuration: defaults, the TOML file (`diskdb.toml`), and command-line flags with
//! Redis's names. Flags override the file; the file overrides the defaults.

use crate::storage::{Compression, Fsync, StorageOptions};
use clap::Parser;
use serde::Deserialize;
use std::path::PathBuf;

/// Everything DiskDB is configured with at start-up.
#[derive(Debug, Clone)]
pub struct Config {
    pub port: u16,
    pub bind: String,
    pub dir: PathBuf,
    pub appendfsync: Fsync,
    pub databases: usize,
    pub maxclients: usize,
    pub requirepass: Option<String>,
    pub compression: Compression,
    pub block_cache_size: u64,
    pub write_buffer_size: u64,
    /// Hot meta rows (small values included) cached above RocksDB.
    pub meta_cache_size: u64,
    pub loglevel: String,
    /// Milliseconds between active-expiry cycles.
    pub expire_interval_ms: u64,
    /// Redis's `notify-keyspace-events` (flag letters; empty = off).
    pub notify_keyspace_events: String,
    /// Redis's `client-output-buffer-limit` (`pubsub 32mb 8mb 60`, ...), over its default.
    pub client_output_buffer_limit: String,
    /// Switch on every fast path compiled into this binary (C parser, buffer pools,
    /// io_uring, SO_REUSEPORT listeners); without it the portable paths run.
    pub optimized: bool,
    /// Worker threads (and SO_REUSEPORT listeners); 0 = one per core (see [`Config::workers`]).
    pub threads: usize,
    /// The most consecutive pipelined writes committed as one RocksDB write.
    pub pipeline_max_batch: usize,
    /// Socket options of accepted connections.
    pub network: Network,
    /// The TLS listener, off unless a TLS port is set.
    pub tls: Tls,
    /// The file the config was read from, which CONFIG REWRITE writes back.
    pub config_file: Option<PathBuf>,
}

/// Socket options applied to every accepted connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    /// TCP_NODELAY: replies go out at once instead of waiting to fill a segment.
    pub tcp_nodelay: bool,
    /// TCP keepalive probe interval in seconds (Redis's `tcp-keepalive`); 0 = off.
    pub tcp_keepalive: u64,
    /// SO_SNDBUF / SO_RCVBUF in bytes; 0 leaves the kernel's default (and autotuning).
    pub send_buffer: u64,
    pub recv_buffer: u64,
    /// TCP_QUICKACK (Linux): acknowledge at once rather than delaying the ACK.
    pub tcp_quickack: bool,
    /// How connections are read and written.
    pub transport: Transport,
}

/// TLS (DESIGN.md §4), with Redis's parameter names: a second listener on `port` whose
/// connections speak TLS, served by the same connection code as plain ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    /// `tls-port`; 0 = no TLS listener.
    pub port: u16,
    /// `tls-cert-file`: the server's certificate chain (PEM).
    pub cert_file: Option<PathBuf>,
    /// `tls-key-file`: its private key (PEM: PKCS#8, PKCS#1 or SEC1, unencrypted).
    pub key_file: Option<PathBuf>,
    /// `tls-ca-cert-file`: the CAs that client certificates must chain to (PEM).
    pub ca_cert_file: Option<PathBuf>,
    /// `tls-auth-clients`: whether clients must present a certificate.
    pub auth_clients: AuthClients,
}

/// Redis's `tls-auth-clients`: `yes` (the default) refuses clients without a certificate
/// signed by a CA of `tls-ca-cert-file`, `optional` checks one only if it is presented,
/// `no` asks for none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuthClients {
    #[default]
    Yes,
    No,
    Optional,
}

impl AuthClients {
    pub fn parse(s: &str) -> Option<AuthClients> {
        match s.to_ascii_lowercase().as_str() {
            "yes" => Some(AuthClients::Yes),
            "no" => Some(AuthClients::No),
            "optional" => Some(AuthClients::Optional),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AuthClients::Yes => "yes",
            AuthClients::No => "no",
            AuthClients::Optional => "optional",
        }
    }
}

/// An empty path means none (the config file's way of leaving a file unset).
fn path_setting(value: PathBuf) -> Option<PathBuf> {
    Some(value).filter(|p| !p.as_os_str().is_empty())
}

/// The connection transport: tokio (epoll/kqueue/IOCP), or io_uring where the `io_uring`
/// feature is built in. Chosen explicitly, not by `optimized`: io_uring measured slower
/// (docs/decisions.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tokio,
    IoUring,
}

impl Transport {
    pub fn parse(s: &str) -> Option<Transport> {
        match s.to_ascii_lowercase().as_str() {
            "tokio" => Some(Transport::Tokio),
            "io_uring" | "io-uring" => Some(Transport::IoUring),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Transport::Tokio => "tokio",
            Transport::IoUring => "io_uring",
        }
    }
}

impl Default for Network {
    fn default() -> Self {
        Network { tcp_nodelay: true, tcp_keepalive: 300, send_buffer: 0, recv_buffer: 0, tcp_quickack: false, transport: Transport::Tokio }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 6380,
            bind: "127.0.0.1".into(),
            dir: PathBuf::from("./data"),
            appendfsync: Fsync::EverySec,
            databases: 16,
            maxclients: 10000,
            requirepass: None,
            compression: Compression::Lz4,
            block_cache_size: 256 << 20,
            write_buffer_size: 64 << 20,
            meta_cache_size: 96 << 20,
            loglevel: "notice".into(),
            expire_interval_ms: 100,
            notify_keyspace_events: String::new(),
            client_output_buffer_limit: String::new(),
            optimized: false,
            threads: 0,
            pipeline_max_batch: 100,
            network: Network::default(),
            tls: Tls::default(),
            config_file: None,
        }
    }
}

/// The command line. Every setting is optional so that only flags actually given
/// override the config file.
#[derive(Parser, Debug, Default)]
#[command(name = "diskdb", version, about = "DiskDB: a persistent, Redis-compatible database server on RocksDB")]
pub struct Cli {
    /// TOML config file (see diskdb.toml in the repository)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// TCP port to listen on [default: 6380]
    #[arg(long)]
    pub port: Option<u16>,
    /// Address to bind [default: 127.0.0.1]
    #[arg(long)]
    pub bind: Option<String>,
    /// Data directory [default: ./data]
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// WAL fsync policy: always, everysec or no [default: everysec]
    #[arg(long)]
    pub appendfsync: Option<String>,
    /// Number of databases (SELECT 0..N-1) [default: 16]
    #[arg(long)]
    pub databases: Option<usize>,
    /// Maximum simultaneous clients [default: 10000]
    #[arg(long)]
    pub maxclients: Option<usize>,
    /// Password clients must AUTH with
    #[arg(long)]
    pub requirepass: Option<String>,
    /// Block compression: lz4, snappy, zstd or none [default: lz4]
    #[arg(long)]
    pub compression: Option<String>,
    /// Block cache size, e.g. 256mb [default: 256mb]
    #[arg(long, value_name = "SIZE")]
    pub block_cache_size: Option<String>,
    /// Memtable budget, e.g. 64mb (charged to the block cache) [default: 64mb]
    #[arg(long, value_name = "SIZE")]
    pub write_buffer_size: Option<String>,
    /// Cache of hot keys' metadata and small values above RocksDB, e.g. 96mb; 0 = off [default: 96mb]
    #[arg(long, value_name = "SIZE")]
    pub meta_cache_size: Option<String>,
    /// Log level: debug, verbose, notice or warning [default: notice]
    #[arg(long)]
    pub loglevel: Option<String>,
    /// Switch on every fast path compiled into this binary (see features/README.md)
    #[arg(long)]
    pub optimized: bool,
    /// Worker threads, and SO_REUSEPORT listeners when optimized; 0 = one per core [default: 0]
    #[arg(long)]
    pub threads: Option<usize>,
    /// Most consecutive pipelined writes committed as one RocksDB write [default: 100]
    #[arg(long)]
    pub pipeline_max_batch: Option<usize>,
    /// Connection transport: tokio, or io_uring (Linux, with the io_uring feature) [default: tokio]
    #[arg(long)]
    pub transport: Option<String>,
    /// Port of the TLS listener; 0 = none. With --port 0, TLS only [default: 0]
    #[arg(long)]
    pub tls_port: Option<u16>,
    /// The server's certificate chain, PEM (required with --tls-port)
    #[arg(long, value_name = "FILE")]
    pub tls_cert_file: Option<PathBuf>,
    /// The server's private key, PEM, unencrypted (required with --tls-port)
    #[arg(long, value_name = "FILE")]
    pub tls_key_file: Option<PathBuf>,
    /// CA certificates that client certificates are checked against, PEM
    #[arg(long, value_name = "FILE")]
    pub tls_ca_cert_file: Option<PathBuf>,
    /// Client certificates: yes (required), optional or no [default: yes]
    #[arg(long)]
    pub tls_auth_clients: Option<String>,
}

/// The config file: two sections, every key optional.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    server: ServerSection,
    #[serde(default)]
    storage: StorageSection,
    #[serde(default)]
    network: NetworkSection,
    #[serde(default)]
    tls: TlsSection,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TlsSection {
    port: Option<u16>,
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    ca_cert_file: Option<PathBuf>,
    auth_clients: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ServerSection {
    port: Option<u16>,
    bind: Option<String>,
    databases: Option<usize>,
    maxclients: Option<usize>,
    requirepass: Option<String>,
    loglevel: Option<String>,
    notify_keyspace_events: Option<String>,
    client_output_buffer_limit: Option<String>,
    optimized: Option<bool>,
    threads: Option<usize>,
    pipeline_max_batch: Option<usize>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct NetworkSection {
    tcp_nodelay: Option<bool>,
    tcp_keepalive: Option<u64>,
    send_buffer: Option<toml::Value>,
    recv_buffer: Option<toml::Value>,
    tcp_quickack: Option<bool>,
    transport: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct StorageSection {
    dir: Option<PathBuf>,
    appendfsync: Option<String>,
    compression: Option<String>,
    block_cache_size: Option<toml::Value>,
    write_buffer_size: Option<toml::Value>,
    meta_cache_size: Option<toml::Value>,
    expire_interval_ms: Option<u64>,
}

/// Parses a Redis memory size: `1024`, `1k` (1000), `1kb` (1024), `64mb`, `2gb`.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mul = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(mul)
}

fn size_value(v: &toml::Value, name: &str) -> Result<u64, String> {
    match v {
        toml::Value::Integer(n) if *n >= 0 => Ok(*n as u64),
        toml::Value::String(s) => parse_size(s).ok_or_else(|| format!("invalid size for {name}: {s}")),
        _ => Err(format!("invalid size for {name}")),
    }
}

impl Config {
    /// What the storage layer is opened with: the database under `dir`/db.
    pub fn storage_options(&self) -> StorageOptions {
        StorageOptions {
            path: self.dir.join("db"),
            databases: self.databases,
            compression: self.compression,
            block_cache_bytes: self.block_cache_size as usize,
            write_buffer_bytes: self.write_buffer_size as usize,
            meta_cache_bytes: self.meta_cache_size as usize,
            fsync: self.appendfsync,
        }
    }

    /// How many worker threads run connections: `threads`, or one per core. (`--threads 1`
    /// can pay where the clients share a small machine: docs/decisions.md, Workers.)
    pub fn workers(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// Builds the config from the command line (reading `--config` if given).
    pub fn from_cli(cli: Cli) -> Result<Config, String> {
        let mut cfg = Config::default();
        if let Some(path) = &cli.config {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            cfg.apply_file(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            cfg.config_file = Some(path.clone());
        }
        if let Some(v) = cli.port {
            cfg.port = v;
        }
        if let Some(v) = cli.bind {
            cfg.bind = v;
        }
        if let Some(v) = cli.dir {
            cfg.dir = v;
        }
        if let Some(v) = cli.appendfsync {
            cfg.appendfsync = Fsync::parse(&v).ok_or(format!("invalid appendfsync: {v}"))?;
        }
        if let Some(v) = cli.databases {
            cfg.databases = v;
        }
        if let Some(v) = cli.maxclients {
            cfg.maxclients = v;
        }
        if let Some(v) = cli.requirepass {
            cfg.requirepass = Some(v).filter(|p| !p.is_empty());
        }
        if let Some(v) = cli.compression {
            cfg.compression = Compression::parse(&v).ok_or(format!("invalid compression: {v}"))?;
        }
        if let Some(v) = cli.block_cache_size {
            cfg.block_cache_size = parse_size(&v).ok_or(format!("invalid block-cache-size: {v}"))?;
        }
        if let Some(v) = cli.write_buffer_size {
            cfg.write_buffer_size = parse_size(&v).ok_or(format!("invalid write-buffer-size: {v}"))?;
        }
        if let Some(v) = cli.meta_cache_size {
            cfg.meta_cache_size = parse_size(&v).ok_or(format!("invalid meta-cache-size: {v}"))?;
        }
        if let Some(v) = cli.loglevel {
            cfg.loglevel = v;
        }
        if cli.optimized {
            cfg.optimized = true;
        }
        if let Some(v) = cli.threads {
            cfg.threads = v;
        }
        if let Some(v) = cli.pipeline_max_batch {
            cfg.pipeline_max_batch = v;
        }
        if let Some(v) = cli.transport {
            cfg.network.transport = Transport::parse(&v).ok_or(format!("invalid transport: {v}"))?;
        }
        if let Some(v) = cli.tls_port {
            cfg.tls.port = v;
        }
        if let Some(v) = cli.tls_cert_file {
            cfg.tls.cert_file = path_setting(v);
        }
        if let Some(v) = cli.tls_key_file {
            cfg.tls.key_file = path_setting(v);
        }
        if let Some(v) = cli.tls_ca_cert_file {
            cfg.tls.ca_cert_file = path_setting(v);
        }
        if let Some(v) = cli.tls_auth_clients {
            cfg.tls.auth_clients = AuthClients::parse(&v).ok_or(format!("invalid tls-auth-clients: {v}"))?;
        }
        cfg.validate()?;
        Ok(cfg)
    }

    /// Applies the settings of a TOML config file.
    pub fn apply_file(&mut self, text: &str) -> Result<(), String> {
        let file: FileConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        let (s, st, net, tls) = (file.server, file.storage, file.network, file.tls);
        if let Some(v) = s.port {
            self.port = v;
        }
        if let Some(v) = s.bind {
            self.bind = v;
        }
        if let Some(v) = s.databases {
            self.databases = v;
        }
        if let Some(v) = s.maxclients {
            self.maxclients = v;
        }
        if let Some(v) = s.requirepass {
            self.requirepass = Some(v).filter(|p| !p.is_empty());
        }
        if let Some(v) = s.loglevel {
            self.loglevel = v;
        }
        if let Some(v) = s.notify_keyspace_events {
            self.notify_keyspace_events = v;
        }
        if let Some(v) = s.client_output_buffer_limit {
            self.client_output_buffer_limit = v;
        }
        if let Some(v) = s.optimized {
            self.optimized = v;
        }
        if let Some(v) = s.threads {
            self.threads = v;
        }
        if let Some(v) = s.pipeline_max_batch {
            self.pipeline_max_batch = v;
        }
        if let Some(v) = net.tcp_nodelay {
            self.network.tcp_nodelay = v;
        }
        if let Some(v) = net.tcp_keepalive {
            self.network.tcp_keepalive = v;
        }
        if let Some(v) = net.send_buffer {
            self.network.send_buffer = size_value(&v, "send-buffer")?;
        }
        if let Some(v) = net.recv_buffer {
            self.network.recv_buffer = size_value(&v, "recv-buffer")?;
        }
        if let Some(v) = net.tcp_quickack {
            self.network.tcp_quickack = v;
        }
        if let Some(v) = net.transport {
            self.network.transport = Transport::parse(&v).ok_or(format!("invalid transport: {v}"))?;
        }
        if let Some(v) = tls.port {
            self.tls.port = v;
        }
        if let Some(v) = tls.cert_file {
            self.tls.cert_file = path_setting(v);
        }
        if let Some(v) = tls.key_file {
            self.tls.key_file = path_setting(v);
        }
        if let Some(v) = tls.ca_cert_file {
            self.tls.ca_cert_file = path_setting(v);
        }
        if let Some(v) = tls.auth_clients {
            self.tls.auth_clients = AuthClients::parse(&v).ok_or(format!("invalid tls auth-clients: {v}"))?;
        }
        if let Some(v) = st.dir {
            self.dir = v;
        }
        if let Some(v) = st.appendfsync {
            self.appendfsync = Fsync::parse(&v).ok_or(format!("invalid appendfsync: {v}"))?;
        }
        if let Some(v) = st.compression {
            self.compression = Compression::parse(&v).ok_or(format!("invalid compression: {v}"))?;
        }
        if let Some(v) = st.block_cache_size {
            self.block_cache_size = size_value(&v, "block-cache-size")?;
        }
        if let Some(v) = st.write_buffer_size {
            self.write_buffer_size = size_value(&v, "write-buffer-size")?;
        }
        if let Some(v) = st.meta_cache_size {
            self.meta_cache_size = size_value(&v, "meta-cache-size")?;
        }
        if let Some(v) = st.expire_interval_ms {
            self.expire_interval_ms = v.max(1);
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), String> {
        if self.databases == 0 || self.databases > crate::storage::MAX_DATABASES {
            return Err(format!("databases must be between 1 and {}", crate::storage::MAX_DATABASES));
        }
        if crate::logging::parse_level(&self.loglevel).is_none() {
            return Err(format!("invalid loglevel: {}", self.loglevel));
        }
        if self.pipeline_max_batch == 0 {
            return Err("pipeline-max-batch must be at least 1".into());
        }
        let tls = &self.tls;
        if tls.port != 0 {
            if tls.cert_file.is_none() || tls.key_file.is_none() {
                return Err("tls-cert-file and tls-key-file are required with tls-port".into());
            }
            // Redis's words: with client authentication on (its default), a CA is needed.
            if tls.auth_clients != AuthClients::No && tls.ca_cert_file.is_none() {
                return Err("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!".into());
            }
        }
        Ok(())
    }

    /// The config as a TOML file, for CONFIG REWRITE.
    pub fn to_toml(&self) -> String {
        let mut out = String::from("# Written by CONFIG REWRITE. See diskdb.toml in the repository for every key.\n\n[server]\n");
        out += &format!("port = {}\nbind = {:?}\ndatabases = {}\nmaxclients = {}\n", self.port, self.bind, self.databases, self.maxclients);
        if let Some(p) = &self.requirepass {
            out += &format!("requirepass = {:?}\n", p);
        }
        out += &format!("loglevel = {:?}\n", self.loglevel);
        out += &format!("notify-keyspace-events = {:?}\n", self.notify_keyspace_events);
        if !self.client_output_buffer_limit.is_empty() {
            out += &format!("client-output-buffer-limit = {:?}\n", self.client_output_buffer_limit);
        }
        out += &format!("optimized = {}\nthreads = {}\npipeline-max-batch = {}\n", self.optimized, self.threads, self.pipeline_max_batch);
        out += "\n[storage]\n";
        out += &format!(
            "dir = {:?}\nappendfsync = {:?}\ncompression = {:?}\nblock-cache-size = {}\nwrite-buffer-size = {}\nmeta-cache-size = {}\nexpire-interval-ms = {}\n",
            self.dir.display().to_string(),
            self.appendfsync.name(),
            self.compression.name(),
            self.block_cache_size,
            self.write_buffer_size,
            self.meta_cache_size,
            self.expire_interval_ms
        );
        let n = &self.network;
        out += &format!(
            "\n[network]\ntcp-nodelay = {}\ntcp-keepalive = {}\nsend-buffer = {}\nrecv-buffer = {}\ntcp-quickack = {}\ntransport = {:?}\n",
            n.tcp_nodelay,
            n.tcp_keepalive,
            n.send_buffer,
            n.recv_buffer,
            n.tcp_quickack,
            n.transport.name()
        );
        let tls = &self.tls;
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        out += &format!(
            "\n[tls]\nport = {}\ncert-file = {:?}\nkey-file = {:?}\nca-cert-file = {:?}\nauth-clients = {:?}\n",
            tls.port,
            path(&tls.cert_file),
            path(&tls.key_file),
            path(&tls.ca_cert_file),
            tls.auth_clients.name()
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_like_redis() {
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("1k"), Some(1000));
        assert_eq!(parse_size("1kb"), Some(1024));
        assert_eq!(parse_size("64MB"), Some(64 << 20));
        assert_eq!(parse_size("2gb"), Some(2 << 30));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("1tb"), None);
    }

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("diskdb.toml");
        std::fs::write(
            &path,
            "[server]\nport = 7000\ndatabases = 4\noptimized = true\n[storage]\nappendfsync = \"always\"\nblock-cache-size = \"16mb\"\n\
             [network]\ntcp-keepalive = 60\nsend-buffer = \"1mb\"\n",
        )
        .unwrap();
        let cli = Cli { config: Some(path.clone()), port: Some(7001), ..Default::default() };
        let cfg = Config::from_cli(cli).unwrap();
        assert_eq!((cfg.port, cfg.databases, cfg.appendfsync, cfg.block_cache_size), (7001, 4, Fsync::Always, 16 << 20));
        // The rewritten file reads back as the same config.
        let mut again = Config::default();
        again.apply_file(&cfg.to_toml()).unwrap();
        assert_eq!((again.port, again.databases, again.appendfsync), (7001, 4, Fsync::Always));
        assert!(again.optimized);
        assert_eq!(again.network, Network { tcp_keepalive: 60, send_buffer: 1 << 20, ..Network::default() });
    }

    #[test]
    fn the_example_file_states_the_defaults() {
        let mut cfg = Config::default();
        cfg.apply_file(include_str!("../diskdb.toml")).unwrap();
        // The file spells out the pub/sub limit that is otherwise implied.
        assert_eq!(std::mem::take(&mut cfg.client_output_buffer_limit), "pubsub 32mb 8mb 60");
        assert_eq!(cfg.to_toml(), Config::default().to_toml());
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(Config::default().apply_file("[server]\nprot = 1\n").is_err());
    }
}
