// The edge-worker example under real workerd on 127.0.0.1: uploads over HTTP are sanitized and
// only the de-identified bytes reach the bucket; refused uploads get a coded 4xx and store nothing.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { request } from "node:http";

import { Sanitizer, reidentify } from "../../pkg/node.js";
import { CORPUS, ROOT, bad, blake3, good, manifest, phiIn, reparse, tempDir } from "./helpers.mjs";
import { checkEncrypted, identity } from "./envelope.mjs";
import { exampleConfig, lateReader, startWorkerd } from "./workerd.mjs";

const WORKER_KEY = "edge-worker-example-key-0123456789"; // the example config's test key
// Every folder the tests write (buckets, keys, inputs) is below this one, removed at the end.
const scratch = tempDir("dicom-sanitizer-worker-test-");
const folder = (name) => mkdtempSync(join(scratch, `${name}-`));
const bucket = folder("bucket");
let workerd;
let base;

/** The example with `bindings` (text) set otherwise, storing in `dir`. */
const startEdgeWorker = (dir, bindings) => startWorkerd(exampleConfig("edge-worker", bindings), ["-d", `bucket=${dir}`]);

before(async () => {
  workerd = await startEdgeWorker(bucket);
  base = workerd.base;
});

after(async () => {
  await workerd?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const post = (path, body) => fetch(base + path, { method: "POST", body });
const stored = () => readdirSync(bucket).sort();

test("an upload is sanitized in workerd and only the sanitized bytes are stored", async () => {
  const reference = new Sanitizer({ key: WORKER_KEY, options: ["retainLongitudinalModifiedDates"] });
  const paths = [];
  for (const name of manifest.good) {
    const input = good(name);
    const res = await post("/upload", input);
    assert.equal(res.status, 201, `${name}: ${res.status}`);
    const { stored: key, report } = await res.json();
    assert.match(key, /^[0-9a-f-]{36}\.dcm$/, "a random name, never the client's");
    const bytes = new Uint8Array(readFileSync(join(bucket, key)));
    assert.equal((await blake3()).update(bytes).digest(), report.output.hex);
    assert.deepEqual(phiIn(bytes), [], `${name}: PHI reached the bucket`);
    // workerd ran the same core as Node: same bytes for the same key and options.
    assert.ok(Buffer.from(bytes).equals(Buffer.from(reference.sanitize(input).bytes)), name);
    paths.push(join(bucket, key));
  }
  assert.equal(stored().length, manifest.good.length);
  assert.equal(reparse(paths).length, manifest.good.length);
});

test("with certificates in RECIPIENTS, what is stored carries the originals for each: OpenSSL, gdcmanon and reidentify open it", async () => {
  const [dir, keys] = [folder("bucket"), folder("keys")];
  const [one, two] = ["one", "two"].map((who) => identity(keys, who));
  const worker = await startEdgeWorker(dir, { RECIPIENTS: `${one.pem}\n${two.pem}` });
  try {
    for (const name of manifest.good) {
      const input = good(name);
      const res = await fetch(`${worker.base}/upload`, { method: "POST", body: input });
      assert.equal(res.status, 201, `${name}: ${res.status}`);
      const { stored: key, report } = await res.json();
      assert.ok(report.findings.some((f) => f.code === "encrypted.attributes_added"), name);
      const bytes = new Uint8Array(readFileSync(join(dir, key)));
      assert.deepEqual(phiIn(bytes), [], `${name}: PHI reached the bucket`);
      // Either recipient's key opens it; the second's through the package's reidentify too.
      checkEncrypted(input, bytes, one);
      checkEncrypted(input, bytes, two, [reidentify(bytes, readFileSync(two.key))]);
    }
  } finally {
    await worker.close();
  }
});

test("anything but certificates in RECIPIENTS (an EC certificate, a private key, stray text) is a coded error and nothing is stored", async () => {
  const [dir, keys] = [folder("bucket"), folder("keys")];
  const rsa = identity(keys, "rsa");
  const ec = identity(keys, "ec", { type: "ec" });
  for (const value of [ec.pem, `${rsa.pem}${readFileSync(rsa.key, "utf8")}`, `${rsa.pem}stray text`, "not a certificate"]) {
    const worker = await startEdgeWorker(dir, { RECIPIENTS: value });
    try {
      for (const path of ["/upload", "/sanitize"]) {
        const res = await fetch(worker.base + path, { method: "POST", body: good("ct-1.dcm") });
        assert.equal(res.status, 500);
        assert.equal((await res.json()).error.code, "settings.invalid_recipient");
      }
    } finally {
      await worker.close();
    }
  }
  assert.deepEqual(readdirSync(dir), [], "a worker without valid recipients stored something");
});

test("POST /sanitize returns the de-identified bytes with the report in a header", async () => {
  const res = await post("/sanitize", good("ct-2.dcm"));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/dicom");
  const bytes = new Uint8Array(await res.arrayBuffer());
  const report = JSON.parse(res.headers.get("x-dicom-sanitizer-report"));
  assert.equal(report.output.bytes, bytes.length);
  assert.deepEqual(phiIn(bytes), []);
  const dir = folder("edge");
  writeFileSync(join(dir, "out.dcm"), bytes);
  assert.equal(reparse([join(dir, "out.dcm")])[0].patientIdentityRemoved, "YES");
});

test("the worker's region rules (REGION_RULES, as the page exports them) blank the device's band, and only that device's", async () => {
  // An ultrasound image of the rules' device and size, Burned In Annotation YES (pydicom), and
  // the same from another model: refused as burned-in.
  const dir = folder("rules");
  const make = (model) => {
    const path = join(dir, `${model}.dcm`);
    execFileSync(process.env.DICOM_SANITIZER_PYTHON, ["-c", `
import sys
import pydicom
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
meta = FileMetaDataset()
meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"
meta.MediaStorageSOPInstanceUID = generate_uid()
meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds = pydicom.Dataset()
ds.file_meta = meta
ds.SOPClassUID = meta.MediaStorageSOPClassUID
ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
ds.Modality = "US"
ds.Manufacturer = "ACME Medical"
ds.ManufacturerModelName = sys.argv[2]
ds.PatientName = "DOE^JANE"
ds.BurnedInAnnotation = "YES"
ds.SamplesPerPixel = 1
ds.PhotometricInterpretation = "MONOCHROME2"
ds.Rows, ds.Columns = 480, 640
ds.BitsAllocated = ds.BitsStored = 8
ds.HighBit = 7
ds.PixelRepresentation = 0
ds.PixelData = bytes([200]) * (480 * 640)
ds.save_as(sys.argv[1], enforce_file_format=True)
`, path, model]);
    return new Uint8Array(readFileSync(path));
  };
  const rules = JSON.parse(readFileSync(join(ROOT, "examples/edge-worker/region-rules.json"), "utf8"));
  const input = make("Sono 5");
  const res = await post("/sanitize", input);
  assert.equal(res.status, 200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const report = JSON.parse(res.headers.get("x-dicom-sanitizer-report"));
  assert.ok(report.findings.some((f) => f.code === "pixel.regions_blanked"), JSON.stringify(report.findings));
  // The band the rule names is zero, the rest as it was.
  const pixels = bytes.subarray(bytes.length - 480 * 640);
  const band = rules[0].regions[0];
  assert.ok(pixels.subarray(0, band.height * 640).every((v) => v === 0));
  assert.ok(pixels.subarray(band.height * 640).every((v) => v === 200));
  const other = await post("/sanitize", make("Sono 6"));
  assert.equal(other.status, 422);
  assert.equal((await other.json()).error.code, "pixel.burned_in");
});

test("malformed uploads get a coded 4xx JSON error and nothing is stored", async () => {
  const before = stored();
  for (const { file, code } of manifest.bad) {
    const res = await post("/upload", bad(file));
    assert.equal(res.status, 422, `${file}: ${res.status}`);
    assert.equal(res.headers.get("content-type"), "application/json");
    const { error } = await res.json();
    assert.equal(error.code, code, `${file}: ${error.message}`);
  }
  // A declared size over MAX_UPLOAD_BYTES (4 GiB) is refused before the body is read.
  const tooBig = await new Promise((resolve, reject) => {
    const req = request(`${base}/upload`, { method: "POST", headers: { "content-length": String(5 * 1024 ** 3) } });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode, body: JSON.parse(body) });
      });
    });
    req.on("error", reject);
    req.write(new Uint8Array(1024));
  });
  assert.equal(tooBig.status, 413);
  assert.equal(tooBig.body.error.code, "limit.input_size");
  assert.deepEqual(stored(), before, "a refused upload stored something");
});

