// The built site as a reader moves through it, in Chromium, over every page
// dist/ holds: links lead to a page and a #fragment to an element there; the
// sidebar lists the API reference and marks the page being read; search
// finds commit ids and kernel symbols; a missing page gets a 404 page; API
// headings are not smaller than the text.
//
// Links are checked in the browser, after the page's cells have run: cells
// add links and ids (charts, permalinks) that dist/'s HTML does not hold.
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { builtPages, useSite } from "./support.js";

const DIST = "dist";
const WIDTHS = [1280, 390] as const;
const SCHEMES = ["light", "dark"] as const;

/** What one page shows once its cells have run. */
interface Seen {
  readonly ids: ReadonlySet<string>;
  /** Every `a[href]` (resolved) with where it sits. */
  readonly links: readonly { readonly href: string; readonly text: string }[];
  /** The sidebar's page links (resolved) and which one is marked as the current page. */
  readonly sidebar: readonly { readonly href: string; readonly active: boolean }[];
}

const site = useSite(DIST, visitEvery);
let pages: string[];
const seen = new Map<string, Seen>();
const problems: string[] = [];
/** Addresses opened on purpose that have no page. */
const missing = new Set<string>();

/** Watch `page` for what should not happen while a reader uses it; on a 404 page, the 404 itself is expected. */
function watch(page: Page): void {
  page.on("pageerror", (e) => problems.push(`${page.url()}: uncaught: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (!(missing.has(m.location().url) && /status of 404/.test(m.text()))) problems.push(`${page.url()}: console error: ${m.text()}`);
  });
}

/** Open `path` and wait until no cell is pending. */
async function open(page: Page, path: string): Promise<void> {
  await page.goto(site.origin + path, { waitUntil: "networkidle" });
  await page.waitForFunction(() => document.querySelector("observablehq-loading") === null);
}

/** A page path as the site serves it: `/api/index.html` and `/api/` are the same page. */
function pagePath(pathname: string): string {
  return decodeURIComponent(pathname).replace(/\.html$/, "").replace(/\/index$/, "/");
}

/** The file in dist/ a same-origin path is served from, or undefined. */
function builtFile(pathname: string): string | undefined {
  const path = join(DIST, decodeURIComponent(pathname));
  for (const file of [path, `${path}.html`, join(path, "index.html")]) if (existsSync(file) && statSync(file).isFile()) return file;
  return undefined;
}

/** A fragment that is page state (a permalink's `#s=...`), not an element id. */
const isState = (fragment: string) => fragment.includes("=");

/** Open every page once, watching it, and record what its links and ids are. */
async function visitEvery(): Promise<void> {
  pages = builtPages(DIST);
  const page = await site.browser.newPage({ viewport: { width: 1280, height: 900 } });
  watch(page);
  for (const path of pages) {
    await open(page, path);
    const shown = await page.evaluate(() => ({
      ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
      links: [...document.querySelectorAll("a[href]")].map((a) => ({ href: (a as HTMLAnchorElement).href, text: a.textContent?.trim() || a.outerHTML.slice(0, 80) })),
      sidebar: [...document.querySelectorAll("#observablehq-sidebar .observablehq-link > a")].map((a) => ({
        href: (a as HTMLAnchorElement).href,
        active: a.parentElement!.classList.contains("observablehq-link-active"),
      })),
    }));
    seen.set(path, { ...shown, ids: new Set(shown.ids) });
  }
  await page.close();
}

describe("links", () => {
  it("every link on every page leads to a built page, and every #fragment to an element id on it", (t) => {
    let checked = 0;
    let fragments = 0;
    const broken: string[] = [];
    for (const [from, { links }] of seen) {
      for (const { href, text } of links) {
        const url = new URL(href);
        if (url.origin !== site.origin) continue;
        checked++;
        const fragment = decodeURIComponent(url.hash.slice(1));
        const target = seen.get(pagePath(url.pathname));
        if (!target && !builtFile(url.pathname)) broken.push(`${from}: "${text}" -> ${url.pathname} (no such page)`);
        else if (fragment && !isState(fragment)) {
          fragments++;
          if (!target?.ids.has(fragment)) broken.push(`${from}: "${text}" -> ${url.pathname}#${fragment} (no such id)`);
        }
      }
    }
    t.diagnostic(`${pages.length} pages, ${checked} internal links (${fragments} to an id), ${broken.length} broken`);
    assert.ok(checked > 1000, `only ${checked} links found`);
    assert.deepEqual(broken, [], `${broken.length} of ${checked} links broken:\n${broken.slice(0, 40).join("\n")}`);
  });
});

describe("sidebar", () => {
  const apiPages = () => pages.filter((p) => p.startsWith("/api/"));

  it("lists every page of the API reference, on every page", () => {
    assert.ok(apiPages().length > 10, apiPages().join(" "));
    for (const [path, { sidebar }] of seen) {
      const listed = new Set(sidebar.map((l) => pagePath(new URL(l.href).pathname)));
      const missing = apiPages().filter((p) => !listed.has(p));
      assert.deepEqual(missing, [], `${path}: the sidebar lacks ${missing.join(" ")}`);
    }
  });

  it("marks the page being read, and only it", () => {
    for (const [path, { sidebar }] of seen) {
      if (path === "/404") continue;
      // The site title and "Overview" both lead to / and are both marked there.
      const active = [...new Set(sidebar.filter((l) => l.active).map((l) => pagePath(new URL(l.href).pathname)))];
      assert.deepEqual(active, [path], `${path}: marked ${active.join(" ") || "nothing"}`);
    }
  });

  it("shows the marked API page apart from the others, at desktop and phone width, light and dark", async () => {
    const path = "/api/mm";
    for (const width of WIDTHS) {
      for (const colorScheme of SCHEMES) {
        const context = await site.browser.newContext({ viewport: { width, height: 800 }, colorScheme });
        const page = await context.newPage();
        watch(page);
        await open(page, path);
        // On a phone the sidebar is behind its toggle.
        if (!(await page.locator("#observablehq-sidebar").isVisible())) await page.locator("#observablehq-sidebar-toggle").check({ force: true });
        const active = page.locator("#observablehq-sidebar .observablehq-link-active");
        await active.waitFor();
        assert.equal(await active.count(), 1);
        assert.ok(await active.isVisible(), `${width}px ${colorScheme}: the marked link is hidden`);
        assert.equal(pagePath(new URL(await active.locator("a").evaluate((a) => (a as HTMLAnchorElement).href)).pathname), path);
        const look = (e: Element) => {
          const s = getComputedStyle(e);
          const before = getComputedStyle(e, "::before");
          return `${s.color} ${s.fontWeight} ${s.backgroundColor} ${before.backgroundColor} ${before.content}`;
        };
        const other = page.locator("#observablehq-sidebar .observablehq-link:not(.observablehq-link-active)", { hasText: "engine" }).first();
        assert.notEqual(await active.evaluate(look), await other.evaluate(look), `${width}px ${colorScheme}: the marked link looks like the others`);
        await context.close();
      }
    }
  });
});

describe("search", () => {
  let page: Page;
  before(async () => {
    page = await site.browser.newPage();
    watch(page);
    await open(page, "/");
  });
  after(() => page?.close());

  /** The pages search lists for `query`, typed into the search box. */
  async function search(query: string): Promise<string[]> {
    const input = page.locator("#observablehq-search input");
    await input.fill("");
    await input.pressSequentially(query);
    await page.waitForFunction((q) => {
      const count = document.querySelector("#observablehq-search-results > div")?.textContent ?? "";
      return (document.querySelector("#observablehq-search input") as HTMLInputElement).value === q && /^(no results|[\d,]+ results?)$/.test(count);
    }, query);
    const hrefs = await page.locator("#observablehq-search-results a").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    return hrefs.map((h) => pagePath(new URL(h).pathname)).sort();
  }
  /** The indexed pages (the sidebar's) whose text holds `term`, as dist/'s HTML has it. */
  function pagesWith(term: string): string[] {
    const listed = new Set(seen.get("/")!.sidebar.map((l) => pagePath(new URL(l.href).pathname)));
    return [...listed]
      .filter((path) => {
        const html = readFileSync(builtFile(path)!, "utf8");
        const main = html.slice(html.indexOf('<main id="observablehq-main"'), html.indexOf("</main>"));
        return main.replace(/<[^>]+>/g, " ").includes(term);
      })
      .sort();
  }

  it("finds the commit ids the notebooks cite, on the pages that cite them", async (t) => {
    for (const id of ["318b275fbca1", "4064b9827063", "df17277b2a85"]) {
      const expected = pagesWith(id);
      assert.ok(expected.length > 0, `no page cites ${id}`);
      const hits = await search(id);
      t.diagnostic(`${id}: ${hits.length} hits, ${expected.length} pages cite it`);
      assert.deepEqual(hits, expected, id);
    }
  });

  it("a kernel symbol with underscores finds the pages that name it, not every page with one of its words", async (t) => {
    for (const symbol of ["hva_to_pfn", "lock_folio_maybe_drop_mmap", "get_user_pages_remote"]) {
      const expected = pagesWith(symbol);
      const hits = await search(symbol);
      t.diagnostic(`${symbol}: ${hits.length} hits, ${expected.length} pages name it`);
      for (const p of expected) assert.ok(hits.includes(p), `${symbol}: ${p} names it but is not found (found ${hits.join(" ")})`);
      // A hit that does not name the symbol must hold every one of its words.
      for (const p of hits.filter((h) => !expected.includes(h))) {
        const text = readFileSync(builtFile(p)!, "utf8").toLowerCase();
        for (const word of symbol.split("_")) assert.ok(text.includes(word), `${symbol}: ${p} is found but has no "${word}"`);
      }
      assert.ok(hits.length <= expected.length + 2, `${symbol}: ${hits.length} hits for ${expected.length} pages that name it: ${hits.join(" ")}`);
    }
  });
});

describe("404 page", () => {
  it("a missing page answers 404 with a page that leads back, at any depth, desktop and phone, light and dark", async () => {
    for (const width of WIDTHS) {
      for (const colorScheme of SCHEMES) {
        const context: BrowserContext = await site.browser.newContext({ viewport: { width, height: 800 }, colorScheme });
        const page = await context.newPage();
        watch(page);
        const failed: string[] = [];
        page.on("requestfailed", (r) => failed.push(r.url()));
        page.on("response", (r) => {
          if (r.status() >= 400 && r.request().resourceType() !== "document") failed.push(`${r.status()} ${r.url()}`);
        });
        for (const path of ["/no-such-page", "/api/virt/no/such/page"]) {
          missing.add(site.origin + path);
          const response = await page.goto(site.origin + path, { waitUntil: "networkidle" });
          const where = `${path} at ${width}px ${colorScheme}`;
          assert.equal(response?.status(), 404, where);
          assert.equal(await page.locator("#observablehq-main h1").textContent(), "Page not found", where);
          // Its scripts and stylesheet load from the site root, whatever the depth.
          assert.deepEqual(failed, [], where);
          assert.ok(await page.locator("#observablehq-main").evaluate((m) => getComputedStyle(m).fontFamily.includes("Serif")), `${where}: unstyled`);
          assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), `${where}: wider than the screen`);
          const links = await page.locator("#observablehq-main a[href]").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
          assert.ok(links.length >= 3, where);
          for (const href of links) assert.ok(seen.has(pagePath(new URL(href).pathname)), `${where}: ${href} is no page`);
        }
        await context.close();
      }
    }
  });
});

describe("headings", () => {
  it("h5 and h6 are not smaller than the text, on every page with them, desktop and phone, light and dark", async () => {
    const withSmallHeadings = pages.filter((p) => /<h[56]\b/.test(readFileSync(builtFile(p)!, "utf8")));
    assert.ok(withSmallHeadings.some((p) => p.startsWith("/api/")), withSmallHeadings.join(" "));
    for (const width of WIDTHS) {
      for (const colorScheme of SCHEMES) {
        const context = await site.browser.newContext({ viewport: { width, height: 800 }, colorScheme });
        const page = await context.newPage();
        watch(page);
        for (const path of withSmallHeadings) {
          await page.goto(site.origin + path, { waitUntil: "load" });
          const small = await page.evaluate(() => {
            const text = parseFloat(getComputedStyle(document.querySelector("#observablehq-main p")!).fontSize);
            return [...document.querySelectorAll("#observablehq-main :is(h5, h6)")]
              .map((h) => ({ h: `${h.tagName} "${h.textContent?.trim()}"`, size: parseFloat(getComputedStyle(h).fontSize), text }))
              .filter((h) => h.size < h.text);
          });
          assert.deepEqual(small.slice(0, 3), [], `${path} at ${width}px ${colorScheme}: ${small.length} headings smaller than the text`);
        }
        await context.close();
      }
    }
  });
});

describe("CITATION.cff", () => {
  it("the site serves the repository's CITATION.cff byte for byte", async () => {
    const page = await site.browser.newPage();
    await open(page, "/");
    const href = (await page.locator("#citation-cff a").getAttribute("href")) ?? "";
    assert.equal(await page.evaluate(async (u) => (await fetch(u)).text(), href), readFileSync("CITATION.cff", "utf8"));
    await page.close();
  });
});

describe("while all this ran", () => {
  it("no page threw or logged an error", () => {
    assert.deepEqual(problems, []);
  });
});
