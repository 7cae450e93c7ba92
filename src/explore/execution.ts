/**
 * One execution of a scenario under the explorer's control: every step
 * (task resumption or timer) is a choice among the candidates of
 * `interleave: "any"`; a fixed prefix of choices is replayed, then a chooser
 * decides. Each step comes back with its footprint and the candidates it was
 * chosen from.
 *
 * @module
 */
import type { SchedPolicy } from "../engine/policy.js";
import type { SchedStep } from "../engine/simulation.js";
import type { TraceEvent } from "../engine/trace.js";
import type { NormalizedScenario } from "../scenario/normalize.js";
import { runNormalized, type ScenarioRun } from "../scenario/run.js";
import { matches, patterns } from "../scenario/tally.js";

/** One step of an execution: who ran (`footprint.task`), what it touched, and the candidates at that point. */
export type Step = SchedStep;

/** A finished (or abandoned) execution. */
export interface Execution {
  /** The steps, in order. */
  readonly steps: readonly Step[];
  /** The run, or null when the chooser abandoned it part-way ({@link Abandon}). */
  readonly run: ScenarioRun | null;
}

/** Thrown by a chooser to stop an execution that would only repeat explored ones. */
export class Abandon extends Error {
  constructor() {
    super("execution abandoned");
    this.name = "Abandon";
  }
}

/** Chooses the candidate to run at step `k` (0-based) beyond the prefix, or throws {@link Abandon}. */
export type Chooser = (k: number, enabled: readonly string[]) => string;

/** The scenario as the explorer runs it: every interleaving open, no schedule of its own. */
export function anyOrder(s: NormalizedScenario): NormalizedScenario {
  return { ...s, interleave: "any", schedule: null };
}

/**
 * Trace events whose order a property can see (those matching one of its
 * event patterns): steps that record them do not commute. Null without a
 * property over events.
 */
export function visibleEvents(s: NormalizedScenario): ((e: TraceEvent) => boolean) | null {
  const ms = s.property ? patterns(s.property.exists) : [];
  return ms.length === 0 ? null : (e) => ms.some((m) => matches(e, m));
}

/**
 * Run `s` (already {@link anyOrder}) taking choice `prefix[k]` at step k
 * while the prefix lasts and asking `choose` after it. `onStep` sees each
 * step as it finishes (it may throw {@link Abandon}). Throws an Error if the
 * prefix cannot be replayed: the model did not behave deterministically.
 */
export function execute(s: NormalizedScenario, prefix: readonly string[], choose: Chooser, onStep?: (k: number, step: Step) => void): Execution {
  const steps: Step[] = [];
  const replayError = (k: number, enabled: readonly string[]) =>
    new Error(`replay diverged at step ${k}: "${prefix[k]}" is not among the candidates ${enabled.map((c) => `"${c}"`).join(", ")} (the model is not deterministic)`);
  const chooser: SchedPolicy = {
    name: "explore",
    choose(candidates) {
      const k = steps.length;
      const want = k < prefix.length ? prefix[k]! : choose(k, candidates);
      const i = candidates.indexOf(want);
      if (i < 0) throw replayError(k, candidates);
      return i;
    },
  };
  const observe = (step: Step) => {
    const k = steps.length;
    if (k < prefix.length && step.footprint.task !== prefix[k]) throw replayError(k, step.enabled);
    steps.push(step);
    onStep?.(k, step);
  };
  const visible = visibleEvents(s);
  try {
    const run = runNormalized(s, { chooser, observe, ...(visible ? { visible } : {}) });
    return { steps, run };
  } catch (e) {
    if (e instanceof Abandon) return { steps, run: null };
    throw e;
  }
}

/**
 * The explicit schedule that replays an execution under `interleave: "any"`:
 * the choice at each step with several candidates, without the trailing
 * choices of the first candidate (a schedule that runs out takes the first).
 */
export function scheduleOf(steps: readonly Step[]): string[] {
  const decisions = steps.filter((s) => s.enabled.length > 1);
  let end = decisions.length;
  while (end > 0 && decisions[end - 1]!.footprint.task === decisions[end - 1]!.enabled[0]) end--;
  return decisions.slice(0, end).map((s) => s.footprint.task);
}
