"""Connection settings shared by the blocking and asyncio clients: URL parsing, TLS context,
and the handshake commands a new connection sends before it is used.
"""

import ssl as _ssl
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from .exceptions import DataError

DEFAULT_PORT = 6380
REDIS_PORT = 6379

# scheme -> (uses TLS, default port). redis:// keeps Redis's registered port: a URL names a
# protocol endpoint, and a Redis user writing redis://host means 6379.
_SCHEMES = {
    "diskdb": (False, DEFAULT_PORT),
    "diskdbs": (True, DEFAULT_PORT),
    "redis": (False, REDIS_PORT),
    "rediss": (True, REDIS_PORT),
}

_BOOL_WORDS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def _query_value(name: str, raw: str) -> Any:
    if name in ("timeout", "connect_timeout"):
        return None if raw.lower() in ("", "none") else float(raw)
    if name in ("db", "protocol", "max_connections"):
        return int(raw)
    if name in ("decode_responses", "ssl_verify", "retry_on_connection_error"):
        try:
            return _BOOL_WORDS[raw.lower()]
        except KeyError:
            raise DataError("URL option %s must be true or false, not %r" % (name, raw)) from None
    return raw


_QUERY_OPTIONS = (
    "db",
    "timeout",
    "connect_timeout",
    "protocol",
    "client_name",
    "decode_responses",
    "encoding",
    "max_connections",
    "ssl_ca_certs",
    "ssl_certfile",
    "ssl_keyfile",
    "ssl_verify",
    "retry_on_connection_error",
)


def parse_url(url: str) -> Dict[str, Any]:
    """Turn ``diskdb://[[user]:password@]host[:port][/db][?option=value]`` into client kwargs.

    Also accepts ``redis://``, and ``rediss://`` / ``diskdbs://`` for TLS. Query options are a
    subset of the constructor's keyword arguments (timeout, protocol, ssl_ca_certs, ...).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise DataError(
            "unsupported URL scheme %r: use diskdb://, diskdbs://, redis:// or rediss://"
            % parts.scheme
        )
    use_ssl, default_port = _SCHEMES[scheme]
    kwargs: Dict[str, Any] = {
        "host": parts.hostname or "localhost",
        "port": parts.port or default_port,
        "ssl": use_ssl,
    }
    if parts.username:
        kwargs["username"] = unquote(parts.username)
    if parts.password is not None:
        kwargs["password"] = unquote(parts.password)
    path = parts.path.strip("/")
    if path:
        try:
            kwargs["db"] = int(path)
        except ValueError:
            raise DataError("database in URL path must be a number, not %r" % path) from None
    for name, values in parse_qs(parts.query, keep_blank_values=True).items():
        if name not in _QUERY_OPTIONS:
            raise DataError("unknown URL option %r" % name)
        try:
            kwargs[name] = _query_value(name, values[-1])
        except ValueError:
            raise DataError("bad value %r for URL option %s" % (values[-1], name)) from None
    return kwargs


class ConnectionOptions:
    """Everything needed to open and prepare one connection; immutable once built."""

    def __init__(
        self,
        host: str = "localhost",
        port: int = DEFAULT_PORT,
        db: int = 0,
        password: Optional[str] = None,
        timeout: Optional[float] = 5.0,
        ssl: bool = False,
        username: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        decode_responses: bool = True,
        encoding: str = "utf-8",
        encoding_errors: str = "strict",
        protocol: int = 2,
        client_name: Optional[str] = None,
        ssl_context: Optional[_ssl.SSLContext] = None,
        ssl_ca_certs: Optional[str] = None,
        ssl_certfile: Optional[str] = None,
        ssl_keyfile: Optional[str] = None,
        ssl_verify: bool = True,
    ) -> None:
        if protocol not in (2, 3):
            raise DataError("protocol must be 2 or 3, not %r" % (protocol,))
        if timeout is not None and timeout <= 0:
            raise DataError("timeout must be positive or None")
        self.host = host
        self.port = int(port)
        self.db = int(db)
        self.username = username
        self.password = password
        self.timeout = timeout
        self.connect_timeout = connect_timeout if connect_timeout is not None else timeout
        self.decode_responses = decode_responses
        self.encoding = encoding
        self.encoding_errors = encoding_errors
        self.protocol = protocol
        self.client_name = client_name
        self.ssl_context: Optional[_ssl.SSLContext] = None
        if ssl_context is not None:
            self.ssl_context = ssl_context
        elif ssl:
            context = _ssl.create_default_context(cafile=ssl_ca_certs)
            if not ssl_verify:
                context.check_hostname = False
                context.verify_mode = _ssl.CERT_NONE
            if ssl_certfile:
                context.load_cert_chain(ssl_certfile, ssl_keyfile)
            self.ssl_context = context

    @property
    def reply_encoding(self) -> Optional[str]:
        """Encoding the parser decodes strings with, or None to keep bytes."""
        return self.encoding if self.decode_responses else None

    def handshake(self) -> List[Tuple[Any, ...]]:
        """Commands a fresh connection sends (pipelined, in one write) before its first use."""
        commands: List[Tuple[Any, ...]] = []
        if self.protocol == 3:
            hello: List[Any] = ["HELLO", 3]
            if self.password is not None:
                hello += ["AUTH", self.username or "default", self.password]
            if self.client_name:
                hello += ["SETNAME", self.client_name]
            commands.append(tuple(hello))
        else:
            if self.password is not None:
                if self.username:
                    commands.append(("AUTH", self.username, self.password))
                else:
                    commands.append(("AUTH", self.password))
            if self.client_name:
                commands.append(("CLIENT", "SETNAME", self.client_name))
        if self.db:
            commands.append(("SELECT", self.db))
        return commands

    def describe(self) -> str:
        return "%s:%d" % (self.host, self.port)
