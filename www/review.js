// The review step of an upload: which files may carry text in their pixels, OCR of them (of the
// original while it is refused, of the output once there is one), the regions proposed, and each
// file's honest status. Nothing leaves the page: the page's worker renders and sanitizes, the
// OCR pool reads, and only files whose output passed are offered for download.
//
// Statuses: "ok" (sanitized; and, if its pixels were at risk, OCR found no identifying text in
// the output), "checking" (OCR under way), "review" (needs review: text found and not covered,
// or refused for burned-in text until a person blanks regions or passes it), "failed" (pixel
// check failed: regions were blanked and identifying text, by header echo or by shape, is still
// readable), "refused",
// "skipped". Only "ok" downloads.

import { matchWords, proposeRegions, reasons } from "./phi-tokens.js";
import { ruleMatches } from "./regions.js";

/** Refusals a person can resolve by looking: the pixels may carry text. */
const BURNED_IN = new Set(["pixel.burned_in", "pixel.burned_in_unknown"]);
/** Findings of outputs whose pixels were at risk, or were blanked: their output is OCR-checked. */
const AT_RISK = new Set(["pixel.burned_in_allowed", "pixel.burned_in_unknown_allowed", "pixel.regions_blanked"]);
/** Long side OCR reads at: enough for a scanner's overlay text, bounded for big images. */
const OCR_MAX = 2048;
/** Files checked at once: each holds up to three frames' bitmaps; the OCR pool has two workers. */
const AT_ONCE = 2;
/** A frame OCR has not read by then counts as unread (a worker that died never answers): the
 * file is left unpassed rather than "checking" for ever. */
const OCR_TIMEOUT_MS = 120_000;

