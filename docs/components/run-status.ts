// A batch of runs with its status line: progress after a quarter second, a
// Cancel button while the worker runs, the outcome or the failure after. On
// cancel or failure the previous runs stand, so charts keep the last good run.
import { formatNs, type RunData, type RunJob, type RunProgress } from "../faultline/index.js";
import { RunFailed, Runner } from "./runner.js";

/** Milliseconds before a run shows its progress line. */
const PROGRESS_DELAY_MS = 250;

/** Runs batches in its own worker and reports on them in {@link RunStatus.element}. */
export class RunStatus {
  /** The status line and its Cancel button. */
  readonly element: HTMLSpanElement;
  /** The last batch that finished. */
  last: readonly RunData[] | null = null;
  /** The jobs of {@link RunStatus.last}. */
  lastJobs: readonly RunJob[] | null = null;
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
   * inputs), or the failure when there is no previous batch.
   */
  async run(jobs: readonly RunJob[]): Promise<readonly RunData[]> {
    const started = performance.now();
    const generation = ++this.generation;
    // A newer batch owns the status line and the Cancel button.
    const current = () => generation === this.generation;
    const progress = (p: RunProgress) => {
      if (!current() || performance.now() - started < PROGRESS_DELAY_MS) return;
      this.cancel.hidden = false;
      this.say(`running ${p.jobs > 1 ? `${p.job + 1}/${p.jobs}: ` : ""}${p.steps.toLocaleString("en-US")} steps, ${p.work.toLocaleString("en-US")} ops, t = ${formatNs(p.now)}`);
    };
    const timer = setTimeout(() => {
      if (!current() || !this.runner.busy) return;
      this.cancel.hidden = false;
      this.say(jobs.length > 1 ? `running ${jobs.length} runs…` : "running…");
    }, PROGRESS_DELAY_MS);
    this.say("");
    try {
      const runs = await this.runner.run(jobs, progress);
      this.last = runs;
      this.lastJobs = jobs;
      if (!current()) return runs;
      this.onErrors([]);
      const first = runs[0]!;
      const ms = Math.round(performance.now() - started);
      const gap = first.result.traceGap;
      const kept = gap ? `; trace: ${first.result.traceEvents.toLocaleString("en-US")} events, the first and last ${first.result.trace.length.toLocaleString("en-US")} shown (${gap.dropped.toLocaleString("en-US")} not kept; npx faultline run keeps more)` : "";
      this.say(`${runs.length > 1 ? `${runs.length} runs` : `${first.result.status}, ${first.result.steps.toLocaleString("en-US")} steps`}, ${ms} ms; hash ${first.hash.slice(0, 12)}${kept}`);
      return runs;
    } catch (e) {
      const failure = e instanceof RunFailed ? e : new RunFailed(String(e));
      if (current()) {
        this.say(`${failure.cancelled ? "cancelled" : failure.message}${this.last ? "; the charts show the previous run" : ""}`);
        this.onErrors(failure.errors);
      }
      if (this.last) return this.last;
      // Nothing to chart yet: the cells that wait for these runs say why.
      throw new RunFailed(
        failure.cancelled ? "cancelled before a first run finished: nothing to chart yet; edit the scenario and press Run" : [failure.message, ...failure.errors].join("; "),
        failure.errors,
        failure.cancelled,
      );
    } finally {
      clearTimeout(timer);
      if (current()) this.cancel.hidden = true;
    }
  }
}
