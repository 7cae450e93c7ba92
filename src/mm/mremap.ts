/**
 * mremap(2) moving a whole VMA, mm/mremap.c: `mremap_to()` ->
 * `move_vma()` -> `copy_vma()`, `move_page_tables()` -> `move_ptes()`, then
 * the old range unmapped. The PTEs move, with the pages they map, so the
 * mapping keeps its pages (and a GUP reference or pin keeps its page
 * mapped, at the new address). Read from a stored copy of mm/mremap.c
 * newer than v6.15 (`struct pagetable_move_control`); the steps modelled
 * are the same in v4.19..v6.12.
 *
 * Not modelled: growing or shrinking, moving whole page tables
 * (`move_normal_pmd()`, which needs PMD-aligned ranges), the rmap locks,
 * accounting, and UFFD_EVENT_REMAP (a userfaultfd registration does not
 * follow the VMA, as without that feature).
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { flush_tlb_mm_range } from "../arch/x86/mm/tlb.js";
import { EFAULT } from "../include/errno.js";
import type { Kernel } from "./kernel.js";
import { PAGE_SIZE, PTRS_PER_PTE, vma_start_write, type MmStruct, type Vma } from "./mm.js";

/** PMD_SIZE: the bytes one PTE page table maps. */
const PMD_SIZE = PTRS_PER_PTE * PAGE_SIZE;

/**
 * `move_ptes()` (mm/mremap.c) of `[old_addr, old_addr + extent)`, all in
 * one page table on each side: each PTE cleared at the old address and set
 * at the new one (`get_and_clear_full_ptes()`, `set_ptes()`; a swap entry
 * keeps its SWP_EXCLUSIVE bit); a present one forces a TLB flush of the
 * old range before the page-table lock is dropped ("make sure to flush TLB
 * before we drop the PTL", eb66ae030829, v4.19; earlier kernels flushed
 * after dropping it, which the model, without page-table locks, cannot
 * tell apart).
 */
function* move_ptes(k: Kernel, t: Task, mm: MmStruct, old_addr: number, new_addr: number, extent: number): KernelGen {
  let force_flush = false;
  for (let off = 0; off < extent; off += PAGE_SIZE) {
    const leaf = mm.huge_leaf(old_addr + off);
    if (leaf) {
      // A huge pfnmap leaf: move_page_tables() moves a PMD leaf whole (move_huge_pmd()) when the extent is the whole, aligned
      // PMD on both sides (a PUD leaf needs a PUD-sized extent, move_huge_pud(), which the model's PMD-bounded extents never
      // are); otherwise it splits it, which for a special pfnmap VMA (vma_is_special_huge()) only clears the entry: the new
      // VMA faults its pages back.
      const size = PAGE_SIZE * 2 ** leaf.order;
      const whole = leaf.vpn * PAGE_SIZE === old_addr + off && (new_addr + off) % size === 0 && extent - off >= size;
      mm.clear_huge(old_addr + off);
      if (whole) mm.set_huge(new_addr + off, { pfn: leaf.pfn, order: leaf.order, write: leaf.write });
      force_flush = true;
      off = leaf.vpn * PAGE_SIZE + size - old_addr - PAGE_SIZE;
      continue;
    }
    const pte = mm.pte(old_addr + off);
    if (pte === undefined) continue;
    if (pte.kind === "present" || pte.kind === "pfn") force_flush = true;
    mm.clear_pte(old_addr + off);
    mm.set_pte(new_addr + off, pte);
  }
  if (force_flush) yield* flush_tlb_mm_range(k, t, mm);
}

/**
 * `move_page_tables()` (mm/mremap.c): `len` bytes from `old_addr` to
 * `new_addr`, one extent at a time, each bounded by the next PMD boundary
 * of either side (`get_extent()`), through {@link move_ptes}.
 */
function* move_page_tables(k: Kernel, t: Task, mm: MmStruct, old_addr: number, new_addr: number, len: number): KernelGen {
  for (let done = 0; done < len; ) {
    const o = old_addr + done;
    const n = new_addr + done;
    const extent = Math.min(PMD_SIZE - (o % PMD_SIZE), PMD_SIZE - (n % PMD_SIZE), len - done);
    yield* move_ptes(k, t, mm, o, n, extent);
    done += extent;
  }
}

/**
 * `move_vma()` (mm/mremap.c): the VMA write-locked (`vma_start_write()`,
 * v6.4+ with per-VMA locks); `copy_vma()` makes the new VMA at `new_addr`
 * with the same flags, file, offset and anon_vma (the model's VMA keeps its
 * name); the PTEs moved; the old VMA, now empty, unmapped (`do_vmi_munmap()`
 * finds no PTE, so no flush and nothing freed). Returns the new VMA.
 */
function* move_vma(k: Kernel, t: Task, mm: MmStruct, vma: Vma, new_addr: number): KernelGen<Vma> {
  if (k.behaviour.per_vma_lock !== "none") yield* vma_start_write(mm, vma, t);
  const len = vma.end - vma.start;
  const new_vma = mm.insert_vma({ name: vma.name, start: new_addr, end: new_addr + len, vm_flags: vma.vm_flags, file: vma.file, vm_ops: vma.vm_ops, pgoff: vma.pgoff, vm_private_data: vma.vm_private_data });
  new_vma.anon_vma = vma.anon_vma;
  yield* move_page_tables(k, t, mm, vma.start, new_addr, len);
  mm.remove_vma(vma);
  return new_vma;
}

/**
 * mremap(old_addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, new_addr) of
 * the whole VMA at `old_addr` to a free range (`get_unmapped_area()`; the
 * caller's MREMAP_FIXED target, where `mremap_to()`'s `do_munmap()` finds
 * nothing): mmap_lock for write (`mmap_write_lock_killable()`), the VMA
 * looked up (`vma_lookup()`: none there is -EFAULT), `move_vma()`, unlock.
 * Returns the new VMA, or -EFAULT.
 */
export function* do_mremap(k: Kernel, t: Task, mm: MmStruct, old_addr: number): KernelGen<Vma | number> {
  yield* mm.mmap_lock.down_write(t);
  const vma = mm.vma_lookup(old_addr);
  if (!vma) {
    mm.mmap_write_unlock(t);
    return EFAULT;
  }
  const new_addr = mm.get_unmapped_area((vma.end - vma.start) / PAGE_SIZE);
  const new_vma = yield* move_vma(k, t, mm, vma, new_addr);
  mm.mmap_write_unlock(t);
  return new_vma;
}
