/**
 * Batches of scenario runs, as the site's Web Worker executes them: the
 * request and reply messages, and the handler that runs a batch and reports
 * progress. Nothing here touches the DOM; the same handler runs in Node.
 *
 * @module
 */
import type { Json } from "../engine/canonical.js";
import type { RunResult } from "../engine/simulation.js";
import type { NormalizedScenario } from "../scenario/normalize.js";
import { kvmSummary, type KvmSummary } from "../scenario/kvm.js";
import type { PostcopySummary } from "../scenario/postcopy.js";
import { runScenario, type ScenarioRun } from "../scenario/run.js";
import { swimlanes, TIMELINE_BINS, type MergedInterval } from "../trace/timeline.js";
import { jobErrors, PROGRESS_INTERVAL_MS } from "./batch.js";

/** One run in a batch: a scenario (parsed JSON, validated by the worker) and whether to record its trace. */
export interface RunJob {
  /** The scenario, with any notebook inputs already applied. */
  readonly scenario: unknown;
  /** Record the trace (default true). Sweeps that only read task results turn it off. */
  readonly trace?: boolean;
  /** The caller's label for the run (a sweep point's coordinates); echoed in {@link RunData.tag}, so results carry what they are results of. */
  readonly tag?: Json;
  /** A view of the run for the worker to compute (one of its {@link RunViews}, by name); the reply then carries the view in {@link RunData.view} instead of the trace (`result.trace` is empty; the hash still covers every event). */
  readonly view?: string;
}

/** Views of a run a worker computes for jobs that name one ({@link RunJob.view}), by name: what a page would otherwise compute from a long trace on its main thread. The site's worker registers its own. */
export type RunViews = Readonly<Record<string, (run: RunData) => Json>>;

/** A batch of runs, answered by `progress` replies and then one `done` or `error` reply with the same id. */
export interface RunRequest {
  /** Chosen by the caller; echoed in every reply. */
  readonly id: number;
  /** Request kind (the default; see `ExploreRequest` for the other). */
  readonly kind?: "run";
  /** The runs, executed in order. */
  readonly jobs: readonly RunJob[];
}

/** A finished run as sent back by the worker: a {@link ScenarioRun} without the kernel state. */
export interface RunData {
  /** The scenario as run. */
  readonly scenario: NormalizedScenario;
  /** Scenario id. */
  readonly id: string;
  /** What the engine returned. */
  readonly result: RunResult;
  /** Trace hash. */
  readonly hash: string;
  /** The job's tag. */
  readonly tag: Json | null;
  /** The run's trace holds only the first and last of its events (`result.traceGap` says how many it dropped); its hash covers them all. */
  readonly truncated: boolean;
  /** Whether a citation may name this run: its trace was recorded (and hashed), kept in full or not. */
  readonly citable: boolean;
  /** The post-copy summary, when the scenario has a postcopy section (it counts the VMM's handler threads, which the result does not hold). */
  readonly postcopy: PostcopySummary | null;
  /** The KVM summary ({@link kvmSummary}), when the scenario has a kvm section. */
  readonly kvm: KvmSummary | null;
  /** The view the job named ({@link RunJob.view}), or null. */
  readonly view: Json | null;
  /** A long trace's swimlane bars ({@link swimlanes}), merged here so that a page draws it without a pass over its events; null for a trace of at most {@link TIMELINE_BINS} events, or none. */
  readonly timeline: readonly MergedInterval[] | null;
}

/** Progress of a batch: the job running, its steps and operations so far and its virtual time. */
export interface RunProgress {
  /** The request's id. */
  readonly id: number;
  /** Reply kind. */
  readonly type: "progress";
  /** Index of the running job. */
  readonly job: number;
  /** Number of jobs in the batch. */
  readonly jobs: number;
  /** Scheduling steps taken by the running job. */
  readonly steps: number;
  /** Scenario operations the running job has done (one step may do many). */
  readonly work: number;
  /** Virtual time of the running job (ns). */
  readonly now: number;
}

/** Reply to a {@link RunRequest}. */
export type RunReply =
  | RunProgress
  | { readonly id: number; readonly type: "done"; readonly runs: readonly RunData[] }
  | { readonly id: number; readonly type: "error"; readonly job: number; readonly errors: readonly string[] };

/**
 * Trace events a batch keeps in a worker, all its runs together: about
 * 150 MB. Every event is hashed; a run keeps at most {@link RUN_TRACE_EVENTS}
 * of them, fewer once the batch nears this budget, and is then marked
 * `truncated`.
 */
export const MAX_TRACE_EVENTS = 1_000_000;

/** Trace events one run keeps in a worker (the first and the last half): what a page can draw and list. */
export const RUN_TRACE_EVENTS = 50_000;

/** Steps between the engine's progress callbacks inside the worker. */
const PROGRESS_STEPS = 4096;

/**
 * Run a batch and post its replies: progress at most every
 * {@link PROGRESS_INTERVAL_MS}, then the runs, or the first job's validation
 * errors (`$.path: expected X, found Y`). A job that names a view gets it
 * from `views` (an unknown name is the job's error).
 */
export function runJobs(request: RunRequest, post: (reply: RunReply) => void, clock: () => number = Date.now, views: RunViews = {}): void {
  const { id, jobs } = request;
  const runs: RunData[] = [];
  let last = clock();
  let traced = 0;
  for (let job = 0; job < jobs.length; job++) {
    const onProgress = (steps: number, now: number, work: number) => {
      const t = clock();
      if (t - last < PROGRESS_INTERVAL_MS) return;
      last = t;
      post({ id, type: "progress", job, jobs: jobs.length, steps, now, work });
    };
    try {
      const { scenario, trace = true, tag = null, view } = jobs[job]!;
      if (view !== undefined && !Object.hasOwn(views, view)) throw new Error(`this worker has no view named ${JSON.stringify(view)} (it has ${Object.keys(views).join(", ") || "none"})`);
      const keep = Math.min(RUN_TRACE_EVENTS, MAX_TRACE_EVENTS - traced);
      const traceWindow = { head: Math.ceil(keep / 2), tail: Math.floor(keep / 2) };
      const run = runScenario(scenario, { trace, onProgress, progressEvery: PROGRESS_STEPS, traceWindow });
      const truncated = run.result.traceGap !== null;
      const data: RunData = { scenario: run.scenario, id: run.id, result: run.result, hash: run.hash, tag, truncated, citable: trace, postcopy: run.postcopy, kvm: run.scenario.kvm ? kvmSummary(run.result) : null, timeline: null, view: null };
      if (view !== undefined) runs.push({ ...data, view: views[view]!(data), result: { ...run.result, trace: [] } });
      else {
        traced += run.result.trace.length;
        runs.push({ ...data, timeline: run.result.trace.length > TIMELINE_BINS ? swimlanes(run.result.trace, run.result.endTime) : null });
      }
      // Batches of short runs report between runs too.
      onProgress(run.result.steps, run.result.endTime, run.result.work);
    } catch (e) {
      post({ id, type: "error", job, errors: jobErrors(e) });
      return;
    }
  }
  post({ id, type: "done", runs });
}
