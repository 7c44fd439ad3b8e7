"""JSON commands (RedisJSON's command set). Redis 7.0 without the module, and DiskDB before its
JSON issue, answer "unknown command", so these skip there."""

import pytest


@pytest.fixture
def doc(r):
    r.json_set("doc", "$", {"name": "Ada", "age": 36, "tags": ["math"], "address": {"city": "London"}})
    return r


def test_set_and_get_dollar_paths_return_lists(doc):
    assert doc.json_get("doc") == [{"name": "Ada", "age": 36, "tags": ["math"], "address": {"city": "London"}}]
    assert doc.json_get("doc", "$.name") == ["Ada"]
    assert doc.json_get("doc", "$..city") == ["London"]
    assert doc.json_get("doc", "$.nope") == []
    assert doc.json_get("missing") is None


def test_legacy_paths_return_the_value(doc):
    assert doc.json_get("doc", ".name") == "Ada"
    assert doc.json_get("doc", path=".age") == 36
    assert doc.json_get("doc", ".")["age"] == 36


def test_several_paths_give_a_dict(doc):
    assert doc.json_get("doc", "$.name", "$.age") == {"$.name": ["Ada"], "$.age": [36]}


def test_nx_xx(doc):
    assert doc.json_set("doc", "$.name", "Grace", nx=True) is False
    assert doc.json_set("doc", "$.name", "Grace", xx=True) is True
    assert doc.json_set("doc", "$.new", 1, xx=True) is False
    assert doc.json_get("doc", "$.name") == ["Grace"]


def test_type_and_key_type(doc):
    assert doc.json_type("doc", "$.tags") == ["array"]
    assert doc.json_type("doc", ".age") == "integer"
    assert doc.type("doc") == "json"


def test_mutations(doc):
    assert doc.json_numincrby("doc", "$.age", 2) == [38]
    assert doc.json_numincrby("doc", ".age", 1) == 39
    assert doc.json_arrappend("doc", "$.tags", "logic", {"x": 1}) == [3]
    assert doc.json_get("doc", "$.tags") == [["math", "logic", {"x": 1}]]
    assert doc.json_arrlen("doc", "$.tags") == [3]
    assert doc.json_arrpop("doc", "$.tags") == [{"x": 1}]
    assert doc.json_strappend("doc", "!", "$.name") == [4]
    assert doc.json_strlen("doc", "$.name") == [4]
    assert doc.json_objkeys("doc", "$.address") == [["city"]]
    assert doc.json_del("doc", "$.address") == 1
    assert doc.json_get("doc", "$.address") == []


def test_mget(doc):
    doc.json_set("doc2", "$", {"name": "Alan"})
    assert doc.json_mget(["doc", "doc2", "missing"], "$.name") == [["Ada"], ["Alan"], None]


def test_unicode_and_nesting_round_trip(r):
    value = {"ü": ["ñ", 1.5, None, True, {"deep": [[]]}]}
    r.json_set("k", "$", value)
    assert r.json_get("k", ".") == value
