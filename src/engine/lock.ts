/**
 * What every sleeping lock shares: a FIFO wait list, lockdep bookkeeping on
 * acquire, the `lock_*` trace events, and the owner list a deadlock report
 * prints.
 *
 * @module
 */
import { KernelBug } from "./bug.js";
import type { Simulation } from "./simulation.js";
import { Yield, type HeldLock, type KernelGen, type Task } from "./task.js";

/** Lock mode: shared (`read`) or exclusive (`write`). */
export type LockMode = "read" | "write";

/** A task waiting on a lock, and the mode it wants. */
export interface LockWaiter {
  /** The waiting task. */
  readonly task: Task;
  /** The mode it asked for. */
  readonly mode: LockMode;
}

/** Base of {@link RwSemaphore} and {@link Mutex}. */
export abstract class SleepingLock {
  /** Instance name (`mmap_lock`, `folio_lock:0x1000`). */
  readonly name: string;
  /** Lockdep class; defaults to the instance name. */
  readonly lockClass: string;
  /** Tasks waiting, in FIFO order. */
  protected readonly waiters: LockWaiter[] = [];
  protected readonly sim: Simulation;

  constructor(sim: Simulation, name: string, lockClass = name) {
    this.sim = sim;
    this.name = name;
    this.lockClass = lockClass;
  }

  /** Names of the tasks holding the lock now. */
  abstract holders(): string[];

  /** Number of tasks waiting. */
  get nr_waiters(): number {
    return this.waiters.length;
  }

  /** `lock_acquire`: lockdep edge recording and the trace event, before any wait. */
  protected noteAcquire(t: Task, fn: string, mode: LockMode): void {
    this.sim.lockdep.acquire(t, this.lockClass);
    this.sim.event(t, "lock_acquire", fn, { lock: this.name, mode });
  }

  /** Queue `t` and sleep until a releaser hands the lock over with {@link SleepingLock.grant}. */
  protected *waitFor(t: Task, fn: string, mode: LockMode): KernelGen {
    this.waiters.push({ task: t, mode });
    this.sim.event(t, "lock_contended", fn, { lock: this.name, mode });
    this.sim.block(t, `${this.name} (${mode})`, () => this.holders());
    yield Yield.Block;
    this.sim.event(t, "lock_acquired", fn, { lock: this.name, mode });
  }

  /** Record that `t` now holds the lock. */
  protected grant(t: Task, mode: LockMode): void {
    const held: HeldLock = { name: this.name, lockClass: this.lockClass, mode };
    t.held.push(held);
  }

  /** Hand the lock to a waiter and wake it. */
  protected handOff(w: LockWaiter): void {
    this.grant(w.task, w.mode);
    this.sim.wake(w.task);
  }

  /** `lock_release`: drop `t`'s hold; a release of a lock not held is a kernel bug. */
  protected release(t: Task, fn: string, mode: LockMode): void {
    const i = t.held.findIndex((h) => h.name === this.name && h.mode === mode);
    if (i < 0) throw new KernelBug(`${fn}: ${t.name} does not hold ${this.name} for ${mode}`);
    t.held.splice(i, 1);
    this.sim.event(t, "lock_release", fn, { lock: this.name, mode });
  }
}
