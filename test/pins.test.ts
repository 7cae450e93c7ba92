// FOLL_GET references and FOLL_PIN pins (mm/gup.c, include/linux/mm.h),
// page contents through a pin, and what fork does to a pinned page
// (mm/memory.c copy_present_page). Facts name their kernel source.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { GUP_PIN_COUNTING_BIAS, Folio, folio_maybe_dma_pinned } from "../src/mm/folio.js";
import { validateScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";

type Vmas = NonNullable<ScenarioSpec["mm"]>["vmas"];
const BUF: Vmas = [{ name: "buf", kind: "anon", pages: 2, resident: [0] }];
const run = (ops: OpSpec[], profile = "v6.12", vmas: Vmas = BUF) => checkedRun({ title: "pins", mm: { vmas }, tasks: [{ name: "T", ops }] }, profile);
const rets = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn).map((e) => e.ret);
const folioAt = (r: ScenarioRun, page: number) => {
  const pte = r.final!.vmas[0]!.ptes.find((p) => p.page === page);
  assert.ok(pte?.kind === "present", `page ${page} is mapped`);
  return r.final!.folios.find((f) => f.pfn === pte.pfn)!;
};
const gup = (call: string, extra: Partial<OpSpec> = {}): OpSpec => ({ op: "get_user_pages", call, vma: "buf", page: 0, ...extra }) as OpSpec;

describe("references and pins (try_grab_folio, gup_put_folio)", () => {
  it("a pin adds GUP_PIN_COUNTING_BIAS (1024) to a small folio's refcount, a reference 1 (3faa52c03f44, v5.7)", () => {
    assert.equal(folioAt(run([gup("pin_user_pages_unlocked", { hold: "p" })]), 0).refcount, 1 + 1024);
    assert.equal(folioAt(run([gup("get_user_pages_unlocked", { hold: "g" })]), 0).refcount, 1 + 1);
  });

  it("unpin_user_pages and put_page release exactly what was taken; every entry point agrees", () => {
    for (const call of ["pin_user_pages", "pin_user_pages_unlocked", "pin_user_pages_remote", "pin_user_pages_fast"]) {
      const r = run([gup(call, { hold: "p", nr_pages: 2 }), { op: "unpin_user_pages", pages: "p" }]);
      assert.deepEqual(rets(r, call), [2], call);
      assert.equal(folioAt(r, 0).refcount, 1, call);
    }
  });

  it("folio_maybe_dma_pinned(): refcount >= 1024, so enough plain references read as a pin", () => {
    const f = new Folio(1, null, 0);
    assert.equal(folio_maybe_dma_pinned(f), false);
    f.refcount = GUP_PIN_COUNTING_BIAS;
    assert.equal(folio_maybe_dma_pinned(f), true);
  });

  it("pinning the zero page: counted before c8070b787519, nothing since (v6.12)", () => {
    const ops: OpSpec[] = [{ op: "fault", vma: "buf", page: 1 }, gup("pin_user_pages_unlocked", { page: 1, hold: "p" })];
    const zero = (r: ScenarioRun) => r.final!.folios.find((f) => f.zero)!.refcount;
    assert.equal(zero(run(ops, "v6.4")), 1 + 1024);
    assert.equal(zero(run(ops, "v6.12")), 1);
  });

  it("FOLL_LONGTERM only with FOLL_PIN: get_user_pages* gives -EINVAL (is_valid_gup_args, is_valid_gup_flags in v5.10)", () => {
    assert.deepEqual(rets(run([gup("get_user_pages_unlocked", { flags: ["LONGTERM"] })]), "get_user_pages_unlocked"), [-22]);
    assert.deepEqual(rets(run([gup("pin_user_pages_unlocked", { flags: ["LONGTERM"] })]), "pin_user_pages_unlocked"), [1]);
  });

  it("a pin sets MMF_HAS_PINNED on the mm for good; a reference does not", () => {
    assert.equal(run([gup("pin_user_pages_fast", { hold: "p" }), { op: "unpin_user_pages", pages: "p" }]).kernel!.mm.has_pinned, true);
    assert.equal(run([gup("get_user_pages_fast", { hold: "g" })]).kernel!.mm.has_pinned, false);
  });

  it("profiles before v5.7 refuse the pin calls, naming eddb1c228f79 and 3faa52c03f44", () => {
    const r = checkedRunError([gup("pin_user_pages_unlocked")], "v5.3");
    assert.match(r, /eddb1c228f79.*3faa52c03f44/);
  });
});

