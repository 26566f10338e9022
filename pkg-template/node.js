// Node: the module is compiled from the .wasm beside this file at import time; `init()` exists so
// code written for browsers runs unchanged. `sanitizeFile`, `sanitizeFiles` and `sanitizeTree` are
// the Node-only file helpers.
import { readFileSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { initSync, Sanitizer } from "./dicom_sanitizer.js";
import { addToNamePlan } from "./api.js";
import { batchThread, settleOne } from "./node-batch.js";

export * from "./api.js";

// Compiled once; the leaf workers instantiate the same module instead of compiling it.
const wasm = new WebAssembly.Module(readFileSync(new URL("./dicom_sanitizer_bg.wasm", import.meta.url)));
const { memory } = initSync({ module: wasm });

export function init() {
  return Promise.resolve();
}

// Buffers in turn: one being read, one being sanitized, the others being written.
const BUFFERS = 4;
const CHUNK = 2 << 20;
// Before the leaves are known, a header's worth at a time: the workers start sooner.
const HEADER_CHUNK = 256 << 10;
// Files from this size hand whole leaves of unchanged pixel data to worker threads, which read,
// hash and write them.
const LEAVES_FROM = 64 << 20;

// Writes of at most 512 KiB, as the workers write (see node-leaves.js for why).
const WRITE = 512 << 10;

async function writeAll(handle, bytes, position) {
  for (let at = 0; at < bytes.length; ) {
    at += (await handle.write(bytes, at, Math.min(WRITE, bytes.length - at), position + at)).bytesWritten;
  }
}

function shrunk(input) {
  const e = new Error(`${input} became shorter while it was being read`);
  return Object.assign(e, { name: "DicomSanitizerError", code: "read.truncated" });
}

// The leaf workers, made on the first large file and kept for the next (the pool only
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
    // Refusals carry the package's dotted codes; anything else (an fs error) keeps its own.
    const name = error?.code?.includes(".") ? "DicomSanitizerError" : "Error";
    if (error) job.reject(Object.assign(new Error(error.message), { name, code: error.code }));
    else job.resolve(cv);
  });
  const fail = (e) => {
    if (pool.includes(entry)) pool.splice(pool.indexOf(entry), 1);
    waiting.forEach((job) => job.reject(e ?? new Error("a leaf worker stopped")));
    waiting.clear();
  };
  worker.on("error", fail);
  worker.on("exit", () => fail());
  worker.unref();
  pool.push(entry);
}

// Passes leaves `0..count` of `plan` from `from` to `to` on `threads` workers (read, hashed and
// written there). `settled`: each leaf's chaining value or why not, awaited as a whole from the
// start, so a leaf refused while the main thread is busy is no unhandled rejection. All are
// posted at once, so every worker's queue holds one file's leaves in order and files passing at
// once cannot wait on each other. `stop()` gives the rest up (after any error), so that no
// worker waits for a turn forever.
function passLeaves(threads, from, to, input, plan, count) {
  while (pool.length < threads) addWorker(); // made at the start, unless one has stopped since
  const turn = new Int32Array(new SharedArrayBuffer(4));
  const leaves = Array.from({ length: count }, (_, index) => {
    const id = jobs++;
    const { worker, waiting } = pool[index % threads];
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({
        id,
        input: from.fd,
        output: to.fd,
        name: input,
        turn,
        index,
        inputOffset: plan.inputOffset + index * plan.leafLength,
        outputOffset: plan.outputOffset + index * plan.leafLength,
      });
    });
  });
  const stop = () => {
    Atomics.store(turn, 0, -1);
    Atomics.notify(turn, 0);
  };
  return { settled: Promise.allSettled(leaves), stop };
}

/**
 * Sanitizes the file at `input` into `output`, streaming: memory is bounded by the header, not
 * the file. Reads and writes run on libuv's threads while the wasm sanitizes the chunk before.
 * In files of 64 MiB or more, whole 4 MiB leaves of unchanged pixel data are passed by `threads`
 * worker threads (default: one per CPU; 0 passes everything here): each reads its leaves into
 * its own wasm memory, hashes them there (BLAKE3) and writes them out. The bytes go to
 * `output + ".partial"`, renamed only once the whole file has passed; on any error nothing is
 * left behind and the promise rejects (a `DicomSanitizerError` for refusals). Resolves to
 * `{ report, receipt? }`.
 */
