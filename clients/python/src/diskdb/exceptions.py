"""Every error the client raises, and the mapping from a server error reply to one of them.

The classes mirror what a caller wants to tell apart: the link failed (``ConnectionError``,
``TimeoutError``, which also subclass Python's built-ins so generic network code catches them),
the server refused a command (``CommandError`` and its subclasses, picked from the reply's first
word), or the client refused arguments before sending them (``DataError``).
"""

import builtins
from typing import Any, Optional, Sequence

__all__ = [
    "DiskDBError",
    "ConnectionError",
    "TimeoutError",
    "ProtocolError",
    "DataError",
    "CommandError",
    "UnknownCommandError",
    "TypeMismatchError",
    "AuthenticationError",
    "NoScriptError",
    "WatchError",
    "error_from_reply",
]


class DiskDBError(Exception):
    """Base class of every error this package raises."""


class ConnectionError(DiskDBError, builtins.ConnectionError):
    """The socket could not be opened, or it broke while a command was in flight."""


class TimeoutError(DiskDBError, builtins.TimeoutError):
    """No reply arrived in time.

    The connection is dropped afterwards: the late reply could otherwise be read as the answer to
    the next command. A timed-out command is not retried, because the server may have run it.
    """


class ProtocolError(DiskDBError):
    """The server sent bytes that are not valid RESP; the connection is dropped."""


class DataError(DiskDBError, ValueError):
    """Arguments the client refuses before sending anything (e.g. a ``bool`` value)."""


class CommandError(DiskDBError):
    """The server answered a command with an error reply.

    ``code`` is the reply's leading upper-case word (``ERR``, ``WRONGTYPE``, ``NOAUTH``...), the
    part clients are meant to match on; ``message`` is the whole text. Inside a pipeline,
    ``index`` and ``command`` say which queued command failed.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        first = message.split(" ", 1)[0]
        self.code = first if first.isupper() else ""
        self.index: Optional[int] = None
        self.command: Optional[Sequence[Any]] = None

    def __str__(self) -> str:
        if self.index is None or not self.command:
            return self.message
        name = self.command[0]
        if isinstance(name, bytes):
            name = name.decode("utf-8", "replace")
        return "%s (pipeline command #%d, %s)" % (self.message, self.index + 1, name)


class UnknownCommandError(CommandError):
    """The server does not implement the command or subcommand (``ERR unknown command ...``)."""


class TypeMismatchError(CommandError):
    """``WRONGTYPE``: the key holds another kind of value than the command works on."""


class AuthenticationError(CommandError):
    """``NOAUTH`` / ``WRONGPASS``, or AUTH sent to a server that has no password."""


class NoScriptError(CommandError):
    """``NOSCRIPT``: EVALSHA named a script the server does not have (never loaded, or dropped
    by SCRIPT FLUSH); send it with EVAL or SCRIPT LOAD first."""


class WatchError(DiskDBError):
    """A watched key changed before EXEC, so the server discarded the transaction."""


def error_from_reply(message: str) -> CommandError:
    """Build the exception for an error reply; the caller decides whether to raise it.

    Keeping errors as values lets a pipeline return them in place of the failed command's
    result instead of losing the replies that follow.
    """
    if message.startswith("WRONGTYPE"):
        return TypeMismatchError(message)
    if message.startswith("NOSCRIPT"):
        return NoScriptError(message)
    if message.startswith(("NOAUTH", "WRONGPASS")) or message.startswith(
        ("ERR AUTH", "ERR invalid password", "ERR Client sent AUTH")
    ):
        return AuthenticationError(message)
    if message.startswith(("ERR unknown command", "ERR unknown subcommand")):
        return UnknownCommandError(message)
    return CommandError(message)
