"""The asyncio client: ``DiskDB``, ``Pipeline``, ``PubSub`` and ``Monitor`` as coroutines.

The command methods are the same ``Commands`` methods as the blocking client's; here
``_execute`` returns a coroutine, so ``await db.get('k')`` works for every command. Use one
client per event loop.
"""

import asyncio
import inspect
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Sequence, TypeVar

from .. import _pipeline
from .. import replies as R
from .._base import ClientBase
from .._monitor import parse_monitor_line
from .._pubsub import Handler, PubSubState
from ..commands import Commands, Converter, EncodableT, KeyT, Script
from ..exceptions import CommandError, ConnectionError, DataError, NoScriptError, ProtocolError, WatchError
from ..resp import NEED_MORE
from .connection import _DEFAULT, Connection, ConnectionPool

__all__ = ["DiskDB", "Pipeline", "PubSub", "Monitor"]

_C = TypeVar("_C", bound="DiskDB")


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def _evalsha_or_load(client: Commands, script: Script, keys: List[Any], args: List[Any]) -> Any:
    """EVALSHA now; on NOSCRIPT, SCRIPT LOAD and EVALSHA once more (redis-py's Script)."""
    try:
        return await client.evalsha(script.sha, len(keys), *keys, *args)
    except NoScriptError:
        script.sha = await client.script_load(script.script)
        return await client.evalsha(script.sha, len(keys), *keys, *args)


