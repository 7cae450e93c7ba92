/**
 * The outcome of one execution as the explorer tells executions apart: how
 * the run ended, whether the scenario's property held, and a digest of the
 * final state. Virtual times are left out: the explorer's interleavings are
 * untimed.
 *
 * @module
 */
import { canonicalJson, type Json } from "../engine/canonical.js";
import { sha256Hex } from "../engine/trace.js";
import type { RunStatus } from "../engine/simulation.js";
import { holds } from "../scenario/property.js";
import type { ScenarioRun } from "../scenario/run.js";

/** One distinct outcome. */
export interface Outcome {
  /** How the run ended. */
  readonly status: RunStatus;
  /** Whether the scenario's property held; null without a property. */
  readonly property: boolean | null;
  /** First 16 hex digits of the SHA-256 of the final state: the mm (PTEs, folio counts, lock holders), each task's end state, lockdep's inversions (as lock classes), the deadlock's waiters, the error. */
  readonly digest: string;
}

/** The final state an outcome digests, as JSON. */
function finalState(run: ScenarioRun): Json {
  const r = run.result;
  return {
    final: (run.final ?? null) as unknown as Json,
    tasks: r.tasks.map((t) => [t.name, t.state]),
    inversions: r.inversions.map((i) => `${i.holding} -> ${i.acquiring}`).sort(),
    blocked: (r.deadlock?.blocked ?? []).map((b) => `${b.task}: ${b.waitsFor}`).sort(),
    error: r.error ? `${r.error.task}: ${r.error.message}` : null,
    warnings: [...r.warnings].sort(),
  };
}

/** The outcome of a finished run. */
export function outcomeOf(run: ScenarioRun): Outcome {
  const p = run.scenario.property;
  return {
    status: run.result.status,
    property: p ? holds(p.exists, run) : null,
    digest: sha256Hex(canonicalJson(finalState(run))).slice(0, 16),
  };
}

/** A string naming an outcome, equal for equal outcomes. */
export function outcomeKey(o: Outcome): string {
  return `${o.status} ${o.property} ${o.digest}`;
}
