// VM_MIXEDMAP mappings: a driver's kernel pages mapped at mmap with
// vm_map_pages_zero() -> vm_insert_page() (mm/memory.c), the FireWire
// character device's fw_device_op_mmap (drivers/firewire/core-cdev.c) as
// the driver. Unlike a VM_PFNMAP mapping (remap_pfn_range), every page is a
// normal page with a reference and a mapcount: check_vma_flags() lets GUP
// in, GUP-fast takes the non-special PTEs, fork copies the PTEs
// (vma_needs_copy) and zap drops the mapping's reference, leaving the
// driver's. Each rule names its kernel source.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";

const VMAS: NonNullable<ScenarioSpec["mm"]>["vmas"] = [
  { name: "fw", kind: "mixedmap", pages: 2 },
  { name: "fw_ro", kind: "mixedmap", pages: 1, writable: false },
  { name: "bar", kind: "pfnmap", pages: 2 },
];

const run = (ops: OpSpec[], profile = "v6.12"): ScenarioRun => checkedRun({ title: "mixedmap", mm: { vmas: VMAS }, tasks: [{ name: "T", ops }] }, profile);
const calls = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn).map((e) => e.ret);
const vmaOf = (r: ScenarioRun, vma: string, task?: string) => (task === undefined ? r.final!.vmas : r.final!.children.find((c) => c.task === task)!.vmas).find((v) => v.name === vma);
const pte = (r: ScenarioRun, vma: string, page: number, task?: string) => vmaOf(r, vma, task)?.ptes.find((p) => p.page === page);
/** The folio the driver's buffer page `page` of `vma` is, by the pfn its PTE mapped at mmap (taken from a run without ops). */
const driverPfn = (vma: string, page: number) => {
  const p = pte(run([]), vma, page);
  assert.ok(p?.kind === "present");
  return p.pfn;
};
const folio = (r: ScenarioRun, pfn: number) => r.final!.folios.find((f) => f.pfn === pfn);
const gup = (call: string, vma: string, extra: Partial<Extract<OpSpec, { op: "get_user_pages" }>> = {}): OpSpec => ({ op: "get_user_pages", call, vma, page: 0, ...extra }) as OpSpec;

describe("vm_insert_page into a VM_MIXEDMAP VMA (fw_device_op_mmap -> vm_map_pages_zero)", () => {
  it("maps every page as a normal PTE, writable from vm_page_prot, and sets VM_MIXEDMAP, not VM_IO|VM_PFNMAP", () => {
    const r = run([]);
    const fw = vmaOf(r, "fw")!;
    assert.match(fw.vm_flags, /VM_MIXEDMAP/);
    assert.doesNotMatch(fw.vm_flags, /VM_PFNMAP|VM_IO/);
    assert.deepEqual(
      fw.ptes.map((p) => [p.kind, p.kind === "present" && p.write]),
      [["present", true], ["present", true]],
    );
  });

  it("each page holds the driver's reference and the mapping's (folio_get + folio_add_file_rmap_pte): refcount 2, mapcount 1", () => {
    const f = folio(run([]), driverPfn("fw", 0))!;
    assert.deepEqual([f.refcount, f.mapcount, f.mapping], [2, 1, null]);
  });

  it("v2.6.x marks the VMA VM_INSERTPAGE instead, with the same counts", () => {
    const r = run([], "v2.6.39");
    assert.match(vmaOf(r, "fw")!.vm_flags, /VM_INSERTPAGE/);
    assert.doesNotMatch(vmaOf(r, "fw")!.vm_flags, /VM_MIXEDMAP/);
    const p = pte(r, "fw", 0)!;
    assert.ok(p.kind === "present");
    assert.equal(folio(r, p.pfn)!.refcount, 2);
  });
});

