#!/usr/bin/env python3
"""End-to-end throughput comparison of DiskDB against redis-server.

Starts every server, runs each row of the same `redis-benchmark` matrix against each server
in turn (one benchmark at a time), stops them, and writes one table: ops/s, p50 and p99 per
server, and each DiskDB variant's throughput as a ratio of redis-server's. Rows alternate
between the servers so that a busier or quieter stretch of the machine falls on all columns
alike (running each server over the whole matrix before the next shifted whole columns by up
to 1.5x on the 2-core development machine); `--one-at-a-time` restores that order, with only
one server running at a time, for when idle servers' background work (DiskDB compactions)
must not share the machine.

Pure Python 3 standard library; needs `redis-server` and `redis-benchmark` on PATH (Debian's
`redis-server` and `redis-tools` packages). See benches/README.md for how to read the output.

    python3 benches/compare.py                       # default matrix, one DiskDB column
    python3 benches/compare.py -n 2000 --chart       # quick smoke run, plus an SVG chart
    python3 benches/compare.py --variant default=target/release/diskdb \\
        --variant optimized=target/release/diskdb:--optimized
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
HOST = "127.0.0.1"
BASELINE = "redis"  # column name of the redis-server baseline

# --------------------------------------------------------------------------------------------
# The test matrix. One entry per row; adding a row is one line here.
#   builtin: a redis-benchmark `-t` name (the CSV row we keep is the last one it prints, which
#            skips the LPUSH prefill that lrange_* tests print first).
#   command: a raw command passed after the options; `__rand_int__` is replaced by a random
#            number in 0..keyspace-1 on every call (redis-benchmark's own placeholder).
#   needs:   tests that must run earlier in the same list for this one to do real work
#            (LPOP on an empty list measures nothing); only used to print a warning.
#   loader:  a workload redis-benchmark cannot send, run by a loader in this file instead
#            (`multi`: MULTI / INCR k / INCR k / EXEC transactions, see run_multi_loader).
#   only:    the server kind a row runs on ("diskdb" for JSON: Debian's redis-server has no
#            JSON module); other servers show it as skipped and it stays out of the geomean.
#   subscribers: connections subscribed to `bench:fanout` (each drained by a thread) while the
#            row runs, so PUBLISH measures fan-out, not a publish to nobody.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Test:
    name: str
    builtin: str | None = None
    command: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    loader: str | None = None
    only: str | None = None
    subscribers: int = 0

    def bench_args(self) -> list[str]:
        return ["-t", self.builtin] if self.builtin else list(self.command)


TESTS: dict[str, Test] = {
    t.name: t
    for t in [
        Test("ping_inline", builtin="ping_inline"),
        Test("ping_mbulk", builtin="ping_mbulk"),
        Test("set", builtin="set"),
        Test("get", builtin="get", needs=("set",)),
        Test("incr", builtin="incr"),
        Test("mset", builtin="mset"),
        Test("lpush", builtin="lpush"),
        Test("rpush", builtin="rpush"),
        Test("lpop", builtin="lpop", needs=("lpush", "rpush")),
        Test("rpop", builtin="rpop", needs=("lpush", "rpush")),
        Test("sadd", builtin="sadd"),
        Test("hset", builtin="hset"),
        Test("spop", builtin="spop", needs=("sadd",)),
        Test("zadd", builtin="zadd"),
        Test("zpopmin", builtin="zpopmin", needs=("zadd",)),
        Test("lrange_100", builtin="lrange_100"),
        Test("lrange_300", builtin="lrange_300"),
        Test("lrange_500", builtin="lrange_500"),
        Test("lrange_600", builtin="lrange_600"),
        Test("xadd", command=("XADD", "bench:stream", "*", "field", "__rand_int__")),
        Test("multi_exec", loader="multi"),
        # __rand_int__ is zero-padded, so it goes inside a JSON string.
        Test("json_set", command=("JSON.SET", "json:__rand_int__", "$",
                                  '{"id":"__rand_int__","name":"Ada","age":36,"tags":["a","b"]}'),
             only="diskdb"),
        Test("json_get", command=("JSON.GET", "json:__rand_int__", "$.name"), needs=("json_set",),
             only="diskdb"),
        # Reads the 10 oldest entries of the stream `xadd` filled.
        Test("xrange_10", command=("XRANGE", "bench:stream", "-", "+", "COUNT", "10"), needs=("xadd",)),
        Test("publish", command=("PUBLISH", "bench:fanout", "hello"), subscribers=10),
        # A script's own cost: one INCR through Lua, on random keys.
        Test("eval_incr", command=("EVAL", "return redis.call('incr', KEYS[1])", "1", "script:__rand_int__")),
    ]
}

# `--tests all`: every row, ordered so that each pop runs after its push.
ALL_ORDER = ("set,get,incr,mset,lpush,rpush,lpop,rpop,sadd,spop,hset,zadd,zpopmin,"
             "lrange_100,xadd,xrange_10,publish,multi_exec,json_set,json_get,eval_incr,ping_mbulk")
# The default: every row of the issues' tables (all but the script and PING baselines).
DEFAULT_TESTS = ALL_ORDER.removesuffix(",eval_incr,ping_mbulk")


def default_requests(pipeline: int) -> int:
    """Requests per run when -n is not given: unpipelined runs are ~10x slower per request."""
    return 50_000 if pipeline == 1 else 100_000


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    kind: str  # "redis" or "diskdb"
    bin: str
    extra_args: list[str]
    version: str = ""
    port: int = 0
    root: Path | None = None  # temp dir: data/ and server.log
    dir: Path | None = None  # the server's --dir
    argv: list[str] = field(default_factory=list)
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    facts: dict = field(default_factory=dict)

    def command_line(self) -> list[str]:
        assert self.dir is not None
        if self.kind == "redis":
            # Persistence comparable to DiskDB's everysec default: AOF on, fsync once a second,
            # no RDB snapshots (they would fork mid-run and skew the numbers).
            base = [self.bin, "--port", str(self.port), "--bind", HOST, "--dir", str(self.dir),
                    "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                    "--daemonize", "no"]
        else:
            base = [self.bin, "--port", str(self.port), "--bind", HOST, "--dir", str(self.dir),
                    "--appendfsync", "everysec"]
        return base + self.extra_args

    def start(self, tmp_base: Path, live: list[Server]) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix=f"diskdb-bench-{self.name}-", dir=tmp_base))
        self.dir = self.root / "data"
        self.dir.mkdir()
        self.log_path = self.root / "server.log"
        self.argv = self.command_line()
        with open(self.log_path, "wb") as log:
            # Own session = own process group, so stop() can kill the server and anything it
            # spawned, and a ctrl-C in the terminal does not reach it before we stop it cleanly.
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        live.append(self)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_err = "no answer"
        while time.monotonic() < deadline:
            if not self.alive():
                raise BenchError(f"{self.name}: server exited with code {self.proc.returncode} "
                                 f"before answering PING\n{self.log_tail()}")
            try:
                reply = resp_call(self.port, "PING", timeout=1.0)
                if reply == "PONG":
                    return
                last_err = f"PING answered {reply!r}"
            except (OSError, RespError) as e:
                last_err = str(e)
            time.sleep(0.1)
        raise BenchError(f"{self.name}: no PONG within {timeout:.0f}s ({last_err})\n"
                         f"{self.log_tail()}")

    def collect_facts(self) -> None:
        """Figures that keep a throughput number honest: did the keys really get stored, and
        what did it cost in memory."""
        try:
            self.facts["dbsize"] = resp_call(self.port, "DBSIZE", timeout=5.0)
        except (OSError, RespError) as e:
            self.facts["dbsize"] = f"error: {e}"
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.facts["peak_rss_kib"] = int(line.split()[1])
        except OSError:
            pass

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM the server's process group (both servers flush and exit on it), SIGKILL
        whatever is left after `grace` seconds.

        The group id is the server's pid, which stays reserved for us only until the server is
        reaped; so the group SIGKILL goes out while the server is alive or still a zombie
        (waitid with WNOWAIT looks without reaping), and is skipped if it was reaped earlier."""
        if self.proc is None:
            return
        pid = self.proc.pid
        if self.proc.returncode is None:
            signal_group(pid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
                if time.monotonic() > deadline:
                    print(f"  {self.name}: still running {grace:.0f}s after SIGTERM, "
                          "sending SIGKILL", file=sys.stderr)
                    break
                time.sleep(0.05)
            signal_group(pid, signal.SIGKILL)  # the server if stuck, and stragglers it left
        self.proc.wait()
        self.facts.setdefault("exit_code", self.proc.returncode)
        if self.dir is not None and "data_bytes" not in self.facts:
            self.facts["data_bytes"] = dir_size(self.dir)

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except (OSError, AttributeError):
            return "(no server log)"
        return "\n".join("    | " + line for line in text[-lines:]) or "    | (empty log)"

    def cleanup(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)


def signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def dir_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# A minimal RESP2 client: enough for PING and DBSIZE without depending on redis-cli's output
# format or on any third-party package.
# --------------------------------------------------------------------------------------------


class RespError(Exception):
    pass


def resp_call(port: int, *args: str, timeout: float = 2.0):
    payload = f"*{len(args)}\r\n".encode()
    for a in args:
        b = a.encode()
        payload += b"$%d\r\n%s\r\n" % (len(b), b)
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(payload)
        return _resp_read(s.makefile("rb"))


def _resp_read(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise RespError("connection closed mid-reply")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode(errors="replace")
    if kind == b"-":
        raise RespError(rest.decode(errors="replace"))
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2].decode(errors="replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_resp_read(f) for _ in range(n)]
    raise RespError(f"unexpected reply line {line!r}")


# --------------------------------------------------------------------------------------------
# Running redis-benchmark
# --------------------------------------------------------------------------------------------

CSV_FIELDS = ("rps", "avg_latency_ms", "min_latency_ms", "p50_latency_ms", "p95_latency_ms",
              "p99_latency_ms", "max_latency_ms")


def bench_argv(bench_bin: str, port: int, test: Test, pipeline: int, requests: int,
               a: argparse.Namespace) -> list[str]:
    return [bench_bin, "-h", HOST, "-p", str(port), "-c", str(a.clients), "-n", str(requests),
            "-d", str(a.data_size), "-r", str(a.keyspace), "-P", str(pipeline), "--csv",
            *test.bench_args()]


def csv_row(line: str) -> dict:
    """One redis-benchmark CSV line. Its test name is the command as typed, quotes and commas
    unescaped (a JSON argument has both), so the numbers are taken from the right."""
    cells = line.strip().strip('"').rsplit('","', len(CSV_FIELDS))
    return dict(zip(("test", *CSV_FIELDS), cells))


def run_one(argv: list[str], timeout: float) -> dict:
    """One redis-benchmark run -> the last CSV row as floats, or an error string.

    Redis 7's redis-benchmark exits non-zero on the first error reply ("Error from server: ..."),
    so an unimplemented or broken command shows up as an error, not as a fast number."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return {"error": f"redis-benchmark timed out after {timeout:.0f}s", "seconds": timeout}
    seconds = round(time.monotonic() - t0, 3)
    rows = [csv_row(l) for l in p.stdout.splitlines()
            if l.startswith('"') and not l.startswith('"test"')]
    if p.returncode != 0 or not rows:
        msg = first_error_line(p.stdout + "\n" + p.stderr) or f"exit code {p.returncode}"
        return {"error": msg, "seconds": seconds}
    row = rows[-1]
    out = {"row": row.get("test", ""), "seconds": seconds}
    try:
        for k in CSV_FIELDS:
            out[k] = float(row[k])
    except (KeyError, ValueError) as e:
        return {"error": f"unexpected redis-benchmark CSV ({e}): {row}", "seconds": seconds}
    return out


def first_error_line(text: str) -> str:
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.startswith('"test"')]
    hit = next((l for l in lines if "error" in l.lower()), lines[-1] if lines else "")
    return hit if len(hit) <= 160 else hit[:157] + "..."  # error replies can echo the payload


MULTI_CLIENTS = 4  # the loader's sockets: few, so that Python is not the bottleneck


def run_multi_loader(port: int, pipeline: int, transactions: int, keyspace: int,
                     timeout: float) -> dict:
    """Transactions redis-benchmark cannot send: MULTI_CLIENTS sockets, each sending
    `pipeline` transactions of `MULTI / INCR k / INCR k / EXEC` (k random in the keyspace) per
    round trip until `transactions` have been answered in all. Reports transactions/s (each
    is four commands) and the round-trip latencies, in redis-benchmark's CSV fields.

    Every reply is checked: five `+` lines and an EXEC array of two consecutive integers (the
    second INCR saw the first, nothing ran in between)."""
    import random

    def encode(*args: str) -> bytes:
        out = b"*%d\r\n" % len(args)
        for x in args:
            out += b"$%d\r\n%s\r\n" % (len(x), x.encode())
        return out

    per_client = max(1, transactions // MULTI_CLIENTS)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[float] = []
        try:
            with socket.create_connection((HOST, port), timeout=timeout) as s:
                f = s.makefile("rb")
                done = 0
                while done < per_client:
                    n = min(pipeline, per_client - done)
                    batch = b""
                    for _ in range(n):
                        k = f"bench:multi:{rng.randrange(keyspace)}"
                        batch += encode("MULTI") + encode("INCR", k) + encode("INCR", k) + encode("EXEC")
                    t0 = time.perf_counter()
                    s.sendall(batch)
                    for _ in range(n):
                        lines = [f.readline() for _ in range(6)]
                        if lines[:3] != [b"+OK\r\n", b"+QUEUED\r\n", b"+QUEUED\r\n"] or lines[3] != b"*2\r\n" \
                                or int(lines[5][1:]) != int(lines[4][1:]) + 1:
                            raise RespError(f"unexpected transaction reply {b''.join(lines)[:120]!r}")
                    mine.append(time.perf_counter() - t0)
                    done += n
        except (OSError, RespError, ValueError) as e:
            with lock:
                errors.append(str(e))
        with lock:
            latencies.extend(mine)

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(MULTI_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - t0
    if errors:
        return {"error": errors[0][:160], "seconds": round(seconds, 3)}
    ms = sorted(x * 1000 for x in latencies)
    pct = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]
    return {"row": "MULTI/EXEC", "seconds": round(seconds, 3),
            "rps": per_client * MULTI_CLIENTS / seconds, "avg_latency_ms": statistics.mean(ms),
            "min_latency_ms": ms[0], "p50_latency_ms": pct(0.5), "p95_latency_ms": pct(0.95),
            "p99_latency_ms": pct(0.99), "max_latency_ms": ms[-1]}
class Subscribers:
    """`n` connections subscribed to `channel` for the length of a `with` block, each read by a
    thread that counts and discards what arrives (a subscriber that keeps up)."""

    def __init__(self, port: int, channel: str, n: int):
        self.port, self.channel, self.n = port, channel, n
        self.socks: list[socket.socket] = []
        self.threads: list[threading.Thread] = []
        self.received = 0

    def _drain(self, s: socket.socket) -> None:
        while True:
            try:
                data = s.recv(1 << 16)
            except OSError:
                return
            if not data:
                return
            self.received += len(data)

    def __enter__(self) -> "Subscribers":
        ch = self.channel.encode()
        for _ in range(self.n):
            s = socket.create_connection((HOST, self.port), timeout=10)
            s.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n" % (len(ch), ch))
            s.recv(1 << 10)  # the confirmation
            s.settimeout(None)
            t = threading.Thread(target=self._drain, args=(s,), daemon=True)
            t.start()
            self.socks.append(s)
            self.threads.append(t)
        deadline = time.monotonic() + 10
        while resp_call(self.port, "PUBSUB", "NUMSUB", self.channel)[1] != self.n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.n} subscribers did not register")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        left = resp_call(self.port, "PUBSUB", "NUMSUB", self.channel)[1]
        if left != self.n:
            print(f"  warning: {self.n - left} of {self.n} subscribers were disconnected "
                  "(output buffer limit?): the row measured a smaller fan-out", file=sys.stderr)
        for s in self.socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        for t in self.threads:
            t.join(timeout=5)


def run_row(server: Server, test: Test, pipeline: int, a: argparse.Namespace,
            results: list[dict], dead: dict[str, str]) -> None:
    """One row (test, pipeline) against one server; `dead` names the servers that died."""
    requests = a.requests or default_requests(pipeline)
    rec = {"server": server.name, "test": test.name, "pipeline": pipeline, "requests": requests}
    argv = bench_argv(a.redis_benchmark, server.port, test, pipeline, requests, a)
    rec["argv"] = argv
    gone = dead.get(server.name)
    if gone or (test.only and server.kind != test.only):
        rec["error"] = f"skipped: {gone or 'runs on ' + str(test.only) + ' only'}"
        results.append(rec)
        return
    if test.loader:
        rec["argv"] = [f"compare.py:run_multi_loader clients={MULTI_CLIENTS}"]
    runs = []
    subs = (Subscribers(server.port, "bench:fanout", test.subscribers)
            if test.subscribers else contextlib.nullcontext())
    with subs:
        for _ in range(a.repeat):
            r = (run_multi_loader(server.port, pipeline, requests // 4, a.keyspace, a.timeout)
                 if test.loader else run_one(argv, a.timeout))
            runs.append(r)
            if "error" in r:
                break
    if "error" in runs[-1]:
        rec.update(runs[-1])
    else:
        # Keep the run with the median throughput, latencies included, so the row is
        # one real run rather than a mix of several.
        runs.sort(key=lambda r: r["rps"])
        rec.update(runs[len(runs) // 2])
        if a.repeat > 1:
            rec["all_rps"] = [r["rps"] for r in runs]
    results.append(rec)
    shown = (f"{rec['rps']:>12,.0f} ops/s  p50 {rec['p50_latency_ms']:.3f} ms  "
             f"p99 {rec['p99_latency_ms']:.3f} ms" if "rps" in rec
             else f"ERROR {rec['error']}")
    print(f"  [{server.name}] {test.name:<11} P={pipeline:<3} n={requests:<7} {shown}"
          f"  ({rec.get('seconds', 0):.1f}s)", file=sys.stderr)
    if not server.alive():
        dead[server.name] = f"{server.name} exited with code {server.proc.returncode}"
        print(f"  [{server.name}] server died:\n{server.log_tail()}", file=sys.stderr)


def run_matrix(servers: list[Server], tests: list[Test], a: argparse.Namespace,
               results: list[dict]) -> None:
    """Every row against every server: row by row, each row on each server in turn."""
    dead: dict[str, str] = {}
    for pipeline in a.pipelines:
        for test in tests:
            for server in servers:
                run_row(server, test, pipeline, a, results, dead)


# --------------------------------------------------------------------------------------------
# Facts about the machine and the binaries
# --------------------------------------------------------------------------------------------


def capture(argv: list[str], timeout: float = 10.0) -> tuple[int | None, str]:
    """Run a short command, return (exit code, combined output); never raises."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, start_new_session=True)
        return p.returncode, (p.stdout + p.stderr).strip()
    except subprocess.TimeoutExpired:
        return None, f"(timed out after {timeout:.0f}s)"
    except OSError as e:
        return None, f"({e})"


def read_first(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip() if ":" in line else line
    except OSError:
        pass
    return "?"


def fs_type(path: Path) -> str:
    """Filesystem under `path` (a disk-backed database on tmpfs would be measuring RAM)."""
    best, kind = "", "?"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and str(path).startswith(parts[1]) and len(parts[1]) > len(best):
                best, kind = parts[1], f"{parts[2]} on {parts[1]} ({parts[0]})"
    except OSError:
        pass
    return kind


def machine_facts(tmp_base: Path) -> dict:
    os_name = "?"
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    mem = read_first("/proc/meminfo", "MemTotal")
    if mem.endswith(" kB"):
        mem = human_bytes(int(mem.split()[0]) * 1024)
    rc, commit = capture(["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"])
    if rc == 0:
        _, dirty = capture(["git", "-C", str(REPO_DIR), "status", "--porcelain"])
        commit += " (dirty)" if dirty else ""
    else:
        commit = "(no commit)"
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu": read_first("/proc/cpuinfo", "model name"),
        "memory": mem,
        "kernel": platform.release(),
        "os": os_name,
        "python": platform.python_version(),
        "loadavg_start": list(os.getloadavg()),
        "data_fs": fs_type(tmp_base.resolve()),
        "git_commit": commit,
        "redis_benchmark": capture(["redis-benchmark", "--version"])[1],
    }


# --------------------------------------------------------------------------------------------
# Rendering: the table (terminal + markdown), the JSON document, the SVG chart
# --------------------------------------------------------------------------------------------


def result_index(doc: dict) -> dict:
    return {(r["server"], r["test"], r["pipeline"]): r for r in doc["results"]}


def ratio(num: dict | None, den: dict | None) -> float | None:
    if not num or not den or "rps" not in num or "rps" not in den or den["rps"] <= 0:
        return None
    return num["rps"] / den["rps"]


def compute_ratios(doc: dict) -> None:
    idx = result_index(doc)
    names = [s["name"] for s in doc["servers"]]
    variants = [n for n in names if n != BASELINE]
    doc["ratios"] = []
    geo = {}
    for v in variants:
        geo[v] = {}
        for p in doc["settings"]["pipelines"]:
            rs = []
            for t in doc["settings"]["tests"]:
                if t in TESTS and TESTS[t].only:
                    continue
                x = ratio(idx.get((v, t, p)), idx.get((BASELINE, t, p)))
                doc["ratios"].append({"variant": v, "test": t, "pipeline": p, "ratio": x})
                if x:
                    rs.append(x)
            geo[v][str(p)] = math.exp(statistics.fmean(map(math.log, rs))) if rs else None
            compared = [t for t in doc["settings"]["tests"] if not (t in TESTS and TESTS[t].only)]
            geo[v][f"{p}_rows"] = [len(rs), len(compared)]
    doc["geomean"] = geo


def fmt_rps(r: dict | None) -> str:
    if r is None:
        return "-"
    return f"{r['rps']:,.0f}" if "rps" in r else ("skipped" if r["error"].startswith("skipped")
                                                  else "error")


def fmt_ms(r: dict | None, key: str) -> str:
    return f"{r[key]:.3f}" if r and key in r else "-"


def fmt_ratio(x: float | None) -> str:
    return f"{x:.2f}x" if x is not None else "-"


def table(doc: dict) -> tuple[list[str], list[list[str]]]:
    idx = result_index(doc)
    names = [s["name"] for s in doc["servers"]]
    variants = [n for n in names if n != BASELINE]
    has_base = BASELINE in names
    header = ["test", "P"] + [f"{n} ops/s" for n in names]
    if has_base:
        header += [f"{v}/{BASELINE}" for v in variants]
    header += [f"{n} p50 ms" for n in names] + [f"{n} p99 ms" for n in names]
    rows = []
    for t in doc["settings"]["tests"]:
        for p in doc["settings"]["pipelines"]:
            cells = [idx.get((n, t, p)) for n in names]
            row = [t, str(p)] + [fmt_rps(c) for c in cells]
            if has_base:
                row += [fmt_ratio(ratio(idx.get((v, t, p)), idx.get((BASELINE, t, p))))
                        for v in variants]
            row += [fmt_ms(c, "p50_latency_ms") for c in cells]
            row += [fmt_ms(c, "p99_latency_ms") for c in cells]
            rows.append(row)
    if has_base and variants:
        for p in doc["settings"]["pipelines"]:
            row = ["geomean", str(p)] + [""] * len(names)
            for v in variants:
                g = doc["geomean"][v]
                have, total = g.get(f"{p}_rows", (0, 0))
                # A geomean over only the rows that ran would flatter a server that failed some.
                row.append(fmt_ratio(g.get(str(p))) + (f" ({have} of {total})"
                                                       if have != total else ""))
            row += [""] * (2 * len(names))
            rows.append(row)
    return header, rows


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    # First column (test name) left-aligned, the rest are numbers: right-aligned.
    def line(cells):
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    sep = "|" + "|".join(("-" * (w + 2)) if i == 0 else ("-" * (w + 1) + ":")
                         for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), sep] + [line(r) for r in rows])


