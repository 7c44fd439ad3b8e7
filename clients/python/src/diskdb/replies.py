"""Reply converters: raw decoded RESP replies to the Python values the API promises.

Each converter takes the reply of one command and nothing else, so the same function serves
the blocking client, the asyncio client, and pipelines. Converters accept both the RESP2 shape
(flat arrays, numbers as bulk strings) and the RESP3 one (maps, sets, doubles), and both
``str`` and ``bytes`` strings, since ``decode_responses`` decides which one arrives.
"""

import json
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

Reply = Any


def _text(value: Any) -> str:
    """Server-side names (types, INFO fields) as str whatever decode_responses says."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def raw_bytes(reply: Reply) -> Optional[bytes]:
    """DUMP's payload, exactly as the server sent it (None for a missing key).

    The clients recognise this converter and read its reply without decoding, whatever
    ``decode_responses`` says: the payload is binary, so decoding would corrupt or refuse it."""
    return reply


def to_text(reply: Reply) -> str:
    """A reply that is text whatever decode_responses says (SCRIPT LOAD's SHA1 digest)."""
    return _text(reply)


def is_ok(reply: Reply) -> bool:
    """``+OK`` -> True. Anything else (notably nil when NX/XX blocked a write) -> False."""
    return reply == "OK" or reply == b"OK"


def to_bool(reply: Reply) -> bool:
    """Integer 1/0 (or a RESP3 boolean) -> bool."""
    return bool(reply)


def to_float(reply: Reply) -> Optional[float]:
    """Bulk-string or RESP3 double -> float; nil stays None."""
    return None if reply is None else float(reply)


def to_float_list(reply: Reply) -> List[Optional[float]]:
    return [None if item is None else float(item) for item in reply]


def to_bool_list(reply: Reply) -> List[bool]:
    return [bool(item) for item in reply]


def to_set(reply: Reply) -> Set[Any]:
    """Array (RESP2) or set (RESP3) -> set; nil -> empty set."""
    if reply is None:
        return set()
    return reply if isinstance(reply, set) else set(reply)


def to_list(reply: Reply) -> List[Any]:
    """For commands whose reply may be a RESP3 set but that the API documents as a list."""
    if reply is None:
        return []
    return reply if isinstance(reply, list) else list(reply)


def to_dict(reply: Reply) -> Dict[Any, Any]:
    """Flat ``[k1, v1, k2, v2]`` array (RESP2) or map (RESP3) -> dict."""
    if reply is None:
        return {}
    if isinstance(reply, dict):
        return reply
    it = iter(reply)
    return dict(zip(it, it))


def to_pair(reply: Reply) -> Optional[Tuple[Any, Any]]:
    """BLPOP-style ``[key, value]`` -> tuple; timeout (nil) -> None."""
    return None if reply is None else (reply[0], reply[1])


def zset_pairs(reply: Reply) -> List[Tuple[Any, float]]:
    """Members with scores -> ``[(member, score)]``.

    RESP2 sends a flat ``[m1, s1, m2, s2]``; RESP3 nests ``[[m1, s1], ...]``.
    """
    if not reply:
        return []
    if isinstance(reply[0], list):
        return [(item[0], float(item[1])) for item in reply]
    it = iter(reply)
    return [(member, float(score)) for member, score in zip(it, it)]


def zpop_blocking(reply: Reply) -> Optional[Tuple[Any, Any, float]]:
    """BZPOPMIN/BZPOPMAX ``[key, member, score]`` -> tuple; timeout -> None."""
    return None if reply is None else (reply[0], reply[1], float(reply[2]))


def zadd_reply(reply: Reply) -> Any:
    """ZADD: count of members (int), or the new score with INCR (float, None if blocked)."""
    if reply is None or isinstance(reply, int):
        return reply
    return float(reply)


def zrank_with_score(reply: Reply) -> Optional[Tuple[int, float]]:
    return None if reply is None else (int(reply[0]), float(reply[1]))


def scan_reply(reply: Reply) -> Tuple[int, List[Any]]:
    """SCAN/SSCAN ``[cursor, items]`` -> ``(int cursor, list)``."""
    return int(reply[0]), to_list(reply[1])


def hscan_reply(reply: Reply) -> Tuple[int, Dict[Any, Any]]:
    return int(reply[0]), to_dict(reply[1])


def zscan_reply(reply: Reply) -> Tuple[int, List[Tuple[Any, float]]]:
    return int(reply[0]), zset_pairs(reply[1])


_TYPE_NAMES = {"ReJSON-RL": "json"}


def type_name(reply: Reply) -> str:
    """TYPE -> 'string', 'list', ..., with RedisJSON's 'ReJSON-RL' shown as 'json'."""
    name = _text(reply)
    return _TYPE_NAMES.get(name, name)


def _info_value(raw: str) -> Any:
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        pass
    # "keys=1,expires=0,avg_ttl=0" (keyspace lines, per-command stats) -> nested dict.
    if "=" in raw:
        nested: Dict[str, Any] = {}
        for part in raw.split(","):
            key, sep, value = part.partition("=")
            if not sep:
                return raw
            nested[key] = _info_value(value)
        return nested
    return raw


def parse_info(reply: Reply) -> Dict[str, Any]:
    """INFO text -> flat dict; numbers become int/float, ``a=1,b=2`` values become dicts.

    Section headers (``# Server``) are dropped: field names are unique across sections.
    """
    info: Dict[str, Any] = {}
    for line in _text(reply).splitlines():
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if sep:
            info[key] = _info_value(value)
    return info


def time_reply(reply: Reply) -> Tuple[int, int]:
    """TIME -> ``(unix seconds, microseconds)``."""
    return int(reply[0]), int(reply[1])


def ping_reply(reply: Reply) -> Any:
    """PING -> True for PONG; PING with a message echoes the message."""
    if reply == "PONG" or reply == b"PONG":
        return True
    return reply


# -- streams -------------------------------------------------------------------------------


def stream_entry(entry: Reply) -> Dict[str, Any]:
    """``[id, [f1, v1, ...]]`` -> ``{'id': id, 'fields': {f1: v1}}``.

    Fields are None for an entry that was deleted while still pending in a group.
    """
    fields = entry[1]
    return {"id": entry[0], "fields": None if fields is None else to_dict(fields)}


def stream_entries(reply: Reply) -> List[Dict[str, Any]]:
    if reply is None:
        return []
    return [stream_entry(entry) for entry in reply if entry is not None]


def xread_reply(reply: Reply) -> Dict[Any, List[Dict[str, Any]]]:
    """XREAD/XREADGROUP -> ``{stream: [entries]}``; a timeout gives an empty dict."""
    if reply is None:
        return {}
    pairs = reply.items() if isinstance(reply, dict) else ((item[0], item[1]) for item in reply)
    return {stream: stream_entries(entries) for stream, entries in pairs}


def xpending_summary(reply: Reply) -> Dict[str, Any]:
    """XPENDING summary -> ``{'pending', 'min', 'max', 'consumers': [{'name', 'pending'}]}``."""
    consumers = reply[3] or []
    return {
        "pending": int(reply[0]),
        "min": reply[1],
        "max": reply[2],
        "consumers": [{"name": name, "pending": int(count)} for name, count in consumers],
    }


def xpending_range(reply: Reply) -> List[Dict[str, Any]]:
    """Extended XPENDING -> ``[{'id', 'consumer', 'idle', 'delivered'}]``."""
    return [
        {"id": item[0], "consumer": item[1], "idle": int(item[2]), "delivered": int(item[3])}
        for item in reply
    ]


def xclaim_reply(reply: Reply) -> List[Any]:
    """XCLAIM: entries, or just IDs when JUSTID was given (then items are not pairs)."""
    if reply and not isinstance(reply[0], list):
        return list(reply)
    return stream_entries(reply)


def xautoclaim_reply(reply: Reply) -> Dict[str, Any]:
    """XAUTOCLAIM -> ``{'next': cursor id, 'entries': [...], 'deleted': [ids]}``.

    Redis 6.2 sends no third element; 'deleted' is then empty.
    """
    return {
        "next": reply[0],
        "entries": xclaim_reply(reply[1]),
        "deleted": list(reply[2]) if len(reply) > 2 and reply[2] else [],
    }


def xinfo_dict(reply: Reply) -> Dict[str, Any]:
    """XINFO STREAM -> dict with string keys; first/last entry converted like XRANGE's."""
    info = {_text(k): v for k, v in to_dict(reply).items()}
    for key in ("first-entry", "last-entry"):
        if info.get(key) is not None:
            info[key] = stream_entry(info[key])
    return info


def xinfo_list(reply: Reply) -> List[Dict[str, Any]]:
    """XINFO GROUPS / CONSUMERS -> list of dicts with string keys."""
    return [{_text(k): v for k, v in to_dict(item).items()} for item in reply]


# -- JSON ----------------------------------------------------------------------------------


def json_value(reply: Reply) -> Any:
    """A JSON text (or nil) -> Python value (or None)."""
    return None if reply is None else json.loads(reply)


def json_values(reply: Reply) -> List[Any]:
    """JSON.MGET: one JSON text or nil per key."""
    return [json_value(item) for item in reply]


def json_type(reply: Reply) -> Any:
    """JSON.TYPE: a type name (legacy path) or a list of them (``$`` path); str either way."""
    if reply is None:
        return None
    if isinstance(reply, list):
        return [json_type(item) for item in reply]
    return _text(reply)


# -- geo -----------------------------------------------------------------------------------


def _coords(pair: Reply) -> Tuple[float, float]:
    return float(pair[0]), float(pair[1])


def geopos_reply(reply: Reply) -> List[Optional[Tuple[float, float]]]:
    """GEOPOS: ``[lon, lat]`` pairs -> ``(float, float)``; a missing member stays None."""
    return [None if pair is None else _coords(pair) for pair in reply]


def geosearch_reply(withdist: bool, withhash: bool, withcoord: bool) -> Callable[[Reply], List[Any]]:
    """A converter for GEOSEARCH: members as sent, or with WITH* options a list per member,
    ``[member, dist, hash, (lon, lat)]`` (what was asked for, in the server's order) with the
    distance a float, the hash an int and the coordinates a tuple, as redis-py gives them."""
    casts: List[Callable[[Any], Any]] = [lambda member: member]
    if withdist:
        casts.append(float)
    if withhash:
        casts.append(int)
    if withcoord:
        casts.append(_coords)

    def convert(reply: Reply) -> List[Any]:
        if len(casts) == 1:
            return to_list(reply)
        return [[cast(value) for cast, value in zip(casts, item)] for item in reply]

    return convert


# -- slow log ------------------------------------------------------------------------------


def slowlog_get(reply: Reply) -> List[Dict[str, Any]]:
    """SLOWLOG GET entries ``[id, time, duration, [args], address, name]`` -> dicts, as
    redis-py's ``parse_slowlog_get`` makes them: ``command`` is the arguments joined by spaces
    (str or bytes, like the arguments)."""

    def entry(item: Reply) -> Dict[str, Any]:
        command = item[3]
        space: Any = b" " if command and isinstance(command[0], bytes) else " "
        return {
            "id": item[0],
            "start_time": int(item[1]),
            "duration": int(item[2]),
            "command": space.join(command),
            "client_address": item[4],
            "client_name": item[5],
        }

    return [entry(item) for item in reply or []]


# -- functions -----------------------------------------------------------------------------


def _text_dict(reply: Reply) -> Dict[str, Any]:
    """A flat map (RESP2) or map (RESP3) -> dict with str keys."""
    return {_text(k): v for k, v in to_dict(reply).items()}


def _library(reply: Reply) -> Dict[str, Any]:
    library = _text_dict(reply)
    for key in ("library_name", "engine"):
        if key in library:
            library[key] = _text(library[key])
    functions = []
    for item in library.get("functions") or []:
        function = _text_dict(item)
        if "name" in function:
            function["name"] = _text(function["name"])
        # A list over RESP2, a set over RESP3; Redis and DiskDB order the flags differently.
        function["flags"] = {_text(flag) for flag in function.get("flags") or ()}
        functions.append(function)
    library["functions"] = functions
    return library


def function_list(reply: Reply) -> List[Dict[str, Any]]:
    """FUNCTION LIST -> ``[{'library_name', 'engine', 'functions': [{'name', 'description',
    'flags'}], ('library_code')}]``: names, the engine and the flags (a set) as str, the
    description and code as sent."""
    return [_library(item) for item in reply or []]


def function_stats(reply: Reply) -> Dict[str, Any]:
    """FUNCTION STATS -> ``{'running_script': None or dict, 'engines': {name: {...}}}`` with
    str keys throughout."""
    stats = _text_dict(reply)
    if stats.get("running_script") is not None:
        stats["running_script"] = _text_dict(stats["running_script"])
    if "engines" in stats:
        stats["engines"] = {_text(name): _text_dict(counts) for name, counts in to_dict(stats["engines"]).items()}
    return stats


# -- client tracking -----------------------------------------------------------------------


def trackinginfo(reply: Reply) -> Dict[str, Any]:
    """CLIENT TRACKINGINFO -> ``{'flags', 'redirect', 'prefixes'}``: the flags (a list over
    RESP2, a set over RESP3) as a set of str, the prefixes a list of keys as sent."""
    info = _text_dict(reply)
    if "flags" in info:
        info["flags"] = {_text(flag) for flag in info["flags"] or ()}
    if "prefixes" in info:
        info["prefixes"] = to_list(info["prefixes"])
    return info


# -- misc ----------------------------------------------------------------------------------


def grouped(size: int) -> Callable[[Reply], List[Tuple[Any, ...]]]:
    """A converter cutting a flat reply into tuples of ``size``: SORT with several GET
    patterns and ``groups=True`` gives one tuple per sorted element."""

    def convert(reply: Reply) -> List[Tuple[Any, ...]]:
        it = iter(reply)
        return list(zip(*[it] * size))

    return convert


def hrandfield_reply(reply: Reply) -> Any:
    """HRANDFIELD ... WITHVALUES -> ``[(field, value)]``; RESP3 nests the pairs."""
    if reply and isinstance(reply[0], list):
        return [(item[0], item[1]) for item in reply]
    it = iter(reply or [])
    return list(zip(it, it))
