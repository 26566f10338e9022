// The assembled npm package under Node: outputs, errors, types and the exports map. The byte
// comparison with the native CLI is the proof that every runtime runs the same core.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, rmSync, writeFileSync, symlinkSync, mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import * as pkg from "../../pkg/node.js";
import { CLI_ARGS, KEY, OPTIONS, SIGNING_KEY, PKG, ROOT, CORPUS, bad, blake3, good, manifest, outsidePixels, phiIn, reparse, walk, tempDir } from "./helpers.mjs";

const { Sanitizer, isDicomSanitizerError } = pkg;

function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail("expected a throw");
}

test("every good file is sanitized, keeps none of the planted PHI, and re-reads in pydicom", () => {
  const sanitizer = new Sanitizer(OPTIONS);
  const dir = tempDir("dicom-sanitizer-node-");
  const paths = [];
  for (const name of manifest.good) {
    const input = good(name);
    assert.notDeepEqual(phiIn(input), [], `${name} should carry PHI to start with`);
    const before = input.slice();
    const { bytes, report } = sanitizer.sanitize(input);
    assert.deepEqual(input, before, "the input array is not mutated");
    assert.ok(bytes instanceof Uint8Array);
    assert.deepEqual(phiIn(bytes), [], `${name}: planted PHI survived`);
    assert.equal(report.edition, "2025b");
    assert.equal(report.output.bytes, bytes.length);
    assert.ok(report.inputHeader.bytes > 0 && report.inputHeader.bytes <= input.length);
    assert.ok(report.actions.removed > 0);
    const path = join(dir, name.replaceAll("/", "_"));
    writeFileSync(path, bytes);
    paths.push(path);
  }
  const parsed = reparse(paths);
  assert.equal(parsed.length, manifest.good.length);
  for (const p of parsed) {
    assert.equal(p.preambleZero, true);
    assert.equal(p.patientIdentityRemoved, "YES");
    assert.equal(p.sopInstanceUid, p.mediaStorageSopInstanceUid);
  }
});

test("the executable preamble is reported and zeroed", () => {
  const { bytes, report } = new Sanitizer(OPTIONS).sanitize(good("mz-preamble.dcm"));
  assert.equal(report.preamble, "executable");
  assert.ok(report.findings.some((f) => f.code === "preamble.executable"));
  assert.deepEqual(bytes.subarray(0, 128), new Uint8Array(128));
});

test("wasm output is byte-identical to the native CLI's, with identical reports", () => {
  const bin = process.env.DICOM_SANITIZE_BIN;
  assert.ok(bin && existsSync(bin), "DICOM_SANITIZE_BIN must name the built CLI (run through make)");
  const dir = tempDir("dicom-sanitizer-cli-");
  writeFileSync(join(dir, "key"), KEY + "\n");
  writeFileSync(join(dir, "signing.key"), SIGNING_KEY + "\n");
  execFileSync(bin, [
    "sanitize", join(CORPUS, "good"), "--out", join(dir, "out"), "--report-dir", join(dir, "reports"),
    "--key-file", join(dir, "key"), "--signing-key-file", join(dir, "signing.key"), "--quiet", ...CLI_ARGS,
  ]);
  const sanitizer = new Sanitizer(OPTIONS);
  assert.deepEqual(walk(join(dir, "out")), [...manifest.good].sort());
  for (const name of manifest.good) {
    const native = new Uint8Array(readFileSync(join(dir, "out", name)));
    const { bytes, report, receipt } = sanitizer.sanitize(good(name));
    assert.ok(Buffer.from(native).equals(Buffer.from(bytes)), `${name}: wasm and native outputs differ`);
    const reportPath = join(dir, "reports", name.replace(/\.dcm$/, ".json"));
    const nativeLine = JSON.parse(readFileSync(reportPath, "utf8"));
    assert.deepEqual(report, nativeLine.report, `${name}: reports differ`);
    // Ed25519 is deterministic: the same receipt, signature included, from both builds.
    assert.deepEqual(receipt, nativeLine.receipt, `${name}: receipts differ`);
    // A wasm receipt verifies with the native CLI.
    writeFileSync(join(dir, "receipt.json"), JSON.stringify(receipt));
    const verified = JSON.parse(execFileSync(bin, [
      "verify", join(dir, "out", name), "--receipt", join(dir, "receipt.json"), "--public-key", pkg.publicKey(SIGNING_KEY),
    ], { encoding: "utf8" }));
    assert.equal(verified.valid, true, name);
  }
});