export async function sanitizeFile(sanitizer, input, output, { threads = availableParallelism() } = {}) {
  const stream = sanitizer.stream();
  const tmp = `${output}.partial`;
  const from = await open(input, "r");
  let to;
  let handedOut;
  const io = { from, input, stream, readAt: 0, writeAt: 0, written: Promise.resolve() };
  try {
    to = await open(tmp, "w");
    io.to = to;
    const { size } = await from.stat();
    const leaves = threads > 0 && size >= LEAVES_FROM && stream.handOutLeaves();
    // Started now, the workers are ready by the time the header has passed.
    while (leaves && pool.length < threads) addWorker();
    // Up to the end of the header, one chunk at a time: which leaves are handed out is known
    // once the header has passed, and no read may run past the first of them.
    let plan = null;
    const buffer = new Uint8Array(leaves ? HEADER_CHUNK : 0);
    while (leaves && plan === null) {
      const { bytesRead } = await from.read(buffer, 0, HEADER_CHUNK, io.readAt);
      if (bytesRead === 0) break;
      io.readAt += bytesRead;
      if (emit(io, stream.write(buffer.subarray(0, bytesRead))) > 0) {
        await io.written; // the output may be a view of the buffer
        plan = stream.delegation() ?? false;
      }
    }
    if (plan) {
      // The leaves that lie wholly within the file (the stream itself refuses a file shorter
      // than its header says) go to the workers at once; the bytes before the first leaf pass
      // here meanwhile, then the rest once the leaves are done.
      const count = Math.max(0, Math.min(plan.leaves, Math.floor((size - plan.inputOffset) / plan.leafLength)));
      handedOut = passLeaves(threads, from, to, input, plan, count);
      await pass(io, Math.min(plan.inputOffset, size));
      for (let i = 0; i < count; i++) stream.passLeaf(i);
      const settled = await handedOut.settled;
      const failed = settled.filter((r) => r.status === "rejected").map((r) => r.reason);
      if (failed.length > 0) throw failed.find((e) => e.code !== "stopped") ?? failed[0];
      settled.forEach(({ value }, i) => stream.setLeaf(i, value));
      io.readAt += count * plan.leafLength;
      io.writeAt += count * plan.leafLength;
    }
    await pass(io, size);
    const done = stream.end();
    emit(io, done.bytes);
    await io.written;
    await to.close();
    to = undefined;
    await rename(tmp, output);
    return done.receipt ? { report: done.report, receipt: done.receipt } : { report: done.report };
  } catch (e) {
    handedOut?.stop();
    await Promise.allSettled([io.written, handedOut?.settled]);
    await to?.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  } finally {
    await from.close();
  }
}

// Queues `bytes` to be written next; one write at a time, in order (concurrent writes to one
// file only contend for its lock). Returns their length.
function emit(io, bytes) {
  const at = io.writeAt;
  io.writeAt += bytes.length;
  io.written = io.written.then(() => writeAll(io.to, bytes, at));
  return bytes.length;
}

// Reads the input from `io.readAt` up to `until` chunk by chunk through the stream,
// writing what it gives back. Every buffer but the one being handled has a read queued, each
// waiting for that buffer's last write: reading never waits for the event loop to come round.
async function pass(io, until) {
  // Made once per file: the bytes before the first leaf and those after the last share them.
  const buffers = (io.buffers ??= Array.from({ length: BUFFERS }, () => new Uint8Array(CHUNK)));
  const busy = buffers.map(() => Promise.resolve());
  const reads = [];
  let queued = 0;
  const queue = () => {
    const turn = queued++ % BUFFERS;
    const at = io.readAt;
    const want = Math.max(0, Math.min(CHUNK, until - at));
    io.readAt += want;
    const done = want > 0 ? busy[turn].then(() => io.from.read(buffers[turn], 0, want, at)) : { bytesRead: 0 };
    reads.push({ turn, want, done });
  };
  try {
    while (queued < BUFFERS - 1) queue();
    for (;;) {
      const { turn, want, done } = reads.shift();
      const { bytesRead } = await done;
      if (bytesRead === 0) break;
      if (bytesRead < want) throw shrunk(io.input);
      emit(io, io.stream.write(buffers[turn].subarray(0, bytesRead)));
      busy[turn] = io.written;
      queue();
    }
    await io.written;
  } finally {
    await Promise.allSettled(reads.map((r) => r.done));
  }
}

