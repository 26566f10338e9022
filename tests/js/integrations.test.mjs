// The package's integrations as a person uses them, in Debian's Chromium driven by playwright-core:
// an intake form (form.js: the custom element in a plain multipart POST, protectFileInput with
// fetch(new FormData(form))) and an Uppy Dashboard with the plugin (uppy.js) uploading by XHR.
// A local server takes the uploads: it must receive only the sanitized files, renamed, with no
// planted PHI and no original name in any byte of any request, byte for byte what Node's run of
// the package gives for the same settings. With a recipient certificate in the settings, what
// each sends carries Encrypted Attributes that OpenSSL opens to exactly the changed originals.
import assert from "node:assert/strict";
import { copyFileSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { Sanitizer, errorCodes } from "../../pkg/node.js";
import { checkEncrypted, identity } from "./envelope.mjs";
import { CORPUS, PKG, ROOT, phiIn, reparse, tempDir } from "./helpers.mjs";
import { launchChromium } from "./chromium.mjs";
import { serve } from "./serve.mjs";

const SETTINGS = { key: "intake-test-key-0123456789abcdef", options: ["retainLongitudinalModifiedDates", "cleanDescriptors"] };
const GOOD = ["ct-1.dcm", "ct-2.dcm", "series/implicit-le.dcm", "series/explicit-be.dcm"];
const REFUSED = { file: "ultrasound-unknown-burned-in.dcm", code: "pixel.burned_in_unknown" };
const BUSY = "Files are still being de-identified. Please wait.";

let site;
let context;
let page;
let study; // a folder as a person has it: PHI in the folder's and the files' names
const names = [];
const posts = [];
const outside = [];

/** The expected outputs: Node's run of the same package and settings, as hex for set comparison. */
function expectedOutputs() {
  const sanitizer = new Sanitizer(SETTINGS);
  return GOOD.map((name) => Buffer.from(sanitizer.sanitize(new Uint8Array(readFileSync(join(CORPUS, "good", name)))).bytes).toString("hex")).sort();
}

/** Records every POST (raw body and parsed parts) and answers it. */
function uploads(req, res) {
  if (req.method !== "POST") return false;
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const raw = Buffer.concat(chunks);
    const form = await new Response(raw, { headers: { "content-type": req.headers["content-type"] } }).formData();
    const parts = [];
    for (const [field, value] of form) {
      parts.push(typeof value === "string"
        ? { field, value }
        : { field, filename: value.name, bytes: Buffer.from(await value.arrayBuffer()) });
    }
    posts.push({ path: req.url, raw, parts });
    const json = req.url === "/upload/uppy";
    res.writeHead(200, { "content-type": json ? "application/json" : "text/html; charset=utf-8" });
    res.end(json ? JSON.stringify({ ok: true }) : `<!doctype html><title>Received</title><p id="received">received ${parts.length} parts</p>`);
  });
  return true;
}

before(async () => {
  // The pages, the assembled package and Uppy's own ES module build, served from one origin.
  const root = tempDir("integrations-site-");
  cpSync(join(ROOT, "tests/js/pages"), root, { recursive: true });
  symlinkSync(PKG, join(root, "pkg"));
  symlinkSync(join(ROOT, "node_modules/uppy/dist"), join(root, "uppy"));
  site = await serve(root, 0, uploads);

  study = join(tempDir("intake-"), "DOE_JANE_CT_1961");
  mkdirSync(study);
  GOOD.forEach((name, i) => {
    names.push(`DOE_JANE_${i + 1}.dcm`);
    copyFileSync(join(CORPUS, "good", name), join(study, names.at(-1)));
  });
  names.push("DOE_JANE_US.dcm");
  copyFileSync(join(CORPUS, "bad", REFUSED.file), join(study, names.at(-1)));

  const record = (url) => {
    if (!url.startsWith(site.url) && !/^(blob|data):/.test(url)) outside.push(url);
  };
  ({ context, page } = await launchChromium({ record }));
  page.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
});

after(async () => {
  await context?.close();
  site?.server.close();
});

