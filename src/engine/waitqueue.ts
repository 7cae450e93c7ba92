/**
 * Wait queues (`wait_queue_head_t`, `wait_event`, `wake_up_all`) and
 * completions (`struct completion`), modelled after include/linux/wait.h and
 * kernel/sched/completion.c.
 *
 * @module
 */
import { signal_pending_state, type SleepState } from "./signal.js";
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


  /**
   * `wait_event()` (and `wait_event_killable()` / `wait_event_interruptible()`
   * for those states): sleep until `condition()` holds, re-checking after
   * every wake-up, spurious ones included. True once it holds; false when a
   * signal that `state` lets in ended the wait first (the callers' -ERESTARTSYS).
   */
  *wait_event(t: Task, condition: () => boolean, holders: () => readonly string[] = () => [], state: SleepState = "uninterruptible"): KernelGen<boolean> {
    const sim = t.sim;
    sim.touch(this.key);
    if (condition()) return true;
    if (sim.tracing) sim.event(t, "sched_wait", undefined, { wq: this.name });
    for (;;) {
      if (signal_pending_state(state, t)) {
        if (sim.tracing) sim.event(t, "sched_woken", undefined, { wq: this.name, by: "signal" });
        return false;
      }
      yield* this.sleep(t, holders, state);
      if (condition()) break;
    }
    if (sim.tracing) sim.event(t, "sched_woken", undefined, { wq: this.name });
    return true;
  }

  /**
   * One `prepare_to_wait()`, `schedule()`, `finish_wait()`: sleep until the
   * next wake-up of any kind (a waker, a signal `state` lets in, or a
   * spurious one) and return without checking why.
   */
  *sleep(t: Task, holders: () => readonly string[] = () => [], state: SleepState = "uninterruptible"): KernelGen {
    this.waiters.push(t);
    t.sim.block(t, this.name, holders, state);
    yield Yield.Block;
    t.sim.touch(this.key);
    const i = this.waiters.indexOf(t);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  /** A keyed wake (`__wake_up_locked_key()`) whose wake function accepts one sleeper: wake `t` if it sleeps here. */
  wake_up_task(t: Task): void {
    const i = this.waiters.indexOf(t);
    if (i < 0) return;
    t.sim.touch(this.key);
    this.waiters.splice(i, 1);
    t.sim.wake(t);
  }

  /** `wake_up_all()`: make every sleeper runnable; each re-checks its condition. */
  wake_up_all(): void {
    const woken = this.waiters;
    woken[0]?.sim.touch(this.key);
    this.waiters = [];
    for (const t of woken) t.sim.wake(t);
  }
}
