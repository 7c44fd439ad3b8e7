//! The server: listeners, connections, background tasks and shutdown.
//!
//! May import every layer below it ([`crate::net`], [`crate::protocol`],
//! [`crate::commands`], [`crate::storage`]); nothing imports it but `main`.

mod connection;
mod execute;
mod pubsub;
mod shutdown;

use crate::commands::context::{add, Clients, Cursors, ServerState, Settings, Stats};
use crate::commands::pubsub::{event, PubSub};
use crate::config::Config;
use crate::net::tls::TlsAcceptor;
use crate::storage::{Fsync, Storage};
use shutdown::Shutdown;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

/// The Cargo features this binary was built with (INFO, the startup line).
pub const FEATURES: &[&str] = &[
    #[cfg(feature = "reuseport")]
    "reuseport",
    #[cfg(feature = "memory_pool")]
    "memory_pool",
    #[cfg(feature = "io_uring")]
    "io_uring",
];

/// Opens storage, serves until SIGINT/SIGTERM/SHUTDOWN, then shuts down cleanly.
pub async fn run(config: Config) -> Result<(), String> {
    // The pub/sub settings are checked before anything is opened.
    let pubsub = PubSub::new(Arc::new(pubsub::Hub::default()));
    let mut redis_params = crate::commands::server::redis_param_defaults();
    for (name, value) in
        [("notify-keyspace-events", &config.notify_keyspace_events), ("client-output-buffer-limit", &config.client_output_buffer_limit)]
    {
        let current = redis_params.get(name).cloned().unwrap_or_default();
        let shown = pubsub.apply_param(name, value, &current).map_err(|why| format!("invalid {name}: {why}"))?;
        redis_params.insert(name.to_string(), shown);
    }
    let store = Storage::open(&config.storage_options()).map_err(|e| format!("cannot open {}: {e}", config.dir.display()))?;
    let store = Arc::new(store);

    let listeners = Listeners::bind(&config).await.map_err(|e| format!("cannot listen on {}:{}: {e}", config.bind, config.port))?;
    let tls = match config.tls.port {
        0 => None,
        port => {
            let acceptor = crate::net::tls::acceptor(&config.tls)?;
            let listeners =
                crate::net::listen(&config.bind, port).await.map_err(|e| format!("cannot listen on {}:{port}: {e}", config.bind))?;
            Some((acceptor, listeners))
        }
    };
    let port = listeners.port().unwrap_or(config.port);
    let now_secs = crate::storage::now_ms() / 1000;
    let transport = crate::net::start_transport(config.network.transport == crate::config::Transport::IoUring);
    log::info!(
        "DiskDB {} (Redis {} compatible) starting: features [{}], data dir {}, appendfsync {}, pid {}",
        crate::VERSION,
        crate::REDIS_COMPAT_VERSION,
        FEATURES.join(","),
        config.dir.display(),
        config.appendfsync.name(),
        std::process::id()
    );
    log::info!("Network transport: {transport}");
    let state = Arc::new(ServerState {
        store: store.clone(),
        slowlog: crate::commands::slowlog::SlowLog::new(&redis_params),
        cmdstats: crate::commands::cmdstats::CommandStats::new(
            crate::commands::all_commands().iter().map(|c| c.name).collect(),
            &redis_params,
        ),
        settings: parking_lot::RwLock::new(Settings { config: config.clone(), redis_params }),
        stats: Stats::default(),
        clients: Clients::default(),
        cursors: Cursors::default(),
        pubsub,
        started: Instant::now(),
        start_unix: now_secs,
        last_save: AtomicU64::new(now_secs),
        port,
        shutdown: tokio::sync::Notify::new(),
        shutting_down: AtomicBool::new(false),
        features: FEATURES,
        buffers: Arc::new(crate::pool::BufferPool::new(config.optimized)),
        transport,
        pipeline_max_batch: config.pipeline_max_batch,
        waiters: Default::default(),
        watches: Default::default(),
        gate: Default::default(),
        scripts: Default::default(),
        functions: Default::default(),
        latency: Default::default(),
        tracking: Default::default(),
        pause: Default::default(),
    });
    state.functions.restore(&store)?;

    let stop = Arc::new(AtomicBool::new(false));
    let background = spawn_background(state.clone(), stop.clone());

    let shutdown = Shutdown::new();
    let (release, released) = tokio::sync::watch::channel(false);
    let workers = listeners.serve(&state, &shutdown, released);
    // TLS connections run on the shared runtime in every build (they skip the io_uring
    // transport and the per-worker listeners; docs/decisions.md, TLS).
    if let Some((acceptor, listeners)) = tls {
        for listener in listeners {
            log_ready(&listener, "tls");
            tokio::spawn(accept_loop(listener, Some(acceptor.clone()), state.clone(), shutdown.clone()));
        }
    }

    wait_for_stop(&state).await;
    log::warn!("Shutting down: no new connections; finishing in-flight commands");
    shutdown.trigger_and_wait(Duration::from_secs(10)).await;
    let _ = release.send(true);
    for w in workers {
        let _ = w.join();
    }

    stop.store(true, Ordering::SeqCst);
    for t in background {
        let _ = t.join();
    }
    store.flush().map_err(|e| format!("final flush failed: {e}"))?;
    drop(state);
    match Arc::try_unwrap(store) {
        Ok(store) => drop(store),
        Err(_) => log::warn!("storage still referenced at exit; RocksDB closes with the process"),
    }
    log::warn!("DiskDB is now ready to exit, bye bye...");
    Ok(())
}

