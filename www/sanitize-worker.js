// The page's Web Worker: the package's own worker module (sanitize, directory, progress), shared
// with the package's form and Uppy integrations, plus the download zip and the previews built
// here too (the page only draws what these post).
import { handlers } from "./pkg/sanitize-worker.js";
import { describeImage, renderFrame } from "./pkg/index.js";
import { zipSync } from "./vendor/fflate.js";

handlers.zip = async ({ files }) => {
  // Stored, not deflated: DICOM pixel data barely compresses and level 0 is much faster.
  const entries = {};
  for (const { name, blob } of files) entries[name] = [new Uint8Array(await blob.arrayBuffer()), { level: 0 }];
  const bytes = zipSync(entries);
  return { reply: { bytes }, transfer: [bytes.buffer] };
};

// The header is read from the file's start; most headers fit in this, the rest read whole.
const HEADER_GUESS = 256 * 1024;

handlers.describe = async ({ blob }) => {
  const bytes = async (b) => new Uint8Array(await b.arrayBuffer());
  let d = describeImage(await bytes(blob.slice(0, HEADER_GUESS)));
  if (d.frames === 0 && blob.size > HEADER_GUESS) d = describeImage(await bytes(blob));
  return { frames: d.frames, rows: d.rows, columns: d.columns, labels: d.labels };
};

handlers.preview = async ({ blob, frame, maxSize }) => {
  const r = renderFrame(new Uint8Array(await blob.arrayBuffer()), frame, maxSize);
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
  const reply = { bitmap, frames: r.frames, rows: r.rows, columns: r.columns, coded: r.jpeg ? "jpeg" : "wasm" };
  return { reply, transfer: [bitmap] };
};
