/**
 * madvise(2), mm/madvise.c: MADV_DONTNEED (zap the range, under mmap_lock
 * for read) and MADV_POPULATE_READ / MADV_POPULATE_WRITE (fault the range
 * in, as a read or a write; 4ca9b3859dac, v5.14).
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
import { PAGE_SIZE, type MmStruct } from "./mm.js";

/** The advice values the model has. */
export type Advice = "MADV_DONTNEED" | "MADV_POPULATE_READ" | "MADV_POPULATE_WRITE";

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
 * `madvise_dontneed_single_vma()` -> `zap_page_range_single()`: zap the
 * PTEs of `[start, end)` in each VMA, flush the TLB, then free the pages.
 * -ENOMEM if part of the range is unmapped (the mapped parts are zapped);
 * -EINVAL at a VM_PFNMAP VMA (`madvise_dontneed_free_valid_vma()` ->
 * `can_madv_lru_vma()`, v5.x+), which ends the walk (`madvise_walk_vmas()`);
 * a VM_MIXEDMAP VMA is zapped like any other.
 */
function* madvise_dontneed(k: Kernel, t: Task, mm: MmStruct, start: number, end: number): KernelGen<number> {
  let ret = 0;
  const tlb: ZapBatch = { freed: [], flush: false };
  for (let addr = start; addr < end; ) {
    const vma = mm.vma_lookup(addr);
    if (!vma) {
      ret = ENOMEM;
      addr += PAGE_SIZE;
      continue;
    }
    if (vma.vm_flags & VM.PFNMAP) {
      ret = EINVAL;
      break;
    }
    const to = Math.min(end, vma.end);
    const zapped = zap_pte_range(k, t, vma, addr, to);
    tlb.freed.push(...zapped.freed);
    tlb.flush ||= zapped.flush;
    addr = to;
  }
  // tlb_finish_mmu(): no flush when no present PTE was cleared.
  if (tlb.flush) yield* flush_tlb_mm_range(k, t, mm);
  for (const f of tlb.freed) f.refcount--;
  return ret;
}

/**
 * `do_madvise()`: take mmap_lock for read (both advices need only that),
 * apply the advice to `[start, start + len)`, release it. Returns 0 or a
 * negative errno.
 */
export function* do_madvise(k: Kernel, t: Task, start: number, len: number, advice: Advice): KernelGen<number> {
  if (advice !== "MADV_DONTNEED" && k.behaviour.madv_populate === "none") throw new NotInProfile(`${advice} does not exist before v5.14 (4ca9b3859dac)`);
  const mm = k.current_mm(t);
  yield* mm.mmap_lock.down_read(t);
  const locked: Locked = { locked: true };
  const ret = advice === "MADV_DONTNEED" ? yield* madvise_dontneed(k, t, mm, start, start + len) : yield* madvise_populate(k, t, mm, start, start + len, advice === "MADV_POPULATE_WRITE", locked);
  mm.mmap_lock.up_read(t);
  return ret;
}