test("burned-in bands: wasm blanks every transfer syntax to the native CLI's bytes, one-shot and streamed", async () => {
  const burned = process.env.BURNED;
  assert.ok(burned && existsSync(join(burned, "band.json")), "BURNED must name `make burned`'s folder");
  const band = JSON.parse(readFileSync(join(burned, "band.json"), "utf8"));
  const dir = tempDir("dicom-sanitizer-burned-");
  writeFileSync(join(dir, "key"), KEY + "\n");
  execFileSync(process.env.DICOM_SANITIZE_BIN, [
    "sanitize", burned, "--out", join(dir, "out"), "--key-file", join(dir, "key"), "--quiet",
    "--blank-region", `${band.x},${band.y},${band.width},${band.height}`,
  ]);
  const sanitizer = new Sanitizer({ key: KEY, blankRegions: [band] });
  const names = readdirSync(burned).filter((n) => n.endsWith(".dcm"));
  assert.ok(names.length >= 15, names.join(" "));
  for (const name of names) {
    const input = new Uint8Array(readFileSync(join(burned, name)));
    const native = new Uint8Array(readFileSync(join(dir, "out", name)));
    const { bytes, report } = sanitizer.sanitize(input);
    assert.ok(report.findings.some((f) => f.code === "pixel.regions_blanked"), name);
    assert.ok(Buffer.from(native).equals(Buffer.from(bytes)), `${name}: wasm and native outputs differ`);
    // Streamed in small chunks, frames cross chunk boundaries: the same bytes.
    const t = sanitizer.transform();
    const chunks = [];
    const source = new ReadableStream({
      start(controller) {
        for (let i = 0; i < input.length; i += 777) controller.enqueue(input.slice(i, i + 777));
        controller.close();
      },
    });
    for await (const chunk of source.pipeThrough(t)) chunks.push(chunk);
    assert.ok(Buffer.concat(chunks).equals(Buffer.from(native)), `${name}: streamed output differs`);
  }
  rmSync(dir, { recursive: true, force: true });
});

test("digests are BLAKE3 by default, SHA-256 on request: whole output, input without its pixels", async () => {
  const input = good("ct-1.dcm");
  const { bytes, report } = new Sanitizer({ key: KEY }).sanitize(input);
  assert.equal(report.output.algorithm, "blake3");
  assert.equal(report.output.hex, (await blake3()).update(bytes).digest());
  const header = outsidePixels(input);
  assert.ok(header.length < input.length);
  assert.equal(report.inputHeader.hex, (await blake3()).update(header).digest());
  assert.equal(report.inputHeader.bytes, header.length);
  assert.equal(report.inputPixelData, undefined, "the pixels pass through unchanged");
  const sha = new Sanitizer({ key: KEY, digest: "sha256" }).sanitize(input);
  assert.equal(sha.report.output.algorithm, "sha256");
  assert.equal(sha.report.output.hex, createHash("sha256").update(sha.bytes).digest("hex"));
  assert.equal(sha.report.inputHeader.hex, createHash("sha256").update(header).digest("hex"));
  assert.ok(Buffer.from(sha.bytes).equals(Buffer.from(bytes)), "the digest does not change the bytes");
  assert.equal(thrown(() => new Sanitizer({ digest: "md5" })).code, "settings.invalid_value");
});

test("verifyOriginal ties a report to the file it was made from", () => {
  const input = good("ct-1.dcm");
  const { bytes, report } = new Sanitizer({ key: KEY }).sanitize(input);
  assert.deepEqual(pkg.verifyOriginal(input, bytes, report), { valid: true, mismatches: [] });
  const other = good("ct-2.dcm");
  assert.ok(pkg.verifyOriginal(other, bytes, report).mismatches.some((m) => m.part === "originalHeader"), "another patient's file");
  const pixels = input.slice();
  pixels[pixels.length - 1] ^= 1; // the last pixel byte
  assert.deepEqual(pkg.verifyOriginal(pixels, bytes, report).mismatches.map((m) => m.part), ["originalPixelData"]);
  assert.equal(thrown(() => pkg.verifyOriginal(input, bytes, { not: "a report" })).code, "settings.invalid_value");
});

