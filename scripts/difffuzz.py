#!/usr/bin/env python3
"""Differential fuzzer: sends the same random commands to DiskDB and to Redis and reports
every reply that differs, each with a minimal reproduction.

Zero dependencies (Python 3.8+ standard library only; it speaks RESP2 itself).

Usage:
    python3 scripts/difffuzz.py [--seed S] [--seeds N] [--ops N] [--family F[,F...]]
                                [--pipeline N] [--stop-on-first] [--max-time SECONDS]
                                [--diskdb-bin PATH] [--redis-bin PATH]
                                [--diskdb-port P] [--redis-port P] [--external]
                                [--timeout SECONDS]

By default it starts both servers itself (DiskDB from --diskdb-bin, default
$DISKDB_BIN or ~/.cache/diskdb-target/release/diskdb, on port 7301 with a fresh temporary
data dir; redis-server on port 7302 without persistence) and stops them at the end. With
--external it connects to servers already listening on those ports instead.

For each seed S, S+1, ... S+N-1 it FLUSHALLs both servers and generates --ops random steps
over a small key space (6 keys, small member/field/value pools with empty strings, binary
bytes and numbers-as-strings) in the families strings, keys, lists, hashes, sets, zsets and
streams, including wrong-type uses, wrong arity, bad numbers and syntax errors; now and then
a collection of 200 or 1,100 members (a stream of as many entries, one XADD each), and a
string of about 16 KiB under a key of its own. --family restricts the generation to some
families (one step in ten still comes from any family, so that wrong-type uses stay
likely). A step is one command, or a few: SPOP is followed by SADD/SREM that leave the same
set on both servers whatever it popped, a lex range command is preceded by a probe (ZRANGE
key 0 -1 WITHSCORES), and XCLAIM/XAUTOCLAIM are followed by XGROUP CREATECONSUMER for their
consumer (Redis 7.0 creates it only with the first entry claimed; 7.2, which DiskDB
follows, always), compared by type only.

The streams family uses explicit IDs only (`*` takes the clock), with ms parts in 0..20 so
that IDs collide and come out of order, `<ms>-*`, incomplete IDs (`5`), exclusive bounds,
0-0, the largest ID and bad IDs; groups g1-g3 and consumers c1-c3. XADD and XTRIM trim
exactly (MAXLEN/MINID with `=` or nothing); `~` is never sent, as DiskDB trims exactly
where Redis trims only whole radix-tree nodes (a documented difference), so LIMIT comes
only as an error. XREAD and XREADGROUP never BLOCK. Idle times set with XCLAIM IDLE/TIME
and min-idle-time filters (XCLAIM, XAUTOCLAIM, XPENDING IDLE) are 0 or a day and more,
never between, so that a filter decides the same on both servers.

Each step goes to Redis, then to DiskDB (with --pipeline N, N steps at a time in one
pipeline: DiskDB commits consecutive pipelined writes together), and the replies are
compared after normalising only what is legitimately nondeterministic:
  * SPOP (unless it takes the whole set), SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, RANDOMKEY:
    only the reply's type and length;
  * SMEMBERS, SINTER, SUNION, SDIFF, HKEYS, HVALS, KEYS: as sorted multisets; HGETALL as
    sorted field/value pairs;
  * TTL, PTTL, EXPIRETIME, PEXPIRETIME: only the class -2, -1 or positive;
  * XPENDING's extended form: each entry's idle time by type only;
  * XINFO STREAM [FULL], GROUPS and CONSUMERS: times (idle, seen-time, the delivery times
    of FULL's pending entries) and radix-tree-keys/-nodes (DiskDB has no radix tree and
    shows the sizes of nodes of 100 entries, a documented difference) by type only; the
    fields Redis 7.2 added (CONSUMERS' inactive, FULL's active-time), which DiskDB
    reports, are left out;
  * a double Redis 7.0 prints with 17 digits (%.17g) equals the shortest text for the
    same double, which Redis 7.2 and DiskDB print (0.10000000000000001 vs 0.1);
  * not reported, only counted, and the servers are flushed as after any data divergence:
    string or hash values that are floats of more than 15 digits agreeing to 1e-13
    (DiskDB's documented 64-bit INCRBYFLOAT; Redis uses long double), and lex ranges
    (ZRANGEBYLEX, ZLEXCOUNT, ...) whose probe shows different scores, where Redis leaves
    the reply unspecified.
Error replies are always compared exactly.

A divergence is classified as
  crash     DiskDB closed the connection or did not answer within the timeout;
  value     both replied without error, differently;
  error     exactly one of them replied with an error;
  wording   both replied with an error, with different text.
Findings are deduplicated by command, kind and, for error replies, the error texts (less
what they quote: key, group and option names), else the option keywords the command used.
The first occurrence of each is shrunk by delta debugging: the steps since FLUSHALL are
re-run on freshly FLUSHALLed servers, first restricted to the steps touching the keys
involved, then in ever smaller subsets, until no step can be left out. After a crash, value
or error divergence both servers are FLUSHALLed and the run goes on with a fresh history;
after a wording divergence it goes on as it is (the data still agree).

The report at the end lists each distinct divergence, most serious first, with its minimal
reproduction and both replies. The exit status is 1 if anything diverged.

Examples:
    python3 scripts/difffuzz.py --seeds 20 --ops 2000
    python3 scripts/difffuzz.py --seed 7 --family zsets --stop-on-first
    python3 scripts/difffuzz.py --family streams --seeds 6 --ops 3000 --max-time 240
    python3 scripts/difffuzz.py --seeds 50 --pipeline 16 --max-time 600
    python3 scripts/difffuzz.py --external --diskdb-port 6380 --redis-port 6379
"""

import argparse
import collections
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

# --------------------------------------------------------------------------------------
# RESP2 client
# --------------------------------------------------------------------------------------

# Replies are tagged tuples, so that equal replies compare equal and a simple string never
# equals a bulk string: ('+', b'OK'), ('-', b'ERR ...'), (':', 5), ('$', b'x'),
# ('$', None) for a nil bulk, ('*', [...]) and ('*', None) for a nil array.


class ConnectionLost(Exception):
    """The server closed the connection, sent garbage or did not answer in time.
    replies: those read before that."""

    def __init__(self, message, replies=()):
        super().__init__(message)
        self.replies = list(replies)


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


class Client:
    def __init__(self, port, timeout):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def execute(self, commands):
        """Sends the commands pipelined and returns their replies."""
        replies = []
        try:
            self.sock.sendall(b"".join(encode(args) for args in commands))
            while len(replies) < len(commands):
                replies.append(self._reply())
            return replies
        except (OSError, ValueError, ConnectionLost) as exc:
            raise ConnectionLost(str(exc) or type(exc).__name__, replies) from exc

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionLost("connection closed")
        self.buf += chunk

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                line, self.buf = self.buf[:end], self.buf[end + 2:]
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        tag, rest = line[:1], line[1:]
        if tag == b"+":
            return ("+", rest)
        if tag == b"-":
            return ("-", rest)
        if tag == b":":
            return (":", int(rest))
        if tag == b"$":
            n = int(rest)
            return ("$", None if n < 0 else self._exact(n))
        if tag == b"*":
            n = int(rest)
            return ("*", None if n < 0 else [self._reply() for _ in range(n)])
        raise ConnectionLost("unexpected reply line %r" % line)


# --------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------


class Server:
    """One server under test: started by us (argv given) or external (argv None)."""

    def __init__(self, name, port, argv, datadir, timeout):
        self.name, self.port, self.argv, self.datadir = name, port, argv, datadir
        self.timeout = timeout
        self.proc = None
        self.client = None

    def start(self):
        if self.argv is not None:
            shutil.rmtree(self.datadir, ignore_errors=True)
            os.makedirs(self.datadir)
            log = open(os.path.join(self.datadir, "..", self.name + ".log"), "ab")
            self.proc = subprocess.Popen(self.argv, stdout=log, stderr=log, cwd=self.datadir)
            log.close()
        deadline = time.monotonic() + 60
        while True:
            try:
                self.client = Client(self.port, self.timeout)
                if self.client.execute([[b"PING"]])[0] == ("+", b"PONG"):
                    return
                self.client.close()
            except (OSError, ConnectionLost):
                pass
            if self.proc is not None and self.proc.poll() is not None:
                sys.exit("%s exited at start-up with status %s" % (self.name, self.proc.returncode))
            if time.monotonic() > deadline:
                sys.exit("%s does not answer PING on port %d" % (self.name, self.port))
            time.sleep(0.1)

    def stop(self):
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def restart(self):
        """After a crash or hang: start a fresh server (only one we started ourselves)."""
        if self.argv is None:
            sys.exit("%s on port %d stopped answering; it is external, so giving up"
                     % (self.name, self.port))
        self.stop()
        self.start()

    def execute(self, commands):
        return self.client.execute(commands)


# --------------------------------------------------------------------------------------
# Command generation
# --------------------------------------------------------------------------------------

