/**
 * Scheduling policies: which of the tasks ready at the same instant runs next.
 *
 * Tasks ready at different virtual times always run in time order; a policy
 * only breaks ties between tasks ready at the same instant, which is where
 * races live.
 *
 * @module
 */
import type { Prng } from "./prng.js";

/** Chooses one of several candidate task names; returns its index. */
export interface SchedPolicy {
  /** Policy name, for reports. */
  readonly name: string;
  /**
   * Pick among `candidates` (task names, FIFO order, at least two).
   * `decision` counts the choices made so far in this run.
   */
  choose(candidates: readonly string[], decision: number): number;
}

/** Time order: FIFO among tasks ready at the same instant. */
export function timeOrder(): SchedPolicy {
  return { name: "time", choose: () => 0 };
}

/** Seeded random choice among tasks ready at the same instant. */
export function seededRandom(prng: Prng): SchedPolicy {
  return { name: "random", choose: (candidates) => prng.int(candidates.length) };
}

/** Raised when an explicit schedule names a task that cannot run at that point. */
export class ScheduleError extends Error {
  /** Index of the offending schedule entry. */
  readonly decision: number;
  constructor(decision: number, message: string) {
    super(message);
    this.name = "ScheduleError";
    this.decision = decision;
  }
}

/**
 * An explicit schedule: the n-th choice between ready tasks picks
 * `schedule[n]`. When the schedule is used up, time order decides. This is how
 * a cited run and the interleaving explorer replay an exact interleaving.
 */
export function explicitSchedule(schedule: readonly string[]): SchedPolicy {
  return {
    name: "explicit",
    choose(candidates, decision) {
      if (decision >= schedule.length) return 0;
      const want = schedule[decision]!;
      const i = candidates.indexOf(want);
      if (i < 0) {
        throw new ScheduleError(
          decision,
          `schedule[${decision}] is "${want}", but the tasks ready at that point are ${candidates.map((c) => `"${c}"`).join(", ")}`,
        );
      }
      return i;
    },
  };
}

/**
 * Decisions a run keeps, and the longest explicit schedule a scenario may
 * give: 8 MB of task names. A run that makes more cannot be replayed in full
 * from its decisions.
 */
export const MAX_DECISIONS = 1_000_000;
