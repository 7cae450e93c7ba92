// madvise(MADV_PAGEOUT) (mm/madvise.c madvise_cold_or_pageout_pte_range,
// 1a4e58cce84e, v5.4) into reclaim (mm/vmscan.c reclaim_pages,
// shrink_folio_list, pageout, __remove_mapping; mm/rmap.c try_to_unmap_one)
// and the swap-in that follows (mm/memory.c do_swap_page): what a GUP
// reference or pin does to a page swapped out under it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { explore } from "../src/explore/explore.js";
import { assertScenario, checkScenario, normalizeScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";

const rets = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn).map((e) => e.ret);
const reclaim = (r: ScenarioRun) => r.result.trace.filter((e) => e.fn === "shrink_folio_list").map((e) => e.ret);
const pte0 = (r: ScenarioRun) => r.final!.vmas[0]!.ptes.find((p) => p.page === 0);
const BUF: NonNullable<ScenarioSpec["mm"]>["vmas"] = [{ name: "buf", kind: "anon", pages: 1, resident: [0] }];
const pageout: OpSpec = { op: "madvise", advice: "MADV_PAGEOUT", vma: "buf", page: 0 };
const run = (ops: OpSpec[], profile: string, swapout = 50_000) => checkedRun({ title: "pageout", mm: { vmas: BUF, io: { swapout } }, tasks: [{ name: "T", ops }] }, profile);
const pin = (call: "pin_user_pages_unlocked" | "get_user_pages_unlocked"): OpSpec => ({ op: "get_user_pages", call, vma: "buf", page: 0, flags: ["WRITE"], hold: "dma" });
const release = (call: string): OpSpec => ({ op: call.startsWith("pin") ? "unpin_user_pages" : "put_page", pages: "dma" });
/** Store 7, take the page, MADV_PAGEOUT, a load swaps it in, a store of 1, the device reads it. */
const afterRead = (call: "pin_user_pages_unlocked" | "get_user_pages_unlocked"): OpSpec[] => [
  { op: "store", vma: "buf", page: 0, value: 7 },
  pin(call),
  pageout,
  { op: "load", vma: "buf", page: 0 },
  { op: "store", vma: "buf", page: 0, value: 1 },
  { op: "dma_read", pages: "dma", index: 0 },
  release(call),
];

