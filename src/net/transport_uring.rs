//! The transport of a build with the `io_uring` feature on Linux: io_uring when the
//! config asks for it (`--transport io_uring`) and the kernel allows it, tokio otherwise. Its portable
//! twin, with the same functions, is `transport.rs`.

use super::uring::{Driver, UringStream};
use std::io;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// The process's ring, once [`start`] has set it up.
static RING: OnceLock<Arc<Driver>> = OnceLock::new();

/// An accepted connection on either transport.
pub enum Stream {
    Tokio(TcpStream),
    Uring(UringStream),
}

/// Chooses the transport at start-up: io_uring if asked for and the probe succeeds
/// (a refusal by the kernel or a seccomp policy is logged, and tokio serves instead).
/// Returns its name. Must run inside the tokio runtime.
pub fn start(io_uring: bool) -> &'static str {
    if !io_uring {
        return "tokio";
    }
    match Driver::start() {
        Ok(driver) => {
            let _ = RING.set(driver);
            "io_uring"
        }
        Err(e) => {
            log::warn!("io_uring unavailable ({e}); using the tokio transport");
            "tokio"
        }
    }
}

/// Hands an accepted connection to the transport chosen at start-up.
pub fn adopt(stream: TcpStream) -> io::Result<Stream> {
    match RING.get() {
        // Taken out of tokio's reactor: the ring waits for the socket instead.
        Some(driver) => Ok(Stream::Uring(UringStream::new(driver.clone(), OwnedFd::from(stream.into_std()?)))),
        None => Ok(Stream::Tokio(stream)),
    }
}

/// Forwards a call to whichever stream this is.
macro_rules! either {
    ($self:ident.$method:ident($($arg:expr),*)) => {
        match $self.get_mut() {
            Stream::Tokio(s) => Pin::new(s).$method($($arg),*),
            Stream::Uring(s) => Pin::new(s).$method($($arg),*),
        }
    };
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        either!(self.poll_read(cx, buf))
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        either!(self.poll_write(cx, data))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        either!(self.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        either!(self.poll_shutdown(cx))
    }
}
