// Runs batches of scenarios in a Web Worker (src/host/worker.ts), so a
// long or runaway run never blocks the page. Cancel terminates the worker;
// the next batch starts a fresh one.
import type { RunData, RunJob, RunProgress, RunReply } from "../faultline/index.js";

/** Why a batch produced no runs: cancelled, or a scenario the worker rejected. */
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
  readonly resolve: (runs: readonly RunData[]) => void;
  readonly reject: (e: RunFailed) => void;
  readonly onProgress: (p: RunProgress) => void;
}

let nextId = 1;

/** One worker and at most one batch in flight; a new batch cancels the one before. */
export class Runner {
  private worker: Worker | null = null;
  private pending: Pending | null = null;

  /** Run `jobs` in order; resolves with their runs or rejects with {@link RunFailed}. */
  run(jobs: readonly RunJob[], onProgress: (p: RunProgress) => void = () => {}): Promise<readonly RunData[]> {
    this.cancel();
    const worker = (this.worker ??= this.start());
    return new Promise((resolve, reject) => {
      const id = nextId++;
      this.pending = { id, resolve, reject, onProgress };
      worker.postMessage({ id, jobs });
    });
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

  private start(): Worker {
    const worker = new Worker(import.meta.resolve("../faultline/host/worker.js"), { type: "module" });
    worker.onmessage = (event: MessageEvent<RunReply>) => {
      const reply = event.data;
      const p = this.pending;
      if (!p || p.id !== reply.id) return;
      if (reply.type === "progress") return p.onProgress(reply);
      this.pending = null;
      if (reply.type === "done") p.resolve(reply.runs);
      else p.reject(new RunFailed(`scenario ${reply.job + 1} of the batch is not valid`, reply.errors));
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
