// munmap (zap, TLB-flush IPI, free after the flush) against GUP-fast's
// IRQs-off lockless walk, and the lock munmap holds while it waits.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";

function run(profile: string, tasks: ScenarioSpec["tasks"]): ScenarioRun {
  return checkedRun({
    title: "munmap",
    profile,
    mm: { vmas: [{ name: "buf", kind: "anon", pages: 4, resident: "all" }, { name: "other", kind: "anon", pages: 4, resident: "all" }] },
    tasks,
  });
}
const walker = (pteNs: number) => ({ name: "gup", ops: [{ op: "get_user_pages" as const, call: "get_user_pages_fast" as const, vma: "buf", page: 0, nr_pages: 4, flags: ["WRITE" as const], pteNs }] });
const unmap = (vma: string, at: number) => ({ name: "unmap", ops: [{ op: "sleep" as const, ns: at }, { op: "munmap" as const, vma }] });
const ret = (r: ScenarioRun, task: string, fn: string) => r.result.trace.find((e) => e.ev === "call" && e.task === task && e.fn === fn)!;

describe("munmap and GUP-fast (mm/gup.c gup_fast, mm/vma.c do_vmi_align_munmap)", () => {
  it("munmap zaps every PTE, removes the VMA and frees its pages; a later fault there is SIGSEGV", () => {
    const r = run("v6.12", [{ name: "T", ops: [{ op: "munmap", vma: "buf" }, { op: "fault", vma: "buf", page: 0 }] }]);
    assert.equal(r.final!.vmas.some((v) => v.name === "buf"), false);
    assert.equal(ret(r, "T", "do_user_addr_fault").ret, "VM_FAULT_SIGSEGV");
    assert.equal(r.kernel!.folios.filter((f) => f.mapping === null && f !== r.kernel!.zero_folio && f.refcount > 0).length, 4, "only other's 4 pages are left");
  });

  it("alone, GUP-fast takes every page of a writable resident range without mmap_lock", () => {
    const r = run("v6.12", [walker(1000)]);
    assert.equal(ret(r, "gup", "get_user_pages_fast").ret, 4);
    assert.equal(r.result.trace.filter((e) => e.task === "gup" && e.ev === "lock_acquire").length, 0);
  });

  it("munmap mid-walk: its TLB-flush IPI waits for the walker's local_irq_enable; the walker's re-check sees the zapped PTE and stops, and the slow path finds no VMA", () => {
    const r = run("v6.12", [walker(1000), unmap("buf", 1500)]);
    const trace = r.result.trace;
    const irqOn = trace.findIndex((e) => e.task === "gup" && e.ev === "irq_enable");
    const flushed = trace.findIndex((e) => e.task === "unmap" && e.ev === "ipi_done");
    assert.ok(irqOn >= 0 && irqOn < flushed);
    assert.equal(trace[flushed]!.t, 2000);
    assert.equal(trace.find((e) => e.ev === "gup_fast")!.args!.pinned, 1, "page 0 was taken before the zap; page 1's re-check failed");
    assert.equal(ret(r, "gup", "get_user_pages_fast").ret, 1);
  });

  it("the zero page stops GUP-fast (a special PTE); the slow path then COWs it for the write", () => {
    const r = runScenario({
      title: "zero",
      mm: { vmas: [{ name: "z", kind: "anon", pages: 2 }] },
      tasks: [{ name: "T", ops: [{ op: "fault", vma: "z", page: 0 }, { op: "get_user_pages", call: "get_user_pages_fast", vma: "z", page: 0, flags: ["WRITE"] }] }],
    });
    assert.equal(r.result.trace.find((e) => e.ev === "gup_fast")!.args!.pinned, 0);
    assert.equal(ret(r, "T", "get_user_pages_fast").ret, 1);
  });

  it("before dd2283f2605e (v4.20) munmap holds mmap_lock for write while it waits for the IPI, so a fault elsewhere waits too; from v5.1 it has downgraded to read", () => {
    const tasks = [walker(5000), unmap("buf", 1000), { name: "U", ops: [{ op: "sleep" as const, ns: 2000 }, { op: "fault" as const, vma: "other", page: 0, write: true }] }];
    assert.equal(ret(run("v4.19", tasks), "U", "do_user_addr_fault").t, 5000, "v4.19: until the walker (its re-check failing at 5 us) enables IRQs and munmap unlocks");
    assert.equal(ret(run("v5.1", tasks), "U", "do_user_addr_fault").t, 2000, "v5.1: the read lock is shared");
  });
});
