"""The package's API: settings checked as strictly as JavaScript's, errors of one hierarchy with
the core's codes and no output, bytes-like inputs, pydicom datasets, receipts, names and media
set directories."""

import io
import json
import pickle
import subprocess
import sys

import pydicom
import pytest

import dicom_sanitizer as ds
from conftest import CLI_ARGS, CORPUS, KEY, ROOT, SETTINGS, SIGNING_KEY, bad, cli, good, phi_in, walk


def raised(fn, *args, **kwargs) -> ds.DicomSanitizerError:
    with pytest.raises(ds.DicomSanitizerError) as info:
        fn(*args, **kwargs)
    return info.value


@pytest.mark.parametrize(
    "settings, code",
    [
        (dict(key="short"), "settings.key_too_short"),
        (dict(options=["retain_everything"]), "settings.invalid_value"),
        (dict(optoins=["retain_uids"]), "settings.invalid_value"),
        (dict(limits={"max_depht": 3}), "settings.invalid_value"),
        (dict(key=12345), "settings.invalid_value"),
        # One spelling: the JavaScript (camelCase) names are refused, keys and values alike.
        (dict(options=["retainUids"]), "settings.invalid_value"),
        (dict(limits={"maxDepth": 3}), "settings.invalid_value"),
        (dict(region_rules=[{"sopClass": "1.2"}]), "settings.invalid_value"),
        (dict(patient_id={"fixd": "X"}), "settings.invalid_value"),
        (dict(burned_in="maybe"), "settings.invalid_value"),
        (dict(blank_regions=[{"x": 1, "y": 1, "width": 2.5, "height": 1}]), "settings.invalid_value"),
        (dict(options={"retain_uids"}), "settings.invalid_value"),
        (dict(rules=[{"tag": "PatientNmae", "action": "keep"}]), "settings.unknown_keyword"),
        (dict(rules=[{"tag": "(0010,001G)", "action": "keep"}]), "settings.malformed_tag"),
        (dict(rules=[{"tag": "PatientName", "action": "replace"}]), "settings.missing_value"),
        (dict(options=["retain_longitudinal_full_dates", "retain_longitudinal_modified_dates"]), "settings.conflicting_options"),
        (dict(limits={"max_depth": 100000}), "settings.invalid_limit"),
        (dict(signing_key="11" * 31), "settings.invalid_signing_key"),
        (dict(signing_key="not hex"), "settings.invalid_value"),
    ],
)
def test_bad_settings_raise_settings_codes(settings, code):
    e = raised(ds.Sanitizer, **settings)
    assert isinstance(e, ds.SettingsError) and isinstance(e, ValueError)
    assert e.code == code, str(e)
    assert str(e).startswith(code)


def test_settings_messages_speak_snake_case():
    e = raised(ds.Sanitizer, optoins=[])
    assert "`options`" in str(e) and "`region_rules`" in str(e), str(e)
    e = raised(ds.Sanitizer, rules=[{"tag": "PatientNmae", "action": "keep"}])
    assert "PatientName" in str(e), "an unknown keyword suggests the nearest one"


def test_every_setting_is_accepted_in_snake_case():
    s = ds.Sanitizer(
        key=KEY.encode(),
        signing_key=bytes.fromhex(SIGNING_KEY),
        options=("retain_safe_private", "clean_graphics"),
        patient_id={"fixed": "ANON"},
        rules=[{"tag": "(0008,1010)", "action": "hash"}],
        limits={"max_input_bytes": 1 << 26, "max_element_bytes": 1 << 20, "max_depth": 16, "max_elements": 10000},
        strict=False,
        burned_in="allow",
        blank_regions=[{"x": 0, "y": 0, "width": 4, "height": 4}],
        region_rules=[{"modality": "CT", "sop_class": "1.2.840.10008.5.1.4.1.1.2", "regions": [{"x": 0, "y": 0, "width": 2, "height": 2}],
                       "outside_ultrasound_regions": False, "covers_all_text": True}],
        digest="sha256",
        accept_raw=True,
    )
    out = s.sanitize(good("ct-1.dcm"))
    assert out.report["output"]["algorithm"] == "sha256"
    assert out.report["options"] == ["retainSafePrivate", "cleanGraphics"], "reports are the CLI's JSON"
    assert out.receipt is not None
    assert pydicom.dcmread(io.BytesIO(out.bytes)).PatientID == "ANON"
    # None is "not given".
    assert ds.Sanitizer(key=KEY, options=None, limits=None).sanitize(good("ct-1.dcm")).bytes