/// Waits for SIGINT, SIGTERM or the SHUTDOWN command.
async fn wait_for_stop(state: &ServerState) {
    let command = async {
        loop {
            let notified = state.shutdown.notified();
            if state.shutting_down.load(Ordering::SeqCst) {
                return;
            }
            notified.await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            command.await;
            return;
        };
        tokio::select! {
            _ = term.recv() => log::warn!("Received SIGTERM scheduling shutdown..."),
            _ = int.recv() => log::warn!("Received SIGINT scheduling shutdown..."),
            _ = command => {}
        }
    }
    #[cfg(not(unix))]
    {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => log::warn!("Received Ctrl-C scheduling shutdown..."),
            _ = command => {}
        }
    }
}

/// Where connections are accepted.
enum Listeners {
    /// One accept loop per address on the shared runtime, whose threads take the
    /// connections' tasks in turn.
    Shared(Vec<TcpListener>),
    /// `reuseport` with `optimized`: worker `i` is a thread with its own single-threaded
    /// runtime and its own listeners (`sets[i]`) on the shared port; the kernel spreads
    /// connections over them, and each connection lives on the thread that accepted it.
    #[cfg(all(feature = "reuseport", unix))]
    PerWorker(Vec<Vec<std::net::TcpListener>>),
}

impl Listeners {
    async fn bind(config: &Config) -> std::io::Result<Listeners> {
        // As in Redis, port 0 beside a TLS port means TLS only. (Without one, port 0 is
        // any free port, which tests use.)
        if config.port == 0 && config.tls.port != 0 {
            return Ok(Listeners::Shared(Vec::new()));
        }
        #[cfg(all(feature = "reuseport", unix))]
        if config.optimized {
            match crate::net::listen_reuseport(&config.bind, config.port, config.workers()) {
                Ok(sets) => return Ok(Listeners::PerWorker(sets)),
                Err(e) => log::warn!("SO_REUSEPORT listeners unavailable ({e}); accepting on the shared runtime"),
            }
        }
        Ok(Listeners::Shared(crate::net::listen(&config.bind, config.port).await?))
    }

    fn port(&self) -> Option<u16> {
        let first = match self {
            Listeners::Shared(ls) => ls.first().and_then(|l| l.local_addr().ok()),
            #[cfg(all(feature = "reuseport", unix))]
            Listeners::PerWorker(sets) => sets.first().and_then(|s| s.first()).and_then(|l| l.local_addr().ok()),
        };
        first.map(|a| a.port())
    }

    /// Starts accepting. Returns the worker threads, which run until `released` turns
    /// true (after shutdown has waited for their connections).
    fn serve(
        self,
        state: &Arc<ServerState>,
        shutdown: &Shutdown,
        released: tokio::sync::watch::Receiver<bool>,
    ) -> Vec<std::thread::JoinHandle<()>> {
        match self {
            Listeners::Shared(listeners) => {
                let _ = released;
                for listener in listeners {
                    log_ready(&listener, "tcp");
                    tokio::spawn(accept_loop(listener, None, state.clone(), shutdown.clone()));
                }
                Vec::new()
            }
            #[cfg(all(feature = "reuseport", unix))]
            Listeners::PerWorker(sets) => {
                log::info!("{} workers, each accepting on its own SO_REUSEPORT listener", sets.len());
                let spawn = |(i, set): (usize, Vec<std::net::TcpListener>)| {
                    let (state, shutdown, mut released) = (state.clone(), shutdown.clone(), released.clone());
                    std::thread::Builder::new().name(format!("diskdb-worker-{i}")).spawn(move || {
                        // The worker keeps contended key stripes between write groups
                        // and gives them back before it goes idle (storage::locks).
                        crate::storage::keep_stripes_on_this_thread();
                        let runtime = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .on_thread_park(crate::storage::release_kept_stripes)
                            .build()
                            .expect("worker runtime");
                        runtime.block_on(async move {
                            for listener in set {
                                match TcpListener::from_std(listener) {
                                    Ok(listener) => {
                                        log_ready(&listener, "tcp");
                                        tokio::spawn(accept_loop(listener, None, state.clone(), shutdown.clone()));
                                    }
                                    Err(e) => log::warn!("worker {i} cannot use its listener: {e}"),
                                }
                            }
                            drop(shutdown);
                            let _ = released.wait_for(|done| *done).await;
                        });
                    })
                };
                sets.into_iter().enumerate().map(|w| spawn(w).expect("spawn worker thread")).collect()
            }
        }
    }
}

