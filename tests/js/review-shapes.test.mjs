// The review step when the burned-in identifiers are not the header's, in Debian's Chromium: two
// ultrasound-like images Pillow draws (tests/ocr_image.py --shapes), one whose device showed its
// worklist's name, record number, accession and dates while the header carries the archive's,
// one whose header was de-identified upstream. Header echo finds nothing on either; the words'
// shapes flag them, the proposed regions cover each patient line whole and no technical
// readout; a rectangle over the name alone fails the pixel check (by shape); accepted, the
// outputs pass it. The downloads, decoded by pydicom and read by Debian's native Tesseract (an
// engine and model of its own) and by the page's tesseract.js, hold no identifier, and the
// technical text is still there, pixel for pixel. Screenshots: target/screenshots/shapes-*.png.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { unzipSync } from "fflate";

import { ROOT, covers, tempDir } from "./helpers.mjs";
import { openDemoPage } from "./chromium.mjs";

const SHOTS = join(ROOT, "target/screenshots");
const KEY = "review-shapes-key-0123456789abcdef";
const PY = process.env.DICOM_SANITIZER_PYTHON;

let site;
let context;
let page;
let planted;
const requests = [];
const errors = [];

before(async () => {
  if (!PY) throw new Error("DICOM_SANITIZER_PYTHON is not set (run through make)");
  const dir = tempDir("review-shapes-");
  planted = JSON.parse(execFileSync(PY, [join(ROOT, "tests/ocr_image.py"), "--shapes", dir], { encoding: "utf8" }));
  ({ site, context, page } = await openDemoPage({ record: (url) => requests.push(url), errors, viewport: { width: 1280, height: 1000 }, acceptDownloads: true }));
});

after(async () => {
  await context?.close();
  site?.server.close();
});

const wordsOf = (file, role) => planted.files[file].text.filter((w) => w.role === role);
const boxOf = (file, text) => planted.files[file].text.find((w) => w.text === text).box;
const intersects = (r, [x0, y0, x1, y1]) => r.x < x1 && x0 < r.x + r.width && r.y < y1 && y0 < r.y + r.height;

async function numberOf(file) {
  return page.$$eval("#results tbody tr", (trs, file) => trs.find((tr) => tr.cells[1].textContent.endsWith(file)).dataset.n, file);
}

async function settled(n, timeout = 60_000) {
  await page.waitForFunction((n) => ["ok", "review", "failed", "refused"].includes(document.querySelector(`figure.thumb[data-n="${n}"]`)?.dataset.review), n, { timeout });
  return page.$eval(`figure.thumb[data-n="${n}"]`, (f) => f.dataset.review);
}

const rowText = (n) => page.textContent(`#results tr[data-n="${n}"] td:nth-child(3)`);
const proposedShown = async () => JSON.parse(await page.$eval("#large .review", (p) => p.dataset.proposed));

async function drag(r) {
  const o = await page.locator("#large canvas.overlay").boundingBox();
  const at = (x, y) => [o.x + (x / planted.columns) * o.width, o.y + (y / planted.rows) * o.height];
  await page.mouse.move(...at(r.x, r.y));
  await page.mouse.down();
  await page.mouse.move(...at(r.x + r.width / 2, r.y + r.height / 2), { steps: 4 });
  await page.mouse.move(...at(r.x + r.width, r.y + r.height), { steps: 4 });
  await page.mouse.up();
}

/** pydicom's decoding of a file's first frame: { rows, columns, gray }. */
function decode(bytes) {
  const d = tempDir("review-shapes-decode-");
  writeFileSync(join(d, "in.dcm"), bytes);
  const info = JSON.parse(execFileSync(PY, [join(ROOT, "tests/ocr_image.py"), "--decode", join(d, "in.dcm"), join(d, "out.gray")], { encoding: "utf8" }));
  return { ...info, gray: readFileSync(join(d, "out.gray")) };
}

/** Debian's Tesseract (its own build and English model, not the page's) on decoded pixels, as
 * a page (--psm 3) and as sparse text found anywhere (--psm 11): the words of both readings. */
