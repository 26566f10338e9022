"""Shared by the package's tests: the generated corpus (`make corpus`), the built CLI, and the
same key, options and rules the JavaScript tests give every runtime (tests/js/helpers.mjs), so
that outputs compare byte for byte. Run through `make python-test`, which sets the paths."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("CORPUS", ROOT / "target/corpus"))
CLI = Path(os.environ.get("DICOM_SANITIZE_BIN", ROOT / "target/debug/dicom-sanitize"))
LARGE = Path(os.environ.get("LARGE", ROOT / "target/large"))
BURNED = Path(os.environ.get("BURNED", ROOT / "target/burned"))
ARCHIVE = Path(os.environ.get("ARCHIVE", ROOT / "target/archive"))
FILESET = ROOT / "tests/oracle/fileset.py"
ENCRYPTED = ROOT / "tests/oracle/encrypted.py"

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


# The Spark tests' input tree, session, and the CLI's results for the same tree (test_spark.py,
# test_spark_s3.py).
@pytest.fixture(scope="session")
def tree(tmp_path_factory):
    """The input: the archive, the corpus, and a patient CD (pydicom's FileSet) whose folder is
    the patient's ID, as CDs are filed."""
    d = tmp_path_factory.mktemp("spark")
    inp = d / "in"
    shutil.copytree(ARCHIVE, inp / "archive")
    shutil.copytree(CORPUS, inp / "corpus")
    cd = inp / "cd" / "DOE JANE"
    two = json.loads((ARCHIVE / "manifest.json").read_text())["valid"][:2]
    subprocess.run([sys.executable, FILESET, "make", cd, *(ARCHIVE / f for f in two)], check=True)
    # Renamed in place: a File ID component has at most 8 characters.
    subprocess.run([sys.executable, FILESET, "rename", cd, "PT000000", "JANEDOE1"], check=True)
    (d / "signing.key").write_text(SIGNING_KEY + "\n")
    (d / "key").write_text(KEY + "\n")
    (d / "events").mkdir()
    files = sorted(p for p in inp.rglob("*") if p.is_file())
    assert len(files) >= 5000
    return d, files


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The S3 API of test_spark_s3.py (moto's server): set before Spark starts, whose Python workers
# inherit its environment.
S3_ENDPOINT = f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def spark(tree):
    os.environ.update(DICOM_SANITIZER_SECRET=KEY, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                      AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=S3_ENDPOINT)
    import spark_job

    s = spark_job.session(str(tree[0] / "events"))
    yield s
    s.stop()


@pytest.fixture(scope="session")
def by_cli(tree):
    """The CLI's outputs for the same tree and settings (`--layout uids --jobs 2`): by input
    path, its status, code, output bytes, report and receipt."""
    d, _ = tree
    out = d / "cli"
    lines = subprocess.run(
        [str(CLI), "sanitize", str(d / "in"), "--out", str(out), "--layout", "uids",
         "--jobs", "2", "--key-file", str(d / "key"), "--signing-key-file", str(d / "signing.key"),
         "--mapping", str(d / "cli-mapping.jsonl"), "--quiet", *CLI_ARGS],
        capture_output=True, text=True).stdout.splitlines()
    by_n = {line["n"]: line for line in map(json.loads, lines)}
    result = {}
    for m in map(json.loads, (d / "cli-mapping.jsonl").read_text().splitlines()):
        line = by_n[m["n"]]
        entry = {"status": m["status"], "code": m.get("error")}
        if m["status"] == "sanitized":
            entry.update(bytes=Path(m["output"]).read_bytes(), report=line["report"], receipt=line["receipt"],
                         name=str(Path(m["output"]).relative_to(out)))
        result[str(Path(m["input"]).resolve())] = entry
    return result


