// What the page draws and lists of a long trace: the timeline's bars are
// bounded by its width and keep the busy time of what they merge; the trace
// table lists a bounded window of the events and says what it leaves out.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { TraceEvent } from "../src/engine/trace.js";
import { runJobs, type RunReply } from "../src/host/jobs.js";
import { mergeIntervals, swimlanes, TIMELINE_BINS, type Interval, type IntervalKind } from "../src/trace/timeline.js";
import { TABLE_EDGE_EVENTS, traceRows, traceWindow } from "../docs/components/trace-table.js";

const freeze400k = JSON.parse(readFileSync(new URL("fixtures/inputs/freeze-400k.json", import.meta.url), "utf8"));
const KINDS: IntervalKind[] = ["cpu", "io", "hold-read", "wait"];
const keyOf = (d: Interval) => `${d.task}/${d.kind}/${d.label}`;

/** Closed intervals on up to three tasks, in start order, as `intervals()` returns them. */
const closedIntervals = fc
  .array(fc.record({ task: fc.constantFrom("A", "B", "C"), kind: fc.constantFrom(...KINDS), label: fc.constantFrom("x", "y"), start: fc.nat(1_000_000), len: fc.nat(5_000) }), { maxLength: 400 })
  .map((xs) => xs.map(({ len, ...d }): Interval => ({ ...d, end: d.start + len, open: false })).sort((a, b) => a.start - b.start || a.end - b.end));

/** Time covered by at least one of `ivs`, by a sweep over their ends. */
function covered(ivs: readonly Interval[]): number {
  let total = 0;
  let end = -Infinity;
  for (const d of [...ivs].sort((a, b) => a.start - b.start)) {
    total += Math.max(0, d.end - Math.max(d.start, end));
    end = Math.max(end, d.end);
  }
  return total;
}

