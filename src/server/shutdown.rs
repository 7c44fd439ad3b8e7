//! Shutdown as one object: a signal every task watches, and a count of connections
//! still running so the server can wait for in-flight commands to finish.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Cloned into every accept loop and connection; the last clone dropping means every
/// connection has finished.
#[derive(Clone)]
pub struct Shutdown {
    signal: watch::Receiver<bool>,
    trigger: Arc<watch::Sender<bool>>,
}

impl Shutdown {
    pub fn new() -> Shutdown {
        let (tx, rx) = watch::channel(false);
        Shutdown { signal: rx, trigger: Arc::new(tx) }
    }

    /// Resolves once shutdown has begun.
    pub async fn triggered(&self) {
        let mut rx = self.signal.clone();
        let _ = rx.wait_for(|stop| *stop).await;
    }

    /// Signals every task and waits (up to `limit`) until all connections are gone.
    pub async fn trigger_and_wait(self, limit: Duration) {
        let _ = self.trigger.send(true);
        let trigger = self.trigger.clone();
        drop(self);
        let wait = async {
            // Each live connection holds a receiver; receiver_count falls as they end.
            while trigger.receiver_count() > 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        if tokio::time::timeout(limit, wait).await.is_err() {
            log::warn!("{} connection(s) still open at shutdown", trigger.receiver_count());
        }
    }
}
