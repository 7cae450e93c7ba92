// The explorer on every data/ scenario whose tasks can interleave (two or
// more tasks, a fork, or a KVM guest's vCPUs): states visited with
// partial-order reduction and without, and the time each search took. A
// KVM guest's runs are thousands of steps long: it gets a small budget.
import { readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { assertScenario, explore, normalizeScenario, type ScenarioSpec } from "../../src/index.js";

/** State budget of each search: a search that uses it up is marked not exhaustive. */
const BUDGET = 200_000;
/** State budget for a KVM guest. */
const KVM_BUDGET = 5_000;

/** One line per scenario, given to `print` as it is done: states and seconds with reduction, then without; returns the totals of the searches with reduction. */
export function exploreBench(print: (line: string) => void): { states: number; seconds: number; scenarios: number } {
  const total = { states: 0, seconds: 0, scenarios: 0 };
  for (const f of readdirSync("data").filter((x) => x.endsWith(".json")).sort()) {
    const spec = assertScenario(JSON.parse(readFileSync(`data/${f}`, "utf8"))) as ScenarioSpec;
    if (spec.tasks.length < 2 && !spec.kvm && !JSON.stringify(spec.tasks).includes('"fork"')) continue;
    const s = normalizeScenario(spec);
    const cell = (reduction: boolean) => {
      const start = performance.now();
      const r = explore(s, { reduction, maxStates: spec.kvm ? KVM_BUDGET : BUDGET, walks: 0 });
      const seconds = (performance.now() - start) / 1000;
      if (reduction) (total.states += r.states), (total.seconds += seconds), total.scenarios++;
      return `${r.states.toLocaleString("en-US").padStart(9)}${r.exhaustive ? " " : "+"} ${seconds.toFixed(3).padStart(7)} s`;
    };
    print(`${f.replace(/\.json$/, "").padEnd(50)} ${cell(true)}   ${cell(false)}`);
  }
  return total;
}

/**
 * The /pins matrix's explorations (every operation x pin kind x profile),
 * one line per operation: the slowest cell's states with reduction and
 * without and its time, and whether every cell was exhaustive within 1 s
 * (the notebook target). Returns the slowest cell's time and how many cells there were.
 */
export async function matrixBench(print: (line: string) => void): Promise<{ seconds: number; cells: number }> {
  const slowest = { seconds: 0, cells: 0 };
  const { coherenceScenario, PIN_KINDS, PIN_OPERATIONS, PIN_PROFILES } = await import("../../docs/components/pin-coherence.js");
  for (const op of PIN_OPERATIONS) {
    let worst = { seconds: 0, states: 0, plain: 0, cell: "" };
    let exhaustive = true;
    for (const kind of PIN_KINDS)
      for (const profile of PIN_PROFILES) {
        const s = normalizeScenario(assertScenario(coherenceScenario(op, kind, profile)) as ScenarioSpec);
        const start = performance.now();
        const r = explore(s, { maxStates: BUDGET, walks: 0 });
        const seconds = (performance.now() - start) / 1000;
        exhaustive &&= r.exhaustive && seconds < 1;
        slowest.cells++;
        slowest.seconds = Math.max(slowest.seconds, seconds);
        if (seconds >= worst.seconds) worst = { seconds, states: r.states, plain: explore(s, { reduction: false, maxStates: BUDGET, walks: 0 }).states, cell: `${kind.name}, ${profile}` };
      }
    print(`${op.name.padEnd(34)} slowest ${worst.cell.padEnd(22)} ${fmt(worst.states).padStart(6)} | ${fmt(worst.plain).padStart(6)} states ${worst.seconds.toFixed(3)} s; ${exhaustive ? "every cell exhaustive < 1 s" : "MISSED: a cell not exhaustive or >= 1 s"}`);
  }
  return slowest;
}

/**
 * The explorer on all CPUs: the plain enumeration of a large search
 * (rwsem-reader-wake-v5.3, 100,000 states) in this thread and split over
 * one worker thread per CPU, as `faultline explore --jobs auto` runs it.
 */
export async function parallelBench(): Promise<string> {
  const { availableParallelism } = await import("node:os");
  const { exploreParallel } = await import("../../src/cli/explore-pool.js");
  const s = normalizeScenario(assertScenario(JSON.parse(readFileSync("data/rwsem-reader-wake-v5.3.json", "utf8"))) as ScenarioSpec);
  const jobs = availableParallelism();
  const options = { reduction: false, maxStates: 100_000, walks: 0 };
  let start = performance.now();
  const one = explore(s, options);
  const oneSeconds = (performance.now() - start) / 1000;
  start = performance.now();
  const all = await exploreParallel(s, { ...options, jobs, seed: s.seed });
  const allSeconds = (performance.now() - start) / 1000;
  return `${jobs} worker threads vs this thread, rwsem-reader-wake-v5.3 without reduction: ${fmt(all.states)} states in ${allSeconds.toFixed(2)} s vs ${fmt(one.states)} in ${oneSeconds.toFixed(2)} s = ${(all.states / allSeconds / (one.states / oneSeconds)).toFixed(2)}x the states/s`;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
