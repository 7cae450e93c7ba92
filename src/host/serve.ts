/**
 * The worker's side of the page protocol: every request the page posts,
 * a batch of runs ({@link RunRequest}) or of explorations
 * ({@link ExploreRequest}), answered on the same scope.
 *
 * @module
 */
import { exploreJobs, type ExploreReply, type ExploreRequest } from "./explorations.js";
import { runJobs, type RunReply, type RunRequest } from "./jobs.js";

/** What a page posts to the worker: runs (no `kind`, or `kind: "run"`) or explorations. */
export type WorkerRequest = RunRequest | ExploreRequest;

/** What the worker posts back. */
export type WorkerReply = RunReply | ExploreReply;

/** The part of a worker's global scope {@link serve} uses. */
export interface MessageScope {
  /** Receives the page's requests. */
  onmessage: ((event: { data: WorkerRequest }) => void) | null;
  /** Sends a reply to the page. */
  postMessage(reply: WorkerReply): void;
}

/** Answer every request posted to `scope` (a dedicated worker's global scope). */
export function serve(scope: MessageScope): void {
  scope.onmessage = ({ data }) => (data.kind === "explore" ? exploreJobs(data, (r) => scope.postMessage(r)) : runJobs(data, (r) => scope.postMessage(r)));
}
