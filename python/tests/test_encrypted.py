"""Encrypted Attributes from Python, with OpenSSL and pydicom as the oracles: a file sanitized
with a recipient certificate carries an envelope that `openssl cms -decrypt` opens, and the data
set inside, read by pydicom, holds exactly the originals of what changed, element by element."""

import io
import subprocess

import pydicom
import pytest
from pydicom.filereader import read_dataset

import dicom_sanitizer as ds
from conftest import KEY, good


@pytest.fixture(scope="module")
def identity(tmp_path_factory):
    d = tmp_path_factory.mktemp("recipient")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d / "k.pem",
                    "-out", d / "c.pem", "-subj", "/CN=Python test", "-days", "2"], check=True,
                   capture_output=True)
    return d


def test_the_envelope_opens_with_openssl_to_exactly_the_changed_originals(identity):
    raw = good("ct-1.dcm")
    sanitizer = ds.Sanitizer(key=KEY, recipients=[(identity / "c.pem").read_text()])
    out = sanitizer.sanitize(raw)
    assert any(f["code"] == "encrypted.attributes_added" for f in out.report["findings"])
    original = pydicom.dcmread(io.BytesIO(raw))
    sanitized = pydicom.dcmread(io.BytesIO(out.bytes))
    item = sanitized.EncryptedAttributesSequence[0]
    assert item.EncryptedContentTransferSyntaxUID == "1.2.840.10008.1.2.1"
    envelope = identity / "content.der"
    envelope.write_bytes(bytes(item.EncryptedContent))
    content = subprocess.run(["openssl", "cms", "-decrypt", "-inform", "DER", "-in", envelope,
                              "-recip", identity / "c.pem", "-inkey", identity / "k.pem"],
                             check=True, capture_output=True).stdout
    inner = read_dataset(io.BytesIO(content), is_implicit_VR=False, is_little_endian=True)
    originals = inner.ModifiedAttributesSequence[0]
    for elem in original:
        if elem.tag.group == 0x0002:
            continue
        changed = elem.tag not in sanitized or sanitized[elem.tag].value != elem.value
        # The SOP Instance UID (for GDCM) and the character set (for the text) always.
        assert (elem.tag in originals) == (changed or elem.tag in (0x00080018, 0x00080005)), elem.tag
        if elem.tag in originals:
            assert originals[elem.tag].value == elem.value, elem.tag
    assert originals.PatientName == original.PatientName


def test_an_ec_certificate_is_refused(identity):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", identity / "ec.key", "-out", identity / "ec.pem", "-subj", "/CN=EC", "-days", "2"],
                   check=True, capture_output=True)
    with pytest.raises(ds.SettingsError) as e:
        ds.Sanitizer(key=KEY, recipients=[(identity / "ec.pem").read_text()])
    assert e.value.code == "settings.invalid_recipient"


def test_reidentify_restores_the_originals_and_one_error_otherwise(identity):
    raw = good("ct-1.dcm")
    out = ds.Sanitizer(key=KEY, recipients=[(identity / "c.pem").read_text()]).sanitize(raw)
    back = pydicom.dcmread(io.BytesIO(ds.reidentify(out.bytes, (identity / "k.pem").read_bytes())))
    original = pydicom.dcmread(io.BytesIO(raw))
    assert back.PatientName == original.PatientName and back.PatientID == original.PatientID
    assert back.SOPInstanceUID == original.SOPInstanceUID
    assert back.PatientIdentityRemoved == "NO" and "EncryptedAttributesSequence" not in back
    subprocess.run(["openssl", "genrsa", "-out", identity / "other.pem", "2048"], check=True, capture_output=True)
    for data, key in [(out.bytes, identity / "other.pem"), (ds.Sanitizer(key=KEY).sanitize(raw).bytes,
                                                            identity / "k.pem")]:
        with pytest.raises(ds.ReidentifyError) as e:
            ds.reidentify(data, key.read_bytes())
        assert e.value.code == "reidentify.failed"


def test_text_in_other_character_sets_comes_back_through_gdcm_and_reidentify(identity, tmp_path):
    """The envelope's text is written in the input's character set (Greek here): GDCM's
    gdcmanon and reidentify both give the original name back."""
    from pydicom.data import get_charset_files

    raw = open(get_charset_files("chrGreek.dcm")[0], "rb").read()
    out = ds.Sanitizer(key=KEY, burned_in="allow", recipients=[(identity / "c.pem").read_text()]).sanitize(raw)
    (tmp_path / "out.dcm").write_bytes(out.bytes)
    subprocess.run(["gdcmanon", "-d", "-i", tmp_path / "out.dcm", "-o", tmp_path / "gdcm.dcm", "-k",
                    identity / "k.pem"], check=True, capture_output=True)
    name = pydicom.dcmread(io.BytesIO(raw)).PatientName
    assert str(name) and pydicom.dcmread(tmp_path / "gdcm.dcm").PatientName == name
    back = ds.reidentify(out.bytes, (identity / "k.pem").read_bytes())
    assert pydicom.dcmread(io.BytesIO(back)).PatientName == name


def test_enclosed_pixels_come_back_and_the_limit_is_a_limit_error(identity):
    raw = good("ct-1.dcm")
    settings = dict(key=KEY, recipients=[(identity / "c.pem").read_text()], enclose_pixels=True,
                    blank_regions=[{"x": 0, "y": 0, "width": 2, "height": 2}])
    out = ds.Sanitizer(**settings).sanitize(raw)
    original = pydicom.dcmread(io.BytesIO(raw)).PixelData
    assert pydicom.dcmread(io.BytesIO(out.bytes)).PixelData != original
    back = ds.reidentify(out.bytes, (identity / "k.pem").read_bytes())
    assert pydicom.dcmread(io.BytesIO(back)).PixelData == original
    with pytest.raises(ds.LimitError) as e:
        ds.Sanitizer(**settings, limits={"max_enclosed_pixel_bytes": 8}).sanitize(raw)
    assert e.value.code == "limit.enclosed_pixels"
