"""The asyncio client: same commands as coroutines, pipelines, transactions, pub/sub.

Each test runs its own event loop with asyncio.run, so no pytest plugin is needed.
"""

import asyncio
import builtins
import socket
import time

import pytest
from _server import free_port

from diskdb import CommandError, ConnectionError, NoScriptError, TimeoutError, TypeMismatchError, WatchError
from diskdb.asyncio import DiskDB


@pytest.fixture
def arun(server):
    """Run ``coro_fn(client)`` on a fresh loop with a client on an empty database."""

    def run(coro_fn, **kwargs):
        async def main():
            kwargs.setdefault("host", "127.0.0.1")
            kwargs.setdefault("port", server.port)
            async with DiskDB(**kwargs) as client:
                await client.flushall()
                return await coro_fn(client)

        return asyncio.run(main())

    return run


def test_commands_are_coroutines(arun):
    async def body(r):
        assert await r.set("k", "v") is True
        assert await r.get("k") == "v"
        assert await r.incr("n") == 1
        assert await r.incrbyfloat("f", 0.5) == 0.5
        assert await r.exists("k", "n", "zz") == 2
        assert await r.type("k") == "string"
        assert await r.mget("k", "n") == ["v", "1"]
        assert await r.ping() is True
        info = await r.info("server")
        assert isinstance(info, dict) and info

    arun(body)


def test_collections(arun):
    async def body(r):
        await r.hset("h", mapping={"a": "1"})
        assert await r.hgetall("h") == {"a": "1"}
        await r.zadd("z", {"m": 2})
        assert await r.zrange("z", 0, -1, withscores=True) == [("m", 2.0)]
        await r.sadd("s", "x")
        assert await r.smembers("s") == {"x"}
        await r.rpush("l", "a")
        assert await r.blpop("l", timeout=1) == ("l", "a")

    arun(body)


def test_bytes_mode(arun):
    async def body(r):
        await r.set("k", b"\xff")
        assert await r.get("k") == b"\xff"

    arun(body, decode_responses=False)


def test_scan_iter_is_async(arun):
    async def body(r):
        await r.mset({"k%d" % i: i for i in range(50)})
        keys = [k async for k in r.scan_iter(match="k*", count=7)]
        assert sorted(keys) == sorted("k%d" % i for i in range(50))
        await r.hset("h", mapping={"f%d" % i: i for i in range(30)})
        assert len({f: v async for f, v in r.hscan_iter("h")}) == 30

    arun(body)


def test_concurrent_tasks_use_separate_connections(arun):
    async def body(r):
        results = await asyncio.gather(*(r.incr("n") for _ in range(200)))
        assert sorted(results) == list(range(1, 201))

    arun(body)


def test_max_connections_queues_tasks(arun):
    async def body(r):
        await asyncio.gather(*(r.incr("n") for _ in range(50)))
        assert r.pool._created == 2
        assert await r.get("n") == "50"

    arun(body, max_connections=2)


def test_errors(arun):
    async def body(r):
        await r.set("s", "x")
        with pytest.raises(TypeMismatchError):
            await r.lpush("s", "y")
        assert await r.get("s") == "x"

    arun(body)


def test_pipeline_and_transaction(arun):
    async def body(r):
        async with r.pipeline() as pipe:
            pipe.set("a", 1).incr("a").get("a").exists("a", "b").incrbyfloat("f", 1)
            assert await pipe.execute() == [True, 2, "2", 1, 1.0]
        async with r.pipeline(transaction=True) as pipe:
            pipe.incr("a").incr("a")
            assert await pipe.execute() == [3, 4]

    arun(body)


def test_watch_error_and_transaction_helper(arun, server):
    async def body(r):
        other = DiskDB(host="127.0.0.1", port=server.port)
        await r.set("k", "1")
        async with r.pipeline() as pipe:
            await pipe.watch("k")
            value = await pipe.get("k")
            await other.set("k", "changed")
            pipe.multi()
            pipe.set("k", int(value) + 1)
            with pytest.raises(WatchError):
                await pipe.execute()
        await other.close()

        async def bump(pipe):
            value = int(await pipe.get("k2") or 0)
            pipe.multi()
            pipe.set("k2", value + 1)

        await r.transaction(bump, "k2")
        await r.transaction(bump, "k2")
        assert await r.get("k2") == "2"

    arun(body)


