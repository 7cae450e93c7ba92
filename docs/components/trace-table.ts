// The trace as table rows (t, task, event, fn, args, ret) for Inputs.table.
import type { TraceEvent } from "../faultline/page.js";

/** One row of a trace table. */
export interface TraceRow {
  t: number;
  task: string;
  event: string;
  fn: string;
  args: string;
  ret: string;
}

/** Trace events a table lists at each end of those it shows: the first this many and the last this many. */
export const TABLE_EDGE_EVENTS = 1000;

const argsText = (e: TraceEvent): string =>
  e.args ? Object.entries(e.args).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ") : "";

/** The table row of one trace event; arguments as `key=value` pairs. */
const traceRow = (e: TraceEvent): TraceRow => ({ t: e.t, task: e.task, event: e.ev, fn: e.fn ?? "", args: argsText(e), ret: e.ret === undefined ? "" : String(e.ret) });

/** One row per trace event; arguments as `key=value` pairs. */
export function traceRows(trace: readonly TraceEvent[]): TraceRow[] {
  return trace.map(traceRow);
}

/** What {@link traceWindow} lists of a trace. */
export interface TraceWindow {
  /** The rows listed, in trace order. */
  rows: TraceRow[];
  /** Events that match the filter (every event without one); more than `rows` when the window cut some. */
  matched: number;
  /** What the table lists, when it is not every matching event: a sentence for the page; else null. */
  note: string | null;
}

/**
 * The rows a trace table lists: of the events whose task, event, function or
 * arguments contain `filter`, the first and the last `edge`, so a long trace
 * builds a bounded table; the note says what was left out. `recorded`, the
 * run's count of events when the trace kept only some, is named in the note.
 */
export function traceWindow(trace: readonly TraceEvent[], { filter = "", edge = TABLE_EDGE_EVENTS, recorded }: { filter?: string; edge?: number; recorded?: number } = {}): TraceWindow {
  // The arguments' text is built only for events the cheaper fields do not match.
  const hit = (e: TraceEvent) => e.task.includes(filter) || e.ev.includes(filter) || (e.fn ?? "").includes(filter) || argsText(e).includes(filter);
  const matching = filter ? trace.filter(hit) : trace;
  const n = matching.length;
  if (n <= 2 * edge) return { rows: matching.map(traceRow), matched: n, note: null };
  const rows = [...matching.slice(0, edge), ...matching.slice(n - edge)].map(traceRow);
  const count = (k: number) => k.toLocaleString("en-US");
  const cut = recorded !== undefined && recorded > trace.length;
  const kept = !cut ? "" : filter ? ` (among the ${count(trace.length)} kept of ${count(recorded)} recorded)` : ` kept (of ${count(recorded)} recorded)`;
  const of = `${count(n)} trace events${filter ? " that match the filter" : ""}${kept}`;
  return { rows, matched: n, note: `The table lists the first ${count(edge)} and the last ${count(edge)} of the ${of}; the ${count(n - 2 * edge)} between are not listed.` };
}
