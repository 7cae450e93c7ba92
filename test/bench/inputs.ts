// How fast each notebook page of the built site answers its reader, in
// headless Chromium: for every Observable Inputs control in a page's main
// column (select, radio, checkbox, range, number), the time from a change of
// the input to the last change it makes to the page outside the input itself
// (charts, tables and status lines redrawn, worker batches included), over
// several changes; the longest main-thread task seen during them; and the
// page's first load, from navigation to every chart drawn. Timings are taken
// inside the page with performance.now(). `tsx test/bench/inputs.ts [--json]
// [/page ...]` runs this part alone.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Locator, Page } from "playwright-core";
import { launch, serve, settle } from "../browser/support.js";
import { formatTable, row, type BenchRow } from "./table.js";

/** The notebook pages measured. */
export const NOTEBOOKS = ["/", "/nowait", "/prefault", "/pins", "/vfio", "/postcopy", "/playground"] as const;

/** Changes measured per input, not counting the one that puts it back (measured too). */
const CHANGES = 5;
/** A page is settled once nothing loads, no worker batch is in flight and nothing has happened (a mutation, a fetch, a long task) for this long. */
const QUIET_MS = 300;
/** A change not settled after this long is recorded at this value and flagged. */
const CHANGE_TIMEOUT_MS = 10_000;
/** The first load's bound, and how long a change that timed out may take to finish before the next one. */
const LOAD_TIMEOUT_MS = 30_000;
/** An input that has taken this long (with at least two changes measured) makes no more changes. */
const INPUT_CAP_MS = 10_000;
/** Inputs left when a page has spent this long on its inputs are not measured. */
const PAGE_CAP_MS = 120_000;

/** What the probe reads of one input: its label and which of the inputs so labelled it is, its kind and state. */
interface Control {
  label: string;
  nth: number;
  kind: "select" | "radio" | "checkbox" | "range" | "number" | "text" | "other";
  visible: boolean;
  disabled: boolean;
  /** A select's or radio's option names. */
  names: string[];
  /** Selected option's index, checkbox 0 or 1, or the number shown. */
  current: number;
  min: number;
  max: number;
  step: number;
}

/** A settled page as the probe saw it: whether it settled, when (ms since navigation), the change's input event, the last redraw in main outside the input, the last in the document. */
interface Settled {
  settled: boolean;
  now: number;
  t0: number | null;
  lastMain: number;
  lastAny: number;
}

/** The probe installed in each page before its scripts (`window.__bench`). */
interface Probe {
  scan(): Control[];
  arm(label: string, nth: number): number;
  settle(quietMs: number, timeoutMs: number): Promise<Settled>;
  setRange(value: number): void;
  longest(): number;
}

declare global {
  interface Window {
    __bench: Probe;
  }
}

