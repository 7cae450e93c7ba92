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

/** A bar of a timeline drawn at a bounded resolution: one or more merged intervals. */
export interface MergedInterval extends Interval {
  /** How many intervals the bar stands for. */
  count: number;
  /** Time (ns) at least one of them covers: the bar's span less the gaps between them. */
  busy: number;
}

/**
 * Intervals (in start order) as a chart of `resolution` ns per pixel can
 * draw them: in each task, intervals of one kind and label that touch or lie
 * closer than `resolution` are merged into one, so the number of bars is
 * bounded by the lanes and the chart's width, not by the length of the run:
 * the bars of one task, kind and label start more than `resolution` apart.
 * `count` says how many intervals a bar stands for and `busy` how much of
 * its span they cover. Bars merged before (at a finer resolution) merge
 * again as the intervals they stand for.
 */
export function mergeIntervals(bars: readonly (Interval & Partial<Pick<MergedInterval, "count" | "busy">>)[], resolution: number): MergedInterval[] {
  const out: MergedInterval[] = [];
  const last = new Map<string, MergedInterval>();
  for (const iv of bars) {
    const key = `${iv.task}\u0000${iv.kind}\u0000${iv.label}`;
    const prev = last.get(key);
    const busy = iv.busy ?? iv.end - iv.start;
    if (prev && !prev.open && !iv.open && iv.start - prev.end <= resolution) {
      // In start order, what the bar does not cover yet is past its end.
      prev.busy += Math.max(0, Math.min(busy, iv.end - prev.end));
      prev.end = Math.max(prev.end, iv.end);
      prev.count += iv.count ?? 1;
      continue;
    }
    const bar = { ...iv, count: iv.count ?? 1, busy };
    last.set(key, bar);
    out.push(bar);
  }
  return out;
}

/** Bins across a run that {@link swimlanes} merges a trace's intervals into: as many bars per lane as a chart this wide can draw. */
export const TIMELINE_BINS = 4096;

/** The swimlane of a task: short-lived helpers (blk#3, vcpu0/apf#7) share one lane (blk, vcpu0/apf). */
export const laneOf = (task: string): string => task.replace(/#\d+$/, "");

/**
 * The trace's intervals, each on its task's lane ({@link laneOf}), merged at
 * `endTime / bins` ns ({@link mergeIntervals}): at most about `bins` bars per
 * lane, kind and label, however long the trace. A chart `bins` px wide or
 * narrower draws the same bars from these as from the trace.
 */
export function swimlanes(trace: readonly TraceEvent[], endTime: number, bins = TIMELINE_BINS): MergedInterval[] {
  const all = intervals(trace, endTime);
  for (const d of all) d.task = laneOf(d.task);
  return mergeIntervals(all, Math.max(endTime, 1) / bins);
}
