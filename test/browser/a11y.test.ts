// Accessibility of the built site in Chromium. axe-core checks every built
// page, light and dark, at desktop (1280 px) and phone (390 px) width, once
// the page's cells, charts and worker runs have settled and its folded
// sections are open: no serious or critical violation. Then what axe does
// not judge: a skip link first in the tab order, links named by words
// rather than a symbol, and no table row checkbox that selects nothing.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { builtPages, settle, useSite } from "./support.js";

const DIST = "dist";
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const WIDTHS = [1280, 390] as const;
const SCHEMES = ["light", "dark"] as const;

/** The built pages to check: all of them, or those listed in $PAGES (comma-separated URL paths) while working on a few. */
function pages(): string[] {
  const all = builtPages(DIST);
  const only = process.env.PAGES?.split(",");
  return only ? all.filter((p) => only.includes(p)) : all;
}

/** A violation of an axe rule at a given impact, with where it was found. */
interface Finding {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string; summary: string }[];
}

/** axe's serious and critical violations on `page` as it is now. */
async function axeFindings(page: Page): Promise<Finding[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
    const { violations } = await axe.run(document, { resultTypes: ["violations"] });
    return violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: (n.failureSummary ?? "").split("\n").slice(0, 2).join(" ") })) }));
  });
}

/** Open `path` in `scheme` at `width`, wait for its cells and charts, and unfold every folded section (editors, Cite panels, listings). */
async function open(page: Page, path: string, scheme: (typeof SCHEMES)[number], width: number): Promise<void> {
  await page.emulateMedia({ colorScheme: scheme });
  await page.setViewportSize({ width, height: 900 });
  await page.goto(site.origin + path, { waitUntil: "networkidle" });
  await settle(page);
  await page.evaluate(() => document.querySelectorAll("main details:not([open])").forEach((d) => ((d as HTMLDetailsElement).open = true)));
  await settle(page, 300);
}

/** What one visit of every page found: axe's findings per scheme and width, and the link and table checks (light, 1280 px). */
interface Visits {
  failures: string[];
  counts: string[];
  problems: string[];
}

const site = useSite(DIST, async () => {
  page = await site.browser.newPage();
});
let page: Page;
let visits: Visits | undefined;

/** Visit every page once per scheme (the editor picks its theme when it is made; the phone width re-lays out the same page) and collect what the tests below check. */
async function visitAll(): Promise<Visits> {
  const found: Visits = { failures: [], counts: [], problems: [] };
  for (const path of pages()) {
    for (const scheme of SCHEMES) {
      for (const [i, width] of WIDTHS.entries()) {
        if (i === 0) await open(page, path, scheme, width);
        else {
          await page.setViewportSize({ width, height: 900 });
          await settle(page, 300);
        }
        const findings = await axeFindings(page);
        const nodes = findings.reduce((n, f) => n + f.nodes.length, 0);
        found.counts.push(`${path} ${scheme} ${width}: ${nodes}${findings.length ? ` (${findings.map((f) => `${f.id} ${f.nodes.length}`).join(", ")})` : ""}`);
        for (const f of findings) found.failures.push(`${path} ${scheme} ${width}px: ${f.id} (${f.impact}): ${f.help}\n${f.nodes.slice(0, 5).map((n) => `    ${n.target}: ${n.summary}`).join("\n")}${f.nodes.length > 5 ? `\n    ... ${f.nodes.length - 5} more` : ""}`);
        if (scheme === "light" && i === 0) found.problems.push(...(await linkAndTableProblems(page, path)));
      }
    }
  }
  return found;
}

/** Links named by a symbol alone ("↗"), and table row checkboxes: none of the site's tables uses its selection. */
async function linkAndTableProblems(page: Page, path: string): Promise<string[]> {
  const problems: string[] = [];
  const snapshot = await page.locator("body").ariaSnapshot();
  for (const [, name] of snapshot.matchAll(/- link "((?:[^"\\]|\\.)*)"/g)) {
    if (!/[\p{L}\p{N}]/u.test(name!)) problems.push(`${path}: a link named only "${name}"`);
  }
  const checkboxes = await page.locator("main form table input[type=checkbox]").count();
  if (checkboxes > 0) problems.push(`${path}: ${checkboxes} table row checkboxes`);
  return problems;
}


describe("accessibility of the built site", () => {

  it("axe finds no serious or critical violation on any page, light and dark, at 1280 and 390 px", async (t) => {
    const all = pages();
    assert.ok(all.length > (process.env.PAGES ? 0 : 5), `pages found: ${all.join(", ")}`);
    visits ??= await visitAll();
    t.diagnostic("serious or critical nodes per page, scheme and width:");
    for (const line of visits.counts) t.diagnostic(line);
    assert.deepEqual(visits.failures, [], visits.failures.join("\n"));
  });

  it("no link is named by a symbol alone, and no table offers row checkboxes that select nothing", async () => {
    visits ??= await visitAll();
    assert.deepEqual(visits.problems, [], visits.problems.join("\n"));
  });

  it("every page's first tab stop is a skip link that moves focus to the main content", async () => {
    for (const path of pages()) {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(site.origin + path);
      await page.keyboard.press("Tab");
      const first = await page.evaluate(() => ({ tag: document.activeElement?.tagName, href: document.activeElement?.getAttribute("href"), text: document.activeElement?.textContent?.trim() }));
      assert.equal(first.tag, "A", `${path}: the first tab stop is ${first.tag} "${first.text}"`);
      assert.match(first.text ?? "", /skip/i, `${path}: the first tab stop is "${first.text}"`);
      const target = await page.evaluate((href) => document.querySelector(href ?? "")?.id ?? null, first.href);
      assert.equal(target, "observablehq-main", `${path}: the skip link points at ${first.href}`);
      await page.keyboard.press("Enter");
      assert.ok(await page.evaluate(() => document.getElementById("observablehq-main")?.contains(document.activeElement) ?? false), `${path}: Enter on the skip link leaves focus outside main`);
    }
  });
});
