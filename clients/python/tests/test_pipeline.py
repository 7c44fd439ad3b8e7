"""Pipelines, MULTI/EXEC transactions and WATCH."""

import threading

import pytest

from diskdb import CommandError, DataError, NoScriptError, TypeMismatchError, WatchError
from diskdb.connection import Connection


@pytest.fixture
def count_writes(monkeypatch):
    """Counts socket writes made through Connection.send."""
    calls = []
    original = Connection.send

    def send(self, data):
        calls.append(len(data))
        return original(self, data)

    monkeypatch.setattr(Connection, "send", send)
    return calls


def test_string_and_key_replies_in_order_with_conversions(r):
    with r.pipeline() as pipe:
        pipe.set("a", 1).set("a", 2, nx=True).incr("a").incrbyfloat("f", 0.5)
        pipe.get("a").mget("a", "nope").exists("a", "f", "nope").type("a").expire("a", 100).ping()
        assert pipe.execute() == [True, False, 2, 0.5, "2", ["2", None], 2, "string", True, True]


def test_collection_replies_in_order_with_conversions(r):
    with r.pipeline() as pipe:
        pipe.set("a", 1).incr("a").get("a")
        pipe.hset("h", mapping={"x": "1"})
        pipe.hgetall("h").exists("a", "h").zadd("z", {"m": 1.5}).zscore("z", "m")
        assert len(pipe) == 8
        assert pipe.execute() == [True, 2, "2", 1, {"x": "1"}, 2, 1, 1.5]
        assert len(pipe) == 0


def test_one_write_for_the_whole_pipeline(r, count_writes):
    r.ping()  # connect (the handshake of a plain client sends nothing)
    count_writes.clear()
    with r.pipeline() as pipe:
        for i in range(500):
            pipe.set("k%d" % i, i)
        pipe.mget(["k0", "k499"])
        results = pipe.execute()
    assert count_writes and len(count_writes) == 1
    assert results[-1] == ["0", "499"]


def test_transaction_is_one_write_too(r, count_writes):
    r.ping()
    count_writes.clear()
    with r.pipeline(transaction=True) as pipe:
        pipe.incr("n").incr("n")
        assert pipe.execute() == [1, 2]
    assert len(count_writes) == 1


def test_empty_pipeline(r):
    assert r.pipeline().execute() == []
    assert r.pipeline(transaction=True).execute() == []
    assert bool(r.pipeline()) is True


def test_error_is_raised_after_all_replies_were_read(r):
    r.set("s", "x")
    with r.pipeline() as pipe:
        pipe.set("a", "1").lpush("s", "boom").set("b", "2")
        with pytest.raises(TypeMismatchError) as info:
            pipe.execute()
    assert info.value.index == 1
    # The commands around the failing one ran, and the connection is still in step.
    assert r.mget("a", "b") == ["1", "2"]
    assert r.ping() is True


def test_raise_on_error_false_returns_errors_in_place(r):
    r.set("s", "x")
    pipe = r.pipeline()
    pipe.incr("s").set("ok", "1")
    first, second = pipe.execute(raise_on_error=False)
    assert isinstance(first, CommandError) and second is True


def test_transaction_results(r):
    with r.pipeline(transaction=True) as pipe:
        pipe.set("a", "1").incrby("a", 5).get("a")
        assert pipe.execute() == [True, 6, "6"]


def test_bit_commands_in_pipelines_and_transactions(r):
    with r.pipeline() as pipe:
        bf = pipe.bitfield("bf").set("u8", 0, 255).overflow("FAIL").incrby("u8", 0, 1)
        assert bf.execute() is pipe  # queued, not sent
        pipe.bitfield_ro("bf", "u8", 0).bitop("NOT", "inv", "bf").get("inv")
        assert pipe.execute() == [[0, None], [255], 1, "\x00"]
    with r.pipeline(transaction=True) as pipe:
        pipe.bitfield("bf").incrby("u8", 0, 1).execute()  # WRAP: 255 + 1 = 0
        pipe.bitfield_ro("bf", "u8", 0, items=[("u8", 0)])
        assert pipe.execute() == [[0], [0, 0]]
    with r.pipeline(transaction=True) as pipe:
        pipe.watch("bf")
        assert pipe.bitfield("bf").get("u8", 0).execute() == [0]  # immediate while watching
        pipe.multi()
        pipe.bitfield("bf").set("u8", 0, 7).execute()
        # A BITFIELD that only reads does not modify the key, so the WATCH still holds (Redis).
        assert pipe.execute() == [[0]]
    assert r.bitfield_ro("bf", "u8", 0) == [7]


