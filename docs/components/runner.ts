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
}

let nextId = 1;

/** At most one batch in flight, in a worker of the page's pool; a new batch cancels the one before. */
export class Runner {
  private pending: Pending | null = null;

  /** Run `jobs` in order; resolves with their runs or rejects with {@link RunFailed}. */
  async run(jobs: readonly RunJob[], onProgress: (p: RunProgress) => void = () => {}): Promise<readonly RunData[]> {
    const reply = await this.request((id) => ({ id, jobs }), (p) => onProgress(p as RunProgress));
    return reply.type === "done" ? reply.runs : [];
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
  private request(make: (id: number) => WorkerRequest, onProgress: Pending["onProgress"]): Promise<WorkerReply> {
    this.cancel();
    return new Promise((resolve, reject) => {
      const p: Pending = { id: nextId++, worker: null, resolve, reject, onProgress };
      this.pending = p;
      void acquire().then((worker) => {
        // Cancelled while waiting for a worker: hand it on unused.
        if (this.pending !== p) return release(worker);
        p.worker = worker;
        this.listen(p, worker);
        worker.postMessage(make(p.id));
      });
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
      if (reply.type === "error") p.reject(new RunFailed(reply.errors.every((e) => e.startsWith("$")) ? `scenario ${reply.job + 1} of the batch is not valid` : `scenario ${reply.job + 1} of the batch failed: ${reply.errors.join("; ")}`, reply.errors));
      else p.resolve(reply);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      if (this.pending === p) this.pending = null;
      discard(worker);
      p.reject(new RunFailed(`the simulator worker failed: ${event.message || "could not load"}`));
    };
  }
}

/** `spec` with its defaults filled in (`normalizeScenario`), in a worker of the page's pool; rejects with {@link RunFailed} when it is not valid. */
export async function normalized(spec: ScenarioSpec): Promise<NormalizedScenario> {
  return (await new Runner().normalize([spec]))[0]!;
}

/** A permalink payload decoded and validated (`decodePermalink`) in a worker of the page's pool. */
export function decodedPermalink(payload: string): Promise<{ ok: true; scenario: ScenarioSpec } | { ok: false; error: string }> {
  return new Runner().decodePermalink(payload);
}
