// What every entry point exports once the module is instantiated. The class and functions are
// wasm-bindgen's; this file only adds helpers that need no wasm.
export {
  Sanitizer,
  errorCodes,
  findingCodes,
  version,
  edition,
  verify,
  publicKey,
  generateSigningKey,
} from "./dicom_sanitizer.js";

/** True for errors thrown by this package (they carry a stable `code`). */
export function isDicomSanitizerError(e) {
  return e instanceof Error && e.name === "DicomSanitizerError" && typeof e.code === "string";
}
