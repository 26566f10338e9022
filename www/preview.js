// Previews of the sanitized output, what would be sent: a grid of thumbnails grouped by study and
// series (their pseudonymised UIDs and series labels), each rendered by the Web Worker only when
// it scrolls into view, so a study of hundreds of files stays usable; a click opens a larger
// view with a frame slider. The page only draws the ImageBitmaps the worker posts.

const THUMB = 128;
const LARGE = 768;

/** `call(type, payload)` sends a message to the page's worker and resolves with its reply. */
export function createPreviews(call, root, dialog) {
  const studies = new Map(); // study UID -> { element, series: Map(series UID -> grid) }
  const files = new Map(); // figure -> { blob, frames, n }
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

  function group(labels) {
    const studyKey = labels.studyInstanceUid ?? "";
    let study = studies.get(studyKey);
    if (!study) {
      const element = el("section", { className: "study" }, el("h3", { textContent: `Study ${short(labels.studyInstanceUid)}` }));
      element.dataset.study = studyKey;
      root.append(element);
      study = { element, series: new Map() };
      studies.set(studyKey, study);
    }
    const seriesKey = labels.seriesInstanceUid ?? "";
    let grid = study.series.get(seriesKey);
    if (!grid) {
      const title = [
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

  async function thumbnail(figure) {
    const { blob } = files.get(figure);
    try {
      const { bitmap, coded } = await queued({ blob, frame: 0, maxSize: THUMB });
      draw(figure.querySelector("canvas"), bitmap);
      figure.dataset.state = "rendered";
      figure.dataset.coded = coded;
    } catch (e) {
      figure.dataset.state = "failed";
      figure.querySelector("figcaption").append(el("div", { className: "refused", textContent: e.code ?? e.message }));
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
          const { bitmap } = await call("preview", { blob: file.blob, frame, maxSize: LARGE });
          if (file !== shown) break;
          draw(canvas, bitmap);
          canvas.dataset.frame = String(frame);
          dialog.dataset.error = "";
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

  return {
    /** Adds the sanitized file of a result row: described by the worker, drawn when seen. */
    async add({ n, name, blob }) {
      let described;
      try {
        described = await call("describe", { blob });
      } catch {
        return; // a header the table already reports on
      }
      const { frames, rows, columns, labels } = described;
      if (!frames) return; // no image: nothing to preview (SR, DICOMDIR, …)
      const canvas = el("canvas", { width: 1, height: 1 });
      canvas.setAttribute("aria-label", `preview of file ${n}`);
      const caption = el("figcaption", {}, `#${n} ${name.split("/").pop()}`, el("div", { className: "meta", textContent: `${columns}×${rows}${frames > 1 ? ` · ${frames} frames` : ""}` }));
      const figure = el("figure", { className: "thumb", tabIndex: 0 }, canvas, caption);
      figure.dataset.n = String(n);
      figure.dataset.frames = String(frames);
      figure.onclick = () => open(figure);
      figure.onkeydown = (e) => e.key === "Enter" && open(figure);
      files.set(figure, { blob, frames, n });
      group(labels).append(figure);
      observer.observe(figure);
    },
    clear() {
      observer.disconnect();
      files.clear();
      studies.clear();
      root.replaceChildren();
    },
  };
}
