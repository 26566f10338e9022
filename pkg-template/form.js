// Intake forms: the files a person picks or drops (files or whole folders) are de-identified in
// the package's Web Worker, then the input's `files` is replaced by the sanitized files, renamed,
// before the form can submit. Refused files are listed with a sentence and never submitted.
// Plain DOM; works with a plain multipart POST and with `fetch(new FormData(form))`.
import { SanitizerWorker, describeRefusal, droppedFiles, numberedName } from "./intake.js";

export { SanitizerWorker, describeRefusal };

const BUSY = "Files are still being de-identified. Please wait.";

/**
 * Protects one `<input type=file>`. Options: `settings` (SanitizerOptions, or a function giving
 * them at each pick), `rename({ index, path, file, report })`, `onProgress(detail)`, `dropZone`
 * (an element that takes drops of files and folders), `status` (an element to show progress and
 * refusals in; default: one inserted after the input; false: none), `worker` (a SanitizerWorker
 * or a worker script URL). Events on the input: `dicom-sanitize-start`, `-progress`, `-done`.
 */
export function protectFileInput(input, options = {}) {
  const rename = options.rename ?? numberedName;
  const worker = options.worker instanceof SanitizerWorker ? options.worker : new SanitizerWorker(options.worker);
  const ownWorker = !(options.worker instanceof SanitizerWorker);
  const ui = options.status === false ? null : statusView(input, options.status);
  let generation = 0;
  let queue = Promise.resolve();
  let running = 0;
  let disabled = [];
  let result = { files: [], refused: [] };

  const emit = (type, detail) => {
    input.dispatchEvent(new CustomEvent(`dicom-sanitize-${type}`, { detail, bubbles: true }));
  };

  function lock() {
    // The custom validity stops a validating submit (with its own message); the capture listener
    // below stops `novalidate` forms and the page's own submit handlers; disabled buttons stop
    // clicks and implicit submission.
    input.setCustomValidity(BUSY);
    const form = input.form;
    disabled = form ? [...form.elements].filter((e) => (e.type === "submit" || e.type === "image") && !e.disabled) : [];
    for (const b of disabled) b.disabled = true;
  }

  function unlock() {
    input.setCustomValidity("");
    for (const b of disabled) b.disabled = false;
    disabled = [];
  }

  const onSubmit = (e) => {
    if (!running || e.target !== input.form) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    input.reportValidity();
  };
  document.addEventListener("submit", onSubmit, true);

  async function run(picked, gen) {
    const settings = typeof options.settings === "function" ? options.settings() : (options.settings ?? {});
    const totalBytes = picked.reduce((n, p) => n + p.file.size, 0);
    const files = [];
    const refused = [];
    let doneBytes = 0;
    const progress = (index, bytes) => {
      const detail = { index, total: picked.length, bytes, totalBytes, fraction: totalBytes ? bytes / totalBytes : 1 };
      ui?.progress(detail);
      options.onProgress?.(detail);
      emit("progress", detail);
    };
    emit("start", { total: picked.length, totalBytes });
    progress(0, 0);
    let settingsError;
    try {
      await worker.configure(settings);
    } catch (e) {
      settingsError = e;
    }
    for (const [index, { file, path }] of picked.entries()) {
      if (gen !== generation) return; // a newer pick replaced this one
      try {
        if (settingsError) throw settingsError;
        const { blob, report } = await worker.sanitize(file, (bytes) => progress(index, doneBytes + bytes));
        const name = rename({ index: files.length, path, file, report });
        files.push({ file: new File([blob], name, { type: "application/dicom" }), report, path });
      } catch (e) {
        const code = e.code ?? "worker.failed";
        refused.push({ path, code, reason: describeRefusal(code), skipped: code === "read.not_dicom" });
      }
      doneBytes += file.size;
      progress(index + 1, doneBytes);
    }
    if (gen !== generation) return;
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(f.file);
    input.files = dt.files; // assigning fires no `change`, so this is not taken for a new pick
    result = { files, refused };
    ui?.done(result);
    emit("done", result);
  }

  function pick(picked) {
    const gen = ++generation;
    // The originals leave the input at once: nothing unsanitized can be submitted meanwhile.
    input.value = "";
    if (!picked.length) return queue;
    running++;
    if (running === 1) lock();
    ui?.start(picked.length);
    // One run at a time: a reconfigure must not free the sanitizer under a file still streaming.
    queue = queue
      .then(() => run(picked, gen))
      .finally(() => {
        running--;
        if (!running) unlock();
      });
    return queue;
  }

  const onChange = () => {
    pick([...input.files].map((file) => ({ file, path: file.webkitRelativePath || file.name })));
  };
  input.addEventListener("change", onChange);

  const zone = options.dropZone;
  const onDragOver = (e) => {
    if ([...(e.dataTransfer?.types ?? [])].includes("Files")) e.preventDefault();
  };
  const onDrop = async (e) => {
    if (!e.dataTransfer?.types.includes("Files")) return;
    e.preventDefault();
    pick(await droppedFiles(e.dataTransfer));
  };
  zone?.addEventListener("dragover", onDragOver);
  zone?.addEventListener("drop", onDrop);

  return {
    /** True while files are being de-identified. */
    get busy() {
      return running > 0;
    },
    /** Resolves when the current run is over: `{ files, refused }` as now in the input. */
    async whenIdle() {
      let seen;
      do {
        seen = queue;
        await seen.catch(() => {});
      } while (seen !== queue);
      return result;
    },
    /** The files now in the input (sanitized, with reports) and those refused. */
    get result() {
      return result;
    },
    destroy() {
      generation++;
      input.removeEventListener("change", onChange);
      document.removeEventListener("submit", onSubmit, true);
      zone?.removeEventListener("dragover", onDragOver);
      zone?.removeEventListener("drop", onDrop);
      unlock();
      ui?.remove();
      if (ownWorker) worker.terminate();
    },
  };
}

