// The STOW-RS proxy's throughput beside Orthanc's own (`make bench`): the same load as its test
// (tests/js/dicomweb-load.test.mjs: 8 dicomweb-client processes at once, 50 studies each, one
// request per study, 1 KiB to 256 MiB), once straight into Orthanc's DICOMweb plugin and once
// through the proxy in workerd into another Orthanc, each with fresh storage, in this one run.
// Throughput counts every instance and Part 10 byte the clients sent (the proxy refuses a few
// that Orthanc alone would store), over the wall time of the slowest client.
import { cpus, totalmem } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { ROOT, load, startOrthanc, startProxy } from "../tests/js/dicomweb-env.mjs";

const MiB = 2 ** 20;
const CLIENTS = Number(process.env.BENCH_DICOMWEB_CLIENTS ?? 8);
const STUDIES = Number(process.env.BENCH_DICOMWEB_STUDIES ?? 50);
const options = { clients: CLIENTS, studies: STUDIES, largeSet: "test", timeoutMs: 900_000 };

async function measure(name, run) {
  const orthanc = await startOrthanc();
  try {
    const { requests, seconds } = await run(orthanc);
    const bad = requests.filter((r) => r.status !== 200 && r.status !== 202);
    if (bad.length) throw new Error(`${name}: ${bad.length} requests answered ${bad[0].status}`);
    const inputs = requests.flatMap((r) => r.inputs);
    const bytes = inputs.reduce((n, i) => n + i.bytes, 0);
    const held = (await orthanc.rest("/statistics")).CountInstances;
    process.stderr.write(`${name}: ${inputs.length} instances, ${(bytes / MiB).toFixed(0)} MiB in ${seconds.toFixed(1)} s; Orthanc holds ${held}\n`);
    return { name, instances: inputs.length, bytes, seconds, held };
  } finally {
    await orthanc.close();
  }
}

const direct = await measure("Orthanc alone", (orthanc) => load(`${orthanc.base}/dicom-web`, options));
let peak;
const proxied = await measure("through the proxy", async (orthanc) => {
  const proxy = await startProxy({ orthancPort: orthanc.port });
  try {
    const run = await load(`${proxy.base}/dicomweb`, options);
    peak = await proxy.stats();
    return run;
  } finally {
    await proxy.close();
  }
});

const f = (x, d = 1) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const lines = [
  `STOW-RS: ${CLIENTS} dicomweb-client processes at once, ${STUDIES} studies each (${direct.instances} instances, ${f(direct.bytes / MiB, 0)} MiB, one of 256 MiB).`,
  `Machine: ${cpus().length} × ${cpus()[0].model}, ${f(totalmem() / 2 ** 30, 0)} GiB RAM, Node ${process.version}; ${new Date().toISOString().slice(0, 10)}; one run each, Orthanc first.`,
  "",
  "| path | instances/s | MiB/s | wall s | stored in Orthanc |",
  "|---|---:|---:|---:|---:|",
  ...[direct, proxied].map((r) => `| ${r.name} | ${f(r.instances / r.seconds)} | ${f(r.bytes / MiB / r.seconds)} | ${f(r.seconds)} | ${r.held} |`),
  "",
  `Through the proxy: ${f(direct.seconds / proxied.seconds, 2)}× Orthanc's own throughput; peak wasm memory ${f(peak.maxWasmBytes / MiB)} MiB with ${peak.maxInFlight} requests at once.`,
];
console.log(lines.join("\n"));
mkdirSync(join(ROOT, "target/bench"), { recursive: true });
writeFileSync(join(ROOT, "target/bench/dicomweb.md"), lines.join("\n") + "\n");
