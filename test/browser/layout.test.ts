// The built site's layout in Chromium, on every page: nothing overflows
// sideways on a 390 px phone or at 1280 px, wide tables scroll in their own
// box with nothing cut or ellipsed, print shows every row of every table,
// code listings copy their code, editors follow a live change of the colour
// scheme, timelines show zero-length holds, chart labels do not collide,
// and a cancelled first run says so once.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { builtPages, useSite } from "./support.js";

const DIST = "dist";
const PHONE = 390;
const DESKTOP = 1280;
/** An A4 page at 96 dpi less its margins. */
const PRINT = 720;

const site = useSite(DIST, async () => {
  pages = builtPages(DIST);
});
let pages: string[];


/** A page at `width` whose uncaught exceptions and clipboard writes are recorded. */
async function openPage(width: number): Promise<{ page: Page; uncaught: string[] }> {
  const page = await site.browser.newPage({ viewport: { width, height: 900 } });
  const uncaught: string[] = [];
  page.on("pageerror", (e) => uncaught.push(`${page.url()}: ${e.message}`));
  // tsx keeps function names by wrapping them in __name(); the functions this file sends to the page need it there.
  await page.addInitScript({ content: "window.__name = (f) => f;" });
  // Copy buttons write here instead of the system clipboard.
  await page.addInitScript(() => {
    Object.defineProperty(navigator, "clipboard", { value: { writeText: async (text: string) => void ((window as unknown as { copied: string }).copied = text) } });
  });
  return { page, uncaught };
}

/** Go to `path` and wait until every cell has drawn and no batch is running. */
async function settle(page: Page, path: string): Promise<void> {
  await page.goto(site.origin + path, { waitUntil: "networkidle" });
  await page.waitForFunction(() => !document.querySelector("observablehq-loading, [aria-busy=true]"), null, { timeout: 120_000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** What is wrong with the layout of the page as it is now: sideways overflow, cut cells, tables that neither fit nor scroll. */
function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const name = (e: Element) => `<${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${e.className && typeof e.className === "string" ? `.${e.className.split(" ")[0]}` : ""}> "${(e.textContent ?? "").trim().slice(0, 40)}"`;
    const scrollWidth = document.scrollingElement!.scrollWidth;
    if (scrollWidth > innerWidth) {
      const wide = [...document.querySelectorAll("#observablehq-main *")].filter((e) => e.getBoundingClientRect().right > innerWidth + 1).slice(-3);
      problems.push(`page is ${scrollWidth} px wide at ${innerWidth}: ${wide.map(name).join(", ")}`);
    }
    for (const cell of document.querySelectorAll("#observablehq-main td, #observablehq-main th")) {
      if ((cell as HTMLElement).offsetParent === null) continue;
      if (cell.scrollWidth > cell.clientWidth + 1) problems.push(`cell cut to ${cell.clientWidth} of ${cell.scrollWidth} px: ${name(cell)}`);
      // One word in a data cell (a version, a number, a hash) stays on one line.
      const text = (cell.textContent ?? "").trim();
      if (cell.tagName === "TD" && text && !/\s/.test(text)) {
        const range = document.createRange();
        range.selectNodeContents(cell);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top / 4)));
        if (lines.size > 1) problems.push(`"${text}" broken over ${lines.size} lines: ${name(cell)}`);
      }
    }
    // A table wider than its box must scroll in it.
    for (const table of document.querySelectorAll("#observablehq-main table")) {
      const box = table.parentElement!;
      if ((table as HTMLElement).offsetParent === null || table.getBoundingClientRect().width <= box.clientWidth + 1) continue;
      let scroller: Element | null = box;
      while (scroller && !/auto|scroll/.test(getComputedStyle(scroller).overflowX)) scroller = scroller.parentElement;
      if (!scroller || scroller === document.documentElement || scroller === document.body) problems.push(`table wider than its box and not in a scrolling box: ${name(table)}`);
    }
    return problems;
  });
}

