// VMA kinds beyond private anonymous memory and regular files: shmem
// (mm/shmem.c, and MAP_SHARED|MAP_ANONYMOUS, which is shmem) and raw pfn
// mappings made with remap_pfn_range (VM_IO|VM_PFNMAP, drivers/char/mem.c
// mmap_mem as the driver). Each rule names its kernel source.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { validateScenario } from "../src/scenario/validate.js";
import { checkedRun } from "./checked-run.js";

const VMAS: NonNullable<ScenarioSpec["mm"]>["vmas"] = [
  { name: "bar", kind: "pfnmap", pages: 4 },
  { name: "shm", kind: "shmem", pages: 4, shared: true },
  { name: "shm_private", kind: "shmem", pages: 4, pagecache: [0] },
  { name: "shared_anon", kind: "anon", pages: 4, shared: true },
];

const run = (ops: OpSpec[], profile = "v6.12"): ScenarioRun => checkedRun({ title: "vma kinds", mm: { vmas: VMAS }, tasks: [{ name: "T", ops }] }, profile);
const calls = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn).map((e) => e.ret);
const faults = (r: ScenarioRun, vma: string) => r.result.trace.filter((e) => e.ev === "mm_fault" && e.args?.vma === vma).length;
const pte = (r: ScenarioRun, vma: string, page: number, task?: string) =>
  (task === undefined ? r.final!.vmas : r.final!.children.find((c) => c.task === task)!.vmas).find((v) => v.name === vma)!.ptes.find((p) => p.page === page);

describe("VM_PFNMAP (remap_pfn_range at mmap, mm/memory.c)", () => {
  it("maps every page as a special PTE with a raw pfn and sets VM_IO|VM_PFNMAP", () => {
    const r = run([]);
    const bar = r.final!.vmas.find((v) => v.name === "bar")!;
    assert.match(bar.vm_flags, /VM_PFNMAP/);
    assert.match(bar.vm_flags, /VM_IO/);
    assert.deepEqual(
      bar.ptes.map((p) => p.kind),
      ["pfn", "pfn", "pfn", "pfn"],
    );
    const folios = new Set(r.final!.folios.map((f) => f.pfn));
    assert.ok(bar.ptes.every((p) => p.kind === "pfn" && !folios.has(p.pfn)), "a pfn has no struct page: no folio behind it");
  });

  it("GUP refuses it in check_vma_flags with -EFAULT, before any fault; GUP-fast stops at the special PTE and falls back to the same", () => {
    const r = run([
      { op: "get_user_pages", call: "get_user_pages", vma: "bar", page: 0 },
      { op: "get_user_pages", call: "get_user_pages_fast", vma: "bar", page: 1 },
    ]);
    assert.deepEqual(calls(r, "get_user_pages"), [-14]);
    assert.deepEqual(calls(r, "get_user_pages_fast"), [-14]);
    assert.equal(faults(r, "bar"), 0);
    assert.equal(r.result.trace.filter((e) => e.fn === "__get_user_pages").length, 2, "the fast path fell back to the slow one");
  });

  it("fixup_user_fault has no VM_PFNMAP check: it calls handle_mm_fault", () => {
    const r = run([{ op: "fixup_user_fault", vma: "bar", page: 2, write: true }]);
    assert.deepEqual(calls(r, "fixup_user_fault"), [0]);
    assert.equal(faults(r, "bar"), 1);
  });

  it("MADV_DONTNEED is -EINVAL (can_madv_lru_vma) and zaps nothing; MADV_POPULATE_READ is -EINVAL (check_vma_flags)", () => {
    const r = run([
      { op: "madvise", advice: "MADV_DONTNEED", vma: "bar", page: 0 },
      { op: "madvise", advice: "MADV_POPULATE_READ", vma: "bar", page: 0 },
    ]);
    assert.deepEqual(calls(r, "madvise"), ["-EINVAL", "-EINVAL"]);
    assert.equal(pte(r, "bar", 0)?.kind, "pfn");
  });

  it("fork copies its PTEs though it has no anon_vma (vma_needs_copy), and munmap zaps them with a flush", () => {
    const r = run([{ op: "fork", child: { name: "C", ops: [{ op: "cpu", ns: 1 }] as never[] } }, { op: "munmap", vma: "bar" }]);
    assert.equal(pte(r, "bar", 3, "C")?.kind, "pfn");
    assert.equal(r.final!.vmas.find((v) => v.name === "bar"), undefined);
    const zap = r.result.trace.find((e) => e.fn === "zap_pte_range");
    assert.equal(zap?.args?.cleared, 4);
  });
});

