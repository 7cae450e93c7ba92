/**
 * get_user_pages and its core, mm/gup.c (mm/memory.c before v4.8):
 * `__get_user_pages` walks the range with `follow_page_mask`, faulting
 * missing pages in with `faultin_page`; `__get_user_pages_locked` is the
 * VM_FAULT_RETRY loop around it. Each `__get_user_pages` call is traced, so
 * the number of calls a request made is countable.
 *
 * @module
 */
import { cond_resched, delay } from "../engine/delay.js";
import { local_irq_disable, local_irq_enable } from "../engine/irq.js";
import { EAGAIN, EBUSY, EFAULT, EHWPOISON, EINTR, EINVAL, ENOMEM, ERESTARTSYS } from "../include/errno.js";
import { fatal_signal_pending } from "../engine/signal.js";
import { NotInProfile } from "../engine/bug.js";
import type { KernelGen, Task } from "../engine/task.js";
import { FAULT_FLAG, FOLL, VM, VM_FAULT, VM_FAULT_ERROR, flagNames } from "./flags.js";
import { GUP_PIN_COUNTING_BIAS, folio_is_longterm_pinnable, type Folio } from "./folio.js";
import type { Kernel } from "./kernel.js";
import { handle_mm_fault } from "./memory.js";
import { folio_test_anon } from "./rmap.js";
import { PAGE_SIZE, vma_is_anonymous, vma_is_shared, vma_wants_writenotify, type MmStruct, type Vma } from "./mm.js";
import { migrate_pages } from "./migrate.js";
import { folio_isolate_lru } from "./vmscan.js";

/** `int *locked`: whether the caller still holds mmap_lock. */
export interface Locked {
  /** *locked. */
  locked: boolean;
}


/** The pages a GUP call returned and its caller holds until it releases them: `pages[]`, and the FOLL_GET or FOLL_PIN they were taken with. */
export interface GupPages {
  /** The folios, in address order. */
  readonly folios: readonly Folio[];
  /** The GUP flags they were taken with (FOLL_GET or FOLL_PIN decides how they are released). */
  readonly gup_flags: number;
}

/**
 * What `try_grab_folio()` adds to a small folio's refcount for one page:
 * 1 for FOLL_GET; GUP_PIN_COUNTING_BIAS for FOLL_PIN (3faa52c03f44, v5.7),
 * except on the zero page since "mm: Don't pin ZERO_PAGE in
 * pin_user_pages()" (c8070b787519), which pins nothing there.
 */
export function gup_refs(k: Kernel, folio: Folio, gup_flags: number): number {
  if (!(gup_flags & FOLL.PIN)) return 1;
  return folio === k.zero_folio && !k.behaviour.pin_zero_page ? 0 : GUP_PIN_COUNTING_BIAS;
}

/** `try_grab_folio()` (mm/gup.c; `try_grab_page()` v5.7+, `get_page()` before): the reference GUP takes on a page it returns. */
export function try_grab_folio(k: Kernel, folio: Folio, gup_flags: number): void {
  folio.refcount += gup_refs(k, folio, gup_flags);
}

/** `gup_put_folio()`: drop what try_grab_folio took (`put_page()` for FOLL_GET, `unpin_user_page()` for FOLL_PIN). */
export function gup_put_folio(k: Kernel, folio: Folio, gup_flags: number): void {
  folio.refcount -= gup_refs(k, folio, gup_flags);
}

/** The errno `__get_user_pages()` gives for a pending SIGKILL: -ERESTARTSYS, -EINTR since v5.8. */
function gup_fatal_errno(k: Kernel): number {
  return k.behaviour.gup_fatal_errno === "EINTR" ? EINTR : ERESTARTSYS;
}

/** `vm_fault_to_errno()` (include/linux/mm.h): the errno a failed fault means to GUP; a hwpoisoned page is -EHWPOISON for FOLL_HWPOISON callers. */
function vm_fault_to_errno(ret: number, foll_flags: number): number {
  if (ret & VM_FAULT.OOM) return ENOMEM;
  if (ret & VM_FAULT.HWPOISON) return foll_flags & FOLL.HWPOISON ? EHWPOISON : EFAULT;
  return EFAULT;
}

/**
 * `gup_must_unshare()` (mm/internal.h, v5.19+): a R/O pin (FOLL_PIN
 * without FOLL_WRITE) of an anonymous page that may be shared must unshare
 * it first, so a later COW cannot move the process away from the pin.
 * (R/O long-term pins of other COW pages, 84209e87c696, are not modelled.)
 */
