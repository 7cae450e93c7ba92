// KVM benchmark: 8 vCPUs, 4 guest processes each, ~1e5 guest faults on
// swapped-out pages with async page faults, through the scenario runner
// (trace on or off).
import { performance } from "node:perf_hooks";
import { kvmSummary, runScenario } from "../../src/scenario/index.js";

/** Run the KVM workload once; returns faults, wall seconds and trace size. */
export function kvmBench(asyncPf: boolean, trace: boolean): { faults: number; seconds: number; events: number; endTime: number } {
  const start = performance.now();
  const run = runScenario({
    title: "bench",
    profile: "v6.12",
    seed: 7,
    maxSteps: 1e8,
    mm: { vmas: [], io: { swapin: { dist: "exponential", mean: 100000 } } },
    kvm: { vcpus: 8, procs: 4, pagesPerProc: 4096, accesses: 8192, swapped: 0.9, computeNs: 500, asyncPf },
    tasks: [],
  }, { trace });
  const seconds = (performance.now() - start) / 1000;
  if (run.result.status !== "ok") throw new Error(`kvm bench ended with ${run.result.status}`);
  const s = kvmSummary(run.result);
  return { faults: s.asyncPfs + s.syncFaults, seconds, events: run.result.trace.length, endTime: run.result.endTime };
}
