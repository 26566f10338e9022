// The page's region rules (www/regions.js) against the core: which images a rule selects
// (ruleMatches, on describeImage's labels of the original) is what the sanitizer blanks
// (pixel.regions_blanked), and what parseRules refuses the sanitizer's settings refuse; a rule
// made for a device and size selects it and round-trips through export. Also the review's
// choice of frames and of files at risk (www/review.js).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { Sanitizer, describeImage } from "../../pkg/node.js";
import { exportRules, parseRules, ruleFor, ruleMatches } from "../../www/regions.js";
import { atRisk, sampleFrames } from "../../www/review.js";
import { good, tempDir } from "./helpers.mjs";

const KEY = "regions-test-key-0123456789abcdef";
const REGION = [{ x: 0, y: 0, width: 2, height: 2 }];

/** ct-1 of the corpus, and the same with a model name (pydicom writes it). */
function inputs() {
  const ct = good("ct-1.dcm");
  const dir = tempDir("regions-");
  const out = join(dir, "model.dcm");
  execFileSync(process.env.DICOM_SANITIZER_PYTHON, ["-c", `
import sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
ds.ManufacturerModelName = "Sono 5"
ds.save_as(sys.argv[2])
`, join(process.env.CORPUS ?? "target/corpus", "good/ct-1.dcm"), out]);
  return [ct, new Uint8Array(readFileSync(out))];
}

/** Whether the core blanks under `rule`. */
function coreBlanks(rule, bytes) {
  const { report } = new Sanitizer({ key: KEY, regionRules: [rule] }).sanitize(bytes);
  return report.findings.some((f) => f.code === "pixel.regions_blanked");
}

test("ruleMatches selects exactly the images the sanitizer blanks under the rule", () => {
  for (const bytes of inputs()) {
    const d = describeImage(bytes);
    const L = d.labels;
    const flip = (s) => [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join("");
    const conditions = [
      {},
      { modality: L.modality }, { modality: flip(L.modality) }, { modality: "MR" },
      { manufacturer: flip(L.manufacturer.slice(2, 7)) }, { manufacturer: "Other" },
      { model: "sono" }, { model: "Sono 5" }, { model: "Sono 6" },
      { rows: d.rows }, { rows: d.rows + 1 }, { columns: d.columns }, { columns: d.columns + 1 },
      { sopClass: L.sopClassUid }, { sopClass: "1.2.3" },
      { photometric: L.photometric.toLowerCase() }, { photometric: "RGB" },
      ruleFor(d, []),
      { ...ruleFor(d, []), rows: d.rows + 1 },
    ];
    const seen = new Set();
    for (const c of conditions) {
      const rule = { ...c, regions: REGION };
      const page = ruleMatches(rule, d);
      assert.equal(page, coreBlanks(rule, bytes), `${JSON.stringify(c)} on model ${L.model}`);
      seen.add(page);
    }
    assert.deepEqual(seen, new Set([true, false]));
  }
});

test("ruleFor: modality, manufacturer, model, rows and columns of the original; exported and parsed back unchanged", () => {
  const [, withModel] = inputs();
  const d = describeImage(withModel);
  const rule = ruleFor(d, [{ x: 1.4, y: 0.6, width: 2.2, height: 3 }], true);
  assert.deepEqual(rule, { modality: "CT", manufacturer: "ACME Medical", model: "Sono 5", rows: d.rows, columns: d.columns, regions: [{ x: 1, y: 1, width: 2, height: 3 }], coversAllText: true });
  assert.deepEqual(parseRules(exportRules([rule])), [rule]);
  // The core takes it as is, blanks, and (coversAllText) declares the text gone.
  const { bytes, report } = new Sanitizer({ key: KEY, regionRules: parseRules(exportRules([rule])) }).sanitize(withModel);
  assert.ok(report.findings.some((f) => f.code === "pixel.regions_blanked"));
  assert.equal(d.labels.burnedInAnnotation, null);
  assert.equal(describeImage(bytes).labels.burnedInAnnotation, "NO");
});

test("parseRules refuses what the sanitizer's settings refuse", () => {
  const cases = [
    [{ modality: "US", regions: REGION }],
    [{ modality: "US", regions: REGION, colour: "red" }],
    [{ regions: [{ x: 0, y: 0, width: 2 }] }],
    [{ regions: [{ x: -1, y: 0, width: 2, height: 2 }] }],
    [{ regions: [{ x: 0, y: 0, width: 0, height: 2 }] }],
    [{ regions: [{ x: 0.5, y: 0, width: 2, height: 2 }] }],
    [{ regions: [{ x: 0, y: 0, width: 2, height: 2, z: 1 }] }],
    [{ rows: 4, outsideUltrasoundRegions: true, coversAllText: false }],
  ];
  for (const rules of cases) {
    const text = JSON.stringify(rules);
    let page = true;
    try {
      parseRules(text);
    } catch {
      page = false;
    }
    let core = true;
    try {
      new Sanitizer({ key: KEY, regionRules: rules }).free();
    } catch (e) {
      assert.match(e.code, /^settings\./);
      core = false;
    }
    assert.equal(page, core, text);
  }
  assert.throws(() => parseRules("{}"), /a list of region rules/);
  assert.throws(() => parseRules("[1]"), /rule 0: not an object/);
  assert.throws(() => parseRules("nope"), /not JSON/);
});

test("the review reads the first, middle and last frame, and reviews what the sanitizer flags", () => {
  assert.deepEqual(sampleFrames(1), [0]);
  assert.deepEqual(sampleFrames(2), [0, 1]);
  assert.deepEqual(sampleFrames(3), [0, 1, 2]);
  assert.deepEqual(sampleFrames(100), [0, 49, 99]);
  const finding = (code) => ({ report: { findings: [{ code }] } });
  assert.equal(atRisk({ error: { code: "pixel.burned_in" } }), true);
  assert.equal(atRisk({ error: { code: "pixel.burned_in_unknown" } }), true);
  assert.equal(atRisk({ error: { code: "phi.residual" } }), false);
  assert.equal(atRisk(finding("pixel.burned_in_allowed")), true);
  assert.equal(atRisk(finding("pixel.burned_in_unknown_allowed")), true);
  assert.equal(atRisk(finding("pixel.regions_blanked")), true);
  assert.equal(atRisk(finding("phi.date_like")), false);
});
