/**
 * What hosts the model in the site: the Web Worker's batch protocol and the
 * scenario editor's schema navigation. The worker's entry point is
 * `worker.ts`, loaded by the page, not exported here.
 *
 * @module
 */
export * from "./jobs.js";
export * from "./schema-nav.js";