def errors_list(doc: dict) -> list[str]:
    return [f"- {r['server']} {r['test']} P={r['pipeline']}: {r['error']}"
            for r in doc["results"] if "error" in r]


def human_bytes(n) -> str:
    if not isinstance(n, (int, float)):
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return "?"


def render_markdown(doc: dict, chart_name: str | None) -> str:
    s, m = doc["settings"], doc["machine"]
    header, rows = table(doc)
    out = [f"# DiskDB vs redis-server: {doc['timestamp']}", ""]
    out.append(f"redis-benchmark `-c {s['clients']} -d {s['data_size']} -r {s['keyspace']}`, "
               f"pipelines {', '.join('-P ' + str(p) for p in s['pipelines'])}, requests per run: "
               + ", ".join(f"{r:,} at -P {p}" for p, r in s["requests"].items())
               + (f", median of {s['repeat']} runs" if s["repeat"] > 1 else "")
               + (". One server at a time." if s.get("one_at_a_time")
                  else ". Rows alternate between the servers, one benchmark at a time.")
               + " Ratio > 1 means the DiskDB variant is faster.")
    out += ["", markdown_table(header, rows), ""]
    if chart_name:
        out += [f"![ops/s relative to redis-server]({chart_name})", ""]
    errs = errors_list(doc)
    if errs:
        out += ["## Errors", ""] + errs + [""]
    out += ["## Machine", ""]
    out += [f"- nproc: {m['nproc']} (usable: {m['usable_cpus']}), CPU: {m['cpu']}, "
            f"memory: {m['memory']}",
            f"- kernel: {m['kernel']}, OS: {m['os']}, Python {m['python']}",
            f"- load average at start: {', '.join(f'{x:.2f}' for x in m['loadavg_start'])}; "
            f"at end: {', '.join(f'{x:.2f}' for x in m.get('loadavg_end', []))}",
            f"- data directories on: {m['data_fs']}",
            f"- repository commit: {m['git_commit']}",
            f"- {m['redis_benchmark']}", ""]
    out += ["## Servers", ""]
    for sv in doc["servers"]:
        f = sv.get("facts", {})
        out += [f"- **{sv['name']}** ({sv['kind']}): `{sv['version']}`",
                f"  - command: `{shlex.join(sv['argv'])}`" if sv.get("argv") else "  - not started",
                f"  - after the run: DBSIZE {f.get('dbsize', '?')}, peak RSS "
                f"{human_bytes(f['peak_rss_kib'] * 1024) if 'peak_rss_kib' in f else '?'}, "
                f"data dir {human_bytes(f.get('data_bytes'))}, exit code {f.get('exit_code', '?')}"]
    out += ["", "## Command lines", "",
            f"This run: `{shlex.join(doc['argv'])}`", "",
            "<details><summary>every redis-benchmark invocation</summary>", "", "```"]
    out += [shlex.join(r["argv"]) for r in doc["results"] if r.get("argv")]
    out += ["```", "", "</details>", ""]
    return "\n".join(out)


