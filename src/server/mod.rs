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
use crate::storage::{Fsync, Storage, StorageOptions};
use shutdown::Shutdown;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// The Cargo features this binary was built with (INFO, the startup line).
pub const FEATURES: &[&str] = &[];

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
    let store = Storage::open(&StorageOptions {
        path: config.dir.join("db"),
        databases: config.databases,
        compression: config.compression,
        block_cache_bytes: config.block_cache_size as usize,
        write_buffer_bytes: config.write_buffer_size as usize,
        meta_cache_bytes: config.meta_cache_size as usize,
        fsync: config.appendfsync,
    })
    .map_err(|e| format!("cannot open {}: {e}", config.dir.display()))?;
    let store = Arc::new(store);

    let listeners = crate::net::listen(&config.bind, config.port)
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", config.bind, config.port))?;
    let port = listeners[0].local_addr().map(|a| a.port()).unwrap_or(config.port);
    let now_secs = crate::storage::now_ms() / 1000;
    log::info!(
        "DiskDB {} (Redis {} compatible) starting: features [{}], data dir {}, appendfsync {}, pid {}",
        crate::VERSION,
        crate::REDIS_COMPAT_VERSION,
        FEATURES.join(","),
        config.dir.display(),
        config.appendfsync.name(),
        std::process::id()
    );
    let state = Arc::new(ServerState {
        store: store.clone(),
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
        pipeline_max_batch: config.pipeline_max_batch,
        waiters: Default::default(),
        watches: Default::default(),
        gate: Default::default(),
    });

    let stop = Arc::new(AtomicBool::new(false));
    let background = spawn_background(state.clone(), stop.clone());

    let shutdown = Shutdown::new();
    for listener in listeners {
        let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
        log::info!("Ready to accept connections tcp on {addr}");
        tokio::spawn(accept_loop(listener, state.clone(), shutdown.clone()));
    }

    wait_for_stop(&state).await;
    log::warn!("Shutting down: no new connections; finishing in-flight commands");
    shutdown.trigger_and_wait(Duration::from_secs(10)).await;

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

async fn accept_loop(listener: TcpListener, state: Arc<ServerState>, shutdown: Shutdown) {
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
        tokio::spawn(connection::serve(stream, id, addr, laddr, state.clone(), shutdown.clone()));
    }
}

/// Background threads: active expiry, and the once-a-second WAL fsync of `everysec`.
fn spawn_background(state: Arc<ServerState>, stop: Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>> {
    let expiry = {
        let (state, stop) = (state.clone(), stop.clone());
        std::thread::Builder::new()
            .name("diskdb-expire".into())
            .spawn(move || {
                const BATCH: usize = 1000;
                while !stop.load(Ordering::Relaxed) {
                    match state.store.expire_cycle(crate::storage::now_ms(), BATCH) {
                        Ok(removed) => {
                            add(&state.stats.expired_keys, removed.len() as u64);
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
                if state.settings.read().config.appendfsync == Fsync::EverySec {
                    if let Err(e) = state.store.sync_wal() {
                        log::warn!("WAL fsync failed: {e}");
                    }
                }
            }
        })
        .expect("spawn fsync thread");
    vec![expiry, fsync]
}
