/**
 * The discrete-event simulation: a virtual clock in nanoseconds, a run queue
 * of cooperative tasks, a scheduling policy for tasks ready at the same
 * instant, a step budget, deadlock detection and the trace.
 *
 * @module
 */
import { BudgetExhausted, KernelBug, RunError } from "./bug.js";
import { Footprint, type StepFootprint } from "./footprint.js";
import { Lockdep, type LockInversion } from "./lockdep.js";
import { explicitSchedule, MAX_DECISIONS, seededRandom, timeOrder, ScheduleError, type SchedPolicy } from "./policy.js";
import { Prng } from "./prng.js";
import { RunQueue, type Schedulable } from "./runqueue.js";
import { send_sig, signal_pending_state, type SleepState } from "./signal.js";
import { Yield, Task, type TaskBody } from "./task.js";
import { DEFAULT_TRACE_WINDOW, Trace, type TraceEvent, type TraceGap, type TraceWindow } from "./trace.js";
import { WaitQueue } from "./waitqueue.js";
import type { SleepingLock } from "./lock.js";
import type { Json } from "./canonical.js";

/** How a run ended. */
export type RunStatus = "ok" | "deadlock" | "budget" | "error";

/**
 * Which orders of steps a run may take. `time`: tasks and timers run in
 * virtual-time order and the policy breaks ties among those ready at one
 * instant. `any`: at every scheduling point each runnable task and each
 * pending timer is a candidate whatever its ready time, so a window that is
 * short in time is still a window; blocking (locks, wait queues, IPIs) still
 * decides who is runnable, and the clock moves to the chosen one's ready time
 * if that is later. Choosing the first candidate every time gives the `time`
 * run.
 */
export type Interleave = "time" | "any";

/** One finished scheduling step, as a {@link SimulationOptions.observe} callback sees it. */
export interface SchedStep {
  /** What the step touched; its `task` is who ran (a task, or a timer's schedule name). */
  readonly footprint: StepFootprint;
  /** The candidates it was chosen from, in time order (under `interleave: "time"`, only the one that ran). */
  readonly enabled: readonly string[];
}

/** Options of a {@link Simulation}. */
export interface SimulationOptions {
  /** Scenario seed (unsigned 32-bit). Default 0. */
  seed?: number;
  /** Tie-break policy among tasks ready at one instant. Default `"time"`. */
  policy?: "time" | "random" | SchedPolicy;
  /** An explicit schedule; overrides `policy`. */
  schedule?: readonly string[];
  /** Which step orders the run may take (see {@link Interleave}). Default `"time"`. */
  interleave?: Interleave;
  /** Called after every step (task or timer) with its footprint; turns footprint tracking on (for the interleaving explorer). */
  observe?: (step: SchedStep) => void;
  /** With `observe`: trace events for which this returns true make their step touch the object `visible` (events a property reads, whose order matters). */
  visible?: (e: TraceEvent) => boolean;
  /** Step budget: the run stops with status `budget` after this many steps, or after this many units of {@link Simulation.charge}d work. Default 1e7. */
  maxSteps?: number;
  /** Which trace events to keep in memory; all are hashed. Default {@link DEFAULT_TRACE_WINDOW}. */
  traceWindow?: TraceWindow;
  /** Record the trace. Default true. */
  trace?: boolean;
  /** Called with every trace event as it is recorded: for what needs the whole trace, which the kept window may not hold. */
  onEvent?: (e: TraceEvent) => void;
  /** Called every `progressEvery` steps, and every `progressEvery` units of work inside one step, with the steps done, the virtual time and the work units done. */
  onProgress?: (steps: number, now: number, work: number) => void;
  /** Steps (or units of work) between `onProgress` calls. Default 65536. */
  progressEvery?: number;
  /** Called after every step (for invariant checkers in tests). */
  onStep?: (sim: Simulation) => void;
  /** Seeded fault points at every sleep. Default none. */
  faults?: SleepFaults;
}