/** What every request carrying files must satisfy. */
function checkPost(post, field, count) {
  assert.deepEqual(phiIn(post.raw), [], `planted PHI in the ${post.path} request`);
  const text = post.raw.toString("latin1");
  for (const n of [...names, "DOE_JANE", "ultrasound"]) assert.ok(!text.includes(n), `${n} in the ${post.path} request`);
  const files = post.parts.filter((p) => p.field === field);
  assert.equal(files.length, count);
  return files;
}

function checkFiles(files) {
  assert.deepEqual(files.map((f) => f.filename).sort(), GOOD.map((_, i) => `IM${String(i + 1).padStart(6, "0")}.dcm`));
  assert.deepEqual(files.map((f) => f.bytes.toString("hex")).sort(), expectedOutputs(), "the bytes are Node's output");
  const dir = tempDir("intake-received-");
  const paths = files.map((f, i) => {
    writeFileSync(join(dir, `${i}.dcm`), f.bytes);
    return join(dir, `${i}.dcm`);
  });
  for (const parsed of reparse(paths)) assert.equal(parsed.patientIdentityRemoved, "YES");
}

/** On the third progress event of `input` (sanitizing under way), tries to submit its form. */
function trySubmitDuring(selector) {
  return page.evaluate((selector) => {
    const input = document.querySelector(selector);
    const form = input.form;
    window.attempt = null;
    let n = 0;
    let reached = 0;
    form.addEventListener("submit", () => reached++);
    const onProgress = () => {
      if (++n !== 3) return;
      form.requestSubmit();
      window.attempt = {
        reached,
        validationMessage: input.validationMessage,
        buttonDisabled: form.querySelector("button").disabled,
        filesMeanwhile: input.files.length,
      };
    };
    input.addEventListener("dicom-sanitize-progress", onProgress);
  }, selector);
}

test("a plain multipart form: a picked folder is sanitized, renamed, the refused file listed, and submitting meanwhile is blocked", async () => {
  await page.goto(`${site.url}intake.html`);
  await page.waitForSelector("body[data-ready=true]");
  await trySubmitDuring("#plain input[type=file]");
  await page.setInputFiles("#plain input[type=file]", study);
  await page.waitForSelector("#plain .dicom-sanitize-status[data-state=done]");
  const attempt = await page.evaluate(() => window.attempt);
  assert.deepEqual(attempt, { reached: 0, validationMessage: BUSY, buttonDisabled: true, filesMeanwhile: 0 });
  assert.equal(posts.length, 0, "nothing was posted while sanitizing");

  assert.equal(await page.$eval("#plain input[type=file]", (i) => i.files.length), 4);
  assert.equal(await page.$eval("#plain input[type=file]", (i) => i.validationMessage), "");
  assert.equal(await page.$eval("#plain button", (b) => b.disabled), false);
  const refused = await page.$$eval("#plain .dicom-sanitize-refused li", (lis) => lis.map((li) => [li.dataset.code, li.textContent]));
  assert.deepEqual(refused, [[REFUSED.code, `DOE_JANE_CT_1961/DOE_JANE_US.dcm: This kind of image often has identifying text burned into its pixels, and the file does not say it has none.`]]);

  await Promise.all([page.waitForURL(`${site.url}upload/plain`), page.click("#plain button")]);
  assert.match(await page.textContent("#received"), /received 5 parts/);
  assert.equal(posts.length, 1);
  const [post] = posts;
  assert.deepEqual(post.parts.find((p) => p.field === "reference"), { field: "reference", value: "REF-42" });
  checkFiles(checkPost(post, "studies", 4));
});

