//! Sockets: binding listeners (one per address, or with the `reuseport` feature one per
//! address and worker, sharing the port), tuning accepted connections, and the transport
//! that reads and writes them: tokio (portable), or io_uring with the `io_uring` feature
//! on Linux, chosen once at start-up ([`start_transport`]); and TLS ([`tls`]).

use crate::config::Network;
use socket2::TcpKeepalive;
use std::io;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

pub mod tls;
#[cfg_attr(all(feature = "io_uring", target_os = "linux"), path = "transport_uring.rs")]
mod transport;
#[cfg(all(feature = "io_uring", target_os = "linux"))]
pub mod uring;

pub use transport::{adopt, start as start_transport, Stream};

/// The addresses of `bind` (space-separated, as Redis's `bind`) on `port`.
fn addresses(bind: &str, port: u16) -> Vec<String> {
    bind.split_whitespace()
        .map(|addr| {
            let addr = addr.trim_start_matches('-');
            if addr.contains(':') && !addr.starts_with('[') {
                format!("[{addr}]:{port}")
            } else {
                format!("{addr}:{port}")
            }
        })
        .collect()
}

/// Binds one listener per address in `bind`.
pub async fn listen(bind: &str, port: u16) -> io::Result<Vec<TcpListener>> {
    let mut listeners = Vec::new();
    for addr in addresses(bind, port) {
        listeners.push(TcpListener::bind(addr).await?);
    }
    if listeners.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no bind address"));
    }
    Ok(listeners)
}

/// Binds `copies` listeners on each address of `bind`, all on one port with SO_REUSEPORT,
/// so that the kernel spreads incoming connections over them: `sets[i]` holds copy `i`
/// of every address, for worker `i`. Port 0 binds the first copy to a free port and the
/// others to the same one.
#[cfg(all(feature = "reuseport", unix))]
pub fn listen_reuseport(bind: &str, port: u16, copies: usize) -> io::Result<Vec<Vec<std::net::TcpListener>>> {
    use socket2::{Domain, Protocol, Socket, Type};
    let mut sets: Vec<Vec<std::net::TcpListener>> = (0..copies).map(|_| Vec::new()).collect();
    for addr in addresses(bind, port) {
        let mut addr: std::net::SocketAddr = std::net::ToSocketAddrs::to_socket_addrs(&addr)?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("cannot resolve {addr}")))?;
        for set in sets.iter_mut() {
            let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
            socket.set_reuse_address(true)?;
            socket.set_reuse_port(true)?;
            if addr.is_ipv6() {
                socket.set_only_v6(true)?;
            }
            socket.bind(&addr.into())?;
            socket.listen(511)?;
            socket.set_nonblocking(true)?;
            let listener: std::net::TcpListener = socket.into();
            addr = listener.local_addr()?;
            set.push(listener);
        }
    }
    if sets.first().is_none_or(|s| s.is_empty()) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no bind address"));
    }
    Ok(sets)
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
