/**
 * The generic fault path, mm/memory.c: `handle_mm_fault()` and the handlers
 * `handle_pte_fault()` reaches (anonymous, file read with fault-around,
 * COW and shared, swap, write-protect). Each returns VM_FAULT_* bits; a
 * result with VM_FAULT_RETRY or VM_FAULT_COMPLETED has released the fault's
 * lock (mmap_lock, or the per-VMA lock under FAULT_FLAG_VMA_LOCK) unless
 * FAULT_FLAG_RETRY_NOWAIT was set.
 *
 * @module
 */
import { KernelBug, NotInProfile } from "../engine/bug.js";
import { EBUSY, EFAULT, EINVAL, ENXIO } from "../include/errno.js";
import type { KernelGen, Task } from "../engine/task.js";
import { FAULT_FLAG, VM, VM_FAULT, VM_FAULT_ERROR, flagNames } from "./flags.js";
import { folio_lock, folio_unlock, type Folio } from "./folio.js";
import { folio_lock_or_retry, maybe_unlock_mmap_for_io } from "./filemap.js";
import type { Kernel } from "./kernel.js";
import { PAGE_SIZE, PMD_ORDER, PTRS_PER_PTE, PUD_ORDER, linear_page_index, vma_end_read, vma_is_anonymous, vma_is_shared, vma_start_read, vm_page_prot_write, type MmStruct, type Pte, type Vma, type VmOperations } from "./mm.js";
import { migration_entry_wait } from "./migrate.js";
import { release_fault_lock, type VmFault } from "./vmfault.js";
import { handle_userfault } from "../fs/userfaultfd.js";
import { anon_folio_alloc, folio_add_new_anon_rmap, folio_test_anon } from "./rmap.js";
import { zap_pte_range } from "./mmap.js";
import type { AddressSpace } from "./pagecache.js";
import { flush_tlb_mm_range } from "../arch/x86/mm/tlb.js";

/** `fault_around_bytes` default (mm/memory.c): 64 KiB, in pages. */
export const FAULT_AROUND_PAGES = 16;

/**
 * Map `folio` at the fault address (set_pte_at + folio_add_*_rmap); an
 * anonymous folio needs the VMA's anon_vma. The zero page is a special PTE
 * (`pte_mkspecial`): no mapcount, no reference (`vm_normal_page()` is NULL).
 */
function map_folio(k: Kernel, vmf: VmFault, folio: Folio, write: boolean, dirty: boolean): void {
  const old = vmf.vma.vm_mm.pte(vmf.address);
  if (old?.kind === "present" && old.folio !== k.zero_folio) old.folio.mapcount--;
  if (folio !== k.zero_folio) folio.mapcount++;
  if (folio_test_anon(k, folio)) vmf.vma.anon_vma = true;
  vmf.vma.vm_mm.set_pte(vmf.address, { kind: "present", folio, write, dirty });
}

/**
 * `vmf_anon_prepare()` (mm/internal.h, mm/memory.c, v6.12): make sure the
 * VMA has an anon_vma before an anonymous folio is mapped; under the VMA
 * lock that needs mmap_lock, taken with `mmap_read_trylock()`, and when
 * that fails the fault drops the VMA lock and returns VM_FAULT_RETRY.
 */
function vmf_anon_prepare(t: Task, vmf: VmFault): number {
  if (vmf.vma.anon_vma || !(vmf.flags & FAULT_FLAG.VMA_LOCK)) return 0;
  if (!vmf.vma.vm_mm.mmap_lock.down_read_trylock(t)) {
    release_fault_lock(t, vmf);
    return VM_FAULT.RETRY;
  }
  vmf.vma.anon_vma = true;
  vmf.vma.vm_mm.mmap_lock.up_read(t);
  return 0;
}

/** The VM_FAULT_WRITE a write fault that made the PTE writable reported, until cb8d86331343 (v6.2) removed it. */
function vm_fault_write(k: Kernel): number {
  return k.behaviour.vm_fault_write ? VM_FAULT.WRITE : 0;
}

/**
 * `do_anonymous_page()`: a read maps the zero page, a write a new zeroed
 * folio; a range registered with userfaultfd MISSING goes to
 * `handle_userfault` instead (mm/memory.c).
 */