function gup_must_unshare(k: Kernel, flags: number, folio: Folio): boolean {
  if (!k.behaviour.anon_exclusive || (flags & (FOLL.WRITE | FOLL.PIN)) !== FOLL.PIN) return false;
  return folio_test_anon(k, folio) && !folio.anonExclusive;
}

/**
 * `follow_page_mask()`: the folio mapped at `address` if present (and
 * writable for FOLL_WRITE), else null; "unshare" (-EMLINK) when a R/O pin
 * must unshare the read-only page first.
 */
function follow_page_mask(k: Kernel, vma: Vma, address: number, foll_flags: number): Folio | null | "unshare" {
  const pte = vma.vm_mm.pte(address);
  if (pte?.kind !== "present") return null;
  if (foll_flags & FOLL.WRITE && !pte.write && !can_follow_write_pte(k, vma, pte, foll_flags)) return null;
  if (!pte.write && gup_must_unshare(k, foll_flags, pte.folio)) return "unshare";
  return pte.folio;
}

/**
 * `writable_file_mapping_allowed()` (mm/gup.c, 8ac268436e6d, v6.5): a
 * FOLL_PIN|FOLL_LONGTERM write to a file mapping is refused when the VMA
 * needs dirty tracking (`vma_needs_dirty_tracking()`: shared, writable, and
 * write-notified or on a filesystem that writes back; of the model's
 * mappings, a regular file's, not shmem's). Always allowed before v6.5.
 */
function writable_file_mapping_allowed(k: Kernel, vma: Vma, gup_flags: number): boolean {
  if (!k.behaviour.longterm_file_write_refused || (gup_flags & (FOLL.PIN | FOLL.LONGTERM)) !== (FOLL.PIN | FOLL.LONGTERM)) return true;
  return !vma_wants_writenotify(vma);
}

/**
 * `check_vma_flags()` (mm/gup.c): may GUP with `gup_flags` touch `vma` at
 * all? -EFAULT for VM_IO|VM_PFNMAP (a VM_MIXEDMAP driver mapping passes: its
 * pages are normal ones; v6.x copy read), a long-term write pin of a file
 * mapping that needs dirty tracking (v6.5), a write to a VMA without
 * VM_WRITE (unless FOLL_FORCE on a private one), or a read of one without
 * VM_READ. Checked once per VMA, before any fault (`__get_user_pages`).
 */
function check_vma_flags(k: Kernel, vma: Vma, gup_flags: number): number {
  if (vma.vm_flags & (VM.IO | VM.PFNMAP)) return EFAULT;
  if (gup_flags & FOLL.WRITE && !vma_is_anonymous(vma) && !writable_file_mapping_allowed(k, vma, gup_flags)) return EFAULT;
  const force = (gup_flags & FOLL.FORCE) !== 0;
  // FOLL_FORCE writes a private mapping without VM_WRITE (ptrace, /proc/pid/mem) by breaking COW; shared ones are refused.
  if (gup_flags & FOLL.WRITE) return vma.vm_flags & VM.WRITE || (force && !vma_is_shared(vma)) ? 0 : EFAULT;
  return vma.vm_flags & VM.READ || force ? 0 : EFAULT;
}

/**
 * `can_follow_write_pte()`: may a FOLL_WRITE lookup use a read-only PTE?
 * Only after a FOLL_FORCE write fault broke COW in a private mapping
 * without VM_WRITE: never before 19be0eaffa3a (the fault loop dropped
 * FOLL_WRITE instead); then if FOLL_COW is set and the PTE dirty; since
 * 5535be309971 (v6.0) if it maps an exclusive anonymous page.
 */
function can_follow_write_pte(k: Kernel, vma: Vma, pte: { folio: Folio; dirty?: boolean }, flags: number): boolean {
  if (!(flags & FOLL.FORCE) || vma.vm_flags & VM.WRITE || vma_is_shared(vma)) return false;
  switch (k.behaviour.foll_force_write) {
    case "drop_foll_write":
      return false;
    case "foll_cow":
      return (flags & FOLL.COW) !== 0 && pte.dirty === true;
    case "anon_exclusive":
      return pte.folio.mapping === null && pte.folio.anonExclusive;
  }
}

/**
 * `faultin_page()`: FOLL_* to FAULT_FLAG_*, then handle_mm_fault. With
 * `locked`, ALLOW_RETRY (and KILLABLE since 71335f37c5e8, v5.7). 0 when the
 * page was faulted in; -EBUSY on VM_FAULT_RETRY (clearing *locked when the
 * lock was really dropped: 96312e61282a, v4.16, keeps it set under NOWAIT);
 * -EAGAIN with *locked cleared on VM_FAULT_COMPLETED (d92725256b4f, v6.0+: the fault
 * finished and released mmap_lock); -EFAULT/-ENOMEM on errors. `unshare`
 * faults with FAULT_FLAG_UNSHARE instead of WRITE (c89357e27f20, v5.19).
 */
