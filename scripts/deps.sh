#!/usr/bin/env bash
# Installs the system packages DiskDB's build and tests need, where it can (Debian/Ubuntu
# with apt-get, as root or with sudo), and says what to install where it cannot.
#   clang + libclang-dev : bindgen, used by librocksdb-sys
#   redis-server, redis-tools : the reference server and redis-benchmark
#   golang-go : the Go client's tests;  python3-venv : the Python client's tests
set -euo pipefail

need=()
command -v clang >/dev/null 2>&1 || need+=(clang)
ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1 || ls /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1 || need+=(libclang-dev)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-benchmark >/dev/null 2>&1 || need+=(redis-tools)
command -v go >/dev/null 2>&1 || need+=(golang-go)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
command -v make >/dev/null 2>&1 || need+=(make)

if ! command -v cargo >/dev/null 2>&1; then
  echo "deps: cargo is missing: install Rust from https://rustup.rs (1.88 or newer: rocksdb 0.25 needs it)" >&2
  exit 1
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
  echo "deps: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "deps: please install these packages with your system's package manager: ${need[*]}" >&2
  echo "      (macOS: brew install llvm redis go)" >&2
  exit 1
fi
