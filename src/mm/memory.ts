/**
 * The generic fault path, mm/memory.c: `handle_mm_fault()` and the handlers
 * `handle_pte_fault()` reaches (anonymous, file read / COW / shared, swap,
 * write-protect). Each returns VM_FAULT_* bits; a result with VM_FAULT_RETRY
 * has dropped mmap_lock unless FAULT_FLAG_RETRY_NOWAIT was set.
 *
 * @module
 */
import { NotInProfile } from "../engine/bug.js";
import type { KernelGen, Task } from "../engine/task.js";
import { FAULT_FLAG, VM, VM_FAULT, VM_FAULT_ERROR, flagNames } from "./flags.js";
import { folio_unlock, type Folio } from "./folio.js";
import { filemap_fault, folio_lock_or_retry } from "./filemap.js";
import type { Kernel } from "./kernel.js";
import { PAGE_SIZE, linear_page_index, vma_is_anonymous, vma_is_shared, type Vma } from "./mm.js";
import type { VmFault } from "./vmfault.js";
import { handle_userfault } from "../uffd/userfaultfd.js";

/** Map `folio` at the fault address (set_pte_at + folio_add_*_rmap). */
function map_folio(k: Kernel, vmf: VmFault, folio: Folio, write: boolean): void {
  const old = k.mm.pte(vmf.address);
  if (old?.kind === "present") old.folio.mapcount--;
  folio.mapcount++;
  k.mm.set_pte(vmf.address, { kind: "present", folio, write });
}

/**
 * `do_anonymous_page()`: a read maps the zero page, a write a new zeroed
 * folio; a range registered with userfaultfd MISSING goes to
 * `handle_userfault` instead (mm/memory.c).
 */
function* do_anonymous_page(k: Kernel, t: Task, vmf: VmFault): KernelGen<number> {
  if (vma_is_shared(vmf.vma)) return VM_FAULT.SIGBUS;
  if (vmf.vma.uffd) return yield* handle_userfault(k, t, vmf, vmf.vma.uffd);
  const write = (vmf.flags & FAULT_FLAG.WRITE) !== 0;
  let folio: Folio;
  if (write) {
    folio = k.folio_alloc(null, vmf.pgoff);
    folio.uptodate = true;
  } else {
    folio = k.zero_folio;
    folio.refcount++;
  }
  map_folio(k, vmf, folio, write);
  return 0;
}

/**
 * `finish_fault()`: map the locked folio ->fault returned, unless another
 * task mapped the address while this one slept (`!pte_none` under the PTL:
 * VM_FAULT_NOPAGE, and the caller drops its reference).
 */
function finish_fault(k: Kernel, vmf: VmFault, folio: Folio, write: boolean): number {
  if (k.mm.pte(vmf.address) !== undefined) return VM_FAULT.NOPAGE;
  map_folio(k, vmf, folio, write);
  return 0;
}

/**
 * `do_fault()`: `do_read_fault` / `do_cow_fault` / `do_shared_fault` on a
 * file VMA (mm/memory.c). The result keeps ->fault's bits (MAJOR, LOCKED)
 * and adds finish_fault's. Fault-around (`do_fault_around`) is not modelled.
 */
function* do_fault(k: Kernel, t: Task, vmf: VmFault): KernelGen<number> {
  const write = (vmf.flags & FAULT_FLAG.WRITE) !== 0;
  let ret = yield* filemap_fault(k, t, vmf);
  if (ret & (VM_FAULT_ERROR | VM_FAULT.RETRY | VM_FAULT.NOPAGE)) return ret;
  const folio = vmf.folio!;
  if (write && !vma_is_shared(vmf.vma)) {
    // do_cow_fault(): copy into a new anonymous folio and map that writable.
    const copy = k.folio_alloc(null, vmf.pgoff);
    copy.uptodate = true;
    ret |= finish_fault(k, vmf, copy, true);
    if (ret & VM_FAULT.NOPAGE) copy.refcount--;
    folio_unlock(folio);
    folio.refcount--;
    return ret;
  }
  // do_read_fault() maps the page-cache folio read-only; do_shared_fault() writable.
  ret |= finish_fault(k, vmf, folio, write);
  folio_unlock(folio);
  if (ret & VM_FAULT.NOPAGE) folio.refcount--;
  return ret;
}