PALETTE = ["#1f6fb4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b"]
REDIS_COLOR = "#d82c20"
# White outline behind label text, so labels stay readable where they cross grid lines.
HALO = 'stroke="#fff" stroke-width="3" paint-order="stroke"'


def render_svg(doc: dict) -> str:
    """Horizontal grouped bars, one group per (test, pipeline) row, one bar per server.

    Bar length is throughput relative to redis-server on that row (1.0 = redis), so rows with
    very different absolute speeds (-P 1 vs -P 16) share one axis; the label gives the ops/s."""
    idx = result_index(doc)
    names = [s["name"] for s in doc["servers"]]
    colors = {n: (REDIS_COLOR if n == BASELINE else PALETTE[i % len(PALETTE)])
              for i, n in enumerate(x for x in names if x != BASELINE)}
    colors[BASELINE] = REDIS_COLOR
    groups = [(t, p) for t in doc["settings"]["tests"] for p in doc["settings"]["pipelines"]]

    max_ratio = 1.0
    for t, p in groups:
        for n in names:
            x = ratio(idx.get((n, t, p)), idx.get((BASELINE, t, p)))
            if x:
                max_ratio = max(max_ratio, x)
    step = 0.25 if max_ratio <= 2 else (0.5 if max_ratio <= 4 else math.ceil(max_ratio / 8))
    axis_max = math.ceil(max_ratio / step) * step

    left, plot_w, right, top = 130, 520, 210, 70
    bar_h, bar_gap, group_gap = 14, 3, 14
    group_h = len(names) * (bar_h + bar_gap) - bar_gap
    height = top + len(groups) * (group_h + group_gap) + 40
    width = left + plot_w + right
    sx = plot_w / axis_max

    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
         f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" '
         f'font-size="12">',
         f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
         f'<text x="{left}" y="22" font-size="15" font-weight="bold">'
         f'{xml_escape("DiskDB vs redis-server: ops/s relative to redis-server")}</text>',
         f'<text x="{left}" y="40" fill="#555">{xml_escape(doc["timestamp"])}, '
         f'redis-benchmark -c {doc["settings"]["clients"]} -d {doc["settings"]["data_size"]}'
         f'; bar label: ops/s (ratio)</text>']
    lx = left
    for n in names:  # legend
        o.append(f'<rect x="{lx}" y="50" width="12" height="12" fill="{colors[n]}"/>')
        o.append(f'<text x="{lx + 16}" y="60">{xml_escape(n)}</text>')
        lx += 30 + 7 * len(n)
    plot_bottom = height - 35
    k = 0.0
    while k <= axis_max + 1e-9:  # grid and axis labels
        x = left + k * sx
        style = ('stroke="#333" stroke-width="1.5"' if abs(k - 1.0) < 1e-9  # redis = 1.0
                 else 'stroke="#ddd" stroke-dasharray="3,3"')
        o.append(f'<line x1="{x:.1f}" y1="{top - 5}" x2="{x:.1f}" y2="{plot_bottom}" {style}/>')
        o.append(f'<text x="{x:.1f}" y="{plot_bottom + 15}" text-anchor="middle" fill="#555">'
                 f'{k:g}x</text>')
        k += step
    y = top
    for t, p in groups:
        o.append(f'<text x="{left - 8}" y="{y + group_h / 2 + 4:.1f}" text-anchor="end">'
                 f'{xml_escape(t)} P={p}</text>')
        base = idx.get((BASELINE, t, p))
        for n in names:
            r = idx.get((n, t, p))
            x = ratio(r, base)
            if x is not None:
                w = max(x * sx, 1)
                label = f"{r['rps']:,.0f} ({x:.2f}x)"
                o.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                         f'fill="{colors[n]}"><title>{xml_escape(f"{n} {t} P={p}: {label} ops/s")}'
                         f'</title></rect>')
                o.append(f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 3}" fill="#333" {HALO}>'
                         f'{xml_escape(label)}</text>')
            else:
                why = (r.get("error", "no result") if r else "no result")
                if r and "rps" in r:
                    why = f"{r['rps']:,.0f} ops/s (no redis baseline)"
                o.append(f'<text x="{left + 4}" y="{y + bar_h - 3}" fill="#b00" {HALO}>'
                         f'{xml_escape(n)}: {xml_escape(why[:90])}</text>')
            y += bar_h + bar_gap
        y += group_gap - bar_gap
    o.append("</svg>")
    return "\n".join(o) + "\n"


