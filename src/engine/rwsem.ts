/**
 * `struct rw_semaphore` (kernel/locking/rwsem.c), as the fault path sees
 * `mmap_lock`:
 *
 * - a reader takes the lock only if no writer holds it and nobody waits
 *   (`RWSEM_READ_FAILED_MASK` includes `RWSEM_FLAG_WAITERS`), so new readers
 *   queue behind a waiting writer; `down_read_trylock` fails the same way;
 * - waiters queue FIFO; when the lock frees up and the first waiter is a
 *   writer, it gets the lock alone;
 * - when the first waiter is a reader, `rwsem_mark_wake` grants the read lock
 *   to the readers at the head of the queue up to the first writer (before
 *   v5.3), or to every reader in the queue, skipping writers, up to
 *   MAX_READERS_WAKEUP (d3681e269fff, v5.3+): {@link ReaderWake}.
 *
 * Simplification: a woken writer is handed the lock, as if
 * RWSEM_FLAG_HANDOFF (4f23dbc1e657, v5.3) were set; reader lock stealing in
 * the slow path (v5.11+) and optimistic spinning are not modelled.
 *
 * @module
 */
import type { Cacheline } from "./cacheline.js";
import { SleepingLock, type LockWaiter } from "./lock.js";
import type { Simulation } from "./simulation.js";
import type { KernelGen, Task } from "./task.js";

/** Which queued readers `rwsem_mark_wake` wakes when the first waiter is a reader. */
export type ReaderWake = "head" | "all";

/** kernel/locking/rwsem.c MAX_READERS_WAKEUP (v5.3+). */
export const MAX_READERS_WAKEUP = 0x100;

/** A reader-writer semaphore with writer preference over newly arriving readers. */
export class RwSemaphore extends SleepingLock {
  /** Reader wake-up rule in force (from the kernel-version profile). */
  readonly readerWake: ReaderWake;
  /** Read holders and how many read holds each has (recursive down_read counts twice). */
  private readonly readers = new Map<Task, number>();
  private writer: Task | null = null;
  /**
   * The lock word's cache line when its bouncing between CPUs is modelled,
   * else null. A blocking acquire pays for two atomics on it, its own and
   * the release's (`up_read`/`up_write` cannot wait in this model).
   */
  line: Cacheline | null = null;

  /**
   * @param options.lockClass - lockdep class (default: the name).
   * @param options.readerWake - `"all"` for v5.3+, `"head"` before (default `"all"`).
   */
  constructor(sim: Simulation, name: string, options: { lockClass?: string; readerWake?: ReaderWake } = {}) {
    super(sim, name, options.lockClass);
    this.readerWake = options.readerWake ?? "all";
  }

  /** @inheritDoc */
  holders(): string[] {
    return this.writer ? [this.writer.name] : [...this.readers.keys()].map((r) => r.name);
  }

  /** Number of tasks holding the lock for read. */
  get nr_readers(): number {
    return this.readers.size;
  }

  /** Name of the task holding the lock for write, or null. */
  get write_owner(): string | null {
    return this.writer?.name ?? null;
  }

  /** `down_read()`: shared acquire; sleeps behind a writer or any queued waiter. */
  down_read(t: Task): KernelGen {
    if (this.line) return this.afterLine(t, () => this.acquire(t, "down_read", "read", this.readable(), this.takeRead));
    return this.acquire(t, "down_read", "read", this.readable(), this.takeRead);
  }

  /** Two atomics on the lock word's line (acquire and release), then `acquire`. */
  private *afterLine(t: Task, acquire: () => KernelGen): KernelGen {
    yield* this.line!.rmw(t, 2);
    yield* acquire();
  }

  /**
   * `down_read_killable()` (mmap_read_lock_killable): like down_read, but a
   * pending SIGKILL ends the wait; true with the lock, false without (the
   * caller's -EINTR).
   */
  *down_read_killable(t: Task): KernelGen<boolean> {
    if (this.line) yield* this.line.rmw(t, 2);
    this.noteAcquire(t, "down_read_killable", "read");
    if (!this.readable()) return yield* this.waitFor(t, "down_read_killable", "read", "killable");
    this.takeRead(t);
    return true;
  }

