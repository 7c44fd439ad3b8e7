//! One client connection: read, parse every complete request in the buffer, run them in
//! order, and answer the whole batch with one write (pipelining).

use super::execute;
use super::pubsub;
use super::shutdown::Shutdown;
use crate::commands::context::{add, Block, ClientHandle, Unblock};
use crate::commands::{After, ServerState, Session};
use crate::pool::{ReadBuf, WriteBuf};
use crate::protocol::{scanner, with_argv, Batch, ParseLimits};
use bytes::{Bytes, BytesMut};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Redis's `client-query-buffer-limit`: a client whose unparsed input grows past this
/// is disconnected.
const QUERY_BUFFER_LIMIT: usize = 1024 * 1024 * 1024;

/// Removes the client from the registry however the connection ends.
struct Registration<'a> {
    state: &'a ServerState,
    id: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.state.pubsub.hub.detach(self.id);
        self.state.tracking.disable(self.id);
        self.state.clients.remove(self.id);
    }
}

/// Writes `bytes` and flushes them (a TLS stream keeps encrypted bytes that did not fit
/// in the socket until it is flushed). Returns false if the connection failed, or the
/// client was killed meanwhile: a killed client may never read its socket, and Redis
/// drops the output of a client it kills rather than waiting for it to go out.
async fn send<S: AsyncWrite + Unpin>(stream: &mut S, bytes: &[u8], handle: &ClientHandle) -> bool {
    let written = async {
        stream.write_all(bytes).await?;
        stream.flush().await
    };
    tokio::select! {
        biased;
        r = written => r.is_ok(),
        _ = handle.kill.notified() => false,
    }
}

