"""Redis 7 functions (FUNCTION LOAD/DELETE/FLUSH/LIST/STATS/KILL/DUMP/RESTORE, FCALL, FCALL_RO)
against a real server.

Libraries are global and FLUSHALL keeps them, so every test starts (and ends) with FUNCTION
FLUSH. The server lists libraries, and a library's functions, in no set order: they are
compared as sets here."""

import threading
import time

import pytest

from diskdb import CommandError, DataError, TypeMismatchError

MYLIB = """#!lua name=mylib
redis.register_function('incr_it', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)
redis.register_function{function_name='echo_it', callback=function(keys, args) return {keys[1], args[1]} end, flags={'no-writes'}, description='echoes'}
redis.register_function{function_name='sneaky', callback=function(keys, args) return redis.call('SET', keys[1], 'x') end, flags={'no-writes'}}"""

SPIN = """#!lua name=spin
redis.register_function{function_name='spin', callback=function(keys, args) while true do end end, flags={'no-writes'}}"""

OTHER = """#!lua name=other
redis.register_function('plus_one', function(keys, args) return tonumber(args[1]) + 1 end)"""


@pytest.fixture
def f(r):
    """``r`` with no function library loaded."""
    assert r.function_flush() is True
    yield r
    r.function_flush()


def by_name(functions):
    return {function["name"]: function for function in functions}


def test_load_and_fcall(f):
    assert f.function_load(MYLIB) == "mylib"
    assert f.fcall("incr_it", 1, "n", 5) == 5
    assert f.fcall("incr_it", 1, "n", 2) == 7
    assert f.get("n") == "7"
    assert f.fcall("echo_it", 1, "k", "v") == ["k", "v"]
    assert f.fcall_ro("echo_it", 1, "k", "v") == ["k", "v"]
    with pytest.raises(CommandError) as info:
        f.fcall("nosuch", 0)
    assert info.value.message == "ERR Function not found"
    with pytest.raises(CommandError) as info:
        f.fcall("incr_it", 2, "only-one")
    assert info.value.message == "ERR Number of keys can't be greater than number of args"
    # A failing redis.call raises, naming the function.
    f.set("s", "text")
    with pytest.raises(CommandError) as info:
        f.fcall("incr_it", 1, "s", 1)
    assert info.value.message.startswith("ERR value is not an integer or out of range script: incr_it")
    f.rpush("l", "a")
    with pytest.raises(TypeMismatchError):
        f.fcall("incr_it", 1, "l", 1)


def test_fcall_ro_refuses_writes(f):
    f.function_load(MYLIB)
    f.set("k", "v")
    with pytest.raises(CommandError) as info:
        f.fcall_ro("incr_it", 1, "n", 1)  # not flagged no-writes: refused before it runs
    assert info.value.message == "ERR Can not execute a script with write flag using *_ro command."
    with pytest.raises(CommandError) as info:
        f.fcall_ro("nosuch", 0)
    assert info.value.message == "ERR Function not found"
    # A no-writes function cannot write, whichever command calls it.
    for call in (f.fcall, f.fcall_ro):
        with pytest.raises(CommandError) as info:
            call("sneaky", 1, "k")
        assert info.value.message.startswith("ERR Write commands are not allowed from read-only scripts.")
    assert f.exists("n") == 0
    assert f.get("k") == "v"


