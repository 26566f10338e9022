// Encrypted Attributes in the wasm build (Node): a file sanitized with two recipient certificates
// (made by OpenSSL at test time, none committed) carries an envelope that OpenSSL opens with either
// key to exactly the changed originals, GDCM's gdcmanon and `reidentify` restore it with either
// key, and an unrelated key gives reidentify.failed. `recipientInfo` reads certificates as
// `recipients` does: subject and end as OpenSSL prints them, the certificate alone kept.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import * as pkg from "../../pkg/node.js";
import { KEY, good, scratch } from "./helpers.mjs";
import { checkEncrypted, derOf, identity, notAfter } from "./envelope.mjs";

test("sanitized in wasm for two recipients: OpenSSL, gdcmanon and reidentify restore it, a stranger cannot", () => scratch("encrypted-", (dir) => {
  const [one, two, stranger] = ["one", "two", "stranger"].map((who) => identity(dir, who));
  const sanitizer = new pkg.Sanitizer({ key: KEY, recipients: [one.pem, two.pem] });
  const input = good("ct-1.dcm");
  const out = sanitizer.sanitize(input);
  assert.ok(out.report.findings.some((f) => f.code === "encrypted.attributes_added"));
  // reidentify with either key (PEM text or bytes), without and with the certificate.
  const back = [
    pkg.reidentify(out.bytes, readFileSync(one.key, "utf8")),
    pkg.reidentify(out.bytes, readFileSync(two.key), readFileSync(two.cert)),
  ];
  assert.ok(checkEncrypted(input, out.bytes, one, [back[0]]).enclosed > 2);
  checkEncrypted(input, out.bytes, two, [back[1]]);
  assert.throws(() => pkg.reidentify(out.bytes, readFileSync(stranger.key)), (e) => e.code === "reidentify.failed");
  assert.throws(() => new pkg.Sanitizer({ key: KEY, recipients: ["not a certificate"] }),
    (e) => e.code === "settings.invalid_recipient");
}));

test("pemBlocks splits a bundle into its certificates and keeps stray text, which is refused", () => scratch("encrypted-", (dir) => {
  const [one, two] = ["one", "two"].map((who) => identity(dir, who));
  assert.deepEqual(pkg.pemBlocks(`${one.pem}\n${two.pem}\n`), [one.pem.trim(), two.pem.trim()]);
  assert.deepEqual(pkg.pemBlocks(" \n"), []);
  // Stray text and a private key are entries of their own, and the Sanitizer refuses them.
  for (const bundle of [`${one.pem}stray`, `${one.pem}${readFileSync(one.key, "utf8")}`]) {
    const recipients = pkg.pemBlocks(bundle);
    assert.equal(recipients.length, 2);
    assert.throws(() => new pkg.Sanitizer({ key: KEY, recipients }), (e) => e.code === "settings.invalid_recipient");
  }
}));

test("recipientInfo: subject and end as OpenSSL has them, the certificate alone as PEM, what recipients refuse refused", () => scratch("encrypted-", (dir) => {
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

test("enclosePixels: blanked pixels come back through reidentify; over maxEnclosedPixelBytes, limit.enclosed_pixels", () => scratch("enclosed-", (dir) => {
  const one = identity(dir, "one");
  const settings = { key: KEY, recipients: [one.pem], enclosePixels: true, blankRegions: [{ x: 0, y: 0, width: 2, height: 2 }] };
  const input = good("ct-1.dcm");
  // Pixel Data is the last element of these files: its tag to the end.
  const pixels = (bytes) => Buffer.from(bytes).subarray(Buffer.from(bytes).lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00])));
  const out = new pkg.Sanitizer(settings).sanitize(input);
  assert.notDeepEqual(pixels(out.bytes), pixels(input));
  assert.deepEqual(pixels(pkg.reidentify(out.bytes, readFileSync(one.key))), pixels(input));
  assert.throws(() => new pkg.Sanitizer({ ...settings, limits: { maxEnclosedPixelBytes: 8 } }).sanitize(input),
    (e) => e.code === "limit.enclosed_pixels");
}));