/// Serves one connection; `id` was assigned at accept time, so ids follow connection order.
/// `S` is the transport's stream (see [`crate::net::Stream`]): the same code serves both.
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    id: u64,
    addr: SocketAddr,
    laddr: SocketAddr,
    state: Arc<ServerState>,
    shutdown: Shutdown,
) {
    let (maxclients, optimized) = {
        let settings = state.settings.read();
        (settings.config.maxclients, settings.config.optimized)
    };
    if state.clients.len() >= maxclients {
        add(&state.stats.rejected_connections, 1);
        let _ = stream.write_all(b"-ERR max number of clients reached\r\n").await;
        return;
    }
    let handle = Arc::new(ClientHandle::new(id, addr, laddr));
    state.clients.insert(handle.clone());
    let registration = Registration { state: &state, id: handle.id };
    let mut mailbox = state.pubsub.hub.attach(handle.clone());
    // A published message that woke the connection, to write before anything else.
    let mut published = None;
    let mut session = Session::new(handle.clone(), state.requirepass().is_none());
    let mut limits = ParseLimits::default();
    // The C scanner, when compiled in, is used only when optimized.
    let scan = scanner(optimized);
    let mut batch = Batch::default();
    // Both start at the smallest size class and follow the traffic (see `crate::pool`).
    let mut rbuf = ReadBuf::new(state.buffers.clone());
    let mut wbuf = WriteBuf::new(state.buffers.clone());

    loop {
        // Run every complete request already buffered, answering them in one write. Before
        // AUTH, Redis's tighter limits apply, and requests run one at a time so that the
        // ones after an AUTH are parsed with the limits of an authenticated client.
        limits.unauthenticated = !session.authenticated;
        scan(&rbuf, &limits, if limits.unauthenticated { 1 } else { usize::MAX }, &mut batch);
        let chunk = rbuf.split_to(batch.used).freeze();
        let mut close = false;
        let pending = batch.requests().filter(|a| !a.is_empty()).count();
        let mut next = 0;
        while next < pending {
            handle.last_active_ms.store(handle.created.elapsed().as_millis() as u64, Ordering::Relaxed);
            // The argument vectors live only inside this call: after an await (a sleep, a
            // blocking wait) the rest of the batch is built again.
            let (ran, after, held, blocked) = with_argv(&batch, &chunk, next, |cmds| {
                let (ran, after, held) = run(&state, &mut session, cmds, &mut wbuf);
                let blocked = if matches!(after, After::Block(_)) { cmds[ran - 1].to_vec() } else { Vec::new() };
                (ran, after, held, blocked)
            });
            next += ran;
            match after {
                After::Nothing => {}
                After::Sleep(d) => {
                    tokio::time::sleep(d).await;
                    if let Some(reply) = held {
                        reply.encode(session.resp, &mut wbuf);
                    }
                }
                After::Close => {
                    close = true;
                    break;
                }
                After::Shutdown => {
                    // Redis closes the connection without a reply.
                    state.request_shutdown();
                    close = true;
                    break;
                }
                After::Block(block) => {
                    let mut conn = Conn { stream: &mut stream, rbuf: &mut rbuf, wbuf: &mut wbuf };
                    if !wait(&state, &mut session, &mut conn, &shutdown, blocked, block).await {
                        return;
                    }
                }
                After::Paused => {
                    let mut conn = Conn { stream: &mut stream, rbuf: &mut rbuf, wbuf: &mut wbuf };
                    if !send_replies(&state, &handle, &mut conn).await {
                        return;
                    }
                    tokio::select! {
                        _ = state.pause.wait() => {}
                        _ = handle.kill.notified() => return,
                        _ = shutdown.triggered() => return,
                    }
                }
            }
        }
        if let (Some(e), false) = (&batch.error, close) {
            wbuf.extend_from_slice(format!("-ERR {e}\r\n").as_bytes());
            log::debug!("client {} sent bad input ({e}); closing", addr);
            close = true;
        }
        // Messages published to this connection go out after the replies of its own
        // commands; their bytes stay charged to it until written (output buffer limit).
        let charged = pubsub::drain(&mut mailbox, published.take(), session.resp, &mut wbuf);
        if !wbuf.is_empty() {
            if !wal_flushed(&state).await {
                return;
            }
            add(&state.stats.net_output_bytes, wbuf.len() as u64);
            if !send(&mut stream, &wbuf, &handle).await {
                return;
            }
            wbuf.written();
            mailbox.queued.fetch_sub(charged, Ordering::Relaxed);
        }
        if close || handle.killed.load(Ordering::Relaxed) {
            // Unregistered before the peer sees the close, so CLIENT LIST never shows a
            // connection its client already saw closed.
            drop(registration);
            // The shutdown waits for the last write, which a killed client may never read;
            // dropping the stream ends that write at once.
            if !handle.killed.load(Ordering::Relaxed) {
                tokio::select! {
                    _ = stream.shutdown() => {}
                    _ = handle.kill.notified() => {}
                }
            }
            return;
        }
        if limits.unauthenticated && batch.used > 0 && !rbuf.is_empty() {
            continue;
        }
        if rbuf.len() > QUERY_BUFFER_LIMIT {
            log::warn!("client {} closed for overcoming of input buffer limits", addr);
            return;
        }
        rbuf.prepare(batch.used);
        if !mailbox.messages.is_empty() {
            continue;
        }
        let read = tokio::select! {
            r = stream.read_buf(&mut *rbuf) => r,
            Some(message) = mailbox.messages.recv() => {
                published = Some(message);
                // Let the publishers run first, so one write carries what they sent meanwhile.
                tokio::task::yield_now().await;
                continue;
            }
            _ = handle.kill.notified() => return,
            _ = shutdown.triggered() => return,
        };
        match read {
            Ok(0) | Err(_) => return,
            Ok(n) => add(&state.stats.net_input_bytes, n as u64),
        }
    }
}

/// Makes sure the writes a reply may acknowledge or show are in the OS, not only in
/// RocksDB's WAL buffer (see `storage/wal.rs`). The connections that are ready on this
/// thread run their commands before the flush, so one `write()` of the log serves them
/// all, as Redis writes its AOF once per event-loop round. Returns false if the flush
/// failed: the replies are not sent and the connection closes.
async fn wal_flushed(state: &ServerState) -> bool {
    let Some(mark) = state.store.unflushed() else { return true };
    tokio::task::yield_now().await;
    if state.store.flushed(mark) {
        return true;
    }
    match state.store.flush_wal() {
        Ok(()) => true,
        Err(e) => {
            log::error!("WAL write failed, closing the connection without replies: {e}");
            false
        }
    }
}

/// Runs commands, see [`execute::run`].
fn run(
    state: &Arc<ServerState>,
    session: &mut Session,
    cmds: &[&[Bytes]],
    out: &mut Vec<u8>,
) -> (usize, After, Option<crate::protocol::Reply>) {
    use tokio::runtime::{Handle, RuntimeFlavor};
    if state.store.sync_writes() && Handle::current().runtime_flavor() == RuntimeFlavor::MultiThread {
        // Fsyncing writes block their thread for a disk flush: hand the worker's other
        // connections to another thread meanwhile, so many clients' writes reach RocksDB
        // together and share one fsync. (A reuseport worker's connections stay on their
        // thread: they wait, and the workers' writes share fsyncs with each other.)
        // The thread may not run as a worker again: it keeps no stripes.
        tokio::task::block_in_place(|| {
            let ran = execute::run(state, session, cmds, out);
            crate::storage::release_kept_stripes();
            ran
        })
    } else {
        execute::run(state, session, cmds, out)
    }
}

