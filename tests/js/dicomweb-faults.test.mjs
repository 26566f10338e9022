// The STOW-RS proxy under faults, in front of a real Orthanc: Orthanc killed in the middle of a run
// and restarted, a client that disconnects mid-upload, broken multipart framing, a part that is
// not DICOM, a part over MAX_PART_BYTES. Every client gets an answer that says what to retry,
// nothing partial or unsanitized reaches Orthanc, what was answered stored stays stored, and the
// proxy keeps serving.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { Sanitizer } from "../../pkg/node.js";
import { PROXY_KEY, load, multipart, orthancInstances, post as postTo, seq, startOrthanc, startProxy, store as storeTo } from "./dicomweb-env.mjs";
import { CORPUS, ROOT, phiIn, tempDir } from "./helpers.mjs";
import { lateReader } from "./workerd.mjs";

const MAX_PART = 16 * 2 ** 20;
const LINGER = 5;
const reference = new Sanitizer({ key: PROXY_KEY, options: ["retainLongitudinalModifiedDates"] });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let orthanc, proxy;

before(async () => {
  orthanc = await startOrthanc();
  proxy = await startProxy({ orthancPort: orthanc.port, bindings: { MAX_PART_BYTES: String(MAX_PART), RETRY_AFTER: "1", LINGER_SECONDS: String(LINGER) } });
});

after(async () => {
  await proxy?.close();
  await orthanc?.close();
});

const good = (name) => readFileSync(join(CORPUS, "good", name));
const count = async () => (await orthanc.rest("/statistics")).CountInstances;
const post = (body, boundary) => postTo(proxy.base, body, boundary);
const store = (files) => storeTo(`${proxy.base}/dicomweb`, files.map((n) => join(CORPUS, "good", n)));
/** A multipart body of whole parts: `[contentType, bytes]` each. */
function body(boundary, parts, close = `\r\n--${boundary}--\r\n`) {
  const chunks = parts.flatMap(([type, bytes], i) => [`${i ? "\r\n" : ""}--${boundary}\r\nContent-Type: ${type}\r\n\r\n`, bytes]);
  return Buffer.concat([...chunks, close].map((c) => (typeof c === "string" ? Buffer.from(c) : c)));
}

/** The instances Orthanc holds now and did not hold in `before` (a list of theirs). */
async function added(before) {
  const ids = new Set(before.map((i) => i.id));
  return (await orthancInstances(orthanc)).filter((i) => !ids.has(i.id));
}

/** Orthanc's copy of an instance is byte for byte the package's output for `input`: whole, sanitized. */
async function assertWhole({ id }, input) {
  const bytes = new Uint8Array(await fetch(`${orthanc.base}/instances/${id}/file`).then((r) => r.arrayBuffer()));
  assert.deepEqual(bytes, reference.sanitize(new Uint8Array(input)).bytes);
}

/** Orthanc's copies hold no planted PHI. */
async function assertSanitized() {
  for (const { id, sop } of await orthancInstances(orthanc)) {
    const bytes = new Uint8Array(await fetch(`${orthanc.base}/instances/${id}/file`).then((r) => r.arrayBuffer()));
    assert.deepEqual(phiIn(bytes), [], `${sop}: planted PHI reached Orthanc`);
  }
}

