/**
 * userfaultfd, the file side (fs/userfaultfd.c): `handle_userfault()` queues
 * one message per faulting thread and puts the thread to sleep; `read()`
 * hands pending messages to userspace; UFFDIO_COPY and UFFDIO_WAKE wake the
 * threads waiting on a range (`wake_userfault()`). The page itself is
 * installed by mm/userfaultfd.c ({@link mfill_atomic_copy}).
 *
 * @module
 */
import { KernelBug } from "../engine/bug.js";
import { fatal_signal_pending, signal_pending, type SleepState } from "../engine/signal.js";
import type { KernelGen, Task } from "../engine/task.js";
import { WaitQueue } from "../engine/waitqueue.js";
import { errname } from "../include/errno.js";
import { FAULT_FLAG, VM_FAULT } from "../mm/flags.js";
import type { Kernel } from "../mm/kernel.js";
import { PAGE_SIZE, type Vma } from "../mm/mm.js";
import { mfill_atomic_copy } from "../mm/userfaultfd.js";
import { release_fault_lock, type VmFault } from "../mm/vmfault.js";

/** `struct userfaultfd_wait_queue`: one faulting thread and its UFFD_EVENT_PAGEFAULT message. */
export interface UserfaultfdWaitQueue {
  /** msg.arg.pagefault.address (page aligned here). */
  readonly address: number;
  /** The faulting thread. */
  readonly task: string;
  /** Set by `userfaultfd_wake_function()` when a wake covers the address. */
  waken: boolean;
}

/** A userfaultfd context registered on a VMA (`struct userfaultfd_ctx`). */
export class Userfaultfd {
  /** `fault_pending_wqh`: faults whose message userspace has not read yet, oldest first. */
  readonly fault_pending: UserfaultfdWaitQueue[] = [];
  /** `fault_wqh`: faults whose message was read, still waiting for a wake. */
  readonly fault_read: UserfaultfdWaitQueue[] = [];
  /** Where the handler thread sleeps in read()/poll() (`fd_wqh`). */
  readonly fd_wqh: WaitQueue;
  /** Where faulting threads sleep until woken. */
  readonly fault_wqh: WaitQueue;
  /** The registered VMA. */
  readonly vma: Vma;

  constructor(vma: Vma) {
    this.vma = vma;
    this.fd_wqh = new WaitQueue(`${vma.name} fd_wqh`);
    this.fault_wqh = new WaitQueue(`${vma.name} fault_wqh`);
  }
}

/**
 * The sleep `handle_userfault()` takes: since v5.7 (c270a7eedcf2)
 * `userfaultfd_get_blocking_state()` maps FAULT_FLAG_INTERRUPTIBLE, then
 * KILLABLE, to the task state; before, `return_to_userland` (a fault with
 * both FAULT_FLAG_USER and KILLABLE) slept interruptibly, any other killably.
 */
function userfaultfd_get_blocking_state(k: Kernel, flags: number): SleepState {
  if (!k.behaviour.fault_flag_interruptible) {
    const return_to_userland = (flags & (FAULT_FLAG.USER | FAULT_FLAG.KILLABLE)) === (FAULT_FLAG.USER | FAULT_FLAG.KILLABLE);
    return return_to_userland ? "interruptible" : "killable";
  }
  if (flags & FAULT_FLAG.INTERRUPTIBLE) return "interruptible";
  return flags & FAULT_FLAG.KILLABLE ? "killable" : "uninterruptible";
}

/**
 * `handle_userfault()` for VM_UFFD_MISSING: without FAULT_FLAG_ALLOW_RETRY
 * the fault cannot wait and fails with VM_FAULT_SIGBUS (so plain
 * get_user_pages, locked == NULL, cannot be used on a uffd range); with
 * RETRY_NOWAIT it returns VM_FAULT_RETRY at once, lock held; otherwise it
 * queues this thread's own message (no de-duplication by address), releases
 * the fault lock (`release_fault_lock`, mmap_lock before v6.6), sleeps and
 * returns VM_FAULT_RETRY, its message withdrawn if no wake covered it.
 * Since f9bf352224d7 (v5.9) it sleeps once, whatever wakes it; before, it
 * slept until a wake covered its address or a signal its state heeds came,
 * and (until v5.7) a non-fatal signal in a fault that can return to user
 * mode retook mmap_lock and returned VM_FAULT_NOPAGE.
 */