function* do_anonymous_page(k: Kernel, t: Task, vmf: VmFault): KernelGen<number> {
  if (vma_is_shared(vmf.vma)) return VM_FAULT.SIGBUS;
  const write = (vmf.flags & FAULT_FLAG.WRITE) !== 0;
  // A read goes to userfaultfd before the zero page; a write only after vmf_anon_prepare() (v6.12 order).
  if (!write && vmf.vma.uffd) return yield* handle_userfault(k, t, vmf, vmf.vma.uffd);
  let folio = k.zero_folio;
  // A FOLL_FORCE write in a VMA without VM_WRITE maps its new page read-only and clean: "if (vma->vm_flags & VM_WRITE) entry = pte_mkwrite(pte_mkdirty(entry))".
  const writable = write && (vmf.vma.vm_flags & VM.WRITE) !== 0;
  if (write) {
    const ret = vmf_anon_prepare(t, vmf);
    if (ret) return ret;
    if (vmf.vma.uffd) return yield* handle_userfault(k, t, vmf, vmf.vma.uffd);
    folio = anon_folio_alloc(k, vmf.pgoff, 0);
  }
  map_folio(k, vmf, folio, writable, writable);
  return 0;
}

/**
 * `finish_fault()`: map the locked folio ->fault returned, unless another
 * task mapped the address while this one slept (`!pte_none` under the PTL:
 * VM_FAULT_NOPAGE, and the caller drops its reference).
 */
function finish_fault(k: Kernel, vmf: VmFault, folio: Folio, write: boolean): number {
  // do_set_pte(): a write fault maps the page dirty, writable only if `write` (maybe_mkwrite: not without VM_WRITE, a FOLL_FORCE write).
  if (vmf.vma.vm_mm.pte(vmf.address) !== undefined) return VM_FAULT.NOPAGE;
  map_folio(k, vmf, folio, write, (vmf.flags & FAULT_FLAG.WRITE) !== 0);
  return 0;
}

/**
 * `do_fault_around()` (mm/memory.c, 8c6e50b0290c v3.15+): the
 * `fault_around_bytes` window aligned on the address's PTE index, clamped
 * to the VMA and to one page table, handed to `->map_pages`.
 */
function do_fault_around(t: Task, vmf: VmFault, map_pages: NonNullable<VmOperations["map_pages"]>): number {
  const pte_off = Math.floor(vmf.address / PAGE_SIZE) % PTRS_PER_PTE;
  const vma_off = vmf.pgoff - vmf.vma.pgoff;
  const vma_pages = (vmf.vma.end - vmf.vma.start) / PAGE_SIZE;
  const from_pte = Math.max(pte_off - (pte_off % FAULT_AROUND_PAGES), pte_off - Math.min(pte_off, vma_off));
  const to_pte = Math.min(from_pte + FAULT_AROUND_PAGES, PTRS_PER_PTE, pte_off + vma_pages - vma_off) - 1;
  return map_pages(t, vmf, vmf.pgoff + from_pte - pte_off, vmf.pgoff + to_pte - pte_off);
}

/**
 * `vmf_can_call_fault()` (mm/memory.c, 12214eba1992 "mm: handle read faults
 * under the VMA lock", v6.7): `->fault` runs under the VMA lock only for a
 * VMA with `->map_pages` (a page-cache mapping); any other (a driver's, such
 * as vfio-pci's BAR) drops the VMA lock and retries under mmap_lock.
 */
function vmf_can_call_fault(t: Task, vmf: VmFault): number {
  if (vmf.vma.vm_ops?.map_pages || !(vmf.flags & FAULT_FLAG.VMA_LOCK)) return 0;
  release_fault_lock(t, vmf);
  return VM_FAULT.RETRY;
}

/** `do_read_fault()`: fault-around first where the VMA has `->map_pages` (v3.15+), then ->fault and map the page-cache folio read-only. */
function* do_read_fault(k: Kernel, t: Task, vmf: VmFault, fault: Fault): KernelGen<number> {
  const map_pages = vmf.vma.vm_ops!.map_pages;
  if (k.behaviour.fault_around && map_pages) {
    const ret = do_fault_around(t, vmf, map_pages);
    if (ret) return ret;
  }
  const can = vmf_can_call_fault(t, vmf);
  if (can) return can;
  let ret = yield* fault(k, t, vmf);
  if (ret & (VM_FAULT_ERROR | VM_FAULT.RETRY | VM_FAULT.NOPAGE)) return ret;
  const folio = vmf.folio!;
  ret |= finish_fault(k, vmf, folio, vm_page_prot_write(vmf.vma));
  folio_unlock(folio);
  if (ret & VM_FAULT.NOPAGE) folio.refcount--;
  return ret;
}

/** `do_cow_fault()`: copy the page-cache folio into a new anonymous folio and map that writable. */
function* do_cow_fault(k: Kernel, t: Task, vmf: VmFault, fault: Fault): KernelGen<number> {
  const prep = vmf_can_call_fault(t, vmf) || vmf_anon_prepare(t, vmf);
  if (prep) return prep;
  let ret = yield* fault(k, t, vmf);
  if (ret & (VM_FAULT_ERROR | VM_FAULT.RETRY | VM_FAULT.NOPAGE)) return ret;
  const folio = vmf.folio!;
  const copy = anon_folio_alloc(k, vmf.pgoff, folio.data);
  ret |= finish_fault(k, vmf, copy, (vmf.vma.vm_flags & VM.WRITE) !== 0);
  if (ret & VM_FAULT.NOPAGE) copy.refcount--;
  folio_unlock(folio);
  folio.refcount--;
  return ret;
}

