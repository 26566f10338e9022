// Blanking throughput (`make bench`): one multi-frame file per transfer syntax (`make frames`:
// each frame encoded by DCMTK or GDCM) with a band blanked in every frame, through the native
// CLI and the wasm build in Node, side by side, best of BENCH_RUNS runs; then the 1,000-frame
// 640×480 RGB JPEG cine streamed through wasm, with its peak wasm memory. Prints a Markdown table.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { Sanitizer, wasmMemoryBytes } from "../pkg/node.js";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const DIR = join(ROOT, "target/frames");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const KEY = "benchmark-key-0123456789abcdef";
const BAND = { x: 16, y: 16, width: 300, height: 40 };
const CLI = join(ROOT, "target/release/dicom-sanitize");

// `make frames` writes 30 frames a file.
const FRAMES = 30;

// The cine first, while the wasm memory has not grown for the one-shot runs (it never shrinks):
// header, empty offset table, the frame 1,000 times, the delimiter, pulled through the transform.
const header = new Uint8Array(readFileSync(join(DIR, "cine/header.bin")));
const frame = new Uint8Array(readFileSync(join(DIR, "cine/frame.bin")));
const item = (len, element = 0xe000) => {
  const h = new Uint8Array(8);
  const v = new DataView(h.buffer);
  v.setUint16(0, 0xfffe, true);
  v.setUint16(2, element, true);
  v.setUint32(4, len, true);
  return h;
};
function* parts() {
  yield header;
  yield item(0);
  for (let f = 0; f < 1000; f++) {
    yield item(frame.length);
    yield frame;
  }
  yield item(0, 0xe0dd);
}
const it = parts();
const source = new ReadableStream({
  pull(controller) {
    const { value, done } = it.next();
    if (done) controller.close();
    else controller.enqueue(value.slice());
  },
});
const start = performance.now();
let peak = 0;
for await (const _ of source.pipeThrough(new Sanitizer({ key: KEY, blankRegions: [BAND] }).transform())) {
  peak = Math.max(peak, wasmMemoryBytes());
}
const secs = (performance.now() - start) / 1000;

const work = mkdtempSync(join(tmpdir(), "blank-bench-"));
writeFileSync(join(work, "key"), KEY);
const sanitizer = new Sanitizer({ key: KEY, blankRegions: [BAND] });
const rows = [];
for (const name of readdirSync(join(DIR, "bench")).sort()) {
  const path = join(DIR, "bench", name);
  const input = new Uint8Array(readFileSync(path));
  const n = FRAMES;
  let native = Infinity;
  let wasm = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const out = join(work, "out");
    rmSync(out, { recursive: true, force: true });
    const t0 = performance.now();
    const r = spawnSync(CLI, ["sanitize", path, "--out", out, "--key-file", join(work, "key"), "-q",
      "--blank-region", `${BAND.x},${BAND.y},${BAND.width},${BAND.height}`]);
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
    native = Math.min(native, (performance.now() - t0) / 1000);
    const t1 = performance.now();
    sanitizer.sanitize(input);
    wasm = Math.min(wasm, (performance.now() - t1) / 1000);
  }
  rows.push(`| ${name.replace(/\.dcm$/, "")} | ${n} | ${(n / native).toFixed(0)} | ${(n / wasm).toFixed(0)} | ${(native / wasm).toFixed(2)}× |`);
}
rmSync(work, { recursive: true, force: true });

const lines = [
  `Blanking a 300×40 band in every frame; best of ${RUNS} runs (the native CLI timed as a whole process).`,
  "",
  "| transfer syntax | frames | native frames/s | wasm (Node) frames/s | wasm / native |",
  "|---|---:|---:|---:|---:|",
  ...rows,
  "",
  `1,000-frame 640×480 RGB JPEG Baseline cine streamed through wasm: ${(1000 / secs).toFixed(0)} frames/s, peak wasm memory ${(peak / 2 ** 20).toFixed(1)} MiB.`,
];
console.log(lines.join("\n"));
writeFileSync(join(ROOT, "target/bench/blank.md"), lines.join("\n") + "\n");
