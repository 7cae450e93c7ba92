/**
 * Step footprints: what one scheduling step (a task's run from one yield to
 * the next, or one timer callback) touched, as far as the engine can see it.
 * The interleaving explorer calls two steps independent only when their
 * footprints say so; anything the engine cannot see makes a step opaque,
 * dependent on every other step.
 *
 * @module
 */

/** What one step touched. */
export class Footprint {
  /** Who ran the step: a task name, or a timer's schedule name (`blk#1`). */
  task = "";
  /** Shared objects touched, by stable name (`lock:mmap_lock`, `wq:...`, `irq`, `lockdep`, `visible`). */
  readonly keys = new Set<string>();
  /** Tasks the step made runnable (`try_to_wake_up`). */
  readonly woke = new Set<string>();
  /** The step ran code whose accesses the engine does not see (the kernel model, a timer callback): dependent on every step. */
  opaque = false;

  /** Start the footprint of a new step run by `task`. */
  reset(task: string, opaque: boolean): void {
    this.task = task;
    this.keys.clear();
    this.woke.clear();
    this.opaque = opaque;
  }

  /** A frozen copy, for keeping after the step. */
  copy(): StepFootprint {
    return { task: this.task, keys: [...this.keys].sort(), woke: [...this.woke].sort(), opaque: this.opaque };
  }
}

/** A finished step's footprint, as data. */
export interface StepFootprint {
  /** Who ran the step. */
  readonly task: string;
  /** Shared objects touched, sorted. */
  readonly keys: readonly string[];
  /** Tasks it woke, sorted. */
  readonly woke: readonly string[];
  /** Whether it ran code the engine cannot see into. */
  readonly opaque: boolean;
}

/**
 * Whether two steps of different tasks conflict: either is opaque, or they
 * touched a common object. Conflicting steps may not commute.
 */
export function conflicts(a: StepFootprint, b: StepFootprint): boolean {
  if (a.opaque || b.opaque) return true;
  for (const k of a.keys) if (b.keys.includes(k)) return true;
  return false;
}

/**
 * Whether the order of two steps of different tasks matters: they conflict,
 * or one woke the other's task (every step of a task depends on the step
 * that made it runnable).
 */
export function dependent(a: StepFootprint, b: StepFootprint): boolean {
  return conflicts(a, b) || a.woke.includes(b.task) || b.woke.includes(a.task);
}
