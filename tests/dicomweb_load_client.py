"""One STOW-RS client of the proxy's load and fault tests: stores generated studies, one request
per study, with dicomweb-client, and prints one JSON line per request.

usage: dicomweb_load_client.py URL --client K --studies N --corpus DIR --large DIR
                               [--prefix UID] [--large-set none|test] [--retry-for SECONDS]

Every instance is a corpus file (planted PHI and all) under fresh UIDs: study j of client K holds
1 + j % 3 instances, small ones (the CT template resized to 4x4 ... 1448x1448, 1 KiB to 4 MiB)
and the corpus's other syntaxes; every tenth study also holds a file the sanitizer refuses. With
--large-set test some studies are one large multi-frame instance instead (the headers of
`make large-header`, pixel bytes generated): client 0's first study 256 MiB, clients 0-1's
second 72 MiB, clients 0-3's third 12 MiB.

dicomweb-client retries a 503 by itself (exponential back-off, 5 attempts), but not a body over 1 MB,
which it resends empty. --retry-for turns its retries off: a 502, 503 or 504, or a broken
connection, is retried here with the body built anew (after Retry-After, at most 1 s, so the
fault test stays short) until that many seconds have passed since the start.

Each line: {study, status, attempts: [every HTTP status, or "connection"], response, seconds, inputs: [{sop,
study, bytes, expect}]}, where expect is "stored" or the refusal code the corpus manifest gives.
"""
import argparse
import io
import json
import os
import sys
import time

import pydicom
import requests
from dicomweb_client import DICOMwebClient

SIDES = [4, 16, 64, 128, 256, 4, 32, 512]  # most small; every 20th 1024, every 50th 1448


def uid(prefix, *parts):
    return ".".join([prefix, *map(str, parts)])


def read(path):
    return pydicom.dcmread(path)


def renamed(ds, study, series, sop):
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = series
    ds.SOPInstanceUID = sop
    ds.file_meta.MediaStorageSOPInstanceUID = sop
    return ds


def encoded_size(ds):
    b = io.BytesIO()
    ds.save_as(b, enforce_file_format=True)
    return b.tell()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--client", type=int, required=True)
    p.add_argument("--studies", type=int, required=True)
    p.add_argument("--corpus", required=True)
    p.add_argument("--large", required=True)
    p.add_argument("--prefix", default="1.2.826.0.1.3680043.8.498.7001")
    p.add_argument("--large-set", default="none")
    p.add_argument("--retry-for", type=float, default=0)
    a = p.parse_args()
    manifest = json.load(open(os.path.join(a.corpus, "manifest.json")))
    codes = {b["file"]: b["code"] for b in manifest["bad"]}
    good = lambda name: os.path.join(a.corpus, "good", name)
    others = ["series/implicit-le.dcm", "series/explicit-be.dcm", "series/jpeg.dcm", "mz-preamble.dcm"]
    refused = ["name-in-unlisted-attribute.dcm", "ultrasound-unknown-burned-in.dcm"]
    k = a.client
    statuses = []
    session = requests.Session()
    session.hooks["response"].append(lambda r, *x, **y: statuses.append(r.status_code))
    client = DICOMwebClient(url=a.url, session=session)
    if a.retry_for:
        # dicomweb-client's own retry sends a body over its chunk size (1 MB) from a generator
        # that the first attempt used up: the retry goes out empty and is rightly a 400. This
        # client resends by itself instead, with the body built anew.
        client.set_http_retry_params(retry=False)
    started = time.monotonic()

    def large(j):
        if a.large_set != "test":
            return None
        return {(0, 0): "256m", (0, 1): "72m", (1, 1): "72m"}.get((k, j)) or ("12m" if j == 2 and k < 4 else None)

    def study_instances(j):
        study = uid(a.prefix, k, j)
        series = uid(a.prefix, k, j, 0)
        out = []
        size = large(j)
        if size:
            header = open(os.path.join(a.large, f"header-{size}.bin"), "rb").read()
            length = int(open(os.path.join(a.large, f"length-{size}")).read())
            ds = pydicom.dcmread(io.BytesIO(header + bytes(length)))
            out.append((renamed(ds, study, series, uid(a.prefix, k, j, 0, 0)), len(header) + length, "stored"))
            return out
        for i in range(1 + j % 3):
            n = (k * a.studies + j) * 3 + i  # a running count, so the sizes' shares hold
            if i == 1 and j % 4 == 1:
                ds = read(good(others[n % len(others)]))
            else:
                ds = read(good("ct-1.dcm"))
                side = 1448 if n % 50 == 0 else 1024 if n % 20 == 0 else SIDES[n % len(SIDES)]
                ds.Rows = ds.Columns = side
                ds.PixelData = bytes(range(256)) * (side * side * 2 // 256) + bytes(side * side * 2 % 256)
            ds = renamed(ds, study, series, uid(a.prefix, k, j, 0, i))
            out.append((ds, encoded_size(ds), "stored"))
        if j % 10 == 7:
            name = refused[(k + j) % 2]
            ds = renamed(read(os.path.join(a.corpus, "bad", name)), study, series, uid(a.prefix, k, j, 0, 9))
            out.append((ds, encoded_size(ds), codes[name]))
        return out

    for j in range(a.studies):
        instances = study_instances(j)
        datasets = [ds for ds, _, _ in instances]
        attempts = []
        t0 = time.monotonic()
        while True:
            retry_after = None
            seen = len(statuses)
            try:
                response = client.store_instances(datasets=datasets)
                body = response.to_json_dict() if response is not None else None
                status = statuses[-1]
            except requests.HTTPError as e:
                status = e.response.status_code
                try:
                    body = e.response.json()
                except ValueError:
                    body = None
                retry_after = e.response.headers.get("retry-after")
            except requests.ConnectionError:
                status, body = "connection", None
            # Without --retry-for, dicomweb-client itself retries a 503 (and 408, 429, 504) up to
            # 5 times: every answer it got is an attempt.
            attempts += statuses[seen:] if statuses[seen:] else [status]
            retryable = status in (502, 503, 504, "connection")
            if not (retryable and a.retry_for and time.monotonic() - started < a.retry_for):
                break
            time.sleep(min(float(retry_after or 1), 1.0))
        print(json.dumps({
            "study": uid(a.prefix, k, j),
            "status": status,
            "attempts": attempts,
            "response": body,
            "seconds": time.monotonic() - t0,
            "inputs": [
                {"sop": str(ds.SOPInstanceUID), "study": str(ds.StudyInstanceUID), "bytes": size, "expect": expect}
                for ds, size, expect in instances
            ],
        }), flush=True)
        del instances, datasets
    print(json.dumps({"done": True, "seconds": time.monotonic() - started}), flush=True)


if __name__ == "__main__":
    main()
