/**
 * Anonymous reverse-map bookkeeping that decides COW, mm/rmap.c and
 * include/linux/rmap.h: PageAnonExclusive (6c287605fd56, v5.19), set when
 * a new anonymous page is mapped and cleared when fork shares it, and
 * fork's refusal to share a maybe-pinned exclusive page. Before v5.19
 * nothing is recorded and COW decides by counts alone. Also reclaim's
 * `try_to_unmap()` of an anonymous folio in the swap cache.
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { flush_tlb_mm_range } from "../arch/x86/mm/tlb.js";
import { folio_maybe_dma_pinned, type Folio } from "./folio.js";
import type { Kernel } from "./kernel.js";
import { PAGE_SIZE, type MmStruct } from "./mm.js";

/** `folio_test_anon()`: an anonymous page; not the zero page, a page-cache page or a driver's page (include/linux/page-flags.h). */
export function folio_test_anon(k: Kernel, folio: Folio): boolean {
  return folio.mapping === null && folio !== k.zero_folio && folio.driver === null;
}

/** `folio_add_new_anon_rmap()`: a newly mapped anonymous page is this mapping's alone (RMAP_EXCLUSIVE, v5.19+). */
export function folio_add_new_anon_rmap(k: Kernel, folio: Folio): void {
  if (k.behaviour.anon_exclusive) folio.anonExclusive = true;
}

/**
 * A new anonymous page holding `data` (`folio_prealloc()` +
 * `copy_user_highpage()`, or zeroed for 0), uptodate and, being mapped by
 * its caller, added with `folio_add_new_anon_rmap()`.
 */
export function anon_folio_alloc(k: Kernel, index: number, data: number): Folio {
  const folio = k.folio_alloc(null, index);
  folio.uptodate = true;
  folio.data = data;
  folio_add_new_anon_rmap(k, folio);
  return folio;
}

/**
 * `folio_needs_cow_for_dma()` (`page_needs_cow_for_dma()` v5.12+,
 * `copy_present_page()`'s tests in v5.9, 70e806e4e645): the process has
 * pinned (MMF_HAS_PINNED) and the page may be pinned.
 */
function folio_needs_cow_for_dma(k: Kernel, mm: MmStruct, folio: Folio): boolean {
  return k.behaviour.fork_copy_pinned && mm.has_pinned && folio_maybe_dma_pinned(folio);
}

/**
 * Fork's decision for a private anonymous page: false when the child must
 * get its own copy now. Since v5.19 `__folio_try_dup_anon_rmap()`: -EBUSY
 * for a maybe-pinned exclusive page; otherwise the page is shared and no
 * longer exclusive. v5.9..v5.18: `copy_present_page()` copies any
 * maybe-pinned page. Before v5.9 every page is shared.
 */
export function folio_try_dup_anon_rmap(k: Kernel, mm: MmStruct, folio: Folio): boolean {
  if (!k.behaviour.anon_exclusive) return !folio_needs_cow_for_dma(k, mm, folio);
  if (folio.anonExclusive && folio_needs_cow_for_dma(k, mm, folio)) return false;
  folio.anonExclusive = false;
  return true;
}

/**
 * `page_try_share_anon_rmap()` (include/linux/rmap.h, v5.19..v6.4;
 * `folio_try_share_anon_rmap_pte()` v6.12) for a page whose PTE was just
 * cleared and flushed: -EBUSY (false) if it may be pinned, else it is no
 * longer exclusive.
 */
function folio_try_share_anon_rmap(folio: Folio): boolean {
  if (folio_maybe_dma_pinned(folio)) return false;
  folio.anonExclusive = false;
  return true;
}

/**
 * `try_to_unmap_one()` (mm/rmap.c, v5.7..v6.12) for the PTE of `mm` at
 * `address` mapping `folio`, an anonymous folio in the swap cache:
 * `ptep_clear_flush()` (the PTE none and every CPU's TLB flushed before
 * anything is decided), the dirty bit moved to the folio,
 * `swap_duplicate()`. From v5.19 (6c287605fd56) a PageAnonExclusive page
 * that may be pinned is refused ("See page_try_share_anon_rmap(): clear
 * PTE first."): `swap_free()`, the PTE restored, false. Otherwise the PTE
 * becomes the swap entry, SWP_EXCLUSIVE if the page was exclusive
 * (1493a1913e34), and the mapping and its reference go. Before v5.19
 * nothing looks at pins.
 */
