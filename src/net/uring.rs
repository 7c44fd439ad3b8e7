//! The io_uring transport: a TCP stream whose reads and writes are io_uring `recv` and
//! `send` submissions, behind tokio's `AsyncRead`/`AsyncWrite` so that the connection
//! code (`server/connection.rs`) is one code path for both transports.
//!
//! # Design
//!
//! - **One ring per process**, shared by every worker thread behind one mutex. Its fd is
//!   registered with tokio through [`AsyncFd`] (a ring's fd is readable while completions
//!   wait), and a driver task reaps completions and wakes the tasks they belong to.
//! - **Submitted once per driver turn.** The poll that starts an operation only queues
//!   it and kicks the driver task; on its turn the driver submits everything queued by
//!   every connection meanwhile with one `io_uring_enter`, then reaps. (Submitting in
//!   the poll itself and reaping inline completions there cost more server CPU per
//!   request in the benchmarks: see docs/decisions.md.)
//! - **The kernel only writes into memory the stream table owns.** A connection drops
//!   read futures inside `select!` all the time, so a `recv` may outlive the future that
//!   started it. Each stream's buffers live in its [`Slot`] in the driver's table, which
//!   stays until the stream is dropped *and* no operation is in flight; a completion
//!   that arrives after its future was dropped is kept and handed to the next read.
//! - **Writes are accepted once copied.** `poll_write` copies the bytes into the slot's
//!   send buffer, submits, and reports them written; a short send is resubmitted by the
//!   reaper, and an error is reported by the next write or the shutdown. One send is in flight
//!   per stream at a time, so bytes go out in order.
//! - **Dropping a stream** with operations in flight shuts the socket down (`shutdown(2)`),
//!   which ends them; the fd is closed when the last one completes, never before, so no
//!   operation can reach an fd number the process has since reused.
//! - A `recv` or `send` cancelled by the kernel (`ECANCELED`: the thread that submitted
//!   it exited, as tokio's blocking threads do) is submitted again.

use io_uring::{opcode, types, IoUring, Probe};
use parking_lot::Mutex;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};

/// Submission queue entries; the completion queue is twice this, and the kernel keeps
/// completions that overflow it (`IORING_FEAT_NODROP`), so this bounds nothing else.
const ENTRIES: u32 = 1024;
/// A stream's receive buffer follows the caller's free space, within these bounds.
const RECV_MIN: usize = 4 * 1024;
const RECV_MAX: usize = 256 * 1024;
/// The most one `poll_write` copies; `write_all` comes back for the rest.
const SEND_MAX: usize = 1024 * 1024;
/// `user_data` of the start-up probe's NOP, which belongs to no slot.
const PROBE: u64 = u64::MAX;

/// The process's ring, its table of streams, and the task that reaps its completions.
pub struct Driver {
    inner: Mutex<Inner>,
}

struct Inner {
    ring: IoUring,
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    /// Completions copied out of the ring, reused between reaps.
    reaped: Vec<(u64, i32)>,
    /// Asks the driver task for a turn: queued entries wait for it.
    kick: Arc<tokio::sync::Notify>,
}

/// One stream's socket, buffers and operations.
struct Slot {
    fd: OwnedFd,
    /// The stream was dropped: the slot goes once nothing is in flight.
    dropped: bool,
    recv: Op,
    send: Op,
    rbuf: Vec<u8>,
    /// Bytes of a completed `recv` already handed to the reader.
    rpos: usize,
    wbuf: Vec<u8>,
    /// Bytes of `wbuf` the kernel has sent.
    wpos: usize,
}

#[derive(Default)]
struct Op {
    state: State,
    waker: Option<Waker>,
}

#[derive(Default, Clone, Copy, PartialEq, Debug)]
enum State {
    #[default]
    Idle,
    InFlight,
    /// A `recv`'s result (bytes or `-errno`), or a `send`'s error (`-errno`).
    Done(i32),
}

#[derive(Clone, Copy)]
enum Kind {
    Recv = 0,
    Send = 1,
}

