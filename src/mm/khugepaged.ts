/**
 * khugepaged's collapse of an anonymous 2 MiB range into a huge page,
 * mm/khugepaged.c `collapse_huge_page()` (MADV_COLLAPSE makes the same call
 * since v6.1): under mmap_lock for write, `pmdp_collapse_flush()` detaches
 * the page table and flushes the TLB; `__collapse_huge_page_isolate()`
 * refuses the range if any page has a reference beyond its mappings (a GUP
 * reference or pin: SCAN_PAGE_COUNT) and reattaches the table; otherwise
 * the pages are copied into the huge page and freed, and the PMD maps it.
 *
 * The 2016 thread's question lives between the flush and the refcount
 * check: GUP-fast walks with IRQs off and no lock, so the check is sound
 * only if the flush waits for it (an IPI), or if GUP-fast notices the
 * detached table afterwards (the pmd re-check, 70cbc3cc78a9).
 *
 * Modelled as the kernel does it, except that the huge page is 512 new base
 * pages mapped through a new page table: what the process and GUP see (which
 * page holds the data) is the kernel's; PMD mapping, compound folios and
 * their mapcounts are not modelled. Swap and file pages are refused rather
 * than swapped in or collapsed.
 *
 * @module
 */
import { delay } from "../engine/delay.js";
import { smp_call_function } from "../engine/irq.js";
import type { KernelGen, Task } from "../engine/task.js";
import { flush_tlb_mm_range } from "../arch/x86/mm/tlb.js";
import type { Kernel } from "./kernel.js";
import { PAGE_SIZE, PTRS_PER_PTE, PteTable, vma_is_anonymous, vma_is_shared, vma_start_write, type MmStruct, type Vma } from "./mm.js";
import { anon_folio_alloc } from "./rmap.js";
import { VM } from "./flags.js";

/** HPAGE_PMD_SIZE: the bytes one PMD maps. */
export const HPAGE_PMD_SIZE = PTRS_PER_PTE * PAGE_SIZE;

/** What a collapse attempt ended with (enum scan_result, the ones the model reaches). */
export type ScanResult = "SCAN_SUCCEED" | "SCAN_VMA_CHECK" | "SCAN_ADDRESS_RANGE" | "SCAN_PMD_NULL" | "SCAN_PAGE_COUNT" | "SCAN_PAGE_ANON" | "SCAN_EXCEED_SWAP_PTE" | "SCAN_FAIL";

/**
 * `__collapse_huge_page_isolate()`: every present page of the detached
 * table must be anonymous and referenced by its mappings alone
 * (`is_refcount_suitable()` v5.8+; `page_count(page) != 1 +
 * PageSwapCache(page)` before, the same for pages mapped once): "The page
 * table that maps the page has been already unlinked from the page table
 * tree and this process cannot get an additional pin on the page."
 * `pteNs` of CPU time per PTE, spent before the checks (one step, so an
 * interleaving search sees the loop as one window).
 */
function* collapse_huge_page_isolate(k: Kernel, t: Task, table: PteTable, pteNs: number): KernelGen<ScanResult> {
  yield* delay(t, "cpu", pteNs * PTRS_PER_PTE, "__collapse_huge_page_isolate");
  for (const pte of table.entries.values()) {
    if (pte.kind === "swap") return "SCAN_EXCEED_SWAP_PTE";
    // A hwpoison entry is a swap-type entry whose swap-in fails (VM_FAULT_HWPOISON): the collapse fails.
    // So is a migration entry here: the model does not wait for the migration (the kernel's swap-in would).
    if (pte.kind === "hwpoison" || pte.kind === "migration") return "SCAN_FAIL";
    if (pte.kind !== "present" || pte.folio === k.zero_folio) continue;
    const folio = pte.folio;
    if (folio.mapping !== null) return "SCAN_PAGE_ANON";
    const swapcache = folio.swapEntry !== null && k.swap.cache.get(folio.swapEntry) === folio ? 1 : 0;
    if (folio.refcount !== folio.mapcount + swapcache) return "SCAN_PAGE_COUNT";
  }
  return "SCAN_SUCCEED";
}

