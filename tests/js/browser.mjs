// Headless Chromium for tests/test_browser.py, driven by playwright-core (no browser of its own:
// Debian's chromium, or CHROMIUM=/path).
//
//   node browser.mjs <page url> [--timeout SECONDS]
//
// Opens the page, waits for its `window.verdict`, and prints one JSON line:
//   {"verdict": {...}, "console": [errors and warnings], "pageErrors": [...], "failedRequests": [...]}
// Exit code 0 when the verdict is ok and nothing went wrong on the console; 1 otherwise.

import { chromium } from "playwright-core";

const [url, ...rest] = process.argv.slice(2);
const timeout = Number(rest[rest.indexOf("--timeout") + 1] || 20) * 1000;
if (!url) throw new Error("usage: node browser.mjs <page url> [--timeout SECONDS]");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  // This network is closed: no background fetches, updates or QUIC probes to fail (and log) at start.
  args: ["--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"],
  timeout,
});
const report = { verdict: null, console: [], pageErrors: [], failedRequests: [] };
try {
  const page = await browser.newPage();
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      report.console.push({ type: message.type(), text: message.text(), location: message.location() });
    }
  });
  page.on("pageerror", (error) => report.pageErrors.push(String(error.stack || error)));
  page.on("requestfailed", (request) => {
    report.failedRequests.push({ url: request.url(), error: request.failure()?.errorText });
  });
  await page.goto(url, { timeout });
  await page.waitForFunction(() => window.verdict !== undefined, null, { timeout });
  report.verdict = await page.evaluate(() => window.verdict);
} catch (error) {
  report.verdict = report.verdict ?? { ok: false, error: `driver: ${error.message}` };
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report) + "\n");
const clean = report.console.every((m) => m.type !== "error") && report.pageErrors.length === 0;
process.exitCode = report.verdict?.ok && clean ? 0 : 1;
