/**
 * madvise(2), mm/madvise.c: MADV_DONTNEED (zap the range, under mmap_lock
 * for read), MADV_PAGEOUT (reclaim the range's private anonymous pages;
 * 1a4e58cce84e, v5.4) and MADV_POPULATE_READ / MADV_POPULATE_WRITE (fault
 * the range in, as a read or a write; 4ca9b3859dac, v5.14).
 *
 * @module
 */
import { NotInProfile } from "../engine/bug.js";
import type { KernelGen, Task } from "../engine/task.js";
import { flush_tlb_mm_range } from "../arch/x86/mm/tlb.js";
import { EFAULT, EHWPOISON, EINTR, EINVAL, ENOMEM } from "../include/errno.js";
import { faultin_page_range, type Locked } from "./gup.js";
import type { Kernel } from "./kernel.js";
import { VM } from "./flags.js";
import { zap_pte_range, type ZapBatch } from "./mmap.js";
import { PAGE_SIZE, type MmStruct, type Vma } from "./mm.js";
import type { Folio } from "./folio.js";
import { folio_isolate_lru, reclaim_pages } from "./vmscan.js";
import { folio_test_anon } from "./rmap.js";

/** The advice values the model has. */
export type Advice = "MADV_DONTNEED" | "MADV_PAGEOUT" | "MADV_POPULATE_READ" | "MADV_POPULATE_WRITE";

/**
 * `madvise_populate()` (v5.14+ error mapping after its -EFAULT follow-up):
 * walk the range VMA by VMA with `faultin_page_range()`, re-taking
 * mmap_lock whenever GUP dropped it, advancing by the pages done. -ENOMEM
 * for a hole, -EINVAL for an incompatible VMA, -EFAULT for SIGBUS/SIGSEGV.
 * A step that makes no progress is simply repeated: before 631426ba1d45 a
 * read that keeps failing loops here for ever.
 */
function* madvise_populate(k: Kernel, t: Task, mm: MmStruct, start: number, end: number, write: boolean, locked: Locked): KernelGen<number> {
  while (start < end) {
    const vma = mm.vma_lookup(start);
    if (!vma) return ENOMEM;
    const nr = (Math.min(end, vma.end) - start) / PAGE_SIZE;
    const pages = yield* faultin_page_range(k, t, vma, start, nr, write, locked);
    if (!locked.locked) {
      yield* mm.mmap_lock.down_read(t);
      locked.locked = true;
    }
    if (pages < 0) return pages === EINTR || pages === EINVAL || pages === EHWPOISON || pages === EFAULT ? pages : ENOMEM;
    start += pages * PAGE_SIZE;
  }
  return 0;
}

/**
 * `madvise_walk_vmas()` (mm/madvise.c): `visit` each VMA's part of
 * `[start, end)`; a hole makes the result -ENOMEM but the walk goes on; a
 * VMA's error ends it.
 */
function* madvise_walk_vmas(mm: MmStruct, start: number, end: number, visit: (vma: Vma, from: number, to: number) => KernelGen<number>): KernelGen<number> {
  let ret = 0;
  for (let addr = start; addr < end; ) {
    const vma = mm.vma_lookup(addr);
    if (!vma) {
      ret = ENOMEM;
      addr += PAGE_SIZE;
      continue;
    }
    const to = Math.min(end, vma.end);
    const err = yield* visit(vma, addr, to);
    if (err) return err;
    addr = to;
  }
  return ret;
}

/**
 * `can_madv_lru_vma()` (mm/madvise.c, 9c276cc65a58 v5.4+): neither
 * VM_LOCKED, VM_HUGETLB nor VM_PFNMAP; MADV_DONTNEED
 * (`madvise_dontneed_free_valid_vma()`), MADV_COLD and MADV_PAGEOUT refuse
 * other VMAs with -EINVAL. The model's VMAs can only be VM_PFNMAP of these.
 */
function can_madv_lru_vma(vma: Vma): boolean {
  return (vma.vm_flags & VM.PFNMAP) === 0;
}