describe("shmem (mm/shmem.c shmem_fault)", () => {
  it("a first write allocates a zeroed folio in the page cache, with no read IO, and maps it writable", () => {
    const r = run([{ op: "fault", vma: "shm", page: 0, write: true }]);
    assert.equal(r.result.trace.filter((e) => e.ev === "io_submit").length, 0);
    const p = pte(r, "shm", 0)!;
    assert.ok(p.kind === "present" && p.write);
    const folio = r.final!.folios.find((f) => p.kind === "present" && f.pfn === p.pfn)!;
    assert.equal(folio.mapping, "shm");
    assert.equal(folio.dirty, true);
  });

  it("MAP_SHARED|MAP_ANONYMOUS is shmem (shmem_zero_setup): a write maps a page-cache folio, not an anonymous one", () => {
    const r = run([{ op: "fault", vma: "shared_anon", page: 1, write: true }]);
    const p = pte(r, "shared_anon", 1)!;
    assert.ok(p.kind === "present" && p.write);
    assert.equal(r.final!.folios.find((f) => p.kind === "present" && f.pfn === p.pfn)!.mapping, "shared_anon");
  });

  it("a forked child does not inherit the PTEs (no anon_vma) but refaults to the same folio, through fault-around", () => {
    const r = run([{ op: "fault", vma: "shm", page: 0, write: true }, { op: "fork", child: { name: "C", ops: [{ op: "fault", vma: "shm", page: 0 }] as never[] } }]);
    const parent = pte(r, "shm", 0)!;
    const child = pte(r, "shm", 0, "C")!;
    assert.ok(parent.kind === "present" && child.kind === "present");
    assert.equal(child.pfn, parent.pfn);
    assert.deepEqual(calls(r, "do_user_addr_fault"), ["VM_FAULT_LOCKED|VM_FAULT_COMPLETED", "VM_FAULT_NOPAGE"]);
  });

  it("a write to a MAP_PRIVATE shmem mapping copies the cached folio (do_cow_fault)", () => {
    const r = run([{ op: "fault", vma: "shm_private", page: 0, write: true }]);
    const p = pte(r, "shm_private", 0)!;
    assert.ok(p.kind === "present" && p.write);
    assert.equal(r.final!.folios.find((f) => p.kind === "present" && f.pfn === p.pfn)!.mapping, null);
  });
});

describe("VMA kinds in the scenario format", () => {
  it("a pfnmap or mixedmap VMA takes no page sets; a mixedmap one no MAP_PRIVATE; a shmem one no swap or read-IO fields; userfaultfd only on private anon", () => {
    const bad = (vma: Record<string, unknown>) => {
      const v = validateScenario({ title: "t", mm: { vmas: [vma] }, tasks: [{ name: "T", ops: [{ op: "cpu", ns: 1 }] }] });
      return v.ok ? [] : v.errors.map((e) => e.path);
    };
    assert.deepEqual(bad({ name: "b", kind: "pfnmap", pages: 1, mapped: [0] }), ["$.mm.vmas[0].mapped"]);
    assert.deepEqual(bad({ name: "s", kind: "shmem", pages: 1, swapped: [0] }), ["$.mm.vmas[0].swapped"]);
    assert.deepEqual(bad({ name: "s", kind: "anon", shared: true, pages: 1, readahead: false }), ["$.mm.vmas[0].readahead"]);
    assert.deepEqual(bad({ name: "s", kind: "anon", shared: true, pages: 1, uffd: { resolveNs: 1 } }), ["$.mm.vmas[0].uffd"]);
    // A mixedmap VMA (fw_device_op_mmap) takes no page sets either, and no MAP_PRIVATE: "if (!(vma->vm_flags & VM_SHARED)) return -EINVAL;".
    assert.deepEqual(bad({ name: "fw", kind: "mixedmap", pages: 1, resident: "all" }), ["$.mm.vmas[0].resident"]);
    assert.deepEqual(bad({ name: "fw", kind: "mixedmap", pages: 1, shared: false }), ["$.mm.vmas[0].shared"]);
    assert.deepEqual(bad({ name: "fw", kind: "mixedmap", pages: 1, shared: true }), []);
  });
});
