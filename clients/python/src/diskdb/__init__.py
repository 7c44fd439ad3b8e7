"""DiskDB's Python client: ``from diskdb import DiskDB``.

Pure Python, no dependencies. Speaks RESP2 (RESP3 with ``protocol=3``), so it also works with
Redis. The asyncio twin is ``diskdb.asyncio.DiskDB``.
"""

from .client import DiskDB, Monitor, Pipeline, PubSub
from .exceptions import (
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

__version__ = "0.1.0"

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
    "__version__",
]