/** `do_swap_page()`: bring a swapped-out anonymous page back (mm/memory.c). */
function* do_swap_page(k: Kernel, t: Task, vmf: VmFault, entry: number): KernelGen<number> {
  const swap = k.mm.swap;
  let ret = 0;
  let folio = swap.swap_cache_get_folio(entry);
  if (!folio) {
    // swapin_readahead(): allocate, add to the swap cache locked, start the read.
    ret = VM_FAULT.MAJOR;
    folio = k.folio_alloc(null, vmf.pgoff);
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
  const pte = k.mm.pte(vmf.address);
  if (pte?.kind !== "swap" || pte.entry !== entry) {
    // !pte_same(): another task swapped it in and mapped it meanwhile (out_nomap).
    folio_unlock(folio);
    folio.refcount--;
    return ret;
  }
  // Map it; a write to a folio nobody else holds is made writable at once.
  swap.cache.delete(entry);
  folio.swapEntry = null;
  folio.refcount--;
  const write = (vmf.flags & FAULT_FLAG.WRITE) !== 0 && folio.refcount === 1;
  map_folio(k, vmf, folio, write && (vmf.vma.vm_flags & VM.WRITE) !== 0);
  folio_unlock(folio);
  if ((vmf.flags & FAULT_FLAG.WRITE) && !write) ret |= do_wp_page(k, vmf, folio);
  return ret;
}

/**
 * `do_wp_page()`: write to a present read-only PTE. A private anonymous
 * folio is reused when exclusive: mapcount == 1 before v5.9
 * (`reuse_swap_page()`), refcount == 1 since 09854ba94c6a; otherwise, and
 * for private file folios, it is copied (`wp_page_copy()`); shared mappings
 * are made writable (`wp_page_shared()`).
 */
function do_wp_page(k: Kernel, vmf: VmFault, folio: Folio): number {
  if (vma_is_shared(vmf.vma)) {
    map_folio(k, vmf, folio, true);
    return 0;
  }
  const exclusive = k.behaviour.wp_reuse === "refcount" ? folio.refcount === 1 : folio.mapcount === 1;
  if (folio.mapping === null && folio !== k.zero_folio && exclusive) {
    k.mm.set_pte(vmf.address, { kind: "present", folio, write: true });
    return 0;
  }
  const copy = k.folio_alloc(null, vmf.pgoff);
  copy.uptodate = true;
  folio.refcount--;
  map_folio(k, vmf, copy, true);
  return 0;
}

/** `handle_pte_fault()`: dispatch on the PTE (mm/memory.c). */
function* handle_pte_fault(k: Kernel, t: Task, vmf: VmFault): KernelGen<number> {
  const pte = k.mm.pte(vmf.address);
  if (pte === undefined) return vma_is_anonymous(vmf.vma) ? yield* do_anonymous_page(k, t, vmf) : yield* do_fault(k, t, vmf);
  if (pte.kind === "swap") return yield* do_swap_page(k, t, vmf, pte.entry);
  if ((vmf.flags & FAULT_FLAG.WRITE) && !pte.write) return do_wp_page(k, vmf, pte.folio);
  return 0;
}

/**
 * `handle_mm_fault()`: the caller holds mmap_lock for read. Returns VM_FAULT_*;
 * with VM_FAULT_RETRY, mmap_lock has been released unless
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
  if ((flags & FAULT_FLAG.WRITE) && !(vma.vm_flags & VM.WRITE)) return VM_FAULT.SIGSEGV;
  const ret = yield* handle_pte_fault(k, t, vmf);
  if (trace) k.sim.event(t, "mm_fault_done", "handle_mm_fault", { vma: vma.name, page: vmf.pgoff, mmap_lock: vmf.lockDropped ? "dropped" : "held" }, flagNames("VM_FAULT", VM_FAULT, ret));
  return ret;
}