def write_outputs(doc: dict, results_dir: Path, chart: bool) -> list[Path]:
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = doc["timestamp_compact"]
    written = []
    if chart:
        svg = render_svg(doc)
        for name in (f"compare-{stamp}.svg", "latest.svg"):
            (results_dir / name).write_text(svg)
            written.append(results_dir / name)
    for md_name, svg_name in ((f"compare-{stamp}.md", f"compare-{stamp}.svg"),
                              ("latest.md", "latest.svg")):
        (results_dir / md_name).write_text(render_markdown(doc, svg_name if chart else None))
        written.append(results_dir / md_name)
    (results_dir / "latest.json").write_text(json.dumps(doc, indent=2) + "\n")
    written.append(results_dir / "latest.json")
    return written


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def default_diskdb_bin() -> str:
    """--diskdb-bin, else $DISKDB_BIN, else $CARGO_TARGET_DIR/release/diskdb, else
    ~/.cache/diskdb-target/release/diskdb, else ./target/release/diskdb: the first that exists
    (or the first candidate, so the error message names it)."""
    cands = []
    if os.environ.get("DISKDB_BIN"):
        cands.append(os.environ["DISKDB_BIN"])
    if os.environ.get("CARGO_TARGET_DIR"):
        cands.append(os.path.join(os.environ["CARGO_TARGET_DIR"], "release", "diskdb"))
    cands.append(os.path.expanduser("~/.cache/diskdb-target/release/diskdb"))
    cands.append(str(REPO_DIR / "target" / "release" / "diskdb"))
    for c in cands:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return cands[0]


