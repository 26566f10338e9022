"""Threads share one Sanitizer: the same outputs as one thread gives, and (the GIL released while
the core works, see test_large.py) more files per second on more cores."""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import dicom_sanitizer as ds
from conftest import SETTINGS, good


def test_threads_share_a_sanitizer_and_get_the_same_outputs(manifest):
    sanitizer = ds.Sanitizer(**SETTINGS)
    inputs = [good(n) for n in manifest["good"]] * 20
    want = [sanitizer.sanitize(raw).bytes for raw in inputs]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda raw: sanitizer.sanitize(raw).bytes, inputs))
    assert got == want
    # Streams and mutable buffers from many threads too.
    def streamed(raw):
        stream = sanitizer.stream()
        buf = bytearray(raw)
        parts = [stream.write(memoryview(buf)[i : i + 4096]) for i in range(0, len(buf), 4096)]
        return b"".join(parts) + stream.end().bytes

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(streamed, inputs)) == want


def test_threads_scale(manifest):
    """Reported, not asserted: the machine's other load decides the ratio."""
    sanitizer = ds.Sanitizer(**SETTINGS)
    raw = good("ct-1.dcm")
    files = [raw] * 400

    def run(threads):
        t = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(sanitizer.sanitize, files))
        return len(files) / (time.perf_counter() - t)

    one, many = run(1), run(os.cpu_count() or 1)
    print(f"\nsanitize: {one:.0f} files/s on 1 thread, {many:.0f} on {os.cpu_count()} ({many / one:.2f}x)")
