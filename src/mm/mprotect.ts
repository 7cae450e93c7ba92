/**
 * mprotect(2) of a whole VMA, mm/mprotect.c: `do_mprotect_pkey()` under
 * mmap_lock for write -> `mprotect_fixup()` (the VMA write-locked, v6.4+;
 * vm_flags set) -> `change_protection()` -> `change_pte_range()`, then a
 * TLB flush when a PTE changed. Removing PROT_WRITE drops the write bit of
 * every present PTE (`pte_modify()` with the new vm_page_prot). Adding it
 * leaves PTEs read-only, to be upgraded by write faults, until 64fe24a3e05e
 * (v6.0, and its v6.2 follow-up "allow clean exclusive anon pages to be
 * writable") makes a private PTE of an exclusive anonymous page writable at
 * once (`can_change_pte_writable()`). Not modelled: splitting a VMA for a
 * partial range (`split_vma()`/`vma_modify_flags()`), PROT_NONE and
 * PROT_EXEC, pte_dirty on shared mappings (their PTEs stay read-only),
 * swap PTEs (left as they are, as the kernel leaves real swap entries).
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { flush_tlb_mm_range } from "../arch/x86/mm/tlb.js";
import { VM } from "./flags.js";
import type { Folio } from "./folio.js";
import type { Kernel } from "./kernel.js";
import { ENOMEM } from "../include/errno.js";
import { PAGE_SIZE, vm_page_prot_write, vma_is_shared, vma_start_write, type MmStruct, type Vma } from "./mm.js";

/**
 * `can_change_pte_writable()` (mm/mprotect.c, 64fe24a3e05e v6.0): a private
 * PTE may be made writable when it maps an anonymous page this process
 * holds exclusively (PageAnonExclusive; a fork that shared the page
 * cleared it, and it stays clear after the child has gone until a write
 * fault reuses the page).
 */
function can_change_pte_writable(k: Kernel, vma: Vma, folio: Folio): boolean {
  if (vma_is_shared(vma) || k.behaviour.mprotect_write_upgrade === "none") return false;
  return folio.anonExclusive;
}

/** `change_pte_range()` over the VMA: the new protection on each present PTE; returns how many changed. */
function change_pte_range(k: Kernel, vma: Vma): number {
  const mm = vma.vm_mm;
  const write = (vma.vm_flags & VM.WRITE) !== 0;
  let pages = 0;
  for (let addr = vma.start; addr < vma.end; addr += PAGE_SIZE) {
    const leaf = mm.huge_leaf(addr);
    if (leaf) {
      // change_pmd_range() / change_pud_range() on a huge pfnmap leaf the range covers: change_huge_pmd() / change_huge_pud()
      // modify the one entry (pmd_modify() with the new vm_page_prot), HPAGE_PMD_NR (or PUD) pages; no PTE is written under it.
      const next = write && (leaf.write || vm_page_prot_write(vma));
      if (next !== leaf.write) {
        mm.set_huge(leaf.vpn * PAGE_SIZE, { pfn: leaf.pfn, order: leaf.order, write: next });
        pages += 2 ** leaf.order;
      }
      addr = (leaf.vpn + 2 ** leaf.order) * PAGE_SIZE - PAGE_SIZE;
      continue;
    }
    const pte = mm.pte(addr);
    if (pte === undefined || pte.kind === "swap" || pte.kind === "hwpoison") continue;
    // A writable migration entry becomes readable (exclusive still, for an anonymous page) whatever the new protection:
    // "A protection check is difficult so just be safe and disable write" (change_pte_range(), v6.x). None is made writable.
    if (pte.kind === "migration") {
      if (pte.write) {
        mm.set_pte(addr, { ...pte, write: false });
        pages++;
      }
      continue;
    }
    // pte_modify() with a writable vm_page_prot (a shared mapping without write notification), else the write upgrade.
    const upgrade = write && (vm_page_prot_write(vma) || (pte.kind === "present" && can_change_pte_writable(k, vma, pte.folio)));
    const next = !write ? false : pte.write || upgrade;
    if (next === pte.write) continue;
    mm.set_pte(addr, { ...pte, write: next });
    pages++;
  }
  return pages;
}

/**
 * `do_mprotect_pkey()` of the whole VMA at `start` to PROT_READ, or
 * PROT_READ|PROT_WRITE when `write`. Returns 0, or -ENOMEM when no VMA is
 * there once mmap_lock is held.
 */
export function* do_mprotect(k: Kernel, t: Task, mm: MmStruct, start: number, write: boolean): KernelGen<number> {
  yield* mm.mmap_lock.down_write(t);
  // The VMA is looked up under mmap_lock: a racing munmap may have removed it.
  const vma = mm.vma_lookup(start);
  if (!vma) {
    mm.mmap_write_unlock(t);
    return ENOMEM;
  }
  // mprotect_fixup(): the VMA is write-locked before its flags change (v6.4+), so per-VMA-lock faults wait or fall back.
  if (k.behaviour.per_vma_lock !== "none") yield* vma_start_write(mm, vma, t);
  vma.vm_flags = write ? vma.vm_flags | VM.WRITE : vma.vm_flags & ~VM.WRITE;
  const pages = change_pte_range(k, vma);
  if (k.sim.tracing) k.sim.event(t, "mprotect", "change_protection", { vma: vma.name, write, pages });
  // tlb_finish_mmu() / flush_tlb_range(): only when a PTE changed.
  if (pages > 0) yield* flush_tlb_mm_range(k, t, mm);
  mm.mmap_write_unlock(t);
  return 0;
}
