/**
 * Requests about scenarios themselves rather than their runs, answered in
 * the site's Web Worker so that a page never compiles the schema on its
 * main thread: normalize scenarios (the defaults a notebook's inputs start
 * from), and decode and validate a permalink.
 *
 * @module
 */
import { normalizeScenario, type NormalizedScenario } from "../scenario/normalize.js";
import type { ScenarioSpec } from "../scenario/schema.js";
import { assertScenario, decodePermalink } from "../scenario/validate.js";
import { jobErrors } from "./batch.js";

/** Normalize `scenarios` (parsed JSON, validated here), answered by one `normalized` or `error` reply with the same id. */
export interface NormalizeRequest {
  /** Chosen by the caller; echoed in the reply. */
  readonly id: number;
  /** Request kind. */
  readonly kind: "normalize";
  /** The scenarios, in order. */
  readonly scenarios: readonly unknown[];
}

/** Decode and validate a permalink payload (what follows `#s=`), answered by one `permalink` reply. */
export interface PermalinkRequest {
  /** Chosen by the caller; echoed in the reply. */
  readonly id: number;
  /** Request kind. */
  readonly kind: "permalink";
  /** The payload, whitespace already dropped. */
  readonly payload: string;
}

/** Reply to a {@link NormalizeRequest} or a {@link PermalinkRequest}. */
export type ScenarioReply =
  | { readonly id: number; readonly type: "normalized"; readonly scenarios: readonly NormalizedScenario[] }
  | { readonly id: number; readonly type: "permalink"; readonly result: { ok: true; scenario: ScenarioSpec } | { ok: false; error: string } }
  | { readonly id: number; readonly type: "error"; readonly job: number; readonly errors: readonly string[] };

/** Answer `request`: the normalized scenarios, or the first invalid one's errors (`$.path: expected X, found Y`); or the decoded permalink. */
export function scenarioRequest(request: NormalizeRequest | PermalinkRequest, post: (reply: ScenarioReply) => void): void {
  const { id } = request;
  if (request.kind === "permalink") return post({ id, type: "permalink", result: decodePermalink(request.payload) });
  const scenarios: NormalizedScenario[] = [];
  for (let job = 0; job < request.scenarios.length; job++) {
    try {
      scenarios.push(normalizeScenario(assertScenario(request.scenarios[job])));
    } catch (e) {
      return post({ id, type: "error", job, errors: jobErrors(e) });
    }
  }
  post({ id, type: "normalized", scenarios });
}
