/**
 * Unmapping, mm/mmap.c and mm/vma.c: `munmap()` of a whole VMA and the zap
 * of its page tables (`unmap_vmas()` -> `zap_pte_range()`), with the pages
 * freed only after the TLB flush (`tlb_finish_mmu()`).
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { flush_tlb_mm_range } from "../arch/x86/mm/tlb.js";
import type { Folio } from "./folio.js";
import type { Kernel } from "./kernel.js";
import { vm_normal_page } from "./memory.js";
import { PAGE_SIZE, vma_link_file, vma_start_write, type MmStruct, type Vma } from "./mm.js";
import { cond_resched } from "../engine/delay.js";

/** What a zap leaves for `tlb_finish_mmu()`: the folios to free after the flush, and whether any present PTE was cleared. */
export interface ZapBatch {
  /** Folios whose mapping reference goes once the TLB is flushed (`tlb_batch_pages_flush()`). */
  readonly freed: Folio[];
  /** A present PTE was cleared, so the TLB must be flushed. */
  flush: boolean;
  /** Entries cleared (a huge leaf counts one). */
  cleared: number;
}

/**
 * `zap_pte_range()`: clear the PTEs of `[start, end)` in `vma` (all of it
 * by default); a present page loses its mapcount now and its reference after
 * the flush; a swap entry loses a user and, with its last, its swap-cache
 * folio if nothing else holds it (`free_swap_and_cache()`); the zero page is
 * a special PTE with nothing to free.
 */
export function zap_pte_range(k: Kernel, t: Task, vma: Vma, start = vma.start, end = vma.end): ZapBatch {
  const mm = vma.vm_mm;
  const tlb: ZapBatch = { freed: [], flush: false, cleared: 0 };
  for (let addr = start; addr < end; addr += PAGE_SIZE) {
    const leaf = mm.huge_leaf(addr);
    if (leaf) {
      // zap_huge_pmd() / zap_huge_pud(): a huge pfnmap leaf goes whole (a range that covers part of it splits it, which for a pfnmap clears it); nothing to free.
      mm.clear_huge(addr);
      tlb.cleared++;
      tlb.flush = true;
      addr = (leaf.vpn + 2 ** leaf.order) * PAGE_SIZE - PAGE_SIZE;
      continue;
    }
    const pte = mm.pte(addr);
    if (pte === undefined) continue;
    mm.clear_pte(addr);
    tlb.cleared++;
    // A hwpoison entry holds nothing, nor does a migration entry (zap_nonpresent_ptes()): cleared, nothing freed.
    if (pte.kind === "hwpoison" || pte.kind === "migration") continue;
    if (pte.kind !== "swap") {
      tlb.flush = true;
      // vm_normal_page(): the zero page and raw pfns are special PTEs, nothing to free; a driver's page (VM_MIXEDMAP) is a normal one.
      const page = vm_normal_page(k, pte);
      if (!page) continue;
      page.mapcount--;
      tlb.freed.push(page);
    } else {
      mm.swap.swap_free(pte.entry);
      const cached = mm.swap.cache.get(pte.entry);
      if (cached && cached.refcount === 1) mm.swap.folio_free_swap(cached);
    }
  }
  if (k.sim.tracing) k.sim.event(t, "zap", "zap_pte_range", { vma: vma.name, page: (start - vma.start) / PAGE_SIZE, cleared: tlb.cleared });
  return tlb;
}

/**
 * `munmap()` of the whole VMA at `start`: `__vm_munmap` -> `do_vmi_munmap`
 * -> `do_vmi_align_munmap` (v6.1+; `__do_munmap` v4.20..v6.0). mmap_lock
 * for write, and the VMA looked up under it (none there, as after a
 * racing munmap: 0, nothing done); the VMA write-locked (`vma_start_write`, waiting for faults under
 * its per-VMA lock, v6.4+) and detached, so no later lookup finds it;
 * mmap_lock downgraded to read for the zap (dd2283f2605e, v4.20); PTEs
 * zapped; the TLB flushed on every other CPU (an IPI that a CPU with IRQs
 * off, such as a GUP-fast walker, holds off); then the pages freed, and
 * the VMA's `->close` run (`remove_vma()`). Returns 0.
 */
export function* do_munmap(k: Kernel, t: Task, mm: MmStruct, start: number): KernelGen<number> {
  yield* mm.mmap_lock.down_write(t);
  const vma = mm.vma_lookup(start);
  if (!vma) {
    mm.mmap_write_unlock(t);
    return 0;
  }
  if (k.behaviour.per_vma_lock !== "none") yield* vma_start_write(mm, vma, t);
  mm.remove_vma(vma);
  const downgrade = k.behaviour.munmap_downgrade;
  if (downgrade) mm.mmap_write_downgrade(t);
  // Page tables are freed too (free_pgtables): the flush is never skipped.
  const tlb = zap_pte_range(k, t, vma);
  yield* flush_tlb_mm_range(k, t, mm);
  for (const f of tlb.freed) f.refcount--;
  // remove_vma(): the driver's ->close, still under mmap_lock.
  if (vma.vm_ops?.close) yield* vma.vm_ops.close(t, vma);
  if (downgrade) mm.mmap_lock.up_read(t);
  else mm.mmap_write_unlock(t);
  return 0;
}

/**
 * `mmap_region()` for a file VMA (mm/mmap.c; `__mmap_region()` ->
 * `__mmap_new_vma()` in mm/vma.c by the ~v6.15 copy read): under mmap_lock
 * for write, `call_mmap()` (`mmap_file()` later) runs the file's `->mmap`,
 * which may populate the VMA; only then is the VMA stored in the mm's tree
 * (`vma_iter_store_new()`) and then linked into the file's i_mmap
 * (`vma_link_file()`), the same order in v5.x and ~v6.16. Until the link,
 * another CPU's `unmap_mapping_range()` does not see the VMA: the model
 * makes the stretch between the store and the link a point where other
 * tasks run. Returns 0 or `->mmap`'s error.
 */
export function* mmap_region(t: Task, mm: MmStruct, vma: Vma, call_mmap: (t: Task) => KernelGen<number>): KernelGen<number> {
  yield* mm.mmap_lock.down_write(t);
  const ret = yield* call_mmap(t);
  if (ret) {
    mm.mmap_write_unlock(t);
    return ret;
  }
  mm.vmas.push(vma);
  yield* cond_resched(t);
  vma_link_file(vma);
  mm.mmap_write_unlock(t);
  return 0;
}
