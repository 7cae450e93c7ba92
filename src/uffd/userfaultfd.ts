/**
 * userfaultfd in MISSING mode, fs/userfaultfd.c and mm/userfaultfd.c: a
 * fault on a missing anonymous page in a registered range is handed to a
 * userspace handler (`handle_userfault`), which resolves it with
 * UFFDIO_COPY after a modelled delay (a remote fetch in post-copy
 * migration, say) and wakes the faulting tasks.
 *
 * @module
 */
import { delay } from "../engine/delay.js";
import type { KernelGen, Task } from "../engine/task.js";
import { WaitQueue } from "../engine/waitqueue.js";
import { FAULT_FLAG, VM, VM_FAULT } from "../mm/flags.js";
import type { Kernel, Latency } from "../mm/kernel.js";
import { PAGE_SIZE, type Vma } from "../mm/mm.js";
import type { VmFault } from "../mm/vmfault.js";

/** A userfaultfd context registered on a VMA (`struct userfaultfd_ctx`). */
export class Userfaultfd {
  /** Pending UFFD_EVENT_PAGEFAULT messages: fault addresses, in order. */
  readonly messages: number[] = [];
  /** Where the handler thread sleeps in read()/poll() (`fd_wqh`). */
  readonly fd_wqh: WaitQueue;
  /** Where faulting tasks sleep until UFFDIO_COPY wakes them (`fault_wqh`). */
  readonly fault_wqh: WaitQueue;

  constructor(name: string) {
    this.fd_wqh = new WaitQueue(`${name} fd_wqh`);
    this.fault_wqh = new WaitQueue(`${name} fault_wqh`);
  }
}

/**
 * `handle_userfault()` for VM_UFFD_MISSING: without FAULT_FLAG_ALLOW_RETRY
 * the fault cannot wait and fails with VM_FAULT_SIGBUS (so plain
 * get_user_pages, locked == NULL, cannot be used on a uffd range); with
 * RETRY_NOWAIT it returns VM_FAULT_RETRY at once, mmap_lock held; otherwise
 * it queues the message, drops mmap_lock, sleeps until the page is
 * installed and returns VM_FAULT_RETRY.
 */
export function* handle_userfault(k: Kernel, t: Task, vmf: VmFault, ctx: Userfaultfd): KernelGen<number> {
  if (!(vmf.flags & FAULT_FLAG.ALLOW_RETRY)) return VM_FAULT.SIGBUS;
  if (vmf.flags & FAULT_FLAG.RETRY_NOWAIT) return VM_FAULT.RETRY;
  if (!ctx.messages.includes(vmf.address)) ctx.messages.push(vmf.address);
  if (k.sim.tracing) k.sim.event(t, "uffd_fault", "handle_userfault", { vma: vmf.vma.name, page: vmf.pgoff });
  ctx.fd_wqh.wake_up_all();
  k.mm.mmap_lock.up_read(t);
  vmf.lockDropped = true;
  yield* ctx.fault_wqh.wait_event(t, () => k.mm.pte(vmf.address) !== undefined);
  return VM_FAULT.RETRY;
}

/**
 * The userspace handler thread: read a fault message, take `resolve` ns to
 * produce the page, then UFFDIO_COPY (`mfill_atomic_copy`: install the page
 * under mmap_lock for read, then wake the range).
 */
export function* uffd_handler(k: Kernel, t: Task, vma: Vma, ctx: Userfaultfd, resolve: Latency): KernelGen {
  for (;;) {
    yield* ctx.fd_wqh.wait_event(t, () => ctx.messages.length > 0);
    const address = ctx.messages.shift()!;
    yield* delay(t, "sleep", resolve(t), "uffd_read_and_fetch", { page: (address - vma.start) / PAGE_SIZE });
    yield* k.mm.mmap_lock.down_read(t);
    if (k.mm.pte(address) === undefined) {
      const f = k.folio_alloc(null, (address - vma.start) / PAGE_SIZE);
      f.uptodate = true;
      f.mapcount = 1;
      k.mm.set_pte(address, { kind: "present", folio: f, write: (vma.vm_flags & VM.WRITE) !== 0 });
    }
    if (k.sim.tracing) k.sim.event(t, "uffd_copy", "UFFDIO_COPY", { vma: vma.name, page: (address - vma.start) / PAGE_SIZE });
    k.mm.mmap_lock.up_read(t);
    ctx.fault_wqh.wake_up_all();
  }
}
