// Runs batches of scenarios, or explores them, in one of the page's Web
// Workers (worker-pool.ts), so a long or runaway job never blocks the page;
// also normalizes scenarios and decodes permalinks there. Cancel
// terminates the batch's worker.
import type { ExploreData, ExploreJob, ExploreProgressReply, NormalizedScenario, RunData, RunJob, RunProgress, ScenarioSpec, WorkerReply, WorkerRequest } from "../faultline/page.js";
import { acquire, discard, release } from "./worker-pool.js";

/** Why a batch produced no results: cancelled, or a scenario the worker rejected. */
export class RunFailed extends Error {
  /**
   * @param message what happened
   * @param errors the worker's validation errors (`$.path: expected X, found Y`)
   * @param cancelled whether the batch was cancelled rather than rejected
   */
  constructor(
    message: string,
    readonly errors: readonly string[] = [],
    readonly cancelled = false,
  ) {
    super(message);
  }
}

interface Pending {
  readonly id: number;
  /** The pool's worker, once one is free. */
  worker: Worker | null;
  readonly resolve: (reply: WorkerReply) => void;
  readonly reject: (e: RunFailed) => void;
  readonly onProgress: (p: RunProgress | ExploreProgressReply) => void;
  /** The caller's index of the batch's job `i` (runs already cached are not sent). */
  readonly jobOf: (i: number) => number;
}

let nextId = 1;

/** Trace events the page's cached runs may hold in all, some tens of MB (a run keeps at most 50,000); a run counts at least one. */
const CACHE_EVENTS = 200_000;
/** Runs the page's cache holds at most. */
const CACHE_RUNS = 1_000;
/** Runs the page already has, by job (its scenario, trace flag and view), oldest use first: an input set back to an earlier value redraws from these at once. */
const cache = new Map<string, RunData>();
let cachedEvents = 0;

/** A job's cache key (its JSON text: jobs the page builds twice alike have the same), or null for one JSON cannot represent (the worker says why). */
function jobKey(job: RunJob): string | null {
  try {
    return JSON.stringify([job.scenario, job.trace ?? true, job.view ?? null]) ?? null;
  } catch {
    return null;
  }
}

/** The cached run of `key`, marked as just used. */
function cached(key: string | null): RunData | undefined {
  const run = key === null ? undefined : cache.get(key);
  if (run) {
    cache.delete(key!);
    cache.set(key!, run);
  }
  return run;
}

/** Trace events a cached run counts for. */
const weight = (run: RunData) => Math.max(1, run.result.trace.length);

/** Keep `run` under `key`; not a run whose trace was cut, since how much of it a batch keeps depends on the runs before it in the batch. */
function remember(key: string | null, run: RunData): void {
  if (key === null || cache.has(key) || run.truncated) return;
  cache.set(key, run);
  cachedEvents += weight(run);
  for (const [k, old] of cache) {
    if (cachedEvents <= CACHE_EVENTS && cache.size <= CACHE_RUNS) break;
    cache.delete(k);
    cachedEvents -= weight(old);
  }
}

/** At most one batch in flight, in a worker of the page's pool; a new batch cancels the one before. */
export class Runner {
  private pending: Pending | null = null;

  /** Run `jobs` in order (those the page has run before come from its cache, with the new tags); resolves with their runs or rejects with {@link RunFailed}. */
  async run(jobs: readonly RunJob[], onProgress: (p: RunProgress) => void = () => {}): Promise<readonly RunData[]> {
    const keys = jobs.map(jobKey);
    const have = keys.map(cached);
    const missing = jobs.flatMap((_, i) => (have[i] ? [] : [i]));
    if (missing.length === 0) this.cancel();
    else {
      const reply = await this.request((id) => ({ id, jobs: missing.map((i) => jobs[i]!) }), (p) => onProgress({ ...(p as RunProgress), job: missing[(p as RunProgress).job]!, jobs: jobs.length }), (i) => missing[i]!);
      if (reply.type !== "done") return [];
      reply.runs.forEach((run, i) => {
        const job = missing[i]!;
        remember(keys[job]!, run);
        have[job] = run;
      });
    }
    return have.map((run, i) => ({ ...run!, tag: jobs[i]!.tag ?? null }));
  }

