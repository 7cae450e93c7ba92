/**
 * The interleaving explorer: every order of a scenario's steps that its
 * synchronisation allows (`interleave: "any"`), searched exhaustively with
 * partial-order reduction up to a state budget, then sampled by seeded
 * random walks; each distinct outcome with its count and a shortest
 * schedule that reaches it, and the property's verdict as far as the search
 * supports it.
 *
 * @module
 */
import { Prng } from "../engine/prng.js";
import type { NormalizedScenario } from "../scenario/normalize.js";
import { runNormalized, type ScenarioRun } from "../scenario/run.js";
import { search, type SearchProgress } from "./dpor.js";
import { anyOrder, execute, scheduleOf, type Execution } from "./execution.js";
import { outcomeKey, outcomeOf, type Outcome } from "./outcome.js";
import { verdictOf, type ExploreVerdict } from "./verdict.js";

/** Options of {@link explore}. */
export interface ExploreOptions {
  /** State budget of the exhaustive search (default {@link DEFAULT_MAX_STATES}). */
  readonly maxStates?: number;
  /** Random walks to run when the search is not exhaustive (default {@link DEFAULT_WALKS}). */
  readonly walks?: number;
  /** Seed of the random walks (default: the scenario's seed). */
  readonly seed?: number;
  /** Partial-order reduction (default true); false enumerates every interleaving, for comparison. */
  readonly reduction?: boolean;
  /** Progress, after every execution. */
  readonly onProgress?: (p: ExploreProgress) => void;
}

/** Default state budget of the exhaustive search. */
export const DEFAULT_MAX_STATES = 200_000;
/** Default number of random walks after a search that was not exhaustive. */
export const DEFAULT_WALKS = 200;

/** Progress of an exploration. */
export interface ExploreProgress extends SearchProgress {
  /** `search` (the exhaustive search) or `walks` (random walks after it). */
  readonly phase: "search" | "walks";
  /** Random walks done. */
  readonly walks: number;
}

/** One distinct outcome and the executions that reached it. */
export interface OutcomeReport {
  /** The outcome. */
  readonly outcome: Outcome;
  /** Executions (searched or walked) that reached it. */
  readonly count: number;
  /** Whether it contradicts the scenario's expectation: its property value the expected verdict rules out (never/always), or, without a property, a status other than `expect.status`. */
  readonly violation: boolean;
  /** A shortest explicit schedule reaching it (for `interleave: "any"`; see {@link citableSchedule}). */
  readonly schedule: readonly string[];
  /** Steps of that execution. */
  readonly steps: number;
}

/** What an exploration found. */
export interface ExploreReport {
  /** The scenario explored. */
  readonly scenario: NormalizedScenario;
  /** Whether partial-order reduction was on. */
  readonly reduction: boolean;
  /** Every interleaving was covered. */
  readonly exhaustive: boolean;
  /** Some execution used up the scenario's step budget (`maxSteps`): interleavings are covered up to that length only. */
  readonly bounded: boolean;
  /** States the search visited. */
  readonly states: number;
  /** Executions the search ran to their end. */
  readonly executions: number;
  /** Executions the search abandoned as covered by explored ones. */
  readonly abandoned: number;
  /** Random walks run after the search. */
  readonly walks: number;
  /** Distinct outcomes, most frequent first. */
  readonly outcomes: readonly OutcomeReport[];
  /** The property's verdict, or null without a property. */
  readonly verdict: ExploreVerdict | null;
}

/** Whether a run's outcome contradicts what the scenario expects. */
function violates(s: NormalizedScenario, o: Outcome): boolean {
  const p = s.property;
  if (p) return (p.verdict === "never" && o.property === true) || (p.verdict === "always" && o.property === false);
  return o.status !== (s.expect.status ?? "ok");
}

/**
 * Explore the interleavings of a normalized scenario (see the module
 * comment). Deterministic: the same scenario and options give the same
 * report. Throws an Error only on a model that does not replay
 * deterministically.
 */
export function explore(s: NormalizedScenario, options: ExploreOptions = {}): ExploreReport {
  const reduction = options.reduction ?? true;
  const found = new Map<string, { outcome: Outcome; count: number; schedule: string[]; steps: number }>();
  let positive = 0;
  let total = 0;
  let bounded = false;
  const record = (e: Execution) => {
    const run = e.run!;
    const outcome = outcomeOf(run);
    total++;
    if (outcome.property) positive++;
    if (run.result.status === "budget") bounded = true;
    const key = outcomeKey(outcome);
    const schedule = scheduleOf(e.steps);
    const seen = found.get(key);
    if (!seen) found.set(key, { outcome, count: 1, schedule, steps: e.steps.length });
    else {
      seen.count++;
      if (schedule.length < seen.schedule.length || (schedule.length === seen.schedule.length && e.steps.length < seen.steps)) Object.assign(seen, { schedule, steps: e.steps.length });
    }
  };
  const stats = search(s, {
    reduction,
    maxStates: options.maxStates ?? DEFAULT_MAX_STATES,
    onExecution: record,
    ...(options.onProgress ? { onProgress: (p: SearchProgress) => options.onProgress!({ ...p, phase: "search", walks: 0 }) } : {}),
  });
  const walks = stats.exhaustive ? 0 : (options.walks ?? DEFAULT_WALKS);
  const prng = new Prng(options.seed ?? s.seed).fork("explore:walks");
  const scenario = anyOrder(s);
  for (let w = 0; w < walks; w++) {
    record(execute(scenario, [], (_k, enabled) => enabled[prng.int(enabled.length)]!));
    options.onProgress?.({ ...stats, phase: "walks", walks: w + 1 });
  }
  const outcomes = [...found.values()]
    .map((o) => ({ ...o, violation: violates(s, o.outcome) }))
    .sort((a, b) => b.count - a.count || a.steps - b.steps);
  const p = s.property;
  return {
    scenario: s,
    reduction,
    exhaustive: stats.exhaustive,
    bounded,
    states: stats.states,
    executions: stats.executions,
    abandoned: stats.abandoned,
    walks,
    outcomes,
    verdict: p ? verdictOf(p.verdict, positive, total, stats.exhaustive) : null,
  };
}

/** The scenario with an explorer's schedule: `interleave: "any"` and the schedule, ready to run, record and cite. */
export function citableSchedule(s: NormalizedScenario, schedule: readonly string[]): NormalizedScenario {
  return { ...s, interleave: "any", schedule: [...schedule] };
}

/** Replay an explorer's schedule of `s`: the run it names, trace and all. */
export function replaySchedule(s: NormalizedScenario, schedule: readonly string[]): ScenarioRun {
  return runNormalized(citableSchedule(s, schedule));
}
