/**
 * `copy_to_user()` of one value (arch/x86/lib, `raw_copy_to_user()`): the
 * kernel's store to a user address goes through the page tables like a
 * user store, faulting through `do_user_addr_fault()` (the model passes
 * the user-mode fault flags) until the page is mapped; it lands in the
 * folio, or in device memory when the address maps a BAR.
 *
 * @module
 */
import type { KernelGen, Task } from "../../../engine/task.js";
import { EFAULT } from "../../../include/errno.js";
import { iomem_lookup, type Kernel } from "../../../mm/kernel.js";
import { user_access } from "../mm/fault.js";

/** Store `value` at user address `addr`; 0, or -EFAULT when the fault fails (the bytes not copied). */
export function* copy_to_user(k: Kernel, t: Task, addr: number, value: number): KernelGen<number> {
  const r = yield* user_access(k, t, addr, true);
  if (!("folio" in r)) return EFAULT;
  if (r.folio) r.folio.data = value;
  else if (r.pfn !== undefined) iomem_lookup(k, r.pfn)?.access(t, r.pfn, { value });
  return 0;
}
