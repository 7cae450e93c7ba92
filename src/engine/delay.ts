/**
 * Timed waits: where virtual time passes. CPU work keeps the task running,
 * `io` models `io_schedule()` until a device completes, `sleep` models
 * `schedule_timeout()`; preemption points model `cond_resched()`.
 *
 * @module
 */
import { KernelBug } from "./bug.js";
import type { Json } from "./canonical.js";
import { Yield, type KernelGen, type Task } from "./task.js";

/** How a task spends a stretch of virtual time; names the swimlane it draws as. */
export type DelayKind = "cpu" | "io" | "sleep";

/**
 * Spend `ns` of virtual time in task `t`. Traced as one event `ev = kind` with
 * `args.ns`, so the interval is [t, t + ns].
 */
export function delay(t: Task, kind: DelayKind, ns: number, fn?: string, args?: { [key: string]: Json }): KernelGen {
  if (!Number.isInteger(ns) || ns < 0) throw new RangeError(`${kind} duration must be a non-negative integer of ns, got ${ns}`);
  if (kind !== "cpu" && t.irqsDisabled > 0) {
    throw new KernelBug(`BUG: sleeping function called from invalid context: ${t.name} ${fn ?? kind} with IRQs disabled`);
  }
  if (t.sim.tracing) t.sim.event(t, kind, fn, { ...args, ns });
  t.readyAt = t.sim.now + ns;
  return t.yieldOnce(Yield.Timed);
}

/** `cond_resched()`: a point where another task ready at this instant may run. */
export function cond_resched(t: Task): KernelGen {
  return t.yieldOnce(Yield.Preempt);
}