/**
 * `madvise_dontneed_single_vma()` -> `zap_page_range_single()`: zap the
 * PTEs of `[start, end)` in each VMA, flush the TLB, then free the pages.
 * -ENOMEM if part of the range is unmapped (the mapped parts are zapped);
 * -EINVAL at a VM_PFNMAP VMA, which ends the walk; a VM_MIXEDMAP VMA is
 * zapped like any other.
 */
function* madvise_dontneed(k: Kernel, t: Task, mm: MmStruct, start: number, end: number): KernelGen<number> {
  const tlb: ZapBatch = { freed: [], flush: false, cleared: 0 };
  const ret = yield* madvise_walk_vmas(mm, start, end, function* (vma, from, to) {
    if (!can_madv_lru_vma(vma)) return EINVAL;
    const zapped = zap_pte_range(k, t, vma, from, to);
    tlb.freed.push(...zapped.freed);
    tlb.flush ||= zapped.flush;
    return 0;
  });
  // tlb_finish_mmu(): no flush when no present PTE was cleared.
  if (tlb.flush) yield* flush_tlb_mm_range(k, t, mm);
  for (const f of tlb.freed) f.refcount--;
  return ret;
}

/**
 * `madvise_pageout()` -> `madvise_cold_or_pageout_pte_range()` (mm/madvise.c,
 * 1a4e58cce84e v5.4..v6.12) over each VMA of the range: every present PTE
 * whose page this mapping alone maps (`page_mapcount(page) != 1` skipped
 * in v5.4..v6.4, `folio_likely_mapped_shared()` in v6.12) is isolated from
 * the LRU (`folio_isolate_lru()`), and the isolated folios go to
 * `reclaim_pages()` (mm/vmscan.c). The zero page and raw pfns have no
 * struct page (`vm_normal_page()`); file pages are not modelled and left
 * alone, and a driver's page is on no LRU (`folio_isolate_lru()` fails).
 * -EINVAL at a VMA `can_madv_lru_vma()` refuses.
 */
function* madvise_pageout(k: Kernel, t: Task, mm: MmStruct, start: number, end: number): KernelGen<number> {
  return yield* madvise_walk_vmas(mm, start, end, function* (vma, from, to) {
    if (!can_madv_lru_vma(vma)) return EINVAL;
    const list: Folio[] = [];
    for (let addr = from; addr < to; addr += PAGE_SIZE) {
      const pte = mm.pte(addr);
      if (pte?.kind !== "present" || !folio_test_anon(k, pte.folio)) continue;
      if (pte.folio.mapcount === 1 && folio_isolate_lru(pte.folio)) list.push(pte.folio);
    }
    yield* reclaim_pages(k, t, list);
    return 0;
  });
}

/**
 * `do_madvise()`: take mmap_lock for read (every advice here needs only that, `madvise_need_mmap_write()`),
 * apply the advice to `[start, start + len)`, release it. Returns 0 or a
 * negative errno.
 */
export function* do_madvise(k: Kernel, t: Task, start: number, len: number, advice: Advice): KernelGen<number> {
  if (advice === "MADV_PAGEOUT" && !k.behaviour.madv_pageout) throw new NotInProfile("MADV_PAGEOUT does not exist before v5.4 (1a4e58cce84e)");
  if (advice.startsWith("MADV_POPULATE") && k.behaviour.madv_populate === "none") throw new NotInProfile(`${advice} does not exist before v5.14 (4ca9b3859dac)`);
  const mm = k.current_mm(t);
  yield* mm.mmap_lock.down_read(t);
  const locked: Locked = { locked: true };
  const end = start + len;
  const ret =
    advice === "MADV_DONTNEED" ? yield* madvise_dontneed(k, t, mm, start, end)
    : advice === "MADV_PAGEOUT" ? yield* madvise_pageout(k, t, mm, start, end)
    : yield* madvise_populate(k, t, mm, start, end, advice === "MADV_POPULATE_WRITE", locked);
  mm.mmap_lock.up_read(t);
  return ret;
}
