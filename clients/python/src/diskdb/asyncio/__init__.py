"""asyncio client: ``from diskdb.asyncio import DiskDB``; every command is a coroutine."""

from ..exceptions import (
    AuthenticationError,
    CommandError,
    ConnectionError,
    DataError,
    DiskDBError,
    NoScriptError,
    ProtocolError,
    TimeoutError,
    TypeMismatchError,
    UnknownCommandError,
    WatchError,
)
from .client import DiskDB, Monitor, Pipeline, PubSub

__all__ = [
    "DiskDB",
    "Pipeline",
    "PubSub",
    "Monitor",
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
]
