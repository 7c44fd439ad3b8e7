"""Every DiskDB command the clients expose, written once.

Each method only *describes* a command: it builds the argument list and names the converter
for the reply, then hands both to ``self._execute(args, convert, block)`` (``bitfield`` returns a
builder whose ``execute()`` does that; ``register_script`` a ``Script`` that calls
``self._run_script``). What happens next is the subclass's business:

* ``diskdb.DiskDB`` sends the command and returns the converted reply;
* ``diskdb.asyncio.DiskDB`` returns a coroutine that does the same;
* pipelines queue ``(args, convert)`` and apply ``convert`` when ``execute()`` reads replies.

So a method must never post-process what ``_execute`` returns: all reply shaping lives in the
converter (``diskdb.replies``). Type hints describe the blocking client; on the asyncio client
each method returns an awaitable of the same type.

Values typed ``Value`` are ``str`` when the client decodes responses (the default) and ``bytes``
otherwise.
"""

import datetime
import hashlib
import json
from collections import abc
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

from . import replies as R
from .exceptions import DataError

KeyT = Union[str, bytes]
EncodableT = Union[str, bytes, int, float]
Value = Any  # str with decode_responses=True (default), bytes otherwise
ExpiryT = Union[int, datetime.timedelta]
AbsExpiryT = Union[int, datetime.datetime]
ScoreT = Union[int, float, str]  # str for "-inf", "+inf", "(1.5" (exclusive)
Converter = Optional[Callable[[Any], Any]]

__all__ = ["Commands", "BitFieldOperation", "Script", "KeyT", "EncodableT", "Value"]


def _seconds(value: ExpiryT) -> int:
    if isinstance(value, datetime.timedelta):
        return int(value.total_seconds())
    return value


def _millis(value: ExpiryT) -> int:
    if isinstance(value, datetime.timedelta):
        return int(value.total_seconds() * 1000)
    return value


def _unix_seconds(value: AbsExpiryT) -> int:
    if isinstance(value, datetime.datetime):
        return int(value.timestamp())
    return value


def _unix_millis(value: AbsExpiryT) -> int:
    if isinstance(value, datetime.datetime):
        return int(value.timestamp() * 1000)
    return value


def _keys(keys: Any, more: Sequence[Any]) -> List[Any]:
    """Accept ``f('a', 'b')`` and ``f(['a', 'b'])`` alike, as redis-py users expect."""
    if isinstance(keys, (str, bytes)):
        return [keys, *more]
    return [*keys, *more]


def _expire_flags(args: List[Any], nx: bool, xx: bool, gt: bool, lt: bool) -> List[Any]:
    for flag, name in ((nx, "NX"), (xx, "XX"), (gt, "GT"), (lt, "LT")):
        if flag:
            args.append(name)
    return args


def _limit(args: List[Any], offset: Optional[int], num: Optional[int]) -> None:
    if (offset is None) != (num is None):
        raise DataError("offset and num must be given together")
    if offset is not None:
        args += ["LIMIT", offset, num]


def _json_dumps(obj: Any) -> str:
    # Compact separators: the server stores the text as given, so spaces would cost disk.
    return json.dumps(obj, separators=(",", ":"))


class BitFieldOperation:
    """One BITFIELD command under construction; ``Commands.bitfield`` makes it.

    Each method adds a subcommand and returns the builder, so calls chain; ``execute()`` sends
    the command through the client that made the builder (so it runs, is awaited, or is queued
    just like that client's other commands) and empties the builder for reuse. Offsets are bit
    offsets, or strings like '#2' counting in fields of the encoding's width.
    """

    def __init__(self, client: "Commands", key: KeyT, default_overflow: Optional[str] = None) -> None:
        self.client = client
        self.key = key
        self._default_overflow = default_overflow
        self.reset()

    def reset(self) -> None:
        """Drop the operations added so far (``default_overflow`` still applies)."""
        self.operations: List[Tuple[Any, ...]] = []
        self._last_overflow = "WRAP"  # the server's default, so it need not be sent
        if self._default_overflow is not None:
            self.overflow(self._default_overflow)

    def overflow(self, overflow: str) -> "BitFieldOperation":
        """OVERFLOW 'WRAP', 'SAT' or 'FAIL' for the SET and INCRBY operations that follow."""
        overflow = overflow.upper()
        if overflow != self._last_overflow:
            self._last_overflow = overflow
            self.operations.append(("OVERFLOW", overflow))
        return self

    def get(self, fmt: str, offset: Union[int, str]) -> "BitFieldOperation":
        """GET the field of encoding ``fmt`` ('u8', 'i16', ...) at ``offset``."""
        self.operations.append(("GET", fmt, offset))
        return self

    def set(self, fmt: str, offset: Union[int, str], value: int) -> "BitFieldOperation":
        """SET the field; its reply is the old value."""
        self.operations.append(("SET", fmt, offset, value))
        return self

    def incrby(
        self, fmt: str, offset: Union[int, str], increment: int, overflow: Optional[str] = None
    ) -> "BitFieldOperation":
        """INCRBY the field; its reply is the new value. ``overflow`` is ``overflow(...)`` first,
        and stays in force for later operations, as on the server."""
        if overflow is not None:
            self.overflow(overflow)
        self.operations.append(("INCRBY", fmt, offset, increment))
        return self

    @property
    def command(self) -> List[Any]:
        """The arguments ``execute()`` would send."""
        args: List[Any] = ["BITFIELD", self.key]
        for operation in self.operations:
            args += operation
        return args

    def execute(self) -> Any:
        """Send the command: ``List[Optional[int]]``, one per GET/SET/INCRBY, None where
        OVERFLOW FAIL refused a write (awaitable on the asyncio client; the pipeline, when
        queued). The builder is then empty again."""
        args = self.command
        self.reset()
        return self.client._execute(args)


class Script:
    """A Lua script run by its SHA1 digest (EVALSHA), so its text is sent only when the server
    lacks it; ``Commands.register_script`` makes it, as in redis-py.

    ``script(keys=[...], args=[...])`` runs EVALSHA; if the server answers NOSCRIPT (the script
    was never loaded, or SCRIPT FLUSH dropped it), it sends SCRIPT LOAD and EVALSHA once more.
    The reply is ``eval``'s. ``client`` runs it on another client or on a pipeline instead: a
    pipeline queues the EVALSHA, and its ``execute()`` first loads the queued scripts the server
    lacks. On the asyncio client (and an asyncio pipeline in WATCH mode) the call returns an
    awaitable.
    """

    def __init__(self, registered_client: "Commands", script: Union[str, bytes]) -> None:
        self.registered_client = registered_client
        self.script = script
        text = script.encode(_encoding(registered_client)) if isinstance(script, str) else script
        self.sha = hashlib.sha1(text).hexdigest()

    def __call__(
        self,
        keys: Optional[Sequence[KeyT]] = None,
        args: Optional[Sequence[EncodableT]] = None,
        client: Optional["Commands"] = None,
    ) -> Any:
        """Run the script with ``keys`` as KEYS and ``args`` as ARGV."""
        if client is None:
            client = self.registered_client
        return client._run_script(self, list(keys or ()), list(args or ()))


def _encoding(client: "Commands") -> str:
    """The encoding ``client`` sends str arguments in (a pipeline uses its client's)."""
    options = getattr(client, "options", None)
    if options is None:
        options = getattr(client, "client").options
    return options.encoding


