/**
 * Wait queues (`wait_queue_head_t`, `wait_event`, `wake_up_all`) and
 * completions (`struct completion`), modelled after include/linux/wait.h and
 * kernel/sched/completion.c.
 *
 * @module
 */
import { Yield, type KernelGen, type Task } from "./task.js";

/** A wait queue head: tasks sleeping until a condition may have changed. */
export class WaitQueue {
  /** Name shown in traces and deadlock reports. */
  readonly name: string;
  private waiters: Task[] = [];
  /** The queue's name in step footprints: its condition is read and changed under it. */
  private readonly key: string;

  constructor(name: string) {
    this.name = name;
    this.key = `wq:${name}`;
  }


  /** `wait_event()`: sleep until `condition()` holds, re-checking after each wake-up. */
  *wait_event(t: Task, condition: () => boolean, holders: () => readonly string[] = () => []): KernelGen {
    const sim = t.sim;
    sim.touch(this.key);
    if (condition()) return;
    if (sim.tracing) sim.event(t, "sched_wait", undefined, { wq: this.name });
    do {
      this.waiters.push(t);
      sim.block(t, this.name, holders);
      yield Yield.Block;
      sim.touch(this.key);
    } while (!condition());
    if (sim.tracing) sim.event(t, "sched_woken", undefined, { wq: this.name });
  }

  /** `wake_up_all()`: make every sleeper runnable; each re-checks its condition. */
  wake_up_all(): void {
    const woken = this.waiters;
    woken[0]?.sim.touch(this.key);
    this.waiters = [];
    for (const t of woken) t.sim.wake(t);
  }
}
