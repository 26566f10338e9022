"""OpenSSL, GDCM and pydicom as the oracles of a file sanitized with a recipient certificate.

  encrypted.py INPUT OUTPUT CERT KEY [RESTORED...]

OUTPUT (INPUT sanitized for the recipient CERT) must carry one Encrypted Attributes item whose
Encrypted Content `openssl cms -decrypt` opens with KEY to a data set whose Modified Attributes
Sequence holds exactly the top-level elements of INPUT that OUTPUT lacks or holds otherwise, each
equal to INPUT's element by element (nested sequences included), plus the SOP Instance UID and
Specific Character Set that are always there. GDCM's `gdcmanon -d -k KEY` must then restore every
element of INPUT, as must each RESTORED file (e.g. the project's own re-identify). Prints
`{"enclosed": n, "restored": m}`; a failure names tags only, never values (they are PHI).
"""
import io
import json
import os
import subprocess
import sys
import tempfile

import pydicom
from pydicom.filereader import read_dataset
from pydicom.sequence import Sequence

ALWAYS = (0x00080018, 0x00080005)  # SOP Instance UID (for GDCM), Specific Character Set (for the text)


def same(a, b):
    """Equal in value; sequences item by item, element by element."""
    if isinstance(a.value, Sequence) or isinstance(b.value, Sequence):
        return (isinstance(a.value, Sequence) and isinstance(b.value, Sequence) and len(a.value) == len(b.value)
                and all(same_set(i, j) for i, j in zip(a.value, b.value)))
    return a.value == b.value


def same_set(x, y):
    return set(x.keys()) == set(y.keys()) and all(same(x[t], y[t]) for t in x.keys())


def changed(elem, ds):
    return elem.tag not in ds or not same(elem, ds[elem.tag])


def check(condition, message):
    if not condition:
        sys.exit(f"encrypted.py: {message}")


def main(input_path, output_path, cert, key, restored):
    original = pydicom.dcmread(input_path)
    sanitized = pydicom.dcmread(output_path)
    items = sanitized.get("EncryptedAttributesSequence")
    check(items is not None and len(items) == 1, "the output has no Encrypted Attributes item")
    check(items[0].EncryptedContentTransferSyntaxUID == "1.2.840.10008.1.2.1", "not Explicit VR Little Endian")
    with tempfile.TemporaryDirectory(prefix="encrypted-oracle-") as tmp:
        envelope = os.path.join(tmp, "content.der")
        with open(envelope, "wb") as f:
            f.write(bytes(items[0].EncryptedContent))
        content = subprocess.run(["openssl", "cms", "-decrypt", "-binary", "-inform", "DER", "-in", envelope,
                                  "-recip", cert, "-inkey", key], check=True, capture_output=True).stdout
        gdcm = os.path.join(tmp, "gdcm.dcm")
        subprocess.run(["gdcmanon", "-d", "-i", output_path, "-o", gdcm, "-k", key], check=True, capture_output=True)
        restored = [gdcm, *restored]
        inner = read_dataset(io.BytesIO(content), is_implicit_VR=False, is_little_endian=True)
        modified = inner.get("ModifiedAttributesSequence")
        check(modified is not None and len(modified) == 1, "no Modified Attributes item in the envelope")
        originals = modified[0]
        for elem in original:
            expected = changed(elem, sanitized) or elem.tag in ALWAYS
            check((elem.tag in originals) == expected, f"{elem.tag} {'missing from' if expected else 'unchanged but in'} the envelope")
            if expected:
                check(same(elem, originals[elem.tag]), f"{elem.tag} differs in the envelope")
        check(all(t in original for t in originals.keys()), "the envelope holds an element the input lacks")
        for path in restored:
            back = pydicom.dcmread(path)
            name = "gdcmanon" if path == gdcm else path
            for elem in original:
                check(not changed(elem, back), f"{name}: {elem.tag} not restored")
    print(json.dumps({"enclosed": len(originals), "restored": len(restored)}))


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    main(*sys.argv[1:5], sys.argv[5:])
