// `dicom-sanitizer/uppy`; the option types are in index.d.ts.
import { BasePlugin, type Uppy } from "@uppy/core";
import type { DicomSanitizeUppyOptions } from "./index.js";
export type { DicomSanitizeUppyOptions } from "./index.js";

/** An Uppy preprocessor ("modifier"): sanitizes each file in the package's Web Worker, renames it,
 * adds the report as `meta.dicomReport` (JSON), and removes refused files with their reason. */
export default class DicomSanitize extends BasePlugin<DicomSanitizeUppyOptions & { id?: string }, any, any> {
  constructor(uppy: Uppy<any, any>, opts?: DicomSanitizeUppyOptions);
}
export { DicomSanitize };
