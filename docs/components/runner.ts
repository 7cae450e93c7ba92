// Runs batches of scenarios, or explores them, in a Web Worker
// (src/host/worker.ts), so a long or runaway job never blocks the page.
// Cancel terminates the worker; the next batch starts a fresh one.
import type { ExploreData, ExploreJob, ExploreProgressReply, RunData, RunJob, RunProgress, WorkerReply, WorkerRequest } from "../faultline/index.js";

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
  readonly resolve: (reply: WorkerReply) => void;
  readonly reject: (e: RunFailed) => void;
  readonly onProgress: (p: RunProgress | ExploreProgressReply) => void;
}

let nextId = 1;

/** One worker and at most one batch in flight; a new batch cancels the one before. */
export class Runner {
  private worker: Worker | null = null;
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

  /** Stop the batch in flight, if any (its promise rejects with a cancelled {@link RunFailed}). */
  cancel(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    this.worker?.terminate();
    this.worker = null;
    p.reject(new RunFailed("cancelled", [], true));
  }

  /** Whether a batch is in flight. */
  get busy(): boolean {
    return this.pending !== null;
  }

  /** Post the request `make(id)` and settle with its final reply. */
  private request(make: (id: number) => WorkerRequest, onProgress: Pending["onProgress"]): Promise<WorkerReply> {
    this.cancel();
    const worker = (this.worker ??= this.start());
    return new Promise((resolve, reject) => {
      const id = nextId++;
      this.pending = { id, resolve, reject, onProgress };
      worker.postMessage(make(id));
    });
  }

  private start(): Worker {
    const worker = new Worker(import.meta.resolve("../faultline/host/worker.js"), { type: "module" });
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      const p = this.pending;
      if (!p || p.id !== reply.id) return;
      if (reply.type === "progress") return p.onProgress(reply);
      this.pending = null;
      // Validation errors name a JSON path; anything else is the model's own failure, said as it is.
      if (reply.type === "error") p.reject(new RunFailed(reply.errors.every((e) => e.startsWith("$")) ? `scenario ${reply.job + 1} of the batch is not valid` : `scenario ${reply.job + 1} of the batch failed: ${reply.errors.join("; ")}`, reply.errors));
      else p.resolve(reply);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      const p = this.pending;
      this.pending = null;
      this.worker = null;
      worker.terminate();
      p?.reject(new RunFailed(`the simulator worker failed: ${event.message || "could not load"}`));
    };
    return worker;
  }
}
