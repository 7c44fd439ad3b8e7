#!/usr/bin/env python3
"""What one small edit of a large JSON document costs, against writing the whole document.

Starts DiskDB on a free port with a temp data dir, stores a document of about 1 MB (1,000
top-level members of ~1 KB each), then times, one request at a time on one connection:

- JSON.SET of the whole document (the cost an inline layout would pay for every edit),
- JSON.NUMINCRBY of one number inside one member,
- JSON.GET of that number, and JSON.GET of the whole document,

and reports ops/s and the bytes the server process wrote to storage per op
(`write_bytes` of /proc/PID/io: WAL, memtable flushes and compactions alike).
Linux only (it reads /proc); Python 3 standard library.

    python3 benches/json_large.py [--bin PATH] [--members 1000] [--edits 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def encode(*args: bytes | str) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a.encode() if isinstance(a, str) else a
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


class Conn:
    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.f = self.sock.makefile("rb")

    def call(self, *args):
        self.sock.sendall(encode(*args))
        return self.read()

    def read(self):
        line = self.f.readline()[:-2]
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b":"):
            return rest
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.f.read(n + 2)[:-2]
        if kind == b"*":
            return [self.read() for _ in range(int(rest))]
        raise RuntimeError(f"unexpected reply {line!r}")


def write_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


def measure(conn: Conn, pid: int, n: int, *args) -> tuple[float, float]:
    """Runs a command n times; returns (ops/s, bytes written per op)."""
    before = write_bytes(pid)
    t0 = time.perf_counter()
    for _ in range(n):
        conn.call(*args)
    elapsed = time.perf_counter() - t0
    # Let RocksDB's background flushes of this phase land in this phase's count.
    time.sleep(1.0)
    return n / elapsed, (write_bytes(pid) - before) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_bin = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/diskdb-target")) / "release/diskdb"
    ap.add_argument("--bin", default=os.environ.get("DISKDB_BIN", str(default_bin)))
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--edits", type=int, default=2000)
    ap.add_argument("--sets", type=int, default=100)
    a = ap.parse_args()

    doc = {f"m{i}": {"n": i, "tags": ["t"], "pad": "x" * 1000} for i in range(a.members)}
    text = json.dumps(doc, separators=(",", ":"))
    with tempfile.TemporaryDirectory() as tmp:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        proc = subprocess.Popen([a.bin, "--port", str(port), "--dir", tmp], stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    conn = Conn(port)
                    conn.call("PING")
                    break
                except OSError:
                    time.sleep(0.05)
            conn.call("JSON.SET", "big", "$", text)
            middle = f"$.m{a.members // 2}.n"
            rows = [
                (f"JSON.SET big $ <{len(text) / 1e6:.2f} MB>", measure(conn, proc.pid, a.sets, "JSON.SET", "big", "$", text)),
                (f"JSON.NUMINCRBY big {middle} 1", measure(conn, proc.pid, a.edits, "JSON.NUMINCRBY", "big", middle, "1")),
                (f"JSON.GET big {middle}", measure(conn, proc.pid, a.edits, "JSON.GET", "big", middle)),
                ("JSON.GET big (whole document)", measure(conn, proc.pid, a.sets, "JSON.GET", "big")),
            ]
        finally:
            proc.terminate()
            proc.wait(30)
    print("| command | ops/s | bytes written per op |")
    print("|---|---:|---:|")
    for name, (rate, per_op) in rows:
        print(f"| `{name}` | {rate:,.0f} | {per_op:,.0f} |")


if __name__ == "__main__":
    main()
