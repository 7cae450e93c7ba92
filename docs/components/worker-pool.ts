// The page's simulator workers (docs/workers/simulator.ts, started as the
// module docs/tools/worker.ts writes), shared by every cell:
// started on first use, at most one per core (2 to 4), each kept warm (its
// modules loaded) for the next batch. A batch that is
// cancelled has its worker terminated, since a run cannot be interrupted
// otherwise; the next request starts a fresh one.

/** How many workers a page runs at once: the cores the browser reports, between 2 and 4. */
export const POOL_SIZE = Math.max(2, Math.min(4, navigator.hardwareConcurrency || 2));

const idle: Worker[] = [];
const waiting: ((worker: Worker) => void)[] = [];
let live = 0;

function start(): Worker {
  const worker = new Worker(import.meta.resolve("../workers/worker.js"), { type: "module" });
  live++;
  // An idle worker that fails (its modules did not load) leaves the pool; a held one's holder discards it.
  worker.addEventListener("error", () => {
    const i = idle.indexOf(worker);
    if (i < 0) return;
    idle.splice(i, 1);
    worker.terminate();
    live--;
  });
  return worker;
}

/** A worker for one request: an idle one, a new one while fewer than {@link POOL_SIZE} live, else the first to be released; rejects when a worker cannot be started. */
export function acquire(): Promise<Worker> {
  try {
    const worker = idle.pop() ?? (live < POOL_SIZE ? start() : null);
    return worker ? Promise.resolve(worker) : new Promise((resolve) => waiting.push(resolve));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Give back a worker whose request is answered; its handlers are the next holder's to set. */
export function release(worker: Worker): void {
  worker.onmessage = worker.onerror = null;
  const next = waiting.shift();
  if (next) next(worker);
  else idle.push(worker);
}

/** Terminate a worker (cancelled, or failed); a request waiting for one gets a fresh worker. */
export function discard(worker: Worker): void {
  worker.onmessage = worker.onerror = null;
  worker.terminate();
  live--;
  const next = waiting.shift();
  if (next) next(start());
}
