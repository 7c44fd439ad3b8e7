"""The same conversions over RESP3 (HELLO 3): maps, sets and doubles arrive natively, and the
converters must give exactly what they give over RESP2."""

import pytest


@pytest.fixture
def r3(make_client, r):
    client = make_client(protocol=3)
    assert client.ping() is True
    return client


def test_hello_switches_protocol(r3):
    hello = r3.execute("HELLO", 3)
    assert isinstance(hello, dict) and hello["proto"] == 3


def test_strings_and_keys(r3):
    assert r3.set("k", "v") is True
    assert r3.get("k") == "v"
    assert r3.incrbyfloat("f", 1.5) == 1.5
    assert r3.type("k") == "string"
    assert r3.scan(0)[1] == ["k", "f"] or sorted(r3.scan(0)[1]) == ["f", "k"]
    assert r3.time()[0] > 0
    assert isinstance(r3.info("server"), dict)
    assert isinstance(r3.config_get("maxmemory"), dict)


def test_collections_have_the_same_shapes(r3):
    r3.hset("h", mapping={"a": "1", "b": "2"})
    assert r3.hgetall("h") == {"a": "1", "b": "2"}
    assert sorted(r3.hrandfield("h", 2, withvalues=True)) == [("a", "1"), ("b", "2")]
    r3.sadd("s", "x", "y")
    assert r3.smembers("s") == {"x", "y"}
    assert sorted(r3.spop("s", 2)) == ["x", "y"]
    r3.zadd("z", {"a": 1, "b": 2.5})
    assert r3.zrange("z", 0, -1, withscores=True) == [("a", 1.0), ("b", 2.5)]
    assert r3.zscore("z", "b") == 2.5
    assert r3.zincrby("z", 1, "a") == 2.0
    assert r3.zpopmin("z") == [("a", 2.0)]
    assert r3.zpopmax("z", 1) == [("b", 2.5)]


def test_streams(r3):
    r3.xadd("s", {"f": "v"}, id="1-0")
    assert r3.xread({"s": "0"}) == {"s": [{"id": "1-0", "fields": {"f": "v"}}]}
    assert r3.xrange("s") == [{"id": "1-0", "fields": {"f": "v"}}]


def test_bit_commands(r3):
    assert r3.bitfield("bf").set("i8", 0, -1).overflow("FAIL").incrby("i8", 0, -128).execute() == [0, None]
    assert r3.bitfield_ro("bf", "i8", 0, items=[("u8", 0)]) == [-1, 255]
    assert r3.bitop("AND", "dst", "bf", "missing") == 1


def test_sort(r3):
    r3.rpush("ids", 2, 1)
    r3.set("name_2", "two")
    assert r3.sort("ids", get=["#", "name_*"]) == ["1", None, "2", "two"]
    assert r3.sort("ids", get=["#", "name_*"], groups=True) == [("1", None), ("2", "two")]
    assert r3.sort("ids", desc=True, store="dst") == 2
    assert r3.sort_ro("dst") == ["1", "2"]


def test_hyperloglog(r3):
    assert r3.pfadd("a", "x", "y", "z") == 1
    assert r3.pfadd("b", "z", "w") == 1
    assert r3.pfcount("a", "b") == 4
    assert r3.pfmerge("m", "a", "b") is True
    assert r3.pfcount("m") == 4


def test_geo(r3):
    assert r3.geoadd("Sicily", (13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania")) == 2
    assert r3.geopos("Sicily", "Palermo", "x") == [(13.36138933897018433, 38.11555639549629859), None]
    assert r3.geodist("Sicily", "Palermo", "Catania", "km") == 166.2742
    assert r3.geodist("Sicily", "Palermo", "x") is None
    assert r3.geohash("Sicily", "Palermo") == ["sqc8b49rny0"]
    assert r3.geosearch(
        "Sicily", longitude=15, latitude=37, radius=200, unit="km", sort="ASC", withcoord=True, withdist=True,
        withhash=True,
    ) == [
        ["Catania", 56.4413, 3479447370796909, (15.08726745843887329, 37.50266842333162032)],
        ["Palermo", 190.4424, 3479099956230698, (13.36138933897018433, 38.11555639549629859)],
    ]
    assert r3.geosearch("Sicily", member="Palermo", radius=1, unit="km") == ["Palermo"]
    assert r3.geosearchstore("d", "Sicily", member="Palermo", radius=1, unit="km") == 1


def test_slowlog(r3):
    old = r3.config_get("slowlog-log-slower-than")["slowlog-log-slower-than"]
    assert r3.config_set("slowlog-log-slower-than", 0) is True
    try:
        assert r3.slowlog_reset() is True
        r3.set("a", "1")
        entries = r3.slowlog_get()
        assert [e["command"] for e in entries] == ["SET a 1", "SLOWLOG RESET"]
        assert entries[0]["id"] == entries[1]["id"] + 1
        assert r3.slowlog_len() == 3
    finally:
        r3.config_set("slowlog-log-slower-than", old)
        r3.slowlog_reset()


def test_pipeline_over_resp3(r3):
    pipe = r3.pipeline(transaction=True)
    pipe.hset("h", "a", "1").hgetall("h").zadd("z", {"m": 1}).zscore("z", "m")
    assert pipe.execute() == [1, {"a": "1"}, 1, 1.0]


def test_pubsub_push_frames(r3, r):
    with r3.pubsub(ignore_subscribe_messages=True) as p:
        p.subscribe("c")
        p.get_message(timeout=0.2)
        r.execute("PUBLISH", "c", "pushed")
        message = None
        for _ in range(20):
            message = p.get_message(timeout=0.1)
            if message:
                break
        assert message == {"type": "message", "pattern": None, "channel": "c", "data": "pushed"}