def test_bad_inputs_raise_their_codes_and_give_nothing(manifest):
    sanitizer = ds.Sanitizer(**SETTINGS)
    for case in manifest["bad"]:
        e = raised(sanitizer.sanitize, bad(case["file"]))
        assert e.code == case["code"], f"{case['file']}: {e}"
        assert e.status == ("skipped" if e.code == "read.not_dicom" else "refused")
        assert str(e).startswith(e.code)
        assert isinstance(e, ds.NotDicomError if e.code == "read.not_dicom" else ds.DicomSanitizerError)
    e = raised(sanitizer.sanitize, bad("truncated.dcm"))
    assert isinstance(e, ds.ReadError) and isinstance(e.offset, int), "read errors carry the byte offset"
    e = raised(ds.Sanitizer(**SETTINGS, limits={"max_input_bytes": 1000}).sanitize, good("ct-1.dcm"))
    assert isinstance(e, ds.LimitError) and e.code == "limit.input_size"
    # The sanitizer stays usable after a refusal.
    assert sanitizer.sanitize(good("ct-1.dcm")).bytes


def test_codes_and_classes_cover_the_core():
    codes = ds.error_codes()
    assert len(codes) == len(set(codes)) > 30
    from dicom_sanitizer._errors import _from_core

    for code in codes:
        e = _from_core(code, f"{code}: x", None, None)
        assert type(e) is not ds.DicomSanitizerError, f"{code} has no class of its own"
        # Exceptions cross process boundaries (multiprocessing, Spark) with their fields.
        back = pickle.loads(pickle.dumps(e))
        assert (type(back), back.code, str(back)) == (type(e), code, str(e))
    assert "pixel.burned_in_allowed" in ds.finding_codes()
    assert ds.version() == ds.__version__ and ds.edition() == "2025b"


def test_stubs_list_the_codes():
    import re

    stub = (ROOT / "python/dicom_sanitizer/_native.pyi").read_text()
    union = re.search(r"ErrorCode = Literal\[(.*?)\]", stub, re.S).group(1)
    assert sorted(re.findall(r'"([^"]+)"', union)) == sorted(ds.error_codes()), "the ErrorCode literal is the core's list"


def test_bytes_like_inputs_give_the_same_output_and_str_is_refused():
    sanitizer = ds.Sanitizer(**SETTINGS)
    raw = good("ct-2.dcm")
    want = sanitizer.sanitize(raw)
    mutable = bytearray(raw)
    for data in (mutable, memoryview(raw), memoryview(mutable), memoryview(b"xx" + raw)[2:]):
        assert sanitizer.sanitize(data).bytes == want.bytes
    assert mutable == raw, "the caller's buffer is only read"
    data, report = want  # unpacks as (bytes, report)
    assert (data, report) == (want.bytes, want.report)
    assert pickle.loads(pickle.dumps(want)) == want
    with pytest.raises(TypeError):
        sanitizer.sanitize(raw.decode("latin-1"))
    with pytest.raises(TypeError):
        sanitizer.sanitize(12)
    with pytest.raises(TypeError):
        ds.Sanitizer(KEY)  # settings are keywords only


def test_pydicom_round_trip(manifest):
    sanitizer = ds.Sanitizer(**SETTINGS)
    original = pydicom.dcmread(io.BytesIO(good("ct-1.dcm")))
    before = original.PatientName
    dataset, report = sanitizer.sanitize_dataset(original)
    assert isinstance(dataset, pydicom.Dataset)
    assert original.PatientName == before, "the dataset given is not changed"
    assert dataset.PatientIdentityRemoved == "YES"
    assert dataset.SOPInstanceUID.startswith("2.25.") and dataset.SOPInstanceUID == dataset.file_meta.MediaStorageSOPInstanceUID
    assert dataset.StationName == "EDGE"
    assert report["actions"]["removed"] > 0
    out = io.BytesIO()
    dataset.save_as(out, enforce_file_format=True)
    assert phi_in(out.getvalue(), manifest) == []
    # The pixels pass unchanged.
    assert dataset.PixelData == original.PixelData
    # A dataset built in memory, without file meta, is written as a Part 10 file first.
    built = pydicom.Dataset()
    built.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    built.SOPInstanceUID = "1.2.3.4.5"
    built.PatientName = "DOE^JANE"
    built.PatientID = "MRN0012345"
    built.Modality = "OT"
    built.file_meta = pydicom.dataset.FileMetaDataset()
    built.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    dataset, report = sanitizer.sanitize_dataset(built)
    assert "PatientName" not in dataset or dataset.PatientName != "DOE^JANE"
    assert dataset.PatientID.startswith("PAT-")


