/**
 * `faultline explore --jobs N`: the search split into subtrees
 * (`splitSearch`), searched by N worker threads with a share of the state
 * budget each (what finished subtrees leave goes to those that ran out, up
 * to three times; each subtree runs at least one execution, so a budget
 * smaller than the split visits more), then the random walks shared out
 * the same way. Results are
 * merged in the split's order and every walk has its own seed, so any N of
 * 2 or more gives the same report.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import { combineSubtrees, type ExploreProgress, type ExploreReport, exploreReport, mergeTally, newTally, type NormalizedScenario, type OutcomeTally, splitSearch, subtreeBudget, type SubtreeResult } from "../index.js";

/** Subtrees the search is split into for worker threads (whatever their number, so the report does not depend on it). */
export const SPLIT_TARGET = 16;
/** Times the budget left by finished subtrees is handed to those that ran out. */
const BUDGET_ROUNDS = 3;
/** Random walks one job runs. */
const WALK_CHUNK = 25;

/** A job for a worker: search a subtree, or run random walks [from, to). */
export type PoolJob = { readonly kind: "subtree"; readonly index: number; readonly fixed: readonly string[]; readonly budget: number } | { readonly kind: "walks"; readonly index: number; readonly from: number; readonly to: number };

/** What a worker sends back: states visited since its last message, or a finished job. */
export type PoolMessage =
  | { readonly kind: "progress"; readonly states: number; readonly walks: number }
  | { readonly kind: "subtree"; readonly index: number; readonly result: SubtreeResult; readonly states: number }
  | { readonly kind: "walks"; readonly index: number; readonly tally: OutcomeTally; readonly walks: number };

/** Options of {@link exploreParallel}. */
export interface ParallelOptions {
  /** Worker threads, at least 1. */
  readonly jobs: number;
  /** State budget of the whole search. */
  readonly maxStates: number;
  /** Partial-order reduction below the split. */
  readonly reduction: boolean;
  /** Random walks after a search that was not exhaustive. */
  readonly walks: number;
  /** Seed of the walks. */
  readonly seed: number;
  /** Progress, as workers report it. */
  readonly onProgress?: (p: ExploreProgress) => void;
}

/** A worker thread running the explorer's worker as the command itself runs: compiled (lib/cli/explore-worker.js, beside this module's bundle) or src/cli/explore-worker.ts under the TypeScript loader. */
function startWorker(scenario: NormalizedScenario, reduction: boolean, seed: number): Worker {
  const workerData = { scenario, reduction, seed };
  if (import.meta.url.endsWith(".js")) return new Worker(new URL("./explore-worker.js", import.meta.url), { workerData });
  const loader = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./explore-worker.ts", import.meta.url).href;
  return new Worker(`import(${JSON.stringify(loader)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, { eval: true, workerData });
}

/** Run `jobs` through `n` workers, each taking the next job when it is done; resolves with each job's message by index. */
function runPool<M extends PoolMessage & { index: number }>(s: NormalizedScenario, o: ParallelOptions, jobs: readonly PoolJob[], onMessage: (m: PoolMessage) => void): Promise<M[]> {
  const results: M[] = new Array(jobs.length);
  let next = 0;
  let left = jobs.length;
  return new Promise((resolve, reject) => {
    if (left === 0) return resolve(results);
    const workers = Array.from({ length: Math.min(o.jobs, jobs.length) }, () => startWorker(s, o.reduction, o.seed));
    let stopped = false;
    const stop = () => {
      stopped = true;
      void Promise.all(workers.map((w) => w.terminate()));
    };
    for (const w of workers) {
      w.on("error", (e) => (stop(), reject(e)));
      // A worker that ends with work outstanding (out of memory, killed) fails the exploration instead of leaving it waiting.
      w.on("exit", (code) => {
        if (!stopped) stop(), reject(new Error(`an explorer worker thread exited (code ${code}) with ${left} job${left === 1 ? "" : "s"} not done`));
      });
      w.on("message", (m: PoolMessage) => {
        onMessage(m);
        if (m.kind === "progress") return;
        results[m.index] = m as M;
        if (--left === 0) return stop(), resolve(results);
        if (next < jobs.length) w.postMessage(jobs[next++]);
      });
      w.postMessage(jobs[next++]);
    }
  });
}

/** Explore `s` with worker threads (see the module comment). Rejects with a worker's error (a model that does not replay deterministically). */
export async function exploreParallel(s: NormalizedScenario, o: ParallelOptions): Promise<ExploreReport> {
  const split = splitSearch(s, SPLIT_TARGET);
  const budget = subtreeBudget(split, o.maxStates);
  let states = split.states;
  let subtreesDone = 0;
  let walked = 0;
  const progress = (phase: ExploreProgress["phase"]) =>
    o.onProgress?.({ states, executions: 0, abandoned: 0, fraction: subtreesDone / split.roots.length, phase, walks: walked });
  const onSearch = (m: PoolMessage) => {
    if (m.kind === "progress") states += m.states;
    else if (m.kind === "subtree") (states += m.states), subtreesDone++;
    progress("search");
  };
  const searched = (await runPool<Extract<PoolMessage, { kind: "subtree" }>>(s, o, split.roots.map((fixed, index) => ({ kind: "subtree", index, fixed, budget })), onSearch)).map((m) => m.result);
  // Budget the finished subtrees left unused goes to those that ran out, which search again from the start with more:
  // the result depends on the split and the budget only, never on which worker finished first.
  for (let round = 0; round < BUDGET_ROUNDS; round++) {
    const open = searched.flatMap((r, i) => (r.stats.exhaustive ? [] : [i]));
    const left = o.maxStates - split.states - searched.reduce((n, r) => n + r.stats.states, 0);
    const extra = open.length > 0 ? Math.floor(left / open.length) : 0;
    if (extra <= 0) break;
    subtreesDone -= open.length;
    const again = await runPool<Extract<PoolMessage, { kind: "subtree" }>>(s, o, open.map((i, index) => ({ kind: "subtree", index, fixed: split.roots[i]!, budget: searched[i]!.stats.states + extra })), onSearch);
    open.forEach((i, index) => (searched[i] = again[index]!.result));
  }
  const { stats, tally } = combineSubtrees(split, searched);
  const walks = stats.exhaustive ? 0 : o.walks;
  const chunks: PoolJob[] = [];
  for (let from = 0; from < walks; from += WALK_CHUNK) chunks.push({ kind: "walks", index: chunks.length, from, to: Math.min(walks, from + WALK_CHUNK) });
  const walkResults = await runPool<Extract<PoolMessage, { kind: "walks" }>>(s, o, chunks, (m) => {
    if (m.kind === "walks") walked += m.walks;
    progress("walks");
  });
  const all = newTally();
  mergeTally(all, tally);
  for (const m of walkResults) mergeTally(all, m.tally);
  return exploreReport(s, o.reduction, stats, walks, all);
}
