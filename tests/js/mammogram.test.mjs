// A 4096×3328 mammogram-sized frame (12 of 16 bits), encoded in JPEG 2000 by GDCM (lossless; GDCM
// derives no lossy file from this CT-like header: codecs/tests/jpeg2000_memory.rs blanks an
// irreversible one natively), blanked through the wasm build in Node as it streams: the decoder
// works stripe by stripe, so the peak wasm memory stays under the 64 MiB an edge worker allows
// (it was about 206 MiB when the frame was decoded whole). The output is JPEG-LS that DCMTK
// (`dcmdjpls`) decodes to black in the region and to GDCM's decoding of the input elsewhere.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { Sanitizer, wasmMemoryBytes } from "../../pkg/node.js";
import { ROOT, tempDir } from "./helpers.mjs";

const LIMIT = 64 * 1024 * 1024;
const HEADER = new Uint8Array(readFileSync(join(ROOT, "target/large/header-mammogram.bin")));
const LENGTH = Number(readFileSync(join(ROOT, "target/large/length-mammogram"), "utf8"));
const [W, H] = [4096, 3328];
const REGION = { x: 100, y: 200, width: 1800, height: 320 };

/** A breast-like blob on a dark background, with noise, 12 bits. */
function native() {
  const words = new Uint16Array(W * H);
  let s = 12345;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      const dx = x / W;
      const dy = y / H - 0.5;
      words[y * W + x] = dx * dx + dy * dy < 0.3 ? Math.min(4095, 1500 + Math.round(1500 * (1 - dx)) + (s % 200)) : s % 8;
    }
  }
  const file = new Uint8Array(HEADER.length + LENGTH);
  file.set(HEADER);
  file.set(new Uint8Array(words.buffer), HEADER.length);
  return file;
}

/** The last `LENGTH` bytes of a native file (Pixel Data is its last element) as samples. */
const samples = (file) => new Uint16Array(file.buffer.slice(file.byteOffset + file.length - LENGTH, file.byteOffset + file.length));

for (const [name, args] of [["lossless", ["--j2k"]]]) {
  test(`a ${name} JPEG 2000 mammogram blanks through wasm under 64 MiB of wasm memory`, async (t) => {
    const dir = tempDir("mammogram-");
    writeFileSync(join(dir, "native.dcm"), native());
    execFileSync("gdcmconv", [...args, join(dir, "native.dcm"), join(dir, "j2k.dcm")]);
    const input = new Uint8Array(readFileSync(join(dir, "j2k.dcm")));
    const sanitizer = new Sanitizer({ key: "mammogram-test-key-0123456789abcdef", blankRegions: [REGION] });
    const t0 = performance.now();
    const ts = sanitizer.transform();
    const chunks = [];
    let peak = 0;
    const source = new ReadableStream({
      start(controller) {
        for (let at = 0; at < input.length; at += 1 << 20) controller.enqueue(input.slice(at, at + (1 << 20)));
        controller.close();
      },
    });
    for await (const chunk of source.pipeThrough(ts)) {
      chunks.push(chunk);
      peak = Math.max(peak, wasmMemoryBytes());
    }
    const { report } = await ts.result;
    const ms = performance.now() - t0;
    peak = Math.max(peak, wasmMemoryBytes());
    const output = Buffer.concat(chunks);
    t.diagnostic(`input ${input.length} B, output ${output.length} B, ${ms.toFixed(0)} ms, peak wasm memory ${peak} B`);
    assert.ok(peak < LIMIT, `${peak} bytes of wasm memory`);
    assert.ok(report.findings.some((f) => f.code === "pixel.transcoded"));
    writeFileSync(join(dir, "out.dcm"), output);
    execFileSync("dcmdjpls", [join(dir, "out.dcm"), join(dir, "out-native.dcm")]);
    execFileSync("gdcmconv", ["--raw", join(dir, "j2k.dcm"), join(dir, "in-native.dcm")]);
    const got = samples(readFileSync(join(dir, "out-native.dcm")));
    const want = samples(readFileSync(join(dir, "in-native.dcm")));
    let wrong = 0;
    for (let i = 0; i < want.length; i++) {
      const x = i % W;
      const y = Math.floor(i / W);
      const inside = x >= REGION.x && x < REGION.x + REGION.width && y >= REGION.y && y < REGION.y + REGION.height;
      if (got[i] !== (inside ? 0 : want[i])) wrong++;
    }
    assert.equal(wrong, 0, "samples other than black inside and the input outside");
  });
}
