// OCR of burned-in text in the demo page, in Debian's Chromium: an ultrasound-like image with a
// name and a birth date drawn by Pillow (tests/ocr_image.py) goes through www/ocr.js's worker
// pool under the page's own CSP; the words are matched against the identifying values of the
// DICOM file made from it (read from its first 4 KiB), and the proposed regions, given to the
// sanitizer, blank the planted text. Every request stays on 127.0.0.1: tesseract's worker, core
// and English data come from the page's vendor/ folder. A screenshot of the words' boxes goes to
// target/screenshots/ocr-words.png.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { Sanitizer } from "../../pkg/node.js";
import { ROOT, covers, tempDir } from "./helpers.mjs";
import { openDemoPage } from "./chromium.mjs";

const SHOTS = join(ROOT, "target/screenshots");
let site;
let context;
let page;
let planted;
let dir;
const requests = [];
const errors = [];

before(async () => {
  dir = tempDir("ocr-image-");
  const python = process.env.DICOM_SANITIZER_PYTHON;
  if (!python) throw new Error("DICOM_SANITIZER_PYTHON is not set (run through make)");
  planted = JSON.parse(execFileSync(python, [join(ROOT, "tests/ocr_image.py"), dir], { encoding: "utf8" }));
  ({ site, context, page } = await openDemoPage({ record: (url) => requests.push(url), errors, viewport: { width: 1000, height: 800 } }));
});

after(async () => {
  await context?.close();
  site?.server.close();
});


