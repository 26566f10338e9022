// The review step of an upload in the demo page, in Debian's Chromium (playwright-core): a folder
// of three ultrasound-like images of one device and size, a name and birth date burned into
// their first rows by Pillow (tests/ocr_image.py --review: one native, one JPEG Baseline, one of
// another patient), is picked with the default settings. Each is refused for its burned-in text
// and waits for review; its original's thumbnail renders; OCR marks the planted name and date and
// proposes regions covering them; accepting them sanitizes the file again, and the output passes
// the page's own OCR pixel check. A rectangle drawn on the large view and saved as a region rule
// blanks the third image. The downloads are decoded independently (pydicom, Pillow for JPEG):
// no text in the regions, and OCR of those pixels reads no planted token; the exported rule is
// the JSON the package, the CLI and the edge worker take: Node's sanitizer and the CLI given it
// write the same bytes. No request leaves 127.0.0.1. Screenshots go to target/screenshots/review-*.png.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { unzipSync } from "fflate";

import { Sanitizer } from "../../pkg/node.js";
import { ROOT, covers, tempDir } from "./helpers.mjs";
import { openDemoPage } from "./chromium.mjs";

const SHOTS = join(ROOT, "target/screenshots");
const KEY = "review-test-key-0123456789abcdef";
const PY = process.env.DICOM_SANITIZER_PYTHON;
const CLI = process.env.DICOM_SANITIZE_BIN ?? join(ROOT, "target/debug/dicom-sanitize");

let site;
let context;
let page;
let planted;
let dir;
const requests = [];
const errors = [];

before(async () => {
  if (!PY) throw new Error("DICOM_SANITIZER_PYTHON is not set (run through make)");
  dir = tempDir("review-");
  planted = JSON.parse(execFileSync(PY, [join(ROOT, "tests/ocr_image.py"), "--review", dir], { encoding: "utf8" }));
  ({ site, context, page } = await openDemoPage({ record: (url) => requests.push(url), errors, viewport: { width: 1280, height: 1000 }, acceptDownloads: true }));
});

after(async () => {
  await context?.close();
  site?.server.close();
});

const boxOf = (file, text) => planted.files[file].text.find((w) => w.text === text).box;

/** The table's row number of a file, by its input name. */
async function numberOf(file) {
  return page.$$eval("#results tbody tr", (trs, file) => trs.find((tr) => tr.cells[1].textContent.endsWith(file)).dataset.n, file);
}

/** Waits until the thumbnail of file `n` shows a settled review status, and returns it. */
async function settled(n, timeout = 60_000) {
  try {
    await page.waitForFunction((n) => ["ok", "review", "failed", "refused"].includes(document.querySelector(`figure.thumb[data-n="${n}"]`)?.dataset.review), n, { timeout });
  } catch (e) {
    const rows = await page.$$eval("#results tbody tr", (trs) => trs.map((tr) => tr.textContent).join("\n"));
    const figures = await page.$$eval("figure.thumb", (fs) => fs.map((f) => `${f.dataset.n} ${f.dataset.review} ${f.dataset.source}`).join("\n"));
    throw new Error(`file ${n} did not settle:\n${rows}\n${figures}\n${await page.textContent("#review-status")}`, { cause: e });
  }
  return page.$eval(`figure.thumb[data-n="${n}"]`, (f) => f.dataset.review);
}

async function openLarge(n) {
  await page.click(`figure.thumb[data-n="${n}"]`);
  await page.waitForFunction(() => document.querySelector("#large canvas.image").dataset.frame === "0");
}

/** The words the large view lists for the frame shown: text, identifying, box. */
async function wordsShown() {
  return page.$$eval("#large ul.words li", (lis) => lis.map((li) => ({ text: li.textContent, identifying: li.className === "identifying", box: li.dataset.box.split(",").map(Number) })));
}

/** pydicom's (Pillow's for JPEG) decoding of a file's first frame: { rows, columns, gray }. */
function decode(bytes) {
  const d = tempDir("review-decode-");
  writeFileSync(join(d, "in.dcm"), bytes);
  const info = JSON.parse(execFileSync(PY, [join(ROOT, "tests/ocr_image.py"), "--decode", join(d, "in.dcm"), join(d, "out.gray")], { encoding: "utf8" }));
  return { ...info, gray: readFileSync(join(d, "out.gray")) };
}

/** The largest sample inside rectangle r of a decoded image. */
function maxIn({ gray, columns }, r) {
  let max = 0;
  for (let y = r.y; y < r.y + r.height; y++) for (let x = r.x; x < r.x + r.width; x++) max = Math.max(max, gray[y * columns + x]);
  return max;
}

