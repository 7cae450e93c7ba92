// madvise(2): MADV_DONTNEED and MADV_POPULATE_(READ|WRITE), and the -EIO
// fault point they meet (mm/madvise.c, mm/gup.c, mm/filemap.c).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkFolioAccounting, checkFolios, checkLocks, checkTasks } from "../src/check/invariants.js";

const VMAS: NonNullable<ScenarioSpec["mm"]>["vmas"] = [
  { name: "anon", kind: "anon", pages: 4, resident: "all" },
  { name: "file", kind: "file", pages: 4, pagecache: "all", mapped: "all" },
  { name: "ro", kind: "anon", pages: 4, writable: false },
  { name: "bad", kind: "file", pages: 4, eio: [1] },
];

function run(profile: string, ops: OpSpec[], maxSteps?: number): ScenarioRun {
  const r = runScenario(
    { title: "madvise", profile: profile as ScenarioSpec["profile"], ...(maxSteps ? { maxSteps } : {}), mm: { vmas: VMAS }, tasks: [{ name: "T", ops }] },
    {
      onStep: (sim, k) => {
        checkTasks(sim);
        checkLocks(sim);
        checkFolios(k!);
      },
    },
  );
  if (r.result.status === "ok") checkFolioAccounting(r.kernel!);
  return r;
}
const madvise = (advice: "MADV_DONTNEED" | "MADV_POPULATE_READ" | "MADV_POPULATE_WRITE", vma: string, page: number, nr_pages: number): OpSpec => ({ op: "madvise", advice, vma, page, nr_pages });
const rets = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn).map((e) => e.ret);
const pte = (r: ScenarioRun, vma: string, page: number) => r.final!.vmas.find((v) => v.name === vma)!.ptes.find((p) => p.page === page);

describe("MADV_DONTNEED (madvise_dontneed_single_vma -> zap_page_range_single)", () => {
  it("zaps the range and frees anonymous pages: a later read maps the zero page", () => {
    const r = run("v6.12", [madvise("MADV_DONTNEED", "anon", 0, 2), { op: "fault", vma: "anon", page: 0 }]);
    assert.deepEqual(rets(r, "madvise"), ["0"]);
    const p0 = pte(r, "anon", 0)!;
    assert.ok(p0.kind === "present" && p0.zero);
    assert.equal(pte(r, "anon", 1), undefined);
    assert.ok(pte(r, "anon", 2)?.kind === "present", "outside the range");
  });

  it("on a file mapping drops only the mapping: the page cache keeps the folio", () => {
    const r = run("v6.12", [madvise("MADV_DONTNEED", "file", 0, 4)]);
    assert.equal(r.final!.vmas.find((v) => v.name === "file")!.ptes.length, 0);
    assert.equal(r.final!.folios.filter((f) => f.mapping === "file" && f.refcount === 1 && f.mapcount === 0).length, 4);
  });

  it("a range running past the VMA: the mapped part is zapped, -ENOMEM", () => {
    const r = run("v6.12", [madvise("MADV_DONTNEED", "anon", 2, 8)]);
    assert.deepEqual(rets(r, "madvise"), ["-ENOMEM"]);
    assert.equal(pte(r, "anon", 3), undefined);
  });
});

describe("MADV_POPULATE_(READ|WRITE) (4ca9b3859dac, v5.14)", () => {
  it("POPULATE_READ maps every page of a file range; POPULATE_WRITE makes anonymous pages writable", () => {
    const r = run("v6.12", [madvise("MADV_POPULATE_READ", "bad", 2, 2), madvise("MADV_POPULATE_WRITE", "ro", 0, 1)]);
    assert.deepEqual(rets(r, "madvise"), ["0", "-EINVAL"], "a write populate of a read-only VMA is -EINVAL (check_vma_flags)");
    assert.ok(pte(r, "bad", 2)?.kind === "present" && pte(r, "bad", 3)?.kind === "present");
  });

  it("does not exist before v5.14: refused naming the commit", () => {
    const r = run("v5.9", [madvise("MADV_POPULATE_READ", "file", 0, 1)]);
    assert.equal(r.result.status, "error");
    assert.match(r.result.error!.message, /4ca9b3859dac/);
  });

  it("a read that keeps failing (-EIO): v6.4 loops for ever without FOLL_TRIED, v6.12 returns -EFAULT (631426ba1d45)", () => {
    const before = run("v6.4", [madvise("MADV_POPULATE_READ", "bad", 0, 4)], 3000);
    assert.equal(before.result.status, "budget");
    assert.equal(rets(before, "madvise").length, 0, "madvise never returned");
    const after = run("v6.12", [madvise("MADV_POPULATE_READ", "bad", 0, 4)]);
    assert.equal(after.result.status, "ok");
    assert.deepEqual(rets(after, "madvise"), ["-EFAULT"]);
  });
});

