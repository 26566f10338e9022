// Node: the module is compiled from the .wasm beside this file at import time; `init()` exists so
// code written for browsers runs unchanged. `sanitizeFile` is the Node-only file-to-file helper.
import { readFileSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { initSync } from "./dicom_sanitizer.js";

export * from "./api.js";

initSync({ module: readFileSync(new URL("./dicom_sanitizer_bg.wasm", import.meta.url)) });

export function init() {
  return Promise.resolve();
}

// Buffers in turn: one being read, one being sanitized, the others being written.
const BUFFERS = 4;
const CHUNK = 2 << 20;

async function writeAll(handle, bytes, position) {
  for (let at = 0; at < bytes.length; ) {
    at += (await handle.write(bytes, at, bytes.length - at, position + at)).bytesWritten;
  }
}

/**
 * Sanitizes the file at `input` into `output`, streaming: memory is bounded by the header, not
 * the file. Reads and writes run on libuv's threads while the wasm sanitizes and hashes the
 * chunk before, so a large file passes at close to the speed of its hashing. The bytes go to
 * `output + ".partial"`, renamed only once the whole file has passed; on any error nothing is
 * left behind and the promise rejects (a `DicomSanitizerError` for refusals). Resolves to
 * `{ report, receipt? }`.
 */
export async function sanitizeFile(sanitizer, input, output) {
  const stream = sanitizer.stream();
  const tmp = `${output}.partial`;
  const from = await open(input, "r");
  let to;
  let reading;
  // Writes are positioned, so several can be in flight; a buffer is read into again only once
  // its write is done (unchanged pixel chunks come back from the wasm as views of it).
  const writes = Array.from({ length: BUFFERS }, () => Promise.resolve());
  try {
    to = await open(tmp, "w");
    const buffers = writes.map(() => new Uint8Array(CHUNK));
    let turn = 0;
    let position = 0;
    reading = from.read(buffers[turn], 0, CHUNK, null);
    for (;;) {
      const { bytesRead, buffer } = await reading;
      if (bytesRead === 0) break;
      const next = (turn + 1) % BUFFERS;
      await writes[next];
      reading = from.read(buffers[next], 0, CHUNK, null);
      const out = stream.write(buffer.subarray(0, bytesRead));
      writes[turn] = writeAll(to, out, position);
      position += out.length;
      turn = next;
    }
    await Promise.all(writes);
    const done = stream.end();
    await writeAll(to, done.bytes, position);
    await to.close();
    to = undefined;
    await rename(tmp, output);
    return done.receipt ? { report: done.report, receipt: done.receipt } : { report: done.report };
  } catch (e) {
    await Promise.allSettled([reading, ...writes]);
    await to?.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  } finally {
    await from.close();
  }
}