/** Colliding labels in Plot charts: an axis or facet label over another label. */
function labelCollisions(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    for (const svg of document.querySelectorAll("#observablehq-main svg")) {
      // Axis labels, and the facet labels (one per column or row of small multiples).
      const labels = [...svg.querySelectorAll('g[aria-label$="axis label"] text, g[aria-label="fx-axis tick label"] text, g[aria-label="fy-axis tick label"] text')];
      const others = [...labels, ...svg.querySelectorAll('g[aria-label$="tick label"] text')];
      for (const a of labels) {
        const r = a.getBoundingClientRect();
        for (const b of others) {
          if (a === b) continue;
          const s = b.getBoundingClientRect();
          // Text boxes include the line's leading: count an overlap of more than 2 px.
          if (r.width && s.width && r.left + 2 < s.right && s.left + 2 < r.right && r.top + 2 < s.bottom && s.top + 2 < r.bottom) {
            problems.push(`"${a.textContent}" overlaps "${b.textContent}" in ${svg.closest("[id]")?.id ?? "a chart"}`);
          }
        }
      }
    }
    return problems;
  });
}

/** For each scenario editor on the page, whether it is drawn dark. */
function editorsDark(page: Page): Promise<boolean[]> {
  return page.locator(".scenario-cell .cm-editor").evaluateAll((editors) =>
    editors.map((e) => {
      const [r, g, b, a = 1] = (getComputedStyle(e).backgroundColor.match(/[\d.]+/g) ?? []).map(Number);
      return a > 0 && r! + g! + b! < 200;
    }),
  );
}

/** Bars narrower than a visible mark in the page's swimlane timelines, and how many timelines there are. */
function thinBars(page: Page): Promise<{ timelines: number; thin: string[] }> {
  return page.evaluate(() => {
    const timelines = [...document.querySelectorAll('#observablehq-main svg[aria-label="swimlane timeline"]')];
    const thin = timelines.flatMap((svg) =>
      [...svg.querySelectorAll('g[aria-label="bar"] rect')]
        .filter((rect) => rect.getBoundingClientRect().width < 1.5)
        .map((rect) => `${svg.closest("[id]")?.id ?? "a timeline"}: ${rect.querySelector("title")?.textContent?.split("\n")[0] ?? "bar"} is ${rect.getBoundingClientRect().width.toFixed(2)} px wide`),
    );
    return { timelines: timelines.length, thin };
  });
}

/** Code listings whose copy button does not copy the listing under it, or floats with nothing under it. */
function copyProblems(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const problems: string[] = [];
    const w = window as unknown as { copied?: string };
    for (const container of document.querySelectorAll("#observablehq-main .observablehq-pre-container")) {
      const pre = container.querySelector("pre");
      if (!pre) {
        problems.push(`a copy button and a "${(container as HTMLElement).dataset.language}" tag with no code under them`);
        continue;
      }
      const fold = container.closest("details");
      if (fold) fold.open = true;
      const button = container.querySelector<HTMLButtonElement>(".observablehq-pre-copy");
      if (!button) continue;
      const b = button.getBoundingClientRect();
      const p = pre.getBoundingClientRect();
      if (b.top < p.top - 1 || b.bottom > p.bottom + 1) problems.push(`copy button outside its listing "${pre.textContent!.slice(0, 30)}"`);
      w.copied = undefined;
      button.click();
      await new Promise((r) => setTimeout(r, 0));
      if (w.copied !== pre.textContent!.trim()) problems.push(`copy gave "${String(w.copied).slice(0, 50)}" for "${pre.textContent!.slice(0, 30)}"`);
    }
    return problems;
  });
}

/**
 * Print problems: Inputs tables shown cut (in print a scrolling box shows
 * only its first rows), printed tables that miss rows or stick out of the
 * page, rows allowed to split across pages. `rows` is each result table's
 * row count, read on screen by scrolling its Inputs table to the end.
 */