test("OCR in the page finds the planted name and date, marks them identifying, and proposes regions covering them", { timeout: 60_000 }, async () => {
  const dcm = readFileSync(join(dir, "us.dcm"));
  const gray = readFileSync(join(dir, "us.gray"));
  const result = await page.evaluate(async ({ header, gray, rows, columns }) => {
    const { OcrPool, poolSize } = await import("./ocr.js");
    const { matchWords, proposeRegions } = await import("./phi-tokens.js");
    const { init, identifyingValues } = await import("./pkg/index.js");
    await init();
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const values = identifyingValues(bytes(header));
    const g = bytes(gray);
    const rgba = new Uint8ClampedArray(g.length * 4);
    g.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
    const image = new ImageData(rgba, columns, rows);
    const statuses = new Set();
    let last = 0;
    const pool = new OcrPool({ onProgress: (p) => statuses.add(p.status) });
    // Two jobs at once (ImageData and ImageBitmap): one per worker of the pool.
    const [words, again] = await Promise.all([
      pool.recognize(image, { onProgress: (p) => p.status === "recognizing text" && (last = p.progress) }),
      createImageBitmap(image).then((bitmap) => pool.recognize(bitmap)),
    ]);
    const workers = pool.workers.length;
    await pool.terminate();
    const { identifying, matches } = matchWords(words, values);
    const regions = proposeRegions(words, identifying, { width: columns, height: rows });

    // The words' boxes over the image (green; identifying ones red) and the regions (blue).
    const canvas = Object.assign(document.createElement("canvas"), { id: "ocr-overlay", width: columns, height: rows });
    const ctx = canvas.getContext("2d");
    ctx.putImageData(image, 0, 0);
    ctx.lineWidth = 2;
    words.forEach((w, i) => {
      ctx.strokeStyle = identifying[i] ? "#f33" : "#3c3";
      ctx.strokeRect(w.bbox.x0, w.bbox.y0, w.bbox.x1 - w.bbox.x0, w.bbox.y1 - w.bbox.y0);
    });
    ctx.strokeStyle = "#39f";
    ctx.setLineDash([4, 3]);
    for (const r of regions) ctx.strokeRect(r.x, r.y, r.width, r.height);
    document.body.prepend(canvas);
    return { values, words, again, identifying, matches, regions, workers, poolSize: poolSize(), statuses: [...statuses], last };
  }, { header: dcm.subarray(0, 4096).toString("base64"), gray: gray.toString("base64"), rows: planted.rows, columns: planted.columns });

  mkdirSync(SHOTS, { recursive: true });
  await page.locator("#ocr-overlay").screenshot({ path: join(SHOTS, "ocr-words.png") });
  const { values, words, identifying, regions } = result;
  const texts = words.map((w) => w.text);
  const summary = JSON.stringify({ texts, identifying, regions });

  // The identifying values, from the header alone (the first 4 KiB of the file).
  assert.deepEqual(values.map((v) => [v.kind, v.keyword, v.value]), [
    ["name", "PatientName", "DOE^JANE"],
    ["id", "PatientID", "MRN0012345"],
    ["date", "PatientBirthDate", "19650412"],
    ["date", "StudyDate", "20240305"],
  ]);
  // A pool of min(2, cores) workers, both used; each job gives the same words.
  assert.equal(result.poolSize, 2);
  assert.equal(result.workers, 2);
  assert.deepEqual(result.again.map((w) => w.text), texts);
  assert.ok(result.statuses.includes("loading tesseract core") && result.statuses.includes("recognizing text"), result.statuses.join());
  assert.equal(result.last, 1, "recognition progress reaches 1");

  // Every planted word is read, where Pillow drew it (within a few pixels), on its own line.
  const found = planted.text.map(({ text, box }) => {
    // As drawn, but for the ^, which OCR reads as "A" or not at all.
    const drawn = new RegExp(`^${text.replace("^", ".?")}$`);
    const i = words.findIndex((w) => drawn.test(w.text));
    assert.ok(i >= 0, `${text} not read: ${summary}`);
    const b = words[i].bbox;
    const near = [b.x0 - box[0], b.y0 - box[1], b.x1 - box[2], b.y1 - box[3]].every((d) => Math.abs(d) <= 6);
    assert.ok(near, `${text}: OCR box ${JSON.stringify(b)}, drawn at ${box}`);
    return { text, i, box };
  });
  // Name and birth date are identifying; the age, sex, labels and exam type are not.
  const identified = found.filter(({ i }) => identifying[i]).map(({ text }) => text);
  assert.deepEqual(identified, ["DOE^JANE", "12/04/1965"], summary);
  // By echo of the header's name and birth date; the date also by its shape, and as DOB's value.
  assert.deepEqual([...new Set(result.matches.filter((m) => m.by === "echo").map((m) => m.keyword))].sort(), ["PatientBirthDate", "PatientName"]);
  assert.deepEqual(result.matches.filter((m) => m.by === "shape").map((m) => [m.kind, m.words.map((i) => texts[i]).join(" ")]).sort(), [["date", "12/04/1965"], ["label", "12/04/1965"]]);
  // One region per line holding them, covering the OCR boxes and Pillow's drawn text.
  assert.equal(regions.length, 2, summary);
  for (const { text, i, box } of found.filter(({ i }) => identifying[i])) {
    const b = words[i].bbox;
    assert.ok(regions.some((r) => covers(r, [b.x0, b.y0, b.x1, b.y1])), `${text}'s OCR box is in a region`);
    assert.ok(regions.some((r) => covers(r, box)), `${text} as drawn is in a region: ${summary}`);
  }
  const harmless = found.find(({ text }) => text === "General").box;
  assert.ok(!regions.some((r) => r.y + r.height > harmless[1]), "the third line is left alone");
  assert.deepEqual(errors, []);

  // The regions, as the sanitizer's blankRegions, leave nothing of the planted text.
  const { bytes } = new Sanitizer({ key: "ocr-test-key-0123456789abcdef", burnedIn: "allow", blankRegions: regions }).sanitize(dcm);
  const pixels = Buffer.from(bytes).subarray(bytes.length - gray.length);
  for (const { text, box } of found.filter(({ i }) => identifying[i])) {
    const [x0, y0, x1, y1] = box;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) assert.equal(pixels[y * planted.columns + x], 0, `${text} at ${x},${y}`);
    }
  }
  const [x0, y0] = found.find(({ text }) => text === "General").box;
  assert.ok(pixels.subarray(y0 * planted.columns + x0, (y0 + 16) * planted.columns + x0).some((v) => v === 255), "other text stays");
});

test("no request left 127.0.0.1, and tesseract's files came from vendor/", () => {
  const origin = site.url.replace(/\/$/, "");
  assert.deepEqual(requests.filter((u) => !u.startsWith(origin + "/") && !u.startsWith("data:")), []);
  const core = ["relaxedsimd-lstm", "simd-lstm", "lstm"].map((v) => `/vendor/tesseract/tesseract-core-${v}.wasm.js`);
  assert.ok(core.some((p) => site.served.includes(p)), `a core from vendor/: ${site.served.join()}`);
  for (const path of ["/ocr.js", "/phi-tokens.js", "/vendor/tesseract/tesseract.esm.min.js", "/vendor/tesseract/worker.min.js", "/vendor/tesseract/eng.traineddata.gz"]) {
    assert.ok(site.served.includes(path), `${path} was loaded from the local server`);
  }
});