/**
 * `fault_dirty_shared_page()` (mm/memory.c): mark the folio dirty, unlock
 * it, and throttle in `balance_dirty_pages_ratelimited()` (no dirty limit is
 * modelled, so it returns at once) when it newly dirtied the folio or the
 * VMA has `->page_mkwrite`. Before 89b15332af7c (v5.5) mmap_lock is held
 * across it; from v5.5 a first attempt drops it first
 * (`maybe_unlock_mmap_for_io`) and returns VM_FAULT_RETRY, from v6.0
 * VM_FAULT_COMPLETED (d92725256b4f).
 */
function fault_dirty_shared_page(k: Kernel, t: Task, vmf: VmFault, folio: Folio): number {
  const dirtied = !folio.dirty;
  folio.dirty = true;
  folio_unlock(folio);
  const page_mkwrite = vmf.vma.vm_ops?.page_mkwrite !== undefined;
  const mode = k.behaviour.shared_write_throttle;
  if ((dirtied || page_mkwrite) && mode !== "locked" && maybe_unlock_mmap_for_io(k, t, vmf)) {
    return mode === "completed" ? VM_FAULT.COMPLETED : VM_FAULT.RETRY;
  }
  return 0;
}

/** `do_shared_fault()`: ->fault, ->page_mkwrite if the VMA has one (else the folio stays locked from ->fault), map writable, then `fault_dirty_shared_page()`. */
function* do_shared_fault(k: Kernel, t: Task, vmf: VmFault, fault: Fault): KernelGen<number> {
  const can = vmf_can_call_fault(t, vmf);
  if (can) return can;
  let ret = yield* fault(k, t, vmf);
  if (ret & (VM_FAULT_ERROR | VM_FAULT.RETRY | VM_FAULT.NOPAGE)) return ret;
  const folio = vmf.folio!;
  const page_mkwrite = vmf.vma.vm_ops!.page_mkwrite;
  if (page_mkwrite) {
    folio_unlock(folio);
    yield* page_mkwrite(t, vmf, folio);
  }
  ret |= finish_fault(k, vmf, folio, true);
  if (ret & VM_FAULT.NOPAGE) {
    folio_unlock(folio);
    folio.refcount--;
    return ret;
  }
  return ret | fault_dirty_shared_page(k, t, vmf, folio);
}

/** A VMA's `->fault`. */
type Fault = NonNullable<VmOperations["fault"]>;

/**
 * `do_fault()`: `do_read_fault` / `do_cow_fault` / `do_shared_fault` on a
 * VMA with vm_ops (mm/memory.c); a VMA whose ops have no `->fault` (a raw
 * pfn mapping whose PTE was zapped) gets VM_FAULT_SIGBUS.
 */
function* do_fault(k: Kernel, t: Task, vmf: VmFault): KernelGen<number> {
  const fault = vmf.vma.vm_ops!.fault;
  if (!fault) return VM_FAULT.SIGBUS;
  if (!(vmf.flags & FAULT_FLAG.WRITE)) return yield* do_read_fault(k, t, vmf, fault);
  if (!vma_is_shared(vmf.vma)) return yield* do_cow_fault(k, t, vmf, fault);
  return yield* do_shared_fault(k, t, vmf, fault);
}

/**
 * `do_swap_page()`: bring a swapped-out anonymous page back (mm/memory.c);
 * for a migration entry (a `non_swap_entry()`), `migration_entry_wait()`
 * and return 0, so the access faults again once the migration is done.
 * A write maps the page writable when the profile's reuse rule
 * (`swap_reuse`) allows, else goes on to `do_wp_page()`.
 */
