"""Benchmark: the Spark job (local[2], this machine's 2 cores) beside the CLI (`--jobs 2`) on the
same archive and settings, in one run: `python bench/spark.py CLI ARCHIVE WORK`. Each side
runs RUNS times into a fresh output folder; the table gives the median files/s. The Spark
job's time is that of `sanitize()` in a running session (the operator's cluster is up); the
session's start (a JVM) is shown apart."""

import os
import shutil
import statistics
import subprocess
import sys
import time

cli, archive, work = sys.argv[1:4]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
KEY = "benchmark-key-0123456789abcdef"
files = sum(len(f) for _, _, f in os.walk(archive))
os.makedirs(work, exist_ok=True)
with open(os.path.join(work, "key"), "w") as f:
    f.write(KEY)


def fresh(name: str) -> str:
    path = os.path.join(work, name)
    shutil.rmtree(path, ignore_errors=True)
    # Each run starts with the page cache written back, so that no run pays for the last one's.
    os.sync()
    return path


def cli_run() -> float:
    out = fresh("cli")
    t = time.perf_counter()
    # Exit status 1: the archive's broken files are refused, as they should be.
    subprocess.run([cli, "sanitize", archive, "--out", out, "--layout", "uids", "--jobs", "2", "--quiet",
                    "--key-file", os.path.join(work, "key")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - t


os.environ["PYSPARK_PYTHON"] = sys.executable
os.environ["DICOM_SANITIZER_KEY"] = KEY
t = time.perf_counter()
from pyspark.sql import SparkSession  # noqa: E402

from dicom_sanitizer import spark as ds_spark  # noqa: E402

spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "4").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
session = time.perf_counter() - t


# One file of the archive alone: the job's fixed cost (listing, its small jobs, shuffles, the
# Parquet results), paid once per run whatever the archive's size.
one = fresh("one")
os.makedirs(one)
first = next(os.path.join(d, f) for d, _, fs in sorted(os.walk(archive)) for f in sorted(fs) if f.endswith(".dcm"))
shutil.copy(first, one)


def spark_run(inputs: str = archive, n: int = files) -> float:
    out = fresh("spark")
    t = time.perf_counter()
    results = ds_spark.sanitize(spark, inputs, out)
    elapsed = time.perf_counter() - t
    assert results.count() == n, "a file without its row"
    results.unpersist()
    return elapsed


spark_run()  # warm: the executors' Python workers start, as they are on a running cluster
times = {"CLI --jobs 2": [], "Spark local[2]": []}
fixed = []
for _ in range(RUNS):
    times["CLI --jobs 2"].append(cli_run())
    times["Spark local[2]"].append(spark_run())
    fixed.append(spark_run(one, 1))
spark.stop()

print(f"\n{files} files ({archive}), median of {RUNS} runs, this machine's {os.cpu_count()} cores")
print(f"{'runner':<18} {'seconds':>8} {'files/s':>9}")
rate = {}
for name, ts in times.items():
    s = statistics.median(ts)
    rate[name] = files / s
    print(f"{name:<18} {s:>8.2f} {rate[name]:>9.0f}")
base = statistics.median(fixed)
marginal = files / max(statistics.median(times["Spark local[2]"]) - base, 1e-9)
print(f"Spark / CLI files/s: {rate['Spark local[2]'] / rate['CLI --jobs 2']:.2f} (goal >= 0.7); "
      f"session start (JVM) {session:.1f} s, once per session")
print(f"Spark's fixed cost per run (one file): {base:.2f} s; past it {marginal:.0f} files/s, "
      f"{marginal / rate['CLI --jobs 2']:.2f}x the CLI's")
