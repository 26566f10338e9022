"""An ultrasound-like image with a patient's name and birth date burned into its first rows, for
the OCR test (tests/js/ocr.test.mjs): writes OUT/us.dcm (pydicom; PatientName DOE^JANE,
PatientBirthDate 19650412, 8-bit MONOCHROME2, native) and OUT/us.gray (the same pixels, raw),
and prints {rows, columns, text: [{text, box: [x0, y0, x1, y1]}]} with where Pillow drew each
word."""

import json
import os
import sys

from PIL import Image, ImageDraw, ImageFont
import pydicom
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

ROWS, COLUMNS = 480, 640
US_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.6.1"
# Two lines in the band where scanners write the patient's details; a third, harmless, line.
LINES = [(16, ["DOE^JANE", "45Y", "F"]), (48, ["DOB", "12/04/1965"]), (80, ["Abd", "General"])]


def main(out):
    img = Image.new("L", (COLUMNS, ROWS), 0)
    draw = ImageDraw.Draw(img)
    # A fan of speckle, as an ultrasound sector looks; deterministic.
    state = 12345
    for y in range(120, ROWS):
        half = (y - 100) * 0.6
        for x in range(int(COLUMNS / 2 - half), int(COLUMNS / 2 + half), 2):
            state = (state * 1103515245 + 12345) & 0x7FFFFFFF
            draw.point((x, y), fill=40 + (state >> 16) % 60)
    font = ImageFont.load_default(size=22)
    words = []
    for y, line in LINES:
        x = 16
        for w in line:
            draw.text((x, y), w, fill=255, font=font)
            box = draw.textbbox((x, y), w, font=font)
            words.append({"text": w, "box": list(box)})
            x = box[2] + 14
    pixels = img.tobytes()
    with open(os.path.join(out, "us.gray"), "wb") as f:
        f.write(pixels)

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = US_IMAGE_STORAGE
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = US_IMAGE_STORAGE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "US"
    ds.PatientName = "DOE^JANE"
    ds.PatientID = "MRN0012345"
    ds.PatientBirthDate = "19650412"
    ds.StudyDate = "20240305"
    ds.BurnedInAnnotation = "YES"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = ROWS, COLUMNS
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = pixels
    ds.save_as(os.path.join(out, "us.dcm"), enforce_file_format=True)
    print(json.dumps({"rows": ROWS, "columns": COLUMNS, "text": words}))


if __name__ == "__main__":
    main(sys.argv[1])
