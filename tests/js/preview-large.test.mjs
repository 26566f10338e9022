// A 2 GiB multi-frame file (4,096 frames of 512×512, 16 bits; sparse on disk, never in git) is
// previewed by position: its header and the one frame, in Node (`renderFrameAt` over
// `fs.readSync`) and in Chromium through the page's own worker (FileReaderSync on the picked
// File), each under 64 MiB of wasm memory. Its last frame renders as the same frame alone does.
import assert from "node:assert/strict";
import { closeSync, ftruncateSync, openSync, readFileSync, readSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { describeImageAt, renderFrame, renderFrameAt, wasmMemoryBytes } from "../../pkg/node.js";
import { ROOT, tempDir } from "./helpers.mjs";
import { openDemoPage } from "./chromium.mjs";

const LIMIT = 64 * 1024 * 1024;
const HEADER = new Uint8Array(readFileSync(join(ROOT, "target/large/header-2g.bin")));
const LENGTH = Number(readFileSync(join(ROOT, "target/large/length-2g"), "utf8"));
const FRAME = 512 * 512 * 2;
const FRAMES = LENGTH / FRAME;
const SIZE = 256;

/** The last frame: a gradient with a bright square, 16-bit little endian. */
function pattern() {
  const words = new Uint16Array(512 * 512);
  for (let y = 0; y < 512; y++) {
    for (let x = 0; x < 512; x++) {
      const square = x >= 100 && x < 200 && y >= 300 && y < 400;
      words[y * 512 + x] = square ? 3000 : (x * 3 + y * 5) % 2000;
    }
  }
  return new Uint8Array(words.buffer);
}

let path;

before(() => {
  assert.equal(FRAMES, 4096);
  assert.ok(LENGTH >= 2 * 1024 ** 3);
  path = join(tempDir("preview-2g-"), "multiframe-2g.dcm");
  const fd = openSync(path, "w");
  writeSync(fd, HEADER);
  ftruncateSync(fd, HEADER.length + LENGTH); // zeros, sparse: no disk taken
  writeSync(fd, pattern(), 0, FRAME, HEADER.length + (FRAMES - 1) * FRAME);
  closeSync(fd);
});

/** The last frame as it renders alone: the 12 MiB file's header (same attributes, 24 frames)
 * with the pattern as its first frame. */
function alone() {
  const header = new Uint8Array(readFileSync(join(ROOT, "target/large/header-12m.bin")));
  const length = Number(readFileSync(join(ROOT, "target/large/length-12m"), "utf8"));
  const bytes = new Uint8Array(header.length + length);
  bytes.set(header);
  bytes.set(pattern(), header.length);
  return renderFrame(bytes, 0, SIZE);
}

test("a 2 GiB multi-frame file previews in Node reading its header and one frame, under 64 MiB", (t) => {
  const fd = openSync(path, "r");
  let read = 0;
  const readAt = (offset, length) => {
    const buf = new Uint8Array(length);
    const n = readSync(fd, buf, 0, length, offset);
    read += n;
    return buf.subarray(0, n);
  };
  try {
    const size = statSync(path).size;
    const d = describeImageAt(size, readAt);
    assert.equal(d.frames, FRAMES);
    const r = renderFrameAt(size, readAt, FRAMES - 1, SIZE);
    assert.equal(r.frames, FRAMES);
    assert.deepEqual([r.width, r.height], [SIZE, SIZE]);
    assert.deepEqual(r.rgba, alone().rgba, "the last frame renders as it does alone");
    assert.ok(read <= 3 * 256 * 1024 + FRAME, `${read} bytes read`);
    assert.ok(wasmMemoryBytes() < LIMIT, `${wasmMemoryBytes()} bytes of wasm memory`);
    t.diagnostic(`${read} bytes read, ${wasmMemoryBytes()} bytes of wasm memory`);
  } finally {
    closeSync(fd);
  }
});

let context;
let site;

after(async () => {
  await context?.close();
  site?.server.close();
});

test("the page's worker previews the 2 GiB file in Chromium under 64 MiB of wasm memory", async (t) => {
  let page;
  const requests = [];
  ({ site, context, page } = await openDemoPage({ record: (url) => requests.push(url) }));
  await page.evaluate(() => {
    const input = document.createElement("input");
    input.type = "file";
    input.id = "preview-large-file";
    document.body.append(input);
  });
  await page.setInputFiles("#preview-large-file", path);
  // The page's worker module, asked as the page asks it (`call("preview", …)` in www/app.js).
  const reply = await page.evaluate(
    ({ frame, maxSize }) =>
      new Promise((resolve) => {
        const worker = new Worker(new URL("./sanitize-worker.js", location.href), { type: "module" });
        worker.onerror = (e) => resolve({ error: { code: "worker.load", message: e.message ?? String(e) } });
        worker.onmessage = ({ data }) => {
          if (data.progress !== undefined) return;
          const { bitmap, ...rest } = data;
          let pixels = null;
          if (bitmap) {
            const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
            const ctx = canvas.getContext("2d");
            ctx.drawImage(bitmap, 0, 0);
            pixels = Array.from(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data);
          }
          worker.terminate();
          resolve({ ...rest, pixels });
        };
        const blob = document.getElementById("preview-large-file").files[0];
        worker.postMessage({ id: 1, type: "preview", blob, frame, maxSize });
      }),
    { frame: FRAMES - 1, maxSize: SIZE },
  );
  assert.equal(reply.error, undefined, JSON.stringify(reply.error));
  assert.equal(reply.frames, FRAMES);
  assert.equal(reply.coded, "wasm");
  assert.ok(reply.memory < LIMIT, `${reply.memory} bytes of wasm memory in the worker`);
  t.diagnostic(`${reply.memory} bytes of wasm memory in the worker`);
  const want = alone().rgba;
  assert.equal(reply.pixels.length, want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(reply.pixels[i] - want[i]));
  assert.ok(worst <= 1, `off by ${worst} after the canvas`);
  const away = requests.filter((u) => !u.startsWith(site.url) && !u.startsWith("blob:") && !u.startsWith("data:"));
  assert.deepEqual(away, [], "no request leaves 127.0.0.1");
});