impl Driver {
    /// Sets up the ring and checks that it works (a NOP round trip, and `recv`/`send`
    /// supported), then starts the task that reaps its completions. Fails if the kernel
    /// or a seccomp policy refuses io_uring. Must run inside the tokio runtime.
    pub fn start() -> io::Result<Arc<Driver>> {
        let mut ring = IoUring::new(ENTRIES)?;
        let mut probe = Probe::new();
        ring.submitter().register_probe(&mut probe)?;
        if !probe.is_supported(opcode::Recv::CODE) || !probe.is_supported(opcode::Send::CODE) {
            return Err(io::Error::new(io::ErrorKind::Unsupported, "kernel lacks io_uring recv/send"));
        }
        // SAFETY: a NOP carries no pointers.
        unsafe { ring.submission().push(&opcode::Nop::new().build().user_data(PROBE)) }
            .map_err(|_| io::Error::other("io_uring submission queue full"))?;
        ring.submit_and_wait(1)?;
        match ring.completion().next() {
            Some(cqe) if cqe.result() < 0 => return Err(io::Error::from_raw_os_error(-cqe.result())),
            Some(_) => {}
            None => return Err(io::Error::other("io_uring NOP did not complete")),
        }
        let fd = ring.as_raw_fd();
        let kick = Arc::new(tokio::sync::Notify::new());
        let inner = Inner { ring, slots: Vec::new(), free: Vec::new(), reaped: Vec::new(), kick: kick.clone() };
        let driver = Arc::new(Driver { inner: Mutex::new(inner) });
        // SAFETY: the ring's fd stays open while the reaper holds the driver, which it
        // drops after the registration (field order).
        let ready = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.map_err(|e| e.into_parts().1)?;
        tokio::spawn(reap(Reaper { ready, driver: driver.clone(), kick }));
        Ok(driver)
    }

    /// Runs `f` on the table under the lock, then wakes the tasks whose operations it
    /// found complete (after unlocking, so a woken task never waits for this one).
    fn with<T>(&self, f: impl FnOnce(&mut Inner, &mut Vec<Waker>) -> T) -> T {
        let mut wake = Vec::new();
        let out = f(&mut self.inner.lock(), &mut wake);
        wake.into_iter().for_each(Waker::wake);
        out
    }
}

/// The driver task's state: the ring's fd registered with tokio, and the ring.
struct Reaper {
    ready: AsyncFd<RawFd>,
    driver: Arc<Driver>,
    kick: Arc<tokio::sync::Notify>,
}

/// Reaps completions each time the ring's fd turns readable.
async fn reap(reaper: Reaper) {
    loop {
        tokio::select! {
            ready = reaper.ready.readable() => match ready {
                // Cleared before reaping, so a completion posted meanwhile fires again.
                Ok(mut guard) => guard.clear_ready(),
                Err(e) => {
                    log::error!("io_uring driver stopped: {e}");
                    return;
                }
            },
            _ = reaper.kick.notified() => {}
        }
        reaper.driver.with(|inner, wake| {
            inner.submit();
            inner.reap(wake)
        });
    }
}

impl Inner {
    fn slot(&mut self, id: usize) -> &mut Slot {
        self.slots[id].as_mut().expect("a live stream's slot")
    }

    /// Queues an entry, submitting (and reaping, if the kernel is busy) to make room.
    fn push(&mut self, entry: io_uring::squeue::Entry, wake: &mut Vec<Waker>) {
        loop {
            // SAFETY: every entry points into a slot's buffer, which the table keeps
            // until the entry's completion is reaped.
            if unsafe { self.ring.submission().push(&entry) }.is_ok() {
                return;
            }
            self.submit();
            self.reap(wake);
        }
    }

    /// Hands queued entries to the kernel. A refusal (`EBUSY` while completions
    /// overflow, `EINTR`) leaves them queued for the next submit, which the driver task
    /// makes on its next turn.
    fn submit(&mut self) {
        if self.ring.submission().is_empty() {
            return;
        }
        if let Err(e) = self.ring.submit() {
            log::debug!("io_uring submit deferred: {e}");
        }
    }

    /// Starts `kind` on slot `id` from where its buffer stands.
    fn start(&mut self, id: usize, kind: Kind, wake: &mut Vec<Waker>) {
        let slot = self.slot(id);
        let fd = types::Fd(slot.fd.as_raw_fd());
        let user_data = ((id as u64) << 1) | kind as u64;
        let entry = match kind {
            Kind::Recv => {
                slot.recv.state = State::InFlight;
                opcode::Recv::new(fd, slot.rbuf.as_mut_ptr(), slot.rbuf.len() as u32).build()
            }
            Kind::Send => {
                slot.send.state = State::InFlight;
                let rest = &slot.wbuf[slot.wpos..];
                opcode::Send::new(fd, rest.as_ptr(), rest.len() as u32).flags(libc::MSG_NOSIGNAL).build()
            }
        };
        self.push(entry.user_data(user_data), wake);
    }

    /// Queues the operation for the driver's next turn.
    fn start_soon(&mut self, id: usize, kind: Kind, wake: &mut Vec<Waker>) {
        self.start(id, kind, wake);
        self.kick.notify_one();
    }

