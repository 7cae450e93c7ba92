/**
 * The user page-fault entry, arch/x86/mm/fault.c `do_user_addr_fault()`.
 * Since v6.4 (0bff0aaea03e) a user fault first tries the per-VMA lock
 * (`lock_vma_under_rcu()`, FAULT_FLAG_VMA_LOCK) and falls back to mmap_lock
 * when the VMA cannot be locked or the fault returns VM_FAULT_RETRY. Under
 * mmap_lock: `access_error()` first, then handle_mm_fault with
 * FAULT_FLAG_DEFAULT; VM_FAULT_COMPLETED (d92725256b4f, v6.0+) returns with the lock
 * already released; VM_FAULT_RETRY retries with FAULT_FLAG_TRIED (before
 * v5.7, 4064b9827063, also clearing FAULT_FLAG_ALLOW_RETRY), unless a
 * signal is to be delivered first (`fault_signal_pending()`).
 *
 * @module
 */
import { delay } from "../../../engine/delay.js";
import { fatal_signal_pending, signal_pending } from "../../../engine/signal.js";
import type { KernelGen, Task } from "../../../engine/task.js";
import { FAULT_FLAG, VM, VM_FAULT, VM_FAULT_ERROR } from "../../../mm/flags.js";
import type { Kernel } from "../../../mm/kernel.js";
import { handle_mm_fault, lock_vma_under_rcu } from "../../../mm/memory.js";
import { vma_end_read, type Vma } from "../../../mm/mm.js";
import type { Folio } from "../../../mm/folio.js";

/** `access_error()`: a write to a VMA without VM_WRITE, or a read of one without VM_READ (-> SIGSEGV). */
function access_error(vma: Vma, write: boolean): boolean {
  return (vma.vm_flags & (write ? VM.WRITE : VM.READ)) === 0;
}

/**
 * Return to user mode instead of retrying a VM_FAULT_RETRY fault? Since
 * v5.7 `fault_signal_pending()` (8b9a65fd282c): any signal, this being a
 * user-mode fault; before, only SIGKILL stopped the one retry
 * (`if (!fatal_signal_pending(tsk)) goto retry`).
 */
function fault_signal_pending(k: Kernel, t: Task, fault: number): boolean {
  if (!(fault & VM_FAULT.RETRY)) return false;
  return k.behaviour.fault_signal_pending ? signal_pending(t) : fatal_signal_pending(t);
}

/** A user-mode access to `address` that faults; returns the final VM_FAULT_* bits (SIGSEGV for bad_area). */
export function* do_user_addr_fault(k: Kernel, t: Task, address: number, write: boolean): KernelGen<number> {
  const mm = k.current_mm(t);
  // The trap itself (exc_page_fault(), v5.8+; do_page_fault() before), when the scenario gives it a cost.
  const trapNs = k.faultNs?.(t) ?? 0;
  if (trapNs > 0) yield* delay(t, "cpu", trapNs, "exc_page_fault", { address });
  // FAULT_FLAG_DEFAULT: ALLOW_RETRY|KILLABLE, and INTERRUPTIBLE since c270a7eedcf2 (v5.7).
  const interruptible = k.behaviour.fault_flag_interruptible ? FAULT_FLAG.INTERRUPTIBLE : 0;
  let flags = FAULT_FLAG.ALLOW_RETRY | FAULT_FLAG.KILLABLE | interruptible | FAULT_FLAG.USER | (write ? FAULT_FLAG.WRITE : 0);
  const pvl = k.behaviour.per_vma_lock;
  const vma = pvl !== "none" ? lock_vma_under_rcu(k, mm, t, address) : null;
  if (vma) {
    if (access_error(vma, write)) {
      vma_end_read(vma, t);
      return VM_FAULT.SIGSEGV;
    }
    const fault = yield* handle_mm_fault(k, t, vma, address, flags | FAULT_FLAG.VMA_LOCK);
    // v6.4 always ends the read lock here; from v6.6 a RETRY or COMPLETED fault has released it.
    if (pvl === "anon" || !(fault & (VM_FAULT.RETRY | VM_FAULT.COMPLETED))) vma_end_read(vma, t);
    if (!(fault & VM_FAULT.RETRY) || fault_signal_pending(k, t, fault)) return fault;
    if (fault & VM_FAULT.MAJOR) flags |= FAULT_FLAG.TRIED;
  }
  for (;;) {
    // Each retry is a unit of work, so a fault that keeps returning VM_FAULT_RETRY meets the work budget.
    t.sim.charge();
    yield* mm.mmap_lock.down_read(t);
    const vma = mm.vma_lookup(address);
    if (!vma || access_error(vma, write)) {
      mm.mmap_lock.up_read(t);
      return VM_FAULT.SIGSEGV;
    }
    const fault = yield* handle_mm_fault(k, t, vma, address, flags);
    if (fault & VM_FAULT.COMPLETED) return fault;
    if (!(fault & VM_FAULT.RETRY)) {
      mm.mmap_lock.up_read(t);
      return fault;
    }
    if (fault_signal_pending(k, t, fault)) return fault;
    flags |= FAULT_FLAG.TRIED;
    if (!k.behaviour.fault_retry_multiple) flags &= ~FAULT_FLAG.ALLOW_RETRY;
  }
}

/** How a user access ended: the folio it reached (null: a raw pfn, device memory, with `pfn` the frame it reached), or the fault that stopped it (VM_FAULT_* error bits, or RETRY left for a pending signal). */
export type UserAccess = { readonly folio: Folio | null; readonly pfn?: number } | { readonly fault: number };

/**
 * A user-mode load or store: the MMU walks the page table; a missing PTE,
 * or a read-only one for a store, traps into `do_user_addr_fault()`, and
 * the instruction runs again when it returns; a store sets the PTE's dirty
 * bit. It ends at the folio the
 * access reached, or at a fault that must be delivered as a signal (an
 * error, or VM_FAULT_RETRY left for a pending signal). Each attempt is one
 * unit of work, so a fault that never resolves meets the work budget.
 */
export function* user_access(k: Kernel, t: Task, address: number, write: boolean): KernelGen<UserAccess> {
  for (;;) {
    const pte = k.current_mm(t).pte(address);
    if ((pte?.kind === "present" || pte?.kind === "pfn") && (pte.write || !write)) {
      if (pte.kind === "pfn") return { folio: null, pfn: pte.pfn };
      // The MMU sets the PTE's dirty bit on a store.
      if (write && !pte.dirty) k.current_mm(t).set_pte(address, { ...pte, dirty: true });
      return { folio: pte.folio };
    }
    t.sim.charge();
    const fault = yield* do_user_addr_fault(k, t, address, write);
    if (fault & VM_FAULT_ERROR || (fault & VM_FAULT.RETRY && signal_pending(t))) return { fault };
  }
}
