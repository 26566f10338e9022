// An Uppy (@uppy/core 6) preprocessor: each file is de-identified in the package's Web Worker,
// streamed, before any uploader sees it. The sanitized bytes and a numbered name replace the
// file's data and name (names and folder paths can carry PHI); refused files leave the upload
// and Uppy's list with their reason shown; the report goes into the file's meta.
import { BasePlugin } from "@uppy/core";
import { SanitizerWorker, describeRefusal, numberedName } from "./intake.js";

/**
 * `uppy.use(DicomSanitize, { settings, rename, worker })`: `settings` are SanitizerOptions (or a
 * function giving them per upload), `rename({ index, path, file, report })` names the output,
 * `worker` is a SanitizerWorker or a worker script URL (default: the package's own).
 */
export default class DicomSanitize extends BasePlugin {
  static VERSION = "0.1.0";

  constructor(uppy, opts = {}) {
    super(uppy, opts);
    this.id = opts.id ?? "DicomSanitize";
    this.type = "modifier";
    this.count = 0;
    this.prepareUpload = this.prepareUpload.bind(this);
  }

  install() {
    this.uppy.addPreProcessor(this.prepareUpload);
  }

  uninstall() {
    this.uppy.removePreProcessor(this.prepareUpload);
    if (this.ownWorker) this.worker?.terminate();
    this.worker = undefined;
  }

  async prepareUpload(fileIDs) {
    if (!this.worker) {
      const given = this.opts.worker;
      this.ownWorker = !(given instanceof SanitizerWorker);
      this.worker = this.ownWorker ? new SanitizerWorker(given) : given;
    }
    const { settings = {} } = this.opts;
    // Settings refused here refuse every file below, each with the reason.
    const configured = this.worker.configure(typeof settings === "function" ? settings() : settings).then(
      () => null,
      (e) => e,
    );
    const rename = this.opts.rename ?? numberedName;
    for (const id of fileIDs) {
      const file = this.uppy.getFile(id);
      if (!file || file.meta.dicomReport) continue; // gone, or sanitized by an earlier attempt
      const progress = (value) =>
        this.uppy.emit("preprocess-progress", file, { mode: "determinate", message: "De-identifying…", value });
      progress(0);
      try {
        const settingsError = await configured;
        if (settingsError) throw settingsError;
        const { blob, report } = await this.worker.sanitize(file.data, (bytes) => progress(file.size ? bytes / file.size : 1));
        const name = rename({ index: this.count++, path: file.meta.relativePath ?? file.name, file: file.data, report });
        const data = new File([blob], name, { type: "application/dicom" });
        // relativePath goes: uploaders send meta as form fields, and folder names can carry PHI.
        const { relativePath: _path, ...meta } = file.meta;
        this.uppy.setFileState(id, {
          data,
          name,
          type: data.type,
          extension: "dcm",
          size: data.size,
          meta: { ...meta, name, type: data.type, dicomReport: JSON.stringify(report) },
          progress: { ...file.progress, bytesTotal: data.size },
        });
        this.uppy.emit("preprocess-complete", this.uppy.getFile(id));
      } catch (e) {
        const code = e.code ?? "worker.failed";
        const reason = describeRefusal(code);
        this.uppy.log(`[DicomSanitize] ${file.id} refused: ${code}`, "warning");
        this.uppy.emit("dicom-sanitize:refused", file, { code, reason });
        // Removed from Uppy (and so from this upload), not failed: the bytes must never go out.
        this.uppy.removeFile(id);
        this.uppy.info(`${file.name} was not uploaded: ${reason}`, "error", 30_000);
      }
    }
  }
}

export { DicomSanitize };
