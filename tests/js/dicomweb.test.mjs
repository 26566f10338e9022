// The STOW-RS proxy example (examples/dicomweb-proxy) in real workerd, in front of a real Orthanc
// with its DICOMweb plugin, both on 127.0.0.1 with fresh storage and free ports. dicomweb-client
// (PyPI) is the client; Orthanc's own REST API is the oracle for what was stored.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { Sanitizer, reidentify } from "../../pkg/node.js";
import { PROXY_KEY, multipart, post as postTo, seq, startOrthanc, startProxy, store as storeTo } from "./dicomweb-env.mjs";
import { CORPUS, ROOT, good, manifest, phiIn, reparse, tempDir } from "./helpers.mjs";
import { checkEncrypted, identity } from "./envelope.mjs";

const LIMIT = 64 * 1024 * 1024;
const reference = new Sanitizer({ key: PROXY_KEY, options: ["retainLongitudinalModifiedDates"] });
let orthanc, proxy, orthancBase, proxyBase;
// Every folder the tests write is below this one, removed at the end.
const scratch = tempDir("dicomweb-proxy-test-");

before(async () => {
  orthanc = await startOrthanc();
  orthancBase = orthanc.base;
  proxy = await startProxy({ orthancPort: orthanc.port });
  proxyBase = proxy.base;
});