/**
 * Fault points in the style of BUGGIFY, drawn from the sleeping task's own
 * seeded stream each time a task goes to sleep.
 */
export interface SleepFaults {
  /** Probability that the sleep ends at once with no waker: a spurious wake-up, which every sleeper must tolerate. */
  readonly spuriousWakeup: number;
  /** Probability that SIGKILL arrives for the task as it goes to sleep (tasks that return to user mode only). */
  readonly fatalSignal: number;
}

/** One blocked task in a deadlock report. */
export interface BlockedTask {
  /** The blocked task. */
  readonly task: string;
  /** What it waits for (`"mmap_lock (write)"`). */
  readonly waitsFor: string;
  /** Tasks holding what it waits for. */
  readonly holders: readonly string[];
}

/** Report of a run in which no task could run while some were blocked. */
export interface DeadlockReport {
  /** Every blocked task. */
  readonly blocked: readonly BlockedTask[];
  /** A wait-for cycle among them (task names, first repeated at the end), if there is one. */
  readonly cycle: readonly string[] | null;
}

/** Final state of one task. */
export interface TaskSummary {
  /** Task name. */
  readonly name: string;
  /** Scheduler state at the end of the run. */
  readonly state: "runnable" | "blocked" | "exited";
  /** Exit time (ns), or -1. */
  readonly exitTime: number;
  /** The body's return value. */
  readonly result: unknown;
}

/** Everything a run produced. */
export interface RunResult {
  /** How the run ended. */
  readonly status: RunStatus;
  /** Scheduling steps taken (each resumption of a task is one step). */
  readonly steps: number;
  /** Units of {@link Simulation.charge}d work done (scenario operations; one step may do many). */
  readonly work: number;
  /** Virtual time at the end (ns). */
  readonly endTime: number;
  /** Task chosen at each decision between tasks ready at one instant, the first {@link MAX_DECISIONS} of them; replays the run as an explicit schedule when it holds them all. */
  readonly decisions: readonly string[];
  /** Decisions the run made; more than `decisions` holds when it passed {@link MAX_DECISIONS}. */
  readonly decisionCount: number;
  /** Per-task final state. */
  readonly tasks: readonly TaskSummary[];
  /** Set when status is `deadlock`. */
  readonly deadlock?: DeadlockReport;
  /** Set when status is `error`: a kernel bug or a bad schedule. */
  readonly error?: { readonly task: string; readonly message: string };
  /** Lock-order inversions found, whether or not they deadlocked. */
  readonly inversions: readonly LockInversion[];
  /** Lockdep-style warnings (locks held at task exit). */
  readonly warnings: readonly string[];
  /** The trace events kept (see {@link SimulationOptions.traceWindow}); all of them when `traceGap` is null. */
  readonly trace: readonly TraceEvent[];
  /** Trace events recorded, kept or not. */
  readonly traceEvents: number;
  /** Where `trace` skips events it did not keep, or null. */
  readonly traceGap: TraceGap | null;
  /** SHA-256 of the canonical form of every recorded event ({@link traceHash}). */
  readonly traceHash: string;
}


/** A deterministic simulation of tasks on a virtual clock. */
export class Simulation {
  /** Current virtual time in nanoseconds. */
  now = 0;
  /** The root random stream; fork it, do not draw from it. */
  readonly prng: Prng;
  /** The trace being recorded. */
  readonly trace: Trace;
  /** Whether events are recorded; hot paths test it before building event arguments. */
  readonly tracing: boolean;
  /** The lock dependency graph. */
  readonly lockdep = new Lockdep();
  /** All tasks, in spawn order. */
  readonly tasks: Task[] = [];
  /** All sleeping locks, in creation order (for reports and invariant checkers). */
  readonly locks: SleepingLock[] = [];
  /** Tasks waiting for an IPI to be taken by every CPU (see irq.ts). */
  readonly ipiWaiters = new WaitQueue("ipi: CPUs with IRQs disabled");
  /** The task running now. */
  current: Task | null = null;

