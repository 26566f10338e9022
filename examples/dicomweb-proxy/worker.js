// A DICOMweb STOW-RS proxy at the edge: instances POSTed as multipart/related (PS3.18 §10.5) are
// sanitized part by part as the request streams through, and only the de-identified instances
// reach the upstream DICOMweb service (Orthanc in the tests), in a new multipart request that
// streams too. Neither body is ever held whole: memory is bounded by one part's DICOM header.
//
//   POST /dicomweb/studies          multipart/related; type="application/dicom"; boundary=...
//   POST /dicomweb/studies/{study}  the same; {study} is pseudonymised with the key, as the
//                                   instances' Study Instance UIDs are, so the upstream's own
//                                   "belongs to this study" check still applies
//   GET  /health, GET /stats        (the largest wasm memory this isolate has used and the most
//                                   requests it served at once, for the tests)
//
// The answer is a Store Instances Response (application/dicom+json): the upstream's, with the
// parts refused here added to Failed SOP Sequence (0008,1198). A refused item carries Failure
// Reason (0008,1197) and the sanitizer's error code in Error Comment (0000,0902), the text field
// of the C-STORE response that STOW-RS mirrors; its Referenced SOP Class/Instance UIDs are the
// input's own (from its File Meta group), told back to the client that sent them, never upstream.
// Status as PS3.18 §10.5.3: 200 all stored, 202 some failed, 409 none stored.
//
// Whole-request failures are JSON `{ error: { code, message } }`, and say what to retry:
//   400 http.bad_multipart     the body is not valid multipart (no such boundary, text after a
//                              delimiter, cut short): fix the body and resend it
//   400 http.body_failed       the request body broke off (the client went away)
//   413 limit.part_size        a part streamed past MAX_PART_BYTES after its header went upstream:
//                              resend the others (refused before that, it is a Failed SOP item)
//   415 http.unsupported_media_type  not multipart/related; type="application/dicom"
//   422 (the sanitizer's code; 413, 415 by statusFor) a part failed after its header went
//                              upstream (see below): resend the others
//   503 upstream.unavailable   the upstream could not be reached, broke the connection before it
//                              answered, or answered 5xx without a Store Instances Response
//                              (Retry-After): resend the whole request later
//   502 upstream.failed        the upstream answered, but not with a Store Instances Response
// Parts before the failing one may be stored upstream (Orthanc stores each part once the next one
// starts), whole and sanitized. A resend is safe: the pseudonyms are keyed, so such an instance
// arrives again under the same UIDs and the upstream keeps one copy.
//
// A part is refused before any of its bytes leave: the sanitizer emits nothing until the header
// passed every check, and the part's boundary and headers go upstream only with its first
// sanitized bytes. An error after that (pixel data shorter than declared, a broken compressed
// frame) cannot be taken back, so the whole upstream request is aborted (its body errors, the
// upstream never sees the end of that part) and the client gets a 4xx JSON error with the code.
// Parts the upstream stored before the abort stay stored: they were sanitized completely.
//
// Bindings: UPSTREAM (a service: the DICOMweb server), UPSTREAM_STUDIES (its STOW-RS URL, e.g.
// http://orthanc/dicom-web/studies), SANITIZER_KEY (the pseudonym key; a secret in production),
// MAX_PART_BYTES (optional: the largest part accepted, in bytes; the sanitizer's own limits bound
// only the header, and pixel data streams), RETRY_AFTER (optional: seconds, default 5),
// LINGER_SECONDS (optional, default 30: how long the rest of a body refused early is read and
// dropped before the answer goes out, so that the client, still sending, gets it) and
// RECIPIENTS (optional text: PEM X.509 RSA certificates one after another, each a recipient of
// the Encrypted Attributes; empty or absent, none). Certificates are public; a private key never
// goes here. Text that is not a certificate fails every request with 500
// settings.invalid_recipient before anything goes upstream.
import { Sanitizer, drainable, isDicomSanitizerError, pemBlocks, wasmMemoryBytes } from "./pkg/worker.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const MAX_PART_HEADERS = 16 * 1024;
// Enough of a part's start to read its File Meta group's SOP Class and Instance UIDs.
const KEEP_HEAD = 4096;

