# The two commands of a fresh machine: `make run` and `make test`. Each installs what it needs.
SHELL := /bin/bash
JOBS ?= 2
LISTEN ?= 127.0.0.1:8080
SERVE_FLAGS ?=
# Warnings are errors, here as in CI (one setting, so switching never rebuilds everything).
WERROR ?= ON
# What the sanitizer lanes build and run.
SANITIZED_TARGETS := lvt_unit_tests lvt_stress_test lvt_sim_tests lvt_properties

.PHONY: all deps build run report serve replicas bench-replicas bench-scale test test-default test-tsan test-asan test-fuzz fuzz bench format clean

all: build

deps:
	@scripts/install-deps.sh

# Configuring again is cheap and keeps every lane's target list current.
configure-%: deps
	cmake --preset $* -DLVT_WERROR=$(WERROR) >/dev/null

build: configure-default
	cmake --build build/default -j$(JOBS)

# The main job: the default verification campaign (swarm seeds over both group modes and both
# dispatch policies), the planted bugs' power, and their report (its path is the last line).
# The exit status is the campaign's: 0 held, 1 an invariant failed (the report is written anyway).
CHECK_FLAGS ?= --seeds 3000
PLANTED_FLAGS ?= --seeds 1000 --time-budget 5
REPORT ?= build/report.html
LVTLAB := build/default/cli/lvtlab
run: build
	@status=0; \
	$(LVTLAB) check $(CHECK_FLAGS) --results build/check-results.json || status=$$?; \
	$(LVTLAB) check --plant all $(PLANTED_FLAGS) --results build/planted-results.json \
	  --failures-dir build/failures/planted || status=$$?; \
	$(LVTLAB) report build/check-results.json build/planted-results.json $(REPORT_EXTRA) \
	  --out $(REPORT) || status=$$?; \
	exit $$status

# The benchmarks (with repetitions, for their spread) and the campaign, in one report; with
# MUTATION=path/to/sweep.json the mutation score too.
BENCH_REPETITIONS ?= 3
report: build
	build/default/benchmarks/lvt_benchmarks --benchmark_repetitions=$(BENCH_REPETITIONS) \
	  --benchmark_out=build/bench-results.json --benchmark_out_format=json
	$(MAKE) --no-print-directory run REPORT_EXTRA="build/bench-results.json $(MUTATION)"

serve: build
	build/default/cli/lvtlab serve --listen $(LISTEN) $(SERVE_FLAGS)

# The whole suite: unit, conformance against the real client, end-to-end in Chromium, stress;
# then the stress and unit tests again under ThreadSanitizer and AddressSanitizer.
# Redis and three replicas on 127.0.0.1:8081-8083 (scripts/replicas); Ctrl-C stops them all.
replicas: build
	scripts/replicas -- $(SERVE_FLAGS)

# One process against two replicas of one Redis under one lvtlab load workload, alternating.
bench-replicas: build
	node scripts/bench-replicas.js --reps $(or $(BENCH_REPETITIONS),3)

# lvtlab against a Node ws hub, socket.io rooms and a Go gorilla hub, alternating, on one
# machine, and lvtlab with a 25 ms write delay (scripts/bench-scale.js --help; BENCH_SCALE_FLAGS
# replaces that).
BENCH_SCALE_FLAGS ?= --write-delays 25
bench-scale: build
	benchmarks/peers/build-go-hub
	node scripts/bench-scale.js --reps $(or $(BENCH_REPETITIONS),3) $(BENCH_SCALE_FLAGS)

test: test-default test-tsan test-asan test-fuzz

test-default: build
	cd build/default && ctest --output-on-failure -j$(JOBS)

test-tsan: configure-tsan
	cmake --build build/tsan -j$(JOBS) --target $(SANITIZED_TARGETS)
	cd build/tsan && TSAN_OPTIONS='halt_on_error=1 second_deadlock_stack=1' \
	  ctest --output-on-failure -L 'unit|stress|sim|properties'

test-asan: configure-asan
	cmake --build build/asan -j$(JOBS) --target $(SANITIZED_TARGETS)
	cd build/asan && ASAN_OPTIONS='halt_on_error=1' UBSAN_OPTIONS='print_stacktrace=1' \
	  ctest --output-on-failure -L 'unit|stress|sim|properties'

# libFuzzer over the engine's input path (fuzz/README.md); `make test` runs it briefly.
FUZZ_SECONDS ?= 60
fuzz: configure-fuzz
	cmake --build build/fuzz -j$(JOBS) --target lvt_engine_fuzzer
	mkdir -p build/fuzz/corpus
	cd build/fuzz && ./fuzz/lvt_engine_fuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 corpus ../../fuzz/corpus

test-fuzz:
	$(MAKE) fuzz FUZZ_SECONDS=20

bench: build
	build/default/benchmarks/lvt_benchmarks

# The harness's mutation score: mutants of server/engine against `lvtlab check` and the fast
# tests, in a worktree of its own (scripts/mutation-sweep --help). By hand or nightly; not in test.
.PHONY: mutation-sweep
MUTATION_FLAGS ?=
mutation-sweep: deps
	scripts/mutation-sweep --jobs $(JOBS) $(MUTATION_FLAGS)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