test("Orthanc killed mid-run, then restarted: 503 + Retry-After, retries succeed, nothing answered stored is lost", async () => {
  // 4 clients that retry a 502/503/504 (after Retry-After) for up to 90 s.
  const running = load(`${proxy.base}/dicomweb`, { clients: 4, studies: 60, prefix: "1.2.826.0.1.3680043.8.498.7002", retryFor: 90, timeoutMs: 150_000 });
  for (let i = 0; (await count()) < 20; i++) {
    assert.ok(i < 300, "the clients did not store 20 instances in 30 s");
    await sleep(100);
  }
  await orthanc.stop("SIGKILL"); // a crash: requests in flight are cut
  let down;
  try {
    down = await fetch(`${proxy.base}/dicomweb/studies`, {
      method: "POST",
      headers: { "content-type": 'multipart/related; type="application/dicom"; boundary=x' },
      body: body("x", [["application/dicom", good("ct-1.dcm")]]),
    });
    await sleep(2000);
  } finally {
    await orthanc.start(); // the same storage directory and port
  }
  const { requests } = await running;
  assert.equal(down.status, 503);
  assert.equal(down.headers.get("retry-after"), "1");
  assert.equal((await down.json()).error.code, "upstream.unavailable");

  const attempts = requests.flatMap((r) => r.attempts);
  assert.ok(attempts.includes(503), "some requests met the stopped Orthanc");
  for (const r of requests) {
    // Every attempt got an answer, and nothing but "stored", "some failed" or "retry later".
    for (const a of r.attempts) assert.ok([200, 202, 503].includes(a), `${r.study}: ${r.attempts}`);
    assert.equal(r.status, r.inputs.some((i) => i.expect !== "stored") ? 202 : 200, `${r.study}: ${r.attempts}`);
  }
  // Everything answered stored is in Orthanc after the restart, and nothing else is.
  const answered = new Set(requests.flatMap((r) => seq(r.response, "00081199").map((i) => i["00081155"].Value[0])));
  assert.equal(answered.size, requests.flatMap((r) => r.inputs).filter((i) => i.expect === "stored").length);
  const held = await orthancInstances(orthanc);
  assert.equal(held.length, answered.size, "exactly the instances answered stored, once each");
  assert.deepEqual(new Set(held.map((i) => i.sop)), answered);
  await assertSanitized();
  console.log(`${answered.size} stored across an Orthanc crash; attempts: ${attempts.filter((a) => a === 503).length} × 503, then retried`);
});

// Orthanc's DICOMweb plugin stores each part as soon as the next delimiter arrives, so a part
// before the one that was cut can be stored: whole and sanitized, as it went upstream.
test("a client that disconnects mid-upload or breaks its body off: no partial instance in Orthanc, the proxy serves the next", async () => {
  const before = await orthancInstances(orthanc);
  const header = readFileSync(join(ROOT, "target/large/header-12m.bin"));
  const { port } = new URL(proxy.base);
  const socket = connect(Number(port), "127.0.0.1");
  await new Promise((r) => socket.once("connect", r));
  const chunk = (b) => socket.write(`${b.length.toString(16)}\r\n`) && socket.write(b) && socket.write("\r\n");
  socket.write(
    `POST /dicomweb/studies HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n` +
      `Content-Type: multipart/related; type="application/dicom"; boundary=gone\r\n\r\n`,
  );
  // A whole instance, then 4 MiB of a 12 MiB one, then the connection is gone.
  chunk(body("gone", [["application/dicom", good("ct-1.dcm")]], ""));
  chunk(Buffer.from("\r\n--gone\r\nContent-Type: application/dicom\r\n\r\n"));
  chunk(header);
  for (let i = 0; i < 4; i++) chunk(Buffer.alloc(2 ** 20, i));
  await sleep(500);
  socket.destroy();
  await sleep(1000);
  const cut = await added(before);
  assert.ok(cut.length <= 1, "only the whole instance before the cut one");
  for (const i of cut) await assertWhole(i, good("ct-1.dcm"));
  // A body that breaks off on a connection still open (a malformed chunk): told so, nothing stored.
  const broken = connect(Number(port), "127.0.0.1");
  await new Promise((r) => broken.once("connect", r));
  let answer = "";
  broken.on("data", (d) => (answer += d));
  const ended = new Promise((r) => broken.once("close", r));
  const part = body("b", [["application/dicom", good("ct-1.dcm")]], "");
  broken.write(
    `POST /dicomweb/studies HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n` +
      `Content-Type: multipart/related; type="application/dicom"; boundary=b\r\n\r\n${part.length.toString(16)}\r\n`,
  );
  broken.write(part);
  broken.write("\r\nzz\r\nnot a chunk\r\n");
  await Promise.race([ended, sleep(10_000)]);
  broken.destroy();
  assert.match(answer, /^HTTP\/1\.1 400 /);
  assert.match(answer, /"code":"http\.body_failed"/);
  assert.equal((await added(before)).length, cut.length);
  const next = store(["ct-2.dcm"]);
  assert.equal(next.status, 200);
  assert.equal((await added(before)).length, cut.length + 1);
  await assertSanitized();
});

