/**
 * The user page-fault entry, arch/x86/mm/fault.c `do_user_addr_fault()`: take
 * mmap_lock, call handle_mm_fault with FAULT_FLAG_DEFAULT, and on
 * VM_FAULT_RETRY (mmap_lock already dropped) retry with FAULT_FLAG_TRIED.
 * Before v5.7 (4064b9827063) the retry also cleared FAULT_FLAG_ALLOW_RETRY,
 * so a second attempt could not return VM_FAULT_RETRY again.
 *
 * @module
 */
import type { KernelGen, Task } from "../engine/task.js";
import { FAULT_FLAG, VM_FAULT } from "./flags.js";
import type { Kernel } from "./kernel.js";
import { handle_mm_fault } from "./memory.js";

/** A user-mode access to `address` that faults; returns the final VM_FAULT_* bits. */
export function* do_user_addr_fault(k: Kernel, t: Task, address: number, write: boolean): KernelGen<number> {
  let flags = FAULT_FLAG.ALLOW_RETRY | FAULT_FLAG.KILLABLE | FAULT_FLAG.USER | (write ? FAULT_FLAG.WRITE : 0);
  for (;;) {
    yield* k.mm.mmap_lock.down_read(t);
    const vma = k.mm.vma_lookup(address);
    if (!vma) {
      k.mm.mmap_lock.up_read(t);
      return VM_FAULT.SIGSEGV;
    }
    const fault = yield* handle_mm_fault(k, t, vma, address, flags);
    if (!(fault & VM_FAULT.RETRY)) {
      k.mm.mmap_lock.up_read(t);
      return fault;
    }
    flags |= FAULT_FLAG.TRIED;
    if (!k.behaviour.fault_retry_multiple) flags &= ~FAULT_FLAG.ALLOW_RETRY;
  }
}