let sanitizer; // compiled once per isolate
let maxWasmBytes = 0;
let inFlight = 0; // STOW-RS requests this isolate is serving now, and the most at once
let maxInFlight = 0;

function getSanitizer(env) {
  sanitizer ??= new Sanitizer({
    key: env.SANITIZER_KEY,
    options: ["retainLongitudinalModifiedDates"],
    recipients: pemBlocks(env.RECIPIENTS ?? ""),
  });
  return sanitizer;
}

function json(status, body, type = "application/json") {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": type } });
}

function error(status, code, message) {
  return json(status, { error: { code, message } });
}

/** 503 with Retry-After (PS3.18 §10.5.3 "Busy"): nothing the client can fix, so resend later. */
function unavailable(env, message) {
  const res = error(503, "upstream.unavailable", message);
  res.headers.set("retry-after", String(Number(env.RETRY_AFTER ?? 5)));
  return res;
}

function statusFor(code) {
  if (code.startsWith("settings.") || code === "random.unavailable") return 500;
  if (code === "limit.input_size") return 413;
  if (code === "transfer_syntax.unsupported") return 415;
  return 422;
}

/** Failure Reason (PS3.18 Table 10.5.3-3 / PS3.4 Annex B) for a sanitizer error code. */
function failureReason(code) {
  if (code === "transfer_syntax.unsupported") return 0xc122; // Referenced Transfer Syntax not supported
  if (code.startsWith("limit.")) return 0xa700; // Out of resources
  if (code.startsWith("read.")) return 0xc000; // Cannot understand
  return 0x0110; // Processing failure: readable, but not safe to de-identify (PHI, burned-in text)
}

/** `{ type, params }` of a Content-Type header; parameter names lower-cased, quotes removed. */
function mediaType(header) {
  const [type, ...rest] = (header ?? "").split(";");
  const params = {};
  for (const m of (";" + rest.join(";")).matchAll(/;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g)) {
    let v = m[2].trim();
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    params[m[1].toLowerCase()] = v;
  }
  return { type: type.trim().toLowerCase(), params };
}

class BadMultipart extends Error {
  code = "http.bad_multipart";
}

/** A part streamed past MAX_PART_BYTES. */
class PartTooLarge extends Error {
  code = "limit.part_size";
}

/** The request body failed while being read (the client went away). */
class BodyFailed extends Error {}

/**
 * Reads a multipart body part by part from a stream (RFC 2046 §5.1.1): `next()` gives a part's
 * headers, `body()` its bytes as they arrive, chunk views never copied but for a possible
 * delimiter prefix held back at a chunk's end.
 */
class MultipartReader {
  constructor(stream, boundary) {
    this.reader = stream.getReader();
    this.delim = enc.encode(`\r\n--${boundary}`);
    this.buf = enc.encode("\r\n"); // so the first delimiter reads like every other
    this.eof = false;
    this.started = false;
  }

  async fill() {
    if (this.eof) return false;
    let value, done;
    try {
      ({ value, done } = await this.reader.read());
    } catch (e) {
      throw new BodyFailed("the request body failed", { cause: e });
    }
    if (done) {
      this.eof = true;
      return false;
    }
    const chunk = value instanceof Uint8Array ? value : new Uint8Array(value);
    if (!this.buf.length) this.buf = chunk;
    else {
      const both = new Uint8Array(this.buf.length + chunk.length);
      both.set(this.buf);
      both.set(chunk, this.buf.length);
      this.buf = both;
    }
    return true;
  }

  /** The delimiter's index in buf, or -(start of a delimiter prefix at the end) - 1. */
  find(from = 0) {
    const { buf, delim } = this;
    for (let i = buf.indexOf(13, from); i >= 0; i = buf.indexOf(13, i + 1)) {
      let k = 0;
      while (k < delim.length && i + k < buf.length && buf[i + k] === delim[k]) k++;
      if (k === delim.length) return i;
      if (i + k === buf.length) return -i - 1;
    }
    return -buf.length - 1;
  }

  async need(n) {
    while (this.buf.length < n) if (!(await this.fill())) throw new BadMultipart("the body ends inside a part's headers");
  }