test("receipts verify in JS, and any changed byte or another key fails", () => {
  const { bytes, receipt } = new Sanitizer(OPTIONS).sanitize(good("ct-1.dcm"));
  const publicKey = pkg.publicKey(SIGNING_KEY);
  assert.equal(receipt.publicKey, publicKey);
  assert.equal(receipt.format, "dicom-sanitizer-receipt/2");
  assert.deepEqual(pkg.verify(bytes, receipt, publicKey), { valid: true, mismatches: [] });
  const parts = (file, r = receipt, key = publicKey) => pkg.verify(file, r, key).mismatches.map((m) => m.part);
  const pixel = bytes.slice();
  pixel[pixel.length - 1] ^= 1; // the last byte of Pixel Data
  assert.deepEqual(parts(pixel), ["file", "pixelData"]);
  const header = bytes.slice();
  header[200] ^= 1;
  assert.deepEqual(parts(header), ["file", "header"]);
  assert.deepEqual(parts(bytes, receipt, pkg.publicKey(pkg.generateSigningKey())), ["publicKey", "signature"]);
  const edited = structuredClone(receipt);
  edited.report.actions.removed += 1;
  assert.deepEqual(parts(bytes, edited), ["signature"]);
  assert.notEqual(pkg.generateSigningKey(), pkg.generateSigningKey());
  assert.equal(thrown(() => new Sanitizer({ signingKey: "abcd" })).code, "settings.invalid_signing_key");
  assert.equal(thrown(() => new Sanitizer({ signingKey: "not hex" })).code, "settings.invalid_value");
});

test("pixel, strict and region settings pass through to the core", () => {
  const input = good("ct-1.dcm");
  const blanked = new Sanitizer({ key: KEY, blankRegions: [{ x: 0, y: 0, width: 2, height: 2 }] }).sanitize(input);
  assert.ok(blanked.report.findings.some((f) => f.code === "pixel.regions_blanked"));
  const allowed = new Sanitizer({ key: KEY, burnedIn: "allow" }).sanitize(bad("ultrasound-unknown-burned-in.dcm"));
  assert.ok(allowed.report.findings.some((f) => f.code === "pixel.burned_in_unknown_allowed"));
  assert.equal(thrown(() => new Sanitizer({ burnedIn: "maybe" })).code, "settings.invalid_value");
  assert.equal(thrown(() => new Sanitizer({ blankRegions: [{ x: 0, y: 0, width: 0, height: 1 }] })).code, "settings.invalid_value");
  assert.ok(new Sanitizer({ key: KEY, strict: true }).sanitize(input).bytes.length > 0);
});

test("the same key gives the same bytes; no key gives a random key per sanitizer", () => {
  const input = good("ct-1.dcm");
  const a = new Sanitizer({ key: KEY }).sanitize(input).bytes;
  const b = new Sanitizer({ key: new TextEncoder().encode(KEY) }).sanitize(input).bytes;
  assert.ok(Buffer.from(a).equals(Buffer.from(b)), "a string key is its UTF-8 bytes");
  const r1 = new Sanitizer().sanitize(input).bytes;
  const r2 = new Sanitizer().sanitize(input).bytes;
  assert.ok(!Buffer.from(r1).equals(Buffer.from(r2)), "random keys differ (crypto.getRandomValues)");
});

test("bad files throw a DicomSanitizerError with their code and no output", () => {
  const sanitizer = new Sanitizer(OPTIONS);
  for (const { file, code } of manifest.bad) {
    const e = thrown(() => sanitizer.sanitize(bad(file)));
    assert.ok(e instanceof Error);
    assert.ok(isDicomSanitizerError(e), `${file}: ${e}`);
    assert.equal(e.name, "DicomSanitizerError");
    assert.equal(e.code, code, `${file}: ${e.message}`);
    assert.equal(e.status, code === "read.not_dicom" ? "skipped" : "refused", file);
    assert.ok(e.message.startsWith(code), e.message);
  }
  assert.equal(sanitizer.sanitize(good("ct-1.dcm")).status, "sanitized");
  const e = thrown(() => sanitizer.sanitize(bad("truncated.dcm")));
  assert.equal(typeof e.offset, "number", "read errors carry the byte offset");
  const limited = new Sanitizer({ ...OPTIONS, limits: { maxInputBytes: 1000 } });
  assert.equal(thrown(() => limited.sanitize(good("ct-1.dcm"))).code, "limit.input_size");
  // The sanitizer stays usable after a refusal.
  assert.ok(sanitizer.sanitize(good("ct-1.dcm")).bytes.length > 0);
});

