/**
 * Properties and verdicts, after herd7: a predicate over one run, and the
 * verdict (`never` / `sometimes` / `always`) it gets over a range of seeds
 * under the seeded-random policy.
 *
 * @module
 */
import type { NormalizedScenario } from "./normalize.js";
import { final_page, type MmState } from "../mm/snapshot.js";
import { runNormalized, withOptions, type ScenarioRun } from "./run.js";
import type { FinalMatchSpec, PredicateSpec } from "./schema.js";
import { EventTally } from "./tally.js";

/** Does the final state of `m.vma` page `m.page` match every field `m` gives? */
export function finalMatches(final: MmState | null, m: FinalMatchSpec): boolean {
  const p = final ? final_page(final, m.vma, m.page, m.task) : null;
  if (!p) return false;
  if (m.pte !== undefined && m.pte !== p.pte) return false;
  if (m.refcount === undefined && m.mapcount === undefined && m.dirty === undefined && m.data === undefined) return true;
  const folio = p.folio;
  return !!folio && (m.refcount ?? folio.refcount) === folio.refcount && (m.mapcount ?? folio.mapcount) === folio.mapcount && (m.dirty ?? folio.dirty) === folio.dirty && (m.data ?? folio.data) === folio.data;
}

/**
 * Evaluate a predicate on one run: its trace events, status and final state.
 * Event predicates read the run's {@link ScenarioRun.tally} when it counts
 * their patterns, else the kept trace (RangeError if the run dropped events).
 */
export function holds(p: PredicateSpec, run: Pick<ScenarioRun, "result" | "final" | "tally">): boolean {
  return holdsOn(p, run, run.tally?.covers(p) ? run.tally : EventTally.of(p, run.result));
}

function holdsOn(p: PredicateSpec, run: Pick<ScenarioRun, "result" | "final">, tally: EventTally): boolean {
  const r = run.result;
  if (p.status !== undefined) return r.status === p.status;
  if (p.inversion !== undefined) return r.inversions.length > 0 === p.inversion;
  if (p.event !== undefined) return tally.count(p.event) > 0;
  if (p.before !== undefined) {
    const [a, b] = p.before;
    const ia = tally.first(a);
    const ib = tally.first(b);
    return ia >= 0 && ib >= 0 && ia < ib;
  }
  if (p.count !== undefined) {
    const n = tally.count(p.count.event);
    return n >= (p.count.min ?? 0) && n <= (p.count.max ?? Infinity);
  }
  if (p.final !== undefined) return finalMatches(run.final, p.final);
  if (p.all !== undefined) return p.all.every((q) => holdsOn(q, run, tally));
  if (p.any !== undefined) return p.any.some((q) => holdsOn(q, run, tally));
  if (p.not !== undefined) return !holdsOn(p.not, run, tally);
  throw new Error("empty predicate");
}

/** herd7's verdicts. */
export type VerdictName = "never" | "sometimes" | "always";

/** The outcome of exploring a property over seeds. */
export interface VerdictReport {
  /** Verdict observed. */
  readonly verdict: VerdictName;
  /** Runs in which the predicate held. */
  readonly positive: number;
  /** Runs explored. */
  readonly total: number;
  /** A seed where it held, if any (to replay with `--seed`). */
  readonly witness: number | null;
  /** A seed where it did not hold, if any. */
  readonly counterexample: number | null;
}

/** Run the scenario's property over its seed range under the random policy; `run` makes each run (checkers on, for `faultline check`). */
export function exploreSeeds(s: NormalizedScenario, onRun?: (done: number, total: number) => void, run: (s: NormalizedScenario) => ScenarioRun = (x) => runNormalized(x)): VerdictReport {
  const prop = s.property;
  if (!prop) throw new Error(`scenario "${s.title}" states no property`);
  let positive = 0;
  let witness: number | null = null;
  let counterexample: number | null = null;
  for (let i = 0; i < prop.seeds.count; i++) {
    const seed = prop.seeds.from + i;
    if (holds(prop.exists, run(withOptions(s, { seed, policy: "random" })))) {
      positive++;
      witness ??= seed;
    } else {
      counterexample ??= seed;
    }
    onRun?.(i + 1, prop.seeds.count);
  }
  const total = prop.seeds.count;
  const verdict: VerdictName = positive === 0 ? "never" : positive === total ? "always" : "sometimes";
  return { verdict, positive, total, witness, counterexample };
}