KEYS = ["k1", "k2", "k3", "k4", "k5", "k6"]
# A string of about 16 KiB (DiskDB caches string values up to 16 KiB) lives apart, under a
# key only the strings family uses: LCS, which takes O(N*M) memory, never sees it.
BIG_KEY = "kbig"
ALL_KEYS = KEYS + [BIG_KEY]
BIG_SIZES = [16379, 16384, 16385, 20000]
BIG_OFFSETS = [0, 16380, 16383, 16384, 16390, 20000, -10, -1]
MEMBERS = [b"a", b"b", b"c", b"d", b"", b"aa", b"A", b"10", b"-3", b"\x00\xff"]
BULK_MEMBERS = [b"m%04d" % i for i in range(1100)]  # of large collections (g_bulk)
JUNK = [b"x", b"1", b"NX", b"k1"]  # what mangle_arity appends (and b"", a member)
VALUES = [b"", b"a", b"hello", b"foobar", b"ohmytext", b"mynewtext", b"10", b"-3", b"0",
          b"3.5", b"-0", b"007", b" 5", b"1e3", b"inf", b"nan",
          b"9223372036854775807", b"-9223372036854775808", b"\x00\xff\x80\x01"]
INDEXES = [-100, -10, -3, -2, -1, 0, 1, 2, 3, 5, 10, 100]
COUNTS = [0, 1, 2, 3, 5, 100, -1, -5]
BAD_INTS = ["abc", "", "1.5", "9223372036854775807", "-9223372036854775808",
            "9223372036854775808", " 1"]
INCREMENTS = [1, -1, 5, 0, 100, -100, "9223372036854775807", "-9223372036854775808"]
# Dyadic rationals only: long double (Redis) and double (DiskDB) agree on them exactly.
FLOAT_INCREMENTS = ["1", "-1", "3.5", "-0.25", "1e3", "0", "-0", "1.5e2", "10.50"]
BAD_FLOATS = ["inf", "-inf", "nan", "abc", "", "1.5.5", " 1"]  # no hex: DiskDB documents it
SCORES = ["1", "2", "3", "-3", "0", "-0", "3.5", "10", "-0.5", "0.1", "1e20", "1e3",
          "inf", "-inf", "+inf", "9007199254740993"]
BAD_SCORES = ["nan", "abc", "", "1..2", "(1", "[1", " 1", "0x10", "1e400"]
WEIGHTS = ["1", "2", "0", "-1", "0.5", "3.5", "inf", "-inf"]
SCORE_BOUNDS = ["-inf", "+inf", "inf", "(-inf", "(+inf", "0", "(0", "1", "(1", "2", "(2",
                "3.5", "(3.5", "-3", "(-3", "10", "(10"]
BAD_SCORE_BOUNDS = ["abc", "(", "((1", "[1", "nan", "", " 1", "(0x1", "1e400", "-infinity"]
LEX_BOUNDS = ["-", "+", "[a", "(a", "[b", "(b", "[c", "(c", "[aa", "[", "(", "[10", "(A"]
BAD_LEX_BOUNDS = ["a", "", "-a", "+b", "*"]
BIT_OFFSETS = [0, 1, 7, 8, 15, 23, 100]
BAD_BIT_OFFSETS = [-1, "4294967296", "abc", "1.5"]
KEY_PATTERNS = ["*", "k[12]", "k?", "?", "k*", "x*", "k[^1]*"]
# Stream IDs have ms parts in 0..STREAM_MS, so that IDs collide and come out of order.
STREAM_MS = 20
STREAM_MAX_ID = "18446744073709551615-18446744073709551615"
BAD_STREAM_IDS = ["abc", "", "-1", "1-", "1-x", "x-1", "1.5", "1-2-3", " 1", "18446744073709551616",
                  "1-18446744073709551616", "*", "$", ">"]
BAD_XADD_IDS = [i for i in BAD_STREAM_IDS if i != "*"]  # for XADD, * takes the clock
BAD_RANGE_IDS = ["(-", "(+", "((1", "(", "(abc", "-1-0", "++"]
STREAM_GROUPS = [b"g1", b"g1", b"g2", b"g2", b"g3"]
STREAM_CONSUMERS = [b"c1", b"c2", b"c3"]
MAXLENS = [0, 1, 2, 3, 5, 10]
# Idle times (XCLAIM IDLE, and min-idle filters) of 0 or at least a day, never between:
# an entry just delivered is 0 to a few seconds idle, so a filter decides the same on both
# servers.
IDLE_SET = [0, 100000000, 10000000000, -1]
MIN_IDLE = [0, 0, 0, 50000000, 1000000000]
# Option keywords: a value divergence's identity includes which of these its command used.
OPTION_WORDS = {b"NX", b"XX", b"GT", b"LT", b"CH", b"INCR", b"GET", b"EX", b"PX", b"EXAT",
                b"PXAT", b"KEEPTTL", b"PERSIST", b"REPLACE", b"BYTE", b"BIT", b"LEN",
                b"IDX", b"MINMATCHLEN", b"WITHMATCHLEN", b"LEFT", b"RIGHT", b"BEFORE",
                b"AFTER", b"RANK", b"COUNT", b"MAXLEN", b"WITHVALUES", b"WITHSCORES",
                b"BYSCORE", b"BYLEX", b"REV", b"LIMIT", b"WEIGHTS", b"AGGREGATE", b"SUM",
                b"MIN", b"MAX", b"NOMKSTREAM", b"MINID", b"=", b"NOACK", b"MKSTREAM",
                b"ENTRIESREAD", b"ENTRIESADDED", b"MAXDELETEDID", b"IDLE", b"TIME",
                b"RETRYCOUNT", b"FORCE", b"JUSTID", b"LASTID", b"FULL",
                # XGROUP and XINFO subcommands
                b"CREATE", b"SETID", b"DESTROY", b"CREATECONSUMER", b"DELCONSUMER",
                b"STREAM", b"GROUPS", b"CONSUMERS"}

# args: tuple of bytes; norm: how its replies are compared (see normalise and
# compare_step): None (exactly), "sorted", "pairs", "shape", "ttl", "lex" (unspecified
# when the "probe" before it shows different scores), "probe" (exactly) or "fixup" (by
# shape: it follows SPOP to make the data deterministic again). Probes and fixups are
# auxiliary: never given a wrong arity.
Cmd = collections.namedtuple("Cmd", "args norm")
AUXILIARY = ("probe", "fixup")
# keys: frozenset of the keys the step names, or None if it concerns the whole keyspace.
Step = collections.namedtuple("Step", "cmds keys")


def to_bytes(part):
    if isinstance(part, bytes):
        return part
    return str(part).encode()


def flatten(parts):
    for part in parts:
        if isinstance(part, (list, tuple)):
            yield from flatten(part)
        else:
            yield to_bytes(part)


def cmd(*parts, norm=None):
    return Cmd(tuple(flatten(parts)), norm)


class Generator:
    """Random steps for one seed. Generator functions call the pickers below; key() also
    records which keys the step touches, for the shrinker."""

    def __init__(self, seed, families):
        self.seed = seed
        self.rng = random.Random(seed)
        self.families = families
        self.now = int(time.time())
        self._keys = set()
        self._whole_keyspace = False

    def step(self):
        self._keys, self._whole_keyspace = set(), False
        family = self.pick(self.families if not self.chance(0.1) else list(FAMILIES))
        cmds = FAMILIES[family](self)
        cmds = list(cmds) if isinstance(cmds, list) else [cmds]
        if self.chance(0.03):
            main = next(i for i, c in enumerate(cmds) if c.norm not in AUXILIARY)
            cmds[main] = self.mangle_arity(cmds[main])
        keys = None if self._whole_keyspace else frozenset(self._keys)
        return Step(tuple(cmds), keys)

    def mangle_arity(self, c):
        """c with arguments cut off or one added; compared by shape if c was normalised
        at all (SPOP k 5000 cut to SPOP k pops at random)."""
        c = c._replace(norm="shape" if c.norm else None)
        if len(c.args) > 1 and self.chance(0.6):
            return c._replace(args=c.args[:self.rng.randrange(1, len(c.args))])
        return c._replace(args=c.args + (self.pick(JUNK + [b""]),))

    # pickers
    def chance(self, p):
        return self.rng.random() < p

    def pick(self, pool):
        return self.rng.choice(pool)

    def maybe_bad(self, pool, bad, p=0.05):
        return self.pick(bad if self.chance(p) else pool)

    def whole_keyspace(self):
        self._whole_keyspace = True

    def key(self):
        k = self.pick(KEYS)
        self._keys.add(k)
        return k

    def big_key(self):
        self._keys.add(BIG_KEY)
        return BIG_KEY

    def keys(self, lo=1, hi=3):
        return [self.key() for _ in range(self.rng.randint(lo, hi))]

    def member(self):
        return self.pick(MEMBERS)

    def members(self, lo=1, hi=3):
        return [self.member() for _ in range(self.rng.randint(lo, hi))]

    def value(self):
        return self.pick(VALUES)

    def index(self):
        return self.maybe_bad(INDEXES, BAD_INTS)

    def count(self):
        return self.maybe_bad(COUNTS, BAD_INTS)

    def score(self):
        return self.maybe_bad(SCORES, BAD_SCORES)

    def score_bound(self):
        return self.maybe_bad(SCORE_BOUNDS, BAD_SCORE_BOUNDS)

    def lex_bound(self):
        return self.maybe_bad(LEX_BOUNDS, BAD_LEX_BOUNDS)

    def float_increment(self):
        return self.maybe_bad(FLOAT_INCREMENTS, BAD_FLOATS)

    def stream_id(self, incomplete=0.1, bad=BAD_STREAM_IDS):
        """An entry ID ms-seq, now and then the ms part alone, 0-0, the largest ID or a
        bad one."""
        r = self.rng.random()
        if r < 0.04:
            return self.pick(bad)
        if r < 0.07:
            return self.pick(["0-0", STREAM_MAX_ID])
        ms = self.rng.randint(0, STREAM_MS)
        return str(ms) if self.chance(incomplete) else "%d-%d" % (ms, self.rng.randint(0, 3))

    def stream_ids(self, lo=1, hi=3):
        return [self.stream_id(incomplete=0.05) for _ in range(self.rng.randint(lo, hi))]

    def range_id(self):
        """An XRANGE / XPENDING bound: -, +, an ID (often incomplete) or an exclusive one."""
        r = self.rng.random()
        if r < 0.03:
            return self.pick(BAD_RANGE_IDS)
        if r < 0.3:
            return self.pick(["-", "+"])
        bound = self.stream_id(incomplete=0.3)
        return "(" + bound if self.chance(0.25) else bound

    def group(self):
        return self.pick(STREAM_GROUPS)

    def consumer(self):
        return self.pick(STREAM_CONSUMERS)

    def fields(self, lo=1, hi=3):
        return [[self.member(), self.value()] for _ in range(self.rng.randint(lo, hi))]

    def numkeys(self, keys):
        """The numkeys argument of LMPOP, ZUNION, ...: right, or now and then wrong."""
        if self.chance(0.05):
            return self.pick(["0", "-1", str(len(keys) + 1), "abc"])
        return len(keys)

    def seconds(self, absolute=False, ms=False, past=True):
        """An expire time far enough away that nothing expires during a run, each drawn
        apart (so GT/LT never compare two times that differ only by the clock), or now and
        then a bad one or (if past) one in the past."""
        if self.chance(0.08):
            return self.pick([0, -1, "abc", "", "1.5", "9223372036854775807",
                              "-9223372036854775808", "9223372036854776"])
        if absolute and past and self.chance(0.08):
            return 1
        t = self.pick([10 ** 5, 10 ** 6, 10 ** 7]) + self.rng.randrange(1, 10 ** 5)
        if absolute:
            t += self.now
        return t * 1000 + self.rng.randrange(1000) if ms else t

    def expiry(self, extra=(), past=True):
        """SET/GETEX expiry option: EX/PX/EXAT/PXAT with a time, or one of extra."""
        kind = self.pick(["EX", "PX", "EXAT", "PXAT"] + list(extra))
        if kind in extra:
            return [kind]
        return [kind, self.seconds(absolute=kind.endswith("AT"), ms=kind.startswith("P"),
                                   past=past)]

    def options(self, *groups):
        """Each group (probability, words) included with that probability, shuffled."""
        chosen = [words for p, words in groups if self.chance(p)]
        self.rng.shuffle(chosen)
        return chosen