/** Progress, a line of status and the list of refused files, after the input or in `into`. */
function statusView(input, into) {
  const root = into ?? document.createElement("div");
  root.classList.add("dicom-sanitize-status");
  root.setAttribute("role", "status");
  const bar = Object.assign(document.createElement("progress"), { max: 1, value: 0, hidden: true });
  const text = document.createElement("span");
  const list = Object.assign(document.createElement("ul"), { className: "dicom-sanitize-refused" });
  root.replaceChildren(bar, text, list);
  if (!into) input.after(root);
  return {
    start(n) {
      root.dataset.state = "running";
      bar.hidden = false;
      bar.value = 0;
      text.textContent = `De-identifying ${n} file${n === 1 ? "" : "s"}…`;
      list.replaceChildren();
    },
    progress({ fraction }) {
      bar.value = fraction;
    },
    done({ files, refused }) {
      root.dataset.state = "done";
      bar.value = 1;
      const n = files.length;
      text.textContent = `${n} file${n === 1 ? "" : "s"} de-identified and ready to send` +
        (refused.length ? `; ${refused.length} not accepted:` : ".");
      list.replaceChildren(
        ...refused.map(({ path, code, reason }) => {
          const li = document.createElement("li");
          li.dataset.code = code;
          li.append(Object.assign(document.createElement("strong"), { textContent: path }), `: ${reason}`);
          return li;
        }),
      );
    },
    remove() {
      if (into) root.replaceChildren();
      else root.remove();
    },
  };
}

/**
 * `<dicom-sanitize-input>`: wraps an `<input type=file>` (or makes one, named by its `name`
 * attribute, taking folders with `directory`) and protects it; the element is also a drop zone.
 * Settings: the `settings` property (read at each pick), else the `key`, `options`
 * (space-separated) and `burned-in` attributes. `rename` property as in protectFileInput.
 */
export class DicomSanitizeInputElement extends HTMLElement {
  connectedCallback() {
    if (this.controller) return;
    let input = this.querySelector("input[type=file]");
    if (!input) {
      input = Object.assign(document.createElement("input"), { type: "file", multiple: true });
      input.name = this.getAttribute("name") ?? "files";
      if (this.hasAttribute("directory")) input.webkitdirectory = true;
      this.append(input);
    }
    this.controller = protectFileInput(input, {
      settings: () => this.settings ?? this.attributeSettings(),
      rename: (file) => (this.rename ?? numberedName)(file),
      dropZone: this,
      worker: this.getAttribute("worker") ?? undefined,
    });
  }

  disconnectedCallback() {
    this.controller?.destroy();
    this.controller = undefined;
  }

  attributeSettings() {
    const settings = {};
    if (this.hasAttribute("key")) settings.key = this.getAttribute("key");
    const opts = this.getAttribute("options")?.split(/\s+/).filter(Boolean);
    if (opts?.length) settings.options = opts;
    if (this.hasAttribute("burned-in")) settings.burnedIn = this.getAttribute("burned-in");
    return settings;
  }
}

if (typeof customElements !== "undefined" && !customElements.get("dicom-sanitize-input")) {
  customElements.define("dicom-sanitize-input", DicomSanitizeInputElement);
}