test("sanitizeDirectory follows a patient CD's files as renamed or left out, checked by pydicom's FileSet", () => {
  const dir = tempDir("dicom-sanitizer-cd-");
  const python = process.env.DICOM_SANITIZER_PYTHON;
  const fileset = (...args) => execFileSync(python, [join(ROOT, "tests/oracle/fileset.py"), ...args], { encoding: "utf8" });
  const staging = join(CORPUS, "cd-staging");
  fileset("make", join(dir, "cd"), ...["1.dcm", "2.dcm", "3.dcm"].map((f) => join(staging, f)));
  const sanitizer = new Sanitizer(OPTIONS);
  const asked = [];
  const done = sanitizer.sanitizeDirectory(readFileSync(join(dir, "cd", "DICOMDIR")), (id) => {
    asked.push(id.join("/"));
    return asked.length === 2 ? null : ["DICOM", `IM00000${asked.length}`];
  });
  assert.equal(done.status, "sanitized");
  assert.deepEqual(phiIn(done.bytes), []);
  assert.equal(asked.length, 3);
  mkdirSync(join(dir, "out", "DICOM"), { recursive: true });
  writeFileSync(join(dir, "out", "DICOMDIR"), done.bytes);
  for (const n of [1, 3]) writeFileSync(join(dir, "out", "DICOM", `IM00000${n}`), good("ct-1.dcm"));
  const records = JSON.parse(fileset("tree", join(dir, "out", "DICOMDIR")));
  assert.deepEqual(records.map(([file]) => file), ["DICOM/IM000001", "DICOM/IM000003"]);
  // A callback that throws aborts the call with its own error; a file that is no DICOMDIR is refused.
  assert.throws(() => sanitizer.sanitizeDirectory(readFileSync(join(dir, "cd", "DICOMDIR")), () => { throw new Error("boom"); }), /boom/);
  assert.equal(thrown(() => sanitizer.sanitizeDirectory(good("ct-1.dcm"), () => null)).code, "read.not_directory");
});

