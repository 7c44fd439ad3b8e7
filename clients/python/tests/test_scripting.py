"""Lua scripting (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT ...) against a real server.

The server converts a script's return value to a reply as Redis does; the client decodes that
reply like any other. The script cache is global and FLUSHALL keeps it, so tests that count on
a script being missing run SCRIPT FLUSH first."""

import hashlib

import pytest

from diskdb import CommandError, DataError, NoScriptError, TypeMismatchError


def sha1(script):
    return hashlib.sha1(script.encode()).hexdigest()


def test_eval_keys_and_args(r):
    assert r.eval("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}", 2, "k1", "k2", "a1", 7) == ["k1", "k2", "a1", "7"]
    assert r.eval("return {#KEYS, #ARGV}", 0) == [0, 0]
    assert r.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, "k", "written") == "OK"
    assert r.get("k") == "written"
    assert r.eval("return redis.call('GET', KEYS[1])", 1, "k") == "written"
    r.rpush("l", "a", "b")
    assert r.eval("return redis.call('LRANGE', KEYS[1], 0, -1)", 1, "l") == ["a", "b"]
    with pytest.raises(CommandError) as info:
        r.eval("return 1", 2, "only-one")
    assert info.value.message == "ERR Number of keys can't be greater than number of args"


def test_reply_conversions(r):
    assert r.eval("return 42", 0) == 42
    assert r.eval("return 3.99", 0) == 3  # a Lua number becomes an integer, truncated
    assert r.eval("return -2.5", 0) == -2
    assert r.eval("return tostring(1.5)", 0) == "1.5"
    assert r.eval("return 'text'", 0) == "text"
    assert r.eval("return true", 0) == 1
    assert r.eval("return false", 0) is None
    assert r.eval("return nil", 0) is None
    assert r.eval("return {}", 0) == []
    assert r.eval("return {1, 'two', {3, 'four'}, true, false, 'after'}", 0) == [1, "two", [3, "four"], 1, None, "after"]
    assert r.eval("return {1, 2, nil, 4}", 0) == [1, 2]  # a table ends at its first nil
    assert r.eval("return redis.status_reply('FINE')", 0) == "FINE"
    assert r.eval("return {ok='ALSO FINE'}", 0) == "ALSO FINE"
    assert r.eval("return redis.call('INCRBY', KEYS[1], 5)", 1, "n") == 5
    assert r.eval("return redis.call('GET', KEYS[1])", 1, "missing") is None  # nil -> false -> nil


def test_replies_are_bytes_without_decoding(rb):
    assert rb.eval("return {ARGV[1], 7, redis.status_reply('OK'), false}", 0, b"\xff\x00") == [b"\xff\x00", 7, b"OK", None]
    # The digest is text, whatever decode_responses says.
    assert rb.script_load("return 1") == sha1("return 1")


def test_error_replies(r):
    with pytest.raises(CommandError) as info:
        r.eval("return redis.error_reply('MYERR something broke')", 0)
    assert info.value.code == "MYERR" and info.value.message == "MYERR something broke"
    with pytest.raises(CommandError) as info:
        r.eval("return {err='OTHER failure'}", 0)
    assert info.value.message == "OTHER failure"
    # Inside a table the error stays in place, as in a pipeline's results.
    reply = r.eval("return {1, redis.error_reply('MYERR inner'), 3}", 0)
    assert reply[0] == 1 and reply[2] == 3
    assert isinstance(reply[1], CommandError) and reply[1].message == "MYERR inner"
    # redis.call raises the command's error (the server adds where); redis.pcall returns it.
    r.set("s", "text")
    with pytest.raises(CommandError) as info:
        r.eval("return redis.call('INCR', KEYS[1])", 1, "s")
    assert info.value.message.startswith("ERR value is not an integer or out of range script: ")
    with pytest.raises(CommandError) as info:
        r.eval("return redis.pcall('INCR', KEYS[1])", 1, "s")
    assert info.value.message == "ERR value is not an integer or out of range"
    with pytest.raises(TypeMismatchError):
        r.eval("return redis.call('LPUSH', KEYS[1], 'x')", 1, "s")
    with pytest.raises(CommandError) as info:
        r.eval("return x(", 0)
    assert info.value.message.startswith("ERR Error compiling script")
    assert r.get("s") == "text"


