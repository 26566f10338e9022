// What Encrypted Attributes cost on a large file (`make bench`): the native CLI streams the 1 GiB
// multi-frame file of the bench corpus without a recipient, with one (an RSA-3072 certificate
// made by OpenSSL here), and with one and --enclose-pixels (nothing is blanked, so nothing is
// enclosed and the pixels still stream), each timed, with its peak memory (max RSS) by GNU time,
// taking turns, best (and median) of BENCH_RUNS runs. Prints a Markdown table; the README keeps
// the latest one. Outputs and the throwaway key are removed.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const LARGE = join(ROOT, "target/bench/corpus/large/multiframe.dcm");
const WORK = join(ROOT, "target/bench/encryption");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const KEY = join(WORK, "key");
writeFileSync(KEY, "benchmark-key-0123456789abcdef");
const CERT = join(WORK, "recipient.pem");
const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:3072", "-nodes", "-keyout", join(WORK, "recipient.key"),
  "-out", CERT, "-subj", "/CN=Bench", "-days", "2"], { encoding: "utf8" });
if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);

const variants = {
  "no recipient": [],
  "1 recipient": ["--recipient", CERT],
  "1 recipient, --enclose-pixels (nothing blanked)": ["--recipient", CERT, "--enclose-pixels"],
};
const runs = Object.fromEntries(Object.keys(variants).map((v) => [v, { all: [], mb: 0 }]));
for (let i = 0; i < RUNS; i++) {
  for (const [name, args] of Object.entries(variants)) {
    const out = join(WORK, "out");
    rmSync(out, { recursive: true, force: true });
    spawnSync("sh", ["-c", `cat ${LARGE} > /dev/null; sync`]);
    const start = process.hrtime.bigint();
    const r = spawnSync("/usr/bin/time", ["-f", "%M", join(ROOT, "target/release/dicom-sanitize"), "sanitize", LARGE,
      "--out", out, "--key-file", KEY, "-q", ...args], { encoding: "utf8", timeout: 900_000 });
    // Wall time here (GNU time's is in hundredths of a second), peak RSS from GNU time.
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    rmSync(out, { recursive: true, force: true });
    if (r.status !== 0) throw new Error(`${name}: exit ${r.status}: ${r.stderr}`);
    const kb = Number(r.stderr.trim().split("\n").pop());
    runs[name].all.push(secs);
    runs[name].mb = Math.max(runs[name].mb, kb / 1024);
  }
}
rmSync(WORK, { recursive: true, force: true });

const mib = statSync(LARGE).size / 2 ** 20;
const f = (x, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const best = (r) => [...r.all].sort((a, b) => a - b)[0];
const median = (r) => [...r.all].sort((a, b) => a - b)[(r.all.length - 1) >> 1];
const base = runs["no recipient"];
const lines = [
  `| the ${f(mib)} MiB multi-frame file, native CLI | wall s (median) | MiB/s (median) | time vs no recipient | peak RSS MiB |`,
  "|---|---:|---:|---:|---:|",
  ...Object.entries(runs).map(([name, r]) =>
    `| ${name} | ${f(best(r), 3)} (${f(median(r), 3)}) | ${f(mib / best(r))} (${f(mib / median(r))}) | ${f(best(r) / best(base), 2)}× | ${f(r.mb, 1)} |`),
];
console.log(lines.join("\n"));
writeFileSync(join(ROOT, "target/bench/encryption.md"), lines.join("\n") + "\n");
