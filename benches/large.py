#!/usr/bin/env python3
"""Commands on one huge collection: does DiskDB stay fast when a key holds a million members?

Starts the server (DiskDB, and with --redis-bin also redis-server, one after the other) on a
free port with a temporary data directory, builds each data set the rows need with pipelined
writes over a raw socket (timed), then runs every row with `redis-benchmark` and prints one
table. Standard library only; needs `redis-benchmark` on PATH.

    python3 benches/large.py --diskdb-bin target/release/diskdb
    python3 benches/large.py --diskdb-bin target/release/diskdb --redis-bin redis-server
    python3 benches/large.py --diskdb-bin ... --members 100000 -n 2000 --rows zrank,zscore

Members are named `m:%012d` (0 <= i < --members), so redis-benchmark's `__rand_int__`, which
it expands to 12 zero-padded digits below `-r`, names a random existing member.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Callable, Iterator

HOST = "127.0.0.1"


def zset_builder(key: str, n: int, per: int = 1000) -> Iterator[list[str]]:
    """ZADDs of `per` members each; scores are a permutation of 0..n (when n is below the
    prime 1,000,003), so consecutive members land all over the set, not at its end."""
    for lo in range(0, n, per):
        cmd = ["ZADD", key]
        for i in range(lo, min(lo + per, n)):
            cmd += [str((i * 7919) % 1_000_003), f"m:{i:012d}"]
        yield cmd


def members_builder(verb: str, with_values: bool = False) -> Callable[[str, int], Iterator[list[str]]]:
    """RPUSH/SADD/HSET of 1000 members per command, named `m:%012d` (with a value each for
    hashes)."""
    def build(key: str, n: int, per: int = 1000) -> Iterator[list[str]]:
        for lo in range(0, n, per):
            cmd = [verb, key]
            for i in range(lo, min(lo + per, n)):
                cmd += [f"m:{i:012d}", f"v:{i}"] if with_values else [f"m:{i:012d}"]
            yield cmd
    return build


# Data sets: name -> (key, builder). A row names the data set it reads.
DATASETS: dict[str, tuple[str, Callable[[str, int], Iterator[list[str]]]]] = {
    "list": ("bigl", members_builder("RPUSH")),
    "hash": ("bigh", members_builder("HSET", with_values=True)),
    "set": ("bigs", members_builder("SADD")),
    "zset": ("bigz", zset_builder),
}


@dataclass(frozen=True)
class Row:
    name: str
    dataset: str
    command: tuple[str, ...]


# One row per command; `{far}` is 90% of --members, `__rand_int__` a random member number.
ROWS: list[Row] = [
    Row("lindex_far", "list", ("LINDEX", "bigl", "{far}")),
    Row("lindex_last", "list", ("LINDEX", "bigl", "-1")),
    Row("lset_far", "list", ("LSET", "bigl", "{far}", "x")),
    Row("hget", "hash", ("HGET", "bigh", "m:__rand_int__")),
    Row("hset_update", "hash", ("HSET", "bigh", "m:__rand_int__", "w")),
    Row("sismember", "set", ("SISMEMBER", "bigs", "m:__rand_int__")),
    Row("zrank", "zset", ("ZRANK", "bigz", "m:__rand_int__")),
    Row("zrevrank", "zset", ("ZREVRANK", "bigz", "m:__rand_int__")),
    Row("zscore", "zset", ("ZSCORE", "bigz", "m:__rand_int__")),
    Row("zrange_far", "zset", ("ZRANGE", "bigz", "{far}", "{far+10}")),
    Row("zrevrange_far", "zset", ("ZREVRANGE", "bigz", "{far}", "{far+10}")),
    Row("zadd_update", "zset", ("ZADD", "bigz", "__rand_int__", "m:__rand_int__")),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited with status {proc.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64):
                    return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"server on port {port} did not start")


def encode(args: list[str]) -> bytes:
    out = [f"*{len(args)}\r\n".encode()]
    for a in args:
        b = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def load(port: int, commands: Iterator[list[str]], window: int = 16) -> int:
    """Sends `commands` pipelined, `window` in flight; fails on an error reply."""
    sent = 0
    with socket.create_connection((HOST, port)) as s:
        f = s.makefile("rb")
        pending = 0
        for cmd in commands:
            s.sendall(encode(cmd))
            sent += 1
            pending += 1
            if pending == window:
                pending -= drain(f, pending)
        drain(f, pending)
    return sent


def drain(f, n: int) -> int:
    for _ in range(n):
        line = f.readline()
        if line.startswith(b"-"):
            sys.exit(f"error while loading: {line.decode().strip()}")
    return n


def bench(port: int, row: Row, args: argparse.Namespace) -> tuple[float, float]:
    far = args.members * 9 // 10
    cmd = [c.replace("{far+10}", str(far + 10)).replace("{far}", str(far)) for c in row.command]
    argv = ["redis-benchmark", "-h", HOST, "-p", str(port), "-n", str(args.requests), "-c", str(args.clients),
            "-r", str(args.members), "-P", str(args.pipeline), "--csv", *cmd]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=args.timeout)
    rows = list(csv.reader(io.StringIO(out.stdout)))
    if out.returncode != 0 or len(rows) < 2:
        sys.exit(f"{' '.join(argv)} failed: {out.stdout}{out.stderr}")
    last = rows[-1]
    return float(last[1]), float(last[4])  # rps, p50 ms


def call(port: int, *args: str) -> bytes:
    """One command, its first reply line."""
    with socket.create_connection((HOST, port)) as s:
        s.sendall(encode(list(args)))
        return s.makefile("rb").readline()


def dir_bytes(path: str) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def delete_all(name: str, port: int, data_dir: str, keys: list[str]) -> dict:
    """Times DEL of each big key, and (DiskDB) the data dir's size before the deletes and
    after DEBUG COMPACT, which lets the compaction filter drop the dead member rows."""
    diskdb = name == "diskdb"
    if diskdb:
        call(port, "DEBUG", "COMPACT")
    out = {"before": dir_bytes(data_dir)}
    for key in keys:
        t = time.perf_counter()
        reply = call(port, "DEL", key)
        out[key] = (time.perf_counter() - t) * 1000
        print(f"   DEL {key}: {out[key]:.2f} ms ({reply.decode().strip()})", file=sys.stderr)
    if diskdb:
        t = time.perf_counter()
        call(port, "DEBUG", "COMPACT")
        out["compact_s"] = time.perf_counter() - t
    out["after"] = dir_bytes(data_dir)
    return out


def run_server(name: str, argv: list[str], port: int, args: argparse.Namespace, rows: list[Row]) -> dict:
    data_dir = argv[argv.index("--dir") + 1]
    print(f"== {name}: {' '.join(argv)}", file=sys.stderr)
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    results: dict = {}
    try:
        wait_ready(port, proc)
        for ds in dict.fromkeys(r.dataset for r in rows):
            key, builder = DATASETS[ds]
            t = time.time()
            load(port, builder(key, args.members))
            secs = time.time() - t
            results[f"load {ds}"] = secs
            print(f"   loaded {ds}: {args.members:,} members in {secs:.1f} s", file=sys.stderr)
        for r in rows:
            results[r.name] = bench(port, r, args)
            print(f"   {r.name}: {results[r.name][0]:,.0f} ops/s", file=sys.stderr)
        if args.delete:
            results["delete"] = delete_all(name, port, data_dir, [DATASETS[ds][0] for ds in dict.fromkeys(r.dataset for r in rows)])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--diskdb-bin", required=True)
    p.add_argument("--redis-bin", help="also run every row against this redis-server")
    p.add_argument("--members", type=int, default=1_000_000)
    p.add_argument("-n", "--requests", type=int, default=20_000)
    p.add_argument("-c", "--clients", type=int, default=50)
    p.add_argument("-P", "--pipeline", type=int, default=1)
    p.add_argument("--rows", help="comma-separated row names (default: all)")
    p.add_argument("--tmp-dir", help="where data directories go (a real disk, not tmpfs)")
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--no-delete", dest="delete", action="store_false",
                   help="skip the DEL timings and the disk space check at the end")
    args = p.parse_args()
    if not shutil.which("redis-benchmark"):
        sys.exit("redis-benchmark not found (apt-get install redis-tools)")
    rows = ROWS if not args.rows else [r for r in ROWS if r.name in args.rows.split(",")]

    columns: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(dir=args.tmp_dir) as tmp:
        port = free_port()
        columns["diskdb"] = run_server("diskdb", [args.diskdb_bin, "--port", str(port), "--bind", HOST,
                                                  "--dir", os.path.join(tmp, "diskdb")], port, args, rows)
        if args.redis_bin:
            port = free_port()
            os.makedirs(os.path.join(tmp, "redis"))
            columns["redis"] = run_server("redis", [args.redis_bin, "--port", str(port), "--bind", HOST, "--save", "",
                                                    "--appendonly", "no", "--dir", os.path.join(tmp, "redis")],
                                          port, args, rows)

    names = list(columns)
    print(f"\n{args.members:,} members, -n {args.requests} -c {args.clients} -P {args.pipeline}\n")
    print("| row | " + " | ".join(f"{n} ops/s | {n} p50 ms" for n in names) + " |")
    print("|---|" + "---:|---:|" * len(names))
    for ds in dict.fromkeys(r.dataset for r in rows):
        print(f"| load {ds} (s) | " + " | ".join(f"{columns[n][f'load {ds}']:.1f} |" for n in names) + " |")
    for r in rows:
        print(f"| {r.name} | " + " | ".join(f"{columns[n][r.name][0]:,.0f} | {columns[n][r.name][1]:.3f}" for n in names) + " |")
    if args.delete:
        print("\n| deletion | " + " | ".join(names) + " |")
        print("|---|" + "---:|" * len(names))
        keys = [k for k in columns[names[0]]["delete"] if k not in ("before", "after", "compact_s")]
        for k in keys:
            print(f"| DEL {k} (ms) | " + " | ".join(f"{columns[n]['delete'][k]:.2f}" for n in names) + " |")
        mib = lambda b: f"{b / 2**20:,.1f}"
        print("| data dir before DEL (MiB) | " + " | ".join(mib(columns[n]["delete"]["before"]) for n in names) + " |")
        print("| data dir after DEL (+ DEBUG COMPACT on DiskDB) (MiB) | "
              + " | ".join(mib(columns[n]["delete"]["after"]) for n in names) + " |")


if __name__ == "__main__":
    main()