/** OCR, in the page's own pool, of raw 8-bit pixels decoded outside the page. */
async function ocrOf({ gray, rows, columns }) {
  return page.evaluate(async ({ gray, rows, columns }) => {
    const { recognize } = await import("./ocr.js");
    const g = Uint8Array.from(atob(gray), (c) => c.charCodeAt(0));
    const rgba = new Uint8ClampedArray(g.length * 4);
    g.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
    return (await recognize(new ImageData(rgba, columns, rows))).map((w) => w.text);
  }, { gray: gray.toString("base64"), rows, columns });
}

/** Drags rectangle r (image pixels) on the large view's overlay. */
async function drag(r) {
  const o = await page.locator("#large canvas.overlay").boundingBox();
  const at = (x, y) => [o.x + (x / planted.columns) * o.width, o.y + (y / planted.rows) * o.height];
  await page.mouse.move(...at(r.x, r.y));
  await page.mouse.down();
  await page.mouse.move(...at(r.x + r.width / 2, r.y + r.height / 2), { steps: 4 });
  await page.mouse.move(...at(r.x + r.width, r.y + r.height), { steps: 4 });
  await page.mouse.up();
}

async function downloadZip() {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  return unzipSync(new Uint8Array(readFileSync(await download.path())));
}

const accepted = {}; // file -> the regions the page proposed and blanked

