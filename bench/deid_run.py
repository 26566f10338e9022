"""Benchmark runner: pydicom/deid (PyPI) with its default recipe, every file of IN into OUT."""
import os
import sys

from deid.config import DeidRecipe
from deid.dicom import get_files, replace_identifiers

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
files = sorted(get_files(src))
replace_identifiers(
    dicom_files=files,
    deid=DeidRecipe(),
    save=True,
    output_folder=dst,
    overwrite=True,
)
