"""Shared by the package's tests: the generated corpus (`make corpus`), the built CLI, and the
same key, options and rules the JavaScript tests give every runtime (tests/js/helpers.mjs), so
that outputs compare byte for byte. Run through `make python-test`, which sets the paths."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("CORPUS", ROOT / "target/corpus"))
CLI = Path(os.environ.get("DICOM_SANITIZE_BIN", ROOT / "target/debug/dicom-sanitize"))
LARGE = Path(os.environ.get("LARGE", ROOT / "target/large"))
BURNED = Path(os.environ.get("BURNED", ROOT / "target/burned"))

KEY = "cross-runtime-test-key-0123456789"
SIGNING_KEY = "11" * 32
SETTINGS = dict(
    key=KEY,
    signing_key=SIGNING_KEY,
    options=["retain_longitudinal_modified_dates", "clean_descriptors"],
    rules=[{"tag": "StationName", "action": "replace", "value": "EDGE"}],
)
CLI_ARGS = [
    "--option", "retain-longitudinal-modified-dates",
    "--option", "clean-descriptors",
    "--rule", "StationName=replace:EDGE",
]


@pytest.fixture(scope="session")
def manifest():
    return json.loads((CORPUS / "manifest.json").read_text())


def good(name: str) -> bytes:
    return (CORPUS / "good" / name).read_bytes()


def bad(name: str) -> bytes:
    return (CORPUS / "bad" / name).read_bytes()


def phi_in(data: bytes, manifest) -> list:
    """The planted PHI tokens found anywhere in the bytes, case-insensitively."""
    text = data.decode("latin-1").upper()
    return [t for t in manifest["phi"] if t.upper() in text]


def walk(root: Path) -> list:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def cli(*args: str) -> str:
    assert CLI.exists(), f"{CLI}: build the CLI first (make cli)"
    return subprocess.run([str(CLI), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="session")
def cli_out(tmp_path_factory, manifest):
    """The CLI's outputs and reports for the good corpus, with SETTINGS' key, options and rules."""
    d = tmp_path_factory.mktemp("cli")
    (d / "key").write_text(KEY + "\n")
    (d / "signing.key").write_text(SIGNING_KEY + "\n")
    cli("sanitize", str(CORPUS / "good"), "--out", str(d / "out"), "--report-dir", str(d / "reports"),
        "--key-file", str(d / "key"), "--signing-key-file", str(d / "signing.key"), "--quiet", *CLI_ARGS)
    return d