function* do_swap_page(k: Kernel, t: Task, vmf: VmFault, orig_pte: Extract<Pte, { kind: "swap" | "migration" }>): KernelGen<number> {
  // v6.4 (17c05f18e541): swap faults are not handled under the VMA lock; retry under mmap_lock (checked before the entry's type).
  if (vmf.flags & FAULT_FLAG.VMA_LOCK && k.behaviour.per_vma_lock === "anon") return VM_FAULT.RETRY;
  if (orig_pte.kind === "migration") {
    yield* migration_entry_wait(t, orig_pte);
    return 0;
  }
  const entry = orig_pte.entry;
  const swap = vmf.vma.vm_mm.swap;
  let ret = 0;
  let folio = swap.swap_cache_get_folio(entry);
  if (!folio) {
    // swapin_readahead(): allocate, add to the swap cache locked, start the read.
    ret = VM_FAULT.MAJOR;
    folio = k.folio_alloc(null, vmf.pgoff);
    // What the read brings in: the slot's contents, read only once the IO completes (the folio stays locked until then).
    folio.data = swap.read_slot(entry);
    folio.swapEntry = entry;
    swap.cache.set(entry, folio);
    folio.refcount++;
    k.submit_read(t, folio, "swap_read_folio", k.io.swapin(t));
  }
  ret |= yield* folio_lock_or_retry(k, t, vmf, folio);
  if (ret & VM_FAULT.RETRY) {
    folio.refcount--;
    return ret;
  }
  const pte = vmf.vma.vm_mm.pte(vmf.address);
  if (pte?.kind !== "swap" || pte.entry !== entry || !folio.uptodate) {
    // !pte_same(): another task swapped it in and mapped it meanwhile; or the read failed: SIGBUS (out_nomap).
    folio_unlock(folio);
    folio.refcount--;
    return folio.uptodate ? ret : ret | VM_FAULT.SIGBUS;
  }
  const wantWrite = (vmf.flags & FAULT_FLAG.WRITE) !== 0;
  // Before c145e0b47c77 (v5.18), reuse_swap_page() (mm/swapfile.c, v5.7, v5.9), called while this PTE still holds its
  // swap reference: a write reuses the folio when its mapcount plus the entry's swap count is 1, whatever else holds it.
  const reuse_swap_page = wantWrite && !folio.ksm && folio.mapcount + swap.swapcount(entry) <= 1;
  // v5.19+ (1493a1913e34): pte_swp_exclusive(vmf->orig_pte), the SWP_EXCLUSIVE bit try_to_unmap_one() left.
  const exclusive = k.behaviour.anon_exclusive && pte.exclusive === true && !folio.ksm;
  // Map it: swap_free(), and folio_free_swap() once no page table uses the entry
  // (the model always tries to; not while under writeback).
  swap.swap_free(entry);
  swap.folio_free_swap(folio);
  // v5.18+: "exclusive || folio_ref_count(folio) == 1" maps it RMAP_EXCLUSIVE (v5.19+) and, for a write, writable.
  const reuse = k.behaviour.swap_reuse === "reuse_swap_page" ? reuse_swap_page : exclusive || folio.refcount === 1;
  if (reuse) folio_add_new_anon_rmap(k, folio);
  const write = wantWrite && reuse && (vmf.vma.vm_flags & VM.WRITE) !== 0;
  map_folio(k, vmf, folio, write, write);
  folio_unlock(folio);
  if (write) return ret | vm_fault_write(k);
  if (vmf.flags & FAULT_FLAG.WRITE) ret |= yield* do_wp_page(k, t, vmf, folio);
  return ret;
}

/**
 * `do_wp_page()`: write to a present read-only PTE, or unshare it
 * (FAULT_FLAG_UNSHARE from GUP, v5.19+). Shared mappings go through
 * `wp_page_shared()` (->page_mkwrite, then `fault_dirty_shared_page`). A
 * private anonymous folio is reused (`wp_page_reuse()`) when
 * PageAnonExclusive (v5.19+) or when no one else can hold it: mapcount == 1
 * before v5.9 (`reuse_swap_page()`), refcount == 1 since 09854ba94c6a;
 * otherwise, and for the zero page and private file folios, it is copied
 * (`wp_page_copy()`) into a new exclusive page. An unshare only marks the
 * page exclusive, or maps the copy, read-only.
 */
function* do_wp_page(k: Kernel, t: Task, vmf: VmFault, folio: Folio): KernelGen<number> {
  const unshare = (vmf.flags & FAULT_FLAG.UNSHARE) !== 0;
  const anon = folio_test_anon(k, folio);
  if (vma_is_shared(vmf.vma)) {
    // wp_page_shared(): ->page_mkwrite if the VMA has one, else lock the folio (shmem).
    const page_mkwrite = vmf.vma.vm_ops?.page_mkwrite;
    if (page_mkwrite) yield* page_mkwrite(t, vmf, folio);
    else yield* folio_lock(t, folio);
    map_folio(k, vmf, folio, true, true);
    return vm_fault_write(k) | fault_dirty_shared_page(k, t, vmf, folio);
  }
  // reuse_swap_page() counted the swap entry's other users (a forked process's swap PTE) with the mapcount.
  const swapUsers = folio.swapEntry !== null ? k.swap.swapcount(folio.swapEntry) : 0;
  const reusable = k.behaviour.wp_reuse === "refcount" ? folio.refcount === 1 : folio.mapcount + swapUsers === 1;
  // A KSM page is copied, except on v5.1..v5.8 when only this PTE maps it and nothing else holds it (reuse_ksm_page()).
  const ksmReusable = k.behaviour.wp_reuse_ksm && folio.refcount === 1 && folio.mapcount === 1 && folio.swapEntry === null;
  if (anon && (folio.ksm ? ksmReusable : folio.anonExclusive || reusable)) {
    folio_add_new_anon_rmap(k, folio);
    if (unshare) return 0;
    // wp_page_reuse(): maybe_mkwrite(pte_mkdirty()): read-only still without VM_WRITE (a FOLL_FORCE write).
    vmf.vma.vm_mm.set_pte(vmf.address, { kind: "present", folio, write: (vmf.vma.vm_flags & VM.WRITE) !== 0, dirty: true });
    return vm_fault_write(k);
  }
  const prep = vmf_anon_prepare(t, vmf);
  if (prep) return prep;
  const copy = anon_folio_alloc(k, vmf.pgoff, folio.data);
  if (folio !== k.zero_folio) folio.refcount--;
  // wp_page_copy(): maybe_mkwrite(pte_mkdirty()) unless unsharing; read-only without VM_WRITE (a FOLL_FORCE write).
  map_folio(k, vmf, copy, !unshare && (vmf.vma.vm_flags & VM.WRITE) !== 0, !unshare);
  return unshare ? 0 : vm_fault_write(k);
}

