"""The client adds no private encoding: its data is plain Redis data on the wire.

What this client writes, a bare socket speaking RESP reads back as exactly the bytes any Redis
client would get; what bare RESP writes, the client reads back as the plain Python values. The
raw side is the small ``RawRESP`` class below, not the client's ``resp.py``, so the two cannot
share a mistake. When redis-py happens to be importable it reads the same keys as well (on its
pure-Python RESP2 parser); it is never a dependency, and those tests skip without it.

A family the server lacks skips through the suite's one hook in conftest.py: the client raises
``UnknownCommandError`` by itself, and ``RawRESP`` raises it for an "unknown command" reply.
"""

import itertools
import re
import socket
from typing import Callable, Dict, Iterable, List, Set, Tuple

import pytest

from diskdb import UnknownCommandError

BINARY = bytes(range(256))  # every byte value, NUL, CR and LF included
TEXT, TEXT_UTF8 = "café ✓ 日本", b"caf\xc3\xa9 \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac"
KEY, KEY_UTF8 = "ключ", b"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"


class RawRESP:
    """A bare RESP2 connection: sends commands, returns each reply's exact bytes."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5.0)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def call(self, *args: bytes) -> bytes:
        """Send one command (every argument already bytes) and return its whole reply."""
        self.sock.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%b\r\n" % (len(a), a) for a in args))
        reply = self._reply()
        if reply.startswith(b"-ERR unknown command"):
            raise UnknownCommandError(reply[1:-2].decode("utf-8", "replace"))
        return reply

    def _reply(self) -> bytes:
        line = self._take(self._line_end() + 2)
        kind, size = line[:1], line[1:-2]
        if kind in (b"+", b"-", b":"):
            return line
        if kind == b"$":
            if int(size) < 0:
                return line
            data = self._take(int(size) + 2)
            assert data.endswith(b"\r\n"), data
            return line + data
        if kind == b"*":
            return line + b"".join(self._reply() for _ in range(max(int(size), 0)))
        raise AssertionError("not a RESP2 reply: %r" % line)

    def _line_end(self) -> int:
        while b"\r\n" not in self.buf:
            self._recv()
        return self.buf.index(b"\r\n")

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._recv()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _recv(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise AssertionError("the server closed the connection")
        self.buf += chunk


@pytest.fixture
def raw(server, r) -> Iterable[RawRESP]:  # r: the database starts empty
    conn = RawRESP(server.port)
    yield conn
    conn.close()


def any_order(header: bytes, items: List[bytes]) -> Set[bytes]:
    """Every byte string an unordered reply (SMEMBERS, HGETALL) may legitimately be."""
    return {header + b"".join(p) for p in itertools.permutations(items)}


def ttl_between(reply: bytes, low: int, high: int) -> bool:
    match = re.fullmatch(rb":(\d+)\r\n", reply)
    return match is not None and low <= int(match.group(1)) <= high


# Strings, counters, an expiry and MSET.


def write_strings(db) -> None:
    assert db.set(b"bin\x00key", BINARY) is True
    assert db.set(KEY, TEXT) is True
    db.set("crlf", "a\r\nb\x00c")
    db.set("empty", "")
    db.set("int", 42)
    db.set("neg", -7)
    db.set("float", 1.5)
    assert db.incr("n") == 1
    assert db.incrby("n", 41) == 42
    assert db.incrbyfloat("f", 0.5) == 0.5
    assert db.incrbyfloat("f", 2.25) == 2.75
    db.set("t", "v", ex=100)
    db.set("plain", "v")
    assert db.mset({"a": "1", "b": b"\x00\xff", "c": "ü", "d": 2.5}) is True


def test_strings_written_by_client_read_raw(r, raw):
    write_strings(r)
    assert raw.call(b"GET", b"bin\x00key") == b"$256\r\n" + BINARY + b"\r\n"
    assert raw.call(b"GET", KEY_UTF8) == b"$16\r\n" + TEXT_UTF8 + b"\r\n"
    assert raw.call(b"GET", b"crlf") == b"$6\r\na\r\nb\x00c\r\n"
    assert raw.call(b"GET", b"empty") == b"$0\r\n\r\n"
    assert raw.call(b"GET", b"int") == b"$2\r\n42\r\n"
    assert raw.call(b"GET", b"neg") == b"$2\r\n-7\r\n"
    assert raw.call(b"GET", b"float") == b"$3\r\n1.5\r\n"
    assert raw.call(b"TYPE", b"bin\x00key") == b"+string\r\n"
    # Counters are stored as the decimal text Redis keeps, so Redis's own arithmetic continues.
    assert raw.call(b"GET", b"n") == b"$2\r\n42\r\n"
    assert raw.call(b"INCR", b"n") == b":43\r\n"
    assert raw.call(b"GET", b"f") == b"$4\r\n2.75\r\n"
    assert raw.call(b"INCRBYFLOAT", b"f", b"0.25") == b"$1\r\n3\r\n"
    # The TTL is a real server-side expiry, not something the client tracks.
    assert ttl_between(raw.call(b"TTL", b"t"), 98, 100)
    assert raw.call(b"GET", b"t") == b"$1\r\nv\r\n"
    assert raw.call(b"TTL", b"plain") == b":-1\r\n"
    assert raw.call(b"MGET", b"a", b"b", b"c", b"d", b"missing") == (
        b"*5\r\n$1\r\n1\r\n$2\r\n\x00\xff\r\n$2\r\n\xc3\xbc\r\n$3\r\n2.5\r\n$-1\r\n"
    )


def test_strings_written_raw_read_by_client(r, rb, raw):
    assert raw.call(b"SET", b"bin\x00key", BINARY) == b"+OK\r\n"
    assert raw.call(b"SET", KEY_UTF8, TEXT_UTF8) == b"+OK\r\n"
    assert raw.call(b"SET", b"crlf", b"a\r\nb\x00c") == b"+OK\r\n"
    assert raw.call(b"SET", b"empty", b"") == b"+OK\r\n"
    assert raw.call(b"SET", b"n", b"41") == b"+OK\r\n"
    assert raw.call(b"INCRBYFLOAT", b"f", b"2.75") == b"$4\r\n2.75\r\n"
    assert raw.call(b"SET", b"t", b"v", b"EX", b"100") == b"+OK\r\n"
    assert raw.call(b"MSET", b"a", b"1", b"b", b"\x00\xff", b"c", b"\xc3\xbc") == b"+OK\r\n"

    assert rb.get(b"bin\x00key") == BINARY
    assert rb.get("bin\x00key") == BINARY
    assert r.get(KEY) == TEXT
    assert rb.get(KEY) == TEXT_UTF8
    assert r.get("crlf") == "a\r\nb\x00c"
    assert r.get("empty") == ""
    assert r.incr("n") == 42
    assert r.get("n") == "42"
    assert r.incrbyfloat("f", 0.25) == 3.0
    assert r.get("f") == "3"
    assert 98 <= r.ttl("t") <= 100
    assert r.get("t") == "v"
    assert r.mget(["a", "c", "missing"]) == ["1", "ü", None]
    assert rb.mget(["a", "b", "c"]) == [b"1", b"\x00\xff", b"\xc3\xbc"]
    assert r.exists("bin\x00key", KEY, "a", "b", "c") == 5


# Collections: each test skips (through conftest.py) until the server has the family.


def write_hash(db) -> None:
    assert db.hset("h", mapping={"name": "Ada", "born": 1815, "bin": b"\x00\xff"}) == 3


def test_hash_written_by_client_read_raw(r, raw):
    write_hash(r)
    assert raw.call(b"HMGET", b"h", b"name", b"born", b"bin", b"nope") == (
        b"*4\r\n$3\r\nAda\r\n$4\r\n1815\r\n$2\r\n\x00\xff\r\n$-1\r\n"
    )
    assert raw.call(b"HGETALL", b"h") in any_order(
        b"*6\r\n", [b"$4\r\nname\r\n$3\r\nAda\r\n", b"$4\r\nborn\r\n$4\r\n1815\r\n", b"$3\r\nbin\r\n$2\r\n\x00\xff\r\n"]
    )


def test_hash_written_raw_read_by_client(r, rb, raw):
    assert raw.call(b"HSET", b"h", b"name", b"Ada", b"born", b"1815", b"bin", b"\x00\xff") == b":3\r\n"
    assert rb.hgetall("h") == {b"name": b"Ada", b"born": b"1815", b"bin": b"\x00\xff"}
    assert r.hmget("h", ["name", "born", "nope"]) == ["Ada", "1815", None]


def write_list(db) -> None:
    assert db.rpush("l", "a", b"\x00\xff", "ü", 3, 1.5) == 5


def test_list_written_by_client_read_raw(r, raw):
    write_list(r)
    assert raw.call(b"LRANGE", b"l", b"0", b"-1") == (
        b"*5\r\n$1\r\na\r\n$2\r\n\x00\xff\r\n$2\r\n\xc3\xbc\r\n$1\r\n3\r\n$3\r\n1.5\r\n"
    )


def test_list_written_raw_read_by_client(r, rb, raw):
    assert raw.call(b"RPUSH", b"l", b"a", b"\x00\xff", b"\xc3\xbc", b"3") == b":4\r\n"
    assert rb.lrange("l", 0, -1) == [b"a", b"\x00\xff", b"\xc3\xbc", b"3"]
    assert r.lindex("l", 2) == "ü"


def write_set(db) -> None:
    assert db.sadd("s", "x", b"\xff", "ü") == 3


def test_set_written_by_client_read_raw(r, raw):
    write_set(r)
    assert raw.call(b"SMEMBERS", b"s") in any_order(b"*3\r\n", [b"$1\r\nx\r\n", b"$1\r\n\xff\r\n", b"$2\r\n\xc3\xbc\r\n"])
    assert raw.call(b"SISMEMBER", b"s", b"\xc3\xbc") == b":1\r\n"


def test_set_written_raw_read_by_client(r, rb, raw):
    assert raw.call(b"SADD", b"s", b"x", b"\xff", b"\xc3\xbc") == b":3\r\n"
    assert rb.smembers("s") == {b"x", b"\xff", b"\xc3\xbc"}
    assert r.sismember("s", "ü") is True


def write_zset(db) -> None:
    assert db.zadd("z", {"a": 1.5, "b": 2, "ü": -0.25}) == 3


def test_zset_written_by_client_read_raw(r, raw):
    write_zset(r)
    assert raw.call(b"ZRANGE", b"z", b"0", b"-1", b"WITHSCORES") == (
        b"*6\r\n$2\r\n\xc3\xbc\r\n$5\r\n-0.25\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n"
    )
    assert raw.call(b"ZSCORE", b"z", b"a") == b"$3\r\n1.5\r\n"


def test_zset_written_raw_read_by_client(r, raw):
    assert raw.call(b"ZADD", b"z", b"1.5", b"a", b"2", b"b", b"-0.25", b"\xc3\xbc") == b":3\r\n"
    assert r.zrange("z", 0, -1, withscores=True) == [("ü", -0.25), ("a", 1.5), ("b", 2.0)]
    assert r.zscore("z", "b") == 2.0


# redis-py, when importable, reads what this client wrote and gets the same values.

Read = Callable[[object], object]

SCENARIOS: Dict[str, Tuple[Callable[[object], None], List[Read]]] = {
    "strings": (write_strings, [
        lambda c: c.get(b"bin\x00key"),
        lambda c: c.get(KEY),
        lambda c: c.get("crlf"),
        lambda c: c.get("empty"),
        lambda c: c.mget(["int", "neg", "float", "n", "f", "t", "missing"]),
        lambda c: c.mget(["a", "b", "c", "d"]),
        lambda c: 98 <= c.ttl("t") <= 100,  # True for both; the TTL itself may tick between reads
        lambda c: c.ttl("plain"),
        lambda c: c.strlen(KEY),
    ]),
    "hash": (write_hash, [lambda c: c.hgetall("h"), lambda c: c.hmget("h", ["name", "born", "nope"])]),
    "list": (write_list, [lambda c: c.lrange("l", 0, -1)]),
    "set": (write_set, [lambda c: c.smembers("s")]),
    "zset": (write_zset, [lambda c: c.zrange("z", 0, -1, withscores=True), lambda c: c.zscore("z", "ü")]),
}


@pytest.fixture
def redis_py(server, rb):  # rb: the database starts empty
    redis = pytest.importorskip("redis", reason="redis-py is not installed (optional, never a dependency)")
    kwargs = {"host": "127.0.0.1", "port": server.port}
    try:
        from redis._parsers import _RESP2Parser  # redis-py >= 5
        # Pin RESP2 too: redis-py 8 defaults to RESP3 and would swap in its RESP3 parser.
        kwargs.update(parser_class=_RESP2Parser, protocol=2)
    except ImportError:
        from redis.connection import PythonParser  # redis-py 4: RESP2 only

        kwargs.update(parser_class=PythonParser)
    client = redis.Redis(connection_pool=redis.ConnectionPool(**kwargs))
    yield client
    client.close()


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_redis_py_reads_what_the_client_wrote(scenario, rb, redis_py):
    write, reads = SCENARIOS[scenario]
    write(rb)
    for read in reads:
        assert read(redis_py) == read(rb)


def test_redis_py_exchanges_dump_payloads(r, rb, redis_py):
    rb.rpush(b"l", b"\x00", b"\xff", "é")
    ours = r.dump("l")  # bytes although r decodes
    assert ours == rb.dump(b"l") == redis_py.dump("l")
    assert redis_py.restore("from-ours", 0, ours)
    assert rb.lrange(b"from-ours", 0, -1) == [b"\x00", b"\xff", "é".encode()]
    redis_py.hset("h", mapping={"f": b"\xfe"})
    assert r.restore("from-theirs", 0, redis_py.dump("h")) is True
    assert rb.hgetall(b"from-theirs") == {b"f": b"\xfe"}


def test_monitor_records_match_redis_py(r, redis_py):
    with redis_py.monitor() as theirs, r.monitor() as ours:
        r.set("k", 'say "hi" [0 x]')
        mine = ours.next_command(timeout=2)
        reference = theirs.next_command()
    # redis-py's keys, same values; this client adds the argument list.
    assert {key: mine[key] for key in reference} == reference
    assert mine["args"] == ["SET", "k", 'say "hi" [0 x]']