def parse_variant(spec: str, default_bin: str) -> tuple[str, str, list[str]]:
    """NAME=BIN[:extra args]; an empty BIN means the default DiskDB binary."""
    if "=" not in spec:
        raise argparse.ArgumentTypeError(f"--variant wants NAME=BIN[:extra args], got {spec!r}")
    name, rest = spec.split("=", 1)
    bin_, _, extra = rest.partition(":")
    if not name or name == BASELINE:
        raise argparse.ArgumentTypeError(f"bad variant name {name!r} ({BASELINE!r} is reserved)")
    return name, bin_ or default_bin, shlex.split(extra)


def csv_ints(text: str) -> list[int]:
    try:
        vals = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")
    if not vals or min(vals) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return vals


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description="Compare DiskDB with redis-server using redis-benchmark.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="tests: " + ", ".join(TESTS) + "; 'all' = " + ALL_ORDER)
    ap.add_argument("--diskdb-bin", help="DiskDB binary (default: $DISKDB_BIN, "
                    "$CARGO_TARGET_DIR/release/diskdb, ~/.cache/diskdb-target/release/diskdb)")
    ap.add_argument("--diskdb-args", default="",
                    help="extra arguments for every DiskDB variant (one shell-quoted string)")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=BIN[:ARGS]",
                    help="a DiskDB column; repeatable; replaces the default 'diskdb' column. "
                    "Empty BIN = the default binary, e.g. --variant opt=:--optimized")
    ap.add_argument("--redis-bin", default="redis-server")
    ap.add_argument("--redis-args", default="", help="extra arguments for redis-server")
    ap.add_argument("--redis-benchmark", default="redis-benchmark")
    ap.add_argument("--tests", default=DEFAULT_TESTS,
                    help=f"comma-separated rows, run in this order (default {DEFAULT_TESTS})")
    ap.add_argument("--pipelines", type=csv_ints, default=[1, 16], help="default 1,16")
    ap.add_argument("-n", "--requests", type=int, default=0,
                    help="requests per run (default 50000 at -P 1, 100000 otherwise)")
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-d", "--data-size", type=int, default=100)
    ap.add_argument("-r", "--keyspace", type=int, default=100_000)
    ap.add_argument("--one-at-a-time", action="store_true",
                    help="run each server over the whole matrix before starting the next "
                         "(only one server up at a time) instead of alternating rows")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per cell; the median-throughput run is kept")
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds before one redis-benchmark run is abandoned")
    ap.add_argument("--start-timeout", type=float, default=30,
                    help="seconds to wait for a server's first PONG")
    ap.add_argument("--chart", action="store_true", help="also write results/latest.svg")
    ap.add_argument("--results-dir", type=Path, default=BENCH_DIR / "results")
    ap.add_argument("--tmp-dir", type=Path, default=Path(tempfile.gettempdir()),
                    help="where the servers' data directories go (should be a real disk)")
    ap.add_argument("--from-json", type=Path,
                    help="do not run anything: re-render table/markdown/SVG from a saved JSON")
    a = ap.parse_args(argv)

    if a.from_json:
        return a
    names = []
    for t in (ALL_ORDER if a.tests.strip() == "all" else a.tests).split(","):
        t = t.strip().lower()
        if not t:
            continue
        if t not in TESTS:
            ap.error(f"unknown test {t!r}; known: {', '.join(TESTS)}")
        names.append(t)
    if not names:
        ap.error("no tests selected")
    a.test_list = [TESTS[n] for n in names]
    if a.requests < 0 or a.clients < 1 or a.repeat < 1:
        ap.error("-n, -c and --repeat must be positive")

    default_bin = os.path.abspath(os.path.expanduser(a.diskdb_bin or default_diskdb_bin()))
    try:
        specs = [parse_variant(v, default_bin) for v in a.variant] or [("diskdb", default_bin, [])]
    except argparse.ArgumentTypeError as e:
        ap.error(str(e))
    if len({s[0] for s in specs}) != len(specs):
        ap.error("variant names must be unique")
    common = shlex.split(a.diskdb_args)
    a.variant_specs = [(n, os.path.abspath(os.path.expanduser(b)), common + x)
                       for n, b, x in specs]
    return a


