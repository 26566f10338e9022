// The examples (examples/edge-worker, examples/dicomweb-proxy) in real workerd for their tests:
// an example's config, with some text bindings set otherwise, served on a free 127.0.0.1 port;
// a client that reads the answer only after it sent its whole body.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const GENERATED = join(ROOT, "target/workerd");
let configs = 0;

/** The config of `examples/<example>/`, or with `bindings` a copy of it in target/workerd/ whose
 * text bindings of those names hold the values given (multi-line PEM text included). */
export function exampleConfig(example, bindings = {}) {
  const config = join(ROOT, "examples", example, "config.capnp");
  if (!Object.keys(bindings).length) return config;
  let text = readFileSync(config, "utf8").replaceAll('embed "', `embed "../../examples/${example}/`);
  for (const [name, value] of Object.entries(bindings)) {
    const re = new RegExp(`\\(name = "${name}", text = "[^"]*"\\)`);
    if (!re.test(text)) throw new Error(`the ${example} config has no text binding ${name}`);
    // JSON's escapes of these values (newlines, quotes) are Cap'n Proto's too.
    text = text.replace(re, () => `(name = "${name}", text = ${JSON.stringify(value)})`);
  }
  mkdirSync(GENERATED, { recursive: true });
  const path = join(GENERATED, `${example}-${process.pid}-${++configs}.capnp`);
  writeFileSync(path, text);
  return path;
}

/** workerd serving `config` with its http socket on a port it picks and tells us (--control-fd),
 * so parallel runs cannot collide; `args` add overrides (`-d bucket=...`, `-e orthanc=...`).
 * `close()` stops it and removes the config if it was generated. */
export async function startWorkerd(config, args = []) {
  const proc = spawn(
    join(ROOT, "node_modules/.bin/workerd"),
    ["serve", config, "-s", "http=127.0.0.1:0", ...args, "--control-fd", "3"],
    { stdio: ["ignore", "inherit", "inherit", "pipe"] },
  );
  const close = async () => {
    if (config.startsWith(GENERATED)) rmSync(config, { force: true });
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill();
    await exited;
  };
  const port = await new Promise((resolve, reject) => {
    proc.once("exit", (code) => reject(new Error(`workerd exited with ${code}`)));
    createInterface({ input: proc.stdio[3] }).on("line", (line) => {
      const msg = JSON.parse(line);
      if (msg.event === "listen" && msg.socket === "http") resolve(msg.port);
    });
  }).catch(async (e) => {
    await close();
    throw e;
  });
  return { proc, base: `http://127.0.0.1:${port}`, close };
}

/**
 * A client that sends its whole request before it reads a byte of the answer, as a simple upload
 * client may: a raw socket to `base`, sending the request line and `headers` at once. `write(b)`
 * resolves once the example has taken `b` in, and fails when it stops reading for 30 s; `answer()`
 * reads the answer to the end: `{ text, failure }` (a reset connection is a failure).
 */
export async function lateReader(base, path, headers) {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  await new Promise((r) => socket.once("connect", r));
  socket.pause();
  let failure;
  socket.on("error", (e) => (failure ??= e));
  // An example that answers early without reading on neither reads on nor closes: a write would
  // wait forever.
  const write = (b) =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      if (socket.write(b)) return resolve();
      const timer = setTimeout(() => reject(new Error("the example stopped reading the body before it answered")), 30_000);
      socket.once("drain", () => resolve(clearTimeout(timer)));
    });
  const answer = async () => {
    let text = "";
    socket.setEncoding("utf8").on("data", (d) => (text += d));
    socket.resume();
    await new Promise((r) => {
      const timer = setTimeout(r, 60_000);
      socket.once("close", () => r(clearTimeout(timer)));
    });
    socket.destroy();
    return { text, failure };
  };
  const lines = Object.entries({ host: "127.0.0.1", connection: "close", ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
  await write(`POST ${path} HTTP/1.1\r\n${lines.join("")}\r\n`);
  return { write, answer, failed: () => failure };
}
