// Which OCR words look identifying by their shape alone, whatever the header says: a burned-in
// record number the header does not carry (a worklist's ID, or a header already de-identified
// upstream) is still a record number. Pure (no DOM, no wasm): the page and Node's tests import it.
//
// Rules (each word of `{ text, bbox, line }`, in reading order, is tested within its run: the
// words of one OCR line up to a wide gap, see `runs`):
// - digits: 6 or more digits in a row, leading zeros kept, joined by at most one `- . _` between
//   two digits ("0048291375", "MRN0012345", "4471-2290-18"), or 2+ digit groups written close
//   together ("12 345 678"); an O read for 0 or an I/l for 1 counts when 4 real digits are there.
// - dates: day, month and year in any order with one separator `/ . -` ("05/03/2024", "3.5.24",
//   "2024-03-05"), a month's name with a day and/or a year, in one word or across adjacent
//   words ("05-Mar-2024", "Mar 5, 2024", "5 MARCH 2024", "MAR 2024", "Mar 5"). Day and month
//   alone in digits ("05/03") are not: fractions, frame counters and ratios look the same.
// - times: clock times, `H:MM`, `HH:MM:SS` (with a fraction), `14h32`, with or without AM/PM. The
//   page cannot tell a time of day from a cine's elapsed "00:03", so both are flagged; a ratio
//   ("1:1", "16:9") or a rate ("FR 25Hz", "30 fps") is not clock-shaped.
// - labels: the words after Name, Pt, Pat, Patient, MRN, ID, PID, DOB, Birth, Born, Acc,
//   Accession (with `: # .` or "No", "Nr", "of", as in "Date of Birth:", "Acc No."), up to 4
//   words of the same run: the first whatever it is, the next up to a word of technical
//   vocabulary or another label; also a label joined to its value ("ID:4471", "MRN00423").
// - names: `LAST^FIRST` (one word, `^` between letters), `LAST,FIRST`, and `LAST, FIRST` across
//   two words (a capitalised word ending in a comma, then a capitalised word or an initial).
// Technical vocabulary (`technical`: units, probe, preset and mode names, TIS/TIB/MI, readings
// such as "0.4", "12cm", "5.0MHz") fits none of these shapes, ends a label's value, and two such
// words are not a name ("Abd, General").

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTHS_LONG = [
  "january", "february", "march", "april", "may", "june",
  "july", "august", "september", "october", "november", "december",
];

/** A run ends where the gap to the next word of the line is wider than this many times the
 * line's word height: devices lay their fields out in columns, and a technical readout at the
 * far end of a name's line is not part of the name. */
export const RUN_GAP = 2;
/** Fewest digits of an identifier read by shape (a 5-digit number is a depth, a count, a PRF). */
export const MIN_RUN_DIGITS = 6;
/** Words a label's value takes at most ("GARCIA LOPEZ, MARIA JOSE"). */
const LABEL_VALUE_WORDS = 4;

const LABELS = new Set(["name", "pt", "pat", "patient", "mrn", "id", "pid", "dob", "birth", "born", "acc", "accession"]);
/** Words that go with a label without being its value: "Acc No.", "Date of Birth", "Patient ID". */
const CONNECTORS = new Set(["no", "nr", "number", "num", "of", "date", "#"]);

/** Words of the acquisition and display that must stay readable (lower case). */
const VOCABULARY = new Set([
  // acoustic output, indices
  "tis", "tib", "tic", "tisb", "tibb", "mi", "ti",
  // units
  "cm", "mm", "m", "s", "ms", "sec", "min", "hz", "khz", "mhz", "db", "fps", "bpm", "%", "cm/s",
  "m/s", "mm/s", "mmhg", "ml", "cm2", "cm3", "deg", "°",
  // modes and imaging
  "2d", "3d", "4d", "b", "m", "pw", "cw", "cfm", "cf", "cd", "pd", "pdi", "thi", "hi", "harm",
  "harmonic", "doppler", "color", "colour", "power", "mode", "bmode", "b-mode", "m-mode", "live",
  "freeze", "frozen", "cine", "zoom", "res", "pen", "gen", "spatial", "compound", "speckle",
  // settings
  "gain", "depth", "dr", "dyn", "fr", "frq", "freq", "prf", "wf", "wmf", "focus", "sv", "angle",
  "baseline", "scale", "persist", "map", "ac", "tgc", "agc", "filter", "lines", "line", "frame",
  "frames", "sweep", "speed", "range", "dynamic", "probe", "preset", "tx", "rx", "pwr", "p",
  // presets and body parts
  "abd", "abdomen", "general", "ob", "gyn", "obstetric", "cardiac", "card", "echo", "vascular",
  "vasc", "thyroid", "breast", "msk", "renal", "kidney", "liver", "carotid", "fetal", "pelvis",
  "pelvic", "small", "parts", "urology", "prostate", "testis", "nerve", "lung", "bladder",
  "left", "right", "lt", "rt", "trans", "sag", "long", "transverse", "sagittal",
]);

