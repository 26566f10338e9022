// www/phi-tokens.js under Node: the spellings of identifying values, which OCR words they mark
// (with one OCR slip forgiven in long words), and the regions proposed around them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { dateSpellings, matchWords, normalize, phrasesOf, proposeRegions, sameWord } from "../../www/phi-tokens.js";

const VALUES = [
  { kind: "name", keyword: "PatientName", value: "DOE^JANE^QUINCY" },
  { kind: "name", keyword: "ReferringPhysicianName", value: "GARCIA-LOPEZ^ANA" },
  { kind: "id", keyword: "PatientID", value: "MRN0012345" },
  { kind: "id", keyword: "StudyID", value: "100" },
  { kind: "date", keyword: "PatientBirthDate", value: "19650412" },
  { kind: "text", keyword: "InstitutionName", value: "Springfield General Hospital" },
];

/** OCR-like words: each line a string, words 10 px wide per character and 1 px apart. */
function ocr(...lines) {
  const out = [];
  lines.forEach((text, line) => {
    let x = 5;
    for (const w of text.split(" ")) {
      out.push({ text: w, confidence: 90, bbox: { x0: x, y0: 10 + line * 20, x1: x + 10 * w.length, y1: 24 + line * 20 }, line });
      x += 10 * w.length + 10;
    }
  });
  return out;
}

/** The words marked by echo of the header alone (the shapes are tested below). */
const marked = (words, values = VALUES) => {
  const { identifying } = matchWords(words, values, { shapes: false });
  return words.filter((_, i) => identifying[i]).map((w) => w.text);
};

test("a birth date in every common spelling", () => {
  const spelt = dateSpellings("19650412").map((p) => p.join(" "));
  for (const s of [
    "19650412", "1965-04-12", "1965/04/12", "1965.04.12", "12/04/1965", "04/12/1965", "12.04.1965",
    "12-04-1965", "4/12/1965", "12/4/1965", "12/04/65", "04/12/65", "12.04.65", "650412",
    "12-apr-1965", "12-apr-65", "12 apr 1965", "apr 12 1965", "12 april 1965", "april 12 1965", "12apr1965",
  ]) {
    assert.ok(spelt.includes(s), `${s} not among ${spelt.length} spellings`);
  }
  assert.ok(!spelt.includes("12/05/1965"));
  assert.deepEqual(dateSpellings("1965041"), []);
  assert.deepEqual(dateSpellings("19651312"), [], "no month 13");
  assert.deepEqual(dateSpellings("DOE"), []);
});

test("OCR words are marked case-insensitively, without the punctuation around them", () => {
  assert.equal(normalize("(Doe,"), "doe");
  assert.equal(normalize("12/04/1965."), "12/04/1965");
  assert.deepEqual(marked(ocr("Name: Doe, Jane Q")), ["Doe,", "Jane"], "the initial Q alone is not looked for");
  assert.deepEqual(marked(ocr("DOE^JANE 45Y F")), ["DOE^JANE"], "parts of a word between punctuation");
  assert.deepEqual(marked(ocr("Dr Garcia-Lopez")), ["Garcia-Lopez"]);
  assert.deepEqual(marked(ocr("ID:MRN0012345 LOPEZ")), ["ID:MRN0012345", "LOPEZ"]);
  assert.deepEqual(marked(ocr("JANET DOES DOE2")), [], "a token is a whole word, not a piece of one");
  assert.deepEqual(marked(ocr("Springfield General Hospital", "General Electric")), ["Springfield", "General", "Hospital"], "text values as whole phrases");
});

test("dates in one word, or across adjacent words of one line only", () => {
  for (const line of ["DOB 12/04/1965", "DOB: 04/12/1965", "DOB 1965-04-12", "DOB 12.04.65", "12-Apr-1965", "19650412"]) {
    assert.deepEqual(marked(ocr(line)).length, 1, line);
  }
  assert.deepEqual(marked(ocr("Born 12 Apr 1965 here")), ["12", "Apr", "1965"]);
  assert.deepEqual(marked(ocr("Apr 12, 1965")), ["Apr", "12,", "1965"]);
  assert.deepEqual(marked(ocr("APR 12 1965")), ["APR", "12", "1965"]);
  assert.deepEqual(marked(ocr("APRIL 12 1965")), ["APRIL", "12", "1965"]);
  assert.deepEqual(marked(ocr("12 Apr", "1965")), [], "a date is not put together across lines");
  assert.deepEqual(marked(ocr("12/04 1965 13/04/1965 12/04/1966 04/12")), [], "other dates and pieces of one are not it");
});

