"""The blocking client: ``DiskDB``, its ``Pipeline``, ``PubSub`` and ``Monitor``.

``DiskDB`` is thread-safe: every command borrows a connection from the pool for exactly one
round trip. Pipelines and pub/sub objects are not shared between threads; make one per thread.
"""

import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, TypeVar

from . import _pipeline
from . import replies as R
from ._base import ClientBase
from ._monitor import parse_monitor_line
from ._pubsub import Handler, PubSubState
from .commands import Commands, Converter, EncodableT, KeyT, Script
from .connection import _DEFAULT, Connection, ConnectionPool
from .exceptions import CommandError, ConnectionError, DataError, NoScriptError, ProtocolError, WatchError
from .resp import NEED_MORE

__all__ = ["DiskDB", "Pipeline", "PubSub", "Monitor"]

_C = TypeVar("_C", bound="DiskDB")


def _evalsha_or_load(client: Commands, script: Script, keys: List[Any], args: List[Any]) -> Any:
    """EVALSHA now; on NOSCRIPT, SCRIPT LOAD and EVALSHA once more (redis-py's Script)."""
    try:
        return client.evalsha(script.sha, len(keys), *keys, *args)
    except NoScriptError:
        script.sha = client.script_load(script.script)
        return client.evalsha(script.sha, len(keys), *keys, *args)


