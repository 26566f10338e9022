// Benchmark runner: this project's wasm build in Node over every file of IN, into OUT. Files up
// to 32 MiB go through the one-shot API; larger ones stream (file stream -> transform -> file).
import { createReadStream, createWriteStream, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";

import { Sanitizer } from "../pkg/node.js";

const [input, output] = process.argv.slice(2);
const sanitizer = new Sanitizer({ key: "benchmark-key-0123456789abcdef", limits: { maxInputBytes: 32 * 1024 * 1024 } });
mkdirSync(output, { recursive: true });
for (const name of readdirSync(input).sort()) {
  const path = join(input, name);
  if (statSync(path).size <= 32 * 1024 * 1024) {
    writeFileSync(join(output, name), sanitizer.sanitize(readFileSync(path)).bytes);
  } else {
    const t = sanitizer.transform();
    await Readable.toWeb(createReadStream(path, { highWaterMark: 1 << 20 }))
      .pipeThrough(t)
      .pipeTo(Writable.toWeb(createWriteStream(join(output, name))));
    await t.result;
  }
}
