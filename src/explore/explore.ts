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
import { search, type SearchProgress, type SearchSplit, type SearchStats } from "./dpor.js";
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

/** An outcome as a tally holds it: how often it was reached and the shortest schedule that reached it. */
interface TalliedOutcome {
  readonly outcome: Outcome;
  count: number;
  schedule: string[];
  steps: number;
}

/**
 * The outcomes of the executions seen so far: plain data, so the tallies
 * of searches run apart (in worker threads, over the subtrees of
 * {@link splitSearch}) can be merged with {@link mergeTally}.
 */
export interface OutcomeTally {
  /** Distinct outcomes in the order first reached. */
  readonly outcomes: TalliedOutcome[];
  /** Executions whose property held. */
  positive: number;
  /** Executions. */
  total: number;
  /** Some execution used up the step budget. */
  bounded: boolean;
}

/** An empty tally. */
export function newTally(): OutcomeTally {
  return { outcomes: [], positive: 0, total: 0, bounded: false };
}

/** Add one outcome reached `count` times, keeping the shortest schedule (fewest choices, then fewest steps; the earlier on a tie). */
function addOutcome(t: OutcomeTally, o: TalliedOutcome): void {
  const key = outcomeKey(o.outcome);
  const seen = t.outcomes.find((x) => outcomeKey(x.outcome) === key);
  if (!seen) t.outcomes.push({ ...o, schedule: [...o.schedule] });
  else {
    seen.count += o.count;
    if (o.schedule.length < seen.schedule.length || (o.schedule.length === seen.schedule.length && o.steps < seen.steps)) Object.assign(seen, { schedule: [...o.schedule], steps: o.steps });
  }
}

/** Tally a finished execution. */
export function recordExecution(t: OutcomeTally, e: Execution): void {
  const run = e.run!;
  const outcome = outcomeOf(run);
  t.total++;
  if (outcome.property) t.positive++;
  if (run.result.status === "budget") t.bounded = true;
  addOutcome(t, { outcome, count: 1, schedule: scheduleOf(e.steps), steps: e.steps.length });
}

/** Add `from`'s executions to `into`; merging in a fixed order gives the same tally on every run. */
export function mergeTally(into: OutcomeTally, from: OutcomeTally): void {
  into.positive += from.positive;
  into.total += from.total;
  into.bounded ||= from.bounded;
  for (const o of from.outcomes) addOutcome(into, o);
}

/** Run random walks `from` to `to` (exclusive) of `s`, walk w seeded by `seed` and w alone, so any split of the range gives the same walks. */
export function randomWalks(s: NormalizedScenario, seed: number, from: number, to: number, tally: OutcomeTally, onWalk?: () => void): void {
  const scenario = anyOrder(s);
  for (let w = from; w < to; w++) {
    const prng = new Prng(seed).fork(`explore:walk ${w}`);
    recordExecution(tally, execute(scenario, [], (_k, enabled) => enabled[prng.int(enabled.length)]!));
    onWalk?.();
  }
}

/** The report of a search (or of merged searches) and its walks. */
export function exploreReport(s: NormalizedScenario, reduction: boolean, stats: SearchStats, walks: number, tally: OutcomeTally): ExploreReport {
  const outcomes = tally.outcomes
    .map((o) => ({ ...o, violation: violates(s, o.outcome) }))
    .sort((a, b) => b.count - a.count || a.steps - b.steps);
  const p = s.property;
  return {
    scenario: s,
    reduction,
    exhaustive: stats.exhaustive,
    bounded: tally.bounded,
    states: stats.states,
    executions: stats.executions,
    abandoned: stats.abandoned,
    walks,
    outcomes,
    verdict: p ? verdictOf(p.verdict, tally.positive, tally.total, stats.exhaustive) : null,
  };
}

/** What the search of one subtree of a split found (see {@link splitSearch}). */
export interface SubtreeResult {
  /** The search's counts. */
  readonly stats: SearchStats;
  /** Its outcomes. */
  readonly tally: OutcomeTally;
}

/** Search the subtree after the prefix `fixed` with a budget of `maxStates`; `onStates` hears the states visited so far after each execution. */
export function exploreSubtree(s: NormalizedScenario, fixed: readonly string[], reduction: boolean, maxStates: number, onStates?: (states: number) => void): SubtreeResult {
  const tally = newTally();
  const stats = search(s, { reduction, maxStates, fixed, onExecution: (e) => recordExecution(tally, e), ...(onStates ? { onProgress: (p: SearchProgress) => onStates(p.states) } : {}) });
  return { stats, tally };
}

/** The counts and outcomes of a split search's subtrees, given in the split's order. */
export function combineSubtrees(split: SearchSplit, results: readonly SubtreeResult[]): SubtreeResult {
  const tally = newTally();
  for (const r of results) mergeTally(tally, r.tally);
  const sum = (f: (x: SearchStats) => number) => results.reduce((n, r) => n + f(r.stats), 0);
  const exhaustive = results.every((r) => r.stats.exhaustive);
  const stats = { states: split.states + sum((x) => x.states), executions: sum((x) => x.executions), abandoned: sum((x) => x.abandoned), fraction: exhaustive ? 1 : sum((x) => x.fraction) / results.length, exhaustive };
  return { stats, tally };
}

/** The state budget of each subtree when `maxStates` is shared by the subtrees of `split`. */
export function subtreeBudget(split: SearchSplit, maxStates: number): number {
  return Math.max(1, Math.floor((maxStates - split.states) / split.roots.length));
}

/**
 * Explore the interleavings of a normalized scenario (see the module
 * comment). Deterministic: the same scenario and options give the same
 * report. Throws an Error only on a model that does not replay
 * deterministically.
 */
export function explore(s: NormalizedScenario, options: ExploreOptions = {}): ExploreReport {
  const reduction = options.reduction ?? true;
  const tally = newTally();
  const stats = search(s, {
    reduction,
    maxStates: options.maxStates ?? DEFAULT_MAX_STATES,
    onExecution: (e) => recordExecution(tally, e),
    ...(options.onProgress ? { onProgress: (p: SearchProgress) => options.onProgress!({ ...p, phase: "search", walks: 0 }) } : {}),
  });
  const walks = stats.exhaustive ? 0 : (options.walks ?? DEFAULT_WALKS);
  let done = 0;
  randomWalks(s, options.seed ?? s.seed, 0, walks, tally, () => options.onProgress?.({ ...stats, phase: "walks", walks: ++done }));
  return exploreReport(s, reduction, stats, walks, tally);
}

/** The scenario with an explorer's schedule: `interleave: "any"` and the schedule, ready to run, record and cite. */
export function citableSchedule(s: NormalizedScenario, schedule: readonly string[]): NormalizedScenario {
  return { ...s, interleave: "any", schedule: [...schedule] };
}

/** Replay an explorer's schedule of `s`: the run it names, trace and all. */
export function replaySchedule(s: NormalizedScenario, schedule: readonly string[]): ScenarioRun {
  return runNormalized(citableSchedule(s, schedule));
}
