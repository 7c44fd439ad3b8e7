"""Set commands against a real server."""


def test_add_members_card(r):
    assert r.sadd("s", "a", "b", "a") == 2
    assert r.smembers("s") == {"a", "b"}
    assert r.smembers("missing") == set()
    assert r.scard("s") == 2
    assert r.sismember("s", "a") is True
    assert r.sismember("s", "z") is False
    assert r.smismember("s", ["a", "z"]) == [True, False]
    assert r.srem("s", "a", "z") == 1


def test_pop_randmember(r):
    r.sadd("s", "a", "b", "c")
    assert r.srandmember("s") in {"a", "b", "c"}
    assert sorted(r.srandmember("s", 3)) == ["a", "b", "c"]
    assert len(r.srandmember("s", -5)) == 5
    popped = r.spop("s")
    assert popped in {"a", "b", "c"}
    assert len(r.spop("s", 5)) == 2
    assert r.spop("s") is None


def test_algebra(r):
    r.sadd("x", "a", "b", "c")
    r.sadd("y", "b", "c", "d")
    assert r.sinter("x", "y") == {"b", "c"}
    assert r.sunion(["x", "y"]) == {"a", "b", "c", "d"}
    assert r.sdiff("x", "y") == {"a"}
    assert r.sinterstore("i", "x", "y") == 2
    assert r.sunionstore("u", "x", "y") == 4
    assert r.sdiffstore("d", ["x", "y"]) == 1
    assert r.smembers("d") == {"a"}


def test_smove(r):
    r.sadd("a", "m")
    assert r.smove("a", "b", "m") is True
    assert r.smove("a", "b", "m") is False
    assert r.smembers("b") == {"m"}


def test_sscan_iter(r):
    members = {"m%d" % i for i in range(300)}
    r.sadd("big", *members)
    assert set(r.sscan_iter("big", count=50)) == members
    assert set(r.sscan_iter("big", match="m1*")) == {m for m in members if m.startswith("m1")}
    cursor, items = r.sscan("big", 0)
    assert isinstance(cursor, int) and isinstance(items, list)


def test_bytes_members(rb):
    rb.sadd("s", b"\xff", b"a")
    assert rb.smembers("s") == {b"\xff", b"a"}
