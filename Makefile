# clasp: a thin wrapper around CMake. `make check` is what CI runs.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# Debian packages the build, the tests and the interop peers need.
DEPS = build-essential cmake pkg-config libssl-dev libcmocka-dev openssl \
       gnutls-bin libnss3-tools curl python3 clang clang-format valgrind \
       ca-certificates

.PHONY: all build deps check demo bench fuzz asan install-test format \
        format-check lint clean

all: build

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Installs what is missing when run as root; otherwise prints the command.
deps:
	@missing=""; for p in $(DEPS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all present"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq $$missing; \
	else \
	  echo "deps: missing packages. Run:"; \
	  echo "  sudo apt-get install -y$$missing"; exit 1; \
	fi

check: deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: deps build
	@if [ -x $(BUILD)/clasp ]; then $(BUILD)/clasp demo; \
	else echo "make demo: the clasp tool is not built yet"; exit 1; fi

asan:
	$(MAKE) check BUILD=build-asan BUILD_TYPE=Debug \
	  CMAKE_FLAGS="-DCLASP_SANITIZE=ON -DCLASP_WERROR=ON $(CMAKE_FLAGS)"

lint:
	bash tools/lint/run_all.sh

format:
	find include src tests tools fuzz -name '*.[ch]' | xargs clang-format -i

format-check:
	find include src tests tools fuzz -name '*.[ch]' | \
	  xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) build-asan
