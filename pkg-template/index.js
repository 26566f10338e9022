// Browsers and Web Workers: call `await init()` once (more calls are free), then use `Sanitizer`.
// The .wasm is fetched next to this file unless `init(source)` is given a URL, Response,
// BufferSource or WebAssembly.Module.
import initWasm from "./dicom_sanitizer.js";

export * from "./api.js";
// The Web Worker client the integrations use; a page can share one worker with them.
export { SanitizerWorker, describeRefusal } from "./intake.js";

let ready;

export function init(source) {
  if (!ready) {
    ready = initWasm(source === undefined ? undefined : { module_or_path: source }).then(
      () => undefined,
      (e) => {
        ready = undefined; // let a later call retry (e.g. after a network error)
        throw e;
      },
    );
  }
  return ready;
}
