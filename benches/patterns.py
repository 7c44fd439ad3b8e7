#!/usr/bin/env python3
"""Usage patterns that leave deleted rows behind: does each round cost more than the last?

Starts DiskDB (and with --redis-bin also redis-server, one after the other) on a free port
with a temporary data directory and, from one connection, runs rounds of one pattern,
printing the mean milliseconds per round for each fifth of the run. Flat rows mean a round
costs the same however many came before. Standard library only.

    python3 benches/patterns.py --diskdb-bin target/release/diskdb --redis-bin redis-server
    python3 benches/patterns.py --diskdb-bin ... --pattern window --rounds 50000

Patterns (a round is one pipelined write of these commands):
    flush   FLUSHALL, an MSET of --keys keys (none by default), SET, HSET, GET, HGETALL:
            a test suite flushing before every test.
    window  ZADD w i m<i>, ZREMRANGEBYSCORE w -inf (i-100), ZCARD w: a sliding-window rate
            limiter keeping the last 100 events.
    churn   HSET h tmp<i> v, HDEL h tmp<i>, HGETALL h on a hash of --fields other fields
            (10): fields that come and go.
    rewrite HSET h tmp<i> v, HDEL h tmp<i> without the read: with --fields 8000 and
            --rounds 16200, the slowest round is the one that rewrites the hash.
    scores  ZINCRBY lb 1 p<i % 100>, ZRANGE lb 0 -1 WITHSCORES: a leaderboard of 100
            players read whole; every new score deletes the player's old index row.
    top     ZINCRBY lb 1 p<i % 100>, ZREVRANGE lb 0 9 WITHSCORES, ZREVRANK lb p<(i+50) % 100>
            on a leaderboard of --fields players (10): the 100 active ones climb to the
            top, and each new score deletes the player's old index row just below them.
    jobs    SET job:<i> x, DEL job:<i - 100>, SCAN 0 MATCH job:* COUNT 100: keys created and
            deleted in order (the deleted ones sort first), listed from the start.
    document JSON.SET doc $.tmp<i> 1, JSON.DEL doc $.tmp<i>, JSON.GET doc on a 20 KB document
            of 20 members (DiskDB only: Debian's Redis has no JSON module).
    queue   XADD q <i>-1, XREADGROUP GROUP g c COUNT 1 STREAMS q >, XACK, XDEL, then
            XPENDING q g - + 10 and XAUTOCLAIM q g c2 0 0-0 COUNT 10: a work queue on a
            stream whose consumers recover stuck entries; every XACK deletes pending rows.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time

from large import HOST, encode, free_port, wait_ready


def flush_round(keys: int):
    mset = [["MSET", *[x for i in range(keys) for x in (f"k{i}", "v")]]] if keys else []
    fixed = [["FLUSHALL"], *mset, ["SET", "a", "1"], ["HSET", "h", "f", "v"], ["GET", "a"], ["HGETALL", "h"]]
    return lambda i: fixed


def window_round(i: int) -> list[list[str]]:
    return [["ZADD", "w", str(i), f"m{i}"], ["ZREMRANGEBYSCORE", "w", "-inf", f"({i - 100}"], ["ZCARD", "w"]]


def churn_round(i: int) -> list[list[str]]:
    return [["HSET", "h", f"tmp{i}", "v"], ["HDEL", "h", f"tmp{i}"], ["HGETALL", "h"]]


def scores_round(i: int) -> list[list[str]]:
    return [["ZINCRBY", "lb", "1", f"p{i % 100}"], ["ZRANGE", "lb", "0", "-1", "WITHSCORES"]]


def top_round(i: int) -> list[list[str]]:
    return [["ZINCRBY", "lb", "1", f"p{i % 100}"], ["ZREVRANGE", "lb", "0", "9", "WITHSCORES"],
            ["ZREVRANK", "lb", f"p{(i + 50) % 100}"]]


def jobs_round(i: int) -> list[list[str]]:
    return [["SET", f"job:{i:09}", "x"], ["DEL", f"job:{i - 100:09}"], ["SCAN", "0", "MATCH", "job:*", "COUNT", "100"]]


def queue_round(i: int) -> list[list[str]]:
    entry = f"{i}-1"
    return [
        ["XADD", "q", entry, "job", "x"],
        ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "q", ">"],
        ["XACK", "q", "g", entry],
        ["XDEL", "q", entry],
        ["XPENDING", "q", "g", "-", "+", "10"],
        ["XAUTOCLAIM", "q", "g", "c2", "0", "0-0", "COUNT", "10"],
    ]


def document_round(i: int) -> list[list[str]]:
    path = f"$.tmp{i}"
    return [["JSON.SET", "doc", path, "1"], ["JSON.DEL", "doc", path], ["JSON.GET", "doc"]]


BIG_DOC = "{" + ",".join(f'"m{j}":"{"x" * 1000}"' for j in range(20)) + "}"

def rewrite_round(i: int) -> list[list[str]]:
    return churn_round(i)[:2]


def churn_setup(fields: int) -> list[list[str]]:
    return [["HSET", "h", *[x for j in range(i, min(i + 1000, fields)) for x in (f"keep{j}", "v")]] for i in range(0, fields, 1000)]


def top_setup(players: int) -> list[list[str]]:
    return [["ZADD", "lb", *[x for j in range(i, min(i + 1000, players)) for x in ("0", f"p{j}")]] for i in range(0, players, 1000)]


SETUP = {
    "queue": [["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"]],
    "document": [["JSON.SET", "doc", "$", BIG_DOC]],
}


def rounds(port: int, args: argparse.Namespace) -> tuple[list[float], float]:
    """Runs the rounds; returns the mean seconds per round of each fifth, and the slowest."""
    pattern, n = args.pattern, args.rounds
    make = {"flush": flush_round(args.keys), "window": window_round, "churn": churn_round, "rewrite": rewrite_round, "scores": scores_round, "top": top_round, "jobs": jobs_round,
            "queue": queue_round, "document": document_round}[pattern]
    setup = (churn_setup(args.fields) if pattern in ("churn", "rewrite")
             else top_setup(args.fields) if pattern == "top" else SETUP.get(pattern, []))
    fifth = max(n // 5, 1)
    fifths, slowest = [], 0.0
    with socket.create_connection((HOST, port)) as s:
        f = s.makefile("rb")
        for cmd in setup:
            s.sendall(encode(cmd))
            skip_reply(f)
        start = last = time.perf_counter()
        for i in range(1, n + 1):
            cmds = make(i)
            s.sendall(b"".join(encode(c) for c in cmds))
            for _ in cmds:
                skip_reply(f)
            now = time.perf_counter()
            slowest, last = max(slowest, now - last), now
            if i % fifth == 0:
                fifths.append((now - start) / fifth)
                start = now
    return fifths, slowest


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


def run(argv: list[str], port: int, args: argparse.Namespace) -> tuple[list[float], float]:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_ready(port, proc)
        return rounds(port, args)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--diskdb-bin", required=True)
    p.add_argument("--redis-bin", help="also run redis-server (appendonly, everysec)")
    p.add_argument("--pattern", choices=["flush", "window", "churn", "rewrite", "scores", "queue", "document", "top", "jobs"], default="flush")
    p.add_argument("--rounds", type=int, default=5000)
    p.add_argument("--keys", type=int, default=0, help="flush: keys each round writes before its FLUSHALL")
    p.add_argument("--fields", type=int, default=10, help="churn, rewrite: the fields the hash keeps; top: the players")
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
    print(f"ms per round of '{args.pattern}', by fifth of {args.rounds} rounds, and the slowest round")
    for name, (fifths, slowest) in results.items():
        print(f"{name:8}" + "".join(f"{x * 1e3:9.3f}" for x in fifths) + f"   slowest {slowest * 1e3:.3f}")


if __name__ == "__main__":
    main()
