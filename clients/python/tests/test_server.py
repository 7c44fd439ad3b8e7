"""Server and connection commands against a real server."""

import datetime
import threading
import time

import pytest

from diskdb import CommandError, UnknownCommandError


def test_ping_echo(r):
    assert r.ping() is True
    assert r.ping("hi") == "hi"
    assert r.echo("hello") == "hello"


def test_info_is_a_dict(r):
    info = r.info()
    assert isinstance(info, dict) and info
    server = r.info("server")
    assert isinstance(server, dict) and server
    assert all(isinstance(k, str) for k in server)


def test_info_keyspace_counts_keys(r):
    r.set("a", "1")
    keyspace = r.info("keyspace")
    assert keyspace["db0"]["keys"] == 1


def test_dbsize_and_flush(r, make_client):
    other = make_client(db=2)
    r.mset({"a": "1", "b": "2"})
    other.set("x", "y")
    assert r.dbsize() == 2
    assert r.flushdb() is True
    assert r.dbsize() == 0
    assert other.dbsize() == 1
    assert r.flushall() is True
    assert other.dbsize() == 0


def test_time(r):
    seconds, micros = r.time()
    assert abs(seconds - time.time()) < 5
    assert 0 <= micros < 1_000_000


def test_config_get_set(r):
    assert isinstance(r.config_get("*"), dict)
    old = r.config_get("maxmemory-policy")
    assert list(old) == ["maxmemory-policy"]
    try:
        assert r.config_set("maxmemory-policy", "allkeys-lru") is True
        assert r.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
    finally:
        r.config_set("maxmemory-policy", old["maxmemory-policy"])


def test_generic_execute(r):
    assert r.execute("SET", "k", "v") == "OK"
    assert r.execute("GET", "k") == "v"
    assert r.execute_command("STRLEN", "k") == 1


def test_unknown_command_error(r):
    with pytest.raises(UnknownCommandError) as info:
        r.execute("NOSUCHCOMMAND", "x")
    assert isinstance(info.value, CommandError)
    assert info.value.message.startswith("ERR unknown command")


def test_wrong_arity_wording(r):
    with pytest.raises(CommandError) as info:
        r.execute("GET")
    assert info.value.message == "ERR wrong number of arguments for 'get' command"


def test_client_name_and_id(make_client):
    client = make_client(client_name="diskdb-tests")
    assert client.client_getname() == "diskdb-tests"
    assert isinstance(client.client_id(), int)


def test_client_pause_write_and_unpause(r, make_client):
    other = make_client()
    r.set("k", "v")
    assert r.client_pause(600000, all=False) is True  # WRITE: held until client_unpause
    try:
        assert other.get("k") == "v"  # reads still run
        writer = threading.Thread(target=other.set, args=("k", "w"))
        writer.start()
        writer.join(0.2)
        assert writer.is_alive()  # the write waits for the pause to end
    finally:
        assert r.client_unpause() is True
    writer.join(5)
    assert not writer.is_alive()
    assert r.get("k") == "w"


def test_client_pause_all(r):
    r.set("k", "v")
    # ALL holds every command (CLIENT UNPAUSE too), so only a short pause here.
    assert r.client_pause(datetime.timedelta(milliseconds=50)) is True
    assert r.get("k") == "v"  # answered once the pause is over
    assert r.client_unpause() is True  # nothing to end: still OK
    pipe = r.pipeline()
    pipe.client_pause(1, all=False).client_unpause()
    assert pipe.execute() == [True, True]


@pytest.fixture
def log_everything(r):
    """Log every command in the slow log for the test, then restore the threshold (the server
    is shared by the whole session) and empty the log."""
    old = r.config_get("slowlog-log-slower-than")["slowlog-log-slower-than"]
    assert r.config_set("slowlog-log-slower-than", 0) is True
    yield
    assert r.config_set("slowlog-log-slower-than", old) is True
    assert r.slowlog_reset() is True


def test_slowlog(make_client, log_everything):
    c = make_client(client_name="slow")
    assert c.slowlog_reset() is True  # the entries after this one are this test's
    assert c.set("greeting", "hello world") is True
    assert c.slowlog_len() == 2  # SLOWLOG RESET itself, then SET
    now = c.time()[0]
    entries = c.slowlog_get()  # newest first
    assert [e["command"] for e in entries] == ["TIME", "SLOWLOG LEN", "SET greeting hello world", "SLOWLOG RESET"]
    first = entries[-1]["id"]
    assert [e["id"] for e in entries] == [first + 3, first + 2, first + 1, first]
    for e in entries:
        assert sorted(e) == ["client_address", "client_name", "command", "duration", "id", "start_time"]
        assert isinstance(e["duration"], int) and e["duration"] >= 0
        assert now - 5 <= e["start_time"] <= now
        assert e["client_address"] == entries[0]["client_address"]
        assert e["client_name"] == "slow"
    host, _, port = entries[0]["client_address"].rpartition(":")
    assert host == "127.0.0.1" and int(port) > 0
    assert [e["command"] for e in c.slowlog_get(2)] == ["SLOWLOG GET", "TIME"]
    assert c.slowlog_len() == 6
    assert c.slowlog_reset() is True
    assert c.slowlog_len() == 1


def test_slowlog_bytes(make_client, log_everything):
    c = make_client(decode_responses=False)
    assert c.slowlog_reset() is True
    c.set(b"k\xff", b"a b")
    entries = c.slowlog_get(1)
    assert entries[0]["command"] == b"SET k\xff a b"
    assert entries[0]["client_name"] == b""
    assert c.slowlog_get(0) == []


def test_slowlog_threshold(r, log_everything):
    assert r.config_set("slowlog-log-slower-than", 10000000) is True  # 10 seconds
    assert r.slowlog_reset() is True
    r.set("a", "1")
    assert r.slowlog_len() == 0
    assert r.slowlog_get() == []
