"""Decodes native pixel data, pixel by pixel, for tests/pixels.rs: pydicom reads each file and
this decoder (written apart from the blanker) prints, per file, a JSON list of frames of pixels
of samples. Handles 1/8/16/32/64 bits, planar configuration, YBR 4:2:2 pairs, big endian."""

import json
import sys

import pydicom


def decode(path):
    ds = pydicom.dcmread(path)
    rows, cols = ds.Rows, ds.Columns
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    spp, bits = ds.SamplesPerPixel, ds.BitsAllocated
    planar = spp > 1 and ds.get("PlanarConfiguration", 0) == 1
    pairs = ds.PhotometricInterpretation.endswith("_422")
    little = ds.file_meta.TransferSyntaxUID.is_little_endian
    raw = bytes(ds.PixelData)
    if not little and bits == 8 and ds["PixelData"].VR == "OW":
        # 8-bit samples in big endian OW are stored in 16-bit words: swap each pair back.
        raw = b"".join(raw[i : i + 2][::-1] for i in range(0, len(raw), 2))
    order = "little" if little else "big"

    def sample(i):
        if bits == 1:
            return (raw[i // 8] >> (i % 8)) & 1
        b = bits // 8
        return int.from_bytes(raw[i * b : (i + 1) * b], order)

    n = rows * cols
    out = []
    for f in range(frames):
        if pairs:  # Y1 Y2 Cb Cr for each two pixels
            base = f * n * 2
            pixels = [
                [sample(base + p // 2 * 4 + p % 2), sample(base + p // 2 * 4 + 2), sample(base + p // 2 * 4 + 3)]
                for p in range(n)
            ]
        elif planar:
            base = f * n * spp
            pixels = [[sample(base + s * n + p) for s in range(spp)] for p in range(n)]
        else:
            base = f * n * spp
            pixels = [[sample(base + p * spp + s) for s in range(spp)] for p in range(n)]
        out.append(pixels)
    return out


for path in sys.argv[1:]:
    print(json.dumps(decode(path)))
