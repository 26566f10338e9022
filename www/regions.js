// Regions to blank: rectangles drawn on the large view, and region rules (where a device writes,
// for every image of that device and size). A rule is exactly the package's `RegionRule` (the
// JSON the CLI's --region-rules and the edge worker's `regionRules` take), so rules exported here
// can ship as a portal's defaults. Pure apart from `createDrawing`, which draws on a canvas.

const RULE_KEYS = new Set([
  "modality", "manufacturer", "model", "rows", "columns", "sopClass", "photometric",
  "regions", "outsideUltrasoundRegions", "coversAllText",
]);
const REGION_KEYS = ["x", "y", "width", "height"];

/** A rule for every image of the device and size `labels`, `rows` × `columns` describe (the
 * original's header): modality, manufacturer, model, rows, columns; what the header lacks is
 * left out (then any value matches). */
export function ruleFor({ rows, columns, labels }, regions, coversAllText = false) {
  const rule = {};
  if (labels.modality) rule.modality = labels.modality;
  if (labels.manufacturer) rule.manufacturer = labels.manufacturer;
  if (labels.model) rule.model = labels.model;
  Object.assign(rule, { rows, columns, regions: regions.map(integral) });
  if (coversAllText) rule.coversAllText = true;
  return rule;
}

/** Whether `rule` selects the image described, as the core's `RegionRule::matches` decides:
 * modality and photometric equal (case-insensitive), manufacturer and model contained
 * (case-insensitive), rows, columns and SOP Class equal. */
export function ruleMatches(rule, { rows, columns, labels }) {
  const eq = (want, got) => want == null || (got != null && want.toLowerCase() === got.toLowerCase());
  const has = (want, got) => want == null || (got != null && got.toLowerCase().includes(want.toLowerCase()));
  return eq(rule.modality, labels.modality)
    && has(rule.manufacturer, labels.manufacturer)
    && has(rule.model, labels.model)
    && (rule.rows == null || rule.rows === rows)
    && (rule.columns == null || rule.columns === columns)
    && (rule.sopClass == null || rule.sopClass === labels.sopClassUid)
    && eq(rule.photometric, labels.photometric);
}

function integral(r) {
  return { x: Math.round(r.x), y: Math.round(r.y), width: Math.round(r.width), height: Math.round(r.height) };
}

/** Rules from JSON text: a list of `RegionRule`. Refuses unknown fields and malformed regions
 * (as the core does) with a message saying which. */
export function parseRules(text) {
  let rules;
  try {
    rules = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${e.message}`);
  }
  if (!Array.isArray(rules)) throw new Error("expected a list of region rules");
  rules.forEach((rule, i) => {
    if (!rule || typeof rule !== "object" || Array.isArray(rule)) throw new Error(`rule ${i}: not an object`);
    for (const k of Object.keys(rule)) if (!RULE_KEYS.has(k)) throw new Error(`rule ${i}: unknown field "${k}"`);
    (rule.regions ?? []).forEach((r, j) => {
      const ok = r && REGION_KEYS.every((k) => Number.isInteger(r[k]) && r[k] >= 0) && Object.keys(r).length === 4 && r.width > 0 && r.height > 0;
      if (!ok) throw new Error(`rule ${i}, region ${j}: expected {x, y, width, height} in whole pixels, with an area`);
    });
  });
  return rules;
}

/** Rules as the JSON file the CLI and the edge worker take. */
export function exportRules(rules) {
  return JSON.stringify(rules, null, 2) + "\n";
}

/** "US · ACME Medical Sono 5 · 640×480": what a rule selects, for people. */
export function describeRule(rule) {
  const device = [rule.manufacturer, rule.model].filter(Boolean).join(" ");
  const size = rule.columns && rule.rows ? `${rule.columns}×${rule.rows}` : "";
  const n = rule.regions?.length ?? 0;
  return [rule.modality, device, size].filter(Boolean).join(" · ") + ` — ${n} region${n === 1 ? "" : "s"}${rule.coversAllText ? ", covers all text" : ""}`;
}

/**
 * Drawing on the large view: `overlay` is a canvas laid over the image canvas, of the same size
 * in pixels. `view()` gives `{ columns, rows, words, identifying, proposed, blanked }` of the
 * image shown (boxes in image pixels); dragging adds a rectangle to `drawn` (image pixels).
 * Colours: words green, identifying words red, proposed regions blue dashed, drawn yellow,
 * already blanked grey.
 */
export function createDrawing(overlay, view, onChange = () => {}) {
  const drawn = [];
  let start = null;
  let current = null;

  const toImage = (e) => {
    const { columns, rows } = view();
    const b = overlay.getBoundingClientRect();
    const clamp = (v, max) => Math.max(0, Math.min(max, v));
    return { x: clamp(((e.clientX - b.left) / b.width) * columns, columns), y: clamp(((e.clientY - b.top) / b.height) * rows, rows) };
  };
  const rect = (a, b) => ({ x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), width: Math.abs(a.x - b.x), height: Math.abs(a.y - b.y) });

  overlay.onpointerdown = (e) => {
    if (!view()) return;
    overlay.setPointerCapture(e.pointerId);
    start = toImage(e);
    current = null;
  };
  overlay.onpointermove = (e) => {
    if (!start) return;
    current = rect(start, toImage(e));
    redraw();
  };
  overlay.onpointerup = (e) => {
    if (!start) return;
    const r = integral(rect(start, toImage(e)));
    start = current = null;
    if (r.width >= 2 && r.height >= 2) drawn.push(r);
    redraw();
    onChange();
  };

  function redraw() {
    const v = view();
    const ctx = overlay.getContext("2d");
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    if (!v) return;
    const s = overlay.width / v.columns;
    const box = (r, colour, dash = []) => {
      ctx.strokeStyle = colour;
      ctx.setLineDash(dash);
      ctx.strokeRect(r.x * s, r.y * s, r.width * s, r.height * s);
    };
    ctx.lineWidth = 2;
    for (const r of v.blanked ?? []) box(r, "#9ca3af", [2, 2]);
    (v.words ?? []).forEach((w, i) => {
      const b = w.bbox;
      box({ x: b.x0, y: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0 }, v.identifying?.[i] ? "#ef4444" : "#22c55e");
    });
    for (const r of v.proposed ?? []) box(r, "#3b82f6", [6, 4]);
    for (const r of current ? [...drawn, current] : drawn) box(r, "#facc15");
  }

  return {
    drawn,
    redraw,
    clear() {
      drawn.length = 0;
      redraw();
      onChange();
    },
  };
}