  private readonly rq = new RunQueue<Task>();
  private readonly timers = new RunQueue<Timer>();
  private readonly timerCount = new Map<string, number>();
  private readonly anyOrder: boolean;
  private readonly observe: ((step: SchedStep) => void) | undefined;
  private readonly visible: ((e: TraceEvent) => boolean) | undefined;
  /** The footprint of the step running now, when tracked. */
  private readonly fp: Footprint | null;
  private enabled: readonly string[] = [];
  private readonly policy: SchedPolicy;
  private readonly schedule: readonly string[] | undefined;
  private readonly maxSteps: number;
  private readonly onEvent: ((e: TraceEvent) => void) | undefined;
  private readonly onProgress: ((steps: number, now: number, work: number) => void) | undefined;
  private readonly progressEvery: number;
  private readonly onStep: ((sim: Simulation) => void) | undefined;
  private readonly faults: SleepFaults | undefined;
  private readonly names = new Set<string>();
  private readonly warnings: string[] = [];
  private readonly decisions: string[] = [];
  private decisionCount = 0;
  private work = 0;
  private steps = 0;

  constructor(options: SimulationOptions = {}) {
    this.prng = new Prng(options.seed ?? 0);
    this.tracing = options.trace ?? true;
    this.trace = new Trace(options.traceWindow ?? DEFAULT_TRACE_WINDOW);
    const policy = options.policy ?? "time";
    this.schedule = options.schedule;
    this.policy = options.schedule
      ? explicitSchedule(options.schedule)
      : policy === "time"
        ? timeOrder()
        : policy === "random"
          ? seededRandom(this.prng.fork("sched"))
          : policy;
    this.maxSteps = options.maxSteps ?? 1e7;
    this.onEvent = options.onEvent;
    this.onProgress = options.onProgress;
    this.progressEvery = options.progressEvery ?? 65536;
    this.onStep = options.onStep;
    const f = options.faults;
    this.faults = f && (f.spuriousWakeup > 0 || f.fatalSignal > 0) ? f : undefined;
    this.anyOrder = options.interleave === "any";
    this.observe = options.observe;
    this.visible = options.visible;
    this.fp = options.observe ? new Footprint() : null;
  }

  /**
   * Create a task, runnable now. Names must be unique within a simulation.
   * `opaque` (default true): the task runs code whose shared accesses the
   * engine does not see; false when its body declares them with
   * {@link Simulation.setOpaque} as it goes (the scenario interpreter).
   * `returnsToUser`: see {@link Task.returnsToUser}.
   */
  spawn(name: string, body: TaskBody, options: { daemon?: boolean; opaque?: boolean; returnsToUser?: boolean } = {}): Task {
    if (this.names.has(name)) throw new Error(`task name "${name}" is already used`);
    this.names.add(name);
    const t = new Task(this, this.tasks.length, name, body);
    t.daemon = options.daemon ?? false;
    t.returnsToUser = options.returnsToUser ?? false;
    t.opaque = options.opaque ?? true;
    if (this.fp) this.fp.opaque = true;
    this.tasks.push(t);
    this.rq.push(t);
    this.event(t, "task_start");
    return t;
  }

  /**
   * Run `fn` in interrupt context `ns` from now (an hrtimer, or a device
   * completion): it may wake tasks but not sleep. Timers due at an instant
   * fire before the tasks ready at that instant.
   */
  add_timer(ns: number, context: string, fn: () => void): void {
    const n = (this.timerCount.get(context) ?? 0) + 1;
    this.timerCount.set(context, n);
    this.timers.push({ readyAt: this.now + ns, seq: 0, heapIndex: -1, context, name: `${context}#${n}`, fn });
    if (this.fp) this.fp.opaque = true;
  }

  /** Note that the running step touched the shared object `key` (a no-op unless footprints are tracked). */
  touch(key: string): void {
    if (this.fp) this.fp.keys.add(key);
  }