// Plain JS in a string: the page has none of the helpers the TypeScript transpiler may add to named functions.
const PROBE = `(() => {
  const b = (window.__bench = { lastAny: 0, lastMain: 0, lastActive: 0, form: null, t0: null, armedAt: 0, tasks: [] });
  // lastActive: the last mutation, long task or fetch (a page still fetching or running its modules is not settled).
  const active = (t) => (b.lastActive = Math.max(b.lastActive, t));
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) b.tasks.push([e.startTime, e.duration]), active(e.startTime + e.duration); }).observe({ type: "longtask", buffered: true });
    new PerformanceObserver((list) => { for (const e of list.getEntries()) active(e.responseEnd); }).observe({ type: "resource", buffered: true });
  } catch {}
  // Every mutation is activity; one that redraws dates lastAny, and lastMain if in main outside the armed input's form.
  // ARIA states and the tab stops the page gives overflowing boxes (150 ms after a change) draw nothing.
  const drawn = (r) => r.type !== "attributes" || !/^(aria-|tabindex$|data-scroll-focus$)/.test(r.attributeName);
  new MutationObserver((records) => {
    const now = performance.now();
    const main = document.getElementById("observablehq-main");
    const redrawn = records.filter(drawn);
    active(now);
    if (redrawn.length) b.lastAny = now;
    if (redrawn.some((r) => main && main.contains(r.target) && !(b.form && b.form.contains(r.target)))) b.lastMain = now;
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  // The change starts at the armed input's first input event.
  addEventListener("input", (e) => { if (b.t0 === null && b.form && b.form.contains(e.target)) b.t0 = performance.now(); }, true);
  const all = () => [...document.querySelectorAll("#observablehq-main form")];
  // The inputs in main (tables aside), each with its label and which of the inputs so labelled it is.
  b.forms = () => {
    const seen = new Map();
    return all().filter((f) => !/-table\\b/.test(f.className)).map((form) => {
      const label = (form.querySelector("label")?.textContent ?? "").trim();
      const nth = seen.get(label) ?? 0;
      seen.set(label, nth + 1);
      return { form, label, nth };
    });
  };
  b.scan = () => b.forms().map(({ form, label, nth }) => {
    const select = form.querySelector("select"), radios = [...form.querySelectorAll("input[type=radio]")], boxes = form.querySelectorAll("input[type=checkbox]");
    const range = form.querySelector("input[type=range]"), number = form.querySelector("input[type=number]"), bounds = range ?? number;
    const kind = select ? "select" : radios.length ? "radio" : boxes.length ? "checkbox" : range ? "range" : number ? "number" : form.querySelector("input[type=text], input[type=search], textarea") ? "text" : "other";
    const names = select ? [...select.options].map((o) => o.textContent) : radios.map((r) => r.closest("label")?.textContent ?? r.value);
    const current = select ? select.selectedIndex : radios.length ? Math.max(0, radios.findIndex((r) => r.checked)) : boxes.length ? +boxes[0].checked : number ? number.valueAsNumber : 0;
    const controls = [...form.querySelectorAll("input, select, textarea")];
    return {
      label, nth, kind, names, current,
      visible: form.checkVisibility(),
      disabled: controls.length > 0 && controls.every((c) => c.disabled),
      min: bounds && bounds.min !== "" ? +bounds.min : NaN,
      max: bounds && bounds.max !== "" ? +bounds.max : NaN,
      step: bounds ? parseFloat(bounds.step) || 1 : 1,
    };
  });
  // Watch the input labelled label (the nth so labelled) for a change; its index among main's forms, or -1.
  b.arm = (label, nth) => {
    const found = b.forms().find((f) => f.label === label && f.nth === nth);
    b.form = found ? found.form : null;
    b.t0 = null;
    b.lastMain = 0;
    b.armedAt = performance.now();
    return found ? all().indexOf(found.form) : -1;
  };
  // Settled: nothing loading, no worker batch in flight (aria-busy status, or its Cancel button shown), and quietMs without
  // activity (a late tick of this timer says the main thread was busy: that counts too).
  b.settle = (quietMs, timeoutMs) => new Promise((resolve) => {
    const started = performance.now();
    let tick = started;
    const timer = setInterval(() => {
      const now = performance.now();
      if (now - tick > 100) active(now);
      tick = now;
      const busy = document.querySelector("observablehq-loading, .run-status[aria-busy]") !== null || [...document.querySelectorAll(".run-status button")].some((x) => !x.hidden);
      const settled = !busy && now - Math.max(b.lastActive, started) >= quietMs;
      if (settled || now - started >= timeoutMs) {
        clearInterval(timer);
        resolve({ settled, now, t0: b.t0, lastMain: b.lastMain, lastAny: b.lastAny });
      }
    }, 20);
  });
  // Ranges: set the slider and say so as a reader's drag does.
  b.setRange = (value) => {
    const range = b.form.querySelector("input[type=range]");
    range.valueAsNumber = value;
    range.dispatchEvent(new Event("input", { bubbles: true }));
  };
  // The longest main-thread task since the input was armed (ms).
  b.longest = () => Math.max(0, ...b.tasks.filter(([start]) => start >= b.armedAt).map(([, d]) => d));
})();`;

/** One input's figures: change-to-redraw times (ms), their median and p95 (null if none measured), the longest task during its changes, and what kept it from a full measure. */
export interface InputTiming {
  label: string;
  kind: string;
  times: number[];
  median: number | null;
  p95: number | null;
  longestTask: number;
  note: string;
}

