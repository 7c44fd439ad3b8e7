"""Keyspace commands against a real server."""

import datetime
import time

import pytest

from diskdb import CommandError, DataError


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


@pytest.fixture
def ids(r):
    """A list to sort, with a weight per element in plain keys (weight_*) and in a hash field
    (w_*->f), and a name per element (name_*) except for 10, which has none."""
    r.rpush("ids", 3, 10, 1, 2)
    r.mset({"weight_1": 40, "weight_2": 30, "weight_3": 20, "weight_10": 10})
    for element, weight in ((1, 2), (2, 4), (3, 1), (10, 3)):
        r.hset("w_%d" % element, "f", weight)
    r.mset({"name_1": "one", "name_2": "two", "name_3": "three"})
    return "ids"


def test_sort_numeric_desc_limit(r, ids):
    assert r.sort(ids) == ["1", "2", "3", "10"]  # as numbers, not as text
    assert r.sort(ids, desc=True) == ["10", "3", "2", "1"]
    assert r.sort(ids, start=1, num=2) == ["2", "3"]
    assert r.sort(ids, start=1, num=2, desc=True) == ["3", "2"]
    assert r.sort(ids, start=2, num=10) == ["3", "10"]
    assert r.sort("missing") == []
    r.sadd("set", 5, -1.5, 2)
    assert r.sort("set") == ["-1.5", "2", "5"]
    with pytest.raises(DataError):
        r.sort(ids, start=1)


def test_sort_alpha(r):
    r.rpush("nums", 10, 9, 100)
    assert r.sort("nums", alpha=True) == ["10", "100", "9"]
    assert r.sort("nums", alpha=True, desc=True) == ["9", "100", "10"]
    r.zadd("fruit", {"cherry": 1, "apple": 2, "banana": 3})
    assert r.sort("fruit", alpha=True) == ["apple", "banana", "cherry"]  # by member, not score
    assert r.sort("fruit", alpha=True, start=0, num=1, desc=True) == ["cherry"]


def test_sort_by_patterns(r, ids):
    assert r.sort(ids, by="weight_*") == ["10", "3", "2", "1"]
    assert r.sort(ids, by="weight_*", desc=True) == ["1", "2", "3", "10"]
    assert r.sort(ids, by="w_*->f") == ["3", "1", "10", "2"]
    # nosort: the stored order (a list's, a sorted set's by score).
    assert r.sort(ids, by="nosort") == ["3", "10", "1", "2"]
    r.zadd("z", {"b": 1, "a": 2})
    assert r.sort("z", by="nosort") == ["b", "a"]


def test_sort_get(r, ids):
    assert r.sort(ids, get="name_*") == ["one", "two", "three", None]
    assert r.sort(ids, get=["#", "name_*"]) == ["1", "one", "2", "two", "3", "three", "10", None]
    assert r.sort(ids, get=("#", "name_*"), groups=True) == [("1", "one"), ("2", "two"), ("3", "three"), ("10", None)]
    assert r.sort(ids, get="w_*->f", by="weight_*") == ["3", "1", "4", "2"]
    assert r.sort(ids, by="nosort", get="name_*") == ["three", None, "one", "two"]
    assert r.sort(ids, get="name_*", start=2, num=2, desc=True) == ["two", "one"]
    with pytest.raises(DataError):
        r.sort(ids, get="#", groups=True)  # groups needs two patterns or more


def test_sort_get_bytes(rb):
    rb.rpush("ids", 2, 1)
    rb.set("name_1", b"\xff")
    assert rb.sort("ids", get=["#", "name_*"]) == [b"1", b"\xff", b"2", None]


def test_sort_store(r, ids):
    assert r.sort(ids, desc=True, store="dst") == 4
    assert r.lrange("dst", 0, -1) == ["10", "3", "2", "1"]
    # STORE replaces a key of any type; a missing GET lookup is stored as an empty string.
    r.set("s", "x")
    assert r.sort(ids, get="name_*", store="s") == 4
    assert r.type("s") == "list"
    assert r.lrange("s", 0, -1) == ["one", "two", "three", ""]
    assert r.sort(ids, by="weight_*", start=0, num=2, store="dst") == 2
    assert r.lrange("dst", 0, -1) == ["10", "3"]
    # Nothing to sort: the destination is deleted.
    assert r.sort("missing", store="dst") == 0
    assert r.exists("dst") == 0
    with pytest.raises(DataError):
        r.sort(ids, get=["#", "name_*"], groups=True, store="dst")


def test_sort_ro(r, ids):
    assert r.sort_ro(ids) == ["1", "2", "3", "10"]
    assert r.sort_ro(ids, by="w_*->f", get=["#", "name_*"], desc=True, start=0, num=2) == ["2", "two", "10", None]
    assert r.sort_ro("nums_missing", alpha=True) == []


def test_sort_non_numeric_needs_alpha(r):
    r.rpush("words", "1", "x")
    assert r.sort("words", alpha=True) == ["1", "x"]  # SORT itself exists
    with pytest.raises(CommandError) as info:
        r.sort("words")
    assert info.value.message == "ERR One or more scores can't be converted into double"
    with pytest.raises(CommandError) as info:
        r.sort_ro("words", desc=True)
    assert info.value.message == "ERR One or more scores can't be converted into double"
    # A weight that is not a number is the same error.
    r.rpush("ids", 1, 2)
    r.mset({"weight_1": "heavy", "weight_2": 1})
    with pytest.raises(CommandError) as info:
        r.sort("ids", by="weight_*")
    assert info.value.message == "ERR One or more scores can't be converted into double"