function* faultin_page(k: Kernel, t: Task, vma: Vma, address: number, foll: { flags: number }, locked: Locked | null, unshare: boolean): KernelGen<number> {
  const foll_flags = foll.flags;
  let fault_flags = 0;
  if (foll_flags & FOLL.WRITE) fault_flags |= FAULT_FLAG.WRITE;
  if (unshare) fault_flags |= FAULT_FLAG.UNSHARE;
  if (foll_flags & FOLL.REMOTE) fault_flags |= FAULT_FLAG.REMOTE;
  // The fault may drop mmap_lock: FOLL_UNLOCKABLE since f04740f54594 (v6.3), a non-NULL locked before.
  if (k.behaviour.foll_unlockable ? foll_flags & FOLL.UNLOCKABLE : locked) fault_flags |= FAULT_FLAG.ALLOW_RETRY | (k.behaviour.gup_fault_killable ? FAULT_FLAG.KILLABLE : 0);
  if (foll_flags & FOLL.NOWAIT) fault_flags |= FAULT_FLAG.ALLOW_RETRY | FAULT_FLAG.RETRY_NOWAIT;
  if (foll_flags & FOLL.TRIED) fault_flags |= FAULT_FLAG.TRIED;
  const ret = yield* handle_mm_fault(k, t, vma, address, fault_flags);
  if (ret & VM_FAULT.COMPLETED) {
    locked!.locked = false;
    return EAGAIN;
  }
  if (ret & VM_FAULT_ERROR) return vm_fault_to_errno(ret, foll_flags);
  if (ret & VM_FAULT.RETRY) {
    if (locked && !(k.behaviour.gup_nowait_keeps_locked && fault_flags & FAULT_FLAG.RETRY_NOWAIT)) locked.locked = false;
    return EBUSY;
  }
  // A FOLL_FORCE write that broke COW in a VMA without VM_WRITE: before 19be0eaffa3a drop FOLL_WRITE and look the page up for reading ("Dirty COW"), then until v6.0 note FOLL_COW.
  if (ret & VM_FAULT.WRITE && !(vma.vm_flags & VM.WRITE)) {
    if (k.behaviour.foll_force_write === "drop_foll_write") foll.flags &= ~FOLL.WRITE;
    else if (k.behaviour.foll_force_write === "foll_cow") foll.flags |= FOLL.COW;
  }
  return 0;
}

/**
 * `__get_user_pages()`: pin (FOLL_GET) or just fault in (pages == null)
 * `nr_pages` pages from `start`. Returns the number of pages done, or a
 * negative errno if none was. A pending SIGKILL stops it before each page
 * and after each fault (its `retry:` label): -ERESTARTSYS, later -EINTR.
 */
export function* __get_user_pages(
  k: Kernel,
  t: Task,
  mm: MmStruct,
  start: number,
  nr_pages: number,
  gup_flags: number,
  pages: Folio[] | null,
  locked: Locked | null,
): KernelGen<number> {
  if (gup_flags & FOLL.NOWAIT && !k.behaviour.fault_retry_nowait) throw new NotInProfile("FOLL_NOWAIT does not exist before v2.6.39 (318b275fbca1)");
  if (k.sim.tracing) {
    const first = mm.vma_lookup(start);
    k.sim.event(t, "gup", "__get_user_pages", {
      vma: first?.name ?? "none",
      page: first ? (start - first.start) / PAGE_SIZE : start / PAGE_SIZE,
      nr_pages,
      flags: flagNames("FOLL", FOLL, gup_flags),
      pages: pages ? "array" : "NULL",
    });
  }
  let i = 0;
  let vma: Vma | null = null;
  while (nr_pages > 0) {
    if (!vma || start >= vma.end) {
      vma = mm.vma_lookup(start);
      if (!vma) return i > 0 ? i : EFAULT;
      const ret = check_vma_flags(k, vma, gup_flags);
      if (ret) return i > 0 ? i : ret;
    }
    if (fatal_signal_pending(t)) return i > 0 ? i : gup_fatal_errno(k);
    yield* cond_resched(t);
    // The page's own flags: a FOLL_FORCE write fault may change them (foll_flags in the kernel's loop).
    const foll = { flags: gup_flags };
    let folio = follow_page_mask(k, vma, start, foll.flags);
    while (folio === null || folio === "unshare") {
      t.sim.charge();
      const ret = yield* faultin_page(k, t, vma, start, foll, locked, folio === "unshare");
      if (ret === EBUSY || ret === EAGAIN) return i;
      if (ret < 0) return i > 0 ? i : ret;
      // "retry:": a fatal signal, cond_resched(), then the lookup again.
      if (fatal_signal_pending(t)) return i > 0 ? i : gup_fatal_errno(k);
      yield* cond_resched(t);
      folio = follow_page_mask(k, vma, start, foll.flags);
    }
    if (pages) {
      try_grab_folio(k, folio, gup_flags);
      pages.push(folio);
    }
    i++;
    start += PAGE_SIZE;
    nr_pages--;
  }
  return i;
}

