/**
 * Translating a guest frame's host virtual address to a host page,
 * virt/kvm/kvm_main.c `hva_to_pfn()`: GUP-fast first (`hva_to_pfn_fast`),
 * then GUP under mmap_lock (`hva_to_pfn_slow`, get_user_pages_unlocked),
 * with FOLL_NOWAIT when the caller can take an async page fault. A NOWAIT
 * miss is KVM_PFN_ERR_NEEDS_IO (6769d1bcd350; before it `*async = true`
 * and KVM_PFN_ERR_FAULT).
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { FOLL } from "../mm/flags.js";
import type { Folio } from "../mm/folio.js";
import { get_user_pages_unlocked } from "../mm/gup.js";
import type { Kernel } from "../mm/kernel.js";

/** What hva_to_pfn returns: a page, or why not. */
export type PfnResult = { readonly kind: "pfn"; readonly folio: Folio } | { readonly kind: "needs_io" } | { readonly kind: "fault" };

/** `hva_to_pfn_fast()`: GUP-fast, no mmap_lock: the page if the PTE is present (and writable for a write). */
export function hva_to_pfn_fast(k: Kernel, hva: number, write: boolean): Folio | null {
  const pte = k.mm.pte(hva);
  return pte?.kind === "present" && (pte.write || !write) ? pte.folio : null;
}

/**
 * `hva_to_pfn()`: fast path, then, for an `async` attempt, the slow path with
 * FOLL_NOWAIT. Before FOLL_NOWAIT existed (v2.6.38, af585b921e5d) an async
 * attempt reported "needs IO" whenever GUP-fast failed.
 */
export function* hva_to_pfn(k: Kernel, t: Task, hva: number, write: boolean, async: boolean): KernelGen<PfnResult> {
  const fast = hva_to_pfn_fast(k, hva, write);
  if (fast) return { kind: "pfn", folio: fast };
  if (async && !k.behaviour.fault_retry_nowait) return { kind: "needs_io" };
  const nowait = async;
  const pages: Folio[] = [];
  const flags = (write ? FOLL.WRITE : 0) | (nowait ? FOLL.NOWAIT : 0) | FOLL.HWPOISON;
  const npages = yield* get_user_pages_unlocked(k, t, hva, 1, pages, flags);
  if (npages === 1) {
    pages[0]!.refcount--;
    return { kind: "pfn", folio: pages[0]! };
  }
  return nowait ? { kind: "needs_io" } : { kind: "fault" };
}
