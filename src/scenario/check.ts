/**
 * Checking a scenario against what it records: the expected outcome of its
 * own run, and the verdict of its property. `faultline check` runs this over
 * `data/`, which makes the documentation's examples a regression corpus.
 *
 * @module
 */
import { INVARIANTS, type Invariant } from "../check/invariants.js";
import { explainHashMismatch } from "../version.js";
import { normalizeScenario, type NormalizedScenario } from "./normalize.js";
import { exploreSeeds, type VerdictReport } from "./property.js";
import { runNormalized, type ScenarioRun } from "./run.js";
import type { ScenarioSpec } from "./schema.js";

/** One difference between what a scenario records and what the model did. */
export interface Mismatch {
  /** Which recorded field differs (`expect.hash`, `property.verdict`...). */
  readonly field: string;
  /** Recorded value. */
  readonly expected: string;
  /** Value the model produced. */
  readonly actual: string;
}

/** Result of {@link checkScenario}. */
export interface CheckReport {
  /** The scenario's own run. */
  readonly run: ScenarioRun;
  /** The property verdict, when the scenario states one. */
  readonly verdict: VerdictReport | null;
  /** Differences; empty when the scenario passes. */
  readonly mismatches: readonly Mismatch[];
}

/** A run with the invariant checkers on, and the first checker it broke (its name and what it found), if any. */
export function invariantRun(s: NormalizedScenario, invariants: readonly Invariant[] = INVARIANTS): { run: ScenarioRun; broken: { invariant: string; message: string } | null } {
  let broken: { invariant: string; message: string } | null = null;
  const check = (inv: Invariant, f: () => void) => {
    try {
      f();
    } catch (e) {
      broken = { invariant: inv.name, message: (e as Error).message };
    }
  };
  const steps = invariants.filter((inv) => inv.step);
  const run = runNormalized(s, {
    // The first failure is reported: later steps build on a broken state.
    onStep: (sim) => {
      for (const inv of steps) if (!broken) check(inv, () => inv.step!(sim));
    },
  });
  const k = run.kernel;
  if (k) for (const inv of invariants) if (!broken && inv.end) check(inv, () => inv.end!(k, run.held.values(), run.result.status === "ok"));
  return { run, broken };
}

/**
 * Run a validated scenario and compare it with its `expect` and `property`;
 * the invariant checkers (`invariants`, by default every one of src/check)
 * run on every run it makes, its own and those of the property's seeds; the
 * first broken one is reported as field `invariant`, its name as `expected`.
 */
export function checkScenario(spec: ScenarioSpec, onRun?: (done: number, total: number) => void, invariants: readonly Invariant[] = INVARIANTS): CheckReport {
  const s = normalizeScenario(spec);
  const mismatches: Mismatch[] = [];
  const checked = (x: NormalizedScenario, which: string): ScenarioRun => {
    const { run, broken } = invariantRun(x, invariants);
    if (broken && !mismatches.some((m) => m.field === "invariant")) mismatches.push({ field: "invariant", expected: broken.invariant, actual: `broken in ${which} (seed ${x.seed}): ${broken.message}` });
    return run;
  };
  const run = checked(s, "the scenario's run");
  const r = run.result;
  const compare = (field: string, expected: unknown, actual: unknown) => {
    if (expected !== undefined && expected !== actual) mismatches.push({ field, expected: String(expected), actual: String(actual) });
  };
  compare("expect.status", s.expect.status ?? "ok", r.status);
  if (s.expect.hash !== undefined && s.expect.hash !== run.hash) mismatches.push({ field: "expect.hash", expected: s.expect.hash, actual: `${run.hash} (${explainHashMismatch(s.expect.model)})` });
  compare("expect.endTime", s.expect.endTime, r.endTime);
  compare("expect.steps", s.expect.steps, r.steps);
  const verdict = s.property ? exploreSeeds(s, onRun, (x) => checked(x, "a run of the property")) : null;
  if (verdict && s.property) compare("property.verdict", s.property.verdict, `${verdict.verdict}`);
  return { run, verdict, mismatches };
}
