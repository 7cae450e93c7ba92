/**
 * tmpfs/shmem mappings, mm/shmem.c: `shmem_fault()` finds the folio in the
 * page cache or allocates a zeroed one there (`shmem_get_folio_gfp()` with
 * SGP_CACHE): no read IO, no mmap_lock dropped. MAP_SHARED|MAP_ANONYMOUS is
 * shmem too (`shmem_zero_setup()`). Fault-around maps cached folios through
 * `filemap_map_pages` (shmem_vm_ops.map_pages, v3.15+); there is no
 * `->page_mkwrite`. Not modelled: shmem swap (a swap entry in the page-cache
 * slot, `shmem_swapin_folio`), huge pages, userfaultfd MINOR mode.
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
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
 */
export function* shmem_fault(k: Kernel, t: Task, vmf: VmFault): KernelGen<number> {
  const mapping = vmf.vma.file!;
  if (vmf.pgoff >= mapping.size) return VM_FAULT.SIGBUS;
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
