// Encrypted Attributes in the wasm build (Node): a file sanitized with two recipient certificates
// (made by OpenSSL at test time, none committed) carries an envelope that OpenSSL opens with either
// key to exactly the changed originals, GDCM's gdcmanon and `reidentify` restore it with either
// key, and an unrelated key gives reidentify.failed.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import * as pkg from "../../pkg/node.js";
import { KEY, checkEncrypted, good, identity } from "./helpers.mjs";

test("sanitized in wasm for two recipients: OpenSSL, gdcmanon and reidentify restore it, a stranger cannot", () => {
  const dir = mkdtempSync(join(tmpdir(), "encrypted-"));
  try {
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pemBlocks splits a bundle into its certificates and keeps stray text, which is refused", () => {
  const dir = mkdtempSync(join(tmpdir(), "encrypted-"));
  try {
    const [one, two] = ["one", "two"].map((who) => identity(dir, who));
    assert.deepEqual(pkg.pemBlocks(`${one.pem}\n${two.pem}\n`), [one.pem.trim(), two.pem.trim()]);
    assert.deepEqual(pkg.pemBlocks(" \n"), []);
    // Stray text and a private key are entries of their own, and the Sanitizer refuses them.
    for (const bundle of [`${one.pem}stray`, `${one.pem}${readFileSync(one.key, "utf8")}`]) {
      const recipients = pkg.pemBlocks(bundle);
      assert.equal(recipients.length, 2);
      assert.throws(() => new pkg.Sanitizer({ key: KEY, recipients }), (e) => e.code === "settings.invalid_recipient");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
