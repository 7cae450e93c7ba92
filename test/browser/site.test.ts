// The built site in Debian's Chromium: every page loads with no console
// error, no failed request and no request leaving localhost; the overview
// runs the engine in the browser, reproduces the Node trace hash, and
// re-renders its chart when an input changes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Locator, Page } from "playwright-core";
import { builtPages, useSite } from "./support.js";

const DIST = "dist";

/** Open `path` and collect everything that went wrong while it loaded and ran. */
async function visit(path: string): Promise<{ page: Page; problems: string[] }> {
  const page = await site.browser.newPage();
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
    if (!url.startsWith(site.origin) && !url.startsWith("data:") && !url.startsWith("blob:")) problems.push(`request leaves localhost: ${url}`);
  });
  await page.goto(site.origin + path, { waitUntil: "networkidle" });
  // Framework shows a failed cell as an element with class observablehq--error.
  for (const text of await page.locator(".observablehq--error").allTextContents()) problems.push(`cell error: ${text}`);
  return { page, problems };
}

const site = useSite(DIST);

describe("built site in Chromium", () => {

  it("every page loads with no console error, failed request or request leaving localhost", async () => {
    const all = builtPages(DIST);
    assert.ok(all.includes("/"), `pages found: ${all.join(", ")}`);
    for (const path of all) {
      const { page, problems } = await visit(path);
      await page.close();
      assert.deepEqual(problems, [], `${path}:\n${problems.join("\n")}`);
    }
  });

  it("overview: the browser run reproduces the Node trace hash, and the chart re-renders when the IO input changes", async () => {
    const { page, problems } = await visit("/");
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

describe("FAULT_FLAG_RETRY_NOWAIT notebook in Chromium", () => {

  it("the fault matrix shows what the model gives in Node, and re-renders for another profile", async () => {
    const { runScenario } = await import("../../src/scenario/run.js");
    const { page, problems } = await visit("/nowait");
    const matrix = page.locator("#fault-matrix");
    await matrix.waitFor();
    // The "needs readpage" row under ALLOW_RETRY|RETRY_NOWAIT, computed here in Node.
    const node = runScenario({
      title: "cell",
      profile: "v6.12",
      mm: { vmas: [{ name: "file", kind: "file", pages: 8, pagecache: [1], mapped: [2] }], io: { readpage: 100000, swapin: 50000 } },
      tasks: [{ name: "T", ops: [{ op: "handle_mm_fault", vma: "file", page: 0, flags: ["ALLOW_RETRY", "RETRY_NOWAIT"] }] }],
    });
    const call = node.result.trace.find((e) => e.ev === "call")!;
    const row = matrix.locator("tr", { hasText: "needs readpage" });
    const nowaitCell = row.locator("td").nth(3);
    assert.equal(await nowaitCell.locator("code").textContent(), String(call.ret).replaceAll("VM_FAULT_", ""));
    assert.match((await nowaitCell.textContent()) ?? "", new RegExp(String(call.args!.mmap_lock)));

    // The cell's ↗ opens the same run in the playground.
    const { decodePermalink } = await import("../../src/scenario/validate.js");
    const href = (await nowaitCell.locator("a.cell-open").getAttribute("href")) ?? "";
    const linkedSpec = decodePermalink(href.split("#s=")[1]!);
    assert.ok(linkedSpec.ok);
    const linkedCall = runScenario(linkedSpec.scenario).result.trace.filter((e) => e.ev === "call").at(-1)!;
    assert.equal(linkedCall.ret, call.ret, "the link carries the cell's run");
    const { page: linked, problems: linkedProblems } = await visit(`/${href}`);
    await linked.locator("#playground-runs .card").first().waitFor();
    assert.equal(await linked.locator("#playground-runs .card").first().getAttribute("data-hash"), runScenario(linkedSpec.scenario).hash);
    assert.deepEqual(linkedProblems, []);
    await linked.close();

    await page.locator('form:has-text("kernel profile") select').first().selectOption("v2.6.38");
    await page.waitForFunction(() => /does not exist before v2\.6\.39/.test(document.querySelector("#fault-matrix")?.textContent ?? ""));
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("the mmap_lock timeline reproduces the recorded hash, and the KVM sweeps draw both modes", async () => {
    const { page, problems } = await visit("/nowait");
    const card = page.locator("#lock-timeline");
    await card.locator("svg").first().waitFor();
    const recorded = JSON.parse(readFileSync("data/nowait-fault-keeps-mmap-lock-briefly.json", "utf8")).expect.hash;
    assert.equal(await card.getAttribute("data-hash"), recorded);
    assert.match((await card.locator("h3").textContent()) ?? "", /munmap never waited/);
    await page.locator('form:has-text("fault flags") input[type=radio]').nth(2).check();
    await page.waitForFunction(() => /munmap waited/.test(document.querySelector("#lock-timeline h3")?.textContent ?? ""));
    const charts = page.locator("#kvm-charts svg");
    assert.ok((await charts.count()) >= 2);
    assert.match((await page.locator("#kvm-charts").textContent()) ?? "", /async PF.*synchronous/s);
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe("pages == NULL prefault notebook in Chromium", () => {

  it("the 2-vs-3 call counts and the failing fpu trace are the model's, as run in Node", async () => {
    const { runScenario } = await import("../../src/scenario/run.js");
    const { page, problems } = await visit("/prefault");
    await page.locator("#two-vs-three").waitFor();
    for (const p of ["v5.1", "v5.2"]) {
      const spec = JSON.parse(readFileSync(`data/async-pf-prefault-gup-calls-${p}.json`, "utf8"));
      const calls = runScenario(spec).result.trace.filter((e) => e.fn === "__get_user_pages" && e.ev === "gup").length;
      assert.equal(await page.locator(`#two-vs-three [data-profile="${p}"]`).textContent(), String(calls));
    }
    const recorded = JSON.parse(readFileSync("data/fpu-prefault-as-merged-v5.2-rc1.json", "utf8")).expect.hash;
    assert.equal(await page.locator("#fpu-failing").getAttribute("data-hash"), recorded);
    // The range sweep runs in the worker; its chart appears when the 80 runs are done.
    await page.locator("#prefault-calls svg").first().waitFor();
    assert.match((await page.locator(".sweep-status").textContent()) ?? "", /80 runs, \d+ ms/);
    assert.deepEqual(problems, []);
    await page.close();
  });
});

/** Replace the text of the editable scenario cell `cell` (unfolding it first). */
async function setCell(page: Page, cell: Locator, text: string): Promise<void> {
  const source = cell.locator("details.cell-source");
  if (!(await source.evaluate((d) => (d as HTMLDetailsElement).open))) await source.locator("summary").click();
  await cell.locator(".cm-content").click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

describe("GUP pin guarantees notebook in Chromium", () => {

  it("the matrix, explored in the worker, is what the explorer gives in Node; an edit re-explores and the inputs keep their values", async () => {
    const { page, problems } = await visit("/pins");
    const { exploreJobs } = await import("../../src/host/explorations.js");
    const { coherenceScenario, guarantee, PIN_KINDS, PIN_OPERATIONS, PIN_PROFILES } = await import("../../docs/components/pin-coherence.js");
    const count = PIN_OPERATIONS.length * PIN_KINDS.length * PIN_PROFILES.length;
    await page.waitForFunction((n) => document.querySelectorAll("#pin-matrix td.held, #pin-matrix td.broken").length === n, count, { timeout: 60000 });
    const cells = await page.locator("#pin-matrix td a").allTextContents();
    const jobs = PIN_OPERATIONS.flatMap((op) => PIN_KINDS.flatMap((kind) => PIN_PROFILES.map((profile) => ({ scenario: coherenceScenario(op, kind, profile) }))));
    let node: string[] = [];
    exploreJobs({ id: 1, kind: "explore", jobs }, (r) => {
      if (r.type === "explored") node = r.explorations.map(guarantee);
    });
    assert.deepEqual(cells, node);
    await page.locator('#fork-race svg[aria-label="race diagram"]').waitFor();
    assert.match((await page.locator("#fork-race pre.race-diagram").textContent()) ?? "", /\n-+\+-+/);
    assert.match((await page.locator("#fork-race h2").textContent()) ?? "", /FOLL_PIN across fork on v5\.7: broken/);

    // The FOLL_GET diagram, then an edit (the child never exits): the table re-explores, the radios stay as set.
    await page.getByRole("radio", { name: "FOLL_GET" }).check();
    await page.waitForFunction(() => /FOLL_GET across fork/.test(document.querySelector("#fork-race h2")?.textContent ?? ""));
    const spec = JSON.parse(readFileSync("data/pin-coherence-fork-v5.7.json", "utf8"));
    const fork = spec.tasks[0].ops.find((o: { op: string }) => o.op === "fork");
    fork.child.ops = fork.child.ops.filter((o: { op: string }) => o.op !== "exit");
    const v57 = () => page.locator("#fork-verdicts tbody tr").first().locator("td").first().textContent();
    assert.match((await v57()) ?? "", /sometimes/);
    await setCell(page, page.locator('.scenario-cell[data-key="fork"]'), JSON.stringify(spec, null, 2));
    await page.keyboard.press("Shift+Enter");
    await page.waitForFunction(() => /never \(exhaustive/.test(document.querySelector("#fork-verdicts tbody tr td")?.textContent ?? ""));
    assert.equal(await page.getByRole("radio", { name: "FOLL_GET" }).isChecked(), true);
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe("vfio-pci notebook in Chromium", () => {

  it("the design table, explored in the worker, is what the explorer gives in Node; the window and the costs render; an edit re-explores", async () => {
    const { page, problems } = await visit("/vfio");
    await page.waitForFunction(() => document.querySelectorAll("#access-verdicts td.held, #access-verdicts td.broken").length === 7, null, { timeout: 60000 });
    const cells = await page.locator("#access-verdicts td.held strong, #access-verdicts td.broken strong").allTextContents();
    const { exploreJobs } = await import("../../src/host/explorations.js");
    const { judge, propertyHolds } = await import("../../docs/components/explore-view.js");
    const { VFIO_DESIGNS, withDesign, withOtherThread } = await import("../../docs/components/vfio-designs.js");
    const spec = JSON.parse(readFileSync("data/vfio-bar-access-vs-disable-v5.9.json", "utf8"));
    const label = { held: "never reaches disabled MMIO", broken: "reaches disabled MMIO", "not established": "not established" } as const;
    let node: string[] = [];
    exploreJobs({ id: 1, kind: "explore", jobs: VFIO_DESIGNS.map((d) => ({ scenario: withDesign(withOtherThread(spec, "disable"), d) })) }, (r) => {
      if (r.type === "explored") node = r.explorations.map((d) => label[judge(d, propertyHolds)]);
    });
    assert.deepEqual(cells, node);
    assert.match((await page.locator("#access-verdicts").textContent()) ?? "", /WARNING: guest: mmap_assert_write_locked/);
    await page.locator('#access-race svg[aria-label="race diagram"]').waitFor();
    await page.locator('#window-race svg[aria-label="race diagram"]').waitFor();
    assert.deepEqual(await page.locator("#window-verdicts td strong").allTextContents(), ["reaches disabled MMIO", "never reaches disabled MMIO"]);
    // D3hot: reached on v5.9 (no zap before 2b2c651baf1c), never on v6.12; a VF access during its PF's reset is reached.
    await page.waitForFunction(() => document.querySelectorAll("#d3hot-verdicts td.held, #d3hot-verdicts td.broken").length === 2, null, { timeout: 60000 });
    assert.deepEqual(await page.locator("#d3hot-verdicts td strong").allTextContents(), ["reaches disabled MMIO", "never reaches disabled MMIO"]);
    await page.locator('#vf-race svg[aria-label="race diagram"]').waitFor({ timeout: 60000 });
    await page.locator("#cost-chart svg").first().waitFor({ timeout: 60000 });
    await page.locator("#lock-chart svg").first().waitFor({ timeout: 60000 });
    await page.locator("#entry-chart svg").first().waitFor({ timeout: 60000 });
    // The 64 MiB BAR by one mapping under v6.12, a load every 2 MiB: the page's row is the Node run's.
    const { walkCost, walkScenario, LEAF_PAGES } = await import("../../docs/components/vfio-designs.js");
    const { ran } = await import("../worker-jobs.js");
    const v612 = VFIO_DESIGNS.at(-1)!;
    const costs = { pteNs: 50, faultNs: 500, zapNs: 20 };
    const c = walkCost(ran([walkScenario(v612, 16384, 1, costs, { stride: LEAF_PAGES.pmd })])[0]!)!;
    const row = page.locator("#huge-table tbody tr").filter({ hasText: v612.name }).filter({ has: page.locator("td:nth-child(2)", { hasText: /^1$/ }) });
    assert.deepEqual(await row.locator("td").allTextContents(), ["1", String(c.faults), `${c.pte} / ${c.pmd} / ${c.pud}`, String(c.walkNs), String(c.locks.memory_lock.longestNs)]);
    // The prefault chart, a trap of one entry write: v6.10's walk of 1 MiB over v6.12's, as Node runs them.
    await page.locator("#prefault-chart svg").first().waitFor({ timeout: 60000 });
    const walk = (profile: string) => walkCost(ran([walkScenario(VFIO_DESIGNS.find((d) => d.profile === profile && d.patches.length === 0)!, 256, 1, { pteNs: 50, faultNs: 50 })])[0]!)!.walkNs;
    assert.match((await page.locator("#prefault-reading").textContent()) ?? "", new RegExp(`, ${((walk("v6.10") / walk("v6.12")) * 100).toFixed(0)}%, `));

    // The guest only computes: no access can reach the BAR, and every design holds, v5.8 and before included.
    const late = { ...spec, tasks: spec.tasks.map((t: { name: string; ops: { op: string }[] }) => (t.name === "guest" ? { ...t, ops: t.ops.filter((o) => o.op === "cpu") } : t)) };
    await setCell(page, page.locator('.scenario-cell[data-key="access"]'), JSON.stringify(late, null, 2));
    await page.keyboard.press("Shift+Enter");
    await page.waitForFunction(() => document.querySelectorAll("#access-verdicts td.broken").length === 0 && document.querySelectorAll("#access-verdicts td.held").length === 7, null, { timeout: 60000 });
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe("editable scenario cells in the notebooks", () => {

  it("an edit run with Shift-Enter changes the chart; an invalid edit shows inline errors and leaves the last good chart; Reset restores the notebook's run", async () => {
    const { page, problems } = await visit("/nowait");
    const card = page.locator("#lock-timeline");
    await card.locator("svg").first().waitFor();
    const spec = JSON.parse(readFileSync("data/nowait-fault-keeps-mmap-lock-briefly.json", "utf8"));
    const recorded = spec.expect.hash;
    const cell = page.locator('.scenario-cell[data-key="lock:nowait-fault-keeps-mmap-lock-briefly"]');
    const chartBefore = await card.locator("svg").last().innerHTML();

    // A readpage three times as long: the IO lane of the chart grows.
    await setCell(page, cell, JSON.stringify({ ...spec, mm: { ...spec.mm, io: { ...spec.mm.io, readpage: 300000 } } }, null, 2));
    await page.keyboard.press("Shift+Enter");
    await page.waitForFunction((h) => document.querySelector("#lock-timeline")?.getAttribute("data-hash") !== h, recorded);
    const edited = await card.getAttribute("data-hash");
    assert.notEqual(await card.locator("svg").last().innerHTML(), chartBefore, "chart did not change");
    assert.equal(await cell.locator(".cell-edited").isVisible(), true);

    // An op that does not exist: errors inline (list and lint marks), nothing re-runs.
    await setCell(page, cell, JSON.stringify({ ...spec, tasks: [{ name: "gup", ops: [{ op: "handle_mm_fualt", vma: "data", page: 2 }] }] }, null, 2));
    await page.keyboard.press("Shift+Enter");
    await cell.locator(".cell-errors li").first().waitFor();
    assert.match((await cell.locator(".cell-errors").textContent()) ?? "", /\$\.tasks\[0\]\.ops\[0\]\.op: expected one of .*found "handle_mm_fualt"/);
    await cell.locator(".cm-lintRange-error").first().waitFor();
    await page.waitForTimeout(300);
    assert.equal(await card.getAttribute("data-hash"), edited, "an invalid edit changed the chart");

    await cell.getByRole("button", { name: "Reset" }).click();
    await page.waitForFunction((h) => document.querySelector("#lock-timeline")?.getAttribute("data-hash") === h, recorded);
    assert.equal(await cell.locator(".cell-errors").isVisible(), false);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("an edit survives a reload (saved in the browser) until Reset", async () => {
    const { page, problems } = await visit("/prefault");
    const cell = page.locator('.scenario-cell[data-key="gup-calls"]');
    await page.locator("#two-vs-three").waitFor();
    const spec = JSON.parse(readFileSync("data/async-pf-prefault-gup-calls-v5.1.json", "utf8"));
    await setCell(page, cell, JSON.stringify({ ...spec, title: "edited title" }, null, 2));
    await page.keyboard.press("Shift+Enter");
    await page.reload({ waitUntil: "networkidle" });
    await page.locator("#two-vs-three").waitFor();
    assert.match((await cell.locator(".cell-title").textContent()) ?? "", /Scenario:/);
    assert.match((await cell.locator(".cm-content").textContent()) ?? "", /edited title/);
    assert.equal(await cell.locator(".cell-edited").isVisible(), true);
    await cell.getByRole("button", { name: "Reset" }).click();
    await page.reload({ waitUntil: "networkidle" });
    await page.locator("#two-vs-three").waitFor();
    // With no saved edit the cell stays folded, its editor not loaded until it is opened.
    assert.equal(await cell.locator(".cm-content").count(), 0);
    await cell.locator(".cell-source > summary").click();
    assert.doesNotMatch((await cell.locator(".cm-content").textContent()) ?? "", /edited title/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("Cite on a notebook cell gives a mail block that replays with the CLI, BibTeX and CSL-JSON, and a permalink to the same run", async () => {
    const { page, problems } = await visit("/prefault");
    const cell = page.locator('.scenario-cell[data-key="fpu"]');
    await page.locator("#fpu-failing").waitFor();
    await cell.locator(".cell-cite summary").click();
    const mail = (await cell.locator('.cite-format[data-format="mail"] pre').textContent()) ?? "";
    const spec = JSON.parse(readFileSync("data/fpu-prefault-as-merged-v5.2-rc1.json", "utf8"));
    assert.ok(mail.includes(spec.expect.hash.slice(0, 32)) && mail.includes("npx faultline replay"));
    for (const line of mail.split("\n")) assert.ok(line.length <= 72 || line.startsWith(`${site.origin}/playground#s=`), `${line.length} columns: ${line}`);
    const saved = join(mkdtempSync(join(tmpdir(), "faultline-cite-")), "mail.txt");
    writeFileSync(saved, mail.split("\n").map((l) => `> ${l}`).join("\n"));
    const replay = spawnSync(process.execPath, ["src/bin/faultline.js", "replay", saved], { encoding: "utf8" });
    assert.equal(replay.status, 0, replay.stdout + replay.stderr);
    assert.match((await cell.locator('.cite-format[data-format="bibtex"] pre').textContent()) ?? "", /^@misc\{faultline-[0-9a-f]{12},[\s\S]*trace hash [0-9a-f]{64}/);
    const csl = JSON.parse((await cell.locator('.cite-format[data-format="csl-json"] pre').textContent()) ?? "");
    assert.equal(csl[0].type, "dataset");
    // The permalink opens the playground on the same run.
    const href = (await cell.locator("a.cell-permalink").getAttribute("href")) ?? "";
    assert.ok(href.startsWith(`${site.origin}/playground#s=`), href);
    const { page: linked, problems: linkedProblems } = await visit(href.slice(site.origin.length));
    await linked.locator("#playground-runs .card").first().waitFor();
    assert.equal(await linked.locator("#playground-runs .card").first().getAttribute("data-hash"), spec.expect.hash);
    assert.deepEqual([...problems, ...linkedProblems], []);
    await linked.close();
    await page.close();
  });
});

describe("sweeps in the worker", () => {

  it("KVM sweep: the cited run is traced and replays; cancelling a bigger sweep keeps the previous chart; a scenario without kvm is refused", async () => {
    const { page, problems } = await visit("/nowait");
    const cell = page.locator('.scenario-cell[data-key="kvm"]');
    await page.locator("#kvm-charts svg").first().waitFor();
    await page.waitForFunction(() => /\d+ runs, \d+ ms/.test(document.querySelector('.scenario-cell[data-key="kvm"] .run-status-text')?.textContent ?? ""));
    await cell.locator(".cell-cite summary").click();
    const mail = (await cell.locator('.cite-format[data-format="mail"] pre').textContent()) ?? "";
    assert.match(mail, /kvm_async_pf_ready|uffd_fault|mm_fault_done/, "the cited run has a trace excerpt");
    const saved = join(mkdtempSync(join(tmpdir(), "faultline-cite-")), "mail.txt");
    writeFileSync(saved, mail);
    const replay = spawnSync(process.execPath, ["src/bin/faultline.js", "replay", saved], { encoding: "utf8" });
    assert.equal(replay.status, 0, replay.stdout + replay.stderr);

    // A bigger guest, then eight seeds per point: a sweep long enough to cancel.
    const status = () => page.locator('.scenario-cell[data-key="kvm"] .run-status-text').textContent();
    for (const [label, value] of [["vCPUs", "4"], ["guest processes per vCPU", "8"]]) {
      const before = await status();
      await page.locator(`form:has-text("${label}") input[type=number]`).fill(value);
      await page.waitForFunction((b) => { const t = document.querySelector('.scenario-cell[data-key="kvm"] .run-status-text')?.textContent ?? ""; return t !== b && / runs, \d+ ms/.test(t); }, before);
    }
    // The chart's data (path geometry; Plot renumbers marker ids on every render).
    const geometry = () => page.locator("#kvm-charts svg").last().evaluate((svg) => [...svg.querySelectorAll("path")].map((p) => p.getAttribute("d")).join("|"));
    const chart = await geometry();
    await page.locator('form:has-text("seeds per point") input[type=number]').fill("8");
    await cell.getByRole("button", { name: "Cancel" }).click();
    await page.waitForFunction(() => /cancelled; the charts show the previous run/.test(document.querySelector('.scenario-cell[data-key="kvm"] .run-status-text')?.textContent ?? ""));
    await page.waitForTimeout(300);
    assert.equal(await geometry(), chart);
    assert.equal(await page.locator(".observablehq--error").count(), 0);

    // Valid as a scenario (a task instead of the guest), but nothing for the KVM charts to sweep.
    const spec = JSON.parse(readFileSync("data/kvm-async-pf.json", "utf8"));
    delete spec.kvm;
    delete spec.property;
    spec.tasks = [{ name: "A", ops: [{ op: "cpu", ns: 1 }] }];
    await setCell(page, cell, JSON.stringify(spec, null, 2));
    await page.keyboard.press("Shift+Enter");
    await cell.locator(".cell-errors li").first().waitFor();
    assert.match((await cell.locator(".cell-errors").textContent()) ?? "", /this example needs a kvm section/);
    assert.equal(await page.locator(".observablehq--error").count(), 0);
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe("reading aids: folded code, sections as text, CITATION.cff, dark mode", () => {

  it("notebook code starts folded and unfolds; shell commands are shown", async () => {
    const { page, problems } = await visit("/nowait");
    const folds = page.locator("details.code-fold");
    assert.ok((await folds.count()) >= 3);
    const lock = folds.filter({ hasText: "lockEditor.simulate" });
    assert.equal(await lock.evaluate((d) => (d as HTMLDetailsElement).open), false);
    assert.equal(await lock.locator("pre").isVisible(), false);
    await lock.locator("summary").click();
    assert.equal(await lock.locator("pre").isVisible(), true);
    const { page: overview } = await visit("/");
    assert.equal(await overview.locator("details.code-fold", { hasText: "npx faultline replay" }).evaluate((d) => (d as HTMLDetailsElement).open), true);
    assert.deepEqual(problems, []);
    await overview.close();
    await page.close();
  });

  it("each notebook section offers its text for a mail, with the live results as the page shows them", async () => {
    const { page, problems } = await visit("/prefault");
    await page.locator("#two-vs-three").waitFor();
    // The panels come from a cell that loads sections.json, which may finish after the worker's runs.
    const section = page.locator("h2#two-calls-or-three + details.section-export");
    await section.waitFor();
    assert.equal(await page.locator("details.section-export").count(), await page.locator("#observablehq-main h2").count());
    await section.locator("summary").click();
    // The text is rendered on the details' toggle event, which fires after the click returns.
    await section.locator("pre").filter({ hasText: /\S/ }).waitFor();
    const text = (await section.locator("pre").textContent()) ?? "";
    const shown = (await page.locator("#two-vs-three").textContent())?.replace(/\s+/g, " ").trim() ?? "";
    assert.match(text, /^Two calls or three\n=+\n/);
    assert.ok(text.includes(`Results as shown on the page:\n- ${shown}`), `${shown}\n---\n${text}`);
    assert.ok(text.includes(`${site.origin}/prefault#two-calls-or-three`), text);
    assert.doesNotMatch(text, /faultline\.invalid/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("site search finds kernel symbols in the API reference as well as in the notebooks", async () => {
    const { page, problems } = await visit("/");
    for (const [query, first, also] of [
      ["hva_to_pfn", "/api/virt/kvm", "/nowait"],
      ["lock_folio_maybe_drop_mmap", "/api/mm", "/nowait"],
      ["get_user_pages_remote", null, "/api/mm"],
      ["FOLL_NOWAIT", "/nowait", "/api/mm"],
    ] as const) {
      await page.locator("#observablehq-search input").fill(query);
      await page.waitForFunction(() => document.querySelectorAll("#observablehq-search-results a").length > 0);
      const hits = (await page.locator("#observablehq-search-results a").evaluateAll((as) => as.map((a) => new URL(a.getAttribute("href")!, location.href).pathname))).slice(0, 10);
      if (first) assert.equal(hits[0], first, `${query}: ${hits.join(" ")}`);
      assert.ok(hits.includes(also), `${query}: ${hits.join(" ")}`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("the overview links CITATION.cff, served with the site", async () => {
    const { page, problems } = await visit("/");
    const href = (await page.locator("#citation-cff a").getAttribute("href")) ?? "";
    const body = await page.evaluate(async (u) => (await fetch(u)).text(), href);
    assert.match(body, /^cff-version: 1\.2\.0\n/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("in dark mode the scenario editor is dark too", async () => {
    const context = await site.browser.newContext({ colorScheme: "dark" });
    const page = await context.newPage();
    await page.goto(`${site.origin}/playground`, { waitUntil: "networkidle" });
    const bg = await page.locator(".scenario-cell .cm-editor").first().evaluate((e) => getComputedStyle(e).backgroundColor);
    const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number);
    assert.ok(r! + g! + b! < 200, `editor background ${bg}`);
    await context.close();
  });
});

describe("playground and permalinks in Chromium", () => {
  const open = async (hash: string) => {
    const { page, problems } = await visit(`/playground${hash}`);
    await page.locator("#observablehq-main .scenario-cell .cm-content").first().waitFor();
    return { page, problems, cell: page.locator("#observablehq-main .scenario-cell").first() };
  };

  it("a permalink opens exactly the cited scenario: the run has the recorded trace hash", async () => {
    const { encodePermalink } = await import("../../src/scenario/permalink.js");
    const spec = JSON.parse(readFileSync("data/fpu-prefault-as-merged-v5.2-rc1.json", "utf8"));
    const { page, problems, cell } = await open(`#s=${encodePermalink(spec)}`);
    await page.locator("#playground-runs .card").first().waitFor();
    assert.equal(await page.locator("#playground-runs .card").first().getAttribute("data-hash"), spec.expect.hash);
    await cell.locator(".cell-cite summary").click();
    const cite = (await cell.locator('.cite-format[data-format="mail"] pre').textContent()) ?? "";
    assert.ok(cite.includes(spec.expect.hash.slice(0, 32)) && /^-----BEGIN FAULTLINE SCENARIO v2-----$/m.test(cite), "the Cite block carries the hash and the scenario");
    // The block copied from the page replays with the CLI.
    const saved = join(mkdtempSync(join(tmpdir(), "faultline-cite-")), "mail.txt");
    writeFileSync(saved, cite);
    const replay = spawnSync(process.execPath, ["src/bin/faultline.js", "replay", saved], { encoding: "utf8" });
    assert.equal(replay.status, 0, replay.stdout + replay.stderr);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("hostile permalinks are refused with a message and run no script", async () => {
    const { encodePermalink } = await import("../../src/scenario/permalink.js");
    const hostile = encodePermalink({
      title: '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>',
      claim: "javascript:window.__pwned=3",
      tasks: [{ name: "A", ops: [{ op: "cpu", ns: 1 }] }],
    });
    const badUrl = encodePermalink({ title: "x", source: { url: "javascript:alert(1)" }, tasks: [{ name: "A", ops: [] }] } as never);
    for (const [hash, message] of [
      [`#s=${hostile}`, null],
      [`#s=${badUrl}`, /permalink scenario is invalid/],
      ["#s=!!!not-base64", /not a compressed scenario/],
      ["#s=AAAA", /not a compressed scenario/],
      [`#s=${"A".repeat(70000)}`, /permalink too long/],
    ] as const) {
      const { page, problems, cell } = await open(hash);
      await page.locator("#playground-runs .card").first().waitFor();
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, `script ran for ${hash.slice(0, 40)}`);
      assert.equal(await page.locator("img[src=x]").count(), 0);
      if (message) assert.match((await page.locator("#permalink-error").textContent()) ?? "", message);
      else {
        assert.match((await cell.locator(".cm-content").textContent()) ?? "", /onerror/);
        assert.match((await page.locator("#playground-runs h2").first().textContent()) ?? "", /<img src=x/);
      }
      assert.deepEqual(problems, [], hash.slice(0, 40));
      await page.close();
    }
  });

  it("completion offers the schema's op names; a runaway scenario shows progress and is cancelled, keeping the last run", async () => {
    const { page, problems, cell } = await open("");
    await page.locator("#playground-runs .card").first().waitFor();
    const first = await page.locator("#playground-runs .card").first().getAttribute("data-hash");

    await setCell(page, cell, '{"title": "t", "tasks": [{"name": "A", "ops": [{"op": ""}]}]}');
    await page.keyboard.press("Control+End");
    for (let i = 0; i < 6; i++) await page.keyboard.press("ArrowLeft");
    const menu = page.locator(".cm-tooltip-autocomplete");
    await page.keyboard.press("Control+Space");
    await menu.waitFor();
    for (const op of ["down_read", "handle_mm_fault", "get_user_pages", "copy_fpstate_to_sigframe"]) assert.match((await menu.textContent()) ?? "", new RegExp(op));
    await page.keyboard.press("Escape");
    for (const [typed, ops] of [["d", ["down_read", "down_write", "downgrade_write"]], ["h", ["handle_mm_fault"]], ["g", ["get_user_pages"]]] as const) {
      await page.keyboard.type(typed);
      await menu.waitFor();
      for (const op of ops) assert.match((await menu.textContent()) ?? "", new RegExp(op));
      await page.keyboard.press("Escape");
      await page.keyboard.press("Backspace");
    }
    // Accepting a completion fills in the string's contents, keeping the JSON valid.
    await page.keyboard.type("handle_mm");
    await menu.waitFor();
    // CodeMirror ignores Enter for its interactionDelay (75 ms) after the menu opens.
    await page.waitForTimeout(150);
    await page.keyboard.press("Enter");
    assert.match((await cell.locator(".cm-content").textContent()) ?? "", /\{"op": "handle_mm_fault"\}/);
    // A key: typed with its opening quote, completed with its closing quote and the colon.
    await setCell(page, cell, '{"title": "t", "tasks": [{"name": "A", "ops": [{"op": "cpu", "ns": 1}]}], }');
    await page.keyboard.press("Control+End");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.type('"pro');
    await menu.waitFor();
    await page.waitForTimeout(150);
    await page.keyboard.press("Enter");
    assert.match((await cell.locator(".cm-content").textContent()) ?? "", /\], "profile": \}$/);

    // Hover documentation on a key: what the format says about it.
    const at = await cell.locator(".cm-content").evaluate((content) => {
      const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const i = n.textContent!.indexOf('"ops"');
        if (i < 0) continue;
        const range = document.createRange();
        range.setStart(n, i + 1);
        range.setEnd(n, i + 3);
        const r = range.getBoundingClientRect();
        return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      }
      return null;
    });
    assert.ok(at, "the key is on screen");
    await page.mouse.move(at.x, at.y);
    const tip = page.locator(".cm-tooltip-hover .cm-schema-doc");
    await tip.waitFor();
    assert.match((await tip.textContent()) ?? "", /array/);
    await page.mouse.move(0, 0);

    // 10^6 x 10^6 one-step ops: far more than anyone waits for.
    await setCell(page, cell, JSON.stringify({ title: "runaway", maxSteps: 1e9, tasks: [{ name: "A", ops: [{ op: "repeat", count: 1e3, ops: [{ op: "repeat", count: 1e4, ops: [{ op: "cpu", ns: 1 }] }] }] }] }));
    await page.keyboard.press("Shift+Enter");
    await page.waitForFunction(() => /running [\d,]+ steps/.test(document.querySelector(".scenario-cell .run-status-text")?.textContent ?? ""));
    await cell.getByRole("button", { name: "Cancel" }).click();
    await page.waitForFunction(() => /cancelled; the charts show the previous run/.test(document.querySelector(".scenario-cell .run-status-text")?.textContent ?? ""));
    assert.equal(await page.locator("#playground-runs .card").first().getAttribute("data-hash"), first);

    // Back to the example, then two profiles side by side.
    await cell.getByRole("button", { name: "Reset" }).click();
    await page.waitForFunction(() => /^ok, /.test(document.querySelector(".scenario-cell .run-status-text")?.textContent ?? ""));
    await page.locator('form:has-text("compare with") input[type=radio]').nth(1).check();
    await page.locator("#playground-runs .card").nth(1).waitFor();
    assert.deepEqual(problems, []);
    await page.close();
  });
});
