#!/usr/bin/env bash
# Runs the Python client's test suite in its own virtualenv.
#
#   clients/python/run-tests.sh [pytest args...]
#
# The venv lives in ${DISKDB_VENV:-$HOME/.cache/diskdb-venv} and is reused between runs.
# The tests start their own server on a free port: the DiskDB binary from $DISKDB_BIN, else
# $CARGO_TARGET_DIR/release/diskdb, else ~/.cache/diskdb-target/release/diskdb; or Debian's
# redis-server with DISKDB_TEST_SERVER=redis. Exits non-zero if any test fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${DISKDB_VENV:-$HOME/.cache/diskdb-venv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pytest>=8"
# A normal (not editable) install: the tests then exercise the package as users get it,
# including the py.typed marker and package discovery.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$here"

cd "$here"
exec "$venv/bin/python" -m pytest "$@"
