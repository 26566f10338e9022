"""Encrypted Attributes from Python, with OpenSSL, GDCM and pydicom as the oracles
(tests/oracle/encrypted.py): a file sanitized with a recipient certificate carries an envelope
that `openssl cms -decrypt` opens, and the data set inside, read by pydicom, holds exactly the
originals of what changed, element by element."""

import io
import subprocess
import sys

import pydicom
import pytest

import dicom_sanitizer as ds
from conftest import ENCRYPTED, KEY, good


@pytest.fixture(scope="module")
def identity(tmp_path_factory):
    d = tmp_path_factory.mktemp("recipient")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d / "k.pem",
                    "-out", d / "c.pem", "-subj", "/CN=Python test", "-days", "2"], check=True,
                   capture_output=True)
    return d


def test_the_envelope_opens_with_openssl_to_exactly_the_changed_originals(identity, tmp_path):
    raw = good("ct-1.dcm")
    out = ds.Sanitizer(key=KEY, recipients=[(identity / "c.pem").read_text()]).sanitize(raw)
    assert any(f["code"] == "encrypted.attributes_added" for f in out.report["findings"])
    files = {"in.dcm": raw, "out.dcm": out.bytes, "back.dcm": ds.reidentify(out.bytes, (identity / "k.pem").read_bytes())}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    # The oracle the JavaScript tests use too: OpenSSL opens the envelope to exactly the changed
    # originals (pydicom, element by element); gdcmanon and reidentify restore every element.
    subprocess.run([sys.executable, ENCRYPTED, tmp_path / "in.dcm", tmp_path / "out.dcm", identity / "c.pem",
                    identity / "k.pem", tmp_path / "back.dcm"], check=True, capture_output=True)


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