test("fetch(new FormData(form)) sends only the sanitized files; a novalidate form is held by the submit guard", async () => {
  posts.length = 0;
  await page.goto(`${site.url}intake.html`);
  await page.waitForSelector("body[data-ready=true]");
  await trySubmitDuring("#scripted-input");
  await page.setInputFiles("#scripted-input", names.map((n) => join(study, n)));
  const result = await page.evaluate(() => window.guard.whenIdle().then(({ files, refused }) => ({
    files: files.map((f) => ({ name: f.file.name, actions: f.report.actions })),
    refused,
  })));
  assert.equal(result.files.length, 4);
  assert.ok(result.files.every((f) => f.actions.removed > 0));
  assert.deepEqual(result.refused.map((r) => [r.path, r.code, r.skipped]), [["DOE_JANE_US.dcm", REFUSED.code, false]]);
  const attempt = await page.evaluate(() => window.attempt);
  // novalidate skips the custom validity: the submit event fires and the guard stops it before the page's handler.
  assert.equal(attempt.reached, 0);
  assert.equal(attempt.buttonDisabled, true);
  assert.equal(await page.evaluate(() => window.submitted), 0);

  const progress = await page.evaluate(() => window.progress);
  assert.equal(progress[0].fraction, 0);
  assert.equal(progress.at(-1).fraction, 1);
  assert.ok(progress.every((p, i) => i === 0 || p.bytes >= progress[i - 1].bytes), "progress only grows");

  await page.click("#scripted button");
  await page.waitForFunction(() => document.getElementById("scripted-result").value !== "");
  assert.equal(posts.length, 1);
  checkFiles(checkPost(posts[0], "files", 4));
});

test("files dropped on <dicom-sanitize-input> are sanitized into its input; a non-DICOM file is listed as such", async () => {
  await page.goto(`${site.url}intake.html`);
  await page.waitForSelector("body[data-ready=true]");
  const files = [
    { name: "DOE_JANE_1.dcm", bytes: [...readFileSync(join(CORPUS, "good", GOOD[0]))] },
    { name: "README.TXT", bytes: [...Buffer.from("Images of DOE JANE\r\n")] },
  ];
  // A drop as the browser delivers it (script-made, so without folder entries: getAsFile is used).
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
    const zone = document.getElementById("studies");
    zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
  await page.waitForSelector("#plain .dicom-sanitize-status[data-state=done]");
  assert.deepEqual(await page.$eval("#plain input[type=file]", (i) => [...i.files].map((f) => f.name)), ["IM000001.dcm"]);
  const refused = await page.$$eval("#plain .dicom-sanitize-refused li", (lis) => lis.map((li) => [li.dataset.code, li.textContent]));
  assert.deepEqual(refused, [["read.not_dicom", "README.TXT: This is not a DICOM file."]]);
});

test("Uppy: the plugin sanitizes in the worker, the Dashboard shows the refused file's reason, XHR upload sends only sanitized bytes", async () => {
  posts.length = 0;
  await page.goto(`${site.url}uppy.html`);
  await page.waitForSelector("body[data-ready=true]");
  await page.setInputFiles("input.uppy-Dashboard-input >> nth=0", names.map((n) => join(study, n)));
  await page.waitForFunction(() => window.uppy.getFiles().length === 5);
  await page.click(".uppy-StatusBar-actionBtn--upload");
  await page.waitForFunction(() => window.events.complete, null, { timeout: 30_000 });
  const events = await page.evaluate(() => window.events);

  assert.deepEqual(events.complete.successful.map((f) => f.name).sort(), GOOD.map((_, i) => `IM${String(i + 1).padStart(6, "0")}.dcm`));
  assert.equal(events.complete.failed, 0);
  assert.ok(events.complete.successful.every((f) => f.report.product === "dicom-sanitizer" && f.report.actions.removed > 0));
  assert.deepEqual(events.refused.map((r) => r.code), [REFUSED.code]);
  const informer = await page.textContent(".uppy-Informer");
  assert.match(informer, /DOE_JANE_US\.dcm was not uploaded: This kind of image often has identifying text burned into its pixels/);
  assert.equal(await page.$$eval(".uppy-Dashboard-Item", (items) => items.length), 4);

  // preprocess-progress: determinate, from 0 to 1, for every file sanitized.
  const byFile = {};
  for (const p of events.progress) (byFile[p.id] ??= []).push(p);
  assert.equal(Object.keys(byFile).length, 5);
  assert.ok(events.progress.every((p) => p.mode === "determinate"));
  for (const { id } of events.complete.successful) assert.deepEqual([byFile[id][0].value, byFile[id].at(-1).value], [0, 1]);

  assert.equal(posts.length, 4, "one XHR per file, none for the refused one");
  const files = posts.map((post) => {
    const [file] = checkPost(post, "file", 1);
    assert.ok(!post.parts.some((p) => p.field === "relativePath"), "no folder path sent");
    const report = JSON.parse(post.parts.find((p) => p.field === "dicomReport").value);
    assert.equal(report.output.bytes, file.bytes.length);
    return file;
  });
  checkFiles(files);
  mkdirSync(join(ROOT, "target/browser"), { recursive: true });
  await page.screenshot({ path: join(ROOT, "target/browser/uppy-dashboard.png") });
});

