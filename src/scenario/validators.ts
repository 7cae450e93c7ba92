/**
 * The three Ajv validators of the scenario schema: every error, the first
 * error (for documents too large to list every error of), and the defaults
 * filler that normalizing runs. Compiled here on first use from
 * {@link jsonSchema}; the shipped command replaces this module with the
 * same validators compiled ahead of time (Ajv standalone code, written by
 * src/bin/build-cli.ts), which spares it the schema compile at start-up;
 * the site's workers hand theirs in with {@link provideValidators}.
 *
 * @module
 */
import AjvModule, { type Options, type ValidateFunction } from "ajv";
import { jsonSchema } from "./schema.js";

// Ajv is CommonJS; NodeNext sees its default export as the namespace.
const Ajv = AjvModule as unknown as typeof AjvModule.default;

/** The Ajv options of each validator, by name: also what the ahead-of-time build compiles. */
export const VALIDATOR_OPTIONS = {
  allErrors: { allErrors: true, discriminator: true, verbose: true, strict: true },
  firstError: { allErrors: false, discriminator: true, verbose: true, strict: true },
  fillDefaults: { discriminator: true, useDefaults: true, strict: false },
} as const satisfies Record<string, Options>;

/** One of {@link VALIDATOR_OPTIONS}' validators. */
export type ValidatorName = keyof typeof VALIDATOR_OPTIONS;

const compiled = new Map<ValidatorName, ValidateFunction>();

/** Use validators compiled ahead of time from {@link jsonSchema} with {@link VALIDATOR_OPTIONS} (Ajv standalone code) instead of compiling these here. */
export function provideValidators(validators: Partial<Record<ValidatorName, ValidateFunction>>): void {
  for (const [name, v] of Object.entries(validators)) compiled.set(name as ValidatorName, v);
}

/** The named validator of the scenario schema, compiled once. `fillDefaults` writes the schema's defaults into the document it checks. */
export function scenarioValidator(name: ValidatorName): ValidateFunction {
  let v = compiled.get(name);
  if (!v) compiled.set(name, (v = new Ajv(VALIDATOR_OPTIONS[name]).compile(jsonSchema())));
  return v;
}
