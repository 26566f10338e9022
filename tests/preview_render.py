"""Renders every frame of each file with pydicom, for tests/preview.rs: the Modality LUT
(apply_modality_lut), then the first window (apply_voi_lut) scaled from pydicom's own output
range to 0..255, else the frame's min..max; MONOCHROME1 inverted; YBR_FULL converted
(convert_color_space); palettes through apply_color_lut. Prints, per file, a JSON list of
frames, each a flat list of R, G, B values."""

import json
import sys

import numpy as np
import pydicom
from pydicom.pixels import apply_color_lut, apply_modality_lut, apply_voi_lut, convert_color_space


def voi_range(ds):
    """The output range pydicom's apply_windowing maps a window onto."""
    if ds.PixelRepresentation == 0:
        lo, hi = 0, 2**ds.BitsStored - 1
    else:
        lo, hi = -(2 ** (ds.BitsStored - 1)), 2 ** (ds.BitsStored - 1) - 1
    if "RescaleSlope" in ds and "RescaleIntercept" in ds:
        lo, hi = lo * float(ds.RescaleSlope) + float(ds.RescaleIntercept), hi * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    return lo, hi


def render(ds, a):
    pi = ds.PhotometricInterpretation
    if pi.startswith("MONOCHROME"):
        m = apply_modality_lut(a, ds).astype(np.float64)
        if "WindowCenter" in ds:
            lo, hi = voi_range(ds)
            g = (apply_voi_lut(m, ds, index=0) - lo) / (hi - lo) * 255
        else:
            lo, hi = m.min(), m.max()
            g = (m - lo) / (hi - lo) * 255 if hi > lo else np.zeros_like(m)
        g = np.clip(np.rint(g), 0, 255)
        if pi == "MONOCHROME1":
            g = 255 - g
        return np.stack([g, g, g], -1)
    if pi == "PALETTE COLOR":
        c = apply_color_lut(a, ds).astype(np.float64)
        if ds.RedPaletteColorLookupTableDescriptor[2] == 16:
            c = np.rint(c / 65535 * 255)
        return c
    if pi.startswith("YBR_FULL"):
        return convert_color_space(a, "YBR_FULL", "RGB")
    return a


for path in sys.argv[1:]:
    ds = pydicom.dcmread(path)
    ds.pixel_array_options(as_rgb=False)
    arr = ds.pixel_array
    if int(ds.get("NumberOfFrames", 1) or 1) == 1:
        arr = arr[None]
    print(json.dumps([render(ds, a).astype(np.int64).flatten().tolist() for a in arr]))
