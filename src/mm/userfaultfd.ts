/**
 * userfaultfd, the mm side (mm/userfaultfd.c): installing the page that
 * UFFDIO_COPY supplies.
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { EEXIST } from "../include/errno.js";
import { VM } from "./flags.js";
import type { Kernel } from "./kernel.js";
import { PAGE_SIZE, type Vma } from "./mm.js";

/**
 * `mfill_atomic_copy()` -> `mfill_atomic_pte_copy()` ->
 * `mfill_atomic_install_pte()` (v6.4+; `mcopy_atomic()` before): under
 * mmap_lock for read, allocate a folio, copy the user's data in and map it;
 * -EEXIST when the PTE is no longer none. Returns the bytes copied.
 */
export function* mfill_atomic_copy(k: Kernel, t: Task, vma: Vma, dst: number): KernelGen<number> {
  yield* vma.vm_mm.mmap_lock.down_read(t);
  let ret = PAGE_SIZE;
  if (vma.vm_mm.pte(dst) !== undefined) {
    ret = EEXIST;
  } else {
    const f = k.folio_alloc(null, (dst - vma.start) / PAGE_SIZE);
    f.uptodate = true;
    f.mapcount = 1;
    vma.anon_vma = true;
    vma.vm_mm.set_pte(dst, { kind: "present", folio: f, write: (vma.vm_flags & VM.WRITE) !== 0 });
  }
  vma.vm_mm.mmap_lock.up_read(t);
  return ret;
}
