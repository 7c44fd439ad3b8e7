"""The README's quick-start examples run as written, against the test server.

The examples talk to localhost:6380 (DiskDB's default); here "6380" in their text and the
constructor's default port both point at the test server instead."""

import re
from pathlib import Path

import pytest

from diskdb._base import ClientBase

README = Path(__file__).resolve().parent.parent / "README.md"


def quick_start_blocks():
    text = README.read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


BLOCKS = quick_start_blocks()


def test_readme_has_examples():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_quick_start_example(index, r, server, monkeypatch):
    defaults = list(ClientBase.__init__.__defaults__)
    defaults[1] = server.port  # (host, port, db, password, timeout, ssl)
    monkeypatch.setattr(ClientBase.__init__, "__defaults__", tuple(defaults))
    code = BLOCKS[index].replace("6380", str(server.port))
    exec(compile(code, "README.md[quick start %d]" % index, "exec"), {"__name__": "readme_example"})