function checkedRunError(ops: OpSpec[], profile: string): string {
  try {
    run(ops, profile);
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

describe("page contents through a pin", () => {
  it("the device sees the process's store, the process the device's write, while the pin holds the page mapped", () => {
    const r = run([
      { op: "store", vma: "buf", page: 0, value: 5 },
      gup("pin_user_pages_unlocked", { flags: ["WRITE"], hold: "dma" }),
      { op: "dma_read", pages: "dma", index: 0 },
      { op: "dma_write", pages: "dma", index: 0, value: 9 },
      { op: "load", vma: "buf", page: 0 },
      { op: "unpin_user_pages", pages: "dma" },
    ]);
    assert.deepEqual([rets(r, "dma_read"), rets(r, "load")], [[5], [9]]);
  });

  it("a load of an untouched anonymous page reads the zero page (0); a store to a read-only VMA is SIGSEGV", () => {
    const r = run([{ op: "load", vma: "buf", page: 1 }, { op: "store", vma: "ro", page: 0, value: 1 }], "v6.12", [...BUF, { name: "ro", kind: "anon", pages: 1, writable: false }]);
    assert.deepEqual([rets(r, "load"), rets(r, "store")], [[0], ["VM_FAULT_SIGSEGV"]]);
  });
});

describe("fork and a pinned page (copy_present_page, 70e806e4e645 v5.9)", () => {
  const acrossFork = (call: string): OpSpec[] => [
    { op: "store", vma: "buf", page: 0, value: 7 },
    gup(call, { flags: ["WRITE"], hold: "dma" }),
    { op: "fork", child: { name: "C", ops: [{ op: "sleep", ns: 1000 }, { op: "exit" }] as never[] } },
    { op: "store", vma: "buf", page: 0, value: 1 },
    { op: "dma_write", pages: "dma", index: 0, value: 2 },
    { op: "load", vma: "buf", page: 0 },
  ];

  it("v5.7: the parent's store after fork copies the page (mapcount 2): the pin is left on the child's page and the parent reads 1, not the device's 2", () => {
    assert.deepEqual(rets(run(acrossFork("pin_user_pages_unlocked"), "v5.7"), "load"), [1]);
  });

  it("v5.9+: fork copies the maybe-pinned page for the child; the parent's PTE stays writable on the pinned page and it reads 2", () => {
    for (const p of ["v5.9", "v6.12"]) {
      const r = run(acrossFork("pin_user_pages_unlocked"), p);
      assert.deepEqual(rets(r, "load"), [2], p);
      assert.equal(r.result.trace.filter((e) => e.ev === "call" && e.fn === "do_user_addr_fault").length, 0, `${p}: the store after fork needs no fault`);
    }
  });

  it("a FOLL_GET reference is no pin: on every version the parent's store moves it off the referenced page", () => {
    for (const p of ["v5.7", "v5.9", "v6.12"]) assert.deepEqual(rets(run(acrossFork("get_user_pages_unlocked"), p), "load"), [1], p);
  });

  it("only maybe-pinned pages are copied: the unpinned page of a process that once pinned is shared with the child as before", () => {
    const r = run([{ op: "fault", vma: "buf", page: 1, write: true }, gup("pin_user_pages_unlocked", { hold: "dma" }), { op: "fork", child: { name: "C", ops: [{ op: "sleep", ns: 1 }] as never[] } }]);
    const pfn = (vmas: NonNullable<typeof r.final>["vmas"], page: number) => {
      const pte = vmas[0]!.ptes.find((p) => p.page === page);
      return pte?.kind === "present" ? pte.pfn : -1;
    };
    const child = r.final!.children.find((c) => c.task === "C")!.vmas;
    assert.notEqual(pfn(child, 0), pfn(r.final!.vmas, 0), "the pinned page 0 was copied");
    assert.equal(pfn(child, 1), pfn(r.final!.vmas, 1), "page 1 is shared");
  });
});

describe("the validator pairs releases with how pages were taken", () => {
  const errs = (ops: unknown[]) => {
    const v = validateScenario({ title: "x", mm: { vmas: BUF }, tasks: [{ name: "T", ops }] });
    return v.ok ? [] : v.errors.map((e) => `${e.path}: ${e.expected}`);
  };

  it("put_page on pinned pages, unpin_user_pages on referenced ones, and pin calls without a pages array are refused with the path", () => {
    assert.deepEqual(errs([gup("pin_user_pages", { hold: "p" }), { op: "put_page", pages: "p" }]), ["$.tasks[0].ops[1].pages: a page set a get_user_pages* op holds (pinned pages are released with unpin_user_pages)"]);
    assert.deepEqual(errs([gup("get_user_pages", { hold: "g" }), { op: "unpin_user_pages", pages: "g" }]), ["$.tasks[0].ops[1].pages: a page set a pin_user_pages* op holds (referenced pages are released with put_page)"]);
    assert.deepEqual(errs([gup("pin_user_pages", { pages: false })]), ["$.tasks[0].ops[0].pages: a pages array for pin_user_pages (FOLL_PIN needs one)"]);
  });

  it("a page set is released once: a second unpin, or a release inside repeat, is refused with the path (not a kernel BUG at run time)", () => {
    const unpin = { op: "unpin_user_pages", pages: "p" };
    assert.deepEqual(errs([gup("pin_user_pages", { hold: "p" }), unpin, unpin]), ["$.tasks[0].ops[2].pages: a page set released once (it was released before)"]);
    assert.deepEqual(errs([gup("pin_user_pages", { hold: "p" }), { op: "repeat", count: 2, ops: [unpin] }]), ["$.tasks[0].ops[1].ops[0].pages: a page set released once (a release inside repeat runs more than once)"]);
  });
});

describe("R/O pins and the anonymous COW rework (v5.19: PageAnonExclusive, FAULT_FLAG_UNSHARE), as tools/testing/selftests/mm/cow.c checks them", () => {
  const forkChild = (ops: unknown[]): OpSpec => ({ op: "fork", child: { name: "C", ops } }) as OpSpec;
  const roPin = (call = "pin_user_pages"): OpSpec => gup(call, { hold: "dma" });
  // cow.c do_test_ro_pin(): the process writes after taking a R/O pin; the pin must see the write.
  const CASES: [string, OpSpec[]][] = [
    ["R/O GUP pin on R/O-mapped shared page", [forkChild([{ op: "sleep", ns: 100_000 }]), roPin()]],
    ["R/O GUP-fast pin on R/O-mapped shared page", [forkChild([{ op: "sleep", ns: 100_000 }]), roPin("pin_user_pages_fast")]],
    ["R/O GUP pin on R/O-mapped previously-shared page", [forkChild([{ op: "exit" }]), { op: "sleep", ns: 1000 }, roPin()]],
    ["R/O GUP-fast pin on R/O-mapped previously-shared page", [forkChild([{ op: "exit" }]), { op: "sleep", ns: 1000 }, roPin("pin_user_pages_fast")]],
    ["R/O GUP pin on R/O-mapped exclusive page", [{ op: "mprotect", vma: "buf", prot: "PROT_READ" }, roPin(), { op: "mprotect", vma: "buf", prot: "PROT_READ|PROT_WRITE" }]],
    ["R/O GUP-fast pin on R/O-mapped exclusive page", [{ op: "mprotect", vma: "buf", prot: "PROT_READ" }, roPin("pin_user_pages_fast"), { op: "mprotect", vma: "buf", prot: "PROT_READ|PROT_WRITE" }]],
  ];
  const seen = (profile: string, mid: OpSpec[]) =>
    rets(run([{ op: "store", vma: "buf", page: 0, value: 7 }, ...mid, { op: "store", vma: "buf", page: 0, value: 1 }, { op: "dma_read", pages: "dma", index: 0 }, { op: "unpin_user_pages", pages: "dma" }], profile), "dma_read")[0];

  for (const [name, mid] of CASES) {
    it(`cow.c "${name}": the pin sees the later write from v5.19 on (v6.4, v6.12); on v5.9 the write COWs away from it`, () => {
      assert.equal(seen("v6.4", mid), 1);
      assert.equal(seen("v6.12", mid), 1);
      assert.equal(seen("v5.9", mid), 7);
    });
  }

  it("unsharing copies the contents: a R/O pin of a page shared with a child reads what was there, and the child keeps its own", () => {
    const r = run([{ op: "store", vma: "buf", page: 0, value: 7 }, forkChild([{ op: "sleep", ns: 100_000 }, { op: "load", vma: "buf", page: 0 }]), roPin(), { op: "dma_read", pages: "dma", index: 0 }, { op: "store", vma: "buf", page: 0, value: 1 }]);
    assert.deepEqual([rets(r, "dma_read"), rets(r, "load")], [[7], [7]]);
    const unshares = r.result.trace.filter((e) => e.ev === "call" && e.fn === "do_user_addr_fault");
    assert.equal(unshares.length, 0, "the store after the unshare needs no COW: the page is exclusive");
  });

  it("a FOLL_GET reference is never unshared: cow.c's vmsplice() cases hold only with pins", () => {
    const mid = [forkChild([{ op: "sleep", ns: 100_000 }]), gup("get_user_pages", { hold: "dma" })];
    const r = run([{ op: "store", vma: "buf", page: 0, value: 7 }, ...mid, { op: "store", vma: "buf", page: 0, value: 1 }, { op: "dma_read", pages: "dma", index: 0 }, { op: "put_page", pages: "dma" }]);
    assert.deepEqual(rets(r, "dma_read"), [7]);
  });
});

describe("GUP-fast and fork: the unshare check comes after the pin (gup_fast_pte_range)", () => {
  it("a R/O pin_user_pages_fast racing fork drops its pin when fork shared the page meanwhile; the slow path unshares, and the device reads the parent's later store", () => {
    const spec = JSON.parse(readFileSync("test/fixtures/pins/fork-vs-ro-pin-fast.json", "utf8")) as ScenarioSpec;
    assert.deepEqual(rets(checkedRun(spec), "dma_read"), [1]);
  });
});