test("names: NamePlan and sanitizeTree name a tree (and a CD's File IDs) as the CLI's mirror layout does; sanitizeDirectory refuses File IDs that hold the records' values", async () => {
  const dir = tempDir("dicom-sanitizer-names-");
  const root = join(dir, "in");
  const put = (rel, bytes) => {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), bytes);
  };
  put("DOE_JANE_19610312/ACC778899.dcm", good("ct-1.dcm"));
  put("DOE_JANE_19610312/series/IM0001.dcm", good("ct-2.dcm"));
  put("2024-03-05 CT/1.2.826.0.1.3680043.8.498.1000.1.dcm", good("ct-1.dcm"));
  put("MRN0012345/notes.txt", "not DICOM");
  // A patient CD filing its images under the patient's name.
  fileset(dir, "make", join(root, "CD"), ...["1.dcm", "2.dcm"].map((f) => join(CORPUS, "cd-staging", f)));
  fileset(dir, "rename", join(root, "CD"), "PT000000", "DOE_JANE");
  const sanitizer = new Sanitizer(OPTIONS);
  const plan = sanitizer.namePlan();
  const inputs = walk(root);
  for (const rel of inputs) {
    const bytes = readFileSync(join(root, rel));
    // Only the header is read; too few bytes ask for more.
    const head = bytes.subarray(0, 300);
    if (!plan.add(rel, head, head.length === bytes.length)) assert.equal(plan.add(rel, bytes, true), true, rel);
    else assert.ok(rel.endsWith(".txt"), `${rel}: 300 bytes are not its header`);
  }
  const names = plan.names();
  plan.free();
  assert.equal(names.length, inputs.length);
  for (const name of names) assert.doesNotMatch(name, /DOE|JANE|19610312|ACC778899|MRN0012345|2024|1\.2\.826/i, name);
  assert.ok(names.some((n) => n.endsWith("/series/IM0001.dcm")), names.join(" "));
  writeFileSync(join(dir, "key"), KEY + "\n");
  execFileSync(process.env.DICOM_SANITIZE_BIN, ["sanitize", root, "--out", join(dir, "out"), "--key-file", join(dir, "key"), "-q", ...CLI_ARGS]);
  assert.deepEqual(walk(join(dir, "out")), names.filter((_, i) => !inputs[i].endsWith(".txt")).sort());
  // sanitizeTree: the CLI's tree, byte for byte, and a DICOMDIR whose records FileSet finds.
  const results = await pkg.sanitizeTree(OPTIONS, root, join(dir, "tree"), { threads: 2 });
  assert.deepEqual(results.map((r) => r.status), inputs.map((rel) => (rel.endsWith(".txt") ? "skipped" : "sanitized")));
  assert.deepEqual(walk(join(dir, "tree")), walk(join(dir, "out")));
  for (const name of walk(join(dir, "tree"))) {
    assert.ok(readFileSync(join(dir, "tree", name)).equals(readFileSync(join(dir, "out", name))), `${name}: the CLI's bytes`);
  }
  const dicomdir = results.find((r) => r.input.endsWith("DICOMDIR")).output;
  const records = JSON.parse(fileset(dir, "tree", dicomdir));
  assert.equal(records.length, 2);
  for (const [file] of records) {
    assert.doesNotMatch(file, /DOE|JANE/i);
    assert.ok(existsSync(join(dicomdir, "..", file)), file);
  }
  // The gate for names: a Patient ID folder kept as it was is refused, its pseudonym is not.
  const input = readFileSync(join(root, "CD", "DICOMDIR"));
  const e = thrown(() => sanitizer.sanitizeDirectory(input, (id) => id));
  assert.equal(e.code, "phi.residual");
  const pseudonym = records[0][0].split("/")[0];
  assert.match(pseudonym, /^[A-Z]{8}$/);
  assert.equal(sanitizer.sanitizeDirectory(input, (id) => [pseudonym, ...id.slice(1)]).status, "sanitized");
});

function fileset(_dir, ...args) {
  return execFileSync(process.env.DICOM_SANITIZER_PYTHON, [join(ROOT, "tests/oracle/fileset.py"), ...args], { encoding: "utf8" });
}

test("bad options throw settings codes, including misspelt fields", () => {
  const cases = [
    [{ key: "short" }, "settings.key_too_short"],
    [{ options: ["retainEverything"] }, "settings.invalid_value"],
    [{ optoins: ["retainUids"] }, "settings.invalid_value"],
    [{ limits: { maxDepht: 3 } }, "settings.invalid_value"],
    [{ key: 12345 }, "settings.invalid_value"],
    ["retainUids", "settings.invalid_value"],
    [[], "settings.invalid_value"],
    [{ rules: [{ tag: "PatientNmae", action: "keep" }] }, "settings.unknown_keyword"],
    [{ rules: [{ tag: "(0010,001G)", action: "keep" }] }, "settings.malformed_tag"],
    [{ rules: [{ tag: "PatientName", action: "replace" }] }, "settings.missing_value"],
    [{ options: ["retainLongitudinalFullDates", "retainLongitudinalModifiedDates"] }, "settings.conflicting_options"],
    [{ limits: { maxDepth: 100000 } }, "settings.invalid_limit"],
  ];
  for (const [options, code] of cases) {
    const e = thrown(() => new Sanitizer(options));
    assert.ok(isDicomSanitizerError(e), `${JSON.stringify(options)}: ${e}`);
    assert.equal(e.code, code, `${JSON.stringify(options)}: ${e.message}`);
  }
  const e = thrown(() => new Sanitizer({ rules: [{ tag: "PatientNmae", action: "keep" }] }));
  assert.match(e.message, /PatientName/, "an unknown keyword suggests the nearest one");
});

