"""Runs the CLI over a corpus of real DICOM files and checks every outcome with independent tools.

For each input the CLI says sanitized, skipped or refused. The expectations file lists the inputs
that must not come out sanitized (truly broken files, non-DICOM files) with their status and
code; every other input must be sanitized. Each sanitized output must then:
  - re-read in pydicom (every element decoded) and in DCMTK's dcmdump;
  - add no dciodvfy error: the sorted, value-normalised "Error - " lines of the output are a
    subset of the input's (for an input that is no IOD at all, a fragment, the file meta's).

With `--reidentify KEY` (repeatable; the outputs sanitized for those recipients) every sanitized
output is re-identified by the CLI with each key and must come back to its input (PS3.15 E.1.2):
every element of the input's data set before Pixel Data, nested sequences included, with its VR
and value, the pixels as sanitized, Patient Identity Removed NO, no (0012,0063), (0012,0064) or Encrypted
Attributes left. With `--stranger KEY` too, that unrelated key re-identifies nothing, each file
refused with reidentify.failed.

Prints one line per problem and closes with "survey: N passed, N failed".
Usage: survey.py --cli BIN --work DIR --expect FILE [--arg=CLI_ARG ...]
                 [--reidentify KEY ... [--stranger KEY]] ROOT...
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


PIXEL_DATA, PATIENT_IDENTITY_REMOVED = 0x7FE00010, 0x00120062
# A directory's record offsets are byte positions in its file, which re-identification changes:
# they must link the same records (pydicom's FileSet follows them), not hold the same numbers.
OFFSETS = (0x00041200, 0x00041202, 0x00041400, 0x00041420)
# What re-identification takes away (E.1.2): the method and its codes, and the envelope itself.
REMOVED = (0x00120063, 0x00120064, 0x04000500)


def same(a, b):
    """Equal VR (but where the input's is UN or ambiguous, which reading resolves) and value;
    sequences item by item, element by element."""
    if a.VR != b.VR and a.VR != "UN" and " or " not in a.VR:
        return False
    if a.VR == "SQ":
        return b.VR == "SQ" and len(a.value) == len(b.value) and all(
            set(x.keys()) == set(y.keys()) and all(same(x[t], y[t]) for t in x.keys())
            for x, y in zip(a.value, b.value))
    return a.VR == "UN" or a.tag in OFFSETS or a.value == b.value


def restored_problems(input_path, sanitized_path, restored_path):
    """How a re-identified file differs from what E.1.2 makes of its input (tags only)."""
    # force: some inputs are bare data sets (accepted with --accept-raw).
    original, sanitized, back = (pydicom.dcmread(p, force=True) for p in (input_path, sanitized_path, restored_path))
    problems = []
    for elem in original:
        # After Pixel Data (trailing padding, the rare private group above it) comes after the
        # envelope in the stream: de-identified at the end, its original is not enclosed.
        if elem.tag in (PATIENT_IDENTITY_REMOVED, *REMOVED) or elem.tag >= PIXEL_DATA:
            continue
        if elem.tag not in back:
            problems.append(f"{elem.tag} not restored")
        elif not same(elem, back[elem.tag]):
            problems.append(f"{elem.tag} restored otherwise")
    if (PIXEL_DATA in back) != (PIXEL_DATA in sanitized) or (
            PIXEL_DATA in back and back[PIXEL_DATA].value != sanitized[PIXEL_DATA].value):
        problems.append("Pixel Data is not the sanitized one")
    if back.get(PATIENT_IDENTITY_REMOVED) is not None and back[PATIENT_IDENTITY_REMOVED].value != "NO":
        problems.append("Patient Identity Removed is not NO")
    problems += [f"{pydicom.tag.Tag(t)} left" for t in REMOVED if t in back]
    if "DirectoryRecordSequence" in original:
        want, got = walk(original), walk(back)
        if got is None or (want is not None and got != want):
            problems.append("the directory's records do not link as the input's")
    return problems


def walk(ds):
    """A directory's records in the order its offsets link them, depth first, as (depth, type,
    file ID, SOP instance); None where an offset points at no record."""
    records = {item.seq_item_tell: item for item in ds.DirectoryRecordSequence}
    out = []

    def chain(offset, depth):
        seen = 0
        while offset:
            record = records.get(offset)
            if record is None or seen > len(records):
                return False
            seen += 1
            out.append((depth, record.get("DirectoryRecordType"), str(record.get("ReferencedFileID")),
                        record.get("ReferencedSOPInstanceUIDInFile")))
            lower = record.get("OffsetOfReferencedLowerLevelDirectoryEntity")
            if lower and not chain(lower, depth + 1):
                return False
            offset = record.get("OffsetOfTheNextDirectoryRecord")
        return True

    return out if chain(ds.get("OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity"), 0) else None


def reidentify(cli, path, back, key):
    """The CLI's reidentify of one file into the folder `back`: its JSON line."""
    run = subprocess.run([cli, "reidentify", path, "--out", back, "--key", key], capture_output=True, text=True)
    if run.returncode not in (0, 1):
        print(f"FAIL reidentify exit {run.returncode}: {run.stderr.strip()}")
        sys.exit(1)
    return json.loads(run.stdout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cli", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--expect", required=True)
    p.add_argument("--arg", action="append", default=[])
    p.add_argument("--reidentify", action="append", default=[])
    p.add_argument("--stranger")
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
        for i, key in enumerate(a.reidentify):
            back = reidentify(a.cli, r["output"], os.path.join(a.work, f"back-{i + 1}", str(len(seen))), key)
            if not back.get("ok"):
                problems.append(f"reidentify with key {i + 1}: {back.get('error')}")
            else:
                problems += [f"key {i + 1}: {p}" for p in restored_problems(r["input"], r["output"], back["output"])]
        if a.stranger:
            refused = os.path.join(a.work, "stranger", str(len(seen)))
            code = (reidentify(a.cli, r["output"], refused, a.stranger).get("error") or {}).get("code")
            if code != "reidentify.failed" or os.path.exists(refused):
                problems.append(f"an unrelated key: {code}, output {'written' if os.path.exists(refused) else 'none'}")
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
