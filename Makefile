# clasp: a thin wrapper around CMake.
#
#   make            configure and build (build/)
#   make check      install missing Debian packages (make deps), build, run
#                   every test; fails if any test fails or is skipped
#   make demo       a TLS 1.3 handshake between clasp's client and server
#   make help       every target
#
# Variables: BUILD (build dir), BUILD_TYPE, CMAKE_FLAGS (extra -D options),
# JOBS (parallel jobs), CLASP_REDIS (ON: libclasp_redis and its tests, hiredis
# required, the default here; AUTO; OFF), e.g.
#   make check BUILD=build-rel BUILD_TYPE=Release CMAKE_FLAGS=-DCLASP_WERROR=ON
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
CMAKE_FLAGS ?=
CLASP_REDIS ?= ON
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# Debian packages for building and testing: .ci/debian-packages.
DEPS := $(shell sed -e 's/\#.*//' .ci/debian-packages)

# Sanitizer runtime options for sanitizer builds (`make asan`, CI).
export ASAN_OPTIONS ?= halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS ?= halt_on_error=1:print_stacktrace=1

.PHONY: all build configure deps check demo bench bench-build \
        bench-callgrind bench-report fuzz asan lint format format-check \
        symbols ci clean help

all: build

# A wrapper: parallelism lives in CMake (-j $(JOBS)); targets run in order.
.NOTPARALLEL:

configure:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DCLASP_REDIS=$(CLASP_REDIS) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# Installs the missing packages when run as root; otherwise prints the exact
# command to run and stops.
deps:
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
	  echo "deps: not a Debian system; make sure these (or equivalents) are installed:"; \
	  echo "  $(DEPS)"; exit 0; \
	fi; \
	missing=""; for p in $(DEPS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all present"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get -o Acquire::Retries=3 update -qq && \
	  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "deps: missing Debian packages. Run:"; \
	  echo "  sudo apt-get update && sudo apt-get install -y$$missing"; \
	  exit 1; \
	fi

# Every test (unit, install, symbols, lint self-test) through CTest.
# tests/run_ctest.sh fails the run if a test is skipped or none ran.
check: deps build
	@bash tests/run_ctest.sh $(BUILD) -j $(JOBS)

# ASan + UBSan build and test run in build-asan/ (CC=clang works too).
asan:
	@$(MAKE) --no-print-directory check BUILD=build-asan BUILD_TYPE=Debug \
	  CMAKE_FLAGS="-DCLASP_SANITIZE=ON -DCLASP_WERROR=ON $(CMAKE_FLAGS)"

demo: deps
	@$(MAKE) --no-print-directory build && $(BUILD)/clasp demo

# Benchmarks (docs/PERFORMANCE.md): a Release build of clasp-bench alone in
# $(BENCH_BUILD) (no tests, so no cmocka needed), then a run. Extra options
# through BENCH_ARGS, e.g. make bench BENCH_ARGS="--key ecdsa --json".
BENCH_BUILD ?= build-bench
BENCH_ARGS ?=

bench-build:
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DCLASP_TESTS=OFF \
	  $(CMAKE_FLAGS)
	cmake --build $(BENCH_BUILD) -j $(JOBS) --target clasp_bench

bench: bench-build
	$(BENCH_BUILD)/tools/bench/clasp-bench $(BENCH_ARGS)

# Instructions per handshake under callgrind, clasp and libssl and the floor
# (tools/bench/callgrind.sh --check compares clasp with the baseline).
bench-callgrind: bench-build
	bash tools/bench/callgrind.sh --build $(BENCH_BUILD)

# docs/PERFORMANCE.md's data and plot: a full run, the instruction counts,
# and docs/perf/bench.png (needs gnuplot).
bench-report: bench-build
	bash tools/bench/report.sh $(BENCH_BUILD)

# libFuzzer targets (docs/FUZZING.md): build with clang in $(FUZZ_BUILD)/
# (with the no-checks targets client_nc and server_nc), replay the
# committed corpora, then fuzz every target (or FUZZ_TARGETS) for
# FUZZ_SECONDS each, JOBS targets at a time. E.g.
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS="client server"
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS="client_nc server_nc"
FUZZ_SECONDS ?= 60
FUZZ_BUILD ?= build-fuzz
FUZZ_TARGETS ?=
fuzz:
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_JOBS=$(JOBS) bash fuzz/run.sh build
	@FUZZ_BUILD=$(FUZZ_BUILD) bash fuzz/run.sh replay $(FUZZ_TARGETS)
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_JOBS=$(JOBS) \
	  bash fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Layering lints of docs/ARCHITECTURE.md (also run by `make check` through
# tests/lint/lint.test.sh, and by CI).
lint:
	python3 tools/lint/clasp_lint.py

FORMAT_DIRS = $(wildcard include src tests tools fuzz)

format:
	find $(FORMAT_DIRS) -name '*.[ch]' -print0 | xargs -0 clang-format -i

format-check:
	@command -v clang-format >/dev/null || \
	  { echo "format-check: clang-format is not installed (apt-get install clang-format)"; exit 1; }
	@find $(FORMAT_DIRS) -name '*.[ch]' -print0 | \
	  xargs -0 clang-format --dry-run --Werror && \
	  echo "format-check: $$(find $(FORMAT_DIRS) -name '*.[ch]' | wc -l) files formatted"

# Regenerate cmake/clasp.symbols from the built libclasp.so after a change
# to the public API; review the diff and commit it.
symbols: build
	CLASP_SOURCE_DIR=$(CURDIR) CLASP_BUILD_DIR=$(CURDIR)/$(BUILD) \
	  bash tests/symbols/exported_symbols.test.sh --update
	@git diff --stat -- cmake/clasp.symbols 2>/dev/null || true

# What CI runs (installs packages with apt-get: run as root).
ci:
	bash .ci/run

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-ci-* $(BENCH_BUILD)

help:
	@echo "make / make build   configure and build in $(BUILD)/"
	@echo "make check          deps + build + every test (skipped = failed)"
	@echo "make deps           install missing Debian packages (root) or print the command"
	@echo "make asan           check with ASan+UBSan in build-asan/"
	@echo "make demo           a TLS 1.3 handshake between clasp's client and server, with its ladder"
	@echo "make bench          clasp vs libssl vs the crypto floor (BENCH_ARGS=...)"
	@echo "make bench-callgrind  instructions per handshake (callgrind)"
	@echo "make bench-report   rerun and redraw docs/PERFORMANCE.md's data and plot"
	@echo "make fuzz           build the fuzz targets (clang), replay the corpora,"
	@echo "                    fuzz each target FUZZ_SECONDS (60) (docs/FUZZING.md)"
	@echo "make lint           layering lints"
	@echo "make format         clang-format every C file"
	@echo "make format-check   check formatting as CI does"
	@echo "make symbols        regenerate cmake/clasp.symbols after an API change"
	@echo "make ci             run .ci/run (as root)"
	@echo "make clean          remove build directories"