/**
 * `__get_user_pages_locked()`: the VM_FAULT_RETRY loop. With `locked` null
 * it is one `__get_user_pages` call ("VM_FAULT_RETRY couldn't trigger,
 * bypass"). Otherwise, after a retry dropped mmap_lock it re-takes it and
 * repeats the faulting page with FOLL_TRIED, then continues. Before
 * df17277b2a85 (v5.2) a prefault (pages == null) returned after the first
 * call ("If it's a prefault don't insist harder"); since v5.7 the FOLL_TRIED
 * call may itself retry (4064b9827063).
 */
export function* __get_user_pages_locked(
  k: Kernel,
  t: Task,
  mm: MmStruct,
  start: number,
  nr_pages: number,
  pages: Folio[] | null,
  locked: Locked | null,
  flags: number,
): KernelGen<number> {
  const mmap_lock = mm.mmap_lock;
  let pages_done = 0;
  let lock_dropped = false;
  // is_valid_gup_args() (v6.3+; is_valid_gup_flags() v5.10): FOLL_LONGTERM only with FOLL_PIN.
  if (flags & FOLL.LONGTERM && !(flags & FOLL.PIN)) return EINVAL;
  // is_valid_gup_args() (v6.3+, f04740f54594): a caller that passes locked may have mmap_lock dropped.
  if (locked && k.behaviour.foll_unlockable) flags |= FOLL.UNLOCKABLE;
  // mm_set_has_pinned_flag(): MMF_HAS_PINNED, for fork's copy of maybe-pinned pages.
  if (flags & FOLL.PIN) mm.has_pinned = true;
  for (;;) {
    let ret = yield* __get_user_pages(k, t, mm, start, nr_pages, flags, pages, locked);
    if (!locked) return ret;
    if (!pages && !k.behaviour.gup_prefault_retry) return ret;
    if (ret > 0) {
      nr_pages -= ret;
      pages_done += ret;
      if (nr_pages === 0) break;
    }
    if (locked.locked) {
      // VM_FAULT_RETRY didn't trigger or it was a FOLL_NOWAIT.
      if (!pages_done) pages_done = ret;
      break;
    }
    start += Math.max(ret, 0) * PAGE_SIZE;
    // Repeat on the address that fired VM_FAULT_RETRY with FOLL_TRIED.
    lock_dropped = true;
    for (;;) {
      t.sim.charge();
      if (k.behaviour.gup_retry_fatal_signal) {
        // 4426e945df58, ae46d2aa6a7f (v5.7): "GUP can be interrupted by fatal signals", and mmap_read_lock_killable().
        if (fatal_signal_pending(t) || !(yield* mmap_lock.down_read_killable(t))) {
          ret = EINTR;
          break;
        }
      } else yield* mmap_lock.down_read(t);
      locked.locked = true;
      ret = yield* __get_user_pages(k, t, mm, start, 1, flags | FOLL.TRIED, pages, k.behaviour.fault_retry_multiple ? locked : null);
      if (locked.locked) break;
    }
    if (ret !== 1) {
      if (!pages_done) pages_done = ret;
      break;
    }
    nr_pages--;
    pages_done++;
    if (nr_pages === 0) break;
    start += PAGE_SIZE;
  }
  if (lock_dropped && locked.locked) {
    // Let the caller know the lock was dropped and the critical section lost.
    mmap_lock.up_read(t);
    locked.locked = false;
  }
  return pages_done;
}

