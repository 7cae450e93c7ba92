/**
 * userfaultfd, the file side (fs/userfaultfd.c): `handle_userfault()` queues
 * one message per faulting thread and puts the thread to sleep; `read()`
 * hands pending messages to userspace; UFFDIO_COPY, UFFDIO_CONTINUE and
 * UFFDIO_WAKE wake the threads waiting on a range (`wake_userfault()`). The
 * page itself is installed by mm/userfaultfd.c ({@link mfill_atomic_copy},
 * {@link mfill_atomic_continue}).
 *
 * A context can model its two spinlocks ({@link Userfaultfd.modelLocks}):
 * `fault_pending_wqh.lock`, under which every enqueue, refile and wake of
 * every thread on the context runs (`fault_wqh`'s own lock nests inside
 * it, uncontended), and `fd_wqh.lock`, taken by `read()` before it and by
 * the wake-up of readers. That is the contention the 2022 RFC ("The main scalability
 * bottleneck comes from queueing faults with userfaultfd", James Houghton,
 * 2022-12-01) and Anish Moorthy's 2023 series measure.
 *
 * @module
 */
import { KernelBug } from "../engine/bug.js";
import { fatal_signal_pending, signal_pending, type SleepState } from "../engine/signal.js";
import type { KernelGen, Task } from "../engine/task.js";
import type { Cacheline } from "../engine/cacheline.js";
import { delay } from "../engine/delay.js";
import type { Simulation } from "../engine/simulation.js";
import { Spinlock } from "../engine/spinlock.js";
import { WaitQueue } from "../engine/waitqueue.js";
import { errname } from "../include/errno.js";
import { FAULT_FLAG, VM_FAULT } from "../mm/flags.js";
import type { Kernel } from "../mm/kernel.js";
import { PAGE_SIZE, type Vma } from "../mm/mm.js";
import { mfill_atomic_continue, mfill_atomic_copy } from "../mm/userfaultfd.js";
import { release_fault_lock, type VmFault } from "../mm/vmfault.js";

/**
 * `PF_NO_UFFD_WAIT` (include/linux/sched.h, 0x00004000), Sean
 * Christopherson's proposal of 2022-12-03 (never merged): a task with it
 * set gets VM_FAULT_SIGBUS from `handle_userfault()` instead of a wait;
 * KVM would set it for the duration of KVM_RUN.
 */
export const PF_NO_UFFD_WAIT = 0x00004000;

/** `struct userfaultfd_wait_queue`: one faulting thread and its UFFD_EVENT_PAGEFAULT message. */
export interface UserfaultfdWaitQueue {
  /** msg.arg.pagefault.address (page aligned here). */
  readonly address: number;
  /** The faulting thread. */
  readonly task: Task;
  /** Set by `userfaultfd_wake_function()` when a wake covers the address. */
  waken: boolean;
}

/** Registration mode (`uffdio_register.mode`): which faults reach the context. */
export interface UffdMode {
  /** UFFDIO_REGISTER_MODE_MISSING (VM_UFFD_MISSING): no page at all (anon, or not in the page cache). */
  readonly missing: boolean;
  /** UFFDIO_REGISTER_MODE_MINOR (VM_UFFD_MINOR, shmem since v5.14): page in the page cache, PTE none. */
  readonly minor: boolean;
}

/** What one critical section on a context's spinlocks costs, when they are modelled. */
export interface UffdLockCosts {
  /** Work under the lock besides walking: queueing or refiling one message, a wake's setup (ns). */
  readonly lockNs: number;
  /** Per wait-queue entry a wake walks: `userfaultfd_wake_function()` on a remote CPU's on-stack entry (ns). */
  readonly walkNs: number;
  /** From a wake-up to the woken thread running again: the IPI and context switch of `try_to_wake_up()` (ns). */
  readonly wakeupNs: number;
}

/** The two modelled spinlocks of a context. */
interface UffdLocks {
  readonly fault_pending_wqh: Spinlock;
  readonly fd_wqh: Spinlock;
  readonly costs: UffdLockCosts;
}