function printProblems(page: Page, rows: number[]): Promise<string[]> {
  return page.evaluate((rows) => {
    const problems: string[] = [];
    const visible = (e: Element) => (e as HTMLElement).offsetParent !== null;
    for (const form of document.querySelectorAll("#observablehq-main form.inputs-3a86ea-table")) {
      if (visible(form) && form.scrollHeight > form.clientHeight + 1) problems.push(`a table prints ${form.clientHeight} of its ${form.scrollHeight} px`);
    }
    [...document.querySelectorAll("#observablehq-main .result-table")].forEach((box, i) => {
      const printed = [...box.querySelectorAll("table")].filter(visible);
      const n = printed.reduce((sum, t) => sum + t.querySelectorAll("tbody tr").length, 0);
      if (n !== rows[i]) problems.push(`result table ${i + 1} prints ${n} of its ${rows[i]} rows`);
    });
    const pageWidth = document.documentElement.clientWidth;
    for (const table of document.querySelectorAll("#observablehq-main table")) {
      if (!visible(table)) continue;
      if (table.getBoundingClientRect().right > pageWidth + 1) problems.push(`a table prints ${Math.round(table.getBoundingClientRect().right)} px wide on a ${pageWidth} px page: "${table.textContent!.trim().slice(0, 40)}"`);
      for (let a = table.parentElement; a && a.id !== "observablehq-main"; a = a.parentElement) {
        if (getComputedStyle(a).overflow !== "visible" && (a.scrollHeight > a.clientHeight + 1 || a.scrollWidth > a.clientWidth + 1)) {
          problems.push(`a table is cut by its box in print: "${table.textContent!.trim().slice(0, 40)}"`);
        }
      }
      const row = table.querySelector("tbody tr");
      if (row && getComputedStyle(row).breakInside !== "avoid") problems.push(`table rows may split across pages: "${table.textContent!.trim().slice(0, 40)}"`);
    }
    return problems;
  }, rows);
}

/** Each result table's row count: its Inputs table scrolled to the end until no more rows load. */
function resultRows(page: Page): Promise<number[]> {
  return page.locator("#observablehq-main .result-table form").evaluateAll(async (forms) => {
    const counts: number[] = [];
    for (const form of forms) {
      let n = -1;
      while (form.querySelectorAll("tbody tr").length !== n) {
        n = form.querySelectorAll("tbody tr").length;
        form.scrollTop = form.scrollHeight;
        form.dispatchEvent(new Event("scroll"));
        await new Promise((r) => requestAnimationFrame(r));
      }
      form.scrollTop = 0;
      counts.push(n);
    }
    return counts;
  });
}

/** What one visit of every page at each width found, by concern; each test below asserts one. */
const found = { layout: [] as string[], labels: [] as string[], editors: [] as string[], bars: [] as string[], copy: [] as string[], print: [] as string[], uncaught: [] as string[] };
const seen = { timelines: 0, editors: 0, listings: 0, tables: 0 };

/** Layout, chart labels and editors of the page as it is now, in `scheme`. */
async function survey(page: Page, at: string, scheme: "light" | "dark"): Promise<void> {
  found.layout.push(...(await layoutProblems(page)).map((p) => `${at}, ${scheme}: ${p}`));
  found.labels.push(...(await labelCollisions(page)).map((p) => `${at}, ${scheme}: ${p}`));
  // An editor follows the scheme from its media-query listener, which a busy page runs a little later: give it up to 5 s.
  let editors = await editorsDark(page);
  for (let i = 0; i < 25 && editors.some((dark) => dark !== (scheme === "dark")); i++) {
    await page.waitForTimeout(200);
    editors = await editorsDark(page);
  }
  seen.editors += editors.length;
  for (const dark of editors) if (dark !== (scheme === "dark")) found.editors.push(`${at}, ${scheme}: an editor is drawn ${dark ? "dark" : "light"}`);
}

