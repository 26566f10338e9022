"""Object storage: the executors' path through fsspec (s3fs), against a real S3 API server on
127.0.0.1 (moto's server, from PyPI). Spark here cannot list or write `s3a://` (Hadoop's S3A
connector is a Maven artifact, not on this machine's registries), so the job is given a
DataFrame of `s3a://` paths and a local output root; and the executors' object-store output path
(outputs put whole, records as objects) is run as a task outside Spark, into the bucket."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import KEY, S3_ENDPOINT
from dicom_sanitizer import spark as ds_spark
from test_spark import local

sys.path.insert(0, str(Path(__file__).parent))
import spark_job  # noqa: E402


@pytest.fixture(scope="module")
def s3(spark):
    """moto's S3 server where the environment every executor inherits points (S3_ENDPOINT)."""
    port = S3_ENDPOINT.rsplit(":", 1)[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", port],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import s3fs

    fs = s3fs.S3FileSystem()
    deadline = time.monotonic() + 30
    while True:
        try:
            fs.mkdir("archive")
            break
        except Exception:
            assert time.monotonic() < deadline, "moto's server did not start"
            time.sleep(0.2)
    yield fs
    server.terminate()
    server.wait()


@pytest.fixture(scope="module")
def uploaded(s3, tree):
    """The corpus and a tenth of the archive, uploaded under their relative paths (spaces and
    non-ASCII letters in keys included)."""
    d, files = tree
    chosen = [p for p in files if "/corpus/" in str(p) or "/cd/" in str(p)] + \
        [p for p in files if "/archive/" in str(p)][::10]
    for p in chosen:
        s3.put_file(str(p), f"archive/{p.relative_to(d / 'in')}")
    return {f"s3a://archive/{p.relative_to(d / 'in')}": str(p) for p in chosen}


def test_inputs_read_from_an_object_store_give_the_clis_bytes(spark, uploaded, by_cli, tmp_path):
    d = tmp_path
    frame = spark.createDataFrame([(u,) for u in uploaded], "path string")
    results = ds_spark.sanitize(spark, frame, str(d / "out"), **spark_job.settings(str(signing_key_file(d))))
    rows = results.collect()
    assert sorted(r.input for r in rows) == sorted(uploaded)
    sanitized = 0
    for r in rows:
        cli_row = by_cli[uploaded[r.input]]
        assert (r.status, r.code) == (cli_row["status"], cli_row["code"]), r.input
        if r.status == "sanitized":
            sanitized += 1
            assert (d / "out" / r.output).read_bytes() == cli_row["bytes"], r.input
            assert json.loads(r.report) == cli_row["report"]
    assert sanitized > 500
    # Run again: everything is found done (sizes and times from the object store's listing).
    again = ds_spark.sanitize(spark, frame, str(d / "out"), **spark_job.settings(str(signing_key_file(d))))
    assert all(r.reused for r in again.collect())


def test_outputs_and_records_put_into_an_object_store(s3, uploaded, by_cli, monkeypatch):
    """One executor task, run as Spark would run it, with the output root in the bucket: every
    output put whole under its name, the results recorded as objects, and a second task given
    those records redoes nothing."""
    monkeypatch.setenv("DICOM_SANITIZER_SECRET", KEY)
    settings = {k: v for k, v in spark_job.settings("unused").items() if k not in ("key", "signing_key")}
    job = ds_spark._Job(root="s3a://results/deid", layout="uids", settings=settings,
                        key=ds_spark.FromEnv("DICOM_SANITIZER_SECRET"), signing_key=None, sets=[])
    s3.mkdir("results")
    items = [ds_spark._Input(path=u, length=None, modified=None) for u in sorted(uploaded) if "/corpus/" in u]
    key = ds_spark._compiled(job)[1]
    for i in items:
        i.iid = ds_spark._input_id(key, i.path)
    rows = list(ds_spark._Task(job, Counts()).alone(items))
    done = 0
    for r in rows:
        status, output = r[2], r[4]
        expected = by_cli[uploaded[r[0]]]
        assert status == expected["status"], r[0]
        if status == "sanitized":
            done += 1
            assert s3.cat_file(f"results/deid/{output}") == expected["bytes"], r[0]
    assert done >= 5
    assert not [k for k in s3.find("results") if k.endswith(".partial")]
    records = {}
    for k in s3.find("results/deid/_dicom_sanitizer/done"):
        for line in s3.cat_file(k).splitlines():
            rec = json.loads(line)
            records[rec["input_id"]] = rec
    assert set(records) == {i.iid for i in items}
    # A second task, given the records as the driver's join gives them: all reused.
    for i in items:
        i.prior = records[i.iid]
    again = list(ds_spark._Task(job, Counts()).alone(items))
    assert all(r[9] for r in again)


class Counts:
    def add(self, _):
        pass


def signing_key_file(d: Path) -> Path:
    from conftest import SIGNING_KEY

    p = d / "signing.key"
    p.write_text(SIGNING_KEY + "\n")
    return p
