// The scenario validators docs/tools/validators.ts compiles ahead of time into docs/workers/validators.js.
import type { ValidateFunction } from "ajv";

/** Every error of a scenario (Ajv `allErrors`). */
export const allErrors: ValidateFunction;
/** Writes the schema's defaults into the scenario it checks. */
export const fillDefaults: ValidateFunction;
