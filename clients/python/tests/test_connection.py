"""Connection handling: errors, timeouts, pooling across threads, reconnects, AUTH, TLS."""

import builtins
import shutil
import socket
import subprocess
import threading
import time

import pytest
from _server import Server, free_port

from diskdb import AuthenticationError, ConnectionError, DiskDB, TimeoutError


def test_context_manager_and_close(server):
    with DiskDB(host="127.0.0.1", port=server.port) as client:
        assert client.ping() is True
    # close() only drops the sockets: the client reconnects when used again.
    assert client.ping() is True
    client.close()


def test_from_url(server):
    with DiskDB.from_url("diskdb://127.0.0.1:%d/0" % server.port) as client:
        assert client.ping() is True
    with DiskDB.from_url("redis://127.0.0.1:%d" % server.port) as client:
        assert client.ping() is True


def test_refused_connection_is_connection_error():
    client = DiskDB(host="127.0.0.1", port=free_port(), timeout=1)
    with pytest.raises(ConnectionError) as info:
        client.ping()
    assert isinstance(info.value, builtins.ConnectionError)


def test_silent_server_is_timeout_error():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        client = DiskDB(host="127.0.0.1", port=listener.getsockname()[1], timeout=0.2)
        start = time.monotonic()
        with pytest.raises(TimeoutError) as info:
            client.get("k")
        assert isinstance(info.value, builtins.TimeoutError)
        assert time.monotonic() - start < 2
    finally:
        listener.close()


def test_threads_share_one_client(r):
    def work():
        for _ in range(100):
            r.incr("counter")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert r.get("counter") == "800"
    assert r.pool._created <= 8


def test_max_connections_waits_then_gives_up(make_client):
    client = make_client(max_connections=1, timeout=0.3)
    held = client.pool.acquire()
    try:
        with pytest.raises(ConnectionError):
            client.ping()
    finally:
        client.pool.release(held)
    assert client.ping() is True


def test_retry_once_after_server_side_disconnect(r, make_client):
    victim = make_client(client_name="victim")
    assert victim.ping() is True
    killer = make_client()
    assert killer.execute("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes") >= 1
    # The pooled socket is dead; the command is retried once on a fresh one.
    assert victim.set("after", "kill") is True
    assert victim.get("after") == "kill"


def test_no_retry_when_disabled(make_client):
    victim = make_client(retry_on_connection_error=False)
    victim.ping()
    make_client().execute("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    with pytest.raises(ConnectionError):
        victim.ping()
    assert victim.ping() is True  # the next command reconnects


@pytest.fixture
def own_server(tmp_path):
    """A private server this test may stop and start."""
    servers = []

    def start(**kwargs):
        srv = Server(tmp_path / ("s%d" % len(servers)), **kwargs).start()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.stop()


def test_survives_server_restart(own_server):
    srv = own_server()
    client = DiskDB(host="127.0.0.1", port=srv.port)
    assert client.set("k", "v") is True
    srv.restart()
    # Same port, new process: the pooled socket is stale, the retry uses a fresh one.
    assert client.ping() is True
    if srv.kind == "diskdb":
        assert client.get("k") == "v"  # and the data survived the restart
    client.close()


def test_password(own_server):
    srv = own_server(extra_args=["--requirepass", "s3cret"])
    with pytest.raises(AuthenticationError) as info:
        DiskDB(host="127.0.0.1", port=srv.port).ping()
    assert info.value.code == "NOAUTH"
    with pytest.raises(AuthenticationError):
        DiskDB(host="127.0.0.1", port=srv.port, password="wrong").ping()
    client = DiskDB(host="127.0.0.1", port=srv.port, password="s3cret")
    assert client.ping() is True
    client.close()
    url_client = DiskDB.from_url("diskdb://:s3cret@127.0.0.1:%d/1" % srv.port)
    url_client.set("k", "in-db-1")
    assert url_client.get("k") == "in-db-1"
    url_client.close()


def test_password_sent_to_server_without_one(server):
    with pytest.raises(AuthenticationError):
        DiskDB(host="127.0.0.1", port=server.port, password="nope").ping()


def _make_cert(directory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not available to make a test certificate")
    cert, key = str(directory / "cert.pem"), str(directory / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert],
        check=True, capture_output=True,
    )
    return cert, key


def test_tls(own_server, tmp_path):
    cert, key = _make_cert(tmp_path)
    tls_port = free_port()
    own_server(tls={"port": tls_port, "cert": cert, "key": key, "ca": cert})
    client = DiskDB.from_url("diskdbs://localhost:%d" % tls_port, ssl_ca_certs=cert)
    assert client.set("tls", "yes") is True
    assert client.get("tls") == "yes"
    client.close()
    with pytest.raises(ConnectionError):
        DiskDB(host="localhost", port=tls_port, ssl=True, timeout=2).ping()  # untrusted cert


def test_select_db_from_constructor(make_client):
    zero, three = make_client(), make_client(db=3)
    three.flushdb()
    three.set("k", "3")
    assert zero.get("k") is None and three.get("k") == "3"


def test_encoding_errors_option(make_client):
    raw = make_client(decode_responses=False)
    raw.set("latin", b"caf\xe9")
    lenient = make_client(encoding_errors="replace")
    assert lenient.get("latin") == "caf\ufffd"
    strict = make_client()
    with pytest.raises(UnicodeDecodeError):
        strict.get("latin")
    assert strict.ping() is True  # the undecodable reply did not desync the connection
    latin = make_client(encoding="latin-1")
    assert latin.get("latin") == "café"