/** One page's figures: its first load (ms after navigation; the time allowed if it did not settle, NaN if it failed), the longest task during it, its inputs, and the errors it logged. */
export interface PageTiming {
  page: string;
  firstLoad: number;
  firstLoadSettled: boolean;
  loadLongestTask: number;
  inputs: InputTiming[];
  errors: string[];
}

/** Nearest-rank percentile `q` (0..1) of `xs`. */
const percentile = (xs: readonly number[], q: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(q * xs.length) - 1)]!;

/**
 * The values an input is given, in turn: the options after its own, cycling; a checkbox flipped; a range's quarter
 * points; a number box's next values; then its own value again, which puts it back (unless the last change did).
 */
function values(c: Control): number[] {
  const ks = Array.from({ length: CHANGES }, (_, i) => i + 1);
  const snap = (x: number) => c.min + Math.round((x - c.min) / c.step) * c.step;
  const points = [...new Set([0, 0.25, 0.5, 0.75, 1].map((q) => snap(c.min + q * (c.max - c.min))))].filter((v) => v !== c.current);
  const max = Number.isNaN(c.max) ? Infinity : c.max;
  const next =
    c.kind === "select" || c.kind === "radio" ? ks.map((k) => (c.current + k) % c.names.length)
    : c.kind === "checkbox" ? ks.map((k) => (c.current + k) % 2)
    : c.kind === "number" ? ks.map((k) => (c.current + k * c.step <= max ? c.current + k * c.step : c.current - k * c.step))
    : ks.map((k) => points[(k - 1) % points.length]!);
  return next[next.length - 1] === c.current ? next : [...next, c.current];
}

/** Give the input `form` the value `v` as a reader would: pick, click or type (a range's slider is set and announced in the page). */
async function apply(page: Page, form: Locator, c: Control, v: number): Promise<void> {
  const timeout = CHANGE_TIMEOUT_MS;
  if (c.kind === "select") await form.locator("select").selectOption({ index: v }, { timeout });
  else if (c.kind === "radio") await form.locator("input[type=radio]").nth(v).check({ timeout });
  else if (c.kind === "checkbox") await form.locator("input[type=checkbox]").first().setChecked(v === 1, { timeout });
  else if (c.kind === "range") await page.evaluate((v) => window.__bench.setRange(v), v);
  else await form.locator("input[type=number]").fill(String(v), { timeout });
}

/** Change input `c` to `v` and wait for the page to settle: the time to the last redraw (null if nothing outside the input changed), whether it timed out, and the longest task. */
async function change(page: Page, c: Control, v: number): Promise<{ ms: number | null; timedOut: boolean; longest: number } | null> {
  const index = await page.evaluate(([label, nth]) => window.__bench.arm(label, nth), [c.label, c.nth] as const);
  if (index < 0) return null;
  await apply(page, page.locator("#observablehq-main form").nth(index), c, v);
  const s = await page.evaluate(([q, t]) => window.__bench.settle(q, t), [QUIET_MS, CHANGE_TIMEOUT_MS] as const);
  // A change still at work after the timeout finishes (within bounds) before the next one starts.
  if (!s.settled) await settle(page, QUIET_MS, LOAD_TIMEOUT_MS);
  const longest = await page.evaluate(() => window.__bench.longest());
  if (!s.settled) return { ms: CHANGE_TIMEOUT_MS, timedOut: true, longest };
  return { ms: s.t0 !== null && s.lastMain > s.t0 ? s.lastMain - s.t0 : null, timedOut: false, longest };
}

/** The inputs on the page now. */
const scan = (page: Page) => page.evaluate(() => window.__bench.scan());
const key = (c: Control) => `${c.label}\u0000${c.nth}`;

