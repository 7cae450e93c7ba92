/**
 * Race diagrams: the interleaving of a run drawn the way mail threads draw
 * races, one column per task, time going down,
 *
 *     gup_fast                 | munmap
 *     -------------------------+-------------------------
 *     local_irq_disable()      |
 *                              | down_write(mmap_lock)
 *
 * built from the trace events of a replayed schedule: calls, lock
 * operations, IRQ sections, IPIs and IO, with the bookkeeping left out.
 *
 * @module
 */
import type { TraceEvent } from "../engine/trace.js";

/** One row of a race diagram: what one task did, in trace order. */
export interface DiagramRow {
  /** The task (or interrupt context, `blk`) whose column it is in. */
  readonly task: string;
  /** The text of the cell (`down_read(mmap_lock)`, `munmap() = 0`). */
  readonly text: string;
  /** Virtual time of the event (ns). */
  readonly t: number;
}

/** Events that say nothing of the race: scheduler bookkeeping. */
const ELIDED = new Set(["task_start", "task_exit", "sched_wait", "sched_woken"]);

/** A JSON value as a cell shows it: strings bare. */
function show(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The cell text of one event, or null to leave it out. */
function cell(e: TraceEvent): string | null {
  if (e.ev === "kernel_bug") return `BUG: ${show(e.args?.message)}`;
  if (ELIDED.has(e.ev) || e.fn === undefined) return null;
  const lock = e.args?.lock;
  switch (e.ev) {
    case "lock_acquire":
    case "lock_release":
      return `${e.fn}(${show(lock)})`;
    case "lock_contended":
      return `${e.fn}(${show(lock)}) waits`;
    case "lock_acquired":
      return `  -> got ${show(lock)}`;
    case "lock_trylock":
      return `${e.fn}(${show(lock)}) = 0`;
    case "ipi_send":
      return `${e.fn}(${show(e.args?.func)})`;
    case "ipi_done":
      return `  -> IPIs taken`;
    default:
      return `${e.fn}()${e.ret === undefined ? "" : ` = ${show(e.ret)}`}`;
  }
}

/**
 * A lock acquire directly followed by its task's release of that lock (an
 * empty critical section, such as the VMA lock munmap takes and drops):
 * their indices in `trace`, to leave out. `downgrade_write` keeps the lock.
 */
function emptySections(trace: readonly TraceEvent[]): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i + 1 < trace.length; i++) {
    const a = trace[i]!;
    const b = trace[i + 1]!;
    if (a.ev === "lock_acquire" && b.ev === "lock_release" && b.fn !== "downgrade_write" && b.task === a.task && b.args?.lock === a.args?.lock) out.add(i).add(i + 1);
  }
  return out;
}

/** The rows of the race diagram of a run's trace (its kept events). */
export function diagramRows(trace: readonly TraceEvent[]): DiagramRow[] {
  const empty = emptySections(trace);
  const rows: DiagramRow[] = [];
  trace.forEach((e, i) => {
    const text = empty.has(i) ? null : cell(e);
    if (text !== null) rows.push({ task: e.task, text, t: e.t });
  });
  return rows;
}

/** Width of a race diagram: a mail line. */
export const DIAGRAM_WIDTH = 72;
/** Narrowest column worth drawing. */
const MIN_COLUMN = 14;
const SEP = " | ";

/**
 * Where to cut `text` for a line of at most `width` UTF-16 units: before a
 * "(" or after a space or comma in its second half, else at `width` (a name
 * longer than the column); never inside a surrogate pair (a lone half does
 * not survive UTF-8).
 */
function cutAt(text: string, width: number): number {
  for (let p = width; p > width / 2; p--) if (text[p] === "(" || text[p - 1] === " " || text[p - 1] === ",") return p;
  const high = text.charCodeAt(width - 1);
  return width > 1 && high >= 0xd800 && high <= 0xdbff ? width - 1 : width;
}

/** `text` cut into pieces of at most `width` characters, between words where it can be, continuation lines indented by one space. */
function wrapCell(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const p = cutAt(rest, width);
    lines.push(rest.slice(0, p).trimEnd());
    rest = ` ${rest.slice(p).trimStart()}`;
  }
  lines.push(rest);
  return lines;
}

/**
 * The race diagram as text, at most `width` columns (default
 * {@link DIAGRAM_WIDTH}): a header of task names, a rule, then one line per
 * row in its task's column (long cells wrap). Tasks that do not fit (each
 * column needs at least 14 characters) are left out, and a last line says
 * which.
 */
export function formatDiagram(rows: readonly DiagramRow[], width = DIAGRAM_WIDTH): string[] {
  const tasks = [...new Set(rows.map((r) => r.task))];
  const fit = Math.max(1, Math.floor((width + SEP.length) / (MIN_COLUMN + SEP.length)));
  const shown = tasks.slice(0, fit);
  const col = Math.floor((width - SEP.length * (shown.length - 1)) / Math.max(1, shown.length));
  const line = (cells: readonly string[]) => cells.map((c) => c.padEnd(col)).join(SEP).trimEnd();
  const out = [line(shown.map((t) => t.slice(0, cutAt(t, col)))), shown.map(() => "-".repeat(col)).join("-+-")];
  for (const r of rows) {
    const at = shown.indexOf(r.task);
    if (at < 0) continue;
    for (const piece of wrapCell(r.text, col)) out.push(line(shown.map((_, i) => (i === at ? piece : ""))));
  }
  if (shown.length < tasks.length) out.push(`(not drawn: ${tasks.slice(fit).join(", ")})`);
  return out;
}
