// The reader's settings in the built site: inputs keep their values when
// their scenario cell runs again (Run, Shift-Enter, Reset); Cite under the
// KVM sweep cites the run on screen; the playground follows a link pasted
// into an open tab, says when a link holds no scenario, and opens a mail's
// permalink pasted over several lines.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { findBlock } from "../../src/cite/block.js";
import { citeBlock } from "../../src/cite/cite.js";
import { encodePermalink } from "../../src/scenario/permalink.js";
import { runScenario } from "../../src/scenario/run.js";
import type { ScenarioSpec } from "../../src/scenario/schema.js";
import { useSite } from "./support.js";

const DIST = "dist";
/** How long a sweep in the page's worker may take on a loaded machine. */
const SWEEP_MS = 120_000;
const spec = (name: string): ScenarioSpec & { expect: { hash: string } } => JSON.parse(readFileSync(`data/${name}.json`, "utf8"));

const site = useSite(DIST);

/** A page at `path` and the errors it logs or throws. */
async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await site.browser.newPage();
  const errors: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
  await page.goto(site.origin + path);
  return { page, errors };
}

/** Do `action`, then wait until the element `selector` has been drawn anew (Framework replaces a cell's output when it runs again). */
async function redrawn(page: Page, selector: string, action: () => Promise<unknown>): Promise<void> {
  await page.locator(selector).evaluate((e) => e.setAttribute("data-before", ""));
  await action();
  await page.locator(`${selector}:not([data-before])`).waitFor({ timeout: SWEEP_MS });
}

/** The last input on the page labelled `label` (Observable Inputs: a form with a label and a select or a number box). */
const field = (page: Page, label: string) => labelled(page, label).last().locator("select, input[type=number]").first();

/** What an input shows: a number box's value, a select's option (Observable's selects number their options). */
const shown = (page: Page, label: string) => field(page, label).evaluate((e) => (e instanceof HTMLSelectElement ? e.selectedOptions[0]?.textContent : (e as HTMLInputElement).value));

/** The forms of the inputs labelled `label`. */
const labelled = (page: Page, label: string) => page.locator("form").filter({ has: page.locator("label", { hasText: new RegExp(`^${label.replace(/[()]/g, "\\$&")}$`) }) });

/** Wait until the KVM sweep's status line names its runs: the batch is done. */
const sweepDone = (page: Page) =>
  page.waitForFunction(() => /^\d+ runs, /.test(document.querySelector('.scenario-cell[data-key="kvm"] .run-status-text')?.textContent ?? ""), undefined, { timeout: SWEEP_MS });

/** The text of the mail format of a scenario cell's Cite panel. */
async function citedMail(page: Page, key: string): Promise<string> {
  const cell = page.locator(`.scenario-cell[data-key="${key}"]`);
  if (!(await cell.locator(".cell-cite").evaluate((d) => (d as HTMLDetailsElement).open))) await cell.locator(".cell-cite summary").click();
  return (await cell.locator('.cite-format[data-format="mail"] pre').textContent()) ?? "";
}

