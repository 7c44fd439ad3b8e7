"""HyperLogLog commands against a real server.

PFCOUNT is an estimate; the exact numbers below are Redis's (DiskDB keeps the same registers,
so it gives the same counts and stores the same bytes)."""

import pytest

from diskdb import TypeMismatchError


def items(start, stop):
    return ["item:%d" % i for i in range(start, stop)]


def test_pfadd_pfcount(r):
    assert r.pfadd("small", *items(0, 100)) == 1
    assert r.pfcount("small") == 99  # 100 distinct elements, estimated
    assert r.strlen("small") == 277  # a plain string, in the sparse encoding
    assert r.type("small") == "string"
    assert r.pfadd("small", "item:5", "item:99") == 0  # no register changed
    assert r.pfcount("small") == 99
    assert r.pfcount("missing") == 0
    assert r.pfcount("small", "missing") == 99


def test_pfadd_without_elements_creates_the_key(rb):
    assert rb.pfadd("new") == 1
    assert rb.pfadd("new") == 0  # exists already: nothing changed
    # An empty HyperLogLog in Redis's format: a header (sparse, no cached count), then one run
    # of 16384 zero registers. (Read before PFCOUNT, which may store its count in the header.)
    assert rb.get("new") == b"HYLL\x01" + bytes(10) + b"\x80\x7f\xff"
    assert rb.pfcount("new") == 0


def test_pfcount_of_several_keys_and_pfmerge(r):
    r.pfadd("small", *items(0, 100))
    assert r.pfadd("other", *items(50, 150)) == 1
    assert r.pfcount("small", "other") == 149  # the union
    assert r.pfmerge("m", "small", "other") is True
    assert r.pfcount("m") == 149
    assert r.pfcount("small") == 99  # the sources are unchanged
    # An existing destination is merged in too.
    assert r.pfmerge("small", "other") is True
    assert r.pfcount("small") == 149
    # No sources: an empty HyperLogLog (18 bytes) is created.
    assert r.pfmerge("empty") is True
    assert r.pfcount("empty") == 0
    assert r.strlen("empty") == 18


def test_dense_encoding(r):
    assert r.pfadd("big", *items(0, 10000)) == 1
    assert r.pfcount("big") == 10083
    assert r.strlen("big") == 12304  # converted to the dense encoding
    r.pfadd("small", *items(0, 100))
    assert r.pfmerge("u", "small", "big") is True
    assert r.pfcount("u") == 10083
    assert r.strlen("u") == 12304


def test_values_are_encoded_like_other_commands(rb):
    assert rb.pfadd("h", "a", b"a", 1, "1", 1.5, b"\xff") == 1
    assert rb.pfcount("h") == 4  # "a", "1", "1.5" and b"\xff"


def test_wrongtype(r):
    assert r.pfadd("h", "a") == 1  # the commands exist, so the errors below are real ones
    r.set("s", "not an HLL")
    with pytest.raises(TypeMismatchError) as info:
        r.pfadd("s", "a")
    assert info.value.code == "WRONGTYPE"
    assert info.value.message == "WRONGTYPE Key is not a valid HyperLogLog string value."
    with pytest.raises(TypeMismatchError) as info:
        r.pfmerge("h", "s")
    assert info.value.message == "WRONGTYPE Key is not a valid HyperLogLog string value."
    r.rpush("list", "a")
    with pytest.raises(TypeMismatchError) as info:
        r.pfcount("list")
    assert info.value.message == "WRONGTYPE Operation against a key holding the wrong kind of value"
    assert r.get("s") == "not an HLL" and r.pfcount("h") == 1