/**
 * `check_and_migrate_movable_pages()` (mm/gup.c, d1e153fea2a8, v5.13;
 * split into `collect_longterm_unpinnable_pages()` and
 * `migrate_longterm_unpinnable_pages()` by 67e139b02d99, renamed to
 * `*_folios` in 2024 (memfd_pin_folios series, commit not identified);
 * `check_and_migrate_cma_pages()` before v5.13, for CMA pages only, which
 * the model has none of; the v6.6 text read): `pinned` are the pages the
 * call pinned. If all are long-term pinnable (`folio_is_longterm_pinnable()`),
 * 0: they stay pinned. Otherwise the unpinnable ones are isolated, every
 * page is unpinned ("We can't migrate pages with unexpected references"),
 * the isolated ones are migrated (`migrate_pages()`, MIGRATE_SYNC,
 * MR_LONGTERM_PIN) to pages allocated outside ZONE_MOVABLE
 * (`alloc_migration_target()` with GFP_USER, no __GFP_MOVABLE, on the same
 * node), and -EAGAIN tells the caller to pin the range again; -ENOMEM if
 * some page could not be migrated.
 */
function* check_and_migrate_movable_pages(k: Kernel, t: Task, pinned: readonly Folio[], gup_flags: number): KernelGen<number> {
  // collect_longterm_unpinnable_pages(): each folio once ("if (folio == prev_folio) continue").
  // A folio another isolated (reclaim, a migration) still counts: the pins are dropped and the call retries.
  const movable: Folio[] = [];
  let collected = 0;
  for (const folio of new Set(pinned)) {
    if (folio_is_longterm_pinnable(folio, k.zero_folio)) continue;
    collected++;
    if (folio_isolate_lru(folio)) movable.push(folio);
  }
  if (collected === 0) return 0;
  // migrate_longterm_unpinnable_pages(): unpin_user_page() on every page of the call.
  for (const folio of pinned) gup_put_folio(k, folio, gup_flags);
  const failed = yield* migrate_pages(k, t, movable, (src) => k.folio_alloc(src.mapping, src.index, src.nid, "ZONE_NORMAL"), "MR_LONGTERM_PIN", { copyNs: 0 });
  return failed ? ENOMEM : EAGAIN;
}

/**
 * `__gup_longterm_locked()` (mm/gup.c, the v6.6 text read): without FOLL_LONGTERM,
 * `__get_user_pages_locked()`. With it (v5.13+, d1e153fea2a8), pin the
 * range, then `check_and_migrate_movable_pages()`, and pin it again as long
 * as that migrated pages (-EAGAIN), so the pages finally pinned are the
 * ones the process maps. A retry after the call dropped mmap_lock takes it
 * again first (as `__get_user_pages_locked()` does for `!*locked`, v6.3+).
 * The loop runs under `memalloc_pin_save()`: pages the pin itself faults in
 * come from outside ZONE_MOVABLE, and need no migration.
 */
export function* __gup_longterm_locked(k: Kernel, t: Task, mm: MmStruct, start: number, nr_pages: number, pages: Folio[] | null, locked: Locked | null, flags: number): KernelGen<number> {
  if (!(flags & FOLL.LONGTERM) || !pages || !k.behaviour.longterm_migrate_movable) return yield* __get_user_pages_locked(k, t, mm, start, nr_pages, pages, locked, flags);
  const base = pages.length;
  k.memalloc_pin(t, true);
  try {
    for (;;) {
      t.sim.charge();
      if (locked && !locked.locked) {
        yield* mm.mmap_lock.down_read(t);
        locked.locked = true;
      }
      const nr_pinned = yield* __get_user_pages_locked(k, t, mm, start, nr_pages, pages, locked, flags);
      if (nr_pinned <= 0) return nr_pinned;
      const rc = yield* check_and_migrate_movable_pages(k, t, pages.slice(base), flags);
      if (rc !== EAGAIN) {
        if (rc) pages.length = base;
        return rc || nr_pinned;
      }
      pages.length = base;
    }
  } finally {
    k.memalloc_pin(t, false);
  }
}

/**
 * The reference flag of a GUP call: "if (pages && !(flags & FOLL_PIN))
 * flags |= FOLL_GET". The pin_user_pages* entry points (eddb1c228f79,
 * v5.6; counted pins 3faa52c03f44, v5.7) are the get_user_pages* ones with
 * FOLL_PIN, which profiles before v5.7 refuse.
 */
function gup_ref_flags(k: Kernel, gup_flags: number, pages: Folio[] | null): number {
  if (gup_flags & FOLL.PIN) {
    if (!k.behaviour.foll_pin) throw new NotInProfile("pin_user_pages*() and FOLL_PIN do not exist before v5.6 (eddb1c228f79), nor counted pins before v5.7 (3faa52c03f44)");
    return gup_flags;
  }
  return pages ? gup_flags | FOLL.GET : gup_flags;
}

