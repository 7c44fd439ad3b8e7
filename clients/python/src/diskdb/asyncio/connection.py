"""asyncio connections and their pool: the same protocol handling as ``diskdb.connection``
(one ``resp.Reader`` per connection, handshake, error mapping), over asyncio streams."""

import asyncio
import socket
import sys
from typing import Any, Awaitable, List, Optional, Sequence, TypeVar

from ..exceptions import CommandError, ConnectionError, DataError, TimeoutError
from ..options import ConnectionOptions
from ..resp import NEED_MORE, Push, Reader, encode_command, encode_commands

_READ_SIZE = 65536
_DEFAULT: Any = object()
_T = TypeVar("_T")

if sys.version_info >= (3, 11):

    async def _within(aw: Awaitable[_T], timeout: Optional[float]) -> _T:
        # asyncio.timeout() does not spawn a task per read, unlike wait_for before 3.12.
        async with asyncio.timeout(timeout):
            return await aw

else:

    async def _within(aw: Awaitable[_T], timeout: Optional[float]) -> _T:
        if timeout is None:
            return await aw
        return await asyncio.wait_for(aw, timeout)


class Connection:
    """One stream to the server, used by one task at a time. ``raw=True`` keeps every reply
    as bytes whatever ``decode_responses`` says (MONITOR)."""

    def __init__(self, options: ConnectionOptions, raw: bool = False) -> None:
        self.options = options
        self._stream: Optional[asyncio.StreamReader] = None
        self._writer: Optional[asyncio.StreamWriter] = None
        self._reader = Reader(None if raw else options.reply_encoding, options.encoding_errors)
        self.proven = False
        self.keep_pushes = False

    @property
    def connected(self) -> bool:
        return self._writer is not None

    async def connect(self) -> None:
        if self._writer is not None:
            return
        opts = self.options
        try:
            stream, writer = await _within(
                asyncio.open_connection(
                    opts.host,
                    opts.port,
                    ssl=opts.ssl_context,
                    server_hostname=opts.host if opts.ssl_context is not None else None,
                ),
                opts.connect_timeout,
            )
        except asyncio.TimeoutError:
            raise TimeoutError("timed out connecting to %s" % opts.describe()) from None
        except OSError as exc:
            raise ConnectionError("cannot connect to %s: %s" % (opts.describe(), exc)) from None
        sock = writer.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            except OSError:
                pass
        self._stream, self._writer = stream, writer
        self._reader.reset()
        self.proven = False
        commands = opts.handshake()
        if commands:
            try:
                replies = await self.request_many(encode_commands(commands, opts.encoding), len(commands))
            except BaseException:
                self.disconnect()
                raise
            for reply in replies:
                if isinstance(reply, CommandError):
                    self.disconnect()
                    raise reply

    def disconnect(self) -> None:
        """Close the stream without waiting for the close to complete."""
        writer, self._writer = self._writer, None
        self._stream = None
        self._reader.reset()
        self.proven = False
        if writer is not None:
            try:
                writer.close()
            except (OSError, RuntimeError):  # RuntimeError: the event loop is already closed
                pass

    async def aclose(self) -> None:
        """Close the stream and wait until the transport is gone."""
        writer = self._writer
        self.disconnect()
        if writer is not None:
            try:
                await writer.wait_closed()
            except (OSError, RuntimeError):
                pass

    async def send(self, data: bytes) -> None:
        if self._writer is None:
            await self.connect()
        writer = self._writer
        assert writer is not None
        try:
            writer.write(data)
            await writer.drain()
        except OSError as exc:
            self.disconnect()
            raise ConnectionError("error writing to %s: %s" % (self.options.describe(), exc)) from None

    async def send_command(self, args: Sequence[Any]) -> None:
        await self.send(encode_command(args, self.options.encoding))

    async def read_reply(self, timeout: Any = _DEFAULT, raw: bool = False) -> Any:
        reader = self._reader
        if raw and reader.encoding is not None:
            # Strings of this one reply stay bytes (DUMP), even when responses are decoded.
            encoding, reader.encoding = reader.encoding, None
            try:
                return await self.read_reply(timeout)
            finally:
                reader.encoding = encoding
        reply = reader.gets()
        while reply is NEED_MORE or (type(reply) is Push and not self.keep_pushes):
            if reply is NEED_MORE:
                await self._fill(self.options.timeout if timeout is _DEFAULT else timeout)
            reply = reader.gets()
        return reply

    async def _fill(self, timeout: Optional[float]) -> None:
        stream = self._stream
        if stream is None:
            raise ConnectionError("connection to %s is closed" % self.options.describe())
        try:
            data = await _within(stream.read(_READ_SIZE), timeout)
        except asyncio.TimeoutError:
            self.disconnect()
            raise TimeoutError("timed out reading from %s" % self.options.describe()) from None
        except OSError as exc:
            self.disconnect()
            raise ConnectionError("error reading from %s: %s" % (self.options.describe(), exc)) from None
        if not data:
            self.disconnect()
            raise ConnectionError("connection closed by %s" % self.options.describe())
        self._reader.feed(data)

    async def request(self, args: Sequence[Any], timeout: Any = _DEFAULT, raw: bool = False) -> Any:
        await self.send(encode_command(args, self.options.encoding))
        try:
            reply = await self.read_reply(timeout, raw)
        except BaseException:
            # Includes cancellation: the reply is still on its way and would desync the stream.
            self.disconnect()
            raise
        self.proven = True
        return reply

    async def request_many(self, payload: bytes, count: int, timeout: Any = _DEFAULT, raw: bool = False) -> List[Any]:
        await self.send(payload)
        try:
            replies = [await self.read_reply(timeout, raw) for _ in range(count)]
        except BaseException:
            self.disconnect()
            raise
        self.proven = True
        return replies

    async def poll_reply(self, timeout: Optional[float]) -> Any:
        """A reply if one arrives within ``timeout`` (None: forever), else ``NEED_MORE``.
        Cancelling a StreamReader.read loses no data, so a timeout here is harmless."""
        reply = self._reader.gets()
        if reply is not NEED_MORE:
            return reply
        stream = self._stream
        if stream is None:
            raise ConnectionError("connection to %s is closed" % self.options.describe())
        try:
            data = await _within(stream.read(_READ_SIZE), timeout)
        except asyncio.TimeoutError:
            return NEED_MORE
        except OSError as exc:
            self.disconnect()
            raise ConnectionError("error reading from %s: %s" % (self.options.describe(), exc)) from None
        if not data:
            self.disconnect()
            raise ConnectionError("connection closed by %s" % self.options.describe())
        self._reader.feed(data)
        return self._reader.gets()


