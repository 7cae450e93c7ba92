/**
 * What the site's scenario editor loads when a reader first opens one: the
 * scenario schema, its navigator (completion and hover documentation) and
 * the validator the CLI uses (lint diagnostics). Everything here is also
 * exported by `src/index.ts`.
 *
 * @module
 */
export { jsonSchema, type ScenarioSpec } from "./scenario/schema.js";
export { formatErrors, validateScenarioText } from "./scenario/validate.js";
export { SchemaNavigator, parsePath, type PathSegment, type SchemaNode } from "./host/schema-nav.js";
