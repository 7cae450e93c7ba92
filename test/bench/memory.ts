// Memory and cost of long runs, as ratios a host can hold to: a run's heap
// must not grow with its length (the trace is hashed as recorded and only a
// window kept), and recording the trace costs a bounded factor over not.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { performance } from "node:perf_hooks";
import { runScenario } from "../../src/scenario/index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** One task doing `count` timed CPU ops: one scheduler step and one trace event each. */
const loop = (count: number) => ({ title: `${count} steps`, maxSteps: 1e9, tasks: [{ name: "T", ops: [{ op: "repeat", count, ops: [{ op: "cpu", ns: 1000 }] }] }] });

/** Heap held by a finished run's result (bytes), and the run's wall time (s). */
export function heldBy(count: number, trace: boolean): { bytes: number; seconds: number } {
  gc();
  const before = process.memoryUsage().heapUsed;
  const start = performance.now();
  const run = runScenario(loop(count), { trace });
  const seconds = (performance.now() - start) / 1000;
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  if (run.result.status !== "ok") throw new Error(`bench run ended with ${run.result.status}`);
  return { bytes, seconds };
}

/** Targets, as ratios: each line says whether this host meets it. */
export function memoryBench(): string[] {
  heldBy(20_000, true);
  const short = heldBy(250_000, true);
  const long = heldBy(1_000_000, true);
  const untraced = heldBy(100_000, false);
  const traced = heldBy(100_000, true);
  const mem = long.bytes / short.bytes;
  const cost = traced.seconds / untraced.seconds;
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  return [
    `heap held after 1e6 vs 2.5e5 traced steps: ${mb(long.bytes)} / ${mb(short.bytes)} = ${mem.toFixed(2)}x (target <= 1.5x: the trace window bounds it) ${mem <= 1.5 ? "ok" : "MISSED"}`,
    `1e5 steps with vs without the trace: ${traced.seconds.toFixed(2)} s / ${untraced.seconds.toFixed(2)} s = ${cost.toFixed(1)}x (target <= 15x) ${cost <= 15 ? "ok" : "MISSED"}`,
  ];
}
