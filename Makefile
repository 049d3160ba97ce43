# Zebra — top-level entry points. `make` builds build/zebra; `make test` runs every test.
BUILD_DIR ?= build
ASAN_DIR  ?= build-asan
JOBS      ?= $(shell nproc)
PRESET    ?= release

.PHONY: all setup build web run test unit-test asan-test bench soak fuzz clean
FUZZ_SECONDS ?= 60

all: build

setup:
	@bash scripts/setup.sh

$(BUILD_DIR)/build.ninja:
	cmake --preset $(PRESET)

build: setup $(BUILD_DIR)/build.ninja web
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The web app (web/ -> web/dist, served by `zebra serve` at /). `npm ci` runs only when
# node_modules is missing or the lockfile changed; the bundle is rebuilt when a source changed.
WEB_SRC := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json src/server/openapi.json
web: web/dist/index.html
web/node_modules/.package-lock.json: web/package-lock.json web/package.json
	cd web && npm ci --no-audit --no-fund
	@touch $@
web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run build

# Starts the service with the demo cases and demo accounts on http://localhost:8080 (store in
# $(BUILD_DIR)/demo.db, so the source tree stays clean). Ctrl+C stops it.
run: build
	./$(BUILD_DIR)/zebra serve --demo --port 8080 --db sqlite:$(BUILD_DIR)/demo.db

# Each step once, for unit-test, asan-test and test alike.
RELEASE_TESTS = ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)
ASAN_BUILD    = cmake --build $(ASAN_DIR) -j $(JOBS) --target unit_tests
ASAN_TESTS    = ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) -L unit

unit-test: build
	$(RELEASE_TESTS)

# The unit tests again under AddressSanitizer + UBSan (only the test binaries are built: the
# unit_tests target lists every test labelled `unit`).
asan-test: setup
	cmake --preset dev
	$(ASAN_BUILD)
	$(ASAN_TESTS)

# `make test`: the release build, then its tests while the sanitizer tree builds beside them at the
# lowest CPU priority (the release tests leave about a third of 2 cores idle, waiting on servers,
# the browser and sockets), then the sanitizer tests. The sanitizer build's output goes to
# build-asan/build.log and is shown when it fails. Both suites run before the verdict.
test: build
	cmake --preset dev > /dev/null
	@nice -n 19 $(ASAN_BUILD) > $(ASAN_DIR)/build.log 2>&1 & \
	  asan_build=$$!; \
	  $(RELEASE_TESTS); release=$$?; \
	  if ! wait $$asan_build; then tail -n 200 $(ASAN_DIR)/build.log; echo "make test: the sanitizer build failed"; exit 1; fi; \
	  echo "make test: sanitizer build done; its tests follow"; \
	  $(ASAN_TESTS); asan=$$?; \
	  test $$release -eq 0 && test $$asan -eq 0

# Performance (issue #8; minutes, not part of `make test`): Google Benchmark, Zebra against the
# JavaScript FEEL engine feelin (pinned in bench/package-lock.json), zebra batch on 1,000,000
# generated cases (BATCH_CASES=...), server latency with wrk. See docs/performance.md.
bench: build
	cmake --build $(BUILD_DIR) -j $(JOBS) --target zebra_bench
	npm ci --prefix bench --no-audit --no-fund --loglevel=error
	BUILD_DIR=$(BUILD_DIR) bash bench/run_bench.sh

# Soak (issue #9; about a minute, not part of `make test`): wrk with 256 connections for 60 s
# against POST /v1/evaluate; fails on any non-2xx answer, socket error or growing memory.
soak: build
	bash bench/soak.sh $(BUILD_DIR)/zebra

# libFuzzer targets (clang): each runs FUZZ_SECONDS on its committed seed corpus.
fuzz: setup
	cmake --preset fuzz
	cmake --build build-fuzz -j $(JOBS)
	for t in build-fuzz/*_fuzz; do \
	  name=$$(basename $$t _fuzz); mkdir -p build-fuzz/corpus-$$name; \
	  $$t -max_total_time=$(FUZZ_SECONDS) build-fuzz/corpus-$$name fuzz/corpus/$$name || exit 1; \
	done

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) build-fuzz
