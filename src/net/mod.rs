//! Sockets: binding listeners and tuning accepted connections. The tokio transport is
//! the portable default; io_uring and SO_REUSEPORT listeners plug in here later.

use std::io;
use tokio::net::{TcpListener, TcpStream};

/// Binds one listener per address in `bind` (space-separated, as Redis's `bind`).
pub async fn listen(bind: &str, port: u16) -> io::Result<Vec<TcpListener>> {
    let mut listeners = Vec::new();
    for addr in bind.split_whitespace() {
        let addr = addr.trim_start_matches('-');
        let host = if addr.contains(':') && !addr.starts_with('[') { format!("[{addr}]") } else { addr.to_string() };
        listeners.push(TcpListener::bind(format!("{host}:{port}")).await?);
    }
    if listeners.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no bind address"));
    }
    Ok(listeners)
}

/// Per-connection socket options: replies go out at once (no Nagle delay).
pub fn tune(stream: &TcpStream) {
    let _ = stream.set_nodelay(true);
}
