// A worker thread of `sanitizeFile`: passes whole leaves of unchanged pixel data from the input
// file to the output file. Each leaf is read straight into this worker's wasm memory, hashed
// there (its BLAKE3 chaining value, see `leafDigest`) and written from there, so its bytes are
// never copied between buffers. The workers of one file write their leaves in order, passing a
// turn through shared memory: concurrent writes to one file would only contend for its lock.
import { readSync, writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { initSync, LeafBuffer } from "./dicom_sanitizer.js";

// The module the main thread compiled (its start function installs the panic hook here too).
const { memory } = initSync({ module: workerData.wasm });
const room = new LeafBuffer();
// Writes of a few hundred KiB: the kernel serves bigger ones with large page-cache folios, and on
// a virtual machine those may be memory the host has taken back: 4 MiB writes ran 3–5× slower.
const WRITE = 512 << 10;

function failure(message, code) {
  return Object.assign(new Error(message), { code });
}

// A turn of -1 means the file was given up (by this worker, another one or the main thread).
function stopped(turn) {
  return Atomics.load(turn, 0) < 0;
}

// Waits until leaf `index` may be written: every leaf before it has been.
function awaitTurn(turn, index) {
  for (let now; (now = Atomics.load(turn, 0)) !== index; ) {
    if (now < 0) throw failure("the file was given up", "stopped");
    Atomics.wait(turn, 0, now);
  }
}

function pass({ input, output, name, turn, index, inputOffset, outputOffset }) {
  if (stopped(turn)) throw failure("the file was given up", "stopped");
  // A fresh view each time: the memory's buffer is replaced if it ever grows.
  const view = new Uint8Array(memory.buffer, room.ptr(), room.length);
  for (let at = 0; at < view.length; ) {
    const n = readSync(input, view, at, view.length - at, inputOffset + at);
    if (n === 0) throw failure(`${name} became shorter while it was being read`, "read.truncated");
    at += n;
  }
  const cv = room.digest(outputOffset);
  awaitTurn(turn, index);
  for (let at = 0; at < view.length; ) {
    at += writeSync(output, view, at, Math.min(WRITE, view.length - at), outputOffset + at);
  }
  Atomics.store(turn, 0, index + 1);
  Atomics.notify(turn, 0);
  return cv;
}

parentPort.on("message", (job) => {
  try {
    const cv = pass(job);
    parentPort.postMessage({ id: job.id, cv }, [cv.buffer]);
  } catch (e) {
    if (e.code !== "stopped") {
      Atomics.store(job.turn, 0, -1);
      Atomics.notify(job.turn, 0);
    }
    parentPort.postMessage({ id: job.id, error: { message: e.message, code: e.code } });
  }
});
