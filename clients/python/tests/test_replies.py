"""Reply converters and the I/O-free pipeline and pub/sub logic, on hand-made replies in both
RESP2 and RESP3 shapes."""

import inspect

import pytest

from diskdb import CommandError, ProtocolError, WatchError
from diskdb import replies as R
from diskdb._pipeline import Queued, pack, read_timeout, results
from diskdb._pubsub import PubSubState
from diskdb.commands import Commands
from diskdb.resp import Push

INFO_TEXT = (
    "# Server\r\nredis_version:7.0.15\r\ntcp_port:6379\r\nuptime_in_days:0\r\n\r\n"
    "# Memory\r\nmem_fragmentation_ratio:1.5\r\nmaxmemory_policy:noeviction\r\n"
    "# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=0\r\n"
)


def test_parse_info():
    info = R.parse_info(INFO_TEXT)
    assert info["redis_version"] == "7.0.15"
    assert info["tcp_port"] == 6379
    assert info["mem_fragmentation_ratio"] == 1.5
    assert info["maxmemory_policy"] == "noeviction"
    assert info["db0"] == {"keys": 3, "expires": 1, "avg_ttl": 0}
    assert R.parse_info(INFO_TEXT.encode()) == info


@pytest.mark.parametrize(
    "reply", [["a", "1", "b", "2.5"], [["a", 1.0], ["b", 2.5]], [b"a", b"1", b"b", b"2.5"]]
)
def test_zset_pairs_resp2_and_resp3(reply):
    pairs = R.zset_pairs(reply)
    assert [float(s) for _, s in pairs] == [1.0, 2.5]
    assert all(isinstance(s, float) for _, s in pairs)


def test_to_dict_and_to_set_accept_both_shapes():
    assert R.to_dict(["a", "1", "b", "2"]) == {"a": "1", "b": "2"} == R.to_dict({"a": "1", "b": "2"})
    assert R.to_dict(None) == {}
    assert R.to_set(["a", "b"]) == {"a", "b"} == R.to_set({"a", "b"})


def test_type_name_maps_rejson():
    assert R.type_name("ReJSON-RL") == "json"
    assert R.type_name(b"string") == "string"
    assert R.type_name("none") == "none"


def test_stream_shapes():
    entry = ["1-0", ["f", "v", "g", "w"]]
    assert R.stream_entry(entry) == {"id": "1-0", "fields": {"f": "v", "g": "w"}}
    assert R.stream_entry(["2-0", None]) == {"id": "2-0", "fields": None}
    resp2 = [["s", [entry]]]
    resp3 = {"s": [entry]}
    expected = {"s": [{"id": "1-0", "fields": {"f": "v", "g": "w"}}]}
    assert R.xread_reply(resp2) == expected == R.xread_reply(resp3)
    assert R.xread_reply(None) == {}


def test_xpending_and_xautoclaim():
    assert R.xpending_summary([2, "1-0", "2-0", [["alice", "2"]]]) == {
        "pending": 2, "min": "1-0", "max": "2-0", "consumers": [{"name": "alice", "pending": 2}],
    }
    assert R.xpending_summary([0, None, None, None])["consumers"] == []
    assert R.xpending_range([["1-0", "alice", 5, 1]]) == [{"id": "1-0", "consumer": "alice", "idle": 5, "delivered": 1}]
    assert R.xautoclaim_reply(["0-0", [["1-0", ["f", "v"]]], ["3-0"]]) == {
        "next": "0-0", "entries": [{"id": "1-0", "fields": {"f": "v"}}], "deleted": ["3-0"],
    }
    assert R.xautoclaim_reply(["0-0", ["1-0"]])["entries"] == ["1-0"]  # JUSTID, Redis 6.2 shape


def test_json_converters():
    assert R.json_value('[{"a":1}]') == [{"a": 1}]
    assert R.json_value(b"3") == 3
    assert R.json_value(None) is None
    assert R.json_values(['[1]', None]) == [[1], None]
    assert R.json_type([b"object"]) == ["object"]


def test_ping_and_small_converters():
    assert R.ping_reply("PONG") is True and R.ping_reply(b"PONG") is True
    assert R.is_ok("OK") and R.is_ok(b"OK") and not R.is_ok(None)
    assert R.to_float("inf") == float("inf") and R.to_float(None) is None
    assert R.zadd_reply("2.5") == 2.5 and R.zadd_reply(3) == 3 and R.zadd_reply(None) is None
    assert R.time_reply(["1700000000", "12"]) == (1700000000, 12)
    assert R.to_pair(["k", "v"]) == ("k", "v") and R.to_pair(None) is None


def _q(*args, convert=None):
    return Queued(args, convert, None)


