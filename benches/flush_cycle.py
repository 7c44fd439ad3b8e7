#!/usr/bin/env python3
"""A test suite's pattern: FLUSHALL before every test. Does each flush leave the server slower?

Starts DiskDB (and with --redis-bin also redis-server, one after the other) on a free port
with a temporary data directory, and from one connection runs cycles of FLUSHALL, SET, HSET,
GET, HGETALL, printing the mean milliseconds per cycle for each fifth of the run. Flat rows
mean flushes cost the same however many came before. Standard library only.

    python3 benches/flush_cycle.py --diskdb-bin target/release/diskdb --redis-bin redis-server
    python3 benches/flush_cycle.py --diskdb-bin ... --cycles 20000 --keys 2000

--keys sets how many keys each cycle writes (with one MSET) before its flush: DiskDB deletes up
to 1,024 keys one by one and flushes larger databases with range deletions.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time

from large import HOST, encode, free_port, wait_ready


def cycles(port: int, n: int, keys: int) -> list[float]:
    """Runs `n` cycles; returns the mean seconds per cycle of each fifth."""
    mset = encode(["MSET", *[x for i in range(keys) for x in (f"k{i}", "v")]]) if keys else b""
    cycle = [encode(["FLUSHALL"]), mset, encode(["SET", "a", "1"]), encode(["HSET", "h", "f", "v"]),
             encode(["GET", "a"]), encode(["HGETALL", "h"])]
    replies = sum(1 for c in cycle if c)
    fifths, start = [], time.perf_counter()
    with socket.create_connection((HOST, port)) as s:
        f = s.makefile("rb")
        for i in range(1, n + 1):
            s.sendall(b"".join(cycle))
            for _ in range(replies):
                skip_reply(f)
            if i % max(n // 5, 1) == 0:
                now = time.perf_counter()
                fifths.append((now - start) / max(n // 5, 1))
                start = now
    return fifths


def skip_reply(f) -> None:
    line = f.readline()
    kind, body = line[:1], line[1:].strip()
    if kind == b"-" or not line:
        sys.exit(f"error reply: {line.decode().strip() or 'connection closed'}")
    if kind == b"$" and body != b"-1":
        f.read(int(body) + 2)
    elif kind in (b"*", b"%"):
        for _ in range(int(body) * (2 if kind == b"%" else 1)):
            skip_reply(f)


def run(argv: list[str], port: int, args: argparse.Namespace) -> list[float]:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_ready(port, proc)
        return cycles(port, args.cycles, args.keys)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--diskdb-bin", required=True)
    p.add_argument("--redis-bin", help="also run redis-server (appendonly, everysec)")
    p.add_argument("--cycles", type=int, default=5000)
    p.add_argument("--keys", type=int, default=0, help="keys each cycle writes before its flush")
    args = p.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        results["diskdb"] = run([args.diskdb_bin, "--port", str(port), "--dir", f"{tmp}/diskdb"], port, args)
        if args.redis_bin:
            port = free_port()
            argv = [args.redis_bin, "--port", str(port), "--dir", tmp, "--save", "", "--appendonly", "yes",
                    "--appendfsync", "everysec"]
            results["redis"] = run(argv, port, args)
    print(f"ms per cycle (FLUSHALL, {args.keys} keys, SET, HSET, GET, HGETALL), by fifth of {args.cycles} cycles")
    for name, fifths in results.items():
        print(f"{name:8}" + "".join(f"{x * 1e3:9.3f}" for x in fifths))


if __name__ == "__main__":
    main()