class DiskDB(ClientBase, Commands):
    """A DiskDB (or Redis) server.

    >>> db = DiskDB()                      # localhost:6380, db 0
    >>> db.set("greeting", "hello")
    True
    >>> db.get("greeting")
    'hello'

    Replies are decoded to ``str`` unless ``decode_responses=False`` (then ``bytes``).
    ``timeout`` bounds every connect and read (None waits forever). A command that fails with
    a connection error on a connection that had worked before is retried once on a fresh
    socket (``retry_on_connection_error``), which hides server restarts and idle disconnects;
    a command that may have run is then possibly run twice, which matters only for
    non-idempotent commands whose connection broke mid-flight.
    """

    _pool_class = ConnectionPool
    pool: ConnectionPool

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections. The client stays usable: it reconnects on demand."""
        self.pool.disconnect()

    def _execute(self, args: Sequence[Any], convert: Converter = None, block: Optional[float] = None) -> Any:
        timeout = _DEFAULT if block is None else _pipeline.read_timeout(self.options.timeout, (block,))
        pool = self.pool
        conn = pool.acquire()
        try:
            # Only a socket that has worked before can have gone stale; an error on a fresh one
            # means the server is unreachable, and retrying would just double the wait.
            retry = conn.proven and self.retry_on_connection_error
            raw = convert is R.raw_bytes
            try:
                reply = conn.request(args, timeout, raw)
            except ConnectionError:
                if not retry:
                    raise
                reply = conn.request(args, timeout, raw)
        finally:
            pool.release(conn)
        if isinstance(reply, CommandError):
            raise reply
        return convert(reply) if convert is not None else reply

    def execute(self, *args: EncodableT) -> Any:
        """Send any command (``db.execute('SET', 'k', 'v')``) and return its raw reply."""
        return self._execute(args)

    def _scan_iter(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Iterator[Any]:
        cursor = 0
        while True:
            cursor, items = method(*args, cursor=cursor, **kwargs)
            yield from (items.items() if isinstance(items, dict) else items)
            if cursor == 0:
                return

    def _run_script(self, script: Script, keys: List[Any], args: List[Any]) -> Any:
        return _evalsha_or_load(self, script, keys, args)

    def pipeline(self, transaction: bool = False) -> "Pipeline":
        """Queue commands and send them in one round trip; ``transaction=True`` wraps them in
        MULTI/EXEC so they run atomically."""
        return Pipeline(self, transaction)

    def transaction(
        self,
        func: Callable[["Pipeline"], Any],
        *watches: KeyT,
        value_from_callable: bool = False,
        watch_delay: Optional[float] = None,
    ) -> Any:
        """Optimistic transaction: WATCH ``watches``, call ``func(pipe)``, EXEC; start over if a
        watched key changed meanwhile.

        Inside ``func``, commands run at once (read what you need), until ``pipe.multi()``;
        commands after it are queued and run atomically by EXEC. Returns EXEC's results, or
        ``func``'s return value with ``value_from_callable=True``.
        """
        with self.pipeline(transaction=True) as pipe:
            while True:
                try:
                    if watches:
                        pipe.watch(*watches)
                    value = func(pipe)
                    results = pipe.execute()
                    return value if value_from_callable else results
                except WatchError:
                    if watch_delay:
                        time.sleep(watch_delay)

    def pubsub(self, ignore_subscribe_messages: bool = False) -> "PubSub":
        """A pub/sub session on its own connection."""
        return PubSub(self, ignore_subscribe_messages)

    def monitor(self) -> "Monitor":
        """MONITOR on its own connection: ``with db.monitor() as m: for cmd in m.listen()``
        yields a record of every command the server runs, from any client."""
        return Monitor(self)


class Pipeline(Commands):
    """Commands queued by the same methods as ``DiskDB`` and sent together by ``execute()``.

    Each queuing call returns the pipeline, so calls chain: ``pipe.set('a', 1).get('a')``.
    After ``watch()`` the pipeline runs commands immediately on its own connection until
    ``multi()``; that is how a transaction reads the values it then updates.
    """

    def __init__(self, client: DiskDB, transaction: bool) -> None:
        self.client = client
        self.transaction = transaction
        self._queue: List[_pipeline.Queued] = []
        self._scripts: Dict[str, Script] = {}  # by SHA1: loaded by execute() if missing
        self._conn: Optional[Connection] = None  # pinned while watching
        self._watching = False
        self._explicit_multi = False

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.reset()

    def __len__(self) -> int:
        return len(self._queue)

    def __bool__(self) -> bool:
        # Without this, an empty pipeline would be falsy (via __len__) and `if pipe:` lies.
        return True

    def _execute(self, args: Sequence[Any], convert: Converter = None, block: Optional[float] = None) -> Any:
        if self._watching and not self._explicit_multi:
            return self._immediate(args, convert, block)
        self._queue.append(_pipeline.Queued(args, convert, block))
        return self

    def _immediate(self, args: Sequence[Any], convert: Converter, block: Optional[float]) -> Any:
        conn = self._conn
        assert conn is not None
        timeout = _DEFAULT if block is None else _pipeline.read_timeout(self.client.options.timeout, (block,))
        try:
            reply = conn.request(args, timeout, convert is R.raw_bytes)
        except ConnectionError:
            # WATCH lives on the connection: after a reconnect nothing is watched any more, so
            # going on could silently lose the optimistic-lock guarantee.
            self.reset()
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

    def _load_scripts(self) -> None:
        """SCRIPT LOAD the queued scripts the server lacks, before their EVALSHA is sent; on
        the pinned connection if watching (the pool may have no other one to spare)."""
        scripts = list(self._scripts.values())
        run = self._immediate if self._conn is not None else self.client._execute
        exists = run(("SCRIPT", "EXISTS", *(s.sha for s in scripts)), R.to_bool_list, None)
        for script, loaded in zip(scripts, exists):
            if not loaded:
                run(("SCRIPT", "LOAD", script.script), None, None)

    def watch(self, *names: KeyT) -> bool:
        """WATCH keys: EXEC will fail with WatchError if any of them changes first."""
        if self._explicit_multi:
            raise DataError("WATCH must come before MULTI")
        if self._conn is None:
            self._conn = self.client.pool.acquire()
        self._watching = True
        return self._immediate(("WATCH", *names), R.is_ok, None)

    def unwatch(self) -> bool:
        if self._conn is not None and self._watching:
            self._immediate(("UNWATCH",), None, None)
        self._watching = False
        return True

    def multi(self) -> None:
        """Start queuing the transaction's commands (after ``watch`` and the reads)."""
        if self._explicit_multi:
            raise DataError("multi() was already called")
        if self._queue:
            raise DataError("commands were queued before multi()")
        self._explicit_multi = True

    def execute(self, raise_on_error: bool = True) -> List[Any]:
        """Send the queue in one write and return the converted replies in order.

        A command's error reply is raised (the first one, after all replies were read) or,
        with ``raise_on_error=False``, left in the list as an exception. Transactions raise
        WatchError when EXEC was refused because a watched key changed.
        """
        queue = self._queue
        transaction = self.transaction or self._explicit_multi
        if not queue and not (transaction and self._watching):
            self.reset()
            return []
        if self._scripts:
            self._load_scripts()
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
            conn = self.client.pool.acquire()
        try:
            # No retry on a pinned connection: a new socket would not carry the WATCH.
            retry = conn.proven and not pinned and self.client.retry_on_connection_error
            try:
                replies = conn.request_many(payload, count, timeout, raw)
            except ConnectionError:
                if not retry:
                    raise
                replies = conn.request_many(payload, count, timeout, raw)
            if transaction:
                self._watching = False  # EXEC has cleared the watches; no UNWATCH needed
        finally:
            if not pinned:
                self.client.pool.release(conn)
            self.reset()
        return _pipeline.results(queue, replies, transaction, raise_on_error, decode)

    def reset(self) -> None:
        """Drop queued commands, unwatch, and give a pinned connection back to the pool."""
        self._queue = []
        self._scripts = {}
        conn, self._conn = self._conn, None
        if conn is not None:
            if self._watching and conn.connected:
                try:
                    conn.request(("UNWATCH",))
                except Exception:  # the connection is dropped by request() on failure
                    pass
            self.client.pool.release(conn)
        self._watching = False
        self._explicit_multi = False


