/**
 * The public API: the one import surface of the site (`docs/`) and the CLI.
 * Run a scenario, validate and normalize it, check and bisect it, explore
 * its interleavings and draw their race diagrams, cite it, draw its trace;
 * the host side is the Web Worker's protocol and the editor's schema
 * navigation.
 *
 * @module
 */
export type { Json } from "./engine/canonical.js";
export { canonicalJson } from "./scenario/canonical.js";
export { Prng } from "./engine/prng.js";
export type { DeadlockReport, RunResult } from "./engine/simulation.js";
export { TRACE_FORMAT, type TraceEvent } from "./engine/trace.js";
export { MODEL_VERSION, explainHashMismatch } from "./version.js";
export { intervals, laneOf, mergeIntervals, swimlanes, TIMELINE_BINS, type Interval, type IntervalKind, type MergedInterval } from "./trace/timeline.js";
export { DEFAULT_PROFILE, PROFILES, PROFILE_NAMES, profile, profilesSince, structureNote, type Profile } from "./profiles/index.js";
export { jsonSchema, type ScenarioSpec } from "./scenario/schema.js";
export { ScenarioValidationError, assertScenario, decodePermalink, formatError, formatErrors, validateScenario, validateScenarioText, type ScenarioError, type Validation } from "./scenario/validate.js";
export { JsonDepthError, MAX_JSON_DEPTH, MAX_OP_NESTING, MAX_OPS_RUN, MAX_PREDICATE_NESTING } from "./scenario/limits.js";
export type { JsonSyntaxError } from "./scenario/json-text.js";
export { holds } from "./scenario/property.js";
export { normalizeScenario, scenarioId, type NormalizedKvm, type NormalizedLock, type NormalizedMm, type NormalizedOp, type NormalizedScenario, type NormalizedVma } from "./scenario/normalize.js";
export { durationMean } from "./scenario/sample.js";
export { runNormalized, runScenario, withOptions, type RunOptions, type ScenarioRun } from "./scenario/run.js";
export type { FolioState, MmState, PteState, VmaState } from "./mm/snapshot.js";
export { checkScenario, type CheckReport, type Mismatch } from "./scenario/check.js";
export { bisectProfiles, parseBisectOutcome, type BisectChange, type BisectOutcome, type BisectReport, type BisectRow } from "./scenario/bisect.js";
export { encodePermalink } from "./scenario/permalink.js";
export { kvmSummary, type KvmSummary } from "./scenario/kvm.js";
export { postcopySummary, type NormalizedPostcopy, type PostcopySummary } from "./scenario/postcopy.js";
export { citationCff, citeBibtex, citeBlock, citeCsl, citePermalink, type CitationData, type CiteOptions, type CitedRun, type SoftwareMeta } from "./cite/cite.js";
export { readCitation, verifyCitation, type Citation } from "./cite/replay.js";
export { DEFAULT_MAX_STATES, DEFAULT_WALKS, citableSchedule, combineSubtrees, explore, exploreReport, exploreSubtree, newTally, mergeTally, randomWalks, replaySchedule, subtreeBudget, type ExploreOptions, type ExploreProgress, type ExploreReport, type OutcomeReport, type OutcomeTally, type SubtreeResult } from "./explore/explore.js";
export { splitSearch, type SearchSplit, type SearchStats } from "./explore/dpor.js";
export type { Outcome } from "./explore/outcome.js";
export type { ExploreVerdict } from "./explore/verdict.js";
export { DIAGRAM_WIDTH, diagramRows, formatDiagram, type DiagramRow } from "./explore/diagram.js";
export { formatDeadlock, formatInversions, formatNs, formatTrace, wrapText } from "./format.js";
export { MAX_TRACE_EVENTS, RUN_TRACE_EVENTS, type RunData, type RunJob, type RunProgress, type RunReply, type RunRequest, type RunViews } from "./host/jobs.js";
export { EXPLORE_MAX_STATES, EXPLORE_WALKS, MAX_DIAGRAMS, type ExploreData, type ExploreJob, type ExploreProgressReply, type ExploreReply, type ExploreRequest, type ExploredOutcome } from "./host/explorations.js";
export { serve, type MessageScope, type WorkerReply, type WorkerRequest } from "./host/serve.js";
export { provideValidators } from "./scenario/validators.js";
export { SchemaNavigator, parsePath, type PathSegment, type PropertyDoc, type SchemaNode, type ValueDoc } from "./host/schema-nav.js";
