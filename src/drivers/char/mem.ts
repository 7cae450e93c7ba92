/**
 * `/dev/mem`'s mmap, drivers/char/mem.c `mmap_mem()`: the whole VMA is
 * mapped to physical pfns at mmap time with `remap_pfn_range()`, as many
 * drivers map device memory (a PCI BAR); its `mmap_mem_ops` has no
 * `->fault`, so once zapped a page faults to SIGBUS.
 *
 * @module
 */
import { remap_pfn_range } from "../../mm/memory.js";
import { PAGE_SIZE, type Vma, type VmOperations } from "../../mm/mm.js";

/** `mmap_mem_ops` (drivers/char/mem.c): no fault handler. */
export const mmap_mem_ops: VmOperations = { name: "mmap_mem_ops" };

/** `mmap_mem()`: `remap_pfn_range()` of the whole VMA from `pfn` (the file offset, vm_pgoff, in the kernel). */
export function mmap_mem(vma: Vma, pfn: number): void {
  remap_pfn_range(vma, vma.start, pfn, (vma.end - vma.start) / PAGE_SIZE);
}
