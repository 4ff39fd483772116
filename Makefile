# The two commands of a fresh machine: `make run` and `make test`. Each installs what it needs.
SHELL := /bin/bash
JOBS ?= 2
LISTEN ?= 127.0.0.1:8080
SERVE_FLAGS ?=
# CI turns warnings into errors.
WERROR ?= $(if $(CI),ON,OFF)
# What the sanitizer lanes build and run.
SANITIZED_TARGETS := lvt_unit_tests lvt_stress_test

.PHONY: all deps build run serve test test-default test-tsan test-asan bench format clean

all: build

deps:
	@scripts/install-deps.sh

build/%/CMakeCache.txt: | deps
	cmake --preset $* -DLVT_WERROR=$(WERROR) >/dev/null

build: deps build/default/CMakeCache.txt
	cmake --build build/default -j$(JOBS)

# Until the verification harness exists, the main job is the reference server.
run: serve

serve: build
	build/default/cli/lvtlab serve --listen $(LISTEN) $(SERVE_FLAGS)

# The whole suite: unit, conformance against the real client, end-to-end in Chromium, stress;
# then the stress and unit tests again under ThreadSanitizer and AddressSanitizer.
test: test-default test-tsan test-asan

test-default: build
	cd build/default && ctest --output-on-failure -j$(JOBS)

test-tsan: deps build/tsan/CMakeCache.txt
	cmake --build build/tsan -j$(JOBS) --target $(SANITIZED_TARGETS)
	cd build/tsan && ctest --output-on-failure -L 'unit|stress'

test-asan: deps build/asan/CMakeCache.txt
	cmake --build build/asan -j$(JOBS) --target $(SANITIZED_TARGETS)
	cd build/asan && ctest --output-on-failure -L 'unit|stress'

bench: build
	build/default/benchmarks/lvt_benchmarks

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