def resolve_bin(b: str) -> str | None:
    if os.sep in b:
        return b if os.path.isfile(b) and os.access(b, os.X_OK) else None
    return shutil.which(b)


def build_servers(a: argparse.Namespace) -> list[Server]:
    problems = []
    redis_bin = resolve_bin(a.redis_bin)
    if not redis_bin:
        problems.append(f"redis-server not found ({a.redis_bin}); apt-get install redis-server")
    if not resolve_bin(a.redis_benchmark):
        problems.append(f"redis-benchmark not found ({a.redis_benchmark}); "
                        "apt-get install redis-tools")
    else:
        a.redis_benchmark = resolve_bin(a.redis_benchmark)
    servers = []
    if redis_bin:
        _, ver = capture([redis_bin, "--version"])
        servers.append(Server(BASELINE, "redis", redis_bin, shlex.split(a.redis_args), ver))
    for name, b, extra in a.variant_specs:
        if not resolve_bin(b):
            problems.append(f"DiskDB binary for {name!r} not found: {b}\n"
                            "  build it with `cargo build --release` or pass --diskdb-bin / "
                            "--variant / DISKDB_BIN")
            continue
        rc, ver = capture([b, "--version"], timeout=5)
        # A redis-server given as a variant is started the redis way: handy for testing this
        # script before DiskDB exists, or for comparing two Redis builds.
        kind = "redis" if ver.startswith("Redis server") else "diskdb"
        if rc != 0:
            ver = f"(--version exited {rc}) {ver}"
        servers.append(Server(name, kind, b, extra, ver.splitlines()[0] if ver else "?"))
    if problems:
        raise BenchError("\n".join(problems))
    return servers