/**
 * `__collapse_huge_page_copy()`: copy each page of the range (none and the
 * zero page as zeroes) into the huge page, drop the old pages' mappings and
 * references (`free_page_and_swap_cache()`), and return the table that maps
 * the new pages. `pteNs` of CPU time per page, spent first.
 */
function* collapse_huge_page_copy(k: Kernel, t: Task, table: PteTable, haddr: number, vma: Vma, pteNs: number): KernelGen<PteTable> {
  const huge = new PteTable();
  const writable = (vma.vm_flags & VM.WRITE) !== 0;
  yield* delay(t, "cpu", pteNs * PTRS_PER_PTE, "__collapse_huge_page_copy");
  for (let i = 0; i < PTRS_PER_PTE; i++) {
    const vpn = haddr / PAGE_SIZE + i;
    const old = table.entries.get(vpn);
    const present = old?.kind === "present" && old.folio !== k.zero_folio ? old.folio : null;
    const folio = anon_folio_alloc(k, (haddr - vma.start) / PAGE_SIZE + i, present?.data ?? 0);
    folio.mapcount = 1;
    if (present) {
      present.mapcount--;
      present.refcount--;
    }
    huge.entries.set(vpn, { kind: "present", folio, write: writable, dirty: true });
  }
  return huge;
}

/**
 * `collapse_huge_page()` of the 2 MiB range holding `address` in `mm`;
 * returns the scan result. `pteNs`: CPU time per PTE of the isolate and
 * copy loops (the window in which the flush has not reached a GUP-fast
 * walk that started before it).
 */
export function* collapse_huge_page(k: Kernel, t: Task, mm: MmStruct, address: number, pteNs: number): KernelGen<ScanResult> {
  const haddr = Math.floor(address / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  yield* mm.mmap_lock.down_write(t);
  const result = yield* collapse_locked(k, t, mm, haddr, pteNs);
  mm.mmap_write_unlock(t);
  return result;
}

/** The part of collapse_huge_page() under mmap_write_lock. */
function* collapse_locked(k: Kernel, t: Task, mm: MmStruct, haddr: number, pteNs: number): KernelGen<ScanResult> {
  // hugepage_vma_revalidate(): an anonymous private VMA that covers the whole aligned range.
  const vma = mm.vma_lookup(haddr);
  if (!vma || !vma_is_anonymous(vma) || vma_is_shared(vma) || vma.uffd) return vma && haddr >= vma.start ? "SCAN_VMA_CHECK" : "SCAN_ADDRESS_RANGE";
  if (haddr + HPAGE_PMD_SIZE > vma.end) return "SCAN_ADDRESS_RANGE";
  if (k.behaviour.per_vma_lock !== "none") yield* vma_start_write(mm, vma, t);
  // pmdp_collapse_flush(): pmd_none from here on for new walkers; then the TLB flush (an IPI waits out GUP-fast).
  const table = mm.pmd_clear(haddr);
  if (!table) return "SCAN_PMD_NULL";
  yield* flush_tlb_mm_range(k, t, mm);
  // tlb_remove_table_sync_one() (2ba99c5e0881): where the flush sent no IPI, one to every CPU now.
  if (k.behaviour.collapse_sync_ipi && k.tlbFlush === "broadcast") yield* smp_call_function(t, "tlb_remove_table_sync_one");
  const isolated = yield* collapse_huge_page_isolate(k, t, table, pteNs);
  if (isolated !== "SCAN_SUCCEED") {
    // "pmd_populate(mm, pmd, pmd_pgtable(_pmd))": the range is mapped as before.
    mm.pmd_populate(haddr, table);
    return isolated;
  }
  mm.pmd_populate(haddr, yield* collapse_huge_page_copy(k, t, table, haddr, vma, pteNs));
  vma.anon_vma = true;
  return "SCAN_SUCCEED";
}