def test_load_errors_and_replace(f):
    assert f.function_load(MYLIB) == "mylib"
    replacement = "#!lua name=mylib\nredis.register_function('incr_it', function() return 'replaced' end)"
    with pytest.raises(CommandError) as info:
        f.function_load(replacement)
    assert info.value.message == "ERR Library 'mylib' already exists"
    assert f.fcall("echo_it", 1, "k", "v") == ["k", "v"]  # the refused load changed nothing
    assert f.function_load(replacement, replace=True) == "mylib"
    assert f.fcall("incr_it", 0) == "replaced"
    with pytest.raises(CommandError) as info:
        f.fcall("echo_it", 1, "k", "v")  # gone with the old version of the library
    assert info.value.message == "ERR Function not found"
    # A function name is unique across libraries.
    with pytest.raises(CommandError) as info:
        f.function_load("#!lua name=clash\nredis.register_function('incr_it', function() return 1 end)")
    assert info.value.message == "ERR Function incr_it already exists"
    with pytest.raises(CommandError) as info:
        f.function_load("redis.register_function('x', function() return 1 end)")
    assert info.value.message == "ERR Missing library metadata"
    with pytest.raises(CommandError) as info:
        f.function_load("#!lua name=bad\nreturn x(")
    assert info.value.message.startswith("ERR Error compiling function")
    with pytest.raises(CommandError) as info:
        f.function_load("#!lua name=empty\nlocal a = 1")
    assert info.value.message == "ERR No functions registered"
    assert [library["library_name"] for library in f.function_list()] == ["mylib"]


def test_function_list(f):
    assert f.function_list() == []
    f.function_load(MYLIB)
    f.function_load(OTHER)
    libraries = {library["library_name"]: library for library in f.function_list()}
    assert set(libraries) == {"mylib", "other"}
    mylib = libraries["mylib"]
    assert set(mylib) == {"library_name", "engine", "functions"}  # no code without withcode
    assert mylib["engine"] == "LUA"
    assert by_name(mylib["functions"]) == {
        "incr_it": {"name": "incr_it", "description": None, "flags": set()},
        "echo_it": {"name": "echo_it", "description": "echoes", "flags": {"no-writes"}},
        "sneaky": {"name": "sneaky", "description": None, "flags": {"no-writes"}},
    }
    assert libraries["other"]["functions"] == [{"name": "plus_one", "description": None, "flags": set()}]

    # WITHCODE and a LIBRARYNAME pattern.
    [library] = f.function_list(library="my*", withcode=True)
    assert library["library_name"] == "mylib"
    assert library["library_code"] == MYLIB
    assert len(library["functions"]) == 3
    [library] = f.function_list(library="oth?r")
    assert library["library_name"] == "other" and "library_code" not in library
    assert f.function_list(library="nothing*") == []
    assert {library["library_name"] for library in f.function_list(withcode=True)} == {"mylib", "other"}


def test_function_list_without_decoding(rb):
    rb.function_flush()
    try:
        assert rb.function_load(MYLIB.encode()) == "mylib"  # a str whatever decode_responses says
        [library] = rb.function_list(withcode=True)
        # Names, engine and flags are text; the description and code stay as sent.
        assert library["library_name"] == "mylib" and library["engine"] == "LUA"
        assert library["library_code"] == MYLIB.encode()
        functions = by_name(library["functions"])
        assert functions["echo_it"] == {"name": "echo_it", "description": b"echoes", "flags": {"no-writes"}}
        assert rb.fcall("echo_it", 1, b"k", b"\xff\x00") == [b"k", b"\xff\x00"]
    finally:
        rb.function_flush()


def test_delete_and_flush(f):
    f.function_load(MYLIB)
    f.function_load(OTHER)
    assert f.function_delete("other") is True
    assert [library["library_name"] for library in f.function_list()] == ["mylib"]
    with pytest.raises(CommandError) as info:
        f.fcall("plus_one", 0, 1)
    assert info.value.message == "ERR Function not found"
    with pytest.raises(CommandError) as info:
        f.function_delete("other")
    assert info.value.message == "ERR Library not found"
    assert f.fcall("incr_it", 1, "n", 1) == 1
    for mode in (None, "ASYNC", "sync"):
        f.function_load(OTHER)
        assert f.function_flush(mode) is True
        assert f.function_list() == []
        with pytest.raises(CommandError) as info:
            f.fcall("plus_one", 0, 1)
        assert info.value.message == "ERR Function not found"
    with pytest.raises(DataError):
        f.function_flush("LATER")


def test_libraries_outlive_flushall(f):
    f.function_load(OTHER)
    f.flushall()
    assert f.fcall("plus_one", 0, 41) == 42