/** `handle_pte_fault()`: dispatch on the PTE (mm/memory.c). */
function* handle_pte_fault(k: Kernel, t: Task, vmf: VmFault): KernelGen<number> {
  // Each handler reads and sets the PTE under the PTL: a path that holds it across a flush is waited out first.
  yield* vmf.vma.vm_mm.pte_wait_unlocked(t, vmf.address);
  const pte = vmf.vma.vm_mm.pte(vmf.address);
  if (pte === undefined) return vma_is_anonymous(vmf.vma) ? yield* do_anonymous_page(k, t, vmf) : yield* do_fault(k, t, vmf);
  if (pte.kind === "swap" || pte.kind === "migration") return yield* do_swap_page(k, t, vmf, pte);
  // do_swap_page(): "else if (is_hwpoison_entry(entry)) ret = VM_FAULT_HWPOISON;".
  if (pte.kind === "hwpoison") return VM_FAULT.HWPOISON;
  if (!(vmf.flags & (FAULT_FLAG.WRITE | FAULT_FLAG.UNSHARE)) || pte.write) return 0;
  if (pte.kind === "pfn") {
    if (!(vmf.flags & FAULT_FLAG.WRITE)) return 0;
    // do_wp_page(): no struct page (vm_normal_page() is NULL); a shared VM_PFNMAP mapping is made writable in place (wp_pfn_shared()).
    vmf.vma.vm_mm.set_pte(vmf.address, { ...pte, write: true });
    return vm_fault_write(k);
  }
  return yield* do_wp_page(k, t, vmf, pte.folio);
}

/**
 * `__handle_mm_fault()`'s huge steps (mm/memory.c, v6.12): where the PUD
 * is none and the VMA allows PUD_ORDER, `create_huge_pud()` ->
 * `->huge_fault(PUD_ORDER)`; then, where the PMD is none,
 * `create_huge_pmd()` -> `->huge_fault(PMD_ORDER)`; a result without
 * VM_FAULT_FALLBACK ends the fault. `thp_vma_allowable_order()` allows a
 * non-anonymous VMA with `->huge_fault` in the fault path ("Trust that
 * ->huge_fault() handlers know what they are doing"; a VM_PFNMAP one since
 * 5dd40721f147 "mm: allow THP orders for PFNMAPs", v6.12), with THP
 * enabled "always" assumed (its sysfs check). Returns the result, or null
 * to go on to the PTE level.
 */
function* create_huge_entry(k: Kernel, t: Task, vmf: VmFault): KernelGen<number | null> {
  const huge_fault = vmf.vma.vm_ops?.huge_fault;
  if (!huge_fault) return null;
  const mm = vmf.vma.vm_mm;
  for (const [order, none] of [[PUD_ORDER, mm.pud_none(vmf.address)], [PMD_ORDER, mm.pmd_none(vmf.address)]] as const) {
    if (!none) continue;
    const ret = yield* huge_fault(k, t, vmf, order);
    if (!(ret & VM_FAULT.FALLBACK)) return ret;
  }
  return null;
}

/**
 * `vmf_insert_pfn_pmd()` / `vmf_insert_pfn_pud()` (mm/huge_memory.c,
 * v6.12): a huge pfnmap leaf for `pfn` at the fault address aligned down to
 * the order, with the VMA's `vm_page_prot`; an entry already there is left
 * as it is (`insert_pfn_pmd()`'s `!pmd_none`). Returns VM_FAULT_NOPAGE and
 * whether it installed the leaf.
 */
