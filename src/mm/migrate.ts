/**
 * Page migration, mm/migrate.c: `migrate_pages()` moves isolated folios to
 * new ones. For each folio (v6.x `migrate_folio_unmap()` +
 * `migrate_folio_move()`; `unmap_and_move()` before v6.3): lock it,
 * allocate the new folio, `try_to_migrate()` its mappings into migration
 * entries, then `move_to_new_folio()` -> `migrate_folio()`, which refuses
 * (-EAGAIN) a folio whose refcount is not the expected one before it
 * copies the contents: a GUP reference or pin keeps it where it is. Either way `remove_migration_ptes()` turns the
 * entries back into PTEs, of the new folio or of the old. A fault on a
 * migration entry waits for the migration (`migration_entry_wait()`).
 *
 * And its user: the move_pages(2) syscall (`kernel_move_pages()` ->
 * `do_pages_move()`), all pages to one node, MPOL_MF_MOVE only.
 *
 * Read from the v6.12-era mm/migrate.c (`add_folio_for_migration()`,
 * folio_walk) and v6.6's (`add_page_for_migration()`); what differs between
 * them is said where it is modelled. Not modelled: large folios and THP
 * splitting, hugetlb, device memory, movable_ops pages, batching of the
 * unmap and move phases (each folio is unmapped and moved in turn), async
 * modes and the TLB-flush batching they use.
 *
 * @module
 */
import { cond_resched, delay } from "../engine/delay.js";
import type { KernelGen, Task } from "../engine/task.js";
import { EACCES, EAGAIN, EBUSY, EFAULT, ENOENT } from "../include/errno.js";
import { folio_lock, folio_unlock, type Folio } from "./folio.js";
import type { Kernel } from "./kernel.js";
import { PAGE_SIZE, type MmStruct, type Pte } from "./mm.js";
import { try_to_migrate } from "./rmap.js";
import { folio_isolate_lru, folio_putback_lru } from "./vmscan.js";
import { VM } from "./flags.js";

/** NR_MAX_MIGRATE_PAGES_RETRY (mm/migrate.c): passes over a folio that keeps failing with -EAGAIN. */
export const NR_MAX_MIGRATE_PAGES_RETRY = 10;

/** `enum migrate_reason`, the ones the model's callers pass. */
export type MigrateReason = "MR_SYSCALL" | "MR_LONGTERM_PIN";

/** The `new_folio_t` callback: allocate the destination of `src` (`alloc_migration_target()`). */
export type NewFolio = (src: Folio) => Folio;

/** What a migration attempt sees of the rest of the system: CPU time to copy one page. */
export interface MigrateCost {
  /** ns of CPU time `folio_copy()` takes for one page; the migration entries are in place meanwhile. */
  readonly copyNs: number;
}

/**
 * `folio_expected_refs()` (mm/migrate.c, v6.x; `expected_page_refs()`
 * before): for an unmapped small folio, the isolation's reference, plus the
 * page cache's or the swap cache's.
 */
function folio_expected_refs(k: Kernel, folio: Folio): number {
  const swapcache = folio.swapEntry !== null && k.swap.cache.get(folio.swapEntry) === folio;
  return 1 + (folio.mapping !== null || swapcache ? 1 : 0);
}

/**
 * `__folio_migrate_mapping()` (v6.12; the second half of
 * `folio_migrate_mapping()` before): `folio_ref_freeze()` at the expected
 * count, -EAGAIN if a reference came or went since the check; else the new
 * folio takes the old one's place in the page cache or swap cache.
 * Returns 0 or -EAGAIN.
 */
function __folio_migrate_mapping(k: Kernel, dst: Folio, src: Folio, expected_count: number): number {
  if (src.refcount !== expected_count) return EAGAIN;
  if (src.mapping !== null) {
    src.mapping.pages.set(src.index, dst);
    dst.refcount++;
    src.refcount--;
  }
  if (src.swapEntry !== null && k.swap.cache.get(src.swapEntry) === src) {
    k.swap.cache.set(src.swapEntry, dst);
    dst.swapEntry = src.swapEntry;
    src.swapEntry = null;
    dst.refcount++;
    src.refcount--;
  }
  return 0;
}

/**
 * `migrate_folio()` -> `__migrate_folio()` (v6.12): "Check whether src
 * does not have extra refs before we do more work" (`folio_ref_count(src)
 * != expected_count`: -EAGAIN, a GUP reference or pin makes it fail), then
 * `folio_mc_copy()` (`copyNs` of CPU time), then
 * `__folio_migrate_mapping()`, then `folio_migrate_flags()` (uptodate,
 * dirty, readahead, KSM; PageAnonExclusive travels in the migration entry).
 * Before the 2024 rework that brought `folio_mc_copy()` here (commit not
 * identified), `folio_migrate_mapping()` checked and replaced the mapping
 * and `folio_migrate_copy()` copied afterwards: the same check, before the
 * copy too.
 * Returns 0 or -EAGAIN.
 */
