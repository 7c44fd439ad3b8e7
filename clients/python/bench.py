#!/usr/bin/env python3
"""Micro-benchmark: SET/GET throughput of the DiskDB client, pipelined and not, side by side
with redis-py's pure-Python parser when redis-py is importable.

    python bench.py --start redis          # throwaway redis-server on a free port
    python bench.py --start diskdb         # throwaway DiskDB (binary found as the tests do)
    python bench.py --port 6380            # an already running server

redis-py is not a dependency. To compare, run this from a throwaway virtualenv holding both:

    python -m venv /tmp/rpy-venv && /tmp/rpy-venv/bin/pip install redis ./clients/python
    /tmp/rpy-venv/bin/python clients/python/bench.py --start redis

redis-py is forced onto its pure-Python RESP2 parser (hiredis, if installed, is not used), so
both clients parse in Python and the comparison is like for like.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from diskdb import DiskDB


def make_redispy(host: str, port: int) -> Optional[Tuple[Any, str]]:
    try:
        import redis
    except ImportError:
        return None
    try:
        from redis._parsers import _RESP2Parser as parser  # redis-py >= 5
    except ImportError:
        from redis.connection import PythonParser as parser  # type: ignore[no-redef]  # redis-py 4
    # redis-py 8 speaks RESP3 by default, which would swap in its RESP3 parser whatever
    # parser_class says; pin RESP2 so the comparison is parser against parser.
    pool = redis.ConnectionPool(host=host, port=port, decode_responses=True, parser_class=parser, protocol=2)
    hiredis = "hiredis installed, not used" if getattr(redis.utils, "HIREDIS_AVAILABLE", False) else "no hiredis"
    return redis.Redis(connection_pool=pool), "redis-py %s (%s, %s)" % (redis.__version__, parser.__name__, hiredis)


def best_rate(run: Callable[[], int], rounds: int) -> float:
    """Highest ops/s over ``rounds`` runs (the least disturbed one on a busy machine)."""
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        ops = run()
        best = max(best, ops / (time.perf_counter() - start))
    return best


def workloads(client: Any, n: int, batch: int, value: str) -> Dict[str, Callable[[], int]]:
    keys = ["bench:%d" % (i % 1000) for i in range(max(n, batch))]

    def set_single() -> int:
        for key in keys[:n]:
            client.set(key, value)
        return n

    def get_single() -> int:
        for key in keys[:n]:
            client.get(key)
        return n

    def set_pipelined() -> int:
        rounds = n * 10 // batch
        for _ in range(rounds):
            pipe = client.pipeline(transaction=False)
            for key in keys[:batch]:
                pipe.set(key, value)
            pipe.execute()
        return rounds * batch

    def get_pipelined() -> int:
        rounds = n * 10 // batch
        for _ in range(rounds):
            pipe = client.pipeline(transaction=False)
            for key in keys[:batch]:
                pipe.get(key)
            pipe.execute()
        return rounds * batch

    return {
        "SET": set_single,
        "GET": get_single,
        "SET pipelined x%d" % batch: set_pipelined,
        "GET pipelined x%d" % batch: get_pipelined,
    }


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=6380)
    ap.add_argument("--start", choices=["diskdb", "redis"], help="start a throwaway server of this kind")
    ap.add_argument("-n", type=int, default=20000, help="non-pipelined ops per round (pipelined: 10x)")
    ap.add_argument("--pipeline", type=int, default=100, help="commands per pipeline")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--value-size", type=int, default=16)
    args = ap.parse_args(argv)

    server = None
    if args.start:
        sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))
        from _server import Server

        server = Server(Path(tempfile.mkdtemp(prefix="diskdb-bench-")), kind=args.start).start()
        args.host, args.port = "127.0.0.1", server.port
    try:
        value = "v" * args.value_size
        clients: List[Tuple[str, Any]] = [("diskdb (this package)", DiskDB(host=args.host, port=args.port))]
        redispy = make_redispy(args.host, args.port)
        if redispy is not None:
            clients.append((redispy[1], redispy[0]))
        server_name = server.kind if server else "%s:%d" % (args.host, args.port)
        print("server: %s, python %s, value %d bytes, best of %d rounds" % (
            server_name, sys.version.split()[0], args.value_size, args.rounds))

        results: Dict[str, Dict[str, float]] = {}
        for name, client in clients:
            client.set("warm-up", value)
            for _ in range(200):
                client.get("warm-up")
            results[name] = {
                label: best_rate(run, args.rounds)
                for label, run in workloads(client, args.n, args.pipeline, value).items()
            }
        names = [name for name, _ in clients]
        labels = list(results[names[0]])
        print("%-20s" % "ops/s" + "".join("%16s" % n.split(" (")[0] for n in names)
              + ("%18s" % "diskdb/redis-py" if len(names) > 1 else ""))
        for label in labels:
            row = [results[n][label] for n in names]
            line = "%-20s" % label + "".join("%16.0f" % v for v in row)
            if len(row) > 1:
                line += "%18.2f" % (row[0] / row[1])
            print(line)
        for name in names[1:]:
            print("compared with: %s" % name)
        for _, client in clients:
            client.close()
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