export function vmf_insert_pfn_huge(vmf: VmFault, pfn: number, order: typeof PMD_ORDER | typeof PUD_ORDER): { readonly ret: number; readonly installed: boolean } {
  const mm = vmf.vma.vm_mm;
  const haddr = vmf.address - (vmf.address % (PAGE_SIZE * 2 ** order));
  if (order === PUD_ORDER ? !mm.pud_none(haddr) : !mm.pmd_none(haddr)) return { ret: VM_FAULT.NOPAGE, installed: false };
  mm.set_huge(haddr, { pfn, write: vm_page_prot_write(vmf.vma), order });
  return { ret: VM_FAULT.NOPAGE, installed: true };
}

/**
 * `handle_mm_fault()`: the caller holds mmap_lock for read, or the VMA's
 * lock with FAULT_FLAG_VMA_LOCK, and has checked the access against
 * vm_flags (`access_error`, `check_vma_flags`). Returns VM_FAULT_*; with
 * VM_FAULT_RETRY or VM_FAULT_COMPLETED that lock has been released unless
 * FAULT_FLAG_RETRY_NOWAIT was set.
 */
export function* handle_mm_fault(k: Kernel, t: Task, vma: Vma, address: number, flags: number): KernelGen<number> {
  if ((flags & FAULT_FLAG.RETRY_NOWAIT) && !k.behaviour.fault_retry_nowait) {
    throw new NotInProfile("FAULT_FLAG_RETRY_NOWAIT does not exist before v2.6.39 (318b275fbca1)");
  }
  const addr = address - (address % PAGE_SIZE);
  const vmf: VmFault = { vma, address: addr, pgoff: linear_page_index(vma, addr), flags, folio: null, lockDropped: false };
  const trace = k.sim.tracing;
  if (trace) k.sim.event(t, "mm_fault", "handle_mm_fault", { vma: vma.name, page: vmf.pgoff, flags: flagNames("FAULT_FLAG", FAULT_FLAG, flags) });
  const huge = yield* create_huge_entry(k, t, vmf);
  const ret = huge ?? (yield* handle_pte_fault(k, t, vmf));
  const lock = flags & FAULT_FLAG.VMA_LOCK ? "vma_lock" : "mmap_lock";
  if (trace) k.sim.event(t, "mm_fault_done", "handle_mm_fault", { vma: vma.name, page: vmf.pgoff, [lock]: vmf.lockDropped ? "dropped" : "held" }, flagNames("VM_FAULT", VM_FAULT, ret));
  return ret;
}

/**
 * `lock_vma_under_rcu()` (mm/memory.c, v6.4..v6.14): the VMA at `address`
 * read-locked with `vma_start_read()`, or null (the caller falls back to
 * mmap_lock). v6.4 refuses file VMAs, anonymous ones without an anon_vma
 * and userfaultfd-armed ones; v6.12 refuses none of them.
 */
export function lock_vma_under_rcu(k: Kernel, mm: MmStruct, t: Task, address: number): Vma | null {
  const vma = mm.vma_lookup(address);
  const v6_4 = k.behaviour.per_vma_lock === "anon";
  // v6.4: "Only anonymous vmas are supported for now".
  if (!vma || (v6_4 && !vma_is_anonymous(vma)) || !vma_start_read(mm, vma, t)) return null;
  // v6.4: no anon_vma yet, or userfaults, which may drop mmap_lock: fall back (v6.6+ handles both in the fault).
  if (v6_4 && (!vma.anon_vma || vma.uffd)) {
    vma_end_read(vma, t);
    return null;
  }
  return vma;
}

/**
 * `vm_flags_set()` (include/linux/mm.h, bc292ab00f6c "mm: introduce
 * vma->vm_flags wrapper functions", in v6.4 by Yan Zhao's 2023-05-08 patch
 * against v6.4-rc code; remap_pfn_range() converted by 1c71222e5f23): set
 * `flags` after `mmap_assert_write_locked()`, which WARNs when the caller
 * holds mmap_lock only for read (`vm_flags_set_assert`). Before, callers did
 * `vma->vm_flags |= flags` and nothing was asserted. `from` is the task
 * that runs it; null at scenario build, where `->mmap` runs with mmap_lock
 * held for write as mmap_region() holds it. (Its `vma_start_write()` is not
 * modelled.)
 */
export function vm_flags_set(vma: Vma, flags: number, from: { readonly k: Kernel; readonly t: Task } | null, fn: string): void {
  if (from?.k.behaviour.vm_flags_set_assert) vma.vm_mm.mmap_assert_write_locked(from.t, fn);
  vma.vm_flags |= flags;
}

