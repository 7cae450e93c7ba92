/**
 * The page-cache fault handler, mm/filemap.c `filemap_fault()` and the
 * helpers that decide whether mmap_lock is dropped: `maybe_unlock_mmap_for_io`
 * (mm/internal.h, 6b4c9f446981 v5.1+), `lock_folio_maybe_drop_mmap`, and
 * `folio_lock_or_retry` (`lock_page_or_retry` before v5.x), which
 * `do_swap_page` uses too.
 *
 * Readahead is modelled as reading the faulting page only.
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { FAULT_FLAG, VM_FAULT } from "./flags.js";
import { folio_lock, folio_trylock, folio_unlock, folio_wait_locked, type Folio } from "./folio.js";
import type { Kernel } from "./kernel.js";
import { PAGE_SIZE, vm_page_prot_write, type VmOperations } from "./mm.js";
import { release_fault_lock, type VmFault } from "./vmfault.js";

/**
 * `maybe_unlock_mmap_for_io()`: drop mmap_lock before blocking IO, only on a
 * first attempt that may retry and is not NOWAIT (mm/internal.h, v5.1+;
 * before 6b4c9f446981 readahead IO was issued with mmap_lock held).
 */
export function maybe_unlock_mmap_for_io(k: Kernel, t: Task, vmf: VmFault): boolean {
  if (!k.behaviour.filemap_unlock_mmap_for_io || vmf.lockDropped) return false;
  if (!k.may_retry(vmf.flags) || vmf.flags & FAULT_FLAG.RETRY_NOWAIT) return false;
  release_fault_lock(t, vmf);
  return true;
}

/** The sleep a fault may take for a folio lock: killable when the fault says FAULT_FLAG_KILLABLE. */
function folio_sleep(vmf: VmFault): "killable" | "uninterruptible" {
  return vmf.flags & FAULT_FLAG.KILLABLE ? "killable" : "uninterruptible";
}

/**
 * `folio_lock_or_retry()` / `__folio_lock_or_retry()` (include/linux/pagemap.h,
 * mm/filemap.c; `lock_page_or_retry` before v5.x): 0 with the folio locked, or VM_FAULT_RETRY: under
 * RETRY_NOWAIT with mmap_lock held, otherwise after dropping it and waiting
 * (killably with FAULT_FLAG_KILLABLE, the wait's outcome ignored). Without
 * a retry left it locks the folio, killably with FAULT_FLAG_KILLABLE: a
 * fatal signal then drops the fault lock and returns VM_FAULT_RETRY.
 */
export function* folio_lock_or_retry(k: Kernel, t: Task, vmf: VmFault, folio: Folio): KernelGen<number> {
  if (folio_trylock(folio, t.name)) return 0;
  if (k.may_retry(vmf.flags)) {
    if (vmf.flags & FAULT_FLAG.RETRY_NOWAIT) return VM_FAULT.RETRY;
    release_fault_lock(t, vmf);
    yield* folio_wait_locked(t, folio, folio_sleep(vmf));
    return VM_FAULT.RETRY;
  }
  if (yield* folio_lock(t, folio, folio_sleep(vmf))) return 0;
  release_fault_lock(t, vmf);
  return VM_FAULT.RETRY;
}

/**
 * `lock_folio_maybe_drop_mmap()` (mm/filemap.c, 6b4c9f446981 v5.1+): true
 * with the folio locked; false means return VM_FAULT_RETRY with mmap_lock
 * still held, which RETRY_NOWAIT asks for ("That's how
 * FAULT_FLAG_RETRY_NOWAIT is supposed to work"). Otherwise it drops
 * mmap_lock when it may (`maybe_unlock_mmap_for_io`) and sleeps for the
 * folio lock, killably with FAULT_FLAG_KILLABLE; a fatal signal then drops
 * the fault lock if still held and gives false ("all fault_handlers only
 * check for fatal signals if we return VM_FAULT_RETRY"). filemap_fault
 * retries whenever the lock was dropped.
 * Before v5.1, `lock_page_or_retry` (d065bd810b6d, 318b275fbca1): with
 * ALLOW_RETRY, NOWAIT returns at once, else mmap_lock is dropped and the
 * page waited for (not locked); without ALLOW_RETRY the page is locked.
 */
export function* lock_folio_maybe_drop_mmap(k: Kernel, t: Task, vmf: VmFault, folio: Folio): KernelGen<boolean> {
  if (folio_trylock(folio, t.name)) return true;
  if (k.behaviour.filemap_unlock_mmap_for_io) {
    if (vmf.flags & FAULT_FLAG.RETRY_NOWAIT) return false;
    maybe_unlock_mmap_for_io(k, t, vmf);
    if (yield* folio_lock(t, folio, folio_sleep(vmf))) return true;
    if (!vmf.lockDropped) release_fault_lock(t, vmf);
    return false;
  }
  return (yield* folio_lock_or_retry(k, t, vmf, folio)) === 0;
}

/**
 * `do_async_mmap_readahead()`: a hit on a folio marked PG_readahead starts
 * the next readahead, dropping mmap_lock first (`maybe_unlock_mmap_for_io`,
 * v5.1+), so filemap_fault returns VM_FAULT_RETRY; the readahead clears the
 * mark (the pages it would read are not modelled). With readahead off
 * (ra_pages == 0) it reads nothing and the mark stays, so every first
 * attempt drops the lock again, until 5c72feee3e45 (v5.7) returns early.
 */
