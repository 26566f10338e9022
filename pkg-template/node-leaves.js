// A worker thread of `sanitizeFile`: hashes whole leaves of unchanged pixel data (BLAKE3
// chaining values, see `leafDigest`) from the SharedArrayBuffers the main thread wrote them from.
import { parentPort } from "node:worker_threads";
import { leafDigest } from "./node.js";

parentPort.on("message", ({ id, buffer, length, outputOffset }) => {
  try {
    const cv = leafDigest(new Uint8Array(buffer, 0, length), outputOffset);
    parentPort.postMessage({ id, cv }, [cv.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, error: { message: e.message, code: e.code } });
  }
});
