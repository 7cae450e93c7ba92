// The built site in Debian's Chromium: every page loads with no console
// error, no failed request and no request leaving localhost; the overview
// runs the engine in the browser, reproduces the Node trace hash, and
// re-renders its chart when an input changes.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import type { Server } from "node:http";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launch, serve } from "./support.js";

const DIST = "dist";

function pages(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name.startsWith("_") ? [] : pages(path);
    return name.endsWith(".html") ? ["/" + relative(DIST, path).replace(/(index)?\.html$/, "")] : [];
  });
}

/** Open `path` and collect everything that went wrong while it loaded and ran. */
async function visit(browser: Browser, origin: string, path: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) problems.push(`request leaves localhost: ${url}`);
  });
  await page.goto(origin + path, { waitUntil: "networkidle" });
  // Framework shows a failed cell as an element with class observablehq--error.
  for (const text of await page.locator(".observablehq--error").allTextContents()) problems.push(`cell error: ${text}`);
  return { page, problems };
}

describe("built site in Chromium", () => {
  let browser: Browser;
  let server: Server;
  let origin: string;

  before(async () => {
    assert.ok(existsSync(join(DIST, "index.html")), "dist/ is missing: run `npm run build` first (npm test does)");
    ({ origin, server } = await serve(DIST));
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });

  it("every page loads with no console error, failed request or request leaving localhost", async () => {
    const all = pages(DIST);
    assert.ok(all.includes("/"), `pages found: ${all.join(", ")}`);
    for (const path of all) {
      const { page, problems } = await visit(browser, origin, path);
      await page.close();
      assert.deepEqual(problems, [], `${path}:\n${problems.join("\n")}`);
    }
  });

  it("overview: the browser run reproduces the Node trace hash, and the chart re-renders when the IO input changes", async () => {
    const { page, problems } = await visit(browser, origin, "/");
    const card = page.locator("#overview-timeline");
    await card.locator("svg").first().waitFor();
    const recorded = JSON.parse(readFileSync("data/mmap-lock-reader-behind-writer.json", "utf8")).expect.hash;
    assert.equal(await card.getAttribute("data-hash"), recorded, "browser trace hash differs from the hash recorded in data/");
    assert.equal(await page.locator("#hash-check").getAttribute("data-same"), "true");

    const before = await card.locator("svg").last().innerHTML();
    await page.locator('form:has-text("readpage IO mean") input[type=number]').fill("400");
    await page.waitForFunction((h) => document.querySelector("#overview-timeline")?.getAttribute("data-hash") !== h, recorded);
    const after = await card.locator("svg").last().innerHTML();
    assert.notEqual(after, before, "chart did not change");
    assert.match((await card.locator("h3").textContent()) ?? "", /status ok, done at \d+\.\d{3} us/);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
