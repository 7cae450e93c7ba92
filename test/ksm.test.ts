// KSM's merge (mm/ksm.c try_to_merge_two_pages, write_protect_page,
// replace_page) and GUP: which references keep a page from being replaced
// under them. Facts from the 2016 thread
// (../shared/threads/2016-05-gup-guarantees-userspace-mappings.txt) and the
// code: the refcount check runs after ptep_clear_flush(), for a writable or
// dirty PTE, and since v5.19 for any PageAnonExclusive page.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explore } from "../src/explore/explore.js";
import { normalizeScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";

const rets = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn).map((e) => e.ret);
const TWO: NonNullable<ScenarioSpec["mm"]>["vmas"] = [{ name: "a", kind: "anon", pages: 2, resident: "all" }];
const merge: OpSpec = { op: "ksm_merge", vma: "a", page: 0, with: { vma: "a", page: 1 } };
const same = (v: number): OpSpec[] => [{ op: "store", vma: "a", page: 0, value: v }, { op: "store", vma: "a", page: 1, value: v }];
const run = (ops: OpSpec[], profile = "v6.12", vmas = TWO) => checkedRun({ title: "ksm", mm: { vmas }, tasks: [{ name: "T", ops }] }, profile);

describe("try_to_merge_two_pages()", () => {
  it("merges identical pages: both addresses map the KSM page read-only, the second page is freed; a write copies, the other keeps the contents", () => {
    const r = run([...same(5), merge, { op: "store", vma: "a", page: 1, value: 6 }, { op: "load", vma: "a", page: 0 }]);
    assert.deepEqual(rets(r, "try_to_merge_two_pages"), [0]);
    assert.deepEqual(rets(r, "load"), [5]);
    const [p0, p1] = r.final!.vmas[0]!.ptes;
    assert.ok(p0!.kind === "present" && !p0!.write && p1!.kind === "present" && p1!.write && p0!.pfn !== p1!.pfn);
    assert.equal(r.final!.folios.filter((f) => !f.zero).length, 2, "the old page 1 was freed, the COW made a new one");
  });

  it("a KSM page is never reused by a write fault, even when its last other mapping has gone: the write copies it", () => {
    const pfn0 = (r: ScenarioRun) => {
      const pte = r.final!.vmas[0]!.ptes.find((p) => p.page === 0);
      return pte?.kind === "present" ? pte.pfn : -1;
    };
    const merged = run([...same(5), merge]);
    const written = run([...same(5), merge, { op: "store", vma: "a", page: 1, value: 6 }, { op: "store", vma: "a", page: 0, value: 7 }]);
    assert.notEqual(pfn0(written), pfn0(merged), "page 0 moved off the KSM page");
    assert.equal(written.final!.folios.filter((f) => !f.zero).length, 2, "the KSM page was freed after both copies");
  });

  it("a dirty read-only PTE is checked too: a reference under it keeps the page (v5.9, pte_dirty)", () => {
    const gup: OpSpec = { op: "get_user_pages", call: "get_user_pages", vma: "a", page: 1, hold: "g" };
    const r = run([...same(5), { op: "mprotect", vma: "a", prot: "PROT_READ" }, gup, merge], "v5.9");
    assert.deepEqual(rets(r, "try_to_merge_two_pages"), ["-EFAULT"]);
  });

  it("leaves pages with different contents alone", () => {
    assert.deepEqual(rets(run([{ op: "store", vma: "a", page: 0, value: 1 }, { op: "store", vma: "a", page: 1, value: 2 }, merge]), "try_to_merge_two_pages"), ["-EFAULT"]);
  });

  it("never replaces a page with a GUP reference or pin under a writable or dirty PTE: the check after ptep_clear_flush() counts it, on every version", () => {
    for (const p of ["v4.19", "v5.9", "v6.12"]) {
      const gup: OpSpec = { op: "get_user_pages", call: "get_user_pages", vma: "a", page: 1, flags: ["WRITE"], hold: "g" };
      assert.deepEqual(rets(run([...same(5), gup, merge], p), "try_to_merge_two_pages"), ["-EFAULT"], p);
    }
  });

  it("a R/O pin of a clean read-only page: merged before v5.19 (no check without a writable or dirty PTE), refused since (PageAnonExclusive)", () => {
    // A page swapped in by a read fault is mapped clean and read-only.
    const vmas: NonNullable<ScenarioSpec["mm"]>["vmas"] = [{ name: "a", kind: "anon", pages: 2, swapped: [0, 1] }];
    const ops: OpSpec[] = [{ op: "load", vma: "a", page: 0 }, { op: "load", vma: "a", page: 1 }, { op: "get_user_pages", call: "pin_user_pages", vma: "a", page: 1, hold: "p" }, merge, { op: "store", vma: "a", page: 1, value: 9 }, { op: "dma_read", pages: "p", index: 0 }, { op: "unpin_user_pages", pages: "p" }];
    const v59 = run(ops, "v5.9", vmas);
    assert.deepEqual([rets(v59, "try_to_merge_two_pages"), rets(v59, "dma_read")], [[0], [0]], "v5.9: merged, the pin no longer sees the process's write");
    const v612 = run(ops, "v6.12", vmas);
    assert.deepEqual([rets(v612, "try_to_merge_two_pages"), rets(v612, "dma_read")], [["-EFAULT"], [9]], "v6.12: refused, coherent");
  });

  it("GUP-fast against the merge, every interleaving, with TLB flushes that send no IPI: the PTE re-check after taking the pin catches the replaced PTE (exhaustive)", () => {
    const s = normalizeScenario({
      title: "ksm vs gup-fast",
      mm: { tlbFlush: "broadcast", vmas: TWO },
      tasks: [
        { name: "dma", ops: [{ op: "get_user_pages", call: "pin_user_pages_fast", vma: "a", page: 1, flags: ["WRITE"], hold: "p", pteNs: 1000 }, { op: "sleep", ns: 10_000 }, { op: "dma_write", pages: "p", index: 0, value: 7 }, { op: "load", vma: "a", page: 1 }] },
        { name: "ksmd", ops: [{ op: "ksm_merge", vma: "a", page: 0, with: { vma: "a", page: 1 } }] },
      ],
      property: { exists: { event: { task: "dma", ev: "call", fn: "load", ret: 7 } }, verdict: "always", seeds: { from: 0, count: 1 } },
    });
    const v = explore(s).verdict!;
    assert.deepEqual([v.found, v.exhaustive], ["always", true]);
  });
});
