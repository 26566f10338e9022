// www/phi-shapes.js under Node: words identifying by their shape alone (digit runs, dates, clock
// times, label values, LAST^FIRST / LAST, FIRST), the technical text of an ultrasound screen left
// alone, and the regions proposed around them (the whole run of a line, not across a column gap).
import assert from "node:assert/strict";
import { test } from "node:test";

import { clockTime, digitRun, label, namedDate, nameWord, numericDate, runs, shapeWords, technical } from "../../www/phi-shapes.js";
import { matchWords, proposeRegions, reasons } from "../../www/phi-tokens.js";

/** OCR-like words: each line a string; a word is 10 px wide per character, 14 px high; each space
 * is a 10 px gap (so "A    B" has a 40 px gap, a column break: wider than 2 × 14 px). */
function ocr(...lines) {
  const out = [];
  lines.forEach((text, line) => {
    let x = 5;
    for (const [, gap, w] of text.matchAll(/( *)(\S+)/g)) {
      x += 10 * gap.length;
      out.push({ text: w, confidence: 90, bbox: { x0: x, y0: 10 + line * 20, x1: x + 10 * w.length, y1: 24 + line * 20 }, line });
      x += 10 * w.length;
    }
  });
  return out;
}

const shaped = (...lines) => {
  const words = ocr(...lines);
  const { identifying } = shapeWords(words);
  return words.filter((_, i) => identifying[i]).map((w) => w.text);
};

/** Lines of an ultrasound screen's technical text: none of it is flagged. */
const TECHNICAL = [
  "TIS 0.4 TIB 0.8 MI 1.2", "TIS0.4 MI1.2", "C5-1 Abd General", "L12-5 Small Parts", "P4-2 Cardiac",
  "12 cm 30 fps", "5.0 MHz 60 dB", "FR 25Hz", "FR 25 Hz", "Gain 50 DR 60", "PRF 4.0kHz WF 100Hz",
  "THI Res Gen", "Depth 16.0cm", "2D 58% C 50", "Frame 45/120", "1:1", "Zoom 1.5x", "PW 3.5MHz",
  "SV 2.0mm Angle 60°", "Abd, General", "Map B/0/4 Persist 3", "Sweep 4 s", "0.5 s", "1540 m/s",
  "HR 72 bpm", "Vol 12.5 ml", "0 5 10 15 20", "16:9", "Lt Kidney Sag", "CFM 62%",
  "ACME Sono 5", "Abd", "Pwr 100% Gn 45",
];

test("technical text of the acquisition and display is not flagged", () => {
  for (const line of TECHNICAL) assert.deepEqual(shaped(line), [], line);
  // A scale's labels, far apart as drawn beside a sector, are not a digit group (one space
  // apart they would be: "100 200 300" reads as an ID grouped in threes).
  assert.deepEqual(shaped("100    200    300"), []);
  assert.deepEqual(shaped("100 200 300"), ["100", "200", "300"]);
  for (const w of ["TIS", "TIB", "MI", "0.4", "1.2", "C5-1", "L12-5", "9L4", "12cm", "5.0MHz", "60dB", "30fps", "25Hz", "100%", "Abd", "General", "fps", "MHz", "dB", "cm", "%"]) {
    assert.ok(technical(w), w);
  }
  for (const w of ["SMITH", "4471", "MRN0012345", "05/03/2024", "Jane"]) assert.ok(!technical(w), w);
});

test("digit runs of six or more, leading zeros and separators kept, O and I read for 0 and 1", () => {
  for (const w of ["0048291375", "004829", "MRN0012345", "ID:00423817", "4471-2290-18", "123.456.789", "A-000917-24", "#20240305-0042", "OO48291375", "0O4829l375"]) {
    assert.ok(digitRun(w), w);
  }
  for (const w of ["12345", "1540", "C5-1", "5.0-12.0MHz", "128/256", "1.2.3", "OOOOOOO", "IOIOIO12", "12:34:56"]) {
    assert.ok(!digitRun(w), w);
  }
  assert.deepEqual(shaped("MRN 0048291375"), ["0048291375"]);
  // Groups written close together are one number; a number of five digits is not.
  assert.deepEqual(shaped("12 345 678"), ["12", "345", "678"]);
  assert.deepEqual(shaped("0048 2913 75"), ["0048", "2913", "75"]);
  assert.deepEqual(shaped("12 345"), []);
});