/** Checks a file received with a recipient against its input (GOOD[0]): OpenSSL opens its
 * Encrypted Content with the recipient's key, to exactly the originals of what changed. */
function checkSealed(file, who) {
  checkEncrypted(readFileSync(join(CORPUS, "good", GOOD[0])), file.bytes, who);
}

test("with a recipient: a file dropped on <dicom-sanitize-input> arrives in the form's POST carrying Encrypted Attributes OpenSSL opens", async () => {
  posts.length = 0;
  const who = identity(tempDir("intake-recipient-"), "intake");
  await page.goto(`${site.url}intake.html`);
  await page.waitForSelector("body[data-ready=true]");
  // The element's settings property, read at each pick.
  await page.evaluate((pem) => {
    const input = document.getElementById("studies");
    input.settings = { ...input.settings, recipients: [pem] };
  }, readFileSync(who.cert, "utf8"));
  await page.evaluate((file) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(file.bytes)], file.name));
    document.getElementById("studies").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, { name: names[0], bytes: [...readFileSync(join(study, names[0]))] });
  await page.waitForSelector("#plain .dicom-sanitize-status[data-state=done]");
  await Promise.all([page.waitForURL(`${site.url}upload/plain`), page.click("#plain button")]);
  const [file] = checkPost(posts[0], "studies", 1);
  checkSealed(file, who);
});

test("with a recipient: the Uppy plugin's upload carries Encrypted Attributes OpenSSL opens", async () => {
  posts.length = 0;
  const who = identity(tempDir("uppy-recipient-"), "uppy");
  await page.goto(`${site.url}uppy.html`);
  await page.waitForSelector("body[data-ready=true]");
  // The plugin's options, read at each upload.
  await page.evaluate((pem) => {
    const plugin = window.uppy.getPlugin("DicomSanitize");
    plugin.setOptions({ settings: { ...plugin.opts.settings, recipients: [pem] } });
  }, readFileSync(who.cert, "utf8"));
  await page.setInputFiles("input.uppy-Dashboard-input >> nth=0", join(study, names[0]));
  await page.waitForFunction(() => window.uppy.getFiles().length === 1);
  await page.click(".uppy-StatusBar-actionBtn--upload");
  await page.waitForFunction(() => window.events.complete, null, { timeout: 30_000 });
  assert.equal(posts.length, 1);
  const [file] = checkPost(posts[0], "file", 1);
  const report = JSON.parse(posts[0].parts.find((p) => p.field === "dicomReport").value);
  assert.ok(report.findings.some((f) => f.code === "encrypted.attributes_added"));
  checkSealed(file, who);
});

test("no request left 127.0.0.1", () => {
  assert.deepEqual(outside, []);
});

test("every refusal a file can meet has its own sentence for a person", async () => {
  const { describeRefusal } = await import("../../pkg/intake.js");
  const fallback = describeRefusal("no.such_code");
  const fileCodes = errorCodes().filter((c) => /^(read|limit|transfer_syntax|phi|pixel)\./.test(c));
  for (const code of fileCodes) assert.notEqual(describeRefusal(code), fallback, code);
  assert.match(describeRefusal("settings.key_too_short"), /settings/);
});