test("broken multipart framing is a 400; a part whose closing delimiter is broken is not stored", async () => {
  const before = await count();
  const file = good("series/implicit-le.dcm");
  // The declared boundary never occurs in the body.
  const other = await post(body("other", [["application/dicom", file]]), "declared");
  assert.equal(other.status, 400);
  assert.equal((await other.json()).error.code, "http.bad_multipart");
  // A whole part, then a delimiter with text after it (RFC 2046 allows only white space).
  const broken = Buffer.concat([body("b1", [["application/dicom", file]], ""), Buffer.from("\r\n--b1junk\r\nContent-Type: application/dicom\r\n\r\n"), file, Buffer.from("\r\n--b1--\r\n")]);
  const res = await post(broken, "b1");
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.code, "http.bad_multipart");
  assert.equal(await count(), before);
});

test("a part that is not DICOM is listed in Failed SOP Sequence; the others are stored (202)", async () => {
  const before = await count();
  const res = await post(
    body("nd", [
      ["application/dicom", good("mz-preamble.dcm")],
      ["application/dicom", Buffer.from("this is not a DICOM file, it is a note about PATIENT DOE JANE\n".repeat(50))],
      ["text/plain", Buffer.from("hello")],
    ]),
    "nd",
  );
  assert.equal(res.status, 202);
  const answer = await res.json();
  assert.equal(seq(answer, "00081199").length, 1);
  const failed = seq(answer, "00081198");
  assert.deepEqual(failed.map((f) => f["00000902"].Value[0]), ["read.not_dicom", "http.unsupported_media_type"]);
  assert.equal(failed[0]["00081197"].Value[0], 0xc000, "cannot understand");
  assert.equal(await count(), before + 1);
  await assertSanitized();
});

test("a part over MAX_PART_BYTES is a 413: the request is aborted, that part not stored; the proxy serves the next", async () => {
  const before = await orthancInstances(orthanc);
  const header = readFileSync(join(ROOT, "target/large/header-72m.bin"));
  const length = Number(readFileSync(join(ROOT, "target/large/length-72m"), "utf8"));
  assert.ok(header.length + length > MAX_PART);
  // One small instance, then the 72 MiB one.
  const first = body("big", [["application/dicom", good("series/explicit-be.dcm")]], "\r\n");
  const rest = multipart("big", header, length);
  const stream = new ReadableStream({
    start: (c) => c.enqueue(new Uint8Array(first)),
    pull: async (c) => {
      const { value, done } = await reader.read();
      if (done) c.close();
      else c.enqueue(value);
    },
  });
  const reader = rest.getReader();
  const res = await post(stream, "big");
  assert.equal(res.status, 413);
  assert.equal((await res.json()).error.code, "limit.part_size");
  const kept = await added(before);
  assert.ok(kept.length <= 1, "only the whole instance before the oversize one");
  for (const i of kept) await assertWhole(i, good("series/explicit-be.dcm"));
  assert.equal(store(["series/implicit-le.dcm"]).status, 200);
  assert.equal((await added(before)).length, kept.length + 1);
  const { maxWasmBytes } = await proxy.stats();
  assert.ok(maxWasmBytes < 64 * 2 ** 20);
});

