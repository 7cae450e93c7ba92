// Post-copy benchmark: 256 vCPUs demand-fault 1e6 guest pages (3,907 each,
// one userfaultfd, one handler thread, MINOR mode) through the scenario
// runner without the trace, once per approach.
import { performance } from "node:perf_hooks";
import { runScenario } from "../../src/scenario/index.js";

/** Run the post-copy workload once under `patches`; wall seconds, pages and steps. */
export function postcopyBench(patches: readonly string[]): { seconds: number; pages: number; steps: number } {
  const start = performance.now();
  const run = runScenario({ title: "bench", profile: "v6.12", patches: [...patches], maxSteps: 1e9, postcopy: { vcpus: 256, pagesPerVcpu: 3907 }, tasks: [] }, { trace: false });
  const seconds = (performance.now() - start) / 1000;
  if (run.result.status !== "ok") throw new Error(`post-copy bench ended with ${run.result.status}`);
  return { seconds, pages: run.postcopy!.faults, steps: run.result.steps };
}
