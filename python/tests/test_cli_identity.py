"""The proof that Python runs the same core: every corpus file gives the CLI's bytes, report and
receipt, one-shot, streamed in small chunks and through sanitize_file."""

import json

import dicom_sanitizer as ds
from conftest import BURNED, CORPUS, KEY, SETTINGS, SIGNING_KEY, cli, good, phi_in, walk


def test_outputs_reports_and_receipts_are_the_clis(cli_out, manifest, tmp_path):
    sanitizer = ds.Sanitizer(**SETTINGS)
    assert walk(cli_out / "out") == sorted(manifest["good"])
    for name in manifest["good"]:
        native = (cli_out / "out" / name).read_bytes()
        line = json.loads((cli_out / "reports" / name.replace(".dcm", ".json")).read_text())
        out = sanitizer.sanitize(good(name))
        assert out.bytes == native, f"{name}: Python and CLI outputs differ"
        assert out.report == line["report"], f"{name}: reports differ"
        # Ed25519 is deterministic: the same receipt, signature included.
        assert out.receipt == line["receipt"], f"{name}: receipts differ"
        assert phi_in(out.bytes, manifest) == []
        # Streamed in 777-byte chunks: the same bytes and report.
        stream = sanitizer.stream()
        raw = good(name)
        parts = [stream.write(raw[i : i + 777]) for i in range(0, len(raw), 777)]
        end = stream.end()
        assert b"".join(parts) + end.bytes == native, f"{name}: streamed output differs"
        assert end.report == line["report"]
        # sanitize_file: the same bytes, nothing left beside them.
        dst = tmp_path / name.replace("/", "_")
        written = sanitizer.sanitize_file(CORPUS / "good" / name, dst)
        assert written.path == str(dst)
        assert dst.read_bytes() == native, f"{name}: sanitize_file output differs"
        assert written.report == line["report"] and written.receipt == line["receipt"]
        # A Python receipt verifies with the CLI, and a CLI receipt with Python.
        receipt = tmp_path / "receipt.json"
        receipt.write_text(json.dumps(out.receipt))
        verified = cli("verify", str(dst), "--receipt", str(receipt), "--public-key", ds.public_key(SIGNING_KEY))
        assert json.loads(verified)["valid"] is True, name
        assert ds.verify(native, line["receipt"], ds.public_key(SIGNING_KEY))["valid"] is True
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")) == []


def test_burned_in_bands_are_blanked_to_the_clis_bytes_in_every_transfer_syntax(tmp_path):
    """The codecs too: images with text burned into a band, encoded by DCMTK and GDCM in every
    transfer syntax (`make burned`), blanked one-shot and streamed to the CLI's bytes."""
    band = json.loads((BURNED / "band.json").read_text())
    (tmp_path / "key").write_text(KEY + "\n")
    region = ",".join(str(band[k]) for k in ("x", "y", "width", "height"))
    cli("sanitize", str(BURNED), "--out", str(tmp_path / "out"), "--key-file", str(tmp_path / "key"), "--quiet",
        "--blank-region", region)
    sanitizer = ds.Sanitizer(key=KEY, blank_regions=[band])
    names = sorted(p.name for p in BURNED.glob("*.dcm"))
    assert len(names) >= 15, names
    for name in names:
        raw = (BURNED / name).read_bytes()
        native = (tmp_path / "out" / name).read_bytes()
        out = sanitizer.sanitize(raw)
        assert any(f["code"] == "pixel.regions_blanked" for f in out.report["findings"]), name
        assert out.bytes == native, f"{name}: Python and CLI outputs differ"
        stream = sanitizer.stream()
        parts = [stream.write(raw[i : i + 777]) for i in range(0, len(raw), 777)]
        assert b"".join(parts) + stream.end().bytes == native, f"{name}: streamed output differs"
