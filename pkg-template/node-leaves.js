// A worker thread of `sanitizeFile`: hashes whole leaves of unchanged pixel data (BLAKE3
// chaining values, see `leafDigest`) from the SharedArrayBuffers the main thread wrote them from.
import { parentPort, workerData } from "node:worker_threads";
import { initSync, leafDigest } from "./dicom_sanitizer.js";

// The module the main thread compiled (its start function installs the panic hook here too).
initSync({ module: workerData.wasm });

parentPort.on("message", ({ id, buffer, length, outputOffset }) => {
  try {
    const cv = leafDigest(new Uint8Array(buffer, 0, length), outputOffset);
    parentPort.postMessage({ id, cv }, [cv.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, error: { message: e.message, code: e.code } });
  }
});
