/**
 * Page reclaim of a list of isolated folios, mm/vmscan.c, as MADV_PAGEOUT
 * drives it (`reclaim_pages()`, 1a4e58cce84e, v5.4+): each anonymous folio
 * is added to the swap cache, unmapped (`try_to_unmap()`), written out
 * (`pageout()` -> `swap_writepage()`) and, once clean and held by nobody
 * but the swap cache and reclaim, freed (`__remove_mapping()`'s refcount
 * freeze). A folio held by anyone else stays: unmapped, in the swap cache,
 * where the next fault on its address finds it (`do_swap_page()`).
 *
 * Only anonymous folios are modelled; the model has no LRU lists, young
 * bits, mlock or swap-full accounting (`mem_cgroup_swap_full()` is false).
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { folio_maybe_dma_pinned, folio_trylock, folio_unlock, type Folio } from "./folio.js";
import type { Kernel } from "./kernel.js";
import { try_to_unmap } from "./rmap.js";

/** What `shrink_folio_list()` did with one folio: freed, or kept (put back on the LRU, maybe activated). */
type Verdict = "reclaimed" | "keep" | "keep_locked";

/** `folio_isolate_lru()` (mm/vmscan.c): take `folio` off the LRU for reclaim or migration, with a reference; false if someone already isolated it. */
export function folio_isolate_lru(folio: Folio): boolean {
  if (folio.isolated) return false;
  folio.isolated = true;
  folio.refcount++;
  return true;
}

/** `folio_putback_lru()`: back on the LRU, dropping the isolation reference. */
export function folio_putback_lru(folio: Folio): void {
  folio.isolated = false;
  folio.refcount--;
}

/**
 * `is_page_cache_freeable()` (mm/vmscan.c, v5.7..v6.12): referenced only
 * by the isolating caller and the swap cache ("1 + folio_nr_pages"); with
 * any other reference (a GUP reference or pin, a racing fault) `pageout()`
 * returns PAGE_KEEP and writes nothing.
 */
function is_page_cache_freeable(folio: Folio): boolean {
  return folio.refcount === 2;
}

/**
 * `__remove_mapping()` (mm/vmscan.c, v5.7..v6.12) of a locked swap-cache
 * folio: `folio_ref_freeze(folio, 1 + nr_pages)` fails while anyone but
 * the swap cache and reclaim holds it (cannot_free); a dirty folio is not
 * freed either. Otherwise it leaves the swap cache (`__delete_from_swap_cache()`).
 */
function __remove_mapping(k: Kernel, folio: Folio): boolean {
  if (folio.refcount !== 2 || folio.dirty) return false;
  k.swap.delete_from_swap_cache(folio);
  return true;
}

/**
 * One anonymous folio of `shrink_folio_list()` (`shrink_page_list()` before
 * v5.19), called with reclaim's isolation reference: trylock (keep if
 * locked); keep one under writeback; keep one that may be pinned out of
 * the swap cache (v5.11+); `add_to_swap()` if not in the swap cache yet; `try_to_unmap()`, and activate_locked if it is still mapped;
 * `pageout()` of a dirty folio (PAGE_KEEP unless freeable; else the swap
 * write, which unlocks it: keep while under writeback or dirty, relock
 * otherwise); then `__remove_mapping()` and the free.
 */
function* shrink_folio(k: Kernel, t: Task, folio: Folio): KernelGen<Verdict> {
  if (!folio_trylock(folio, t.name)) return "keep";
  if (folio.writeback) return "keep_locked";
  // "if (folio_maybe_dma_pinned(folio)) goto keep_locked;" before folio_alloc_swap() (feb889fb40fa, v5.11).
  if (folio.swapEntry === null && k.behaviour.pageout_skips_pinned && folio_maybe_dma_pinned(folio)) return "keep_locked";
  const entry = folio.swapEntry ?? k.swap.add_to_swap(folio);
  if (folio.mapcount > 0) {
    yield* try_to_unmap(k, t, folio);
    // activate_locked: still mapped (a refused unmap); it stays in the swap cache.
    if (folio.mapcount > 0) return "keep_locked";
  }
  if (folio.dirty) {
    if (!is_page_cache_freeable(folio)) return "keep_locked";
    // pageout() -> folio_clear_dirty_for_io() -> swap_writepage(): the write unlocks the folio.
    folio.dirty = false;
    k.submit_swap_write(t, folio, entry, k.io.swapout(t));
    if (folio.writeback || folio.dirty || !folio_trylock(folio, t.name)) return "keep";
  }
  if (!__remove_mapping(k, folio)) return "keep_locked";
  folio_unlock(folio);
  return "reclaimed";
}

/**
 * `reclaim_pages()` (mm/vmscan.c, 1a4e58cce84e v5.4+; `reclaim_folio_list()`
 * -> `shrink_folio_list()` v6.12): reclaim each isolated folio, then put
 * back those kept; a reclaimed folio's last reference (the isolation's)
 * goes and it is freed. Returns the number reclaimed.
 */
export function* reclaim_pages(k: Kernel, t: Task, folios: readonly Folio[]): KernelGen<number> {
  let nr_reclaimed = 0;
  for (const folio of folios) {
    const verdict = yield* shrink_folio(k, t, folio);
    if (verdict === "keep_locked") folio_unlock(folio);
    if (verdict === "reclaimed") nr_reclaimed++;
    if (k.sim.tracing) k.sim.event(t, "reclaim", "shrink_folio_list", { pfn: folio.pfn, swapcache: folio.swapEntry !== null, mapped: folio.mapcount > 0 }, verdict);
    // A kept folio goes back to the LRU; a reclaimed one loses its last reference, the isolation's, and is freed (free_unref_folios()).
    folio_putback_lru(folio);
  }
  return nr_reclaimed;
}
