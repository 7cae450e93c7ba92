/**
 * Scenario errors: where (a JSONPath, and a line and column when the error is
 * in the JSON text itself), what the format expects there and what the
 * scenario has; and their rendering, bounded so that a scenario with a
 * million errors prints twenty.
 *
 * @module
 */

/** One problem in a scenario. */
export interface ScenarioError {
  /** JSONPath of the offending value (`$.tasks[0].ops[2].lock`, `$.tasks[0]["a b"]`). */
  readonly path: string;
  /** What the format expects there. */
  readonly expected: string;
  /** What the scenario has there (`nothing` when absent). */
  readonly found: string;
  /** 1-based line and column in the JSON text, for errors only the text shows (a duplicate key, a number out of range). */
  readonly at?: { readonly line: number; readonly column: number };
}

/** How many errors {@link formatErrors} prints before `... and K more`. */
export const MAX_SHOWN_ERRORS = 20;

/** `$.a[0].b: expected X, found Y`, with ` (line:column)` after the path when known. */
export function formatError(e: ScenarioError): string {
  return `${e.path}${e.at ? ` (${e.at.line}:${e.at.column})` : ""}: expected ${e.expected}, found ${e.found}`;
}

/**
 * The first `max` errors formatted, then `... and K more`; `partial` says
 * that checking stopped early, so there may be errors not listed.
 */
export function formatErrors(errors: readonly ScenarioError[], options: { partial?: boolean; max?: number } = {}): string[] {
  const max = options.max ?? MAX_SHOWN_ERRORS;
  const lines = errors.slice(0, max).map(formatError);
  const stopped = "checking stopped at the first errors of a large document";
  if (errors.length > max) lines.push(`... and ${errors.length - max} more${options.partial ? ` (${stopped}: there may be others)` : ""}`);
  else if (options.partial) lines.push(`... ${stopped}: there may be others`);
  return lines;
}

/** Characters a terminal shows as nothing or as a plain space: controls, format characters (a BOM, zero-width spaces) and separators. */
const INVISIBLE = /(?! )[\p{Cc}\p{Cf}\p{Z}]/gu;

/**
 * The path of member `key` (a property name or an array index) of the value
 * at `path`: `.name`, `[3]`, or `["a b"]` for a key that is not an
 * identifier, its invisible characters escaped (`["\ufeffshared"]`, not a
 * key that reads as `shared`).
 */
export function memberPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return `${path}.${key}`;
  return `${path}[${JSON.stringify(key).replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}]`;
}

/** A short, readable rendering of a found value. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return `${value} (number out of range)`;
  const text = JSON.stringify(value);
  const kind = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return kind === "object" || kind === "array" ? `${kind} ${shown}` : `${shown} (${kind})`;
}