def test_receipts_verify_and_tampering_is_found():
    sanitizer = ds.Sanitizer(**SETTINGS)
    raw = good("ct-1.dcm")
    out = sanitizer.sanitize(raw)
    key = ds.public_key(SIGNING_KEY)
    assert ds.public_key(bytes.fromhex(SIGNING_KEY)) == key
    assert ds.verify(out.bytes, out.receipt, key) == {"valid": True, "mismatches": []}
    assert ds.verify(out.bytes, out.receipt, bytes.fromhex(key))["valid"]
    tampered = bytearray(out.bytes)
    tampered[-1] ^= 1
    v = ds.verify(tampered, out.receipt, key)
    assert v["valid"] is False and "pixelData" in [m["part"] for m in v["mismatches"]]
    assert "header" not in [m["part"] for m in v["mismatches"]], "only the pixels changed"
    assert ds.verify_original(raw, out.bytes, out.report)["valid"]
    assert not ds.verify_original(good("ct-2.dcm"), out.bytes, out.report)["valid"]
    other = ds.generate_signing_key()
    assert len(other) == 64 and not ds.verify(out.bytes, out.receipt, ds.public_key(other))["valid"]
    assert raised(ds.verify, out.bytes, {"format": 1}, key).code == "settings.invalid_value"


def test_header_helpers():
    values = ds.identifying_values(good("ct-1.dcm"))
    assert {"kind": "name", "tag": "(0010,0010)", "keyword": "PatientName", "value": "DOE^JANE^QUINCY"} in values or any(
        v["keyword"] == "PatientName" for v in values
    )
    assert raised(ds.identifying_values, good("ct-1.dcm")[:300]).code == "read.truncated"
    d = ds.describe_image(good("ct-1.dcm"))
    assert d["frames"] >= 1 and d["rows"] > 0 and d["labels"]["modality"] == "CT"
    frame = ds.render_frame(good("ct-1.dcm"), 0, 16)
    assert len(frame["rgba"]) == frame["width"] * frame["height"] * 4 and max(frame["width"], frame["height"]) <= 16
    assert isinstance(raised(ds.render_frame, good("ct-1.dcm"), 99), ds.PreviewError)
    s = ds.Sanitizer(**SETTINGS)
    assert s.pseudonymize_study_uid("1.2.3").startswith("2.25.")
    assert ds.Sanitizer(key=KEY, options=["retain_uids"]).pseudonymize_study_uid("1.2.3") == "1.2.3"
    assert raised(s.pseudonymize_study_uid, "1..2").code == "read.invalid_uid"


def test_streams_close_after_an_error():
    stream = ds.Sanitizer(**SETTINGS).stream()
    raw = bad("bad-vr.dcm")
    with pytest.raises(ds.DicomSanitizerError):
        stream.write(raw)
        stream.end()
    assert raised(stream.write, b"x").code == "stream.closed"
    assert isinstance(raised(stream.end), ds.StreamError)


def test_sanitize_file_leaves_nothing_on_error(tmp_path):
    sanitizer = ds.Sanitizer(**SETTINGS)
    dst = tmp_path / "out.dcm"
    e = raised(sanitizer.sanitize_file, CORPUS / "bad" / "truncated.dcm", dst)
    assert e.code == "read.truncated"
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError) as info:
        sanitizer.sanitize_file(tmp_path / "missing.dcm", dst)
    assert info.value.filename == str(tmp_path / "missing.dcm")
    with pytest.raises(FileNotFoundError):
        sanitizer.sanitize_file(CORPUS / "good" / "ct-1.dcm", tmp_path / "no" / "such" / "dir.dcm")
    assert list(tmp_path.iterdir()) == []
    # str paths too; an existing output is replaced.
    dst.write_bytes(b"old")
    path, report = sanitizer.sanitize_file(str(CORPUS / "good" / "ct-1.dcm"), str(dst))
    assert path == str(dst) and dst.read_bytes() == sanitizer.sanitize(good("ct-1.dcm")).bytes
    assert report["output"]["bytes"] == dst.stat().st_size