function do_async_mmap_readahead(k: Kernel, t: Task, vmf: VmFault, folio: Folio): void {
  const ra_pages = vmf.vma.file!.ra_pages;
  if (ra_pages === 0 && k.behaviour.async_ra_checks_ra_pages) return;
  if (!folio.readahead) return;
  maybe_unlock_mmap_for_io(k, t, vmf);
  if (ra_pages > 0) folio.readahead = false;
}

/** `filemap_fault()`: find or read the folio at vmf.pgoff; VM_FAULT_LOCKED with it locked on success. */
export function* filemap_fault(k: Kernel, t: Task, vmf: VmFault): KernelGen<number> {
  const mapping = vmf.vma.file!;
  // Past EOF: "if (unlikely(index >= max_idx)) return VM_FAULT_SIGBUS;".
  if (vmf.pgoff >= mapping.size) return VM_FAULT.SIGBUS;
  let ret = 0;
  let folio = mapping.filemap_get_folio(vmf.pgoff);
  // A hit: async readahead before waiting for the lock, on a first attempt only.
  if (folio && !(vmf.flags & FAULT_FLAG.TRIED)) do_async_mmap_readahead(k, t, vmf, folio);
  if (!folio) {
    // do_sync_mmap_readahead(): count a major fault and start the read.
    ret = VM_FAULT.MAJOR;
    maybe_unlock_mmap_for_io(k, t, vmf);
    folio = k.folio_alloc(mapping, vmf.pgoff);
    mapping.pages.set(vmf.pgoff, folio);
    folio.refcount++;
    k.submit_read(t, folio, "read_folio", k.io.readpage(t));
  }
  if (!(yield* lock_folio_maybe_drop_mmap(k, t, vmf, folio))) {
    folio.refcount--;
    return ret | VM_FAULT.RETRY;
  }
  if (vmf.lockDropped) {
    // The lock was dropped for IO: the fault must be retried (out_retry).
    folio_unlock(folio);
    folio.refcount--;
    return ret | VM_FAULT.RETRY;
  }
  if (!folio.uptodate) return ret | (yield* page_not_uptodate(k, t, vmf, folio));
  vmf.folio = folio;
  return ret | VM_FAULT.LOCKED;
}

/**
 * filemap_fault's `page_not_uptodate:` (the read failed): re-read the folio
 * once, synchronously, dropping mmap_lock first when the fault may retry
 * (`maybe_unlock_mmap_for_io`); then VM_FAULT_RETRY if the lock was
 * dropped, whatever the read gave; otherwise SIGBUS if it failed again or
 * SIGKILL ended the (killable) wait, or the folio (`retry_find`).
 */
function* page_not_uptodate(k: Kernel, t: Task, vmf: VmFault, folio: Folio): KernelGen<number> {
  const dropped = maybe_unlock_mmap_for_io(k, t, vmf);
  // filemap_read_folio(): ->read_folio on the locked folio, then folio_wait_locked_killable().
  k.submit_read(t, folio, "read_folio", k.io.readpage(t));
  const waited = yield* folio_wait_locked(t, folio, "killable");
  if (dropped) {
    folio.refcount--;
    return VM_FAULT.RETRY;
  }
  if (!waited || !folio.uptodate) {
    folio.refcount--;
    return VM_FAULT.SIGBUS;
  }
  yield* folio_lock(t, folio);
  vmf.folio = folio;
  return VM_FAULT.LOCKED;
}

/**
 * `filemap_map_pages()` (mm/filemap.c, 8c6e50b0290c v3.15+), fault-around's
 * `->map_pages`: map read-only every page of `[start_pgoff, end_pgoff]`
 * that is cached, uptodate, not PG_readahead, unlocked (`folio_trylock`)
 * and not yet mapped,
 * each with a reference and a mapcount; VM_FAULT_NOPAGE when the faulting
 * address itself got mapped, else 0 (and `->fault` runs).
 */
export function filemap_map_pages(t: Task, vmf: VmFault, start_pgoff: number, end_pgoff: number): number {
  const mapping = vmf.vma.file!;
  let ret = 0;
  // The window stops at EOF (end_pgoff clamped to file_end).
  for (let pgoff = start_pgoff; pgoff <= Math.min(end_pgoff, mapping.size - 1); pgoff++) {
    const folio = mapping.pages.get(pgoff);
    if (!folio || !folio.uptodate || folio.readahead || !folio_trylock(folio, t.name)) continue;
    const addr = vmf.address + (pgoff - vmf.pgoff) * PAGE_SIZE;
    if (vmf.vma.vm_mm.pte(addr) === undefined) {
      folio.refcount++;
      folio.mapcount++;
      vmf.vma.vm_mm.set_pte(addr, { kind: "present", folio, write: vm_page_prot_write(vmf.vma) });
      if (addr === vmf.address) ret = VM_FAULT.NOPAGE;
    }
    folio_unlock(folio);
  }
  return ret;
}

/** `filemap_page_mkwrite()` (mm/filemap.c): lock the folio again and mark it dirty; VM_FAULT_LOCKED with it locked. */
export function* filemap_page_mkwrite(t: Task, _vmf: VmFault, folio: Folio): KernelGen<number> {
  yield* folio_lock(t, folio);
  folio.dirty = true;
  return VM_FAULT.LOCKED;
}

/** `generic_file_vm_ops` (mm/filemap.c): a regular file's mapping. */
export const generic_file_vm_ops: VmOperations = { name: "generic_file_vm_ops", fault: filemap_fault, map_pages: filemap_map_pages, page_mkwrite: filemap_page_mkwrite };