describe("timeline bars at a bounded resolution (mergeIntervals)", () => {
  it("draws at most one bar per pixel and key, each standing for its intervals' count and busy time", () => {
    fc.assert(
      fc.property(closedIntervals, fc.integer({ min: 1, max: 2000 }), (ivs, width) => {
        const span = Math.max(1, ...ivs.map((d) => d.end));
        const resolution = span / width;
        const bars = mergeIntervals(ivs, resolution);
        assert.equal(bars.reduce((n, b) => n + b.count, 0), ivs.length);
        const keys = new Set(ivs.map(keyOf));
        for (const key of keys) {
          const mine = bars.filter((b) => keyOf(b) === key);
          const theirs = ivs.filter((d) => keyOf(d) === key);
          // Bars of one key start more than a pixel apart, so no more of them than pixels (plus the first).
          assert.ok(mine.length <= width + 1, `${mine.length} bars of ${key} at width ${width}`);
          // Merging keeps the time the intervals cover, and no bar is busier than it is long.
          assert.equal(mine.reduce((n, b) => n + b.busy, 0), covered(theirs));
          for (const b of mine) assert.ok(b.busy <= b.end - b.start);
          // Every interval lies within a bar of its key.
          for (const d of theirs) assert.ok(mine.some((b) => b.start <= d.start && d.end <= b.end), `${key} ${d.start}..${d.end} not drawn`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("bars merged at a finer resolution merge again into the bars merged once", () => {
    fc.assert(
      fc.property(closedIntervals, fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 8 }), (ivs, width, finer) => {
        const resolution = Math.max(1, ...ivs.map((d) => d.end)) / width;
        assert.deepEqual(mergeIntervals(mergeIntervals(ivs, resolution / finer), resolution), mergeIntervals(ivs, resolution));
      }),
      { numRuns: 200 },
    );
  });

  it("the worker's swimlanes of the 400,000-op run: two bars, drawn the same at any width up to TIMELINE_BINS; a short run has none", () => {
    const replies: RunReply[] = [];
    const short = { title: "short", tasks: [{ name: "A", ops: [{ op: "cpu", ns: 1 }] }] };
    runJobs({ id: 1, jobs: [{ scenario: freeze400k }, { scenario: short }] }, (r) => replies.push(r));
    const done = replies.at(-1)!;
    assert.ok(done.type === "done");
    assert.equal(done.runs[1]!.timeline, null);
    const { result, timeline } = done.runs[0]!;
    assert.deepEqual(timeline!.map((b) => [b.task, b.kind, b.count, b.busy]), [["T", "cpu", 24_999, 24_999_000], ["T", "cpu", 24_999, 24_999_000]]);
    for (const width of [300, 1200, TIMELINE_BINS]) {
      const fromTrace = mergeIntervals(swimlanes(result.trace, result.endTime, width), result.endTime / width);
      assert.deepEqual(mergeIntervals(timeline!, result.endTime / width), fromTrace);
    }
  });

  it("50,000 back-to-back CPU intervals at 800 px draw as one bar of their whole length", () => {
    const ivs: Interval[] = Array.from({ length: 50_000 }, (_, i) => ({ task: "A", kind: "cpu", label: "cpu", start: i * 1000, end: (i + 1) * 1000, open: false }));
    const bars = mergeIntervals(ivs, 50_000_000 / 800);
    assert.deepEqual(bars.map((b) => [b.start, b.end, b.count, b.busy]), [[0, 50_000_000, 50_000, 50_000_000]]);
  });
});

/** `n` CPU events of task A, with a call of `fn` on task B every 10th. */
const longTrace = (n: number): TraceEvent[] =>
  Array.from({ length: n }, (_, i): TraceEvent => (i % 10 === 9 ? { t: i, task: "B", ev: "call", fn: "handle_mm_fault", args: { addr: i } } : { t: i, task: "A", ev: "cpu", args: { ns: 1 } }));

describe("the trace table's window (traceWindow)", () => {
  it("lists every event of a short trace, as traceRows does, and says nothing more", () => {
    const trace = longTrace(2 * TABLE_EDGE_EVENTS);
    assert.deepEqual(traceWindow(trace), { rows: traceRows(trace), matched: trace.length, note: null });
    const filtered = traceWindow(trace, { filter: "handle_mm" });
    assert.deepEqual(filtered.rows, traceRows(trace.filter((e) => e.fn === "handle_mm_fault")));
    assert.equal(filtered.note, null);
  });

  it("lists the first and last events of a long trace, and says how many it leaves out of how many", () => {
    const trace = longTrace(50_000);
    const w = traceWindow(trace, { recorded: 400_002 });
    assert.equal(w.rows.length, 2 * TABLE_EDGE_EVENTS);
    assert.deepEqual(w.rows, traceRows([...trace.slice(0, TABLE_EDGE_EVENTS), ...trace.slice(-TABLE_EDGE_EVENTS)]));
    assert.equal(w.matched, 50_000);
    assert.equal(w.note, "The table lists the first 1,000 and the last 1,000 of the 50,000 trace events kept (of 400,002 recorded); the 48,000 between are not listed.");
    assert.equal(traceWindow(trace).note, "The table lists the first 1,000 and the last 1,000 of the 50,000 trace events; the 48,000 between are not listed.");
  });

  it("filters every event, arguments included, before it takes the window", () => {
    const trace = longTrace(50_000);
    const w = traceWindow(trace, { filter: "addr=4", edge: 10, recorded: 60_000 });
    const matching = trace.filter((e) => `addr=${String(e.args?.addr)}`.includes("addr=4"));
    assert.equal(w.matched, matching.length);
    assert.deepEqual(w.rows, traceRows([...matching.slice(0, 10), ...matching.slice(-10)]));
    assert.equal(w.note, `The table lists the first 10 and the last 10 of the ${matching.length.toLocaleString("en-US")} trace events that match the filter (among the 50,000 kept of 60,000 recorded); the ${(matching.length - 20).toLocaleString("en-US")} between are not listed.`);
  });
});