/** `faultline replay` of a saved mail. */
function replay(mail: string): { status: number | null; out: string } {
  const saved = join(mkdtempSync(join(tmpdir(), "faultline-inputs-")), "mail.txt");
  writeFileSync(saved, mail);
  const r = spawnSync(process.execPath, ["src/bin/faultline.js", "replay", saved], { encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** The built pages (`dist/**.html`) and the cells Framework compiled into each: `define({id, inputs, outputs, body})`. */
function builtCells(): { page: string; id: string; inputs: string[]; outputs: string[]; body: string }[] {
  const files = (readdirSync(DIST, { recursive: true }) as string[]).filter((f) => f.endsWith(".html") && !f.startsWith("_"));
  return files.flatMap((page) =>
    readFileSync(join(DIST, page), "utf8").split(/^define\(\{/m).slice(1).map((text) => {
      const list = (key: string) => JSON.parse(new RegExp(`${key}: (\\[[^\\]]*\\])`).exec(text.slice(0, text.indexOf("body:")))?.[1] ?? "[]") as string[];
      return { page, id: /id: "([^"]+)"/.exec(text)?.[1] ?? "?", inputs: list("inputs"), outputs: list("outputs"), body: text.slice(text.indexOf("body:")) };
    }),
  );
}

describe("inputs keep the reader's values when their scenario cell runs again", () => {
  it("on every built page, a cell that runs again with a scenario cell makes its inputs with keptInput", () => {
    const cells = builtCells();
    assert.ok(cells.some((c) => c.page === "index.html" && /scenarioEditor\(/.test(c.body)), "no scenario cell found on the overview");
    const offenders: string[] = [];
    for (const page of new Set(cells.map((c) => c.page))) {
      const own = cells.filter((c) => c.page === page);
      // What changes on Run: the value of each scenario cell (`const x = view(editor)`), and all that is computed from it.
      const changing = new Set(own.filter((c) => /scenarioEditor\(/.test(c.body)).flatMap((c) => [...c.body.matchAll(/const (\w+) = view\(/g)].map((m) => m[1]!)));
      for (let grew = true; grew; ) {
        grew = false;
        for (const c of own.filter((c) => c.inputs.some((i) => changing.has(i)))) for (const o of c.outputs) if (!changing.has(o)) (changing.add(o), (grew = true));
      }
      for (const c of own.filter((c) => c.inputs.some((i) => changing.has(i)) && /view\(\s*Inputs\./.test(c.body))) offenders.push(`${page} cell ${c.id}: ${/view\(\s*Inputs\.[^\n]*/.exec(c.body)![0].slice(0, 100)}`);
    }
    assert.deepEqual(offenders, [], "these inputs are made anew, at their starting values, whenever the scenario cell above them runs");
  });

  it("overview: profile v5.1 and readpage 250 us survive Run, Shift-Enter and Reset, and the run uses them", async () => {
    const { page, errors } = await open("/");
    const s = spec("mmap-lock-reader-behind-writer");
    const card = "#overview-timeline";
    await page.locator(`${card}[data-hash="${s.expect.hash}"]`).waitFor();
    const mm = s.mm!;
    const want = runScenario({ ...s, profile: "v5.1", mm: { ...mm, io: { ...mm.io, readpage: { dist: "exponential", mean: 250_000 } } } }).hash;
    await field(page, "kernel profile").selectOption("v5.1");
    await field(page, "readpage IO mean (us)").fill("250");
    await page.locator(`${card}[data-hash="${want}"]`).waitFor();

    const cell = page.locator('.scenario-cell[data-key="overview"]');
    const actions: [string, () => Promise<unknown>][] = [
      ["Run", () => cell.getByRole("button", { name: "Run" }).click()],
      ["Shift-Enter", async () => {
        await cell.locator("details.cell-source summary").click();
        await cell.locator(".cm-content").click();
        await page.keyboard.press("Shift+Enter");
      }],
      ["Reset", () => cell.getByRole("button", { name: "Reset" }).click()],
    ];
    for (const [what, action] of actions) {
      await redrawn(page, card, action);
      assert.equal(await shown(page, "kernel profile"), "v5.1", `${what}: profile`);
      assert.equal(await shown(page, "readpage IO mean (us)"), "250", `${what}: readpage`);
      assert.equal(await page.locator(card).getAttribute("data-hash"), want, `${what}: the run after it used other settings`);
      assert.match((await page.locator(`${card} h3`).textContent()) ?? "", /^profile v5\.1, seed 1:/, what);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("KVM sweep: seeds, distribution, vCPUs and profile survive Run; Cite cites the scenario on screen with them, and it replays", async () => {
    const { page, errors } = await open("/nowait");
    const s = spec("kvm-async-pf");
    const cited = "#kvm-cited";
    // As shipped, Cite cites the scenario itself (its seed, its latency, its property), and says so under the charts.
    await sweepDone(page);
    assert.ok((await citedMail(page, "kvm")).includes(s.expect.hash.slice(0, 32)), "the mail block cites the scenario as shipped");
    assert.equal(await page.locator(cited).getAttribute("data-hash"), s.expect.hash);

    const settings: [string, string][] = [["seeds per point", "2"], ["swap-in latency distribution", "uniform"], ["vCPUs", "3"], ["kernel profile", "v5.1"]];
    // The KVM sweep's kernel profile is the page's last.
    for (const [label, value] of settings) {
      const input = field(page, label);
      if ((await input.evaluate((e) => e.tagName)) === "SELECT") await input.selectOption(value);
      else await input.fill(value);
    }
    const edited: ScenarioSpec = {
      ...s,
      profile: "v5.1",
      mm: { vmas: [], ...s.mm, io: { ...s.mm!.io, swapin: { dist: "uniform", min: 0, max: 400_000 } } },
      kvm: { ...s.kvm!, vcpus: 3, asyncPf: true },
    };
    const want = runScenario(edited).hash;
    await page.locator(`${cited}[data-hash="${want}"]`).waitFor({ timeout: SWEEP_MS });

    const cell = page.locator('.scenario-cell[data-key="kvm"]');
    await redrawn(page, cited, () => cell.getByRole("button", { name: "Run" }).click());
    for (const [label, value] of settings) assert.equal(await shown(page, label), value, `${label} after Run`);
    assert.equal(await page.locator(cited).getAttribute("data-hash"), want);
    await sweepDone(page);

    const mail = await citedMail(page, "kvm");
    assert.ok(mail.includes(want.slice(0, 32)), "the mail block cites the run on screen");
    assert.match(mail, /^Profile v5\.1, seed 1, /m);
    const block = findBlock(mail);
    assert.ok(block.ok, "the mail has a scenario block");
    const data = block.block.data as { scenario: ScenarioSpec };
    assert.deepEqual(data.scenario.property, s.property, "the cited scenario keeps its property");
    assert.deepEqual([data.scenario.kvm?.vcpus, data.scenario.mm?.io?.swapin], [3, { dist: "uniform", min: 0, max: 400_000 }]);
    for (const line of mail.split("\n")) assert.ok(line.length <= 72, `${line.length} columns: ${line}`);
    const r = replay(mail);
    assert.equal(r.status, 0, r.out);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("the mmap_lock section: profile and seed survive Run", async () => {
    const { page, errors } = await open("/nowait");
    const card = "#lock-timeline";
    await page.locator(`${card} svg`).first().waitFor();
    await labelled(page, "kernel profile").nth(1).locator("select").selectOption("v5.1");
    await page.locator(`${card} h3:has-text("profile v5.1")`).waitFor();
    const cell = page.locator('.scenario-cell[data-key="lock:nowait-fault-keeps-mmap-lock-briefly"]');
    await redrawn(page, card, () => cell.getByRole("button", { name: "Run" }).click());
    assert.match((await page.locator(`${card} h3`).textContent()) ?? "", /profile v5\.1, seed \d+$/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe("the page's runs", () => {
  it("an input set back to an earlier value redraws from the page's cached runs, with no new worker batch", async () => {
    const page = await site.browser.newPage();
    // Count the run batches the page posts to its workers (a script, so that nothing of this file's transpiling reaches the page).
    await page.addInitScript(`globalThis.batches = 0;
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (message, ...rest) {
        if (message && message.jobs && message.kind !== "explore") globalThis.batches++;
        return post.call(this, message, ...rest);
      };`);
    await page.goto(`${site.origin}/nowait`);
    const matrix = "#fault-matrix";
    await page.locator(matrix).waitFor();
    const batches = () => page.evaluate(() => (globalThis as unknown as { batches: number }).batches);
    const profile = labelled(page, "kernel profile").first().locator("select");
    const first = await profile.evaluate((e) => (e as HTMLSelectElement).selectedOptions[0]!.textContent!);
    await redrawn(page, matrix, () => profile.selectOption({ label: "v5.1" }));
    const before = await batches();
    assert.ok(before > 0, "the matrix ran in no worker");
    await redrawn(page, matrix, () => profile.selectOption({ label: first }));
    assert.equal(await batches(), before, "setting the profile back ran the matrix again");
    await page.close();
  });
});

describe("the playground and the links it is given", () => {
  const runHash = (page: Page) => page.locator("#playground-runs .card").first().getAttribute("data-hash");

  it("a permalink pasted into an open tab loads its scenario; an empty one says it holds no scenario", async () => {
    const { page, errors } = await open("/playground");
    await page.locator("#playground-runs .card").first().waitFor();
    const first = (await runHash(page))!;
    const fpu = spec("fpu-prefault-as-merged-v5.2-rc1");
    await page.evaluate((hash) => (location.hash = hash), `#s=${encodePermalink(fpu)}`);
    await page.locator(`#playground-runs .card[data-hash="${fpu.expect.hash}"]`).waitFor({ timeout: 15_000 });
    assert.match((await page.locator("#observablehq-main .scenario-cell .cm-content").first().textContent()) ?? "", /copy_fpstate_to_sigframe/);

    await page.evaluate(() => (location.hash = "#s="));
    const warning = page.locator("#permalink-error");
    await warning.waitFor();
    const text = (await warning.textContent()) ?? "";
    assert.match(text, /the link holds no scenario/);
    assert.doesNotMatch(text, /larger than/);
    // The page's own example is shown instead.
    await page.locator(`#playground-runs .card[data-hash="${first}"]`).waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("an empty #s= opened as a new page says it holds no scenario", async () => {
    const { page, errors } = await open("/playground#s=");
    const text = (await page.locator("#permalink-error").textContent()) ?? "";
    assert.match(text, /the link holds no scenario/);
    assert.doesNotMatch(text, /larger than/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("a mail citation's permalink, its lines pasted together with spaces between them, opens the cited run; its first line alone says it is cut short", async () => {
    const abba = spec("abba-lock-inversion");
    const mail = citeBlock(abba, runScenario(abba), { playground: `${site.origin}/playground` });
    const lines = mail.split("\n");
    const link = lines.slice(lines.indexOf("Open in the playground:") + 1, lines.indexOf("Reproduce: save this text and run"));
    assert.ok(link.length > 1 && link.every((l) => l.length <= 72), "the permalink spans several lines of at most 72 columns");
    const { page, errors } = await open(link.join(" ").slice(site.origin.length));
    await page.locator(`#playground-runs .card[data-hash="${abba.expect.hash}"]`).waitFor({ timeout: 15_000 });
    // Clicked in a mail, a link may reach the browser as its first line only.
    await page.evaluate((hash) => (location.hash = hash), link[0]!.slice(link[0]!.indexOf("#")));
    await page.locator("#permalink-error").waitFor();
    assert.match((await page.locator("#permalink-error").textContent()) ?? "", /cut short\? One from a mail citation spans several lines/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
