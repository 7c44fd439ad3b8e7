"""Blocking connections and the thread-safe pool the client draws them from.

A ``Connection`` owns one socket and one ``resp.Reader``. It connects lazily, runs the
handshake (AUTH / HELLO / SELECT / CLIENT SETNAME, pipelined in one write), and maps socket
failures onto the package's ``ConnectionError`` and ``TimeoutError``. Any failure while a reply
is outstanding drops the socket: a late or partial reply would otherwise be read as the answer
to the next command.
"""

import os
import socket
import ssl
import threading
from typing import Any, List, Optional, Sequence

from .exceptions import CommandError, ConnectionError, DataError, TimeoutError
from .options import ConnectionOptions
from .resp import NEED_MORE, Push, Reader, encode_command, encode_commands

_READ_SIZE = 65536

# Sentinel: "use the connection's normal timeout".
_DEFAULT: Any = object()


class Connection:
    """One socket to the server; not thread-safe (the pool hands it to one thread at a time).

    ``raw=True`` keeps every reply as bytes whatever ``decode_responses`` says (MONITOR)."""

    def __init__(self, options: ConnectionOptions, raw: bool = False) -> None:
        self.options = options
        self._sock: Optional[socket.socket] = None
        self._reader = Reader(None if raw else options.reply_encoding, options.encoding_errors)
        # False until one command has completed on the current socket: a failure on a socket
        # that has never worked means the server is unreachable, not that it went stale.
        self.proven = False
        # Pub/sub connections want RESP3 push frames; command connections skip them.
        self.keep_pushes = False

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def connect(self) -> None:
        """Open the socket and run the handshake; no-op if already connected."""
        if self._sock is not None:
            return
        opts = self.options
        try:
            sock = socket.create_connection((opts.host, opts.port), opts.connect_timeout)
        except socket.timeout:
            raise TimeoutError("timed out connecting to %s" % opts.describe()) from None
        except OSError as exc:
            raise ConnectionError("cannot connect to %s: %s" % (opts.describe(), exc)) from None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            if opts.ssl_context is not None:
                sock = opts.ssl_context.wrap_socket(sock, server_hostname=opts.host)
            sock.settimeout(opts.timeout)
        except socket.timeout:
            sock.close()
            raise TimeoutError("timed out in TLS handshake with %s" % opts.describe()) from None
        except OSError as exc:
            sock.close()
            raise ConnectionError("TLS handshake with %s failed: %s" % (opts.describe(), exc)) from None
        self._sock = sock
        self._reader.reset()
        self.proven = False
        commands = opts.handshake()
        if commands:
            try:
                replies = self.request_many(encode_commands(commands, opts.encoding), len(commands))
            except BaseException:
                self.disconnect()
                raise
            for reply in replies:
                if isinstance(reply, CommandError):
                    self.disconnect()
                    raise reply

    def disconnect(self, shutdown: bool = False) -> None:
        """Close the socket (if any) and forget buffered bytes. ``shutdown`` first shuts the
        socket down, which wakes a read blocked in another thread (closing alone does not)."""
        sock, self._sock = self._sock, None
        self._reader.reset()
        self.proven = False
        if sock is not None:
            try:
                if shutdown:
                    sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass

    def send(self, data: bytes) -> None:
        if self._sock is None:
            self.connect()
        try:
            self._sock.sendall(data)  # type: ignore[union-attr]
        except socket.timeout:
            self.disconnect()
            raise TimeoutError("timed out writing to %s" % self.options.describe()) from None
        except OSError as exc:
            self.disconnect()
            raise ConnectionError("error writing to %s: %s" % (self.options.describe(), exc)) from None

    def send_command(self, args: Sequence[Any]) -> None:
        """Send one command without waiting for its reply (pub/sub)."""
        self.send(encode_command(args, self.options.encoding))

    def read_reply(self, timeout: Any = _DEFAULT, raw: bool = False) -> Any:
        """Read one complete reply (error replies are returned, not raised); ``raw`` keeps its
        strings as bytes even when responses are decoded."""
        reader = self._reader
        if raw and reader.encoding is not None:
            encoding, reader.encoding = reader.encoding, None
            try:
                return self.read_reply(timeout)
            finally:
                reader.encoding = encoding
        reply = reader.gets()
        while reply is NEED_MORE or (type(reply) is Push and not self.keep_pushes):
            if reply is NEED_MORE:
                self._fill(timeout)
            reply = reader.gets()
        return reply

    def _fill(self, timeout: Any) -> None:
        sock = self._sock
        if sock is None:
            raise ConnectionError("connection to %s is closed" % self.options.describe())
        if timeout is not _DEFAULT:
            sock.settimeout(timeout)
        try:
            data = sock.recv(_READ_SIZE)
        except socket.timeout:
            self.disconnect()
            raise TimeoutError("timed out reading from %s" % self.options.describe()) from None
        except OSError as exc:
            self.disconnect()
            raise ConnectionError("error reading from %s: %s" % (self.options.describe(), exc)) from None
        finally:
            if timeout is not _DEFAULT and self._sock is not None:
                sock.settimeout(self.options.timeout)
        if not data:
            self.disconnect()
            raise ConnectionError("connection closed by %s" % self.options.describe())
        self._reader.feed(data)

    def request(self, args: Sequence[Any], timeout: Any = _DEFAULT, raw: bool = False) -> Any:
        """Send one command and return its reply (``raw``: strings kept as bytes)."""
        self.send(encode_command(args, self.options.encoding))
        try:
            reply = self.read_reply(timeout, raw)
        except BaseException:
            # Includes KeyboardInterrupt: the reply is still on its way.
            self.disconnect()
            raise
        self.proven = True
        return reply

    def request_many(self, payload: bytes, count: int, timeout: Any = _DEFAULT, raw: bool = False) -> List[Any]:
        """Send pre-encoded commands in one write and read ``count`` replies in order."""
        self.send(payload)
        try:
            replies = [self.read_reply(timeout, raw) for _ in range(count)]
        except BaseException:
            self.disconnect()
            raise
        self.proven = True
        return replies

    def poll_reply(self, timeout: Optional[float]) -> Any:
        """Return a reply if one arrives within ``timeout`` seconds (None: wait forever), else
        ``NEED_MORE``. Used by pub/sub, where silence is normal; partial data stays buffered."""
        reply = self._reader.gets()
        if reply is not NEED_MORE:
            return reply
        sock = self._sock
        if sock is None:
            raise ConnectionError("connection to %s is closed" % self.options.describe())
        sock.settimeout(timeout)
        try:
            data = sock.recv(_READ_SIZE)
        except (socket.timeout, BlockingIOError, ssl.SSLWantReadError):
            # A zero timeout makes the socket non-blocking, which reports "no data" this way.
            return NEED_MORE
        except OSError as exc:
            self.disconnect()
            raise ConnectionError("error reading from %s: %s" % (self.options.describe(), exc)) from None
        finally:
            if self._sock is not None:
                sock.settimeout(self.options.timeout)
        if not data:
            self.disconnect()
            raise ConnectionError("connection closed by %s" % self.options.describe())
        self._reader.feed(data)
        return self._reader.gets()