// Files up to this size are sanitized in one shot (and no larger than the options'
// `maxInputBytes`, which a one-shot input may not exceed); larger ones are streamed.
const ONE_SHOT = 16 << 20;

// An error as a batch result: refusals and skips carry the package's status and code; anything
// else (the input is missing, the output cannot be written) is "failed".
function failure(e) {
  const name = e.code?.includes(".") ? "DicomSanitizerError" : (e.name ?? "Error");
  const error = Object.assign(new Error(e.message), { name, code: e.code });
  for (const key of ["offset", "path"]) if (e[key] !== undefined) error[key] = e[key];
  const status = name === "DicomSanitizerError" ? (e.status ?? "refused") : "failed";
  if (name === "DicomSanitizerError") error.status = status;
  return { status, error };
}

/**
 * Sanitizes a batch of files, `jobs` = `[{ input, output }]` (paths), on `threads` threads
 * (default: one per CPU): this one and `threads - 1` workers, each with its own `Sanitizer`
 * made from `options` (the constructor's: pseudonyms agree across threads and with a
 * `new Sanitizer(options)`). Each thread takes the next file as it becomes free, reads it into
 * its own wasm memory, sanitizes it there and writes it from there to `output + ".partial"`,
 * renamed once whole; files over 16 MiB (or `limits.maxInputBytes`) are streamed here by
 * `sanitizeFile`. This thread yields to the event loop between files. A file that does not
 * pass leaves nothing behind. Resolves to one result per job, in order: `{ input, output,
 * status: "sanitized", report, receipt? }`, or `{ input, output, status: "refused" | "skipped"
 * | "failed", error }` (a `DicomSanitizerError` with its `code`, or the file system's error).
 * `onResult(result, index)` is called as each file finishes. Rejects only for invalid options
 * (a `settings.*` error, before any file is touched) or a trap in the module (a bug).
 */
export async function sanitizeFiles(options, jobs, { threads = availableParallelism(), onResult } = {}) {
  const oneShotBytes = Math.min(ONE_SHOT, options?.limits?.maxInputBytes ?? ONE_SHOT);
  const here = batchThread(memory, options, oneShotBytes);
  const list = jobs.map(({ input, output }) => ({ input: String(input), output: String(output) }));
  const results = new Array(list.length);
  const next = new SharedArrayBuffer(4);
  const counter = new Int32Array(next);
  const record = (index, result) => {
    results[index] = { ...list[index], ...result };
    onResult?.(results[index], index);
  };
  // The larger files are streamed here, one at a time, while the threads go on with the rest.
  let streamed = Promise.resolve();
  const settle = (index, { large, error, ...result }) => {
    if (!large) return record(index, error ? failure(error) : result);
    const { input, output } = list[index];
    streamed = streamed
      .then(() => sanitizeFile(here.sanitizer, input, output))
      .then((done) => record(index, { status: "sanitized", ...done }), (e) => record(index, failure(e)));
  };
  const workerData = { wasm, options, jobs: list, next, oneShotBytes };
  const workers = Array.from({ length: Math.max(0, Math.min(threads, list.length) - 1) }, () => {
    const worker = new Worker(new URL("./node-files.js", import.meta.url), { workerData });
    const done = new Promise((resolve, reject) => {
      worker.on("message", (batch) => batch.forEach(({ index, ...result }) => settle(index, result)));
      worker.on("error", reject);
      worker.on("exit", resolve);
    });
    return { worker, done };
  });
  try {
    // This thread takes files too, from the start: the workers take a while to boot.
    for (let index; (index = Atomics.add(counter, 0, 1)) < list.length; ) {
      settle(index, settleOne(here, list[index]));
      await new Promise(setImmediate);
    }
    await Promise.all(workers.map((w) => w.done));
    await streamed;
  } catch (e) {
    await Promise.all(workers.map((w) => w.worker.terminate()));
    await streamed;
    throw e;
  } finally {
    here.sanitizer.free();
    here.room.free();
  }
  return results;
}

