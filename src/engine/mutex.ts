/**
 * `struct mutex` (kernel/locking/mutex.c): one owner, FIFO waiters. Unlock
 * hands the mutex to the first waiter, as `__mutex_unlock_slowpath` does once
 * MUTEX_FLAG_HANDOFF is set (9d659ae14b54, v4.10+); lock stealing by
 * optimistic spinners before the handoff flag is set is not modelled.
 *
 * @module
 */
import { SleepingLock } from "./lock.js";
import type { KernelGen, Task } from "./task.js";

/** A sleeping mutual-exclusion lock. */
export class Mutex extends SleepingLock {
  private owner: Task | null = null;

  /** @inheritDoc */
  holders(): string[] {
    return this.owner ? [this.owner.name] : [];
  }

  /** `mutex_lock()`: take the mutex, sleeping while another task owns it. */
  mutex_lock(t: Task): KernelGen {
    this.noteAcquire(t, "mutex_lock", "write");
    if (this.owner === null && this.waiters.length === 0) {
      this.owner = t;
      this.grant(t, "write");
      return t.yieldOnce(null);
    }
    return this.waitFor(t, "mutex_lock", "write");
  }

  /** `mutex_trylock()`: 1 if taken, 0 if owned or contended; never sleeps. */
  mutex_trylock(t: Task): 0 | 1 {
    if (this.owner !== null || this.waiters.length > 0) {
      this.sim.event(t, "lock_trylock", "mutex_trylock", { lock: this.name }, 0);
      return 0;
    }
    this.noteAcquire(t, "mutex_trylock", "write");
    this.owner = t;
    this.grant(t, "write");
    return 1;
  }

  /** `mutex_unlock()`: release, handing off to the first waiter. */
  mutex_unlock(t: Task): void {
    this.release(t, "mutex_unlock", "write");
    const next = this.waiters.shift();
    this.owner = next ? next.task : null;
    if (next) this.handOff(next);
  }
}
