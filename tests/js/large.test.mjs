// One gibibyte of multi-frame pixel data, generated on the fly (never stored in git), streamed
// through the wasm build in Node and through the edge worker in real workerd (wasm capped at
// 64 MiB), also with a recipient of Encrypted Attributes: peak wasm memory stays under 64 MiB,
// and the output hashes agree with each other and with the reports.
import assert from "node:assert/strict";
import { createReadStream, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { Sanitizer, wasmMemoryBytes } from "../../pkg/node.js";
import { ROOT, blake3, tempDir } from "./helpers.mjs";
import { identity } from "./envelope.mjs";
import { exampleConfig, startWorkerd } from "./workerd.mjs";

const HEADER = new Uint8Array(readFileSync(join(ROOT, "target/large/header.bin")));
const LENGTH = Number(readFileSync(join(ROOT, "target/large/length"), "utf8"));
const WORKER_KEY = "edge-worker-example-key-0123456789";
const LIMIT = 64 * 1024 * 1024;
const CHUNK = 1 << 20;
// The header ends with the Pixel Data element header; the pixel value passes through unchanged,
// so the output's digest covers it.
const INPUT_HEADER = (await blake3()).update(HEADER).digest();

/** The file: header, then LENGTH bytes of a deterministic pattern, in 1 MiB chunks. */
function file() {
  let sent = -1;
  return new ReadableStream({
    pull(controller) {
      if (sent < 0) {
        sent = 0;
        return controller.enqueue(HEADER.slice());
      }
      if (sent >= LENGTH) return controller.close();
      const n = Math.min(CHUNK, LENGTH - sent);
      const chunk = new Uint8Array(n).fill((sent / CHUNK) & 0xff);
      sent += n;
      controller.enqueue(chunk);
    },
  });
}

let nodeOutput;

test("1 GiB streams through the wasm build in Node under 64 MiB of wasm memory", async () => {
  assert.ok(LENGTH >= 1024 ** 3);
  const sanitizer = new Sanitizer({ key: WORKER_KEY, options: ["retainLongitudinalModifiedDates"] });
  const output = await blake3();
  const t = sanitizer.transform();
  let bytes = 0;
  let peak = 0;
  for await (const chunk of file().pipeThrough(t)) {
    output.update(chunk);
    bytes += chunk.length;
    peak = Math.max(peak, wasmMemoryBytes());
  }
  const { report } = await t.result;
  nodeOutput = output.digest();
  assert.equal(report.output.hex, nodeOutput);
  assert.equal(report.output.bytes, bytes);
  assert.equal(report.inputHeader.hex, INPUT_HEADER, "the input outside its pixel value");
  assert.ok(bytes > LENGTH);
  assert.ok(peak < LIMIT, `peak wasm memory ${peak} bytes`);
  console.log(`node: ${bytes} bytes out, peak wasm memory ${(peak / 2 ** 20).toFixed(1)} MiB`);
});

/** The file uploaded to the edge worker in workerd with `bindings` set: the bucket holds what the
 * report describes, and the isolate's wasm memory stayed under 64 MiB. */
async function throughEdgeWorker(bindings) {
  const bucket = tempDir("dicom-sanitizer-large-");
  const workerd = await startWorkerd(exampleConfig("edge-worker", bindings), ["-d", `bucket=${bucket}`]);
  try {
    const res = await fetch(`${workerd.base}/upload`, { method: "POST", body: file(), duplex: "half" });
    const body = await res.json();
    assert.equal(res.status, 201, JSON.stringify(body));
    const { stored, report } = body;
    assert.equal(report.inputHeader.hex, INPUT_HEADER, "the input outside its pixel value");
    const onDisk = await blake3();
    for await (const chunk of createReadStream(join(bucket, stored))) onDisk.update(chunk);
    const storedHash = onDisk.digest();
    assert.equal(storedHash, report.output.hex, "the bucket holds what the report describes");
    const { maxWasmBytes } = await (await fetch(`${workerd.base}/stats`)).json();
    assert.ok(maxWasmBytes > 0 && maxWasmBytes < LIMIT, `workerd wasm memory ${maxWasmBytes}`);
    console.log(`workerd: ${report.output.bytes} bytes stored, peak wasm memory ${(maxWasmBytes / 2 ** 20).toFixed(1)} MiB`);
    return { report, storedHash };
  } finally {
    await workerd.close();
    rmSync(bucket, { recursive: true, force: true });
  }
}

test("1 GiB streams through the edge worker in workerd, wasm capped at 64 MiB", async () => {
  const { storedHash } = await throughEdgeWorker({});
  if (nodeOutput) assert.equal(storedHash, nodeOutput, "workerd and Node produced the same bytes");
});

test("with a recipient (RECIPIENTS) too: only the header is enclosed, so memory stays bounded", async () => {
  const dir = tempDir("dicom-sanitizer-large-recipient-");
  try {
    const { report } = await throughEdgeWorker({ RECIPIENTS: identity(dir, "one").pem });
    assert.ok(report.findings.some((f) => f.code === "encrypted.attributes_added"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
