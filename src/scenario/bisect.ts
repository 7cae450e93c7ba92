/**
 * `faultline bisect`: run one scenario under every kernel profile, oldest
 * first, and name the profiles at which a chosen outcome changes, with the
 * behaviour switches and commits that profile brings, as `git bisect` names
 * the first bad commit of a real kernel. Every profile is run (there are
 * few), so a change that reverts later is shown too.
 *
 * @module
 */
import { final_page } from "../mm/snapshot.js";
import type { TraceEvent } from "../engine/trace.js";
import { PROFILES, type Behaviour, type Change } from "../profiles/index.js";
import { normalizeScenario, type NormalizedScenario } from "./normalize.js";
import { exploreSeeds } from "./property.js";
import { runNormalized, withOptions } from "./run.js";
import type { OpSpec, ScenarioSpec } from "./schema.js";

/**
 * What to compare across profiles: the run's status (`"status"`), the
 * property's verdict (`"verdict"`), the final PTE and counts of one page
 * (`"final:VMA:PAGE"`), or what a task's last op returned (`"call:TASK"`), or its last call of one function (`"call:TASK:FUNCTION"`).
 */
export type BisectOutcome = "status" | "verdict" | `final:${string}:${number}` | `call:${string}`;

/** One profile's outcome. */
export interface BisectRow {
  /** Profile name. */
  readonly profile: string;
  /** The outcome, as text. */
  readonly outcome: string;
}

/** A profile whose outcome differs from the previous profile's. */
export interface BisectChange {
  /** The previous profile. */
  readonly from: string;
  /** The profile where the outcome changed. */
  readonly to: string;
  /** Outcome under `from`. */
  readonly before: string;
  /** Outcome under `to`. */
  readonly after: string;
  /** The behaviour switches `to` changes, each with its commit: the candidates. */
  readonly changes: readonly Change[];
  /**
   * The candidates that change the outcome alone: run under `from` with just
   * that switch set as in `to`, the outcome is `after`. Empty when no single
   * switch does it (they act together).
   */
  readonly culprits: readonly Change[];
}

/** The outcome under every profile and where it changes (the first change first). */
export interface BisectReport {
  /** What was compared. */
  readonly outcome: BisectOutcome;
  /** One row per profile, oldest first. */
  readonly rows: readonly BisectRow[];
  /** Every change point. */
  readonly changes: readonly BisectChange[];
}

/** A call:TASK[:FUNCTION] or final:VMA:PAGE outcome must name a task, or a VMA and a page in it, of the scenario; RangeError otherwise. */
function checkTarget(s: NormalizedScenario, outcome: BisectOutcome): void {
  const [kind, name, page] = outcome.split(":");
  if (kind === "call") {
    const tasks: string[] = [];
    const walk = (ops: readonly OpSpec[]): void => ops.forEach((op) => (op.op === "fork" ? (tasks.push(op.child.name), walk(op.child.ops)) : op.op === "repeat" ? walk(op.ops) : undefined));
    for (const t of s.tasks) {
      tasks.push(t.name);
      walk(t.ops);
    }
    if (!tasks.includes(name!)) throw new RangeError(`outcome "${outcome}": no task ${name}; expected one of ${tasks.join(", ")}`);
  }
  if (kind === "final") {
    const vma = s.mm?.vmas.find((v) => v.name === name);
    if (!vma) throw new RangeError(`outcome "${outcome}": no VMA ${name}; expected one of ${(s.mm?.vmas ?? []).map((v) => v.name).join(", ") || "(none)"}`);
    if (Number(page) >= vma.pages) throw new RangeError(`outcome "${outcome}": page ${page} is past VMA ${name}'s ${vma.pages} pages`);
  }
}

