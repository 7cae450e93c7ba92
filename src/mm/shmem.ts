/**
 * tmpfs/shmem mappings, mm/shmem.c: `shmem_fault()` finds the folio in the
 * page cache or allocates a zeroed one there (`shmem_get_folio_gfp()` with
 * SGP_CACHE): no read IO, no mmap_lock dropped. MAP_SHARED|MAP_ANONYMOUS is
 * shmem too (`shmem_zero_setup()`). Fault-around maps cached folios through
 * `filemap_map_pages` (shmem_vm_ops.map_pages, v3.15+); there is no
 * `->page_mkwrite`. A userfaultfd-registered VMA sends the fault to
 * `handle_userfault()`: VM_UFFD_MINOR when the folio is cached, MISSING when
 * it is not. Not modelled: shmem swap (a swap entry in the page-cache
 * slot, `shmem_swapin_folio`), huge pages.
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { handle_userfault } from "../fs/userfaultfd.js";
import { filemap_map_pages } from "./filemap.js";
import { VM_FAULT } from "./flags.js";
import { folio_lock } from "./folio.js";
import type { Kernel } from "./kernel.js";
import type { VmOperations } from "./mm.js";
import type { VmFault } from "./vmfault.js";

/**
 * `shmem_fault()` -> `shmem_get_folio_gfp(SGP_CACHE)` (mm/shmem.c, v6.x):
 * the cached folio, locked, with a reference; or a new zeroed one added to
 * the page cache. Past i_size, VM_FAULT_SIGBUS (-EINVAL from SGP_CACHE).
 * "if (folio && vma && userfaultfd_minor(vma))" the fault goes to
 * `handle_userfault(vmf, VM_UFFD_MINOR)` (v5.14+), and a miss in a
 * MISSING-registered VMA to `handle_userfault(vmf, VM_UFFD_MISSING)`.
 */
export function* shmem_fault(k: Kernel, t: Task, vmf: VmFault): KernelGen<number> {
  const mapping = vmf.vma.file!;
  if (vmf.pgoff >= mapping.size) return VM_FAULT.SIGBUS;
  const uffd = vmf.vma.uffd;
  const cached = mapping.pages.get(vmf.pgoff);
  if (uffd && (cached ? uffd.mode.minor : uffd.mode.missing)) return yield* handle_userfault(k, t, vmf, uffd);
  let folio = mapping.filemap_get_folio(vmf.pgoff);
  if (!folio) {
    // shmem_alloc_and_add_folio(): zeroed (clear_highpage), uptodate, in the page cache; the fault's reference.
    folio = k.folio_alloc(mapping, vmf.pgoff);
    folio.uptodate = true;
    mapping.pages.set(vmf.pgoff, folio);
    folio.refcount++;
  }
  yield* folio_lock(t, folio);
  vmf.folio = folio;
  return VM_FAULT.LOCKED;
}

/** `shmem_vm_ops` (mm/shmem.c): fault and fault-around, no page_mkwrite. */
export const shmem_vm_ops: VmOperations = { name: "shmem_vm_ops", fault: shmem_fault, map_pages: filemap_map_pages };
