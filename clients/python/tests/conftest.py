"""Fixtures: one server per test session (see _server.py), clean clients per test, and the
one place that turns "the server has no such command yet" into a skip."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator, Optional

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from _server import Server, server_kind  # noqa: E402

from diskdb import CommandError, DiskDB, UnknownCommandError  # noqa: E402

# Gaps a server documents with their own error rather than "unknown command": DiskDB cannot
# DUMP streams or JSON documents ("ERR DUMP does not support stream and JSON keys").
_DOCUMENTED_GAPS = ("ERR DUMP does not support ",)


def unsupported_reason(exc: BaseException) -> Optional[str]:
    """Why a test cannot run on this server, if ``exc`` says a command is not implemented.

    The single shared helper for skipping: DiskDB gains command families one issue at a time,
    and a test of a family it lacks should be reported as skipped, by name, not failed and not
    silently passed. Any other error is a real failure.

    A test that expects an error reply must therefore first use the command successfully, so
    that ``pytest.raises(CommandError)`` cannot swallow an "unknown command" instead.
    """
    if isinstance(exc, UnknownCommandError):
        return "%s server does not support this yet: %s" % (server_kind(), exc.message.split(", with args")[0])
    if isinstance(exc, CommandError) and exc.message.startswith(_DOCUMENTED_GAPS):
        return "%s server does not support this: %s" % (server_kind(), exc.message)
    return None


def _skip(reason: str) -> None:
    try:
        # Report the skip at the test's own line rather than here (as a skip mark does).
        exc = pytest.skip.Exception(reason, _use_item_location=True)
    except TypeError:  # the keyword is pytest-internal; older versions lack it
        exc = pytest.skip.Exception(reason)
    raise exc


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Iterator[None]:
    try:
        return (yield)
    except Exception as exc:
        reason = unsupported_reason(exc)
        if reason is None:
            raise
        _skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest) -> Iterator[object]:
    # Same rule for fixtures that prepare data with a command the server lacks.
    try:
        return (yield)
    except Exception as exc:
        reason = unsupported_reason(exc)
        if reason is None:
            raise
        _skip(reason)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("server")).start()
    yield srv
    srv.stop()


def _flush(client: DiskDB) -> None:
    try:
        client.flushall()
    except UnknownCommandError:
        client.flushdb()


@pytest.fixture
def r(server: Server) -> Iterator[DiskDB]:
    """A client with decode_responses=True (the default) on an empty database."""
    client = DiskDB(host="127.0.0.1", port=server.port)
    _flush(client)
    yield client
    client.close()


@pytest.fixture
def rb(server: Server) -> Iterator[DiskDB]:
    """A client returning bytes (decode_responses=False) on an empty database."""
    client = DiskDB(host="127.0.0.1", port=server.port, decode_responses=False)
    _flush(client)
    yield client
    client.close()


@pytest.fixture
def make_client(server: Server) -> Iterator:
    """Factory for extra clients (other options, a second connection); all closed afterwards."""
    made = []

    def make(**kwargs: object) -> DiskDB:
        kwargs.setdefault("host", "127.0.0.1")
        kwargs.setdefault("port", server.port)
        client = DiskDB(**kwargs)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
