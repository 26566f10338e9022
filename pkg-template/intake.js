// Shared by form.js and uppy.js: a client for the package's Web Worker (sanitize-worker.js), the
// sentence a person is shown for each refusal code, and the default output names.

/** Talks to one worker running sanitize-worker.js; calls may overlap, replies match by id. */
export class SanitizerWorker {
  constructor(url = new URL("./sanitize-worker.js", import.meta.url)) {
    this.worker = url instanceof Worker ? url : new Worker(url, { type: "module" });
    this.pending = new Map();
    this.nextId = 0;
    this.worker.addEventListener("message", ({ data }) => {
      const call = this.pending.get(data.id);
      if (!call) return;
      if (data.progress !== undefined) return call.onProgress?.(data.progress);
      this.pending.delete(data.id);
      if (data.error) call.reject(Object.assign(new Error(data.error.message), { code: data.error.code }));
      else call.resolve(data);
    });
    // A worker that fails to load (a wrong URL, a CSP without worker-src) fails every call
    // rather than leaving them waiting forever.
    this.worker.addEventListener("error", (e) => {
      const error = Object.assign(new Error(`the sanitizer worker failed: ${e.message ?? "not loaded"}`), {
        code: "worker.failed",
      });
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
    });
  }

  call(type, payload = {}, onProgress) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, type, ...payload });
    });
  }

  /** Compiles the settings in the worker; rejects with a `settings.*` code. */
  configure(settings = {}) {
    return this.call("configure", { options: settings });
  }

  /** Streams one Blob/File through the sanitizer: `{ blob, report }`, or rejects with `code`. */
  sanitize(file, onProgress) {
    return this.call("sanitize", { file, progress: Boolean(onProgress) }, onProgress);
  }

  terminate() {
    this.worker.terminate();
  }
}

const READ_DAMAGED = "The file is damaged or malformed, so it cannot be read safely.";
const FRAME_DAMAGED = "Its compressed image data is damaged, so the image cannot be checked.";
const TOO_COMPLEX = "The file is too large or too deeply nested to be checked safely.";

const REASONS = {
  "read.not_dicom": "This is not a DICOM file.",
  "read.missing_meta": "The file lacks the DICOM header that says how it is encoded.",
  "read.truncated": "The file is incomplete: it ends before its data does.",
  "read.bad_vr": READ_DAMAGED,
  "read.bad_length": READ_DAMAGED,
  "read.bad_structure": READ_DAMAGED,
  "read.invalid": READ_DAMAGED,
  "read.invalid_uid": "The file holds an invalid identifier (UID), so it cannot be read safely.",
  "read.not_directory": "This file is not a DICOMDIR.",
  "read.bad_rle": FRAME_DAMAGED,
  "read.bad_jpeg": FRAME_DAMAGED,
  "read.bad_jpegls": FRAME_DAMAGED,
  "read.bad_j2k": FRAME_DAMAGED,
  "limit.input_size": "The file is larger than the size allowed here.",
  "limit.element_size": TOO_COMPLEX,
  "limit.depth": TOO_COMPLEX,
  "limit.element_count": TOO_COMPLEX,
  "limit.enclosed_pixels": "Its original pixels are too large to enclose for re-identification here.",
  "transfer_syntax.unsupported": "The file uses an encoding (transfer syntax) that cannot be de-identified here.",
  "phi.residual": "Identifying information could not be removed from it with certainty.",
  "phi.pattern": "It holds free text that looks like a date, phone number or ID, which is not allowed here.",
  "pixel.burned_in": "The image has text burned into its pixels, which may identify the patient.",
  "pixel.burned_in_unknown": "This kind of image often has identifying text burned into its pixels, and the file does not say it has none.",
  "pixel.compressed_regions": "Regions of this compressed image cannot be blanked here.",
  "pixel.unsupported": "Its pixel data cannot be checked here.",
  "worker.failed": "The de-identifier could not be started in this browser.",
};

/** A sentence for a person, for a refusal `code` (a stable error code of this package). */
export function describeRefusal(code) {
  if (REASONS[code]) return REASONS[code];
  if (code?.startsWith("settings.")) return "The de-identifier's settings were refused; no file can be accepted.";
  return "The file could not be de-identified safely.";
}

/** The default output name: original names and folders can carry PHI, so files are numbered. */
export function numberedName({ index }) {
  return `IM${String(index + 1).padStart(6, "0")}.dcm`;
}

/** Every file of a drop, walking dropped folders (webkitGetAsEntry); paths keep the folders. */
export async function droppedFiles(dataTransfer) {
  // Items are only readable during the drop event: take the entries before any await.
  const items = [...dataTransfer.items].filter((i) => i.kind === "file");
  const tops = items.map((item) => item.webkitGetAsEntry?.() ?? item.getAsFile());
  const lists = await Promise.all(tops.map((top) => (top instanceof File ? [{ file: top, path: top.name }] : entryFiles(top))));
  return lists.flat();
}

function entryFiles(entry, prefix = "") {
  if (!entry) return [];
  if (entry.isFile) {
    return new Promise((resolve, reject) => entry.file((file) => resolve([{ file, path: prefix + file.name }]), reject));
  }
  const reader = entry.createReader();
  const all = [];
  return new Promise((resolve, reject) => {
    const batch = () =>
      reader.readEntries(async (entries) => {
        if (!entries.length) return resolve((await Promise.all(all)).flat());
        for (const e of entries) all.push(entryFiles(e, `${prefix}${entry.name}/`));
        batch(); // readEntries gives at most 100 entries a call
      }, reject);
    batch();
  });
}
