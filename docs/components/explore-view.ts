// How a notebook shows explorations: one line per exploration, a table of
// verdicts, and the race diagram of a shortest breaking schedule (as a chart,
// and as text for a mail). What "breaking" means is the page's: a property
// that must hold (pin coherence) breaks where it is false, a property that
// names a bad event (an access reaching disabled MMIO) where it is true.
import { formatDiagram, type ExploreData } from "../faultline/page.js";
import { el } from "./dom.js";
import { raceChart } from "./race-chart.js";

/** One explored outcome, with its shortest schedule and race diagram. */
export type ExploredOutcome = ExploreData["outcomes"][number];

/** Whether an outcome breaks what the page checks. */
export type BreaksWhen = (o: ExploredOutcome) => boolean;

/** The scenario's property is false: a guarantee (`"verdict": "always"`) did not hold. The default. */
export const propertyFails: BreaksWhen = (o) => o.outcome.property === false;

/** The scenario's property is true: the bad event it names (`"verdict": "never"`) happened. */
export const propertyHolds: BreaksWhen = (o) => o.outcome.property === true;

/** What an exploration establishes: held in every execution (exhaustive search), broken in some, or not established within the state budget. */
export type Judgement = "held" | "broken" | "not established";

/** The judgement of `data` when outcomes break as `breaks` says. */
export function judge(data: ExploreData, breaks: BreaksWhen = propertyFails): Judgement {
  if (data.outcomes.some(breaks)) return "broken";
  return data.exhaustive && data.outcomes.length > 0 ? "held" : "not established";
}

/** The breaking outcome with the shortest schedule (then fewest steps), or null. */
export function brokenOutcome(data: ExploreData, breaks: BreaksWhen = propertyFails): ExploredOutcome | null {
  return [...data.outcomes.filter(breaks)].sort((a, b) => a.schedule.length - b.schedule.length || a.steps - b.steps)[0] ?? null;
}

/** One line per exploration: the explorer's verdict, states, executions and milliseconds. */
export function verdictText(d: ExploreData): string {
  const v = d.verdict;
  return `${v ? v.text : "no property"}; ${d.states} states, ${d.executions} execution${d.executions === 1 ? "" : "s"}, ${d.ms.toFixed(0)} ms`;
}

/** Options of {@link verdictTable}. */
export interface VerdictTableOptions {
  /** When an outcome breaks (default {@link propertyFails}). */
  breaks?: BreaksWhen;
  /** The word a cell shows for its judgement (default: the judgement). */
  label?: (j: Judgement) => string;
}

/** A cell of {@link verdictTable}: an exploration, other content (text or a node), or null for an empty cell. */
export type VerdictCell = ExploreData | Node | string | null;

const isExploration = (c: VerdictCell): c is ExploreData => typeof c === "object" && c !== null && "outcomes" in c;

/**
 * A table of explorations: one row per `[label, cells]`, one column per
 * header; an exploration's cell is classed held, broken or
 * not-established and shows the judgement and the verdict line.
 */
export function verdictTable(id: string, headers: readonly string[], rows: readonly (readonly [string, readonly VerdictCell[]])[], options: VerdictTableOptions = {}): HTMLElement {
  const { breaks = propertyFails, label = (j: Judgement) => j } = options;
  const cell = (d: VerdictCell) => {
    if (!isExploration(d)) return el("td", {}, ...(d === null ? [] : [d]));
    const j = judge(d, breaks);
    return el("td", { class: j.replace(" ", "-") }, el("strong", {}, label(j)), el("br"), el("small", {}, verdictText(d)));
  };
  const head = el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h))));
  const body = el("tbody", {}, ...rows.map(([name, cells]) => el("tr", {}, el("th", { scope: "row" }, name), ...cells.map(cell))));
  return el("div", { class: "matrix-scroll" }, el("table", { class: "verdict-table", id }, head, body));
}

/** The race diagram of `d`'s shortest breaking schedule as a chart at most `width` px wide, with the text form for a mail; or a line saying no interleaving breaks it. */
export function raceDiagram(d: ExploreData, width: number, breaks: BreaksWhen = propertyFails): HTMLElement {
  const o = brokenOutcome(d, breaks);
  if (!o) return el("p", {}, el("em", {}, `${d.scenario.profile}: no interleaving breaks it (${d.verdict?.text ?? "no property"}).`));
  const chart = el("div", { class: "race-chart" }, raceChart(o.diagram, { width: Math.max(280, Math.min(width, 960)) }));
  const text = el("details", { class: "race-text" }, el("summary", {}, "The diagram as text, for a mail"), el("pre", { class: "race-diagram" }, formatDiagram(o.diagram).join("\n")));
  return el("div", {}, chart, text);
}

/** `spec` with an explored outcome's schedule, ready to run and cite. */
export function scheduled<S extends object>(spec: S, o: ExploredOutcome): S & { interleave: "any"; schedule: string[] } {
  return { ...spec, interleave: "any", schedule: [...o.schedule] };
}
