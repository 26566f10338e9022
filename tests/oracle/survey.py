"""Runs the CLI over a corpus of real DICOM files and checks every outcome with independent tools.

For each input the CLI says sanitized, skipped or refused. The expectations file lists the inputs
that must not come out sanitized (truly broken files, non-DICOM files) with their status and
code; every other input must be sanitized. Each sanitized output must then:
  - re-read in pydicom (every element decoded) and in DCMTK's dcmdump;
  - add no dciodvfy error: the sorted, value-normalised "Error - " lines of the output are a
    subset of the input's (for an input that is no IOD at all, a fragment, the file meta's).

Prints one line per problem and closes with "survey: N passed, N failed".
Usage: survey.py --cli BIN --work DIR --expect FILE [--arg=CLI_ARG ...] ROOT...
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

import pydicom


def dciodvfy_errors(path):
    """The set of dciodvfy errors of a file, with values and indices normalised away."""
    run = subprocess.run(["dciodvfy", "-new", path], capture_output=True, text=True,
                         errors="replace")
    errors = set()
    for line in (run.stdout + run.stderr).splitlines():
        if not line.startswith("Error - "):
            continue
        line = re.sub(r"= <[^>]*>", "= <>", line)
        line = re.sub(r"\[\d+\]", "[]", line)
        line = re.sub(r"\b\d+\b", "N", line)
        errors.add(line)
    return errors


def reread(path):
    ds = pydicom.dcmread(path)
    for elem in ds.iterall():
        elem.value  # decodes every value
    return ds


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cli", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--expect", required=True)
    p.add_argument("--arg", action="append", default=[])
    p.add_argument("roots", nargs="+")
    a = p.parse_args()
    expect = json.load(open(a.expect))
    out = os.path.join(a.work, "out")
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(out)
    env = dict(os.environ, DICOM_SANITIZER_KEY="survey-key-not-a-secret-0123456789")
    lines = []
    for root in a.roots:
        # The lines name no input (names can carry PHI); the mapping does, by `n`.
        mapping = os.path.join(a.work, os.path.basename(root) + ".mapping")
        run = subprocess.run([a.cli, "sanitize", root, "--out", os.path.join(out, os.path.basename(root)),
                              "--mapping", mapping, "-q", *a.arg], capture_output=True, text=True, env=env)
        if run.returncode not in (0, 1):
            print(f"FAIL cli exit {run.returncode}: {run.stderr.strip()}")
            sys.exit(1)
        inputs = {m["n"]: m["input"] for m in map(json.loads, open(mapping).read().splitlines())}
        for line in run.stdout.splitlines():
            r = json.loads(line)
            r["input"] = inputs[r["n"]]
            r["rel"] = os.path.join(os.path.basename(root), os.path.relpath(r["input"], root))
            lines.append(r)

    passed, failed, counts = 0, 0, {}

    def fail(rel, what):
        nonlocal failed
        failed += 1
        print(f"FAIL {rel}: {what}")

    seen = set()
    for r in lines:
        rel = r["rel"]
        seen.add(rel)
        status = r.get("status") or ("sanitized" if r["ok"] else "refused")
        code = (r.get("error") or {}).get("code")
        counts[status] = counts.get(status, 0) + 1
        want = expect.get(rel)
        if want is not None:
            got = status if code is None else f"{status}:{code}"
            if got == want:
                passed += 1
            else:
                fail(rel, f"expected {want}, got {got} ({(r.get('error') or {}).get('message', '')})")
            continue
        if status != "sanitized":
            fail(rel, f"valid input {status}: {code}: {(r.get('error') or {}).get('message', '')}")
            continue
        problems = []
        try:
            reread(r["output"])
        except Exception as e:  # any pydicom failure is a finding of this survey
            problems.append(f"pydicom cannot read the output: {e}")
        dump = subprocess.run(["dcmdump", "-q", r["output"]], capture_output=True, text=True,
                              errors="replace")
        if dump.returncode != 0 or "E: " in dump.stderr:
            problems.append(f"dcmdump: {dump.stderr.strip()[:200]}")
        before, after = dciodvfy_errors(r["input"]), dciodvfy_errors(r["output"])
        if any("Information Object Not found" in e for e in before):
            # No IOD to check the input against (a fragment): only the file meta compares.
            after = {e for e in after if "(0002," in e}
        added = after - before
        for e in sorted(added):
            problems.append(f"new dciodvfy error: {e}")
        if problems:
            fail(rel, "; ".join(problems))
        else:
            passed += 1
    for rel in sorted(set(expect) - seen):
        fail(rel, "listed in the expectations but not in the corpus")
    print("survey: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    print(f"survey: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
