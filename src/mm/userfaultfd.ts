/**
 * userfaultfd, the mm side (mm/userfaultfd.c): installing the page that
 * UFFDIO_COPY supplies or UFFDIO_CONTINUE names.
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { EEXIST, EFAULT, ENOENT } from "../include/errno.js";
import { VM } from "./flags.js";
import type { Folio } from "./folio.js";
import type { Kernel } from "./kernel.js";
import { lock_vma_under_rcu } from "./memory.js";
import { PAGE_SIZE, linear_page_index, vma_end_read, type Vma } from "./mm.js";
import { anon_folio_alloc } from "./rmap.js";

/**
 * `uffd_mfill_lock()` (867a43a34ff8, v6.9): the destination VMA under its
 * per-VMA lock (`uffd_lock_vma()`: `lock_vma_under_rcu()`; a private VMA
 * without an anon_vma, or a failed trylock, falls back to mmap_read_lock
 * to look it up, `find_vma_and_prepare_anon()`, and read-lock it), then
 * `down_read(&ctx->map_changing_lock)` (5e4c24a57b0c, same series); before
 * v6.9, `mfill_atomic()` held mmap_lock for read across the whole
 * operation. Returns the VMA (null if none) and how to unlock. The lock
 * words' atomics (`vma_start_read()`'s trylock and `vma_end_read()`, the
 * map_changing_lock's down/up) are charged here when their cache lines
 * are modelled.
 */
function* uffd_mfill_lock(k: Kernel, t: Task, registered: Vma, dst: number): KernelGen<{ vma: Vma | null; unlock: () => void }> {
  const mm = registered.vm_mm;
  if (k.behaviour.uffd_mfill_lock === "mmap_lock") {
    yield* mm.mmap_lock.down_read(t);
    return { vma: mm.vma_lookup(dst), unlock: () => mm.mmap_lock.up_read(t) };
  }
  if (registered.vm_lock.line) yield* registered.vm_lock.line.rmw(t, 2);
  let vma = lock_vma_under_rcu(k, mm, t, dst);
  if (vma && !(vma.vm_flags & VM.SHARED) && !vma.anon_vma) {
    vma_end_read(vma, t);
    vma = null;
  }
  if (!vma) {
    yield* mm.mmap_lock.down_read(t);
    vma = mm.vma_lookup(dst);
    if (vma) {
      // find_vma_and_prepare_anon(): anon_vma_prepare() under mmap_lock.
      if (!(vma.vm_flags & VM.SHARED)) vma.anon_vma = true;
      yield* vma.vm_lock.down_read(t);
    }
    mm.mmap_lock.up_read(t);
  }
  const line = registered.uffd?.map_changing_lock;
  if (line) yield* line.rmw(t, 2);
  const locked = vma;
  return { vma, unlock: () => locked && vma_end_read(locked, t) };
}

/**
 * `mfill_atomic_install_pte()`: -EEXIST unless the PTE is none
 * (`pte_none_mostly()`); else map `folio`, writable in a VM_WRITE VMA
 * unless it is a page-cache page in a private one. A page-cache page keeps
 * the reference `shmem_get_folio()` took, for the new mapping.
 */
function mfill_atomic_install_pte(vma: Vma, dst: number, folio: Folio, page_in_cache: boolean): number {
  if (vma.vm_mm.pte(dst) !== undefined) return EEXIST;
  const writable = (vma.vm_flags & VM.WRITE) !== 0 && !(page_in_cache && !(vma.vm_flags & VM.SHARED));
  folio.mapcount++;
  if (page_in_cache) folio.refcount++;
  vma.vm_mm.set_pte(dst, { kind: "present", folio, write: writable, dirty: true });
  return 0;
}

/**
 * `mfill_atomic_copy()` -> `mfill_atomic_pte_copy()` ->
 * `mfill_atomic_install_pte()` (v6.4+; `mcopy_atomic()` before): under
 * {@link uffd_mfill_lock}, check that the destination is still the
 * registered VMA (`find_dst_vma()`: -ENOENT if not), allocate a folio, copy
 * the user's data in and map it; -EEXIST when the PTE is no longer none.
 * Returns the bytes copied.
 */
export function* mfill_atomic_copy(k: Kernel, t: Task, registered: Vma, dst: number): KernelGen<number> {
  const { vma, unlock } = yield* uffd_mfill_lock(k, t, registered, dst);
  let ret = PAGE_SIZE;
  if (vma !== registered) {
    ret = ENOENT;
  } else if (vma.vm_mm.pte(dst) !== undefined) {
    ret = EEXIST;
  } else {
    vma.anon_vma = true;
    mfill_atomic_install_pte(vma, dst, anon_folio_alloc(k, (dst - vma.start) / PAGE_SIZE, 0), false);
  }
  unlock();
  return ret;
}

/**
 * `mfill_atomic_continue()` -> `mfill_atomic_pte_continue()` (shmem,
 * f619147104c8 v5.13 for hugetlbfs, shmem in v5.14): under
 * {@link uffd_mfill_lock}, find the page-cache folio with
 * `shmem_get_folio(SGP_NOALLOC)` (-EFAULT if there is none) and map it with
 * `mfill_atomic_install_pte()` (-EEXIST if the PTE is not none); -ENOENT
 * if the VMA is no longer the registered one. Returns the bytes mapped.
 */
export function* mfill_atomic_continue(k: Kernel, t: Task, registered: Vma, dst: number): KernelGen<number> {
  const { vma, unlock } = yield* uffd_mfill_lock(k, t, registered, dst);
  let ret = PAGE_SIZE;
  if (vma !== registered) {
    ret = ENOENT;
  } else {
    const folio = vma.file?.pages.get(linear_page_index(vma, dst));
    if (!folio) ret = EFAULT;
    else ret = mfill_atomic_install_pte(vma, dst, folio, true) || PAGE_SIZE;
  }
  unlock();
  return ret;
}
