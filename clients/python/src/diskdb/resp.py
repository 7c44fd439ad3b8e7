"""RESP2/RESP3 framing: commands to bytes, bytes to replies. Pure bytes, no I/O.

Both the blocking and the asyncio client push whatever the socket gave them into a ``Reader``
and ask it for complete replies, so there is one parser and it is testable on byte strings.
"Not enough bytes yet" is a normal answer (``NEED_MORE``), not an exception, and the reader
keeps its place inside a half-read aggregate, so a reply of any size is parsed in linear time
however the bytes are split.

Error replies come back as ``CommandError`` *values* (never raised here): a pipeline or EXEC
needs them in place, and only the caller knows whether to raise.
"""

from typing import Any, Iterable, List, Optional, Sequence

from .exceptions import DataError, ProtocolError, error_from_reply

__all__ = ["NEED_MORE", "Push", "Reader", "decode_reply", "encode_command", "encode_commands"]


class _NeedMore:
    """Type of the ``NEED_MORE`` sentinel (``False`` cannot be used: RESP3 has booleans)."""

    _instance: Optional["_NeedMore"] = None

    def __new__(cls) -> "_NeedMore":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NEED_MORE"

    def __bool__(self) -> bool:
        return False


NEED_MORE = _NeedMore()

# Marks "an aggregate header was read, keep parsing its elements" and "an attribute map was
# read, drop it"; internal to Reader.
_OPENED = object()
_SKIP = object()

# Values above this size are sent as separate buffers, so a large value is copied once (by
# join) instead of twice.
_BIG = 16 * 1024


class Push(list):  # type: ignore[type-arg]
    """A RESP3 push frame (``>``): out-of-band data such as pub/sub messages."""


def _encode_other(arg: Any, encoding: str) -> bytes:
    # bool is an int subclass: reject it before the int branch would send "1"/"0", because
    # Redis has no booleans and silently storing "True" or "1" surprises in both directions.
    if isinstance(arg, bool) or arg is None:
        raise DataError(
            "invalid argument %r of type %s: convert it to str, bytes, int or float first"
            % (arg, type(arg).__name__)
        )
    if isinstance(arg, bytes):
        return bytes(arg)
    if isinstance(arg, str):
        return arg.encode(encoding)
    if isinstance(arg, int):
        return b"%d" % arg
    if isinstance(arg, float):
        return repr(arg).encode()
    if isinstance(arg, (bytearray, memoryview)):
        return bytes(arg)
    raise DataError(
        "invalid argument of type %s: convert it to str, bytes, int or float first"
        % type(arg).__name__
    )


def _encode_into(out: List[bytes], args: Sequence[Any], encoding: str) -> None:
    out.append(b"*%d\r\n" % len(args))
    append = out.append
    for arg in args:
        # Exact type checks first: this loop runs for every argument of every command.
        kind = type(arg)
        if kind is str:
            data = arg.encode(encoding)
        elif kind is bytes:
            data = arg
        elif kind is int:
            data = b"%d" % arg
        elif kind is float:
            data = repr(arg).encode()
        else:
            data = _encode_other(arg, encoding)
        if len(data) < _BIG:
            append(b"$%d\r\n%b\r\n" % (len(data), data))
        else:
            append(b"$%d\r\n" % len(data))
            append(data)
            append(b"\r\n")


def encode_command(args: Sequence[Any], encoding: str = "utf-8") -> bytes:
    """Encode one command as a RESP array of bulk strings."""
    out: List[bytes] = []
    _encode_into(out, args, encoding)
    return b"".join(out)


def encode_commands(commands: Iterable[Sequence[Any]], encoding: str = "utf-8") -> bytes:
    """Encode several commands into one buffer, so a pipeline costs one write."""
    out: List[bytes] = []
    for args in commands:
        _encode_into(out, args, encoding)
    return b"".join(out)


def _hashable(value: Any) -> Any:
    # RESP3 map keys and set members may be aggregates; Python needs hashable ones.
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((_hashable(k), _hashable(v)) for k, v in value.items())
    if isinstance(value, set):
        return frozenset(value)
    return value


def _finish(frame: List[Any]) -> Any:
    kind, _, items = frame
    if kind == 42:  # '*'
        return items
    if kind == 37:  # '%'
        return {_hashable(items[i]): items[i + 1] for i in range(0, len(items), 2)}
    if kind == 126:  # '~'
        return {_hashable(item) for item in items}
    if kind == 62:  # '>'
        return Push(items)
    return _SKIP  # '|' attribute: metadata about the next reply, which we do not use


def decode_reply(value: Any, encoding: str, errors: str = "strict") -> Any:
    """What ``Reader(encoding, errors)`` would have returned for a reply that a non-decoding
    reader parsed: every ``bytes`` inside it decoded, containers and other values kept.

    Used when one reply of a batch had to stay binary (DUMP) but its neighbours must look as
    usual; map keys and set members keep the hashable form the parser gave them."""
    kind = type(value)
    if kind is bytes:
        return value.decode(encoding, errors)
    if kind is list or kind is Push:
        items = [decode_reply(item, encoding, errors) for item in value]
        return items if kind is list else Push(items)
    if kind is dict:
        return {decode_reply(k, encoding, errors): decode_reply(v, encoding, errors) for k, v in value.items()}
    if kind is set or kind is frozenset:
        return kind(decode_reply(item, encoding, errors) for item in value)
    if kind is tuple:
        return tuple(decode_reply(item, encoding, errors) for item in value)
    return value


