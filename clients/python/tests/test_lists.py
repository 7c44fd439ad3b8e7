"""List commands against a real server."""

import threading
import time

import pytest

from diskdb import TypeMismatchError


def test_push_pop_len_range(r):
    assert r.rpush("l", "a", "b") == 2
    assert r.lpush("l", "z") == 3
    assert r.lrange("l", 0, -1) == ["z", "a", "b"]
    assert r.llen("l") == 3
    assert r.lpop("l") == "z"
    assert r.rpop("l") == "b"
    assert r.lpop("l", 5) == ["a"]
    assert r.lpop("l") is None
    assert r.lpop("l", 2) is None
    assert r.llen("l") == 0


def test_pop_with_count(r):
    r.rpush("l", 1, 2, 3, 4)
    assert r.lpop("l", 2) == ["1", "2"]
    assert r.rpop("l", 2) == ["4", "3"]


def test_pushx(r):
    assert r.lpushx("nope", "a") == 0
    assert r.rpushx("nope", "a") == 0
    r.rpush("l", "a")
    assert r.rpushx("l", "b") == 2
    assert r.lpushx("l", "c") == 3


def test_index_set_trim(r):
    r.rpush("l", "a", "b", "c", "d")
    assert r.lindex("l", 0) == "a"
    assert r.lindex("l", -1) == "d"
    assert r.lindex("l", 99) is None
    assert r.lset("l", 1, "B") is True
    assert r.ltrim("l", 1, 2) is True
    assert r.lrange("l", 0, -1) == ["B", "c"]


def test_insert_rem_pos(r):
    r.rpush("l", "a", "c", "a", "b", "a")
    assert r.linsert("l", "BEFORE", "c", "x") == 6
    assert r.linsert("l", "AFTER", "nope", "x") == -1
    assert r.lpos("l", "a") == 0
    assert r.lpos("l", "a", rank=2) == 3
    assert r.lpos("l", "a", count=0) == [0, 3, 5]
    assert r.lpos("l", "zzz") is None
    assert r.lrem("l", 2, "a") == 2
    assert r.lrange("l", 0, -1) == ["x", "c", "b", "a"]


def test_lmove_rpoplpush(r):
    r.rpush("src", "1", "2", "3")
    assert r.lmove("src", "dst") == "1"
    assert r.lmove("src", "dst", "RIGHT", "LEFT") == "3"
    assert r.rpoplpush("src", "dst") == "2"
    assert r.lrange("dst", 0, -1) == ["2", "3", "1"]
    assert r.lmove("empty", "dst") is None


def test_blpop_brpop_return_tuples_or_none(r):
    r.rpush("b", "x", "y")
    assert r.blpop("b", timeout=1) == ("b", "x")
    assert r.brpop(["empty", "b"], timeout=1) == ("b", "y")
    start = time.monotonic()
    assert r.blpop("b", timeout=0.2) is None
    assert time.monotonic() - start >= 0.15


def test_blpop_wakes_up_on_push(r, make_client):
    pusher = make_client()
    pusher.rpush("warm-up", "x")  # RPUSH exists: fail here, not in the thread
    assert r.blpop("warm-up", timeout=1) == ("warm-up", "x")

    def push_later():
        time.sleep(0.2)
        pusher.rpush("q", "job")

    thread = threading.Thread(target=push_later)
    thread.start()
    try:
        assert r.blpop("q", timeout=5) == ("q", "job")
    finally:
        thread.join()


def test_blocking_longer_than_socket_timeout(make_client):
    # The read timeout is extended by the command's own blocking time.
    client = make_client(timeout=0.2)
    assert client.blpop("nothing", timeout=0.5) is None
    assert client.blmove("nothing", "x", 0.5) is None


def test_wrongtype(r):
    r.set("s", "v")
    with pytest.raises(TypeMismatchError):
        r.lpush("s", "x")