fn log_ready(listener: &TcpListener, kind: &str) {
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    log::info!("Ready to accept connections {kind} on {addr}");
}

/// How long a TLS client may take to finish its handshake before it is dropped, so a
/// connection that sends nothing does not hold its slot forever.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

async fn accept_loop(listener: TcpListener, tls: Option<TlsAcceptor>, state: Arc<ServerState>, shutdown: Shutdown) {
    let laddr = listener.local_addr().ok();
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.triggered() => return,
        };
        let (stream, addr) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                log::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        crate::net::tune(&stream, &state.settings.read().config.network);
        add(&state.stats.connections_received, 1);
        let laddr = laddr.unwrap_or(addr);
        let id = state.clients.next_id();
        match &tls {
            None => spawn_connection(stream, id, addr, laddr, state.clone(), shutdown.clone()),
            Some(acceptor) => {
                let (acceptor, state, shutdown) = (acceptor.clone(), state.clone(), shutdown.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => connection::serve(stream, id, addr, laddr, state, shutdown).await,
                        Ok(Err(e)) => log::debug!("TLS handshake with {addr} failed: {e}"),
                        Err(_) => log::debug!("TLS handshake with {addr} timed out"),
                    }
                });
            }
        }
    }
}

/// Serves an accepted connection on the transport chosen at start-up.
fn spawn_connection(stream: TcpStream, id: u64, addr: SocketAddr, laddr: SocketAddr, state: Arc<ServerState>, shutdown: Shutdown) {
    match crate::net::adopt(stream) {
        Ok(stream) => {
            tokio::spawn(connection::serve(stream, id, addr, laddr, state, shutdown));
        }
        Err(e) => log::warn!("cannot hand client {addr} to the transport: {e}"),
    }
}

/// Background threads: active expiry, and once a second the WAL's flush to the OS (with
/// an fsync under `everysec`).
fn spawn_background(state: Arc<ServerState>, stop: Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>> {
    let expiry = {
        let (state, stop) = (state.clone(), stop.clone());
        std::thread::Builder::new()
            .name("diskdb-expire".into())
            .spawn(move || {
                const BATCH: usize = 1000;
                while !stop.load(Ordering::Relaxed) {
                    // CLIENT PAUSE holds the server's own deletions too.
                    if state.pause.holds_writes() {
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    }
                    match state.store.expire_cycle(crate::storage::now_ms(), BATCH) {
                        Ok(removed) => {
                            add(&state.stats.expired_keys, removed.len() as u64);
                            if state.tracking.active() {
                                let keys: Vec<&[u8]> = removed.iter().map(|(_, k)| &k[..]).collect();
                                state.tracking.changed(&*state.pubsub.hub, &keys, 0);
                            }
                            if state.pubsub.wants(event::EXPIRED) {
                                for (db, key) in &removed {
                                    state.pubsub.notify(event::EXPIRED, "expired", state.store.logical(*db), key);
                                }
                            }
                            // A full batch means more are due: go on without sleeping.
                            if removed.len() == BATCH {
                                continue;
                            }
                        }
                        Err(e) => log::warn!("active expiry failed: {e}"),
                    }
                    let interval = state.settings.read().config.expire_interval_ms;
                    std::thread::sleep(Duration::from_millis(interval));
                }
            })
            .expect("spawn expiry thread")
    };
    let fsync = std::thread::Builder::new()
        .name("diskdb-fsync".into())
        .spawn(move || {
            let mut last = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                if last.elapsed() < Duration::from_secs(1) {
                    continue;
                }
                last = Instant::now();
                // Writes nobody has read back yet (the expiry cycle's) reach the OS too.
                let result = match state.settings.read().config.appendfsync {
                    Fsync::EverySec => state.store.sync_wal(),
                    _ => state.store.flush_wal(),
                };
                if let Err(e) = result {
                    log::warn!("WAL flush failed: {e}");
                }
            }
        })
        .expect("spawn fsync thread");
    vec![expiry, fsync]
}