/** A word of technical vocabulary, a probe name ("C5-1", "L12-5", "9L4") or a value with its
 * unit ("12cm", "5.0MHz", "25Hz", "100%", "0.4"). */
export function technical(text) {
  const w = text.toLowerCase().replace(/^[^\p{L}\p{N}%°]+|[^\p{L}\p{N}%°]+$/gu, "");
  if (!w) return false;
  if (VOCABULARY.has(w)) return true;
  if (/^[a-z]{1,3}\d{1,2}(-\d{1,2})?[a-z]?$/.test(w) || /^\d{1,2}[a-xz]\d{0,2}$/.test(w)) return true; // probes; "45Y" is an age
  return withUnit(w) || /^[-+]?\d+[.,]\d+$/.test(w);
}

/** A number with its unit ("12cm", "5.0MHz", "-3dB", "100%"): a reading, not a value of a label. */
function withUnit(text) {
  return /^[-+]?\d+([.,]\d+)?(cm|mm|m|s|ms|hz|khz|mhz|db|fps|bpm|%|°|x|cm\/s|m\/s)$/i.test(text);
}

/** Digits with the letters OCR takes for them (O for 0, I l | for 1) read as digits. */
function digitish(text) {
  return text.replace(/[Oo]/g, "0").replace(/[Il|]/g, "1");
}

/** A run of 6+ digits, at most one `- . _` between two, with 4+ of them real digits. */
export function digitRun(text) {
  const runs = digitish(text).match(/\d(?:[-._]?\d)+/g) ?? [];
  return runs.some((r) => {
    const at = digitish(text).indexOf(r);
    const real = text.slice(at, at + r.length).replace(/\D/g, "").length;
    return r.replace(/\D/g, "").length >= MIN_RUN_DIGITS && real >= 4;
  });
}

const plausibleDay = (d) => d >= 1 && d <= 31;
const plausibleMonth = (m) => m >= 1 && m <= 12;
const year4 = (y) => y >= 1900 && y <= 2099;

/** A numeric date in one word: `D/M/Y`, `M/D/Y`, `Y/M/D` with one separator `/ . -` used twice,
 * years of 2 or 4 digits. */
export function numericDate(text) {
  const t = text.replace(/^[^\p{N}]+|[^\p{N}]+$/gu, "");
  let m = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/.exec(t);
  if (m) return year4(+m[1]) && plausibleMonth(+m[3]) && plausibleDay(+m[4]);
  m = /^(\d{1,2})([-/.])(\d{1,2})\2(\d{2}|\d{4})$/.exec(t);
  if (!m) return false;
  const [a, b, y] = [+m[1], +m[3], m[4]];
  if (y.length === 4 && !year4(+y)) return false;
  return (plausibleDay(a) && plausibleMonth(b)) || (plausibleMonth(a) && plausibleDay(b));
}

function monthOf(text) {
  const w = text.toLowerCase().replace(/[^a-z]/g, "");
  return MONTHS.includes(w) || MONTHS_LONG.includes(w) || w === "sept";
}

