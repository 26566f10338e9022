// Node: the module is compiled from the .wasm beside this file at import time; `init()` exists so
// code written for browsers runs unchanged.
import { readFileSync } from "node:fs";
import { initSync } from "./dicom_sanitizer.js";

export * from "./api.js";

initSync({ module: readFileSync(new URL("./dicom_sanitizer_bg.wasm", import.meta.url)) });

export function init() {
  return Promise.resolve();
}
