// A playground link to the longest runs the format allows a page to show:
// 400,000 CPU ops. Once the worker replies, no main-thread task blocks the
// page for long (the page once drew a bar per event and blocked ~14 s), and
// the card says what its timeline and table show of the trace.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { encodePermalink } from "../../src/scenario/permalink.js";
import type { ScenarioSpec } from "../../src/scenario/schema.js";
import { settle, useSite } from "./support.js";

/** Longest main-thread task allowed after the reply: generous for a loaded machine; about 40 ms on an idle one. */
const LONGEST_TASK_MS = 500;
const spec = JSON.parse(readFileSync("test/fixtures/inputs/freeze-400k.json", "utf8")) as ScenarioSpec;

const site = useSite("dist");

describe("a playground link to a 400,000-op run", () => {
  it("draws without a long main-thread task, and says what its timeline and table show", async () => {
    const page = await site.browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
    // Long tasks from the page's start, and when the status line got the worker's reply.
    await page.addInitScript(() => {
      const w = window as unknown as { longTasks: { start: number; end: number }[]; replied: number | null };
      w.longTasks = [];
      w.replied = null;
      new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push({ start: e.startTime, end: e.startTime + e.duration }))).observe({ type: "longtask", buffered: true });
      const status = new MutationObserver(() => {
        if (w.replied === null && /hash/.test(document.querySelector(".run-status-text")?.textContent ?? "")) w.replied = performance.now();
      });
      addEventListener("DOMContentLoaded", () => status.observe(document.body, { subtree: true, childList: true, characterData: true }));
    });
    await page.goto(`${site.origin}/playground#s=${encodePermalink(spec)}`);
    const card = page.locator("#playground-runs .card").first();
    await card.locator('svg[aria-label="swimlane timeline"]').waitFor({ timeout: 120_000 });
    await settle(page);
    // The reply's own task began before the status line changed: every task that ended after it counts.
    const { longTasks, replied } = await page.evaluate(() => {
      const w = window as unknown as { longTasks: { start: number; end: number }[]; replied: number };
      return { longTasks: w.longTasks, replied: w.replied };
    });
    const after = longTasks.filter((t) => t.end >= replied).map((t) => Math.round(t.end - t.start));
    assert.ok(Math.max(0, ...after) < LONGEST_TASK_MS, `main-thread tasks after the reply: ${after.join(", ")} ms`);

    assert.equal(await card.locator("figcaption").count(), 1, "the timeline has no caption");
    assert.match(await card.locator("figcaption").innerText(), /^Timeline at [\d.]+ [mun]?s per pixel: 49,998 intervals drawn as 2 bars .*\. 350,002 trace events from 24\.998 ms to 375\.001 ms were not kept: the shaded span shows none of them\.$/);
    assert.equal(await card.locator(".trace-window").innerText(), "The table lists the first 1,000 and the last 1,000 of the 50,000 trace events kept (of 400,002 recorded); the 48,000 between are not listed.");
    // The printed copy holds every row the table lists.
    await page.emulateMedia({ media: "print" });
    await card.locator(".print-table").waitFor({ state: "attached" });
    assert.equal(await card.locator(".print-table tbody tr").count(), 2000);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
