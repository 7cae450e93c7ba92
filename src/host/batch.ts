/**
 * What run and exploration batches share: how often they report progress
 * and how a job's failure reads.
 *
 * @module
 */
import { ScenarioValidationError, formatErrors } from "../scenario/validate.js";

/** Minimum wall-clock interval between two progress replies (ms). */
export const PROGRESS_INTERVAL_MS = 100;

/** A job's failure as the page shows it: the scenario's validation errors (`$.path: expected X, found Y`), or the error's message. */
export function jobErrors(e: unknown): string[] {
  return e instanceof ScenarioValidationError ? formatErrors(e.errors, { partial: e.partial }) : [e instanceof Error ? e.message : String(e)];
}