# Every generator takes the Generator and returns a Cmd or a list of Cmds (one step).

def g_set(g):
    # No time in the past: Redis 7.0 counts such a key in DBSIZE until its expire cycle
    # (some milliseconds later) deletes it; GETEX and EXPIREAT delete it at once.
    opts = g.options((0.3, [g.pick(["NX", "XX"])]), (0.03, ["NX", "XX"]), (0.3, ["GET"]),
                     (0.5, g.expiry(extra=["KEEPTTL"], past=False)),
                     (0.04, g.expiry(past=False)))
    return cmd("SET", g.key(), g.value(), opts)


def g_getex(g):
    return cmd("GETEX", g.key(), g.expiry(extra=["PERSIST"]) if g.chance(0.7) else [])


def g_setex(g):
    name = g.pick(["SETEX", "PSETEX"])
    return cmd(name, g.key(), g.seconds(ms=name == "PSETEX"), g.value())


def g_incrby(g):
    return cmd(g.pick(["INCRBY", "DECRBY"]), g.key(), g.maybe_bad(INCREMENTS, BAD_INTS))


def g_setrange(g):
    offset = g.maybe_bad([0, 1, 3, 10, 100], [-1, "536870912", "abc"])
    return cmd("SETRANGE", g.key(), offset, g.value())


def g_bitcount(g):
    args = []
    if g.chance(0.7):
        args = [g.index(), g.index()] if g.chance(0.9) else [g.index()]
        if g.chance(0.4):
            args.append(g.pick(["BYTE", "BIT", "bit", "WORD"]))
    return cmd("BITCOUNT", g.key(), args)


def g_bitpos(g):
    args = [g.maybe_bad([0, 1], [2, -1, "x"])]
    if g.chance(0.6):
        args.append(g.index())
        if g.chance(0.6):
            args.append(g.index())
            if g.chance(0.4):
                args.append(g.pick(["BYTE", "BIT"]))
    return cmd("BITPOS", g.key(), args)


def g_bitop(g):
    op = g.maybe_bad(["AND", "OR", "XOR", "NOT", "and"], ["NAND", ""])
    sources = g.keys(1, 1) if op == "NOT" and g.chance(0.9) else g.keys(1, 3)
    return cmd("BITOP", op, g.key(), sources)


BITFIELD_TYPES = ["u1", "u3", "u8", "i8", "i5", "u16", "i16", "i32", "u63", "i64"]
BAD_BITFIELD_TYPES = ["u64", "i65", "I8", "u0", "x8", "i", ""]
BITFIELD_OFFSETS = [0, 1, 5, 7, 8, 13, 64, 100, "#0", "#1", "#3"]
BAD_BITFIELD_OFFSETS = [-1, "x", "#-1", "4294967296", "##1"]
BITFIELD_VALUES = [0, 1, -1, 7, 100, 127, 128, 255, -129, 65535, 2 ** 31, 2 ** 62,
                   -(2 ** 63), 2 ** 63 - 1]


def g_bitfield(g):
    ops = []
    for _ in range(g.rng.randint(0 if g.chance(0.05) else 1, 4)):
        sub = g.pick(["GET", "SET", "INCRBY", "OVERFLOW", "get"] + (["NOPE"] if g.chance(0.05) else []))
        if sub == "OVERFLOW":
            ops += [sub, g.maybe_bad(["WRAP", "SAT", "FAIL", "sat"], ["CLAMP"])]
            continue
        ops += [sub, g.maybe_bad(BITFIELD_TYPES, BAD_BITFIELD_TYPES),
                g.maybe_bad(BITFIELD_OFFSETS, BAD_BITFIELD_OFFSETS)]
        if sub in ("SET", "INCRBY"):
            ops.append(g.maybe_bad(BITFIELD_VALUES, ["x", "1.5"]))
    if g.chance(0.05):
        ops = ops[:-1]
    return cmd(g.pick(["BITFIELD", "BITFIELD", "BITFIELD_RO"]), g.key(), ops)


def g_lcs(g):
    opts = g.options((0.3, ["LEN"]), (0.4, ["IDX"]),
                     (0.3, ["MINMATCHLEN", g.pick([0, 1, 2, 4, -1, "x"])]),
                     (0.3, ["WITHMATCHLEN"]))
    return cmd("LCS", g.key(), g.key(), opts)


def g_mset(g):
    pairs = [[g.key(), g.value()] for _ in range(g.rng.randint(1, 3))]
    return cmd(g.pick(["MSET", "MSETNX"]), pairs)


def g_big_string(g):
    key = g.big_key()
    choice = g.pick(["SET", "APPEND", "SETRANGE", "GETRANGE", "STRLEN", "GET", "GETDEL",
                     "SETBIT", "GETBIT", "BITCOUNT", "INCR", "GETSET"])
    if choice == "SET":
        return cmd("SET", key, (b"0123456789" * 2000)[:g.pick(BIG_SIZES)])
    if choice in ("APPEND", "GETSET"):
        return cmd(choice, key, g.value())
    if choice == "SETRANGE":
        return cmd(choice, key, g.pick(BIG_OFFSETS[:6]), g.value())
    if choice == "GETRANGE":
        return cmd(choice, key, g.pick(BIG_OFFSETS), g.pick(BIG_OFFSETS))
    if choice in ("SETBIT", "GETBIT"):
        bit = [g.pick([0, 1])] if choice == "SETBIT" else []
        return cmd(choice, key, g.pick([131030, 131071, 131072, 131080, 160000]), bit)
    if choice == "BITCOUNT":
        return cmd(choice, key, [g.pick(BIG_OFFSETS), -1] if g.chance(0.5) else [])
    return cmd(choice, key)


HLL_KEYS = ["hll1", "hll2", "hll3"]


def g_hll(g):
    """PFADD, PFCOUNT and PFMERGE, mostly on keys of their own, whose values are read
    back whole; on the family's keys, for the type errors."""
    if g.chance(0.2):
        return cmd("PFCOUNT", g.key(), g.key()) if g.chance(0.5) else cmd("PFADD", g.key(), g.members(0, 2))
    key = g.pick(HLL_KEYS)
    choice = g.pick(["PFADD", "PFADD", "PFADD", "PFCOUNT", "PFMERGE", "READ"])
    if choice == "PFADD":
        n = g.pick([0, 1, 1, 2, 5, 50, 400])
        return cmd("PFADD", key, [b"e%d" % g.rng.randrange(20000) for _ in range(n)])
    if choice == "PFCOUNT":
        return cmd("PFCOUNT", key, g.rng.sample(HLL_KEYS, g.rng.randint(0, 2)))
    if choice == "PFMERGE":
        return cmd("PFMERGE", key, g.rng.sample(HLL_KEYS, g.rng.randint(0, 2)))
    return cmd("GET", key)