test("the TypeScript unions list exactly the codes the module can give", () => {
  const dts = readFileSync(join(PKG, "index.d.ts"), "utf8");
  const union = (name) => {
    const body = dts.match(new RegExp(`export type ${name} =([^;]*);`))[1];
    return [...body.matchAll(/"([^"]+)"/g)].map((m) => m[1]).sort();
  };
  assert.deepEqual(union("ErrorCode"), [...pkg.errorCodes()].sort());
  assert.deepEqual(union("FindingCode"), [...pkg.findingCodes()].sort());
  assert.equal(pkg.edition(), "2025b");
  assert.match(pkg.version(), /^\d+\.\d+\.\d+$/);
});

test("the package resolves by name under Node's exports conditions, and every export exists", () => {
  const meta = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
  for (const target of Object.values(meta.exports["."])) assert.ok(existsSync(join(PKG, target)), target);
  for (const file of meta.files) assert.ok(existsSync(join(PKG, file)), file);
  const app = tempDir("dicom-sanitizer-app-");
  mkdirSync(join(app, "node_modules"));
  symlinkSync(PKG, join(app, "node_modules", "dicom-sanitizer"), "dir");
  writeFileSync(join(app, "app.mjs"), `
    import { init, Sanitizer } from "dicom-sanitizer";
    import { readFileSync } from "node:fs";
    await init();
    const { report } = new Sanitizer({ key: "${KEY}" }).sanitize(readFileSync(process.argv[2]));
    console.log(report.output.hex);
  `);
  const out = execFileSync("node", [join(app, "app.mjs"), join(CORPUS, "good", "ct-1.dcm")], { encoding: "utf8" });
  assert.equal(out.trim(), new Sanitizer({ key: KEY }).sanitize(good("ct-1.dcm")).report.output.hex);
});

test("the browser entry's init() is idempotent and accepts the wasm bytes", async () => {
  const browser = await import("../../pkg/index.js");
  const bytes = readFileSync(join(PKG, "dicom_sanitizer_bg.wasm"));
  const first = browser.init(bytes);
  assert.equal(browser.init(bytes), first, "a second call returns the same promise");
  await first;
  assert.ok(new browser.Sanitizer({ key: KEY }).sanitize(good("ct-1.dcm")).bytes.length > 0);
});

test("a freed sanitizer refuses use instead of touching freed memory", () => {
  const s = new Sanitizer({ key: KEY });
  s.free();
  assert.throws(() => s.sanitize(good("ct-1.dcm")));
});


test("sanitizeFile hashes 4 MiB leaves of a 72 MiB file on worker threads: same bytes and digest as without", async () => {
  const header = readFileSync(join(ROOT, "target/large/header-72m.bin"));
  const length = Number(readFileSync(join(ROOT, "target/large/length-72m"), "utf8"));
  const pixels = Buffer.alloc(length);
  for (let i = 0; i < length; i++) pixels[i] = (i % 251) ^ (i >> 20);
  const input = Buffer.concat([header, pixels]);
  const dir = tempDir("dicom-sanitizer-leaves-");
  writeFileSync(join(dir, "in.dcm"), input);
  writeFileSync(join(dir, "cut.dcm"), input.subarray(0, input.length - 5_000_000));
  const sanitizer = new Sanitizer({ key: KEY, signingKey: SIGNING_KEY });
  const parallel = await pkg.sanitizeFile(sanitizer, join(dir, "in.dcm"), join(dir, "two.dcm"), { threads: 2 });
  const serial = await pkg.sanitizeFile(sanitizer, join(dir, "in.dcm"), join(dir, "none.dcm"), { threads: 0 });
  const out = readFileSync(join(dir, "two.dcm"));
  assert.ok(out.equals(readFileSync(join(dir, "none.dcm"))));
  assert.deepEqual(parallel, serial);
  const hash = await blake3();
  hash.update(out);
  assert.equal(parallel.report.output.hex, hash.digest(), "the root of the leaves is the BLAKE3 of the file");
  assert.equal(parallel.report.output.bytes, out.length);
  assert.deepEqual(pkg.verify(out, parallel.receipt, pkg.publicKey(SIGNING_KEY)), { valid: true, mismatches: [] });
  // The leaves a stream hands out lie in the pixel data, whole, after the bytes it has seen.
  const stream = sanitizer.stream();
  assert.equal(stream.handOutLeaves(), true);
  stream.write(input.subarray(0, 1 << 20));
  const plan = stream.delegation();
  assert.equal(plan.leafLength, 4 << 20);
  assert.ok(plan.inputOffset >= 1 << 20 && plan.outputOffset % plan.leafLength === 0 && plan.leaves >= 15, JSON.stringify(plan));
  assert.equal(thrown(() => stream.passLeaf(1)).code, "stream.leaf_invalid", "a leaf out of turn");
  assert.equal(thrown(() => pkg.leafDigest(new Uint8Array(100), 0)).code, "stream.leaf_invalid");
  const refused = await pkg.sanitizeFile(sanitizer, join(dir, "cut.dcm"), join(dir, "cut-out.dcm"), { threads: 2 }).catch((e) => e);
  assert.equal(refused.code, "read.truncated");
  assert.deepEqual(readdirSync(dir).sort(), ["cut.dcm", "in.dcm", "none.dcm", "two.dcm"], "no partial or refused output");
});

