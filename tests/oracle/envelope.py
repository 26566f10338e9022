"""Opens the Encrypted Attributes of a sanitized file with OpenSSL and checks, with pydicom, that the
data set inside holds exactly the originals of what changed, element by element.

    envelope.py ORIGINAL SANITIZED CERTIFICATE PRIVATE_KEY

Prints one JSON object: `transferSyntax` (Encrypted Content Transfer Syntax UID), `tags` (those in
the Modified Attributes item, as gggg,eeee) and `mismatches` (one sentence each, tags only: never
a value). `openssl cms -decrypt` failing fails the run.
"""
import io
import json
import subprocess
import sys

import pydicom
from pydicom.filereader import read_dataset

# Always carried, changed or not: the SOP Instance UID (GDCM re-identifies only with it) and the
# character set (the text's encoding).
ALWAYS = (0x00080018, 0x00080005)


def check(original_path, sanitized_path, certificate, key):
    original = pydicom.dcmread(original_path)
    sanitized = pydicom.dcmread(sanitized_path)
    item = sanitized.EncryptedAttributesSequence[0]
    content = subprocess.run(["openssl", "cms", "-decrypt", "-binary", "-inform", "DER",
                              "-recip", certificate, "-inkey", key],
                             input=bytes(item.EncryptedContent), check=True, capture_output=True).stdout
    inner = read_dataset(io.BytesIO(content), is_implicit_VR=False, is_little_endian=True)
    originals = inner.ModifiedAttributesSequence[0]
    mismatches = []
    for elem in original:
        if elem.tag.group == 0x0002:
            continue
        changed = elem.tag not in sanitized or sanitized[elem.tag].value != elem.value
        if (elem.tag in originals) != (changed or elem.tag in ALWAYS):
            mismatches.append(f"{tag(elem.tag)}: {'changed' if changed else 'unchanged'}, "
                              f"{'in' if elem.tag in originals else 'not in'} the envelope")
        elif elem.tag in originals and originals[elem.tag].value != elem.value:
            mismatches.append(f"{tag(elem.tag)}: not the original value")
    mismatches += [f"{tag(t)}: not in the input" for t in originals.keys() if t not in original]
    return {
        "transferSyntax": str(item.EncryptedContentTransferSyntaxUID),
        "tags": [tag(t) for t in originals.keys()],
        "mismatches": mismatches,
    }


def tag(t):
    return f"{t.group:04X},{t.element:04X}"


if __name__ == "__main__":
    print(json.dumps(check(*sys.argv[1:5])))
