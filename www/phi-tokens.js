// Which words OCR read off an image are identifying, and the regions to blank around them: the
// words that echo the file's header (here) and the words identifying by their shape whatever the
// header says (phi-shapes.js). Pure (no DOM, no wasm): the page and Node's tests import it.
//
// The values are `identifyingValues(header)` of the package: `{ kind, keyword, value }` with kind
// name | id | date | text. Each value gives phrases (sequences of words, as a person or a device
// would write it); a phrase matches consecutive words of one OCR line.

import { runs, shapeWords } from "./phi-shapes.js";

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTHS_LONG = [
  "january", "february", "march", "april", "may", "june",
  "july", "august", "september", "october", "november", "december",
];

/** Characters OCR takes for one another; one such slip is forgiven in a word of 5+ characters
 * (shorter words would then match too much: "1965" against "1985" is not a slip to forgive). */
const CONFUSABLE = ["o0q", "il1|!", "s5$", "b8", "z2", "g6"];
export const MIN_TOLERANT_CHARS = 5;
/** Identifiers that are all digits and shorter than this stand for countless other numbers on
 * an image (a scale's "100"), as in the residual-PHI gate. */
export const MIN_ID_DIGITS = 5;
/** Name parts shorter than this (initials) are not looked for. */
export const MIN_NAME_CHARS = 2;

/** A word as compared: lower case, without the punctuation around it ("Doe," → "doe"). */
export function normalize(text) {
  return text.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
}

function words(text) {
  return text.split(/\s+/).map(normalize).filter(Boolean);
}

/** Every common spelling of a DA value `YYYYMMDD`, each as its words: ISO and DICOM, day or
 * month first with `/ . -`, with or without leading zeros, two-digit years, and month names
 * ("12-Apr-1965", "12 Apr 1965", "Apr 12, 1965", "APRIL 12 1965"). `[]` for anything else. */
export function dateSpellings(da) {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  if (!m) return [];
  const [, y, mm, dd] = m;
  const month = Number(mm);
  if (month < 1 || month > 12 || Number(dd) < 1 || Number(dd) > 31) return [];
  const yy = y.slice(2);
  const d = String(Number(dd));
  const mo = String(month);
  const out = new Set([y + mm + dd, `${y}-${mm}-${dd}`, `${y}/${mm}/${dd}`, `${y}.${mm}.${dd}`, yy + mm + dd]);
  for (const year of [y, yy]) {
    for (const sep of ["/", ".", "-"]) {
      for (const [a, b] of [[dd, mm], [mm, dd], [d, mo], [mo, d]]) out.add(`${a}${sep}${b}${sep}${year}`);
    }
    for (const name of [MONTHS[month - 1], MONTHS_LONG[month - 1]]) {
      for (const day of new Set([dd, d])) {
        out.add(`${day}-${name}-${year}`);
        out.add(`${day}${name}${year}`);
        out.add(`${day} ${name} ${year}`);
        out.add(`${name} ${day} ${year}`); // "Apr 12, 1965": the comma goes with normalize()
        out.add(`${name}-${day}-${year}`);
      }
    }
  }
  return [...out].map(words);
}

/** The phrases to look for, one `{ phrase: string[], kind, keyword }` per spelling. */
export function phrasesOf(values) {
  const out = [];
  const seen = new Set();
  const add = (phrase, v) => {
    const key = phrase.join(" ");
    if (!phrase.length || seen.has(key)) return;
    seen.add(key);
    out.push({ phrase, kind: v.kind, keyword: v.keyword ?? "" });
  };
  for (const v of values) {
    const value = v.value.trim();
    if (v.kind === "date") {
      for (const p of dateSpellings(value)) add(p, v);
    } else if (v.kind === "name") {
      // Each part alone (family, given, middle; "GARCIA-LOPEZ" and "O'BRIEN" in halves too), and
      // the whole name as written with spaces.
      for (const part of value.split(/[\^\s=-]+/)) {
        for (const w of [part, ...part.split(/[^\p{L}\p{N}]+/u)].map(normalize)) {
          if ([...w].length >= MIN_NAME_CHARS) add([w], v);
        }
      }
      add(words(value.replace(/\^/g, " ")), v);
    } else if (v.kind === "id") {
      const w = normalize(value);
      const digits = /^\d+$/.test(w);
      if (w.length >= 2 && !(digits && w.length < MIN_ID_DIGITS)) add(words(value), v);
    } else {
      add(words(value), v);
    }
  }
  return out;
}

function confusable(a, b) {
  return CONFUSABLE.some((g) => g.includes(a) && g.includes(b));
}

/** Whether OCR's (normalized) word is `want`, allowing one confusable character in 5+. */
export function sameWord(got, want) {
  if (got === want) return true;
  const g = [...got];
  const w = [...want];
  if (g.length !== w.length || w.length < MIN_TOLERANT_CHARS) return false;
  let slips = 0;
  for (let i = 0; i < w.length; i++) {
    if (g[i] === w[i]) continue;
    if (!confusable(g[i], w[i]) || ++slips > 1) return false;
  }
  return true;
}