  /** The next part's headers (a Map, names lower-cased), or null after the close delimiter. */
  async next() {
    if (!this.started) {
      // Skip the preamble up to the first delimiter.
      this.started = true;
      for (;;) {
        const at = this.find();
        if (at >= 0) {
          this.buf = this.buf.subarray(at + this.delim.length);
          break;
        }
        this.buf = this.buf.subarray(-at - 1);
        if (!(await this.fill())) throw new BadMultipart("no boundary delimiter in the body");
      }
    }
    await this.need(2);
    if (this.buf[0] === 45 && this.buf[1] === 45) return null; // "--": the close delimiter
    // Transport padding, then CRLF, then the headers up to an empty line.
    let end;
    for (;;) {
      const text = dec.decode(this.buf.subarray(0, MAX_PART_HEADERS));
      const line = text.indexOf("\r\n");
      end = line >= 0 ? text.indexOf("\r\n\r\n", line) : -1;
      if (end >= 0) {
        if (text.slice(0, line).trim()) throw new BadMultipart("text after a boundary delimiter");
        const headers = new Map();
        for (const h of text.slice(line + 2, end).split("\r\n")) {
          const colon = h.indexOf(":");
          if (colon > 0) headers.set(h.slice(0, colon).trim().toLowerCase(), h.slice(colon + 1).trim());
        }
        this.buf = this.buf.subarray(enc.encode(text.slice(0, end + 4)).length);
        return headers;
      }
      if (this.buf.length >= MAX_PART_HEADERS) throw new BadMultipart("a part's headers are too long");
      if (!(await this.fill())) throw new BadMultipart("the body ends inside a part's headers");
    }
  }

  /** The current part's bytes, up to the next delimiter (consumed). */
  async *body() {
    for (;;) {
      const at = this.find();
      if (at >= 0) {
        if (at > 0) yield this.buf.subarray(0, at);
        this.buf = this.buf.subarray(at + this.delim.length);
        return;
      }
      const keep = -at - 1;
      if (keep > 0) yield this.buf.subarray(0, keep);
      this.buf = this.buf.subarray(keep);
      if (!(await this.fill())) throw new BadMultipart("the body ends inside a part");
    }
  }
}

/** SOP Class and Instance UIDs from a Part 10 File Meta group (always explicit VR little endian). */
function metaUids(head) {
  const out = {};
  if (head.length < 132 || dec.decode(head.subarray(128, 132)) !== "DICM") return out;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  for (let p = 132; p + 8 <= head.length && v.getUint16(p, true) === 0x0002; ) {
    const element = v.getUint16(p + 2, true);
    const vr = dec.decode(head.subarray(p + 4, p + 6));
    const long = ["OB", "OW", "OF", "SQ", "UT", "UN"].includes(vr);
    const len = long ? v.getUint32(p + 8, true) : v.getUint16(p + 6, true);
    const at = p + (long ? 12 : 8);
    if (at + len > head.length) break;
    const text = () => dec.decode(head.subarray(at, at + len)).replace(/[\0 ]+$/, "");
    if (element === 0x0002) out.sopClass = text();
    if (element === 0x0003) out.sopInstance = text();
    p = at + len;
  }
  return out;
}

function failedItem({ sopClass, sopInstance }, code) {
  const item = {
    "00081197": { vr: "US", Value: [failureReason(code)] },
    "00000902": { vr: "LO", Value: [code.slice(0, 64)] },
  };
  if (sopClass) item["00081150"] = { vr: "UI", Value: [sopClass] };
  if (sopInstance) item["00081155"] = { vr: "UI", Value: [sopInstance] };
  return item;
}

/** Thrown out of a part that failed after some of its sanitized bytes went upstream. */
class Aborted extends Error {}