function* migrate_folio(k: Kernel, t: Task, dst: Folio, src: Folio, cost: MigrateCost): KernelGen<number> {
  const expected_count = folio_expected_refs(k, src);
  if (src.refcount !== expected_count) return EAGAIN;
  yield* delay(t, "cpu", cost.copyNs, "folio_mc_copy", { pfn: src.pfn });
  dst.data = src.data;
  const rc = __folio_migrate_mapping(k, dst, src, expected_count);
  if (rc) return rc;
  dst.uptodate = src.uptodate;
  dst.dirty = src.dirty;
  dst.readahead = src.readahead;
  dst.ksm = src.ksm;
  return 0;
}

/**
 * `remove_migration_ptes(src, dst)` -> `remove_migration_pte()`: every
 * migration entry of `src` becomes a present PTE of `dst` (of `src` itself
 * when the migration failed), with the entry's write and dirty bits, and
 * PageAnonExclusive again for an exclusive entry (RMAP_EXCLUSIVE); each
 * mapping takes its mapcount and reference.
 */
export function remove_migration_ptes(k: Kernel, src: Folio, dst: Folio): void {
  for (const mm of k.mms) {
    for (const [vpn, pte] of [...mm.ptes()]) {
      if (pte.kind !== "migration" || pte.folio !== src) continue;
      dst.mapcount++;
      dst.refcount++;
      if (pte.exclusive) dst.anonExclusive = true;
      mm.set_pte(vpn * PAGE_SIZE, { kind: "present", folio: dst, write: pte.write, ...(pte.dirty ? { dirty: true } : {}) });
    }
  }
}

/**
 * One attempt at one folio, MIGRATE_SYNC: `migrate_folio_unmap()` (lock
 * it, allocate the new folio, `try_to_migrate()`; a folio still mapped
 * afterwards is -EAGAIN) and `migrate_folio_move()` (`move_to_new_folio()`,
 * then `remove_migration_ptes()` to the new folio); on -EAGAIN
 * `migrate_folio_undo_src()` restores the old mappings and the new folio is
 * freed. On success the old folio's isolation reference goes with it.
 * Returns 0 (MIGRATEPAGE_SUCCESS) or -EAGAIN.
 */
function* migrate_one(k: Kernel, t: Task, src: Folio, get_new_folio: NewFolio, cost: MigrateCost): KernelGen<number> {
  yield* folio_lock(t, src);
  const dst = get_new_folio(src);
  dst.lockedBy = t.name;
  const was_mapped = src.mapcount > 0;
  if (was_mapped) yield* try_to_migrate(k, t, src);
  let rc = src.mapcount > 0 ? EAGAIN : yield* migrate_folio(k, t, dst, src, cost);
  if (rc) {
    if (was_mapped) remove_migration_ptes(k, src, src);
    // migrate_folio_undo_dst(): the new folio is freed.
    dst.refcount--;
  } else {
    if (was_mapped) remove_migration_ptes(k, src, dst);
    // The new folio's allocation reference, and the old one's isolation reference, go.
    dst.refcount--;
    src.refcount--;
    rc = 0;
  }
  folio_unlock(dst);
  folio_unlock(src);
  return rc;
}

/**
 * `migrate_pages()` of the isolated `from` folios, MIGRATE_SYNC: each is
 * tried up to NR_MAX_MIGRATE_PAGES_RETRY times while it fails with
 * -EAGAIN (cond_resched() between passes); a folio that never migrates is
 * put back on the LRU (`putback_movable_pages()`, which the callers do in
 * the kernel). Traced as the `mm_migrate_pages` tracepoint. Returns the
 * number of folios not migrated (0: all were).
 */
export function* migrate_pages(k: Kernel, t: Task, from: readonly Folio[], get_new_folio: NewFolio, reason: MigrateReason, cost: MigrateCost): KernelGen<number> {
  let failed = 0;
  for (const src of from) {
    let rc = EAGAIN;
    for (let pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY && rc === EAGAIN; pass++) {
      if (pass > 0) yield* cond_resched(t);
      t.sim.charge();
      rc = yield* migrate_one(k, t, src, get_new_folio, cost);
    }
    if (rc) {
      failed++;
      folio_putback_lru(src);
    }
  }
  if (k.sim.tracing) k.sim.event(t, "migrate", "mm_migrate_pages", { nr_succeeded: from.length - failed, nr_failed: failed, reason });
  return failed;
}

/**
 * `migration_entry_wait()` -> `migration_entry_wait_on_locked()`
 * (mm/migrate.c, v6.x; `__migration_entry_wait()` on the page lock before,
 * commit not identified): a fault that
 * finds a migration entry sleeps until the migrating folio is unlocked,
 * then returns, and the access faults again on whatever PTE is there.
 */
