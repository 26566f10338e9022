// Encrypted Attributes in the wasm build (Node): a file sanitized with two recipient certificates
// (made by OpenSSL at test time, none committed) opens in OpenSSL to exactly the changed originals
// (pydicom compares), GDCM's gdcmanon re-identifies it, `reidentify` restores it with either key,
// and an unrelated key gives reidentify.failed. `recipientInfo` reads certificates as
// `recipients` does: subject and end as OpenSSL prints them, the certificate alone kept.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import * as pkg from "../../pkg/node.js";
import { EXPLICIT_LE, derOf, gdcmReidentify, identity, notAfter, openEnvelope, patientName } from "./envelope.mjs";
import { KEY, good } from "./helpers.mjs";

function scratch(run) {
  const dir = mkdtempSync(join(tmpdir(), "encrypted-"));
  try {
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("sanitized in wasm for two recipients: OpenSSL, gdcmanon and reidentify open it, a stranger cannot", () => scratch((dir) => {
  const [one, two, stranger] = ["one", "two", "stranger"].map((who) => identity(dir, who));
  const sanitizer = new pkg.Sanitizer({ key: KEY, recipients: [readFileSync(one.cert, "utf8"), readFileSync(two.cert, "utf8")] });
  const input = good("ct-1.dcm");
  const [inPath, outPath] = [join(dir, "in.dcm"), join(dir, "out.dcm")];
  writeFileSync(inPath, input);
  const original = patientName(inPath);
  const out = sanitizer.sanitize(input);
  assert.ok(out.report.findings.some((f) => f.code === "encrypted.attributes_added"));
  writeFileSync(outPath, out.bytes);
  assert.notEqual(patientName(outPath), original);
  for (const who of [one, two]) {
    const opened = openEnvelope(inPath, outPath, who);
    assert.equal(opened.transferSyntax, EXPLICIT_LE);
    assert.deepEqual(opened.mismatches, []);
  }
  // GDCM re-identifies the wasm output with the first key.
  gdcmReidentify(outPath, one.key, join(dir, "gdcm.dcm"));
  assert.equal(patientName(join(dir, "gdcm.dcm")), original);
  // reidentify, with either key (PEM text or bytes alike), with and without the certificate.
  for (const [key, cert] of [[readFileSync(one.key, "utf8"), undefined], [readFileSync(two.key), readFileSync(two.cert)]]) {
    writeFileSync(join(dir, "back.dcm"), pkg.reidentify(out.bytes, key, cert));
    assert.equal(patientName(join(dir, "back.dcm")), original);
  }
  assert.throws(() => pkg.reidentify(out.bytes, readFileSync(stranger.key)), (e) => e.code === "reidentify.failed");
  assert.throws(() => new pkg.Sanitizer({ key: KEY, recipients: ["not a certificate"] }),
    (e) => e.code === "settings.invalid_recipient");
}));

test("recipientInfo: subject and end as OpenSSL has them, the certificate alone as PEM, what recipients refuse refused", () => scratch((dir) => {
  const who = identity(dir, "archive", { subject: "/O=Hospital/CN=Archive" });
  const pem = readFileSync(who.cert, "utf8");
  const other = readFileSync(identity(dir, "other").cert, "utf8");
  // PEM text, DER bytes, and PEM with text before it and a chain after it: the first certificate alone.
  for (const given of [pem, new Uint8Array(readFileSync(derOf(who.cert))), `Subject: Archive\n${pem}${other}`]) {
    const info = pkg.recipientInfo(given);
    assert.equal(info.subject, "CN=Archive,O=Hospital");
    assert.equal(info.notAfter, notAfter(who.cert));
    assert.equal(info.notAfterUnix, Date.parse(info.notAfter) / 1000);
    assert.equal(info.pem, pem);
    // What it gives is what recipients take.
    assert.ok(new pkg.Sanitizer({ key: KEY, recipients: [info.pem] }).sanitize(good("ct-1.dcm")).report.findings.some((f) => f.code === "encrypted.attributes_added"));
  }
  const ec = identity(dir, "ec", { type: "ec" });
  // Not RSA, a private key (alone or in the certificate's file), nothing readable.
  const key = readFileSync(who.key, "utf8");
  for (const bad of [readFileSync(ec.cert, "utf8"), key, pem + key, "not a certificate", new Uint8Array(3)]) {
    assert.throws(() => pkg.recipientInfo(bad), (e) => e.code === "settings.invalid_recipient");
  }
}));
