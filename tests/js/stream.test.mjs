// The Web Streams API under Node: any chunking through sanitizer.transform() gives the one-shot
// bytes and report; a refused header emits nothing and errors the stream with its code.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { Sanitizer, isDicomSanitizerError } from "../../pkg/node.js";
import { OPTIONS, ROOT, bad, good, manifest } from "./helpers.mjs";

/** Reproducible chunk sizes: STREAM_SEED reproduces a failure. */
const SEED = Number(process.env.STREAM_SEED ?? 20261122);
function sizes(seed) {
  let s = seed >>> 0;
  return (max) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 1 + (s % max);
  };
}

function source(bytes, next, max) {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const n = next(max);
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

async function collect(readable) {
  const parts = [];
  for await (const chunk of readable) parts.push(chunk);
  return Buffer.concat(parts);
}

test("any chunking through transform() gives the one-shot bytes and report", async () => {
  const sanitizer = new Sanitizer(OPTIONS);
  const next = sizes(SEED);
  for (const name of manifest.good) {
    const input = good(name);
    const one = sanitizer.sanitize(input);
    for (const max of [1, 3, 64, 512, 100000]) {
      const t = sanitizer.transform();
      const out = await collect(source(input, next, max).pipeThrough(t));
      assert.ok(out.equals(Buffer.from(one.bytes)), `${name}, chunks up to ${max}, seed ${SEED}`);
      const { report, receipt } = await t.result;
      assert.deepEqual(report, one.report);
      assert.deepEqual(receipt, one.receipt);
    }
  }
});

test("a refused file errors the stream with its code and emits nothing", async () => {
  const sanitizer = new Sanitizer(OPTIONS);
  for (const { file, code } of manifest.bad) {
    const t = sanitizer.transform();
    const chunks = [];
    const error = await (async () => {
      try {
        for await (const c of source(bad(file), sizes(SEED), 256).pipeThrough(t)) chunks.push(c);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(isDicomSanitizerError(error), `${file}: ${error}`);
    assert.equal(error.code, code, file);
    await assert.rejects(t.result, (e) => e.code === code);
    // Header refusals (all of these) emit nothing at all.
    assert.equal(chunks.length, 0, `${file}: output before the refusal`);
  }
});

test("the low-level stream refuses writes after an error", () => {
  const s = new Sanitizer(OPTIONS).stream();
  assert.throws(() => s.write(new TextEncoder().encode("x".repeat(5000))), (e) => e.code === "read.not_dicom");
  assert.throws(() => s.write(new Uint8Array(10)), (e) => e.code === "stream.closed");
  assert.throws(() => s.end(), (e) => e.code === "stream.closed");
});

test("pixel bytes that pass through unchanged come back as a view of the caller's chunk", () => {
  // The header of the 1 GiB file of large.test.mjs: multi-frame native pixel data follows it.
  const header = readFileSync(join(ROOT, "target/large/header.bin"));
  const stream = new Sanitizer(OPTIONS).stream();
  const head = stream.write(Buffer.concat([header, Buffer.alloc(8192, 1)]));
  assert.ok(head.length > 8192, "the header passed its checks and was emitted");
  const chunk = new Uint8Array(65536).fill(7);
  const out = stream.write(chunk);
  assert.equal(out.buffer, chunk.buffer, "no copy out of wasm memory");
  assert.equal(out.length, chunk.length);
  assert.ok(out.every((b) => b === 7), "the caller's chunk is untouched");
  const blanking = new Sanitizer({ ...OPTIONS, blankRegions: [{ x: 0, y: 0, width: 4, height: 4 }] }).stream();
  blanking.write(Buffer.concat([header, Buffer.alloc(8192, 1)]));
  assert.notEqual(blanking.write(chunk).buffer, chunk.buffer, "with blanking, pixels are written from a copy");
  stream.free();
  blanking.free();
});