  /** Explore `jobs` in order (the interleaving explorer); resolves with their reports or rejects with {@link RunFailed}. */
  async explore(jobs: readonly ExploreJob[], onProgress: (p: ExploreProgressReply) => void = () => {}): Promise<readonly ExploreData[]> {
    const reply = await this.request((id) => ({ id, kind: "explore", jobs }), (p) => onProgress(p as ExploreProgressReply));
    return reply.type === "explored" ? reply.explorations : [];
  }

  /** Normalize `scenarios` (each validated first); rejects with {@link RunFailed} naming the first invalid one. */
  async normalize(scenarios: readonly ScenarioSpec[]): Promise<readonly NormalizedScenario[]> {
    const reply = await this.request((id) => ({ id, kind: "normalize", scenarios }), () => {});
    return reply.type === "normalized" ? reply.scenarios : [];
  }

  /** Decode and validate a permalink payload; every failure is a message. */
  async decodePermalink(payload: string): Promise<{ ok: true; scenario: ScenarioSpec } | { ok: false; error: string }> {
    const reply = await this.request((id) => ({ id, kind: "permalink", payload }), () => {});
    return reply.type === "permalink" ? reply.result : { ok: false, error: "the permalink was not decoded" };
  }

  /** Stop the batch in flight, if any (its promise rejects with a cancelled {@link RunFailed}). */
  cancel(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    if (p.worker) discard(p.worker);
    p.reject(new RunFailed("cancelled", [], true));
  }

  /** Whether a batch is in flight. */
  get busy(): boolean {
    return this.pending !== null;
  }

  /** Post the request `make(id)` to a worker of the pool and settle with its final reply. */
  private request(make: (id: number) => WorkerRequest, onProgress: Pending["onProgress"], jobOf: Pending["jobOf"] = (i) => i): Promise<WorkerReply> {
    this.cancel();
    return new Promise((resolve, reject) => {
      const p: Pending = { id: nextId++, worker: null, resolve, reject, onProgress, jobOf };
      this.pending = p;
      const fail = (e: unknown) => {
        if (this.pending === p) this.pending = null;
        p.reject(new RunFailed(`the batch did not reach the simulator worker: ${e instanceof Error ? e.message : String(e)}`));
      };
      acquire().then((worker) => {
        // Cancelled while waiting for a worker: hand it on unused.
        if (this.pending !== p) return release(worker);
        p.worker = worker;
        this.listen(p, worker);
        try {
          worker.postMessage(make(p.id));
        } catch (e) {
          // Jobs that cannot be copied to a worker (a function in a scenario): the worker stays good.
          release(worker);
          fail(e);
        }
      }, fail);
    });
  }

  private listen(p: Pending, worker: Worker): void {
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if (this.pending !== p || p.id !== reply.id) return;
      if (reply.type === "progress") return p.onProgress(reply);
      this.pending = null;
      release(worker);
      // Validation errors name a JSON path; anything else is the model's own failure, said as it is.
      if (reply.type === "error") p.reject(new RunFailed(reply.errors.every((e) => e.startsWith("$")) ? `scenario ${p.jobOf(reply.job) + 1} of the batch is not valid` : `scenario ${p.jobOf(reply.job) + 1} of the batch failed: ${reply.errors.join("; ")}`, reply.errors));
      else p.resolve(reply);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      // After a cancel, the worker is already discarded.
      if (this.pending !== p) return;
      this.pending = null;
      discard(worker);
      p.reject(new RunFailed(`the simulator worker failed: ${event.message || "could not load"}`));
    };
  }
}

/** `spec` with its defaults filled in (`normalizeScenario`), in a worker of the page's pool; rejects with {@link RunFailed} when it is not valid. */
export async function normalized(spec: ScenarioSpec): Promise<NormalizedScenario> {
  return (await new Runner().normalize([spec]))[0]!;
}

/** A permalink payload decoded and validated (`decodePermalink`) in a worker of the page's pool; every failure, the worker's own included, is a message. */
export function decodedPermalink(payload: string): Promise<{ ok: true; scenario: ScenarioSpec } | { ok: false; error: string }> {
  return new Runner().decodePermalink(payload).catch((e: Error) => ({ ok: false, error: e.message }));
}