describe("the built site's layout in Chromium, every page", () => {
  // One visit per page and width: the phone loads dark and turns light, the
  // desktop the other way round (editors must follow the live change); the
  // desktop visit then copies every listing and prints the page.
  before(async () => {
    for (const width of [PHONE, DESKTOP]) {
      const { page, uncaught } = await openPage(width);
      const [first, second] = width === PHONE ? (["dark", "light"] as const) : (["light", "dark"] as const);
      for (const path of pages) {
        const at = `${path} at ${width} px`;
        await page.setViewportSize({ width, height: 900 });
        await page.emulateMedia({ media: "screen", colorScheme: first });
        await settle(page, path);
        await survey(page, at, first);
        await page.emulateMedia({ colorScheme: second });
        await survey(page, at, second);
        const bars = await thinBars(page);
        seen.timelines += bars.timelines;
        found.bars.push(...bars.thin.map((p) => `${at}: ${p}`));
        if (width !== DESKTOP) continue;
        const rows = await resultRows(page);
        seen.tables += rows.length;
        await page.setViewportSize({ width: PRINT, height: 900 });
        // Printing fires beforeprint, then lays the page out for print.
        await page.evaluate(() => dispatchEvent(new Event("beforeprint")));
        await page.emulateMedia({ media: "print", colorScheme: "light" });
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
        found.print.push(...(await printProblems(page, rows)).map((p) => `${path} in print: ${p}`));
        await page.emulateMedia({ media: "screen" });
        seen.listings += await page.locator("#observablehq-main pre[data-language]").count();
        found.copy.push(...(await copyProblems(page)).map((p) => `${path}: ${p}`));
      }
      found.uncaught.push(...uncaught);
      await page.close();
    }
  });

  it("no page overflows sideways at 390 or 1280 px, light or dark; a table wider than its box scrolls in it; no cell is cut or ellipsed", () => {
    assert.deepEqual([...found.layout, ...found.uncaught], []);
  });

  it("print shows every row of every result table, nothing cut by a box or the page edge, and rows kept whole across pages", () => {
    assert.ok(seen.tables > 0, "no result table found on the site");
    assert.deepEqual(found.print, []);
  });

  it("every code listing's copy button sits on its listing and copies its code", () => {
    assert.ok(seen.listings > 0, "no code listing found on the site");
    assert.deepEqual(found.copy, []);
  });

  it("scenario editors follow a live change of the colour scheme, both ways", () => {
    assert.ok(seen.editors > 0, "no scenario editor found on the site");
    assert.deepEqual(found.editors, []);
  });

  it("timelines draw every bar, zero-length lock holds included, at least 1.5 px wide; chart axis labels collide with no other label", () => {
    assert.ok(seen.timelines > 0, "no swimlane timeline found on the site");
    assert.deepEqual([...found.bars, ...found.labels], []);
  });
});

describe("run status in Chromium", () => {
  it("/prefault: a first sweep cancelled says so once, in its status line, with no error; the next input change runs it", async () => {
    const { page, uncaught } = await openPage(DESKTOP);
    await page.goto(`${site.origin}/prefault`);
    const status = page.locator(".sweep-status .run-status");
    await status.locator("button", { hasText: "Cancel" }).click();
    await page.waitForFunction(() => /cancelled/.test(document.querySelector(".sweep-status .run-status-text")?.textContent ?? ""));
    assert.match((await status.textContent()) ?? "", /cancelled before the first run finished: nothing to chart until an input changes/);
    const errors = await page.locator("#observablehq-main .observablehq--error").allTextContents();
    assert.deepEqual(errors, [], "a cancelled first run is not an error");
    const messages = await page.evaluate(() => {
      const walker = document.createTreeWalker(document.querySelector("#observablehq-main")!, NodeFilter.SHOW_TEXT);
      let n = 0;
      while (walker.nextNode()) if (/cancelled/.test(walker.currentNode.textContent ?? "") && walker.currentNode.parentElement!.closest("pre, code, .code-fold") === null) n++;
      return n;
    });
    assert.equal(messages, 1, "the page says \"cancelled\" once");

    await page.locator('form:has-text("seed") input[type=number]').first().fill("3");
    await page.locator("#prefault-calls svg").first().waitFor();
    await page.waitForFunction(() => !document.querySelector(".sweep-status [aria-busy=true]"));
    assert.match((await status.textContent()) ?? "", /80 runs/);
    assert.deepEqual(uncaught, []);
    await page.close();
  });
});
