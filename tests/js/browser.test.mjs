// The demo page as a person uses it, in Debian's Chromium driven by playwright-core: pick a folder,
// drop files, watch progress and the result table, download the zip and a single file. Every
// download re-reads in pydicom, carries none of the planted PHI, and equals the Node output for
// the same settings; no request leaves 127.0.0.1. A screenshot goes to target/browser/.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { unzipSync } from "fflate";

import { Sanitizer } from "../../pkg/node.js";
import { CORPUS, ROOT, bad, good, manifest, phiIn, reparse, walk, tempDir } from "./helpers.mjs";
import { openDemoPage } from "./chromium.mjs";

const SHOTS = join(ROOT, "target/browser");
const KEY = "browser-test-key-0123456789abcdef";
const SETTINGS = { key: KEY, options: ["retainLongitudinalModifiedDates", "cleanDescriptors"], rules: [{ tag: "StationName", action: "keep" }] };

let site;
let context;
let page;
const requests = [];

before(async () => {
  // Every request any page or worker of this browser makes, as the browser sees it.
  ({ site, context, page } = await openDemoPage({ record: (url) => requests.push(url), acceptDownloads: true }));
  await page.waitForFunction(() => document.getElementById("edition").textContent === "2025b");
});

after(async () => {
  await context?.close();
  site?.server.close();
});

async function settle() {
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "done", null, { timeout: 30_000 });
}

async function configure() {
  await page.fill("#key", KEY);
  for (const option of SETTINGS.options) await page.check(`input[value=${option}]`);
  await page.fill("#rules", "StationName=keep");
}

function checkOutputs(files) {
  // Node's run of the same package with the same settings, keyed by input digest.
  const reference = new Sanitizer(SETTINGS);
  const expected = new Map();
  for (const name of manifest.good) {
    const { bytes, report } = reference.sanitize(good(name));
    expected.set(report.inputHeader.hex, Buffer.from(bytes));
  }
  const dir = tempDir("dicom-sanitizer-browser-");
  const paths = files.map(({ name, bytes, report }) => {
    assert.deepEqual(phiIn(bytes), [], `${name}: planted PHI in a download`);
    assert.ok(expected.get(report.inputHeader.hex)?.equals(Buffer.from(bytes)), `${name}: differs from Node's output`);
    const path = join(dir, name.replaceAll("/", "_"));
    writeFileSync(path, bytes);
    return path;
  });
  for (const parsed of reparse(paths)) assert.equal(parsed.patientIdentityRemoved, "YES");
}

test("a folder picked in the page is sanitized with progress, a result table and a zip download", async () => {
  await configure();
  await page.setInputFiles("#pick-folder", join(CORPUS, "good"));
  await settle();
  assert.equal(await page.textContent("#status"), `Done: ${manifest.good.length} sanitized, 0 skipped (not DICOM), 0 refused.`);
  assert.equal(await page.$eval("#progress", (p) => p.value / p.max), 1);
  const rows = await page.$$eval("#results tbody tr", (trs) => trs.map((tr) => [tr.dataset.state, tr.cells[1].textContent, tr.cells[3].textContent]));
  assert.equal(rows.length, manifest.good.length);
  assert.ok(rows.every(([state, , actions]) => state === "ok" && /removed \d+/.test(actions)), JSON.stringify(rows));
  assert.ok(rows.some(([, path]) => path === "good/series/jpeg.dcm"), "subfolders are walked");
  assert.match(await page.textContent("#results tbody"), /preamble\.executable/);

  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  assert.equal(download.suggestedFilename(), "sanitized-dicom.zip");
  const zip = unzipSync(new Uint8Array(readFileSync(await download.path())));
  const dcm = Object.keys(zip).filter((n) => n.startsWith("sanitized/")).sort();
  assert.deepEqual(dcm, manifest.good.map((_, i) => `sanitized/${String(i + 1).padStart(4, "0")}.dcm`));
  checkOutputs(dcm.map((name) => ({
    name,
    bytes: zip[name],
    report: JSON.parse(new TextDecoder().decode(zip[name.replace("sanitized/", "reports/").replace(".dcm", ".json")])),
  })));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(zip["refused.json"])), []);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, "folder-batch.png"), fullPage: true });
});