class ConnectionPool:
    """Thread-safe pool of ``Connection``s sharing one set of options.

    ``max_connections`` caps how many exist at once; a thread that finds them all busy waits up
    to ``timeout`` seconds for one. After ``os.fork()`` the child starts an empty pool, since
    sharing a socket between processes interleaves their replies.
    """

    def __init__(self, options: ConnectionOptions, max_connections: Optional[int] = None) -> None:
        if max_connections is not None and max_connections < 1:
            raise DataError("max_connections must be at least 1")
        self.options = options
        self.max_connections = max_connections
        self._lock = threading.Condition(threading.Lock())
        self._idle: List[Connection] = []
        self._created = 0
        self._pid = os.getpid()

    def _check_fork(self) -> None:
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    # Do not close the parent's sockets from the child: just forget them.
                    self._idle = []
                    self._created = 0
                    self._pid = os.getpid()

    def acquire(self, timeout: Optional[float] = None) -> Connection:
        """Take an idle connection or make a new one (not yet connected)."""
        self._check_fork()
        with self._lock:
            if self._idle:
                return self._idle.pop()
            if self.max_connections is not None:
                if not self._lock.wait_for(
                    lambda: self._idle or self._created < self.max_connections,  # type: ignore[operator]
                    timeout if timeout is not None else self.options.timeout,
                ):
                    raise ConnectionError(
                        "all %d connections to %s are busy" % (self.max_connections, self.options.describe())
                    )
                if self._idle:
                    return self._idle.pop()
            self._created += 1
        return Connection(self.options)

    def release(self, conn: Connection) -> None:
        """Give a connection back. Connections from before a fork are dropped."""
        if self._pid != os.getpid():
            return
        with self._lock:
            self._idle.append(conn)
            self._lock.notify()

    def discard(self, conn: Connection) -> None:
        """Forget a connection that will not come back (e.g. one handed to pub/sub)."""
        conn.disconnect()
        with self._lock:
            self._created -= 1
            self._lock.notify()

    def disconnect(self) -> None:
        """Close every idle connection (each reconnects on its next use); busy ones are left alone."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.disconnect()
        with self._lock:
            self._idle.extend(idle)
