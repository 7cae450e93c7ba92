/**
 * Swap: swap entries, the swap cache, and swap-in IO (mm/swap_state.c).
 *
 * @module
 */
import type { Folio } from "./folio.js";

/** A swap device with its swap cache. */
export class SwapDevice {
  /** Folios in the swap cache, by swap entry. */
  readonly cache = new Map<number, Folio>();
  private nextEntry = 1;

  /** get_swap_page(): a fresh swap entry. */
  alloc_entry(): number {
    return this.nextEntry++;
  }

  /** `swap_cache_get_folio()`: the swap-cache folio of `entry`, taking a reference, or null. */
  swap_cache_get_folio(entry: number): Folio | null {
    const f = this.cache.get(entry) ?? null;
    if (f) f.refcount++;
    return f;
  }
}
