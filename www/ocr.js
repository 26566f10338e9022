// OCR of burned-in text, on this device: a small pool of tesseract.js workers whose script, core
// (wasm) and English data are all served with the page from vendor/tesseract/ (`make site`), so
// nothing is fetched from anywhere else. Workers are made on first use and ended on page unload.
import Tesseract from "./vendor/tesseract/tesseract.esm.min.js";

const VENDOR = new URL("./vendor/tesseract/", import.meta.url);
// Absolute: the worker resolves paths against its own URL, not the page's.
const PATHS = {
  workerPath: new URL("worker.min.js", VENDOR).href,
  // A folder: tesseract picks the relaxed-SIMD, SIMD or plain LSTM-only core the device runs.
  corePath: VENDOR.href,
  // eng.traineddata.gz (the integer LSTM model, the one tesseract.js loads by default).
  langPath: VENDOR.href,
};
const OPTIONS = {
  ...PATHS,
  gzip: true,
  // A same-origin worker script: the page's CSP allows workers from 'self' only, not blob:.
  workerBlobURL: false,
  // The HTTP cache already keeps the model; no copy of it in IndexedDB.
  cacheMethod: "none",
};

/** The size of the pool: two workers at most (each holds ~40 MB of wasm memory), fewer on a
 * single-core device. */
export function poolSize() {
  return Math.max(1, Math.min(2, globalThis.navigator?.hardwareConcurrency || 1));
}

/** What tesseract.js reads from: a canvas, with ImageData and ImageBitmap drawn onto one. */
function toCanvas(image) {
  if (image instanceof OffscreenCanvas || image instanceof HTMLCanvasElement) return image;
  const canvas = new OffscreenCanvas(image.width, image.height);
  const ctx = canvas.getContext("2d");
  if (image instanceof ImageData) ctx.putImageData(image, 0, 0);
  else ctx.drawImage(image, 0, 0);
  return canvas;
}

/** `{ text, confidence, bbox: { x0, y0, x1, y1 }, line }` per word, in image pixels, in reading
 * order; `line` numbers the lines of the image from 0. */
function wordsOf(blocks) {
  const out = [];
  let line = 0;
  for (const block of blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const l of paragraph.lines) {
        for (const w of l.words) {
          if (w.text.trim()) out.push({ text: w.text, confidence: w.confidence, bbox: { ...w.bbox }, line });
        }
        line++;
      }
    }
  }
  return out;
}

export class OcrPool {
  /** `size`: workers at most (default `poolSize()`); `onProgress({ status, progress })`: loading
   * and recognition progress of any job, 0..1 per step. */
  constructor({ size = poolSize(), onProgress } = {}) {
    this.size = size;
    this.onProgress = onProgress;
    this.workers = []; // { worker: Promise<TesseractWorker>, job }
    this.queue = [];
    this.ended = false;
  }

  /** The words in `image` (ImageBitmap, ImageData, canvas or OffscreenCanvas), with progress of
   * this job to `onProgress` as well as the pool's. */
  recognize(image, { onProgress } = {}) {
    if (this.ended) return Promise.reject(new Error("the OCR pool was terminated"));
    const canvas = toCanvas(image);
    return new Promise((resolve, reject) => {
      this.queue.push({ canvas, onProgress, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch() {
    while (this.queue.length) {
      let slot = this.workers.find((w) => !w.job);
      if (!slot && this.workers.length < this.size) slot = this.#spawn();
      if (!slot) return;
      this.#run(slot, this.queue.shift());
    }
  }

  #spawn() {
    const slot = { job: null };
    const logger = (m) => {
      const p = { status: m.status, progress: m.progress };
      this.onProgress?.(p);
      slot.job?.onProgress?.(p);
    };
    slot.worker = Tesseract.createWorker("eng", Tesseract.OEM.LSTM_ONLY, { ...OPTIONS, logger });
    this.workers.push(slot);
    return slot;
  }

  async #run(slot, job) {
    slot.job = job;
    try {
      const worker = await slot.worker;
      const { data } = await worker.recognize(job.canvas, {}, { blocks: true, text: false });
      job.resolve(wordsOf(data.blocks));
    } catch (e) {
      job.reject(e instanceof Error ? e : new Error(String(e)));
    } finally {
      slot.job = null;
      if (!this.ended) this.#dispatch();
    }
  }

  /** Ends every worker; queued jobs reject. */
  async terminate() {
    this.ended = true;
    for (const job of this.queue.splice(0)) job.reject(new Error("the OCR pool was terminated"));
    const workers = this.workers.splice(0);
    await Promise.allSettled(workers.map(async (w) => (await w.worker).terminate()));
  }
}

let shared;
/** The page's one pool, made on first use and ended when the page goes away. */
export function ocrPool(options) {
  if (!shared) {
    shared = new OcrPool(options);
    addEventListener("pagehide", () => {
      shared?.terminate();
      shared = undefined; // a page restored from the back-forward cache makes a new one
    }, { once: true });
  }
  return shared;
}

/** The words in `image`, from the page's pool. */
export function recognize(image, options) {
  return ocrPool().recognize(image, options);
}
