// khugepaged's collapse_huge_page() (mm/khugepaged.c) and its race with
// GUP-fast, the case of the 2016 thread
// (../shared/threads/2016-05-gup-guarantees-userspace-mappings.txt) that
// 70cbc3cc78a9 ("mm: gup: fix the fast GUP race against THP collapse",
// 2022) closed. Verdicts come from the interleaving explorer, exhaustive.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { explore } from "../src/explore/explore.js";
import { normalizeScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";

const rets = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn).map((e) => e.ret);
const VMA = { name: "buf", kind: "anon" as const, pages: 512, resident: "all" as const };
const collapse = (ops: OpSpec[], vmas: NonNullable<ScenarioSpec["mm"]>["vmas"] = [VMA], profile = "v6.12") =>
  checkedRun({ title: "collapse", mm: { vmas }, tasks: [{ name: "T", ops: [...ops, { op: "collapse_huge_page", vma: vmas[0]!.name, page: 0 }] }] }, profile);

describe("collapse_huge_page()", () => {
  it("copies every page into new ones, contents kept, and frees the old pages", () => {
    const r = collapse([{ op: "store", vma: "buf", page: 7, value: 3 }]);
    assert.deepEqual(rets(r, "collapse_huge_page"), ["SCAN_SUCCEED"]);
    const ptes = r.final!.vmas[0]!.ptes;
    assert.equal(ptes.length, 512);
    const p7 = ptes.find((p) => p.page === 7)!;
    assert.ok(p7.kind === "present" && p7.write);
    assert.equal(r.final!.folios.find((f) => f.pfn === p7.pfn)!.data, 3);
    assert.equal(r.final!.folios.filter((f) => !f.zero).length, 512, "only the new pages are left");
  });

  it("refuses a range with a page that has a GUP reference or pin beyond its mapping (SCAN_PAGE_COUNT)", () => {
    for (const call of ["get_user_pages", "pin_user_pages"]) {
      const r = collapse([{ op: "get_user_pages", call, vma: "buf", page: 300, hold: "p" } as OpSpec]);
      assert.deepEqual(rets(r, "collapse_huge_page"), ["SCAN_PAGE_COUNT"], call);
    }
  });

  it("refuses swap entries, file VMAs and a range the VMA does not cover (hugepage_vma_revalidate)", () => {
    assert.deepEqual(rets(collapse([], [{ ...VMA, resident: [0], swapped: [1] }]), "collapse_huge_page"), ["SCAN_EXCEED_SWAP_PTE"]);
    assert.deepEqual(rets(collapse([], [{ name: "f", kind: "file", pages: 512 }]), "collapse_huge_page"), ["SCAN_VMA_CHECK"]);
    assert.deepEqual(rets(collapse([], [{ ...VMA, pages: 100 }]), "collapse_huge_page"), ["SCAN_ADDRESS_RANGE"]);
  });
});

describe("khugepaged against a GUP-fast pin, every interleaving (the explorer, exhaustive)", () => {
  const scenario = (name: string) => normalizeScenario(JSON.parse(readFileSync(`data/khugepaged-vs-gup-fast-${name}.json`, "utf8")));

  it("x86 IPI shootdown, v5.9: pmdp_collapse_flush waits out the GUP-fast walk, so the pin is always seen or taken after; the device's write always reaches the process", () => {
    const v = explore(scenario("v5.9-ipi")).verdict!;
    assert.deepEqual([v.found, v.exhaustive], ["always", true]);
  });

  it("a flush without IPIs, v5.9: some interleaving keeps a pin on the page khugepaged copied away (the PTE re-check reads the detached table)", () => {
    const report = explore(scenario("v5.9-broadcast"));
    assert.equal(report.verdict!.found, "sometimes");
    assert.ok(report.verdict!.exhaustive);
  });

  it("with the pmd re-check (70cbc3cc78a9) and the sync IPI (2ba99c5e0881), v6.12 with a flush that sends no IPI: always coherent", () => {
    const v = explore(scenario("v6.12-broadcast")).verdict!;
    assert.deepEqual([v.found, v.exhaustive], ["always", true]);
  });
});
