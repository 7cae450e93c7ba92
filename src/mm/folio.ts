/**
 * Folios with their reference and map counts, the folio lock (PG_locked and
 * its wait queue, include/linux/pagemap.h folio_lock / folio_trylock /
 * folio_unlock / folio_wait_locked), and PG_uptodate.
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { WaitQueue } from "../engine/waitqueue.js";
import type { AddressSpace } from "./pagecache.js";

/**
 * The zone a page frame belongs to (`enum zone_type`, the ones the model
 * allocates from): ZONE_NORMAL, or ZONE_MOVABLE, whose pages the kernel
 * promises to be able to migrate away (memory hot-unplug, `movablecore=`).
 */
export type Zone = "ZONE_NORMAL" | "ZONE_MOVABLE";

/** A folio (one base page in this model). */
export class Folio {
  /** Page frame number, unique within a simulation. */
  readonly pfn: number;
  /** `folio_ref_count()`. */
  refcount = 1;
  /** `folio_mapcount()`: page-table entries mapping it. */
  mapcount = 0;
  /** PG_uptodate: contents valid. */
  uptodate = false;
  /** PG_dirty: contents newer than the file's (`folio_mark_dirty()`). */
  dirty = false;
  /** PG_hwpoison: its memory had an uncorrected error; memory_failure() keeps a reference, so it is never freed. */
  hwpoison = false;
  /** PageKsm: a page KSM merged; read-only in every mapping, copied on any write. */
  ksm = false;
  /** PageAnonExclusive (v5.19+): an anonymous page mapped by one process only, which may be written without COW. */
  anonExclusive = false;
  /** The page's contents, as the last value stored in it (0: zeroed, or the file's data); copies carry it. */
  data = 0;
  /** PG_writeback: a write of its contents (`swap_writepage()`) is in flight; set by `folio_start_writeback()`, cleared by `folio_end_writeback()`. */
  writeback = false;
  /** Off the LRU: `folio_isolate_lru()` took it for reclaim (PG_lru clear) until `folio_putback_lru()`. */
  isolated = false;
  /** PG_readahead: the marker a readahead leaves for the next async readahead. */
  readahead = false;
  /** PG_locked holder (task name, or the IO that will unlock it), or null. */
  lockedBy: string | null = null;
  /** Page-cache mapping for file folios; null for anonymous ones. */
  readonly mapping: AddressSpace | null;
  /** Index in the mapping (file) or page in the VMA (anon). */
  readonly index: number;
  /**
   * The driver buffer this page belongs to (a driver's `->mmap` allocated it
   * with alloc_page() and maps it with vm_insert_page()), or null. Such a
   * page is neither anonymous (page->mapping has no PAGE_MAPPING_ANON) nor
   * in a page cache; the driver holds one reference until it frees the buffer.
   */
  driver: string | null = null;
  /** Swap entry while in the swap cache. */
  swapEntry: number | null = null;
  /** The folio's wait queue (folio_waitqueue()). */
  readonly waitq: WaitQueue;
  /** `folio_nid()`: the NUMA node of its memory. */
  readonly nid: number;
  /** `folio_zonenum()`: the zone of its memory. */
  readonly zone: Zone;

  constructor(pfn: number, mapping: AddressSpace | null, index: number, nid = 0, zone: Zone = "ZONE_NORMAL") {
    this.pfn = pfn;
    this.mapping = mapping;
    this.index = index;
    this.nid = nid;
    this.zone = zone;
    this.waitq = new WaitQueue(`folio ${pfn} lock`);
  }

  /** PG_locked. */
  get locked(): boolean {
    return this.lockedBy !== null;
  }
}

/** include/linux/mm.h GUP_PIN_COUNTING_BIAS: what one FOLL_PIN adds to a small folio's refcount (3faa52c03f44, v5.7). */
export const GUP_PIN_COUNTING_BIAS = 1024;

/**
 * `folio_maybe_dma_pinned()` for a small folio (the model has no large
 * ones): refcount >= GUP_PIN_COUNTING_BIAS, so 1024 plain references read
 * as a pin too ("false positives are OK").
 */
export function folio_maybe_dma_pinned(f: Folio): boolean {
  return f.refcount >= GUP_PIN_COUNTING_BIAS;
}

/**
 * `folio_is_longterm_pinnable()` (include/linux/mm.h; `is_pinnable_page()`
 * from d1e153fea2a8, v5.13, renamed later, commit not identified; the v6.x body read):
 * CMA and isolated pageblocks, device-coherent and FS DAX pages, and
 * ZONE_MOVABLE pages may not be pinned long-term; the zero page may. The
 * model has no CMA or device memory: it is the ZONE_MOVABLE test.
 */
export function folio_is_longterm_pinnable(f: Folio, zero_folio: Folio): boolean {
  if (f === zero_folio) return true;
  return f.zone !== "ZONE_MOVABLE";
}

/** `folio_trylock()`. */
export function folio_trylock(f: Folio, owner: string): boolean {
  if (f.lockedBy !== null) return false;
  f.lockedBy = owner;
  return true;
}

/**
 * `__folio_lock()`, or `__folio_lock_killable()` with state "killable":
 * sleep until PG_locked is clear, then take it. True with the folio locked;
 * false when SIGKILL ended a killable wait first (-EINTR).
 */
export function* folio_lock(t: Task, f: Folio, state: "uninterruptible" | "killable" = "uninterruptible"): KernelGen<boolean> {
  const holders = () => (f.lockedBy ? [f.lockedBy] : []);
  while (!folio_trylock(f, t.name)) {
    if (t.sim.tracing) t.sim.event(t, "folio_wait", state === "killable" ? "__folio_lock_killable" : "__folio_lock", { pfn: f.pfn });
    if (!(yield* f.waitq.wait_event(t, () => f.lockedBy === null, holders, state))) return false;
  }
  return true;
}

/** `folio_unlock()`: clear PG_locked and wake the waiters. */
export function folio_unlock(f: Folio): void {
  f.lockedBy = null;
  f.waitq.wake_up_all();
}

/**
 * `folio_wait_locked()`, or `folio_wait_locked_killable()` with state
 * "killable": sleep until PG_locked is clear, without taking it. False when
 * SIGKILL ended a killable wait first.
 */
export function* folio_wait_locked(t: Task, f: Folio, state: "uninterruptible" | "killable" = "uninterruptible"): KernelGen<boolean> {
  if (f.lockedBy === null) return true;
  if (t.sim.tracing) t.sim.event(t, "folio_wait", state === "killable" ? "folio_wait_locked_killable" : "folio_wait_locked", { pfn: f.pfn });
  return yield* f.waitq.wait_event(t, () => f.lockedBy === null, () => (f.lockedBy ? [f.lockedBy] : []), state);
}
