// The package's Web Worker module, shared by the demo page and the integrations (form.js,
// uppy.js) so there is one worker to audit and cache. Start it with
// `new Worker(new URL("dicom-sanitizer/sanitize-worker.js", import.meta.url), { type: "module" })`
// or through `SanitizerWorker` (intake.js). A page that needs more work done off the main thread
// imports this module in its own worker and adds to `handlers`.
// Messages: {id, type, ...}; replies {id, ...result} or {id, error: {code, message}}; a sanitize
// asked with `progress: true` also posts {id, progress: bytesRead} as the file is read.
import { addToNamePlan, init, Sanitizer, edition, version } from "./index.js";

const ready = init();
let sanitizer;

export const handlers = {
  async hello() {
    return { edition: edition(), version: version() };
  },
  async configure({ options }) {
    sanitizer?.free();
    sanitizer = undefined;
    sanitizer = new Sanitizer(options);
    return {};
  },
  async sanitize({ id, file, progress }) {
    // Streamed: the file is read in chunks and the output gathered in a Blob, so wasm memory
    // stays bounded by the header whatever the file's size.
    let input = file.stream();
    if (progress) input = input.pipeThrough(counter(id, file.size));
    const t = sanitizer.transform();
    const [blob, outcome] = await Promise.allSettled([new Response(input.pipeThrough(t)).blob(), t.result]);
    // The sanitizer's own error carries the code; the body read only says it failed.
    if (outcome.status === "rejected") throw outcome.reason;
    if (blob.status === "rejected") throw blob.reason;
    return { blob: blob.value, report: outcome.value.report };
  },
  async names({ entries }) {
    // Names that keep the tree (the page's "keep names"): read each file's header, then name
    // every path as the CLI's mirror layout would.
    const plan = sanitizer.namePlan();
    try {
      for (const { file, path } of entries) {
        await addToNamePlan(plan, path, file.size, async (n) => new Uint8Array(await file.slice(0, n).arrayBuffer()));
      }
      return { names: plan.names() };
    } finally {
      plan.free();
    }
  },
  async directory({ file, written }) {
    // A media set's DICOMDIR, last: its records follow the files as they were written.
    const bytes = new Uint8Array(await file.arrayBuffer());
    const done = sanitizer.sanitizeDirectory(bytes, (fileId) => written[fileId.join("/").toUpperCase()] ?? null);
    return { blob: new Blob([done.bytes]), report: done.report };
  },
};

/** Passes chunks through, posting the bytes read at most every 50 ms, and at the end. */
function counter(id, size) {
  let read = 0;
  let last = 0;
  return new TransformStream({
    transform(chunk, controller) {
      read += chunk.byteLength;
      const now = performance.now();
      if (now - last > 50 || read === size) {
        last = now;
        self.postMessage({ id, progress: read });
      }
      controller.enqueue(chunk);
    },
  });
}

self.onmessage = async ({ data }) => {
  const { id, type } = data;
  try {
    await ready;
    const handler = handlers[type];
    if (!handler) throw Object.assign(new Error(`unknown message type ${type}`), { code: "worker.unknown_message" });
    const result = await handler(data);
    const { reply = result, transfer = [] } = result;
    self.postMessage({ id, ...reply }, transfer);
  } catch (e) {
    self.postMessage({ id, error: { code: e.code ?? "worker.internal", message: String(e.message ?? e) } });
  }
};
