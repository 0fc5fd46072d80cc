# The README's commands. Both work on a fresh Debian 12 machine as root.
#   make run   installs what is missing, builds a release binary, serves the embedded default
#   make test  installs what is missing, builds with ASan + UBSan, runs every test
#   make package  builds the Debian packages (authshield-server, authshield-console) into build/release/packages
#   make bench builds the release server and the bench tools (+ the ASan server for S6), runs bench/run.sh
#              (BENCH_QUICK=1 for short runs); prints one markdown table. Never part of make test.
.PHONY: deps build-release build-dev run test package bench clean

JOBS ?= $(shell nproc)
CTEST_JOBS ?= 2

deps:
	bash scripts/install-deps.sh

build-release: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

build-dev: deps
	cmake --preset dev
	cmake --build --preset dev -j $(JOBS)

run: build-release
	./build/release/server/authshield-server serve $(ARGS)

test: build-dev
	bash scripts/test-deps.sh
	cd build/dev && QT_QPA_PLATFORM=offscreen ctest --output-on-failure --no-tests=error -j $(CTEST_JOBS) --timeout 600

package: build-release
	cmake --build --preset release --target package

bench: deps
	cmake --preset release -DAUTHSHIELD_BUILD_BENCH=ON
	cmake --build --preset release -j $(JOBS) --target authshield-server authshield-bench-reference authshield-bench-tool
	cmake --preset dev
	cmake --build --preset dev -j $(JOBS) --target authshield-server
	bash bench/run.sh

clean:
	rm -rf build