export function* migration_entry_wait(t: Task, pte: Extract<Pte, { kind: "migration" }>): KernelGen {
  const folio = pte.folio;
  if (folio.lockedBy === null) return;
  if (t.sim.tracing) t.sim.event(t, "folio_wait", "migration_entry_wait", { pfn: folio.pfn });
  yield* folio.waitq.wait_event(t, () => folio.lockedBy === null, () => (folio.lockedBy ? [folio.lockedBy] : []), "uninterruptible");
}

/**
 * `add_folio_for_migration()` (v6.12; `add_page_for_migration()` with
 * follow_page(FOLL_GET | FOLL_DUMP) before): under mmap_read_lock, the
 * folio mapped at `addr`, isolated onto `pagelist`. Returns 1 when queued;
 * 0 when it is on `node` already; -EFAULT with no VMA (or one that cannot
 * migrate, VM_IO|VM_PFNMAP) or for the zero page; -ENOENT when no page is
 * mapped there (none, swap); -EACCES for a page mapped by several
 * processes (`folio_likely_mapped_shared()` in v6.12, page_mapcount() > 1
 * in v6.6), as MPOL_MF_MOVE_ALL is not passed.
 */
function* add_folio_for_migration(k: Kernel, t: Task, mm: MmStruct, addr: number, node: number, pagelist: Folio[]): KernelGen<number> {
  yield* mm.mmap_lock.down_read(t);
  let err = EFAULT;
  const vma = mm.vma_lookup(addr);
  // vma_migratable(): not VM_IO or VM_PFNMAP.
  if (vma && !(vma.vm_flags & (VM.IO | VM.PFNMAP))) {
    const pte = mm.pte(addr);
    if (pte?.kind !== "present") err = ENOENT;
    else if (pte.folio === k.zero_folio) err = EFAULT;
    else if (pte.folio.nid === node) err = 0;
    else if (pte.folio.mapcount > 1) err = EACCES;
    // "err = folio_isolate_lru(folio) ? 1 : -EBUSY": reclaim may have it.
    else if (!folio_isolate_lru(pte.folio)) err = EBUSY;
    else {
      pagelist.push(pte.folio);
      err = 1;
    }
  }
  mm.mmap_lock.up_read(t);
  return err;
}

/** What move_pages(2) returns: the syscall's value and the status array it filled (null: left unwritten). */
export interface MovePagesResult {
  /** 0, the number of pages not migrated, or a negative errno. */
  readonly ret: number;
  /** Per page: the node it is on, a negative errno, or null where the kernel wrote nothing (a page that could not be migrated). */
  readonly status: readonly (number | null)[];
}

/**
 * `do_move_pages_to_node()`: `migrate_pages()` of the queued folios to
 * `node`, allocating there (`alloc_migration_target()` with
 * __GFP_THISNODE: the new pages come from the process's zone on `node`),
 * MIGRATE_SYNC, MR_SYSCALL. Returns the number not migrated.
 */
function do_move_pages_to_node(k: Kernel, t: Task, pagelist: readonly Folio[], node: number, cost: MigrateCost): KernelGen<number> {
  return migrate_pages(k, t, pagelist, (src) => k.folio_alloc(src.mapping, src.index, node), "MR_SYSCALL", cost);
}

/**
 * `do_pages_move()` for `nr_pages` pages from `start` of `mm`, all to
 * `node` (move_pages(2) with MPOL_MF_MOVE): queue each page
 * (`add_folio_for_migration()`); a page that is not queued gets its status
 * at once and the pages queued before it are migrated
 * (`move_pages_and_store_status()`); at the end the rest are. A page that
 * could not be migrated leaves its status unwritten, and the syscall
 * returns the number of pages not migrated, counting those after the
 * failing batch (5984fabb6e82, "mm: move_pages: report the number of
 * non-attempted pages"; its release not checked: the model counts them on
 * every profile). Runs without mmap_lock except around each lookup, as the
 * kernel does.
 */
export function* do_pages_move(k: Kernel, t: Task, mm: MmStruct, start: number, nr_pages: number, node: number, cost: MigrateCost): KernelGen<MovePagesResult> {
  const status: (number | null)[] = new Array<number | null>(nr_pages).fill(null);
  let pagelist: Folio[] = [];
  let first = 0;
  // move_pages_and_store_status(): migrate what is queued, then store `node` for pages first..i-1.
  const flush = function* (i: number): KernelGen<number> {
    if (pagelist.length === 0) return 0;
    const err = yield* do_move_pages_to_node(k, t, pagelist, node, cost);
    pagelist = [];
    if (err > 0) return err + nr_pages - i;
    for (let j = first; j < i; j++) if (status[j] === null) status[j] = node;
    return 0;
  };
  for (let i = 0; i < nr_pages; i++) {
    t.sim.charge();
    const err = yield* add_folio_for_migration(k, t, mm, start + i * PAGE_SIZE, node, pagelist);
    if (err > 0) continue;
    status[i] = err || node;
    const ret = yield* flush(i);
    // "We have accounted for page i".
    if (ret) return { ret: ret > 0 ? ret - 1 : ret, status };
    first = i + 1;
  }
  return { ret: yield* flush(nr_pages), status };
}