export function* handle_userfault(k: Kernel, t: Task, vmf: VmFault, ctx: Userfaultfd): KernelGen<number> {
  if (!(vmf.flags & FAULT_FLAG.ALLOW_RETRY)) {
    // "BUG_ON(vmf->flags & FAULT_FLAG_RETRY_NOWAIT)": NOWAIT without ALLOW_RETRY is a caller bug.
    if (vmf.flags & FAULT_FLAG.RETRY_NOWAIT) throw new KernelBug("handle_userfault: FAULT_FLAG_RETRY_NOWAIT without FAULT_FLAG_ALLOW_RETRY");
    return VM_FAULT.SIGBUS;
  }
  if (vmf.flags & FAULT_FLAG.RETRY_NOWAIT) return VM_FAULT.RETRY;
  const uwq: UserfaultfdWaitQueue = { address: vmf.address, task: t.name, waken: false };
  ctx.fault_pending.push(uwq);
  if (k.sim.tracing) k.sim.event(t, "uffd_fault", "handle_userfault", { vma: vmf.vma.name, page: vmf.pgoff });
  ctx.fd_wqh.wake_up_all();
  const state = userfaultfd_get_blocking_state(k, vmf.flags);
  release_fault_lock(t, vmf);
  if (k.behaviour.uffd_single_schedule) {
    yield* ctx.fault_wqh.sleep(t, () => [], state);
  } else {
    yield* ctx.fault_wqh.wait_event(t, () => uwq.waken, () => [], state);
  }
  // "if (!list_empty_careful(&uwq.wq.entry))": withdraw the message no wake covered.
  if (!uwq.waken) withdraw(ctx, uwq);
  if (k.behaviour.uffd_signal_nopage && state === "interruptible" && signal_pending(t) && !fatal_signal_pending(t)) {
    // Before v5.7: "down_read(&mm->mmap_sem); ret = VM_FAULT_NOPAGE;", the signal delivered on the way out.
    yield* vmf.vma.vm_mm.mmap_lock.down_read(t);
    vmf.lockDropped = false;
    return VM_FAULT.NOPAGE;
  }
  return VM_FAULT.RETRY;
}

/** Take a thread's message off whichever queue holds it. */
function withdraw(ctx: Userfaultfd, uwq: UserfaultfdWaitQueue): void {
  for (const q of [ctx.fault_pending, ctx.fault_read]) {
    const i = q.indexOf(uwq);
    if (i >= 0) q.splice(i, 1);
  }
}

/**
 * `userfaultfd_read()` (blocking fd): sleep until a message is pending, then
 * move up to `max` pending messages to `fault_wqh` and return their
 * addresses (after the first, `userfaultfd_ctx_read` does not block).
 */
export function* userfaultfd_read(t: Task, ctx: Userfaultfd, max: number): KernelGen<number[]> {
  yield* ctx.fd_wqh.wait_event(t, () => ctx.fault_pending.length > 0);
  const msgs = ctx.fault_pending.splice(0, max);
  ctx.fault_read.push(...msgs);
  return msgs.map((m) => m.address);
}

/**
 * `wake_userfault()`: wake every thread waiting on an address in
 * [start, start + len), whether its message was read or is still pending
 * (`userfaultfd_wake_function` removes it from either queue).
 */
function wake_userfault(ctx: Userfaultfd, start: number, len: number): void {
  const inRange = (u: UserfaultfdWaitQueue) => u.address >= start && u.address < start + len;
  for (const q of [ctx.fault_pending, ctx.fault_read]) {
    for (let i = q.length - 1; i >= 0; i--) {
      if (!inRange(q[i]!)) continue;
      q[i]!.waken = true;
      q.splice(i, 1);
    }
  }
  ctx.fault_wqh.wake_up_all();
}

/**
 * The UFFDIO_COPY ioctl, `userfaultfd_copy()`: `mfill_atomic_copy()`, then
 * wake the range unless it failed (UFFDIO_COPY_MODE_DONTWAKE is not
 * modelled). Returns 0 or a negative errno (-EEXIST: already mapped, and
 * nobody is woken).
 */
export function* userfaultfd_copy(k: Kernel, t: Task, ctx: Userfaultfd, dst: number): KernelGen<number> {
  const ret = yield* mfill_atomic_copy(k, t, ctx.vma, dst);
  if (k.sim.tracing) k.sim.event(t, "uffd_copy", "UFFDIO_COPY", { vma: ctx.vma.name, page: (dst - ctx.vma.start) / PAGE_SIZE }, errname(ret < 0 ? ret : 0));
  if (ret < 0) return ret;
  wake_userfault(ctx, dst, PAGE_SIZE);
  return 0;
}

/** The UFFDIO_WAKE ioctl, `userfaultfd_wake()`: wake the threads waiting on the range. */
export function userfaultfd_wake(k: Kernel, t: Task, ctx: Userfaultfd, start: number, len: number): void {
  if (k.sim.tracing) k.sim.event(t, "uffd_wake", "UFFDIO_WAKE", { vma: ctx.vma.name, page: (start - ctx.vma.start) / PAGE_SIZE });
  wake_userfault(ctx, start, len);
}