/** Measure input `c` over its changes, the last putting it back; inputs that appear meanwhile go to `found` with the value that showed them. */
async function measureInput(page: Page, c: Control, deadline: number, found: (shown: Control, value: number) => void): Promise<InputTiming> {
  const times: number[] = [];
  const notes: string[] = [];
  const given = values(c);
  const started = Date.now();
  let longestTask = 0;
  let last = c.current;
  for (const v of given) {
    const cap = Date.now() > deadline ? "page" : Date.now() - started > INPUT_CAP_MS && times.length >= 2 ? "input" : null;
    if (cap) {
      notes.push(`${cap} time cap: ${times.length} of ${given.length} changes`);
      break;
    }
    const r = await change(page, c, (last = v)).catch((e: Error) => (notes.push(`could not drive: ${e.message.split("\n")[0]}`), undefined));
    if (r === undefined) break;
    if (!r) {
      notes.push("input gone from the page");
      break;
    }
    longestTask = Math.max(longestTask, r.longest);
    if (r.timedOut) notes.push(`not settled after ${CHANGE_TIMEOUT_MS / 1000} s`);
    if (r.ms === null) notes.push("nothing redrawn");
    else times.push(r.ms);
    for (const shown of await scan(page)) found(shown, v);
  }
  if (last !== c.current) await change(page, c, c.current).catch(() => notes.push("could not put back"));
  return {
    label: c.label,
    kind: c.kind,
    times,
    median: times.length ? percentile(times, 0.5) : null,
    p95: times.length ? percentile(times, 0.95) : null,
    longestTask,
    note: [...new Set(notes)].join("; "),
  };
}

/** Load `path` in a fresh context, time its first load, then measure each of its inputs. */
async function measurePage(browser: Browser, origin: string, path: string): Promise<PageTiming> {
  const context = await browser.newContext();
  await context.addInitScript(PROBE);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
  const result: PageTiming = { page: path, firstLoad: NaN, firstLoadSettled: false, loadLongestTask: 0, inputs: [], errors };
  const inputs = result.inputs;
  try {
    await page.goto(origin + path);
    const load = await page.evaluate(([q, t]) => window.__bench.settle(q, t), [QUIET_MS, LOAD_TIMEOUT_MS] as const);
    // A load not settled in time counts as the time allowed.
    Object.assign(result, { firstLoad: load.settled ? load.lastAny : LOAD_TIMEOUT_MS, firstLoadSettled: load.settled, loadLongestTask: await page.evaluate(() => window.__bench.longest()) });
    const deadline = Date.now() + PAGE_CAP_MS;
    // Inputs shown only for another input's value (a "second profile" for "compare with") are measured with that value set.
    const queue: { c: Control; via?: { c: Control; value: number } }[] = (await scan(page)).map((c) => ({ c }));
    const known = new Set(queue.map(({ c }) => key(c)));
    const skip = (c: Control, note: string) => inputs.push({ label: c.label, kind: c.kind, times: [], median: null, p95: null, longestTask: 0, note });
    for (const { c: first, via } of queue) {
      if (Date.now() > deadline) skip(first, "not measured: page time cap");
      else if (!first.visible) skip(first, "hidden (folded): skipped");
      else if (first.disabled) skip(first, "disabled: skipped");
      else if (!["select", "radio", "checkbox", "range", "number"].includes(first.kind)) skip(first, `${first.kind} box: not driven`);
      else if ((first.kind === "select" || first.kind === "radio") && first.names.length < 2) skip(first, "one option: nothing to change");
      else {
        if (via) await change(page, via.c, via.value);
        const c = via ? (await scan(page)).find((x) => key(x) === key(first)) : first;
        if (!c) skip(first, "not shown again: skipped");
        else {
          const found = (shown: Control, value: number) => void (!known.has(key(shown)) && (known.add(key(shown)), queue.push({ c: shown, via: { c, value } })));
          const timing = await measureInput(page, c, deadline, found);
          if (via) timing.note = [`with ${via.c.label} = ${via.c.names[via.value] ?? via.value}`, timing.note].filter(Boolean).join("; ");
          inputs.push(timing);
        }
        if (via) await change(page, via.c, via.c.current);
      }
    }
  } catch (e) {
    // A failure outside an input's changes (the load, a scan) ends the page's measures; what was measured stands.
    errors.push(`bench: ${String(e instanceof Error ? e.message : e).split("\n")[0]}`);
  } finally {
    await context.close();
  }
  return result;
}