/** A date with a month's name in one word: "05-Mar-2024", "5Mar2024", "Mar-05-2024". */
export function namedDate(text) {
  const t = text.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
  const m = /^(\d{1,2})[-/. ]?([a-z]{3,9})[-/. ,]?(\d{2}|\d{4})$/.exec(t) ?? /^([a-z]{3,9})[-/. ]?(\d{1,2})[-/. ,]+(\d{2}|\d{4})$/.exec(t);
  if (!m) return false;
  const [day, month] = /^\d/.test(m[1]) ? [m[1], m[2]] : [m[2], m[1]];
  return monthOf(month) && plausibleDay(+day);
}

/** A clock time in one word: "9:05", "14:32", "14:32:07", "14:32:07.25", "14h32", "2:32PM". */
export function clockTime(text) {
  const t = text.toLowerCase().replace(/^[^\p{N}]+|[^\p{L}\p{N}]+$/gu, "").replace(/\.?(am|pm|a\.m|p\.m)$/, "");
  return /^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$/.test(t) || /^([01]?\d|2[0-3])h[0-5]\d$/.test(t);
}

/** The label a word is ("MRN", "ID:", "Acc.#", "D.O.B."), and the value joined to it ("ID:4471",
 * "MRN00423" give "4471", "00423"), or null. */
