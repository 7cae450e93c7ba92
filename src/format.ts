/**
 * Plain-text rendering of runs: durations, the trace as a table, lockdep and
 * deadlock reports, word wrap. Used by the CLI, citation blocks and the
 * notebook section export.
 *
 * @module
 */
import type { Json } from "./engine/canonical.js";
import type { LockInversion } from "./engine/lockdep.js";
import type { DeadlockReport } from "./engine/simulation.js";
import type { TraceEvent } from "./engine/trace.js";

/** `1234567` -> `"1.235 ms"`, `100000` -> `"100 us"`; below 1000 stays in ns. */
export function formatNs(ns: number): string {
  const unit = (v: number, u: string) => `${v.toFixed(3).replace(/\.?0+$/, "")} ${u}`;
  if (ns < 1e3) return `${ns} ns`;
  if (ns < 1e6) return unit(ns / 1e3, "us");
  if (ns < 1e9) return unit(ns / 1e6, "ms");
  return unit(ns / 1e9, "s");
}

/** Greedy word wrap to `width` columns; lines after the first start with `indent`. */
export function wrapText(text: string, width: number, indent = ""): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && (line + " " + word).length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function formatArgs(args: { [key: string]: Json } | undefined): string {
  if (!args) return "";
  return Object.entries(args)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}

/** The trace as an aligned table, one event per line. */
export function formatTrace(events: readonly TraceEvent[]): string[] {
  const width = (min: number, f: (e: TraceEvent) => string) => events.reduce((w, e) => Math.max(w, f(e).length), min);
  const tw = width(5, (e) => String(e.t));
  const nw = width(4, (e) => e.task);
  const ew = width(5, (e) => e.ev);
  const fw = width(2, (e) => e.fn ?? "");
  const head = `${"t(ns)".padStart(tw)}  ${"task".padEnd(nw)}  ${"event".padEnd(ew)}  ${"fn".padEnd(fw)}  args`;
  return [
    head,
    ...events.map((e) => {
      const ret = e.ret === undefined ? "" : ` -> ${JSON.stringify(e.ret)}`;
      return `${String(e.t).padStart(tw)}  ${e.task.padEnd(nw)}  ${e.ev.padEnd(ew)}  ${(e.fn ?? "").padEnd(fw)}  ${formatArgs(e.args)}${ret}`.trimEnd();
    }),
  ];
}

/** "possible circular locking dependency" reports, lockdep style. */
export function formatInversions(inversions: readonly LockInversion[]): string[] {
  return inversions.flatMap((inv) => [
    `possible circular locking dependency: ${inv.task} acquires ${inv.acquiring} while holding ${inv.holding} at ${inv.t} ns`,
    ...inv.chain.map((e) => `  existing order ${e.from} -> ${e.to}, first taken by ${e.task} at ${e.t} ns`),
  ]);
}

/** Who waits for what, and the wait-for cycle. */
export function formatDeadlock(d: DeadlockReport): string[] {
  return [
    ...d.blocked.map((b) => `${b.task} waits for ${b.waitsFor}${b.holders.length > 0 ? `, held by ${b.holders.join(", ")}` : ""}`),
    ...(d.cycle ? [`cycle: ${d.cycle.join(" -> ")}`] : []),
  ];
}
