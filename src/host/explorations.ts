/**
 * Batches of explorations, as the site's Web Worker executes them: the
 * interleaving explorer ({@link explore}) on each scenario within a state
 * budget, progress while it searches, and each distinct outcome with the
 * race diagram of its shortest schedule. Nothing here touches the DOM; the
 * same handler runs in Node. A page cancels a batch by terminating the
 * worker: `explore` runs to its end without returning to the event loop.
 *
 * @module
 */
import type { Json } from "../engine/canonical.js";
import { diagramRows, type DiagramRow } from "../explore/diagram.js";
import { explore, replaySchedule, type ExploreOptions, type ExploreReport, type OutcomeReport } from "../explore/explore.js";
import { normalizeScenario, scenarioId, type NormalizedScenario } from "../scenario/normalize.js";
import { assertScenario } from "../scenario/validate.js";
import { jobErrors, PROGRESS_INTERVAL_MS } from "./batch.js";

/** One exploration in a batch. */
export interface ExploreJob {
  /** The scenario (parsed JSON, validated by the worker), explored as written except that its tasks may interleave in any order. */
  readonly scenario: unknown;
  /** States the exhaustive search may visit before random walks take over (default {@link EXPLORE_MAX_STATES}). */
  readonly maxStates?: number;
  /** Random walks after a search that ran out of budget (default {@link EXPLORE_WALKS}). */
  readonly walks?: number;
  /** The caller's label (a matrix cell's coordinates); echoed in {@link ExploreData.tag}. */
  readonly tag?: Json;
}

/** A batch of explorations, answered by `progress` replies and then one `explored` or `error` reply with the same id. */
export interface ExploreRequest {
  /** Chosen by the caller; echoed in every reply. */
  readonly id: number;
  /** Request kind. */
  readonly kind: "explore";
  /** The explorations, run in order. */
  readonly jobs: readonly ExploreJob[];
}

/** One distinct outcome of an exploration, with the race diagram of its shortest schedule. */
export interface ExploredOutcome extends OutcomeReport {
  /** The rows of the race diagram of {@link OutcomeReport.schedule} replayed (see `formatDiagram`); empty past the first {@link MAX_DIAGRAMS} outcomes. */
  readonly diagram: readonly DiagramRow[];
}

/** A finished exploration as the worker sends it back: the explorer's report with a race diagram per outcome. */
export interface ExploreData extends Omit<ExploreReport, "outcomes"> {
  /** Scenario id. */
  readonly id: string;
  /** The job's tag. */
  readonly tag: Json | null;
  /** Distinct outcomes, most frequent first. */
  readonly outcomes: readonly ExploredOutcome[];
  /** Wall-clock time the exploration took, diagrams included (ms). */
  readonly ms: number;
}

/** Progress of a batch of explorations: the job searching, its counts so far and the time it has taken. */
export interface ExploreProgressReply {
  /** The request's id. */
  readonly id: number;
  /** Reply kind. */
  readonly type: "progress";
  /** Which batch kind it reports on. */
  readonly kind: "explore";
  /** Index of the job exploring. */
  readonly job: number;
  /** Number of jobs in the batch. */
  readonly jobs: number;
  /** `search` (exhaustive, within the budget) or `walks` (random walks after it). */
  readonly phase: "search" | "walks";
  /** States the running job has visited. */
  readonly states: number;
  /** Executions it has run to their end. */
  readonly executions: number;
  /** Random walks it has run. */
  readonly walks: number;
  /** Wall-clock time since the batch started (ms). */
  readonly ms: number;
}

/** Reply to an {@link ExploreRequest}; an invalid scenario stops the batch with its errors (`$.path: expected X, found Y`). */
export type ExploreReply =
  | ExploreProgressReply
  | { readonly id: number; readonly type: "explored"; readonly explorations: readonly ExploreData[] }
  | { readonly id: number; readonly type: "error"; readonly job: number; readonly errors: readonly string[] };

/** State budget of a page's exploration: exhaustive for every notebook scenario, a few seconds at most for an edited one. */
export const EXPLORE_MAX_STATES = 20_000;
/** Random walks after a page's exploration ran out of budget. */
export const EXPLORE_WALKS = 100;
/** Outcomes of one exploration that get a race diagram (each is one more run). */
export const MAX_DIAGRAMS = 16;

/** Explore one validated scenario and draw its outcomes' race diagrams. */
function exploreOne(s: NormalizedScenario, job: ExploreJob, onProgress: NonNullable<ExploreOptions["onProgress"]>, clock: () => number): ExploreData {
  const start = clock();
  const report = explore(s, { maxStates: job.maxStates ?? EXPLORE_MAX_STATES, walks: job.walks ?? EXPLORE_WALKS, onProgress });
  const outcomes = report.outcomes.map((o, i) => ({ ...o, diagram: i < MAX_DIAGRAMS ? diagramRows(replaySchedule(s, o.schedule).result.trace) : [] }));
  return { ...report, outcomes, id: scenarioId(s), tag: job.tag ?? null, ms: clock() - start };
}

/**
 * Run a batch of explorations and post its replies: progress at most every
 * 100 ms (during a search and between jobs), then the explorations, or the
 * first invalid job's validation errors.
 */
export function exploreJobs(request: ExploreRequest, post: (reply: ExploreReply) => void, clock: () => number = Date.now): void {
  const { id, jobs } = request;
  const started = clock();
  let last = started;
  const explorations: ExploreData[] = [];
  for (let job = 0; job < jobs.length; job++) {
    const report = (p: { phase: "search" | "walks"; states: number; executions: number; walks: number }) => {
      const t = clock();
      if (t - last < PROGRESS_INTERVAL_MS) return;
      last = t;
      post({ id, type: "progress", kind: "explore", job, jobs: jobs.length, phase: p.phase, states: p.states, executions: p.executions, walks: p.walks, ms: t - started });
    };
    try {
      const s = normalizeScenario(assertScenario(jobs[job]!.scenario));
      const data = exploreOne(s, jobs[job]!, report, clock);
      explorations.push(data);
      report({ phase: data.walks > 0 ? "walks" : "search", states: data.states, executions: data.executions, walks: data.walks });
    } catch (e) {
      post({ id, type: "error", job, errors: jobErrors(e) });
      return;
    }
  }
  post({ id, type: "explored", explorations });
}
