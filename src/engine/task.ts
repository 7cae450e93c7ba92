/**
 * Tasks: cooperative coroutines (generators) that stand for kernel threads,
 * vCPUs and userspace threads. A task yields at every point where the kernel
 * can be preempted, sleep, block on a lock or race with another CPU.
 *
 * @module
 */
import type { Prng } from "./prng.js";
import type { Schedulable } from "./runqueue.js";
import type { SleepState } from "./signal.js";
import type { Simulation } from "./simulation.js";

/** What a task yields to the scheduler. */
export const Yield = {
  /** A preemption point (`cond_resched`): stay runnable at the current time. */
  Preempt: 0,
  /** Blocked: already queued on a lock or wait queue; someone will wake it. */
  Block: 1,
  /** Timed: `task.readyAt` was set to a future time (sleep, IO, CPU work). */
  Timed: 2,
} as const;

/** One of the {@link Yield} values. */
export type Yield = (typeof Yield)[keyof typeof Yield];

/** The generator type of every modelled kernel function. */
export type KernelGen<R = void> = Generator<Yield, R, unknown>;

const DONE: IteratorReturnResult<void> = Object.freeze({ value: undefined, done: true as const });
const YIELDED: readonly IteratorYieldResult<Yield>[] = [0, 1, 2].map((v) => Object.freeze({ value: v as Yield, done: false as const }));

/**
 * A one-shot iterator that yields one value and finishes: what the leaf
 * primitives (timed waits, uncontended lock acquisitions) return instead of a
 * fresh generator, since a scheduler step allocating a generator per
 * primitive is most of the engine's cost. One per task, re-armed per use.
 */
class Once implements KernelGen {
  private next_: IteratorResult<Yield, void> = DONE;
  arm(y: Yield | null): this {
    this.next_ = y === null ? DONE : YIELDED[y]!;
    return this;
  }
  next(): IteratorResult<Yield, void> {
    const r = this.next_;
    this.next_ = DONE;
    return r;
  }
  return(): IteratorResult<Yield, void> {
    this.next_ = DONE;
    return DONE;
  }
  throw(e: unknown): never {
    throw e;
  }
  [Symbol.iterator](): this {
    return this;
  }
}

/** The body of a task: given its task, a generator that runs it. */
export type TaskBody = (task: Task) => KernelGen<unknown>;

/** Task states, as the scheduler sees them. */
export type TaskState = "runnable" | "blocked" | "exited";

/** A lock a task holds, for lockdep and for reports. */
export interface HeldLock {
  /** The lock's instance name. */
  readonly name: string;
  /** The lock's class name (lockdep keys on classes). */
  readonly lockClass: string;
  /** `read` or `write` for rwsems, `write` for mutexes. */
  readonly mode: "read" | "write";
}

/** A simulated task (`struct task_struct`, as far as the model needs one). */
export class Task implements Schedulable {
  /** Index in spawn order. */
  readonly id: number;
  /** Unique name, used in traces and schedules. */
  readonly name: string;
  /** The simulation the task belongs to. */
  readonly sim: Simulation;
  private prng_: Prng | null = null;
  /** Scheduler state. */
  state: TaskState = "runnable";
  /** Virtual time at which the task may next run. */
  readyAt: number;
  /** FIFO tie-break among tasks ready at the same time. */
  seq = 0;
  /** Index in the run queue heap, or -1. */
  heapIndex = -1;
  /** Locks held, in acquisition order. */
  readonly held: HeldLock[] = [];
  /** A daemon (a kthread or a userspace service loop) waits for work forever; one left blocked at the end is not a deadlock. */
  daemon = false;
  /** The task returns to user mode between operations, where signals are delivered: only such tasks get the fault points' SIGKILL. */
  returnsToUser = false;
  /** Runs code whose shared accesses the engine does not see (see {@link Simulation.setOpaque}). */
  opaque = true;
  /** `current->flags`: the PF_* bits the model reads (PF_NO_UFFD_WAIT). */
  flags = 0;
  /** `local_irq_disable` nesting depth. */
  irqsDisabled = 0;
  /** IPIs sent to this task's CPU while its IRQs were off, acknowledged when it enables them. */
  readonly pendingIpis: Set<Task>[] = [];
  /** How the task sleeps while blocked: which signals may wake it. */
  sleepState: SleepState = "uninterruptible";
  /** Sleeps so far: a delayed wake-up meant for one sleep must not end a later one. */
  sleeps = 0;
  /** TIF_SIGPENDING: a signal is pending. */
  sigpending = false;
  /** SIGKILL is pending (`fatal_signal_pending()`). */
  sigkill = false;
  /** What the task is blocked on, for deadlock reports. */
  blockedOn: string | null = null;
  /** Who holds what the task is blocked on, for deadlock reports. */
  blockedHolders: (() => readonly string[]) | null = null;
  /** Return value of the body once exited. */
  result: unknown = undefined;
  /** Virtual time of exit. */
  exitTime = -1;
  /** The body; called when the task first runs, so nothing of it runs at spawn time. */
  private readonly body: TaskBody;
  private gen_: KernelGen<unknown> | null = null;
  private readonly once = new Once();

  /** Tasks are created with {@link Simulation.spawn}. */
  constructor(sim: Simulation, id: number, name: string, body: TaskBody) {
    this.sim = sim;
    this.id = id;
    this.name = name;
    this.readyAt = sim.now;
    this.body = body;
  }

  /** The task's own random stream, forked from the scenario seed by name (on first use). */
  get prng(): Prng {
    return (this.prng_ ??= this.sim.prng.fork(`task:${this.name}`));
  }

  /** Resume the task until its next yield (starting its body on the first call). */
  resume(): IteratorResult<Yield, unknown> {
    this.gen_ ??= this.body(this);
    return this.gen_.next();
  }

  /** A {@link KernelGen} that yields `y` once (or nothing, for null) and returns: for `yield*` in leaf primitives. */
  yieldOnce(y: Yield | null): KernelGen {
    return this.once.arm(y);
  }
}