def test_function_stats(f):
    assert f.function_stats() == {
        "running_script": None,
        "engines": {"LUA": {"libraries_count": 0, "functions_count": 0}},
    }
    f.function_load(MYLIB)
    f.function_load(OTHER)
    assert f.function_stats() == {
        "running_script": None,
        "engines": {"LUA": {"libraries_count": 2, "functions_count": 4}},
    }


def library_names(client):
    return {library["library_name"] for library in client.function_list()}


def test_dump_and_restore(f):
    f.function_load(MYLIB)
    f.function_load(OTHER)
    payload = f.function_dump()
    assert isinstance(payload, bytes)  # binary, whatever decode_responses says
    assert f.function_flush() is True
    assert f.function_list() == []
    assert f.function_restore(payload) is True  # APPEND, the default
    assert library_names(f) == {"mylib", "other"}
    assert f.fcall("incr_it", 1, "n", 5) == 5
    assert f.fcall_ro("echo_it", 1, "k", "v") == ["k", "v"]
    assert f.fcall("plus_one", 0, 41) == 42
    # Code, descriptions and flags come back as they were loaded.
    [library] = f.function_list(library="mylib", withcode=True)
    assert library["library_code"] == MYLIB
    assert by_name(library["functions"])["echo_it"] == {"name": "echo_it", "description": "echoes", "flags": {"no-writes"}}
    # Restoring an empty server's dump with FLUSH empties it.
    f.function_flush()
    empty = f.function_dump()
    f.function_load(OTHER)
    assert f.function_restore(empty, "FLUSH") is True
    assert f.function_list() == []


def test_restore_append_refuses_collisions(f):
    f.function_load(MYLIB)
    payload = f.function_dump()
    with pytest.raises(CommandError) as info:
        f.function_restore(payload)  # mylib is still loaded
    assert info.value.message == "ERR Library mylib already exists"
    with pytest.raises(CommandError) as info:
        f.function_restore(payload, policy="append")
    assert info.value.message == "ERR Library mylib already exists"
    # A function name taken by another library collides too, and nothing is restored.
    f.function_flush()
    f.function_load(OTHER)
    f.function_load("#!lua name=clash\nredis.register_function('incr_it', function() return 'clash' end)")
    with pytest.raises(CommandError) as info:
        f.function_restore(payload)
    assert info.value.message == "ERR Function incr_it already exists"
    assert library_names(f) == {"other", "clash"}
    assert f.fcall("incr_it", 0) == "clash"


def test_restore_replace_and_flush(f):
    f.function_load(MYLIB)
    payload = f.function_dump()
    f.function_load("#!lua name=mylib\nredis.register_function('incr_it', function() return 'new' end)", replace=True)
    f.function_load(OTHER)
    assert f.fcall("incr_it", 0) == "new"
    # REPLACE: the payload's mylib replaces the loaded one; other libraries stay.
    assert f.function_restore(payload, "REPLACE") is True
    assert library_names(f) == {"mylib", "other"}
    assert f.fcall("incr_it", 1, "n", 3) == 3
    assert f.fcall("echo_it", 1, "k", "v") == ["k", "v"]
    assert f.fcall("plus_one", 0, 1) == 2
    # FLUSH: every loaded library goes first, so only the payload's remain.
    assert f.function_restore(payload, policy="flush") is True
    assert library_names(f) == {"mylib"}
    assert f.fcall("incr_it", 1, "n", 1) == 4
    with pytest.raises(CommandError) as info:
        f.fcall("plus_one", 0, 1)
    assert info.value.message == "ERR Function not found"
    with pytest.raises(DataError):
        f.function_restore(payload, "MERGE")  # refused before sending


