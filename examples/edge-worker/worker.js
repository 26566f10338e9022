// An edge worker in front of a storage bucket: a DICOM upload is sanitized as it streams through
// the worker, and only de-identified bytes reach the bucket, stored under a fresh random name
// (never the client's file name, which may itself be PHI). Nothing is emitted until the header
// has passed every check, and memory stays bounded by the header, so uploads of any size fit the
// isolate. Refused input gets a 4xx JSON error with the stable code, and nothing is kept; the
// answer goes out once the client has sent the rest of its upload (read and dropped, 30 s at
// most), so that a client still sending gets it.
//
//   POST /upload    body: one DICOM file -> 201 {stored, report}; the bucket gets the output
//   POST /sanitize  body: one DICOM file -> 200 application/dicom, report in a response header
//   GET  /health    -> 200
//   GET  /stats     -> the largest wasm memory this isolate has used (for the tests)
//
// Bindings: BUCKET (a service accepting PUT and DELETE: an R2 bucket's HTTP front, or workerd's
// writable disk service in tests), SANITIZER_KEY (the pseudonym key; a secret in production),
// MAX_UPLOAD_BYTES (optional, default 4 GiB), REGION_RULES (optional JSON: the region rules the
// demo page exports, `RegionRule[]`, the CLI's --region-rules file), RECIPIENTS (optional text:
// PEM X.509 RSA certificates one after another, each a recipient of the Encrypted Attributes;
// empty or absent, none). Certificates are public; a private key never goes here, and any text
// that is not a certificate is refused with settings.invalid_recipient, storing nothing.
import { Sanitizer, drainable, isDicomSanitizerError, pemBlocks, wasmMemoryBytes } from "./pkg/worker.js";

let sanitizer; // compiled once per isolate; the rule set and key do not change between requests
let maxWasmBytes = 0;

function getSanitizer(env) {
  sanitizer ??= new Sanitizer({
    key: env.SANITIZER_KEY,
    options: ["retainLongitudinalModifiedDates"],
    regionRules: env.REGION_RULES ?? [],
    recipients: pemBlocks(env.RECIPIENTS ?? ""),
  });
  return sanitizer;
}

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** HTTP status for a sanitizer error: the client's fault (4xx) unless the settings are wrong. */
function statusFor(code) {
  if (code.startsWith("settings.") || code === "random.unavailable") return 500;
  if (code === "limit.input_size") return 413;
  if (code === "transfer_syntax.unsupported") return 415;
  return 422;
}

function refuse(e) {
  if (!isDicomSanitizerError(e)) throw e;
  return json(statusFor(e.code), { error: { code: e.code, message: e.message } });
}

/** The upload refused on its declared size, before any of it is read. */
function declaredTooLarge(request, env) {
  const max = Number(env.MAX_UPLOAD_BYTES ?? 4 * 1024 ** 3);
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared <= max) return undefined;
  const e = new Error(`the upload declares ${declared} bytes; the limit is ${max}`);
  return Object.assign(e, { name: "DicomSanitizerError", code: "limit.input_size" });
}

/** The request body through the sanitizer, watching the isolate's wasm memory as it goes. */
function sanitized(body, env) {
  if (!body) {
    throw Object.assign(new Error("read.not_dicom: the upload is empty"), { name: "DicomSanitizerError", code: "read.not_dicom" });
  }
  const t = getSanitizer(env).transform();
  const watch = new TransformStream({
    transform(chunk, controller) {
      maxWasmBytes = Math.max(maxWasmBytes, wasmMemoryBytes());
      controller.enqueue(chunk);
    },
  });
  return { readable: body.pipeThrough(t).pipeThrough(watch), result: t.result };
}

async function upload(body, env) {
  const { readable, result } = sanitized(body, env);
  const key = `${crypto.randomUUID()}.dcm`;
  let put;
  try {
    put = await env.BUCKET.fetch(`http://bucket/${key}`, { method: "PUT", body: readable });
  } catch {
    put = undefined;
  }
  let outcome;
  try {
    outcome = await result;
  } catch (e) {
    // Fail closed: whatever part of the object was written goes.
    await env.BUCKET.fetch(`http://bucket/${key}`, { method: "DELETE" }).catch(() => {});
    return refuse(e);
  }
  if (!put?.ok) {
    await env.BUCKET.fetch(`http://bucket/${key}`, { method: "DELETE" }).catch(() => {});
    return json(502, { error: { code: "storage.failed", message: `bucket answered ${put?.status}` } });
  }
  return json(201, { stored: key, ...outcome });
}

async function sanitizeToClient(body, env) {
  const { readable, result } = sanitized(body, env);
  // Gathered in JS (not wasm) memory so the report can go in a header; use /upload for big files.
  const bytes = await new Response(readable).arrayBuffer().catch(() => undefined);
  let outcome;
  try {
    outcome = await result;
  } catch (e) {
    return refuse(e);
  }
  return new Response(bytes, {
    headers: {
      "content-type": "application/dicom",
      "x-dicom-sanitizer-report": JSON.stringify(outcome.report),
    },
  });
}

async function handle(request, env) {
  const { pathname } = new URL(request.url);
  if (request.method === "GET" && pathname === "/health") return json(200, { ok: true });
  if (request.method === "GET" && pathname === "/stats") return json(200, { maxWasmBytes });
  if (pathname !== "/upload" && pathname !== "/sanitize") return json(404, { error: { code: "http.not_found" } });
  if (request.method !== "POST") return json(405, { error: { code: "http.method_not_allowed" } }, { allow: "POST" });
  const tooLarge = declaredTooLarge(request, env);
  if (tooLarge) return refuse(tooLarge);
  // A refusal at the header answers with most of the upload unsent: the rest is read and dropped
  // first (for at most 30 s), or a client still sending may never get the answer.
  const { body, drain } = request.body ? drainable(request.body) : {};
  try {
    return pathname === "/upload" ? await upload(body, env) : await sanitizeToClient(body, env);
  } catch (e) {
    return refuse(e);
  } finally {
    await drain?.();
  }
}

export default {
  async fetch(request, env) {
    try {
      return await handle(request, env);
    } catch (e) {
      // A bug, not bad input: say so without echoing anything from the request.
      console.error(e);
      return json(500, { error: { code: "internal", message: "internal error" } });
    }
  },
};
