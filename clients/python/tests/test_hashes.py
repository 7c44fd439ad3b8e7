"""Hash commands against a real server."""

import pytest

from diskdb import DataError


def test_hset_forms(r):
    assert r.hset("h", "a", "1") == 1
    assert r.hset("h", mapping={"b": 2, "c": 3.5}) == 2
    assert r.hset("h", "a", "x", mapping={"d": "4"}) == 1
    assert r.hgetall("h") == {"a": "x", "b": "2", "c": "3.5", "d": "4"}
    with pytest.raises(DataError):
        r.hset("h")
    with pytest.raises(DataError):
        r.hset("h", "field-without-value")


def test_get_and_friends(r):
    r.hset("h", mapping={"a": "1", "b": "2"})
    assert r.hget("h", "a") == "1"
    assert r.hget("h", "zzz") is None
    assert r.hmget("h", ["a", "zzz", "b"]) == ["1", None, "2"]
    assert r.hmget("h", "a", "b") == ["1", "2"]
    assert r.hexists("h", "a") is True
    assert r.hexists("h", "zzz") is False
    assert r.hlen("h") == 2
    assert sorted(r.hkeys("h")) == ["a", "b"]
    assert sorted(r.hvals("h")) == ["1", "2"]
    assert r.hstrlen("h", "a") == 1
    assert r.hdel("h", "a", "zzz") == 1
    assert r.hgetall("missing") == {}


def test_hsetnx_and_counters(r):
    assert r.hsetnx("h", "f", "1") is True
    assert r.hsetnx("h", "f", "2") is False
    assert r.hincrby("h", "n") == 1
    assert r.hincrby("h", "n", 10) == 11
    assert r.hincrbyfloat("h", "x", 0.5) == 0.5
    assert isinstance(r.hincrbyfloat("h", "x"), float)


def test_hrandfield(r):
    r.hset("h", mapping={"a": "1", "b": "2"})
    assert r.hrandfield("h") in ("a", "b")
    assert sorted(r.hrandfield("h", 2)) == ["a", "b"]
    assert sorted(r.hrandfield("h", 2, withvalues=True)) == [("a", "1"), ("b", "2")]


def test_hscan_iter(r):
    fields = {"f%d" % i: str(i) for i in range(200)}
    r.hset("big", mapping=fields)
    assert dict(r.hscan_iter("big", count=30)) == fields
    cursor, page = r.hscan("big", 0, match="f1*")
    assert isinstance(cursor, int) and isinstance(page, dict)


def test_bytes_client(rb):
    rb.hset("h", mapping={b"k": b"\x00v"})
    assert rb.hgetall("h") == {b"k": b"\x00v"}
