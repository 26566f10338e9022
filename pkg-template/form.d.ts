// `dicom-sanitizer/form`; the types are in index.d.ts.
import type { FileInputGuard, ProtectFileInputOptions, SanitizerOptions, RenameFunction } from "./index.js";
export type * from "./index.js";
export { SanitizerWorker, describeRefusal } from "./index.js";

/** De-identifies what a person picks or drops into `input` and replaces its `files` before the form can submit. */
export function protectFileInput(input: HTMLInputElement, options?: ProtectFileInputOptions): FileInputGuard;

/** `<dicom-sanitize-input>`: wraps (or makes) an `<input type=file>` and protects it; also a drop zone. */
export class DicomSanitizeInputElement extends HTMLElement {
  /** Read at each pick (`recipients` included); else the `key`, `options` and `burned-in` attributes. */
  settings?: SanitizerOptions;
  rename?: RenameFunction;
  readonly controller?: FileInputGuard;
}

declare global {
  interface HTMLElementTagNameMap {
    "dicom-sanitize-input": DicomSanitizeInputElement;
  }
}
