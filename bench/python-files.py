"""Benchmark runner: the Python package over every file of IN, into OUT, with sanitize_file on
one thread per CPU (or as many as a third argument says): the GIL is released while the core
works, so the threads run in parallel. Plain threads, not concurrent.futures, whose import
(with logging's) would cost more than a tenth of the 500-file run."""

import os
import sys
import threading

from dicom_sanitizer import Sanitizer

src, dst = sys.argv[1:3]
threads = int(sys.argv[3]) if len(sys.argv) > 3 else os.cpu_count() or 1
os.makedirs(dst, exist_ok=True)
sanitizer = Sanitizer(key="benchmark-key-0123456789abcdef")
names = iter(sorted(os.listdir(src)))
failed = []


def work():
    # next() on a shared iterator is atomic under the GIL.
    for name in names:
        try:
            sanitizer.sanitize_file(os.path.join(src, name), os.path.join(dst, name))
        except Exception as e:  # reported below, like the other runners' failures
            failed.append(f"{name}: {e}")


pool = [threading.Thread(target=work) for _ in range(threads)]
for t in pool:
    t.start()
for t in pool:
    t.join()
if failed:
    sys.exit(f"{len(failed)} files not sanitized, e.g. {failed[0]}")
