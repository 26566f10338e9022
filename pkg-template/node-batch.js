// One file of `sanitizeFiles`, in one shot, on whichever thread runs it (the main thread or a
// worker of node-files.js): the file is read straight into the thread's wasm memory, sanitized
// there and written from there to `output.partial`, renamed once whole. No copy between JS and
// wasm, and the same memory for every file.
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { FileBuffer, Sanitizer } from "./dicom_sanitizer.js";

// Writes of at most 512 KiB, as everywhere in the package (see node-leaves.js for why).
const WRITE = 512 << 10;

function shrunk(input) {
  return Object.assign(new Error(`${input} became shorter while it was being read`), {
    name: "DicomSanitizerError",
    code: "read.truncated",
    status: "refused",
  });
}

/** What one thread needs for its files: its own sanitizer and room, in `memory`. */
export function batchThread(memory, options, oneShotBytes) {
  return { memory, sanitizer: new Sanitizer(options), room: new FileBuffer(), oneShotBytes };
}

// Reads the whole file at `fd` into the room; `null` when it is too large for one shot.
function readInto({ memory, room, oneShotBytes }, fd, input) {
  const { size } = fstatSync(fd);
  if (size > oneShotBytes) return null;
  const ptr = room.input(size);
  const view = new Uint8Array(memory.buffer, ptr, size);
  for (let at = 0; at < size; ) {
    const n = readSync(fd, view, at, size - at, at);
    if (n === 0) throw shrunk(input);
    at += n;
  }
  return size;
}

/**
 * Sanitizes `input` into `output`: `{ status: "sanitized", report, receipt? }`, or `{ large:
 * true }` for a file to stream instead. Throws on refusal, leaving no output behind.
 */
export function sanitizeOne(thread, { input, output }) {
  const { memory, room, sanitizer } = thread;
  const fd = openSync(input, "r");
  let done;
  try {
    if (readInto(thread, fd, input) === null) return { large: true };
    done = room.sanitize(sanitizer);
  } finally {
    closeSync(fd);
  }
  const tmp = `${output}.partial`;
  const out = openSync(tmp, "w");
  try {
    // A fresh view: the memory's buffer is replaced if it grew.
    const view = new Uint8Array(memory.buffer, done.outputPtr, done.outputLength);
    for (let at = 0; at < view.length; ) {
      at += writeSync(out, view, at, Math.min(WRITE, view.length - at), at);
    }
  } catch (e) {
    closeSync(out);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(out);
  renameSync(tmp, output);
  const result = { status: "sanitized", report: done.report };
  if (done.receipt) result.receipt = done.receipt;
  return result;
}

/**
 * `sanitizeOne` for the batch loop: a refusal or file system error becomes `{ error }` with
 * plain fields (a structured clone keeps no `code`). A trap is a bug in the module, after which
 * its memory is not to be trusted: it is thrown, so the batch fails rather than going on.
 */
export function settleOne(thread, job) {
  try {
    return sanitizeOne(thread, job);
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) throw e;
    const { name, message, code, status, offset, path } = e;
    return { error: { name, message, code, status, offset, path } };
  }
}
