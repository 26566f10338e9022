// Shared by the Node, workerd and Chromium tests: the generated corpus (`make corpus`), the
// assembled package (`make pkg`), the planted-PHI check and the pydicom re-read.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { createBLAKE3 } from "hash-wasm";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const PKG = join(ROOT, "pkg");
export const CORPUS = resolve(ROOT, process.env.CORPUS ?? "target/corpus");
export const manifest = JSON.parse(readFileSync(join(CORPUS, "manifest.json"), "utf8"));

/** The same key, options and rules for every runtime, so outputs can be compared byte for byte. */
export const KEY = "cross-runtime-test-key-0123456789";
/** An Ed25519 signing key (hex), as `dicom-sanitize keygen` writes it. */
export const SIGNING_KEY = "11".repeat(32);
export const OPTIONS = {
  key: KEY,
  signingKey: SIGNING_KEY,
  options: ["retainLongitudinalModifiedDates", "cleanDescriptors"],
  rules: [{ tag: "StationName", action: "replace", value: "EDGE" }],
};
export const CLI_ARGS = [
  "--option", "retain-longitudinal-modified-dates",
  "--option", "clean-descriptors",
  "--rule", "StationName=replace:EDGE",
];

export function good(name) {
  return new Uint8Array(readFileSync(join(CORPUS, "good", name)));
}

export function bad(name) {
  return new Uint8Array(readFileSync(join(CORPUS, "bad", name)));
}

/** Every file below `dir`, as paths relative to it, sorted. */
export function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path).map((p) => join(name, p)));
    else out.push(name);
  }
  return out.sort();
}

/** The planted PHI tokens found anywhere in the bytes, case-insensitively (latin1 view). */
export function phiIn(bytes) {
  const text = Buffer.from(bytes).toString("latin1").toUpperCase();
  return manifest.phi.filter((token) => text.includes(token.toUpperCase()));
}

/** The Python with pydicom that make set up. */
export function python() {
  const python = process.env.DICOM_SANITIZER_PYTHON;
  if (!python) throw new Error("DICOM_SANITIZER_PYTHON is not set (run through make)");
  return python;
}

/** Re-reads files with pydicom (tests/reparse.py); one parsed summary per file. */
export function reparse(paths) {
  const out = execFileSync(python(), [join(ROOT, "tests/reparse.py"), ...paths], { encoding: "utf8" });
  return out.trim().split("\n").map((line) => JSON.parse(line));
}

export function rel(path) {
  return relative(ROOT, path);
}

/** An independent BLAKE3 (hash-wasm, built from the reference C code) to check the reports'
 * digests against: `update(bytes)`, then `digest()` gives lower-case hex. */
export async function blake3() {
  const h = await createBLAKE3();
  h.init();
  return h;
}

/** The bytes of an explicit little endian file without its native Pixel Data value (after the
 * last (7FE0,0010)): what the report's `inputHeader` digests. */
export function outsidePixels(bytes) {
  const b = Buffer.from(bytes);
  const at = b.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57]));
  const start = at + 12;
  const end = start + b.readUInt32LE(at + 8);
  return Buffer.concat([b.subarray(0, start), b.subarray(end)]);
}

/** Whether rectangle `r` ({x, y, width, height}) covers box [x0, y0, x1, y1] (x1, y1 exclusive). */
export const covers = (r, [x0, y0, x1, y1]) => r.x <= x0 && r.y <= y0 && r.x + r.width >= x1 && r.y + r.height >= y1;

/** The test process's temporary folders live under one root, removed when the process exits
 * (a test that fails midway leaves nothing behind in /tmp either). */
let root;
export function tempDir(prefix) {
  if (!root) {
    root = mkdtempSync(join(tmpdir(), "dicom-sanitizer-test-"));
    process.on("exit", () => rmSync(root, { recursive: true, force: true }));
  }
  return mkdtempSync(join(root, prefix));
}

/** Runs `run(dir)` with a fresh temporary folder (named from `prefix`), removed afterwards. */
export function scratch(prefix, run) {
  const dir = tempDir(prefix);
  const done = () => rmSync(dir, { recursive: true, force: true });
  try {
    const out = run(dir);
    if (out instanceof Promise) return out.finally(done);
    done();
    return out;
  } catch (e) {
    done();
    throw e;
  }
}
