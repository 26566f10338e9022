// Recipients on the demo page, in Debian's Chromium driven by playwright-core: certificates made by
// OpenSSL now are imported from a file (DER) and pasted (PEM), remembered across a reload and
// listed with subject and end of validity as OpenSSL prints them; a file sanitized in the page
// then carries Encrypted Attributes that GDCM's gdcmanon re-identifies with either key and OpenSSL
// opens to exactly the changed originals (pydicom compares). Expired, non-RSA and private-key
// input is refused with its code and never kept; removing a recipient takes it out of the settings.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { checkEncrypted, derOf, expiredIdentity, identity, notAfter, patientName } from "./envelope.mjs";
import { CORPUS, ROOT, phiIn, tempDir } from "./helpers.mjs";
import { openDemoPage } from "./chromium.mjs";

const KEY = "recipients-test-key-0123456789abcdef";
const INPUT = join(CORPUS, "good", "ct-1.dcm");
const STORE = "dicom-sanitizer.recipients";

let site;
let context;
let page;
let dir;
let one;
let two;
const requests = [];

before(async () => {
  dir = tempDir("page-recipients-");
  one = identity(dir, "one", { subject: "/O=Trial Site/CN=Reader One" });
  two = identity(dir, "two", { subject: "/CN=Reader Two" });
  ({ site, context, page } = await openDemoPage({ record: (url) => requests.push(url), acceptDownloads: true }));
});

