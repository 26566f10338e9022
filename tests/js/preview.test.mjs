// The page's previews in Debian's Chromium (playwright-core): a picked folder of single- and
// multi-frame files, native, RLE and JPEG Baseline, is sanitized and shown as thumbnails of the
// sanitized output, grouped by pseudonymised study and series; the large view's slider renders
// another frame. Pixels are checked against the package in Node on the same sanitized bytes
// (wasm frames: identical) and, for JPEG, against DCMTK's decoding (browser's decoder: close);
// no request leaves 127.0.0.1. Screenshots go to target/screenshots/.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { Sanitizer, describeImage, renderFrame } from "../../pkg/node.js";
import { CORPUS, ROOT, tempDir } from "./helpers.mjs";
import { openDemoPage } from "./chromium.mjs";

const SHOTS = join(ROOT, "target/screenshots");
const BURNED = process.env.BURNED ?? join(ROOT, "target/burned");
const KEY = "preview-test-key-0123456789abcdef";
const SETTINGS = { key: KEY, burnedIn: "allow" };

let site;
let context;
let page;
const requests = [];
let folder;
const inputs = {}; // file name in the folder -> its bytes

before(async () => {
  // single-frame native CT (two, one series), RLE RGB of 3 frames, the same decoded to native by
  // GDCM, JPEG Baseline grey and JPEG Baseline YBR 4:2:2 of 3 frames.
  folder = tempDir("previews-");
  copyFileSync(join(CORPUS, "good/ct-1.dcm"), join(folder, "ct-1.dcm"));
  copyFileSync(join(CORPUS, "good/ct-2.dcm"), join(folder, "ct-2.dcm"));
  for (const name of ["rle-rgb-frames", "jpeg-baseline-gray", "jpeg-baseline-ybr422-frames"]) {
    copyFileSync(join(BURNED, `${name}.dcm`), join(folder, `${name}.dcm`));
  }
  execFileSync("gdcmconv", ["--raw", join(BURNED, "rle-rgb-frames.dcm"), join(folder, "native-rgb-frames.dcm")]);
  for (const name of ["ct-1", "ct-2", "rle-rgb-frames", "jpeg-baseline-gray", "jpeg-baseline-ybr422-frames", "native-rgb-frames"]) {
    inputs[`${name}.dcm`] = new Uint8Array(readFileSync(join(folder, `${name}.dcm`)));
  }

  ({ site, context, page } = await openDemoPage({ record: (url) => requests.push(url) }));
});

after(async () => {
  await context?.close();
  site?.server.close();
});

/** The sanitized output of an input, as the page makes it (same package, same settings). */
const sanitized = (name) => new Sanitizer(SETTINGS).sanitize(inputs[name]).bytes;

/** RGBA of a canvas in the page. */
async function canvasPixels(selector) {
  return page.$eval(selector, (c) => {
    const { data } = c.getContext("2d").getImageData(0, 0, c.width, c.height);
    return { width: c.width, height: c.height, data: Array.from(data) };
  });
}

/** Mean absolute difference over R, G, B, and the standard deviation of the canvas's values. */
function compare(got, want) {
  assert.equal(got.data.length, want.length, "same size");
  let diff = 0;
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let i = 0; i < want.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      diff += Math.abs(got.data[i + c] - want[i + c]);
      sum += got.data[i + c];
      sq += got.data[i + c] ** 2;
      n++;
    }
  }
  return { mean: diff / n, spread: Math.sqrt(sq / n - (sum / n) ** 2) };
}

/** What the thumbnail or large view of frame `frame` must look like: the Node package's render
 * of the sanitized file, or for JPEG, of DCMTK's decoding of it (scaled in Node's wasm). */
function expected(name, frame, maxSize) {
  const bytes = sanitized(name);
  const r = renderFrame(bytes, frame, maxSize);
  if (!r.jpeg) return { kind: "wasm", ...r };
  const dir = tempDir("dcmdjpeg-");
  execFileSync("dcmdjpeg", ["-", join(dir, "out.dcm")], { input: bytes });
  const decoded = renderFrame(new Uint8Array(readFileSync(join(dir, "out.dcm"))), frame, maxSize);
  return { kind: "jpeg", ...decoded };
}