test("burned-in images wait for review: thumbnails of the originals, OCR marks the planted name and date, the proposed regions are blanked and pass the pixel check", { timeout: 120_000 }, async () => {
  await page.fill("#key", KEY);
  await page.setInputFiles("#pick-folder", planted.folder);
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "done", null, { timeout: 30_000 });
  assert.equal(await page.textContent("#status"), "Done: 0 sanitized, 3 to review, 0 skipped (not DICOM), 0 refused.");
  const ns = {};
  for (const file of Object.keys(planted.files)) ns[file] = await numberOf(file);
  for (const n of Object.values(ns)) assert.equal(await settled(n), "review");
  // Nothing has passed yet: nothing to download.
  assert.equal(await page.$eval("#download", (b) => b.disabled), true);
  const rows = await page.$$eval("#results tbody tr", (trs) => trs.map((tr) => [tr.dataset.state, tr.cells[2].querySelector("code")?.textContent]));
  assert.deepEqual(rows, [["review", "pixel.burned_in"], ["review", "pixel.burned_in"], ["review", "pixel.burned_in"]]);

  // Thumbnails: rendered from the originals (kept in the page), not blank, grouped apart.
  await page.locator("#previews").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => [...document.querySelectorAll("figure.thumb")].every((f) => f.dataset.state === "rendered"), null, { timeout: 30_000 });
  const thumbs = await page.$$eval("figure.thumb", (fs) => fs.map((f) => {
    const c = f.querySelector("canvas");
    const { data } = c.getContext("2d").getImageData(0, 0, c.width, c.height);
    // The text band (rows 0..20 of 96, above the speckle fan), area-averaged to grey.
    let bright = 0;
    for (let i = 0; i < c.width * 20 * 4; i += 4) if (data[i] > 60) bright++;
    return { source: f.dataset.source, section: f.closest(".study").className, width: c.width, height: c.height, bright };
  }));
  assert.equal(thumbs.length, 3);
  for (const t of thumbs) {
    assert.deepEqual([t.source, t.section, t.width, t.height], ["original", "study originals", 128, 96]);
    assert.ok(t.bright > 20, `the burned-in text shows on the thumbnail (${t.bright} bright pixels)`);
  }
  mkdirSync(SHOTS, { recursive: true });
  await page.locator("#previews").screenshot({ path: join(SHOTS, "review-grid.png") });

  for (const file of ["us-native.dcm", "us-jpeg.dcm"]) {
    const n = ns[file];
    await openLarge(n);
    await page.waitForFunction(() => document.querySelectorAll("#large ul.words li").length > 0);
    const words = await wordsShown();
    const summary = JSON.stringify(words);
    // OCR read the planted name and birth date and marks them; the exam label is not identifying.
    const name = words.find((w) => /^DOE.?JANE$/.test(w.text));
    const date = words.find((w) => w.text === "12/04/1965");
    assert.ok(name?.identifying, `${file}: the name is marked: ${summary}`);
    assert.ok(date?.identifying, `${file}: the birth date is marked: ${summary}`);
    assert.equal(words.find((w) => w.text === "General")?.identifying, false, summary);
    // The proposed regions cover the name and date as Pillow drew them.
    const proposed = JSON.parse(await page.$eval("#large .review", (p) => p.dataset.proposed));
    for (const text of ["DOE^JANE", "12/04/1965"]) {
      assert.ok(proposed.some((r) => covers(r, boxOf(file, text))), `${file}: ${text} at ${boxOf(file, text)} is in a proposed region: ${JSON.stringify(proposed)}`);
    }
    assert.ok(!proposed.some((r) => r.y + r.height > boxOf(file, "General")[1]), "the exam line is not proposed");
    if (file === "us-native.dcm") await page.locator("#large").screenshot({ path: join(SHOTS, "review-ocr.png") });
    accepted[file] = proposed;

    if (file === "us-jpeg.dcm") {
      // A rectangle drawn over the name only, blanked on this image: the date is still readable
      // in the output, so the pixel check fails and the file is not offered for download.
      const [x0, y0, x1, y1] = boxOf(file, "DOE^JANE");
      const nameOnly = { x: x0 - 4, y: y0 - 4, width: x1 - x0 + 8, height: y1 - y0 + 8 };
      await drag(nameOnly);
      await page.click("#large .review button.blank-here");
      assert.equal(await settled(n), "failed");
      assert.match(await page.textContent(`#results tr[data-n="${n}"] td:nth-child(3)`), /pixel check failed\s*12\/04\/1965 still readable after blanking/);
      assert.equal(await page.textContent("#download"), "Download 1 passed file");
      await page.waitForFunction(() => document.querySelectorAll("#large ul.words li").length > 0 && document.querySelector("#large .review").dataset.status === "failed");
      await page.locator("#large").screenshot({ path: join(SHOTS, "review-failed.png") });
      // What is left is proposed again, from the output's OCR: the date only.
      const again = JSON.parse(await page.$eval("#large .review", (p) => p.dataset.proposed));
      assert.equal(again.length, 1, JSON.stringify(again));
      assert.ok(covers(again[0], boxOf(file, "12/04/1965")), JSON.stringify(again));
      accepted[file] = [nameOnly, ...again];
    }

    // Accept: sanitized again with the regions; the output is OCR-checked and passes.
    await page.click("#large .review button.accept");
    assert.equal(await settled(n), "ok", await page.textContent(`#results tr[data-n="${n}"]`));
    assert.match(await page.textContent(`#results tr[data-n="${n}"] td:nth-child(3)`), /sanitized.*OCR of the output \(1 frame\): no identifying text/);
    await page.waitForFunction((n) => document.querySelector(`figure.thumb[data-n="${n}"]`).dataset.source === "output", n);
    if (file === "us-native.dcm") {
      await page.waitForFunction(() => document.querySelector("#large canvas.image").dataset.frame === "0");
      await page.locator("#large").screenshot({ path: join(SHOTS, "review-blanked.png") });
    }
    await page.click("#large button.close");
  }

  // Only the files that passed are downloaded; the one still in review is listed apart.
  const zip = await downloadZip();
  const sanitized = Object.keys(zip).filter((k) => k.startsWith("sanitized/"));
  assert.equal(sanitized.length, 2, Object.keys(zip).join());
  const pendingText = new TextDecoder().decode(zip["refused.json"]);
  // Why it was left out, without what OCR read off its pixels.
  assert.doesNotMatch(pendingText, /DOE|JANE|ROE|RICHARD|1965|1972/i);
  const pending = JSON.parse(pendingText);
  assert.deepEqual(pending.map((p) => [String(p.n), p.status, p.error.code]), [[ns["us-second.dcm"], "review", "pixel.burned_in"]]);

  // Decoded outside the page: the regions are blank, and OCR reads no planted token there.
  const names = await page.$$eval("#results tbody tr", (trs) => Object.fromEntries(trs.map((tr) => [tr.cells[1].textContent.split("/").pop(), tr.dataset.name])));
  for (const file of ["us-native.dcm", "us-jpeg.dcm"]) {
    const out = decode(zip[`sanitized/${names[file]}`]);
    const original = decode(readFileSync(join(planted.folder, file)));
    assert.equal(out.transferSyntax, original.transferSyntax, `${file} keeps its transfer syntax`);
    for (const r of accepted[file]) {
      assert.equal(maxIn(original, r), 255, `${file}: the original has text in ${JSON.stringify(r)}`);
      // Native: zero. JPEG: blanked in the coded domain, flat dark blocks.
      const max = maxIn(out, r);
      assert.ok(file === "us-native.dcm" ? max === 0 : max < 24, `${file}: ${max} in ${JSON.stringify(r)}`);
    }
    const read = await ocrOf(out);
    assert.ok(read.includes("General"), `${file}: OCR still reads the exam line: ${read}`);
    assert.deepEqual(read.filter((w) => /DOE|JANE|1965|12\/04/i.test(w)), [], `${file}: no planted token: ${read}`);
  }
  assert.deepEqual(errors, []);
});