async function stow(request, env, study, body) {
  const { type, params } = mediaType(request.headers.get("content-type"));
  if (type !== "multipart/related" || !params.boundary || (params.type ?? "application/dicom").toLowerCase() !== "application/dicom") {
    return error(415, "http.unsupported_media_type", 'expected multipart/related; type="application/dicom"; boundary=...');
  }
  if (!body) return error(400, "http.bad_multipart", "the request has no body");
  let s;
  try {
    s = getSanitizer(env);
  } catch (e) {
    if (!isDicomSanitizerError(e)) throw e;
    return error(statusFor(e.code), e.code, e.message); // the settings are wrong: nothing went upstream
  }
  let target = env.UPSTREAM_STUDIES;
  if (study !== undefined) {
    let mapped;
    try {
      mapped = s.pseudonymizeStudyUid(decodeURIComponent(study));
    } catch (e) {
      if (!isDicomSanitizerError(e)) throw e;
      return error(400, e.code, "the study UID in the path is not a valid UID");
    }
    if (mapped) target += `/${mapped}`;
  }

  const maxPart = Number(env.MAX_PART_BYTES ?? Infinity);
  const parts = new MultipartReader(body, params.boundary);
  const outBoundary = `dicom-sanitizer-${crypto.randomUUID()}`;
  const pipe = new TransformStream();
  const out = pipe.writable.getWriter();
  let upstream; // started with the first part that passed, so an all-refused request stays here
  const failed = [];
  let sent = 0;
  let upstreamError; // the upstream fetch failed: unreachable, or the connection broke
  let aborting = false; // ... and not because this request aborted it

  const start = () => {
    if (upstream) return;
    upstream = env.UPSTREAM.fetch(target, {
      method: "POST",
      headers: {
        "content-type": `multipart/related; type="application/dicom"; boundary=${outBoundary}`,
        accept: "application/dicom+json",
      },
      body: pipe.readable,
    });
    // Kept to tell an upstream that is gone (503) from this request aborting it. workerd cancels
    // the body stream of a failed fetch, so a pending write into the pipe rejects by itself.
    upstream.catch((e) => {
      if (!aborting) upstreamError ??= e;
    });
  };

  /** One part through the sanitizer: true when it went upstream whole, false when refused. */
  async function part(headers) {
    const head = new Uint8Array(KEEP_HEAD);
    let kept = 0;
    let size = 0;
    const partType = mediaType(headers.get("content-type") ?? "application/dicom").type;
    if (partType !== "application/dicom") {
      for await (const chunk of parts.body()) void chunk; // skipped, never read
      failed.push(failedItem({}, "http.unsupported_media_type"));
      return false;
    }
    const t = s.transform();
    const writer = t.writable.getWriter();
    const feeding = (async () => {
      let broken = false;
      try {
        for await (const chunk of parts.body()) {
          size += chunk.length;
          if (size > maxPart) throw new PartTooLarge(`a part is larger than ${maxPart} bytes`);
          if (kept < KEEP_HEAD) {
            const n = Math.min(KEEP_HEAD - kept, chunk.length);
            head.set(chunk.subarray(0, n), kept);
            kept += n;
          }
          // After a refusal the rest of the part is read and dropped, to reach the next one.
          if (!broken) await writer.write(chunk).catch(() => (broken = true));
        }
      } catch (e) {
        await writer.abort(e).catch(() => {}); // so the reading side ends too
        throw e;
      }
      if (!broken) await writer.close().catch(() => {});
    })();
    let emitted = false;
    const reading = (async () => {
      const reader = t.readable.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          maxWasmBytes = Math.max(maxWasmBytes, wasmMemoryBytes());
          if (!emitted) {
            emitted = true;
            start();
            await out.write(enc.encode(`${sent ? "\r\n" : ""}--${outBoundary}\r\nContent-Type: application/dicom\r\n\r\n`));
          }
          await out.write(value);
        }
      } catch (e) {
        // The upstream went away (or the sanitizer failed): unblock the feeding side.
        await reader.cancel(e).catch(() => {});
        throw e;
      }
    })();
    const [fed, read] = await Promise.allSettled([feeding, reading]);
    if (fed.status === "rejected") {
      // Refused before anything of it left: the part is listed, the rest of the body is read on.
      if (fed.reason instanceof PartTooLarge && !emitted) {
        failed.push(failedItem(metaUids(head.subarray(0, kept)), fed.reason.code));
        for await (const chunk of parts.body()) void chunk;
        return false;
      }
      throw fed.reason; // the framing is broken, the body failed, or a part is too large
    }
    if (read.status === "fulfilled") {
      sent++;
      return true;
    }
    // A sanitizer failure errors the readable with the DicomSanitizerError itself.
    const e = read.reason;
    if (emitted || !isDicomSanitizerError(e)) throw Object.assign(new Aborted(), { cause: e });
    failed.push(failedItem(metaUids(head.subarray(0, kept)), e.code));
    return false;
  }

  try {
    for (let headers; (headers = await parts.next()); ) await part(headers);
  } catch (e) {
    aborting = true;
    await out.abort(e).catch(() => {});
    await upstream?.catch(() => {});
    // The rest of the body is read and dropped before this answer goes out (drain, in handle).
    const cause = e instanceof Aborted ? e.cause : e;
    if (upstreamError) return unavailable(env, "the upstream DICOMweb service could not be reached or broke the connection");
    if (isDicomSanitizerError(cause)) {
      return error(statusFor(cause.code), cause.code, `a part failed after its sanitized header went upstream; the upstream request was aborted: ${cause.message}`);
    }
    if (cause instanceof BadMultipart) return error(400, cause.code, cause.message);
    if (cause instanceof PartTooLarge) {
      return error(413, cause.code, `${cause.message}; the upstream request was aborted, resend the other instances`);
    }
    if (cause instanceof BodyFailed) return error(400, "http.body_failed", "the request body failed while being read");
    if (e instanceof Aborted) return unavailable(env, "the upstream request failed while a part streamed");
    throw cause;
  }

  let result = {};
  let status;
  if (upstream) {
    let res;
    try {
      await out.write(enc.encode(`\r\n--${outBoundary}--\r\n`));
      await out.close();
      res = await upstream;
    } catch {
      return unavailable(env, "the upstream DICOMweb service did not answer");
    }
    let text;
    try {
      text = await res.text();
    } catch {
      return unavailable(env, "the upstream DICOMweb service broke the connection while answering");
    }
    try {
      result = text ? JSON.parse(text) : {};
    } catch {
      result = undefined;
    }
    // An upstream failure with no Store Instances Response: retryable, as its own 5xx is.
    const answered = result && typeof result === "object" && ("00081199" in result || "00081198" in result);
    if (res.status >= 500 && !answered) return unavailable(env, `the upstream answered ${res.status}`);
    if (!result) return error(502, "upstream.failed", `the upstream answered ${res.status} without a JSON response`);
    status = res.status;
  } else {
    await out.close();
  }
  if (failed.length) {
    const seq = (result["00081198"] ??= { vr: "SQ", Value: [] });
    seq.Value = [...(seq.Value ?? []), ...failed];
  }
  const stored = result["00081199"]?.Value?.length ?? 0;
  const failures = (result["00081198"]?.Value?.length ?? 0) + (result["0008119A"]?.Value?.length ?? 0);
  if (status >= 400 && !stored && !failures) return error(502, "upstream.failed", `the upstream answered ${status}`);
  const code = stored === 0 ? 409 : failures ? 202 : 200;
  return json(code, result, "application/dicom+json");
}