/// A connection's socket and buffers, for the states that borrow them all.
struct Conn<'a, S> {
    stream: &'a mut S,
    rbuf: &'a mut BytesMut,
    wbuf: &'a mut Vec<u8>,
}

/// Keeps a waiting client in the waiters' queues until it stops waiting, however it stops.
struct Waiting<'a> {
    state: &'a ServerState,
    handle: Arc<ClientHandle>,
    db: u8,
    keys: Vec<Vec<u8>>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.state.waiters.leave(self.db, &self.keys, &self.handle);
    }
}

/// Sends the replies gathered so far, before a wait. Returns false if the connection
/// failed or was killed (it closes).
async fn send_replies<S: AsyncRead + AsyncWrite + Unpin>(state: &ServerState, handle: &ClientHandle, conn: &mut Conn<'_, S>) -> bool {
    if conn.wbuf.is_empty() {
        return true;
    }
    if !wal_flushed(state).await {
        return false;
    }
    add(&state.stats.net_output_bytes, conn.wbuf.len() as u64);
    if !send(conn.stream, conn.wbuf, handle).await {
        return false;
    }
    conn.wbuf.clear();
    true
}

/// Parks the connection in a blocking command (see [`crate::commands::blocking`]): runs the
/// command again each time one of its keys is written, until it is served, its deadline
/// passes, or CLIENT UNBLOCK ends the wait. Input that arrives meanwhile waits in the read
/// buffer, as in Redis. Returns false if the connection must close (the client left, was
/// killed, or the server is shutting down).
async fn wait<S: AsyncRead + AsyncWrite + Unpin>(
    state: &Arc<ServerState>,
    session: &mut Session,
    conn: &mut Conn<'_, S>,
    shutdown: &Shutdown,
    argv: Vec<Bytes>,
    block: Block,
) -> bool {
    // The replies to the commands before this one go out now: the wait may be long.
    if !send_replies(state, &session.handle, conn).await {
        return false;
    }
    let Block { keys, deadline, timeout, rerun } = block;
    let argv = rerun.unwrap_or(argv);
    let argv: [&[Bytes]; 1] = [&argv];
    let handle = session.handle.clone();
    let db = state.store.physical(session.db);
    state.waiters.join(db, &keys, &handle);
    let mut waiting = Waiting { state, handle: handle.clone(), db, keys };
    let expiry = async {
        match deadline {
            Some(at) => tokio::time::sleep_until(at.into()).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(expiry);
    loop {
        // Run again: for the write that woke us, or one that committed before we queued.
        session.rerun = true;
        let after = run(state, session, &argv, conn.wbuf).1;
        session.rerun = false;
        if after == After::Paused {
            // Woken during CLIENT PAUSE: run again once it ends.
            state.pause.wait().await;
            continue;
        }
        if !matches!(after, After::Block(_)) {
            return true;
        }
        let db = state.store.physical(session.db);
        if db != waiting.db {
            // SWAPDB moved the selected database: wait on its keys where they are now.
            state.waiters.leave(waiting.db, &waiting.keys, &handle);
            state.waiters.join(db, &waiting.keys, &handle);
            waiting.db = db;
        }
        tokio::select! {
            _ = handle.wake.notified() => match handle.take_unblock() {
                Unblock::None => {}
                Unblock::Timeout => break,
                Unblock::Error => {
                    conn.wbuf.extend_from_slice(b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
                    return true;
                }
            },
            _ = &mut expiry => break,
            read = conn.stream.read_buf(conn.rbuf) => match read {
                Ok(0) | Err(_) => return false,
                Ok(n) if conn.rbuf.len() <= QUERY_BUFFER_LIMIT => add(&state.stats.net_input_bytes, n as u64),
                Ok(_) => return false,
            },
            _ = handle.kill.notified() => return false,
            _ = shutdown.triggered() => return false,
        }
    }
    timeout.encode(session.resp, conn.wbuf);
    true
}
