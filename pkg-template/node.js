// Node: the module is compiled from the .wasm beside this file at import time; `init()` exists so
// code written for browsers runs unchanged. `sanitizeFile` is the Node-only file-to-file helper.
import { readFileSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { initSync } from "./dicom_sanitizer.js";

export * from "./api.js";

// Compiled once; the leaf-hashing workers instantiate the same module instead of compiling it.
const wasm = new WebAssembly.Module(readFileSync(new URL("./dicom_sanitizer_bg.wasm", import.meta.url)));
initSync({ module: wasm });

export function init() {
  return Promise.resolve();
}

// Buffers in turn: one being read, one being sanitized, the others being written (and hashed).
const BUFFERS = 4;
const CHUNK = 2 << 20;
// Files from this size hand whole leaves of unchanged pixel data to worker threads for hashing.
const LEAVES_FROM = 64 << 20;

async function writeAll(handle, bytes, position) {
  for (let at = 0; at < bytes.length; ) {
    at += (await handle.write(bytes, at, bytes.length - at, position + at)).bytesWritten;
  }
}

function shrunk(input) {
  const e = new Error(`${input} became shorter while it was being read`);
  return Object.assign(e, { name: "DicomSanitizerError", code: "read.truncated" });
}

// The leaf-hashing workers, made on the first large file and kept for the next (the pool only
// grows, so concurrent calls asking for different counts share it); referenced only while they
// have work, so they never keep the process alive.
const pool = [];
let jobs = 0;

function addWorker() {
  const worker = new Worker(new URL("./node-leaves.js", import.meta.url), { workerData: { wasm } });
  const waiting = new Map();
  const entry = { worker, waiting };
  worker.on("message", ({ id, cv, error }) => {
    const job = waiting.get(id);
    waiting.delete(id);
    if (waiting.size === 0) worker.unref();
    if (error) job.reject(Object.assign(new Error(error.message), { name: "DicomSanitizerError", code: error.code }));
    else job.resolve(cv);
  });
  const fail = (e) => {
    if (pool.includes(entry)) pool.splice(pool.indexOf(entry), 1);
    waiting.forEach((job) => job.reject(e ?? new Error("a leaf-hashing worker stopped")));
    waiting.clear();
  };
  worker.on("error", fail);
  worker.on("exit", () => fail());
  worker.unref();
  pool.push(entry);
}

// The chaining value of one leaf (a view of a SharedArrayBuffer), hashed on one of `threads` workers.
function hashLeaf(threads, bytes, outputOffset) {
  while (pool.length < threads) addWorker(); // made at the start, unless one has stopped since
  const id = jobs++;
  const { worker, waiting } = pool[id % threads];
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker.ref();
    worker.postMessage({ id, buffer: bytes.buffer, length: bytes.length, outputOffset });
  });
}

/**
 * Sanitizes the file at `input` into `output`, streaming: memory is bounded by the header, not
 * the file. Reads and writes run on libuv's threads while the wasm sanitizes the chunk before.
 * In files of 64 MiB or more, whole 4 MiB leaves of unchanged pixel data are hashed (BLAKE3) on
 * `threads` worker threads, from the very buffers that are written (default: one per CPU;
 * 0 hashes everything here). The bytes go to `output + ".partial"`, renamed only once the whole
 * file has passed; on any error nothing is left behind and the promise rejects (a
 * `DicomSanitizerError` for refusals). Resolves to `{ report, receipt? }`.
 */
export async function sanitizeFile(sanitizer, input, output, { threads = availableParallelism() } = {}) {
  const stream = sanitizer.stream();
  const tmp = `${output}.partial`;
  const from = await open(input, "r");
  let to;
  const reads = [];
  const busy = [];
  try {
    to = await open(tmp, "w");
    const { size } = await from.stat();
    const leaves = threads > 0 && size >= LEAVES_FROM && stream.handOutLeaves();
    // Started now, the workers are ready by the time the header has passed.
    while (leaves && pool.length < threads) addWorker();
    const length = leaves ? 4 << 20 : CHUNK;
    const buffers = Array.from({ length: BUFFERS + (leaves ? 2 * threads : 0) }, () =>
      leaves ? new Uint8Array(new SharedArrayBuffer(length)) : new Uint8Array(length),
    );
    buffers.forEach(() => busy.push(Promise.resolve()));
    let readAt = 0;
    let writeAt = 0;
    const emit = (bytes) => {
      const done = writeAll(to, bytes, writeAt);
      writeAt += bytes.length;
      return done;
    };
    // Up to the end of the header, one chunk at a time: which leaves are handed out is known
    // once the header has passed, and no read may run past the first of them.
    let plan = null;
    while (leaves && plan === null) {
      const { bytesRead } = await from.read(buffers[0], 0, CHUNK, readAt);
      if (bytesRead === 0) break;
      readAt += bytesRead;
      const out = stream.write(buffers[0].subarray(0, bytesRead));
      if (out.length > 0) {
        await emit(out);
        plan = stream.delegation() ?? false;
      }
    }
    // Then reads land on leaf boundaries: up to the first leaf, leaf by leaf, then the rest.
    // Every buffer but the one being handled has a read queued, each waiting for the buffer's
    // last write (and hash) to finish: reading never waits for the event loop to come round.
    const first = plan ? plan.inputOffset : Infinity;
    const last = plan ? first + plan.leaves * plan.leafLength : Infinity;
    let queued = 0;
    const queue = () => {
      const turn = queued++ % buffers.length;
      const at = readAt;
      const leaf = at >= first && at < last && at + length <= size ? (at - first) / plan.leafLength : -1;
      const want = leaf >= 0 ? length : Math.min(CHUNK, (at < first ? Math.min(first, size) : size) - at);
      readAt += want;
      const done = want > 0 ? busy[turn].then(() => from.read(buffers[turn], 0, want, at)) : { bytesRead: 0 };
      reads.push({ turn, want, leaf, done });
    };
    while (queued < buffers.length - 1) queue();
    for (;;) {
      const { turn, want, leaf, done } = reads.shift();
      const { bytesRead } = await done;
      if (bytesRead === 0) break;
      if (bytesRead < want) throw shrunk(input);
      const chunk = buffers[turn].subarray(0, bytesRead);
      if (leaf < 0) {
        busy[turn] = emit(stream.write(chunk));
      } else {
        // A leaf passes unchanged: written and hashed from this buffer, never copied into the wasm.
        stream.passLeaf(leaf);
        const hashed = hashLeaf(threads, chunk, plan.outputOffset + leaf * plan.leafLength);
        busy[turn] = Promise.all([emit(chunk), hashed.then((cv) => stream.setLeaf(leaf, cv))]);
      }
      queue();
    }
    await Promise.all(busy);
    const done = stream.end();
    await writeAll(to, done.bytes, writeAt);
    await to.close();
    to = undefined;
    await rename(tmp, output);
    return done.receipt ? { report: done.report, receipt: done.receipt } : { report: done.report };
  } catch (e) {
    await Promise.allSettled([...reads.map((r) => r.done), ...busy]);
    await to?.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  } finally {
    await from.close();
  }
}
