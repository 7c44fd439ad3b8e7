"""The generated type stubs (see scripts/gen_stubs.py) must match the command list."""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "gen_stubs.py"


@pytest.mark.skipif(sys.version_info < (3, 9), reason="the generator needs ast.unparse (Python 3.9+)")
def test_stubs_are_current():
    spec = importlib.util.spec_from_file_location("gen_stubs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stale = module.stale()
    assert not stale, "stale stubs %s: run python scripts/gen_stubs.py" % [str(p) for p in stale]