export function label(text) {
  const m = /^([A-Za-z][A-Za-z.]*)(.*)$/.exec(text.trim());
  if (!m || !LABELS.has(m[1].toLowerCase().replace(/\./g, ""))) return null;
  const rest = m[2];
  if (!rest) return { name: m[1], value: "" };
  if (/^[:#]/.test(rest)) return { name: m[1], value: rest.replace(/^[:#\s.]+/, "") };
  return /^\d/.test(rest) ? { name: m[1], value: rest } : null;
}

const letters = (w) => /^[\p{Lu}][\p{L}'-]*$/u.test(w);

/** `LAST^FIRST[^MIDDLE]` or `LAST,FIRST` in one word. */
export function nameWord(text) {
  const t = text.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, "");
  if (/^\p{L}[\p{L}'-]*(\^\p{L}[\p{L}'-]*)+\^?$/u.test(t) && t.includes("^")) return !t.split("^").every((p) => !p || technical(p));
  const m = /^(\p{L}[\p{L}'-]+),(\p{L}[\p{L}'-]*)$/u.exec(t);
  return !!m && letters(m[1]) && letters(m[2]) && !(technical(m[1]) && technical(m[2]));
}

/**
 * The runs of the words: per OCR line, consecutive words up to a gap wider than `RUN_GAP` times
 * the line's median word height. Returns a run number per word.
 */
export function runs(ocrWords) {
  const byLine = new Map();
  ocrWords.forEach((w, i) => {
    if (!byLine.has(w.line)) byLine.set(w.line, []);
    byLine.get(w.line).push(i);
  });
  const run = ocrWords.map(() => 0);
  let n = 0;
  for (const idx of byLine.values()) {
    idx.sort((a, b) => ocrWords[a].bbox.x0 - ocrWords[b].bbox.x0);
    const heights = idx.map((i) => ocrWords[i].bbox.y1 - ocrWords[i].bbox.y0).sort((a, b) => a - b);
    const h = heights[heights.length >> 1];
    idx.forEach((i, k) => {
      if (k > 0 && ocrWords[i].bbox.x0 - ocrWords[idx[k - 1]].bbox.x1 > RUN_GAP * h) n++;
      run[i] = n;
    });
    n++;
  }
  return run;
}

/**
 * Marks the words identifying by shape. Returns `{ identifying: boolean[], matches: [{ words:
 * number[], rule }] }`, rule one of digits | date | time | label | name.
 */
export function shapeWords(ocrWords) {
  const run = runs(ocrWords);
  const identifying = ocrWords.map(() => false);
  const matches = [];
  const flag = (rule, ...idx) => {
    idx.forEach((j) => (identifying[j] = true));
    matches.push({ words: idx, rule });
  };
  // Words in reading order within each run, for the rules that look at neighbours.
  const order = ocrWords.map((_, i) => i).sort((a, b) => run[a] - run[b] || ocrWords[a].bbox.x0 - ocrWords[b].bbox.x0);
  const text = (i) => ocrWords[i].text.trim();
  const plain = (i) => text(i).replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
  const height = (i) => ocrWords[i].bbox.y1 - ocrWords[i].bbox.y0;

  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const next = (d) => {
      const j = order[k + d];
      return j !== undefined && run[j] === run[i] ? j : undefined;
    };
    const t = text(i);
    if (!t) continue;
    if (digitRun(t)) flag("digits", i);
    // O for 0 and I or l for 1 are forgiven in a date or time with enough real digits to be one.
    const real = t.replace(/\D/g, "").length;
    if (numericDate(t) || namedDate(t) || (real >= 4 && numericDate(digitish(t)))) flag("date", i);
    if (clockTime(t) || (real >= 3 && clockTime(digitish(t)))) {
      const pm = next(1);
      flag("time", i, ...(pm !== undefined && /^[ap]\.?m\.?$/i.test(text(pm)) ? [pm] : []));
    }
    if (nameWord(t)) flag("name", i);

    // Digit groups written close together, as an ID is grouped: "12 345 678", "0048 2913 75";
    // inner groups of 3+ digits, so that a scale's "10 15 20" is not one.
    if (/^\d{2,}$/.test(plain(i)) && !(k > 0 && run[order[k - 1]] === run[i] && /^\d+$/.test(plain(order[k - 1])))) {
      const group = [i];
      for (let d = 1; ; d++) {
        const j = next(d);
        const prev = group[group.length - 1];
        if (j === undefined || !/^\d{2,}$/.test(plain(j)) || ocrWords[j].bbox.x0 - ocrWords[prev].bbox.x1 > 0.8 * height(prev)) break;
        group.push(j);
      }
      const inner = group.length > 1 && group.slice(1, -1).every((j) => plain(j).length >= 3) && (group.length > 2 || plain(group[1]).length >= 3);
      if (inner && group.reduce((s, j) => s + plain(j).length, 0) >= MIN_RUN_DIGITS) flag("digits", ...group);
    }

    // A month's name with a day and/or a year in the next words or the one before:
    // "Mar 5, 2024", "5 Mar 2024", "MAR 2024".
    if (monthOf(plain(i))) {
      const before = k > 0 && run[order[k - 1]] === run[i] ? order[k - 1] : undefined;
      const day = (j) => j !== undefined && /^\d{1,2}$/.test(plain(j)) && plausibleDay(+plain(j));
      const year = (j) => j !== undefined && /^\d{4}$/.test(plain(j)) && year4(+plain(j));
      const year2 = (j) => j !== undefined && /^'?\d{2}$/.test(plain(j));
      const [a, b] = [next(1), next(2)];
      if (day(before) && (year(a) || year2(a))) flag("date", before, i, a);
      else if (day(a) && (year(b) || year2(b))) flag("date", i, a, b);
      else if (year(a) || day(a)) flag("date", i, a);
      else if (day(before)) flag("date", before, i);
    }

    // LAST, FIRST across two words.
    const j = next(1);
    if (j !== undefined && /^[\p{Lu}][\p{L}'-]+,$/u.test(t)) {
      // A surname may be a word of the vocabulary ("Long, Jane"); "Abd, General" is not a name.
      const first = text(j).replace(/[.,]$/, "");
      if (letters(first) && !(technical(t) && technical(first))) flag("name", i, j);
    }

    // A label and the words of its value.
    const l = label(t);
    if (l) {
      if (l.value && !withUnit(l.value)) flag("label", i);
      const value = [];
      const joined = l.value ? 1 : 0; // "ID:4471" holds the first word of its value
      for (let d = 1; joined + value.length < LABEL_VALUE_WORDS; d++) {
        const v = next(d);
        if (v === undefined) break;
        const w = text(v);
        if (label(w) || CONNECTORS.has(plain(v).toLowerCase()) || /^[:#.]+$/.test(w)) {
          if (joined + value.length) break; // the next field's label
          continue; // "Patient ID:", "Acc No.", "Date of Birth"
        }
        // The first word is the value whatever it is ("Name: LONG"); later ones stop at a reading
        // or a word of the vocabulary, the device's own text after the value.
        if (withUnit(plain(v)) || (joined + value.length && technical(w))) break;
        value.push(v);
      }
      if (value.length) flag("label", ...value);
    }
  }
  return { identifying, matches };
}
