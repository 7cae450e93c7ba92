/**
 * What every sleeping lock shares: a FIFO wait list, lockdep bookkeeping on
 * acquire, the `lock_*` trace events, and the owner list a deadlock report
 * prints.
 *
 * @module
 */
import { KernelBug } from "./bug.js";
import { signal_pending_state, type SleepState } from "./signal.js";
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
  /** Set when a releaser hands it the lock (`waiter.task = NULL` in rwsem.c). */
  granted: boolean;
}

/** Base of {@link RwSemaphore} and {@link Mutex}. */
export abstract class SleepingLock {
  /** Instance name (`mmap_lock`, `folio_lock:0x1000`). */
  readonly name: string;
  /** Lockdep class; defaults to the instance name. */
  readonly lockClass: string;
  /** Tasks waiting, in FIFO order. */
  protected waiters: LockWaiter[] = [];
  /** The simulation whose tasks take the lock. */
  protected readonly sim: Simulation;
  private readonly heldAs: { readonly read: HeldLock; readonly write: HeldLock };
  private readonly waitingFor: { readonly read: string; readonly write: string };
  /** The lock's name in step footprints. */
  private readonly key: string;

  constructor(sim: Simulation, name: string, lockClass = name) {
    this.sim = sim;
    this.name = name;
    this.lockClass = lockClass;
    this.heldAs = { read: { name, lockClass, mode: "read" }, write: { name, lockClass, mode: "write" } };
    this.waitingFor = { read: `${name} (read)`, write: `${name} (write)` };
    this.key = `lock:${name}`;
    sim.locks.push(this);
  }

  /** Names of the tasks holding the lock now. */
  abstract holders(): string[];


  /**
   * `lock_acquire`: lockdep edge recording and the trace event, before any
   * wait. A trylock cannot deadlock, so it records no dependency
   * (`validate_chain` skips `hlock->trylock`).
   */
  protected noteAcquire(t: Task, fn: string, mode: LockMode, trylock = false): void {
    this.sim.touch(this.key);
    if (!trylock && t.held.length > 0) {
      this.sim.touch("lockdep");
      this.sim.lockdep.acquire(t, this.lockClass);
    }
    if (this.sim.tracing) this.sim.event(t, "lock_acquire", fn, { lock: this.name, mode });
  }

  /**
   * The shape of every sleeping acquire: lockdep and trace, then take the
   * lock now if `free`, else queue and sleep until handed the lock.
   */
  protected acquire(t: Task, fn: string, mode: LockMode, free: boolean, take: (t: Task) => void): KernelGen {
    this.noteAcquire(t, fn, mode);
    // An uninterruptible wait always ends with the lock: its result carries nothing.
    if (!free) return this.waitFor(t, fn, mode, "uninterruptible") as unknown as KernelGen;
    take(t);
    return t.yieldOnce(null);
  }

  /** The shape of every trylock: 1 and the lock if `free`, else 0 without sleeping. */
  protected tryAcquire(t: Task, fn: string, mode: LockMode, free: boolean, take: (t: Task) => void): 0 | 1 {
    if (!free) {
      this.sim.touch(this.key);
      this.sim.event(t, "lock_trylock", fn, { lock: this.name }, 0);
      return 0;
    }
    this.noteAcquire(t, fn, mode, true);
    take(t);
    return 1;
  }

  /**
   * Queue `t` and sleep in `state` until a releaser hands the lock over with
   * {@link SleepingLock.grant}; true then. A wake-up without the lock
   * (spurious) sleeps again; one from a signal that `state` lets in leaves
   * the queue and gives false (`rwsem_down_read_slowpath()`'s out_nolock: a
   * hand-over that came first still wins).
   */
  protected *waitFor(t: Task, fn: string, mode: LockMode, state: SleepState): KernelGen<boolean> {
    const w: LockWaiter = { task: t, mode, granted: false };
    this.waiters.push(w);
    if (this.sim.tracing) this.sim.event(t, "lock_contended", fn, { lock: this.name, mode });
    for (;;) {
      this.sim.block(t, this.waitingFor[mode], this.holdersFn, state);
      yield Yield.Block;
      if (w.granted) break;
      if (signal_pending_state(state, t)) {
        this.sim.touch(this.key);
        const first = this.waiters[0] === w;
        this.waiters.splice(this.waiters.indexOf(w), 1);
        if (this.sim.tracing) this.sim.event(t, "lock_interrupted", fn, { lock: this.name, mode });
        if (first) this.firstWaiterGone();
        return false;
      }
    }
    if (this.sim.tracing) this.sim.event(t, "lock_acquired", fn, { lock: this.name, mode });
    return true;
  }

  /** The first waiter left without the lock: those behind it may now be eligible (`rwsem_del_wake_waiter()`). */
  protected firstWaiterGone(): void {}

  private readonly holdersFn = () => this.holders();

  /** Record that `t` now holds the lock. */
  protected grant(t: Task, mode: LockMode): void {
    t.held.push(this.heldAs[mode]);
  }

  /** Hand the lock to a waiter and wake it. */
  protected handOff(w: LockWaiter): void {
    w.granted = true;
    this.grant(w.task, w.mode);
    this.sim.wake(w.task);
  }

  /** `lock_release`: drop `t`'s hold; a release of a lock not held is a kernel bug. */
  protected release(t: Task, fn: string, mode: LockMode): void {
    const i = t.held.lastIndexOf(this.heldAs[mode]);
    if (i < 0) throw new KernelBug(`${fn}: ${t.name} does not hold ${this.name} for ${mode}`);
    this.sim.touch(this.key);
    if (i === t.held.length - 1) t.held.pop();
    else t.held.splice(i, 1);
    if (this.sim.tracing) this.sim.event(t, "lock_release", fn, { lock: this.name, mode });
  }
}
