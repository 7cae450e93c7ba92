/**
 * `struct vm_fault`: what a fault handler is given and hands back.
 *
 * @module
 */
import type { Folio } from "./folio.js";
import type { Vma } from "./mm.js";

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
  /** Set once this fault released mmap_lock (the kernel's `fpin` / release_fault_lock). */
  lockDropped: boolean;
}
