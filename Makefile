# The front door. `make demo` runs the main job on a generated sample; `make test` is what CI runs.
SHELL := bash
.DEFAULT_GOAL := help
STANDARD ?= ../shared/standard
PY := target/pyenv/bin/python
PYDICOM_VERSION := 3.0.1
DICOMWEB_CLIENT_VERSION := 0.61.2
PILLOW_VERSION := 12.3.0
NUMPY_VERSION := 2.4.6
MATURIN_VERSION := 1.16.0
PYTEST_VERSION := 9.2.0
PYSPARK_VERSION := 4.3.0
MOTO_VERSION := 5.2.5
S3FS_VERSION := 2026.9.0
DEMO_KEY := demo-key-not-a-secret-0123456789
# wasm-bindgen-cli must match the wasm-bindgen crate exactly; the crate pin is the one source.
WASM_BINDGEN_VERSION := $(shell sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' wasm/Cargo.toml)
WASM := target/wasm32-unknown-unknown/release/dicom_sanitizer_wasm.wasm
BIN := node_modules/.bin
CORPUS := target/corpus
CLI := target/debug/dicom-sanitize
JS_ENV := CORPUS=$(CORPUS) BURNED=$(abspath target/burned) DICOM_SANITIZE_BIN=$(abspath $(CLI)) DICOM_SANITIZER_PYTHON=$(abspath $(PY))

.PHONY: help setup wasm-target pyenv build test unit lint fmt-check clippy gen gen-check wasm-core demo ci \
	wasm-bindgen-cli npm-deps chromium tesseract oracles survey pkg corpus burned frames cli node-test worker-test browser-test integrations-test js-test site serve fuzz large-header large-test bench \
	orthanc dicomweb-client dicomweb-proxy dicomweb-test wheel python-develop python-test java archive

help:
	@echo "make demo   - sanitize a generated sample study and print its report"
	@echo "make test   - fmt, clippy, all tests, gen-check, wasm32 build of the core (what CI runs)"
	@echo "make pkg    - build the npm package into pkg/ (wasm-bindgen --target web, wasm-opt)"
	@echo "make serve  - serve the demo page (www/) on http://127.0.0.1:8000"
	@echo "make node-test / worker-test / browser-test - the package under Node, workerd, Chromium"
	@echo "               (browser-test: the page, its previews, its OCR, its review step, its recipients)"
	@echo "make integrations-test - the intake form helper and the Uppy plugin in Chromium"
	@echo "make large-test - 1 GiB streamed through wasm in Node and workerd, a 2 GiB file previewed, under 64 MiB"
	@echo "make dicomweb-proxy - the STOW-RS proxy (workerd, :8787) in front of Orthanc (:8042)"
	@echo "make dicomweb-test  - dicomweb-client through the proxy into a real Orthanc, under load and faults"
	@echo "make wheel  - the Python package's abi3 wheel into target/wheels/ (maturin, release)"
	@echo "make python-test    - that wheel in a fresh venv: pytest against the CLI, pydicom, 1 GiB,"
	@echo "                      and the Spark job (local[2]) over a 5,000-file archive, killed and resumed"
	@echo "make python-develop - the Python package into target/pyenv, editable (maturin develop)"
	@echo "make fuzz   - cargo fuzz FUZZ_TARGET (sanitize, codecs, reidentify or enclose) for FUZZ_SECONDS (default 300); not part of test"
	@echo "make survey - pydicom's test files through the CLI, checked with pydicom, dcmdump, dciodvfy"
	@echo "make bench  - criterion benches, the comparison with dcmjs, pydicom/deid and cp, blanking beside GDCM's decoders"
	@echo "make gen    - regenerate src/profile/*.rs from $(STANDARD)"

setup: wasm-target pyenv oracles

wasm-target:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# pydicom is the independent parser the tests re-read every output with.
# The oracles' venv: pydicom, numpy for its pixel functions (the preview tests render with
# them), Pillow to draw and decode the burned-in text of the OCR tests; maturin, which builds
# the Python package, and pytest, which tests it. Reinstalled when a pin changes.
PY_STAMP := target/pyenv/.pins-$(PYDICOM_VERSION)-$(NUMPY_VERSION)-$(PILLOW_VERSION)-$(MATURIN_VERSION)-$(PYTEST_VERSION)
$(PY):
	python3 -m venv target/pyenv

$(PY_STAMP): $(PY)
	$(PY) -m pip install -q --disable-pip-version-check pydicom==$(PYDICOM_VERSION) \
		numpy==$(NUMPY_VERSION) pillow==$(PILLOW_VERSION) maturin==$(MATURIN_VERSION) \
		pytest==$(PYTEST_VERSION)
	touch $@

pyenv: $(PY_STAMP)

build:
	cargo build --workspace

test: setup fmt-check clippy gen-check unit survey wasm-core python-test js-test

unit: pyenv oracles
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

# The core alone for wasm32-unknown-unknown, with no JavaScript in it: which source of randomness
# getrandom uses there is the final binary's choice (the wasm crate takes `wasm_js`), so this
# build names the `custom` backend, as a host without JS would provide, and checks that no
# wasm-bindgen came in.
wasm-core: wasm-target
	RUSTFLAGS='--cfg getrandom_backend="custom"' \
		cargo build -p dicom-sanitizer --target wasm32-unknown-unknown --release
	@! cargo tree -p dicom-sanitizer --target wasm32-unknown-unknown -e normal --prefix none \
		| grep -E '^(wasm-bindgen|js-sys) ' || { echo "wasm-core: the core depends on JavaScript"; exit 1; }
	# The codecs crate alone, for wasm too, and with no DICOM crate in its tree.
	cargo build -p pixel-codecs --target wasm32-unknown-unknown --release
	@! cargo tree -p pixel-codecs -e normal --prefix none | grep -E '^dicom' \
		|| { echo "wasm-core: pixel-codecs depends on a DICOM crate"; exit 1; }

# --force: cargo skips a crate its records list as installed, even when the binary is gone.
wasm-bindgen-cli:
	@wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $(WASM_BINDGEN_VERSION)" \
		|| cargo install --force wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION)

# npm ci only when the lockfile changed since the last install.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

npm-deps: node_modules/.package-lock.json

chromium:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# Debian's native Tesseract (its own build and English model): the review tests' second reader
# of the downloads, independent of the page's tesseract.js.
tesseract:
	@command -v tesseract >/dev/null && test -n "$$(tesseract --list-langs 2>/dev/null | grep -x eng)" \
		|| (apt-get update && apt-get install -y tesseract-ocr tesseract-ocr-eng)

# Independent tools from Debian: DCMTK (dcmdump), dicom3tools (dciodvfy), GDCM (gdcmconv, and
# gdcmanon for Encrypted Attributes) and OpenSSL (CMS envelopes, test keys).
oracles:
	@command -v dcmdump >/dev/null && command -v dciodvfy >/dev/null && command -v gdcmconv >/dev/null \
		&& command -v gdcmanon >/dev/null && command -v openssl >/dev/null \
		&& command -v opj_compress >/dev/null \
		|| (apt-get update && apt-get install -y dcmtk dicom3tools libgdcm-tools openssl libopenjp2-tools)

# Every file of pydicom's own test data (toolkit samples, vendor files, a DICOMDIR with its
# media set, non-DICOM files) through the CLI: each valid object is sanitized, re-reads in
# pydicom and dcmdump, and gains no dciodvfy error; the rest are skipped or refused as listed.
PYDICOM_DATA = $$($(PY) -c 'import os, pydicom.data; print(os.path.dirname(pydicom.data.__file__))')
# Then the same for this project's own fixtures (every one must be sanitized).
SURVEY_RECIPIENTS = --arg=--recipient --arg=target/survey-one.pem --arg=--recipient --arg=target/survey-two.pem \
	--reidentify target/survey-one.key --reidentify target/survey-two.key --stranger target/survey-stranger.key
survey: cli pyenv oracles corpus burned
	$(PY) tests/oracle/survey.py --cli $(CLI) --work target/survey \
		--expect tests/oracle/pydicom-expected.json --arg=--allow-burned-in --arg=--accept-raw \
		$(PYDICOM_DATA)/test_files $(PYDICOM_DATA)/charset_files $(PYDICOM_DATA)/palettes
	# Again with Encrypted Attributes for two recipients (keys OpenSSL makes now): every character
	# set's text in the envelope, no new dciodvfy error, and each output re-identified with either
	# key back to its input (values, VRs, nested sequences, UIDs; pixels as sanitized), while a
	# third, unrelated key re-identifies nothing.
	for who in one two stranger; do openssl req -x509 -newkey rsa:2048 -nodes \
		-keyout target/survey-$$who.key -out target/survey-$$who.pem -subj /CN=$$who -days 2 2>/dev/null; done
	$(PY) tests/oracle/survey.py --cli $(CLI) --work target/survey-pydicom-recipient \
		--expect tests/oracle/pydicom-expected.json --arg=--allow-burned-in --arg=--accept-raw \
		$(SURVEY_RECIPIENTS) $(PYDICOM_DATA)/test_files $(PYDICOM_DATA)/charset_files $(PYDICOM_DATA)/palettes
	rm -rf target/conformance
	cargo run -q -p fixtures --bin make-conformance -- target/conformance >/dev/null
	$(PY) tests/oracle/survey.py --cli $(CLI) --work target/survey-fixtures \
		--expect tests/oracle/fixtures-expected.json target/conformance $(CORPUS)/good
	# The same fixtures with Encrypted Attributes for the recipients above.
	$(PY) tests/oracle/survey.py --cli $(CLI) --work target/survey-recipient \
		--expect tests/oracle/fixtures-expected.json $(SURVEY_RECIPIENTS) target/conformance $(CORPUS)/good
	# The burned-in images of every transfer syntax, their band (fixtures::burned::BAND) blanked.
	$(PY) tests/oracle/survey.py --cli $(CLI) --work target/survey-burned \
		--expect tests/oracle/burned-expected.json --arg=--blank-region=13,10,70,11 target/burned

# The npm package: wasm-bindgen's glue and module, optimised by binaryen's wasm-opt (the npm
# build; Debian's is too old), plus the hand-written files from pkg-template/.
pkg: wasm-target wasm-bindgen-cli npm-deps
	cargo build -p dicom-sanitizer-wasm --target wasm32-unknown-unknown --release
	rm -rf target/pkg-build && wasm-bindgen --target web --weak-refs --out-dir target/pkg-build \
		--out-name dicom_sanitizer $(WASM)
	# -ocimfs=20: wasm-opt inlines a function with one caller whatever its size by default; the
	# giant functions it made cost JPEG 2000 blanking in V8 about 17% and the gzipped module 59 KB.
	$(BIN)/wasm-opt -O3 -ocimfs=20 target/pkg-build/dicom_sanitizer_bg.wasm -o target/pkg-build/opt.wasm
	mv target/pkg-build/opt.wasm target/pkg-build/dicom_sanitizer_bg.wasm
	rm -rf pkg && mkdir pkg && cp target/pkg-build/* pkg-template/* pkg/
	@echo "pkg/dicom_sanitizer_bg.wasm: $$(stat -c %s pkg/dicom_sanitizer_bg.wasm) bytes," \
		"$$(gzip -9c pkg/dicom_sanitizer_bg.wasm | wc -c) gzipped"

corpus:
	cargo run -q -p fixtures --bin make-corpus -- $(CORPUS)

# Images with text burned into a band, encoded by DCMTK and GDCM in every transfer syntax.
burned: oracles
	cargo run -q -p fixtures --bin make-burned -- target/burned

cli:
	cargo build -q -p dicom-sanitizer-cli

node-test: pkg corpus burned cli pyenv large-header
	$(JS_ENV) node --test tests/js/node.test.mjs tests/js/stream.test.mjs tests/js/phi-tokens.test.mjs tests/js/phi-shapes.test.mjs \
		tests/js/encrypted.test.mjs \
		tests/js/regions.test.mjs

worker-test: pkg corpus pyenv
	$(JS_ENV) node --test tests/js/worker.test.mjs

# The page, its previews (thumbnails of the corpus and of the burned-in images), its OCR of
# burned-in text (an image Pillow draws text on) and the review step of an upload (OCR, regions
# proposed and drawn, region rules, the pixel check), also of identifiers the header does not
# carry (flagged by shape; the downloads read by native Tesseract), and its recipients of
# Encrypted Attributes (what it downloads opened by gdcmanon and OpenSSL).
browser-test: pkg corpus burned cli pyenv chromium tesseract site
	$(JS_ENV) node --test tests/js/browser.test.mjs tests/js/preview.test.mjs tests/js/ocr.test.mjs \
		tests/js/review.test.mjs tests/js/review-shapes.test.mjs tests/js/recipients.test.mjs


# The package's intake-form helper and Uppy plugin in Chromium, uploading to a local server.
integrations-test: pkg corpus pyenv chromium oracles
	$(JS_ENV) node --test tests/js/integrations.test.mjs

# The headers of a 1 GiB and a 12 MiB multi-frame file; the tests generate the pixel bytes.
large-header:
	mkdir -p target/large
	cargo run -q -p fixtures --bin make-large-header -- target/large/header.bin 512 512 2048 \
		> target/large/length
	cargo run -q -p fixtures --bin make-large-header -- target/large/header-12m.bin 512 512 24 \
		> target/large/length-12m
	cargo run -q -p fixtures --bin make-large-header -- target/large/header-72m.bin 512 512 144 \
		> target/large/length-72m
	cargo run -q -p fixtures --bin make-large-header -- target/large/header-256m.bin 512 512 512 \
		> target/large/length-256m
	cargo run -q -p fixtures --bin make-large-header -- target/large/header-2g.bin 512 512 4096 \
		> target/large/length-2g
	cargo run -q -p fixtures --bin make-large-header -- target/large/header-mammogram.bin 3328 4096 1 \
		> target/large/length-mammogram

large-test: pkg large-header frames chromium site oracles
	node --test tests/js/large.test.mjs tests/js/cine.test.mjs tests/js/preview-large.test.mjs \
		tests/js/mammogram.test.mjs

# One JPEG frame of the 1,000-frame cine, and 30-frame files per syntax for `make bench`; the
# same with 1 frame, whose time is the start-up the bench takes out of a frame's.
frames: oracles
	cargo run -q --release -p fixtures --bin make-frames -- target/frames 30
	cargo run -q --release -p fixtures --bin make-frames -- target/frames-1 1

js-test: node-test worker-test browser-test integrations-test large-test dicomweb-test

# The Python package (python/): PyO3 + maturin, one abi3 wheel for every CPython >= 3.11.
wheel: pyenv
	rm -f target/wheels/dicom_sanitizer-*.whl
	$(PY) -m maturin build --release -q -m python/Cargo.toml --out target/wheels

# Spark's JVM: Debian's Java 17 runtime (pyspark 4 needs 17 or 21).
java:
	@command -v java >/dev/null || (apt-get update && apt-get install -y openjdk-17-jre-headless)

# A PACS export for the Spark test: 5,000 small CT files in folders named after their patients,
# with broken and non-DICOM files among them (tools/fixtures/src/bin/make-archive.rs).
ARCHIVE_FILES ?= 5000
archive:
	@test -f target/archive/manifest.json || cargo run -q -p fixtures --bin make-archive -- \
		target/archive $(ARCHIVE_FILES)

# The wheel installed into a fresh venv (with pytest, pydicom and pyspark only), and its tests
# there: the CLI's bytes, reports and receipts on the corpus and the burned-in images of every
# transfer syntax, pydicom round trips, errors and codes, threads, 1 GiB through sanitize_file
# under 64 MiB of resident memory, and the Spark job in local mode over the archive (killed
# halfway and run again), and reading from an S3 API (moto's server, on 127.0.0.1) through s3fs.
PYTEST_ENV := target/python-test-venv
python-test: wheel cli corpus burned large-header java archive
	rm -rf $(PYTEST_ENV) && python3 -m venv $(PYTEST_ENV)
	$(PYTEST_ENV)/bin/python -m pip install -q --disable-pip-version-check target/wheels/dicom_sanitizer-*.whl \
		pytest==$(PYTEST_VERSION) pydicom==$(PYDICOM_VERSION) pyspark==$(PYSPARK_VERSION) \
		"moto[server]==$(MOTO_VERSION)" s3fs==$(S3FS_VERSION)
	cd python/tests && CORPUS=$(abspath $(CORPUS)) DICOM_SANITIZE_BIN=$(abspath $(CLI)) LARGE=$(abspath target/large) \
		BURNED=$(abspath target/burned) ARCHIVE=$(abspath target/archive) \
		$(abspath $(PYTEST_ENV))/bin/python -m pytest -q -s -p no:cacheprovider

# For working on the package: an editable debug build in target/pyenv (`make python-develop`,
# then `cd python/tests && ../../target/pyenv/bin/python -m pytest`).
python-develop: pyenv
	VIRTUAL_ENV=$(abspath target/pyenv) $(PY) -m maturin develop -q -m python/Cargo.toml

# Orthanc and its DICOMweb plugin from Debian; the system service is never used, each run starts
# its own server with a fresh storage directory.
orthanc:
	@command -v Orthanc >/dev/null && test -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so \
		|| (apt-get update && apt-get install -y orthanc orthanc-dicomweb)

# dicomweb-client: an independent STOW-RS client for the proxy's test.
DICOMWEB_STAMP := target/pyenv/.dicomweb-client-$(DICOMWEB_CLIENT_VERSION)
$(DICOMWEB_STAMP): $(PY)
	$(PY) -m pip install -q --disable-pip-version-check dicomweb-client==$(DICOMWEB_CLIENT_VERSION)
	touch $@

dicomweb-client: $(DICOMWEB_STAMP)

# The STOW-RS proxy example in the foreground: Orthanc on 127.0.0.1:8042 (a fresh temporary
# storage each run, removed at exit) and the worker on 127.0.0.1:8787; Ctrl-C stops both.
dicomweb-proxy: pkg orthanc
	@D=$$(mktemp -d -t dicomweb-proxy-orthanc.XXXXXX); \
	trap 'kill $$O $$W 2>/dev/null; wait; rm -rf "$$D"' EXIT; trap 'exit 130' INT TERM; \
	ORTHANC_STORAGE=$$D Orthanc examples/dicomweb-proxy/orthanc.json & O=$$!; \
	$(BIN)/workerd serve examples/dicomweb-proxy/config.capnp & W=$$!; \
	echo "STOW-RS: POST http://127.0.0.1:8787/dicomweb/studies -> Orthanc http://127.0.0.1:8042/dicom-web/"; \
	wait -n

# Then under load (8 clients at once, up to 256 MiB) and faults (Orthanc killed and restarted,
# a client gone mid-upload, broken framing, a part not DICOM, a part over the size limit).
dicomweb-test: pkg corpus orthanc dicomweb-client large-header
	$(JS_ENV) node --test tests/js/dicomweb.test.mjs tests/js/dicomweb-load.test.mjs tests/js/dicomweb-faults.test.mjs

# The deployable demo: www/ with the package and the zip library beside it.
site: pkg
	rm -rf target/site && mkdir -p target/site/vendor
	cp -r www/. target/site/ && cp -r pkg target/site/pkg
	cp node_modules/fflate/esm/browser.js target/site/vendor/fflate.js
	# OCR (www/ocr.js): tesseract.js's module and worker script, the LSTM-only cores it picks
	# from (relaxed SIMD, SIMD, plain; wasm inlined in the .js) and the English integer model.
	mkdir -p target/site/vendor/tesseract
	cp node_modules/tesseract.js/dist/tesseract.esm.min.js node_modules/tesseract.js/dist/worker.min.js \
		$(foreach v,relaxedsimd-lstm simd-lstm lstm,node_modules/tesseract.js-core/tesseract-core-$(v).wasm.js) \
		node_modules/@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz target/site/vendor/tesseract/
	# The licences go with the copies (Apache-2.0).
	cp node_modules/tesseract.js/LICENSE.md target/site/vendor/tesseract/LICENSE-tesseract.js.md
	cp node_modules/tesseract.js-core/LICENSE target/site/vendor/tesseract/LICENSE-tesseract.js-core

serve: site
	node tests/js/serve.mjs target/site 8000

# Stable toolchain, no sanitizer runtime (-s none): the properties are asserted in
# dicom_sanitizer::fuzzing::check, and libFuzzer's RSS limit bounds memory (its malloc limit
# needs a sanitizer runtime).
# New inputs go to target/fuzz-work; `make test` replays the committed corpus and regressions.
FUZZ_SECONDS ?= 300
FUZZ_TARGET ?= sanitize
fuzz:
	@cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz
	mkdir -p target/fuzz-work-$(FUZZ_TARGET)
	cargo fuzz run -s none $(FUZZ_TARGET) target/fuzz-work-$(FUZZ_TARGET) fuzz/corpus/$(FUZZ_TARGET) -- \
		-max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=512 -max_len=65536 \
		-print_final_stats=1

# Benchmarks, not part of `make test`: criterion on the core, then the comparison harness (the
# Python package's wheel installed into the pyenv for it) on a generated corpus (500 CT slices and a 1 GiB multi-frame file, in target/bench, never in git).
BENCH_FILES ?= 500
bench: pkg npm-deps pyenv wheel corpus orthanc dicomweb-client large-header java archive
	$(PY) -m pip install -q --disable-pip-version-check deid==0.4.13 pyspark==$(PYSPARK_VERSION)
	$(PY) -m pip install -q --disable-pip-version-check --force-reinstall --no-deps target/wheels/dicom_sanitizer-*.whl
	cargo build --release -q -p dicom-sanitizer-cli
	cargo build --release -q -p pixel-codecs --example frames
	cargo bench --bench core
	@test -f target/bench/corpus/large/multiframe.dcm || cargo run -q --release -p fixtures \
		--bin make-bench-corpus -- target/bench/corpus $(BENCH_FILES)
	node bench/compare.mjs
	# Encrypted Attributes on the 1 GiB file: the CLI without and with a recipient (bench/encryption.mjs).
	node bench/encryption.mjs
	# Blanking every frame of a file per syntax: native, wasm, the codecs alone, beside GDCM's
	# decode (gdcmconv --raw), whole processes and a frame each (bench/blank.mjs).
	$(MAKE) frames
	node bench/blank.mjs
	# A 4096x3328 JPEG 2000 mammogram (GDCM, lossless) blanked through wasm as it streams: its peak
	# wasm memory (tests/js/mammogram.test.mjs prints it; the test holds it under 64 MiB).
	$(MAKE) oracles
	node --test --test-reporter=spec tests/js/mammogram.test.mjs
	# The STOW-RS proxy beside Orthanc's own STOW-RS, the same 8 clients (bench/dicomweb.mjs).
	$(JS_ENV) node bench/dicomweb.mjs
	# The Spark job (local[2]) beside the CLI (--jobs 2): the 5,000-file archive, the 500 slices.
	$(PY) bench/spark.py target/release/dicom-sanitize target/archive target/bench/spark
	$(PY) bench/spark.py target/release/dicom-sanitize target/bench/corpus/small target/bench/spark

demo:
	rm -rf target/demo
	cargo run -q -p fixtures --bin make-sample -- target/demo/in
	DICOM_SANITIZER_KEY=$(DEMO_KEY) cargo run -q -p dicom-sanitizer-cli -- sanitize target/demo/in \
		--out target/demo/out --report-dir target/demo/reports --option retain-longitudinal-modified-dates
	@echo; echo "== report for ct-1.dcm (target/demo/reports/ct-1.json) =="
	@cat target/demo/reports/ct-1.json; echo
	@echo "sanitized files: target/demo/out"

ci: test
