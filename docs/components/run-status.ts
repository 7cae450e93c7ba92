// A batch of runs or explorations with its status line: progress after a
// quarter second, a Cancel button while the worker works, the outcome or
// the failure after. On cancel or failure the previous results stand, so
// charts keep the last good batch; a first batch cancelled leaves them
// waiting, with the reason in the status line. While a batch is in flight
// the status line is aria-busy.
import { formatNs, type ExploreData, type ExploreJob, type ExploreProgressReply, type RunData, type RunJob, type RunProgress } from "../faultline/page.js";
import { RunFailed, Runner } from "./runner.js";

/** Milliseconds before a batch shows its progress line. */
const PROGRESS_DELAY_MS = 250;

const count = (n: number) => n.toLocaleString("en-US");

/** What a batch kind needs to report on itself. */
interface BatchKind<J, P, R> {
  /** Start the batch in the runner. */
  start(runner: Runner, jobs: readonly J[], onProgress: (p: P) => void): Promise<readonly R[]>;
  /** The progress line. */
  progress(p: P): string;
  /** The line after the batch finished, `ms` after it started. */
  done(results: readonly R[], ms: number): string;
  /** What a batch in flight does ("running"). */
  verb: string;
  /** What one job is ("run"). */
  noun: string;
}

const RUNS: BatchKind<RunJob, RunProgress, RunData> = {
  start: (runner, jobs, onProgress) => runner.run(jobs, onProgress),
  progress: (p) => `running ${p.jobs > 1 ? `${p.job + 1}/${p.jobs}: ` : ""}${count(p.steps)} steps, ${count(p.work)} ops, t = ${formatNs(p.now)}`,
  done(runs, ms) {
    const first = runs[0]!;
    // A run that sent a view instead of its trace has no kept events to speak of.
    const gap = first.view === null ? first.result.traceGap : null;
    const kept = gap ? `; trace: ${count(first.result.traceEvents)} events, ${count(first.result.trace.length)} of them kept (the first ${count(gap.at)} and the last ${count(first.result.trace.length - gap.at)}; ${count(gap.dropped)} between not kept; npx faultline run keeps more)` : "";
    return `${runs.length > 1 ? `${runs.length} runs` : `${first.result.status}, ${count(first.result.steps)} steps`}, ${ms} ms; hash ${first.hash.slice(0, 12)}${kept}`;
  },
  verb: "running",
  noun: "run",
};

const EXPLORATIONS: BatchKind<ExploreJob, ExploreProgressReply, ExploreData> = {
  start: (runner, jobs, onProgress) => runner.explore(jobs, onProgress),
  progress: (p) => `exploring ${p.jobs > 1 ? `${p.job + 1}/${p.jobs}: ` : ""}${count(p.states)} states, ${count(p.executions)} executions${p.phase === "walks" ? `, state budget used up, random walk ${count(p.walks)}` : ""}, ${(p.ms / 1000).toFixed(1)} s`,
  done(reports, ms) {
    const states = reports.reduce((n, r) => n + r.states, 0);
    const partial = reports.filter((r) => !r.exhaustive).length;
    return `explored${reports.length > 1 ? ` ${reports.length} scenarios` : ""}: ${count(states)} states, ${partial === 0 ? "exhaustive" : `${partial} not exhaustive (state budget used up)`}, ${ms} ms`;
  },
  verb: "exploring",
  noun: "exploration",
};

/** Runs or explores batches in a worker of the page's pool and reports on them in {@link RunStatus.element}. */
export class RunStatus {
  /** The status line and its Cancel button. */
  readonly element: HTMLSpanElement;
  /** The last batch of runs that finished. */
  last: readonly RunData[] | null = null;
  /** The jobs of {@link RunStatus.last}. */
  lastJobs: readonly RunJob[] | null = null;
  /** The last batch of explorations that finished. */
  lastExplored: readonly ExploreData[] | null = null;
  private readonly text: HTMLSpanElement;
  private readonly cancel: HTMLButtonElement;
  private readonly runner = new Runner();
  private generation = 0;

