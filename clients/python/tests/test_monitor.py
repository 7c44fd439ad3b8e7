"""MONITOR: parsing the lines (no server needed), then a monitor watching other clients."""

import threading
import time

import pytest

from diskdb import CommandError, ConnectionError, ProtocolError
from diskdb._monitor import parse_monitor_line, unescape


def sdscatrepr(data: bytes) -> bytes:
    """Redis's sdscatrepr, which quotes each argument of a MONITOR line (C's isprint)."""
    out = bytearray(b'"')
    names = {0x5C: b"\\\\", 0x22: b'\\"', 0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x07: b"\\a", 0x08: b"\\b"}
    for byte in data:
        if byte in names:
            out += names[byte]
        elif 0x20 <= byte < 0x7F:
            out.append(byte)
        else:
            out += b"\\x%02x" % byte
    return bytes(out + b'"')


# -- parsing -------------------------------------------------------------------------------


def test_parse_a_line():
    record = parse_monitor_line(b'1795800854.653437 [0 127.0.0.1:33782] "SET" "a" "1"', "utf-8")
    assert record == {
        "time": 1795800854.653437,
        "db": 0,
        "client_address": "127.0.0.1",
        "client_port": "33782",
        "client_type": "tcp",
        "command": "SET a 1",
        "args": ["SET", "a", "1"],
    }


def test_parse_every_escape():
    line = b'1.5 [12 10.0.0.1:6000] "SET" "q\\"uo\\\\te" "\\x00\\xff\\n\\r\\t\\a\\b \\xc3\\xa9 end\\\\"'
    record = parse_monitor_line(line)  # no encoding: exact bytes
    assert record["db"] == 12 and record["time"] == 1.5
    assert record["args"] == [b"SET", b'q"uo\\te', b"\x00\xff\n\r\t\x07\x08 \xc3\xa9 end\\"]
    decoded = parse_monitor_line(line, "utf-8")
    assert decoded["args"] == ["SET", 'q"uo\\te', "\x00\\xff\n\r\t\x07\x08 é end\\"]
    assert decoded["command"] == 'SET q"uo\\te \x00\\xff\n\r\t\x07\x08 é end\\'
    assert parse_monitor_line(line)["command"] == decoded["command"]  # command is always text


def test_unescape_inverts_redis_quoting_for_every_byte():
    data = bytes(range(256)) + b'\\"\\\\x41"'
    quoted = sdscatrepr(data)
    assert unescape(quoted[1:-1]) == data
    line = b'1.0 [0 127.0.0.1:1] "SET" ' + quoted + b' "" ' + sdscatrepr(b"\\")
    assert parse_monitor_line(line)["args"] == [b"SET", data, b"", b"\\"]


def test_unescape_tolerates_uppercase_hex_and_unknown_escapes():
    assert unescape(b"\\xFF\\x4a\\q") == b"\xffJq"


@pytest.mark.parametrize(
    "client, address, port, kind",
    [
        ("[::1]:6379", "::1", "6379", "tcp"),
        ("unix:/tmp/diskdb.sock", "unix", "/tmp/diskdb.sock", "unix"),
        ("lua", "lua", "", "lua"),
    ],
)
def test_parse_client_kinds(client, address, port, kind):
    record = parse_monitor_line(('1.0 [3 %s] "GET" "k"' % client).encode(), "utf-8")
    assert (record["client_address"], record["client_port"], record["client_type"]) == (address, port, kind)
    assert record["db"] == 3 and record["args"] == ["GET", "k"]


@pytest.mark.parametrize(
    "line",
    [b"garbage", b'x [0 a:1] "GET"', b'1.0 0 a:1 "GET"', b'1.0 [0 a:1] "GET', b'1.0 [0 a:1] "GET""k"', b'1.0 [0 a:1] GET'],
)
def test_malformed_lines_raise(line):
    with pytest.raises(ProtocolError):
        parse_monitor_line(line)


def test_error_replies_are_raised():
    with pytest.raises(CommandError):
        parse_monitor_line(CommandError("ERR no"))


# -- against the server --------------------------------------------------------------------


def next_matching(monitor, predicate, timeout=3.0):
    """The next record for which ``predicate`` holds, skipping others (handshakes...)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = monitor.next_command(timeout=deadline - time.monotonic())
        if record is not None and predicate(record):
            return record
    raise AssertionError("no matching MONITOR record within %.1fs" % timeout)


def client_port(client):
    """The local port of ``client``'s (single, reused) pooled connection, per CLIENT INFO."""
    info = client.execute("CLIENT", "INFO")
    addr = next(field for field in info.split() if field.startswith("addr="))
    return addr.rsplit(":", 1)[1]


