// Processes and held references: fork (kernel/fork.c dup_mmap,
// mm/memory.c copy_page_range), GUP references that outlive the op that
// took them (put_page later), and get_user_pages_remote on another mm.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertScenario, checkScenario, runScenario, ScenarioValidationError, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkFolioAccounting, checkMapcounts } from "../src/check/invariants.js";
import { checkedRun } from "./checked-run.js";

const VMAS: NonNullable<ScenarioSpec["mm"]>["vmas"] = [
  { name: "buf", kind: "anon", pages: 2, resident: [0], swapped: [1] },
  { name: "f", kind: "file", pages: 2, pagecache: "all", mapped: "all" },
];
function run(profile: string, ops: OpSpec[]): ScenarioRun {
  return checkedRun({ title: "processes", profile, mm: { vmas: VMAS }, tasks: [{ name: "P", ops }] });
}
const pteOf = (r: ScenarioRun, vma: string, page: number, task?: string) =>
  (task ? r.final!.children.find((c) => c.task === task)!.vmas : r.final!.vmas).find((v) => v.name === vma)?.ptes.find((p) => p.page === page);
const folio = (r: ScenarioRun, pfn: number) => r.final!.folios.find((f) => f.pfn === pfn);
const gup = (extra: Partial<Extract<OpSpec, { op: "get_user_pages" }>> = {}): OpSpec => ({ op: "get_user_pages", call: "get_user_pages_unlocked", vma: "buf", page: 0, flags: ["WRITE"], ...extra });
const fork = (ops: OpSpec[]): OpSpec => ({ op: "fork", child: { name: "C", ops: ops as never[] } });

describe("fork: dup_mmap / copy_page_range", () => {
  it("private pages are shared write-protected in both (mapcount 2), file PTEs of a VMA without anon_vma are not copied", () => {
    const r = run("v6.12", [fork([{ op: "cond_resched" }])]);
    const p = pteOf(r, "buf", 0)!;
    const c = pteOf(r, "buf", 0, "C")!;
    assert.ok(p.kind === "present" && c.kind === "present" && !p.write && !c.write && p.pfn === c.pfn);
    assert.equal(folio(r, p.pfn)!.mapcount, 2);
    assert.equal(pteOf(r, "f", 0, "C"), undefined, "vma_needs_copy(): the child refaults file pages");
  });

  it("a swap entry is shared: both processes fault in the same folio with one read (swap_duplicate, swap cache)", () => {
    const r = run("v6.12", [fork([{ op: "fault", vma: "buf", page: 1 }]), { op: "fault", vma: "buf", page: 1 }]);
    const p = pteOf(r, "buf", 1)!;
    const c = pteOf(r, "buf", 1, "C")!;
    assert.ok(p.kind === "present" && c.kind === "present" && p.pfn === c.pfn);
    assert.equal(r.result.trace.filter((e) => e.ev === "io_submit").length, 1);
    assert.ok(r.final!.folios.every((f) => !f.swapcache), "the last user freed the swap-cache folio");
  });

  it("COW after fork with a GUP reference held: the writer copies away from the referenced page, which the other process keeps (the 'COW can break either way' case, FOLL_GET)", () => {
    for (const profile of ["v5.7", "v6.12"]) {
      const r = run(profile, [gup({ hold: "dma" }), fork([{ op: "sleep", ns: 1000 }]), { op: "fault", vma: "buf", page: 0, write: true }]);
      const dma = r.held.get("dma")!.folios[0]!;
      const p = pteOf(r, "buf", 0)!;
      assert.ok(p.kind === "present" && p.write && p.pfn !== dma.pfn, profile);
      assert.deepEqual([dma.refcount, dma.mapcount], [2, 1], `${profile}: the child maps it, and the reference holds it`);
    }
  });

  it("exit in the child tears its address space down (exit_mmap): the parent's next write reuses the page, and GUP on the exited task is -ESRCH", () => {
    const r = run("v6.12", [fork([{ op: "exit" }]), { op: "sleep", ns: 1000 }, { op: "fault", vma: "buf", page: 0, write: true }, { op: "get_user_pages", call: "get_user_pages_remote", task: "C", vma: "buf", page: 0 }]);
    const before = r.result.trace.find((e) => e.ev === "call" && e.fn === "fork")!;
    assert.ok(before);
    const p = pteOf(r, "buf", 0)!;
    assert.ok(p.kind === "present" && p.write && folio(r, p.pfn)!.refcount === 1);
    assert.equal(r.final!.children[0]!.vmas.length, 0);
    assert.equal(r.result.trace.find((e) => e.fn === "get_user_pages_remote")!.ret, "-ESRCH");
    assert.equal(r.result.trace.filter((e) => e.task === "P" && e.fn === "wp_page_copy").length, 0);
  });

  it("get_user_pages_remote on a child not forked yet is -ESRCH, not the first address space", () => {
    const r = run("v6.12", [{ op: "get_user_pages", call: "get_user_pages_remote", task: "C", vma: "buf", page: 0 }, fork([{ op: "cond_resched" }])]);
    assert.equal(r.result.trace.find((e) => e.fn === "get_user_pages_remote")!.ret, "-ESRCH");
  });
});