/** Names written whole, as a device prints a PN value: family and given name (and more) in
 * order, each pair joined by at most one character, whatever it is: OCR reads the `^` of
 * "DOE^JANE" as "A" or drops it, and people write "DOE,JANE". */
export function namePatterns(values) {
  const out = [];
  for (const v of values) {
    if (v.kind !== "name") continue;
    const parts = v.value.split("^").map(normalize).filter(Boolean);
    const esc = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    for (let n = 2; n <= esc.length; n++) {
      out.push({ pattern: new RegExp(`^${esc.slice(0, n).join(".?")}$`, "u"), kind: v.kind, keyword: v.keyword ?? "" });
    }
  }
  return out;
}

/**
 * Marks the OCR words (`{ text, bbox, line }`, in reading order) that are identifying: by echo
 * of the header's `values` and, unless `shapes` is false, by shape (`shapeWords`).
 * Returns `{ identifying: boolean[] (one per word), matches: [{ words: number[], kind, keyword,
 * by }] }`: by "echo" with the value's kind and keyword, or by "shape" with kind the rule.
 * A one-word phrase also matches a part of a word between punctuation ("ID:MRN0012345",
 * "DOE^JANE"); longer phrases match consecutive words of one line; a whole name matches as
 * `namePatterns` says ("DOEAJANE").
 */
export function matchWords(ocrWords, values, { shapes = true } = {}) {
  const phrases = phrasesOf(values);
  const norm = ocrWords.map((w) => normalize(w.text));
  const parts = norm.map((w) => w.split(/[^\p{L}\p{N}]+/u).filter(Boolean));
  const identifying = ocrWords.map(() => false);
  const matches = [];
  const joined = namePatterns(values);
  for (let i = 0; i < ocrWords.length; i++) {
    if (!norm[i]) continue;
    for (const { pattern, kind, keyword } of joined) {
      if (pattern.test(norm[i])) {
        identifying[i] = true;
        matches.push({ words: [i], kind, keyword, by: "echo" });
      }
    }
    for (const { phrase, kind, keyword } of phrases) {
      const n = phrase.length;
      let hit = false;
      if (n === 1) {
        // Dates only whole: "12" of "12/04/1965" is no one's birth date.
        hit = sameWord(norm[i], phrase[0]) || (kind !== "date" && parts[i].some((p) => sameWord(p, phrase[0])));
      } else if (i + n <= ocrWords.length) {
        hit = phrase.every((want, k) => ocrWords[i + k].line === ocrWords[i].line && sameWord(norm[i + k], want));
      }
      if (hit) {
        const idx = Array.from({ length: n }, (_, k) => i + k);
        idx.forEach((j) => (identifying[j] = true));
        matches.push({ words: idx, kind, keyword, by: "echo" });
      }
    }
  }
  if (shapes) {
    const shaped = shapeWords(ocrWords);
    shaped.identifying.forEach((yes, i) => yes && (identifying[i] = true));
    for (const m of shaped.matches) matches.push({ words: m.words, kind: m.rule, keyword: "", by: "shape" });
  }
  return { identifying, matches };
}

/** Why each word is identifying, for people: "PatientName" (echoes that header value), "date",
 * "digits", "time", "label", "name" (its shape), joined by ", "; "" for the others. */
export function reasons(ocrWords, matches) {
  const why = ocrWords.map(() => new Set());
  for (const m of matches) for (const i of m.words) why[i].add(m.by === "echo" ? m.keyword || m.kind : m.kind);
  return why.map((s) => [...s].join(", "));
}

/**
 * The regions to blank, as `{ x, y, width, height }` (the sanitizer's `blankRegions`): per run of
 * words (an OCR line up to a wide gap, `runs`) holding an identifying word, the union of the
 * run's words when `wholeLine` (the default: OCR may have read a neighbour of an identifier
 * wrong, or split it, and a device's line of patient details is blanked whole while its
 * technical readout in another column stays), else of its identifying words only; padded by
 * `pad` pixels and clamped to the `width` × `height` image. Box corners are `x0,y0` inclusive,
 * `x1,y1` exclusive.
 */
export function proposeRegions(ocrWords, identifying, { width, height, pad = 4, wholeLine = true }) {
  const run = runs(ocrWords);
  const hit = new Set(run.filter((_, i) => identifying[i]));
  const boxes = new Map();
  ocrWords.forEach((w, i) => {
    if (!(wholeLine ? hit.has(run[i]) : identifying[i])) return;
    const b = boxes.get(run[i]);
    const { x0, y0, x1, y1 } = w.bbox;
    boxes.set(run[i], b ? { x0: Math.min(b.x0, x0), y0: Math.min(b.y0, y0), x1: Math.max(b.x1, x1), y1: Math.max(b.y1, y1) } : { x0, y0, x1, y1 });
  });
  const out = [];
  for (const b of boxes.values()) {
    const x = Math.max(0, Math.floor(b.x0 - pad));
    const y = Math.max(0, Math.floor(b.y0 - pad));
    const x1 = Math.min(width, Math.ceil(b.x1 + pad));
    const y1 = Math.min(height, Math.ceil(b.y1 + pad));
    if (x1 > x && y1 > y) out.push({ x, y, width: x1 - x, height: y1 - y });
  }
  return out;
}
