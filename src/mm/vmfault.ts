/**
 * `struct vm_fault`: what a fault handler is given and hands back, and
 * `release_fault_lock()`, which drops whichever lock the fault holds.
 *
 * @module
 */
import { FAULT_FLAG } from "./flags.js";
import type { Folio } from "./folio.js";
import { vma_end_read, type Vma } from "./mm.js";
import type { Task } from "../engine/task.js";

/** The fault being handled. */
export interface VmFault {
  /** The VMA. */
  readonly vma: Vma;
  /** Faulting address (page aligned). */
  readonly address: number;
  /** File page (or anon page index) of the address. */
  readonly pgoff: number;
  /** FAULT_FLAG_* bits. */
  readonly flags: number;
  /** The folio ->fault returned, locked, with a reference. */
  folio: Folio | null;
  /** Set once this fault released its lock (the kernel's `fpin` / release_fault_lock). */
  lockDropped: boolean;
}

/**
 * `release_fault_lock()` (include/linux/mm.h, v6.5+): the per-VMA lock under
 * FAULT_FLAG_VMA_LOCK, else mmap_lock (`mmap_read_unlock()` before v6.5,
 * when only mmap_lock could be held here).
 */
export function release_fault_lock(t: Task, vmf: VmFault): void {
  if (vmf.flags & FAULT_FLAG.VMA_LOCK) vma_end_read(vmf.vma, t);
  else vmf.vma.vm_mm.mmap_lock.up_read(t);
  vmf.lockDropped = true;
}
