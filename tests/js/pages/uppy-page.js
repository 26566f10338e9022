// The Uppy page of the integrations test: Dashboard, the package's plugin, XHR upload to /upload/uppy.
import { Dashboard, Uppy, XHRUpload } from "./uppy/uppy.min.mjs";
import DicomSanitize from "./pkg/uppy.js";

const uppy = new Uppy({ autoProceed: false })
  .use(Dashboard, { inline: true, target: "#dashboard", proudlyDisplayPoweredByUppy: false })
  .use(DicomSanitize, {
    settings: { key: "intake-test-key-0123456789abcdef", options: ["retainLongitudinalModifiedDates", "cleanDescriptors"] },
  })
  .use(XHRUpload, { endpoint: "/upload/uppy", fieldName: "file", formData: true });

window.events = { progress: [], refused: [], complete: null };
uppy.on("preprocess-progress", (file, p) => window.events.progress.push({ id: file.id, mode: p.mode, value: p.value }));
uppy.on("dicom-sanitize:refused", (file, r) => window.events.refused.push(r));
uppy.on("complete", (r) => {
  window.events.complete = {
    successful: r.successful.map((f) => ({ id: f.id, name: f.name, report: JSON.parse(f.meta.dicomReport) })),
    failed: r.failed.length,
  };
});
window.uppy = uppy;
document.body.dataset.ready = "true";