test("a large upload refused at its start gets its answer once the client has sent it all", async () => {
  // The worker refuses at the first bytes; without reading the rest before it answers, a client
  // that reads only after sending would wait on a connection nobody reads.
  const before = stored();
  const size = 64 * 2 ** 20;
  const client = await lateReader(base, "/upload", { "content-length": size });
  const chunk = Buffer.alloc(2 ** 20, "not DICOM, a note on PATIENT DOE JANE. ");
  for (let sent = 0; sent < size; sent += chunk.length) await client.write(chunk);
  const { text, failure } = await client.answer();
  assert.equal(failure, undefined, "the connection was reset while the body was still being sent");
  assert.match(text, /^HTTP\/1\.1 422 /);
  assert.match(text, /"code":"read\.not_dicom"/);
  assert.deepEqual(stored(), before, "a refused upload stored something");
});

test("other methods and paths are refused", async () => {
  assert.equal((await fetch(`${base}/upload`)).status, 405);
  assert.equal((await post("/elsewhere", good("ct-1.dcm"))).status, 404);
  assert.equal((await fetch(`${base}/health`)).status, 200);
});

test("a DICOMDIR uploaded alone is de-identified in workerd, its record offsets recomputed", async () => {
  const dir = folder("cd");
  const fileset = (...args) => execFileSync(process.env.DICOM_SANITIZER_PYTHON, [join(ROOT, "tests/oracle/fileset.py"), ...args], { encoding: "utf8" });
  const staging = join(CORPUS, "cd-staging");
  fileset("make", join(dir, "cd"), ...["1.dcm", "2.dcm", "3.dcm"].map((f) => join(staging, f)));
  const input = readFileSync(join(dir, "cd", "DICOMDIR"));
  const before = fileset("tree", join(dir, "cd", "DICOMDIR"));
  const res = await post("/sanitize", input);
  assert.equal(res.status, 200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.deepEqual(phiIn(bytes), []);
  // In place of the input, beside the files it names: the same tree of records.
  writeFileSync(join(dir, "cd", "DICOMDIR"), bytes);
  assert.equal(fileset("tree", join(dir, "cd", "DICOMDIR")), before);
});
