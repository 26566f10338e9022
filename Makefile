# The front door. `make demo` runs the main job on a generated sample; `make test` is what CI runs.
SHELL := bash
.DEFAULT_GOAL := help
STANDARD ?= ../shared/standard
PY := target/pyenv/bin/python
PYDICOM_VERSION := 3.0.1
DEMO_KEY := demo-key-not-a-secret-0123456789

.PHONY: help setup wasm-target pyenv build test unit lint fmt-check clippy gen gen-check wasm-core demo ci

help:
	@echo "make demo   - sanitize a generated sample study and print its report"
	@echo "make test   - fmt, clippy, all tests, gen-check, wasm32 build of the core (what CI runs)"
	@echo "make gen    - regenerate src/profile/*.rs from $(STANDARD)"

setup: wasm-target pyenv

wasm-target:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# pydicom is the independent parser the tests re-read every output with.
$(PY):
	python3 -m venv target/pyenv
	$(PY) -m pip install -q --disable-pip-version-check pydicom==$(PYDICOM_VERSION)

pyenv: $(PY)

build:
	cargo build --workspace

test: setup fmt-check clippy gen-check unit wasm-core

unit: pyenv
	DICOM_SANITIZER_PYTHON=$(abspath $(PY)) cargo test --workspace

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets -- -D warnings

lint: fmt-check clippy

gen:
	cargo run -q -p gen-table -- $(STANDARD) src/profile

gen-check:
	rm -rf target/gen-check && mkdir -p target/gen-check
	cargo run -q -p gen-table -- $(STANDARD) target/gen-check
	diff -u src/profile/table_e1_1.rs target/gen-check/table_e1_1.rs
	diff -u src/profile/safe_private.rs target/gen-check/safe_private.rs
	@echo "gen-check: generated tables match $(STANDARD)"

wasm-core: wasm-target
	cargo build -p dicom-sanitizer --target wasm32-unknown-unknown --release

demo:
	rm -rf target/demo
	cargo run -q -p fixtures --bin make-sample -- target/demo/in
	DICOM_SANITIZER_KEY=$(DEMO_KEY) cargo run -q -p dicom-sanitizer-cli -- sanitize target/demo/in \
		--out target/demo/out --report-dir target/demo/reports --option retain-longitudinal-modified-dates
	@echo; echo "== report for ct-1.dcm (target/demo/reports/ct-1.json) =="
	@cat target/demo/reports/ct-1.json; echo
	@echo "sanitized files: target/demo/out"

ci: test