function* try_to_unmap_one(k: Kernel, t: Task, mm: MmStruct, address: number, folio: Folio): KernelGen<boolean> {
  // page_vma_mapped_walk() takes the PTL and holds it to the end: a fault on the page waits, then finds the swap entry.
  const ptl = yield* mm.pte_offset_map_lock(t, address);
  if (!ptl) return true;
  const pteval = mm.pte(address);
  const entry = folio.swapEntry;
  if (pteval?.kind !== "present" || pteval.folio !== folio || entry === null) {
    mm.pte_unmap_unlock(ptl);
    return true;
  }
  const anon_exclusive = folio.anonExclusive;
  // The mapcount follows the PTE (folio_remove_rmap_pte() comes later under the same PTL; nothing else can look meanwhile).
  mm.clear_pte(address);
  folio.mapcount--;
  yield* flush_tlb_mm_range(k, t, mm);
  if (pteval.dirty) folio.dirty = true;
  mm.swap.swap_duplicate(entry);
  const refused = anon_exclusive && !folio_try_share_anon_rmap(folio);
  if (refused) {
    mm.swap.swap_free(entry);
    mm.set_pte(address, pteval);
    folio.mapcount++;
  } else {
    mm.set_pte(address, anon_exclusive ? { kind: "swap", entry, exclusive: true } : { kind: "swap", entry });
    // folio_put(): the mapping's reference.
    folio.refcount--;
  }
  mm.pte_unmap_unlock(ptl);
  return !refused;
}

/**
 * `try_to_unmap()` (mm/rmap.c): the reverse-map walk over every PTE of
 * every address space that maps `folio` (`rmap_walk_anon()`), calling
 * {@link try_to_unmap_one} on each until one refuses (`walk_abort`). The
 * caller holds the folio lock; it checks `folio_mapped()` afterwards.
 */
export function* try_to_unmap(k: Kernel, t: Task, folio: Folio): KernelGen {
  const mapped: [MmStruct, number][] = [];
  for (const mm of k.mms) for (const [vpn, pte] of mm.ptes()) if (pte.kind === "present" && pte.folio === folio) mapped.push([mm, vpn * PAGE_SIZE]);
  for (const [mm, address] of mapped) if (!(yield* try_to_unmap_one(k, t, mm, address, folio))) return;
}

/**
 * `try_to_migrate()` -> `try_to_migrate_one()` (mm/rmap.c, v6.x; split out
 * of `try_to_unmap()`'s TTU_MIGRATION mode in 2021, commit not identified): walk the folio's
 * mappings (the rmap walk: here every page table of every mm) and replace
 * each present PTE with a migration entry, after `ptep_clear_flush()`;
 * each mapping's mapcount and reference go. Since v5.19
 * (`folio_try_share_anon_rmap_pte()`, 6c287605fd56's series) a
 * PageAnonExclusive page that may be pinned is not unmapped: its PTE is
 * restored and the walk stops, so the folio stays mapped and migration
 * fails. The migration entry keeps the PTE's write and dirty bits and
 * whether the page was exclusive.
 */
export function* try_to_migrate(k: Kernel, t: Task, folio: Folio): KernelGen {
  for (const mm of k.mms) {
    for (const [vpn, pte] of [...mm.ptes()]) {
      if (pte.kind !== "present" || pte.folio !== folio) continue;
      const address = vpn * PAGE_SIZE;
      const exclusive = folio.mapping === null && folio.anonExclusive;
      // ptep_clear_flush() under the PTL, which the kernel holds until the migration entry is set: a fault
      // meanwhile waits for the PTL and then finds that entry. The model has no PTL and shows the entry at once.
      mm.set_pte(address, { kind: "migration", folio, write: pte.write, dirty: pte.dirty, exclusive });
      yield* flush_tlb_mm_range(k, t, mm);
      // folio_try_share_anon_rmap_pte(): -EBUSY for a maybe-pinned exclusive page: "set_pte_at(mm, address, pvmw.pte, pteval); ret = false".
      if (exclusive && !folio_try_share_anon_rmap(folio)) {
        mm.set_pte(address, pte);
        return;
      }
      if (k.sim.tracing) k.sim.event(t, "migrate", "set_migration_pte", { address, pfn: folio.pfn, write: pte.write });
      folio.mapcount--;
      folio.refcount--;
    }
  }
}