/** A userfaultfd context registered on a VMA (`struct userfaultfd_ctx`). */
export class Userfaultfd {
  /** `fault_pending_wqh`: faults whose message userspace has not read yet, oldest first. */
  readonly fault_pending = new Set<UserfaultfdWaitQueue>();
  /** `fault_wqh`: faults whose message was read, still waiting for a wake. */
  readonly fault_read = new Set<UserfaultfdWaitQueue>();
  /** The entries of both queues by address: where a wake's walk stops (the walk's cost is charged by queue length). */
  private readonly byAddress = new Map<number, UserfaultfdWaitQueue[]>();
  /** Where the handler threads sleep in read()/poll() (`fd_wqh`). */
  readonly fd_wqh: WaitQueue;
  /** Where faulting threads sleep until woken. */
  readonly fault_wqh: WaitQueue;
  /** The registered VMA. */
  readonly vma: Vma;
  /** The registration mode. */
  readonly mode: UffdMode;
  /** The modelled spinlocks, or null (queue operations then take no time). */
  private locks: UffdLocks | null = null;
  /** `ctx->map_changing_lock`'s word (5e4c24a57b0c, v6.9), when its cache line is modelled: UFFDIO_COPY/CONTINUE take it for read. */
  map_changing_lock: Cacheline | null = null;

  /** Queue a new message on `fault_pending_wqh`. */
  enqueue(uwq: UserfaultfdWaitQueue): void {
    this.fault_pending.add(uwq);
    const at = this.byAddress.get(uwq.address);
    if (at) at.push(uwq);
    else this.byAddress.set(uwq.address, [uwq]);
  }

  /** Take a thread's message off whichever queue holds it (`list_del()`; none: a wake's `list_del_init()` came first). */
  withdraw(uwq: UserfaultfdWaitQueue): void {
    if (!this.fault_pending.delete(uwq) && !this.fault_read.delete(uwq)) return;
    const at = this.byAddress.get(uwq.address)!;
    if (at.length === 1) this.byAddress.delete(uwq.address);
    else at.splice(at.indexOf(uwq), 1);
  }

  /** The queued entries waiting on a page in [start, start + len), messages being page aligned. */
  waitingIn(start: number, len: number): UserfaultfdWaitQueue[] {
    const found: UserfaultfdWaitQueue[] = [];
    for (let address = start; address < start + len; address += PAGE_SIZE) found.push(...(this.byAddress.get(address) ?? []));
    return found;
  }

  /** Entries on both queues. */
  get queued(): number {
    return this.fault_pending.size + this.fault_read.size;
  }

  constructor(vma: Vma, mode: UffdMode = { missing: true, minor: false }) {
    this.vma = vma;
    this.mode = mode;
    this.fd_wqh = new WaitQueue(`${vma.name} fd_wqh`);
    this.fault_wqh = new WaitQueue(`${vma.name} fault_wqh`);
  }

  /** Model `fault_pending_wqh.lock` and `fd_wqh.lock`, each critical section costing as `costs` says. */
  modelLocks(sim: Simulation, costs: UffdLockCosts): void {
    this.locks = {
      fault_pending_wqh: new Spinlock(sim, `${this.vma.name} fault_pending_wqh.lock`, "fault_pending_wqh.lock"),
      fd_wqh: new Spinlock(sim, `${this.vma.name} fd_wqh.lock`, "fd_wqh.lock"),
      costs,
    };
  }

  /** Run `body` under `fault_pending_wqh.lock` (and first `fd_wqh.lock` if `fd`) when modelled, holding it for `ns` of the costs, as they stand once the lock is taken. */
  *underLock(t: Task, fn: string, ns: (c: UffdLockCosts) => number, body: () => void, fd = false): KernelGen {
    const l = this.locks;
    if (!l) return body();
    if (fd) yield* l.fd_wqh.spin_lock(t);
    yield* l.fault_pending_wqh.spin_lock(t);
    yield* delay(t, "cpu", ns(l.costs), fn);
    body();
    l.fault_pending_wqh.spin_unlock(t);
    if (fd) l.fd_wqh.spin_unlock(t);
  }

  /** After a sleep on the context: the woken thread's way back onto its CPU, when modelled. */
  *woken(t: Task): KernelGen {
    if (this.locks) yield* delay(t, "sleep", this.locks.costs.wakeupNs, "try_to_wake_up");
  }

