// The scenario schema's validators compiled ahead of time: Ajv's standalone
// code for each of src/scenario/validators.ts's VALIDATOR_OPTIONS, so that
// neither the command nor the site's workers compile the schema at start-up.
import AjvModule from "ajv";
import standaloneModule from "ajv/dist/standalone/index.js";
import { transformSync } from "esbuild";
import { jsonSchema } from "../scenario/schema.js";
import { VALIDATOR_OPTIONS, type ValidatorName } from "../scenario/validators.js";

// Ajv is CommonJS; NodeNext sees its default exports as the namespaces.
const Ajv = AjvModule as unknown as typeof AjvModule.default;
const standaloneCode = standaloneModule as unknown as typeof standaloneModule.default;

/** Every validator's name. */
export const VALIDATOR_NAMES = Object.keys(VALIDATOR_OPTIONS) as ValidatorName[];

/**
 * One validator's standalone code: a minified CommonJS module that
 * `require()`s its runtime helpers from ajv (`cjs`, for the command), or an
 * ES module that imports them, with the validator as its default export
 * (`esm`, for a bundler).
 */
export function validatorSource(name: ValidatorName, format: "cjs" | "esm"): string {
  const ajv = new Ajv({ ...VALIDATOR_OPTIONS[name], code: { source: true, esm: format === "esm" } });
  const code = standaloneCode(ajv, ajv.compile(jsonSchema()));
  return format === "cjs" ? transformSync(code, { format: "cjs", minify: true, platform: "node" }).code : code;
}
