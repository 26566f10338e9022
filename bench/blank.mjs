// Blanking throughput (`make bench`): one multi-frame file per transfer syntax (`make frames`:
// each frame encoded by DCMTK or GDCM, FRAMES frames, and the same with 1 frame) with a band
// blanked in every frame, beside the C decoders a user would pick instead. Side by side in one
// run, the tools taking turns, best of BENCH_RUNS:
// - GDCM's decode alone, `gdcmconv --raw IN OUT` (OpenJPEG, CharLS, its IJG libjpeg builds), a
//   whole process; DCMTK's `dcmdjpeg` where gdcmconv cannot write the decoded image;
// - the native CLI blanking the band (decode, blank, encode, hashing, the header), a whole process;
// - the wasm build in Node, one-shot `sanitize` in process;
// - the codecs alone, in process (the pixel-codecs example `frames`): decode only, and blank.
// Whole processes on FRAMES frames include their start-up; the per-frame table takes it out:
// (time on FRAMES frames − time on 1 frame) / (FRAMES − 1). Then the 1,000-frame 640×480 RGB JPEG
// cine streamed through wasm, with its peak wasm memory. Prints Markdown tables.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
// Other builds to compare side by side: BENCH_CLI (the CLI), BENCH_PKG (the package's folder),
// BENCH_CODECS (the pixel-codecs example `frames`).
const { Sanitizer, wasmMemoryBytes } = await import(join(process.env.BENCH_PKG ?? join(ROOT, "pkg"), "node.js"));
const DIR = join(ROOT, "target/frames");
const ONE = join(ROOT, "target/frames-1/bench");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const KEY = "benchmark-key-0123456789abcdef";
const BAND = { x: 16, y: 16, width: 300, height: 40 };
const CLI = process.env.BENCH_CLI ?? join(ROOT, "target/release/dicom-sanitize");
const CODECS = process.env.BENCH_CODECS ?? join(ROOT, "target/release/examples/frames");

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

// The first explicit VR element (group, element) with a 16-bit length in the header: its value.
function element(file, group, elem, vr) {
  const tag = [group & 0xff, group >> 8, elem & 0xff, elem >> 8, vr.charCodeAt(0), vr.charCodeAt(1)];
  const head = file.subarray(0, 1 << 16);
  const at = head.findIndex((_, i) => tag.every((b, k) => head[i + k] === b));
  if (at < 0) return undefined;
  const len = file[at + 6] | (file[at + 7] << 8);
  return file.subarray(at + 8, at + 8 + len);
}
const us = (file, elem) => {
  const v = element(file, 0x0028, elem, "US");
  return v[0] | (v[1] << 8);
};
const text = (file, group, elem, vr) => new TextDecoder().decode(element(file, group, elem, vr)).replace(/[\0 ]+$/, "");
const SYNTAXES = {
  "1.2.840.10008.1.2.5": "RLE Lossless",
  "1.2.840.10008.1.2.4.50": "JPEG Baseline",
  "1.2.840.10008.1.2.4.70": "JPEG Lossless SV1",
  "1.2.840.10008.1.2.4.80": "JPEG-LS Lossless",
  "1.2.840.10008.1.2.4.90": "JPEG 2000 Lossless",
};
function describe(file) {
  const frames = Number(text(file, 0x0028, 0x0008, "IS"));
  const [rows, cols, spp] = [0x0010, 0x0011, 0x0002].map((e) => us(file, e));
  const [allocated, stored] = [0x0100, 0x0101].map((e) => us(file, e));
  const photometric = text(file, 0x0028, 0x0004, "CS");
  const syntax = text(file, 0x0002, 0x0010, "UI");
  const samples = spp === 1 ? `${stored} of ${allocated} bits` : `${photometric}, ${stored} bits`;
  return { frames, syntax: SYNTAXES[syntax] ?? syntax, frame: `${cols}×${rows}, ${samples}` };
}

function timed(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  const ms = performance.now() - t0;
  return { ok: r.status === 0, ms, stdout: r.stdout, why: `${cmd} exit ${r.status}: ${(r.stderr ?? "").trim().split("\n").pop()}` };
}

const work = mkdtempSync(join(tmpdir(), "blank-bench-"));
writeFileSync(join(work, "key"), KEY);
const out = join(work, "out");
const native = (path) => {
  rmSync(out, { recursive: true, force: true });
  return timed(CLI, ["sanitize", path, "--out", out, "--key-file", join(work, "key"), "-q",
    "--blank-region", `${BAND.x},${BAND.y},${BAND.width},${BAND.height}`]);
};
// gdcmconv cannot write a decoded YBR_FULL_422 image ("Failed to write"): DCMTK's dcmdjpeg then.
const decoders = [
  { name: "gdcmconv --raw", run: (path) => timed("gdcmconv", ["--raw", path, join(work, "raw.dcm")]) },
  { name: "dcmdjpeg", run: (path) => timed("dcmdjpeg", [path, join(work, "raw.dcm")]) },
];
const sanitizer = new Sanitizer({ key: KEY, blankRegions: [BAND] });
const wasm = (input) => {
  const t0 = performance.now();
  sanitizer.sanitize(input);
  return performance.now() - t0;
};

