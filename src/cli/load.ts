/**
 * Reading scenario files, with an error that says which file, where and what.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { type Citation, readCitation, type ScenarioSpec, ScenarioValidationError, validateScenario, validateScenarioText } from "../index.js";
import { CliError, EXIT } from "./exit.js";

function readText(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    throw new CliError(EXIT.unreadable, `${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Whether a text is meant as JSON: its first character past whitespace (and a BOM) is `{`, or it has none (an empty file is a JSON error). */
function looksLikeJson(text: string): boolean {
  let i = 0;
  while (i < text.length && (text[i]!.trim() === "" || text[i] === "\ufeff")) i++;
  return i === text.length || text[i] === "{";
}

/** A scenario file, or a citation in a saved mail with the scenario its block carries. */
export interface Loaded {
  /** The scenario, validated. */
  readonly spec: ScenarioSpec;
  /** The citation it came from, or null for a scenario file. */
  readonly citation: Citation | null;
}

/**
 * Read a scenario file or a saved mail with a citation. A text with a
 * FAULTLINE SCENARIO block is read as a citation (a missing, altered or
 * ambiguous block is an {@link EXIT.citation} error naming its lines); a
 * text starting with `{` as a scenario file: an unreadable file is exit 3,
 * a JSON syntax error exit 4 (with line:column), an invalid scenario exit 5.
 */
export function loadCited(file: string): Loaded {
  return readCited(readText(file), file);
}

/**
 * {@link loadCited} on the text of `file`, already read: a {@link CliError}
 * with exit 4, 5 or 9 when it holds no valid scenario, `file` naming it in
 * the message.
 */
export function readCited(text: string, file: string): Loaded {
  const read = readCitation(text);
  if (read.ok) {
    const where = `${file} (block at line ${read.citation.line})`;
    const v = validateScenario(read.citation.scenario);
    if (!v.ok) throw new CliError(EXIT.schema, new ScenarioValidationError(v.errors, where, v.partial).message);
    return { spec: v.scenario, citation: read.citation };
  }
  if (read.found || !looksLikeJson(text)) throw new CliError(EXIT.citation, `${file}: ${read.error}${read.found ? "" : ", and the file is not a JSON scenario (it does not start with {)"}`);
  const v = validateScenarioText(text);
  if (v.ok) return { spec: v.scenario, citation: null };
  if ("syntax" in v) throw new CliError(EXIT.json, `${file}:${v.syntax.line}:${v.syntax.column}: invalid JSON: ${v.syntax.message}`);
  throw new CliError(EXIT.schema, new ScenarioValidationError(v.errors, file, v.partial).message);
}

/** Read, parse and validate a scenario file, or the scenario embedded in a citation block (a saved mail). */
export function loadScenario(file: string): ScenarioSpec {
  return loadCited(file).spec;
}
