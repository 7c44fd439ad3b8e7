"""The protocol layer on byte strings: encoding, and parsing however the bytes are split."""

import math
import time

import pytest

from diskdb import AuthenticationError, CommandError, DataError, ProtocolError, TypeMismatchError, UnknownCommandError
from diskdb.resp import NEED_MORE, Push, Reader, encode_command, encode_commands


def parse_all(data: bytes, encoding="utf-8", chunk: int = 0):
    """Feed ``data`` (whole, or ``chunk`` bytes at a time) and collect every reply."""
    reader = Reader(encoding)
    out = []
    pieces = [data] if not chunk else [data[i : i + chunk] for i in range(0, len(data), chunk)]
    for piece in pieces:
        reader.feed(piece)
        while True:
            reply = reader.gets()
            if reply is NEED_MORE:
                break
            out.append(reply)
    return out


class TestEncode:
    def test_command_is_array_of_bulk_strings(self):
        assert encode_command(("SET", "k", "v")) == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"

    def test_numbers_and_bytes(self):
        assert encode_command(("X", 12, -3, 1.5, b"\x00\r\n")) == (
            b"*5\r\n$1\r\nX\r\n$2\r\n12\r\n$2\r\n-3\r\n$3\r\n1.5\r\n$3\r\n\x00\r\n\r\n"
        )

    def test_float_keeps_full_precision_and_infinity(self):
        assert encode_command((0.1 + 0.2,)) == b"*1\r\n$19\r\n0.30000000000000004\r\n"
        assert encode_command((float("inf"),)) == b"*1\r\n$3\r\ninf\r\n"

    def test_unicode_is_utf8_and_length_is_in_bytes(self):
        assert encode_command(("é",)) == b"*1\r\n$2\r\n\xc3\xa9\r\n"

    def test_bytearray_and_memoryview(self):
        assert encode_command((bytearray(b"ab"), memoryview(b"cd"))) == b"*2\r\n$2\r\nab\r\n$2\r\ncd\r\n"

    @pytest.mark.parametrize("bad", [True, False, None, object(), [1]])
    def test_refuses_values_redis_has_no_type_for(self, bad):
        with pytest.raises(DataError):
            encode_command(("SET", "k", bad))

    def test_int_subclass_enum(self):
        import enum

        class Level(enum.IntEnum):
            HIGH = 3

        assert encode_command((Level.HIGH,)) == b"*1\r\n$1\r\n3\r\n"

    def test_large_value_round_trips(self):
        big = b"x" * 100_000
        assert encode_command((big,)) == b"*1\r\n$100000\r\n" + big + b"\r\n"

    def test_many_commands_in_one_buffer(self):
        assert encode_commands([("PING",), ("GET", "a")]) == b"*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n"