  /** `wake_up_poll(&ctx->fd_wqh, EPOLLIN)`: wake the readers, under `fd_wqh.lock` when modelled. */
  *wake_readers(t: Task): KernelGen {
    const l = this.locks;
    if (l) {
      yield* l.fd_wqh.spin_lock(t);
      yield* delay(t, "cpu", l.costs.lockNs, "wake_up_poll");
    }
    this.fd_wqh.wake_up_all();
    l?.fd_wqh.spin_unlock(t);
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
 * `handle_userfault()` for VM_UFFD_MISSING and VM_UFFD_MINOR: a task with
 * {@link PF_NO_UFFD_WAIT} (a proposal) gets VM_FAULT_SIGBUS at once; without
 * FAULT_FLAG_ALLOW_RETRY the fault cannot wait and fails with
 * VM_FAULT_SIGBUS (so plain get_user_pages, locked == NULL, cannot be used
 * on a uffd range); with RETRY_NOWAIT it returns VM_FAULT_RETRY at once,
 * lock held, no message queued; otherwise it queues this thread's own
 * message under `fault_pending_wqh.lock` (no de-duplication by address),
 * releases the fault lock (`release_fault_lock`, mmap_lock before v6.6)
 * and, if the PTE is still none (`userfaultfd_must_wait()`), wakes the
 * readers and sleeps; it returns VM_FAULT_RETRY, its message withdrawn if
 * no wake covered it. Since f9bf352224d7 (v5.9) it sleeps
 * once, whatever wakes it; before, it slept until a wake covered its
 * address or a signal its state heeds came, and (until v5.7) a non-fatal
 * signal in a fault that can return to user mode retook mmap_lock and
 * returned VM_FAULT_NOPAGE.
 */
export function* handle_userfault(k: Kernel, t: Task, vmf: VmFault, ctx: Userfaultfd): KernelGen<number> {
  // "if (current->flags & (PF_EXITING|PF_DUMPCORE|PF_NO_UFFD_WAIT)) goto out;" in the proposal.
  if (t.flags & PF_NO_UFFD_WAIT) return VM_FAULT.SIGBUS;
  if (!(vmf.flags & FAULT_FLAG.ALLOW_RETRY)) {
    // "BUG_ON(vmf->flags & FAULT_FLAG_RETRY_NOWAIT)": NOWAIT without ALLOW_RETRY is a caller bug.
    if (vmf.flags & FAULT_FLAG.RETRY_NOWAIT) throw new KernelBug("handle_userfault: FAULT_FLAG_RETRY_NOWAIT without FAULT_FLAG_ALLOW_RETRY");
    return VM_FAULT.SIGBUS;
  }
  if (vmf.flags & FAULT_FLAG.RETRY_NOWAIT) return VM_FAULT.RETRY;
  const uwq: UserfaultfdWaitQueue = { address: vmf.address, task: t, waken: false };
  // Queued with the task state set in one locked section: a wake from here on is not lost.
  yield* ctx.underLock(t, "handle_userfault", (c) => c.lockNs, () => ctx.enqueue(uwq));
  if (k.sim.tracing) k.sim.event(t, "uffd_fault", "handle_userfault", { vma: vmf.vma.name, page: vmf.pgoff });
  // userfaultfd_must_wait(): a lockless look at the PTE, which a UFFDIO_COPY/CONTINUE may have filled meanwhile.
  const must_wait = vmf.vma.vm_mm.pte(vmf.address) === undefined;
  const state = userfaultfd_get_blocking_state(k, vmf.flags);
  release_fault_lock(t, vmf);
  if (must_wait) {
    yield* ctx.wake_readers(t);
    if (!k.behaviour.uffd_single_schedule) {
      yield* ctx.fault_wqh.wait_event(t, () => uwq.waken, () => [], state);
    } else if (!uwq.waken) {
      // schedule() once; a wake that came first left the task running.
      yield* ctx.fault_wqh.sleep(t, () => [], state);
    }
  }
  yield* ctx.woken(t);
  // "if (!list_empty_careful(&uwq.wq.entry))": withdraw the message no wake covered.
  if (!uwq.waken) yield* ctx.underLock(t, "handle_userfault", (c) => c.lockNs, () => ctx.withdraw(uwq));
  if (k.behaviour.uffd_signal_nopage && state === "interruptible" && signal_pending(t) && !fatal_signal_pending(t)) {
    // Before v5.7: "down_read(&mm->mmap_sem); ret = VM_FAULT_NOPAGE;", the signal delivered on the way out.
    yield* vmf.vma.vm_mm.mmap_lock.down_read(t);
    vmf.lockDropped = false;
    return VM_FAULT.NOPAGE;
  }
  return VM_FAULT.RETRY;
}

/**
 * `userfaultfd_read()` (blocking fd): sleep until a message is pending, then
 * take up to `max` pending messages, oldest first, each by one
 * `userfaultfd_ctx_read()` under `fd_wqh.lock` and `fault_pending_wqh.lock`
 * that moves it to `fault_wqh`; after the first it does not block
 * ("Allow to read more than one fault at time but only block if waiting
 * for the very first one"). A reader woken with nothing left to take
 * (another reader took it) sleeps again.
 */
export function* userfaultfd_read(t: Task, ctx: Userfaultfd, max: number): KernelGen<number[]> {
  const msgs: UserfaultfdWaitQueue[] = [];
  while (msgs.length < max) {
    if (ctx.fault_pending.size === 0) {
      if (msgs.length > 0) break;
      yield* ctx.fd_wqh.wait_event(t, () => ctx.fault_pending.size > 0);
      yield* ctx.woken(t);
    }
    yield* ctx.underLock(t, "userfaultfd_ctx_read", (c) => c.lockNs, () => {
      // find_userfault(): the oldest pending message, refiled to fault_wqh.
      const m = ctx.fault_pending.values().next();
      if (m.done) return;
      ctx.fault_pending.delete(m.value);
      ctx.fault_read.add(m.value);
      msgs.push(m.value);
    }, true);
  }
  return msgs.map((m) => m.address);
}

/**
 * `wake_userfault()`: if a lockless `waitqueue_active()` sees anyone waiting,
 * walk both queues under `fault_pending_wqh.lock` (`__wake_up_locked_key()`
 * per queue) and wake every thread waiting on an address in
 * [start, start + len), whether its message was read or is still pending.
 */
function* wake_userfault(t: Task, ctx: Userfaultfd, start: number, len: number): KernelGen {
  if (ctx.queued === 0) return;
  yield* ctx.underLock(t, "__wake_userfault", (c) => c.lockNs + c.walkNs * ctx.queued, () => {
    for (const u of ctx.waitingIn(start, len)) {
      u.waken = true;
      ctx.withdraw(u);
      ctx.fault_wqh.wake_up_task(u.task);
    }
  });
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
  yield* wake_userfault(t, ctx, dst, PAGE_SIZE);
  return 0;
}

/**
 * The UFFDIO_CONTINUE ioctl, `userfaultfd_continue()` (f619147104c8, v5.13):
 * `mfill_atomic_continue()` maps the page-cache page at `dst`, then the
 * range is woken unless `dontwake` (UFFDIO_CONTINUE_MODE_DONTWAKE) or it
 * failed. Returns 0 or a negative errno (-EEXIST: the PTE is not none).
 */
export function* userfaultfd_continue(k: Kernel, t: Task, ctx: Userfaultfd, dst: number, dontwake: boolean): KernelGen<number> {
  const ret = yield* mfill_atomic_continue(k, t, ctx.vma, dst);
  if (k.sim.tracing) k.sim.event(t, "uffd_continue", "UFFDIO_CONTINUE", { vma: ctx.vma.name, page: (dst - ctx.vma.start) / PAGE_SIZE }, errname(ret < 0 ? ret : 0));
  if (ret < 0) return ret;
  if (!dontwake) yield* wake_userfault(t, ctx, dst, PAGE_SIZE);
  return 0;
}

/** The UFFDIO_WAKE ioctl, `userfaultfd_wake()`: wake the threads waiting on the range. */
export function* userfaultfd_wake(k: Kernel, t: Task, ctx: Userfaultfd, start: number, len: number): KernelGen {
  if (k.sim.tracing) k.sim.event(t, "uffd_wake", "UFFDIO_WAKE", { vma: ctx.vma.name, page: (start - ctx.vma.start) / PAGE_SIZE });
  yield* wake_userfault(t, ctx, start, len);
}
