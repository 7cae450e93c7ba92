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
    return this.lock(t, "mutex_lock");
  }

  /** Take the lock in `fn`'s name, waiting FIFO while another task owns it. */
  protected lock(t: Task, fn: string): KernelGen {
    return this.acquire(t, fn, "write", this.isFree(), this.take);
  }

  /** `mutex_trylock()`: 1 if taken, 0 if owned or contended; never sleeps. */
  mutex_trylock(t: Task): 0 | 1 {
    return this.tryAcquire(t, "mutex_trylock", "write", this.isFree(), this.take);
  }

  private isFree(): boolean {
    return this.owner === null && this.waiters.length === 0;
  }

  private readonly take = (t: Task): void => {
    this.owner = t;
    this.grant(t, "write");
  };

  /** `mutex_unlock()`: release, handing off to the first waiter. */
  mutex_unlock(t: Task): void {
    this.unlock(t, "mutex_unlock");
  }

  /** Release in `fn`'s name, handing off to the first waiter. */
  protected unlock(t: Task, fn: string): void {
    this.release(t, fn, "write");
    const next = this.waiters.shift();
    this.owner = next ? next.task : null;
    if (next) this.handOff(next);
  }
}
