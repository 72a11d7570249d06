// Opens the demo's Swagger UI in Debian's Chromium (headless), runs every operation with "Try it out" ->
// "Execute", and asserts that each shows a 200 with data from the simulated cloud. Saves a screenshot.
//
// usage: node swagger_try_it_out.mjs http://127.0.0.1:PORT docs/swagger.png
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [origin, screenshot] = process.argv.slice(2);
if (!origin || !screenshot) {
  console.error("usage: node swagger_try_it_out.mjs <demo origin> <screenshot.png>");
  process.exit(2);
}
const STEP_TIMEOUT_MS = 30_000;
const profile = mkdtempSync(join(tmpdir(), "swagger-chromium-"));

/** Swagger UI gives each operation the id operations-<tag>-<operationId>. */
const OPERATIONS = [
  ["Dictionaries", "locationList", "Manhattan store"],
  ["Dictionaries", "channelList", '"location_id"'],
  ["Dictionaries", "triggerList", '"channel_id"'],
  ["Statistic", "eventList", '"event_time"'],
  ["Statistic", "totalsTriggersList", '"trigger_name"'],
  ["Statistic", "totalsTypesList", '"count"'],
];

async function tryItOut(page, tag, operationId, expected) {
  const block = page.locator(`#operations-${tag}-${operationId}`);
  await block.locator(".opblock-summary").first().click();
  await block.locator("button.try-out__btn").click();
  await block.locator("button.execute").click();
  const response = block.locator(".live-responses-table .response").first();
  await response.waitFor({ timeout: STEP_TIMEOUT_MS });
  const status = (await response.locator(".response-col_status").innerText()).trim();
  const body = await response.locator(".response-col_description").innerText();
  if (status !== "200" || !body.includes(expected)) {
    throw new Error(`${operationId}: expected 200 with ${expected}, got ${status}: ${body.slice(0, 400)}`);
  }
  const url = await block.locator(".request-url pre").innerText();
  console.log(`ok ${operationId}: 200 from ${url.trim()}`);
  return block;
}

const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
  viewport: { width: 1280, height: 900 },
  timeout: STEP_TIMEOUT_MS,
});
let failed = false;
try {
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  // The bare path, so the redirect to /swagger-ui/ is part of what a user's click goes through.
  await page.goto(`${origin}/swagger-ui`);
  const title = page.locator(".information-container .title");
  await title.waitFor();
  console.log(`ok loaded ${page.url()}: ${(await title.innerText()).split("\n")[0].trim()}`);
  for (const [tag, operationId, expected] of OPERATIONS.slice(1)) {
    const block = await tryItOut(page, tag, operationId, expected);
    await block.locator(".opblock-summary").first().click(); // collapse again
  }
  // Last, the one the screenshot shows.
  const [tag, operationId, expected] = OPERATIONS[0];
  const block = await tryItOut(page, tag, operationId, expected);
  // From the page's title down to the response the request got.
  const shown = await block.locator(".live-responses-table").boundingBox();
  const height = Math.ceil(shown.y + shown.height + 24 + (await page.evaluate(() => window.scrollY)));
  await page.screenshot({ path: screenshot, fullPage: true, clip: { x: 0, y: 0, width: 1280, height } });
  console.log(`ok screenshot ${screenshot}`);
} catch (error) {
  failed = true;
  console.error(`FAILED: ${error.message}`);
  await context.pages()[0]?.screenshot({ path: `${screenshot}.failure.png`, fullPage: true }).catch(() => {});
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
