// Memory of long runs, as a ratio a host can hold to: a run's heap must not
// grow with its length (the trace is hashed as recorded and only a window
// kept).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { runScenario } from "../../src/scenario/index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** One task doing `count` timed CPU ops: one scheduler step and one trace event each. */
const loop = (count: number) => ({ title: `${count} steps`, maxSteps: 1e9, tasks: [{ name: "T", ops: [{ op: "repeat", count, ops: [{ op: "cpu", ns: 1000 }] }] }] });

/** Heap held by a finished run's result (bytes). */
export function heldBy(count: number, trace: boolean): { bytes: number } {
  gc();
  const before = process.memoryUsage().heapUsed;
  const run = runScenario(loop(count), { trace });
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  if (run.result.status !== "ok") throw new Error(`bench run ended with ${run.result.status}`);
  return { bytes };
}
