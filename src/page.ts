/**
 * What a notebook page loads on its main thread: profiles, the canonical
 * and compact forms, citations, trace views and formatting, and the types
 * of the worker protocol. Neither the simulator nor the schema validator is
 * reachable from here (test/dependencies.test.ts bundles this module and
 * checks); scenarios are run, normalized and validated in the page's Web
 * Workers (docs/workers/simulator.ts), and the scenario editor loads
 * `src/editing.ts` when it is first opened. Everything here is also
 * exported by `src/index.ts`.
 *
 * @module
 */
export type { Json } from "./engine/canonical.js";
export { canonicalJson } from "./scenario/canonical.js";
export { Prng } from "./engine/prng.js";
export type { TraceEvent } from "./engine/trace.js";
export { intervals, laneOf, mergeIntervals, swimlanes, TIMELINE_BINS, type Interval, type IntervalKind, type MergedInterval } from "./trace/timeline.js";
export { DEFAULT_PROFILE, PROFILES, PROFILE_NAMES, profilesSince, type Profile } from "./profiles/index.js";
export type { ScenarioSpec } from "./scenario/schema.js";
export type { NormalizedScenario } from "./scenario/normalize.js";
export { durationMean } from "./scenario/sample.js";
export { encodePermalink } from "./scenario/permalink.js";
export type { KvmSummary } from "./scenario/kvm.js";
export type { PostcopySummary } from "./scenario/postcopy.js";
export { citeBibtex, citeBlock, citeCsl, citePermalink } from "./cite/cite.js";
export { formatDiagram, type DiagramRow } from "./explore/diagram.js";
export { formatInversions, formatNs, wrapText } from "./format.js";
export type { RunData, RunJob, RunProgress } from "./host/jobs.js";
export type { ExploreData, ExploreJob, ExploreProgressReply } from "./host/explorations.js";
export type { WorkerReply, WorkerRequest } from "./host/serve.js";
