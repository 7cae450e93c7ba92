/**
 * Swap: swap entries with their use counts, the swap cache, and the
 * contents written to each slot (mm/swapfile.c, mm/swap_state.c,
 * mm/page_io.c).
 *
 * @module
 */
import type { Folio } from "./folio.js";

/** A swap device with its swap cache. */
export class SwapDevice {
  /** Folios in the swap cache, by swap entry. */
  readonly cache = new Map<number, Folio>();
  /** Page-table references to each swap entry (`swap_map` counts). */
  private readonly count = new Map<number, number>();
  /** What `swap_writepage()` last wrote to each slot; a slot never written reads as zeroes. */
  private readonly slots = new Map<number, number>();
  private nextEntry = 1;

  /** `folio_alloc_swap()` / get_swap_page(): a fresh swap entry with one reference. */
  alloc_entry(): number {
    const entry = this.nextEntry++;
    this.count.set(entry, 1);
    return entry;
  }

  /**
   * `add_to_swap()` (mm/swap_state.c, v5.x..v6.12): a fresh entry that no
   * page table refers to yet (SWAP_HAS_CACHE only), `folio` added to the
   * swap cache under it with the cache's reference, and marked dirty ("the
   * swap cache page is dirty: it has to be written out").
   */
  add_to_swap(folio: Folio): number {
    const entry = this.nextEntry++;
    this.cache.set(entry, folio);
    folio.swapEntry = entry;
    folio.refcount++;
    folio.dirty = true;
    return entry;
  }

  /** The write of `swap_writepage()` reaching the device: `data` is what the slot of `entry` holds from now on. */
  write_slot(entry: number, data: number): void {
    this.slots.set(entry, data);
  }

  /** What `swap_read_folio()` reads from the slot of `entry` (0 if never written). */
  read_slot(entry: number): number {
    return this.slots.get(entry) ?? 0;
  }

  /** `page_swapcount()`: the page tables that still refer to `entry`. */
  swapcount(entry: number): number {
    return this.count.get(entry) ?? 0;
  }

  /** `swap_duplicate()`: one more page table refers to `entry` (fork). */
  swap_duplicate(entry: number): void {
    this.count.set(entry, (this.count.get(entry) ?? 0) + 1);
  }

  /** `swap_free()`: one page table fewer refers to `entry`. */
  swap_free(entry: number): void {
    const n = (this.count.get(entry) ?? 1) - 1;
    if (n > 0) this.count.set(entry, n);
    else this.count.delete(entry);
  }

  /**
   * `folio_free_swap()`: once no page table refers to its entry, take the
   * folio out of the swap cache and drop the cache's reference. False if
   * the entry is still in use, or the folio is under writeback
   * (`folio_test_writeback()`).
   */
  folio_free_swap(folio: Folio): boolean {
    const entry = folio.swapEntry;
    if (entry === null || this.count.has(entry) || folio.writeback) return false;
    this.cache.delete(entry);
    folio.swapEntry = null;
    folio.refcount--;
    return true;
  }

  /**
   * `__delete_from_swap_cache()` + `put_swap_folio()`, as `__remove_mapping()`
   * calls them with the refcount frozen: the folio leaves the swap cache and
   * the cache's reference goes; the entry lives on in the page tables.
   */
  delete_from_swap_cache(folio: Folio): void {
    if (folio.swapEntry === null) return;
    this.cache.delete(folio.swapEntry);
    folio.swapEntry = null;
    folio.refcount--;
  }

  /** `swap_cache_get_folio()`: the swap-cache folio of `entry`, taking a reference, or null. */
  swap_cache_get_folio(entry: number): Folio | null {
    const f = this.cache.get(entry) ?? null;
    if (f) f.refcount++;
    return f;
  }
}