async function handle(request, env) {
  const { pathname } = new URL(request.url);
  if (request.method === "GET" && pathname === "/health") return json(200, { ok: true });
  if (request.method === "GET" && pathname === "/stats") return json(200, { maxWasmBytes, maxInFlight });
  const m = /^\/dicomweb\/studies(?:\/([^/]+))?\/?$/.exec(pathname);
  if (!m) return error(404, "http.not_found", "not found");
  if (request.method !== "POST") {
    return new Response(JSON.stringify({ error: { code: "http.method_not_allowed" } }), {
      status: 405,
      headers: { "content-type": "application/json", allow: "POST" },
    });
  }
  maxInFlight = Math.max(maxInFlight, ++inFlight);
  // An answer given before the body was read to its end (a 413, a 400) goes out once the client
  // has sent it all, or after LINGER_SECONDS.
  const { body, drain } = request.body ? drainable(request.body, Number(env.LINGER_SECONDS ?? 30)) : {};
  try {
    return await stow(request, env, m[1], body);
  } finally {
    await drain?.();
    inFlight--;
  }
}

export default {
  async fetch(request, env) {
    try {
      return await handle(request, env);
    } catch (e) {
      // A bug, not bad input: say so without echoing anything from the request.
      console.error(e);
      return error(500, "internal", "internal error");
    }
  },
};
