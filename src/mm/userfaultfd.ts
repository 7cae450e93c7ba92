/**
 * userfaultfd, the mm side (mm/userfaultfd.c): installing the page that
 * UFFDIO_COPY supplies.
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { EEXIST, ENOENT } from "../include/errno.js";
import { VM } from "./flags.js";
import type { Kernel } from "./kernel.js";
import { PAGE_SIZE, type Vma } from "./mm.js";
import { anon_folio_alloc } from "./rmap.js";

/**
 * `mfill_atomic_copy()` -> `mfill_atomic_pte_copy()` ->
 * `mfill_atomic_install_pte()` (v6.4+; `mcopy_atomic()` before): under
 * mmap_lock for read, look the destination VMA up again (`find_dst_vma()`:
 * -ENOENT if it is gone or no longer the registered one), allocate a folio,
 * copy the user's data in and map it; -EEXIST when the PTE is no longer
 * none. Returns the bytes copied. (v6.9+ takes the per-VMA lock instead of
 * mmap_lock, `uffd_mfill_lock()`; not modelled.)
 */
export function* mfill_atomic_copy(k: Kernel, t: Task, registered: Vma, dst: number): KernelGen<number> {
  const mm = registered.vm_mm;
  yield* mm.mmap_lock.down_read(t);
  const vma = mm.vma_lookup(dst);
  let ret = PAGE_SIZE;
  if (vma !== registered) {
    ret = ENOENT;
  } else if (vma.vm_mm.pte(dst) !== undefined) {
    ret = EEXIST;
  } else {
    const f = anon_folio_alloc(k, (dst - vma.start) / PAGE_SIZE, 0);
    f.mapcount = 1;
    vma.anon_vma = true;
    vma.vm_mm.set_pte(dst, { kind: "present", folio: f, write: (vma.vm_flags & VM.WRITE) !== 0, dirty: true });
  }
  mm.mmap_lock.up_read(t);
  return ret;
}
