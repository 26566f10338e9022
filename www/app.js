// The demo page: collects files (drop or pickers, folders included), sends them one at a time to
// the sanitizing Web Worker, shows progress and a per-file report, reviews the images that may
// carry burned-in text (review.js, OCR on this computer), and offers the files that passed for
// download. Nothing is sent anywhere: the worker runs the wasm in this tab.

import { droppedFiles } from "./pkg/intake.js";
import { recognize } from "./ocr.js";
import { createPreviews } from "./preview.js";
import { createRecipients } from "./recipients.js";
import { describeRule, exportRules, parseRules as parseRegionRules } from "./regions.js";
import { atRisk, createReview } from "./review.js";
import { createReviewPanel } from "./review-panel.js";

const OPTIONS = [
  ["retainSafePrivate", "Retain Safe Private (113111)"],
  ["retainUids", "Retain UIDs (113110)"],
  ["retainDeviceIdentity", "Retain Device Identity (113109)"],
  ["retainInstitutionIdentity", "Retain Institution Identity (113112)"],
  ["retainPatientCharacteristics", "Retain Patient Characteristics (113108)"],
  ["retainLongitudinalFullDates", "Retain Longitudinal Full Dates (113106)"],
  ["retainLongitudinalModifiedDates", "Retain Longitudinal Modified Dates (113107)"],
  ["cleanDescriptors", "Clean Descriptors (113105)"],
  ["cleanStructuredContent", "Clean Structured Content (113104)"],
  ["cleanGraphics", "Clean Graphics (113103)"],
];

const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL("./sanitize-worker.js", import.meta.url), { type: "module" });
const pending = new Map();
let nextId = 0;
let results = [];
let busy = false;

worker.onmessage = ({ data }) => {
  const { resolve, reject } = pending.get(data.id);
  pending.delete(data.id);
  if (data.error) reject(Object.assign(new Error(data.error.message), { code: data.error.code }));
  else resolve(data);
};

function call(type, payload = {}, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, type, ...payload }, transfer);
  });
}

const review = createReview({
  call,
  recognize,
  acceptRaw: () => $("accept-raw").checked,
  onUpdate(r, { output } = {}) {
    if (output) previews.update(r);
    previews.status(r);
    updateRow(r);
    summarize();
  },
});
const panel = createReviewPanel($("large"), { review, results: () => results, onRules: showRules });
const previews = createPreviews(call, $("previews"), $("large"), {
  onOpen: (r) => panel.show(r),
  onDrawn: (r, frame) => panel.drawn(r, frame),
});

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function setupOptions() {
  for (const [key, label] of OPTIONS) {
    $("options").append(el("label", {}, el("input", { type: "checkbox", value: key, name: "option" }), label));
  }
  call("hello").then(({ edition }) => ($("edition").textContent = edition));
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `Keyword=action` or `Keyword=replace:VALUE`, one per line, as the CLI's --rule. */
function parseRules(text) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).map((line) => {
    const at = line.indexOf("=");
    if (at < 1) throw Object.assign(new Error(`rule "${line}": expected Keyword=action`), { code: "page.bad_rule" });
    const tag = line.slice(0, at).trim();
    const action = line.slice(at + 1).trim();
    return action.startsWith("replace:") ? { tag, action: "replace", value: action.slice(8) } : { tag, action };
  });
}

function readSettings() {
  const settings = {
    options: [...document.querySelectorAll("input[name=option]:checked")].map((c) => c.value),
    patientId: $("patient-id").value,
    rules: parseRules($("rules").value),
    acceptRaw: $("accept-raw").checked,
    burnedIn: $("burned-in").checked ? "allow" : "reject",
    regionRules: review.rules,
  };
  if ($("key").value) settings.key = $("key").value;
  const pems = recipients.pems();
  if (pems.length) settings.recipients = pems;
  return settings;
}

// ---- collecting files: pickers, and drops of files or whole folders ----

