// Benchmark runner: this project's wasm build in Node over every file of IN, into OUT, through
// the package's batch API, `sanitizeFiles`: one thread per CPU, each sanitizing whole files in
// its own wasm memory; files over 16 MiB streamed by `sanitizeFile` (reads and writes
// overlapping the sanitizing, unchanged pixel leaves hashed on worker threads).
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { sanitizeFiles } from "../pkg/node.js";

// An optional third argument sets the number of threads (default: one per CPU).
const [input, output, threads] = process.argv.slice(2);
mkdirSync(output, { recursive: true });
const jobs = readdirSync(input)
  .sort()
  .map((name) => ({ input: join(input, name), output: join(output, name) }));
const settings = threads ? { threads: Number(threads) } : {};
const results = await sanitizeFiles({ key: "benchmark-key-0123456789abcdef" }, jobs, settings);
const failed = results.filter((r) => r.status !== "sanitized");
if (failed.length > 0) {
  console.error(`${failed.length} files not sanitized, e.g. ${failed[0].input}: ${failed[0].error.message}`);
  process.exit(1);
}