/** `get_user_pages()` / `pin_user_pages()` (with FOLL_PIN): caller holds mmap_lock; never drops it (locked == NULL). */
export function get_user_pages(k: Kernel, t: Task, start: number, nr_pages: number, gup_flags: number, pages: Folio[] | null): KernelGen<number> {
  return __gup_longterm_locked(k, t, k.current_mm(t), start, nr_pages, pages, null, gup_ref_flags(k, gup_flags, pages) | FOLL.TOUCH);
}

/** `get_user_pages_remote()` / `pin_user_pages_remote()`: like get_user_pages on `mm`, another process's; may drop its mmap_lock when `locked` is given. */
export function get_user_pages_remote(
  k: Kernel,
  t: Task,
  mm: MmStruct,
  start: number,
  nr_pages: number,
  gup_flags: number,
  pages: Folio[] | null,
  locked: Locked | null,
): KernelGen<number> {
  return __gup_longterm_locked(k, t, mm, start, nr_pages, pages, locked, gup_ref_flags(k, gup_flags, pages) | FOLL.TOUCH | FOLL.REMOTE);
}

/** `get_user_pages_unlocked()` / `pin_user_pages_unlocked()`: takes mmap_lock itself, may drop it to wait for IO, releases it. */
export function* get_user_pages_unlocked(k: Kernel, t: Task, start: number, nr_pages: number, pages: Folio[] | null, gup_flags: number): KernelGen<number> {
  const mm = k.current_mm(t);
  yield* mm.mmap_lock.down_read(t);
  const locked: Locked = { locked: true };
  const ret = yield* __gup_longterm_locked(k, t, mm, start, nr_pages, pages, locked, gup_ref_flags(k, gup_flags, pages) | FOLL.TOUCH);
  if (locked.locked) mm.mmap_lock.up_read(t);
  return ret;
}

/** `vma_permits_fault()` (mm/gup.c): a write needs VM_WRITE, a read VM_READ. */
function vma_permits_fault(vma: Vma, fault_flags: number): boolean {
  return (vma.vm_flags & (fault_flags & FAULT_FLAG.WRITE ? VM.WRITE : VM.READ)) !== 0;
}

/**
 * `fixup_user_fault()` (mm/gup.c): resolve one fault for a caller holding
 * mmap_lock, passing ALLOW_RETRY because the caller accepts `*unlocked`; on
 * VM_FAULT_RETRY re-take mmap_lock and retry with FAULT_FLAG_TRIED (clearing
 * ALLOW_RETRY before v5.7, 4064b9827063). Returns 0 or a negative errno.
 */
export function* fixup_user_fault(k: Kernel, t: Task, mm: MmStruct, address: number, fault_flags: number, unlocked: { unlocked: boolean }): KernelGen<number> {
  fault_flags |= FAULT_FLAG.ALLOW_RETRY | FAULT_FLAG.KILLABLE;
  for (;;) {
    // A retry that never resolves meets the work budget instead of spinning.
    t.sim.charge();
    const vma = mm.vma_lookup(address);
    if (!vma || !vma_permits_fault(vma, fault_flags)) return EFAULT;
    // "mm/gup: Fix fixup_user_fault() on multiple retries", the v5.7-cycle fix of 4426e945df58: stop for SIGKILL before each fault.
    if (k.behaviour.fault_retry_multiple && fatal_signal_pending(t)) return EINTR;
    const ret = yield* handle_mm_fault(k, t, vma, address, fault_flags);
    if (ret & VM_FAULT.COMPLETED) {
      // d92725256b4f (v6.0+): the fault finished and released mmap_lock; re-take it for the caller.
      yield* mm.mmap_lock.down_read(t);
      unlocked.unlocked = true;
      return 0;
    }
    if (ret & VM_FAULT_ERROR) return vm_fault_to_errno(ret, 0);
    if (!(ret & VM_FAULT.RETRY)) return 0;
    yield* mm.mmap_lock.down_read(t);
    unlocked.unlocked = true;
    if (!k.behaviour.fault_retry_multiple) {
      if (fault_flags & FAULT_FLAG.TRIED) return 0;
      fault_flags &= ~FAULT_FLAG.ALLOW_RETRY;
    }
    fault_flags |= FAULT_FLAG.TRIED;
  }
}

