/**
 * The interpreter of scenario operations: each op calls the engine primitive
 * with the kernel's name.
 *
 * @module
 */
import { delay, cond_resched } from "../engine/delay.js";
import { local_irq_disable, local_irq_enable, smp_call_function } from "../engine/irq.js";
import type { Mutex } from "../engine/mutex.js";
import type { Prng } from "../engine/prng.js";
import type { RwSemaphore } from "../engine/rwsem.js";
import type { KernelGen, Task } from "../engine/task.js";
import type { DurationSpec, OpSpec } from "./schema.js";

/** The locks of a running scenario, by name. */
export interface OpEnv {
  /** rw_semaphores by name. */
  readonly rwsems: ReadonlyMap<string, RwSemaphore>;
  /** Mutexes by name. */
  readonly mutexes: ReadonlyMap<string, Mutex>;
}

/** Draw a duration from the task's stream. */
export function sample(prng: Prng, d: DurationSpec): number {
  if (typeof d === "number") return d;
  return d.dist === "uniform" ? prng.range(d.min, d.max) : prng.exponential(d.mean);
}

/** Run a list of operations in task `t`. */
export function* runOps(t: Task, ops: readonly OpSpec[], env: OpEnv): KernelGen {
  for (const op of ops) yield* runOp(t, op, env);
}

function* runOp(t: Task, op: OpSpec, env: OpEnv): KernelGen {
  switch (op.op) {
    case "down_read":
      return yield* env.rwsems.get(op.lock)!.down_read(t);
    case "down_write":
      return yield* env.rwsems.get(op.lock)!.down_write(t);
    case "down_read_trylock":
      return void env.rwsems.get(op.lock)!.down_read_trylock(t);
    case "down_write_trylock":
      return void env.rwsems.get(op.lock)!.down_write_trylock(t);
    case "up_read":
      return env.rwsems.get(op.lock)!.up_read(t);
    case "up_write":
      return env.rwsems.get(op.lock)!.up_write(t);
    case "downgrade_write":
      return env.rwsems.get(op.lock)!.downgrade_write(t);
    case "mutex_lock":
      return yield* env.mutexes.get(op.lock)!.mutex_lock(t);
    case "mutex_trylock":
      return void env.mutexes.get(op.lock)!.mutex_trylock(t);
    case "mutex_unlock":
      return env.mutexes.get(op.lock)!.mutex_unlock(t);
    case "cpu":
    case "io":
    case "sleep":
      return yield* delay(t, op.op, sample(t.prng, op.ns), op.fn);
    case "cond_resched":
      return yield* cond_resched(t);
    case "local_irq_disable":
      return local_irq_disable(t);
    case "local_irq_enable":
      return local_irq_enable(t);
    case "smp_call_function":
      return yield* smp_call_function(t, op.fn ?? "generic");
    case "repeat":
      for (let i = 0; i < op.count; i++) yield* runOps(t, op.ops, env);
      return;
  }
}
