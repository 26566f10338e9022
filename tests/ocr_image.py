"""An ultrasound-like image with a patient's name and birth date burned into its first rows, for
the OCR tests.

`ocr_image.py OUT` (tests/js/ocr.test.mjs): writes OUT/us.dcm (pydicom; PatientName DOE^JANE,
PatientBirthDate 19650412, 8-bit MONOCHROME2, native) and OUT/us.gray (the same pixels, raw),
and prints {rows, columns, text: [{text, box: [x0, y0, x1, y1]}]} with where Pillow drew each
word.

`ocr_image.py --review OUT` (tests/js/review.test.mjs): a folder OUT/study/ of three such images
of one device and size: us-native.dcm, us-jpeg.dcm (the same pixels as JPEG Baseline, Pillow's
encoder, encapsulated by pydicom) and us-second.dcm (another patient's, native); prints the same
JSON with `files: {name: {name, birthDate, text}}`.

`ocr_image.py --shapes OUT` (tests/js/review-shapes.test.mjs): a folder OUT/study/ of two images whose
burned-in identifiers are not the header's (see `shapes`); prints the same JSON, each word with
its `role`.

`ocr_image.py --decode FILE OUT.gray`: pydicom's (and, for JPEG, Pillow's) decoding of FILE's
first frame to raw 8-bit samples, for checking what the page wrote; prints {rows, columns,
transferSyntax}."""

import io
import json
import os
import sys

from PIL import Image, ImageDraw, ImageFont
import pydicom
from pydicom.dataset import FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import ExplicitVRLittleEndian, JPEGBaseline8Bit, generate_uid

ROWS, COLUMNS = 480, 640
US_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.6.1"
# Two lines in the band where scanners write the patient's details; a third, harmless, line.
LINES = [(16, ["DOE^JANE", "45Y", "F"]), (48, ["DOB", "12/04/1965"]), (80, ["Abd", "General"])]


def draw_image(lines=LINES, top=120):
    """The image and where each word was drawn: `lines` of (y, words) from x 16 or of (x, y,
    words); the speckle fan from row `top`."""
    img = Image.new("L", (COLUMNS, ROWS), 0)
    draw = ImageDraw.Draw(img)
    # A fan of speckle, as an ultrasound sector looks; deterministic.
    state = 12345
    for y in range(top, ROWS):
        half = (y - top + 20) * 0.6
        for x in range(int(COLUMNS / 2 - half), int(COLUMNS / 2 + half), 2):
            state = (state * 1103515245 + 12345) & 0x7FFFFFFF
            draw.point((x, y), fill=40 + (state >> 16) % 60)
    font = ImageFont.load_default(size=22)
    words = []
    for spec in lines:
        x, y, line = spec if len(spec) == 3 else (16, *spec)
        for w in line:
            draw.text((x, y), w, fill=255, font=font)
            box = draw.textbbox((x, y), w, font=font)
            words.append({"text": w, "box": list(box)})
            x = box[2] + 14
    return img, words


