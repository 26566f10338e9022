// An edge worker in front of a storage bucket: a DICOM upload is sanitized in the worker, and only
// the de-identified bytes (named by their SHA-256, never by the client's file name, which may
// itself be PHI) reach the bucket. Refused input gets a 4xx JSON error with the stable code, and
// nothing is stored.
//
//   POST /upload    body: one DICOM file -> 201 {stored, report}; the bucket gets the output
//   POST /sanitize  body: one DICOM file -> 200 application/dicom, report in a response header
//   GET  /health    -> 200
//
// Bindings: BUCKET (a service accepting PUT: an R2 bucket's HTTP front, or workerd's writable
// disk service in tests), SANITIZER_KEY (the pseudonym key; a secret in production),
// MAX_UPLOAD_BYTES (optional).
import { Sanitizer, isDicomSanitizerError } from "./pkg/worker.js";

let sanitizer; // compiled once per isolate; the rule set and key do not change between requests

function getSanitizer(env) {
  sanitizer ??= new Sanitizer({
    key: env.SANITIZER_KEY,
    options: ["retainLongitudinalModifiedDates"],
    limits: { maxInputBytes: maxUpload(env) },
  });
  return sanitizer;
}

function maxUpload(env) {
  return Number(env.MAX_UPLOAD_BYTES ?? 32 * 1024 * 1024);
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

async function readUpload(request, env) {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxUpload(env)) {
    const e = new Error(`the upload declares ${declared} bytes; the limit is ${maxUpload(env)}`);
    e.name = "DicomSanitizerError";
    e.code = "limit.input_size";
    throw e;
  }
  return new Uint8Array(await request.arrayBuffer());
}

async function handle(request, env) {
  const { pathname } = new URL(request.url);
  if (pathname === "/health" && request.method === "GET") return json(200, { ok: true });
  if (pathname !== "/upload" && pathname !== "/sanitize") return json(404, { error: { code: "http.not_found" } });
  if (request.method !== "POST") return json(405, { error: { code: "http.method_not_allowed" } }, { allow: "POST" });

  let result;
  try {
    result = getSanitizer(env).sanitize(await readUpload(request, env));
  } catch (e) {
    if (!isDicomSanitizerError(e)) throw e;
    return json(statusFor(e.code), { error: { code: e.code, message: e.message } });
  }
  const { bytes, report } = result;
  if (pathname === "/sanitize") {
    return new Response(bytes, {
      headers: {
        "content-type": "application/dicom",
        "x-dicom-sanitizer-report": JSON.stringify(report),
      },
    });
  }
  const key = `${report.output.sha256}.dcm`;
  const put = await env.BUCKET.fetch(`http://bucket/${key}`, { method: "PUT", body: bytes });
  if (!put.ok) return json(502, { error: { code: "storage.failed", message: `bucket answered ${put.status}` } });
  return json(201, { stored: key, report });
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