function within(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} took over ${ms / 1000} s`), { code: "ocr.timeout" })), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Frames OCR reads: the first, middle and last. */
export function sampleFrames(frames) {
  return [...new Set([0, Math.floor((frames - 1) / 2), frames - 1])].filter((f) => f >= 0);
}

export function atRisk(r) {
  return (r.error && BURNED_IN.has(r.error.code)) || (r.report?.findings ?? []).some((f) => AT_RISK.has(f.code));
}

/**
 * `call(type, payload)`: the page's worker. `recognize(bitmap)`: OCR words. `onUpdate(r)`: a
 * file's status or output changed. `acceptRaw()`: the settings' choice, for reading headers.
 */
export function createReview({ call, recognize, onUpdate, acceptRaw = () => false }) {
  let generation = 0; // bumped by clear(): work for files cleared away is dropped
  let rules = [];
  let running = 0;
  const waiting = [];

  async function slot(fn) {
    // A slot ends by handing itself to the next in line, so none is taken twice.
    if (running < AT_ONCE) running++;
    else await new Promise((go) => waiting.push(go));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }

  /** Whether work begun at `gen` on version `version` of a file is still wanted: not cleared
   * away, and the file not sanitized again since (the later run's result wins). */
  const current = (r, gen, version) => gen === generation && (r.version ?? 0) === version;

  const set = (r, status, note, extra = {}) => {
    Object.assign(r, { status, note }, extra);
    onUpdate(r);
  };

  /** The original's header, read once: identifying values and what region rules select by. */
  async function inspect(r) {
    if (!r.info) {
      const inspected = await call("inspect", { file: r.file, acceptRaw: acceptRaw() });
      Object.assign(r, { values: inspected.values, info: inspected });
    }
    return r.info;
  }

  /** A file just sanitized (or refused): starts its review if its pixels are at risk. */
  async function intake(r) {
    if (!atRisk(r)) {
      if (r.status === "sanitized") r.status = "ok";
      r.ocr = { checked: false, why: "no burned-in risk in its header" };
      onUpdate(r);
      return;
    }
    const gen = generation;
    r.atRisk = true;
    set(r, "checking", "reading its header…");
    try {
      await inspect(r);
    } catch (e) {
      if (gen !== generation) return;
      return set(r, r.blob ? "review" : "refused", `its header does not read for review: ${e.code ?? e.message}`, { ocr: { checked: false, why: e.code } });
    }
    if (gen === generation) await check(r);
  }

  /** OCR of what would be sent (the output) or, while refused, of the original. */
  async function check(r) {
    const gen = generation;
    const version = r.version ?? 0;
    const source = r.blob ?? r.file;
    set(r, "checking", `OCR of the ${r.blob ? "sanitized output" : "original"}…`);
    const frames = [];
    try {
      await slot(async () => {
        for (const frame of sampleFrames(r.info.frames || 1)) {
          if (!current(r, gen, version)) return;
          const { bitmap, columns, rows } = await call("preview", { blob: source, frame, maxSize: OCR_MAX });
          const s = columns / bitmap.width;
          const words = (await within(recognize(bitmap), OCR_TIMEOUT_MS, `OCR of frame ${frame + 1}`)).map((w) => ({
            ...w,
            bbox: { x0: w.bbox.x0 * s, y0: w.bbox.y0 * s, x1: w.bbox.x1 * s, y1: w.bbox.y1 * s },
          }));
          bitmap.close?.();
          // By echo of the header and by shape: the pixel check of an output uses the same.
          const { identifying, matches } = matchWords(words, r.values);
          const why = reasons(words, matches);
          frames.push({ frame, words, identifying, why, proposed: proposeRegions(words, identifying, { width: columns, height: rows }) });
        }
      });
    } catch (e) {
      if (!current(r, gen, version)) return;
      return set(r, "review", `could not be OCR-checked (${e.code ?? e.message}): look at it before passing it`, { ocr: { checked: false, why: e.code ?? "ocr.failed" } });
    }
    if (!current(r, gen, version)) return;
    const found = frames.flatMap((f) => f.words.filter((_, i) => f.identifying[i]).map((w) => w.text));
    const proposed = merge(frames.flatMap((f) => f.proposed));
    const ocr = { checked: true, of: r.blob ? "output" : "original", frames, found, proposed };
    const list = [...new Set(found)].join(", ");
    if (r.blob) {
      if (!found.length) return set(r, "ok", `OCR of the output (${frames.length} frame${frames.length > 1 ? "s" : ""}): no identifying text`, { ocr });
      if (r.blanked) return set(r, "failed", `${list} still readable after blanking`, { ocr });
      return set(r, "review", `identifying text in the output, not yet covered: ${list}`, { ocr });
    }
    if (found.length) return set(r, "review", `identifying text found: ${list}; blank the proposed regions, or draw your own`, { ocr });
    set(r, "review", "OCR found no identifying text; look at it, then pass it as shown or draw regions to blank", { ocr });
  }

  /** Sanitizes a file again with its own regions, the rules, and whether a person passed it. */
  async function resanitize(r) {
    const gen = generation;
    const version = (r.version = (r.version ?? 0) + 1);
    r.atRisk = true; // its output is OCR-checked from now on
    set(r, "checking", "sanitizing again…");
    const settings = { regionRules: rules };
    if (r.blankRegions?.length) settings.blankRegions = r.blankRegions;
    if (r.passed) settings.burnedIn = "allow";
    try {
      await inspect(r);
      const { blob, report } = await call("resanitize", { file: r.file, settings });
      if (!current(r, gen, version)) return;
      const blanked = report.findings.some((f) => f.code === "pixel.regions_blanked");
      Object.assign(r, { blob, report, error: undefined, blanked });
      onUpdate(r, { output: true });
    } catch (e) {
      if (!current(r, gen, version)) return;
      const error = { code: e.code ?? "page.read_failed", message: e.message };
      Object.assign(r, { blob: undefined, report: undefined, error, blanked: false });
      onUpdate(r, { output: true });
      if (!BURNED_IN.has(error.code)) return set(r, "refused", error.message);
    }
    await check(r);
  }

  return {
    intake,
    inspect,
    /** Blanks `regions` (image pixels) in this file, on top of those it had. */
    blank(r, regions) {
      r.blankRegions = [...(r.blankRegions ?? []), ...regions];
      return resanitize(r);
    },
    /** A person looked and passes it as shown (burnedIn "allow" for this file); the output is
     * still OCR-checked. */
    pass(r) {
      r.passed = true;
      return resanitize(r);
    },
    get rules() {
      return rules;
    },
    /** New rules: every file a changed rule selects is sanitized again. */
    async setRules(next, results) {
      const before = rules;
      rules = next;
      const changed = [...next.filter((x) => !before.includes(x)), ...before.filter((x) => !next.includes(x))];
      const gen = generation;
      const affected = [];
      for (const r of results.filter((r) => r.file && r.status !== "skipped")) {
        const info = await inspect(r).catch(() => null);
        if (gen !== generation) return;
        if (info?.frames && changed.some((rule) => ruleMatches(rule, info))) affected.push(r);
      }
      await Promise.all(affected.map(resanitize));
    },
    /** Rules in force from the start of a run (the worker's settings take them too). */
    initRules(next) {
      rules = next;
    },
    clear() {
      generation++;
    },
  };
}

/** Regions proposed on several frames, each once. */
function merge(regions) {
  const seen = new Set();
  return regions.filter((r) => {
    const k = `${r.x},${r.y},${r.width},${r.height}`;
    return !seen.has(k) && seen.add(k);
  });
}