class Reader:
    """Incremental RESP parser: ``feed`` bytes in, ``gets`` complete replies out.

    With ``encoding`` set, bulk and simple strings are decoded to ``str`` (``decode_responses``);
    otherwise they stay ``bytes``. Error replies are returned as exception instances.
    ``encoding`` may be changed between replies (``None`` reads the next ones as bytes).
    """

    __slots__ = ("_buf", "_pos", "_stack", "_encoding", "_errors")

    def __init__(self, encoding: Optional[str] = None, errors: str = "strict") -> None:
        self._buf = bytearray()
        self._pos = 0
        # One [type byte, element count, elements] frame per aggregate being filled.
        self._stack: List[List[Any]] = []
        self._encoding = encoding
        self._errors = errors

    def feed(self, data: bytes) -> None:
        """Append bytes received from the server."""
        if self._pos:
            # Dropping the consumed prefix of a bytearray is O(1) in CPython (it moves the
            # start offset), so this keeps memory bounded without copying.
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += data

    @property
    def encoding(self) -> Optional[str]:
        """The encoding strings are decoded with; None keeps them as bytes."""
        return self._encoding

    @encoding.setter
    def encoding(self, encoding: Optional[str]) -> None:
        self._encoding = encoding

    def has_buffered(self) -> bool:
        """True if bytes are waiting that may already hold a reply."""
        return self._pos < len(self._buf)

    def reset(self) -> None:
        """Forget everything buffered (after the connection was dropped)."""
        self._buf = bytearray()
        self._pos = 0
        self._stack = []

    def gets(self) -> Any:
        """Return the next complete reply, or ``NEED_MORE`` if its bytes have not all arrived."""
        stack = self._stack
        try:
            while True:
                value = self._parse_one()
                if value is NEED_MORE:
                    return NEED_MORE
                if value is _OPENED:
                    continue
                while stack:
                    if value is _SKIP:
                        break
                    frame = stack[-1]
                    items = frame[2]
                    items.append(value)
                    if len(items) < frame[1]:
                        break
                    stack.pop()
                    value = _finish(frame)
                else:
                    if value is not _SKIP:
                        return value
        except ValueError as exc:
            # int()/float() on a malformed header, or undecodable text under "strict".
            if isinstance(exc, UnicodeDecodeError):
                self.reset()
                raise
            raise ProtocolError("malformed reply from server: %s" % exc) from None

    def _parse_one(self) -> Any:
        buf = self._buf
        pos = self._pos
        end = buf.find(b"\r\n", pos)
        if end < 0:
            return NEED_MORE
        kind = buf[pos]
        if kind == 36:  # '$' bulk string
            length = int(buf[pos + 1 : end])
            if length < 0:
                self._pos = end + 2
                return None
            start = end + 2
            stop = start + length
            if stop + 2 > len(buf):
                return NEED_MORE
            self._pos = stop + 2
            if self._encoding:
                return buf[start:stop].decode(self._encoding, self._errors)
            return bytes(buf[start:stop])
        if kind == 43:  # '+' simple string
            self._pos = end + 2
            if self._encoding:
                return buf[pos + 1 : end].decode(self._encoding, self._errors)
            return bytes(buf[pos + 1 : end])
        if kind == 58:  # ':' integer
            self._pos = end + 2
            return int(buf[pos + 1 : end])
        if kind in (42, 37, 126, 62, 124):  # '*' array, '%' map, '~' set, '>' push, '|' attribute
            count = int(buf[pos + 1 : end])
            self._pos = end + 2
            if count < 0:
                return None
            if kind == 37 or kind == 124:
                count *= 2
            frame = [kind, count, []]
            if count == 0:
                return _finish(frame)
            self._stack.append(frame)
            return _OPENED
        if kind == 45:  # '-' error
            self._pos = end + 2
            return error_from_reply(buf[pos + 1 : end].decode("utf-8", "replace"))
        if kind == 95:  # '_' null
            self._pos = end + 2
            return None
        if kind == 44:  # ',' double ("inf", "-inf" and "nan" included, which float() reads)
            self._pos = end + 2
            return float(buf[pos + 1 : end])
        if kind == 35:  # '#' boolean
            self._pos = end + 2
            return buf[pos + 1 : end] == b"t"
        if kind == 40:  # '(' big number
            self._pos = end + 2
            return int(buf[pos + 1 : end])
        if kind == 61 or kind == 33:  # '=' verbatim string, '!' bulk error
            length = int(buf[pos + 1 : end])
            start = end + 2
            stop = start + length
            if stop + 2 > len(buf):
                return NEED_MORE
            self._pos = stop + 2
            if kind == 33:
                return error_from_reply(buf[start:stop].decode("utf-8", "replace"))
            start += 4  # drop the "txt:" / "mkd:" format prefix
            if self._encoding:
                return buf[start:stop].decode(self._encoding, self._errors)
            return bytes(buf[start:stop])
        raise ProtocolError("unexpected reply type byte %r" % chr(kind))