/** Every file below `root`, as `/`-separated paths relative to it, sorted as the CLI sorts them. */
async function listTree(root) {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath ?? e.path, e.name)).split(sep).join("/"))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Adds a file on disk to a `NamePlan` (`addToNamePlan`). */
async function addHead(plan, path, rel) {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    await addToNamePlan(plan, rel, size, async (n) => {
      const head = new Uint8Array(n);
      await handle.read(head, 0, n, 0);
      return head;
    });
  } finally {
    await handle.close();
  }
}

/**
 * Sanitizes every file below `inputRoot` into `outputRoot`, keeping the tree's shape but not its
 * identifying names: each file or folder name that holds an identifying value of any input (or
 * a date or UID) becomes its keyed pseudonym, as the CLI's default `--layout mirror` names it
 * (`Sanitizer.namePlan()`). A folder holding a DICOMDIR is a media set: its files are written
 * first, then its DICOMDIR, whose Referenced File IDs follow them (records of files not written
 * go). Files go through `sanitizeFiles` (same threads and `onResult`). Resolves to one result per
 * input, in sorted order, as `sanitizeFiles` gives them, with `input` (its path) and `output`.
 */
export async function sanitizeTree(options, inputRoot, outputRoot, { threads, onResult } = {}) {
  const rels = await listTree(inputRoot);
  const sanitizer = new Sanitizer(options);
  let names;
  try {
    const plan = sanitizer.namePlan();
    try {
      for (const rel of rels) await addHead(plan, join(inputRoot, rel), rel);
      names = plan.names();
    } finally {
      plan.free();
    }
    const isDirectory = (rel) => rel.split("/").pop().toUpperCase() === "DICOMDIR";
    const jobs = rels.map((rel, i) => ({ input: join(inputRoot, rel), output: join(outputRoot, names[i]) }));
    const files = rels.map((_, i) => i).filter((i) => !isDirectory(rels[i]));
    await Promise.all([...new Set(files.map((i) => dirname(jobs[i].output)))].map((d) => mkdir(d, { recursive: true })));
    const results = new Array(rels.length);
    const done = await sanitizeFiles(options, files.map((i) => jobs[i]), {
      threads,
      onResult: (result, k) => onResult?.(result, files[k]),
    });
    done.forEach((result, k) => (results[files[k]] = result));
    for (const d of rels.map((_, i) => i).filter((i) => isDirectory(rels[i]))) {
      // Referenced File IDs are relative to the set's folder, compared in upper case.
      const setIn = rels[d].slice(0, -"DICOMDIR".length);
      const setOut = names[d].slice(0, -"DICOMDIR".length);
      const written = {};
      for (const i of files) {
        if (rels[i].startsWith(setIn) && results[i].status === "sanitized") {
          written[rels[i].slice(setIn.length).toUpperCase()] = names[i].slice(setOut.length).split("/");
        }
      }
      try {
        const out = sanitizer.sanitizeDirectory(await readFile(jobs[d].input), (id) => written[id.join("/").toUpperCase()] ?? null);
        await mkdir(dirname(jobs[d].output), { recursive: true });
        await writeFile(`${jobs[d].output}.partial`, out.bytes);
        await rename(`${jobs[d].output}.partial`, jobs[d].output);
        results[d] = { ...jobs[d], status: "sanitized", report: out.report, ...(out.receipt && { receipt: out.receipt }) };
      } catch (e) {
        await rm(`${jobs[d].output}.partial`, { force: true });
        results[d] = { ...jobs[d], ...failure(e) };
      }
      onResult?.(results[d], d);
    }
    return results;
  } finally {
    sanitizer.free();
  }
}