    /// Takes every completion off the ring and settles it.
    fn reap(&mut self, wake: &mut Vec<Waker>) {
        let mut reaped = std::mem::take(&mut self.reaped);
        reaped.extend(self.ring.completion().map(|cqe| (cqe.user_data(), cqe.result())));
        for &(user_data, result) in &reaped {
            if user_data != PROBE {
                let kind = if user_data & 1 == 0 { Kind::Recv } else { Kind::Send };
                self.complete((user_data >> 1) as usize, kind, result, wake);
            }
        }
        reaped.clear();
        self.reaped = reaped;
        self.submit();
    }

    /// Settles one completion: records it and wakes the stream, goes on with a short
    /// send or a cancelled operation, or frees a dropped stream's slot once idle.
    fn complete(&mut self, id: usize, kind: Kind, result: i32, wake: &mut Vec<Waker>) {
        let slot = self.slot(id);
        if result == -libc::ECANCELED && !slot.dropped {
            return self.start(id, kind, wake);
        }
        let op = match kind {
            Kind::Recv => {
                slot.rpos = 0;
                slot.recv.state = State::Done(result);
                &mut slot.recv
            }
            Kind::Send if result > 0 => {
                slot.wpos += result as usize;
                if slot.wpos < slot.wbuf.len() && !slot.dropped {
                    return self.start(id, kind, wake);
                }
                slot.send.state = State::Idle;
                &mut slot.send
            }
            Kind::Send => {
                // A send of nothing from a non-empty buffer would repeat forever.
                slot.send.state = State::Done(if result == 0 { -libc::EPIPE } else { result });
                &mut slot.send
            }
        };
        wake.extend(op.waker.take());
        if slot.dropped && !slot.busy() {
            self.release(id);
        }
    }

    /// Frees a slot: closes its socket and returns its buffers.
    fn release(&mut self, id: usize) {
        self.slots[id] = None;
        self.free.push(id);
    }
}

impl Slot {
    fn busy(&self) -> bool {
        self.recv.state == State::InFlight || self.send.state == State::InFlight
    }
}

impl Op {
    /// Parks the caller until the operation completes.
    fn park<T>(&mut self, cx: &Context<'_>) -> Poll<T> {
        match &mut self.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            waker => *waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Takes a send's failure, if one is waiting to be reported.
    fn take_error(&mut self) -> io::Result<()> {
        match std::mem::take(&mut self.state) {
            State::Done(e) => Err(io::Error::from_raw_os_error(-e)),
            state => {
                self.state = state;
                Ok(())
            }
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The ring closes with this struct, but the kernel may still finish an operation
        // after that: a buffer it points into is leaked rather than freed under it.
        for slot in self.slots.drain(..).flatten() {
            if slot.busy() {
                std::mem::forget(slot);
            }
        }
    }
}

/// A TCP connection served through the ring.
pub struct UringStream {
    driver: Arc<Driver>,
    id: usize,
}

impl UringStream {
    /// Takes over a connected socket (blocking or not: io_uring waits for readiness itself).
    pub fn new(driver: Arc<Driver>, fd: OwnedFd) -> UringStream {
        let slot =
            Slot { fd, dropped: false, recv: Op::default(), send: Op::default(), rbuf: Vec::new(), rpos: 0, wbuf: Vec::new(), wpos: 0 };
        let id = {
            let mut inner = driver.inner.lock();
            match inner.free.pop() {
                Some(id) => {
                    inner.slots[id] = Some(slot);
                    id
                }
                None => {
                    inner.slots.push(Some(slot));
                    inner.slots.len() - 1
                }
            }
        };
        UringStream { driver, id }
    }
}

impl AsyncRead for UringStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let id = self.id;
        self.driver.with(|inner, wake| loop {
            let slot = inner.slot(id);
            match slot.recv.state {
                State::InFlight => return slot.recv.park(cx),
                State::Done(n) if n > 0 => {
                    let n = n as usize;
                    let take = (n - slot.rpos).min(buf.remaining());
                    buf.put_slice(&slot.rbuf[slot.rpos..slot.rpos + take]);
                    slot.rpos += take;
                    if slot.rpos == n {
                        slot.recv.state = State::Idle;
                    }
                    return Poll::Ready(Ok(()));
                }
                State::Done(n) => {
                    slot.recv.state = State::Idle;
                    return Poll::Ready(if n == 0 { Ok(()) } else { Err(io::Error::from_raw_os_error(-n)) });
                }
                State::Idle if buf.remaining() == 0 => return Poll::Ready(Ok(())),
                State::Idle => {
                    let want = buf.remaining().clamp(RECV_MIN, RECV_MAX);
                    if slot.rbuf.len() < want {
                        slot.rbuf.resize(want, 0);
                    }
                    inner.start_soon(id, Kind::Recv, wake);
                }
            }
        })
    }
}