test("thumbnails of the sanitized files, grouped by pseudonymised study and series, then a larger view with a frame slider", async () => {
  await page.fill("#key", KEY);
  await page.check("#burned-in");
  await page.setInputFiles("#pick-folder", folder);
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "done", null, { timeout: 60_000 });
  assert.equal(await page.textContent("#status"), "Done: 6 sanitized, 0 skipped (not DICOM), 0 refused.");
  const paths = await page.$$eval("#results tbody tr", (trs) => Object.fromEntries(trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent.split("/").pop()])));

  // One thumbnail per file, each under the study and series its sanitized labels name.
  await page.waitForFunction(() => document.querySelectorAll("figure.thumb").length === 6);
  await page.locator("#previews").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => [...document.querySelectorAll("figure.thumb")].every((f) => f.dataset.state), null, { timeout: 30_000 });
  const states = await page.$$eval("figure.thumb", (fs) => fs.map((f) => `${f.dataset.n} ${f.dataset.state} ${f.textContent}`));
  assert.ok(states.every((s) => s.includes(" rendered ")), states.join("\n"));
  const figures = await page.$$eval("figure.thumb", (fs) => fs.map((f) => ({
    n: f.dataset.n,
    frames: Number(f.dataset.frames),
    coded: f.dataset.coded,
    study: f.closest(".study").dataset.study,
    series: f.closest(".series").dataset.series,
  })));
  const groups = new Set();
  for (const f of figures) {
    const name = paths[f.n];
    const d = describeImage(sanitized(name));
    // The CT slices have a study and series (pseudonymised); the burned-in images have none.
    if (name.startsWith("ct")) assert.match(f.study, /^2\.25\.\d+$/, `${name}: a pseudonymised study UID`);
    assert.equal(f.study, d.labels.studyInstanceUid ?? "", name);
    assert.equal(f.series, d.labels.seriesInstanceUid ?? "", name);
    assert.equal(f.frames, d.frames, name);
    assert.equal(f.coded, name.startsWith("jpeg") ? "jpeg" : "wasm", name);
    groups.add(`${f.study} ${f.series}`);
    // The pixels: not blank, and the image expected.
    const want = expected(name, 0, 128);
    const got = await canvasPixels(`figure.thumb[data-n="${f.n}"] canvas`);
    assert.deepEqual([got.width, got.height], [want.width, want.height], name);
    const { mean, spread } = compare(got, want.rgba);
    assert.ok(spread > 10, `${name}: the thumbnail is not blank (spread ${spread})`);
    assert.ok(want.kind === "wasm" ? mean === 0 : mean < 12, `${name}: mean difference ${mean} from the expected image`);
  }
  // The DOM has exactly one section per study and one block per series of the files.
  const shown = await page.$$eval(".series", (ss) => ss.map((s) => `${s.closest(".study").dataset.study} ${s.dataset.series}`));
  assert.deepEqual(new Set(shown), groups);
  assert.equal(shown.length, groups.size);
  // The burned-in images, let through by the box, were OCR-checked (nothing identifying in the
  // generated strokes); the CT slices were not, and the page says so.
  await page.waitForFunction(() => document.getElementById("review-status").dataset.state === "done", null, { timeout: 60_000 });
  const review = await page.textContent("#review-status");
  assert.match(review, /^Review: 6 passed\. Not OCR-checked: 2 images whose header shows no burned-in risk \(#\d+, #\d+\)\.$/, review);
  mkdirSync(SHOTS, { recursive: true });
  await page.locator("#previews").screenshot({ path: join(SHOTS, "preview-grid.png") });

  // The large view: frame 0, then the slider moved to frame 2 renders that frame on demand.
  for (const name of ["native-rgb-frames.dcm", "jpeg-baseline-ybr422-frames.dcm"]) {
    const n = Object.keys(paths).find((k) => paths[k] === name);
    await page.click(`figure.thumb[data-n="${n}"]`);
    await page.waitForFunction(() => document.querySelector("#large canvas").dataset.frame === "0");
    assert.equal(await page.$eval("#large", (d) => d.open), true);
    const first = await canvasPixels("#large canvas");
    await page.$eval("#large input[type=range]", (s) => {
      s.value = "2";
      s.dispatchEvent(new Event("input"));
    });
    await page.waitForFunction(() => document.querySelector("#large canvas").dataset.frame === "2");
    assert.equal(await page.textContent("#large .frame"), "Frame 3 of 3");
    const third = await canvasPixels("#large canvas");
    const want = expected(name, 2, 768);
    const { mean, spread } = compare(third, want.rgba);
    assert.ok(spread > 10, `${name}: frame 2 is not blank`);
    assert.ok(want.kind === "wasm" ? mean === 0 : mean < 12, `${name}: frame 2 differs by ${mean}`);
    assert.ok(compare(first, want.rgba).mean > mean, `${name}: frame 0 is another image than frame 2`);
    if (name.startsWith("jpeg")) await page.screenshot({ path: join(SHOTS, "preview-large.png") });
    await page.click("#large button.close");
  }

  // Nothing but this page's own origin was asked for.
  const origin = new URL(site.url).origin;
  const outside = requests.filter((u) => !u.startsWith(origin) && !u.startsWith("blob:") && !u.startsWith("data:"));
  assert.deepEqual(outside, []);
  assert.ok(site.served.length > 0);
});

test("thumbnails render lazily: a 200-file series draws only what scrolls into view", async () => {
  const N = 200; // the study size the page is to stay usable with
  await page.click("#clear");
  const many = tempDir("previews-many-");
  for (let i = 0; i < N; i++) copyFileSync(join(CORPUS, "good/ct-1.dcm"), join(many, `ct-${String(i).padStart(3, "0")}.dcm`));
  await page.setInputFiles("#pick-folder", many);
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "done", null, { timeout: 60_000 });
  await page.waitForFunction((n) => document.querySelectorAll("figure.thumb").length === n, N);
  await page.locator("#previews").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll("figure.thumb[data-state=rendered]").length > 0);
  await page.waitForTimeout(500);
  const early = await page.$$eval("figure.thumb[data-state=rendered]", (fs) => fs.length);
  assert.ok(early < N, `only the visible thumbnails are drawn at first (${early})`);
  await page.locator(`figure.thumb >> nth=${N - 1}`).scrollIntoViewIfNeeded();
  await page.waitForFunction((n) => document.querySelectorAll("figure.thumb")[n - 1].dataset.state === "rendered", N);
  // The result table is paged: the first hundred rows, then the rest.
  const rows = () => page.$$eval("#results tbody tr", (trs) => trs.map((tr) => Number(tr.dataset.n)));
  assert.deepEqual(await rows(), Array.from({ length: 100 }, (_, i) => i + 1));
  assert.equal(await page.textContent("#page-info"), `Files 1–100 of ${N}`);
  await page.click("#page-next");
  assert.deepEqual(await rows(), Array.from({ length: N - 100 }, (_, i) => i + 101));
  assert.equal(await page.textContent("#page-info"), `Files 101–${N} of ${N}`);
  assert.equal(await page.$eval("#page-next", (b) => b.disabled), true);
});
