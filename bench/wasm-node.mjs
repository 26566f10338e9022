// Benchmark runner: this project's wasm build in Node over every file of IN, into OUT. Files up
// to 32 MiB go through the one-shot API; larger ones through `sanitizeFile`, the package's Node
// file-to-file stream (reads and writes overlapping the sanitizing).
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { Sanitizer, sanitizeFile } from "../pkg/node.js";

const [input, output] = process.argv.slice(2);
const ONE_SHOT = 32 * 1024 * 1024;
const sanitizer = new Sanitizer({ key: "benchmark-key-0123456789abcdef", limits: { maxInputBytes: ONE_SHOT } });
mkdirSync(output, { recursive: true });
for (const name of readdirSync(input).sort()) {
  const path = join(input, name);
  if (statSync(path).size <= ONE_SHOT) {
    writeFileSync(join(output, name), sanitizer.sanitize(readFileSync(path)).bytes);
  } else {
    await sanitizeFile(sanitizer, path, join(output, name));
  }
}