class TestReader:
    def test_simple_types(self):
        assert parse_all(b"+OK\r\n:42\r\n:-7\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n$0\r\n\r\n") == [
            "OK", 42, -7, "hello", None, None, "",
        ]

    def test_bytes_without_encoding(self):
        assert parse_all(b"+OK\r\n$3\r\n\xff\x00\n\r\n", encoding=None) == [b"OK", b"\xff\x00\n"]

    def test_bulk_may_contain_crlf(self):
        assert parse_all(b"$4\r\na\r\nb\r\n") == ["a\r\nb"]

    def test_nested_arrays(self):
        data = b"*3\r\n:1\r\n*2\r\n$1\r\na\r\n*0\r\n*-1\r\n"
        assert parse_all(data) == [[1, ["a", []], None]]

    def test_every_split_gives_the_same_replies(self):
        data = (
            b"*2\r\n*2\r\n$3\r\nfoo\r\n:1\r\n$-1\r\n+PONG\r\n-ERR x\r\n"
            b"%1\r\n+k\r\n~2\r\n:1\r\n:2\r\n,1.5\r\n#t\r\n_\r\n"
        )
        whole = parse_all(data)
        for size in (1, 2, 3, 5, 7):
            split = parse_all(data, chunk=size)
            assert [repr(x) for x in split] == [repr(x) for x in whole]

    def test_errors_are_returned_as_values_with_the_right_class(self):
        replies = parse_all(
            b"-ERR value is not an integer or out of range\r\n"
            b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
            b"-NOAUTH Authentication required.\r\n"
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
            b"-ERR unknown command 'foo', with args beginning with: \r\n"
        )
        assert [type(e) for e in replies] == [
            CommandError, TypeMismatchError, AuthenticationError, AuthenticationError, UnknownCommandError,
        ]
        assert replies[0].code == "ERR"
        assert replies[1].code == "WRONGTYPE"
        assert str(replies[0]) == "ERR value is not an integer or out of range"
        assert issubclass(TypeMismatchError, CommandError)

    def test_error_inside_array_stays_in_place(self):
        (reply,) = parse_all(b"*2\r\n+OK\r\n-ERR bad\r\n")
        assert reply[0] == "OK" and isinstance(reply[1], CommandError)

    def test_need_more_is_a_distinct_falsy_sentinel(self):
        reader = Reader()
        assert reader.gets() is NEED_MORE
        assert not NEED_MORE and NEED_MORE is not False
        reader.feed(b"#f\r\n")
        assert reader.gets() is False

    def test_resp3_types(self):
        data = (
            b"%2\r\n+a\r\n:1\r\n+b\r\n*1\r\n:2\r\n"  # map
            b"~2\r\n+x\r\n+y\r\n"  # set
            b",3.25\r\n,inf\r\n,-inf\r\n,nan\r\n"  # doubles
            b"#t\r\n_\r\n(12345678901234567890123\r\n"  # bool, null, big number
            b"=15\r\ntxt:Some string\r\n"  # verbatim
            b">3\r\n+message\r\n+ch\r\n+hi\r\n"  # push
        )
        m, s, d1, d2, d3, d4, b, n, big, verb, push = parse_all(data)
        assert m == {"a": 1, "b": [2]}
        assert s == {"x", "y"}
        assert (d1, d2, d3) == (3.25, math.inf, -math.inf) and math.isnan(d4)
        assert b is True and n is None and big == 12345678901234567890123
        assert verb == "Some string"
        assert isinstance(push, Push) and push == ["message", "ch", "hi"]

    def test_resp3_unhashable_map_keys_and_set_members_become_tuples(self):
        assert parse_all(b"%1\r\n*2\r\n:1\r\n:2\r\n+v\r\n~1\r\n*1\r\n:3\r\n") == [{(1, 2): "v"}, {(3,)}]

    def test_resp3_blob_error(self):
        (err,) = parse_all(b"!21\r\nSYNTAX invalid syntax\r\n")
        assert isinstance(err, CommandError) and err.code == "SYNTAX"

    def test_resp3_attributes_are_skipped(self):
        data = b"|1\r\n+ttl\r\n:3\r\n:7\r\n*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n"
        assert parse_all(data) == [7, [1, 2]]
        assert parse_all(data, chunk=1) == [7, [1, 2]]

    def test_malformed_input_is_a_protocol_error(self):
        reader = Reader()
        reader.feed(b"?what\r\n")
        with pytest.raises(ProtocolError):
            reader.gets()
        reader = Reader()
        reader.feed(b"$abc\r\n")
        with pytest.raises(ProtocolError):
            reader.gets()

    def test_large_reply_in_small_chunks_is_linear(self):
        # 20k-element array delivered in 4 KiB pieces: the reader must not re-parse from the
        # start on every piece (that would take seconds, not milliseconds).
        count = 20_000
        data = b"*%d\r\n" % count + b"".join(b"$6\r\nv%05d\r\n" % i for i in range(count))
        start = time.perf_counter()
        (reply,) = parse_all(data, chunk=4096)
        assert len(reply) == count and reply[-1] == "v19999"
        assert time.perf_counter() - start < 2.0

    def test_big_bulk_in_chunks(self):
        payload = b"z" * 1_000_000
        (reply,) = parse_all(b"$1000000\r\n" + payload + b"\r\n", encoding=None, chunk=65536)
        assert reply == payload

    def test_invalid_utf8_raises_with_strict_decoding(self):
        reader = Reader("utf-8")
        reader.feed(b"$1\r\n\xff\r\n")
        with pytest.raises(UnicodeDecodeError):
            reader.gets()
        reader = Reader("utf-8", "replace")
        reader.feed(b"$1\r\n\xff\r\n")
        assert reader.gets() == "\ufffd"


class TestDecodeReply:
    """``decode_reply`` turns a reply read as bytes into what a decoding reader returns: how a
    batch holding a DUMP (read undecoded) gives its other replies the usual ``str`` form."""

    FRAMES = [
        b"+OK\r\n",
        b"$5\r\ncaf\xc3\xa9\r\n",
        b"$-1\r\n",
        b":42\r\n",
        b"-ERR bad thing\r\n",
        b"*3\r\n$1\r\na\r\n:1\r\n*2\r\n$1\r\nb\r\n$-1\r\n",
        b"%2\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$1\r\nx\r\n:1\r\n,1.5\r\n",
        b"~2\r\n$1\r\na\r\n*1\r\n$1\r\nb\r\n",
        b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\n\xc3\xa9\r\n",
        b"=8\r\ntxt:text\r\n",
        b",inf\r\n",
        b"#t\r\n",
        b"_\r\n",
    ]

    @pytest.mark.parametrize("frame", FRAMES)
    def test_matches_a_decoding_reader(self, frame):
        from diskdb.resp import decode_reply

        (raw,) = parse_all(frame, encoding=None)
        (decoded,) = parse_all(frame, encoding="utf-8")
        result = decode_reply(raw, "utf-8")
        if isinstance(decoded, CommandError):
            assert type(result) is type(decoded) and result.message == decoded.message
        else:
            assert result == decoded and type(result) is type(decoded)

    def test_reader_encoding_can_change_between_replies(self):
        reader = Reader("utf-8")
        reader.feed(b"$2\r\n\xff\xfe\r\n$1\r\nx\r\n")
        reader.encoding = None
        assert reader.gets() == b"\xff\xfe"
        reader.encoding = "utf-8"
        assert reader.encoding == "utf-8"
        assert reader.gets() == "x"
