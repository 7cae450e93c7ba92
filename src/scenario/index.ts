/**
 * The scenario format: schema, validation, normalization, ids, running,
 * properties and checks.
 *
 * @module
 */
export * from "./canonical.js";
export * from "./check.js";
export * from "./normalize.js";
export * from "./permalink.js";
export * from "./ops.js";
export * from "./property.js";
export * from "./tally.js";
export * from "./kvm.js";
export * from "./postcopy.js";
export * from "./mm.js";
export * from "./run.js";
export * from "./sample.js";
export * from "./schema.js";
export * from "./validate.js";
export * from "./limits.js";
export * from "./bisect.js";
