// Edge workers (workerd / Cloudflare Workers): the runtime refuses to compile wasm from bytes
// inside a request, so the .wasm is imported as a module (bundled as a `WebAssembly.Module`)
// and instantiated synchronously at import.
import wasmModule from "./dicom_sanitizer_bg.wasm";
import { initSync } from "./dicom_sanitizer.js";

export * from "./api.js";

initSync({ module: wasmModule });

export function init() {
  return Promise.resolve();
}
