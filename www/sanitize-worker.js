// The page's Web Worker: the package's own worker module (sanitize, directory, progress), shared
// with the package's form and Uppy integrations, plus the download zip, the previews, reading a
// recipient's certificate, the review step's reading of an original's header and sanitizing a
// file again with its own regions, built here too (the page only draws what these post).
import { handlers } from "./pkg/sanitize-worker.js";
import { Sanitizer, describeImageAt, identifyingValues, recipientInfo, renderFrameAt, wasmMemoryBytes } from "./pkg/index.js";
import { zipSync } from "./vendor/fflate.js";

handlers.zip = async ({ files }) => {
  // Stored, not deflated: DICOM pixel data barely compresses and level 0 is much faster.
  const entries = {};
  for (const { name, blob } of files) entries[name] = [new Uint8Array(await blob.arrayBuffer()), { level: 0 }];
  const bytes = zipSync(entries);
  return { reply: { bytes }, transfer: [bytes.buffer] };
};

// A recipient certificate as the sanitizer reads it: what the page shows and keeps.
handlers.recipient = async ({ certificate }) => recipientInfo(certificate);

// The header is read from the file's start; most headers fit in this, the rest read whole.
const HEADER_GUESS = 256 * 1024;

/** A blob read by position, synchronously (a worker's FileReaderSync): previews read the
 * header and the one frame they show, never the whole file. `head`: its first bytes, already
 * read, served from memory. */
const readAt = (blob, head = new Uint8Array()) => {
  const reader = new FileReaderSync();
  return (offset, length) =>
    offset + length <= head.length
      ? head.subarray(offset, offset + length)
      : new Uint8Array(reader.readAsArrayBuffer(blob.slice(offset, offset + length)));
};

handlers.describe = async ({ blob }) => {
  const d = describeImageAt(blob.size, readAt(blob));
  return { frames: d.frames, rows: d.rows, columns: d.columns, labels: d.labels };
};

// `memory`: the worker's wasm memory after rendering, for the tests of its bound.
handlers.preview = async ({ blob, frame, maxSize }) => {
  const r = renderFrameAt(blob.size, readAt(blob), frame, maxSize);
  let bitmap;
  if (r.jpeg) {
    // JPEG Baseline and Extended: the browser's own decoder, scaled to fit as wasm would.
    const scale = Math.min(1, maxSize / Math.max(r.columns, r.rows));
    bitmap = await createImageBitmap(new Blob([r.jpeg], { type: "image/jpeg" }), {
      resizeWidth: Math.max(1, Math.round(r.columns * scale)),
      resizeHeight: Math.max(1, Math.round(r.rows * scale)),
      resizeQuality: "high",
    });
  } else {
    bitmap = await createImageBitmap(new ImageData(r.rgba, r.width, r.height));
  }
  const reply = { bitmap, frames: r.frames, rows: r.rows, columns: r.columns, coded: r.jpeg ? "jpeg" : "wasm", memory: wasmMemoryBytes() };
  return { reply, transfer: [bitmap] };
};

// The run's settings, with the key fixed for the session when none was given: a file sanitized
// again (with its regions, or new rules) must get the same pseudonyms as the rest of its study.
let base;
const configure = handlers.configure;
handlers.configure = async ({ options }) => {
  const key = options.key ?? Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
  base = { ...options, key };
  return configure({ options: base });
};

/** One file again, with `settings` over the run's (regions, rules, a person's pass). */
handlers.resanitize = async ({ file, settings }) => {
  const sanitizer = new Sanitizer({ ...base, ...settings });
  try {
    const t = sanitizer.transform();
    const [blob, outcome] = await Promise.allSettled([new Response(file.stream().pipeThrough(t)).blob(), t.result]);
    if (outcome.status === "rejected") throw outcome.reason;
    if (blob.status === "rejected") throw blob.reason;
    return { blob: blob.value, report: outcome.value.report };
  } finally {
    sanitizer.free();
  }
};

/** What the review needs of an ORIGINAL's header (read here, never posted whole): its
 * identifying values, to find in OCR's words, and what region rules select images by. */
handlers.inspect = async ({ file, acceptRaw }) => {
  const bytes = async (b) => new Uint8Array(await b.arrayBuffer());
  let head = await bytes(file.slice(0, HEADER_GUESS));
  let values;
  try {
    values = identifyingValues(head, acceptRaw);
  } catch (e) {
    if (e.code !== "read.truncated" || file.size <= HEADER_GUESS) throw e;
    head = await bytes(file);
    values = identifyingValues(head, acceptRaw);
  }
  const d = describeImageAt(file.size, readAt(file, head));
  return { values, frames: d.frames, rows: d.rows, columns: d.columns, labels: d.labels };
};