function nativeOcr({ gray, rows, columns }) {
  const d = tempDir("review-shapes-tess-");
  const pgm = join(d, "image.pgm");
  writeFileSync(pgm, Buffer.concat([Buffer.from(`P5\n${columns} ${rows}\n255\n`), gray]));
  return ["3", "11"].flatMap((psm) => execFileSync("tesseract", [pgm, "stdout", "--psm", psm], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split(/\s+/).filter(Boolean));
}

/** The page's OCR pool on raw 8-bit pixels decoded outside the page. */
async function pageOcr({ gray, rows, columns }) {
  return page.evaluate(async ({ gray, rows, columns }) => {
    const { recognize } = await import("./ocr.js");
    const g = Uint8Array.from(atob(gray), (c) => c.charCodeAt(0));
    const rgba = new Uint8ClampedArray(g.length * 4);
    g.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
    return (await recognize(new ImageData(rgba, columns, rows))).map((w) => w.text);
  }, { gray: gray.toString("base64"), rows, columns });
}

/** What in OCR'd text would identify, by this test's own reckoning (not the page's detector):
 * a piece of 3+ letters or digits of a planted identifier (names, "0048…", "2290", "1972",
 * "Mar"), 4 digits in a row (the technical readout has 2 at most), or digits joined by `:` or `/`
 * (a time or a date). */
function leaks(words, file) {
  const pieces = wordsOf(file, "identifier").flatMap((w) => w.text.toLowerCase().split(/[^a-z0-9]+/)).filter((p) => p.length >= 3);
  const whole = wordsOf(file, "identifier").map((w) => w.text.toLowerCase());
  return words.filter((w) => {
    const t = w.toLowerCase();
    return whole.includes(t) || pieces.some((p) => t.includes(p)) || /\d{4}/.test(t) || /\d[:/]\d/.test(t);
  });
}

/** The largest absolute difference between two decoded images inside box [x0, y0, x1, y1]. */
function diffIn(a, b, [x0, y0, x1, y1]) {
  let max = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) max = Math.max(max, Math.abs(a.gray[y * a.columns + x] - b.gray[y * b.columns + x]));
  return max;
}

function maxIn({ gray, columns }, [x0, y0, x1, y1]) {
  let max = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) max = Math.max(max, gray[y * columns + x]);
  return max;
}

