"""String commands against a real server."""

import datetime
import time

import pytest

from diskdb import CommandError, DataError, TypeMismatchError


def test_set_get_roundtrip_types(r):
    assert r.set("s", "hello") is True
    assert r.get("s") == "hello"
    r.set("i", 42)
    r.set("f", 1.5)
    assert r.get("i") == "42" and r.get("f") == "1.5"
    assert r.get("missing") is None


def test_bytes_client_is_binary_safe(rb):
    value = bytes(range(256))
    rb.set(b"bin\x00key", value)
    assert rb.get(b"bin\x00key") == value
    assert rb.get("bin\x00key") == value


def test_unicode(r):
    r.set("ключ", "значение ✓")
    assert r.get("ключ") == "значение ✓"
    assert r.strlen("ключ") == len("значение ✓".encode())


def test_set_nx_xx(r):
    assert r.set("k", "1", nx=True) is True
    assert r.set("k", "2", nx=True) is False
    assert r.get("k") == "1"
    assert r.set("other", "1", xx=True) is False
    assert r.get("other") is None
    assert r.set("k", "3", xx=True) is True
    assert r.get("k") == "3"


def test_set_expiry_options(r):
    r.set("ex", "v", ex=100)
    assert 98 <= r.ttl("ex") <= 100
    r.set("px", "v", px=datetime.timedelta(seconds=50))
    assert 48_000 <= r.pttl("px") <= 50_000
    r.set("exat", "v", exat=int(time.time()) + 200)
    assert 198 <= r.ttl("exat") <= 200
    r.set("pxat", "v", pxat=datetime.datetime.now() + datetime.timedelta(seconds=300))
    assert 298 <= r.ttl("pxat") <= 300


def test_set_keepttl_and_get(r):
    r.set("k", "old", ex=100)
    assert r.set("k", "new", keepttl=True) is True
    assert r.ttl("k") > 90
    assert r.set("k", "newer", get=True) == "new"
    assert r.ttl("k") == -1  # a plain SET drops the TTL
    assert r.set("absent", "x", get=True) is None


def test_set_expires_for_real(r):
    r.set("short", "v", px=50)
    time.sleep(0.15)
    assert r.get("short") is None
    assert r.exists("short") == 0


def test_getset_getdel_getex(r):
    assert r.getset("k", "a") is None
    assert r.getset("k", "b") == "a"
    assert r.getex("k", ex=100) == "b"
    assert r.ttl("k") > 90
    assert r.getex("k", persist=True) == "b"
    assert r.ttl("k") == -1
    assert r.getdel("k") == "b"
    assert r.get("k") is None and r.getdel("k") is None


def test_counters(r):
    assert r.incr("n") == 1
    assert r.incr("n", 5) == 6
    assert r.incrby("n", 4) == 10
    assert r.decr("n") == 9
    assert r.decr("n", 3) == 6
    assert r.decrby("n", 6) == 0
    assert r.incrbyfloat("f", 2.5) == 2.5
    assert isinstance(r.incrbyfloat("f", -0.5), float)
    assert r.get("f") == "2"


def test_incr_on_non_integer_is_command_error(r):
    assert r.incr("n") == 1  # first show INCR exists, so the error below is not "unknown command"
    r.set("s", "abc")
    with pytest.raises(CommandError) as info:
        r.incr("s")
    assert info.value.code == "ERR"
    assert "not an integer" in info.value.message


def test_append_strlen_ranges(r):
    assert r.append("k", "Hello") == 5
    assert r.append("k", " World") == 11
    assert r.strlen("k") == 11
    assert r.getrange("k", 0, 4) == "Hello"
    assert r.getrange("k", -5, -1) == "World"
    assert r.setrange("k", 6, "Redis") == 11
    assert r.get("k") == "Hello Redis"
    assert r.setrange("pad", 3, "x") == 4
    assert r.get("pad") == "\x00\x00\x00x"


def test_mget_mset_msetnx(r):
    assert r.mset({"a": "1", "b": "2"}) is True
    assert r.mget("a", "b", "c") == ["1", "2", None]
    assert r.mget(["a", "b"]) == ["1", "2"]
    assert r.msetnx({"c": "3", "a": "x"}) is False
    assert r.get("c") is None
    assert r.msetnx({"c": "3", "d": "4"}) is True


def test_setnx_setex_psetex(r):
    assert r.setnx("k", "1") is True
    assert r.setnx("k", "2") is False
    assert r.setex("e", 100, "v") is True
    assert 98 <= r.ttl("e") <= 100
    assert r.psetex("p", datetime.timedelta(milliseconds=5000), "v") is True
    assert 4000 <= r.pttl("p") <= 5000


def test_bits(r):
    assert r.setbit("b", 7, 1) == 0
    assert r.setbit("b", 7, 1) == 1
    assert r.getbit("b", 7) == 1
    assert r.getbit("b", 100) == 0
    r.set("bc", "foobar")
    assert r.bitcount("bc") == 26
    assert r.bitcount("bc", 1, 1) == 6
    with pytest.raises(DataError):
        r.bitcount("bc", 1)


