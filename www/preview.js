// Previews of the sanitized output, what would be sent: a grid of thumbnails grouped by study and
// series (their pseudonymised UIDs and series labels), each rendered by the Web Worker only when
// it scrolls into view, so a study of hundreds of files stays usable; a click opens a larger
// view with a frame slider. The page only draws the ImageBitmaps the worker posts. A file that
// needs review before it has an output shows its original (in this page only), grouped apart,
// and moves to its study once sanitized; each thumbnail carries its file's review status.

const THUMB = 128;
const STATUS = {
  ok: "sanitized",
  sanitized: "sanitized",
  checking: "checking…",
  review: "needs review",
  failed: "pixel check failed",
  refused: "refused",
};
const LARGE = 768;

/** `call(type, payload)` sends a message to the page's worker and resolves with its reply;
 * `onDrawn(r, frame, canvas)` follows each frame drawn in the large view (the review's overlay). */
export function createPreviews(call, root, dialog, { onDrawn = () => {}, onOpen = () => {} } = {}) {
  const studies = new Map(); // study UID -> { element, series: Map(series UID -> grid) }
  const files = new Map(); // figure -> the page's result for the file: { n, name, blob, file, frames, … }
  const figures = new Map(); // n -> figure
  const observer = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        observer.unobserve(e.target);
        thumbnail(e.target);
      }
    },
    { rootMargin: "200px" },
  );

  function el(tag, props = {}, ...children) {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  }

  /** The last digits of a pseudonymised UID: enough to tell studies apart on screen. */
  const short = (uid) => (uid ? `…${uid.slice(-8)}` : "(none)");

  function group(labels, original) {
    // An original's UIDs are not shown: its own section until it has an output.
    const studyKey = original ? "original" : labels.studyInstanceUid ?? "";
    let study = studies.get(studyKey);
    if (!study) {
      const title = original ? "Originals to review (not sanitized yet)" : `Study ${short(labels.studyInstanceUid)}`;
      const element = el("section", { className: original ? "study originals" : "study" }, el("h3", { textContent: title }));
      element.dataset.study = studyKey;
      root.append(element);
      study = { element, series: new Map() };
      studies.set(studyKey, study);
    }
    const seriesKey = original ? "" : labels.seriesInstanceUid ?? "";
    let grid = study.series.get(seriesKey);
    if (!grid) {
      const title = original ? labels.modality ?? "" : [
        `Series ${labels.seriesNumber ?? "–"}`,
        labels.seriesDescription,
        labels.modality,
        short(labels.seriesInstanceUid),
      ].filter(Boolean).join(" · ");
      grid = el("div", { className: "thumbs" });
      const series = el("div", { className: "series" }, el("h4", { textContent: title }), grid);
      series.dataset.series = seriesKey;
      study.element.append(series);
      study.series.set(seriesKey, grid);
    }
    return grid;
  }

  function draw(canvas, bitmap) {
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    canvas.getContext("2d").drawImage(bitmap, 0, 0);
    bitmap.close();
  }

  // Thumbnails one at a time: the worker is one thread, and each holds its file in memory.
  let queue = Promise.resolve();
  const queued = (payload) => {
    const run = queue.then(() => call("preview", payload));
    queue = run.catch(() => {});
    return run;
  };

  const source = (r) => r.blob ?? r.file;

  async function thumbnail(figure) {
    const r = files.get(figure);
    const blob = source(r);
    try {
      const { bitmap, coded } = await queued({ blob, frame: 0, maxSize: THUMB });
      if (source(r) !== blob) return; // sanitized again meanwhile: that render follows
      draw(figure.querySelector("canvas"), bitmap);
      figure.dataset.state = "rendered";
      figure.dataset.coded = coded;
    } catch (e) {
      figure.dataset.state = "failed";
      figure.querySelector(".error").textContent = e.code ?? e.message;
    }
  }

  // The large view: the latest frame asked for wins; frames asked for meanwhile are skipped.
  let shown = null;
  let wanted = 0;
  let rendering = false;
  const canvas = dialog.querySelector("canvas");
  const slider = dialog.querySelector("input[type=range]");
  const label = dialog.querySelector(".frame");

  async function renderLarge() {
    if (rendering) return;
    rendering = true;
    try {
      while (shown && canvas.dataset.frame !== String(wanted)) {
        const frame = wanted;
        const file = shown;
        label.textContent = `Frame ${frame + 1} of ${file.frames}`;
        try {
          const { bitmap } = await call("preview", { blob: source(file), frame, maxSize: LARGE });
          if (file !== shown) break;
          draw(canvas, bitmap);
          canvas.dataset.frame = String(frame);
          dialog.dataset.error = "";
          onDrawn(file, frame, canvas);
        } catch (e) {
          dialog.dataset.error = e.code ?? "failed";
          canvas.dataset.frame = String(frame);
        }
      }
    } finally {
      rendering = false;
    }
  }

  function open(figure) {
    shown = files.get(figure);
    onOpen(shown);
    dialog.querySelector("h3").textContent = figure.querySelector("figcaption").firstChild.textContent;
    slider.max = String(shown.frames - 1);
    slider.value = "0";
    slider.hidden = shown.frames < 2;
    canvas.dataset.frame = "";
    wanted = 0;
    dialog.showModal();
    renderLarge();
  }

  slider.oninput = () => {
    wanted = Number(slider.value);
    renderLarge();
  };
  dialog.querySelector("button.close").onclick = () => dialog.close();
  dialog.onclose = () => (shown = null);

  /** Puts `figure` in the group of what it shows (the output's study, or the originals). */
  async function place(figure, r) {
    const { frames, rows, columns, labels } = await call("describe", { blob: source(r) });
    // Cleared meanwhile: a late answer must not bring the figure back.
    if (files.get(figure) !== r) return false;
    if (!frames) return false; // no image: nothing to preview (SR, DICOMDIR, …)
    Object.assign(r, { frames, rows, columns });
    figure.dataset.frames = String(frames);
    figure.dataset.source = r.blob ? "output" : "original";
    figure.querySelector(".meta").textContent = `${columns}×${rows}${frames > 1 ? ` · ${frames} frames` : ""}`;
    const grid = group(labels, !r.blob);
    if (figure.parentElement !== grid) grid.append(figure);
    // Drop the series and studies a move emptied.
    for (const [studyKey, study] of studies) {
      for (const [seriesKey, g] of study.series) {
        if (g.children.length) continue;
        g.parentElement.remove();
        study.series.delete(seriesKey);
      }
      if (study.series.size) continue;
      study.element.remove();
      studies.delete(studyKey);
    }
    return true;
  }

  return {
    /** Adds a result row's file: its output, or its original while it awaits review; described
     * by the worker, drawn when seen. */
    async add(r) {
      const { n, name } = r;
      const canvas = el("canvas", { width: 1, height: 1 });
      canvas.setAttribute("aria-label", `preview of file ${n}`);
      const caption = el("figcaption", {}, `#${n} ${name.split("/").pop()}`, el("div", { className: "meta" }), el("div", { className: "status" }), el("div", { className: "error refused" }));
      const figure = el("figure", { className: "thumb", tabIndex: 0 }, canvas, caption);
      figure.dataset.n = String(n);
      figure.onclick = () => open(figure);
      figure.onkeydown = (e) => e.key === "Enter" && open(figure);
      files.set(figure, r);
      try {
        if (!(await place(figure, r))) return files.delete(figure);
      } catch {
        return files.delete(figure); // a header the table already reports on
      }
      figures.set(n, figure);
      this.status(r);
      observer.observe(figure);
    },
    /** The file was sanitized again: its new output (or none) is drawn. */
    async update(r) {
      const figure = figures.get(r.n);
      if (!figure || files.get(figure) !== r) return;
      if (!(await place(figure, r).catch(() => false))) return;
      delete figure.dataset.state;
      observer.unobserve(figure);
      observer.observe(figure);
      if (shown === r) {
        canvas.dataset.frame = "";
        renderLarge();
      }
    },
    /** Shows the file's review status on its thumbnail. */
    status(r) {
      const figure = figures.get(r.n);
      if (!figure || files.get(figure) !== r) return;
      figure.dataset.review = r.status;
      figure.querySelector(".status").textContent = STATUS[r.status] ?? r.status;
      if (shown === r) onOpen(r);
    },
    /** The file shown in the large view, if any. */
    get shown() {
      return shown;
    },
    clear() {
      observer.disconnect();
      files.clear();
      figures.clear();
      studies.clear();
      root.replaceChildren();
    },
  };
}
