// The write-fault reuse rules, run on a kernel whose state a test sets up
// directly (a folio with an extra reference stands for a GUP reference held
// by someone else), and the GUP checks made before any fault. Each rule is
// named with its kernel source; each test fails if its rule is broken.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { normalizeScenario, runScenario } from "../src/scenario/index.js";
import { Simulation } from "../src/engine/simulation.js";
import { FAULT_FLAG, FOLL, VM_FAULT, flagNames } from "../src/mm/flags.js";
import { get_user_pages_unlocked } from "../src/mm/gup.js";
import { handle_mm_fault } from "../src/mm/memory.js";
import type { Kernel } from "../src/mm/kernel.js";
import { profile } from "../src/profiles/index.js";
import { buildKernel } from "../src/scenario/mm.js";
import type { MmSpecT } from "../src/scenario/schema.js";
import type { KernelGen, Task } from "../src/engine/task.js";
import { checkFolioAccounting } from "../src/check/invariants.js";

/** Build `vmas` under `profileName`, let `setup` adjust the state, run `body` as task T. */
function onKernel(profileName: string, vmas: MmSpecT["vmas"], setup: (k: Kernel) => void, body: (k: Kernel, t: Task) => KernelGen<number>) {
  const sim = new Simulation({ seed: 0, maxSteps: 10_000 });
  const { kernel } = buildKernel(sim, profile(profileName).behaviour, normalizeScenario({ title: "setup", mm: { vmas }, tasks: [] }).mm!);
  setup(kernel);
  let ret = NaN;
  sim.spawn("T", function* (t) {
    ret = yield* body(kernel, t);
  });
  const result = sim.run();
  assert.equal(result.status, "ok", result.error?.message);
  return { k: kernel, ret, trace: result.trace };
}

/** A write fault on page 0 of the first VMA under mmap_lock. */
function* writeFault(k: Kernel, t: Task): KernelGen<number> {
  yield* k.mm.mmap_lock.down_read(t);
  const vma = k.mm.vmas[0]!;
  const ret = yield* handle_mm_fault(k, t, vma, vma.start, FAULT_FLAG.WRITE | FAULT_FLAG.ALLOW_RETRY | FAULT_FLAG.KILLABLE);
  if (!(ret & (VM_FAULT.RETRY | VM_FAULT.COMPLETED))) k.mm.mmap_lock.up_read(t);
  return ret;
}

/** Page 0 resident but mapped read-only (as after fork's COW), with `extraRefs` more references. */
const readOnlyAnon = (extraRefs: number) => (k: Kernel) => {
  const vma = k.mm.vmas[0]!;
  const pte = k.mm.pte(vma.start)!;
  if (pte.kind !== "present") throw new Error("setup");
  k.mm.set_pte(vma.start, { ...pte, write: false });
  pte.folio.refcount += extraRefs;
};

const ANON: MmSpecT["vmas"] = [{ name: "anon", kind: "anon", pages: 2, resident: [0] }];

