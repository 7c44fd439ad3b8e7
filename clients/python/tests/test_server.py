"""Server and connection commands against a real server."""

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