/**
 * `remap_pfn_range()` (mm/memory.c): map `[addr, addr + pages)` of `vma`
 * to the raw pfns from `pfn` at once, each a special PTE (`pte_mkspecial`,
 * no struct page), writable if the VMA is; sets VM_IO | VM_PFNMAP |
 * VM_DONTEXPAND | VM_DONTDUMP with {@link vm_flags_set}. Drivers call it
 * from `->mmap`, with mmap_lock held for write (`from` null: at scenario
 * build), or, as vfio-pci did from 11c4cd07ba11 to aac6db75a9fc, from a
 * fault handler (`from`: the faulting task). `remap_pte_range()` has
 * `BUG_ON(!pte_none(*pte))` (v4.18-era copy read; still a BUG in the
 * v5.11-rc3 trace of 6a45ece4c9af's commit message): a PTE already there
 * is a kernel bug. `io_remap_pfn_range()` is the same on x86.
 */
export function remap_pfn_range(vma: Vma, addr: number, pfn: number, pages: number, from: { readonly k: Kernel; readonly t: Task } | null = null): void {
  vm_flags_set(vma, VM.IO | VM.PFNMAP | VM.DONTEXPAND | VM.DONTDUMP, from, "remap_pfn_range");
  const write = vm_page_prot_write(vma);
  for (let i = 0; i < pages; i++) {
    const at = addr + i * PAGE_SIZE;
    if (vma.vm_mm.pte(at) !== undefined) throw new KernelBug(`kernel BUG at mm/memory.c: remap_pte_range(): BUG_ON(!pte_none(*pte)) at ${vma.name} page ${(at - vma.start) / PAGE_SIZE}`);
    vma.vm_mm.set_pte(at, { kind: "pfn", pfn: pfn + i, write });
  }
}

/**
 * `vmf_insert_pfn()` (mm/memory.c, v6.x; `vmf_insert_pfn_prot()` ->
 * `insert_pfn()`): one special PTE for `pfn` at `addr`, with the VMA's
 * `vm_page_prot` (writable in a shared writable VM_PFNMAP mapping). A
 * VMA that is neither VM_PFNMAP nor VM_MIXEDMAP is a BUG_ON; an address
 * outside the VMA is VM_FAULT_SIGBUS; a PTE already present is left as it
 * is (`insert_pfn()`'s `!pte_none` without mkwrite). Returns
 * VM_FAULT_NOPAGE, and whether it installed an entry.
 */
export function vmf_insert_pfn(vma: Vma, addr: number, pfn: number): { readonly ret: number; readonly installed: boolean } {
  if (!(vma.vm_flags & (VM.PFNMAP | VM.MIXEDMAP))) throw new KernelBug(`vmf_insert_pfn: ${vma.name} is neither VM_PFNMAP nor VM_MIXEDMAP`);
  if (addr < vma.start || addr >= vma.end) return { ret: VM_FAULT.SIGBUS, installed: false };
  if (vma.vm_mm.pte(addr) !== undefined) return { ret: VM_FAULT.NOPAGE, installed: false };
  vma.vm_mm.set_pte(addr, { kind: "pfn", pfn, write: vm_page_prot_write(vma) });
  return { ret: VM_FAULT.NOPAGE, installed: true };
}

/**
 * `zap_page_range_single()` (mm/memory.c): clear the PTEs of `[start, end)`
 * in `vma` (`unmap_single_vma()` -> `zap_pte_range()`), flush the TLB of
 * the VMA's mm if a present entry went (`tlb_finish_mmu()`), then free
 * the pages the entries held.
 */
export function* zap_page_range_single(k: Kernel, t: Task, vma: Vma, start: number, end: number): KernelGen<number> {
  const tlb = zap_pte_range(k, t, vma, start, end);
  if (tlb.flush) yield* flush_tlb_mm_range(k, t, vma.vm_mm);
  for (const f of tlb.freed) f.refcount--;
  return tlb.cleared;
}

/**
 * `zap_vma_ptes()` (mm/memory.c): a driver removes the PTEs of
 * `[start, end)` of one of its VM_PFNMAP VMAs (nothing for any other VMA),
 * with `zap_page_range_single()`. Returns the entries cleared (a huge leaf
 * counts one), which a driver may charge time for.
 */
export function* zap_vma_ptes(k: Kernel, t: Task, vma: Vma, start: number, end: number): KernelGen<number> {
  if (!(vma.vm_flags & VM.PFNMAP)) return 0;
  return yield* zap_page_range_single(k, t, vma, start, end);
}

/**
 * `unmap_mapping_range()` (mm/memory.c, v6.x; `even_cows` as vfio passes
 * it, so private COW copies go too): under the mapping's `i_mmap_rwsem`
 * for read (`i_mmap_lock_read()`), every VMA in its i_mmap that maps a
 * file page of `[first, first + nr)` (`unmap_mapping_range_tree()`) has
 * those pages zapped (`unmap_mapping_range_vma()` ->
 * `zap_page_range_single()`, TLB flush included). A VMA not yet linked
 * into i_mmap (mmap_region() between `->mmap` and `vma_link_file()`) is
 * not seen. Page numbers are file pages (`holebegin >> PAGE_SHIFT`).
 * Returns the entries cleared in every VMA (a huge leaf counts one).
 */
