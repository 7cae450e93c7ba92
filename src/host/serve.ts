/**
 * The worker's side of the page protocol: every request the page posts,
 * a batch of runs ({@link RunRequest}) or of explorations
 * ({@link ExploreRequest}), scenarios to normalize ({@link NormalizeRequest})
 * or a permalink to decode ({@link PermalinkRequest}), answered on the same
 * scope.
 *
 * @module
 */
import { exploreJobs, type ExploreReply, type ExploreRequest } from "./explorations.js";
import { runJobs, type RunReply, type RunRequest, type RunViews } from "./jobs.js";
import { scenarioRequest, type NormalizeRequest, type PermalinkRequest, type ScenarioReply } from "./scenarios.js";

/** What a page posts to the worker: runs (no `kind`, or `kind: "run"`), explorations, or a question about scenarios. */
export type WorkerRequest = RunRequest | ExploreRequest | NormalizeRequest | PermalinkRequest;

/** What the worker posts back. */
export type WorkerReply = RunReply | ExploreReply | ScenarioReply;

/** The part of a worker's global scope {@link serve} uses. */
export interface MessageScope {
  /** Receives the page's requests. */
  onmessage: ((event: { data: WorkerRequest }) => void) | null;
  /** Sends a reply to the page. */
  postMessage(reply: WorkerReply): void;
}

/** Answer every request posted to `scope` (a dedicated worker's global scope); runs that name a view get it from `views`. */
export function serve(scope: MessageScope, views: RunViews = {}): void {
  const post = (r: WorkerReply) => scope.postMessage(r);
  scope.onmessage = ({ data }) => {
    if (data.kind === "explore") exploreJobs(data, post);
    else if (data.kind === "normalize" || data.kind === "permalink") scenarioRequest(data, post);
    else runJobs(data, post, Date.now, views);
  };
}
