/**
 * VFIO_IOMMU_MAP_DMA of a user range, drivers/vfio/vfio_iommu_type1.c, as
 * far as a range that is itself a BAR mapping needs it: `vaddr_get_pfn()`
 * tries GUP, which refuses VM_IO | VM_PFNMAP (`check_vma_flags()`:
 * -EFAULT), then, for a VM_PFNMAP VMA, `follow_fault_pfn()` reads the pfn
 * from the page table, faulting it in with `fixup_user_fault()` first
 * (41311242221e, "vfio/type1: Support faulting PFNMAP vmas", v5.8; read
 * in a pre-v5.8-style stable copy, and as a77f9489f1d7's
 * `follow_pfnmap_start()` form in v6.12). Faulting through
 * `fixup_user_fault()` holds mmap_lock for read, the chain Yan Zhao's
 * 2023 mail traces to `vm_flags_set()`'s assertion.
 *
 * @module
 */
import { NotInProfile } from "../../engine/bug.js";
import type { KernelGen, Task } from "../../engine/task.js";
import { EAGAIN, EFAULT, EINVAL } from "../../include/errno.js";
import { FAULT_FLAG, FOLL, VM } from "../../mm/flags.js";
import type { Folio } from "../../mm/folio.js";
import { fixup_user_fault, get_user_pages_remote, gup_put_folio } from "../../mm/gup.js";
import type { Kernel } from "../../mm/kernel.js";
import { PAGE_SIZE, type MmStruct, type Vma } from "../../mm/mm.js";

/**
 * `follow_pfn()` (`follow_pte()`; `follow_pfnmap_start()` from a77f9489f1d7,
 * v6.12): the pfn a present special PTE of `vma` maps at `vaddr`, or
 * -EINVAL when there is none; -EFAULT for a write through a read-only one
 * (v6.12's `write_fault && !args.writable`).
 */
function follow_pfn(vma: Vma, vaddr: number, write: boolean): number | { pfn: number } {
  const pte = vma.vm_mm.pte(vaddr);
  if (pte?.kind !== "pfn") return EINVAL;
  if (write && !pte.write) return EFAULT;
  return { pfn: pte.pfn };
}

/**
 * `follow_fault_pfn()` (41311242221e): `follow_pfn()`; if nothing is
 * mapped, `fixup_user_fault(FAULT_FLAG_REMOTE | write)` with &unlocked and
 * -EAGAIN if it dropped mmap_lock (the caller looks the VMA up again),
 * else `follow_pfn()` once more.
 */
function* follow_fault_pfn(k: Kernel, t: Task, vma: Vma, mm: MmStruct, vaddr: number, write: boolean, faults: { n: number }): KernelGen<number | { pfn: number }> {
  const first = follow_pfn(vma, vaddr, write);
  if (typeof first !== "number") return first;
  const unlocked = { unlocked: false };
  faults.n++;
  const ret = yield* fixup_user_fault(k, t, mm, vaddr, FAULT_FLAG.REMOTE | (write ? FAULT_FLAG.WRITE : 0), unlocked);
  if (unlocked.unlocked) return EAGAIN;
  if (ret) return ret;
  return follow_pfn(vma, vaddr, write);
}

/**
 * `vaddr_get_pfn()` for one page, mmap_lock held for read: GUP with
 * FOLL_LONGTERM (a pin from v5.7's FOLL_PIN profiles, a reference
 * before); on -EFAULT from a VM_PFNMAP VMA, `follow_fault_pfn()`, retried
 * on -EAGAIN. The pfn of a normal page is kept with its pin dropped here
 * (the model keeps no IOMMU page tables). Returns the pfn or an errno.
 */
function* vaddr_get_pfn(k: Kernel, t: Task, mm: MmStruct, vaddr: number, write: boolean, faults: { n: number }): KernelGen<number | { pfn: number }> {
  const pin = k.behaviour.foll_pin ? FOLL.PIN : 0;
  const pages: Folio[] = [];
  const got = yield* get_user_pages_remote(k, t, mm, vaddr, 1, FOLL.LONGTERM | pin | (write ? FOLL.WRITE : 0), pages, null);
  if (got === 1) {
    const pfn = pages[0]!.pfn;
    gup_put_folio(k, pages[0]!, pin || FOLL.GET);
    return { pfn };
  }
  if (got !== EFAULT) return got < 0 ? got : EFAULT;
  for (;;) {
    const vma = mm.vma_lookup(vaddr);
    if (!vma || !(vma.vm_flags & VM.PFNMAP)) return EFAULT;
    const r = yield* follow_fault_pfn(k, t, vma, mm, vaddr, write, faults);
    if (r !== EAGAIN) return r;
  }
}

/**
 * VFIO_IOMMU_MAP_DMA of `[vaddr, vaddr + nr_pages)` (`vfio_dma_do_map()` ->
 * `vfio_pin_pages_remote()`): per page, mmap_read_lock, `vaddr_get_pfn()`,
 * mmap_read_unlock. Returns the pfns mapped, the faults taken through
 * `fixup_user_fault()`, and 0 or the first error.
 */
export function* vfio_dma_do_map(k: Kernel, t: Task, mm: MmStruct, vaddr: number, nr_pages: number, write: boolean): KernelGen<{ readonly pfns: number[]; readonly faults: number; readonly ret: number }> {
  // Before the 2020 series, vaddr_get_pfn() took a PFNMAP VMA's pfn from vm_pgoff and GUP's flags differed by version: not modelled.
  if (k.behaviour.vfio_pci_mmap === "none" || k.behaviour.vfio_pci_mmap === "remap_pfn_range") throw new NotInProfile("VFIO_IOMMU_MAP_DMA is modelled from 41311242221e (v5.8, follow_fault_pfn) on");
  const pfns: number[] = [];
  const faults = { n: 0 };
  for (let i = 0; i < nr_pages; i++) {
    yield* mm.mmap_lock.down_read(t);
    const r = yield* vaddr_get_pfn(k, t, mm, vaddr + i * PAGE_SIZE, write, faults);
    mm.mmap_lock.up_read(t);
    if (typeof r === "number") return { pfns, faults: faults.n, ret: r };
    pfns.push(r.pfn);
  }
  return { pfns, faults: faults.n, ret: 0 };
}
