// A 1,000-frame 640×480 RGB ultrasound cine in JPEG Baseline (one frame encoded by DCMTK,
// repeated on the fly: `make frames`), with a band blanked in every frame, streamed through the
// wasm build in Node: peak wasm memory stays under 64 MiB, every frame comes out blanked, and the
// report's digest covers the output.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { Sanitizer, wasmMemoryBytes } from "../../pkg/node.js";
import { ROOT, blake3 } from "./helpers.mjs";

const DIR = join(ROOT, "target/frames/cine");
const HEADER = new Uint8Array(readFileSync(join(DIR, "header.bin")));
const FRAME = new Uint8Array(readFileSync(join(DIR, "frame.bin")));
const FRAMES = 1000;
const LIMIT = 64 * 1024 * 1024;
const CHUNK = 1 << 16;

function item(len, group = 0xe000) {
  const h = new Uint8Array(8);
  const v = new DataView(h.buffer);
  v.setUint16(0, 0xfffe, true);
  v.setUint16(2, group, true);
  v.setUint32(4, len, true);
  return h;
}

/** The cine: header, empty offset table, the frame 1,000 times, the delimiter; in 64 KiB chunks. */
function cine() {
  const parts = function* () {
    yield HEADER;
    yield item(0);
    for (let f = 0; f < FRAMES; f++) {
      yield item(FRAME.length);
      for (let i = 0; i < FRAME.length; i += CHUNK) yield FRAME.subarray(i, i + CHUNK);
    }
    yield item(0, 0xe0dd);
  };
  const it = parts();
  return new ReadableStream({
    pull(controller) {
      const { value, done } = it.next();
      if (done) controller.close();
      else controller.enqueue(value.slice());
    },
  });
}

/** Reads the output's Pixel Data items as they stream: the frames, counted and compared. */
class Items {
  constructor() {
    this.buf = new Uint8Array(0);
    this.inPixels = false;
    this.items = [];
    this.first = null;
    this.ended = false;
  }
  push(chunk) {
    const b = new Uint8Array(this.buf.length + chunk.length);
    b.set(this.buf);
    b.set(chunk, this.buf.length);
    this.buf = b;
    if (!this.inPixels) {
      const tag = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]);
      const at = Buffer.from(this.buf).indexOf(tag);
      if (at < 0) return;
      this.buf = this.buf.slice(at + 12);
      this.inPixels = true;
    }
    for (;;) {
      if (this.buf.length < 8) return;
      const v = new DataView(this.buf.buffer, this.buf.byteOffset);
      const [group, element, len] = [v.getUint16(0, true), v.getUint16(2, true), v.getUint32(4, true)];
      assert.equal(group, 0xfffe);
      if (element === 0xe0dd) return void (this.ended = true);
      if (this.buf.length < 8 + len) return;
      const value = this.buf.slice(8, 8 + len);
      this.buf = this.buf.slice(8 + len);
      if (this.items.length > 0) {
        // Every frame was the same, so every blanked frame is too.
        if (this.first === null) this.first = value;
        else assert.ok(Buffer.from(value).equals(Buffer.from(this.first)), `frame ${this.items.length - 1} differs`);
      }
      this.items.push(len);
    }
  }
}

test("a 1,000-frame 640×480 RGB JPEG cine is blanked frame by frame under 64 MiB of wasm memory", async () => {
  const sanitizer = new Sanitizer({ key: "cine-test-key-0123456789abcdef", blankRegions: [{ x: 0, y: 0, width: 640, height: 40 }] });
  const t = sanitizer.transform();
  const output = await blake3();
  const items = new Items();
  let peak = 0;
  let bytes = 0;
  const start = performance.now();
  for await (const chunk of cine().pipeThrough(t)) {
    output.update(chunk);
    items.push(chunk);
    bytes += chunk.length;
    peak = Math.max(peak, wasmMemoryBytes());
  }
  const secs = (performance.now() - start) / 1000;
  const { report } = await t.result;
  assert.equal(report.output.hex, output.digest());
  assert.equal(report.output.bytes, bytes);
  assert.ok(report.findings.some((f) => f.code === "pixel.regions_blanked"));
  assert.ok(items.ended, "the sequence delimiter");
  assert.equal(items.items[0], 0, "the Basic Offset Table is written empty");
  assert.equal(items.items.length - 1, FRAMES);
  assert.ok(!Buffer.from(items.first).equals(Buffer.from(FRAME.subarray(0, items.first.length))), "the frame changed");
  assert.ok(peak < LIMIT, `peak wasm memory ${peak} bytes`);
  console.log(`cine: ${FRAMES} frames in ${secs.toFixed(1)} s (${(FRAMES / secs).toFixed(0)} frames/s), peak wasm memory ${(peak / 2 ** 20).toFixed(1)} MiB`);
});
