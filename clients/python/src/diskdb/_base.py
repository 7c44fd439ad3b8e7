"""Construction shared by the blocking and asyncio clients: the keyword arguments, URL
parsing, and the options/pool they produce. Only the pool class differs between the two."""

from typing import Any, Optional, Type, TypeVar

from .options import DEFAULT_PORT, ConnectionOptions, parse_url

_C = TypeVar("_C", bound="ClientBase")


class ClientBase:
    """Holds ``options`` (how to connect) and ``pool`` (the connections)."""

    _pool_class: Any = None

    def __init__(
        self,
        host: str = "localhost",
        port: int = DEFAULT_PORT,
        db: int = 0,
        password: Optional[str] = None,
        timeout: Optional[float] = 5.0,
        ssl: bool = False,
        *,
        username: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        decode_responses: bool = True,
        encoding: str = "utf-8",
        encoding_errors: str = "strict",
        protocol: int = 2,
        client_name: Optional[str] = None,
        max_connections: Optional[int] = None,
        retry_on_connection_error: bool = True,
        ssl_context: Any = None,
        ssl_ca_certs: Optional[str] = None,
        ssl_certfile: Optional[str] = None,
        ssl_keyfile: Optional[str] = None,
        ssl_verify: bool = True,
    ) -> None:
        self.options = ConnectionOptions(
            host=host,
            port=port,
            db=db,
            password=password,
            timeout=timeout,
            ssl=ssl,
            username=username,
            connect_timeout=connect_timeout,
            decode_responses=decode_responses,
            encoding=encoding,
            encoding_errors=encoding_errors,
            protocol=protocol,
            client_name=client_name,
            ssl_context=ssl_context,
            ssl_ca_certs=ssl_ca_certs,
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
            ssl_verify=ssl_verify,
        )
        self.pool = self._pool_class(self.options, max_connections)
        self.retry_on_connection_error = retry_on_connection_error

    @classmethod
    def from_url(cls: Type[_C], url: str, **kwargs: Any) -> _C:
        """``diskdb://[[user]:password@]host[:port][/db]``; also ``redis://``, and
        ``diskdbs://`` / ``rediss://`` for TLS. Keyword arguments override the URL.

        Without a port, diskdb(s):// means 6380 and redis(s):// Redis's 6379.
        """
        options = parse_url(url)
        options.update(kwargs)
        return cls(**options)

    def __repr__(self) -> str:
        return "<%s.%s %s db=%d>" % (
            type(self).__module__,
            type(self).__name__,
            self.options.describe(),
            self.options.db,
        )
