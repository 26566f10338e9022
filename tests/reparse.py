"""Re-reads sanitized files with pydicom (an independent parser) and prints one JSON line each.

Every element at every depth is decoded, so a value pydicom cannot read fails the run.
"""
import json
import sys

import pydicom


def main(paths):
    for path in paths:
        ds = pydicom.dcmread(path)
        texts, count = [], 0
        for elem in ds.iterall():
            count += 1
            value = elem.value  # decodes the value
            if isinstance(value, (str, pydicom.valuerep.PersonName)):
                texts.append(str(value))
            elif isinstance(value, pydicom.multival.MultiValue):
                texts.extend(str(v) for v in value)
        print(json.dumps({
            "path": path,
            "elements": count,
            "sopInstanceUid": str(ds.SOPInstanceUID),
            "mediaStorageSopInstanceUid": str(ds.file_meta.MediaStorageSOPInstanceUID),
            "transferSyntax": str(ds.file_meta.TransferSyntaxUID),
            "preambleZero": ds.preamble == bytes(128),
            "patientIdentityRemoved": str(ds.PatientIdentityRemoved),
            "text": "\n".join(texts),
        }))


if __name__ == "__main__":
    main(sys.argv[1:])
