// Opens the demo's /live page in Debian's Chromium (headless) and waits for what a person watching it
// would see: a location's occupancy card, at least one event in the feed, and the hourly chart drawn.
// Saves a screenshot.
//
// usage: node live_page.mjs http://127.0.0.1:PORT docs/live.png
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [origin, screenshot] = process.argv.slice(2);
if (!origin || !screenshot) {
  console.error("usage: node live_page.mjs <demo origin> <screenshot.png>");
  process.exit(2);
}
// The demo's simulated cloud sends webhooks every few seconds; the first may take a while.
const STEP_TIMEOUT_MS = 90_000;
const profile = mkdtempSync(join(tmpdir(), "live-chromium-"));

const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  viewport: { width: 1280, height: 900 },
  timeout: STEP_TIMEOUT_MS,
});
let failed = false;
const problems = [];
try {
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  await page.goto(`${origin}/live`);

  const card = page.locator("#locations .card").first();
  await card.waitFor();
  const occupancy = (await card.locator(".occupancy").innerText()).trim();
  if (!/^\d+$/.test(occupancy)) throw new Error(`occupancy shows '${occupancy}', not a count`);
  console.log(`ok occupancy: ${(await card.locator("h3").innerText()).trim()} = ${occupancy}`);

  const row = page.locator("#feed tbody tr").first();
  await row.waitFor();
  console.log(`ok feed: ${(await row.innerText()).replace(/\s+/g, " ").trim()}`);

  const bars = page.locator("#chart svg rect");
  await bars.first().waitFor({ state: "attached" });
  console.log(`ok chart: ${await bars.count()} hourly bars`);

  // The card, the chart and a few feed rows; then the picture.
  await page.waitForTimeout(Number(process.env.LIVE_SETTLE_MS ?? 15000));
  await page.screenshot({ path: screenshot, fullPage: false });
  console.log(`ok screenshot ${screenshot}`);
  // A refused series (the mirror does not hold today yet) is an answer the page handles, not a fault.
  const real = problems.filter((p) => !p.includes("Failed to load resource"));
  if (real.length) throw new Error(real.join("; "));
} catch (error) {
  failed = true;
  console.error(`FAILED: ${error.message}`);
  if (problems.length) console.error(problems.join("\n"));
  await context.pages()[0]?.screenshot({ path: `${screenshot}.failure.png`, fullPage: true }).catch(() => {});
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