  /** `onErrors` receives the worker's validation errors of a failed batch, and [] after a batch that ran. */
  constructor(private readonly onErrors: (errors: readonly string[]) => void = () => {}) {
    this.text = document.createElement("span");
    this.text.className = "run-status-text";
    this.text.setAttribute("role", "status");
    this.cancel = document.createElement("button");
    this.cancel.type = "button";
    this.cancel.textContent = "Cancel";
    this.cancel.hidden = true;
    this.cancel.onclick = () => this.runner.cancel();
    this.element = document.createElement("span");
    this.element.className = "run-status";
    this.element.append(this.cancel, this.text);
  }

  /** Show a message in the status line. */
  say(message: string): void {
    this.text.textContent = message;
  }

  /** Stop the batch in flight and the worker, for good (a replaced cell calls this on invalidation). */
  dispose(): void {
    this.generation++;
    this.runner.cancel();
  }

  /**
   * Run `jobs`. On cancel or failure: the previous batch's runs, which may
   * differ from `jobs` (pages read each run's tag and scenario, not their
   * inputs); with no previous batch, the failure, or after a cancel a
   * promise that stays pending until the next input (the status line says why).
   */
  run(jobs: readonly RunJob[]): Promise<readonly RunData[]> {
    return this.batch(RUNS, jobs, this.last, (r) => {
      this.last = r;
      this.lastJobs = jobs;
    });
  }

  /**
   * Explore `jobs` (the interleaving explorer, within each job's state
   * budget). On cancel or failure: the previous batch's explorations (read
   * each one's tag); with none, the failure, or after a cancel a promise
   * that stays pending until the next input.
   */
  explore(jobs: readonly ExploreJob[]): Promise<readonly ExploreData[]> {
    return this.batch(EXPLORATIONS, jobs, this.lastExplored, (r) => (this.lastExplored = r));
  }

  private async batch<J, P, R>(kind: BatchKind<J, P, R>, jobs: readonly J[], previous: readonly R[] | null, keep: (results: readonly R[]) => void): Promise<readonly R[]> {
    const started = performance.now();
    const generation = ++this.generation;
    // A newer batch owns the status line and the Cancel button.
    const current = () => generation === this.generation;
    const progress = (p: P) => {
      if (!current() || performance.now() - started < PROGRESS_DELAY_MS) return;
      this.cancel.hidden = false;
      this.say(kind.progress(p));
    };
    const timer = setTimeout(() => {
      if (!current() || !this.runner.busy) return;
      this.cancel.hidden = false;
      this.say(`${kind.verb}${jobs.length > 1 ? ` ${jobs.length} ${kind.noun}s` : ""}…`);
    }, PROGRESS_DELAY_MS);
    this.say("");
    this.element.setAttribute("aria-busy", "true");
    try {
      const results = await kind.start(this.runner, jobs, progress);
      keep(results);
      if (!current()) return results;
      this.onErrors([]);
      this.say(kind.done(results, Math.round(performance.now() - started)));
      // Reading a long reply took this task: the cells drawing the results start in the next one.
      await new Promise((resolve) => setTimeout(resolve, 0));
      return results;
    } catch (e) {
      const failure = e instanceof RunFailed ? e : new RunFailed(String(e));
      if (current()) {
        this.say(`${failure.cancelled ? "cancelled" : failure.message}${previous ? `; the charts show the previous ${kind.noun}` : ""}`);
        this.onErrors(failure.errors);
      }
      if (previous) return previous;
      if (failure.cancelled) {
        // Nothing to chart yet, and nothing wrong: the status line says so, once, and the cells that
        // wait for these results keep waiting. Framework restarts a cell only once its last run has
        // settled, so the wait ends at the next input (a changed input, or Run), two frames later:
        // by then the cells that input feeds have restarted, and the old run's end is ignored.
        if (current()) this.say(`cancelled before the first ${kind.noun} finished: nothing to chart until an input changes or Run is pressed`);
        return new Promise<never>((_, reject) => {
          const release = () => {
            document.removeEventListener("input", release);
            requestAnimationFrame(() => requestAnimationFrame(() => reject(failure)));
          };
          document.addEventListener("input", release);
        });
      }
      // Nothing to chart: the cells that wait for these results say why.
      throw new RunFailed([failure.message, ...failure.errors].join("; "), failure.errors);
    } finally {
      clearTimeout(timer);
      if (current()) {
        this.cancel.hidden = true;
        this.element.removeAttribute("aria-busy");
      }
    }
  }
}