def test_pubsub(arun):
    async def body(r):
        p = r.pubsub(ignore_subscribe_messages=True)
        seen = []

        async def handler(message):
            seen.append(message["data"])

        await p.subscribe("chan", other=handler)
        await p.get_message(timeout=0.2)
        await r.execute("PUBLISH", "chan", "hi")
        await r.execute("PUBLISH", "other", "via-handler")
        message = None
        deadline = time.monotonic() + 2
        while message is None and time.monotonic() < deadline:
            message = await p.get_message(timeout=0.5)
        assert message == {"type": "message", "pattern": None, "channel": "chan", "data": "hi"}
        while not seen and time.monotonic() < deadline:
            await p.get_message(timeout=0.1)
        assert seen == ["via-handler"]
        await p.unsubscribe()
        kinds = [m["type"] async for m in p.listen()]
        assert kinds == []  # unsubscribe confirmations are ignored too; listen() then ends
        await p.close()

    arun(body)


def test_dump_restore(arun):
    async def body(r):
        await r.set("bin", b"\xff\x00")
        await r.rpush("list", "a", "é")
        payload = await r.dump("bin")
        assert type(payload) is bytes and b"\xff\x00" in payload
        assert await r.dump("missing") is None
        assert await r.restore("copy", 60000, payload) is True
        assert 58000 < await r.pttl("copy") <= 60000
        with pytest.raises(CommandError) as info:
            await r.restore("copy", 0, payload)
        assert info.value.code == "BUSYKEY"
        async with r.pipeline(transaction=True) as pipe:
            pipe.dump("list").lrange("list", 0, -1).dump("copy")
            list_payload, items, copy_payload = await pipe.execute()
        assert type(list_payload) is bytes and items == ["a", "é"] and copy_payload == payload
        assert await r.restore("list", 0, list_payload, replace=True) is True
        assert await r.lrange("list", 0, -1) == ["a", "é"]
        async with r.pipeline(transaction=True) as pipe:
            await pipe.watch("list")
            assert await pipe.dump("list") == list_payload
            pipe.multi()
            pipe.restore("list2", 0, list_payload)
            assert await pipe.execute() == [True]

    arun(body)


def test_bit_commands(arun):
    async def body(r):
        bf = r.bitfield("bf").set("u8", 0, 250).incrby("u8", 0, 10, overflow="SAT")
        assert await bf.execute() == [0, 255]
        assert await bf.overflow("FAIL").incrby("u8", 0, 1).get("u8", 0).execute() == [None, 255]
        assert await r.bitfield_ro("bf", "u4", 0, items=[("u4", 4)]) == [15, 15]
        assert await r.bitop("NOT", "inv", "bf") == 1
        assert await r.bitfield_ro("inv", "u8", 0) == [0]
        async with r.pipeline() as pipe:
            pipe.bitfield("bf", default_overflow="FAIL").incrby("u8", 0, 1).execute()
            pipe.bitop("XOR", "x", "bf", "inv").bitfield_ro("x", "i8", 0)
            assert await pipe.execute() == [[None], 1, [-1]]

    arun(body)


def test_sort(arun):
    async def body(r):
        await r.rpush("ids", 3, 1, 2)
        await r.mset({"name_1": "one", "weight_1": 3, "weight_2": 2, "weight_3": 1})
        assert await r.sort("ids") == ["1", "2", "3"]
        assert await r.sort("ids", by="weight_*", get=["#", "name_*"], groups=True) == [
            ("3", None), ("2", None), ("1", "one"),
        ]
        assert await r.sort("ids", desc=True, store="dst") == 3
        assert await r.sort_ro("dst", start=0, num=2) == ["1", "2"]
        await r.rpush("words", "b", "a")
        with pytest.raises(CommandError) as info:
            await r.sort("words")
        assert info.value.message == "ERR One or more scores can't be converted into double"
        async with r.pipeline(transaction=True) as pipe:
            pipe.sort("words", alpha=True).sort_ro("ids", by="nosort", get="name_*")
            assert await pipe.execute() == [["a", "b"], [None, "one", None]]

    arun(body)