  /**
   * Declare whether task `t` runs code whose shared accesses the engine does
   * not see (the kernel model) from here on; a step that ran any such code is
   * opaque, dependent on every other step.
   */
  setOpaque(t: Task, opaque: boolean): void {
    t.opaque = opaque;
    if (opaque && this.fp && this.current === t) this.fp.opaque = true;
  }

  /** Record a trace event in task `t` (or an interrupt context) at the current time. */
  event(t: { readonly name: string }, ev: string, fn?: string, args?: { [key: string]: Json }, ret?: Json): void {
    if (!this.tracing) return;
    const e: TraceEvent = { t: this.now, task: t.name, ev };
    if (fn !== undefined) e.fn = fn;
    if (args !== undefined) e.args = args;
    if (ret !== undefined) e.ret = ret;
    this.trace.record(e);
    if (this.onEvent !== undefined) this.onEvent(e);
    if (this.fp && this.visible?.(e)) this.fp.keys.add("visible");
  }

  /**
   * Count one unit of work that need not yield (a scenario operation), so a
   * loop of non-blocking operations also meets the budget and reports
   * progress, inside one scheduler step as well.
   */
  charge(): void {
    const work = ++this.work;
    if (work > this.maxSteps) throw new BudgetExhausted(`work budget of ${this.maxSteps} operations used up without finishing`);
    if (this.onProgress !== undefined && work % this.progressEvery === 0) this.onProgress(this.steps, this.now, work);
  }

  /**
   * Mark `t` blocked on `what`, sleeping in `state`; the caller then yields
   * {@link Yield.Block}. Like `schedule()`, it does not sleep when a signal
   * that `state` lets in is already pending (`signal_pending_state()`): the
   * task stays runnable and the caller sees its condition still false.
   */
  block(t: Task, what: string, holders: () => readonly string[], state: SleepState = "uninterruptible"): void {
    if (t.irqsDisabled > 0) {
      throw new KernelBug(`BUG: sleeping function called from invalid context: ${t.name} blocks on ${what} with IRQs disabled`);
    }
    t.state = "blocked";
    t.blockedOn = what;
    t.blockedHolders = holders;
    t.sleepState = state;
    const sleep = ++t.sleeps;
    if (signal_pending_state(state, t)) this.wake(t);
    else if (this.faults !== undefined) this.sleepFaults(t, sleep, this.faults);
  }

  /** Draw the fault points of one sleep: a spurious wake-up of exactly this sleep, SIGKILL. */
  private sleepFaults(t: Task, sleep: number, f: SleepFaults): void {
    if (f.spuriousWakeup > 0 && t.prng.float() < f.spuriousWakeup) {
      this.add_timer(0, "spurious wakeup", () => {
        if (t.state !== "blocked" || t.sleeps !== sleep) return;
        this.event(t, "sched_wakeup", "spurious", { on: t.blockedOn! });
        this.wake(t);
      });
    }
    if (f.fatalSignal > 0 && t.returnsToUser && !t.sigkill && t.prng.float() < f.fatalSignal) this.add_timer(0, "signal", () => send_sig(t, "SIGKILL"));
  }

  /** Make a blocked task runnable at the current time (`try_to_wake_up`). */
  wake(t: Task): void {
    if (t.state !== "blocked") return;
    t.state = "runnable";
    t.blockedOn = null;
    t.blockedHolders = null;
    t.readyAt = this.now;
    this.rq.push(t);
    if (this.fp) this.fp.woke.add(t.name);
  }