test("a client that reads its answer only after sending the whole body gets the 413; one that stalls gets it after LINGER_SECONDS", async () => {
  // Without the proxy reading the rest of the body (a lingering close), a client still sending
  // may never get the answer: seen as a flaky "fetch failed" in the 413 test above on a loaded
  // machine; made certain here by not reading before the last byte is sent.
  const header = readFileSync(join(ROOT, "target/large/header-72m.bin"));
  const length = Number(readFileSync(join(ROOT, "target/large/length-72m"), "utf8"));
  const open = (length) =>
    lateReader(proxy.base, "/dicomweb/studies", {
      "content-length": length,
      "content-type": 'multipart/related; type="application/dicom"; boundary=late',
    });
  const head = Buffer.from("--late\r\nContent-Type: application/dicom\r\n\r\n");
  const tail = Buffer.from("\r\n--late--\r\n");
  const whole = await open(head.length + header.length + length + tail.length);
  await whole.write(head);
  await whole.write(header);
  for (let sent = 0; sent < length; sent += 2 ** 20) await whole.write(Buffer.alloc(Math.min(2 ** 20, length - sent)));
  await whole.write(tail);
  const late = await whole.answer();
  assert.equal(late.failure, undefined, "the connection was reset while the body was still being sent");
  assert.match(late.text, /^HTTP\/1\.1 413 /);
  assert.match(late.text, /"code":"limit\.part_size"/);
  // A client that goes quiet past the limit with its body unfinished: answered after LINGER_SECONDS.
  const stalled = await open(head.length + header.length + length + tail.length);
  await stalled.write(head);
  await stalled.write(header);
  for (let k = 0; k < 24; k++) await stalled.write(Buffer.alloc(2 ** 20));
  const t0 = performance.now();
  const quiet = await stalled.answer();
  const waited = (performance.now() - t0) / 1000;
  assert.match(quiet.text, /^HTTP\/1\.1 413 /);
  assert.ok(waited > LINGER - 1 && waited < LINGER + 10, `answered after ${waited.toFixed(1)} s`);
});

test("a part whose header alone passes MAX_PART_BYTES is refused before anything of it leaves (Failed SOP Sequence, 202)", async () => {
  // ct-2 with a 17 MiB private element before Pixel Data: the sanitizer has emitted nothing yet.
  const dir = tempDir("dicomweb-proxy-big-header-");
  const path = join(dir, "big-header.dcm");
  execFileSync(process.env.DICOM_SANITIZER_PYTHON, ["-c", `
import sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
ds.private_block(0x0009, "BIG HEADER TEST", create=True).add_new(0x10, "OB", bytes(17 << 20))
ds.save_as(sys.argv[2], enforce_file_format=True)`, join(CORPUS, "good", "ct-2.dcm"), path]);
  const big = readFileSync(path);
  rmSync(dir, { recursive: true, force: true });
  const before = await orthancInstances(orthanc);
  const res = await post(body("bh", [["application/dicom", big], ["application/dicom", good("mz-preamble.dcm")]]), "bh");
  assert.equal(res.status, 202);
  const answer = await res.json();
  const [item] = seq(answer, "00081198");
  assert.equal(item["00000902"].Value[0], "limit.part_size");
  assert.equal(item["00081197"].Value[0], 0xa700, "out of resources");
  assert.equal(item["00081155"].Value[0], "1.2.826.0.1.3680043.8.498.1000.2", "the input's own SOP Instance UID");
  assert.equal(seq(answer, "00081199").length, 1);
  // mz-preamble is already there from an earlier test: Orthanc keeps its one copy.
  assert.equal((await added(before)).length, 0);
});

test("an upstream that fails without a Store Instances Response: 503 + Retry-After; a non-JSON answer: 502", async () => {
  // A stand-in for a failing upstream (Orthanc does not fail on cue): it reads each request whole,
  // then answers as the test says.
  let mode;
  const upstream = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (mode === "500") res.writeHead(500, { "content-type": "text/plain" }).end("internal error");
      else if (mode === "drop") res.socket.destroy();
      else res.writeHead(200, { "content-type": "text/html" }).end("<html>a login page</html>");
    });
  });
  await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
  const failing = await startProxy({ orthancPort: upstream.address().port, bindings: { RETRY_AFTER: "7" } });
  try {
    for (const [m, status, code] of [["500", 503, "upstream.unavailable"], ["drop", 503, "upstream.unavailable"], ["html", 502, "upstream.failed"]]) {
      mode = m;
      const res = await postTo(failing.base, body("u", [["application/dicom", good("ct-1.dcm")]]), "u");
      assert.equal(res.status, status, m);
      assert.equal((await res.json()).error.code, code, m);
      assert.equal(res.headers.get("retry-after"), status === 503 ? "7" : null, m);
    }
  } finally {
    await failing.close();
    await new Promise((r) => upstream.close(r));
  }
});