def test_hyperloglog(arun):
    async def body(r):
        assert await r.pfadd("a", *("item:%d" % i for i in range(100))) == 1
        assert await r.pfadd("a", "item:7") == 0
        assert await r.pfcount("a") == 99
        assert await r.pfadd("b", *("item:%d" % i for i in range(50, 150))) == 1
        assert await r.pfcount("a", "b", "missing") == 149
        assert await r.pfmerge("m", "a", "b") is True
        assert await r.pfcount("m") == 149
        await r.rpush("list", "x")
        with pytest.raises(TypeMismatchError) as info:
            await r.pfcount("list")
        assert info.value.message == "WRONGTYPE Operation against a key holding the wrong kind of value"
        async with r.pipeline(transaction=True) as pipe:
            pipe.pfadd("new").pfadd("new").pfcount("new", "a").pfmerge("m2", "new", "b").pfcount("m2")
            assert await pipe.execute() == [1, 0, 99, True, 99]

    arun(body)


def test_geo_and_slowlog(arun):
    async def body(r):
        assert await r.geoadd("Sicily", (13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania")) == 2
        assert await r.geopos("Sicily", "Palermo", "nope") == [(13.36138933897018433, 38.11555639549629859), None]
        assert await r.geodist("Sicily", "Palermo", "Catania", "km") == 166.2742
        assert await r.geohash("Sicily", "Palermo") == ["sqc8b49rny0"]
        assert await r.geosearch(
            "Sicily", longitude=15, latitude=37, radius=200, unit="km", sort="ASC", withdist=True, withhash=True
        ) == [["Catania", 56.4413, 3479447370796909], ["Palermo", 190.4424, 3479099956230698]]
        assert await r.geosearchstore("dst", "Sicily", member="Palermo", radius=200, unit="km") == 2
        async with r.pipeline(transaction=True) as pipe:
            pipe.geoadd("g", (15, 37, "x")).geopos("g", "x").geosearch("g", member="x", radius=1, withcoord=True)
            assert await pipe.execute() == [
                1,
                [(14.999999105930328, 37.00000026605964)],
                [["x", (14.999999105930328, 37.00000026605964)]],
            ]
        assert isinstance(await r.slowlog_len(), int)
        assert isinstance(await r.slowlog_get(1), list)
        assert await r.slowlog_reset() is True

    arun(body)


def test_scripting(arun):
    async def body(r):
        await r.script_flush()
        assert await r.eval("return {KEYS[1], ARGV[1], 3, false}", 1, "k", "v") == ["k", "v", 3, None]
        sha = await r.script_load("return ARGV[1]")
        assert await r.script_exists(sha, "0" * 40) == [True, False]
        assert await r.evalsha(sha, 0, "x") == "x"
        assert await r.evalsha_ro(sha, 0, "y") == "y"
        with pytest.raises(CommandError) as info:
            await r.eval_ro("return redis.call('SET', KEYS[1], 'x')", 1, "k")
        assert info.value.message.startswith("ERR Write commands are not allowed from read-only scripts.")
        assert await r.script_flush("ASYNC") is True
        with pytest.raises(NoScriptError):
            await r.evalsha(sha, 0, "x")

        incr = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        assert await incr(keys=["n"], args=[2]) == 2  # loaded on NOSCRIPT
        await r.script_flush()
        assert await incr(keys=["n"], args=[3]) == 5
        await r.script_flush()
        async with r.pipeline(transaction=True) as pipe:
            incr(keys=["n"], args=[1], client=pipe)
            pipe.get("n")
            assert await pipe.execute() == [6, "6"]
        async with r.pipeline(transaction=True) as pipe:
            await pipe.watch("n")
            await r.script_flush()
            assert await incr(keys=["m"], args=[1], client=pipe) == 1  # runs at once
            pipe.multi()
            await r.script_flush()
            incr(keys=["n"], args=[1], client=pipe)
            assert await pipe.execute() == [7]

    arun(body)


def test_functions(arun):
    async def body(r):
        await r.function_flush()
        lib = "#!lua name=alib\nredis.register_function{function_name='echo', callback=function(keys, args) return args[1] end, flags={'no-writes'}}"
        try:
            assert await r.function_load(lib) == "alib"
            with pytest.raises(CommandError) as info:
                await r.function_load(lib)
            assert info.value.message == "ERR Library 'alib' already exists"
            assert await r.function_load(lib, replace=True) == "alib"
            assert await r.fcall("echo", 0, "x") == "x"
            assert await r.fcall_ro("echo", 0, "y") == "y"
            assert await r.function_list(withcode=True) == [
                {"library_name": "alib", "engine": "LUA", "library_code": lib,
                 "functions": [{"name": "echo", "description": None, "flags": {"no-writes"}}]}
            ]
            stats = await r.function_stats()
            assert stats["engines"]["LUA"] == {"libraries_count": 1, "functions_count": 1}
            with pytest.raises(CommandError) as info:
                await r.function_kill()
            assert info.value.code == "NOTBUSY"
            payload = await r.function_dump()
            assert type(payload) is bytes
            with pytest.raises(CommandError) as info:
                await r.function_restore(payload)
            assert info.value.message == "ERR Library alib already exists"
            assert await r.function_restore(payload, "FLUSH") is True
            assert await r.fcall("echo", 0, "w") == "w"
            async with r.pipeline(transaction=True) as pipe:
                pipe.fcall("echo", 0, "z").function_delete("alib")
                assert await pipe.execute() == ["z", True]
            assert await r.function_list() == []
            assert await r.function_flush("ASYNC") is True
        finally:
            await r.function_flush()

    arun(body)


def test_monitor(arun, server):
    async def body(r):
        other = DiskDB(host="127.0.0.1", port=server.port, db=1)
        try:
            await other.ping()  # connect (SELECT 1) before monitoring starts
            async with r.monitor() as monitor:
                assert await monitor.next_command(timeout=0.1) is None
                await other.set("k", 'a "quoted"\nvalue\\')
                record = await monitor.next_command(timeout=2)
                assert record["args"] == ["SET", "k", 'a "quoted"\nvalue\\']
                assert record["db"] == 1 and record["client_address"] == "127.0.0.1"
                assert record["client_type"] == "tcp" and record["client_port"].isdigit()

                async def close_soon():
                    await asyncio.sleep(0.3)
                    await monitor.close()

                closer = asyncio.ensure_future(close_soon())
                await other.set("seen", "1")
                seen = [rec["args"] async for rec in monitor.listen()]  # ends when closed
                await closer
                assert seen == [["SET", "seen", "1"]]
            with pytest.raises(ConnectionError):
                await monitor.next_command(timeout=0)
        finally:
            await other.close()

    arun(body)


def test_monitor_bytes_mode(arun):
    async def body(r):
        async with r.monitor() as monitor:
            await r.set(b"k", bytes(range(256)))
            record = await monitor.next_command(timeout=2)
        assert record["args"] == [b"SET", b"k", bytes(range(256))]

    arun(body, decode_responses=False)


def test_connection_refused_and_timeout():
    async def body():
        client = DiskDB(host="127.0.0.1", port=free_port(), timeout=1)
        with pytest.raises(ConnectionError) as info:
            await client.ping()
        assert isinstance(info.value, builtins.ConnectionError)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        try:
            silent = DiskDB(host="127.0.0.1", port=listener.getsockname()[1], timeout=0.2)
            with pytest.raises(TimeoutError):
                await silent.get("k")
            await silent.close()
        finally:
            listener.close()

    asyncio.run(body())


def test_retry_after_server_side_disconnect(arun, server):
    async def body(r):
        assert await r.ping() is True
        killer = DiskDB(host="127.0.0.1", port=server.port)
        await killer.execute("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
        await killer.close()
        assert await r.set("k", "v") is True

    arun(body)


def test_blocking_command_extends_timeout(arun):
    async def body(r):
        assert await r.blpop("nothing", timeout=0.5) is None

    arun(body, timeout=0.2)