class TestPipelineCore:
    def test_pack_wraps_transactions(self):
        payload, count = pack([_q("SET", "a", "1")], True, "utf-8")
        assert count == 3
        assert payload.startswith(b"*1\r\n$5\r\nMULTI\r\n") and payload.endswith(b"*1\r\n$4\r\nEXEC\r\n")

    def test_read_timeout(self):
        assert read_timeout(5.0, [None, None]) == 5.0
        assert read_timeout(5.0, [2.0, None, 1.0]) == 8.0
        assert read_timeout(5.0, [0]) is None
        assert read_timeout(None, [1.0]) is None

    def test_results_convert_and_raise_first_error_after_all(self):
        cmds = [_q("SET", "a", "1", convert=R.is_ok), _q("INCR", "a"), _q("LPUSH", "a", "x")]
        err = CommandError("WRONGTYPE Operation against a key holding the wrong kind of value")
        with pytest.raises(CommandError) as info:
            results(cmds, ["OK", 2, err], False, True)
        assert info.value.index == 2 and info.value.command == ("LPUSH", "a", "x")
        assert "pipeline command #3, LPUSH" in str(info.value)
        out = results(cmds, ["OK", 2, err], False, False)
        assert out[:2] == [True, 2] and out[2] is err

    def test_transaction_unwrapping(self):
        cmds = [_q("INCR", "a"), _q("GET", "a")]
        assert results(cmds, ["OK", "QUEUED", "QUEUED", [1, "1"]], True, True) == [1, "1"]

    def test_transaction_null_exec_is_watch_error(self):
        with pytest.raises(WatchError):
            results([_q("INCR", "a")], ["OK", "QUEUED", None], True, True)

    def test_transaction_queue_error_beats_execabort(self):
        queue_error = CommandError("ERR wrong number of arguments for 'get' command")
        abort = CommandError("EXECABORT Transaction discarded because of previous errors.")
        with pytest.raises(CommandError) as info:
            results([_q("SET", "a", "1"), _q("GET")], ["OK", "QUEUED", queue_error, abort], True, True)
        assert info.value is queue_error and info.value.index == 1

    def test_transaction_length_mismatch(self):
        with pytest.raises(ProtocolError):
            results([_q("INCR", "a")], ["OK", "QUEUED", []], True, True)


class TestPubSubCore:
    def test_messages_and_handlers(self):
        seen = []
        on_b = seen.append
        state = PubSubState()
        assert state.subscribe("SUBSCRIBE", ["a"], {"b": on_b}) == ["SUBSCRIBE", "a", "b"]
        assert state.subscribed
        msg, handler = state.handle(["subscribe", "a", 1])
        assert msg == {"type": "subscribe", "pattern": None, "channel": "a", "data": 1} and handler is None
        msg, handler = state.handle(Push([b"message", b"b", b"hi"]))  # RESP3 push, bytes
        assert msg["type"] == "message" and msg["data"] == b"hi" and handler is on_b

    def test_patterns(self):
        state = PubSubState()
        state.subscribe("PSUBSCRIBE", ["n.*"], {})
        msg, _ = state.handle(["pmessage", "n.*", "n.1", "x"])
        assert msg == {"type": "pmessage", "pattern": "n.*", "channel": "n.1", "data": "x"}

    def test_unsubscribe_confirmations_end_the_subscription(self):
        state = PubSubState()
        state.subscribe("SUBSCRIBE", ["a"], {})
        state.handle(["unsubscribe", "a", 0])
        assert not state.subscribed
        assert state.resubscribe_commands() == []

    def test_ignore_subscribe_messages(self):
        state = PubSubState(ignore_subscribe_messages=True)
        state.subscribe("SUBSCRIBE", ["a"], {})
        assert state.handle(["subscribe", "a", 1]) is None
        assert state.handle(["message", "a", "x"])[0]["data"] == "x"

    def test_resubscribe_commands_after_reconnect(self):
        state = PubSubState()
        state.subscribe("SUBSCRIBE", ["a", b"b"], {})
        state.subscribe("PSUBSCRIBE", ["p*"], {})
        assert state.resubscribe_commands() == [["SUBSCRIBE", "a", b"b"], ["PSUBSCRIBE", "p*"]]

    def test_pong_in_both_protocols(self):
        state = PubSubState()
        assert state.handle(["pong", ""])[0]["type"] == "pong"
        assert state.handle("PONG")[0]["type"] == "pong"

    def test_error_reply_is_raised(self):
        with pytest.raises(CommandError):
            PubSubState().handle(CommandError("ERR unknown command 'subscribe'"))

    def test_invalidate_push_reads_as_the_resp2_message(self):
        seen = []
        state = PubSubState()
        state.subscribe("SUBSCRIBE", [], {"__redis__:invalidate": seen.append})
        resp2 = state.handle(["message", "__redis__:invalidate", ["k1", "k2"]])
        assert state.handle(Push(["invalidate", ["k1", "k2"]])) == resp2
        assert resp2[0] == {"type": "message", "pattern": None, "channel": "__redis__:invalidate", "data": ["k1", "k2"]}
        assert resp2[1] == seen.append
        msg, handler = PubSubState().handle(Push([b"invalidate", None]))  # FLUSHALL: no keys
        assert msg == {"type": "message", "pattern": None, "channel": b"__redis__:invalidate", "data": None}
        assert handler is None


def test_sync_and_async_clients_share_one_command_list():
    from diskdb import DiskDB, Pipeline
    from diskdb.asyncio import DiskDB as AsyncDiskDB
    from diskdb.asyncio import Pipeline as AsyncPipeline

    names = [n for n, f in vars(Commands).items() if callable(f) and not n.startswith("_")]
    assert len(names) > 150
    for cls in (DiskDB, Pipeline, AsyncDiskDB, AsyncPipeline):
        for name in names:
            # Not overridden anywhere: each client only supplies _execute.
            assert getattr(cls, name) is getattr(Commands, name), (cls, name)
    assert inspect.iscoroutinefunction(AsyncDiskDB._execute)
