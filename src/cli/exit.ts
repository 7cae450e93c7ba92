/**
 * CLI exit codes, one per kind of failure, so scripts and CI can tell them apart.
 *
 * @module
 */

/** Exit codes of the `faultline` command. */
export const EXIT = {
  /** Success: outcome as expected. */
  ok: 0,
  /** The model disagrees with what was recorded (replay hash, check mismatch). */
  mismatch: 1,
  /** Bad command line. */
  usage: 2,
  /** A file could not be read. */
  unreadable: 3,
  /** A file is not valid JSON. */
  json: 4,
  /** A file is not a valid scenario. */
  schema: 5,
  /** The run deadlocked and the scenario did not expect it. */
  deadlock: 6,
  /** The step budget ran out and the scenario did not expect it. */
  budget: 7,
  /** The model hit a kernel bug (or a bad schedule) the scenario did not expect, or faultline itself failed (an internal error). */
  error: 8,
  /** A saved mail has no citation block, or its block is altered or not the only one. */
  citation: 9,
} as const;

/** An error that ends the CLI with a given exit code and message. */
export class CliError extends Error {
  /** Process exit code. */
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = "CliError";
    this.code = code;
  }
}