def check_order(tests: list[Test]) -> None:
    seen = set()
    for t in tests:
        if t.needs and not seen.intersection(t.needs):
            print(f"warning: {t.name} runs before any of {', '.join(t.needs)}: it will work on "
                  "empty data", file=sys.stderr)
        seen.add(t.name)


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    if a.from_json:
        doc = json.loads(a.from_json.read_text())
        compute_ratios(doc)
        header, rows = table(doc)
        print(markdown_table(header, rows))
        for p in write_outputs(doc, a.results_dir, a.chart):
            print(f"wrote {p}")
        return 0

    # SIGTERM/SIGHUP behave like ctrl-C: unwind through the finally below and stop the servers.
    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    now = dt.datetime.now(dt.timezone.utc)
    servers = build_servers(a)
    check_order(a.test_list)
    a.tmp_dir.mkdir(parents=True, exist_ok=True)
    if "tmpfs" in fs_type(a.tmp_dir.resolve()):
        print(f"warning: {a.tmp_dir} is tmpfs; DiskDB's numbers will not reflect a real disk "
              "(use --tmp-dir)", file=sys.stderr)
    doc = {
        "schema": 1,
        "timestamp": now.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "timestamp_compact": now.strftime("%Y%m%dT%H%M%SZ"),
        "argv": ["python3", os.path.relpath(__file__), *argv],
        "settings": {"tests": [t.name for t in a.test_list], "pipelines": a.pipelines,
                     "requests": {str(p): a.requests or default_requests(p) for p in a.pipelines},
                     "clients": a.clients, "data_size": a.data_size, "keyspace": a.keyspace,
                     "repeat": a.repeat, "timeout": a.timeout, "one_at_a_time": a.one_at_a_time},
        "machine": machine_facts(a.tmp_dir),
        "servers": [],
        "results": [],
    }
    live: list[Server] = []
    interrupted = False
    try:
        # One group at a time: every server together (rows alternate between them), or
        # each alone with --one-at-a-time.
        groups = [[sv] for sv in servers] if a.one_at_a_time else [servers]
        for group in groups:
            ready: list[Server] = []
            for sv in group:
                print(f"== {sv.name}: {sv.version}", file=sys.stderr)
                try:
                    sv.start(a.tmp_dir, live)
                    print(f"   {shlex.join(sv.argv)}", file=sys.stderr)
                    sv.wait_ready(a.start_timeout)
                    ready.append(sv)
                except BenchError as e:
                    print(f"error: {e}", file=sys.stderr)
                    for t in a.test_list:
                        for p in a.pipelines:
                            doc["results"].append({"server": sv.name, "test": t.name, "pipeline": p,
                                                   "error": f"skipped: {str(e).splitlines()[0]}"})
            try:
                run_matrix(ready, a.test_list, a, doc["results"])
                for sv in ready:
                    if sv.alive():
                        sv.collect_facts()
            finally:
                for sv in group:
                    sv.stop()
                    sv.cleanup()
                    if sv in live:
                        live.remove(sv)
                    doc["servers"].append({"name": sv.name, "kind": sv.kind, "bin": sv.bin,
                                           "version": sv.version, "argv": sv.argv, "facts": sv.facts})
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted: stopping servers", file=sys.stderr)
    finally:
        for sv in live:
            sv.stop(grace=5)
            sv.cleanup()
    if interrupted:
        return 130

    doc["machine"]["loadavg_end"] = list(os.getloadavg())
    compute_ratios(doc)
    header, rows = table(doc)
    print()
    print(markdown_table(header, rows))
    errs = errors_list(doc)
    if errs:
        print("\nerrors:\n" + "\n".join(errs))
    print()
    for p in write_outputs(doc, a.results_dir, a.chart):
        print(f"wrote {p}")
    # Rows a server cannot run (JSON on Redis) are reported, not failures.
    failed = [r for r in doc["results"] if "error" in r and not r["error"].startswith("skipped: runs on")]
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
