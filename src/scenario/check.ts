/**
 * Checking a scenario against what it records: the expected outcome of its
 * own run, and the verdict of its property. `faultline check` runs this over
 * `data/`, which makes the documentation's examples a regression corpus.
 *
 * @module
 */
import { checkFolioAccounting, checkFolios, checkLocks, checkMapcounts, checkPtesInVmas, checkTasks } from "../check/invariants.js";
import { explainHashMismatch } from "../version.js";
import { normalizeScenario } from "./normalize.js";
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

/**
 * Run a validated scenario and compare it with its `expect` and `property`;
 * the invariant checkers (src/check) run on it too, a failure reported as
 * field `invariant`.
 */
export function checkScenario(spec: ScenarioSpec, onRun?: (done: number, total: number) => void): CheckReport {
  const s = normalizeScenario(spec);
  const mismatches: Mismatch[] = [];
  const invariant = (e: unknown) => mismatches.push({ field: "invariant", expected: "holds", actual: (e as Error).message });
  let broken = false;
  const run = runNormalized(s, {
    // Cheap checks after every step (the first failure is reported); the folio checks once the run is over.
    onStep: (sim) => {
      if (broken) return;
      try {
        checkTasks(sim);
        checkLocks(sim);
      } catch (e) {
        broken = true;
        invariant(e);
      }
    },
  });
  const r = run.result;
  if (run.kernel) {
    try {
      checkFolios(run.kernel);
      checkMapcounts(run.kernel);
      checkPtesInVmas(run.kernel);
      if (r.status === "ok") checkFolioAccounting(run.kernel, run.held.values());
    } catch (e) {
      invariant(e);
    }
  }
  const compare = (field: string, expected: unknown, actual: unknown) => {
    if (expected !== undefined && expected !== actual) mismatches.push({ field, expected: String(expected), actual: String(actual) });
  };
  compare("expect.status", s.expect.status ?? "ok", r.status);
  if (s.expect.hash !== undefined && s.expect.hash !== run.hash) mismatches.push({ field: "expect.hash", expected: s.expect.hash, actual: `${run.hash} (${explainHashMismatch(s.expect.model)})` });
  compare("expect.endTime", s.expect.endTime, r.endTime);
  compare("expect.steps", s.expect.steps, r.steps);
  const verdict = s.property ? exploreSeeds(s, onRun) : null;
  if (verdict && s.property) compare("property.verdict", s.property.verdict, `${verdict.verdict}`);
  return { run, verdict, mismatches };
}