/** Run `s` (under `behaviour` when given) and give its outcome as text (a run that ends in error gives the error, whatever the outcome); throws RangeError for a malformed selector. */
function outcomeOf(s: NormalizedScenario, outcome: BisectOutcome, behaviour?: Behaviour): string {
  // call:TASK[:FN] watches the trace as it is recorded: the run may not keep the task's last call.
  const [task, fn] = outcome.startsWith("call:") ? outcome.slice("call:".length).split(":") : [null, undefined];
  let call: TraceEvent | undefined;
  const onEvent = (e: TraceEvent) => {
    if (e.ev === "call" && e.task === task && (fn === undefined || e.fn === fn)) call = e;
  };
  const options = behaviour ? { behaviour } : {};
  const run = runNormalized(s, { trace: task !== null, ...(task !== null ? { onEvent } : {}), ...options });
  if (run.result.status === "error") return `error: ${run.result.error?.message ?? ""}`;
  if (outcome === "status") return run.result.status;
  if (outcome === "verdict") {
    // The property over the scenario's seeds (policy random), under the same behaviour as the run above.
    const v = exploreSeeds(s, undefined, (x) => runNormalized(x, options));
    return `${v.verdict} (${v.positive}/${v.total} seeds)`;
  }
  const [, ...rest] = outcome.split(":");
  if (task !== null) {
    if (!call) return run.result.status === "ok" ? "no call" : run.result.status;
    const lock = call.args?.mmap_lock !== undefined ? `, mmap_lock ${String(call.args.mmap_lock)}` : "";
    return `${call.fn} -> ${JSON.stringify(call.ret)}${lock}`;
  }
  const p = run.final ? final_page(run.final, rest[0]!, Number(rest[1])) : null;
  if (!p) return "no such page";
  if (p.pte === "none") return "pte none";
  if (p.pte === "swap") return "swap entry";
  if (p.folio === null) return `${p.pte} entry`;
  const folio = p.folio;
  return `${p.pte === "zero" ? "zero page" : p.pte}, refcount ${folio.refcount}, mapcount ${folio.mapcount}${folio.dirty ? ", dirty" : ""}, data ${folio.data}`;
}

/** Parse a `--outcome` argument; throws RangeError naming the accepted forms. */
export function parseBisectOutcome(text: string): BisectOutcome {
  if (text === "status" || text === "verdict") return text;
  if (/^call:[^:]+(:[^:]+)?$/.test(text)) return text as BisectOutcome;
  if (/^final:[^:]+:\d+$/.test(text)) return text as BisectOutcome;
  throw new RangeError(`outcome "${text}": expected status, verdict, final:VMA:PAGE, call:TASK or call:TASK:FUNCTION`);
}

/**
 * Run `spec` under every profile (oldest first) and report where `outcome`
 * changes. `onProfile` is called after each profile (for progress).
 */
export function bisectProfiles(spec: ScenarioSpec, outcome: BisectOutcome, onProfile?: (done: number, total: number) => void): BisectReport {
  const base = normalizeScenario(spec);
  if (outcome === "verdict" && !base.property) throw new RangeError(`scenario "${base.title}" states no property: bisect its status, a final:VMA:PAGE or a call:TASK instead`);
  checkTarget(base, outcome);
  const rows: BisectRow[] = PROFILES.map((p, i) => {
    const s = withOptions(base, { profile: p.name });
    const row = { profile: p.name, outcome: outcomeOf(s, outcome) };
    onProfile?.(i + 1, PROFILES.length);
    return row;
  });
  const changes: BisectChange[] = [];
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.outcome === rows[i - 1]!.outcome) continue;
    const from = PROFILES[i - 1]!;
    const to = PROFILES[i]!;
    // Flip one switch at a time on the older profile, as git bisect would walk the commits between.
    const s = withOptions(base, { profile: from.name });
    const culprits = to.changes.filter((c, j) => to.changes.findIndex((d) => d.behaviour === c.behaviour) === j && outcomeOf(s, outcome, { ...from.behaviour, [c.behaviour]: to.behaviour[c.behaviour] }) === rows[i]!.outcome);
    const named = culprits.flatMap((c) => to.changes.filter((d) => d.behaviour === c.behaviour));
    changes.push({ from: from.name, to: to.name, before: rows[i - 1]!.outcome, after: rows[i]!.outcome, changes: to.changes, culprits: named });
  }
  return { outcome, rows, changes };
}