def test_script_load_and_evalsha(r):
    r.script_flush()
    script = "return {KEYS[1], ARGV[1]}"
    sha = r.script_load(script)
    assert sha == sha1(script)
    assert r.script_exists(sha, "0" * 40) == [True, False]
    assert r.evalsha(sha, 1, "k", "a") == ["k", "a"]
    assert r.evalsha(sha.upper(), 1, "k", "a") == ["k", "a"]  # the digest's case does not matter
    assert r.script_load(script) == sha  # loading again changes nothing
    # EVAL caches the script too.
    assert r.script_exists(sha1("return 'cached'")) == [False]
    assert r.eval("return 'cached'", 0) == "cached"
    assert r.evalsha(sha1("return 'cached'"), 0) == "cached"
    with pytest.raises(CommandError) as info:
        r.script_load("return x(")
    assert info.value.message.startswith("ERR Error compiling script")


def test_noscript_error(r):
    sha = r.script_load("return 1")
    assert r.evalsha(sha, 0) == 1  # EVALSHA exists: the errors below are real ones
    r.script_flush()
    for call in (r.evalsha, r.evalsha_ro):
        with pytest.raises(NoScriptError) as info:
            call(sha, 0)
        assert isinstance(info.value, CommandError)
        assert info.value.code == "NOSCRIPT"
        assert info.value.message == "NOSCRIPT No matching script. Please use EVAL."


def test_script_exists_and_flush(r):
    shas = [r.script_load("return %d" % i) for i in range(3)]
    assert r.script_exists(*shas) == [True, True, True]
    assert r.script_flush() is True
    assert r.script_exists(*shas) == [False, False, False]
    for mode in ("ASYNC", "sync"):
        r.script_load("return 0")
        assert r.script_flush(mode) is True
        assert r.script_exists(shas[0]) == [False]
    with pytest.raises(DataError):
        r.script_flush("LATER")


def test_read_only_scripts(r):
    r.set("k", "v")
    assert r.eval_ro("return redis.call('GET', KEYS[1])", 1, "k") == "v"
    with pytest.raises(CommandError) as info:
        r.eval_ro("return redis.call('SET', KEYS[1], 'x')", 1, "k")
    assert info.value.message.startswith("ERR Write commands are not allowed from read-only scripts.")
    sha = r.script_load("return redis.call('DEL', KEYS[1])")
    with pytest.raises(CommandError) as info:
        r.evalsha_ro(sha, 1, "k")
    assert info.value.message.startswith("ERR Write commands are not allowed from read-only scripts.")
    assert r.get("k") == "v"
    assert r.evalsha(sha, 1, "k") == 1  # the same script may write through EVALSHA


def test_script_kill_without_a_running_script(r):
    with pytest.raises(CommandError) as info:
        r.script_kill()
    assert info.value.code == "NOTBUSY"
    assert info.value.message == "NOTBUSY No scripts in execution right now."


def test_register_script_loads_on_noscript(r, make_client):
    r.script_flush()
    incr = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    assert incr.sha == sha1("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    assert r.script_exists(incr.sha) == [False]
    assert incr(keys=["n"], args=[5]) == 5  # NOSCRIPT, then SCRIPT LOAD and EVALSHA again
    assert r.script_exists(incr.sha) == [True]
    assert incr(keys=["n"], args=[2]) == 7
    r.script_flush()
    assert incr(keys=["n"], args=[1]) == 8  # loaded again after the flush
    assert r.register_script(b"return 'no keys, no args'")() == "no keys, no args"
    # Another client runs it and decodes the reply its own way.
    echo = r.register_script("return {KEYS[1], ARGV[1]}")
    other = make_client(decode_responses=False)
    assert echo(keys=["k"], args=["v"], client=other) == [b"k", b"v"]
    # A script that fails is not retried: its error is raised.
    fail = r.register_script("return redis.error_reply('MYERR no')")
    with pytest.raises(CommandError) as info:
        fail()
    assert info.value.message == "MYERR no"
