/**
 * `spinlock_t` as a queued spinlock (kernel/locking/qspinlock.c, v4.2+):
 * one owner, and contenders served in arrival order through the MCS queue.
 * A contender spins on its CPU; CPUs are not a modelled resource, so the
 * spin costs only its own time, and a holder's critical section is the
 * `delay` it makes while holding the lock.
 *
 * @module
 */
import { Mutex } from "./mutex.js";
import type { KernelGen, Task } from "./task.js";

/** A spinning mutual-exclusion lock with FIFO hand-off. */
export class Spinlock extends Mutex {
  /** `spin_lock()` (`spin_lock_irq()` alike: interrupts are not modelled here). */
  spin_lock(t: Task): KernelGen {
    return this.lock(t, "spin_lock");
  }

  /** `spin_unlock()`: the next contender in the queue gets the lock. */
  spin_unlock(t: Task): void {
    this.unlock(t, "spin_unlock");
  }
}
