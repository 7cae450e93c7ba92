// mremap(2) moving a VMA (mm/mremap.c move_vma, move_page_tables,
// move_ptes): the PTEs move with their pages, so a GUP reference or pin
// stays mapped, at the new address. The 2016 thread
// (../shared/threads/2016-05-gup-guarantees-userspace-mappings.txt):
// "while virtual address change in that case, the pined page behind should
// move with the mapping" (Jerome Glisse).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";

const rets = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn).map((e) => e.ret);
const BUF: NonNullable<ScenarioSpec["mm"]>["vmas"] = [{ name: "buf", kind: "anon", pages: 2, resident: [0] }];
const mremap: OpSpec = { op: "mremap", vma: "buf" };
const run = (ops: OpSpec[], profile = "v6.12", vmas = BUF) => checkedRun({ title: "mremap", mm: { vmas }, tasks: [{ name: "T", ops }] }, profile);
const flushes = (r: ScenarioRun) => r.result.trace.filter((e) => (e.ev === "ipi_send" && e.args?.func === "flush_tlb_func") || e.ev === "tlb_flush").length;

describe("mremap() moving a VMA", () => {
  it("moves the PTEs with their pages: buf now names the new range, which maps the same page; nothing is left at the old one", () => {
    const before = run([{ op: "store", vma: "buf", page: 0, value: 7 }]);
    const r = run([{ op: "store", vma: "buf", page: 0, value: 7 }, mremap, { op: "load", vma: "buf", page: 0 }]);
    assert.deepEqual(rets(r, "load"), [7]);
    const [was, now] = [before.final!.vmas[0]!, r.final!.vmas[0]!];
    assert.equal(r.final!.vmas.length, 1, "the old VMA is gone");
    assert.notEqual(now.start, was.start);
    const pfn = (v: typeof now) => v.ptes.find((p) => p.page === 0 && p.kind === "present");
    assert.ok(pfn(now) && pfn(was) && pfn(now)!.kind === "present" && pfn(was)!.kind === "present" && (pfn(now) as { pfn: number }).pfn === (pfn(was) as { pfn: number }).pfn, "the same page, not a copy");
    assert.equal(r.final!.folios.filter((f) => !f.zero).length, 1);
  });

  it("flushes the TLB when it moved a present PTE (move_ptes' force_flush), not when it moved none", () => {
    assert.ok(flushes(run([{ op: "store", vma: "buf", page: 0, value: 7 }, mremap])) > 0);
    assert.equal(flushes(run([mremap], "v6.12", [{ name: "buf", kind: "anon", pages: 2 }])), 0);
  });

  it("a pinned page stays coherent after the move, on every profile: the process's store at buf reaches the pinned page", () => {
    const ops: OpSpec[] = [
      { op: "store", vma: "buf", page: 0, value: 7 },
      { op: "get_user_pages", call: "pin_user_pages_unlocked", vma: "buf", page: 0, flags: ["WRITE"], hold: "dma" },
      mremap,
      { op: "store", vma: "buf", page: 0, value: 1 },
      { op: "dma_read", pages: "dma", index: 0 },
      { op: "unpin_user_pages", pages: "dma" },
    ];
    for (const p of ["v5.7", "v5.9", "v6.4", "v6.12"]) assert.deepEqual(rets(run(ops, p), "dma_read"), [1], p);
  });

  it("a swap entry moves with its SWP_EXCLUSIVE bit (v6.12): the page swapped out under a FOLL_GET reference comes back exclusive at the new address and the write reuses it", () => {
    const ops: OpSpec[] = [
      { op: "store", vma: "buf", page: 0, value: 7 },
      { op: "get_user_pages", call: "get_user_pages_unlocked", vma: "buf", page: 0, flags: ["WRITE"], hold: "dma" },
      { op: "madvise", advice: "MADV_PAGEOUT", vma: "buf", page: 0 },
      mremap,
      { op: "load", vma: "buf", page: 0 },
      { op: "store", vma: "buf", page: 0, value: 1 },
      { op: "dma_read", pages: "dma", index: 0 },
      { op: "put_page", pages: "dma" },
    ];
    assert.deepEqual(rets(run(ops), "dma_read"), [1]);
  });

  it("a VMA no longer there (munmapped) is -EFAULT", () => {
    assert.deepEqual(rets(run([{ op: "munmap", vma: "buf" }, mremap]), "mremap"), ["-EFAULT"]);
  });

  it("the validator refuses mremap in a scenario that forks (in the child, or in the parent after the fork), naming the op's path", () => {
    const child: ScenarioSpec = { title: "child mremap", mm: { vmas: BUF }, tasks: [{ name: "T", ops: [{ op: "fork", child: { name: "C", ops: [mremap, { op: "exit" }] as never[] } }] }] };
    assert.throws(() => assertScenario(child), /\$\.tasks\[0\]\.ops\[0\]\.child\.ops\[0\]\.op.*mremap only in a scenario without fork/s);
    // The parent's move would retarget the child's "buf" too: its load would fault outside its own VMA.
    const parent: ScenarioSpec = { title: "parent mremap", mm: { vmas: BUF }, tasks: [{ name: "T", ops: [{ op: "fork", child: { name: "C", ops: [{ op: "cond_resched" }, { op: "load", vma: "buf", page: 0 }, { op: "exit" }] as never[] } }, mremap] }] };
    assert.throws(() => assertScenario(parent), /\$\.tasks\[0\]\.ops\[1\]\.op.*mremap only in a scenario without fork/s);
  });
});