STRINGS = [
    g_set, g_set, g_big_string, g_getex, g_setex, g_incrby, g_setrange, g_bitcount, g_bitpos, g_lcs,
    g_mset, g_bitop, g_bitfield, g_bitfield, g_hll, g_hll,
    lambda g: cmd(g.pick(["GET", "GETDEL", "STRLEN", "INCR", "DECR"]), g.key()),
    lambda g: cmd(g.pick(["GETSET", "SETNX", "APPEND"]), g.key(), g.value()),
    lambda g: cmd("INCRBYFLOAT", g.key(), g.float_increment()),
    lambda g: cmd(g.pick(["GETRANGE", "SUBSTR"]), g.key(), g.index(), g.index()),
    lambda g: cmd("SETBIT", g.key(), g.maybe_bad(BIT_OFFSETS, BAD_BIT_OFFSETS),
                  g.maybe_bad([0, 1], [2, -1, "x"])),
    lambda g: cmd("GETBIT", g.key(), g.maybe_bad(BIT_OFFSETS, BAD_BIT_OFFSETS)),
    lambda g: cmd("MGET", g.keys(1, 4)),
]


def g_expire(g):
    name = g.pick(["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
    flags = g.options((0.4, [g.pick(["NX", "XX", "GT", "LT"])]),
                      (0.04, [g.pick(["NX", "XX", "GT", "LT", "xx"])]))
    return cmd(name, g.key(), g.seconds(absolute=name.endswith("AT"),
                                        ms=name.startswith("P")), flags)


def g_copy(g):
    return cmd("COPY", g.key(), g.key(), ["REPLACE"] if g.chance(0.4) else [])


def g_keyspace(g):
    g.whole_keyspace()
    choice = g.pick(["DBSIZE", "RANDOMKEY", "KEYS"])
    if choice == "KEYS":
        return cmd("KEYS", g.pick(KEY_PATTERNS), norm="sorted")
    return cmd(choice, norm="shape" if choice == "RANDOMKEY" else None)


def g_sort(g):
    """SORT over whatever type the key holds, with weights w_<member> and hashes
    h_<member> (all rewritten in this step, so the step alone decides the outcome)."""
    weights = [[b"w_" + m, g.pick(VALUES)] for m in MEMBERS if g.chance(0.8)]
    setup = [cmd("DEL", [b"w_" + m for m in MEMBERS], [b"h_" + m for m in MEMBERS], norm="fixup")]
    if weights:
        setup.append(cmd("MSET", weights, norm="fixup"))
    setup += [cmd("HSET", b"h_" + m, "f", g.pick(VALUES), norm="fixup") for m in MEMBERS if g.chance(0.4)]
    by = g.pick(["w_*", "h_*->f", "*", "nosort", "w_*->"]) if g.chance(0.6) else None
    alpha, store = g.chance(0.4), g.chance(0.2)
    if store and alpha and by and "*" in by:
        alpha = False  # ALPHA ties under BY are in qsort's order in Redis: unspecified
    opts = g.options((1.0 if by else 0.0, ["BY", by]),
                     (0.3, ["LIMIT", g.index(), g.pick([-1, 0, 1, 2, 5])]),
                     (0.3, [g.pick(["ASC", "DESC", "asc"])]), (1.0 if alpha else 0.0, ["ALPHA"]),
                     (0.4, ["GET", g.pick(["#", "w_*", "h_*->f", "fixed"])]),
                     (0.2, ["GET", g.pick(["#", "w_*"])]),
                     (1.0 if store else 0.0, ["STORE", g.key()]))
    # A set's own order, or ALPHA ties (under BY, or without STORE, where Redis compares
    # with strcoll, which ends strings at their first NUL byte): the whole reply is a
    # multiset, and which elements a LIMIT picks out of it is unspecified.
    unordered = not store and ((by and "*" not in by) or alpha)
    norm = ("shape" if b"LIMIT" in flatten(opts) else "sorted") if unordered else None
    name = "SORT_RO" if not store and g.chance(0.3) else "SORT"
    return setup + [cmd(name, g.key(), opts, norm=norm)]


KEYSPACE = [
    g_expire, g_expire, g_copy, g_keyspace,
    lambda g: cmd(g.pick(["DEL", "UNLINK", "EXISTS", "TOUCH"]), g.keys(1, 3)),
    lambda g: cmd(g.pick(["TYPE", "PERSIST"]), g.key()),
    lambda g: cmd(g.pick(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]), g.key(), norm="ttl"),
    g_sort, g_sort,
    lambda g: cmd(g.pick(["RENAME", "RENAMENX"]), g.key(), g.key()),
]


def g_pop(g):
    return cmd(g.pick(["LPOP", "RPOP"]), g.key(), [g.count()] if g.chance(0.5) else [])


def g_lmove(g):
    ends = [g.maybe_bad(["LEFT", "RIGHT"], ["UP", "left"]) for _ in range(2)]
    return cmd("LMOVE", g.key(), g.key(), ends)


def g_lpos(g):
    rank = g.maybe_bad([1, 2, -1, -2, 5], [0, "x", "-9223372036854775808"])
    opts = g.options((0.4, ["RANK", rank]),
                     (0.4, ["COUNT", g.maybe_bad([0, 1, 2, 5], [-1, "x"])]),
                     (0.3, ["MAXLEN", g.maybe_bad([0, 1, 2, 5], [-1, "x"])]))
    return cmd("LPOS", g.key(), g.member(), opts)


def g_lmpop(g):
    keys = g.keys(1, 3)
    count = ["COUNT", g.count()] if g.chance(0.5) else []
    return cmd("LMPOP", g.numkeys(keys), keys, g.maybe_bad(["LEFT", "RIGHT"], ["MIDDLE"]), count)


LISTS = [
    g_pop, g_lmove, g_lpos, g_lmpop,
    lambda g: cmd(g.pick(["LPUSH", "RPUSH"]), g.key(), g.members(1, 3)),
    lambda g: cmd(g.pick(["LPUSHX", "RPUSHX"]), g.key(), g.members(1, 2)),
    lambda g: cmd("LLEN", g.key()),
    lambda g: cmd(g.pick(["LRANGE", "LTRIM"]), g.key(), g.index(), g.index()),
    lambda g: cmd("LINDEX", g.key(), g.index()),
    lambda g: cmd("LSET", g.key(), g.index(), g.member()),
    lambda g: cmd("RPOPLPUSH", g.key(), g.key()),
    lambda g: cmd("LINSERT", g.key(), g.maybe_bad(["BEFORE", "AFTER"], ["AROUND"]),
                  g.member(), g.member()),
    lambda g: cmd("LREM", g.key(), g.maybe_bad([-2, -1, 0, 1, 2], BAD_INTS), g.member()),
]


def g_hset(g):
    pairs = [[g.member(), g.value()] for _ in range(g.rng.randint(1, 3))]
    return cmd(g.pick(["HSET", "HMSET"]), g.key(), pairs)


def g_hrandfield(g):
    args = []
    if g.chance(0.6):
        args = [g.count()] + (["WITHVALUES"] if g.chance(0.5) else [])
    return cmd("HRANDFIELD", g.key(), args, norm="shape")


HASHES = [
    g_hset, g_hset, g_hrandfield,
    lambda g: cmd("HSETNX", g.key(), g.member(), g.value()),
    lambda g: cmd(g.pick(["HGET", "HEXISTS", "HSTRLEN"]), g.key(), g.member()),
    lambda g: cmd(g.pick(["HMGET", "HDEL"]), g.key(), g.members(1, 3)),
    lambda g: cmd("HLEN", g.key()),
    lambda g: cmd(g.pick(["HKEYS", "HVALS"]), g.key(), norm="sorted"),
    lambda g: cmd("HGETALL", g.key(), norm="pairs"),
    lambda g: cmd("HINCRBY", g.key(), g.member(), g.maybe_bad(INCREMENTS, BAD_INTS)),
    lambda g: cmd("HINCRBYFLOAT", g.key(), g.member(), g.float_increment()),
]


def g_spop(g):
    """SPOP, then fixups that leave the same set on both servers whatever it popped: a
    set holds only MEMBERS, JUNK (added by mangle_arity) and BULK_MEMBERS."""
    key = g.key()
    if g.chance(0.3):
        pop = cmd("SPOP", key, 5000, norm="sorted")  # takes the whole set: deterministic
    else:
        pop = cmd("SPOP", key, [g.count()] if g.chance(0.5) else [], norm="shape")
    if g.chance(0.5):  # leaves exactly MEMBERS
        return [pop, cmd("SADD", key, MEMBERS, norm="fixup"),
                cmd("SREM", key, JUNK, BULK_MEMBERS, norm="fixup")]
    return [pop, cmd("SREM", key, MEMBERS, JUNK, BULK_MEMBERS, norm="fixup")]  # leaves none


def g_sintercard(g):
    keys = g.keys(1, 3)
    limit = ["LIMIT", g.maybe_bad([0, 1, 2, 5], [-1, "x"])] if g.chance(0.4) else []
    return cmd("SINTERCARD", g.numkeys(keys), keys, limit)


SETS = [
    g_spop, g_sintercard,
    lambda g: cmd(g.pick(["SADD", "SADD", "SREM"]), g.key(), g.members(1, 3)),
    lambda g: cmd("SISMEMBER", g.key(), g.member()),
    lambda g: cmd("SMISMEMBER", g.key(), g.members(1, 3)),
    lambda g: cmd("SMEMBERS", g.key(), norm="sorted"),
    lambda g: cmd("SCARD", g.key()),
    lambda g: cmd("SRANDMEMBER", g.key(), [g.count()] if g.chance(0.6) else [], norm="shape"),
    lambda g: cmd("SMOVE", g.key(), g.key(), g.member()),
    lambda g: cmd(g.pick(["SINTER", "SUNION", "SDIFF"]), g.keys(1, 3), norm="sorted"),
    lambda g: cmd(g.pick(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), g.key(), g.keys(1, 3)),
]


def g_zadd(g):
    flags = g.options((0.2, [g.pick(["NX", "XX"])]), (0.2, [g.pick(["GT", "LT"])]),
                      (0.2, ["CH"]), (0.15, ["INCR"]), (0.03, [g.pick(["NX", "GT"])]))
    pairs = [[g.score(), g.member()] for _ in range(g.rng.randint(1, 3))]
    if g.chance(0.03):
        pairs.append([g.score()])
    return cmd("ZADD", g.key(), flags, pairs)


def score_order(bound):
    return as_float(bound.lstrip("(")) or 0.0


def lex_order(bound):
    return {"-": (0, ""), "+": (2, "")}.get(bound, (1, bound[1:]))


def range_args(g, mode, rev):
    """min/max of a range for a mode (None = by rank), mostly in order: for REV, max
    first."""
    if mode is None:
        return [g.index(), g.index()]
    if mode == "BYSCORE":
        bounds, order = [g.score_bound(), g.score_bound()], score_order
    else:
        bounds, order = [g.lex_bound(), g.lex_bound()], lex_order
    if g.chance(0.85):
        bounds.sort(key=order, reverse=rev)
    return bounds


def limit(g):
    return ["LIMIT", g.maybe_bad([0, 1, 2, -1], ["x"]), g.maybe_bad([-1, 0, 1, 2, 5], ["x"])]


def lex_step(key, command):
    """A lex range command, preceded by the probe that tells whether Redis specifies its
    reply (only if all scores are equal)."""
    return [cmd("ZRANGE", key, 0, -1, "WITHSCORES", norm="probe"), command._replace(norm="lex")]


def maybe_lex(mode, key, command):
    return lex_step(key, command) if mode == "BYLEX" else command


def g_zrange(g, store=False):
    mode = g.pick([None, "BYSCORE", "BYLEX"])
    rev = g.chance(0.3)
    opts = g.options((1.0, [mode] if mode else []), (0.3 if rev else 0, ["REV"]),
                     (0.3, limit(g)), (0.02 if store else 0.4, ["WITHSCORES"]))
    dst = [g.key()] if store else []
    src = g.key()
    return maybe_lex(mode, src, cmd("ZRANGESTORE" if store else "ZRANGE", dst, src,
                                    range_args(g, mode, rev), opts))


def g_zrange_legacy(g):
    name = g.pick(["ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGEBYLEX",
                   "ZREVRANGEBYLEX"])
    mode = None if name == "ZREVRANGE" else ("BYLEX" if name.endswith("LEX") else "BYSCORE")
    opts = g.options((0.3 if mode else 0, limit(g)),
                     (0.4 if mode != "BYLEX" else 0.03, ["WITHSCORES"]))
    key = g.key()
    return maybe_lex(mode, key, cmd(name, key, range_args(g, mode, name.startswith("ZREV")), opts))


def g_zremrange(g):
    name = g.pick(["ZREMRANGEBYRANK", "ZREMRANGEBYSCORE", "ZREMRANGEBYLEX"])
    mode = {"ZREMRANGEBYRANK": None, "ZREMRANGEBYSCORE": "BYSCORE", "ZREMRANGEBYLEX": "BYLEX"}
    key = g.key()
    return maybe_lex(mode[name], key, cmd(name, key, range_args(g, mode[name], False)))


def g_zlexcount(g):
    key = g.key()
    return lex_step(key, cmd("ZLEXCOUNT", key, range_args(g, "BYLEX", False)))


def g_zsetop(g):
    name = g.pick(["ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
    store = name.endswith("STORE")
    keys = g.keys(1, 3)
    opts = []
    if not name.startswith("ZDIFF"):
        nweights = len(keys) if g.chance(0.95) else len(keys) + g.pick([-1, 1])
        weights = [g.maybe_bad(WEIGHTS, ["nan", "x", "0x2"]) for _ in range(nweights)]
        opts = g.options((0.3, ["WEIGHTS", weights]),
                         (0.3, ["AGGREGATE", g.maybe_bad(["SUM", "MIN", "MAX"], ["AVG"])]))
    if g.chance(0.03 if store else 0.5):
        opts.append("WITHSCORES")
    return cmd(name, [g.key()] if store else [], g.numkeys(keys), keys, opts)


def g_zmpop(g):
    keys = g.keys(1, 3)
    count = ["COUNT", g.count()] if g.chance(0.5) else []
    return cmd("ZMPOP", g.numkeys(keys), keys, g.maybe_bad(["MIN", "MAX"], ["MID"]), count)


def g_zintercard(g):
    keys = g.keys(1, 3)
    limit_ = ["LIMIT", g.maybe_bad([0, 1, 2, 5], [-1, "x"])] if g.chance(0.4) else []
    return cmd("ZINTERCARD", g.numkeys(keys), keys, limit_)


def g_zrandmember(g):
    args = []
    if g.chance(0.6):
        args = [g.count()] + (["WITHSCORES"] if g.chance(0.5) else [])
    return cmd("ZRANDMEMBER", g.key(), args, norm="shape")


ZSETS = [
    g_zadd, g_zadd, g_zadd, g_zrange, g_zrange, lambda g: g_zrange(g, store=True),
    g_zrange_legacy, g_zremrange, g_zlexcount, g_zsetop, g_zsetop, g_zmpop, g_zintercard,
    g_zrandmember,
    lambda g: cmd("ZINCRBY", g.key(), g.score(), g.member()),
    lambda g: cmd("ZREM", g.key(), g.members(1, 3)),
    lambda g: cmd(g.pick(["ZSCORE", "ZRANK", "ZREVRANK"]), g.key(), g.member()),
    lambda g: cmd("ZMSCORE", g.key(), g.members(1, 3)),
    lambda g: cmd("ZCARD", g.key()),
    lambda g: cmd("ZCOUNT", g.key(), range_args(g, "BYSCORE", False)),
    lambda g: cmd(g.pick(["ZPOPMIN", "ZPOPMAX"]), g.key(), [g.count()] if g.chance(0.5) else []),
]


def trim_args(g):
    """MAXLEN or MINID, exact: with `=` or without. No `~`: DiskDB trims exactly where
    Redis trims only whole radix-tree nodes (a documented difference). LIMIT, which needs
    `~`, only now and then, as an error."""
    strategy = g.maybe_bad(["MAXLEN", "MINID", "maxlen"], ["LEN", "MAXLEN~"])
    if strategy.upper() == "MINID":
        threshold = g.stream_id(incomplete=0.3)
    else:
        threshold = g.maybe_bad(MAXLENS, [-1] + BAD_INTS)
    args = [strategy] + (["="] if g.chance(0.5) else []) + [threshold]
    if g.chance(0.04):
        args += ["LIMIT", g.pick([0, 1, 10, -1])]
    return args


def g_xadd(g):
    opts = g.options((0.1, ["NOMKSTREAM"]), (0.2, trim_args(g)))
    r = g.rng.random()
    if r < 0.55:
        entry_id = g.stream_id(incomplete=0.05, bad=BAD_XADD_IDS)
    elif r < 0.9:
        entry_id = "%d-*" % g.rng.randint(0, STREAM_MS)  # explicit ms: deterministic
    else:
        entry_id = g.pick(["0-0", "0-1", "0-*", STREAM_MAX_ID, "18446744073709551615-*",
                           "*-1", "-", "+"])
    fields = g.fields()
    if g.chance(0.03):
        fields.append(g.member())  # a field without a value
    return cmd("XADD", g.key(), opts, entry_id, fields)


def id_order(bound):
    """Sort key of an XRANGE bound (bad ones anywhere)."""
    bound = bound.lstrip("(")
    if bound in ("-", "+"):
        return (-1, 0) if bound == "-" else (1 << 64, 0)
    ms, _, seq = bound.partition("-")
    try:
        return (int(ms), int(seq or 0))
    except ValueError:
        return (0, 0)


def g_xrange(g):
    name = g.pick(["XRANGE", "XREVRANGE"])
    bounds = [g.range_id(), g.range_id()]
    if g.chance(0.75):
        bounds.sort(key=id_order, reverse=name == "XREVRANGE")
    count = ["COUNT", g.count()] if g.chance(0.4) else []
    return cmd(name, g.key(), bounds, count)


def stream_keys(g, pick_id):
    """STREAMS k [k ...] id [id ...]: one or two keys, now and then an unbalanced list."""
    keys = g.keys(1, 2)
    ids = [pick_id() for _ in keys]
    if g.chance(0.03):
        ids = ids[1:] if len(ids) > 1 else ids + [pick_id()]
    return ["STREAMS", keys, ids]


def g_xread(g):
    def read_id():
        return g.pick(["$", "0", "0-0"]) if g.chance(0.3) else g.stream_id(incomplete=0.2)
    opts = g.options((0.5, ["COUNT", g.count()]))
    return cmd("XREAD", opts, stream_keys(g, read_id))


def g_xreadgroup(g):
    def read_id():
        return ">" if g.chance(0.7) else g.pick(["0", "0-0", g.stream_id(incomplete=0.2)])
    opts = g.options((0.5, ["COUNT", g.count()]), (0.1, ["NOACK"]))
    return cmd("XREADGROUP", "GROUP", g.group(), g.consumer(), opts, stream_keys(g, read_id))


def entries_read(g):
    return ["ENTRIESREAD", g.maybe_bad([0, 1, 2, 5, 100, -1], [-2, "x"])]


def g_xgroup(g):
    sub = g.pick(["CREATE", "CREATE", "CREATE", "SETID", "CREATECONSUMER", "DELCONSUMER",
                  "DESTROY"])
    key, group = g.key(), g.group()
    if sub in ("CREATE", "SETID"):
        group_id = g.pick(["$", "0", "0-0"]) if g.chance(0.4) else g.stream_id(incomplete=0.1)
        opts = g.options((0.4 if sub == "CREATE" else 0, ["MKSTREAM"]), (0.2, entries_read(g)))
        return cmd("XGROUP", sub, key, group, group_id, opts)
    if sub == "DESTROY":
        return cmd("XGROUP", sub, key, group)
    return cmd("XGROUP", sub, key, group, g.consumer())


def g_xpending(g):
    key, group = g.key(), g.group()
    if g.chance(0.35):
        return cmd("XPENDING", key, group)  # the summary: no times in it
    bounds = [g.range_id(), g.range_id()]
    if g.chance(0.8):
        bounds.sort(key=id_order)
    idle = ["IDLE", g.maybe_bad(MIN_IDLE, ["x", -1])] if g.chance(0.2) else []
    count = g.maybe_bad([10, 10, 1, 2, 0], [-1, "x"])
    consumer = [g.consumer()] if g.chance(0.3) else []
    return cmd("XPENDING", key, group, idle, bounds, count, consumer, norm="idle")


def claim_fixup(key, group, consumer):
    """Redis 7.0 creates XCLAIM's and XAUTOCLAIM's consumer with the first entry claimed,
    7.2 and DiskDB always: after creating it, both servers have it whatever was claimed."""
    return cmd("XGROUP", "CREATECONSUMER", key, group, consumer, norm="fixup")


def g_xclaim(g):
    key, group, consumer = g.key(), g.group(), g.consumer()
    ms = g.now * 1000
    opts = g.options((0.2, ["JUSTID"]), (0.15, ["FORCE"]),
                     (0.15, ["RETRYCOUNT", g.maybe_bad([0, 1, 5, -1], ["x"])]),
                     (0.15, ["IDLE", g.maybe_bad(IDLE_SET, ["x"])]),
                     (0.05, ["TIME", g.pick([ms - 10 ** 8, ms + 10 ** 8, 0, "x"])]),
                     (0.1, ["LASTID", g.stream_id()]))
    return [cmd("XCLAIM", key, group, consumer, g.maybe_bad(MIN_IDLE, ["x", -1]), g.stream_ids(),
                opts),
            claim_fixup(key, group, consumer)]


def g_xautoclaim(g):
    key, group, consumer = g.key(), g.group(), g.consumer()
    start = g.pick(["0", "0-0", "-"]) if g.chance(0.3) else g.stream_id(incomplete=0.2)
    opts = g.options((0.4, ["COUNT", g.maybe_bad([1, 2, 3, 10, 100], [0, -1, "x"])]),
                     (0.2, ["JUSTID"]))
    return [cmd("XAUTOCLAIM", key, group, consumer, g.maybe_bad(MIN_IDLE, ["x", -1]), start,
                opts),
            claim_fixup(key, group, consumer)]


def g_xinfo(g):
    sub = g.pick(["STREAM", "STREAM", "FULL", "GROUPS", "CONSUMERS"])
    key = g.key()
    if sub == "FULL":
        count = ["COUNT", g.maybe_bad([0, 1, 2, 10], [-1, "x"])] if g.chance(0.4) else []
        return cmd("XINFO", "STREAM", key, "FULL", count, norm="xinfo")
    if sub == "CONSUMERS":
        return cmd("XINFO", sub, key, g.group(), norm="xinfo")
    return cmd("XINFO", sub, key, norm="xinfo")


def g_xsetid(g):
    opts = g.options((0.3, ["ENTRIESADDED", g.maybe_bad([0, 1, 2, 5, 10, 100], [-1, "x"])]),
                     (0.3, ["MAXDELETEDID", g.stream_id()]))
    return cmd("XSETID", g.key(), g.stream_id(incomplete=0.1), opts)


STREAMS = [
    g_xadd, g_xadd, g_xadd, g_xadd, g_xrange, g_xrange, g_xread, g_xreadgroup, g_xreadgroup,
    g_xgroup, g_xgroup, g_xpending, g_xclaim, g_xautoclaim, g_xinfo, g_xsetid,
    lambda g: cmd("XTRIM", g.key(), trim_args(g)),
    lambda g: cmd("XDEL", g.key(), g.stream_ids()),
    lambda g: cmd("XACK", g.key(), g.group(), g.stream_ids()),
    lambda g: cmd("XLEN", g.key()),
]


def g_bulk(g, name):
    """A collection past the size thresholds: Redis's listpack limit (128) and DiskDB's
    rank buckets (1,024 members), all scores equal or not."""
    members = BULK_MEMBERS[:g.pick([200, len(BULK_MEMBERS)])]
    if name == "ZADD":
        scores = [0] * len(members) if g.chance(0.5) else [g.pick([0, 1, 2]) for _ in members]
        items = list(zip(scores, members))
    elif name == "HSET":
        items = [(m, i) for i, m in enumerate(members)]
    elif name == "XADD":  # one entry per command, past Redis's 100 entries per node
        key, ms = g.key(), g.rng.randint(0, STREAM_MS)
        return [cmd("XADD", key, "%d-*" % ms, "f", m) for m in members]
    else:
        items = members
    return cmd(name, g.key(), items)


def g_position(g):
    """A longitude and latitude around Sicily (now and then out of range or not a number)."""
    if g.chance(0.03):
        return [g.pick(["200", "-181", "x", "13"]), g.pick(["86", "-90", "38", "nan"])]
    return ["%.6f" % g.rng.uniform(12, 16), "%.6f" % g.rng.uniform(36, 40)]


def g_geoadd(g):
    opts = g.options((0.2, [g.pick(["NX", "XX"])]), (0.2, ["CH"]), (0.02, ["NX", "XX"]))
    return cmd("GEOADD", g.key(), opts, [g_position(g) + [g.member()] for _ in range(g.rng.randint(1, 4))])


def g_geosearch(g):
    unit = g.maybe_bad(["m", "km", "mi", "ft", "KM"], ["yd"])
    size = lambda: g.maybe_bad([str(g.pick([0, 1, 50, 100, 300])), "%.3f" % g.rng.uniform(0, 400)], ["-1", "x"])
    centre = (["FROMMEMBER", g.member()] if g.chance(0.4) else ["FROMLONLAT"] + g_position(g))
    area = ["BYRADIUS", size(), unit] if g.chance(0.6) else ["BYBOX", size(), size(), unit]
    store = g.chance(0.2)
    opts = g.options((1.0, centre), (0.97, area), (0.4, [g.pick(["ASC", "DESC"])]),
                     (0.3, ["COUNT", g.maybe_bad([1, 2, 5], [0, "x"])]), (0.1, ["ANY"]),
                     (0.0 if store else 0.3, ["WITHDIST"]), (0.0 if store else 0.3, ["WITHCOORD"]),
                     (0.0 if store else 0.3, ["WITHHASH"]), (0.3 if store else 0.0, ["STOREDIST"]))
    if store:
        return cmd("GEOSEARCHSTORE", g.key(), g.key(), opts)
    return cmd(g.pick(["GEOSEARCH", "GEOSEARCH"]), g.key(), opts)


def g_georadius(g):
    by_member = g.chance(0.4)
    name = "GEORADIUSBYMEMBER" if by_member else "GEORADIUS"
    if g.chance(0.3):
        name += "_RO"
    where = [g.member()] if by_member else g_position(g)
    store = not name.endswith("_RO") and g.chance(0.3)
    opts = g.options((0.4, [g.pick(["ASC", "DESC"])]), (0.3, ["COUNT", g.pick([1, 3])]),
                     (0.0 if store else 0.3, ["WITHDIST"]), (0.0 if store else 0.2, ["WITHCOORD"]),
                     (1.0 if store else 0.0, [g.pick(["STORE", "STOREDIST"]), g.key()]))
    return cmd(name, g.key(), where, g.pick(["10", "100", "300"]), g.pick(["km", "mi"]), opts)


GEO = [
    g_geoadd, g_geoadd, g_geosearch, g_geosearch, g_georadius,
    lambda g: cmd("GEOPOS", g.key(), g.members(1, 3)),
    lambda g: cmd("GEOHASH", g.key(), g.members(1, 3)),
    lambda g: cmd("GEODIST", g.key(), g.member(), g.member(), [g.pick(["m", "km", "mi", "ft"])] if g.chance(0.5) else []),
    lambda g: cmd("ZRANGE", g.key(), 0, -1),
]


def family(generators, bulk=None):
    """Generates a step of the family; bulk: the command that now and then (1%) adds a
    large collection instead."""
    def generate(g):
        if bulk and g.chance(0.01):
            return g_bulk(g, bulk)
        return g.pick(generators)(g)
    return generate


FAMILIES = {"strings": family(STRINGS), "keys": family(KEYSPACE),
            "lists": family(LISTS, "RPUSH"), "hashes": family(HASHES, "HSET"),
            "sets": family(SETS, "SADD"), "zsets": family(ZSETS, "ZADD"),
            "streams": family(STREAMS, "XADD"), "geo": family(GEO)}


# --------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------

CRASH, VALUE, ERROR, WORDING = "crash", "value", "error", "wording"
SEVERITY = {CRASH: 0, VALUE: 1, ERROR: 2, WORDING: 3}
# Divergences that are counted, not reported (the servers are flushed after them).
DRIFT, UNSPECIFIED = "float drift", "lex range over mixed scores"
SAME = "same"


# XINFO fields compared by type only: times, and the radix-tree sizes (DiskDB has no radix
# tree and shows the sizes of nodes of 100 entries, a documented difference); of them,
# those Redis 7.2 added (DiskDB reports 7.2) are left out of the comparison.
XINFO_BY_TYPE = {b"idle", b"inactive", b"seen-time", b"active-time", b"radix-tree-keys",
               b"radix-tree-nodes"}
XINFO_SINCE_72 = {b"inactive", b"active-time"}


def untimed(reply, at):
    """reply (an array) with its element at index at compared by type only."""
    tag, body = reply
    if tag != "*" or body is None or len(body) <= at or body[at][0] != ":":
        return reply
    return (tag, body[:at] + [(":", "some")] + body[at + 1:])


def normalise_xinfo(reply):
    """XINFO's replies (flat field/value arrays in RESP2, nested for FULL) with the
    XINFO_BY_TYPE fields and the delivery times of XINFO STREAM FULL's pending entries
    ([id, consumer, time, deliveries] in a group, [id, time, deliveries] in a consumer)
    compared by type only, and the fields Redis 7.2 added left out."""
    tag, body = reply
    if tag != "*" or body is None:
        return reply
    if len(body) % 2 == 0 and body and all(k[0] == "$" and k[1] in XINFO_FIELDS
                                           for k in body[::2]):
        out = []
        for name, value in zip(body[::2], body[1::2]):
            if name[1] in XINFO_SINCE_72:
                continue
            if name[1] in XINFO_BY_TYPE:
                value = (value[0], "some") if value[0] == ":" else value
            elif name[1] == b"pending" and value[0] == "*" and value[1]:
                value = ("*", [untimed(e, 2 if e[1] and len(e[1]) == 4 else 1)
                               for e in value[1]])
            else:
                value = normalise_xinfo(value)
            out += [name, value]
        return (tag, out)
    return (tag, [normalise_xinfo(item) for item in body])


XINFO_FIELDS = {b"length", b"radix-tree-keys", b"radix-tree-nodes", b"last-generated-id",
                b"max-deleted-entry-id", b"entries-added", b"recorded-first-entry-id",
                b"groups", b"first-entry", b"last-entry", b"entries", b"name", b"consumers",
                b"pending", b"last-delivered-id", b"entries-read", b"lag", b"pel-count",
                b"idle", b"inactive", b"seen-time", b"active-time"}


def normalise(reply, norm):
    tag, body = reply
    if tag == "-":
        return reply
    if norm == "idle" and tag == "*" and body is not None:
        return (tag, [untimed(entry, 2) for entry in body])  # [id, consumer, idle, count]
    if norm == "xinfo":
        return normalise_xinfo(reply)
    if norm == "ttl":
        return (tag, body if tag != ":" or body < 0 else "positive")
    if norm in ("shape", "fixup"):
        return (tag, len(body) if isinstance(body, list) else body is not None)
    if tag == "*" and body is not None and norm == "sorted":
        return (tag, sorted(body, key=repr))
    if tag == "*" and body is not None and norm == "pairs":
        return (tag, sorted((("*", body[i:i + 2]) for i in range(0, len(body), 2)), key=repr))
    return reply


def as_float(data):
    try:
        x = float(data)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def significant_digits(text):
    mantissa = re.split(rb"[eE]", text.lstrip(b"+-"))[0].replace(b".", b"")
    return len(mantissa.lstrip(b"0"))


def match_floats(r, d, drift_allowed):
    """SAME, DRIFT or None (different) for two bulk strings from Redis and DiskDB."""
    x, y = as_float(r), as_float(d)
    if x is None or y is None:
        return None
    # Redis 7.0 prints doubles (scores) with %.17g, 7.2 the shortest text that reads back
    # as the same double: 0.10000000000000001 and 0.1 are the same reply.
    if x == y and math.copysign(1, x) == math.copysign(1, y) and significant_digits(r) == 17:
        return SAME
    if (drift_allowed and max(significant_digits(r), significant_digits(d)) > 15
            and abs(x - y) <= 1e-13 * max(abs(x), abs(y))):
        return DRIFT
    return None


def match(r, d, drift_allowed):
    """SAME, DRIFT or None (different) for two normalised replies."""
    if r == d:
        return SAME
    if r[0] != d[0] or r[1] is None or d[1] is None:
        return None
    if r[0] == "$":
        return match_floats(r[1], d[1], drift_allowed)
    # Lists compare element-wise; "shape" replies are normalised to their lengths.
    if r[0] == "*" and isinstance(r[1], list) and isinstance(d[1], list) and len(r[1]) == len(d[1]):
        verdicts = [match(p, q, drift_allowed) for p, q in zip(r[1], d[1])]
        if None not in verdicts:
            return DRIFT if DRIFT in verdicts else SAME
    return None


class Divergence:
    def __init__(self, kind, command, redis, diskdb):
        self.kind, self.command, self.redis, self.diskdb = kind, command, redis, diskdb

    def name(self):
        return self.command.args[0].upper() if self.command.args else b"(empty command)"

    def options(self):
        return tuple(sorted({a.upper() for a in self.command.args[1:]} & OPTION_WORDS))

    def signature(self):
        """What identifies the finding: the command name, the kind and, for error
        replies, the error texts (with what they quote, such as key and group names in
        NOGROUP errors, left out), else the option keywords used."""
        if self.kind in (ERROR, WORDING):
            texts = tuple(re.sub(rb"'[^']*'", b"'...'", r[1])
                          for r in (self.redis, self.diskdb) if r and r[0] == "-")
            return (self.name(), self.kind, texts)
        return (self.name(), self.kind, self.options())


def compare(command, redis, diskdb, unspecified=False):
    """The Divergence between the two replies to command, or None if they agree.
    unspecified: Redis documents no particular reply for this command here."""
    if diskdb is None:
        return Divergence(CRASH, command, redis, diskdb)
    # INCRBYFLOAT's long double (Redis) vs double (DiskDB) shows in string and hash
    # values; sorted-set scores are doubles in both.
    drift_allowed = not command.args[0].upper().startswith(b"Z")
    verdict = match(normalise(redis, command.norm), normalise(diskdb, command.norm),
                    drift_allowed)
    if verdict == SAME:
        return None
    if unspecified:
        kind = UNSPECIFIED
    elif redis[0] == "-" and diskdb[0] == "-":
        kind = WORDING
    elif redis[0] == "-" or diskdb[0] == "-":
        kind = ERROR
    else:
        kind = DRIFT if verdict == DRIFT else VALUE
    return Divergence(kind, command, redis, diskdb)


# --------------------------------------------------------------------------------------
# Running, shrinking, reporting
# --------------------------------------------------------------------------------------


def mixed_scores(probe):
    """Does a probe's reply (ZRANGE key 0 -1 WITHSCORES) show different scores?"""
    return probe[0] == "*" and bool(probe[1]) and len(set(probe[1][1::2])) > 1


def compare_step(step, redis_replies, diskdb_replies):
    """The first Divergence between the replies to a step's commands, or None."""
    for i, (command, r, d) in enumerate(zip(step.cmds, redis_replies, diskdb_replies)):
        unspecified = command.norm == "lex" and mixed_scores(redis_replies[i - 1])
        divergence = compare(command, r, d, unspecified)
        if divergence:
            return divergence
    return None


class Harness:
    def __init__(self, redis, diskdb, pipeline):
        self.redis, self.diskdb, self.pipeline = redis, diskdb, pipeline

    def flush(self):
        for server in (self.redis, self.diskdb):
            try:
                if server.execute([[b"FLUSHALL"]])[0] == ("+", b"OK"):
                    continue
            except ConnectionLost:
                pass
            server.restart()

    def run(self, steps):
        """Runs steps on both servers, self.pipeline steps per round trip; returns each
        step's first Divergence (or None). After a crash it stops: the list is shorter."""
        results = []
        for start in range(0, len(steps), self.pipeline):
            chunk = steps[start:start + self.pipeline]
            args = [c.args for step in chunk for c in step.cmds]
            redis_replies = self.redis.execute(args)
            try:
                diskdb_replies = self.diskdb.execute(args)
                crashed = False
            except ConnectionLost as lost:
                diskdb_replies = lost.replies + [None] * (len(args) - len(lost.replies))
                crashed = True
                self.diskdb.restart()
            at = 0
            for step in chunk:
                n = len(step.cmds)
                results.append(compare_step(step, redis_replies[at:at + n],
                                            diskdb_replies[at:at + n]))
                at += n
            if crashed:
                break
        return results

    def reproduces(self, steps, signature):
        """The Divergence with this signature that running steps on flushed servers hits
        before any data divergence of another signature, or None."""
        self.flush()
        for divergence in self.run(steps):
            if divergence:
                if divergence.signature() == signature:
                    return divergence
                if divergence.kind != WORDING:
                    return None
        return None

    def shrink(self, steps, signature):
        """A minimal subsequence of steps (last step kept) that still reproduces, and the
        Divergence it shows (None if even all steps do not reproduce it)."""
        if not self.reproduces(steps, signature):
            return steps, None
        last, prefix = steps[-1], steps[:-1]
        relevant = set(last.keys or ALL_KEYS)
        related = []
        for step in reversed(prefix):  # steps that can have influenced the keys involved
            if step.keys is None or step.keys & relevant:
                related.append(step)
                relevant |= step.keys or set()
        related.reverse()
        if len(related) < len(prefix) and self.reproduces(related + [last], signature):
            prefix = related
        prefix = ddmin(prefix, lambda subset: self.reproduces(subset + [last], signature))
        return prefix + [last], self.reproduces(prefix + [last], signature)


def ddmin(items, test):
    """Zeller's delta debugging: a 1-minimal sublist of items for which test holds."""
    if test([]):
        return []
    n = 2
    while len(items) >= 2:
        size = -(-len(items) // n)
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        for i, chunk in enumerate(chunks):
            if test(chunk):
                items, n = chunk, 2
                break
            complement = [x for j, c in enumerate(chunks) if j != i for x in c]
            if len(chunks) > 2 and test(complement):
                items, n = complement, max(n - 1, 2)
                break
        else:
            if n >= len(items):
                break
            n = min(len(items), 2 * n)
    if len(items) == 1 and test([]):
        return []
    return items


def show_arg(arg):
    if len(arg) > 64:
        return show_long(arg)
    if arg and all(0x21 <= c < 0x7f and c not in b"\"'\\" for c in arg):
        return arg.decode()
    out = "".join(chr(c) if 0x20 <= c < 0x7f and c not in b"\"\\" else
                  "\\" + chr(c) if c in b"\"\\" else "\\x%02x" % c for c in arg)
    return '"%s"' % out


def show_long(arg):
    """A long argument as pattern*count[+rest] if it repeats a short pattern, else cut."""
    for period in range(1, 17):
        count = len(arg) // period
        rest = arg[count * period:]
        if arg[:period] * count + rest == arg and arg.startswith(rest):
            return "%s*%d%s" % (show_arg(arg[:period]), count, "+" + show_arg(rest) if rest else "")
    return "%s...(%d bytes)" % (show_arg(arg[:32]), len(arg))


def show_command(args):
    shown = [show_arg(a) for a in args]
    if len(shown) > 24:
        shown = shown[:9] + ["...(%d more arguments)..." % (len(shown) - 12)] + shown[-3:]
    return " ".join(shown)


def show_reply(reply, other=None):
    """redis-cli-like, on one line; a long array is shown around its first element that
    differs from the array other."""
    if reply is None:
        return "(connection lost: crash or timeout)"
    tag, body = reply
    if tag == "+":
        return body.decode(errors="replace")
    if tag == "-":
        return "(error) " + body.decode(errors="replace")
    if tag == ":":
        return "(integer) %d" % body
    if body is None:
        return "(nil)" if tag == "$" else "(nil array)"
    if tag == "$":
        return show_arg(body) if body else '""'
    others = other[1] if other and other[0] == "*" and other[1] is not None else []
    first = next((i for i, item in enumerate(body) if i >= len(others) or item != others[i]),
                 len(body))
    lo, hi = (0, len(body)) if len(body) <= 20 else (max(0, first - 3), min(len(body), first + 5))
    items = [show_reply(item, others[i] if i < len(others) else None)
             for i, item in enumerate(body[lo:hi], lo)]
    if lo:
        items.insert(0, "...%d before..." % lo)
    if hi < len(body):
        items.append("...%d more..." % (len(body) - hi))
    return "[" + ", ".join(items) + "]" + (" (%d elements)" % len(body) if len(body) > 20 else "")


NORM_NOTES = {"sorted": " (compared as a sorted multiset)", "pairs": " (compared as sorted pairs)",
              "shape": " (compared by type and length only)", "fixup": " (compared by type only)",
              "ttl": " (compared as -2/-1/positive)",
              "idle": " (idle times compared by type only)",
              "xinfo": " (times and radix-tree sizes by type only, fields new in Redis 7.2"
                       " left out)"}


class Finding:
    def __init__(self, divergence, repro, seed, pipeline, reproduced):
        self.divergence, self.repro, self.seed, self.pipeline = divergence, repro, seed, pipeline
        self.reproduced = reproduced
        self.count = 1

    def render(self):
        d = self.divergence
        lines = ["[%s] %s  (seen %d time%s, first with seed %d%s)"
                 % (d.kind, " ".join(show_arg(a) for a in (d.name(),) + d.options()),
                    self.count, "" if self.count == 1 else "s", self.seed,
                    ", %d steps per round trip" % self.pipeline if self.pipeline > 1 else ""),
                 "    FLUSHALL"]
        if not self.reproduced:
            lines[0] += "  NOT REPRODUCED by re-running these steps (timing-dependent?)"
        lines += ["    " + show_command(c.args) for step in self.repro for c in step.cmds]
        note = NORM_NOTES.get(d.command.norm, "")
        lines.append("  redis : " + show_reply(d.redis, d.diskdb) + note)
        lines.append("  diskdb: " + show_reply(d.diskdb, d.redis))
        return "\n".join(lines)


def fuzz_seed(harness, gen, ops, findings, stats, stop_on_first):
    """Runs one seed's ops steps; returns the number of new findings."""
    harness.flush()
    history = []
    new = done = 0
    while done < ops:
        batch = [gen.step() for _ in range(min(harness.pipeline, ops - done))]
        done += len(batch)
        stats["ops"] += len(batch)
        for step, divergence in zip(batch, harness.run(batch)):
            history.append(step)
            if divergence is None:
                continue
            signature = divergence.signature()
            if divergence.kind in (DRIFT, UNSPECIFIED):
                stats[divergence.kind] += 1
            elif signature in findings:
                findings[signature].count += 1
                if divergence.kind == WORDING:
                    continue  # the data still agree
            else:
                repro, shown = harness.shrink(history, signature)
                findings[signature] = Finding(shown or divergence, repro, gen.seed,
                                              harness.pipeline, reproduced=bool(shown))
                new += 1
                print(findings[signature].render() + "\n", flush=True)
                if stop_on_first:
                    return new
            # The data diverged, or shrinking replaced them: start over (the rest of the
            # batch ran on the old data, so its replies mean nothing).
            harness.flush()
            history = []
            break
    return new


def fuzz(harness, args):
    findings = {}
    stats = collections.Counter()
    families = args.family.split(",") if args.family else list(FAMILIES)
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        sys.exit("unknown family %s (choose from %s)" % (", ".join(unknown), ", ".join(FAMILIES)))
    deadline = time.monotonic() + args.max_time if args.max_time else None
    try:
        for seed in range(args.seed, args.seed + args.seeds):
            if deadline and time.monotonic() > deadline:
                break
            new = fuzz_seed(harness, Generator(seed, families), args.ops, findings, stats,
                            args.stop_on_first)
            stats["seeds"] += 1
            print("seed %d: %d new finding(s), %d distinct so far" % (seed, new, len(findings)),
                  file=sys.stderr, flush=True)
            if args.stop_on_first and findings:
                break
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    return findings, stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    parser.add_argument("--seeds", type=int, default=1, help="number of seeds (default 1)")
    parser.add_argument("--ops", type=int, default=1000, help="steps per seed (default 1000)")
    parser.add_argument("--family", help="comma-separated: " + ", ".join(FAMILIES))
    parser.add_argument("--stop-on-first", action="store_true",
                        help="stop after the first distinct divergence")
    parser.add_argument("--max-time", type=float,
                        help="start no new seed after this many seconds")
    parser.add_argument("--diskdb-bin", default=os.environ.get("DISKDB_BIN", os.path.expanduser(
        "~/.cache/diskdb-target/release/diskdb")))
    parser.add_argument("--redis-bin", default="redis-server")
    parser.add_argument("--diskdb-port", type=int, default=7301)
    parser.add_argument("--redis-port", type=int, default=7302)
    parser.add_argument("--external", action="store_true",
                        help="use servers already running on the two ports")
    parser.add_argument("--pipeline", type=int, default=1,
                        help="steps sent per round trip (default 1: one at a time)")
    parser.add_argument("--timeout", type=float, default=10,
                        help="seconds to wait for a reply (default 10)")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="difffuzz-")
    if args.external:
        redis_argv = diskdb_argv = None
    else:
        redis_argv = [args.redis_bin, "--port", str(args.redis_port), "--save", "",
                      "--appendonly", "no", "--daemonize", "no"]
        diskdb_argv = [args.diskdb_bin, "--port", str(args.diskdb_port),
                       "--dir", os.path.join(workdir, "diskdb")]
    redis = Server("redis", args.redis_port, redis_argv, os.path.join(workdir, "redis"),
                   args.timeout)
    diskdb = Server("diskdb", args.diskdb_port, diskdb_argv, os.path.join(workdir, "diskdb"),
                    args.timeout)
    try:
        redis.start()
        diskdb.start()
        started = time.monotonic()
        findings, stats = fuzz(Harness(redis, diskdb, max(1, args.pipeline)), args)
    finally:
        redis.stop()
        diskdb.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    ordered = sorted(findings.values(),
                     key=lambda f: (SEVERITY[f.divergence.kind], f.divergence.name()))
    print("=" * 78)
    print("%d seed(s), %d ops in %.0f s; %d distinct divergence(s); not reported: %d %s, %d %s"
          % (stats["seeds"], stats["ops"], time.monotonic() - started, len(ordered),
             stats[DRIFT], DRIFT, stats[UNSPECIFIED], UNSPECIFIED))
    for kind in (CRASH, VALUE, ERROR, WORDING):
        group = [f for f in ordered if f.divergence.kind == kind]
        if group:
            print("\n--- %s (%d) ---\n" % (kind, len(group)))
            print("\n\n".join(f.render() for f in group))
    return 1 if ordered else 0


if __name__ == "__main__":
    sys.exit(main())