/** An input's name on its page: its label, numbered when several inputs share it. */
const named = (page: PageTiming, i: InputTiming) => {
  const same = page.inputs.filter((x) => x.label === i.label);
  return same.length > 1 ? `${i.label} #${same.indexOf(i) + 1}` : i.label || "(unlabelled)";
};

/** The table's rows for the pages measured: worst input p95, median of medians, longest task, first load. */
export function inputRows(pages: readonly PageTiming[]): BenchRow[] {
  return pages.flatMap((p) => {
    const measured = p.inputs.filter((i) => i.p95 !== null);
    const worst = measured.reduce<InputTiming | null>((w, i) => (w === null || i.p95! > w.p95! ? i : w), null);
    const rows: BenchRow[] = [];
    if (worst) {
      const n = `${measured.length}${measured.length < p.inputs.length ? ` of ${p.inputs.length}` : ""} inputs`;
      rows.push(row(`input to redraw p95, ${p.page} (${n}, worst: ${named(p, worst)})`, worst.p95!, "ms", { op: "<=", limit: 100 }));
      rows.push(row(`input to redraw median of medians, ${p.page}`, percentile(measured.map((i) => i.median!), 0.5), "ms"));
      rows.push(row(`longest main-thread task, ${p.page}`, Math.max(...p.inputs.map((i) => i.longestTask)), "ms", { op: "<=", limit: 50 }));
    }
    if (!Number.isNaN(p.firstLoad)) rows.push(row(`first load, ${p.page}`, p.firstLoad, "ms", { op: "<=", limit: 1500 }));
    return rows;
  });
}

/** The per-input detail under a heading, one line each (page, input, kind, median, p95, longest task, note), and per page its load's longest task and errors. */
export function inputDetail(pages: readonly PageTiming[]): string[] {
  const heading = `notebook inputs in Chromium, per input: change to redraw over ${CHANGES} changes and one back, median and p95, and the longest main-thread task (0: none; Chromium reports tasks over 50 ms)`;
  const ms = (x: number | null) => (x === null ? "-" : `${Math.round(x)} ms`);
  const cells = [["page", "input", "kind", "median", "p95", "longest task", "note"]];
  for (const p of pages) for (const i of p.inputs) cells.push([p.page, named(p, i), i.kind, ms(i.median), ms(i.p95), ms(i.longestTask), i.note]);
  const widths = cells[0]!.map((_, k) => Math.max(...cells.map((c) => c[k]!.length)));
  const lines = cells.map((c) => "  " + c.map((x, k) => (k === 3 || k === 4 || k === 5 ? x.padStart(widths[k]!) : x.padEnd(widths[k]!))).join("  ").trimEnd());
  for (const p of pages) {
    const load = p.firstLoadSettled ? ms(p.firstLoad) : `not settled after ${LOAD_TIMEOUT_MS / 1000} s`;
    lines.push(`  ${p.page}: first load ${load}, longest task during it ${ms(p.loadLongestTask)}${p.errors.length ? `; errors: ${p.errors.join(" | ")}` : ""}`);
  }
  return [heading, ...lines];
}

/** Serve `dist`, measure `pages` in headless Chromium one after another, and return the table's rows and the per-input detail. */
export async function inputLatency(dist = "dist", pages: readonly string[] = NOTEBOOKS): Promise<{ rows: BenchRow[]; detail: string[]; pages: PageTiming[] }> {
  const { origin, server } = await serve(dist);
  const browser = await launch();
  try {
    const measured: PageTiming[] = [];
    for (const path of pages) measured.push(await measurePage(browser, origin, path));
    return { rows: inputRows(measured), detail: inputDetail(measured), pages: measured };
  } finally {
    await browser.close();
    server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const only = process.argv.slice(2).filter((a) => a.startsWith("/"));
  if (!existsSync(join("dist", "index.html"))) {
    console.error("dist/ is not built: npm run build first");
    process.exitCode = 1;
  } else {
    const r = await inputLatency("dist", only.length ? only : NOTEBOOKS);
    console.log(process.argv.includes("--json") ? JSON.stringify(r.rows, null, 2) : `${formatTable(r.rows)}\n\n${r.detail.join("\n")}`);
  }
}
