// The large view's review controls: the file's status and why, the words OCR read (identifying
// ones marked) drawn over the image with the proposed regions, and the actions: blank the
// proposed regions, pass as shown (only when OCR found nothing identifying), or drag rectangles
// and blank them on this image or, as a region rule, on every image of the same device and size.
import { createDrawing, ruleFor } from "./regions.js";

const LABEL = {
  ok: "sanitized",
  checking: "checking…",
  review: "needs review",
  failed: "pixel check failed",
  refused: "refused",
  skipped: "skipped",
};

/** `review`: createReview's; `results()`: every file of the page; `onRules()`: rules changed. */
export function createReviewPanel(dialog, { review, results, onRules }) {
  const panel = dialog.querySelector(".review");
  const image = dialog.querySelector("canvas.image");
  const overlay = dialog.querySelector("canvas.overlay");
  const $ = (sel) => panel.querySelector(sel);
  let r = null;
  let frame = 0;

  const ocrFrame = () => r?.ocr?.frames?.find((f) => f.frame === frame);
  const drawing = createDrawing(overlay, () => {
    if (!r?.columns) return null;
    const f = ocrFrame();
    return {
      columns: r.columns,
      rows: r.rows,
      words: f?.words,
      identifying: f?.identifying,
      proposed: r.status === "review" || r.status === "failed" ? r.ocr?.proposed : [],
      blanked: r.blankRegions,
    };
  }, buttons);

  function buttons() {
    const busy = !r || r.status === "checking";
    const drawn = drawing.drawn.length > 0;
    $(".accept").disabled = busy || !(r.ocr?.proposed?.length && (r.status === "review" || r.status === "failed"));
    $(".pass").disabled = busy || r.status !== "review" || !r.ocr?.checked || r.ocr.found.length > 0;
    for (const b of [$(".blank-here"), $(".blank-rule"), $(".undo")]) b.disabled = busy || !drawn;
    if (r?.info) $(".blank-rule").textContent = `Blank them on every ${r.info.labels.modality ?? ""} image of this device, ${r.info.columns}×${r.info.rows}`;
  }

  function words() {
    const f = ocrFrame();
    const list = $(".words");
    list.replaceChildren(...(f?.words ?? []).map((w, i) => {
      const li = document.createElement("li");
      li.textContent = w.text;
      li.className = f.identifying[i] ? "identifying" : "";
      // Why it is identifying: the header value it echoes, or its shape (date, digits, …).
      if (f.why?.[i]) li.title = li.dataset.why = f.why[i];
      li.dataset.box = [w.bbox.x0, w.bbox.y0, w.bbox.x1, w.bbox.y1].map(Math.round).join(",");
      return li;
    }));
    $(".words-h").hidden = !f;
    $(".words-h").textContent = f ? `Text OCR read on frame ${frame + 1} of the ${r.ocr.of} (identifying in red):` : "";
  }

  /** Redraws the status, words and overlay for the file shown (on open and on every change). */
  function show(file) {
    if (file !== r) drawing.drawn.length = 0;
    r = file;
    panel.dataset.status = r.status;
    panel.dataset.n = String(r.n);
    // For scripts and tests: the regions proposed, in image pixels.
    panel.dataset.proposed = JSON.stringify(r.ocr?.proposed ?? []);
    $(".state").textContent = LABEL[r.status] ?? r.status;
    $(".note").textContent = r.note ?? (r.ocr && !r.ocr.checked ? `not OCR-checked: ${r.ocr.why}` : "");
    words();
    buttons();
    drawing.redraw();
  }

  async function act(fn) {
    const file = r;
    drawing.drawn.length = 0;
    buttons();
    await fn(file);
  }

  $(".accept").onclick = () => act((file) => review.blank(file, file.ocr.proposed));
  $(".pass").onclick = () => act((file) => review.pass(file));
  $(".blank-here").onclick = () => {
    const regions = [...drawing.drawn];
    act((file) => review.blank(file, regions));
  };
  $(".blank-rule").onclick = () => {
    const regions = [...drawing.drawn];
    const covers = $(".covers").checked;
    act(async (file) => {
      const info = await review.inspect(file);
      const rules = [...review.rules, ruleFor(info, regions, covers)];
      onRules(rules);
      await review.setRules(rules, results());
    });
  };
  $(".undo").onclick = () => drawing.clear();

  return {
    show,
    /** A frame was drawn in the large view: the overlay takes its size. */
    drawn(file, f) {
      frame = f;
      overlay.width = image.width;
      overlay.height = image.height;
      // Shown as large as fits, aspect kept, so a pointer's place maps straight to a pixel.
      const fit = Math.min(780 / image.width, (innerHeight * 0.6) / image.height);
      for (const c of [image, overlay]) c.style.width = `${Math.round(image.width * fit)}px`;
      show(file);
    },
  };
}
