// Batches run as the site's worker runs them (src/host), synchronously in
// Node: the notebook tests compare the page's results with these.
import type { ScenarioSpec } from "../src/index.js";
import { exploreJobs, type ExploreData } from "../src/host/explorations.js";
import { runJobs, type RunData } from "../src/host/jobs.js";

/** Explore `scenarios` as one worker batch; throws with the worker's validation errors. */
export function explored(scenarios: readonly ScenarioSpec[]): ExploreData[] {
  let out: ExploreData[] = [];
  exploreJobs({ id: 1, kind: "explore", jobs: scenarios.map((scenario) => ({ scenario })) }, (r) => {
    if (r.type === "error") throw new Error(r.errors.join("\n"));
    if (r.type === "explored") out = [...r.explorations];
  });
  return out;
}

/** Run `scenarios` as one worker batch (traces kept); throws with the worker's validation errors. */
export function ran(scenarios: readonly ScenarioSpec[]): RunData[] {
  let out: RunData[] = [];
  runJobs({ id: 1, jobs: scenarios.map((scenario) => ({ scenario })) }, (r) => {
    if (r.type === "error") throw new Error(r.errors.join("\n"));
    if (r.type === "done") out = [...r.runs];
  });
  return out;
}
