// Benchmark runner: this project's wasm build in Node over every file of IN, into OUT. Files up
// to 32 MiB go through the one-shot API; larger ones stream through the low-level stream API,
// read and written in 1 MiB chunks (as a Node batch job would; the Web Streams `transform()` is
// for pages and workers, and tested there).
import { closeSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";

import { Sanitizer } from "../pkg/node.js";

const [input, output] = process.argv.slice(2);
const ONE_SHOT = 32 * 1024 * 1024;
const sanitizer = new Sanitizer({ key: "benchmark-key-0123456789abcdef", limits: { maxInputBytes: ONE_SHOT } });
mkdirSync(output, { recursive: true });
const chunk = new Uint8Array(1 << 20);
for (const name of readdirSync(input).sort()) {
  const path = join(input, name);
  if (statSync(path).size <= ONE_SHOT) {
    writeFileSync(join(output, name), sanitizer.sanitize(readFileSync(path)).bytes);
    continue;
  }
  const stream = sanitizer.stream();
  const from = openSync(path, "r");
  const to = openSync(join(output, name), "w");
  for (let n; (n = readSync(from, chunk)) > 0; ) {
    const out = stream.write(chunk.subarray(0, n));
    if (out.length) writeSync(to, out);
  }
  const { bytes } = stream.end();
  if (bytes.length) writeSync(to, bytes);
  closeSync(from);
  closeSync(to);
}