test("dropped files: refused ones show their code, the one good file downloads as .dcm", async () => {
  await page.click("#clear");
  const files = [
    ...manifest.bad.map(({ file }) => ({ name: file, bytes: [...bad(file)] })),
    { name: "ct-2.dcm", bytes: [...good("ct-2.dcm")] },
  ];
  // A drop as the browser delivers it: a DataTransfer of File objects on the drop zone.
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
    const drop = document.getElementById("drop");
    drop.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    drop.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
  await settle();
  const skipped = manifest.bad.filter(({ code }) => code === "read.not_dicom");
  // Refused for burned-in text: waits for a person's review (OCR of the original) instead.
  const review = manifest.bad.filter(({ code }) => code.startsWith("pixel.burned_in"));
  assert.equal(
    await page.textContent("#status"),
    `Done: 1 sanitized, ${review.length} to review, ${skipped.length} skipped (not DICOM), ${manifest.bad.length - skipped.length - review.length} refused.`,
  );
  await page.waitForFunction(() => document.getElementById("review-status").dataset.state === "done", null, { timeout: 30_000 });
  const rows = await page.$$eval("#results tbody tr", (trs) => Object.fromEntries(trs.map((tr) => [tr.cells[1].textContent, [tr.dataset.state, tr.cells[2].querySelector("code")?.textContent ?? tr.cells[2].textContent]])));
  for (const { file, code } of manifest.bad) {
    const want = code === "read.not_dicom" ? ["skipped", "skipped: not DICOM"] : review.some((r) => r.file === file) ? ["review", code] : ["refused", code];
    assert.deepEqual(rows[file], want, `${file}: ${JSON.stringify(rows)}`);
  }
  // Sanitized, and said not to be OCR-checked (a CT slice: no burned-in risk in its header).
  assert.equal(rows["ct-2.dcm"][0], "ok");
  assert.match(rows["ct-2.dcm"][1], /^sanitized\s*not OCR-checked: no burned-in risk in its header$/);
  assert.match(await page.textContent("#review-status"), /^Review: 1 passed, 1 need review\. Not OCR-checked: 1 image whose header shows no burned-in risk \(#\d+\)\.$/);

  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  assert.match(download.suggestedFilename(), /^\d{4}\.dcm$/);
  const bytes = new Uint8Array(readFileSync(await download.path()));
  checkOutputs([{ name: "single.dcm", bytes, report: { inputHeader: { hex: new Sanitizer(SETTINGS).sanitize(good("ct-2.dcm")).report.inputHeader.hex } } }]);
  await page.screenshot({ path: join(SHOTS, "dropped-files.png"), fullPage: true });

  // The ultrasound image refused for burned-in text: OCR of its original read nothing
  // identifying; a person looks and passes it as shown; its output is OCR-checked and downloads.
  const us = await page.$eval("#results tbody tr[data-state=review]", (tr) => tr.dataset.n);
  assert.match(await page.textContent(`#results tr[data-n="${us}"]`), /OCR found no identifying text; look at it, then pass it as shown/);
  await page.click(`figure.thumb[data-n="${us}"]`);
  await page.waitForFunction(() => !document.querySelector("#large .review button.pass").disabled);
  await page.click("#large .review button.pass");
  await page.click("#large button.close");
  await page.waitForFunction((n) => document.querySelector(`#results tr[data-n="${n}"]`)?.dataset.state === "ok", us, { timeout: 30_000 });
  assert.match(await page.textContent(`#results tr[data-n="${us}"]`), /pixel\.burned_in_unknown_allowed/);
  const [both] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const zip = unzipSync(new Uint8Array(readFileSync(await both.path())));
  assert.equal(Object.keys(zip).filter((k) => k.startsWith("sanitized/")).length, 2);
  const passed = Object.entries(zip).filter(([k]) => k.startsWith("sanitized/")).map(([, b]) => b);
  for (const b of passed) assert.deepEqual(phiIn(b), []);
  const expected = new Sanitizer({ ...SETTINGS, burnedIn: "allow" }).sanitize(bad("ultrasound-unknown-burned-in.dcm")).bytes;
  assert.ok(passed.some((b) => Buffer.from(b).equals(Buffer.from(expected))), "the passed image is the package's output with burnedIn allow");
});

test("a patient CD picked in the page comes out as a media set in the zip, its DICOMDIR naming exactly the files sanitized", async () => {
  await page.click("#clear");
  const dir = tempDir("patient-cd-");
  const cd = join(dir, "DOE_JANE_CD");
  const staging = join(CORPUS, "cd-staging");
  fileset("make", cd, ...["1.dcm", "2.dcm", "3.dcm"].map((f) => join(staging, f)));
  const images = walk(cd).filter((p) => p.includes("IM0"));
  const truncated = join(cd, images[2]);
  writeFileSync(truncated, readFileSync(truncated).subarray(0, -100));
  writeFileSync(join(cd, "README.TXT"), "Images of DOE JANE\r\n");
  writeFileSync(join(cd, "AUTORUN.INF"), "[autorun]\r\nopen=VIEWER.EXE\r\n");
  await page.setInputFiles("#pick-folder", cd);
  await settle();
  assert.equal(await page.textContent("#status"), "Done: 3 sanitized, 2 skipped (not DICOM), 1 refused.");
  const { zip, out } = await downloadZip(/DOE|JANE/i);
  const records = JSON.parse(fileset("tree", join(out, "sanitized/SET001/DICOMDIR")));
  assert.deepEqual(records.map(([file]) => file), ["DICOM/IM000001", "DICOM/IM000002"]);
  for (const [file, chain] of records) {
    assert.ok(statSync(join(out, "sanitized/SET001", file)).isFile(), file);
    assert.deepEqual(chain, ["IMAGE", "SERIES", "STUDY", "PATIENT"]);
  }
  await page.screenshot({ path: join(SHOTS, "patient-cd.png"), fullPage: true });
});

test("keeping names: every name that identifies is pseudonymised, as the CLI names it, in the files, the reports and the DICOMDIR", async () => {
  await page.click("#clear");
  await page.uncheck("#rename");
  // An export folder named after the patient and her birth date, holding a CD whose patient
  // folder is her name, and a file named after its accession number.
  const dir = tempDir("named-");
  const root = join(dir, "DOE_JANE_19610312");
  const cd = join(root, "CD");
  fileset("make", cd, ...["1.dcm", "2.dcm"].map((f) => join(CORPUS, "cd-staging", f)));
  fileset("rename", cd, "PT000000", "DOE_JANE");
  writeFileSync(join(root, "ACC778899.dcm"), good("ct-1.dcm"));
  await page.setInputFiles("#pick-folder", root);
  await settle();
  assert.equal(await page.textContent("#status"), "Done: 4 sanitized, 0 skipped (not DICOM), 0 refused.");
  const { zip, out } = await downloadZip(/DOE|JANE|19610312|ACC778899/i);
  // The tree's shape stays; the names are the CLI's mirror names for the same tree and key.
  const sanitized = Object.keys(zip).filter((n) => n.startsWith("sanitized/")).map((n) => n.slice("sanitized/".length)).sort();
  const cliOut = join(dir, "cli-out");
  execFileSync(process.env.DICOM_SANITIZE_BIN, ["sanitize", dir, "--out", cliOut, "-q", "--option", "retain-longitudinal-modified-dates", "--option", "clean-descriptors", "--rule", "StationName=keep"], { env: { ...process.env, DICOM_SANITIZER_KEY: KEY } });
  assert.deepEqual(sanitized, walk(cliOut).sort());
  assert.equal(sanitized.length, 4);
  assert.ok(sanitized.every((n) => n.split("/").length === (n.includes("DICOMDIR") ? 3 : n.includes("ST0") ? 6 : 2)), sanitized.join(" "));
  for (const name of sanitized) assert.ok(Buffer.from(zip[`sanitized/${name}`]).equals(readFileSync(join(cliOut, name))), `${name}: the CLI's bytes`);
  assert.ok(Object.keys(zip).some((n) => n.startsWith("reports/") && !n.includes("DOE")));
  // The DICOMDIR's records point at the files as named: pydicom's FileSet loads them all.
  const dicomdir = sanitized.find((n) => n.endsWith("DICOMDIR"));
  const records = JSON.parse(fileset("tree", join(out, "sanitized", dicomdir)));
  assert.equal(records.length, 2);
  for (const [file] of records) {
    assert.doesNotMatch(file, /DOE|JANE/i);
    assert.ok(statSync(join(out, "sanitized", dirname(dicomdir), file)).isFile(), file);
  }
  await page.check("#rename");
});

/** Downloads the zip and writes it out, checking that no entry's name matches `identifying` and
 * no entry holds planted PHI. */
async function downloadZip(identifying) {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const zip = unzipSync(new Uint8Array(readFileSync(await download.path())));
  const out = tempDir("zip-out-");
  for (const [name, bytes] of Object.entries(zip)) {
    assert.doesNotMatch(name, identifying, `${name}: names carry no PHI`);
    assert.deepEqual(phiIn(bytes), [], `${name} holds planted PHI`);
    mkdirSync(dirname(join(out, name)), { recursive: true });
    writeFileSync(join(out, name), bytes);
  }
  return { zip, out };
}

/** pydicom's FileSet (tests/oracle/fileset.py): makes a media set, or prints a DICOMDIR's tree. */
function fileset(...args) {
  return execFileSync(process.env.DICOM_SANITIZER_PYTHON, [join(ROOT, "tests/oracle/fileset.py"), ...args], { encoding: "utf8" });
}

test("a bare data set is skipped as not DICOM, and read when the page is asked to", async () => {
  await page.click("#clear");
  const drop = (files) =>
    page.evaluate((files) => {
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
      document.getElementById("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, files);
  const raw = [{ name: "no-meta.dcm", bytes: [...bad("no-meta.dcm")] }];
  await drop(raw);
  await settle();
  assert.equal(await page.textContent("#status"), "Done: 0 sanitized, 1 skipped (not DICOM), 0 refused.");
  await page.click("#clear");
  await page.check("#accept-raw");
  await drop(raw);
  await settle();
  assert.equal(await page.textContent("#status"), "Done: 1 sanitized, 0 skipped (not DICOM), 0 refused.");
  await page.uncheck("#accept-raw");
});

test("bad settings are refused in the page with their code", async () => {
  await page.click("#clear");
  await page.fill("#key", "short");
  await page.setInputFiles("#pick-files", join(CORPUS, "good", "ct-1.dcm"));
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "error");
  assert.match(await page.textContent("#status"), /settings\.key_too_short/);
  assert.equal(await page.$$eval("#results tbody tr", (trs) => trs.length), 0);
  await page.fill("#key", KEY);
});

test("no request left 127.0.0.1", () => {
  assert.ok(requests.length > 0);
  const origin = site.url.replace(/\/$/, "");
  const outside = requests.filter((u) => !u.startsWith(origin + "/") && !u.startsWith("blob:") && !u.startsWith("data:"));
  assert.deepEqual(outside, []);
  for (const path of ["/pkg/dicom_sanitizer_bg.wasm", "/sanitize-worker.js", "/vendor/fflate.js"]) {
    assert.ok(site.served.includes(path), `${path} was loaded from the local server`);
  }
});
