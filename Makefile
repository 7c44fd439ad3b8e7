# DiskDB: the two commands a newcomer needs are `make run` and `make test`.
# RocksDB takes 15-25 minutes to compile on 2 cores, so everything (run, test, bench)
# uses the one release profile, and the target dir lives outside the clone so that
# later runs and fresh clones on the same machine reuse it.

export CARGO_TARGET_DIR ?= $(HOME)/.cache/diskdb-target
CARGO ?= cargo
BIN := $(CARGO_TARGET_DIR)/release/diskdb
ARGS ?=

.PHONY: run build test test-rust test-clients test-features deps bench bench-compare clean

## Build (release) and start the server on port 6380 with data in ./data.
run: deps build
	$(BIN) --dir ./data $(ARGS)

build:
	$(CARGO) build --release --locked

## Install what the tests need, then run every test: Rust unit and black-box tests,
## the Python and Go client suites against the freshly built server, then the other
## feature sets of features/matrix.txt (the optimized build runs the whole suite).
test: deps build test-rust test-clients test-features

test-rust:
	$(CARGO) test --release --locked

test-clients:
	@if [ -x clients/python/run-tests.sh ]; then DISKDB_BIN=$(BIN) clients/python/run-tests.sh; fi
	@if [ -f clients/go/go.mod ]; then cd clients/go && DISKDB_BIN=$(BIN) go test -count=1 ./...; fi

test-features:
	scripts/features.sh

deps:
	@scripts/deps.sh

## Micro-benchmarks (criterion, in benches/), with every feature built in so the C
## scanner and the buffer pool are measured beside their portable twins.
bench: deps
	$(CARGO) bench --locked --all-features

## DiskDB vs Debian's redis-server, same redis-benchmark matrix, ratio table in benches/results/.
## Columns: the default build, the optimized build (--all-features, run --optimized), and
## redis-server; each DiskDB column as a ratio of Redis's. Writes results/latest.{md,svg,json}.
bench-compare: deps
	$(CARGO) build --release --locked --all-features && cp $(BIN) $(BIN)-optimized
	$(CARGO) build --release --locked && cp $(BIN) $(BIN)-default
	python3 benches/compare.py --variant default=$(BIN)-default --variant optimized=$(BIN)-optimized:--optimized --chart $(ARGS)

clean:
	$(CARGO) clean