def test_monitor_sees_another_clients_commands(r, make_client):
    other = make_client(db=2)
    port = client_port(other)
    tricky = 'q"uo\\te\n\r\t\a\b é \x00 end\\'
    with r.monitor() as monitor:
        before = time.time()
        other.set("mon:key", tricky)
        other.incrby("mon:n", 42)
        record = next_matching(monitor, lambda rec: rec["args"][:2] == ["SET", "mon:key"])
        after = time.time()
        incr = monitor.next_command(timeout=2)
    assert record["args"] == ["SET", "mon:key", tricky]
    assert record["command"] == "SET mon:key " + tricky
    assert record["db"] == 2
    assert record["client_address"] == "127.0.0.1"
    assert record["client_port"] == port
    assert record["client_type"] == "tcp"
    assert before - 1 <= record["time"] <= after + 1
    assert incr["args"] == ["INCRBY", "mon:n", "42"] and incr["client_port"] == port


def test_monitor_in_bytes_mode_gives_exact_arguments(rb):
    data = bytes(range(256))
    with rb.monitor() as monitor:
        rb.set(b"bin\xff", data)
        record = monitor.next_command(timeout=2)
    assert record["args"] == [b"SET", b"bin\xff", data]
    assert isinstance(record["command"], str) and record["command"].startswith("SET bin\\xff ")


def test_undecodable_arguments_do_not_stop_the_monitor(r, rb):
    with r.monitor() as monitor:
        rb.set(b"k", b"\xff\xfeok")
        r.get("k2")
        first = monitor.next_command(timeout=2)
        second = monitor.next_command(timeout=2)
    assert first["args"] == ["SET", "k", "\\xff\\xfeok"]
    assert second["args"] == ["GET", "k2"]


def test_records_come_in_order(r):
    with r.monitor() as monitor:
        with r.pipeline() as pipe:
            pipe.set("a", 1).incr("a").get("a").delete("a")
            pipe.execute()
        seen = [monitor.next_command(timeout=2)["command"] for _ in range(4)]
    assert seen == ["SET a 1", "INCR a", "GET a", "DEL a"]


def test_next_command_times_out_with_none(r):
    with r.monitor() as monitor:
        start = time.monotonic()
        assert monitor.next_command(timeout=0.2) is None
        assert time.monotonic() - start >= 0.19
        r.ping()
        assert monitor.next_command(timeout=2)["command"] == "PING"


def test_started_without_with(r):
    monitor = r.monitor()
    try:
        assert monitor.next_command(timeout=0.05) is None  # starts monitoring
        r.set("lazy", "1")
        assert monitor.next_command(timeout=2)["args"] == ["SET", "lazy", "1"]
    finally:
        monitor.close()


def test_close_inside_listen_ends_it(r):
    with r.monitor() as monitor:
        r.set("a", "1")
        r.set("stop", "1")
        r.set("after", "1")
        seen = []
        for record in monitor.listen():
            seen.append(record["args"])
            if record["args"][:2] == ["SET", "stop"]:
                monitor.close()
    assert seen == [["SET", "a", "1"], ["SET", "stop", "1"]]
    with pytest.raises(ConnectionError):
        monitor.next_command(timeout=0)
    assert list(monitor.listen()) == []
    assert r.get("after") == "1"  # the client itself is unaffected


def test_close_from_another_thread_wakes_listen(r):
    monitor = r.monitor()
    with monitor:
        closer = threading.Timer(0.3, monitor.close)
        closer.start()
        start = time.monotonic()
        records = list(monitor.listen())  # blocks with no timeout until close() wakes it
        elapsed = time.monotonic() - start
        closer.join()
    assert records == []
    assert 0.25 <= elapsed < 5


def test_monitor_over_resp3(make_client, r):
    client = make_client(protocol=3)
    with client.monitor() as monitor:
        client.hset("h", mapping={"f": "v"})  # the pool's first connection: HELLO 3, then HSET
        seen = [monitor.next_command(timeout=2)["args"] for _ in range(2)]
    assert seen == [["HELLO", "3"], ["HSET", "h", "f", "v"]]
    assert client.hgetall("h") == {"f": "v"}
