// Runs the sanitizer off the main thread so the page stays responsive on big batches, and builds
// the download zip here too. Messages: {id, type: "configure" | "sanitize" | "directory" | "zip", ...};
// replies: {id, ...result} or {id, error: {code, message}}.
import { init, Sanitizer, edition, version } from "./pkg/index.js";
import { zipSync } from "./vendor/fflate.js";

const ready = init();
let sanitizer;

const handlers = {
  async hello() {
    return { edition: edition(), version: version() };
  },
  async configure({ options }) {
    sanitizer?.free();
    sanitizer = undefined;
    sanitizer = new Sanitizer(options);
    return {};
  },
  async sanitize({ file }) {
    // Streamed: the file is read in chunks and the output gathered in a Blob, so wasm memory
    // stays bounded by the header whatever the file's size.
    const t = sanitizer.transform();
    const [blob, outcome] = await Promise.allSettled([
      new Response(file.stream().pipeThrough(t)).blob(),
      t.result,
    ]);
    // The sanitizer's own error carries the code; the body read only says it failed.
    if (outcome.status === "rejected") throw outcome.reason;
    if (blob.status === "rejected") throw blob.reason;
    return { blob: blob.value, report: outcome.value.report };
  },
  async directory({ file, written }) {
    // A media set's DICOMDIR, last: its records follow the files as they were written.
    const bytes = new Uint8Array(await file.arrayBuffer());
    const done = sanitizer.sanitizeDirectory(bytes, (id) => written[id.join("/").toUpperCase()] ?? null);
    return { blob: new Blob([done.bytes]), report: done.report };
  },
  async zip({ files }) {
    // Stored, not deflated: DICOM pixel data barely compresses and level 0 is much faster.
    const entries = {};
    for (const { name, blob } of files) entries[name] = [new Uint8Array(await blob.arrayBuffer()), { level: 0 }];
    const bytes = zipSync(entries);
    return { reply: { bytes }, transfer: [bytes.buffer] };
  },
};

self.onmessage = async ({ data }) => {
  const { id, type } = data;
  try {
    await ready;
    const result = await handlers[type](data);
    const { reply = result, transfer = [] } = result;
    self.postMessage({ id, ...reply }, transfer);
  } catch (e) {
    self.postMessage({ id, error: { code: e.code ?? "page.internal", message: String(e.message ?? e) } });
  }
};
