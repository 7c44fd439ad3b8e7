"""Client-side caching: CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO against a real
server, and the invalidations reaching a pub/sub subscriber (RESP2) or arriving as pushes that
a RESP3 command connection skips.

Tracking belongs to one connection, so the tracking clients here have ``max_connections=1``:
every command of the test then runs on that connection."""

import asyncio

import pytest
from test_pubsub import wait_for

from diskdb import CommandError, DataError
from diskdb.asyncio import DiskDB as AsyncDiskDB

OFF = {"flags": {"off"}, "redirect": -1, "prefixes": []}


def client_id_named(client, name):
    """The id of the connection called ``name``, from CLIENT LIST (a subscribed connection
    cannot answer CLIENT ID itself over RESP2)."""
    for line in client.execute("CLIENT", "LIST").splitlines():
        fields = dict(field.split("=", 1) for field in line.split(" ") if "=" in field)
        if fields.get("name") == name:
            return int(fields["id"])
    raise AssertionError("no connection named %r in CLIENT LIST" % name)


def test_tracking_on_off_and_info(make_client):
    c = make_client(max_connections=1)
    assert c.client_getredir() == -1
    assert c.client_trackinginfo() == OFF
    assert c.client_tracking_on() is True
    assert c.client_getredir() == 0
    assert c.client_trackinginfo() == {"flags": {"on"}, "redirect": 0, "prefixes": []}
    assert c.client_tracking_off() is True
    assert c.client_trackinginfo() == OFF

    assert c.client_tracking(True, bcast=True, prefix=["user:", "obj:"], noloop=True) is True
    info = c.client_trackinginfo()
    assert info["flags"] == {"on", "bcast", "noloop"} and info["redirect"] == 0
    assert sorted(info["prefixes"]) == ["obj:", "user:"]
    assert c.client_tracking(False) is True

    own_id = c.client_id()
    assert c.client_tracking_on(clientid=own_id, optin=True) is True
    assert c.client_getredir() == own_id
    assert c.client_trackinginfo() == {"flags": {"on", "optin"}, "redirect": own_id, "prefixes": []}
    assert c.client_caching(True) is True  # tracks the next command's reads
    assert c.client_trackinginfo()["flags"] == {"on", "optin", "caching-yes"}
    assert c.client_tracking_off() is True

    assert c.client_tracking_on(optout=True) is True
    assert c.client_caching(False) is True
    assert c.client_tracking_off() is True


def test_tracking_info_bytes(make_client):
    c = make_client(max_connections=1, decode_responses=False)
    assert c.client_trackinginfo() == OFF  # flags are str; prefixes are keys, so bytes
    assert c.client_tracking_on(bcast=True, prefix=[b"k\xff"]) is True
    assert c.client_trackinginfo() == {"flags": {"on", "bcast"}, "redirect": 0, "prefixes": [b"k\xff"]}
    assert c.client_tracking_off() is True


def test_tracking_errors(make_client):
    c = make_client(max_connections=1)
    assert c.client_tracking_off() is True  # the commands exist: the errors below are real
    with pytest.raises(DataError):
        c.client_tracking_on(prefix=["user:"])  # redis-py's check: PREFIX needs BCAST
    with pytest.raises(CommandError) as info:
        c.client_caching(True)
    assert info.value.message.startswith("ERR CLIENT CACHING can be called only when the client is in tracking mode")
    with pytest.raises(CommandError) as info:
        c.client_tracking_on(clientid=2**62)
    assert info.value.message == "ERR The client ID you want redirect to does not exist"
    assert c.client_trackinginfo() == OFF


def test_tracking_in_a_pipeline(make_client):
    c = make_client(max_connections=1)
    pipe = c.pipeline()
    pipe.client_tracking_on(bcast=True).client_getredir().client_trackinginfo().client_tracking_off()
    # BCAST without a prefix tracks every key: the empty prefix, as Redis reports it.
    assert pipe.execute() == [True, 0, {"flags": {"on", "bcast"}, "redirect": 0, "prefixes": [""]}, True]


@pytest.mark.parametrize("protocol", [2, 3])
def test_invalidation_redirected_to_a_subscriber(r, make_client, protocol):
    """Invalidations for a tracking connection's reads go to the connection it redirects to:
    over RESP2 as messages on ``__redis__:invalidate`` (which it must subscribe to), over RESP3
    as ``invalidate`` pushes, which the pub/sub object gives as the same message."""
    subscriber = make_client(client_name="tracking-subscriber", protocol=protocol)
    tracker = make_client(max_connections=1)
    with subscriber.pubsub() as p:
        p.subscribe("__redis__:invalidate")
        assert wait_for(p, "subscribe")["channel"] == "__redis__:invalidate"
        sub_id = client_id_named(r, "tracking-subscriber")

        r.set("cached", "v1")
        assert tracker.client_tracking_on(clientid=sub_id) is True
        assert tracker.client_getredir() == sub_id
        assert tracker.get("cached") == "v1"  # the server now remembers that tracker read it
        r.set("cached", "v2")  # a third client writes it
        assert wait_for(p) == {
            "type": "message",
            "pattern": None,
            "channel": "__redis__:invalidate",
            "data": ["cached"],
        }
        assert tracker.get("cached") == "v2"
        r.flushall()  # every key at once: no key list
        assert wait_for(p)["data"] is None
        assert tracker.client_tracking_off() is True
        assert tracker.client_getredir() == -1


def test_resp3_tracking_connection_skips_its_pushes(r, make_client):
    """Over RESP3, without REDIRECT, invalidations arrive as pushes on the tracking connection
    itself; a command connection skips them, so replies stay in step."""
    c = make_client(protocol=3, max_connections=1)
    assert c.client_tracking_on() is True
    assert c.set("k", "1") is True
    for n in range(2, 6):
        assert c.get("k") == str(n - 1)
        r.set("k", n)  # another client's write: an invalidate push to c
        assert c.set("other", n) is True  # c's own write of a key it read: a push too
        assert c.get("other") == str(n)
    pipe = c.pipeline()
    pipe.get("k").get("other").set("other", "x").get("other")
    assert pipe.execute() == ["5", "5", True, "x"]
    assert c.client_trackinginfo() == {"flags": {"on"}, "redirect": 0, "prefixes": []}
    assert c.client_tracking_off() is True


def test_resp3_tracking_asyncio(server, r):
    async def main():
        async with AsyncDiskDB(host="127.0.0.1", port=server.port, protocol=3, max_connections=1) as c:
            assert await c.client_tracking_on(bcast=True) is True
            assert await c.client_getredir() == 0
            for n in range(3):
                assert await c.set("ak", n) is True  # BCAST: each write of any key is pushed
                r.set("ak2", n)
                assert await c.get("ak") == str(n)
            assert await c.client_trackinginfo() == {"flags": {"on", "bcast"}, "redirect": 0, "prefixes": [""]}
            assert await c.client_tracking_off() is True

    asyncio.run(main())
