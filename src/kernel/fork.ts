/**
 * fork(2)'s copy of the address space, kernel/fork.c `dup_mmap()` with
 * mm/memory.c `copy_page_range()`: under the parent's mmap_lock for write,
 * every VMA is write-locked (v6.4+) and copied; PTEs are copied only for
 * VMAs with an anon_vma, VM_PFNMAP or VM_MIXEDMAP (`vma_needs_copy()`: others refault
 * from the page cache); a private writable page is write-protected in both so the first
 * write COWs (`copy_present_pte()`); a swap entry gains a user
 * (`swap_duplicate()`); userfaultfd registrations are not inherited
 * (`dup_userfaultfd()` without UFFD_FEATURE_EVENT_FORK). Since
 * 70e806e4e645 (v5.9) a maybe-pinned anonymous page of a process that ever
 * pinned (MMF_HAS_PINNED) is copied for the child at once instead
 * (`copy_present_page()`; `folio_try_dup_anon_rmap()` since v5.19), so the
 * parent keeps the pinned page.
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { flush_tlb_mm_range } from "../arch/x86/mm/tlb.js";
import type { Kernel } from "../mm/kernel.js";
import { VM } from "../mm/flags.js";
import { anon_folio_alloc, folio_test_anon, folio_try_dup_anon_rmap } from "../mm/rmap.js";
import { zap_pte_range } from "../mm/mmap.js";
import { vm_normal_page } from "../mm/memory.js";
import { PAGE_SIZE, vma_is_shared, vma_start_write, type MmStruct, type Vma } from "../mm/mm.js";

/** `copy_page_range()` for one VMA: share every page with the child, COW-protected where private. */
function copy_page_range(k: Kernel, dst: Vma, src: Vma): void {
  const cow = !vma_is_shared(src);
  for (let addr = src.start; addr < src.end; addr += PAGE_SIZE) {
    const leaf = src.vm_mm.huge_leaf(addr);
    if (leaf) {
      // copy_huge_pmd() / copy_huge_pud() of a huge pfnmap leaf: the child gets the same entry (bc02afbd4d73 "mm/fork: accept huge pfnmap entries", v6.12, id from a mainline rev-list).
      dst.vm_mm.set_huge(leaf.vpn * PAGE_SIZE, leaf);
      addr = (leaf.vpn + 2 ** leaf.order) * PAGE_SIZE - PAGE_SIZE;
      continue;
    }
    const pte = src.vm_mm.pte(addr);
    if (pte === undefined) continue;
    if (pte.kind === "swap") {
      k.swap.swap_duplicate(pte.entry);
      // copy_nonpresent_pte() (v5.19+, 1493a1913e34): the entry is now shared, so neither PTE keeps SWP_EXCLUSIVE.
      const shared = { kind: "swap", entry: pte.entry } as const;
      if (pte.exclusive) src.vm_mm.set_pte(addr, shared);
      dst.vm_mm.set_pte(addr, shared);
      continue;
    }
    // A special PTE (VM_PFNMAP; vm_normal_page() is NULL) or a hwpoison entry (copy_nonpresent_pte()): nothing to count, copied as it is.
    // copy_nonpresent_pte(): a writable (or exclusive) migration entry in a COW mapping becomes readable in both.
    if (pte.kind === "migration") {
      const entry = cow ? { ...pte, write: false, exclusive: false } : pte;
      src.vm_mm.set_pte(addr, entry);
      dst.vm_mm.set_pte(addr, entry);
      continue;
    }
    if (pte.kind === "pfn" || pte.kind === "hwpoison") {
      dst.vm_mm.set_pte(addr, pte);
      continue;
    }
    const anon = folio_test_anon(k, pte.folio);
    if (cow && anon && !folio_try_dup_anon_rmap(k, src.vm_mm, pte.folio)) {
      // copy_present_page(): the child gets a copy, writable if the VMA is; the parent's PTE is left as it was.
      const copy = anon_folio_alloc(k, pte.folio.index, pte.folio.data);
      copy.mapcount = 1;
      dst.vm_mm.set_pte(addr, { kind: "present", folio: copy, write: (src.vm_flags & VM.WRITE) !== 0, dirty: true });
      continue;
    }
    // copy_present_ptes(): a normal page (vm_normal_page(), a VM_MIXEDMAP driver's page too) gains a reference and a mapcount.
    const page = vm_normal_page(k, pte);
    if (page) {
      page.refcount++;
      page.mapcount++;
    }
    const write = pte.write && !cow;
    if (pte.write && cow) src.vm_mm.set_pte(addr, { ...pte, write: false });
    dst.vm_mm.set_pte(addr, { ...pte, write });
  }
}

/**
 * `vma_needs_copy()` (mm/memory.c, v6.x; the test at the top of
 * `copy_page_range()` before): PTEs are copied for VMAs with an anon_vma,
 * and for driver mappings, which cannot refault: VM_PFNMAP and VM_MIXEDMAP
 * (v6.13-era copy read), VM_PFNMAP and VM_INSERTPAGE in v2.6.x (v2.6.38-era copy).
 */
function vma_needs_copy(vma: Vma): boolean {
  return vma.anon_vma || (vma.vm_flags & (VM.PFNMAP | VM.MIXEDMAP | VM.INSERTPAGE)) !== 0;
}

/** `dup_mmap()`: a copy of `oldmm` for the child task `child`; returns the child's mm. */
export function* dup_mmap(k: Kernel, t: Task, oldmm: MmStruct, child: string): KernelGen<MmStruct> {
  const mm = k.mm_alloc(child);
  yield* oldmm.mmap_lock.down_write(t);
  for (const vma of oldmm.vmas) {
    if (k.behaviour.per_vma_lock !== "none") yield* vma_start_write(oldmm, vma, t);
    const tmp = mm.insert_vma(vma);
    tmp.anon_vma = vma.anon_vma;
    if (vma_needs_copy(vma)) copy_page_range(k, tmp, vma);
    // The driver's ->open after copy_page_range() (v6.4-era dup_mmap(); 35e351780fa9 moved it before the copy, not modelled: no VMA with ->open is in a profile that has it).
    if (tmp.vm_ops?.open) yield* tmp.vm_ops.open(k, t, tmp);
  }
  // flush_tlb_mm(oldmm): the parent's PTEs were write-protected.
  yield* flush_tlb_mm_range(k, t, oldmm);
  oldmm.mmap_write_unlock(t);
  return mm;
}

/** `mmget_not_zero()` (include/linux/sched/mm.h): a reference on an address space still in use; false once its last user is gone. */
export function mmget_not_zero(mm: MmStruct): boolean {
  if (mm.mm_users === 0) return false;
  mm.mm_users++;
  return true;
}

/** `mmput()` (kernel/fork.c): drop a reference; the last one tears the address space down (`__mmput()` -> `exit_mmap()`). */
export function mmput(k: Kernel, t: Task, mm: MmStruct): void {
  if (--mm.mm_users === 0) exit_mmap(k, t, mm);
}

/**
 * `exit_mmap()`, from `mmput()` once `mm_users` is 0: zap every VMA, free
 * the pages at once (no other CPU runs a dead mm, so no flush IPI) and
 * remove the VMAs. The VMAs' `->close` is not run (a driver that tracks
 * them sees the mm dead through `mmget_not_zero()` instead).
 */
export function exit_mmap(k: Kernel, t: Task, mm: MmStruct): void {
  for (const vma of [...mm.vmas]) {
    for (const f of zap_pte_range(k, t, vma).freed) f.refcount--;
    mm.remove_vma(vma);
  }
}