describe("do_wp_page: which folio a write to a read-only PTE ends up writing", () => {
  it("exclusive anon folio (refcount 1, mapcount 1): reused in place under both rules (wp_page_reuse)", () => {
    for (const p of ["v5.7", "v6.12"]) {
      const { k } = onKernel(p, ANON, readOnlyAnon(0), writeFault);
      const pte = k.mm.pte(k.mm.vmas[0]!.start)!;
      assert.ok(pte.kind === "present" && pte.write && pte.folio.pfn === 2, p);
    }
  });

  it("an extra reference (a GUP pin) and mapcount 1: reused before v5.9 (reuse_swap_page looks at mapcount), copied since 09854ba94c6a (refcount == 1)", () => {
    const before = onKernel("v5.7", ANON, readOnlyAnon(1), writeFault);
    const pteBefore = before.k.mm.pte(before.k.mm.vmas[0]!.start)!;
    assert.ok(pteBefore.kind === "present" && pteBefore.folio.pfn === 2, "v5.7 writes the pinned page");
    const after = onKernel("v5.9", ANON, readOnlyAnon(1), writeFault);
    const pteAfter = after.k.mm.pte(after.k.mm.vmas[0]!.start)!;
    assert.ok(pteAfter.kind === "present" && pteAfter.write && pteAfter.folio.pfn !== 2, "v5.9 copies away from the pinned page");
    const old = after.k.folios.find((f) => f.pfn === 2)!;
    assert.deepEqual([old.refcount, old.mapcount], [1, 0], "the old folio keeps only the pin");
  });

  it("VM_FAULT_WRITE from wp_page_reuse and wp_page_copy until cb8d86331343 (v6.2)", () => {
    assert.equal(flagNames("VM_FAULT", VM_FAULT, onKernel("v5.9", ANON, readOnlyAnon(0), writeFault).ret), "VM_FAULT_WRITE");
    assert.equal(flagNames("VM_FAULT", VM_FAULT, onKernel("v5.9", ANON, readOnlyAnon(1), writeFault).ret), "VM_FAULT_WRITE");
    assert.equal(onKernel("v6.4", ANON, readOnlyAnon(0), writeFault).ret, 0);
  });

  it("the zero page is never reused: a write copies, and the zero page's count is untouched (special PTE, vm_normal_page() == NULL)", () => {
    const zero = (k: Kernel) => k.mm.set_pte(k.mm.vmas[0]!.start, { kind: "present", folio: k.zero_folio, write: false });
    const { k } = onKernel("v6.12", [{ name: "anon", kind: "anon", pages: 2 }], zero, writeFault);
    const pte = k.mm.pte(k.mm.vmas[0]!.start)!;
    assert.ok(pte.kind === "present" && pte.write && pte.folio !== k.zero_folio);
    assert.deepEqual([k.zero_folio.refcount, k.zero_folio.mapcount], [1, 0]);
    checkFolioAccounting(k);
  });

  it("a read fault on anonymous memory maps the zero page without taking a reference or a mapcount (do_anonymous_page)", () => {
    const { k } = onKernel("v6.12", [{ name: "anon", kind: "anon", pages: 2 }], () => {}, function* (k, t) {
      yield* k.mm.mmap_lock.down_read(t);
      const ret = yield* handle_mm_fault(k, t, k.mm.vmas[0]!, k.mm.vmas[0]!.start, 0);
      k.mm.mmap_lock.up_read(t);
      return ret;
    });
    const pte = k.mm.pte(k.mm.vmas[0]!.start)!;
    assert.ok(pte.kind === "present" && pte.folio === k.zero_folio && !pte.write);
    assert.deepEqual([k.zero_folio.refcount, k.zero_folio.mapcount], [1, 0]);
  });

  it("swap-in for a write maps the swap-cache folio writable only if nobody else holds it (do_swap_page); otherwise do_wp_page copies", () => {
    const SWAPCACHE: MmSpecT["vmas"] = [{ name: "anon", kind: "anon", pages: 2, swapcache: [0] }];
    const alone = onKernel("v6.12", SWAPCACHE, () => {}, writeFault);
    const pte = alone.k.mm.pte(alone.k.mm.vmas[0]!.start)!;
    const cached = alone.k.folios.find((f) => f.swapEntry !== null || f.index === 0 && f.mapping === null && f !== alone.k.zero_folio)!;
    assert.ok(pte.kind === "present" && pte.write && pte.folio === cached);
    const held = onKernel("v6.12", SWAPCACHE, (k) => k.mm.swap.cache.forEach((f) => f.refcount++), writeFault);
    const pte2 = held.k.mm.pte(held.k.mm.vmas[0]!.start)!;
    const first = held.k.folios.find((f) => f.index === 0 && f.mapping === null && f !== held.k.zero_folio)!;
    assert.ok(pte2.kind === "present" && pte2.write && pte2.folio !== first, "a held swap-cache folio is copied, not written");
  });

  it("a write to a read-only MAP_SHARED file page goes through ->page_mkwrite and dirties the page cache folio itself (wp_page_shared)", () => {
    const SHARED: MmSpecT["vmas"] = [{ name: "f", kind: "file", shared: true, pages: 2, mapped: [0] }];
    for (const [p, ret] of [["v4.19", "VM_FAULT_WRITE"], ["v5.9", "VM_FAULT_WRITE|VM_FAULT_RETRY"], ["v6.12", "0"]] as const) {
      const { k, ret: r } = onKernel(p, SHARED, () => {}, writeFault);
      const pte = k.mm.pte(k.mm.vmas[0]!.start)!;
      assert.ok(pte.kind === "present" && pte.write && pte.folio.mapping !== null && pte.folio.dirty, p);
      assert.equal(flagNames("VM_FAULT", VM_FAULT, r & ~VM_FAULT.COMPLETED), ret, p);
    }
  });
});

describe("GUP: checks made before any fault, and the fault flags it passes", () => {
  it("a FOLL_WRITE GUP on a VMA without VM_WRITE fails with -EFAULT in check_vma_flags, without calling handle_mm_fault", () => {
    const { ret, trace } = onKernel("v6.12", [{ name: "ro", kind: "anon", writable: false, pages: 2 }], () => {}, (k, t) => get_user_pages_unlocked(k, t, k.mm.vmas[0]!.start, 1, [], FOLL.WRITE));
    assert.equal(ret, -14);
    assert.equal(trace.filter((e) => e.ev === "mm_fault").length, 0);
  });

  it("faultin_page passes FAULT_FLAG_KILLABLE with ALLOW_RETRY only from 71335f37c5e8 (v5.7)", () => {
    const SWAPPED: MmSpecT["vmas"] = [{ name: "anon", kind: "anon", pages: 2, swapped: [0] }];
    const flags = (p: string) =>
      String(onKernel(p, SWAPPED, () => {}, (k, t) => get_user_pages_unlocked(k, t, k.mm.vmas[0]!.start, 1, [], FOLL.WRITE | FOLL.NOWAIT)).trace.find((e) => e.ev === "mm_fault")!.args!.flags).split("|");
    assert.ok(!flags("v4.19").includes("FAULT_FLAG_KILLABLE"));
    assert.ok(flags("v5.7").includes("FAULT_FLAG_KILLABLE"));
  });
});

describe("features a profile lacks are refused with the commit that added them", () => {
  it("userfaultfd before v4.3 (86039bd3b4e6): the run ends in error, naming the commit; v4.15 runs it", () => {
    const scenario = JSON.parse(readFileSync("test/fixtures/kernel/X-06-uffd-message-per-fault.json", "utf8")) as unknown;
    const old = runScenario(scenario, { profile: "v2.6.39" });
    assert.equal(old.result.status, "error");
    assert.match(old.result.error!.message, /userfaultfd does not exist before v4\.3 \(86039bd3b4e6\)/);
    assert.equal(runScenario(scenario, { profile: "v4.15" }).result.status, "ok");
  });
});

