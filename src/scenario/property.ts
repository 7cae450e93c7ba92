/**
 * Properties and verdicts, after herd7: a predicate over one run, and the
 * verdict (`never` / `sometimes` / `always`) it gets over a range of seeds
 * under the seeded-random policy.
 *
 * @module
 */
import type { TraceEvent } from "../engine/trace.js";
import { canonicalJson, type Json } from "../engine/canonical.js";
import type { NormalizedScenario } from "./normalize.js";
import { final_page, type MmState } from "../mm/snapshot.js";
import { runNormalized, withOptions, type ScenarioRun } from "./run.js";
import type { EventMatchSpec, FinalMatchSpec, PredicateSpec } from "./schema.js";

/** Does trace event `e` match pattern `m`? */
export function matches(e: TraceEvent, m: EventMatchSpec): boolean {
  return (
    (m.task === undefined || e.task === m.task) &&
    (m.ev === undefined || e.ev === m.ev) &&
    (m.fn === undefined || e.fn === m.fn) &&
    (m.lock === undefined || e.args?.lock === m.lock) &&
    (m.ret === undefined || (e.ret !== undefined && canonicalJson(e.ret) === canonicalJson(m.ret as Json)))
  );
}

/** Does the final state of `m.vma` page `m.page` match every field `m` gives? */
export function finalMatches(final: MmState | null, m: FinalMatchSpec): boolean {
  const p = final ? final_page(final, m.vma, m.page, m.task) : null;
  if (!p) return false;
  if (m.pte !== undefined && m.pte !== p.pte) return false;
  if (m.refcount === undefined && m.mapcount === undefined && m.dirty === undefined) return true;
  const folio = p.folio;
  return !!folio && (m.refcount ?? folio.refcount) === folio.refcount && (m.mapcount ?? folio.mapcount) === folio.mapcount && (m.dirty ?? folio.dirty) === folio.dirty;
}

/** Evaluate a predicate on one run: its trace, status and final state. */
export function holds(p: PredicateSpec, run: Pick<ScenarioRun, "result" | "final">): boolean {
  const r = run.result;
  if (p.status !== undefined) return r.status === p.status;
  if (p.inversion !== undefined) return r.inversions.length > 0 === p.inversion;
  if (p.event !== undefined) return r.trace.some((e) => matches(e, p.event!));
  if (p.before !== undefined) {
    const [a, b] = p.before;
    const ia = r.trace.findIndex((e) => matches(e, a));
    const ib = r.trace.findIndex((e) => matches(e, b));
    return ia >= 0 && ib >= 0 && ia < ib;
  }
  if (p.count !== undefined) {
    const n = r.trace.filter((e) => matches(e, p.count!.event)).length;
    return n >= (p.count.min ?? 0) && n <= (p.count.max ?? Infinity);
  }
  if (p.final !== undefined) return finalMatches(run.final, p.final);
  if (p.all !== undefined) return p.all.every((q) => holds(q, run));
  if (p.any !== undefined) return p.any.some((q) => holds(q, run));
  if (p.not !== undefined) return !holds(p.not, run);
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

/** Run the scenario's property over its seed range under the random policy. */
export function exploreSeeds(s: NormalizedScenario, onRun?: (done: number, total: number) => void): VerdictReport {
  const prop = s.property;
  if (!prop) throw new Error(`scenario "${s.title}" states no property`);
  let positive = 0;
  let witness: number | null = null;
  let counterexample: number | null = null;
  for (let i = 0; i < prop.seeds.count; i++) {
    const seed = prop.seeds.from + i;
    const run = runNormalized(withOptions(s, { seed, policy: "random" }));
    if (holds(prop.exists, run)) {
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
