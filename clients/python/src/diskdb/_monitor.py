"""The I/O-free half of MONITOR, shared by the blocking and asyncio clients: turning one line
the server streams into a command record.

A line is Redis 7's format (DiskDB writes the same)::

    1795800854.653437 [0 127.0.0.1:33782] "SET" "a" "1"

the Unix time with microseconds, ``[db client]`` where the client is ``ip:port``
(``[::1]:port`` for IPv6), ``unix:<socket path>`` or ``lua``, then every argument in double
quotes, escaped as Redis's ``sdscatrepr`` does: ``\\\\`` ``\\"`` ``\\n`` ``\\r`` ``\\t`` ``\\a``
``\\b``, and ``\\xHH`` for any other byte that is not printable ASCII.
"""

import re
from typing import Any, Dict, List, Optional

from .exceptions import CommandError, ProtocolError

__all__ = ["parse_monitor_line", "unescape"]

# One quoted argument: anything but a quote or backslash, or a backslash and the byte after it.
_ARG = re.compile(rb'"((?:[^"\\]|\\.)*)"', re.S)
_ESCAPE = re.compile(rb"\\(x[0-9a-fA-F]{2}|.)", re.S)
_SIMPLE = {
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
    b"a": b"\a",
    b"b": b"\b",
    b"\\": b"\\",
    b'"': b'"',
}


def _unescape_one(match: "re.Match[bytes]") -> bytes:
    escape = match.group(1)
    if len(escape) == 3:  # xHH
        return bytes((int(escape[1:], 16),))
    # An escape Redis never writes stands for the byte itself, as in redis-cli's parser.
    return _SIMPLE.get(escape, escape)


def unescape(quoted: bytes) -> bytes:
    """The original bytes of one argument, given its text between the quotes."""
    if b"\\" not in quoted:
        return quoted
    return _ESCAPE.sub(_unescape_one, quoted)


def _split_args(text: bytes, line: bytes) -> List[bytes]:
    args: List[bytes] = []
    pos, end = 0, len(text)
    while pos < end:
        match = _ARG.match(text, pos)
        if match is None:
            raise ProtocolError("unexpected MONITOR line %r" % line)
        args.append(unescape(match.group(1)))
        pos = match.end()
        if pos < end:
            if text[pos] != 0x20:  # arguments are separated by one space
                raise ProtocolError("unexpected MONITOR line %r" % line)
            pos += 1
    return args


def parse_monitor_line(line: Any, encoding: Optional[str] = None) -> Dict[str, Any]:
    """One MONITOR line -> ``{'time', 'db', 'client_address', 'client_port', 'client_type',
    'command', 'args'}``.

    The keys up to ``command`` are redis-py's: ``time`` a float, ``db`` an int,
    ``client_address`` and ``client_port`` strings (``'unix'`` and the socket path for a Unix
    socket, ``'lua'`` and ``''`` for a script), ``client_type`` ``'tcp'``, ``'unix'`` or
    ``'lua'``, ``command`` the arguments joined by spaces. ``args`` is the argument list,
    unescaped: exact ``bytes`` when ``encoding`` is None, else ``str`` decoded with it (bytes
    that do not decode appear as ``\\xHH``, so a client sending binary data cannot stop the
    monitor). ``command`` is always text, escapes resolved.
    """
    if isinstance(line, CommandError):
        raise line
    if isinstance(line, str):
        line = line.encode("utf-8", "surrogateescape")
    if not isinstance(line, (bytes, bytearray)):
        raise ProtocolError("unexpected MONITOR reply %r" % (line,))
    line = bytes(line)
    try:
        stamp, rest = line.split(b" ", 1)
        when = float(stamp)
        if not rest.startswith(b"["):
            raise ValueError("no [db client]")
        space = rest.index(b" ")
        db = int(rest[1:space])
        # The client part never holds a quote, so the first '] "' closes it (an IPv6 address
        # has brackets of its own). A command always has arguments; be lenient if not.
        close = rest.find(b'] "', space)
        if close < 0:
            close = rest.rindex(b"]")
        client = rest[space + 1 : close].decode("utf-8", "replace")
        args_text = rest[close + 2 :]
    except ValueError:
        raise ProtocolError("unexpected MONITOR line %r" % line) from None
    raw_args = _split_args(args_text, line)

    if client == "lua":
        address, port, kind = "lua", "", "lua"
    elif client.startswith("unix:"):
        address, port, kind = "unix", client[5:], "unix"
    else:
        address, _, port = client.rpartition(":")
        if address.startswith("[") and address.endswith("]"):
            address = address[1:-1]
        kind = "tcp"

    text = [arg.decode(encoding or "utf-8", "backslashreplace") for arg in raw_args]
    return {
        "time": when,
        "db": db,
        "client_address": address,
        "client_port": port,
        "client_type": kind,
        "command": " ".join(text),
        "args": raw_args if encoding is None else text,
    }