after(async () => {
  await context?.close();
  site?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `action` (an import or a paste) and waits for the page's verdict: [state, status text]. */
async function recipientAction(action) {
  await page.$eval("#recipients-status", (s) => (s.dataset.state = ""));
  await action();
  await page.waitForSelector("#recipients-status[data-state=done], #recipients-status[data-state=error]");
  return page.$eval("#recipients-status", (s) => [s.dataset.state, s.textContent]);
}

const listed = () =>
  page.$$eval("#recipients-list li", (lis) => lis.map((li) => [li.querySelector(".subject").textContent, li.querySelector("time").textContent]));
const stored = () => page.evaluate((key) => localStorage.getItem(key), STORE);

async function reload() {
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
}

/** Sanitizes INPUT in the page and downloads the one output; its path. */
async function sanitizeInPage(name) {
  if (await page.isEnabled("#clear")) await page.click("#clear");
  await page.fill("#key", KEY);
  await page.setInputFiles("#pick-files", INPUT);
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "done", null, { timeout: 30_000 });
  assert.equal(await page.textContent("#status"), "Done: 1 sanitized, 0 skipped (not DICOM), 0 refused.");
  await page.waitForFunction(() => !document.getElementById("download").disabled);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const path = join(dir, name);
  writeFileSync(path, readFileSync(await download.path()));
  assert.deepEqual(phiIn(readFileSync(path)), [], "planted PHI in the download");
  return path;
}

test("a DER file and a pasted PEM are listed with subject and expiry, remembered across a reload", async () => {
  assert.deepEqual(await listed(), []);
  const [state] = await recipientAction(() => page.setInputFiles("#import-recipient", derOf(one.cert)));
  assert.equal(state, "done");
  await page.fill("#recipient-pem", readFileSync(two.cert, "utf8"));
  assert.deepEqual(await recipientAction(() => page.click("#add-recipient")), ["done", "Added CN=Reader Two."]);
  const expected = [["CN=Reader One,O=Trial Site", notAfter(one.cert)], ["CN=Reader Two", notAfter(two.cert)]];
  assert.deepEqual(await listed(), expected);
  // The same certificate again is not listed twice.
  assert.match((await recipientAction(() => page.setInputFiles("#import-recipient", one.cert)))[1], /already in the list/);
  await reload();
  assert.deepEqual(await listed(), expected);
  mkdirSync(join(ROOT, "target/browser"), { recursive: true });
  await page.locator("fieldset.recipients").screenshot({ path: join(ROOT, "target/browser/recipients.png") });
  // What is kept is the certificates, as OpenSSL wrote them, whatever form they came in.
  assert.deepEqual(JSON.parse(await stored()), [readFileSync(one.cert, "utf8"), readFileSync(two.cert, "utf8")]);
});

test("a file sanitized in the page: gdcmanon re-identifies it with either key, OpenSSL opens it to exactly the changed originals", async () => {
  const out = await sanitizeInPage("page-out.dcm");
  const original = patientName(INPUT);
  assert.notEqual(patientName(out), original);
  for (const id of [one, two]) checkEncrypted(readFileSync(INPUT), readFileSync(out), id);
});

test("expired, non-RSA and unreadable certificates and private keys are refused with their code, and not kept", async () => {
  const before = await stored();
  const expired = expiredIdentity(dir, "expired");
  const ec = identity(dir, "ec", { type: "ec" });
  const refusals = [
    ["expired", () => page.setInputFiles("#import-recipient", expired.cert), /expired on 2021-01-01T00:00:00Z/],
    ["EC", () => page.setInputFiles("#import-recipient", ec.cert), /not RSA/],
    ["garbage", async () => {
      await page.fill("#recipient-pem", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
      await page.click("#add-recipient");
    }, /not an X\.509 certificate/],
    ["private key", async () => {
      await page.fill("#recipient-pem", readFileSync(one.key, "utf8"));
      await page.click("#add-recipient");
    }, /not an X\.509 certificate/],
  ];
  for (const [what, action, why] of refusals) {
    const [state, text] = await recipientAction(action);
    assert.equal(state, "error", what);
    assert.equal(await page.textContent("#recipients-status code"), "settings.invalid_recipient", what);
    assert.match(text, why, what);
  }
  // A pasted private key does not stay on the page, nor anywhere it keeps things.
  assert.equal(await page.inputValue("#recipient-pem"), "");
  assert.equal(await stored(), before);
  assert.equal((await listed()).length, 2);
  // Remembered ones that no longer pass (expired since, or put there by other means) are
  // dropped when the page loads, each said.
  const extra = [expired.cert, ec.cert].map((cert) => readFileSync(cert, "utf8"));
  await page.evaluate(([key, extra]) => localStorage.setItem(key, JSON.stringify([...JSON.parse(localStorage.getItem(key)), ...extra])), [STORE, extra]);
  await reload();
  assert.equal((await listed()).length, 2);
  const lines = await page.$$eval("#recipients-status > span", (spans) => spans.map((s) => s.textContent));
  assert.equal(lines.length, 2, lines.join("\n"));
  assert.match(lines[0], /^Remembered certificate 3 refused: settings\.invalid_recipient: .*expired on 2021/);
  assert.match(lines[1], /^Remembered certificate 4 refused: settings\.invalid_recipient: .*not RSA/);
  assert.equal(await stored(), before);
});

test("a removed recipient is gone after a reload, and without recipients the output carries no Encrypted Attributes", async () => {
  await page.click("#recipients-list li:first-child button");
  assert.deepEqual((await listed()).map(([s]) => s), ["CN=Reader Two"]);
  await reload();
  assert.deepEqual((await listed()).map(([s]) => s), ["CN=Reader Two"]);
  const out = await sanitizeInPage("page-two.dcm");
  checkEncrypted(readFileSync(INPUT), readFileSync(out), two);
  assert.throws(() => checkEncrypted(readFileSync(INPUT), readFileSync(out), one), "sealed for the remaining recipient only");
  await page.click("#recipients-list li:first-child button");
  await reload();
  assert.deepEqual(await listed(), []);
  const plain = await sanitizeInPage("page-none.dcm");
  assert.doesNotMatch(execFileSync("dcmdump", [plain], { encoding: "utf8" }), /\(0400,0500\)/);
});

test("no request left 127.0.0.1", () => {
  const origin = site.url.replace(/\/$/, "");
  assert.deepEqual(requests.filter((u) => !u.startsWith(origin + "/") && !/^(blob|data):/.test(u)), []);
});
