// The STOW-RS proxy under load: 8 dicomweb-client processes at once, 50 studies each (one request
// per study), mixed sizes from 1 KiB to 256 MiB, some instances refused. Orthanc's REST API is the
// oracle: what the proxy answered stored is there exactly once and sanitized, what it refused is
// listed with its code and absent, and the worker's wasm memory stayed bounded.
// The throughput beside Orthanc's own is in `make bench` (bench/dicomweb.mjs).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Sanitizer } from "../../pkg/node.js";
import { PROXY_KEY, load, orthancInstances, seq, startOrthanc, startProxy } from "./dicomweb-env.mjs";
import { phiIn } from "./helpers.mjs";

const MiB = 2 ** 20;
// What one request may add to the isolate's wasm memory, and the isolate's own start: 8 requests
// at once, one of them 256 MiB, stay well under the config's 64 MiB cap.
const PER_REQUEST = 2 * MiB;
const BASE = 4 * MiB;
const reference = new Sanitizer({ key: PROXY_KEY, options: ["retainLongitudinalModifiedDates"] });
let orthanc, proxy;

before(async () => {
  orthanc = await startOrthanc();
  proxy = await startProxy({ orthancPort: orthanc.port });
});

after(async () => {
  await proxy?.close();
  await orthanc?.close();
});

/** Runs `f` over `items`, `n` at a time. */
async function pool(items, n, f) {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    while (queue.length) await f(queue.shift());
  }));
}

test("8 concurrent STOW-RS clients, 50 studies each, up to 256 MiB: stored once and sanitized, refusals listed", async () => {
  const run = await load(`${proxy.base}/dicomweb`, { clients: 8, studies: 50, largeSet: "test", timeoutMs: 300_000 });
  const { requests } = run;
  assert.equal(requests.length, 8 * 50);
  const inputs = requests.flatMap((r) => r.inputs);
  const inputUids = new Set(inputs.map((i) => i.sop));
  assert.equal(inputUids.size, inputs.length, "the generated instances have distinct UIDs");
  assert.ok(inputs.some((i) => i.bytes > 256 * MiB) && inputs.some((i) => i.bytes < 4096));

  const stored = new Map(); // pseudonymised SOP Instance UID -> the input it came from
  let refusedCount = 0;
  for (const r of requests) {
    const good = r.inputs.filter((i) => i.expect === "stored");
    const refused = r.inputs.filter((i) => i.expect !== "stored");
    assert.equal(r.status, refused.length ? 202 : 200, `${r.study}: ${JSON.stringify(r.response)}`);
    assert.deepEqual(r.attempts, [r.status], "answered at the first attempt (dicomweb-client retries a 503 by itself)");
    const items = seq(r.response, "00081199");
    assert.equal(items.length, good.length, r.study);
    const study = reference.pseudonymizeStudyUid(r.study);
    for (const item of items) {
      const uid = item["00081155"].Value[0];
      assert.match(uid, /^2\.25\.\d+$/);
      assert.ok(!stored.has(uid), `${uid} answered stored twice`);
      assert.ok(item["00081190"].Value[0].includes(`/studies/${study}/`), "stored under the keyed study UID");
      stored.set(uid, r);
    }
    // Every refused input is in Failed SOP Sequence under its own UID, with its code.
    const failed = seq(r.response, "00081198");
    assert.equal(failed.length, refused.length, r.study);
    for (const input of refused) {
      const item = failed.find((f) => f["00081155"]?.Value[0] === input.sop);
      assert.ok(item, `${input.sop} not in Failed SOP Sequence`);
      assert.equal(item["00000902"].Value[0], input.expect);
      assert.equal(item["00081197"].Value[0], 0x0110, "readable but not safe to de-identify");
      refusedCount++;
    }
  }
  assert.ok(refusedCount >= 8 * 5, `${refusedCount} refused`);

  // Orthanc holds exactly the instances answered stored, once each, none of them with PHI.
  const held = await orthancInstances(orthanc);
  assert.equal(held.length, stored.size, "Orthanc holds as many instances as were answered stored");
  assert.deepEqual(new Set(held.map((i) => i.sop)), new Set(stored.keys()));
  let checkedBytes = 0;
  await pool(held, 4, async ({ id, sop, size }) => {
    assert.ok(!inputUids.has(sop));
    const input = stored.get(sop).inputs.find((i) => i.bytes <= size + 4096 && i.bytes >= size - 4096);
    assert.ok(input, `${sop}: ${size} bytes in Orthanc, no input of that size in its request`);
    if (size <= 16 * MiB) {
      const bytes = new Uint8Array(await fetch(`${orthanc.base}/instances/${id}/file`).then((r) => r.arrayBuffer()));
      assert.deepEqual(phiIn(bytes), [], `${sop}: planted PHI reached Orthanc`);
      checkedBytes += bytes.length;
    } else {
      // The large ones: every tag Orthanc read (the pixel bytes are generated, not PHI).
      const tags = await fetch(`${orthanc.base}/instances/${id}/tags`).then((r) => r.text());
      assert.deepEqual(phiIn(new TextEncoder().encode(tags)), [], `${sop}: planted PHI reached Orthanc`);
    }
    const removed = await fetch(`${orthanc.base}/instances/${id}/content/0012-0062`).then((r) => r.text());
    assert.equal(removed.trim().replace(/\0$/, ""), "YES", "Patient Identity Removed");
  });

  const { maxWasmBytes, maxInFlight } = await proxy.stats();
  assert.ok(maxInFlight >= 4, `at most ${maxInFlight} requests at once in the proxy`);
  assert.ok(maxWasmBytes <= BASE + maxInFlight * PER_REQUEST, `peak wasm memory ${maxWasmBytes} bytes for ${maxInFlight} requests at once`);
  console.log(
    `${run.instances} instances (${(run.bytes / MiB).toFixed(0)} MiB) from 8 clients through the proxy into Orthanc in ${run.seconds.toFixed(1)} s: ` +
      `${(run.instances / run.seconds).toFixed(1)} instances/s, ${(run.bytes / MiB / run.seconds).toFixed(1)} MiB/s; ` +
      `${refusedCount} refused; peak wasm memory ${(maxWasmBytes / MiB).toFixed(1)} MiB with ${maxInFlight} requests at once; ` +
      `${(checkedBytes / MiB).toFixed(0)} MiB of Orthanc's copies read back`,
  );
});
