/**
 * Swimlane intervals derived from a trace, as KernelShark draws them: per
 * task, when it held which lock, waited for one, did IO, slept or burned CPU.
 *
 * @module
 */
import type { TraceEvent } from "../engine/trace.js";

/** What a task was doing during an interval. */
export type IntervalKind = "hold-read" | "hold-write" | "wait" | "io" | "cpu" | "sleep";

/** One bar of a swimlane timeline. */
export interface Interval {
  /** Task (swimlane). */
  task: string;
  /** What the task was doing. */
  kind: IntervalKind;
  /** Lock name, or the kernel function of a delay. */
  label: string;
  /** Start (ns). */
  start: number;
  /** End (ns). */
  end: number;
  /** True when the interval was still open at the end of the trace. */
  open: boolean;
}

/** Lock holds, lock waits and timed waits of every task, in start order. */
export function intervals(trace: readonly TraceEvent[], endTime: number): Interval[] {
  const out: Interval[] = [];
  const open = new Map<string, Interval>();
  const key = (e: TraceEvent) => `${e.task}\u0000${String(e.args?.lock ?? e.args?.wq)}`;
  const begin = (e: TraceEvent, kind: IntervalKind) => {
    const iv: Interval = { task: e.task, kind, label: String(e.args?.lock ?? e.args?.wq), start: e.t, end: endTime, open: true };
    open.set(key(e), iv);
    out.push(iv);
  };
  const close = (e: TraceEvent) => {
    const iv = open.get(key(e));
    if (!iv) return;
    iv.end = e.t;
    iv.open = false;
    open.delete(key(e));
  };
  for (const e of trace) {
    switch (e.ev) {
      case "lock_acquire":
        begin(e, e.args?.mode === "read" ? "hold-read" : "hold-write");
        break;
      case "lock_contended": {
        const iv = open.get(key(e));
        if (iv) iv.kind = "wait";
        break;
      }
      case "lock_acquired":
        close(e);
        begin(e, e.args?.mode === "read" ? "hold-read" : "hold-write");
        break;
      case "lock_release":
      case "sched_woken":
        close(e);
        break;
      case "sched_wait":
        begin(e, "wait");
        break;
      case "io_submit": {
        // A device read: drawn on the block layer's lane.
        const ns = Number(e.args?.ns ?? 0);
        out.push({ task: "blk", kind: "io", label: e.fn ?? "io", start: e.t, end: e.t + ns, open: false });
        break;
      }
      case "io":
      case "cpu":
      case "sleep": {
        const ns = Number(e.args?.ns ?? 0);
        out.push({ task: e.task, kind: e.ev, label: e.fn ?? e.ev, start: e.t, end: e.t + ns, open: false });
        break;
      }
    }
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/**
 * Intervals as a chart of `resolution` ns per pixel can draw them: in each
 * task, intervals of one kind and label that touch or lie closer than
 * `resolution` are merged into one, so the number of bars is bounded by the
 * lanes and the chart's width, not by the length of the run. `count` says
 * how many intervals a bar stands for.
 */
export function mergeIntervals(bars: readonly Interval[], resolution: number): (Interval & { count: number })[] {
  const out: (Interval & { count: number })[] = [];
  const last = new Map<string, Interval & { count: number }>();
  for (const iv of bars) {
    const key = `${iv.task}\u0000${iv.kind}\u0000${iv.label}`;
    const prev = last.get(key);
    if (prev && !prev.open && !iv.open && iv.start - prev.end <= resolution) {
      prev.end = Math.max(prev.end, iv.end);
      prev.count++;
      continue;
    }
    const bar = { ...iv, count: 1 };
    last.set(key, bar);
    out.push(bar);
  }
  return out;
}
