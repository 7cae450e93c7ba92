/**
 * What hosts the model in the site: the Web Worker's protocol (batches of runs and of explorations) and the
 * scenario editor's schema navigation. The worker's entry point is
 * `worker.ts`, loaded by the page, not exported here.
 *
 * @module
 */
export * from "./batch.js";
export * from "./explorations.js";
export * from "./jobs.js";
export * from "./serve.js";
export * from "./schema-nav.js";
