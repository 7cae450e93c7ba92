/**
 * Signals as the sleeping kernel sees them (include/linux/sched/signal.h,
 * kernel/signal.c): a task sleeps TASK_UNINTERRUPTIBLE, TASK_KILLABLE or
 * TASK_INTERRUPTIBLE; `signal_wake_up()` wakes it only if its sleep state
 * lets the pending signal in (`signal_pending_state()`), and the sleeper then
 * decides what a wake-up without its condition means. Only two signals are
 * modelled: SIGKILL (fatal, process-wide) and a non-fatal signal that a
 * handler catches and returns from.
 *
 * @module
 */
import type { Task } from "./task.js";

/** A task's sleep state: TASK_UNINTERRUPTIBLE, TASK_KILLABLE (TASK_WAKEKILL | TASK_UNINTERRUPTIBLE) or TASK_INTERRUPTIBLE. */
export type SleepState = "uninterruptible" | "killable" | "interruptible";

/** The modelled signals: SIGKILL, and SIGUSR1 with a handler installed (caught, so not fatal). */
export type Signal = "SIGKILL" | "SIGUSR1";

/** `signal_pending()`: TIF_SIGPENDING, some signal is pending. */
export function signal_pending(t: Task): boolean {
  return t.sigpending;
}

/** `fatal_signal_pending()`: SIGKILL is pending. */
export function fatal_signal_pending(t: Task): boolean {
  return t.sigkill;
}

/** `signal_pending_state()`: does a pending signal end a sleep in `state`? Any signal ends an interruptible sleep, SIGKILL a killable one, none an uninterruptible one. */
export function signal_pending_state(state: SleepState, t: Task): boolean {
  if (state === "uninterruptible" || !t.sigpending) return false;
  return state === "interruptible" || t.sigkill;
}

/**
 * `send_sig()` to one task (`complete_signal()` picks it): mark the signal
 * pending and `signal_wake_up()`: a sleeper whose state the signal may end
 * is woken; it finds its condition false and returns early. Returns whether
 * the task was woken.
 */
export function send_sig(t: Task, sig: Signal): boolean {
  if (t.state === "exited") return false;
  t.sigpending = true;
  if (sig === "SIGKILL") t.sigkill = true;
  if (t.sim.tracing) t.sim.event(t, "signal_generate", "send_sig", { sig });
  if (t.state !== "blocked" || !signal_pending_state(t.sleepState, t)) return false;
  t.sim.wake(t);
  return true;
}

/** Delivery of a non-fatal signal on return to user mode (`get_signal()` then the handler, which returns): nothing stays pending. */
export function handle_signal(t: Task): void {
  t.sigpending = t.sigkill;
  if (t.sim.tracing) t.sim.event(t, "signal_deliver", "handle_signal", { sig: "SIGUSR1" });
}
