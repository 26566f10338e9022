// Debian's Chromium for the page tests (playwright-core): headless on a fresh profile (removed on
// close), with the flags that keep the browser itself off the network (it would otherwise reach
// for Google's hosts at start), and every request the browser, its pages and their workers make handed to
// `record`, so a test can assert that nothing left 127.0.0.1. With `errors`, the page's uncaught
// errors and console errors are gathered there (not the browser's own favicon.ico request: the
// page has none).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

import { ROOT } from "./helpers.mjs";
import { serve } from "./serve.mjs";

export async function launchChromium({ record, errors, viewport = { width: 1280, height: 900 }, acceptDownloads = false }) {
  const profile = mkdtempSync(join(tmpdir(), "chromium-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    acceptDownloads,
    viewport,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  // The profile goes with the browser (it holds the page's localStorage, and would pile up in /tmp).
  const close = context.close.bind(context);
  context.close = async (...args) => {
    await close(...args);
    rmSync(profile, { recursive: true, force: true });
  };
  context.on("request", (r) => record(r.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("request", (r) => record(r.url()));
  page.on("worker", (w) => record(w.url()));
  if (errors) {
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error" && !m.location().url.endsWith("/favicon.ico")) errors.push(`${m.text()} ${m.location().url}`);
    });
  }
  return { context, page };
}

/** The demo page (`target/site`) served on 127.0.0.1 and open in Chromium (`options` as for
 * `launchChromium`), ready: `{ site, context, page }`. Without `errors`, a page error fails the test. */
export async function openDemoPage(options) {
  const site = await serve(join(ROOT, "target/site"));
  const { context, page } = await launchChromium(options);
  if (!options.errors) page.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
  await page.goto(site.url);
  await page.waitForSelector("body[data-ready=true]");
  return { site, context, page };
}