class DiskDB(ClientBase, Commands):
    """asyncio twin of ``diskdb.DiskDB``: same constructor, same methods, awaited.

    >>> async with DiskDB() as db:
    ...     await db.set("greeting", "hello")
    ...     await db.get("greeting")
    """

    _pool_class = ConnectionPool
    pool: ConnectionPool

    async def __aenter__(self: _C) -> _C:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the pooled connections; the client reconnects if used again."""
        await self.pool.disconnect()

    aclose = close

    async def _execute(self, args: Sequence[Any], convert: Converter = None, block: Optional[float] = None) -> Any:
        timeout = _DEFAULT if block is None else _pipeline.read_timeout(self.options.timeout, (block,))
        pool = self.pool
        conn = pool.try_acquire() or await pool.acquire()
        try:
            retry = conn.proven and self.retry_on_connection_error
            raw = convert is R.raw_bytes
            try:
                reply = await conn.request(args, timeout, raw)
            except ConnectionError:
                if not retry:
                    raise
                reply = await conn.request(args, timeout, raw)
        finally:
            pool.release(conn)
        if isinstance(reply, CommandError):
            raise reply
        return convert(reply) if convert is not None else reply

    async def execute(self, *args: EncodableT) -> Any:
        """Send any command and return its raw reply."""
        return await self._execute(args)

    async def _scan_iter(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        cursor = 0
        while True:
            cursor, items = await method(*args, cursor=cursor, **kwargs)
            for item in items.items() if isinstance(items, dict) else items:
                yield item
            if cursor == 0:
                return

    def _run_script(self, script: Script, keys: List[Any], args: List[Any]) -> Any:
        return _evalsha_or_load(self, script, keys, args)

    def pipeline(self, transaction: bool = False) -> "Pipeline":
        """Queue commands (no await needed) and send them with ``await pipe.execute()``."""
        return Pipeline(self, transaction)

    async def transaction(
        self,
        func: Callable[["Pipeline"], Any],
        *watches: KeyT,
        value_from_callable: bool = False,
        watch_delay: Optional[float] = None,
    ) -> Any:
        """Like ``diskdb.DiskDB.transaction``; ``func`` may be a coroutine function."""
        async with self.pipeline(transaction=True) as pipe:
            while True:
                try:
                    if watches:
                        await pipe.watch(*watches)
                    value = await _maybe_await(func(pipe))
                    results = await pipe.execute()
                    return value if value_from_callable else results
                except WatchError:
                    if watch_delay:
                        await asyncio.sleep(watch_delay)

    def pubsub(self, ignore_subscribe_messages: bool = False) -> "PubSub":
        return PubSub(self, ignore_subscribe_messages)

    def monitor(self) -> "Monitor":
        """MONITOR on its own connection: ``async with db.monitor() as m:
        async for cmd in m.listen()``; see ``diskdb.Monitor``."""
        return Monitor(self)


class Pipeline(Commands):
    """Queue commands with the usual methods (they return the pipeline, not a coroutine) and
    ``await pipe.execute()``. After ``await pipe.watch(...)`` commands return coroutines that
    run at once, until ``pipe.multi()``."""

    def __init__(self, client: DiskDB, transaction: bool) -> None:
        self.client = client
        self.transaction = transaction
        self._queue: List[_pipeline.Queued] = []
        self._scripts: Dict[str, Script] = {}  # by SHA1: loaded by execute() if missing
        self._conn: Optional[Connection] = None
        self._watching = False
        self._explicit_multi = False

    async def __aenter__(self) -> "Pipeline":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.reset()

    def __len__(self) -> int:
        return len(self._queue)

    def __bool__(self) -> bool:
        return True

    def _execute(self, args: Sequence[Any], convert: Converter = None, block: Optional[float] = None) -> Any:
        if self._watching and not self._explicit_multi:
            return self._immediate(args, convert, block)
        self._queue.append(_pipeline.Queued(args, convert, block))
        return self

    async def _immediate(self, args: Sequence[Any], convert: Converter, block: Optional[float]) -> Any:
        conn = self._conn
        assert conn is not None
        timeout = _DEFAULT if block is None else _pipeline.read_timeout(self.client.options.timeout, (block,))
        try:
            reply = await conn.request(args, timeout, convert is R.raw_bytes)
        except ConnectionError:
            await self.reset()
            raise WatchError("connection lost while watching keys; start the transaction again") from None
        if isinstance(reply, CommandError):
            raise reply
        return convert(reply) if convert is not None else reply

    def _scan_iter(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        raise DataError("scan iterators need a client, not a pipeline")

    def _run_script(self, script: Script, keys: List[Any], args: List[Any]) -> Any:
        if self._watching and not self._explicit_multi:
            return _evalsha_or_load(self, script, keys, args)  # runs now, as on the client
        self._scripts[script.sha] = script
        return self.evalsha(script.sha, len(keys), *keys, *args)

    async def _load_scripts(self) -> None:
        """SCRIPT LOAD the queued scripts the server lacks, before their EVALSHA is sent; on
        the pinned connection if watching (the pool may have no other one to spare)."""
        scripts = list(self._scripts.values())
        run = self._immediate if self._conn is not None else self.client._execute
        exists = await run(("SCRIPT", "EXISTS", *(s.sha for s in scripts)), R.to_bool_list, None)
        for script, loaded in zip(scripts, exists):
            if not loaded:
                await run(("SCRIPT", "LOAD", script.script), None, None)

    async def watch(self, *names: KeyT) -> bool:
        if self._explicit_multi:
            raise DataError("WATCH must come before MULTI")
        if self._conn is None:
            self._conn = await self.client.pool.acquire()
        self._watching = True
        return await self._immediate(("WATCH", *names), R.is_ok, None)

    async def unwatch(self) -> bool:
        if self._conn is not None and self._watching:
            await self._immediate(("UNWATCH",), None, None)
        self._watching = False
        return True

    def multi(self) -> None:
        if self._explicit_multi:
            raise DataError("multi() was already called")
        if self._queue:
            raise DataError("commands were queued before multi()")
        self._explicit_multi = True

    async def execute(self, raise_on_error: bool = True) -> List[Any]:
        """Send the queue in one write; see ``diskdb.Pipeline.execute``."""
        queue = self._queue
        transaction = self.transaction or self._explicit_multi
        if not queue and not (transaction and self._watching):
            await self.reset()
            return []
        if self._scripts:
            await self._load_scripts()
        options = self.client.options
        payload, count = _pipeline.pack(queue, transaction, options.encoding)
        timeout = _pipeline.read_timeout(options.timeout, [c.block for c in queue])
        if timeout == options.timeout:
            timeout = _DEFAULT
        conn = self._conn
        pinned = conn is not None  # by watch(): WATCH state lives on that connection
        # A DUMP among the commands: read every reply as bytes and decode the others after.
        decode = None
        if options.decode_responses and _pipeline.needs_bytes(queue):
            decode = (options.encoding, options.encoding_errors)
        raw = decode is not None
        if conn is None:
            conn = await self.client.pool.acquire()
        try:
            # No retry on a pinned connection: a new socket would not carry the WATCH.
            retry = conn.proven and not pinned and self.client.retry_on_connection_error
            try:
                replies = await conn.request_many(payload, count, timeout, raw)
            except ConnectionError:
                if not retry:
                    raise
                replies = await conn.request_many(payload, count, timeout, raw)
            if transaction:
                self._watching = False
        finally:
            if not pinned:
                self.client.pool.release(conn)
            await self.reset()
        return _pipeline.results(queue, replies, transaction, raise_on_error, decode)

    async def reset(self) -> None:
        self._queue = []
        self._scripts = {}
        conn, self._conn = self._conn, None
        if conn is not None:
            if self._watching and conn.connected:
                try:
                    await conn.request(("UNWATCH",))
                except Exception:
                    pass
            self.client.pool.release(conn)
        self._watching = False
        self._explicit_multi = False


class PubSub:
    """asyncio twin of ``diskdb.PubSub``; handlers may be plain or coroutine functions."""

    def __init__(self, client: DiskDB, ignore_subscribe_messages: bool = False) -> None:
        self.client = client
        self.state = PubSubState(ignore_subscribe_messages)
        self._conn: Optional[Connection] = None

    async def __aenter__(self) -> "PubSub":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    @property
    def subscribed(self) -> bool:
        return self.state.subscribed

    async def _connection(self) -> Connection:
        conn = self._conn
        if conn is None:
            conn = self._conn = Connection(self.client.options)
            conn.keep_pushes = True
        if not conn.connected:
            await conn.connect()
            for args in self.state.resubscribe_commands():
                await conn.send_command(args)
        return conn

    async def _send(self, args: Sequence[Any]) -> None:
        conn = await self._connection()
        try:
            await conn.send_command(args)
        except ConnectionError:
            # Reconnecting restores the subscriptions; then the command goes out again.
            conn = await self._connection()
            await conn.send_command(args)

    async def _subscribe(self, command: str, names: Sequence[KeyT], handlers: Dict[str, Handler]) -> None:
        # Connect (re-sending earlier subscriptions if this is a reconnect) *before* recording
        # the new subscription, or a reconnect would send it twice.
        conn = await self._connection()
        args = self.state.subscribe(command, names, handlers)
        try:
            await conn.send_command(args)
        except ConnectionError:
            await self._connection()  # re-sends every recorded subscription, this one included

    async def subscribe(self, *channels: KeyT, **handlers: Handler) -> None:
        await self._subscribe("SUBSCRIBE", channels, handlers)

    async def psubscribe(self, *patterns: KeyT, **handlers: Handler) -> None:
        await self._subscribe("PSUBSCRIBE", patterns, handlers)

    async def unsubscribe(self, *channels: KeyT) -> None:
        if self._conn is not None:
            await self._send(("UNSUBSCRIBE", *channels))

    async def punsubscribe(self, *patterns: KeyT) -> None:
        if self._conn is not None:
            await self._send(("PUNSUBSCRIBE", *patterns))

    async def ping(self, message: Optional[EncodableT] = None) -> None:
        await self._send(("PING",) if message is None else ("PING", message))

    async def get_message(
        self, timeout: Optional[float] = 0.0, ignore_subscribe_messages: bool = False
    ) -> Optional[Dict[str, Any]]:
        if self._conn is None:
            if timeout:
                await asyncio.sleep(timeout)
            return None
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        reconnected = False
        while True:
            try:
                conn = await self._connection()
                remaining = None if deadline is None else max(0.0, deadline - loop.time())
                reply = await conn.poll_reply(remaining)
            except ConnectionError:
                if reconnected or not self.state.subscribed:
                    raise
                reconnected = True
                continue
            if reply is NEED_MORE:
                return None
            handled = self.state.handle(reply, ignore_subscribe_messages)
            if handled is not None:
                message, handler = handled
                if handler is None:
                    return message
                await _maybe_await(handler(message))
            if not self.state.subscribed:
                return None  # the last unsubscribe confirmation: nothing more will come
            if deadline is not None and loop.time() >= deadline:
                return None

    async def listen(self) -> AsyncIterator[Dict[str, Any]]:
        while self.state.subscribed:
            message = await self.get_message(timeout=None)
            if message is not None:
                yield message

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.aclose()
        self.state = PubSubState(self.state.ignore_subscribe_messages)

    aclose = close


class Monitor:
    """asyncio twin of ``diskdb.Monitor``::

        async with db.monitor() as m:
            async for record in m.listen():
                ...

    Same records; ``await m.close()`` (from the loop or another task) ends ``listen()``.
    """

    def __init__(self, client: DiskDB) -> None:
        self.client = client
        self._conn: Optional[Connection] = None
        self._closed = False

    async def __aenter__(self) -> "Monitor":
        await self._connection()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def _connection(self) -> Connection:
        if self._closed:
            raise ConnectionError("the monitor is closed")
        conn = self._conn
        if conn is None:
            conn = Connection(self.client.options, raw=True)
            reply = await conn.request(("MONITOR",))
            if isinstance(reply, CommandError):
                await conn.aclose()
                raise reply
            if reply != b"OK":
                await conn.aclose()
                raise ProtocolError("unexpected reply to MONITOR: %r" % (reply,))
            if self._closed:  # closed by another task while MONITOR was on its way
                await conn.aclose()
                raise ConnectionError("the monitor is closed")
            self._conn = conn
        return conn

    async def next_command(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The next command record, waiting up to ``timeout`` seconds (None: forever); None if
        no command ran meanwhile. Raises ``ConnectionError`` once the monitor is closed."""
        conn = await self._connection()
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            try:
                reply = await conn.poll_reply(None if deadline is None else max(0.0, deadline - loop.time()))
            except ConnectionError:
                if self._closed:
                    raise ConnectionError("the monitor is closed") from None
                raise
            if reply is not NEED_MORE:
                return parse_monitor_line(reply, self.client.options.reply_encoding)
            if deadline is not None and loop.time() >= deadline:
                return None

    async def listen(self) -> AsyncIterator[Dict[str, Any]]:
        """Yield command records until the monitor is closed."""
        while not self._closed:
            try:
                record = await self.next_command()
            except ConnectionError:
                if self._closed:
                    return
                raise
            if record is not None:
                yield record

    async def close(self) -> None:
        """End monitoring and close the connection."""
        self._closed = True
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.aclose()

    aclose = close
