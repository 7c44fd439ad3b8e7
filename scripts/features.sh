#!/usr/bin/env bash
# Builds and tests every feature set of features/matrix.txt that this platform supports,
# except `default` (make test-rust runs it). Usage: scripts/features.sh [cargo args...]
set -euo pipefail
cd "$(dirname "$0")/.."
case "$(uname -s)" in
  Linux) platform=linux ;;
  Darwin) platform=macos ;;
  *) platform=windows ;;
esac
while read -r set platforms runs; do
  case "$set" in ''|'#'*|default) continue ;; esac
  case ",$platforms," in *",$platform,"*) ;; *) echo "features: $set is not built on $platform"; continue ;; esac
  if [ "$set" = all ]; then flags=(--all-features); else flags=(--features "$set"); fi
  echo "features: $set ($runs)"
  case "$runs" in
    suite) cargo test --release --locked "${flags[@]}" "$@" ;;
    suite-optimized) DISKDB_TEST_ARGS=--optimized cargo test --release --locked "${flags[@]}" "$@" ;;
    suite-uring) DISKDB_TEST_ARGS="--optimized --transport io_uring" cargo test --release --locked "${flags[@]}" "$@" ;;
    unit) cargo test --release --locked "${flags[@]}" --lib "$@" ;;
    *) echo "features: unknown run '$runs' for $set" >&2; exit 1 ;;
  esac
done < features/matrix.txt
