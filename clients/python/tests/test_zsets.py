"""Sorted-set commands against a real server."""

import pytest

from diskdb import DataError


@pytest.fixture
def z(r):
    r.zadd("z", {"a": 1, "b": 2, "c": 3.5, "d": 10})
    return r


def test_zadd_flags(r):
    assert r.zadd("z", {"a": 1, "b": 2}) == 2
    assert r.zadd("z", {"a": 5}, nx=True) == 0
    assert r.zscore("z", "a") == 1.0
    assert r.zadd("z", {"a": 5, "new": 1}, xx=True, ch=True) == 1
    assert r.zscore("z", "new") is None
    assert r.zadd("z", {"a": 3}, gt=True, ch=True) == 0
    assert r.zadd("z", {"a": 3}, lt=True, ch=True) == 1
    assert r.zadd("z", {"a": 2}, incr=True) == 5.0
    assert r.zadd("z", {"a": 1}, incr=True, nx=True) is None  # "a" exists: NX blocks it
    assert r.zadd("z", {"a": 1}, incr=True, lt=True) is None  # 6 is not lower than 5
    with pytest.raises(DataError):
        r.zadd("z", {})
    with pytest.raises(DataError):
        r.zadd("z", {"a": 1, "b": 2}, incr=True)


def test_zrange_forms(z):
    assert z.zrange("z", 0, -1) == ["a", "b", "c", "d"]
    assert z.zrange("z", 0, 1, withscores=True) == [("a", 1.0), ("b", 2.0)]
    assert z.zrange("z", 0, 0, True) == [("a", 1.0)]  # withscores is the 4th parameter
    assert z.zrange("z", 0, 0, desc=True) == ["d"]
    assert z.zrange("z", 2, 4, byscore=True) == ["b", "c"]
    assert z.zrange("z", "(2", "+inf", byscore=True, withscores=True) == [("c", 3.5), ("d", 10.0)]
    assert z.zrange("z", "+inf", "-inf", byscore=True, desc=True, offset=1, num=2) == ["c", "b"]
    z.zadd("lex", {"a": 0, "b": 0, "c": 0})
    assert z.zrange("lex", "[b", "+", bylex=True) == ["b", "c"]
    with pytest.raises(DataError):
        z.zrange("z", 0, 1, byscore=True, bylex=True)
    with pytest.raises(DataError):
        z.zrange("z", 0, 1, byscore=True, offset=1)


def test_zrev_and_byscore(z):
    assert z.zrevrange("z", 0, 1) == ["d", "c"]
    assert z.zrevrange("z", 0, 0, withscores=True) == [("d", 10.0)]
    assert z.zrangebyscore("z", 2, 4) == ["b", "c"]
    assert z.zrangebyscore("z", "-inf", "+inf", start=1, num=2, withscores=True) == [("b", 2.0), ("c", 3.5)]
    assert z.zrevrangebyscore("z", 10, 3) == ["d", "c"]
    assert z.zrevrangebyscore("z", "+inf", "-inf", 0, 1, withscores=True) == [("d", 10.0)]
    z.zadd("lex", {"a": 0, "b": 0, "c": 0})
    assert z.zrangebylex("lex", "-", "(c") == ["a", "b"]
    assert z.zlexcount("lex", "[b", "+") == 2


def test_scores_ranks_counts(z):
    assert z.zscore("z", "c") == 3.5
    assert z.zscore("z", "nope") is None
    assert z.zmscore("z", ["a", "nope"]) == [1.0, None]
    assert z.zincrby("z", 2.5, "a") == 3.5
    assert z.zcard("z") == 4
    assert z.zcount("z", 3, "+inf") == 3
    assert z.zrank("z", "b") == 0
    assert z.zrevrank("z", "b") == 3
    assert z.zrank("z", "nope") is None
    assert z.zrem("z", "a", "nope") == 1


def test_pops(z):
    assert z.zpopmin("z") == [("a", 1.0)]
    assert z.zpopmax("z", 2) == [("d", 10.0), ("c", 3.5)]
    assert z.bzpopmin("z", timeout=1) == ("z", "b", 2.0)
    assert z.bzpopmax(["z"], timeout=0.1) is None
    assert z.zpopmin("z") == []


def test_remrange_and_store(z):
    assert z.zremrangebyrank("z", 0, 0) == 1
    assert z.zremrangebyscore("z", 3, 4) == 1
    assert z.zrange("z", 0, -1) == ["b", "d"]
    z.zadd("y", {"b": 1, "e": 5})
    assert z.zunionstore("u", ["z", "y"]) == 3
    assert z.zscore("u", "b") == 3.0
    assert z.zinterstore("i", {"z": 1, "y": 10}, aggregate="MAX") == 1
    assert z.zscore("i", "b") == 10.0


def test_zscan_iter(r):
    members = {"m%d" % i: float(i) for i in range(200)}
    r.zadd("big", members)
    assert dict(r.zscan_iter("big", count=40)) == members


def test_infinite_scores(r):
    r.zadd("z", {"lo": float("-inf"), "hi": float("inf")})
    assert r.zrange("z", 0, -1, withscores=True) == [("lo", float("-inf")), ("hi", float("inf"))]
