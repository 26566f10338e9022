"""The Spark job, for real: Spark in local mode (`local[2]`, a JVM and Python workers), over the
test corpus, a media set and a generated archive of 5,000+ files in nested folders named after
their patients, with broken and non-DICOM files (`make archive`). Checked against the CLI run
on the same tree with the same settings: every output byte for byte, every report and receipt,
every status and code; no identifying value in any name it writes; a run killed halfway, run
again, finishes the rest without redoing or duplicating a file; the keys in no plan or log."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import dicom_sanitizer as ds
from conftest import ARCHIVE, CORPUS, FILESET, KEY, SIGNING_KEY
from dicom_sanitizer import spark as ds_spark

sys.path.insert(0, str(Path(__file__).parent))
import spark_job  # noqa: E402

STATE = ds_spark.STATE


def outputs(root: Path) -> dict:
    """Every file the job wrote outside its state folder, by its path below the root."""
    return {str(p.relative_to(root)): p for p in root.rglob("*") if p.is_file() and STATE not in p.parts}


def phi_tokens(tree) -> list:
    d, _ = tree
    archive = json.loads((ARCHIVE / "manifest.json").read_text())["phi"]
    corpus = json.loads((CORPUS / "manifest.json").read_text())["phi"]
    return sorted({fold(t) for t in archive + corpus + ["DOE JANE"] if len(fold(t)) >= 3})


def recorded(out: Path) -> dict:
    """The results the job has recorded so far, by input_id (a line cut short is no record)."""
    records = {}
    for p in (out / STATE / "done").glob("*.jsonl"):
        for line in p.read_bytes().splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            records[rec["input_id"]] = rec
    return records


def fold(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def local(uri: str) -> str:
    return uri[len("file:"):] if uri.startswith("file:") else uri


def test_a_run_killed_halfway_and_run_again_gives_the_clis_outputs_once(tree, spark, by_cli):
    d, files = tree
    out = d / "spark"
    # 1. The job, started as an operator would, killed (the driver, its JVM, its Python workers)
    # once a quarter of the files are recorded as done.
    job = subprocess.Popen([sys.executable, spark_job.__file__, d / "in", out, d / "signing.key", d / "events"],
                           env=dict(os.environ, DICOM_SANITIZER_SECRET=KEY), start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 600
    while len(recorded(out)) < 0.25 * len(files):
        assert job.poll() is None, f"the job ended before it was killed: {job.stderr.read()[-3000:]!r}"
        assert time.monotonic() < deadline, "the job made no progress"
        time.sleep(0.05)
    os.killpg(job.pid, signal.SIGKILL)
    job_out, job_err = job.communicate()
    records = recorded(out)
    assert 0.25 * len(files) <= len(records) < len(files), "killed too late to test a resumed run"
    # What it left under output names are whole outputs, each one the CLI's bytes for some input.
    cli_bytes = {e["bytes"] for e in by_cli.values() if e["status"] == "sanitized"}
    left = outputs(out)
    assert left and all(p.read_bytes() in cli_bytes for p in left.values())
    before = {}
    for rec in records.values():
        if rec["output"] is not None:
            st = (out / rec["output"]).stat()
            before[rec["output"]] = (st.st_ino, st.st_mtime_ns)

    # 2. Run again, in this process, with a progress callback.
    seen = []
    results = ds_spark.sanitize(spark, str(d / "in"), str(out), mapping=str(d / "mapping"), progress=seen.append,
                                progress_every=0.5, **spark_job.settings(str(d / "signing.key")))
    rows = {local(r.input): r for r in results.collect()}

    # One row per input file, of every kind, with the CLI's status and code.
    assert sorted(rows) == sorted(str(p) for p in files) == sorted(by_cli)
    for path, row in rows.items():
        cli_row = by_cli[path]
        assert (row.status, row.code) == (cli_row["status"], cli_row["code"]), path
    statuses = {s: sum(r.status == s for r in rows.values()) for s in ("sanitized", "skipped", "refused", "failed")}
    assert statuses["failed"] == 0 and statuses["skipped"] >= 10 and statuses["refused"] >= 10, statuses

    # The files recorded before the kill were not redone: same inode, same time.
    reused = [r for r in rows.values() if r.reused]
    assert len(reused) == len(records)
    for name, stat in before.items():
        st = (out / name).stat()
        assert (st.st_ino, st.st_mtime_ns) == stat, f"{name} was rewritten"

    # Every output is the CLI's, byte for byte, with its report and receipt; the alone files
    # have the CLI's names (STUDY/SERIES/INSTANCE.dcm) and the CD its DICOMDIR.
    written = outputs(out)
    for path, row in rows.items():
        if row.status != "sanitized":
            assert row.output is None
            continue
        cli_row = by_cli[path]
        assert written[row.output].read_bytes() == cli_row["bytes"], path
        assert json.loads(row.report) == cli_row["report"], path
        assert json.loads(row.receipt) == cli_row["receipt"], path
        assert row.size == len(cli_row["bytes"]) and row.digest == cli_row["report"]["output"]["hex"]
        if "/corpus/good/" not in path:  # two corpus files share an instance UID: _2 goes to either
            assert row.output == cli_row["name"], path
    # No duplicate, nothing half-written or temporary left.
    assert sorted(written) == sorted({r.output for r in rows.values() if r.output})
    assert not [p for p in out.rglob("*") if p.name.endswith(".partial")]
    assert not (out / STATE / "tmp").exists()
    # The media set: pydicom reads its DICOMDIR, whose records point at the files written.
    tree_json = subprocess.run([sys.executable, FILESET, "tree", out / "SET001/DICOMDIR"], check=True,
                               capture_output=True, text=True).stdout
    referenced = [f for f, _ in json.loads(tree_json)]
    assert len(referenced) == 2 and all((out / "SET001" / f).is_file() for f in referenced)

    # No identifying value in any name the job wrote, outputs and its own folder alike.
    tokens = phi_tokens(tree)
    for p in out.rglob("*"):
        name = fold(str(p.relative_to(out)))
        assert not [t for t in tokens if t in name], p.relative_to(out)

    # The results beside the outputs: every row but the input paths, which only the mapping holds.
    table = spark.read.parquet(str(out / STATE / "results"))
    assert "input" not in table.columns
    assert sorted(tuple(r) for r in table.collect()) == sorted(tuple(r)[1:] for r in rows.values())
    mapping = {r.input_id: r for r in spark.read.parquet(str(d / "mapping")).collect()}
    assert {local(m.input) for m in mapping.values()} == set(rows)

    # Progress: the accumulators counted every file, and the refusals by code.
    final = seen[-1]
    assert final["files"] == len(files) and final["reused"] == len(records)
    for status in ("refused", "skipped"):
        by_code = {}
        for r in rows.values():
            if r.status == status:
                by_code[r.code] = by_code.get(r.code, 0) + 1
        assert {k.split(":", 1)[1]: v for k, v in final.items() if k.startswith(status + ":")} == by_code

    # The keys: in no plan, no event log, no record and no output of the job.
    secrets = [KEY.encode(), SIGNING_KEY.encode()]
    plan = results._jdf.queryExecution().toString().encode()
    logs = b"".join(p.read_bytes() for p in (d / "events").rglob("*") if p.is_file())
    assert logs, "no event log written"
    state = b"".join(p.read_bytes() for p in (out / STATE).rglob("*") if p.is_file())
    for s in secrets:
        assert s not in plan and s not in logs and s not in job_out and s not in job_err and s not in state
    results.unpersist()


def test_numbered_layout_and_a_second_run_that_redoes_nothing(tree, spark, tmp_path, by_cli):
    d, _ = tree
    settings = spark_job.settings(str(d / "signing.key"))
    first = ds_spark.sanitize(spark, str(d / "in/corpus"), str(tmp_path), layout="numbered", **settings)
    rows = first.collect()
    names = sorted(r.output for r in rows if r.output)
    assert names and all(re.fullmatch(r"\d{6}\.dcm", n) for n in names)
    for r in rows:
        if r.output:
            assert (tmp_path / r.output).read_bytes() == by_cli[local(r.input)]["bytes"]
    stamp = {n: (tmp_path / n).stat().st_mtime_ns for n in names}
    again = ds_spark.sanitize(spark, str(d / "in/corpus"), str(tmp_path), layout="numbered", **settings).collect()
    assert all(r.reused for r in again) and {r.input: r.output for r in again} == {r.input: r.output for r in rows}
    assert stamp == {n: (tmp_path / n).stat().st_mtime_ns for n in names}
    # Other settings are another job: the records do not hold for them.
    other = dict(settings, options=["retain_uids"])
    assert not any(r.reused for r in ds_spark.sanitize(spark, str(d / "in/corpus"), str(tmp_path / "x"),
                                                       layout="numbered", **other).collect())


def test_a_dataframe_of_paths(tree, spark, tmp_path, by_cli):
    d, files = tree
    some = [str(p) for p in files if "/corpus/" in str(p)]
    frame = spark.createDataFrame([(p,) for p in some], "path string")
    rows = ds_spark.sanitize(spark, frame, str(tmp_path), **spark_job.settings(str(d / "signing.key"))).collect()
    assert sorted(r.input for r in rows) == sorted(some)
    for r in rows:
        assert (r.status, r.code) == (by_cli[r.input]["status"], by_cli[r.input]["code"])


def test_settings_it_refuses_before_any_work(spark, tmp_path, monkeypatch):
    with pytest.raises(ds.SettingsError) as e:
        ds_spark.sanitize(spark, str(CORPUS), str(tmp_path), layout="mirror", key=KEY)
    assert e.value.code == "settings.invalid_value"
    # No key: pseudonyms would differ from executor to executor.
    monkeypatch.delenv("DICOM_SANITIZER_KEY", raising=False)
    with pytest.raises(ds.SettingsError) as e:
        ds_spark.sanitize(spark, str(CORPUS), str(tmp_path))
    assert e.value.code == "settings.invalid_value"
    with pytest.raises(ds.SettingsError) as e:
        ds_spark.sanitize(spark, str(CORPUS), str(tmp_path), key="short")
    assert e.value.code == "settings.key_too_short"
    assert list(tmp_path.iterdir()) == []
    # A key given by value never prints.
    assert KEY not in repr(ds_spark._source(KEY, "key"))


def test_a_bad_signing_key_is_refused_on_the_driver(spark, tmp_path):
    with pytest.raises(ds.SettingsError) as e:
        ds_spark.sanitize(spark, str(CORPUS), str(tmp_path), key=KEY, signing_key="00" * 31)
    assert e.value.code == "settings.invalid_signing_key"
    assert list(tmp_path.iterdir()) == []


def test_outputs_are_placed_where_there_are_no_hard_links(tmp_path, monkeypatch):
    """Some FUSE mounts (a bucket mounted on the executors) refuse hard links: an output is
    then renamed into place, and a taken name is still never overwritten."""
    def no_links(*_):
        raise PermissionError("no hard links here")

    monkeypatch.setattr(os, "link", no_links)
    store = ds_spark._Store(str(tmp_path / "out"))
    first, second = tmp_path / "first", tmp_path / "second"
    first.write_bytes(b"first")
    second.write_bytes(b"second")
    assert store.place(str(first), "a/b.dcm", replace=False)
    assert (tmp_path / "out/a/b.dcm").read_bytes() == b"first" and not first.exists()
    assert not store.place(str(second), "a/b.dcm", replace=False)
    assert (tmp_path / "out/a/b.dcm").read_bytes() == b"first" and second.exists()