class Commands:
    """The command methods; subclasses implement ``_execute``, ``_scan_iter`` and
    ``_run_script``."""

    def _execute(self, args: Sequence[Any], convert: Converter = None, block: Optional[float] = None) -> Any:
        """Run, queue or schedule one command. ``block``: seconds the server may wait before
        answering (BLPOP, XREAD BLOCK...; 0 = forever), so the read timeout is extended."""
        raise NotImplementedError

    def _scan_iter(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def _run_script(self, script: Script, keys: List[Any], args: List[Any]) -> Any:
        """Run a registered ``Script``: EVALSHA, and on NOSCRIPT SCRIPT LOAD then EVALSHA again
        (a pipeline queues the EVALSHA and loads the script in ``execute()``)."""
        raise NotImplementedError

    # -- generic ----------------------------------------------------------------------------

    def execute_command(self, *args: EncodableT) -> Any:
        """Send any command as-is and return its raw reply (decoded per decode_responses)."""
        return self._execute(args)

    # -- strings ----------------------------------------------------------------------------

    def set(
        self,
        name: KeyT,
        value: EncodableT,
        ex: Optional[ExpiryT] = None,
        px: Optional[ExpiryT] = None,
        exat: Optional[AbsExpiryT] = None,
        pxat: Optional[AbsExpiryT] = None,
        nx: bool = False,
        xx: bool = False,
        keepttl: bool = False,
        get: bool = False,
    ) -> Any:
        """SET. Returns True if written, False if NX/XX prevented it; with ``get=True`` the
        previous value (None if there was none)."""
        args: List[Any] = ["SET", name, value]
        if ex is not None:
            args += ["EX", _seconds(ex)]
        if px is not None:
            args += ["PX", _millis(px)]
        if exat is not None:
            args += ["EXAT", _unix_seconds(exat)]
        if pxat is not None:
            args += ["PXAT", _unix_millis(pxat)]
        if nx:
            args.append("NX")
        if xx:
            args.append("XX")
        if keepttl:
            args.append("KEEPTTL")
        if get:
            args.append("GET")
            return self._execute(args)
        return self._execute(args, R.is_ok)

    def get(self, name: KeyT) -> Optional[Value]:
        """GET: the value, or None if the key does not exist."""
        return self._execute(("GET", name))

    def getset(self, name: KeyT, value: EncodableT) -> Optional[Value]:
        return self._execute(("GETSET", name, value))

    def getdel(self, name: KeyT) -> Optional[Value]:
        return self._execute(("GETDEL", name))

    def getex(
        self,
        name: KeyT,
        ex: Optional[ExpiryT] = None,
        px: Optional[ExpiryT] = None,
        exat: Optional[AbsExpiryT] = None,
        pxat: Optional[AbsExpiryT] = None,
        persist: bool = False,
    ) -> Optional[Value]:
        args: List[Any] = ["GETEX", name]
        if ex is not None:
            args += ["EX", _seconds(ex)]
        if px is not None:
            args += ["PX", _millis(px)]
        if exat is not None:
            args += ["EXAT", _unix_seconds(exat)]
        if pxat is not None:
            args += ["PXAT", _unix_millis(pxat)]
        if persist:
            args.append("PERSIST")
        return self._execute(args)

    def incr(self, name: KeyT, amount: int = 1) -> int:
        if amount == 1:
            return self._execute(("INCR", name))
        return self._execute(("INCRBY", name, amount))

    def decr(self, name: KeyT, amount: int = 1) -> int:
        if amount == 1:
            return self._execute(("DECR", name))
        return self._execute(("DECRBY", name, amount))

    def incrby(self, name: KeyT, amount: int = 1) -> int:
        return self._execute(("INCRBY", name, amount))

    def decrby(self, name: KeyT, amount: int = 1) -> int:
        return self._execute(("DECRBY", name, amount))

    def incrbyfloat(self, name: KeyT, amount: float = 1.0) -> float:
        return self._execute(("INCRBYFLOAT", name, amount), R.to_float)

    def append(self, name: KeyT, value: EncodableT) -> int:
        """APPEND: the new length."""
        return self._execute(("APPEND", name, value))

    def strlen(self, name: KeyT) -> int:
        return self._execute(("STRLEN", name))

    def getrange(self, name: KeyT, start: int, end: int) -> Value:
        return self._execute(("GETRANGE", name, start, end))

    def setrange(self, name: KeyT, offset: int, value: EncodableT) -> int:
        return self._execute(("SETRANGE", name, offset, value))

    def mget(self, keys: Union[KeyT, Iterable[KeyT]], *args: KeyT) -> List[Optional[Value]]:
        """MGET: one value (or None) per key; takes keys as arguments or as one list."""
        return self._execute(["MGET", *_keys(keys, args)])

    def mset(self, mapping: Mapping[KeyT, EncodableT]) -> bool:
        args: List[Any] = ["MSET"]
        for pair in mapping.items():
            args += pair
        return self._execute(args, R.is_ok)

    def msetnx(self, mapping: Mapping[KeyT, EncodableT]) -> bool:
        """MSETNX: True if all keys were set, False (nothing set) if any existed."""
        args: List[Any] = ["MSETNX"]
        for pair in mapping.items():
            args += pair
        return self._execute(args, R.to_bool)

    def setnx(self, name: KeyT, value: EncodableT) -> bool:
        return self._execute(("SETNX", name, value), R.to_bool)

    def setex(self, name: KeyT, time: ExpiryT, value: EncodableT) -> bool:
        return self._execute(("SETEX", name, _seconds(time), value), R.is_ok)

    def psetex(self, name: KeyT, time_ms: ExpiryT, value: EncodableT) -> bool:
        return self._execute(("PSETEX", name, _millis(time_ms), value), R.is_ok)

    def setbit(self, name: KeyT, offset: int, value: int) -> int:
        """SETBIT: the bit's previous value."""
        return self._execute(("SETBIT", name, offset, value))

    def getbit(self, name: KeyT, offset: int) -> int:
        return self._execute(("GETBIT", name, offset))

    def bitcount(
        self, name: KeyT, start: Optional[int] = None, end: Optional[int] = None, mode: Optional[str] = None
    ) -> int:
        """BITCOUNT over the whole value or a range; ``mode`` is 'BYTE' or 'BIT' (Redis 7)."""
        args: List[Any] = ["BITCOUNT", name]
        if (start is None) != (end is None):
            raise DataError("start and end must be given together")
        if start is not None:
            args += [start, end]
            if mode is not None:
                args.append(mode)
        return self._execute(args)

    def bitop(self, operation: str, dest: KeyT, *keys: KeyT) -> int:
        """BITOP ``operation`` ('AND', 'OR', 'XOR', or 'NOT' of one key) of the strings at
        ``keys``, stored at ``dest``: the stored string's length (the longest input's)."""
        return self._execute(("BITOP", operation, dest, *keys))

    def bitfield(self, key: KeyT, default_overflow: Optional[str] = None) -> BitFieldOperation:
        """BITFIELD, built up call by call and sent by ``execute()``, as in redis-py::

            db.bitfield("k").set("u8", 0, 200).incrby("u8", 0, 100, overflow="SAT").execute()

        returns ``[0, 255]``: one int per GET, SET (the old value) and INCRBY (the new value),
        None where OVERFLOW FAIL refused an increment. ``default_overflow`` ('WRAP', 'SAT',
        'FAIL') applies from the first operation on. On the asyncio client ``execute()``
        returns an awaitable; on a pipeline it queues the command."""
        return BitFieldOperation(self, key, default_overflow)

    def bitfield_ro(
        self,
        key: KeyT,
        encoding: str,
        offset: Union[int, str],
        items: Optional[Iterable[Tuple[str, Union[int, str]]]] = None,
    ) -> List[int]:
        """BITFIELD_RO: GET the field ``encoding`` ('u8', 'i5', ...) at ``offset`` ('#2' counts
        in fields of that width), then every ``(encoding, offset)`` of ``items``; one int each."""
        args: List[Any] = ["BITFIELD_RO", key, "GET", encoding, offset]
        for more_encoding, more_offset in items or ():
            args += ["GET", more_encoding, more_offset]
        return self._execute(args)

    # -- keys -------------------------------------------------------------------------------

    def exists(self, *names: KeyT) -> int:
        """EXISTS: how many of the keys exist (a key named twice counts twice)."""
        return self._execute(("EXISTS", *names))

    def delete(self, *names: KeyT) -> int:
        """DEL: how many keys were removed."""
        return self._execute(("DEL", *names))

    def unlink(self, *names: KeyT) -> int:
        return self._execute(("UNLINK", *names))

    def type(self, name: KeyT) -> str:
        """TYPE: 'string', 'list', 'set', 'hash', 'zset', 'json', 'stream' or 'none'."""
        return self._execute(("TYPE", name), R.type_name)

    def expire(
        self, name: KeyT, time: ExpiryT, nx: bool = False, xx: bool = False, gt: bool = False, lt: bool = False
    ) -> bool:
        """EXPIRE: True if the timeout was set."""
        return self._execute(_expire_flags(["EXPIRE", name, _seconds(time)], nx, xx, gt, lt), R.to_bool)

    def pexpire(
        self, name: KeyT, time: ExpiryT, nx: bool = False, xx: bool = False, gt: bool = False, lt: bool = False
    ) -> bool:
        return self._execute(_expire_flags(["PEXPIRE", name, _millis(time)], nx, xx, gt, lt), R.to_bool)

    def expireat(
        self, name: KeyT, when: AbsExpiryT, nx: bool = False, xx: bool = False, gt: bool = False, lt: bool = False
    ) -> bool:
        return self._execute(
            _expire_flags(["EXPIREAT", name, _unix_seconds(when)], nx, xx, gt, lt), R.to_bool
        )

    def pexpireat(
        self, name: KeyT, when: AbsExpiryT, nx: bool = False, xx: bool = False, gt: bool = False, lt: bool = False
    ) -> bool:
        return self._execute(
            _expire_flags(["PEXPIREAT", name, _unix_millis(when)], nx, xx, gt, lt), R.to_bool
        )

    def ttl(self, name: KeyT) -> int:
        """TTL in seconds; -1 if the key has no expiry, -2 if it does not exist."""
        return self._execute(("TTL", name))

    def pttl(self, name: KeyT) -> int:
        return self._execute(("PTTL", name))

    def expiretime(self, name: KeyT) -> int:
        """EXPIRETIME (Redis 7): absolute Unix time in seconds, -1 no expiry, -2 no key."""
        return self._execute(("EXPIRETIME", name))

    def persist(self, name: KeyT) -> bool:
        """PERSIST: True if an expiry was removed."""
        return self._execute(("PERSIST", name), R.to_bool)

    def keys(self, pattern: EncodableT = "*") -> List[Value]:
        """KEYS: every key matching the glob. Walks the whole keyspace; prefer scan_iter."""
        return self._execute(("KEYS", pattern), R.to_list)

    def scan(
        self,
        cursor: int = 0,
        match: Optional[EncodableT] = None,
        count: Optional[int] = None,
        type: Optional[str] = None,
    ) -> Tuple[int, List[Value]]:
        """SCAN: ``(next cursor, keys)``; the iteration is over when the cursor is 0."""
        args: List[Any] = ["SCAN", cursor]
        if match is not None:
            args += ["MATCH", match]
        if count is not None:
            args += ["COUNT", count]
        if type is not None:
            args += ["TYPE", type]
        return self._execute(args, R.scan_reply)

    def scan_iter(
        self, match: Optional[EncodableT] = None, count: Optional[int] = None, type: Optional[str] = None
    ) -> Iterator[Value]:
        """Every key matching, via repeated SCAN. A key may be yielded more than once if the
        keyspace changes meanwhile (SCAN's guarantee)."""
        return self._scan_iter(self.scan, match=match, count=count, type=type)

    def rename(self, src: KeyT, dst: KeyT) -> bool:
        return self._execute(("RENAME", src, dst), R.is_ok)

    def renamenx(self, src: KeyT, dst: KeyT) -> bool:
        """RENAMENX: False if ``dst`` already exists."""
        return self._execute(("RENAMENX", src, dst), R.to_bool)

    def copy(self, source: KeyT, destination: KeyT, db: Optional[int] = None, replace: bool = False) -> bool:
        args: List[Any] = ["COPY", source, destination]
        if db is not None:
            args += ["DB", db]
        if replace:
            args.append("REPLACE")
        return self._execute(args, R.to_bool)

    def move(self, name: KeyT, db: int) -> bool:
        return self._execute(("MOVE", name, db), R.to_bool)

    def randomkey(self) -> Optional[Value]:
        return self._execute(("RANDOMKEY",))

    def touch(self, *names: KeyT) -> int:
        return self._execute(("TOUCH", *names))

    def dump(self, name: KeyT) -> Optional[bytes]:
        """DUMP: the key's value serialized (Redis's RDB format), or None if it does not exist.

        Always ``bytes``, even with ``decode_responses=True``: the payload is binary. Feed it to
        ``restore`` here or on another server. The key's TTL is not part of it."""
        return self._execute(("DUMP", name), R.raw_bytes)

    def restore(
        self,
        name: KeyT,
        ttl: Union[ExpiryT, AbsExpiryT],
        value: EncodableT,
        replace: bool = False,
        absttl: bool = False,
        idletime: Optional[int] = None,
        frequency: Optional[int] = None,
    ) -> bool:
        """RESTORE a ``dump`` payload into ``name``; True on success.

        ``ttl`` is in milliseconds (a ``timedelta`` works too), 0 for no expiry; with
        ``absttl=True`` it is an absolute Unix time in milliseconds (or a ``datetime``).
        Without ``replace`` an existing key is an error (``CommandError`` with code
        ``BUSYKEY``). ``idletime`` (seconds) and ``frequency`` seed the eviction statistics;
        give at most one. A corrupt payload raises ``CommandError``."""
        if isinstance(ttl, datetime.datetime):
            if not absttl:
                raise DataError("a datetime ttl is an absolute time: pass absttl=True")
            ttl = _unix_millis(ttl)
        elif isinstance(ttl, datetime.timedelta):
            if absttl:
                raise DataError("absttl=True needs a Unix time (int or datetime), not a timedelta")
            ttl = _millis(ttl)
        args: List[Any] = ["RESTORE", name, ttl, value]
        if replace:
            args.append("REPLACE")
        if absttl:
            args.append("ABSTTL")
        if idletime is not None:
            args += ["IDLETIME", idletime]
        if frequency is not None:
            args += ["FREQ", frequency]
        return self._execute(args, R.is_ok)

    def sort(
        self,
        name: KeyT,
        start: Optional[int] = None,
        num: Optional[int] = None,
        by: Optional[KeyT] = None,
        get: Optional[Union[KeyT, Iterable[KeyT]]] = None,
        desc: bool = False,
        alpha: bool = False,
        store: Optional[KeyT] = None,
        groups: bool = False,
    ) -> Any:
        """SORT the list, set or sorted set at ``name``: its elements, numerically (``alpha``:
        as strings), ``num`` of them from ``start``.

        ``by`` sorts by other keys' values instead: a pattern whose ``*`` is replaced by each
        element ('weight_*', or 'w_*->field' for a hash field); 'nosort' keeps the stored
        order. ``get`` (one pattern or several) returns those keys' values instead of the
        elements, None where a key is missing; '#' is the element itself. ``groups=True``
        turns the values of several ``get`` patterns into one tuple per element. With
        ``store`` the result is saved as a list at that key and the reply is its length."""
        patterns = None if get is None else _keys(get, ())  # a list: groups counts it
        args = _sort_args("SORT", name, start, num, by, patterns, desc, alpha)
        if store is not None:
            if groups:
                raise DataError("groups cannot be combined with store")
            args += ["STORE", store]
            return self._execute(args)
        if groups:
            if patterns is None or len(patterns) < 2:
                raise DataError("groups needs at least two get patterns")
            return self._execute(args, R.grouped(len(patterns)))
        return self._execute(args)

    def sort_ro(
        self,
        key: KeyT,
        start: Optional[int] = None,
        num: Optional[int] = None,
        by: Optional[KeyT] = None,
        get: Optional[Union[KeyT, Iterable[KeyT]]] = None,
        desc: bool = False,
        alpha: bool = False,
    ) -> List[Optional[Value]]:
        """SORT_RO: ``sort`` without ``store``, so replicas and read-only ACLs allow it."""
        return self._execute(_sort_args("SORT_RO", key, start, num, by, get, desc, alpha))

    # -- lists ------------------------------------------------------------------------------

    def lpush(self, name: KeyT, *values: EncodableT) -> int:
        """LPUSH: the list's new length."""
        return self._execute(("LPUSH", name, *values))

    def rpush(self, name: KeyT, *values: EncodableT) -> int:
        return self._execute(("RPUSH", name, *values))

    def lpushx(self, name: KeyT, *values: EncodableT) -> int:
        return self._execute(("LPUSHX", name, *values))

    def rpushx(self, name: KeyT, *values: EncodableT) -> int:
        return self._execute(("RPUSHX", name, *values))

    def lpop(self, name: KeyT, count: Optional[int] = None) -> Any:
        """LPOP: one value (None if empty), or with ``count`` a list (None if the key is missing)."""
        if count is None:
            return self._execute(("LPOP", name))
        return self._execute(("LPOP", name, count))

    def rpop(self, name: KeyT, count: Optional[int] = None) -> Any:
        if count is None:
            return self._execute(("RPOP", name))
        return self._execute(("RPOP", name, count))

    def llen(self, name: KeyT) -> int:
        return self._execute(("LLEN", name))

    def lrange(self, name: KeyT, start: int, end: int) -> List[Value]:
        """LRANGE, both ends inclusive; negative indexes count from the tail."""
        return self._execute(("LRANGE", name, start, end))

    def lindex(self, name: KeyT, index: int) -> Optional[Value]:
        return self._execute(("LINDEX", name, index))

    def lset(self, name: KeyT, index: int, value: EncodableT) -> bool:
        return self._execute(("LSET", name, index, value), R.is_ok)

    def ltrim(self, name: KeyT, start: int, end: int) -> bool:
        return self._execute(("LTRIM", name, start, end), R.is_ok)

    def linsert(self, name: KeyT, where: str, refvalue: EncodableT, value: EncodableT) -> int:
        """LINSERT ``where`` ('BEFORE' or 'AFTER') the pivot: new length, -1 if no pivot."""
        return self._execute(("LINSERT", name, where, refvalue, value))

    def lrem(self, name: KeyT, count: int, value: EncodableT) -> int:
        return self._execute(("LREM", name, count, value))

    def lpos(
        self,
        name: KeyT,
        value: EncodableT,
        rank: Optional[int] = None,
        count: Optional[int] = None,
        maxlen: Optional[int] = None,
    ) -> Any:
        """LPOS: the index (or None); with ``count`` a list of indexes."""
        args: List[Any] = ["LPOS", name, value]
        if rank is not None:
            args += ["RANK", rank]
        if count is not None:
            args += ["COUNT", count]
        if maxlen is not None:
            args += ["MAXLEN", maxlen]
        return self._execute(args)

    def lmove(self, first_list: KeyT, second_list: KeyT, src: str = "LEFT", dest: str = "RIGHT") -> Optional[Value]:
        return self._execute(("LMOVE", first_list, second_list, src, dest))

    def blmove(
        self, first_list: KeyT, second_list: KeyT, timeout: float, src: str = "LEFT", dest: str = "RIGHT"
    ) -> Optional[Value]:
        return self._execute(("BLMOVE", first_list, second_list, src, dest, timeout), None, timeout)

    def rpoplpush(self, src: KeyT, dst: KeyT) -> Optional[Value]:
        return self._execute(("RPOPLPUSH", src, dst))

    def blpop(self, keys: Union[KeyT, Iterable[KeyT]], timeout: float = 0) -> Optional[Tuple[Value, Value]]:
        """BLPOP: ``(key, value)`` from the first non-empty list, or None after ``timeout``
        seconds (0 waits forever)."""
        return self._execute(["BLPOP", *_keys(keys, ()), timeout], R.to_pair, timeout)

    def brpop(self, keys: Union[KeyT, Iterable[KeyT]], timeout: float = 0) -> Optional[Tuple[Value, Value]]:
        return self._execute(["BRPOP", *_keys(keys, ()), timeout], R.to_pair, timeout)

    # -- sets -------------------------------------------------------------------------------

    def sadd(self, name: KeyT, *values: EncodableT) -> int:
        """SADD: how many members were new."""
        return self._execute(("SADD", name, *values))

    def srem(self, name: KeyT, *values: EncodableT) -> int:
        return self._execute(("SREM", name, *values))

    def smembers(self, name: KeyT) -> Set[Value]:
        return self._execute(("SMEMBERS", name), R.to_set)

    def sismember(self, name: KeyT, value: EncodableT) -> bool:
        return self._execute(("SISMEMBER", name, value), R.to_bool)

    def smismember(self, name: KeyT, values: Iterable[EncodableT], *args: EncodableT) -> List[bool]:
        return self._execute(["SMISMEMBER", name, *_keys(values, args)], R.to_bool_list)

    def scard(self, name: KeyT) -> int:
        return self._execute(("SCARD", name))

    def spop(self, name: KeyT, count: Optional[int] = None) -> Any:
        """SPOP: one random member (None if empty), or with ``count`` a list of them."""
        if count is None:
            return self._execute(("SPOP", name))
        return self._execute(("SPOP", name, count), R.to_list)

    def srandmember(self, name: KeyT, number: Optional[int] = None) -> Any:
        """SRANDMEMBER: one member, or with ``number`` a list (negative allows repeats)."""
        if number is None:
            return self._execute(("SRANDMEMBER", name))
        return self._execute(("SRANDMEMBER", name, number), R.to_list)

    def sinter(self, keys: Union[KeyT, Iterable[KeyT]], *args: KeyT) -> Set[Value]:
        return self._execute(["SINTER", *_keys(keys, args)], R.to_set)

    def sunion(self, keys: Union[KeyT, Iterable[KeyT]], *args: KeyT) -> Set[Value]:
        return self._execute(["SUNION", *_keys(keys, args)], R.to_set)

    def sdiff(self, keys: Union[KeyT, Iterable[KeyT]], *args: KeyT) -> Set[Value]:
        return self._execute(["SDIFF", *_keys(keys, args)], R.to_set)

    def sinterstore(self, dest: KeyT, keys: Union[KeyT, Iterable[KeyT]], *args: KeyT) -> int:
        return self._execute(["SINTERSTORE", dest, *_keys(keys, args)])

    def sunionstore(self, dest: KeyT, keys: Union[KeyT, Iterable[KeyT]], *args: KeyT) -> int:
        return self._execute(["SUNIONSTORE", dest, *_keys(keys, args)])

    def sdiffstore(self, dest: KeyT, keys: Union[KeyT, Iterable[KeyT]], *args: KeyT) -> int:
        return self._execute(["SDIFFSTORE", dest, *_keys(keys, args)])

    def smove(self, src: KeyT, dst: KeyT, value: EncodableT) -> bool:
        return self._execute(("SMOVE", src, dst, value), R.to_bool)

    def sscan(
        self, name: KeyT, cursor: int = 0, match: Optional[EncodableT] = None, count: Optional[int] = None
    ) -> Tuple[int, List[Value]]:
        args: List[Any] = ["SSCAN", name, cursor]
        if match is not None:
            args += ["MATCH", match]
        if count is not None:
            args += ["COUNT", count]
        return self._execute(args, R.scan_reply)

    def sscan_iter(
        self, name: KeyT, match: Optional[EncodableT] = None, count: Optional[int] = None
    ) -> Iterator[Value]:
        return self._scan_iter(self.sscan, name, match=match, count=count)

    # -- hashes -----------------------------------------------------------------------------

    def hset(
        self,
        name: KeyT,
        field: Optional[EncodableT] = None,
        value: Optional[EncodableT] = None,
        mapping: Optional[Mapping[EncodableT, EncodableT]] = None,
    ) -> int:
        """HSET one ``field``/``value`` and/or every pair of ``mapping``: how many were new."""
        args: List[Any] = ["HSET", name]
        if field is not None:
            if value is None:
                raise DataError("hset needs a value for field %r" % (field,))
            args += [field, value]
        if mapping:
            for pair in mapping.items():
                args += pair
        if len(args) == 2:
            raise DataError("hset needs a field and value, or a non-empty mapping")
        return self._execute(args)

    def hsetnx(self, name: KeyT, field: EncodableT, value: EncodableT) -> bool:
        return self._execute(("HSETNX", name, field, value), R.to_bool)

    def hget(self, name: KeyT, field: EncodableT) -> Optional[Value]:
        return self._execute(("HGET", name, field))

    def hmget(
        self, name: KeyT, fields: Union[EncodableT, Iterable[EncodableT]], *args: EncodableT
    ) -> List[Optional[Value]]:
        return self._execute(["HMGET", name, *_keys(fields, args)])

    def hgetall(self, name: KeyT) -> Dict[Value, Value]:
        return self._execute(("HGETALL", name), R.to_dict)

    def hdel(self, name: KeyT, *fields: EncodableT) -> int:
        return self._execute(("HDEL", name, *fields))

    def hexists(self, name: KeyT, field: EncodableT) -> bool:
        return self._execute(("HEXISTS", name, field), R.to_bool)

    def hlen(self, name: KeyT) -> int:
        return self._execute(("HLEN", name))

    def hkeys(self, name: KeyT) -> List[Value]:
        return self._execute(("HKEYS", name))

    def hvals(self, name: KeyT) -> List[Value]:
        return self._execute(("HVALS", name))

    def hincrby(self, name: KeyT, field: EncodableT, amount: int = 1) -> int:
        return self._execute(("HINCRBY", name, field, amount))

    def hincrbyfloat(self, name: KeyT, field: EncodableT, amount: float = 1.0) -> float:
        return self._execute(("HINCRBYFLOAT", name, field, amount), R.to_float)

    def hstrlen(self, name: KeyT, field: EncodableT) -> int:
        return self._execute(("HSTRLEN", name, field))

    def hrandfield(self, name: KeyT, count: Optional[int] = None, withvalues: bool = False) -> Any:
        """HRANDFIELD: one field, a list of fields, or with ``withvalues`` ``[(field, value)]``."""
        if count is None:
            return self._execute(("HRANDFIELD", name))
        if withvalues:
            return self._execute(("HRANDFIELD", name, count, "WITHVALUES"), R.hrandfield_reply)
        return self._execute(("HRANDFIELD", name, count))

    def hscan(
        self, name: KeyT, cursor: int = 0, match: Optional[EncodableT] = None, count: Optional[int] = None
    ) -> Tuple[int, Dict[Value, Value]]:
        args: List[Any] = ["HSCAN", name, cursor]
        if match is not None:
            args += ["MATCH", match]
        if count is not None:
            args += ["COUNT", count]
        return self._execute(args, R.hscan_reply)

    def hscan_iter(
        self, name: KeyT, match: Optional[EncodableT] = None, count: Optional[int] = None
    ) -> Iterator[Tuple[Value, Value]]:
        """Every ``(field, value)`` pair, via repeated HSCAN."""
        return self._scan_iter(self.hscan, name, match=match, count=count)

    # -- sorted sets ------------------------------------------------------------------------

    def zadd(
        self,
        name: KeyT,
        mapping: Mapping[EncodableT, float],
        nx: bool = False,
        xx: bool = False,
        ch: bool = False,
        incr: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> Any:
        """ZADD ``{member: score}``: members added (or changed, with ``ch``); with ``incr``
        (one member) the new score, or None if NX/XX/GT/LT blocked it."""
        if not mapping:
            raise DataError("zadd needs at least one member")
        if incr and len(mapping) != 1:
            raise DataError("zadd with incr takes exactly one member")
        args: List[Any] = ["ZADD", name]
        for flag, word in ((nx, "NX"), (xx, "XX"), (gt, "GT"), (lt, "LT"), (ch, "CH"), (incr, "INCR")):
            if flag:
                args.append(word)
        for member, score in mapping.items():
            args += [score, member]
        return self._execute(args, R.zadd_reply)

    def zrange(
        self,
        name: KeyT,
        start: ScoreT,
        end: ScoreT,
        withscores: bool = False,
        desc: bool = False,
        byscore: bool = False,
        bylex: bool = False,
        offset: Optional[int] = None,
        num: Optional[int] = None,
    ) -> List[Any]:
        """ZRANGE by rank (default), score or lex. With ``desc`` and ``byscore``/``bylex``,
        give ``start`` as the high end, as Redis does. ``withscores`` gives ``[(member, score)]``."""
        if byscore and bylex:
            raise DataError("byscore and bylex are exclusive")
        args: List[Any] = ["ZRANGE", name, start, end]
        if byscore:
            args.append("BYSCORE")
        if bylex:
            args.append("BYLEX")
        if desc:
            args.append("REV")
        _limit(args, offset, num)
        if withscores:
            args.append("WITHSCORES")
            return self._execute(args, R.zset_pairs)
        return self._execute(args)

    def zrevrange(self, name: KeyT, start: int, end: int, withscores: bool = False) -> List[Any]:
        args: List[Any] = ["ZREVRANGE", name, start, end]
        if withscores:
            args.append("WITHSCORES")
            return self._execute(args, R.zset_pairs)
        return self._execute(args)

    def zrangebyscore(
        self,
        name: KeyT,
        min: ScoreT,
        max: ScoreT,
        start: Optional[int] = None,
        num: Optional[int] = None,
        withscores: bool = False,
    ) -> List[Any]:
        args: List[Any] = ["ZRANGEBYSCORE", name, min, max]
        if withscores:
            args.append("WITHSCORES")
        _limit(args, start, num)
        return self._execute(args, R.zset_pairs if withscores else None)

    def zrevrangebyscore(
        self,
        name: KeyT,
        max: ScoreT,
        min: ScoreT,
        start: Optional[int] = None,
        num: Optional[int] = None,
        withscores: bool = False,
    ) -> List[Any]:
        args: List[Any] = ["ZREVRANGEBYSCORE", name, max, min]
        if withscores:
            args.append("WITHSCORES")
        _limit(args, start, num)
        return self._execute(args, R.zset_pairs if withscores else None)

    def zrangebylex(
        self, name: KeyT, min: EncodableT, max: EncodableT, start: Optional[int] = None, num: Optional[int] = None
    ) -> List[Value]:
        args: List[Any] = ["ZRANGEBYLEX", name, min, max]
        _limit(args, start, num)
        return self._execute(args)

    def zscore(self, name: KeyT, value: EncodableT) -> Optional[float]:
        return self._execute(("ZSCORE", name, value), R.to_float)

    def zmscore(self, name: KeyT, members: Iterable[EncodableT]) -> List[Optional[float]]:
        return self._execute(["ZMSCORE", name, *members], R.to_float_list)

    def zincrby(self, name: KeyT, amount: float, value: EncodableT) -> float:
        return self._execute(("ZINCRBY", name, amount, value), R.to_float)

    def zrem(self, name: KeyT, *values: EncodableT) -> int:
        return self._execute(("ZREM", name, *values))

    def zcard(self, name: KeyT) -> int:
        return self._execute(("ZCARD", name))

    def zcount(self, name: KeyT, min: ScoreT, max: ScoreT) -> int:
        return self._execute(("ZCOUNT", name, min, max))

    def zlexcount(self, name: KeyT, min: EncodableT, max: EncodableT) -> int:
        return self._execute(("ZLEXCOUNT", name, min, max))

    def zrank(self, name: KeyT, value: EncodableT) -> Optional[int]:
        return self._execute(("ZRANK", name, value))

    def zrevrank(self, name: KeyT, value: EncodableT) -> Optional[int]:
        return self._execute(("ZREVRANK", name, value))

    def zpopmin(self, name: KeyT, count: Optional[int] = None) -> List[Tuple[Value, float]]:
        """ZPOPMIN: ``[(member, score)]``, lowest first (one pair unless ``count``)."""
        args: List[Any] = ["ZPOPMIN", name] if count is None else ["ZPOPMIN", name, count]
        return self._execute(args, R.zset_pairs)

    def zpopmax(self, name: KeyT, count: Optional[int] = None) -> List[Tuple[Value, float]]:
        args: List[Any] = ["ZPOPMAX", name] if count is None else ["ZPOPMAX", name, count]
        return self._execute(args, R.zset_pairs)

    def bzpopmin(self, keys: Union[KeyT, Iterable[KeyT]], timeout: float = 0) -> Optional[Tuple[Value, Value, float]]:
        """BZPOPMIN: ``(key, member, score)``, or None after ``timeout`` seconds."""
        return self._execute(["BZPOPMIN", *_keys(keys, ()), timeout], R.zpop_blocking, timeout)

    def bzpopmax(self, keys: Union[KeyT, Iterable[KeyT]], timeout: float = 0) -> Optional[Tuple[Value, Value, float]]:
        return self._execute(["BZPOPMAX", *_keys(keys, ()), timeout], R.zpop_blocking, timeout)

    def zremrangebyrank(self, name: KeyT, start: int, end: int) -> int:
        return self._execute(("ZREMRANGEBYRANK", name, start, end))

    def zremrangebyscore(self, name: KeyT, min: ScoreT, max: ScoreT) -> int:
        return self._execute(("ZREMRANGEBYSCORE", name, min, max))

    def _zstore(
        self,
        command: str,
        dest: KeyT,
        keys: Union[Sequence[KeyT], Mapping[KeyT, float]],
        aggregate: Optional[str],
    ) -> Any:
        args: List[Any] = [command, dest, len(keys)]
        if isinstance(keys, abc.Mapping):
            args += keys.keys()
            args.append("WEIGHTS")
            args += keys.values()
        else:
            args += keys
        if aggregate is not None:
            args += ["AGGREGATE", aggregate]
        return self._execute(args)

    def zunionstore(
        self, dest: KeyT, keys: Union[Sequence[KeyT], Mapping[KeyT, float]], aggregate: Optional[str] = None
    ) -> int:
        """ZUNIONSTORE; pass ``{key: weight}`` for weights, ``aggregate`` SUM/MIN/MAX."""
        return self._zstore("ZUNIONSTORE", dest, keys, aggregate)

    def zinterstore(
        self, dest: KeyT, keys: Union[Sequence[KeyT], Mapping[KeyT, float]], aggregate: Optional[str] = None
    ) -> int:
        return self._zstore("ZINTERSTORE", dest, keys, aggregate)

    def zscan(
        self, name: KeyT, cursor: int = 0, match: Optional[EncodableT] = None, count: Optional[int] = None
    ) -> Tuple[int, List[Tuple[Value, float]]]:
        args: List[Any] = ["ZSCAN", name, cursor]
        if match is not None:
            args += ["MATCH", match]
        if count is not None:
            args += ["COUNT", count]
        return self._execute(args, R.zscan_reply)

    def zscan_iter(
        self, name: KeyT, match: Optional[EncodableT] = None, count: Optional[int] = None
    ) -> Iterator[Tuple[Value, float]]:
        return self._scan_iter(self.zscan, name, match=match, count=count)

    # -- HyperLogLog ------------------------------------------------------------------------

    def pfadd(self, name: KeyT, *values: EncodableT) -> int:
        """PFADD: 1 if the HyperLogLog at ``name`` changed (or was created: ``pfadd(name)``
        with no values creates an empty one), else 0."""
        return self._execute(("PFADD", name, *values))

    def pfcount(self, *sources: KeyT) -> int:
        """PFCOUNT: the estimated number of distinct elements added to the HyperLogLogs at
        ``sources``, taken together (their union); a missing key counts as empty."""
        return self._execute(("PFCOUNT", *sources))

    def pfmerge(self, dest: KeyT, *sources: KeyT) -> bool:
        """PFMERGE the HyperLogLogs at ``sources`` into ``dest`` (whose own elements, if it
        exists, stay in): True."""
        return self._execute(("PFMERGE", dest, *sources), R.is_ok)

    # -- geo ----------------------------------------------------------------------------------

    def geoadd(
        self, name: KeyT, values: Sequence[EncodableT], nx: bool = False, xx: bool = False, ch: bool = False
    ) -> int:
        """GEOADD ``values``, a flat ``lon1, lat1, member1, lon2, ...`` sequence: the number of
        members added (or, with ``ch``, added or moved). ``nx`` only adds, ``xx`` only moves."""
        if nx and xx:
            raise DataError("GEOADD allows either 'nx' or 'xx', not both")
        if not values or len(values) % 3 != 0:
            raise DataError("GEOADD requires places with lon, lat and name values")
        args: List[Any] = ["GEOADD", name]
        for flag, word in ((nx, "NX"), (xx, "XX"), (ch, "CH")):
            if flag:
                args.append(word)
        args += values
        return self._execute(args)

    def geopos(self, name: KeyT, *values: EncodableT) -> List[Optional[Tuple[float, float]]]:
        """GEOPOS: ``(longitude, latitude)`` of each member, None for a missing one."""
        return self._execute(("GEOPOS", name, *values), R.geopos_reply)

    def geodist(
        self, name: KeyT, place1: EncodableT, place2: EncodableT, unit: Optional[str] = None
    ) -> Optional[float]:
        """GEODIST in ``unit`` ('m', the default, 'km', 'mi' or 'ft'); None if a member is
        missing."""
        args: List[Any] = ["GEODIST", name, place1, place2]
        if unit:
            if unit.lower() not in _GEO_UNITS:
                raise DataError("GEODIST invalid unit")
            args.append(unit)
        return self._execute(args, R.to_float)

    def geohash(self, name: KeyT, *values: EncodableT) -> List[Optional[Value]]:
        """GEOHASH: each member's 11-character geohash, None for a missing one."""
        return self._execute(("GEOHASH", name, *values))

    def geosearch(
        self,
        name: KeyT,
        member: Optional[EncodableT] = None,
        longitude: Optional[float] = None,
        latitude: Optional[float] = None,
        unit: str = "m",
        radius: Optional[float] = None,
        width: Optional[float] = None,
        height: Optional[float] = None,
        sort: Optional[str] = None,
        count: Optional[int] = None,
        any: bool = False,
        withcoord: bool = False,
        withdist: bool = False,
        withhash: bool = False,
    ) -> List[Any]:
        """GEOSEARCH from ``member`` or ``longitude, latitude``, within ``radius`` or a
        ``width`` x ``height`` box (in ``unit``); ``sort`` 'ASC' or 'DESC' by distance; at most
        ``count`` members (with ``any``, the first found). Members, or with any WITH* option
        ``[member, dist (float), hash (int), (lon, lat)]`` lists holding what was asked for,
        in that order."""
        args = _geosearch_args(
            ["GEOSEARCH", name], member, longitude, latitude, unit, radius, width, height, sort, count, any
        )
        for flag, word in ((withdist, "WITHDIST"), (withcoord, "WITHCOORD"), (withhash, "WITHHASH")):
            if flag:
                args.append(word)
        return self._execute(args, R.geosearch_reply(withdist, withhash, withcoord))

    def geosearchstore(
        self,
        dest: KeyT,
        name: KeyT,
        member: Optional[EncodableT] = None,
        longitude: Optional[float] = None,
        latitude: Optional[float] = None,
        unit: str = "m",
        radius: Optional[float] = None,
        width: Optional[float] = None,
        height: Optional[float] = None,
        sort: Optional[str] = None,
        count: Optional[int] = None,
        any: bool = False,
        storedist: bool = False,
    ) -> int:
        """GEOSEARCHSTORE: what ``geosearch`` finds, stored at ``dest`` as a geo set (or, with
        ``storedist``, as a sorted set scored by distance in ``unit``); the number stored."""
        args = _geosearch_args(
            ["GEOSEARCHSTORE", dest, name], member, longitude, latitude, unit, radius, width, height, sort, count, any
        )
        if storedist:
            args.append("STOREDIST")
        return self._execute(args)

    # -- JSON (RedisJSON command set) ----------------------------------------------------------

    def json_set(self, name: KeyT, path: str, obj: Any, nx: bool = False, xx: bool = False) -> bool:
        """JSON.SET ``obj`` (encoded with json.dumps) at ``path``: False if NX/XX blocked it."""
        args: List[Any] = ["JSON.SET", name, path, _json_dumps(obj)]
        if nx:
            args.append("NX")
        if xx:
            args.append("XX")
        return self._execute(args, R.is_ok)

    def json_get(self, name: KeyT, path: str = "$", *more_paths: str) -> Any:
        """JSON.GET, decoded. With a ``$`` path (the default) the result is the list of matches,
        as RedisJSON returns it; a legacy path ('.', '.a') gives the single value; several paths
        give ``{path: result}``. None if the key does not exist."""
        return self._execute(["JSON.GET", name, path, *more_paths], R.json_value)

    def json_mget(self, names: Iterable[KeyT], path: str) -> List[Any]:
        """JSON.MGET: for each key the decoded result at ``path`` (None for a missing key)."""
        return self._execute(["JSON.MGET", *names, path], R.json_values)

    def json_mset(self, triplets: Iterable[Tuple[KeyT, str, Any]]) -> bool:
        """JSON.MSET ``[(key, path, obj), ...]`` atomically."""
        args: List[Any] = ["JSON.MSET"]
        for name, path, obj in triplets:
            args += [name, path, _json_dumps(obj)]
        return self._execute(args, R.is_ok)

    def json_del(self, name: KeyT, path: str = "$") -> int:
        """JSON.DEL: how many values were deleted."""
        return self._execute(("JSON.DEL", name, path))

    def json_forget(self, name: KeyT, path: str = "$") -> int:
        return self._execute(("JSON.FORGET", name, path))

    def json_type(self, name: KeyT, path: str = "$") -> Any:
        """JSON.TYPE: a list of type names for ``$`` paths, one name for a legacy path."""
        return self._execute(("JSON.TYPE", name, path), R.json_type)

    def json_clear(self, name: KeyT, path: str = "$") -> int:
        return self._execute(("JSON.CLEAR", name, path))

    def json_toggle(self, name: KeyT, path: str = "$") -> Any:
        return self._execute(("JSON.TOGGLE", name, path))

    def json_numincrby(self, name: KeyT, path: str, number: Union[int, float]) -> Any:
        """JSON.NUMINCRBY: new value(s) — a list for ``$`` paths, a number for legacy ones."""
        return self._execute(("JSON.NUMINCRBY", name, path, number), R.json_value)

    def json_nummultby(self, name: KeyT, path: str, number: Union[int, float]) -> Any:
        return self._execute(("JSON.NUMMULTBY", name, path, number), R.json_value)

    def json_strappend(self, name: KeyT, value: str, path: str = "$") -> Any:
        """JSON.STRAPPEND ``value`` (a Python str, JSON-encoded for you): new length(s)."""
        return self._execute(("JSON.STRAPPEND", name, path, _json_dumps(value)))

    def json_strlen(self, name: KeyT, path: str = "$") -> Any:
        return self._execute(("JSON.STRLEN", name, path))

    def json_arrappend(self, name: KeyT, path: str, *values: Any) -> Any:
        """JSON.ARRAPPEND Python values (JSON-encoded for you): new array length(s)."""
        return self._execute(["JSON.ARRAPPEND", name, path, *map(_json_dumps, values)])

    def json_arrinsert(self, name: KeyT, path: str, index: int, *values: Any) -> Any:
        return self._execute(["JSON.ARRINSERT", name, path, index, *map(_json_dumps, values)])

    def json_arrlen(self, name: KeyT, path: str = "$") -> Any:
        return self._execute(("JSON.ARRLEN", name, path))

    def json_arrpop(self, name: KeyT, path: str = "$", index: int = -1) -> Any:
        """JSON.ARRPOP: the popped value(s), decoded."""
        return self._execute(("JSON.ARRPOP", name, path, index), _json_arrpop)

    def json_arrindex(self, name: KeyT, path: str, value: Any) -> Any:
        return self._execute(("JSON.ARRINDEX", name, path, _json_dumps(value)))

    def json_arrtrim(self, name: KeyT, path: str, start: int, stop: int) -> Any:
        return self._execute(("JSON.ARRTRIM", name, path, start, stop))

    def json_objkeys(self, name: KeyT, path: str = "$") -> Any:
        return self._execute(("JSON.OBJKEYS", name, path))

    def json_objlen(self, name: KeyT, path: str = "$") -> Any:
        return self._execute(("JSON.OBJLEN", name, path))

    # -- streams ----------------------------------------------------------------------------

    def xadd(
        self,
        name: KeyT,
        fields: Mapping[EncodableT, EncodableT],
        id: EncodableT = "*",
        maxlen: Optional[int] = None,
        approximate: bool = True,
        nomkstream: bool = False,
        minid: Optional[EncodableT] = None,
        limit: Optional[int] = None,
    ) -> Optional[Value]:
        """XADD: the new entry's ID (None with ``nomkstream`` when the stream is missing)."""
        if not fields:
            raise DataError("xadd needs at least one field")
        args: List[Any] = ["XADD", name]
        if nomkstream:
            args.append("NOMKSTREAM")
        _trim_args(args, maxlen, minid, approximate, limit)
        args.append(id)
        for pair in fields.items():
            args += pair
        return self._execute(args)

    def xlen(self, name: KeyT) -> int:
        return self._execute(("XLEN", name))

    def xrange(
        self, name: KeyT, min: EncodableT = "-", max: EncodableT = "+", count: Optional[int] = None
    ) -> List[Dict[str, Any]]:
        """XRANGE: ``[{'id': ..., 'fields': {...}}]`` oldest first."""
        args: List[Any] = ["XRANGE", name, min, max]
        if count is not None:
            args += ["COUNT", count]
        return self._execute(args, R.stream_entries)

    def xrevrange(
        self, name: KeyT, max: EncodableT = "+", min: EncodableT = "-", count: Optional[int] = None
    ) -> List[Dict[str, Any]]:
        args: List[Any] = ["XREVRANGE", name, max, min]
        if count is not None:
            args += ["COUNT", count]
        return self._execute(args, R.stream_entries)

    def xread(
        self, streams: Mapping[KeyT, EncodableT], count: Optional[int] = None, block: Optional[int] = None
    ) -> Dict[Value, List[Dict[str, Any]]]:
        """XREAD ``{stream: last seen id}`` -> ``{stream: [entries]}`` (empty on timeout).
        ``block`` is in milliseconds, 0 waits forever."""
        args: List[Any] = ["XREAD"]
        if count is not None:
            args += ["COUNT", count]
        if block is not None:
            args += ["BLOCK", block]
        _stream_ids(args, streams)
        return self._execute(args, R.xread_reply, None if block is None else block / 1000.0)

    def xgroup_create(
        self,
        name: KeyT,
        group: EncodableT,
        id: EncodableT = "$",
        mkstream: bool = False,
        entries_read: Optional[int] = None,
    ) -> bool:
        args: List[Any] = ["XGROUP", "CREATE", name, group, id]
        if mkstream:
            args.append("MKSTREAM")
        if entries_read is not None:
            args += ["ENTRIESREAD", entries_read]
        return self._execute(args, R.is_ok)

    def xgroup_destroy(self, name: KeyT, group: EncodableT) -> bool:
        return self._execute(("XGROUP", "DESTROY", name, group), R.to_bool)

    def xgroup_setid(self, name: KeyT, group: EncodableT, id: EncodableT) -> bool:
        return self._execute(("XGROUP", "SETID", name, group, id), R.is_ok)

    def xgroup_createconsumer(self, name: KeyT, group: EncodableT, consumer: EncodableT) -> bool:
        return self._execute(("XGROUP", "CREATECONSUMER", name, group, consumer), R.to_bool)

    def xgroup_delconsumer(self, name: KeyT, group: EncodableT, consumer: EncodableT) -> int:
        """XGROUP DELCONSUMER: how many pending messages the consumer had."""
        return self._execute(("XGROUP", "DELCONSUMER", name, group, consumer))

    def xreadgroup(
        self,
        group: EncodableT,
        consumer: EncodableT,
        streams: Mapping[KeyT, EncodableT],
        count: Optional[int] = None,
        block: Optional[int] = None,
        noack: bool = False,
    ) -> Dict[Value, List[Dict[str, Any]]]:
        """XREADGROUP; use id '>' for new messages. Same shape as ``xread``."""
        args: List[Any] = ["XREADGROUP", "GROUP", group, consumer]
        if count is not None:
            args += ["COUNT", count]
        if block is not None:
            args += ["BLOCK", block]
        if noack:
            args.append("NOACK")
        _stream_ids(args, streams)
        return self._execute(args, R.xread_reply, None if block is None else block / 1000.0)

    def xack(self, name: KeyT, group: EncodableT, *ids: EncodableT) -> int:
        return self._execute(("XACK", name, group, *ids))

    def xpending(
        self,
        name: KeyT,
        group: EncodableT,
        min: Optional[EncodableT] = None,
        max: Optional[EncodableT] = None,
        count: Optional[int] = None,
        consumer: Optional[EncodableT] = None,
        idle: Optional[int] = None,
    ) -> Any:
        """XPENDING summary ``{'pending', 'min', 'max', 'consumers'}``; with ``min``, ``max`` and
        ``count`` the detailed list ``[{'id', 'consumer', 'idle', 'delivered'}]``."""
        if min is None and max is None and count is None:
            if consumer is not None or idle is not None:
                raise DataError("consumer and idle need min, max and count")
            return self._execute(("XPENDING", name, group), R.xpending_summary)
        if min is None or max is None or count is None:
            raise DataError("min, max and count must be given together")
        args: List[Any] = ["XPENDING", name, group]
        if idle is not None:
            args += ["IDLE", idle]
        args += [min, max, count]
        if consumer is not None:
            args.append(consumer)
        return self._execute(args, R.xpending_range)

    def xclaim(
        self,
        name: KeyT,
        group: EncodableT,
        consumer: EncodableT,
        min_idle_time: int,
        message_ids: Iterable[EncodableT],
        idle: Optional[int] = None,
        time: Optional[int] = None,
        retrycount: Optional[int] = None,
        force: bool = False,
        justid: bool = False,
    ) -> List[Any]:
        """XCLAIM: the claimed entries, or just their IDs with ``justid``."""
        args: List[Any] = ["XCLAIM", name, group, consumer, min_idle_time, *message_ids]
        if idle is not None:
            args += ["IDLE", idle]
        if time is not None:
            args += ["TIME", time]
        if retrycount is not None:
            args += ["RETRYCOUNT", retrycount]
        if force:
            args.append("FORCE")
        if justid:
            args.append("JUSTID")
        return self._execute(args, R.xclaim_reply)

    def xautoclaim(
        self,
        name: KeyT,
        group: EncodableT,
        consumer: EncodableT,
        min_idle_time: int,
        start_id: EncodableT = "0-0",
        count: Optional[int] = None,
        justid: bool = False,
    ) -> Dict[str, Any]:
        """XAUTOCLAIM -> ``{'next': id to resume from, 'entries': [...], 'deleted': [ids]}``."""
        args: List[Any] = ["XAUTOCLAIM", name, group, consumer, min_idle_time, start_id]
        if count is not None:
            args += ["COUNT", count]
        if justid:
            args.append("JUSTID")
        return self._execute(args, R.xautoclaim_reply)

    def xdel(self, name: KeyT, *ids: EncodableT) -> int:
        return self._execute(("XDEL", name, *ids))

    def xtrim(
        self,
        name: KeyT,
        maxlen: Optional[int] = None,
        approximate: bool = True,
        minid: Optional[EncodableT] = None,
        limit: Optional[int] = None,
    ) -> int:
        """XTRIM by ``maxlen`` or ``minid``: how many entries were removed."""
        if maxlen is None and minid is None:
            raise DataError("xtrim needs maxlen or minid")
        args: List[Any] = ["XTRIM", name]
        _trim_args(args, maxlen, minid, approximate, limit)
        return self._execute(args)

    def xinfo_stream(self, name: KeyT) -> Dict[str, Any]:
        return self._execute(("XINFO", "STREAM", name), R.xinfo_dict)

    def xinfo_groups(self, name: KeyT) -> List[Dict[str, Any]]:
        return self._execute(("XINFO", "GROUPS", name), R.xinfo_list)

    def xinfo_consumers(self, name: KeyT, group: EncodableT) -> List[Dict[str, Any]]:
        return self._execute(("XINFO", "CONSUMERS", name, group), R.xinfo_list)

    # -- scripting (Lua) --------------------------------------------------------------------

    def eval(self, script: Union[str, bytes], numkeys: int, *keys_and_args: EncodableT) -> Any:
        """EVAL the Lua ``script``: the first ``numkeys`` of ``keys_and_args`` are its KEYS, the
        rest its ARGV. The server caches the script, so ``evalsha`` can run it afterwards.

        Its return value comes back as Redis converts it: a number -> int (truncated), a
        string -> str (bytes with decode_responses=False), a table -> list (up to its first
        nil), true -> 1, false or nil -> None, ``{ok='text'}`` -> 'text'; an error (a failed
        ``redis.call``, ``redis.error_reply``, ``{err='...'}``) -> CommandError, raised, or
        left in place inside a list."""
        return self._execute(("EVAL", script, numkeys, *keys_and_args))

    def evalsha(self, sha: str, numkeys: int, *keys_and_args: EncodableT) -> Any:
        """EVALSHA: ``eval`` of the cached script with this SHA1 digest; ``NoScriptError`` if
        the server does not have it."""
        return self._execute(("EVALSHA", sha, numkeys, *keys_and_args))

    def eval_ro(self, script: Union[str, bytes], numkeys: int, *keys_and_args: EncodableT) -> Any:
        """EVAL_RO: ``eval`` of a script that only reads. A write command in it fails
        (CommandError ``ERR Write commands are not allowed from read-only scripts. ...``)."""
        return self._execute(("EVAL_RO", script, numkeys, *keys_and_args))

    def evalsha_ro(self, sha: str, numkeys: int, *keys_and_args: EncodableT) -> Any:
        """EVALSHA_RO: ``evalsha`` of a script that only reads, as ``eval_ro``."""
        return self._execute(("EVALSHA_RO", sha, numkeys, *keys_and_args))

    def script_load(self, script: Union[str, bytes]) -> str:
        """SCRIPT LOAD: cache the script without running it; its SHA1 digest (hex, a str
        whatever decode_responses says). A script that does not compile is a CommandError."""
        return self._execute(("SCRIPT", "LOAD", script), R.to_text)

    def script_exists(self, *shas: str) -> List[bool]:
        """SCRIPT EXISTS: whether the server has each script."""
        return self._execute(("SCRIPT", "EXISTS", *shas), R.to_bool_list)

    def script_flush(self, sync_type: Optional[str] = None) -> bool:
        """SCRIPT FLUSH: drop every cached script; ``sync_type`` 'ASYNC' or 'SYNC' (None: the
        server's default). True."""
        if sync_type is None:
            return self._execute(("SCRIPT", "FLUSH"), R.is_ok)
        if sync_type.upper() not in ("ASYNC", "SYNC"):
            raise DataError("sync_type must be 'ASYNC', 'SYNC' or None, not %r" % (sync_type,))
        return self._execute(("SCRIPT", "FLUSH", sync_type.upper()), R.is_ok)

    def script_kill(self) -> bool:
        """SCRIPT KILL: stop the running script, if it has not written anything; True. With no
        script running, CommandError ``NOTBUSY No scripts in execution right now.`` (always so
        on DiskDB, where no other command runs while a script does)."""
        return self._execute(("SCRIPT", "KILL"), R.is_ok)

    def register_script(self, script: Union[str, bytes]) -> Script:
        """A ``Script`` calling this Lua script by its digest, loading it when the server
        lacks it: ``incr = db.register_script(lua)``, then ``incr(keys=["k"], args=[2])``."""
        return Script(self, script)

    # -- functions (Redis 7) ----------------------------------------------------------------

    def function_load(self, code: Union[str, bytes], replace: bool = False) -> str:
        """FUNCTION LOAD: load a library, whose code starts with ``#!lua name=<library>`` and
        registers its functions with ``redis.register_function``; the library's name (a str
        whatever decode_responses says). A library of that name already loaded is a
        CommandError (``ERR Library '<name>' already exists``) unless ``replace``."""
        args: List[Any] = ["FUNCTION", "LOAD"]
        if replace:
            args.append("REPLACE")
        args.append(code)
        return self._execute(args, R.to_text)

    def function_delete(self, library: str) -> bool:
        """FUNCTION DELETE: drop the library and its functions; True. A library the server
        does not have is a CommandError (``ERR Library not found``)."""
        return self._execute(("FUNCTION", "DELETE", library), R.is_ok)

    def function_flush(self, mode: Optional[str] = None) -> bool:
        """FUNCTION FLUSH: drop every library; ``mode`` 'ASYNC' or 'SYNC' (None: the server's
        default). True."""
        if mode is None:
            return self._execute(("FUNCTION", "FLUSH"), R.is_ok)
        if mode.upper() not in ("ASYNC", "SYNC"):
            raise DataError("mode must be 'ASYNC', 'SYNC' or None, not %r" % (mode,))
        return self._execute(("FUNCTION", "FLUSH", mode.upper()), R.is_ok)

    def function_list(self, library: Optional[str] = None, withcode: bool = False) -> List[Dict[str, Any]]:
        """FUNCTION LIST: the libraries (those whose name matches the glob pattern ``library``,
        if given) as dicts ``{'library_name', 'engine', 'functions': [{'name', 'description',
        'flags'}]}``, plus ``'library_code'`` with ``withcode``. Names, the engine and the
        flags (a ``set``) are str; the description (None if the function has none) and the
        code follow decode_responses. The server lists libraries, and a library's functions,
        in no set order."""
        args: List[Any] = ["FUNCTION", "LIST"]
        if library is not None:
            args += ["LIBRARYNAME", library]
        if withcode:
            args.append("WITHCODE")
        return self._execute(args, R.function_list)

    def function_stats(self) -> Dict[str, Any]:
        """FUNCTION STATS: ``{'running_script': None, or a dict with 'name', 'command' and
        'duration_ms' while a function runs, 'engines': {'LUA': {'libraries_count',
        'functions_count'}}}``."""
        return self._execute(("FUNCTION", "STATS"), R.function_stats)

    def function_dump(self) -> bytes:
        """FUNCTION DUMP: every loaded library serialized (Redis's DUMP format), as ``bytes``
        even with ``decode_responses=True``: the payload is binary. Feed it to
        ``function_restore`` here or on another server."""
        return self._execute(("FUNCTION", "DUMP"), R.raw_bytes)

    def function_restore(self, payload: bytes, policy: str = "APPEND") -> bool:
        """FUNCTION RESTORE: load the libraries of a ``function_dump`` payload; True.
        ``policy`` is 'APPEND' (a library or function name already loaded is a CommandError,
        ``ERR Library <name> already exists`` or ``ERR Function <name> already exists``, and
        nothing is restored), 'REPLACE' (the payload's libraries replace loaded ones of the
        same name) or 'FLUSH' (drop every loaded library first). A damaged payload is a
        CommandError (``ERR DUMP payload version or checksum are wrong``)."""
        if policy.upper() not in ("FLUSH", "APPEND", "REPLACE"):
            raise DataError("policy must be 'FLUSH', 'APPEND' or 'REPLACE', not %r" % (policy,))
        return self._execute(("FUNCTION", "RESTORE", payload, policy.upper()), R.is_ok)

    def function_kill(self) -> bool:
        """FUNCTION KILL: stop the running function, if it has not written anything; True.
        With none running, CommandError ``NOTBUSY No scripts in execution right now.``
        (always so on DiskDB, where no other command runs while a function does)."""
        return self._execute(("FUNCTION", "KILL"), R.is_ok)

    def fcall(self, function: str, numkeys: int, *keys_and_args: EncodableT) -> Any:
        """FCALL: run a loaded function; the first ``numkeys`` of ``keys_and_args`` are its
        keys, the rest its args. Its reply is converted as ``eval``'s. A function the server
        does not have is a CommandError (``ERR Function not found``)."""
        return self._execute(("FCALL", function, numkeys, *keys_and_args))

    def fcall_ro(self, function: str, numkeys: int, *keys_and_args: EncodableT) -> Any:
        """FCALL_RO: ``fcall`` of a function flagged ``no-writes``; any other is refused
        (CommandError ``ERR Can not execute a script with write flag using *_ro command.``)."""
        return self._execute(("FCALL_RO", function, numkeys, *keys_and_args))

    # -- server & connection ----------------------------------------------------------------

    def ping(self, message: Optional[EncodableT] = None) -> Any:
        """PING: True (or the message, if one was given)."""
        if message is None:
            return self._execute(("PING",), R.ping_reply)
        return self._execute(("PING", message))

    def echo(self, value: EncodableT) -> Value:
        return self._execute(("ECHO", value))

    def info(self, section: Optional[str] = None) -> Dict[str, Any]:
        """INFO parsed into a flat dict (numbers converted; 'k=v,...' values as dicts)."""
        if section is None:
            return self._execute(("INFO",), R.parse_info)
        return self._execute(("INFO", section), R.parse_info)

    def dbsize(self) -> int:
        return self._execute(("DBSIZE",))

    def flushdb(self, asynchronous: bool = False) -> bool:
        return self._execute(("FLUSHDB", "ASYNC") if asynchronous else ("FLUSHDB",), R.is_ok)

    def flushall(self, asynchronous: bool = False) -> bool:
        return self._execute(("FLUSHALL", "ASYNC") if asynchronous else ("FLUSHALL",), R.is_ok)

    def time(self) -> Tuple[int, int]:
        """TIME: ``(unix seconds, microseconds)`` by the server's clock."""
        return self._execute(("TIME",), R.time_reply)

    def config_get(self, pattern: str = "*") -> Dict[Value, Value]:
        return self._execute(("CONFIG", "GET", pattern), R.to_dict)

    def config_set(self, name: str, value: EncodableT) -> bool:
        return self._execute(("CONFIG", "SET", name, value), R.is_ok)

    def lastsave(self) -> int:
        """LASTSAVE: Unix time of the last successful save."""
        return self._execute(("LASTSAVE",))

    def slowlog_get(self, num: Optional[int] = None) -> List[Dict[str, Any]]:
        """SLOWLOG GET, newest first: dicts with ``id``, ``start_time`` (Unix seconds),
        ``duration`` (microseconds), ``command`` (the arguments joined by spaces),
        ``client_address`` and ``client_name``. ``num`` entries (the server's default: 10; -1:
        all)."""
        args: List[Any] = ["SLOWLOG", "GET"]
        if num is not None:
            args.append(num)
        return self._execute(args, R.slowlog_get)

    def slowlog_len(self) -> int:
        """SLOWLOG LEN: the number of entries in the slow log."""
        return self._execute(("SLOWLOG", "LEN"))

    def slowlog_reset(self) -> bool:
        """SLOWLOG RESET: empty the slow log; True."""
        return self._execute(("SLOWLOG", "RESET"), R.is_ok)

    def client_id(self) -> int:
        return self._execute(("CLIENT", "ID"))

    def client_getname(self) -> Optional[Value]:
        return self._execute(("CLIENT", "GETNAME"))

    # Tracking is a property of one connection, as in redis-py: on a client these run on a
    # pooled connection, which is the one a single thread's later commands use again (and a
    # reconnect starts untracked). Invalidations go to ``clientid``'s connection (a pub/sub
    # object subscribed to ``__redis__:invalidate`` over RESP2), or over RESP3 arrive as pushes
    # on the tracking connection itself, where command connections skip them.

    def client_tracking(
        self,
        on: bool = True,
        clientid: Optional[int] = None,
        prefix: Sequence[KeyT] = (),
        bcast: bool = False,
        optin: bool = False,
        optout: bool = False,
        noloop: bool = False,
    ) -> bool:
        """CLIENT TRACKING ON|OFF: server-assisted client-side caching; True.

        ``clientid`` sends the invalidations to that connection (REDIRECT); ``bcast`` reports
        every changed key under the ``prefix`` strings (PREFIX, only with ``bcast``), read or
        not; ``optin`` tracks only reads right after ``client_caching(True)``, ``optout`` all
        but those right after ``client_caching(False)``; ``noloop`` leaves out the keys this
        connection changed itself."""
        if prefix and not bcast:
            raise DataError("Prefix can only be used with bcast")  # redis-py's check
        args: List[Any] = ["CLIENT", "TRACKING", "ON" if on else "OFF"]
        if clientid is not None:
            args += ["REDIRECT", clientid]
        for p in _keys(prefix, ()):
            args += ["PREFIX", p]
        for flag, name in ((bcast, "BCAST"), (optin, "OPTIN"), (optout, "OPTOUT"), (noloop, "NOLOOP")):
            if flag:
                args.append(name)
        return self._execute(args, R.is_ok)

    def client_tracking_on(
        self,
        clientid: Optional[int] = None,
        prefix: Sequence[KeyT] = (),
        bcast: bool = False,
        optin: bool = False,
        optout: bool = False,
        noloop: bool = False,
    ) -> bool:
        """``client_tracking(True, ...)``, as in redis-py."""
        return self.client_tracking(True, clientid, prefix, bcast, optin, optout, noloop)

    def client_tracking_off(
        self,
        clientid: Optional[int] = None,
        prefix: Sequence[KeyT] = (),
        bcast: bool = False,
        optin: bool = False,
        optout: bool = False,
        noloop: bool = False,
    ) -> bool:
        """``client_tracking(False, ...)``, as in redis-py (options change nothing when turning off)."""
        return self.client_tracking(False, clientid, prefix, bcast, optin, optout, noloop)

    def client_caching(self, yes: bool) -> bool:
        """CLIENT CACHING YES|NO: whether the next command's reads are tracked, under
        ``optin`` (YES) or ``optout`` (NO) tracking; True. Outside those modes the server
        answers with a CommandError."""
        return self._execute(("CLIENT", "CACHING", "YES" if yes else "NO"), R.is_ok)

    def client_getredir(self) -> int:
        """CLIENT GETREDIR: the client ID invalidations are redirected to, 0 when they are
        not redirected, -1 when tracking is off."""
        return self._execute(("CLIENT", "GETREDIR"))

    def client_trackinginfo(self) -> Dict[str, Any]:
        """CLIENT TRACKINGINFO -> ``{'flags': set of str ('off', or 'on' with 'bcast',
        'optin', 'optout', 'caching-yes', 'caching-no', 'noloop', 'broken_redirect'),
        'redirect': int (as ``client_getredir``), 'prefixes': list}``."""
        return self._execute(("CLIENT", "TRACKINGINFO"), R.trackinginfo)

    def client_pause(self, timeout: ExpiryT, all: bool = True) -> bool:
        """CLIENT PAUSE: hold every client's commands (this one's too) for ``timeout``
        milliseconds (int or timedelta); with ``all=False`` (WRITE) only those that may write,
        as in redis-py; True. ``client_unpause`` ends a WRITE pause early (under ALL it waits
        like any other command)."""
        args: List[Any] = ["CLIENT", "PAUSE", _millis(timeout)]
        if not all:
            args.append("WRITE")
        return self._execute(args, R.is_ok)

    def client_unpause(self) -> bool:
        """CLIENT UNPAUSE: end a CLIENT PAUSE; True."""
        return self._execute(("CLIENT", "UNPAUSE"), R.is_ok)


def _sort_args(
    command: str,
    name: KeyT,
    start: Optional[int],
    num: Optional[int],
    by: Optional[KeyT],
    get: Optional[Union[KeyT, Iterable[KeyT]]],
    desc: bool,
    alpha: bool,
) -> List[Any]:
    args: List[Any] = [command, name]
    if by is not None:
        args += ["BY", by]
    _limit(args, start, num)
    if get is not None:
        for pattern in _keys(get, ()):
            args += ["GET", pattern]
    if desc:
        args.append("DESC")
    if alpha:
        args.append("ALPHA")
    return args


_GEO_UNITS = ("m", "km", "mi", "ft")


def _geosearch_args(
    args: List[Any],
    member: Optional[EncodableT],
    longitude: Optional[float],
    latitude: Optional[float],
    unit: str,
    radius: Optional[float],
    width: Optional[float],
    height: Optional[float],
    sort: Optional[str],
    count: Optional[int],
    any: bool,
) -> List[Any]:
    # The checks and their messages are redis-py's.
    if member is None:
        if longitude is None or latitude is None:
            raise DataError("GEOSEARCH must have member or longitude and latitude")
        args += ["FROMLONLAT", longitude, latitude]
    else:
        if longitude is not None or latitude is not None:
            raise DataError("GEOSEARCH member and longitude or latitude cant be set together")
        args += ["FROMMEMBER", member]
    if unit is None:
        raise DataError("GEOSEARCH must have unit")
    if unit.lower() not in _GEO_UNITS:
        raise DataError("GEOSEARCH invalid unit")
    if radius is None:
        if width is None or height is None:
            raise DataError("GEOSEARCH must have radius or width and height")
        args += ["BYBOX", width, height, unit]
    else:
        if width is not None or height is not None:
            raise DataError("GEOSEARCH radius and width or height cant be set together")
        args += ["BYRADIUS", radius, unit]
    if sort is not None:
        if sort.upper() not in ("ASC", "DESC"):
            raise DataError("GEOSEARCH invalid sort")
        args.append(sort.upper())
    if count:
        args += ["COUNT", count]
        if any:
            args.append("ANY")
    elif any:
        raise DataError("GEOSEARCH ``any`` can't be provided without count")
    return args


def _trim_args(
    args: List[Any], maxlen: Optional[int], minid: Optional[EncodableT], approximate: bool, limit: Optional[int]
) -> None:
    if maxlen is not None and minid is not None:
        raise DataError("maxlen and minid are exclusive")
    if maxlen is not None:
        args += ["MAXLEN", "~" if approximate else "=", maxlen]
    elif minid is not None:
        args += ["MINID", "~" if approximate else "=", minid]
    else:
        if limit is not None:
            raise DataError("limit needs maxlen or minid")
        return
    if limit is not None:
        if not approximate:
            raise DataError("limit needs approximate trimming")
        args += ["LIMIT", limit]


def _stream_ids(args: List[Any], streams: Mapping[KeyT, EncodableT]) -> None:
    if not streams:
        raise DataError("streams must map at least one stream to an ID")
    args.append("STREAMS")
    args += streams.keys()
    args += streams.values()


def _json_arrpop(reply: Any) -> Any:
    # A legacy path pops one value (one JSON text); a $ path pops one per match (a list).
    if isinstance(reply, list):
        return [R.json_value(item) for item in reply]
    return R.json_value(reply)
