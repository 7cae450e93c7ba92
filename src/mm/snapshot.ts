/**
 * The modelled kernel's state at the end of a run, as data: per VMA every
 * PTE that is not none, per folio its counts, and who holds which sleeping
 * lock. Properties quantify over it the way herd7's final-state clauses do.
 *
 * @module
 */
import type { Kernel } from "./kernel.js";
import { VM, flagNames } from "./flags.js";
import { PAGE_SIZE, type MmStruct, type Vma } from "./mm.js";

/** One page-table entry: present (read-only or writable, the zero page or a folio's pfn), a raw pfn with no struct page (VM_PFNMAP), or a swap entry. */
export type PteState =
  | { readonly page: number; readonly kind: "present"; readonly write: boolean; readonly pfn: number; readonly zero: boolean }
  | { readonly page: number; readonly kind: "pfn"; readonly write: boolean; readonly pfn: number; readonly order?: number }
  | { readonly page: number; readonly kind: "swap"; readonly entry: number }
  | { readonly page: number; readonly kind: "hwpoison"; readonly pfn: number }
  | { readonly page: number; readonly kind: "migration"; readonly write: boolean; readonly pfn: number };

/** A VMA at the end of a run. */
export interface VmaState {
  /** The scenario's name for it. */
  readonly name: string;
  /** vm_start (bytes). */
  readonly start: number;
  /** Size in pages. */
  readonly pages: number;
  /** vm_flags by name (`"VM_READ|VM_WRITE"`). */
  readonly vm_flags: string;
  /** anon_vma_prepare() has run. */
  readonly anon_vma: boolean;
  /** PTEs that are not none, by page index in the VMA, then huge pfnmap leaves (with their order, at their first page); a page not listed is pte_none. */
  readonly ptes: readonly PteState[];
}

/** A folio at the end of a run. */
export interface FolioState {
  /** Page frame number. */
  readonly pfn: number;
  /** folio_ref_count(). */
  readonly refcount: number;
  /** folio_mapcount(). */
  readonly mapcount: number;
  /** The file it caches, or null for anonymous memory. */
  readonly mapping: string | null;
  /** Index in the file (or page in the VMA it was faulted for). */
  readonly index: number;
  /** PG_dirty. */
  readonly dirty: boolean;
  /** The contents: the last value stored in it (0: zeroed, or the file's data). */
  readonly data: number;
  /** In the swap cache. */
  readonly swapcache: boolean;
  /** The shared zero page. */
  readonly zero: boolean;
}

/** The final state: each address space's VMAs with their PTEs, folios still referenced, and lock holders. */
export interface MmState {
  /** The first address space's VMAs, in address order. */
  readonly vmas: readonly VmaState[];
  /** Address spaces made by fork, by the child task they were made for. */
  readonly children: readonly { readonly task: string; readonly vmas: readonly VmaState[] }[];
  /** Folios with a reference left, by pfn. */
  readonly folios: readonly FolioState[];
  /** Sleeping locks of the mm (mmap_lock, per-VMA locks) that someone still holds. */
  readonly locks: readonly { readonly name: string; readonly holders: readonly string[] }[];
}

/** Take the snapshot of `k` (O(PTEs + folios), whatever the VMAs' sizes). */
export function mm_snapshot(k: Kernel): MmState {
  const vmasOf = (mm: MmStruct) => {
    const ptes = new Map<Vma, PteState[]>(mm.vmas.map((v) => [v, []]));
    for (const [vpn, pte] of [...mm.ptes()].sort((a, b) => a[0] - b[0])) {
      const addr = vpn * PAGE_SIZE;
      const v = mm.vma_lookup(addr);
      if (!v) continue;
      const page = (addr - v.start) / PAGE_SIZE;
      ptes.get(v)!.push(
        pte.kind === "present"
          ? { page, kind: "present", write: pte.write, pfn: pte.folio.pfn, zero: pte.folio === k.zero_folio }
          : pte.kind === "pfn"
            ? { page, kind: "pfn", write: pte.write, pfn: pte.pfn }
            : pte.kind === "hwpoison"
              ? { page, kind: "hwpoison", pfn: pte.pfn }
              : pte.kind === "migration"
                ? { page, kind: "migration", write: pte.write, pfn: pte.folio.pfn }
                : { page, kind: "swap", entry: pte.entry },
      );
    }
    // Huge pfnmap leaves: one entry each, at the first page it maps, with its order.
    for (const [vpn, leaf] of mm.huge_leaves()) {
      const v = mm.vma_lookup(vpn * PAGE_SIZE);
      if (v) ptes.get(v)!.push({ page: (vpn * PAGE_SIZE - v.start) / PAGE_SIZE, kind: "pfn", write: leaf.write, pfn: leaf.pfn, order: leaf.order });
    }
    return mm.vmas.map((v): VmaState => ({ name: v.name, start: v.start, pages: (v.end - v.start) / PAGE_SIZE, vm_flags: flagNames("VM", VM, v.vm_flags), anon_vma: v.anon_vma, ptes: ptes.get(v)! }));
  };
  const mm = k.mm;
  const folios = k.folios
    .filter((f) => f.refcount > 0)
    .map((f): FolioState => ({
      pfn: f.pfn,
      refcount: f.refcount,
      mapcount: f.mapcount,
      mapping: f.mapping?.name ?? null,
      index: f.index,
      dirty: f.dirty,
      data: f.data,
      swapcache: f.swapEntry !== null && mm.swap.cache.get(f.swapEntry) === f,
      zero: f === k.zero_folio,
    }));
  const locks = k.mms
    .flatMap((m) => [m.mmap_lock, ...m.vmas.map((v) => v.vm_lock)])
    .map((l) => ({ name: l.name, holders: l.holders() }))
    .filter((l) => l.holders.length > 0);
  return { vmas: vmasOf(mm), children: k.mms.filter((m) => m !== mm).map((m) => ({ task: m.owner, vmas: vmasOf(m) })), folios, locks };
}

/** One page's final state: its PTE as ro/rw/zero/swap/pfn/hwpoison/none, and the folio it maps. */
export interface FinalPage {
  /** The PTE: none, present read-only or writable, the zero page, a swap entry, a raw pfn (VM_PFNMAP), a hwpoison entry or a migration entry. */
  readonly pte: "none" | "ro" | "rw" | "zero" | "swap" | "pfn" | "hwpoison" | "migration";
  /** The folio a present PTE maps (null for none, swap and pfn). */
  readonly folio: FolioState | null;
}

/** Page `page` of VMA `vma` in the first address space, or in the one forked for `task`; null if there is no such VMA. */
export function final_page(final: MmState, vma: string, page: number, task?: string): FinalPage | null {
  const vmas = task === undefined ? final.vmas : final.children.find((c) => c.task === task)?.vmas;
  const v = vmas?.find((x) => x.name === vma);
  if (!v) return null;
  const pte = v.ptes.find((p) => p.page === page || (p.kind === "pfn" && p.order !== undefined && page > p.page && page < p.page + 2 ** p.order));
  if (!pte) return { pte: "none", folio: null };
  if (pte.kind !== "present") return { pte: pte.kind, folio: null };
  return { pte: pte.zero ? "zero" : pte.write ? "rw" : "ro", folio: final.folios.find((f) => f.pfn === pte.pfn) ?? null };
}