function pickedFiles(input) {
  return [...input.files].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

// ---- sanitizing ----

async function run(files) {
  if (busy || !files.length) return;
  busy = true;
  setButtons();
  const status = $("status");
  status.dataset.state = "running";
  try {
    await call("configure", { options: readSettings() });
  } catch (e) {
    status.textContent = `Settings refused: ${e.code}: ${e.message}`;
    status.dataset.state = "error";
    busy = false;
    setButtons();
    return;
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  // A folder holding a DICOMDIR is a media set (a patient CD): its DICOMDIR goes last, once its
  // files are written, so that it names exactly those.
  const sets = mediaSets(files);
  const last = (f) => (sets.directories.has(f.path) ? 1 : 0);
  files.sort((a, b) => last(a) - last(b));
  if (!sets.renamed) {
    // Keeping names: every name that holds an identifying value is pseudonymised first.
    status.textContent = "Reading the headers for the output names…";
    const { names } = await call("names", { entries: files.map(({ file, path }) => ({ file, path })) });
    files.forEach(({ path }, i) => sets.mirror.set(path, names[i]));
  }
  const progress = $("progress");
  progress.max = files.length;
  progress.value = 0;
  const count = { sanitized: 0, review: 0, skipped: 0, refused: 0 };
  for (const [i, { file, path }] of files.entries()) {
    status.textContent = `Sanitizing ${i + 1} of ${files.length}…`;
    const n = results.length + 1;
    const result = { n, path, file };
    const set = sets.of(path);
    try {
      const written = set && sets.directories.has(path) ? sets.written[set.index] : null;
      const { blob, report } = written
        ? await call("directory", { file, written })
        : await call("sanitize", { file });
      Object.assign(result, { blob, report, status: "sanitized", name: outputName(path, set, sets) });
      if (set && !written) sets.written[set.index][set.within(path).toUpperCase()] = fileId(result.name, set, sets);
    } catch (e) {
      result.error = { code: e.code ?? "page.read_failed", message: e.message };
      result.status = e.code === "read.not_dicom" ? "skipped" : "refused";
    }
    const risky = atRisk(result);
    count[risky && !result.blob ? "review" : result.status]++;
    // A file refused for burned-in text gets its name now, for the review that may pass it
    // (outside a media set: its DICOMDIR names only the files written before it).
    if (risky && !result.name) result.name = outputName(path, null, sets);
    results.push(result);
    if (result.blob || risky) previews.add(result);
    review.intake(result);
    progress.value = i + 1;
  }
  renderTable();
  const toReview = count.review ? `${count.review} to review, ` : "";
  status.textContent = `Done: ${count.sanitized} sanitized, ${toReview}${count.skipped} skipped (not DICOM), ${count.refused} refused.`;
  status.dataset.state = "done";
  busy = false;
  summarize();
}

// ---- the result table: paged, so a study of hundreds of files stays quick to redraw ----

const PAGE = 100;
let page = 0;

/** The words for a status, and the cell's class. */
const STATE = {
  sanitized: ["sanitized", "ok"],
  ok: ["sanitized", "ok"],
  checking: ["checking…", "checking"],
  review: ["needs review", "review"],
  failed: ["pixel check failed", "failed"],
  refused: ["refused", "refused"],
  skipped: ["skipped: not DICOM", "skipped"],
};

function row({ n, path, name, report, error, blob, status, note, ocr }) {
  const actions = report
    ? Object.entries(report.actions).map(([k, v]) => `${k} ${v}`).join(", ")
    : "";
  const findings = el("ul", { className: "findings" });
  for (const f of report?.findings ?? []) {
    findings.append(el("li", {}, el("code", { textContent: f.code }), f.path ? ` ${f.path}` : ""));
  }
  const [word, cls] = STATE[status];
  const result = el("td", { className: cls });
  if (status === "skipped") result.append(word);
  else if (error && !blob) result.append(`${word}: `, el("code", { textContent: error.code }), el("div", { textContent: error.message }));
  else result.append(word);
  // Why, for the review's states; and whether the pixels were read at all.
  if (note && note !== error?.message) result.append(el("div", { className: "note", textContent: note }));
  if (blob && ocr && !ocr.checked) result.append(el("div", { className: "note", textContent: `not OCR-checked: ${ocr.why}` }));
  const tr = el(
    "tr",
    {},
    el("td", { textContent: n }),
    el("td", { textContent: path }),
    result,
    el("td", { textContent: actions }),
    el("td", {}, findings),
    el("td", { textContent: blob ? `${blob.size.toLocaleString()} B` : "" }),
  );
  tr.dataset.state = cls;
  tr.dataset.n = String(n);
  if (name) tr.dataset.name = name;
  return tr;
}

function renderTable() {
  const pages = Math.max(1, Math.ceil(results.length / PAGE));
  page = Math.min(page, pages - 1);
  $("results").tBodies[0].replaceChildren(...results.slice(page * PAGE, (page + 1) * PAGE).map(row));
  document.querySelector(".pager").hidden = pages < 2;
  $("page-info").textContent = `Files ${page * PAGE + 1}–${Math.min(results.length, (page + 1) * PAGE)} of ${results.length}`;
  $("page-prev").disabled = page === 0;
  $("page-next").disabled = page >= pages - 1;
}

function updateRow(r) {
  const old = $("results").tBodies[0].querySelector(`tr[data-n="${r.n}"]`);
  if (old) old.replaceWith(row(r));
  else if (r.n > page * PAGE && r.n <= (page + 1) * PAGE) renderTable();
}

/** Which files may be sent, which wait, and which images OCR did not read. */
function summarize() {
  const by = (s) => results.filter((r) => r.status === s);
  const passed = by("ok").length;
  const parts = [`${passed} passed`];
  for (const [s, words] of [["checking", "being checked"], ["review", "need review"], ["failed", "failed the pixel check"]]) {
    if (by(s).length) parts.push(`${by(s).length} ${words}`);
  }
  const list = (rs) => rs.slice(0, 20).map((r) => `#${r.n}`).join(", ") + (rs.length > 20 ? ", …" : "");
  const plural = (n) => `${n} image${n > 1 ? "s" : ""}`;
  let text = `Review: ${parts.join(", ")}.`;
  const unchecked = results.filter((r) => r.blob && r.ocr && !r.ocr.checked && !r.atRisk);
  if (unchecked.length) text += ` Not OCR-checked: ${plural(unchecked.length)} whose header shows no burned-in risk (${list(unchecked)}).`;
  const unread = results.filter((r) => r.atRisk && r.ocr && !r.ocr.checked && r.status !== "checking");
  if (unread.length) text += ` Could not be OCR-checked, so not passed: ${plural(unread.length)} (${list(unread)}).`;
  $("review-status").textContent = text;
  // Progress of the images under review (OCR'd, or waiting for it).
  const reviewed = results.filter((r) => r.atRisk);
  $("review-progress").hidden = !reviewed.length;
  $("review-progress").max = Math.max(1, reviewed.length);
  $("review-progress").value = reviewed.filter((r) => r.status !== "checking").length;
  $("review-status").dataset.state = busy || by("checking").length ? "running" : "done";
  setButtons();
}

function setButtons() {
  const passed = results.filter((r) => r.status === "ok").length;
  $("download").disabled = busy || !passed;
  $("download").textContent = passed ? `Download ${passed} passed file${passed > 1 ? "s" : ""}` : "Download";
  $("clear").disabled = busy || !results.length;
  // Rules change between runs, not during one (files already sanitized would miss them).
  $("import-rules").disabled = busy;
}

// ---- downloads: one file as is, several as a zip with a report per file ----

/** The media sets among `files`: folders holding a DICOMDIR. */
function mediaSets(files) {
  const directories = new Set(files.map((f) => f.path).filter((p) => p.split("/").pop().toUpperCase() === "DICOMDIR"));
  const dirs = [...directories];
  const roots = dirs.map((p) => p.slice(0, p.length - "DICOMDIR".length));
  return {
    directories,
    written: roots.map(() => ({})),
    counters: { alone: 0, members: roots.map(() => 0) },
    renamed: $("rename").checked,
    /** Input path → output path when names are kept (pseudonymised where they identify). */
    mirror: new Map(),
    /** The innermost set holding `path`, if any; `outRoot` is its folder in the output. */
    of(path) {
      let best = null;
      roots.forEach((root, index) => {
        if (path.startsWith(root) && (!best || root.length > best.root.length)) {
          best = { index, root, within: (p) => p.slice(root.length) };
        }
      });
      if (best && !this.renamed) best.outRoot = this.mirror.get(dirs[best.index]).slice(0, -"DICOMDIR".length);
      return best;
    },
  };
}

/** Output names: the input's with every name that identifies pseudonymised (the CLI's mirror
 * layout), or (by default, since names can carry PHI) numbers as outputs are written; a media set keeps together under PS3.10 names (SET001/DICOM/IM000001). */
function outputName(path, set, sets) {
  if (!sets.renamed) return sets.mirror.get(path);
  if (!set) return `${String(++sets.counters.alone).padStart(4, "0")}.dcm`;
  const root = `SET${String(set.index + 1).padStart(3, "0")}`;
  if (sets.directories.has(path)) return `${root}/DICOMDIR`;
  return `${root}/DICOM/IM${String(++sets.counters.members[set.index]).padStart(6, "0")}`;
}

/** A written file's Referenced File ID: its output path within its set, by components. */
function fileId(name, set, sets) {
  return sets.renamed ? name.split("/").slice(1) : name.slice(set.outRoot.length).split("/");
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const LEFT_OUT = {
  checking: "its pixels were still being checked",
  review: "its pixels may carry identifying text that no one has reviewed or covered",
  failed: "pixel check failed: identifying text was still readable after blanking",
  refused: "refused by the sanitizer",
};

async function download() {
  // Only files that passed: sanitized, and OCR-checked where their pixels were at risk.
  const done = results.filter((r) => r.status === "ok");
  if (done.length === 1) {
    save(new Blob([done[0].blob], { type: "application/dicom" }), done[0].name.split("/").pop());
    return;
  }
  const json = (value) => new Blob([JSON.stringify(value, null, 2)], { type: "application/json" });
  const files = [];
  for (const r of done) {
    const { name } = r;
    files.push({ name: `sanitized/${name}`, blob: r.blob });
    files.push({ name: `reports/${name.replace(/\.dcm$/i, "")}.json`, blob: json(r.report) });
  }
  // The files left out, and why, in words free of what OCR read (the notes on screen name it).
  const refused = results
    .filter((r) => r.status !== "ok" && r.status !== "skipped")
    .map((r) => ({ n: r.n, status: r.status, error: r.error, reason: LEFT_OUT[r.status] }));
  files.push({ name: "refused.json", blob: json(refused) });
  $("status").textContent = "Building the zip…";
  const { bytes } = await call("zip", { files });
  $("status").textContent = `Zip ready: ${done.length} files.`;
  save(new Blob([bytes], { type: "application/zip" }), "sanitized-dicom.zip");
}

// ---- wiring ----

setupOptions();
$("generate-key").onclick = () => {
  $("key").value = hex(crypto.getRandomValues(new Uint8Array(32)));
  $("key").type = "text";
  $("show-key").setAttribute("aria-pressed", "true");
};
$("show-key").onclick = () => {
  const show = $("key").type === "password";
  $("key").type = show ? "text" : "password";
  $("show-key").setAttribute("aria-pressed", String(show));
};
$("pick-files").onchange = (e) => run(pickedFiles(e.target)).finally(() => (e.target.value = ""));
$("pick-folder").onchange = (e) => run(pickedFiles(e.target)).finally(() => (e.target.value = ""));
const drop = $("drop");
drop.ondragover = (e) => {
  e.preventDefault();
  drop.classList.add("over");
};
drop.ondragleave = () => drop.classList.remove("over");
drop.ondrop = async (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  run(await droppedFiles(e.dataTransfer));
};
$("download").onclick = () => download().catch((e) => ($("status").textContent = `Download failed: ${e.message}`));
$("clear").onclick = () => {
  results = [];
  review.clear();
  renderTable();
  previews.clear();
  $("review-status").textContent = "";
  $("review-status").dataset.state = "";
  $("review-progress").hidden = true;
  if ($("large").open) $("large").close();
  $("progress").value = 0;
  $("status").textContent = "Ready.";
  $("status").dataset.state = "";
  setButtons();
};
$("page-prev").onclick = () => (page--, renderTable());
$("page-next").onclick = () => (page++, renderTable());

// ---- region rules: defaults shipped in the page, import and export as the CLI's JSON ----

function showRules(rules) {
  $("rules-list").replaceChildren(...rules.map((rule, i) => {
    const remove = el("button", { type: "button", textContent: "Remove" });
    remove.onclick = () => {
      const next = review.rules.filter((_, j) => j !== i);
      showRules(next);
      review.setRules(next, results);
    };
    return el("li", {}, describeRule(rule), " ", remove);
  }));
  $("export-rules").disabled = !rules.length;
}

try {
  const defaults = parseRegionRules($("default-region-rules").textContent);
  review.initRules(defaults);
  showRules(defaults);
} catch (e) {
  $("rules-status").textContent = `The page's default rules do not read: ${e.message}`;
}
$("export-rules").onclick = () => save(new Blob([exportRules(review.rules)], { type: "application/json" }), "region-rules.json");
$("import-rules").onchange = async (e) => {
  const [file] = e.target.files;
  e.target.value = "";
  try {
    const rules = [...review.rules, ...parseRegionRules(await file.text())];
    showRules(rules);
    $("rules-status").textContent = `${rules.length} rule${rules.length === 1 ? "" : "s"}.`;
    await review.setRules(rules, results);
  } catch (err) {
    $("rules-status").textContent = `${file.name}: ${err.message}`;
  }
};

// ---- recipients: certificates only, remembered in this browser ----

const recipients = createRecipients({
  read: (certificate) => call("recipient", { certificate }),
  list: $("recipients-list"),
  status: $("recipients-status"),
});
$("import-recipient").onchange = async (e) => {
  const files = [...e.target.files];
  e.target.value = "";
  for (const file of files) await recipients.add(new Uint8Array(await file.arrayBuffer()), file.name);
};
$("add-recipient").onclick = async () => {
  const text = $("recipient-pem").value;
  // Cleared whatever it was: a private key pasted by mistake must not stay on the page.
  $("recipient-pem").value = "";
  if (text.trim()) await recipients.add(text, "The pasted text");
};
await recipients.restore();

document.body.dataset.ready = "true";
