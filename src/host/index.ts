/**
 * What hosts the model in the site: the Web Worker's protocol (batches of
 * runs and of explorations, scenarios to normalize, permalinks to decode)
 * and the scenario editor's schema navigation. The worker's entry point is
 * the site's (docs/workers/simulator.ts), which calls {@link serve}.
 *
 * @module
 */
export * from "./batch.js";
export * from "./explorations.js";
export * from "./jobs.js";
export * from "./scenarios.js";
export * from "./serve.js";
export * from "./schema-nav.js";