def test_bitcount_bit_mode(r):
    r.set("bc", "foobar")
    assert r.bitcount("bc", 5, 30, mode="BIT") == 17


def test_bitop_each_operation(rb):
    rb.set("a", b"\xff\x0f")
    rb.set("b", b"\x0f")
    # The shorter input counts as zero-padded; the result is as long as the longest input.
    assert rb.bitop("AND", "and", "a", "b") == 2
    assert rb.get("and") == b"\x0f\x00"
    assert rb.bitop("OR", "or", "a", "b") == 2
    assert rb.get("or") == b"\xff\x0f"
    assert rb.bitop("XOR", "xor", "a", "b") == 2
    assert rb.get("xor") == b"\xf0\x0f"
    assert rb.bitop("NOT", "not", "a") == 2
    assert rb.get("not") == b"\x00\xf0"
    assert rb.bitop("or", "one", "b") == 1  # operation names are case-insensitive
    assert rb.get("one") == b"\x0f"
    # Only missing inputs: an empty result, so the destination is deleted.
    assert rb.bitop("OR", "and", "missing", "missing2") == 0
    assert rb.exists("and") == 0
    with pytest.raises(CommandError) as info:
        rb.bitop("NOT", "not", "a", "b")
    assert info.value.message == "ERR BITOP NOT must be called with a single source key."


def test_bitfield_get_set_incrby(r):
    bf = r.bitfield("bf")
    # SET answers the old value, INCRBY the new one; u8 wraps by default (200 + 100 = 44).
    assert bf.set("u8", 0, 200).get("u8", 0).incrby("u8", 0, 100).get("u4", 0).execute() == [0, 200, 44, 2]
    assert bf.command == ["BITFIELD", "bf"]  # execute() empties the builder for reuse
    # Signed fields, and '#N' offsets counted in fields of the type's width.
    assert bf.set("i8", "#1", -5).get("i8", 8).get("u8", "#1").execute() == [0, -5, 251]
    assert r.strlen("bf") == 2
    assert r.bitfield("bf").get("u16", 0).execute() == [0x2CFB]


def test_bitfield_overflow_sat_and_fail(r):
    results = (
        r.bitfield("bf")
        .set("u8", 0, 250)
        .incrby("u8", 0, 10, overflow="SAT")  # 260 saturates at 255
        .overflow("FAIL")
        .incrby("u8", 0, 1)  # 256 does not fit: refused, nothing written
        .incrby("u8", 0, -5)
        .execute()
    )
    assert results == [0, 255, None, 250]
    assert r.bitfield("bf").incrby("i4", 8, -100, overflow="sat").incrby("i4", 8, 9).execute() == [-8, 1]
    # default_overflow applies from the first operation; WRAP is the server's default.
    assert r.bitfield("d", default_overflow="FAIL").incrby("i4", 0, 8).incrby("i4", 0, 7).execute() == [None, 7]
    assert r.bitfield("w").incrby("i4", 0, 9).execute() == [-7]


def test_bitfield_builder_arguments():
    from diskdb import DiskDB

    bf = DiskDB().bitfield("k", default_overflow="sat")  # builds without connecting
    bf.get("u8", 0).overflow("SAT").incrby("i5", "#2", 3, overflow="fail").set("u1", 7, 1).overflow("wrap")
    assert bf.command == [
        "BITFIELD", "k", "OVERFLOW", "SAT", "GET", "u8", 0, "OVERFLOW", "FAIL", "INCRBY", "i5", "#2", 3,
        "SET", "u1", 7, 1, "OVERFLOW", "WRAP",
    ]
    bf.reset()
    assert bf.command == ["BITFIELD", "k", "OVERFLOW", "SAT"]
    assert DiskDB().bitfield("k").overflow("WRAP").get("u8", 0).command == ["BITFIELD", "k", "GET", "u8", 0]


def test_bitfield_ro(r):
    assert r.bitfield("k").set("u8", 0, 1).set("u8", 8, 2).execute() == [0, 0]
    assert r.bitfield_ro("k", "u8", 0) == [1]
    assert r.bitfield_ro("k", "u8", 0, items=[("u8", 8), ("u16", 0), ("i8", "#1")]) == [1, 2, 258, 2]
    assert r.bitfield_ro("missing", "i8", 0) == [0]
    with pytest.raises(CommandError):
        r.execute("BITFIELD_RO", "k", "SET", "u8", 0, 1)  # read-only: GET only


def test_wrongtype(r):
    r.rpush("list", "x")
    with pytest.raises(TypeMismatchError) as info:
        r.get("list")
    assert info.value.code == "WRONGTYPE"


def test_bool_values_are_refused_before_sending(r):
    with pytest.raises(DataError):
        r.set("k", True)  # type: ignore[arg-type]
    assert r.get("k") is None