after(async () => {
  await proxy?.close();
  await orthanc?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** dicomweb-client's store_instances through the proxy (tests/dicomweb_client_store.py). */
const store = (files, study) => storeTo(`${proxyBase}/dicomweb`, files, study);
const post = (body, boundary) => postTo(proxyBase, body, boundary);

const rest = (path) => fetch(orthancBase + path).then((r) => r.json());
const instances = () => rest("/instances");
const tags = (id) => rest(`/instances/${id}/simplified-tags`);

// A file the proxy must refuse at its header: it parses (pydicom and dicomweb-client send it) but
// fails a de-identification check.
const refusedCase = manifest.bad.find(({ code }) => code.startsWith("phi.") || code.startsWith("pixel."));

test("dicomweb-client stores through the proxy: sanitized parts reach Orthanc, the refused one is listed", async () => {
  assert.ok(refusedCase, "the corpus has a file refused after parsing");
  const files = [...manifest.good.map((n) => join(CORPUS, "good", n)), join(CORPUS, "bad", refusedCase.file)];
  const t0 = performance.now();
  const { status, response, inputs } = store(files);
  console.log(`stored ${manifest.good.length} + 1 refused through the proxy in ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(status, 202, "some stored, one failed");

  const ids = await instances();
  assert.equal(seq(response, "00081199").length, manifest.good.length, "every sanitized part stored");
  // The corpus's JPEG copy shares ct-1's SOP Instance UID, so Orthanc holds one instance for both.
  const inputUids = new Set(inputs.map((i) => i.sopInstanceUid));
  assert.equal(ids.length, new Set(inputs.slice(0, -1).map((i) => i.sopInstanceUid)).size, "the sanitized parts, and only those, in Orthanc");
  // The key-derived SOP Instance UIDs: the same as the package gives in Node for the same inputs.
  const dir = mkdtempSync(join(scratch, "expected-"));
  const outputs = manifest.good.map((name, i) => {
    const path = join(dir, `${i}.dcm`);
    writeFileSync(path, reference.sanitize(new Uint8Array(readFileSync(join(CORPUS, "good", name)))).bytes);
    return path;
  });
  const expected = new Set(reparse(outputs).map((r) => r.sopInstanceUid));
  const stored = [];
  for (const id of ids) {
    const bytes = new Uint8Array(await fetch(`${orthancBase}/instances/${id}/file`).then((r) => r.arrayBuffer()));
    assert.deepEqual(phiIn(bytes), [], `${id}: planted PHI reached Orthanc`);
    const t = await tags(id);
    assert.match(t.SOPInstanceUID, /^2\.25\.\d+$/);
    assert.ok(!inputUids.has(t.SOPInstanceUID), "the SOP Instance UID was pseudonymised");
    stored.push(t);
  }
  assert.deepEqual(new Set(stored.map((t) => t.SOPInstanceUID)), expected);
  // The key-derived mapping: each good input's study maps to a study Orthanc holds.
  const studies = new Set(stored.map((t) => t.StudyInstanceUID));
  for (const input of inputs.slice(0, -1)) assert.ok(studies.has(reference.pseudonymizeStudyUid(input.studyInstanceUid)), input.path);

  // The refused part: in Failed SOP Sequence under its own UID, with the sanitizer's code.
  const refused = inputs.at(-1);
  const failed = seq(response, "00081198");
  assert.equal(failed.length, 1);
  assert.equal(failed[0]["00081155"].Value[0], refused.sopInstanceUid);
  assert.equal(failed[0]["00000902"].Value[0], refusedCase.code);
  assert.ok([0x0110, 0xc000].includes(failed[0]["00081197"].Value[0]));
  // Orthanc holds exactly the good inputs' pseudonyms (above), and the refused input is not one of them.
  assert.ok(!inputs.slice(0, -1).some((i) => i.sopInstanceUid === refused.sopInstanceUid));

  // QIDO-RS on Orthanc finds the pseudonymised study.
  const study = reference.pseudonymizeStudyUid(inputs[0].studyInstanceUid);
  const found = await rest(`/dicom-web/studies?StudyInstanceUID=${study}`);
  assert.equal(found.length, 1);
  assert.equal(found[0]["0020000D"].Value[0], study);
});

test("POST /studies/{study}: the path's UID is pseudonymised like the instances'", async () => {
  const file = join(CORPUS, "good", manifest.good[0]);
  const { studyInstanceUid } = store([file]).inputs[0];
  const right = store([file], studyInstanceUid);
  assert.equal(right.status, 200, JSON.stringify(right.response));
  assert.equal(seq(right.response, "00081199").length, 1);
  // Another study in the path: Orthanc refuses the instance, so nothing was stored (409).
  const wrong = store([file], "1.2.3.4.5");
  assert.equal(wrong.status, 409);
  assert.equal(seq(wrong.response, "00081198").length, 1);
});

test("a request whose parts are all refused never reaches Orthanc: 409", async () => {
  const before = (await instances()).length;
  const res = store([join(CORPUS, "bad", refusedCase.file)]);
  assert.equal(res.status, 409);
  assert.equal(seq(res.response, "00081198").length, 1);
  assert.equal((await instances()).length, before);
});

test("a part that fails after its header went upstream aborts the request; Orthanc keeps nothing of it", async () => {
  const header = new Uint8Array(readFileSync(join(ROOT, "target/large/header-12m.bin")));
  const before = (await instances()).length;
  // Pixel Data declares 12 MiB; 1 MiB comes.
  const res = await post(multipart("b0", header, 1 << 20), "b0");
  assert.equal(res.status, 422);
  assert.equal((await res.json()).error.code, "read.truncated");
  assert.equal((await instances()).length, before);
});

test("256 MiB streams through the proxy into Orthanc with wasm memory under 64 MiB", async () => {
  const header = new Uint8Array(readFileSync(join(ROOT, "target/large/header-256m.bin")));
  const length = Number(readFileSync(join(ROOT, "target/large/length-256m"), "utf8"));
  assert.ok(length >= 256 * 1024 ** 2);
  // Its SOP Instance UID is ct-1's, which Orthanc already holds and would not overwrite.
  for (const id of await instances()) await fetch(`${orthancBase}/instances/${id}`, { method: "DELETE" });
  const t0 = performance.now();
  const res = await post(multipart("large-boundary", header, length), "large-boundary");
  const body = await res.json();
  const ms = performance.now() - t0;
  assert.equal(res.status, 200, JSON.stringify(body));
  const [item] = seq(body, "00081199");
  // Orthanc's copy, found by the pseudonymised SOP Instance UID the response names.
  const [id] = await fetch(`${orthancBase}/tools/find`, {
    method: "POST",
    body: JSON.stringify({ Level: "Instance", Query: { SOPInstanceUID: item["00081155"].Value[0] } }),
  }).then((r) => r.json());
  const size = Number(await fetch(`${orthancBase}/instances/${id}/attachments/dicom/size`).then((r) => r.text()));
  assert.ok(size > length, `Orthanc stored ${size} bytes`);
  const { maxWasmBytes } = await fetch(`${proxyBase}/stats`).then((r) => r.json());
  assert.ok(maxWasmBytes > 0 && maxWasmBytes < LIMIT, `peak wasm memory ${maxWasmBytes} bytes`);
  console.log(`256 MiB through the proxy into Orthanc in ${(ms / 1000).toFixed(1)} s, peak wasm memory ${(maxWasmBytes / 2 ** 20).toFixed(1)} MiB`);
});

test("a body cut inside a part is a 400 and stores nothing; other media types are a 415", async () => {
  const before = (await instances()).length;
  const head = new TextEncoder().encode("--cut\r\nContent-Type: application/dicom\r\n\r\n");
  const file = new Uint8Array(readFileSync(join(CORPUS, "good", manifest.good[0])));
  const res = await post(new Blob([head, file]), "cut"); // no close delimiter
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.code, "http.bad_multipart");
  assert.equal((await instances()).length, before);
  const plain = await fetch(`${proxyBase}/dicomweb/studies`, { method: "POST", headers: { "content-type": "application/dicom" }, body: file });
  assert.equal(plain.status, 415);
  assert.equal((await fetch(`${proxyBase}/dicomweb/studies`)).status, 405);
});

test("with certificates in RECIPIENTS, Orthanc's copies carry the originals: reidentify and gdcmanon restore them", async () => {
  // Its own Orthanc: the keyed UIDs are those the tests above stored without an envelope.
  const dir = mkdtempSync(join(scratch, "recipients-"));
  const own = await startOrthanc();
  try {
    const [one, two] = ["one", "two"].map((who) => identity(dir, who));
    const withRecipients = await startProxy({ orthancPort: own.port, bindings: { RECIPIENTS: one.pem + two.pem } });
    const uids = new Set();
    try {
      for (const name of manifest.good) {
        const before = new Set(await own.rest("/instances"));
        const { status, inputs } = storeTo(`${withRecipients.base}/dicomweb`, [join(CORPUS, "good", name)]);
        assert.equal(status, 200, name);
        // The corpus's JPEG copy of ct-1 has its SOP Instance UID: Orthanc keeps the first.
        if (uids.has(inputs[0].sopInstanceUid)) continue;
        uids.add(inputs[0].sopInstanceUid);
        const [id, ...more] = (await own.rest("/instances")).filter((i) => !before.has(i));
        assert.ok(id && !more.length, name);
        const bytes = new Uint8Array(await fetch(`${own.base}/instances/${id}/file`).then((r) => r.arrayBuffer()));
        assert.deepEqual(phiIn(bytes), [], `${name}: planted PHI reached Orthanc`);
        checkEncrypted(good(name), bytes, one, [reidentify(bytes, readFileSync(one.key))]);
        checkEncrypted(good(name), bytes, two);
      }
    } finally {
      await withRecipients.close();
    }
    // Anything but certificates: the coded error, and nothing goes upstream (into an Orthanc
    // emptied first, as it would not store an instance it holds again).
    for (const id of await own.rest("/instances")) await fetch(`${own.base}/instances/${id}`, { method: "DELETE" });
    const misconfigured = await startProxy({ orthancPort: own.port, bindings: { RECIPIENTS: `${one.pem}${readFileSync(one.key, "utf8")}` } });
    try {
      const head = new TextEncoder().encode("--b1\r\nContent-Type: application/dicom\r\n\r\n");
      const res = await postTo(misconfigured.base, new Blob([head, good("ct-2.dcm"), "\r\n--b1--\r\n"]), "b1");
      assert.equal(res.status, 500);
      assert.equal((await res.json()).error.code, "settings.invalid_recipient");
    } finally {
      await misconfigured.close();
    }
    assert.deepEqual(await own.rest("/instances"), []);
  } finally {
    await own.close();
  }
});
