"""Keyspace commands against a real server."""

import datetime
import time

import pytest

from diskdb import CommandError


def test_exists_counts_and_delete(r):
    r.mset({"a": "1", "b": "2"})
    assert r.exists("a") == 1
    assert r.exists("a", "b", "nope") == 2
    assert r.exists("a", "a") == 2
    assert r.delete("a", "nope") == 1
    assert r.unlink("b") == 1
    assert r.exists("a", "b") == 0


def test_type_names(r):
    r.set("s", "v")
    r.rpush("l", "v")
    r.sadd("set", "v")
    r.hset("h", "f", "v")
    r.zadd("z", {"m": 1})
    r.xadd("x", {"f": "v"})
    assert [r.type(k) for k in ("s", "l", "set", "h", "z", "x", "missing")] == [
        "string", "list", "set", "hash", "zset", "stream", "none",
    ]


def test_type_of_string_is_str_even_without_decoding(rb):
    rb.set("s", "v")
    assert rb.type("s") == "string"


def test_expire_family_returns_bools(r):
    assert r.expire("missing", 10) is False
    r.set("k", "v")
    assert r.expire("k", 100) is True
    assert 98 <= r.ttl("k") <= 100
    assert r.pexpire("k", datetime.timedelta(seconds=50)) is True
    assert 48_000 <= r.pttl("k") <= 50_000
    assert r.expireat("k", int(time.time()) + 200) is True
    assert 198 <= r.ttl("k") <= 200
    assert r.pexpireat("k", datetime.datetime.now() + datetime.timedelta(seconds=300)) is True
    assert 298 <= r.ttl("k") <= 300
    assert r.persist("k") is True
    assert r.persist("k") is False
    assert r.ttl("k") == -1
    assert r.ttl("missing") == -2
    assert r.pttl("missing") == -2


def test_expire_conditions(r):
    r.set("k", "v")
    assert r.expire("k", 100, xx=True) is False  # no TTL yet
    assert r.expire("k", 100, nx=True) is True
    assert r.expire("k", 50, gt=True) is False
    assert r.expire("k", 200, gt=True) is True
    assert r.expire("k", 10, lt=True) is True


def test_expiretime(r):
    r.set("k", "v")
    assert r.expiretime("k") == -1
    at = int(time.time()) + 100
    r.expireat("k", at)
    assert r.expiretime("k") == at


def test_expire_removes_key(r):
    r.set("k", "v")
    r.pexpire("k", 50)
    time.sleep(0.15)
    assert r.exists("k") == 0
    assert r.keys() == []


def test_keys_pattern(r):
    r.mset({"user:1": "a", "user:2": "b", "order:1": "c"})
    assert sorted(r.keys("user:*")) == ["user:1", "user:2"]
    assert sorted(r.keys()) == ["order:1", "user:1", "user:2"]
    assert r.keys("nothing*") == []


def test_scan_and_scan_iter(r):
    r.mset({"k%03d" % i: i for i in range(120)})
    r.set("other", "x")
    cursor, keys = r.scan(0, match="k*", count=10)
    assert isinstance(cursor, int) and isinstance(keys, list)
    seen = set(r.scan_iter(match="k*", count=25))
    assert seen == {"k%03d" % i for i in range(120)}
    assert set(r.scan_iter()) == seen | {"other"}


def test_scan_type_filter(r):
    r.set("s", "v")
    r.rpush("l", "v")
    assert list(r.scan_iter(type="list")) == ["l"]


def test_rename_renamenx(r):
    r.set("a", "1")
    assert r.rename("a", "b") is True
    assert r.get("b") == "1" and r.exists("a") == 0
    r.set("c", "2")
    assert r.renamenx("b", "c") is False
    assert r.renamenx("b", "d") is True
    with pytest.raises(CommandError):
        r.rename("missing", "x")


def test_copy(r):
    r.set("a", "1")
    assert r.copy("a", "b") is True
    assert r.get("b") == "1"
    assert r.copy("a", "b") is False
    r.set("a", "2")
    assert r.copy("a", "b", replace=True) is True
    assert r.get("b") == "2"


def test_copy_and_move_across_databases(r, make_client):
    other = make_client(db=1)
    other.flushdb()
    r.set("a", "1")
    assert r.copy("a", "a", db=1) is True
    assert other.get("a") == "1"
    r.set("m", "v")
    assert r.move("m", 1) is True
    assert r.exists("m") == 0 and other.get("m") == "v"


def test_randomkey_dbsize_touch(r):
    assert r.randomkey() is None
    assert r.dbsize() == 0
    r.mset({"a": "1", "b": "2"})
    assert r.randomkey() in ("a", "b")
    assert r.dbsize() == 2
    assert r.touch("a", "b", "c") == 2


def test_databases_are_separate(r, make_client):
    one = make_client(db=1)
    one.flushdb()
    r.set("k", "zero")
    one.set("k", "one")
    assert r.get("k") == "zero" and one.get("k") == "one"
    assert r.dbsize() == 1
