"""Geo commands against a real server. The numbers are Redis's (DiskDB stores the same 52-bit
geohash scores, so it gives the same positions, distances and hashes)."""

import pytest

from diskdb import CommandError, DataError, TypeMismatchError

SICILY = (13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania")
PALERMO = (13.36138933897018433, 38.11555639549629859)
CATANIA = (15.08726745843887329, 37.50266842333162032)


@pytest.fixture
def sicily(r):
    assert r.geoadd("Sicily", SICILY) == 2
    return r


def test_geoadd_flags(sicily):
    r = sicily
    assert r.geoadd("Sicily", SICILY) == 0
    assert r.geoadd("Sicily", (13.361389, 38.115556, "Palermo", 15, 37, "Newplace"), xx=True, ch=True) == 0
    assert r.geoadd("Sicily", (13.5, 38, "Palermo", 15, 37, "Newplace"), nx=True, ch=True) == 1
    assert r.geopos("Sicily", "Palermo") == [PALERMO]  # NX left it where it was
    assert r.geoadd("Sicily", (13.5, 38, "Palermo"), xx=True, ch=True) == 1
    assert r.geoadd("Sicily", (13.5, 38, "Palermo"), xx=True) == 0  # moved, but none added
    assert r.zcard("Sicily") == 3 and r.type("Sicily") == "zset"
    with pytest.raises(DataError):
        r.geoadd("Sicily", SICILY, nx=True, xx=True)
    with pytest.raises(DataError):
        r.geoadd("Sicily", (1, 2))


def test_geopos_geodist_geohash(sicily):
    r = sicily
    assert r.geopos("Sicily", "Palermo", "nope", "Catania") == [PALERMO, None, CATANIA]
    assert r.geopos("missing", "Palermo") == [None]
    assert r.geodist("Sicily", "Palermo", "Catania") == 166274.1516
    assert r.geodist("Sicily", "Palermo", "Catania", "km") == 166.2742
    assert r.geodist("Sicily", "Palermo", "Catania", "mi") == 103.3182
    assert r.geodist("Sicily", "Palermo", "nope") is None
    with pytest.raises(DataError):
        r.geodist("Sicily", "Palermo", "Catania", "yd")
    assert r.geohash("Sicily", "Palermo", "Catania", "nope") == ["sqc8b49rny0", "sqdtr74hyu0", None]


def test_geosearch(sicily):
    r = sicily
    assert r.geosearch("Sicily", longitude=15, latitude=37, radius=200, unit="km") == ["Palermo", "Catania"]
    assert r.geosearch("Sicily", longitude=15, latitude=37, radius=200, unit="km", sort="ASC") == [
        "Catania",
        "Palermo",
    ]
    assert r.geosearch("Sicily", longitude=15, latitude=37, radius=100, unit="km") == ["Catania"]
    assert r.geosearch(
        "Sicily", longitude=15, latitude=37, radius=200, unit="km", sort="ASC", withcoord=True, withdist=True,
        withhash=True,
    ) == [
        ["Catania", 56.4413, 3479447370796909, CATANIA],
        ["Palermo", 190.4424, 3479099956230698, PALERMO],
    ]
    assert r.geosearch("Sicily", member="Palermo", width=400, height=400, unit="km", sort="ASC", withdist=True) == [
        ["Palermo", 0.0],
        ["Catania", 166.2742],
    ]
    assert r.geosearch(
        "Sicily", longitude=15, latitude=37, radius=200, unit="km", sort="DESC", count=1, withhash=True
    ) == [["Palermo", 3479099956230698]]
    assert r.geosearch(
        "Sicily", longitude=15, latitude=37, radius=200, unit="km", sort="ASC", count=2, any=True
    ) == ["Catania", "Palermo"]
    assert r.geosearch("Sicily", member="Catania", radius=1, withcoord=True) == [["Catania", CATANIA]]
    assert r.geosearch("missing", longitude=15, latitude=37, radius=200, unit="km") == []
    for bad in (
        dict(radius=1),  # no centre
        dict(member="Palermo", longitude=15, latitude=37, radius=1),
        dict(member="Palermo"),  # no shape
        dict(member="Palermo", radius=1, width=1, height=1),
        dict(member="Palermo", radius=1, unit="yd"),
        dict(member="Palermo", radius=1, sort="UP"),
        dict(member="Palermo", radius=1, any=True),
    ):
        with pytest.raises(DataError):
            r.geosearch("Sicily", **bad)


def test_geosearchstore(sicily):
    r = sicily
    assert r.geosearchstore("dst", "Sicily", longitude=15, latitude=37, radius=200, unit="km", count=1) == 1
    assert r.zrange("dst", 0, -1, withscores=True) == [("Catania", 3479447370796909.0)]
    assert r.geopos("dst", "Catania") == [CATANIA]
    assert r.geosearchstore(
        "dst", "Sicily", longitude=15, latitude=37, radius=200, unit="km", sort="ASC", storedist=True
    ) == 2
    assert r.zrange("dst", 0, -1, withscores=True) == [("Catania", 56.4412578701582), ("Palermo", 190.44242984775784)]
    assert r.geosearchstore("dst", "Sicily", member="Palermo", radius=1, unit="m") == 1
    assert r.zrange("dst", 0, -1) == ["Palermo"]


def test_bytes_mode(rb):
    assert rb.geoadd(b"g", (13.361389, 38.115556, b"\xffPalermo")) == 1
    assert rb.geohash(b"g", b"\xffPalermo") == [b"sqc8b49rny0"]
    assert rb.geosearch(b"g", longitude=15, latitude=37, radius=200, unit="km", withdist=True) == [
        [b"\xffPalermo", 190.4424]
    ]


def test_errors(r):
    assert r.geoadd("g", (13.361389, 38.115556, "Palermo")) == 1  # the command exists
    with pytest.raises(CommandError) as info:
        r.geoadd("g", (200, 38, "nowhere"))
    assert info.value.message == "ERR invalid longitude,latitude pair 200.000000,38.000000"
    with pytest.raises(CommandError) as info:
        r.geosearch("g", member="nope", radius=1)
    assert info.value.message == "ERR could not decode requested zset member"
    r.rpush("list", "x")
    with pytest.raises(TypeMismatchError):
        r.geopos("list", "x")