def test_restore_refuses_bad_payloads(f):
    f.function_load(OTHER)
    payload = f.function_dump()
    assert f.function_restore(payload, "FLUSH") is True
    corrupted = bytearray(payload)
    corrupted[len(corrupted) // 2] ^= 0xFF
    with pytest.raises(CommandError) as info:
        f.function_restore(bytes(corrupted), "FLUSH")
    assert info.value.message == "ERR DUMP payload version or checksum are wrong"
    with pytest.raises(CommandError) as info:
        f.function_restore(b"not a payload", "FLUSH")
    assert info.value.message == "ERR DUMP payload version or checksum are wrong"
    # A key's DUMP payload is well formed, but holds no function library.
    f.set("k", "v")
    with pytest.raises(CommandError) as info:
        f.function_restore(f.dump("k"), "FLUSH")
    assert info.value.message == "ERR given type is not a function"
    assert library_names(f) == {"other"}  # refused payloads changed nothing, even with FLUSH
    assert f.fcall("plus_one", 0, 1) == 2


def test_dump_is_bytes_in_pipelines_and_without_decoding(f, rb):
    f.function_load(OTHER)
    payload = f.function_dump()
    assert rb.function_dump() == payload
    with f.pipeline() as pipe:
        pipe.function_dump().function_flush().function_restore(payload).fcall("plus_one", 0, 1)
        assert pipe.execute() == [payload, True, True, 2]


def test_function_kill_without_a_running_function(f):
    f.function_load(OTHER)
    assert f.fcall("plus_one", 0, 1) == 2
    with pytest.raises(CommandError) as info:
        f.function_kill()
    assert info.value.code == "NOTBUSY"
    assert info.value.message == "NOTBUSY No scripts in execution right now."


def test_resp3_gives_the_same_shapes(f, make_client):
    r3 = make_client(protocol=3)
    f.function_load(MYLIB)
    [library] = r3.function_list(withcode=True)
    assert library["library_name"] == "mylib" and library["engine"] == "LUA"
    assert library["library_code"] == MYLIB
    assert by_name(library["functions"]) == by_name(f.function_list()[0]["functions"])
    assert by_name(library["functions"])["echo_it"]["flags"] == {"no-writes"}
    assert r3.function_stats() == f.function_stats() == {
        "running_script": None,
        "engines": {"LUA": {"libraries_count": 1, "functions_count": 3}},
    }
    assert r3.fcall_ro("echo_it", 1, "k", "v") == ["k", "v"]


def test_stats_and_kill_while_a_function_runs(f, make_client, server):
    f.function_load(SPIN)
    old = f.config_get("busy-reply-threshold")["busy-reply-threshold"]
    f.config_set("busy-reply-threshold", 100)
    runner = make_client(timeout=10)
    outcome = {}

    def spin():
        try:
            runner.fcall("spin", 1, "k", "arg")
        except CommandError as exc:
            outcome["error"] = exc.message

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        if server.kind == "redis":
            # Redis answers other clients once the function has run past busy-reply-threshold,
            # and FUNCTION KILL stops it (it wrote nothing).
            deadline = time.monotonic() + 10
            running = None
            while running is None and time.monotonic() < deadline:
                stats = f.function_stats()
                running = stats["running_script"]
            assert running is not None, "FUNCTION STATS never saw the function run"
            assert running["name"] == "spin"
            assert running["command"] == ["FCALL", "spin", "1", "k", "arg"]
            assert isinstance(running["duration_ms"], int) and running["duration_ms"] >= 0
            assert stats["engines"] == {"LUA": {"libraries_count": 1, "functions_count": 1}}
            assert f.function_kill() is True
            thread.join(10)
            assert outcome["error"].startswith("ERR Script killed by user with SCRIPT KILL")
        else:
            # DiskDB runs nothing else meanwhile, so it stops the function itself once past the
            # threshold; FUNCTION STATS never sees one running.
            thread.join(10)
            assert outcome["error"].startswith("ERR Script killed after running longer than busy-reply-threshold")
            assert f.function_stats()["running_script"] is None
        assert not thread.is_alive()
        with pytest.raises(CommandError) as info:
            f.function_kill()
        assert info.value.code == "NOTBUSY"
    finally:
        if thread.is_alive():  # a failure above must not leave Redis busy for later tests
            try:
                f.function_kill()
            except CommandError:
                pass
        thread.join(10)
        f.config_set("busy-reply-threshold", old)
