/**
 * KSM's merge of two identical anonymous pages, mm/ksm.c
 * `try_to_merge_two_pages()`: the first page is write-protected and becomes
 * the KSM page, then the second is write-protected and its PTE replaced by
 * one mapping the KSM page (`replace_page()`), which frees it.
 *
 * `write_protect_page()` clears the PTE and flushes the TLB before its
 * refcount check ("this assure us that no O_DIRECT can happen after the
 * check or in the middle of the check"), so a GUP reference taken before is
 * counted and a GUP-fast walk after sees no PTE. It makes the check only
 * for a PTE that is writable or dirty, or, since the anon COW rework
 * (v5.19), maps a PageAnonExclusive page, which it then refuses if it may
 * be pinned (`folio_try_share_anon_rmap_pte()`); a clean read-only PTE of a
 * shared page is merged without it.
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { flush_tlb_mm_range } from "../arch/x86/mm/tlb.js";
import { folio_maybe_dma_pinned, folio_trylock, folio_unlock, type Folio } from "./folio.js";
import type { Kernel } from "./kernel.js";
import { vma_is_anonymous, vma_is_shared, type Vma } from "./mm.js";

/** One side of a merge: a page of a VMA. */
export interface KsmPage {
  /** The VMA (of any process). */
  readonly vma: Vma;
  /** The address in it. */
  readonly address: number;
}

/**
 * `write_protect_page()`: make the PTE of `p` read-only if nobody but its
 * mappings holds the page; false (the PTE restored) if a reference beyond
 * them, or a possible pin on an exclusive page (v5.19+), is seen.
 */
function* write_protect_page(k: Kernel, t: Task, p: KsmPage, folio: Folio): KernelGen<boolean> {
  const mm = p.vma.vm_mm;
  const entry = mm.pte(p.address);
  if (entry?.kind !== "present" || entry.folio !== folio) return false;
  if (!entry.write && !entry.dirty && !folio.anonExclusive) return true;
  // ptep_clear_flush(): the PTE is none, and every CPU has dropped it, before the check.
  mm.clear_pte(p.address);
  yield* flush_tlb_mm_range(k, t, mm);
  const swapped = folio.swapEntry !== null && k.swap.cache.get(folio.swapEntry) === folio ? 1 : 0;
  // "+ 1": ksmd's own reference from follow_page().
  if (folio.mapcount + 1 + swapped !== folio.refcount || (folio.anonExclusive && folio_maybe_dma_pinned(folio))) {
    mm.set_pte(p.address, entry);
    return false;
  }
  folio.anonExclusive = false;
  // "if (pte_dirty(entry)) set_page_dirty(page); entry = pte_mkclean(pte_wrprotect(entry))".
  if (entry.dirty) folio.dirty = true;
  mm.set_pte(p.address, { kind: "present", folio, write: false });
  return true;
}

/** `replace_page()`: the PTE of `p` maps `kfolio` read-only; `folio` loses that mapping and its reference. */
function replace_page(p: KsmPage, folio: Folio, kfolio: Folio): void {
  kfolio.refcount++;
  kfolio.mapcount++;
  p.vma.vm_mm.set_pte(p.address, { kind: "present", folio: kfolio, write: false });
  folio.mapcount--;
  folio.refcount--;
}

/**
 * `try_to_merge_two_pages()` of `a` (which becomes the KSM page) and `b`,
 * each under its mm's mmap_lock for read and its page lock, with ksmd's
 * reference held (`follow_page`); returns whether they were merged. Pages
 * must be anonymous, private and identical (`pages_identical()`).
 */
export function* try_to_merge_two_pages(k: Kernel, t: Task, a: KsmPage, b: KsmPage): KernelGen<boolean> {
  const merged = yield* try_to_merge_with_ksm_page(k, t, a, null);
  if (!merged) return false;
  return (yield* try_to_merge_with_ksm_page(k, t, b, merged)) !== null;
}

/** `try_to_merge_with_ksm_page()`: write-protect `p`'s page and, given a KSM page, replace it; returns the KSM page, or null. */
function* try_to_merge_with_ksm_page(k: Kernel, t: Task, p: KsmPage, kfolio: Folio | null): KernelGen<Folio | null> {
  const mm = p.vma.vm_mm;
  yield* mm.mmap_lock.down_read(t);
  const pte = mm.pte(p.address);
  const folio = pte?.kind === "present" ? pte.folio : null;
  let result: Folio | null = null;
  if (folio && folio !== k.zero_folio && folio.mapping === null && vma_is_anonymous(p.vma) && !vma_is_shared(p.vma) && folio_trylock(folio, t.name)) {
    folio.refcount++;
    // try_to_merge_one_page(): write-protect first, then pages_identical().
    if ((yield* write_protect_page(k, t, p, folio)) && (kfolio === null || kfolio.data === folio.data)) {
      if (kfolio) replace_page(p, folio, kfolio);
      else folio.ksm = true;
      result = kfolio ?? folio;
    }
    folio.refcount--;
    folio_unlock(folio);
  }
  mm.mmap_lock.up_read(t);
  return result;
}