test("sanitizeFile's leaf workers write in turn, refuse a leaf past the end, and give up when told", async () => {
  const { openSync, closeSync } = await import("node:fs");
  const { Worker } = await import("node:worker_threads");
  const wasm = new WebAssembly.Module(readFileSync(join(PKG, "dicom_sanitizer_bg.wasm")));
  const workers = [0, 1].map(() => new Worker(join(PKG, "node-leaves.js"), { workerData: { wasm } }));
  const L = 4 << 20;
  const dir = tempDir("dicom-sanitizer-workers-");
  const bytes = Buffer.alloc(2 * L + 100);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) ^ (i >> 12);
  writeFileSync(join(dir, "in"), bytes);
  const input = openSync(join(dir, "in"), "r");
  const output = openSync(join(dir, "out"), "w");
  const ask = (worker, job) =>
    new Promise((resolve) => {
      worker.once("message", resolve);
      worker.postMessage({ id: 0, input, output, name: "in", ...job });
    });
  try {
    // Leaf 1 is handed out first, to the other worker: it waits for leaf 0's turn.
    let turn = new Int32Array(new SharedArrayBuffer(4));
    const second = ask(workers[1], { turn, index: 1, inputOffset: 100 + L, outputOffset: L });
    const first = ask(workers[0], { turn, index: 0, inputOffset: 100, outputOffset: 0 });
    const cvs = await Promise.all([first, second]);
    assert.equal(turn[0], 2);
    assert.ok(readFileSync(join(dir, "out")).equals(bytes.subarray(100)));
    cvs.forEach(({ cv }, i) => assert.deepEqual(cv, pkg.leafDigest(bytes.subarray(100 + i * L, 100 + (i + 1) * L), i * L)));
    // A leaf past the end of the file is refused and the file given up; the next one stops.
    turn = new Int32Array(new SharedArrayBuffer(4));
    const cut = await ask(workers[0], { turn, index: 0, inputOffset: L + 200, outputOffset: 0 });
    assert.equal(cut.error.code, "read.truncated");
    assert.equal(turn[0], -1);
    const next = await ask(workers[1], { turn, index: 1, inputOffset: 100, outputOffset: L });
    assert.equal(next.error.code, "stopped");
    // A worker waiting for its turn stops when the file is given up.
    turn = new Int32Array(new SharedArrayBuffer(4));
    const waiting = ask(workers[1], { turn, index: 1, inputOffset: 100, outputOffset: L });
    setTimeout(() => {
      Atomics.store(turn, 0, -1);
      Atomics.notify(turn, 0);
    }, 50);
    assert.equal((await waiting).error.code, "stopped");
  } finally {
    closeSync(input);
    closeSync(output);
    await Promise.all(workers.map((w) => w.terminate()));
  }
});