def test_sort_in_pipelines_and_transactions(r):
    r.rpush("ids", 2, 1)
    r.set("name_1", "one")
    with r.pipeline(transaction=True) as pipe:
        pipe.sort("ids", get=["#", "name_*"], groups=True).sort("ids", desc=True, store="dst")
        pipe.sort_ro("dst", alpha=True, start=1, num=1).lrange("dst", 0, -1)
        assert pipe.execute() == [[("1", "one"), ("2", None)], 2, ["2"], ["2", "1"]]


def test_hyperloglog_in_pipelines_and_transactions(r):
    with r.pipeline() as pipe:
        pipe.pfadd("a", *("item:%d" % i for i in range(100))).pfadd("a", "item:0").pfadd("empty")
        pipe.pfcount("a").pfcount("a", "missing").pfmerge("m", "a", "empty").pfcount("m")
        assert pipe.execute() == [1, 0, 1, 99, 99, True, 99]
    with r.pipeline(transaction=True) as pipe:
        pipe.pfadd("b", *("item:%d" % i for i in range(50, 150))).pfcount("a", "b")
        pipe.pfmerge("m", "b").pfcount("m").pfadd("m", "item:1")
        assert pipe.execute() == [1, 149, True, 149, 0]
    # A runtime error inside the transaction affects only its own command.
    with r.pipeline(transaction=True) as pipe:
        pipe.set("s", "x").pfadd("s", "y").pfcount("m")
        results = pipe.execute(raise_on_error=False)
    assert results[0] is True and results[2] == 149
    assert isinstance(results[1], TypeMismatchError)
    assert results[1].message == "WRONGTYPE Key is not a valid HyperLogLog string value."


