"""One run of the Spark job as an operator would start it (`python spark_job.py IN OUT`), for
the test that kills it halfway: the key from $DICOM_SANITIZER_SECRET, the signing key from a
file, the shared test settings."""

import os
import sys

from pyspark.sql import SparkSession

from dicom_sanitizer import spark as ds_spark

sys.path.insert(0, os.path.dirname(__file__))
from conftest import SETTINGS  # noqa: E402


def session(event_log: str) -> SparkSession:
    # The executors' Python is this one (the venv with the wheel), as a cluster's would be
    # set with spark.pyspark.python.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("dicom-sanitizer test")
        .config("spark.ui.enabled", "false")
        .config("spark.eventLog.enabled", "true")
        .config("spark.eventLog.dir", "file:" + event_log)
        # Plain text, so that the test can look for the keys in it.
        .config("spark.eventLog.compress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def settings(signing_key_file: str) -> dict:
    """SETTINGS with the secrets from the environment and a file, not in the job's code."""
    s = {k: v for k, v in SETTINGS.items() if k not in ("key", "signing_key")}
    return dict(s, key=ds_spark.FromEnv("DICOM_SANITIZER_SECRET"), signing_key=ds_spark.FromFile(signing_key_file))


if __name__ == "__main__":
    inp, out, signing_key_file, event_log = sys.argv[1:5]
    spark = session(event_log)
    results = ds_spark.sanitize(spark, inp, out, **settings(signing_key_file))
    print(results.count(), "rows")
