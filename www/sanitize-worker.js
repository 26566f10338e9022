// The page's Web Worker: the package's own worker module (sanitize, directory, progress), shared
// with the package's form and Uppy integrations, plus the download zip built here too.
import { handlers } from "./pkg/sanitize-worker.js";
import { zipSync } from "./vendor/fflate.js";

handlers.zip = async ({ files }) => {
  // Stored, not deflated: DICOM pixel data barely compresses and level 0 is much faster.
  const entries = {};
  for (const { name, blob } of files) entries[name] = [new Uint8Array(await blob.arrayBuffer()), { level: 0 }];
  const bytes = zipSync(entries);
  return { reply: { bytes }, transfer: [bytes.buffer] };
};