  /** `down_read_trylock()`: 1 if taken; 0 if a writer holds it or tasks wait. */
  down_read_trylock(t: Task): 0 | 1 {
    return this.tryAcquire(t, "down_read_trylock", "read", this.readable(), this.takeRead);
  }

  /** `down_write()`: exclusive acquire. */
  down_write(t: Task): KernelGen {
    if (this.line) return this.afterLine(t, () => this.acquire(t, "down_write", "write", this.isFree(), this.takeWrite));
    return this.acquire(t, "down_write", "write", this.isFree(), this.takeWrite);
  }

  /** `down_write_trylock()`: 1 if taken; 0 if held or tasks wait. */
  down_write_trylock(t: Task): 0 | 1 {
    return this.tryAcquire(t, "down_write_trylock", "write", this.isFree(), this.takeWrite);
  }

  /** `up_read()`: the last reader out wakes the waiters. */
  up_read(t: Task): void {
    this.release(t, "up_read", "read");
    const n = this.readers.get(t)!;
    if (n > 1) this.readers.set(t, n - 1);
    else this.readers.delete(t);
    if (this.readers.size === 0) this.rwsem_wake();
  }

  /** `up_write()`: release and wake the waiters. */
  up_write(t: Task): void {
    this.release(t, "up_write", "write");
    this.writer = null;
    this.rwsem_wake();
  }

  /**
   * `downgrade_write()`: the writer becomes a reader without a window for
   * another writer; queued readers are woken only if a reader is first in the
   * queue (`rwsem_downgrade_wake`, RWSEM_WAKE_READ_OWNED).
   */
  downgrade_write(t: Task): void {
    this.release(t, "downgrade_write", "write");
    this.writer = null;
    this.grant(t, "read");
    this.readers.set(t, 1);
    if (this.waiters[0]?.mode === "read") this.wakeReaders();
  }

  /** `rwsem_del_wake_waiter()`: with the first waiter gone, a free lock goes to those now at the head. */
  protected override firstWaiterGone(): void {
    if (this.writer === null && (this.readers.size === 0 || this.waiters[0]?.mode === "read")) this.rwsem_wake();
  }

  /** No writer and nobody queued: the `down_read` fast path (RWSEM_READ_FAILED_MASK clear). */
  private readable(): boolean {
    return this.writer === null && this.waiters.length === 0;
  }

  private isFree(): boolean {
    return this.readable() && this.readers.size === 0;
  }

  private readonly takeRead = (t: Task): void => {
    this.readers.set(t, (this.readers.get(t) ?? 0) + 1);
    this.grant(t, "read");
  };

  private readonly takeWrite = (t: Task): void => {
    this.writer = t;
    this.grant(t, "write");
  };

  /** `rwsem_wake()` -> `rwsem_mark_wake(RWSEM_WAKE_ANY)` on a free lock. */
  private rwsem_wake(): void {
    const first = this.waiters[0];
    if (first === undefined) return;
    if (first.mode === "write") {
      this.waiters.shift();
      this.writer = first.task;
      this.handOff(first);
      return;
    }
    this.wakeReaders();
  }

  /** `rwsem_mark_wake()` with a reader first: grant read to the readers {@link ReaderWake} selects. */
  private wakeReaders(): void {
    const woken: LockWaiter[] = [];
    const left: LockWaiter[] = [];
    let scanning = true;
    for (const w of this.waiters) {
      if (scanning && w.mode === "read" && woken.length < MAX_READERS_WAKEUP) woken.push(w);
      else {
        if (this.readerWake === "head") scanning = false;
        left.push(w);
      }
    }
    this.waiters = left;
    for (const w of woken) {
      this.readers.set(w.task, (this.readers.get(w.task) ?? 0) + 1);
      this.handOff(w);
    }
  }
}