describe("GUP on VM_MIXEDMAP and VM_PFNMAP (check_vma_flags refuses only VM_IO|VM_PFNMAP, mm/gup.c)", () => {
  it("get_user_pages and pin_user_pages take the driver's page; on the VM_PFNMAP VMA both are -EFAULT", () => {
    const r = run([gup("get_user_pages", "fw", { hold: "g" }), gup("pin_user_pages", "fw", { page: 1, hold: "p" }), gup("get_user_pages", "bar"), gup("pin_user_pages", "bar")]);
    assert.deepEqual(calls(r, "get_user_pages"), [1, -14]);
    assert.deepEqual(calls(r, "pin_user_pages"), [1, -14]);
    assert.equal(folio(r, driverPfn("fw", 0))!.refcount, 2 + 1, "FOLL_GET: one more reference");
    assert.equal(folio(r, driverPfn("fw", 1))!.refcount, 2 + 1024, "FOLL_PIN: GUP_PIN_COUNTING_BIAS");
  });

  it("GUP-fast takes a non-special PTE itself; at a special PTE (VM_PFNMAP) it stops and the slow path fails", () => {
    const r = run([gup("pin_user_pages_fast", "fw", { nr_pages: 2, hold: "p" }), gup("pin_user_pages_fast", "bar")]);
    assert.deepEqual(calls(r, "pin_user_pages_fast"), [2, -14]);
    const fast = r.result.trace.filter((e) => e.ev === "gup_fast").map((e) => e.args?.pinned);
    assert.deepEqual(fast, [2, 0]);
    assert.equal(r.result.trace.filter((e) => e.fn === "__get_user_pages").length, 1, "only the pfnmap pin fell back to the slow path");
  });

  it("a read-only pin of a read-only driver mapping does not unshare: the page is not anonymous (gup_must_unshare)", () => {
    const r = run([gup("pin_user_pages", "fw_ro", { hold: "p" })]);
    assert.deepEqual(calls(r, "pin_user_pages"), [1]);
    const p = pte(r, "fw_ro", 0)!;
    assert.ok(p.kind === "present" && !p.write, "still the driver's page, read-only");
    assert.equal(p.pfn, driverPfn("fw_ro", 0));
    assert.equal(folio(r, p.pfn)!.refcount, 2 + 1024);
  });
});

describe("fork and zap of a VM_MIXEDMAP VMA", () => {
  it("fork copies the PTEs though the VMA has no anon_vma (vma_needs_copy): the child maps the same page, one more reference and mapcount", () => {
    const r = run([{ op: "fork", child: { name: "C", ops: [{ op: "cpu", ns: 1 }] as never[] } }]);
    const child = pte(r, "fw", 1, "C")!;
    assert.ok(child.kind === "present" && child.write, "shared: not write-protected");
    assert.equal(child.pfn, driverPfn("fw", 1));
    const f = folio(r, child.pfn)!;
    assert.deepEqual([f.refcount, f.mapcount], [3, 2]);
  });

  it("munmap zaps the PTEs: the mapping's reference and mapcount go, the driver's reference stays", () => {
    const r = run([{ op: "munmap", vma: "fw" }]);
    assert.equal(vmaOf(r, "fw"), undefined);
    const f = folio(r, driverPfn("fw", 0))!;
    assert.deepEqual([f.refcount, f.mapcount], [1, 0]);
  });

  it("a pin outlives munmap: the pinned page keeps the pin and the driver's reference", () => {
    const r = run([gup("pin_user_pages", "fw", { hold: "p" }), { op: "munmap", vma: "fw" }]);
    const f = folio(r, driverPfn("fw", 0))!;
    assert.deepEqual([f.refcount, f.mapcount], [1 + 1024, 0]);
  });

  it("MADV_DONTNEED zaps it (can_madv_lru_vma refuses only VM_PFNMAP among these), and the page then faults to SIGBUS: no ->fault", () => {
    const r = run([
      { op: "madvise", advice: "MADV_DONTNEED", vma: "fw", page: 0 },
      { op: "madvise", advice: "MADV_DONTNEED", vma: "bar", page: 0 },
      { op: "fault", vma: "fw", page: 0 },
    ]);
    assert.deepEqual(calls(r, "madvise"), ["0", "-EINVAL"]);
    assert.equal(pte(r, "fw", 0), undefined);
    assert.equal(pte(r, "bar", 0)?.kind, "pfn");
    assert.match(String(calls(r, "do_user_addr_fault")[0]), /SIGBUS/);
    assert.deepEqual([folio(r, driverPfn("fw", 0))!.refcount, folio(r, driverPfn("fw", 0))!.mapcount], [1, 0]);
  });
});