export function* unmap_mapping_range(k: Kernel, t: Task, mapping: AddressSpace, first: number, nr: number): KernelGen<number> {
  const rw = mapping.i_mmap_rwsem;
  if (rw) yield* rw.down_read(t);
  let cleared = 0;
  for (const vma of [...mapping.i_mmap]) {
    const from = Math.max(first, vma.pgoff);
    const to = Math.min(first + nr, vma.pgoff + (vma.end - vma.start) / PAGE_SIZE);
    if (from >= to) continue;
    cleared += yield* zap_page_range_single(k, t, vma, vma.start + (from - vma.pgoff) * PAGE_SIZE, vma.start + (to - vma.pgoff) * PAGE_SIZE);
  }
  if (rw) rw.up_read(t);
  return cleared;
}

/**
 * `vm_normal_page()` (mm/memory.c; v6.13-era copy read, the
 * CONFIG_ARCH_HAS_PTE_SPECIAL branch x86 takes): the struct page a present
 * PTE maps, or null for a special PTE: a raw pfn (remap_pfn_range() in a
 * VM_PFNMAP VMA, or a pfn without struct page a VM_MIXEDMAP driver
 * inserted) and the zero page. A page vm_insert_page() put in a
 * VM_MIXEDMAP VMA has no special bit, so it is a normal, refcounted page.
 * (Without pte_special the kernel decides VM_MIXEDMAP pages by
 * pfn_valid(); x86 has the bit, so the model does not.)
 */
export function vm_normal_page(k: Kernel, pte: Pte): Folio | null {
  if (pte.kind !== "present" || pte.folio === k.zero_folio) return null;
  return pte.folio;
}

/**
 * `insert_page()` (mm/memory.c, v2.6.x..v6.x): `validate_page_before_insert()`
 * refuses a page with no reference or an anonymous one (-EINVAL; the v6.x
 * zero-page case is not modelled), a PTE already there is -EBUSY; otherwise
 * the page gains a reference (`folio_get()`) and a file mapcount
 * (`folio_add_file_rmap_pte()`, `page_add_file_rmap()` before) and is mapped
 * with the VMA's `vm_page_prot`, not special.
 */
function insert_page(k: Kernel, vma: Vma, addr: number, folio: Folio): number {
  if (folio.refcount === 0 || folio_test_anon(k, folio)) return EINVAL;
  if (vma.vm_mm.pte(addr) !== undefined) return EBUSY;
  folio.refcount++;
  folio.mapcount++;
  vma.vm_mm.set_pte(addr, { kind: "present", folio, write: vm_page_prot_write(vma) });
  return 0;
}

/**
 * `vm_insert_page()` (mm/memory.c): a driver maps one page it allocated at
 * `addr` of `vma`, from `->mmap` with mmap_lock held for write. -EFAULT
 * outside the VMA. Marks the VMA VM_MIXEDMAP (v3.7+; VM_INSERTPAGE in
 * v2.6.x, `vm_insert_page_flag`), which must not be VM_PFNMAP (a BUG_ON),
 * then `insert_page()`. Returns 0 or a negative errno.
 */
export function vm_insert_page(k: Kernel, vma: Vma, addr: number, folio: Folio): number {
  if (addr < vma.start || addr >= vma.end) return EFAULT;
  if (vma.vm_flags & VM.PFNMAP) throw new KernelBug(`vm_insert_page: ${vma.name} is VM_PFNMAP`);
  vma.vm_flags |= k.behaviour.vm_insert_page_flag === "VM_MIXEDMAP" ? VM.MIXEDMAP : VM.INSERTPAGE;
  return insert_page(k, vma, addr, folio);
}

/**
 * `__vm_map_pages()` (mm/memory.c, v5.2+): map the whole VMA to
 * `pages[offset..]` with `vm_insert_page()`, page by page; -ENXIO when the
 * offset is past the buffer or the VMA is larger than what is left of it;
 * the first error ends the loop, leaving the pages mapped so far.
 */
function __vm_map_pages(k: Kernel, vma: Vma, pages: readonly Folio[], offset: number): number {
  const count = (vma.end - vma.start) / PAGE_SIZE;
  if (offset >= pages.length || count > pages.length - offset) return ENXIO;
  for (let i = 0; i < count; i++) {
    const ret = vm_insert_page(k, vma, vma.start + i * PAGE_SIZE, pages[offset + i]!);
    if (ret < 0) return ret;
  }
  return 0;
}

/** `vm_map_pages_zero()` (mm/memory.c, v5.2+): `__vm_map_pages()` from the buffer's first page, for drivers that ignore vm_pgoff. */
export function vm_map_pages_zero(k: Kernel, vma: Vma, pages: readonly Folio[]): number {
  return __vm_map_pages(k, vma, pages, 0);
}
