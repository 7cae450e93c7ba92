/**
 * `faultline explore`: the text report of an exploration, its progress line
 * and its JSON form.
 *
 * @module
 */
import { diagramRows, type ExploreProgress, type ExploreReport, formatDiagram, replaySchedule, wrapText } from "../index.js";

/** The progress line: states, executions, states/s and, from the branching seen so far, an estimate of the total. */
export function progressText(p: ExploreProgress, seconds: number): string {
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  const rate = seconds > 0 ? `, ${n(p.states / seconds)} states/s` : "";
  if (p.phase === "walks") return `explore: state budget used up after ${n(p.states)} states; random walk ${n(p.walks)}`;
  const estimate = p.fraction > 0 ? `, ~${(100 * p.fraction).toFixed(1)}% done, estimate ${n(p.states / p.fraction)} states` : "";
  return `explore: ${n(p.states)} states, ${n(p.executions)} executions${rate}${estimate}`;
}

/** A schedule as JSON lines of at most 72 columns, ready to paste into a scenario. */
function scheduleLines(schedule: readonly string[]): string[] {
  if (schedule.length === 0) return ['  "interleave": "any", "schedule": []'];
  return ['  "interleave": "any", "schedule": [', ...wrapText(schedule.map((x) => JSON.stringify(x)).join(", "), 68).map((l) => `    ${l}`), "  ]"];
}

/** The text report: what was searched, the outcome table, the verdict, and shortest schedules with race diagrams: one per outcome that contradicts the expected verdict, and one per property value otherwise. */
export function exploreText(r: ExploreReport, seconds: number): string[] {
  const s = r.scenario;
  const lines = [
    s.title,
    `  profile ${s.profile}; ${r.reduction ? "partial-order reduction (source sets, sleep sets)" : "no reduction (every interleaving)"}; interleave any: every runnable task and pending interrupt is a choice at each step`,
    `  ${r.exhaustive ? "exhaustive" : "NOT exhaustive (state budget used up)"}: ${r.states} states, ${r.executions} execution${r.executions === 1 ? "" : "s"}${r.abandoned ? ` (+${r.abandoned} abandoned as covered)` : ""}${r.walks ? `, then ${r.walks} random walks` : ""}, ${seconds.toFixed(2)} s`,
  ];
  if (r.bounded) lines.push(`  some executions used up the step budget (maxSteps ${s.maxSteps}): interleavings longer than that are not covered`);
  lines.push("", "outcomes:", "  count  status    property  final state       schedule");
  for (const o of r.outcomes) {
    const prop = o.outcome.property === null ? "-" : o.outcome.property ? "holds" : "fails";
    lines.push(`  ${String(o.count).padStart(5)}  ${o.outcome.status.padEnd(8)}  ${prop.padEnd(8)}  ${o.outcome.digest}  ${o.schedule.length} choices${o.violation ? "  contradicts expected" : ""}`);
  }
  const v = r.verdict;
  if (v) {
    const agree = v.agrees === null ? "the search cannot tell" : v.agrees ? "agrees" : "DISAGREES";
    lines.push("", `property verdict: ${v.text}`, `  expected ${v.expected} (over seeds in the scenario): ${agree}`);
  }
  // A diagram for each outcome that contradicts the expected verdict, and for the first of each property value otherwise.
  const drawn = new Set<boolean | null>();
  for (const o of r.outcomes) {
    if (!o.violation && drawn.has(o.outcome.property)) continue;
    drawn.add(o.outcome.property);
    const run = replaySchedule(s, o.schedule);
    const what = o.outcome.property === null ? `status ${o.outcome.status}` : `the property ${o.outcome.property ? "holds" : "fails"}`;
    const head = o.violation ? `contradicts the expected verdict (${s.property?.verdict ?? `status ${s.expect.status ?? "ok"}`}): ${what}` : `${what}`;
    lines.push("", `${head}; a shortest schedule (add it to the scenario to replay and cite it):`, ...scheduleLines(o.schedule), "", ...formatDiagram(diagramRows(run.result.trace)));
  }
  return lines;
}

/** The report as JSON: the counts, the verdict, and each outcome with its schedule (and, for violations, its race diagram rows). */
export function exploreJson(r: ExploreReport, id: string, seconds: number): unknown {
  const { scenario, outcomes, ...rest } = r;
  return {
    id,
    title: scenario.title,
    ...rest,
    seconds,
    outcomes: outcomes.map((o) => ({ ...o, ...(o.violation ? { diagram: diagramRows(replaySchedule(scenario, o.schedule).result.trace) } : {}) })),
  };
}
