/**
 * Swap: swap entries with their use counts, the swap cache, and swap-in IO
 * (mm/swapfile.c, mm/swap_state.c).
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
  private nextEntry = 1;

  /** `folio_alloc_swap()` / get_swap_page(): a fresh swap entry with one reference. */
  alloc_entry(): number {
    const entry = this.nextEntry++;
    this.count.set(entry, 1);
    return entry;
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
   * the entry is still in use.
   */
  folio_free_swap(folio: Folio): boolean {
    const entry = folio.swapEntry;
    if (entry === null || this.count.has(entry)) return false;
    this.cache.delete(entry);
    folio.swapEntry = null;
    folio.refcount--;
    return true;
  }

  /** `swap_cache_get_folio()`: the swap-cache folio of `entry`, taking a reference, or null. */
  swap_cache_get_folio(entry: number): Folio | null {
    const f = this.cache.get(entry) ?? null;
    if (f) f.refcount++;
    return f;
  }
}