test("identifiers that are not the header's are flagged by their shape, blanked whole-line, and gone from the downloads; the technical text stays", { timeout: 180_000 }, async () => {
  const files = Object.keys(planted.files);
  // The oracle reads the originals: it sees the identifiers there (so its silence on the outputs
  // means something), and the technical words it reads there are the ones the outputs must keep.
  const originals = Object.fromEntries(files.map((f) => [f, decode(readFileSync(join(planted.folder, f)))]));
  const before = Object.fromEntries(files.map((f) => [f, nativeOcr(originals[f])]));
  for (const f of files) {
    assert.ok(leaks(before[f], f).length >= 5, `${f}: native Tesseract reads the planted identifiers in the original: ${before[f].join(" ")}`);
  }

  await page.fill("#key", KEY);
  await page.setInputFiles("#pick-folder", planted.folder);
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "done", null, { timeout: 30_000 });
  assert.equal(await page.textContent("#status"), "Done: 0 sanitized, 2 to review, 0 skipped (not DICOM), 0 refused.");
  const ns = {};
  for (const f of files) ns[f] = await numberOf(f);
  const accepted = {};
  mkdirSync(SHOTS, { recursive: true });

  for (const f of files) {
    const n = ns[f];
    assert.equal(await settled(n), "review");
    // Nothing in the pixels echoes the header: what is found is found by shape.
    assert.match(await rowText(n), /identifying text found: /, f);
    await page.click(`figure.thumb[data-n="${n}"]`);
    await page.waitForFunction(() => document.querySelector("#large canvas.image").dataset.frame === "0" && document.querySelectorAll("#large ul.words li").length > 0);
    const shown = await page.$$eval("#large ul.words li", (lis) => lis.map((li) => ({ text: li.textContent, identifying: li.className === "identifying", why: li.dataset.why, box: li.dataset.box.split(",").map(Number) })));
    const marked = shown.filter((w) => w.identifying).map((w) => w.text);
    // Nothing OCR read in the technical readout's column is marked.
    const column = Math.min(...wordsOf(f, "technical").map((w) => w.box[0])) - 8;
    const readout = shown.filter((w) => w.box[0] >= column && w.box[3] < 130);
    assert.ok(readout.length >= 12, `${f}: the readout is read: ${JSON.stringify(readout)}`);
    assert.deepEqual(readout.filter((w) => w.identifying), [], f);
    // The record numbers and dates are marked, each for its shape (the header has none of them).
    const SHAPES = new Set(["digits", "date", "time", "label", "name"]);
    for (const text of f === "us-worklist.dcm" ? ["00482913", "03/07/1972", "7731", "05-Mar-2024", "14:32:07"] : ["4471-2290-18", "2024-000917", "2024"]) {
      const w = shown.find((w) => w.text === text);
      assert.ok(w?.identifying && w.why.split(", ").every((k) => SHAPES.has(k)), `${f}: ${text} marked by its shape: ${JSON.stringify(shown)}`);
    }

    // Every identifier as Pillow drew it is in a proposed region, and so is the rest of its line
    // (labels, age, sex); no technical word is touched.
    const proposed = await proposedShown();
    for (const w of [...wordsOf(f, "identifier"), ...wordsOf(f, "other")]) {
      assert.ok(proposed.some((r) => covers(r, w.box)), `${f}: ${w.text} at ${w.box} is in a proposed region: ${JSON.stringify(proposed)}; marked ${marked}`);
    }
    for (const w of wordsOf(f, "technical")) {
      assert.ok(!proposed.some((r) => intersects(r, w.box)), `${f}: technical ${w.text} at ${w.box} is not proposed: ${JSON.stringify(proposed)}`);
    }
    await page.locator("#large").screenshot({ path: join(SHOTS, `shapes-${f.replace(".dcm", "")}-ocr.png`) });
    accepted[f] = proposed;

    if (f === "us-upstream.dcm") {
      // The name's line alone blanked: the record number, accession and date are still readable
      // in the output, and the pixel check, by shape, fails the file.
      const [x0, y0, x1, y1] = boxOf(f, "Maria");
      const [gx0, gy0] = boxOf(f, "Garcia,");
      const nameOnly = { x: gx0 - 4, y: Math.min(y0, gy0) - 4, width: x1 - gx0 + 8, height: y1 - Math.min(y0, gy0) + 8 };
      await drag(nameOnly);
      await page.click("#large .review button.blank-here");
      assert.equal(await settled(n), "failed", await rowText(n));
      assert.match(await rowText(n), /pixel check failed.*still readable after blanking/);
      await page.waitForFunction(() => document.querySelector("#large .review").dataset.status === "failed" && document.querySelectorAll("#large ul.words li").length > 0);
      const again = await proposedShown();
      for (const text of ["4471-2290-18", "2024-000917", "9:15"]) assert.ok(again.some((r) => covers(r, boxOf(f, text))), `${text} proposed again: ${JSON.stringify(again)}`);
      accepted[f] = [nameOnly, ...again];
    }

    await page.click("#large .review button.accept");
    assert.equal(await settled(n), "ok", await rowText(n));
    assert.match(await rowText(n), /sanitized.*OCR of the output \(1 frame\): no identifying text/);
    await page.waitForFunction((n) => document.querySelector(`figure.thumb[data-n="${n}"]`).dataset.source === "output", n);
    await page.waitForFunction(() => document.querySelector("#large canvas.image").dataset.frame === "0");
    await page.locator("#large").screenshot({ path: join(SHOTS, `shapes-${f.replace(".dcm", "")}-blanked.png`) });
    await page.click("#large button.close");
  }

  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const zip = unzipSync(new Uint8Array(readFileSync(await download.path())));
  const names = await page.$$eval("#results tbody tr", (trs) => Object.fromEntries(trs.map((tr) => [tr.cells[1].textContent.split("/").pop(), tr.dataset.name])));
  assert.equal(Object.keys(zip).filter((k) => k.startsWith("sanitized/")).length, 2, Object.keys(zip).join());

  for (const f of files) {
    const out = decode(zip[`sanitized/${names[f]}`]);
    const original = originals[f];
    // Pixels: every identifier is dark where Pillow drew it; the technical readout is untouched.
    for (const w of wordsOf(f, "identifier")) {
      assert.equal(maxIn(original, w.box), 255, `${f}: the original has ${w.text}`);
      assert.equal(maxIn(out, w.box), 0, `${f}: ${w.text} blanked`);
    }
    for (const w of wordsOf(f, "technical")) assert.equal(diffIn(original, out, w.box), 0, `${f}: ${w.text} untouched`);
    // Read by native Tesseract and by the page's engine: no identifier; every technical word
    // native Tesseract read in the original it reads in the output.
    const native = nativeOcr(out);
    assert.deepEqual(leaks(native, f), [], `${f}: native Tesseract reads no identifier: ${native.join(" ")}`);
    const technical = new Set(wordsOf(f, "technical").map((w) => w.text));
    const kept = before[f].filter((w) => technical.has(w));
    assert.ok(kept.length >= technical.size - 2, `${f}: native Tesseract read the technical text in the original: ${before[f].join(" ")}`);
    for (const w of kept) assert.ok(native.includes(w), `${f}: ${w} still read in the output: ${native.join(" ")}`);
    const read = await pageOcr(out);
    assert.deepEqual(leaks(read, f), [], `${f}: the page's OCR reads no identifier: ${read.join(" ")}`);
    assert.ok(read.includes("TIS") && read.includes("MHz"), `${f}: the page's OCR still reads the readout: ${read.join(" ")}`);
  }
  assert.deepEqual(errors, []);
});

test("no request left 127.0.0.1", () => {
  const origin = new URL(site.url).origin;
  assert.deepEqual(requests.filter((u) => !u.startsWith(origin + "/") && !u.startsWith("blob:") && !u.startsWith("data:")), []);
  assert.ok(site.served.includes("/phi-shapes.js"));
});