const rows = [];
for (const name of readdirSync(join(DIR, "bench")).sort()) {
  const paths = [join(DIR, "bench", name), join(ONE, name)];
  const inputs = paths.map((p) => new Uint8Array(readFileSync(p)));
  const about = describe(inputs[0]);
  const decoder = decoders.find((d) => paths.every((p) => d.run(p).ok)) ?? fail(`${name}: neither gdcmconv nor dcmdjpeg decodes it`);
  // Best milliseconds of each tool on the FRAMES-frame file [0] and the 1-frame file [1].
  const best = { gdcm: [Infinity, Infinity], native: [Infinity, Infinity], wasm: [Infinity, Infinity], decode: Infinity, blank: Infinity };
  for (let i = 0; i < RUNS; i++) {
    for (const k of [0, 1]) {
      const g = decoder.run(paths[k]);
      if (!g.ok) fail(`${name}: ${g.why}`);
      best.gdcm[k] = Math.min(best.gdcm[k], g.ms);
      const n = native(paths[k]);
      if (!n.ok) fail(`${name}: ${n.why}`);
      best.native[k] = Math.min(best.native[k], n.ms);
      best.wasm[k] = Math.min(best.wasm[k], wasm(inputs[k]));
    }
    const c = timed(CODECS, [paths[0], "1"]);
    if (!c.ok) fail(`${name}: ${c.why}`);
    const { decode_us, blank_us } = JSON.parse(c.stdout);
    best.decode = Math.min(best.decode, decode_us ?? Infinity);
    best.blank = Math.min(best.blank, blank_us);
  }
  rows.push({ name, about, decoder: decoder.name, ...best });
}
rmSync(work, { recursive: true, force: true });

function fail(why) {
  throw new Error(why);
}
const fps = (frames, ms) => (Number.isFinite(ms) && ms > 0 ? (1000 * frames) / ms : NaN);
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : "–");
const f2 = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "–");
const dagger = (r) => (r.decoder === "dcmdjpeg" ? " †" : "");
const whole = rows.map((r) => {
  const n = r.about.frames;
  const [g, nat, w] = [fps(n, r.gdcm[0]), fps(n, r.native[0]), fps(n, r.wasm[0])];
  return `| ${r.about.syntax} | ${r.about.frame} | ${f0(g)}${dagger(r)} | ${f0(nat)} | ${f2(nat / g)} | ${f0(w)} | ${f2(w / nat)} |`;
});
// A frame's time with start-up and per-file work taken out: the difference of the two files.
const each = (pair, n) => (pair[0] - pair[1]) / (n - 1);
const perFrame = rows.map((r) => {
  const n = r.about.frames;
  const [g, nat, w] = [each(r.gdcm, n), each(r.native, n), each(r.wasm, n)].map((ms) => fps(1, ms));
  return `| ${r.about.syntax} | ${f0(g)}${dagger(r)} | ${f0(nat)} | ${f2(nat / g)} | ${f0(w)} | ${f2(w / nat)} | ${f0(fps(1, r.decode / 1000))} | ${f0(fps(1, r.blank / 1000))} |`;
});
const startup = rows.map((r) => {
  const n = r.about.frames;
  const s = (pair) => f0(pair[1] - each(pair, n));
  return `${r.about.syntax} ${s(r.gdcm)} / ${s(r.native)} / ${s(r.wasm)}`;
});
const frames = rows[0]?.about.frames;
const lines = [
  `Blanking a 300×40 band in every frame of a ${frames}-frame file, beside GDCM's decode alone; best of ${RUNS} runs, the tools taking turns.`,
  "",
  `Whole processes on ${frames} frames (start-up included; wasm one-shot in Node, in process):`,
  "",
  "| transfer syntax | frame | GDCM decode frames/s | native blanking frames/s | native / GDCM | wasm (Node) frames/s | wasm / native |",
  "|---|---|---:|---:|---:|---:|---:|",
  ...whole,
  "",
  `A frame, start-up excluded ((${frames} frames − 1 frame) / ${frames - 1}); the codecs alone in process (pixel-codecs example \`frames\`):`,
  "",
  "| transfer syntax | GDCM decode frames/s | native blanking frames/s | native / GDCM | wasm (Node) frames/s | wasm / native | codecs: decode frames/s | codecs: blank frames/s |",
  "|---|---:|---:|---:|---:|---:|---:|---:|",
  ...perFrame,
  "",
  `Start-up and per-file work (1-frame file less a frame), ms, GDCM / native / wasm: ${startup.join("; ")}.`,
  ...(rows.some((r) => r.decoder === "dcmdjpeg")
    ? ["", "† DCMTK's dcmdjpeg (IJG libjpeg): gdcmconv --raw cannot write the decoded YBR_FULL_422 image. JPEG Baseline is blanked in the coded domain here (nothing decoded)."]
    : []),
  "",
  `1,000-frame 640×480 RGB JPEG Baseline cine streamed through wasm: ${(1000 / secs).toFixed(0)} frames/s, peak wasm memory ${(peak / 2 ** 20).toFixed(1)} MiB.`,
];
console.log(lines.join("\n"));
writeFileSync(join(ROOT, "target/bench/blank.md"), lines.join("\n") + "\n");
