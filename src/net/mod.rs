//! Sockets: binding listeners and tuning accepted connections. The tokio transport is
//! the portable default; io_uring and SO_REUSEPORT listeners plug in here later.

use crate::config::Network;
use socket2::TcpKeepalive;
use std::io;
use std::time::Duration;
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

/// Applies the configured socket options to an accepted connection. A refused option
/// is logged and the connection goes on with the kernel's default.
pub fn tune(stream: &TcpStream, net: &Network) {
    let socket = socket2::SockRef::from(stream);
    let mut results = vec![("TCP_NODELAY", socket.set_tcp_nodelay(net.tcp_nodelay))];
    if net.tcp_keepalive > 0 {
        let keepalive = TcpKeepalive::new().with_time(Duration::from_secs(net.tcp_keepalive));
        results.push(("SO_KEEPALIVE", socket.set_tcp_keepalive(&keepalive)));
    }
    if net.send_buffer > 0 {
        results.push(("SO_SNDBUF", socket.set_send_buffer_size(net.send_buffer as usize)));
    }
    if net.recv_buffer > 0 {
        results.push(("SO_RCVBUF", socket.set_recv_buffer_size(net.recv_buffer as usize)));
    }
    #[cfg(target_os = "linux")]
    if net.tcp_quickack {
        results.push(("TCP_QUICKACK", socket.set_tcp_quickack(true)));
    }
    for (option, result) in results {
        if let Err(e) = result {
            log::debug!("cannot set {option}: {e}");
        }
    }
}
