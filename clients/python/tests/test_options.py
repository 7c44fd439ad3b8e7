"""URL parsing and the handshake a new connection performs, without a server."""

import ssl

import pytest

from diskdb import DataError, DiskDB
from diskdb.options import ConnectionOptions, parse_url


@pytest.mark.parametrize(
    "url, expected",
    [
        ("diskdb://localhost", {"host": "localhost", "port": 6380, "ssl": False}),
        ("diskdb://db.example:7000/3", {"host": "db.example", "port": 7000, "ssl": False, "db": 3}),
        ("diskdb://:s3cret@h:1/2", {"host": "h", "port": 1, "ssl": False, "password": "s3cret", "db": 2}),
        ("diskdb://alice:p%40ss@h", {"host": "h", "port": 6380, "ssl": False, "username": "alice", "password": "p@ss"}),
        ("redis://h", {"host": "h", "port": 6379, "ssl": False}),
        ("rediss://h:6390/0", {"host": "h", "port": 6390, "ssl": True, "db": 0}),
        ("diskdbs://h", {"host": "h", "port": 6380, "ssl": True}),
        ("diskdb://[::1]:6380", {"host": "::1", "port": 6380, "ssl": False}),
        (
            "diskdb://h?timeout=1.5&protocol=3&decode_responses=false&db=4",
            {"host": "h", "port": 6380, "ssl": False, "timeout": 1.5, "protocol": 3,
             "decode_responses": False, "db": 4},
        ),
    ],
)
def test_parse_url(url, expected):
    assert parse_url(url) == expected


@pytest.mark.parametrize(
    "url", ["http://h", "diskdb://h/notanumber", "diskdb://h?bogus=1", "diskdb://h?timeout=abc", "diskdb://h?decode_responses=maybe"]
)
def test_parse_url_rejects(url):
    with pytest.raises(DataError):
        parse_url(url)


def test_from_url_builds_client_and_kwargs_override():
    client = DiskDB.from_url("diskdb://:pw@example.com:7001/5", timeout=2.0)
    opts = client.options
    assert (opts.host, opts.port, opts.db, opts.password, opts.timeout) == ("example.com", 7001, 5, "pw", 2.0)
    assert opts.ssl_context is None


def test_tls_url_makes_a_verifying_context():
    client = DiskDB.from_url("rediss://example.com")
    assert isinstance(client.options.ssl_context, ssl.SSLContext)
    assert client.options.ssl_context.verify_mode == ssl.CERT_REQUIRED
    insecure = DiskDB.from_url("diskdbs://example.com?ssl_verify=false")
    assert insecure.options.ssl_context.verify_mode == ssl.CERT_NONE


def test_handshake_resp2():
    opts = ConnectionOptions(password="pw", db=2, client_name="app")
    assert opts.handshake() == [("AUTH", "pw"), ("CLIENT", "SETNAME", "app"), ("SELECT", 2)]
    assert ConnectionOptions(username="u", password="pw").handshake() == [("AUTH", "u", "pw")]
    assert ConnectionOptions().handshake() == []


def test_handshake_resp3_folds_auth_into_hello():
    opts = ConnectionOptions(password="pw", protocol=3, client_name="app", db=1)
    assert opts.handshake() == [("HELLO", 3, "AUTH", "default", "pw", "SETNAME", "app"), ("SELECT", 1)]


def test_bad_options():
    with pytest.raises(DataError):
        ConnectionOptions(protocol=4)
    with pytest.raises(DataError):
        ConnectionOptions(timeout=0)
    with pytest.raises(DataError):
        DiskDB(max_connections=0)


def test_repr_names_the_server():
    assert repr(DiskDB(host="h", port=1, db=2)) == "<diskdb.client.DiskDB h:1 db=2>"
