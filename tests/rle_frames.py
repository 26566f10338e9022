"""Decodes RLE Lossless files with pydicom (an independent reader and RLE decoder) for
tests/rle.rs: one JSON line per file, each frame as hex in pydicom's decoded order (sample
planes, each sample little endian)."""

import json
import sys

import pydicom
from pydicom.encaps import generate_frames
from pydicom.pixels.decoders.rle import _rle_decode_frame

for path in sys.argv[1:]:
    ds = pydicom.dcmread(path)
    n = int(ds.get("NumberOfFrames", 1) or 1)
    frames = [
        _rle_decode_frame(f, ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.BitsAllocated).hex()
        for f in generate_frames(ds.PixelData, number_of_frames=n)
    ]
    print(json.dumps({
        "transferSyntax": str(ds.file_meta.TransferSyntaxUID),
        "frames": frames,
        "burnedIn": str(ds.get("BurnedInAnnotation", "")),
        "extendedOffsetTable": "ExtendedOffsetTable" in ds,
    }))