describe("held references outlive the op (the 2016 GUP-guarantees thread)", () => {
  it("a held page survives munmap: unmapped (mapcount 0) with the GUP reference only, freed by put_page", () => {
    const r = run("v6.12", [gup({ hold: "dma" }), { op: "munmap", vma: "buf" }]);
    const held = r.final!.folios.filter((f) => f.mapping === null && !f.zero && !f.swapcache);
    assert.deepEqual(held.map((f) => [f.refcount, f.mapcount]), [[1, 0]]);
    const after = run("v6.12", [gup({ hold: "dma" }), { op: "munmap", vma: "buf" }, { op: "put_page", pages: "dma" }]);
    assert.equal(after.final!.folios.filter((f) => f.mapping === null && !f.zero && !f.swapcache).length, 0);
  });

  it("MADV_DONTNEED with a page held: the next fault at that address maps a different page (the reference keeps the page, not the mapping)", () => {
    const r = run("v6.12", [gup({ hold: "dma" }), { op: "madvise", advice: "MADV_DONTNEED", vma: "buf", page: 0 }, { op: "fault", vma: "buf", page: 0, write: true }]);
    const pfnHeld = r.result.trace.find((e) => e.fn === "get_user_pages_unlocked")!;
    assert.ok(pfnHeld);
    const now = pteOf(r, "buf", 0)!;
    assert.ok(now.kind === "present");
    const old = r.final!.folios.find((f) => f.mapping === null && !f.zero && f.mapcount === 0)!;
    assert.ok(old && old.refcount === 1 && old.pfn !== now.pfn);
  });

  it("get_user_pages_remote walks the named task's mm: the parent faults in the child's page, not its own", () => {
    const r = run("v6.12", [fork([{ op: "sleep", ns: 1000 }]), { op: "get_user_pages", call: "get_user_pages_remote", task: "C", vma: "buf", page: 0, flags: ["WRITE"] }]);
    const c = pteOf(r, "buf", 0, "C")!;
    const p = pteOf(r, "buf", 0)!;
    assert.ok(c.kind === "present" && c.write && p.kind === "present" && !p.write && c.pfn !== p.pfn, "the child's page was COWed for the write; the parent's stays write-protected");
  });

  it("put_page of a set already put is refused before the run, naming the path", () => {
    assert.throws(
      () => runScenario({ title: "double put", mm: { vmas: VMAS }, tasks: [{ name: "P", ops: [gup({ hold: "dma" }), { op: "put_page", pages: "dma" }, { op: "put_page", pages: "dma" }] }] }),
      /\$\.tasks\[0\]\.ops\[2\]\.pages.*a page set released once/s,
    );
  });

  it("validation names the path: put_page of a set nobody holds, task on a local GUP, a final.task that no fork makes", () => {
    const bad = {
      title: "bad",
      mm: { vmas: VMAS },
      tasks: [{ name: "P", ops: [{ op: "put_page", pages: "nope" }, gup({ task: "P" })] }],
      property: { exists: { final: { task: "Z", vma: "buf", page: 0 } }, verdict: "never", seeds: { from: 0, count: 1 } },
    };
    try {
      assertScenario(bad);
      assert.fail("accepted");
    } catch (e) {
      assert.ok(e instanceof ScenarioValidationError);
      const paths = e.errors.map((x) => x.path);
      assert.deepEqual(paths.sort(), ["$.property.exists.final.task", "$.tasks[0].ops[0].pages", "$.tasks[0].ops[1].task"]);
    }
  });
});

describe("invariant checkers (src/check), also run by faultline check", () => {
  it("checkMapcounts: a folio's mapcount must equal the PTEs that map it in every address space", () => {
    const r = run("v6.12", [fork([{ op: "cond_resched" }])]);
    assert.doesNotThrow(() => checkMapcounts(r.kernel!));
    const f = r.kernel!.folios.find((x) => x.mapcount === 2)!;
    f.mapcount = 1;
    assert.throws(() => checkMapcounts(r.kernel!), /mapcount 1, but 2 PTE\(s\) map it/);
  });

  it("checkScenario counts the references a GUP op still holds at the end, and reports a broken count as field invariant", () => {
    const spec = assertScenario({ title: "held", mm: { vmas: VMAS }, tasks: [{ name: "P", ops: [gup({ hold: "dma" })] }] });
    assert.deepEqual(checkScenario(spec).mismatches, []);
    const r = run("v6.12", [gup({ hold: "dma" })]);
    assert.throws(() => checkFolioAccounting(r.kernel!), /refcount 2, expected 1/);
    assert.doesNotThrow(() => checkFolioAccounting(r.kernel!, r.held.values()));
  });
});