  /** Run until every task exits, a deadlock, a kernel bug or the step budget. */
  run(): RunResult {
    let status: RunStatus = "ok";
    let error: RunResult["error"];
    const rq = this.rq;
    const every = this.progressEvery;
    const fp = this.fp;
    for (;;) {
      if (this.steps >= this.maxSteps) {
        status = "budget";
        break;
      }
      let next: Task | Timer | undefined;
      try {
        next = this.anyOrder ? this.pickAny() : this.pickTimed();
      } catch (e) {
        if (!(e instanceof ScheduleError)) throw e;
        status = "error";
        error = { task: "scheduler", message: e.message };
        break;
      }
      if (next === undefined) break;
      if (!(next instanceof Task)) {
        const timer = next;
        if (timer.readyAt > this.now) this.now = timer.readyAt;
        fp?.reset(timer.name, true);
        try {
          timer.fn();
        } catch (e) {
          ({ status, error } = stopped(e, timer.context));
          break;
        }
        this.steps++;
        if (fp) this.observed(timer.name);
        continue;
      }
      const t = next;
      if (t.readyAt > this.now) this.now = t.readyAt;
      this.current = t;
      fp?.reset(t.name, t.opaque);
      let r: IteratorResult<Yield, unknown>;
      try {
        r = t.resume();
      } catch (e) {
        ({ status, error } = stopped(e, t.name));
        this.event(t, "kernel_bug", undefined, { message: error!.message });
        break;
      }
      const steps = ++this.steps;
      if (r.done) {
        this.exit(t, r.value);
      } else if (r.value === Yield.Block) {
        // Blocked, or already woken again (a pending signal): queued either way.
        if (t.state !== "blocked" && t.heapIndex < 0) throw new Error(`${t.name} yielded Block without blocking`);
      } else {
        if (r.value === Yield.Preempt) t.readyAt = this.now;
        rq.push(t);
      }
      if (fp) this.observed(t.name);
      if (this.onStep !== undefined) this.onStep(this);
      if (this.onProgress !== undefined && steps % every === 0) this.onProgress(steps, this.now, this.work);
    }
    this.current = null;
    if (this.schedule && this.decisionCount < this.schedule.length) {
      this.warnings.push(`schedule has ${this.schedule.length} entries but the run made ${this.decisionCount} choices: entries from schedule[${this.decisionCount}] on were not used`);
    }
    const deadlock = status === "ok" ? this.findDeadlock() : undefined;
    if (deadlock) status = "deadlock";
    return {
      status,
      steps: this.steps,
      work: this.work,
      endTime: this.now,
      decisions: this.decisions,
      decisionCount: this.decisionCount,
      tasks: this.tasks.map((t) => ({ name: t.name, state: t.state, exitTime: t.exitTime, result: t.result })),
      ...(deadlock ? { deadlock } : {}),
      ...(error ? { error } : {}),
      inversions: this.lockdep.inversions,
      warnings: this.warnings,
      trace: this.trace.events,
      traceEvents: this.trace.recorded,
      traceGap: this.trace.gap,
      traceHash: this.trace.hash(),
    };
  }

  /** Report the step just finished to the observer. */
  private observed(who: string): void {
    this.observe!({ footprint: this.fp!.copy(), enabled: this.anyOrder ? this.enabled : [who] });
  }

  /** `interleave: "time"`: the timer due first if it is due no later than every task, else a task ready at the earliest instant. */
  private pickTimed(): Task | Timer | undefined {
    const rq = this.rq;
    const timer = this.timers.peek();
    if (timer !== undefined && (rq.size === 0 || timer.readyAt <= rq.peek()!.readyAt)) return this.timers.pop();
    return this.policy.name === "time" ? rq.pop() : this.pick();
  }

  /**
   * `interleave: "any"`: every pending timer and runnable task is a
   * candidate, in time order (timers first at one instant, then FIFO); the
   * policy chooses when there are several.
   */
  private pickAny(): Task | Timer | undefined {
    const candidates: (Task | Timer)[] = [...this.timers.items(), ...this.rq.items()].sort(timeOrderOf);
    if (candidates.length === 0) return undefined;
    const names = candidates.map((c) => c.name);
    if (this.fp) this.enabled = names;
    const chosen = candidates.length === 1 ? candidates[0]! : candidates[this.policy.choose(names, this.decisionCount++)]!;
    if (candidates.length > 1 && this.decisions.length < MAX_DECISIONS) this.decisions.push(chosen.name);
    if (chosen instanceof Task) this.rq.remove(chosen);
    else this.timers.remove(chosen);
    return chosen;
  }