/**
 * `gup_fast()` (mm/gup.c, v6.9+; `lockless_pages_from_mm()` before, and
 * `__get_user_pages_fast()` / `gup_pgd_range()` in older kernels): walk the
 * page tables with no lock but IRQs off, so the TLB-flush IPI of a
 * concurrent munmap waits for the walk and page tables are not freed under
 * it. Per page: read the PTE; stop at none, swap, a special PTE (the zero
 * page, a VM_PFNMAP raw pfn: "else if (pte_special(pte)) goto pte_unmap",
 * gup_fast_pte_range()) or a read-only PTE for FOLL_WRITE; a VM_MIXEDMAP
 * driver's page is not special and is taken; take a reference
 * (`try_grab_folio_fast`); re-read the PTE (and, since 70cbc3cc78a9, the
 * pmd) and, if it changed meanwhile or a R/O pin must unshare the page
 * (the slow path unshares it), drop the reference and stop. `pteNs` is the CPU time between the read and
 * the re-check. Returns the pages got, at the start of the range.
 */
export function* gup_fast(k: Kernel, t: Task, start: number, nr_pages: number, gup_flags: number, pages: Folio[], pteNs: number): KernelGen<number> {
  const mm = k.current_mm(t);
  local_irq_disable(t);
  let nr = 0;
  for (; nr < nr_pages; nr++) {
    const addr = start + nr * PAGE_SIZE;
    const vpn = addr / PAGE_SIZE;
    // pmd = pmdp_get_lockless(); the PTE is then read through the table that pmd pointed to.
    const table = mm.pmd_table(addr);
    const pte = table?.entries.get(vpn);
    if (pte?.kind !== "present" || pte.folio === k.zero_folio || (gup_flags & FOLL.WRITE && !pte.write)) break;
    yield* delay(t, "cpu", pteNs, "gup_fast_pte_range");
    // try_grab_folio_fast(): "Can't do FOLL_LONGTERM + FOLL_PIN gup fast path if not in a right zone" (d1e153fea2a8, v5.13): the slow path migrates it.
    if (gup_flags & FOLL.LONGTERM && k.behaviour.longterm_migrate_movable && !folio_is_longterm_pinnable(pte.folio, k.zero_folio)) break;
    try_grab_folio(k, pte.folio, gup_flags);
    // The re-check: the PTE through the same table, and since 70cbc3cc78a9 the pmd (a collapse detaches the table, leaving its PTEs intact).
    // Then, after the grab (pairing with folio_try_share_anon_rmap_pte()'s barrier): a R/O pin that must unshare goes to the slow path.
    const recheck = table!.entries.get(vpn) !== pte || (k.behaviour.gup_fast_pmd_recheck && mm.pmd_table(addr) !== table);
    if (recheck || !folio_fast_pin_allowed(k, pte.folio, gup_flags) || (!pte.write && gup_must_unshare(k, gup_flags, pte.folio))) {
      gup_put_folio(k, pte.folio, gup_flags);
      break;
    }
    pages.push(pte.folio);
  }
  local_irq_enable(t);
  if (k.sim.tracing) k.sim.event(t, "gup_fast", "gup_fast", { nr_pages, pinned: nr });
  return nr;
}

/**
 * `folio_fast_pin_allowed()` (mm/gup.c, a6e79df92e4a, v6.5; renamed
 * `gup_fast_folio_allowed()` later): GUP-fast cannot see the VMA, so a
 * FOLL_PIN|FOLL_LONGTERM|FOLL_WRITE pin of a file folio is left to the slow
 * path (whose `writable_file_mapping_allowed()` decides) unless its mapping
 * is shmem; anonymous folios are fine.
 */
function folio_fast_pin_allowed(k: Kernel, folio: Folio, flags: number): boolean {
  if (!k.behaviour.longterm_file_write_refused || (flags & (FOLL.PIN | FOLL.LONGTERM | FOLL.WRITE)) !== (FOLL.PIN | FOLL.LONGTERM | FOLL.WRITE)) return true;
  return folio.mapping === null || folio.mapping.shmem;
}

/**
 * `get_user_pages_fast()` / `pin_user_pages_fast()` (`gup_fast_fallback()`):
 * `gup_fast()`, then the rest of the range with the slow path
 * (`get_user_pages_unlocked`-style, taking mmap_lock). Returns the pages
 * got or, if none, the slow path's errno.
 */
export function* get_user_pages_fast(k: Kernel, t: Task, start: number, nr_pages: number, gup_flags: number, pages: Folio[], pteNs: number): KernelGen<number> {
  gup_flags = gup_ref_flags(k, gup_flags, pages);
  if (gup_flags & FOLL.PIN) k.current_mm(t).has_pinned = true;
  const nr = yield* gup_fast(k, t, start, nr_pages, gup_flags, pages, pteNs);
  if (nr === nr_pages) return nr;
  const ret = yield* get_user_pages_unlocked(k, t, start + nr * PAGE_SIZE, nr_pages - nr, pages, gup_flags);
  return ret < 0 ? (nr > 0 ? nr : ret) : nr + ret;
}