test("dates in any common spelling, in one word or across words of a line", () => {
  for (const w of ["05/03/2024", "5/3/24", "12/31/1999", "31.12.1999", "2024-03-05", "1965/04/12", "03.05.2024", "DOB:12/04/1965", "12-04-65"]) {
    assert.ok(numericDate(w), w);
  }
  for (const w of ["05/03", "13/13/2024", "2.5/3.0", "1/2", "32/01/2024", "05/03-2024", "05/03/1865", "45/120", "12/40", "C5-1"]) {
    assert.ok(!numericDate(w), w);
  }
  for (const w of ["05-Mar-2024", "5Mar2024", "05-MAR-24", "Mar-05-2024", "12-April-1965", "5.Sep.2024"]) assert.ok(namedDate(w), w);
  for (const w of ["Mar", "5Mar", "MAR-2024x", "Abd-05-2024"]) assert.ok(!namedDate(w), w);
  assert.deepEqual(shaped("Mar 5, 2024"), ["Mar", "5,", "2024"]);
  assert.deepEqual(shaped("5 March 2024"), ["5", "March", "2024"]);
  assert.deepEqual(shaped("APR 12 65"), ["APR", "12", "65"]);
  assert.deepEqual(shaped("MAR 2024"), ["MAR", "2024"]);
  assert.deepEqual(shaped("Exam Mar 5"), ["Mar", "5"]);
  assert.deepEqual(shaped("2024-03-05"), ["2024-03-05"]);
  assert.deepEqual(shaped("20240305"), ["20240305"], "eight digits in a row: a digit run");
  assert.deepEqual(shaped("O5/O3/2024 l2.04.1965 1O:32"), ["O5/O3/2024", "l2.04.1965", "1O:32"], "O read for 0, l for 1");
  assert.deepEqual(shaped("IO/IO/IO 1O:3Z"), [], "not with too few real digits, nor another slip");
  assert.deepEqual(shaped("Mar", "5 2024"), [], "not across lines");
  assert.deepEqual(shaped("May    5"), [], "not across a column gap");
});

test("clock times are flagged, with their AM/PM; ratios, rates and durations are not", () => {
  for (const w of ["14:32", "14:32:07", "9:05", "09:05", "14:32:07.25", "2:32PM", "2:32pm", "2:32a.m.", "14h32", "Time:14:32", "00:03", "23:59"]) {
    assert.ok(clockTime(w), w);
  }
  for (const w of ["1:1", "16:9", "4:3", "25Hz", "24:00", "14:60", "14.32", "1432", "2:3:4", "0.5s", "1:25x"]) assert.ok(!clockTime(w), w);
  assert.deepEqual(shaped("05/03/2024 14:32:07"), ["05/03/2024", "14:32:07"]);
  assert.deepEqual(shaped("2:32 PM Abd"), ["2:32", "PM"]);
  assert.deepEqual(shaped("FR 25Hz 30 fps 1:1"), []);
});

test("the words after a label are its value, up to the next label or the device's own text", () => {
  assert.deepEqual(shaped("Name: DOE JANE"), ["DOE", "JANE"]);
  assert.deepEqual(shaped("Patient Name: Garcia Lopez Maria Jose Alba"), ["Garcia", "Lopez", "Maria", "Jose"], "four words at most");
  assert.deepEqual(shaped("Patient ID: AB12"), ["AB12"]);
  assert.deepEqual(shaped("MRN 4471"), ["4471"], "a short number, known for one by its label");
  assert.deepEqual(shaped("Acc# 7731"), ["7731"]);
  assert.deepEqual(shaped("Acc No. 7731"), ["7731"]);
  assert.deepEqual(shaped("Accession: X-77"), ["X-77"]);
  assert.deepEqual(shaped("Date of Birth: 12 Apr"), ["12", "Apr"]);
  assert.deepEqual(shaped("D.O.B. 3/7/72"), ["3/7/72"]);
  assert.deepEqual(shaped("Pt: LONG J 45Y"), ["LONG", "J", "45Y"], "the first word whatever it is");
  assert.deepEqual(shaped("ID:4471"), ["ID:4471"]);
  assert.deepEqual(shaped("ID:4471 C5-1 Abd"), ["ID:4471"], "a value joined to its label is its first word");
  assert.deepEqual(shaped("Name:SMITH JOHN C5-1"), ["Name:SMITH", "JOHN"]);
  assert.deepEqual(shaped("MRN00423"), ["MRN00423"]);
  assert.deepEqual(shaped("Name: DOE ID: 4471"), ["DOE", "4471"]);
  assert.deepEqual(shaped("ID 4471 C5-1 Abd"), ["4471"], "stops at the probe");
  assert.deepEqual(shaped("Name: ROE 12cm"), ["ROE"], "stops at a reading");
  assert.deepEqual(shaped("MRN:"), [], "a label alone is not identifying");
  assert.deepEqual(shaped("MRN:    TIS 0.4"), [], "nor is what follows it across a column gap");
  for (const w of ["IDENTITY", "Patients", "Named", "Accel", "MRNs"]) assert.equal(label(w), null, w);
  assert.deepEqual(label("Acc.#"), { name: "Acc.", value: "" });
});

