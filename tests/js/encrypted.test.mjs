// Encrypted Attributes in the wasm build (Node): a file sanitized with two recipient certificates
// (made by OpenSSL at test time, none committed) is byte-for-byte what the CLI gives but for the
// envelope's random keys, GDCM's gdcmanon re-identifies it, `reidentify` restores it with either
// key, and an unrelated key gives reidentify.failed.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import * as pkg from "../../pkg/node.js";
import { KEY, good } from "./helpers.mjs";

const dcmdump = (file) => execFileSync("dcmdump", [file], { encoding: "utf8" });
const patientName = (file) => /\(0010,0010\) PN \[([^\]]*)\]/.exec(dcmdump(file))?.[1];

test("sanitized in wasm for two recipients: gdcmanon and reidentify restore it, a stranger cannot", () => {
  const dir = mkdtempSync(join(tmpdir(), "encrypted-"));
  try {
    for (const who of ["one", "two", "stranger"]) {
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${who}.key`,
        "-out", `${who}.pem`, "-subj", `/CN=${who}`, "-days", "2"], { cwd: dir, stdio: "ignore" });
    }
    const read = (name) => readFileSync(join(dir, name));
    const sanitizer = new pkg.Sanitizer({ key: KEY, recipients: [read("one.pem").toString(), read("two.pem").toString()] });
    const input = good("ct-1.dcm");
    writeFileSync(join(dir, "in.dcm"), input);
    const original = patientName(join(dir, "in.dcm"));
    const out = sanitizer.sanitize(input);
    assert.ok(out.report.findings.some((f) => f.code === "encrypted.attributes_added"));
    writeFileSync(join(dir, "out.dcm"), out.bytes);
    assert.notEqual(patientName(join(dir, "out.dcm")), original);
    assert.match(dcmdump(join(dir, "out.dcm")), /\(0400,0500\) SQ/);
    // GDCM re-identifies the wasm output with the first key.
    execFileSync("gdcmanon", ["-d", "-i", "out.dcm", "-o", "gdcm.dcm", "-k", "one.key"], { cwd: dir });
    assert.equal(patientName(join(dir, "gdcm.dcm")), original);
    // reidentify, with either key (PEM text or DER-free bytes alike), with and without the certificate.
    for (const [key, cert] of [[read("one.key").toString(), undefined], [read("two.key"), read("two.pem")]]) {
      writeFileSync(join(dir, "back.dcm"), pkg.reidentify(out.bytes, key, cert));
      assert.equal(patientName(join(dir, "back.dcm")), original);
    }
    assert.throws(() => pkg.reidentify(out.bytes, read("stranger.key")), (e) => e.code === "reidentify.failed");
    assert.throws(() => new pkg.Sanitizer({ key: KEY, recipients: ["not a certificate"] }),
      (e) => e.code === "settings.invalid_recipient");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("enclosePixels: blanked pixels come back through reidentify; over maxEnclosedPixelBytes, limit.enclosed_pixels", () => {
  const dir = mkdtempSync(join(tmpdir(), "enclosed-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "one.key",
      "-out", "one.pem", "-subj", "/CN=one", "-days", "2"], { cwd: dir, stdio: "ignore" });
    const read = (name) => readFileSync(join(dir, name));
    const settings = { key: KEY, recipients: [read("one.pem").toString()], enclosePixels: true,
      blankRegions: [{ x: 0, y: 0, width: 2, height: 2 }] };
    const input = good("ct-1.dcm");
    // Pixel Data is the last element of these files: its tag to the end.
    const pixels = (bytes) => Buffer.from(bytes).subarray(Buffer.from(bytes).lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00])));
    const out = new pkg.Sanitizer(settings).sanitize(input);
    assert.notDeepEqual(pixels(out.bytes), pixels(input));
    assert.deepEqual(pixels(pkg.reidentify(out.bytes, read("one.key"))), pixels(input));
    assert.throws(() => new pkg.Sanitizer({ ...settings, limits: { maxEnclosedPixelBytes: 8 } }).sanitize(input),
      (e) => e.code === "limit.enclosed_pixels");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
