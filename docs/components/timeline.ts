// Swimlane timeline of a trace (KernelShark-style): one lane per task, lock
// holds and waits in the upper half, CPU/IO/sleep in the lower half.
import * as Plot from "./plot.js";
import { chartImage } from "./chart-image.js";
import { formatNs, type IntervalKind, laneOf, type MergedInterval, mergeIntervals, swimlanes, TIMELINE_BINS, type TraceEvent } from "../faultline/page.js";

const KINDS: IntervalKind[] = ["hold-read", "hold-write", "wait", "cpu", "io", "sleep"];
const COLORS = ["#4daf4a", "#ff7f00", "#e41a1c", "#8c8c8c", "#377eb8", "#b3b3e6"];
const MARGIN_LEFT = 90;
const MARGIN_RIGHT = 20;
/** The narrowest bar drawn, in px. */
const MIN_BAR_PX = 2;
const LOCKISH = new Set<IntervalKind>(["hold-read", "hold-write", "wait"]);

/** Options of {@link timeline}. */
export interface TimelineOptions {
  /** Chart width in px. */
  width: number;
  /** End of the run (ns); open intervals end there. */
  endTime: number;
  /** Task order, top to bottom; defaults to first appearance. */
  tasks?: string[];
  /** Where the trace dropped events (the run's `traceGap`): the span is shaded and the caption says so. */
  gap?: { at: number; dropped: number } | null;
  /** The trace's swimlane bars as the worker merged them (the run's `timeline`); without them, they are merged from the trace here. */
  bars?: readonly MergedInterval[] | null;
}

const count = (n: number) => n.toLocaleString("en-US");

/** A Plot figure of the trace's swimlanes, in microseconds. */
export function timeline(trace: readonly TraceEvent[], { width, endTime, tasks, gap, bars: merged }: TimelineOptions): SVGSVGElement | HTMLElement {
  // Bars closer than a pixel merge: a long run draws as many bars as the chart has room for.
  const resolution = Math.max(endTime, 1) / (merged ? Math.min(width, TIMELINE_BINS) : width);
  // The worker's bars merge again at the chart's resolution; a trace's are merged at it once.
  const bars = merged ? mergeIntervals(merged, resolution) : swimlanes(trace, endTime, width);
  const intervalCount = bars.reduce((n, b) => n + b.count, 0);
  // Short-lived helpers (blk#3, vcpu0/apf#7) share one lane per kind.
  const names = new Set<string>();
  for (const e of trace) names.add(e.task);
  const lanes = tasks ?? [...new Set([...names].map(laneOf))];
  const title = (d: MergedInterval) =>
    `${d.task}: ${d.kind} ${d.label}${d.count > 1 ? ` (${d.count} intervals${d.busy < d.end - d.start ? `, ${formatNs(d.busy)} in all` : ""})` : ""}\n${formatNs(d.start)} .. ${formatNs(d.end)} (${formatNs(d.end - d.start)})`;
  // A zero-length hold (a lock taken and released at one instant) still shows: every bar is at least MIN_BAR_PX wide.
  const minNs = (MIN_BAR_PX * Math.max(endTime, 1)) / Math.max(width - MARGIN_LEFT - MARGIN_RIGHT, 1);
  // The events a truncated trace did not keep lie between the last kept before the gap and the first after it.
  const dropped = gap ? { start: trace[gap.at - 1]?.t ?? 0, end: trace[gap.at]?.t ?? endTime, dropped: gap.dropped } : null;
  // More intervals than pixels, or a gap: the caption says what the chart shows.
  const caption = intervalCount > width || dropped
    ? `Timeline at ${formatNs(Math.round(resolution))} per pixel: ${count(intervalCount)} intervals drawn as ${count(bars.length)} bars (a task's intervals of one kind less than a pixel apart share a bar).${dropped ? ` ${count(dropped.dropped)} trace events from ${formatNs(dropped.start)} to ${formatNs(dropped.end)} were not kept: the shaded span shows none of them.` : ""}`
    : undefined;
  const common = {
    x1: (d: MergedInterval) => d.start / 1000,
    x2: (d: MergedInterval) => Math.max(d.end, d.start + minNs) / 1000,
    y: "task",
    fill: "kind",
    title,
  };
  const chart = Plot.plot({
    width,
    height: 50 + 44 * lanes.length,
    marginLeft: MARGIN_LEFT,
    marginRight: MARGIN_RIGHT,
    ariaLabel: "swimlane timeline",
    caption,
    x: { label: "virtual time (us)", grid: true },
    y: { label: null, domain: lanes },
    color: { legend: true, domain: KINDS, range: COLORS },
    marks: [
      ...(dropped ? [Plot.rectX([dropped], { x1: (d) => d.start / 1000, x2: (d) => Math.max(d.end, d.start + minNs) / 1000, fill: "currentColor", fillOpacity: 0.1, title: () => `${count(dropped.dropped)} trace events not kept` })] : []),
      Plot.barX(bars.filter((d) => LOCKISH.has(d.kind)), { ...common, insetTop: 3, insetBottom: 22 }),
      Plot.barX(bars.filter((d) => !LOCKISH.has(d.kind)), { ...common, insetTop: 22, insetBottom: 3 }),
      Plot.ruleX([0]),
    ],
  });
  return chartImage(chart, `timeline of ${lanes.join(", ")} up to ${formatNs(endTime)}: lock holds and waits, CPU, IO and sleep per task`);
}