def fileset(*args: str) -> str:
    return subprocess.run([sys.executable, str(ROOT / "tests/oracle/fileset.py"), *map(str, args)],
                          check=True, capture_output=True, text=True).stdout


def test_sanitize_directory_follows_renamed_and_left_out_files(tmp_path):
    staging = CORPUS / "cd-staging"
    fileset("make", tmp_path / "cd", *(staging / f for f in ["1.dcm", "2.dcm", "3.dcm"]))
    sanitizer = ds.Sanitizer(**SETTINGS)
    asked = []

    def rename(file_id):
        asked.append("/".join(file_id))
        return None if len(asked) == 2 else ["DICOM", f"IM00000{len(asked)}"]

    done = sanitizer.sanitize_directory((tmp_path / "cd" / "DICOMDIR").read_bytes(), rename)
    assert len(asked) == 3
    (tmp_path / "out" / "DICOM").mkdir(parents=True)
    (tmp_path / "out" / "DICOMDIR").write_bytes(done.bytes)
    for n in (1, 3):
        (tmp_path / "out" / "DICOM" / f"IM00000{n}").write_bytes(good("ct-1.dcm"))
    records = json.loads(fileset("tree", tmp_path / "out" / "DICOMDIR"))
    assert [r[0] for r in records] == ["DICOM/IM000001", "DICOM/IM000003"]

    def boom(file_id):
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        sanitizer.sanitize_directory((tmp_path / "cd" / "DICOMDIR").read_bytes(), boom)
    with pytest.raises(TypeError):
        sanitizer.sanitize_directory((tmp_path / "cd" / "DICOMDIR").read_bytes(), lambda i: "DICOM/IM1")
    assert raised(sanitizer.sanitize_directory, good("ct-1.dcm"), lambda i: None).code == "read.not_directory"


def test_name_plan_names_a_tree_as_the_cli_mirror_layout_does(tmp_path):
    root = tmp_path / "in"

    def put(rel, data):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)

    put("DOE_JANE_19610312/ACC778899.dcm", good("ct-1.dcm"))
    put("DOE_JANE_19610312/series/IM0001.dcm", good("ct-2.dcm"))
    put("2024-03-05 CT/1.2.826.0.1.3680043.8.498.1000.1.dcm", good("ct-1.dcm"))
    put("MRN0012345/notes.txt", b"not DICOM")
    fileset("make", root / "CD", *(CORPUS / "cd-staging" / f for f in ["1.dcm", "2.dcm"]))
    fileset("rename", root / "CD", "PT000000", "DOE_JANE")
    sanitizer = ds.Sanitizer(**SETTINGS)
    plan = sanitizer.name_plan()
    inputs = walk(root)
    for rel in inputs:
        data = (root / rel).read_bytes()
        head = data[:300]
        if not plan.add(rel, head, len(head) == len(data)):
            assert plan.add(rel, data, True), rel
        else:
            assert rel.endswith(".txt"), f"{rel}: 300 bytes are not its header"
    names = plan.names()
    assert len(names) == len(inputs)
    for name in names:
        for token in ["DOE", "JANE", "19610312", "ACC778899", "MRN0012345", "2024", "1.2.826"]:
            assert token.lower() not in name.lower(), name
    assert any(n.endswith("/series/IM0001.dcm") for n in names)
    (tmp_path / "key").write_text(KEY + "\n")
    cli("sanitize", str(root), "--out", str(tmp_path / "out"), "--key-file", str(tmp_path / "key"), "-q", *CLI_ARGS)
    assert walk(tmp_path / "out") == sorted(n for n, i in zip(names, inputs) if not i.endswith(".txt"))
    # The gate for names: a Patient ID folder kept as it was is refused, its pseudonym is not.
    dicomdir = (root / "CD" / "DICOMDIR").read_bytes()
    assert raised(sanitizer.sanitize_directory, dicomdir, lambda i: i).code == "phi.residual"
    pseudonym = next(n for n, i in zip(names, inputs) if i.startswith("CD/DOE_JANE/")).split("/")[1]
    assert len(pseudonym) == 8 and pseudonym.isalpha() and pseudonym.isupper()
    assert sanitizer.sanitize_directory(dicomdir, lambda i: [pseudonym, *i[1:]]).bytes