test("a rectangle drawn on the large view and saved as a region rule blanks another image of the same device and size; the rule exports as the package's JSON", { timeout: 90_000 }, async () => {
  const n = await numberOf("us-second.dcm");
  await openLarge(n);
  // The band of the first two lines of the OTHER patient's image, from where Pillow drew them.
  const boxes = planted.files["us-second.dcm"].text.filter((w) => w.box[1] < 70).map((w) => w.box);
  const want = { x: 8, y: 8, width: Math.max(...boxes.map((b) => b[2])) + 8 - 8, height: Math.max(...boxes.map((b) => b[3])) + 6 - 8 };
  await drag(want);
  await page.click("#large .review button.blank-rule");
  await page.click("#large button.close");
  await page.waitForFunction((n) => document.querySelector(`figure.thumb[data-n="${n}"]`)?.dataset.source === "output", n, { timeout: 30_000 });
  assert.equal(await settled(n), "ok", await page.textContent(`#results tr[data-n="${n}"]`));
  assert.match(await page.textContent("#rules-list"), /US · ACME Medical Sono 5 · 640×480 — 1 region/);

  // The rule, exported: exactly the RegionRule list the package, CLI and edge worker take.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-rules")]);
  assert.equal(download.suggestedFilename(), "region-rules.json");
  const rules = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert.equal(rules.length, 1);
  const [rule] = rules;
  assert.deepEqual({ ...rule, regions: undefined }, { modality: "US", manufacturer: "ACME Medical", model: "Sono 5", rows: 480, columns: 640, regions: undefined });
  assert.equal(rule.regions.length, 1);
  const drawn = rule.regions[0];
  for (const k of ["x", "y", "width", "height"]) assert.ok(Math.abs(drawn[k] - want[k]) <= 2, `drawn ${k} ${drawn[k]}, dragged ${want[k]}`);

  // Every file passed now (the first two were sanitized again under the rule too).
  for (const file of Object.keys(planted.files)) assert.equal(await settled(await numberOf(file)), "ok", file);
  const zip = await downloadZip();
  const names = await page.$$eval("#results tbody tr", (trs) => Object.fromEntries(trs.map((tr) => [tr.cells[1].textContent.split("/").pop(), tr.dataset.name])));
  const page2 = zip[`sanitized/${names["us-second.dcm"]}`];
  // Node's sanitizer given the exported rules writes the same bytes as the page.
  const original = new Uint8Array(readFileSync(join(planted.folder, "us-second.dcm")));
  const node = new Sanitizer({ key: KEY, regionRules: rules }).sanitize(original).bytes;
  assert.ok(Buffer.from(node).equals(Buffer.from(page2)), "the page's output is the package's under the exported rules");
  // And the command line's, given the exported file as --region-rules.
  const cliOut = tempDir("review-cli-");
  execFileSync(CLI, ["sanitize", join(planted.folder, "us-second.dcm"), "--out", cliOut, "--region-rules", await download.path()], { env: { ...process.env, DICOM_SANITIZER_KEY: KEY }, stdio: ["ignore", "ignore", "inherit"] });
  assert.ok(readFileSync(join(cliOut, "us-second.dcm")).equals(Buffer.from(page2)), "the CLI writes the page's bytes under the exported rules");
  // Decoded by pydicom: the drawn rectangle is blank, the planted name and date are gone.
  const out = decode(page2);
  assert.equal(maxIn(out, drawn), 0);
  const read = await ocrOf(out);
  assert.deepEqual(read.filter((w) => /ROE|RICHARD|1972|03\/07/i.test(w)), [], `no planted token: ${read}`);
  assert.ok(read.includes("General"), read.join(" "));

  // The exported rules, imported into a fresh run, pass all three without a person's step.
  await page.click("#rules-list button");
  await page.click("#clear");
  await page.setInputFiles("#import-rules", await download.path());
  await page.waitForFunction(() => document.querySelectorAll("#rules-list li").length === 1);
  await page.setInputFiles("#pick-folder", planted.folder);
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "done", null, { timeout: 30_000 });
  assert.equal(await page.textContent("#status"), "Done: 3 sanitized, 0 skipped (not DICOM), 0 refused.");
  for (const file of Object.keys(planted.files)) assert.equal(await settled(await numberOf(file)), "ok", file);
  assert.match(await page.textContent("#review-status"), /^Review: 3 passed\.$/);
  // One thumbnail per file: none of the cleared run's came back with a late answer.
  assert.equal(await page.$$eval("figure.thumb", (fs) => fs.length), 3);
  await page.locator("figure.thumb >> nth=2").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => [...document.querySelectorAll("figure.thumb")].every((f) => f.dataset.state === "rendered"));
  await page.screenshot({ path: join(SHOTS, "review-done.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

test("no request left 127.0.0.1", () => {
  const origin = new URL(site.url).origin;
  assert.deepEqual(requests.filter((u) => !u.startsWith(origin + "/") && !u.startsWith("blob:") && !u.startsWith("data:")), []);
  assert.ok(site.served.includes("/review.js") && site.served.includes("/regions.js") && site.served.includes("/vendor/tesseract/eng.traineddata.gz"));
});