class PubSub:
    """Subscribe to channels and patterns and read what is published there.

    Messages are dicts ``{'type', 'pattern', 'channel', 'data'}`` with type 'message',
    'pmessage', or a subscription confirmation ('subscribe', ...; suppressed with
    ``ignore_subscribe_messages``). A channel given with a handler
    (``subscribe(news=callback)``) calls it instead of returning the message. After a dropped
    connection, the next read reconnects and subscribes again; messages published in between
    are lost, as with Redis.
    """

    def __init__(self, client: DiskDB, ignore_subscribe_messages: bool = False) -> None:
        self.client = client
        self.state = PubSubState(ignore_subscribe_messages)
        self._conn: Optional[Connection] = None

    def __enter__(self) -> "PubSub":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    @property
    def subscribed(self) -> bool:
        return self.state.subscribed

    def _connection(self) -> Connection:
        conn = self._conn
        if conn is None:
            conn = self._conn = Connection(self.client.options)
            conn.keep_pushes = True
        if not conn.connected:
            conn.connect()
            for args in self.state.resubscribe_commands():
                conn.send_command(args)
        return conn

    def _send(self, args: Sequence[Any]) -> None:
        conn = self._connection()
        try:
            conn.send_command(args)
        except ConnectionError:
            # Reconnecting restores the subscriptions; then the command goes out again.
            conn = self._connection()
            conn.send_command(args)

    def _subscribe(self, command: str, names: Sequence[KeyT], handlers: Dict[str, Handler]) -> None:
        # Connect (re-sending earlier subscriptions if this is a reconnect) *before* recording
        # the new subscription, or a reconnect would send it twice.
        conn = self._connection()
        args = self.state.subscribe(command, names, handlers)
        try:
            conn.send_command(args)
        except ConnectionError:
            self._connection()  # re-sends every recorded subscription, this one included

    def subscribe(self, *channels: KeyT, **handlers: Handler) -> None:
        """SUBSCRIBE; keyword arguments subscribe a channel with a handler callback."""
        self._subscribe("SUBSCRIBE", channels, handlers)

    def psubscribe(self, *patterns: KeyT, **handlers: Handler) -> None:
        """PSUBSCRIBE to glob patterns ('news.*')."""
        self._subscribe("PSUBSCRIBE", patterns, handlers)

    def unsubscribe(self, *channels: KeyT) -> None:
        """UNSUBSCRIBE from the channels, or from all of them if none are named."""
        if self._conn is not None:
            self._send(("UNSUBSCRIBE", *channels))

    def punsubscribe(self, *patterns: KeyT) -> None:
        if self._conn is not None:
            self._send(("PUNSUBSCRIBE", *patterns))

    def ping(self, message: Optional[EncodableT] = None) -> None:
        """PING; the answer arrives as a message of type 'pong'."""
        self._send(("PING",) if message is None else ("PING", message))

    def get_message(
        self, timeout: Optional[float] = 0.0, ignore_subscribe_messages: bool = False
    ) -> Optional[Dict[str, Any]]:
        """The next message, waiting up to ``timeout`` seconds (None: forever); None if nothing
        came. Without a connection yet, just sleeps ``timeout`` so polling loops do not spin."""
        if self._conn is None:
            if timeout:
                time.sleep(timeout)
            return None
        deadline = None if timeout is None else time.monotonic() + timeout
        reconnected = False
        while True:
            try:
                conn = self._connection()
                reply = conn.poll_reply(None if deadline is None else max(0.0, deadline - time.monotonic()))
            except ConnectionError:
                # Reconnect (and resubscribe) once per call; a second failure is the caller's.
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
                handler(message)
            if not self.state.subscribed:
                return None  # the last unsubscribe confirmation: nothing more will come
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def listen(self) -> Iterator[Dict[str, Any]]:
        """Yield messages for as long as anything is subscribed."""
        while self.state.subscribed:
            message = self.get_message(timeout=None)
            if message is not None:
                yield message

    def close(self) -> None:
        """Close the pub/sub connection; subscriptions end with it."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.disconnect()
        self.state = PubSubState(self.state.ignore_subscribe_messages)


class Monitor:
    """MONITOR: a record of every command the server runs, from any client, as it runs it.

    Use it as a context manager, so the dedicated connection is closed at the end::

        with db.monitor() as m:
            for record in m.listen():
                print(record["time"], record["client_address"], record["command"])

    Records are dicts: ``time`` (float, Unix seconds), ``db`` (int), ``client_address``,
    ``client_port`` (str, as redis-py gives them), ``client_type`` ('tcp', 'unix', 'lua'),
    ``command`` (the arguments joined by spaces, unescaped) and ``args`` (the argument list:
    str, or bytes with ``decode_responses=False``). Monitoring starts on entering the ``with``
    block (or at the first ``next_command``) and ends with ``close()``; a closed monitor cannot
    be restarted. A dropped connection raises ``ConnectionError``: it is not reconnected, since
    commands run meanwhile would be missed silently.
    """

    def __init__(self, client: DiskDB) -> None:
        self.client = client
        self._conn: Optional[Connection] = None
        self._closed = False

    def __enter__(self) -> "Monitor":
        self._connection()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _connection(self) -> Connection:
        if self._closed:
            raise ConnectionError("the monitor is closed")
        conn = self._conn
        if conn is None:
            # Lines are read as bytes: arguments are unescaped from them, then decoded.
            conn = Connection(self.client.options, raw=True)
            reply = conn.request(("MONITOR",))
            if isinstance(reply, CommandError):
                conn.disconnect()
                raise reply
            if reply != b"OK":
                conn.disconnect()
                raise ProtocolError("unexpected reply to MONITOR: %r" % (reply,))
            if self._closed:  # closed by another thread while MONITOR was on its way
                conn.disconnect()
                raise ConnectionError("the monitor is closed")
            self._conn = conn
        return conn

    def next_command(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The next command record, waiting up to ``timeout`` seconds (None: forever); None if
        no command ran meanwhile. Raises ``ConnectionError`` once the monitor is closed."""
        conn = self._connection()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                reply = conn.poll_reply(None if deadline is None else max(0.0, deadline - time.monotonic()))
            except ConnectionError:
                if self._closed:
                    raise ConnectionError("the monitor is closed") from None
                raise
            if reply is not NEED_MORE:
                return parse_monitor_line(reply, self.client.options.reply_encoding)
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def listen(self) -> Iterator[Dict[str, Any]]:
        """Yield command records until the monitor is closed (from the loop, or from another
        thread: ``close()`` wakes the waiting read)."""
        while not self._closed:
            try:
                record = self.next_command()
            except ConnectionError:
                if self._closed:
                    return
                raise
            if record is not None:
                yield record

    def close(self) -> None:
        """End monitoring and close the connection."""
        self._closed = True
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.disconnect(shutdown=True)
