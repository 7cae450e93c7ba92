// Swimlane timeline of a trace (KernelShark-style): one lane per task, lock
// holds and waits in the upper half, CPU/IO/sleep in the lower half.
import * as Plot from "./plot.js";
import { chartImage } from "./chart-image.js";
import { formatNs, type Interval, type IntervalKind, intervals, mergeIntervals, type TraceEvent } from "../faultline/page.js";

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
}

/** A Plot figure of the trace's swimlanes, in microseconds. */
export function timeline(trace: readonly TraceEvent[], { width, endTime, tasks }: TimelineOptions): SVGSVGElement | HTMLElement {
  // Short-lived helpers (blk#3, vcpu0/apf#7) share one lane per kind.
  const lane = (task: string) => task.replace(/#\d+$/, "");
  // Bars closer than a pixel merge: a long run draws as many bars as the chart has room for.
  const lanesOf = intervals(trace, endTime).map((d) => ({ ...d, task: lane(d.task) }));
  const bars = mergeIntervals(lanesOf, Math.max(endTime, 1) / width);
  const lanes = tasks ?? [...new Set(trace.map((e) => lane(e.task)))];
  const title = (d: Interval & { count: number }) =>
    `${d.task}: ${d.kind} ${d.label}${d.count > 1 ? ` (${d.count} intervals)` : ""}\n${formatNs(d.start)} .. ${formatNs(d.end)} (${formatNs(d.end - d.start)})`;
  // A zero-length hold (a lock taken and released at one instant) still shows: every bar is at least MIN_BAR_PX wide.
  const minNs = (MIN_BAR_PX * Math.max(endTime, 1)) / Math.max(width - MARGIN_LEFT - MARGIN_RIGHT, 1);
  const common = {
    x1: (d: Interval) => d.start / 1000,
    x2: (d: Interval) => Math.max(d.end, d.start + minNs) / 1000,
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
    x: { label: "virtual time (us)", grid: true },
    y: { label: null, domain: lanes },
    color: { legend: true, domain: KINDS, range: COLORS },
    marks: [
      Plot.barX(bars.filter((d) => LOCKISH.has(d.kind)), { ...common, insetTop: 3, insetBottom: 22 }),
      Plot.barX(bars.filter((d) => !LOCKISH.has(d.kind)), { ...common, insetTop: 22, insetBottom: 3 }),
      Plot.ruleX([0]),
    ],
  });
  return chartImage(chart, `timeline of ${lanes.join(", ")} up to ${formatNs(endTime)}: lock holds and waits, CPU, IO and sleep per task`);
}
