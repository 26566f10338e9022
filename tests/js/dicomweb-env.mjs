// The STOW-RS proxy's test bench, shared by its tests and `make bench`: a real Orthanc (with its
// DICOMweb plugin) on a free 127.0.0.1 port and its own storage directory, the proxy example in
// real workerd in front of it, and dicomweb-client (PyPI) as the clients.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { exampleConfig, startWorkerd } from "./workerd.mjs";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const EXAMPLE = join(ROOT, "examples/dicomweb-proxy");
const CORPUS = resolve(ROOT, process.env.CORPUS ?? "target/corpus");
const PYTHON = process.env.DICOM_SANITIZER_PYTHON ?? join(ROOT, "target/pyenv/bin/python");
/** The example config's test key. */
export const PROXY_KEY = "dicomweb-proxy-example-key-0123456789";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Orthanc with the example's configuration on `port` (a free one by default), storing in
 * `storage` (a fresh temporary directory by default; the same one again after `restart`). */
export async function startOrthanc({ port, storage } = {}) {
  port ??= await freePort();
  const own = !storage;
  storage ??= mkdtempSync(join(tmpdir(), "dicomweb-proxy-orthanc-"));
  const config = JSON.parse(readFileSync(join(EXAMPLE, "orthanc.json"), "utf8"));
  writeFileSync(join(storage, "orthanc.json"), JSON.stringify({ ...config, HttpPort: port }));
  const base = `http://127.0.0.1:${port}`;
  const server = { port, storage, base, proc: null };
  server.start = async () => {
    const proc = spawn("Orthanc", ["--logdir=" + storage, join(storage, "orthanc.json")], {
      env: { ...process.env, ORTHANC_STORAGE: join(storage, "db") },
      stdio: ["ignore", "ignore", "ignore"],
    });
    server.proc = proc;
    for (let i = 0; ; i++) {
      if (await fetch(`${base}/system`).then((r) => r.ok, () => false)) return;
      if (i > 150 || proc.exitCode !== null) throw new Error(`Orthanc did not start (logs in ${storage})`);
      await sleep(200);
    }
  };
  /** Stops it (SIGTERM, as a service manager would) and waits for it to exit. */
  server.stop = async (signal = "SIGTERM") => {
    const proc = server.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill(signal);
    await Promise.race([exited, sleep(20_000).then(() => proc.kill("SIGKILL"))]);
    await exited;
  };
  server.restart = async () => {
    await server.stop();
    await server.start();
  };
  server.close = async () => {
    await server.stop();
    if (own) rmSync(storage, { recursive: true, force: true });
  };
  server.rest = (path, init) => fetch(base + path, init).then((r) => r.json());
  await server.start();
  return server;
}

/** The proxy example in workerd, in front of Orthanc on `orthancPort`. `bindings` overrides the
 * example's text bindings (e.g. MAX_PART_BYTES, RECIPIENTS) in a generated copy of its config. */
export async function startProxy({ orthancPort, bindings = {} }) {
  const workerd = await startWorkerd(exampleConfig("dicomweb-proxy", bindings), ["-e", `orthanc=127.0.0.1:${orthancPort}`]);
  return { ...workerd, stats: () => fetch(`${workerd.base}/stats`).then((r) => r.json()) };
}

/** dicomweb-client's store_instances of `files` to the STOW-RS service at `url`
 * (tests/dicomweb_client_store.py): `{ status, response, inputs }`. */
export function store(url, files, study) {
  const args = [join(ROOT, "tests/dicomweb_client_store.py"), url, ...(study ? ["--study", study] : []), ...files];
  return JSON.parse(execFileSync(PYTHON, args, { encoding: "utf8" }));
}

/**
 * `clients` dicomweb-client processes storing `studies` generated studies each, all at once, to
 * the STOW-RS service at `url` (tests/dicomweb_load_client.py; `largeSet: "test"` mixes in the
 * large instances, up to 256 MiB). Resolves to `{ requests, seconds, instances, bytes }`: every
 * request's line, the wall time of the slowest client, and the instances and Part 10 bytes sent
 * in the requests answered 200 or 202.
 */
export async function load(url, { clients = 8, studies = 50, prefix, largeSet = "none", retryFor = 0, timeoutMs = 600_000 }) {
  const runs = Array.from({ length: clients }, (_, k) => {
    const args = [join(ROOT, "tests/dicomweb_load_client.py"), url, "--client", String(k), "--studies", String(studies),
      "--corpus", CORPUS, "--large", join(ROOT, "target/large"), "--large-set", largeSet, "--retry-for", String(retryFor)];
    if (prefix) args.push("--prefix", prefix);
    const proc = spawn(PYTHON, args, { stdio: ["ignore", "pipe", "inherit"] });
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    let out = "";
    proc.stdout.setEncoding("utf8").on("data", (d) => (out += d));
    return new Promise((resolve, reject) =>
      proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        if (code !== 0) return reject(new Error(`load client ${k} exited with ${code ?? signal}`));
        const lines = out.trim().split("\n").map((l) => JSON.parse(l));
        resolve({ requests: lines.filter((l) => !l.done), seconds: lines.find((l) => l.done).seconds });
      }),
    );
  });
  const done = await Promise.all(runs);
  const requests = done.flatMap((d) => d.requests);
  const ok = requests.filter((r) => r.status === 200 || r.status === 202);
  const sent = ok.flatMap((r) => r.inputs.filter((i) => i.expect === "stored"));
  return {
    requests,
    seconds: Math.max(...done.map((d) => d.seconds)),
    instances: sent.length,
    bytes: sent.reduce((n, i) => n + i.bytes, 0),
  };
}

/** Every instance Orthanc holds: `[{ id, sop, study }]`. */
export async function orthancInstances(orthanc) {
  const all = await orthanc.rest("/instances?expand");
  return all.map((i) => ({ id: i.ID, sop: i.MainDicomTags.SOPInstanceUID, size: i.FileSize }));
}

/** A multipart/related body of one part: HEADER, then `length` pixel bytes, in 1 MiB chunks. */
export function multipart(boundary, header, length) {
  const enc = new TextEncoder();
  const chunks = [enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), header.slice()];
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (chunks.length) return controller.enqueue(chunks.shift());
      if (sent >= length) {
        controller.enqueue(enc.encode(`\r\n--${boundary}--\r\n`));
        return controller.close();
      }
      const n = Math.min(1 << 20, length - sent);
      controller.enqueue(new Uint8Array(n).fill((sent >> 20) & 0xff));
      sent += n;
    },
  });
}

/** POSTs a multipart body (a stream, a Blob, bytes) to the proxy's /dicomweb/studies. */
export const post = (proxyBase, body, boundary) =>
  fetch(`${proxyBase}/dicomweb/studies`, {
    method: "POST",
    headers: { "content-type": `multipart/related; type="application/dicom"; boundary=${boundary}` },
    body,
    duplex: "half",
  });

/** The value list of a tag in a DICOM JSON object. */
export const seq = (response, tag) => response?.[tag]?.Value ?? [];
