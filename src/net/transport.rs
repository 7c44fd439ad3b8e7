//! The portable transport: connections are tokio `TcpStream`s. Its io_uring twin, with
//! the same functions, is `transport_uring.rs`.

use std::io;
use tokio::net::TcpStream;

/// An accepted connection, as the connection code reads and writes it.
pub type Stream = TcpStream;

/// Chooses the transport at start-up; here there is only tokio. Returns its name.
pub fn start(io_uring: bool) -> &'static str {
    if io_uring {
        log::warn!("the io_uring transport is not built into this binary; using the tokio transport");
    }
    "tokio"
}

/// Hands an accepted connection to the transport.
pub fn adopt(stream: TcpStream) -> io::Result<Stream> {
    Ok(stream)
}