/** `get_user_page_fast_only()` (v5.10+; `__get_user_pages_fast(.., 1, ..)` before): one page by `gup_fast()` alone, or null. */
export function* get_user_page_fast_only(k: Kernel, t: Task, addr: number, gup_flags: number): KernelGen<Folio | null> {
  const pages: Folio[] = [];
  return (yield* gup_fast(k, t, addr, 1, gup_flags | FOLL.GET, pages, 0)) === 1 ? pages[0]! : null;
}

/**
 * MADV_POPULATE's GUP step over `[start, start + nr_pages)` of one VMA, as
 * each version made it; returns pages done or a negative errno, and may
 * clear `locked`. v5.14..v6.8 `faultin_vma_page_range()`: check_vma_flags
 * (-EINVAL), then one `__get_user_pages()` call, which returns 0 after a
 * VM_FAULT_RETRY. v6.9+ `faultin_page_range()` (631426ba1d45):
 * `__get_user_pages_locked()`, which retries the page with FOLL_TRIED.
 */
export function* faultin_page_range(k: Kernel, t: Task, vma: Vma, start: number, nr_pages: number, write: boolean, locked: Locked): KernelGen<number> {
  const gup_flags = FOLL.TOUCH | FOLL.HWPOISON | FOLL.UNLOCKABLE | (write ? FOLL.WRITE : 0);
  if (check_vma_flags(k, vma, gup_flags)) return EINVAL;
  if (k.behaviour.madv_populate === "get_user_pages") return yield* __get_user_pages(k, t, vma.vm_mm, start, nr_pages, gup_flags, null, locked);
  return yield* __get_user_pages_locked(k, t, vma.vm_mm, start, nr_pages, null, locked, gup_flags);
}

/**
 * `populate_vma_page_range()` (mm/gup.c): fault in `[start, end)` of one
 * VMA as mlock() and MAP_POPULATE do, with one `__get_user_pages()` call
 * (FOLL_TOUCH, FOLL_WRITE on a private writable mapping to break COW, and
 * FOLL_UNLOCKABLE for its `locked` from v6.3), which returns 0 pages after
 * a VM_FAULT_RETRY without FOLL_TRIED.
 */
function* populate_vma_page_range(k: Kernel, t: Task, vma: Vma, start: number, end: number, locked: Locked): KernelGen<number> {
  const unlockable = k.behaviour.foll_unlockable ? FOLL.UNLOCKABLE : 0;
  const gup_flags = FOLL.TOUCH | unlockable | ((vma.vm_flags & (VM.WRITE | VM.SHARED)) === VM.WRITE ? FOLL.WRITE : 0);
  return yield* __get_user_pages(k, t, vma.vm_mm, start, (end - start) / PAGE_SIZE, gup_flags, null, locked);
}

/**
 * `__mm_populate()` (mm/gup.c): walk `[start, start + len)` VMA by VMA,
 * re-taking mmap_lock and looking the VMA up again whenever GUP dropped it,
 * and advance by the pages done; a step that did none is repeated, so a
 * fault that keeps returning VM_FAULT_RETRY loops here for ever (readahead
 * off on v5.1..v5.6: 5c72feee3e45). Returns 0 or a negative errno.
 */
export function* __mm_populate(k: Kernel, t: Task, start: number, len: number): KernelGen<number> {
  const mm = k.current_mm(t);
  const end = start + len;
  const locked: Locked = { locked: false };
  let ret = 0;
  for (let nstart = start, nend = start; nstart < end; nstart = nend) {
    if (!locked.locked) {
      locked.locked = true;
      yield* mm.mmap_lock.down_read(t);
    }
    const vma = mm.vmas.find((v) => v.end > nstart) ?? null; // find_vma()
    if (!vma || vma.start >= end) break;
    nend = Math.min(end, vma.end);
    if (vma.vm_flags & (VM.IO | VM.PFNMAP)) continue;
    if (nstart < vma.start) nstart = vma.start;
    ret = yield* populate_vma_page_range(k, t, vma, nstart, nend, locked);
    if (ret < 0) break;
    nend = nstart + ret * PAGE_SIZE;
    ret = 0;
  }
  if (locked.locked) mm.mmap_lock.up_read(t);
  return ret;
}