test("sanitizeFile streams file to file, same bytes and report as one-shot, nothing left on error", async () => {
  const header = readFileSync(join(ROOT, "target/large/header-12m.bin"));
  const length = Number(readFileSync(join(ROOT, "target/large/length-12m"), "utf8"));
  const pixels = Buffer.alloc(length);
  for (let i = 0; i < length; i++) pixels[i] = i % 251;
  const input = Buffer.concat([header, pixels]);
  const dir = tempDir("dicom-sanitizer-file-");
  writeFileSync(join(dir, "in.dcm"), input);
  writeFileSync(join(dir, "cut.dcm"), input.subarray(0, input.length - 1000));
  const sanitizer = new Sanitizer({ key: KEY, limits: { maxInputBytes: 64 * 1024 * 1024 } });
  const result = await pkg.sanitizeFile(sanitizer, join(dir, "in.dcm"), join(dir, "out.dcm"));
  const expected = sanitizer.sanitize(input);
  assert.ok(readFileSync(join(dir, "out.dcm")).equals(Buffer.from(expected.bytes)));
  assert.deepEqual(result, { report: expected.report });
  const refused = await pkg.sanitizeFile(sanitizer, join(dir, "cut.dcm"), join(dir, "cut-out.dcm")).catch((e) => e);
  assert.equal(refused.code, "read.truncated");
  const missing = await pkg.sanitizeFile(sanitizer, join(dir, "absent.dcm"), join(dir, "x.dcm")).catch((e) => e);
  assert.equal(missing.code, "ENOENT");
  assert.deepEqual(readdirSync(dir).sort(), ["cut.dcm", "in.dcm", "out.dcm"], "no partial or refused output");
});

test("sanitizeFiles: many files on three threads, each the one-shot's bytes and report; refusals, skips and failures listed, nothing left of them", async () => {
  const dir = tempDir("dicom-sanitizer-files-");
  const out = join(dir, "out");
  mkdirSync(out);
  // Every good and bad file of the corpus, several times over (so every thread takes some),
  // a file too large for one shot under these limits (streamed), and one that is missing.
  const header = readFileSync(join(ROOT, "target/large/header-12m.bin"));
  const pixels = Buffer.alloc(Number(readFileSync(join(ROOT, "target/large/length-12m"), "utf8")), 7);
  writeFileSync(join(dir, "large.dcm"), Buffer.concat([header, pixels]));
  const inputs = [];
  for (let round = 0; round < 4; round++) {
    for (const name of manifest.good) inputs.push({ path: join(CORPUS, "good", name), expect: "sanitized" });
    for (const { file, code } of manifest.bad) inputs.push({ path: join(CORPUS, "bad", file), code });
  }
  inputs.splice(5, 0, { path: join(dir, "large.dcm"), expect: "sanitized" });
  inputs.push({ path: join(dir, "absent.dcm"), code: "ENOENT" });
  const jobs = inputs.map(({ path }, i) => ({ input: path, output: join(out, `${i}.dcm`) }));
  const options = { ...OPTIONS, limits: { maxInputBytes: 4 << 20 } };
  const seen = [];
  const results = await pkg.sanitizeFiles(options, jobs, { threads: 3, onResult: (r, i) => seen.push(i) });
  assert.deepEqual(seen.sort((a, b) => a - b), jobs.map((_, i) => i), "onResult once per file");
  assert.equal(results.length, jobs.length);
  const one = new Sanitizer({ ...OPTIONS, limits: { maxInputBytes: 64 << 20 } });
  const written = [];
  results.forEach((result, i) => {
    const { path, code } = inputs[i];
    assert.equal(result.input, path);
    assert.equal(result.output, jobs[i].output);
    if (code === undefined) {
      // Pseudonyms, report and receipt agree with one sanitizer on this thread, byte for byte.
      const expected = one.sanitize(readFileSync(path));
      assert.equal(result.status, "sanitized", `${path}: ${result.error?.message}`);
      assert.ok(readFileSync(result.output).equals(Buffer.from(expected.bytes)), path);
      assert.deepEqual(result.report, expected.report);
      assert.deepEqual(pkg.verify(readFileSync(result.output), result.receipt, pkg.publicKey(SIGNING_KEY)), { valid: true, mismatches: [] });
      written.push(`${i}.dcm`);
    } else {
      assert.equal(result.error.code, code, path);
      const status = code === "ENOENT" ? "failed" : code === "read.not_dicom" ? "skipped" : "refused";
      assert.equal(result.status, status, path);
      assert.equal(isDicomSanitizerError(result.error), status !== "failed");
    }
  });
  assert.deepEqual(readdirSync(out).sort(), written.sort(), "no partial, refused or skipped output");
  // Invalid options are refused before any file is touched.
  const invalid = await pkg.sanitizeFiles({ key: "short" }, jobs).catch((e) => e);
  assert.equal(invalid.code, "settings.key_too_short");
  rmSync(dir, { recursive: true });
});
