"""The I/O-free half of pub/sub, shared by the blocking and asyncio clients: which channels and
patterns are subscribed, what to re-send after a reconnect, and how a server frame becomes a
message dict.
"""

from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from .exceptions import CommandError, DataError, ProtocolError
from .resp import Push

Handler = Optional[Callable[[Dict[str, Any]], Any]]

_SUBSCRIBE_KINDS = {"subscribe", "psubscribe", "unsubscribe", "punsubscribe"}

# Where RESP2 clients receive the invalidations of client-side caching (CLIENT TRACKING).
_INVALIDATE = "__redis__:invalidate"


def _key(name: Any) -> bytes:
    # Channels are compared as bytes: the caller may give str while the server echoes bytes
    # (decode_responses=False), or the other way round.
    if isinstance(name, str):
        return name.encode("utf-8")
    if isinstance(name, (bytes, bytearray, memoryview)):
        return bytes(name)
    raise DataError("channel names must be str or bytes, not %s" % type(name).__name__)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class PubSubState:
    """Subscriptions of one pub/sub connection and the decoding of its incoming frames."""

    def __init__(self, ignore_subscribe_messages: bool = False) -> None:
        self.ignore_subscribe_messages = ignore_subscribe_messages
        # name (as bytes) -> (name as given, handler or None)
        self.channels: Dict[bytes, Tuple[Any, Handler]] = {}
        self.patterns: Dict[bytes, Tuple[Any, Handler]] = {}

    @property
    def subscribed(self) -> bool:
        """True while any channel or pattern is subscribed or awaiting its unsubscribe reply."""
        return bool(self.channels or self.patterns)

    def subscribe(self, command: str, names: Iterable[Any], handlers: Dict[str, Handler]) -> List[Any]:
        """Record a (P)SUBSCRIBE and return its arguments. Recorded before the server confirms,
        so ``subscribed`` is true at once and a reconnect re-sends it."""
        table = self.channels if command == "SUBSCRIBE" else self.patterns
        args: List[Any] = [command]
        for name in names:
            table[_key(name)] = (name, None)
            args.append(name)
        for name, handler in handlers.items():
            table[_key(name)] = (name, handler)
            args.append(name)
        if len(args) == 1:
            raise DataError("%s needs at least one name" % command.lower())
        return args

    def resubscribe_commands(self) -> List[List[Any]]:
        """What a new connection must send to restore the subscriptions."""
        commands = []
        if self.channels:
            commands.append(["SUBSCRIBE", *(name for name, _ in self.channels.values())])
        if self.patterns:
            commands.append(["PSUBSCRIBE", *(name for name, _ in self.patterns.values())])
        return commands

    def handle(self, reply: Any, ignore_subscribe_messages: bool = False) -> Optional[Tuple[Dict[str, Any], Handler]]:
        """Turn one frame into ``(message, handler)``; None if the frame is to be suppressed.

        The message is ``{'type', 'pattern', 'channel', 'data'}``: for subscribe-kind frames
        ``data`` is the number of subscriptions left. Raises the error for an error reply.
        """
        if isinstance(reply, CommandError):
            raise reply
        if isinstance(reply, (str, bytes)):
            # RESP3 answers PING in subscribed mode with a plain +PONG.
            return {"type": "pong", "pattern": None, "channel": None, "data": None}, None
        if not isinstance(reply, (list, Push)) or not reply:
            raise ProtocolError("unexpected pub/sub frame %r" % (reply,))
        kind = _text(reply[0]).lower()
        if kind == "pmessage":
            message = {"type": kind, "pattern": reply[1], "channel": reply[2], "data": reply[3]}
            entry = self.patterns.get(_key(reply[1]))
            return message, (entry[1] if entry else None)
        if kind == "pong":
            data = reply[1] if len(reply) > 1 else None
            return {"type": "pong", "pattern": None, "channel": None, "data": data}, None
        if kind == "invalidate" and len(reply) == 2:
            # A RESP3 connection that CLIENT TRACKING redirects to gets ['invalidate', keys]
            # pushes; RESP2 delivers the same as a message on this channel. Give that message,
            # so the code reading it does not depend on the protocol.
            channel = _INVALIDATE if isinstance(reply[0], str) else _INVALIDATE.encode()
            entry = self.channels.get(_key(channel))
            message = {"type": "message", "pattern": None, "channel": channel, "data": reply[1]}
            return message, (entry[1] if entry else None)
        message = {"type": kind, "pattern": None, "channel": reply[1], "data": reply[2]}
        if kind == "message" or kind == "smessage":
            entry = self.channels.get(_key(reply[1]))
            return message, (entry[1] if entry else None)
        if kind == "unsubscribe" and reply[1] is not None:
            self.channels.pop(_key(reply[1]), None)
        elif kind == "punsubscribe" and reply[1] is not None:
            self.patterns.pop(_key(reply[1]), None)
        if kind in _SUBSCRIBE_KINDS and (ignore_subscribe_messages or self.ignore_subscribe_messages):
            return None
        return message, None