def test_geo_and_slowlog_in_pipelines_and_transactions(r):
    sicily = (13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania")
    with r.pipeline() as pipe:
        pipe.geoadd("Sicily", sicily).geodist("Sicily", "Palermo", "Catania", "km").geodist("Sicily", "Palermo", "x")
        pipe.geohash("Sicily", "Palermo", "x").geopos("Sicily", "x", "Catania")
        assert pipe.execute() == [
            2, 166.2742, None, ["sqc8b49rny0", None], [None, (15.08726745843887329, 37.50266842333162032)]
        ]
    with r.pipeline(transaction=True) as pipe:
        pipe.geosearch("Sicily", longitude=15, latitude=37, radius=200, unit="km", sort="DESC", withdist=True)
        pipe.geosearch("Sicily", longitude=15, latitude=37, radius=200, unit="km", sort="ASC")
        pipe.geosearchstore("dst", "Sicily", longitude=15, latitude=37, radius=100, unit="km", storedist=True)
        pipe.zrange("dst", 0, -1, withscores=True)
        assert pipe.execute() == [
            [["Palermo", 190.4424], ["Catania", 56.4413]], ["Catania", "Palermo"], 1, [("Catania", 56.4412578701582)]
        ]
    with r.pipeline() as pipe:
        pipe.slowlog_len().slowlog_get(0).slowlog_reset()
        results = pipe.execute()
    assert isinstance(results[0], int) and results[1:] == [[], True]


def test_scripts_in_pipelines_and_transactions(r, count_writes):
    r.script_flush()
    incr = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    echo = r.register_script("return {KEYS[1], ARGV[1]}")
    with r.pipeline() as pipe:
        incr(keys=["n"], args=[2], client=pipe)  # queued, like any pipeline command
        echo(keys=["k"], args=["v"], client=pipe)
        pipe.eval("return ARGV[1]", 0, "plain").script_exists(incr.sha, echo.sha)
        del count_writes[:]
        # SCRIPT EXISTS and SCRIPT LOAD (x2) go first, then the batch in one write.
        assert pipe.execute() == [2, ["k", "v"], "plain", [True, True]]
        assert len(count_writes) == 4
    del count_writes[:]
    with r.pipeline(transaction=True) as pipe:  # loaded now: just SCRIPT EXISTS, then the batch
        incr(keys=["n"], args=[3], client=pipe)
        pipe.get("n")
        assert pipe.execute() == [5, "5"]
    assert len(count_writes) == 2
    # Errors stay in place: EVALSHA of an unknown script, a failing script.
    with r.pipeline() as pipe:
        pipe.evalsha("0" * 40, 0).eval("return redis.error_reply('MYERR no')", 0).eval("return 1", 0)
        results = pipe.execute(raise_on_error=False)
    assert isinstance(results[0], NoScriptError) and results[0].message.startswith("NOSCRIPT")
    assert isinstance(results[1], CommandError) and results[1].message == "MYERR no"
    assert results[2] == 1


def test_scripts_while_watching(r, make_client):
    # One connection only: the watching pipeline pins it, so it must load scripts on it too.
    db = make_client(max_connections=1, timeout=2)
    incr = db.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    r.script_flush()
    with db.pipeline() as pipe:
        pipe.watch("n")
        assert incr(keys=["other"], args=[1], client=pipe) == 1  # runs at once while watching
        pipe.multi()
        r.script_flush()
        incr(keys=["n"], args=[10], client=pipe)
        assert pipe.execute() == [10]
    assert r.script_exists(incr.sha) == [True]


def test_functions_in_pipelines_and_transactions(r):
    r.function_flush()
    lib = "#!lua name=plib\nredis.register_function('add', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)"
    try:
        with r.pipeline() as pipe:
            pipe.function_load(lib).fcall("add", 1, "n", 2).fcall_ro("add", 1, "n", 1)
            pipe.function_list(library="plib").function_stats()
            results = pipe.execute(raise_on_error=False)
        assert results[:2] == ["plib", 2]
        assert isinstance(results[2], CommandError)
        assert results[2].message == "ERR Can not execute a script with write flag using *_ro command."
        assert results[3] == [
            {"library_name": "plib", "engine": "LUA", "functions": [{"name": "add", "description": None, "flags": set()}]}
        ]
        assert results[4] == {"running_script": None, "engines": {"LUA": {"libraries_count": 1, "functions_count": 1}}}
        with r.pipeline(transaction=True) as pipe:
            pipe.fcall("add", 1, "n", 3).function_delete("plib").fcall("add", 1, "n", 3).function_flush("SYNC")
            results = pipe.execute(raise_on_error=False)
        assert results[:2] == [5, True] and results[3] is True
        assert isinstance(results[2], CommandError) and results[2].message == "ERR Function not found"
        assert r.function_list() == []
    finally:
        r.function_flush()


def test_transaction_runtime_error_does_not_roll_back(r):
    # Redis semantics: EXEC runs every queued command; a runtime error affects only its own.
    r.set("s", "x")
    with r.pipeline(transaction=True) as pipe:
        pipe.set("a", "1").lpush("s", "v").set("b", "2")
        results = pipe.execute(raise_on_error=False)
    assert results[0] is True and isinstance(results[1], TypeMismatchError) and results[2] is True


def test_transaction_queueing_error_aborts_everything(r):
    assert r.pipeline(transaction=True).ping().execute() == [True]  # MULTI exists at all
    with r.pipeline(transaction=True) as pipe:
        pipe.set("a", "1").execute_command("GET")  # wrong arity: rejected while queueing
        with pytest.raises(CommandError) as info:
            pipe.execute()
    assert "wrong number of arguments" in info.value.message
    assert r.get("a") is None


def test_watch_detects_concurrent_change(r, make_client):
    other = make_client()
    r.set("balance", "10")
    with r.pipeline() as pipe:
        pipe.watch("balance")
        current = int(pipe.get("balance"))  # runs at once while watching
        other.set("balance", "999")
        pipe.multi()
        pipe.set("balance", current + 1)
        with pytest.raises(WatchError):
            pipe.execute()
    assert r.get("balance") == "999"


def test_watch_without_interference_commits(r):
    r.set("balance", "10")
    with r.pipeline() as pipe:
        assert pipe.watch("balance") is True
        current = int(pipe.get("balance"))
        pipe.multi()
        pipe.set("balance", current + 5).get("balance")
        assert pipe.execute() == [True, "15"]


def test_transaction_helper_retries_until_it_wins(r, make_client):
    other = make_client()
    r.set("counter", "0")
    attempts = []

    def bump(pipe):
        value = int(pipe.get("counter"))
        if not attempts:
            other.set("counter", "100")  # make the first attempt lose
        attempts.append(value)
        pipe.multi()
        pipe.set("counter", value + 1)
        return value + 1

    assert r.transaction(bump, "counter", value_from_callable=True) == 101
    assert attempts == [0, 100]
    assert r.get("counter") == "101"
    assert r.transaction(lambda p: p.multi() or p.incr("counter"), "counter") == [102]


def test_transaction_helper_under_contention(r):
    r.set("n", "0")
    r.transaction(lambda pipe: None, "n")  # WATCH/MULTI exist: fail here, not in a thread

    def incr(pipe):
        value = int(pipe.get("n"))
        pipe.multi()
        pipe.set("n", value + 1)

    def worker():
        for _ in range(20):
            r.transaction(incr, "n")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert r.get("n") == "80"


def test_multi_misuse(r):
    pipe = r.pipeline()
    pipe.set("a", 1)
    with pytest.raises(DataError):
        pipe.multi()
    pipe.reset()
    pipe.multi()
    with pytest.raises(DataError):
        pipe.multi()
    with pytest.raises(DataError):
        pipe.watch("a")


def test_scan_iter_is_refused_in_a_pipeline(r):
    with pytest.raises(DataError):
        r.pipeline().scan_iter()


def test_blocking_command_in_pipeline_extends_the_timeout(make_client):
    client = make_client(timeout=0.2)
    pipe = client.pipeline()
    pipe.blpop("nothing", timeout=0.5).ping()
    assert pipe.execute() == [None, True]