class ConnectionPool:
    """Pool of asyncio connections for one event loop. With ``max_connections``, a task that
    finds them all busy waits (up to ``timeout``) and is handed the next one released."""

    def __init__(self, options: ConnectionOptions, max_connections: Optional[int] = None) -> None:
        if max_connections is not None and max_connections < 1:
            raise DataError("max_connections must be at least 1")
        self.options = options
        self.max_connections = max_connections
        self._idle: List[Connection] = []
        self._created = 0
        self._waiters: List["asyncio.Future[Connection]"] = []

    def try_acquire(self) -> Optional[Connection]:
        """An idle or new connection without waiting, or None when at the limit."""
        if self._idle:
            return self._idle.pop()
        if self.max_connections is None or self._created < self.max_connections:
            self._created += 1
            return Connection(self.options)
        return None

    async def acquire(self) -> Connection:
        conn = self.try_acquire()
        if conn is not None:
            return conn
        loop = asyncio.get_running_loop()
        waiter: "asyncio.Future[Connection]" = loop.create_future()
        self._waiters.append(waiter)
        timeout = self.options.timeout

        def give_up() -> None:
            if not waiter.done():
                waiter.set_exception(
                    ConnectionError(
                        "all %s connections to %s are busy" % (self.max_connections, self.options.describe())
                    )
                )

        timer = loop.call_later(timeout, give_up) if timeout is not None else None
        try:
            return await waiter
        except BaseException:
            # Cancelled after a connection was handed over: give it to someone else.
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.release(waiter.result())
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def release(self, conn: Connection) -> None:
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    def discard(self, conn: Connection) -> None:
        conn.disconnect()
        self._created -= 1
        if self._waiters:
            self._created += 1
            self.release(Connection(self.options))

    async def disconnect(self) -> None:
        """Close every idle connection (each reconnects on its next use)."""
        for conn in list(self._idle):
            await conn.aclose()