test("name-shaped text: LAST^FIRST, LAST,FIRST and LAST, FIRST", () => {
  for (const w of ["SMITH^JOHN", "SMITH^JOHN^Q", "Smith^John", "O'BRIEN^MARY", "SMITH,JOHN", "Long,Jane"]) assert.ok(nameWord(w), w);
  for (const w of ["SMITH", "Abd,General", "^", "12^34", "SMITH^", "A,B"]) assert.ok(!nameWord(w), w);
  assert.deepEqual(shaped("Smith, John 45Y"), ["Smith,", "John"]);
  assert.deepEqual(shaped("SMITH, J. F"), ["SMITH,", "J."]);
  assert.deepEqual(shaped("GARCIA-LOPEZ, ANA"), ["GARCIA-LOPEZ,", "ANA"]);
  assert.deepEqual(shaped("Long, Jane"), ["Long,", "Jane"], "a surname that is a word of the vocabulary");
  assert.deepEqual(shaped("Abd, General"), []);
  assert.deepEqual(shaped("SMITH JOHN"), [], "without punctuation or a label a name has no shape");
});

test("runs: a line is cut at a column gap; the whole run of an identifying word is proposed", () => {
  const words = ocr("SMITH^JOHN 45Y F    TIS 0.4 MI 1.2", "Abd General");
  assert.deepEqual(runs(words), [0, 0, 0, 1, 1, 1, 1, 2, 2]);
  const { identifying } = matchWords(words, []);
  assert.deepEqual(words.filter((_, i) => identifying[i]).map((w) => w.text), ["SMITH^JOHN"]);
  // SMITH^JOHN x 5..105, 45Y 115..145, F 155..165; TIS starts at 205.
  assert.deepEqual(proposeRegions(words, identifying, { width: 640, height: 480, pad: 4 }), [{ x: 1, y: 6, width: 168, height: 22 }]);
  assert.deepEqual(proposeRegions(words, identifying, { width: 640, height: 480, pad: 4, wholeLine: false }), [{ x: 1, y: 6, width: 108, height: 22 }]);
  // Close together, the technical words are on the name's run and are blanked with it.
  const close = ocr("SMITH^JOHN TIS 0.4");
  assert.deepEqual(proposeRegions(close, matchWords(close, []).identifying, { width: 640, height: 480, pad: 0 }), [{ x: 5, y: 10, width: 180, height: 14 }]);
});

test("shape and echo together: an identifier the header does not carry is flagged, and only the header's without shapes", () => {
  const values = [{ kind: "id", keyword: "PatientID", value: "PSEUDO7F3A" }, { kind: "name", keyword: "PatientName", value: "ANON^0001" }];
  const words = ocr("SMITH^JOHN MRN 00482913", "ANON 05/03/2024 14:32", "TIS 0.4 C5-1");
  const { identifying, matches } = matchWords(words, values);
  assert.deepEqual(words.filter((_, i) => identifying[i]).map((w) => w.text), ["SMITH^JOHN", "00482913", "ANON", "05/03/2024", "14:32"]);
  assert.deepEqual([...new Set(matches.filter((m) => m.by === "shape").map((m) => m.kind))].sort(), ["date", "digits", "label", "name", "time"]);
  assert.deepEqual(matches.filter((m) => m.by === "echo").map((m) => [m.keyword, words[m.words[0]].text]), [["PatientName", "ANON"]]);
  assert.deepEqual(reasons(words, matches), ["name", "", "label, digits", "PatientName", "date", "time", "", "", ""]);
  const echo = matchWords(words, values, { shapes: false }).identifying;
  assert.deepEqual(words.filter((_, i) => echo[i]).map((w) => w.text), ["ANON"]);
});
