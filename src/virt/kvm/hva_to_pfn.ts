/**
 * Translating a guest frame's host virtual address to a host page,
 * virt/kvm/kvm_main.c `hva_to_pfn()`: GUP-fast first (`hva_to_pfn_fast`),
 * then GUP that may sleep (`hva_to_pfn_slow`). An `async` attempt (the vCPU
 * could take an async page fault instead) is made in the profile's way
 * (`Behaviour.kvm_async_gup`): in v2.6.38 a blocking get_user_pages_fast()
 * that waits for the IO in the vCPU; from v2.6.39 a FOLL_NOWAIT GUP that
 * starts the IO and reports "needs IO" (KVM_PFN_ERR_NEEDS_IO since
 * 6769d1bcd350; `*async = true` and KVM_PFN_ERR_FAULT before).
 *
 * @module
 */
import type { KernelGen, Task } from "../../engine/task.js";
import { FOLL, VM } from "../../mm/flags.js";
import type { Folio } from "../../mm/folio.js";
import { __get_user_pages, get_user_page_fast_only, get_user_pages, get_user_pages_unlocked } from "../../mm/gup.js";
import type { Kernel } from "../../mm/kernel.js";

/** What hva_to_pfn returns: a page, or why not. */
export type PfnResult = { readonly kind: "pfn"; readonly folio: Folio } | { readonly kind: "needs_io" } | { readonly kind: "fault" };

/**
 * `hva_to_pfn_fast()`: `get_user_page_fast_only()`, no mmap_lock: the page
 * if its PTE is present (and writable for a write). The reference is
 * dropped at once: the model keeps no page pinned for the EPT.
 */
export function* hva_to_pfn_fast(k: Kernel, t: Task, hva: number, write: boolean): KernelGen<Folio | null> {
  const folio = yield* get_user_page_fast_only(k, t, hva, write ? FOLL.WRITE : 0);
  if (folio) folio.refcount--;
  return folio;
}

/**
 * The GUP of `hva_to_pfn_slow()`: returns the pages got (0 or 1), the page
 * in `pages` (its reference already dropped). `nowait` asks for
 * FOLL_NOWAIT, made as the profile's KVM made it.
 */
function* hva_to_pfn_slow(k: Kernel, t: Task, hva: number, write: boolean, nowait: boolean, pages: Folio[]): KernelGen<number> {
  const flags = (write ? FOLL.WRITE : 0) | FOLL.HWPOISON;
  let npages: number;
  const how = k.behaviour.kvm_async_gup;
  if (how === "get_user_pages_unlocked") {
    // ce53053ce378 onwards: both attempts are get_user_pages_unlocked(), FOLL_NOWAIT on the async one (v5.10..v6.12 form).
    npages = yield* get_user_pages_unlocked(k, t, hva, 1, pages, flags | (nowait ? FOLL.NOWAIT : 0));
  } else if (!nowait || how === "get_user_pages_fast") {
    // get_user_pages_fast()'s slow path of the time: get_user_pages() under mmap_lock, which it holds across the IO.
    yield* k.mm.mmap_lock.down_read(t);
    npages = yield* get_user_pages(k, t, hva, 1, flags, pages);
    k.mm.mmap_lock.up_read(t);
  } else {
    // get_user_page_nowait(): __get_user_pages(FOLL_TOUCH|FOLL_NOWAIT|FOLL_HWPOISON|FOLL_GET) under mmap_sem.
    yield* k.mm.mmap_lock.down_read(t);
    npages = yield* __get_user_pages(k, t, k.mm, hva, 1, flags | FOLL.NOWAIT | FOLL.TOUCH | FOLL.GET, pages, null);
    k.mm.mmap_lock.up_read(t);
  }
  for (const f of pages) f.refcount--;
  return npages;
}

/**
 * `hva_to_pfn()`: fast path, then (unless `atomic`: GUP-fast only, the
 * meaning ed2f049fc144 spelled out) the slow path; when that fails, a look
 * at the VMA under mmap_lock (`vma_lookup()`): an `async` attempt on a
 * valid VMA reports "needs IO" (`*async = true`), anything else a fault
 * (KVM_PFN_ERR_FAULT).
 */
export function* hva_to_pfn(k: Kernel, t: Task, hva: number, write: boolean, async: boolean, atomic = false): KernelGen<PfnResult> {
  const fast = yield* hva_to_pfn_fast(k, t, hva, write);
  if (fast) return { kind: "pfn", folio: fast };
  if (atomic) return { kind: "fault" };
  const pages: Folio[] = [];
  const npages = yield* hva_to_pfn_slow(k, t, hva, write, async, pages);
  if (npages === 1) return { kind: "pfn", folio: pages[0]! };
  yield* k.mm.mmap_lock.down_read(t);
  const vma = k.mm.vma_lookup(hva);
  k.mm.mmap_lock.up_read(t);
  // vma_is_valid(): the VMA allows the access.
  return async && vma && (vma.vm_flags & (write ? VM.WRITE : VM.READ)) ? { kind: "needs_io" } : { kind: "fault" };
}
