/**
 * A contended cache line: the atomic read-modify-writes that CPUs make on
 * one lock word (an rwsem's `count`, a reader's `atomic_long_add_return`)
 * are served one at a time, in arrival order, each owning the line for a
 * fixed transfer time: one CPU pays that time per atomic, many CPUs also
 * wait their turn (an M/D/1 FIFO server).
 *
 * @module
 */
import { delay } from "./delay.js";
import type { KernelGen, Task } from "./task.js";

/** One shared cache line and the time each atomic on it holds the line. */
export class Cacheline {
  /** Name, as the trace shows it (`mmap_lock.count`). */
  readonly name: string;
  /** Time one atomic owns the line (ns). */
  readonly rmwNs: number;
  /** Virtual time at which the line is next free. */
  private freeAt = 0;

  constructor(name: string, rmwNs: number) {
    if (!Number.isInteger(rmwNs) || rmwNs < 0) throw new RangeError(`${name}: rmwNs must be a non-negative integer of ns, got ${rmwNs}`);
    this.name = name;
    this.rmwNs = rmwNs;
  }

  /** `count` atomics by `t` in a row: wait for the line, then own it `count * rmwNs`. */
  rmw(t: Task, count: number): KernelGen {
    const now = t.sim.now;
    this.freeAt = Math.max(now, this.freeAt) + count * this.rmwNs;
    return delay(t, "cpu", this.freeAt - now, "cacheline", { line: this.name });
  }
}