def write_dicom(path, img, name="DOE^JANE", birth="19650412", jpeg=False, study=None, patient_id="MRN0012345",
                study_date="20240305", burned_in="YES", **more):
    """`more`: further header keywords and values (AccessionNumber, PatientIdentityRemoved, …)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = US_IMAGE_STORAGE
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = JPEGBaseline8Bit if jpeg else ExplicitVRLittleEndian
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = US_IMAGE_STORAGE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study or generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "US"
    ds.Manufacturer = "ACME Medical"
    ds.ManufacturerModelName = "Sono 5"
    ds.PatientName = name
    ds.PatientID = patient_id
    ds.PatientBirthDate = birth
    ds.StudyDate = study_date
    if burned_in:
        ds.BurnedInAnnotation = burned_in
    for k, v in more.items():
        setattr(ds, k, v)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = ROWS, COLUMNS
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    if jpeg:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=95)  # baseline, one component
        ds.PixelData = encapsulate([buf.getvalue()])
        ds["PixelData"].VR = "OB"
        ds.LossyImageCompression = "01"
    else:
        ds.PixelData = img.tobytes()
    ds.save_as(path, enforce_file_format=True)


def main(out):
    img, words = draw_image()
    with open(os.path.join(out, "us.gray"), "wb") as f:
        f.write(img.tobytes())
    write_dicom(os.path.join(out, "us.dcm"), img)
    print(json.dumps({"rows": ROWS, "columns": COLUMNS, "text": words}))


def review(out):
    folder = os.path.join(out, "study")
    os.makedirs(folder, exist_ok=True)
    study = generate_uid()
    img, words = draw_image()
    write_dicom(os.path.join(folder, "us-native.dcm"), img, study=study)
    write_dicom(os.path.join(folder, "us-jpeg.dcm"), img, jpeg=True, study=study)
    second = [(16, ["ROE^RICHARD", "52Y", "M"]), (48, ["DOB", "03/07/1972"]), (80, ["Abd", "General"])]
    img2, words2 = draw_image(second)
    write_dicom(os.path.join(folder, "us-second.dcm"), img2, name="ROE^RICHARD", birth="19720307", study=study)
    files = {
        "us-native.dcm": {"name": "DOE^JANE", "birthDate": "12/04/1965", "text": words},
        "us-jpeg.dcm": {"name": "DOE^JANE", "birthDate": "12/04/1965", "text": words},
        "us-second.dcm": {"name": "ROE^RICHARD", "birthDate": "03/07/1972", "text": words2},
    }
    print(json.dumps({"rows": ROWS, "columns": COLUMNS, "folder": folder, "files": files}))


# Ultrasound top bands whose identifiers are not the header's: patient details on the left,
# the device's technical readout in a column on the right (as scanners lay them out).
TECHNICAL_X = 420
WORKLIST = [
    (12, ["SMITH^JOHN", "00482913"]), (40, ["DOB", "03/07/1972", "52Y", "M"]),
    (68, ["Acc#", "7731"]), (96, ["05-Mar-2024", "14:32:07"]),
    (TECHNICAL_X, 12, ["TIS", "0.4", "MI", "1.2"]), (TECHNICAL_X, 40, ["C5-1", "Abd", "General"]),
    (TECHNICAL_X, 68, ["FR", "25Hz", "12", "cm"]), (TECHNICAL_X, 96, ["5.0", "MHz", "60", "dB"]),
]
UPSTREAM = [
    (12, ["Garcia,", "Maria"]), (40, ["ID", "4471-2290-18"]),
    (68, ["Acc", "2024-000917"]), (96, ["Mar", "5,", "2024", "9:15", "AM"]),
    (TECHNICAL_X, 12, ["TIS", "0.2", "MI", "0.9"]), (TECHNICAL_X, 40, ["L12-5", "Small", "Parts"]),
    (TECHNICAL_X, 68, ["30", "fps", "Gain", "50"]), (TECHNICAL_X, 96, ["7.5", "MHz", "45", "dB"]),
]
# The patient's details among them (the rest of the left column is labels, age and sex).
IDENTIFIERS = {"SMITH^JOHN", "00482913", "03/07/1972", "7731", "05-Mar-2024", "14:32:07", "Garcia,", "Maria",
               "4471-2290-18", "2024-000917", "Mar", "5,", "2024", "9:15", "AM"}


def shapes(out):
    """Two images whose burned-in name, record number, accession and dates are not the header's:
    us-worklist.dcm (the device showed its worklist's details; the header carries the archive's
    DOE^JANE, MRN0012345, other dates) and us-upstream.dcm (a header de-identified upstream,
    Burned In Annotation dropped). Each word is listed with its `role`: identifier, technical
    (the device's readout) or other (labels, age, sex)."""
    folder = os.path.join(out, "study")
    os.makedirs(folder, exist_ok=True)
    files = {}
    for name, lines, header in [
        ("us-worklist.dcm", WORKLIST, dict(study_date="20240311", AccessionNumber="A100200")),
        ("us-upstream.dcm", UPSTREAM, dict(name="ANON^7F3A", patient_id="PSEUDO-7F3A", birth="", study_date="20000101",
                                           burned_in=None, PatientIdentityRemoved="YES",
                                           DeidentificationMethod="upstream tool")),
    ]:
        img, words = draw_image(lines, top=130)
        write_dicom(os.path.join(folder, name), img, **header)
        for w in words:
            w["role"] = "technical" if w["box"][0] >= TECHNICAL_X else "identifier" if w["text"] in IDENTIFIERS else "other"
        files[name] = {"text": words}
    print(json.dumps({"rows": ROWS, "columns": COLUMNS, "folder": folder, "files": files}))


def decode(path, out):
    ds = pydicom.dcmread(path)
    arr = ds.pixel_array
    if arr.ndim == 3:
        arr = arr[0]
    with open(out, "wb") as f:
        f.write(arr.astype("uint8").tobytes())
    print(json.dumps({"rows": int(ds.Rows), "columns": int(ds.Columns), "transferSyntax": str(ds.file_meta.TransferSyntaxUID)}))


if __name__ == "__main__":
    if sys.argv[1] == "--review":
        review(sys.argv[2])
    elif sys.argv[1] == "--shapes":
        shapes(sys.argv[2])
    elif sys.argv[1] == "--decode":
        decode(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1])
