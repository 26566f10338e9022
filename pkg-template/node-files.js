// A worker thread of `sanitizeFiles`: takes the next file of the batch (a counter shared with the
// other threads, so a slow file holds up no one) until none is left, and sanitizes it in one
// shot (node-batch.js). Files too large for that go back to the main thread, which streams them.
import { parentPort, workerData } from "node:worker_threads";
import { initSync } from "./dicom_sanitizer.js";
import { batchThread, settleOne } from "./node-batch.js";

const { wasm, options, jobs, next, oneShotBytes } = workerData;
const thread = batchThread(initSync({ module: wasm }).memory, options, oneShotBytes);
const counter = new Int32Array(next);

// Results go to the main thread a few at a time: a message per file wakes it (and costs this
// thread) more than the file's own reading did.
const BATCH = 16;
let batch = [];
for (let index; (index = Atomics.add(counter, 0, 1)) < jobs.length; ) {
  const result = settleOne(thread, jobs[index]);
  batch.push({ index, ...result });
  // A file to stream is handed back at once: the main thread starts on it while this goes on.
  if (batch.length === BATCH || result.large) {
    parentPort.postMessage(batch);
    batch = [];
  }
}
if (batch.length > 0) parentPort.postMessage(batch);
