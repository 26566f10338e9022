// What every entry point exports once the module is instantiated. The classes and functions are
// wasm-bindgen's; this file adds the Web Streams wrapper and helpers that need no wasm.
import { Sanitizer } from "./dicom_sanitizer.js";

export {
  Sanitizer,
  SanitizeStream,
  NamePlan,
  errorCodes,
  findingCodes,
  version,
  edition,
  verify,
  verifyOriginal,
  reidentify,
  recipientInfo,
  publicKey,
  generateSigningKey,
  wasmMemoryBytes,
  leafDigest,
  identifyingValues,
  renderFrame,
  renderFrameAt,
  describeImage,
  describeImageAt,
} from "./dicom_sanitizer.js";

/** True for errors thrown by this package (they carry a stable `code`). */
export function isDicomSanitizerError(e) {
  return e instanceof Error && e.name === "DicomSanitizerError" && typeof e.code === "string";
}

/**
 * The PEM blocks of `text` (certificates one after another, as a `.pem` bundle or an edge
 * worker's text binding holds them), one string each, for the `recipients` setting. Text outside
 * the blocks becomes an entry of its own, so the Sanitizer refuses it
 * (`settings.invalid_recipient`) instead of it being dropped unseen; blank text gives [].
 */
export function pemBlocks(text) {
  const block = /-----BEGIN [^-]+-----[^]*?-----END [^-]+-----/g;
  const blocks = text.match(block) ?? [];
  const rest = text.replace(block, "").trim();
  return rest ? [...blocks, rest] : blocks;
}

/**
 * For a server that may answer an upload before it has read all of it (a refusal at the header,
 * a part over a limit): `{ body, drain }`. `body` is the request body as a stream to pipe or read;
 * cancelling it (a refused upload piped into a sanitizer) leaves the rest unread instead of
 * dropping the connection's bytes. `drain()` reads and drops whatever the client still sends, for
 * at most `seconds`; await it before the answer goes out. Without it a client still sending may
 * never get the answer: edge runtimes neither read on nor close such a connection, and servers
 * that close it reset it (the lingering close of RFC 9112 §9.6).
 */
export function drainable(stream, seconds = 30) {
  const reader = stream.getReader();
  const body = new ReadableStream(
    {
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
    },
    { highWaterMark: 0 },
  );
  async function drain() {
    let timer;
    const deadline = new Promise((r) => (timer = setTimeout(r, seconds * 1000)));
    const rest = (async () => {
      while (!(await reader.read()).done);
    })();
    await Promise.race([rest, deadline]).catch(() => {}); // a body that broke off: nothing to wait for
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return { body, drain };
}

/**
 * A TransformStream<Uint8Array, Uint8Array> that sanitizes one file as it flows:
 * `file.stream().pipeThrough(t)` in a page, `request.body.pipeThrough(t)` in a worker. Nothing
 * comes out until the header has passed every check; memory stays bounded by the header.
 * `t.result` resolves to `{ report, receipt? }` when the stream ends; on any error the stream
 * errors (so a piped upload aborts and its partial output must be discarded) and `t.result`
 * rejects with the same `DicomSanitizerError`.
 */
export function sanitizeTransform(sanitizer) {
  const stream = sanitizer.stream();
  let resolve, reject;
  const result = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  result.catch(() => {}); // the stream's own error is what callers usually see
  const fail = (e) => {
    reject(e);
    stream.free();
    throw e;
  };
  const t = new TransformStream({
    transform(chunk, controller) {
      const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
      let out;
      try {
        out = stream.write(bytes);
      } catch (e) {
        fail(e);
      }
      if (out.length) controller.enqueue(out);
    },
    flush(controller) {
      let done;
      try {
        done = stream.end();
      } catch (e) {
        fail(e);
      }
      stream.free();
      if (done.bytes.length) controller.enqueue(done.bytes);
      resolve(done.receipt ? { report: done.report, receipt: done.receipt } : { report: done.report });
    },
  });
  t.result = result;
  return t;
}

/** `sanitizer.transform()`: see `sanitizeTransform`. */
Sanitizer.prototype.transform = function transform() {
  return sanitizeTransform(this);
};

/**
 * Adds one input of `size` bytes to a `NamePlan`: its first MiB, else as much of a header as the
 * default limits allow (33 MiB). `head(n)` resolves to the file's first `n` bytes.
 */
export async function addToNamePlan(plan, path, size, head) {
  for (const n of [Math.min(size, 1 << 20), Math.min(size, 33 << 20)]) {
    if (plan.add(path, await head(n), n === size || n === 33 << 20)) return;
  }
}