describe("MADV_PAGEOUT", () => {
  it("does not exist before v5.4 (1a4e58cce84e): refused on v5.3", () => {
    assert.throws(() => run([pageout], "v5.3"), /MADV_PAGEOUT does not exist before v5.4 \(1a4e58cce84e\)/);
  });

  it("swaps out a page nobody else holds: written to its slot and freed (synchronous device); the next load reads it back with IO", () => {
    const r = run([{ op: "store", vma: "buf", page: 0, value: 7 }, pageout, { op: "load", vma: "buf", page: 0 }], "v6.12", 0);
    assert.deepEqual(reclaim(r), ["reclaimed"]);
    assert.deepEqual(rets(r, "load"), [7], "the contents came back from the swap slot");
    assert.ok(r.result.trace.some((e) => e.ev === "io_submit" && e.fn === "swap_read_folio"), "the swap-in read the slot");
  });

  it("an asynchronous swap write keeps the page in the swap cache (PG_writeback): the next load finds it there, no read", () => {
    const r = run([{ op: "store", vma: "buf", page: 0, value: 7 }, pageout, { op: "load", vma: "buf", page: 0 }], "v6.12");
    assert.deepEqual(reclaim(r), ["keep"]);
    assert.deepEqual(rets(r, "load"), [7]);
    assert.ok(!r.result.trace.some((e) => e.ev === "io_submit" && e.fn === "swap_read_folio"));
  });

  it("a GUP reference does not stop try_to_unmap before v5.19, but pageout() keeps the page unwritten (is_page_cache_freeable) in the swap cache", () => {
    const r = run([{ op: "store", vma: "buf", page: 0, value: 7 }, pin("pin_user_pages_unlocked"), pageout], "v5.9", 0);
    assert.deepEqual(reclaim(r), ["keep_locked"]);
    assert.equal(pte0(r)?.kind, "swap", "unmapped under the pin");
    assert.ok(!r.result.trace.some((e) => e.fn === "swap_writepage"), "no swap write with the pin held");
    const f = r.final!.folios.find((x) => !x.zero)!;
    assert.ok(f.swapcache, "the pinned page stays in the swap cache");
  });

  it("v5.11+ keeps a maybe-pinned page out of the swap cache (feb889fb40fa): no swap entry, the PTE stays writable", () => {
    const r = run([{ op: "store", vma: "buf", page: 0, value: 7 }, pin("pin_user_pages_unlocked"), pageout], "v6.12", 0);
    assert.deepEqual(reclaim(r), ["keep_locked"]);
    const p = pte0(r);
    assert.ok(p?.kind === "present" && p.write, "still mapped writable");
    assert.equal(r.final!.folios.find((x) => !x.zero)!.swapcache, false, "never added to the swap cache");
  });

  it("v5.19+ unmaps a page with only a FOLL_GET reference, leaving an exclusive swap PTE (SWP_EXCLUSIVE, 1493a1913e34)", () => {
    const r = run([{ op: "store", vma: "buf", page: 0, value: 7 }, pin("get_user_pages_unlocked"), pageout], "v6.12", 0);
    assert.equal(pte0(r)?.kind, "swap");
  });

  it("a write fault on the swapped-out pinned page reuses it on v5.9 (reuse_swap_page: mapcount + swap count == 1): coherent", () => {
    const ops: OpSpec[] = [{ op: "store", vma: "buf", page: 0, value: 7 }, pin("pin_user_pages_unlocked"), pageout, { op: "store", vma: "buf", page: 0, value: 1 }, { op: "dma_read", pages: "dma", index: 0 }, release("pin")];
    assert.deepEqual(rets(run(ops, "v5.9"), "dma_read"), [1]);
  });

  it("a read swaps the pinned page in read-only; the write then copies it away from the pin on v5.9 (do_wp_page: refcount != 1), reuses it on v5.7 (reuse_swap_page)", () => {
    assert.deepEqual(rets(run(afterRead("pin_user_pages_unlocked"), "v5.9"), "dma_read"), [7], "v5.9: the device reads the old contents");
    assert.deepEqual(rets(run(afterRead("pin_user_pages_unlocked"), "v5.7"), "dma_read"), [1], "v5.7: coherent");
  });

  it("v6.4 and v6.12 stay coherent: a pin keeps the page mapped; a FOLL_GET reference's page comes back exclusive from its SWP_EXCLUSIVE swap PTE and is reused", () => {
    for (const p of ["v6.4", "v6.12"]) {
      assert.deepEqual(rets(run(afterRead("pin_user_pages_unlocked"), p), "dma_read"), [1], `${p} pin`);
      assert.deepEqual(rets(run(afterRead("get_user_pages_unlocked"), p), "dma_read"), [1], `${p} FOLL_GET`);
    }
  });

  it("a racing swap-in's reference makes __remove_mapping's refcount freeze fail: the page stays in the swap cache and the fault maps it (every interleaving)", () => {
    const s = normalizeScenario({
      title: "pageout vs fault",
      profile: "v6.12",
      mm: { vmas: BUF, io: { swapout: 0 } },
      tasks: [
        { name: "T", ops: [{ op: "store", vma: "buf", page: 0, value: 7 }, { op: "sleep", ns: 1000 }, { op: "load", vma: "buf", page: 0 }] },
        { name: "R", ops: [{ op: "sleep", ns: 500 }, pageout] },
      ],
      interleave: "any",
      property: { exists: { event: { task: "T", ev: "call", fn: "load", ret: 7 } }, verdict: "always", seeds: { from: 0, count: 1 } },
    });
    const v = explore(s).verdict!;
    assert.deepEqual([v.found, v.exhaustive], ["always", true]);
  });
});

describe("the page-table lock across try_to_unmap_one()'s and __replace_page()'s flush", () => {
  const fixture = (name: string) => assertScenario(JSON.parse(readFileSync(`test/fixtures/pageout/${name}.json`, "utf8"))) as ScenarioSpec;

  it("a store racing MADV_PAGEOUT's unmap waits for the PTL and finds the swap entry: never lost, in every interleaving", () => {
    const r = explore(normalizeScenario(fixture("store-during-unmap-flush")));
    assert.equal(r.exhaustive, true);
    assert.equal(r.verdict?.found, "always");
  });

  it("a run stopped mid-flush (a kernel BUG elsewhere) leaves each mapcount equal to the PTEs that map the folio", () => {
    for (const name of ["run-stops-mid-flush", "uprobe-run-stops-mid-flush"]) {
      const report = checkScenario(fixture(name));
      assert.equal(report.run.result.status, "error", name);
      assert.deepEqual(report.mismatches.filter((m) => m.field === "invariant"), [], name);
    }
  });
});
