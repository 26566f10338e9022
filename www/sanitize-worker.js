// Runs the sanitizer off the main thread so the page stays responsive on big batches, and builds
// the download zip here too. Messages: {id, type: "configure" | "sanitize" | "zip", ...};
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
  async sanitize({ buffer }) {
    const { bytes, report } = sanitizer.sanitize(new Uint8Array(buffer));
    return { reply: { bytes, report }, transfer: [bytes.buffer] };
  },
  async zip({ files }) {
    // Stored, not deflated: DICOM pixel data barely compresses and level 0 is much faster.
    const entries = Object.fromEntries(files.map(({ name, bytes }) => [name, [bytes, { level: 0 }]]));
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