test("one OCR slip (O/0, I/1/l, S/5) is forgiven in words of five or more characters", () => {
  assert.ok(sameWord("mrn0o12345", "mrn0012345"));
  assert.ok(sameWord("garcla", "garcia"));
  assert.ok(sameWord("12/o4/1965", "12/04/1965"));
  assert.ok(!sameWord("mrno012s45", "mrn0012345"), "two slips are not");
  assert.ok(!sameWord("mrn0012346", "mrn0012345"), "6 for 5 is not a slip");
  assert.ok(!sameWord("d0e", "doe"), "not in short words");
  assert.deepEqual(marked(ocr("Quincy QU1NCY GARClA 12/O4/1965 D0E")), ["Quincy", "QU1NCY", "GARClA", "12/O4/1965"]);
});

test("a whole name as a device prints it, the ^ read as any one character or none", () => {
  for (const w of ["DOE^JANE", "DOEAJANE", "DoeJane", "DOE,JANE", "DOE^JANE^QUINCY", "DOE^JANEAQUINCY"]) {
    assert.deepEqual(marked(ocr(`${w} 45Y`)), [w], w);
  }
  // Not a name with more between its parts, nor in another order, nor a lone stray word.
  assert.deepEqual(matchWords(ocr("DOEXXJANE JANEADOE"), VALUES.slice(0, 1)).identifying, [false, false]);
  assert.deepEqual(marked(ocr("ANAAGARCIA-LOPEZ"), VALUES.slice(1, 2)), ["ANAAGARCIA-LOPEZ"], "its parts still match");
});

test("short numeric IDs and initials are not looked for", () => {
  const phrases = phrasesOf(VALUES).map((p) => p.phrase.join(" "));
  assert.ok(!phrases.includes("100"), "Study ID 100 would match a scale's label");
  assert.ok(!phrases.includes("q"));
  assert.ok(phrases.includes("doe jane quincy") && phrases.includes("garcia") && phrases.includes("lopez"));
  assert.deepEqual(marked(ocr("depth 100 mm")), []);
  assert.deepEqual(marked(ocr("ID 12345"), [{ kind: "id", value: "12345" }]), ["12345"]);
});

test("regions: per line the union of its identifying words, padded and clamped to the image", () => {
  const words = ocr("DOE JANE 45Y", "DOB 12 Apr 1965", "Depth 12cm");
  const { identifying, matches } = matchWords(words, VALUES, { shapes: false });
  assert.deepEqual(matches.map((m) => [m.keyword, m.words.map((i) => words[i].text).join(" ")]).sort(), [
    ["PatientBirthDate", "12 Apr 1965"],
    ["PatientName", "DOE"],
    ["PatientName", "JANE"],
  ]);
  // Line 0: DOE (x 5..35) JANE (45..85); line 1: DOB (5..35) 12 (45..65) Apr (75..105) 1965 (115..155).
  assert.deepEqual(proposeRegions(words, identifying, { width: 160, height: 200, pad: 4, wholeLine: false }), [
    { x: 1, y: 6, width: 88, height: 22 },
    { x: 41, y: 26, width: 118, height: 22 },
  ]);
  // By default the whole line: 45Y (95..125) and the label DOB too; the third line has nothing.
  assert.deepEqual(proposeRegions(words, identifying, { width: 160, height: 200, pad: 4 }), [
    { x: 1, y: 6, width: 128, height: 22 },
    { x: 1, y: 26, width: 158, height: 22 },
  ]);
  // Clamped at the image's edges.
  assert.deepEqual(proposeRegions(words, identifying, { width: 80, height: 30, pad: 10, wholeLine: false }), [
    { x: 0, y: 0, width: 80, height: 30 },
    { x: 35, y: 20, width: 45, height: 10 },
  ]);
  assert.deepEqual(proposeRegions(words, words.map(() => false), { width: 160, height: 200 }), []);
});