  /** Take the tasks ready at the earliest instant and let the policy choose. */
  private pick(): Task | undefined {
    const candidates = this.rq.popEarliest();
    if (candidates.length <= 1) return candidates[0];
    const i = this.policy.choose(
      candidates.map((c) => c.name),
      this.decisionCount++,
    );
    const chosen = candidates[i]!;
    if (this.decisions.length < MAX_DECISIONS) this.decisions.push(chosen.name);
    candidates.splice(i, 1);
    this.rq.restore(candidates);
    return chosen;
  }

  private exit(t: Task, result: unknown): void {
    t.state = "exited";
    t.result = result;
    t.exitTime = this.now;
    for (const h of t.held) {
      this.warnings.push(`${t.name} exited holding ${h.name} (${h.mode}): lock held when returning to user space`);
    }
    // do_exit() (kernel/exit.c): "note: %s[%d] exited with irqs disabled", then local_irq_enable():
    // its CPU takes the IPIs pending on it, and their senders are woken.
    if (t.irqsDisabled > 0) this.warnings.push(`${t.name} exited with IRQs disabled`);
    for (const targets of t.pendingIpis.splice(0)) targets.delete(t);
    this.touch("irq");
    this.ipiWaiters.wake_up_all();
    this.event(t, "task_exit", undefined, undefined, toJson(result));
  }

  private findDeadlock(): DeadlockReport | undefined {
    const blocked = this.tasks.filter((t) => t.state === "blocked" && !t.daemon);
    if (blocked.length === 0) return undefined;
    const report: BlockedTask[] = blocked.map((t) => ({
      task: t.name,
      waitsFor: t.blockedOn!,
      holders: [...t.blockedHolders!()],
    }));
    return { blocked: report, cycle: waitCycle(report) };
  }
}

/** How a run ends on an error thrown in `context`: budget or error for a RunError; anything else is a bug in the model and propagates. */
function stopped(e: unknown, context: string): { status: RunStatus; error: { task: string; message: string } } {
  if (!(e instanceof RunError)) throw e;
  return { status: e instanceof BudgetExhausted ? "budget" : "error", error: { task: context, message: e.message } };
}

/** A pending timer. */
interface Timer extends Schedulable {
  /** Who the callback runs as, in traces and errors (`blk`). */
  readonly context: string;
  /** Its name in schedules: the context and its count of timers (`blk#2`, the second). */
  readonly name: string;
  /** The callback. */
  readonly fn: () => void;
}

/** Time order of candidates: earlier first; at one instant timers before tasks (they fire first), then FIFO. */
function timeOrderOf(a: Task | Timer, b: Task | Timer): number {
  return a.readyAt - b.readyAt || Number(a instanceof Task) - Number(b instanceof Task) || a.seq - b.seq;
}

/** A cycle in the wait-for graph (task -> holders of what it waits for). */
function waitCycle(blocked: readonly BlockedTask[]): string[] | null {
  const waits = new Map(blocked.map((b) => [b.task, b.holders]));
  for (const start of waits.keys()) {
    const path: string[] = [start];
    const onPath = new Set(path);
    let at = start;
    for (;;) {
      const next = (waits.get(at) ?? []).find((h) => waits.has(h));
      if (next === undefined) break;
      if (onPath.has(next)) return [...path.slice(path.indexOf(next)), next];
      path.push(next);
      onPath.add(next);
      at = next;
    }
  }
  return null;
}

/** Task results become trace values only when they are plain JSON. */
function toJson(value: unknown): Json | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  return JSON.parse(JSON.stringify(value)) as Json;
}
