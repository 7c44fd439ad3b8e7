"""Stream commands against a real server."""

import threading
import time

import pytest

from diskdb import CommandError, DataError


def test_xadd_xlen_xrange(r):
    first = r.xadd("s", {"f": "1"})
    second = r.xadd("s", {"f": "2", "g": "x"})
    assert isinstance(first, str) and "-" in first
    assert r.xlen("s") == 2
    assert r.xrange("s") == [
        {"id": first, "fields": {"f": "1"}},
        {"id": second, "fields": {"f": "2", "g": "x"}},
    ]
    assert r.xrevrange("s", count=1) == [{"id": second, "fields": {"f": "2", "g": "x"}}]
    assert r.xrange("s", min=second) == [{"id": second, "fields": {"f": "2", "g": "x"}}]
    assert r.xrange("missing") == []


def test_explicit_ids_and_trimming(r):
    assert r.xadd("s", {"a": 1}, id="1-1") == "1-1"
    with pytest.raises(CommandError):
        r.xadd("s", {"a": 1}, id="1-0")  # not greater than the last ID
    for i in range(2, 12):
        r.xadd("s", {"n": i}, id="%d-0" % i)
    assert r.xlen("s") == 11
    r.xadd("s", {"n": 99}, id="100-0", maxlen=5, approximate=False)
    assert r.xlen("s") == 5
    assert r.xtrim("s", maxlen=2, approximate=False) == 3
    assert r.xtrim("s", minid="100-0", approximate=False) == 1
    assert r.xdel("s", "100-0", "555-0") == 1
    assert r.xlen("s") == 0
    assert r.xadd("nostream", {"a": 1}, nomkstream=True) is None
    with pytest.raises(DataError):
        r.xtrim("s")
    with pytest.raises(DataError):
        r.xadd("s", {})


def test_xread(r):
    r.xadd("a", {"k": "1"}, id="1-0")
    r.xadd("b", {"k": "2"}, id="2-0")
    assert r.xread({"a": "0", "b": "0"}) == {
        "a": [{"id": "1-0", "fields": {"k": "1"}}],
        "b": [{"id": "2-0", "fields": {"k": "2"}}],
    }
    assert r.xread({"a": "1-0"}) == {}
    assert r.xread({"a": "$"}, block=100) == {}


def test_xread_block_wakes_up(r, make_client):
    writer = make_client()
    r.xadd("s", {"k": "old"}, id="1-0")

    def add_later():
        time.sleep(0.2)
        writer.xadd("s", {"k": "new"}, id="2-0")

    thread = threading.Thread(target=add_later)
    thread.start()
    try:
        assert r.xread({"s": "1-0"}, block=5000) == {"s": [{"id": "2-0", "fields": {"k": "new"}}]}
    finally:
        thread.join()


def test_consumer_groups(r):
    assert r.xgroup_create("s", "g", id="0", mkstream=True) is True
    with pytest.raises(CommandError) as info:
        r.xgroup_create("s", "g")
    assert info.value.code == "BUSYGROUP"
    ids = [r.xadd("s", {"n": i}) for i in range(3)]
    got = r.xreadgroup("g", "alice", {"s": ">"}, count=2)
    assert [e["id"] for e in got["s"]] == ids[:2]
    summary = r.xpending("s", "g")
    assert summary["pending"] == 2 and summary["min"] == ids[0] and summary["max"] == ids[1]
    assert summary["consumers"] == [{"name": "alice", "pending": 2}]
    detail = r.xpending("s", "g", "-", "+", 10)
    assert [d["id"] for d in detail] == ids[:2]
    assert detail[0]["consumer"] == "alice" and detail[0]["delivered"] == 1
    assert r.xpending("s", "g", "-", "+", 10, consumer="bob") == []
    assert r.xack("s", "g", ids[0]) == 1
    assert r.xpending("s", "g")["pending"] == 1
    assert r.xreadgroup("g", "alice", {"s": "0"}) == {"s": [{"id": ids[1], "fields": {"n": "1"}}]}
    with pytest.raises(DataError):
        r.xpending("s", "g", min="-")


def test_claiming(r):
    r.xgroup_create("s", "g", id="0", mkstream=True)
    ids = [r.xadd("s", {"n": i}) for i in range(2)]
    r.xreadgroup("g", "alice", {"s": ">"})
    claimed = r.xclaim("s", "g", "bob", 0, [ids[0]])
    assert claimed == [{"id": ids[0], "fields": {"n": "0"}}]
    assert r.xclaim("s", "g", "bob", 0, [ids[1]], justid=True) == [ids[1]]
    auto = r.xautoclaim("s", "g", "carol", 0, count=10)
    assert auto["next"] == "0-0"
    assert [e["id"] for e in auto["entries"]] == ids
    assert auto["deleted"] == []
    assert r.xautoclaim("s", "g", "dave", 0, justid=True)["entries"] == ids


def test_group_management_and_info(r):
    r.xgroup_create("s", "g", mkstream=True)
    assert r.xgroup_createconsumer("s", "g", "c1") is True
    assert r.xgroup_createconsumer("s", "g", "c1") is False
    r.xadd("s", {"a": "1"}, id="5-0")
    assert r.xgroup_setid("s", "g", "0") is True
    r.xreadgroup("g", "c1", {"s": ">"})
    info = r.xinfo_stream("s")
    assert info["length"] == 1 and info["first-entry"] == {"id": "5-0", "fields": {"a": "1"}}
    groups = r.xinfo_groups("s")
    assert groups[0]["name"] == "g" and groups[0]["pending"] == 1
    assert r.xinfo_consumers("s", "g")[0]["name"] == "c1"
    assert r.xgroup_delconsumer("s", "g", "c1") == 1
    assert r.xgroup_destroy("s", "g") is True
    assert r.xgroup_destroy("s", "g") is False


def test_deleted_entry_pending_in_group_has_no_fields(r):
    r.xgroup_create("s", "g", id="0", mkstream=True)
    entry = r.xadd("s", {"a": "1"})
    r.xreadgroup("g", "c", {"s": ">"})
    r.xdel("s", entry)
    assert r.xreadgroup("g", "c", {"s": "0"}) == {"s": [{"id": entry, "fields": None}]}