describe("the -EIO fault point (filemap_fault's page_not_uptodate, do_swap_page)", () => {
  it("a user fault on a bad block: the first attempt drops the lock and retries, the retry re-reads once with the lock held and gets SIGBUS", () => {
    const r = run("v6.12", [{ op: "fault", vma: "bad", page: 1 }]);
    assert.deepEqual(rets(r, "do_user_addr_fault"), ["VM_FAULT_SIGBUS"]);
    assert.equal(r.result.trace.filter((e) => e.ev === "io_complete" && e.args?.error === "-EIO").length, 2);
  });

  it("a failed swap-in is SIGBUS, and the swap entry stays", () => {
    const r = runScenario({ title: "swap eio", mm: { vmas: [{ name: "a", kind: "anon", pages: 2, swapped: [0], eio: [0] }] }, tasks: [{ name: "T", ops: [{ op: "fault", vma: "a", page: 0 }] }] });
    assert.deepEqual(rets(r, "do_user_addr_fault"), ["VM_FAULT_SIGBUS"]);
    assert.equal(pte(r, "a", 0)?.kind, "swap");
  });

  it("eioRate is a seeded fault point: the same seed fails the same reads", () => {
    const spec = (seed: number) => ({ title: "rate", seed, mm: { vmas: [{ name: "f", kind: "file" as const, pages: 16 }], io: { eioRate: 0.5 } }, tasks: [{ name: "T", ops: [{ op: "madvise" as const, advice: "MADV_POPULATE_READ" as const, vma: "f", page: 0, nr_pages: 16 }] }] });
    assert.equal(runScenario(spec(3)).hash, runScenario(spec(3)).hash);
    const errors = (seed: number) => runScenario(spec(seed)).result.trace.filter((e) => e.args?.error === "-EIO").length;
    assert.ok([1, 2, 3, 4].some((s) => errors(s) > 0));
  });
});

describe("mlock / MAP_POPULATE (__mm_populate, populate_vma_page_range)", () => {
  const LIB: NonNullable<ScenarioSpec["mm"]>["vmas"] = [{ name: "lib", kind: "file", pages: 4, pagecache: "all", readahead: false, pgReadahead: [1] }];
  const populate = (profile: string) => runScenario({ title: "mlock", profile: profile as ScenarioSpec["profile"], maxSteps: 2000, mm: { vmas: LIB }, tasks: [{ name: "T", ops: [{ op: "mm_populate", vma: "lib", page: 0, nr_pages: 4 }] }] });

  it("readahead off and a page still marked PG_readahead: v5.1 loops without progress (budget), v4.19 and v5.7 map every page (6b4c9f446981, 5c72feee3e45)", () => {
    assert.equal(populate("v5.1").result.status, "budget");
    for (const p of ["v4.19", "v5.7", "v6.12"]) {
      const r = populate(p);
      assert.equal(r.result.status, "ok", p);
      assert.equal(r.final!.vmas[0]!.ptes.length, 4, p);
    }
  });

  it("with readahead on, the mark is cleared by the readahead the first attempt starts: one RETRY, then progress", () => {
    const r = runScenario({ title: "ra on", profile: "v5.1", mm: { vmas: [{ ...LIB[0]!, readahead: true }] }, tasks: [{ name: "T", ops: [{ op: "mm_populate", vma: "lib", page: 0, nr_pages: 4 }] }] });
    assert.equal(r.result.status, "ok");
    assert.equal(r.result.trace.filter((e) => e.ev === "mm_fault_done" && /RETRY/.test(String(e.ret))).length, 1);
  });

  it("fault-around does not map a page marked PG_readahead (next_uptodate_folio)", () => {
    const r = runScenario({ title: "fa", mm: { vmas: [{ name: "f", kind: "file", pages: 4, pagecache: "all", pgReadahead: [2] }] }, tasks: [{ name: "T", ops: [{ op: "fault", vma: "f", page: 0 }] }] });
    assert.deepEqual(r.final!.vmas[0]!.ptes.map((p) => p.page), [0, 1, 3]);
  });
});