impl AsyncWrite for UringStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let id = self.id;
        self.driver.with(|inner, wake| {
            let slot = inner.slot(id);
            if slot.send.state == State::InFlight {
                return slot.send.park(cx);
            }
            slot.send.take_error()?;
            let n = data.len().min(SEND_MAX);
            if n > 0 {
                slot.wbuf.clear();
                slot.wbuf.extend_from_slice(&data[..n]);
                slot.wpos = 0;
                inner.start_soon(id, Kind::Send, wake);
            }
            Poll::Ready(Ok(n))
        })
    }

    /// A write is queued for the kernel as it is accepted (`poll_write`): nothing is
    /// held back, so a flush does not wait for the send to complete.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.driver.with(|inner, _| {
            let slot = inner.slot(self.id);
            if slot.send.state == State::InFlight {
                return slot.send.park(cx);
            }
            slot.send.take_error()?;
            Poll::Ready(socket2::SockRef::from(&slot.fd).shutdown(std::net::Shutdown::Write))
        })
    }
}

impl Drop for UringStream {
    fn drop(&mut self) {
        self.driver.with(|inner, wake| {
            inner.slot(self.id).dropped = true;
            // A last reply still queued goes to the kernel first, where a send into a
            // socket with room completes at once, as a closed tokio socket still sends it.
            inner.submit();
            inner.reap(wake);
            match &inner.slots[self.id] {
                // Ends the operations in flight; their completions free the slot.
                Some(slot) if slot.busy() => {
                    let _ = socket2::SockRef::from(&slot.fd).shutdown(std::net::Shutdown::Both);
                }
                Some(_) => inner.release(self.id),
                None => {}
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A connected pair: a plain socket for the test's side, a ring stream for ours.
    fn pair(driver: &Arc<Driver>) -> (TcpStream, UringStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (ours, _) = listener.accept().unwrap();
        (peer, UringStream::new(driver.clone(), ours.into()))
    }

    /// Starts a read that cannot finish (nothing was sent), and drops it with its recv
    /// in flight.
    async fn abandon_a_read(stream: &mut UringStream) {
        let mut buf = [0u8; 8];
        assert!(tokio::time::timeout(Duration::from_millis(20), stream.read(&mut buf)).await.is_err());
    }

    #[tokio::test]
    async fn data_arriving_after_its_read_was_dropped_goes_to_the_next_read() {
        let driver = Driver::start().unwrap();
        let (mut peer, mut stream) = pair(&driver);
        abandon_a_read(&mut stream).await;
        let mut buf = [0u8; 64];
        peer.write_all(b"hello").unwrap();
        let n = stream.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello");
        peer.write_all(b" again").unwrap();
        let n = stream.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b" again");
    }

    #[tokio::test]
    async fn a_completion_larger_than_the_reader_is_handed_out_in_pieces() {
        let driver = Driver::start().unwrap();
        let (mut peer, mut stream) = pair(&driver);
        peer.write_all(b"0123456789").unwrap();
        let mut got = Vec::new();
        while got.len() < 10 {
            let mut piece = [0u8; 3];
            let n = stream.read(&mut piece).await.unwrap();
            got.extend_from_slice(&piece[..n]);
        }
        assert_eq!(got, b"0123456789");
    }

    #[tokio::test]
    async fn writes_reach_the_peer_whole_and_in_order() {
        let driver = Driver::start().unwrap();
        let (mut peer, mut stream) = pair(&driver);
        let big: Vec<u8> = (0..3 * SEND_MAX + 5).map(|i| (i % 251) as u8).collect();
        let expected = [big.as_slice(), b"tail"].concat();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            peer.read_to_end(&mut got).unwrap();
            got
        });
        stream.write_all(&big).await.unwrap();
        stream.write_all(b"tail").await.unwrap();
        stream.shutdown().await.unwrap();
        assert!(reader.join().unwrap() == expected);
    }

    #[tokio::test]
    async fn dropping_a_stream_with_a_read_in_flight_ends_the_read_and_closes_the_socket() {
        let driver = Driver::start().unwrap();
        let (mut peer, mut stream) = pair(&driver);
        abandon_a_read(&mut stream).await;
        drop(stream);
        // The driver task reaps the ended recv, which frees the slot and closes the fd.
        assert_eq!(peer.read(&mut [0u8; 8]).unwrap(), 0);
        let freed = async {
            while !driver.inner.lock().slots.iter().all(Option::is_none) {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), freed).await.expect("the slot is never freed");
    }
}
