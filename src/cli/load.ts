/**
 * Reading scenario files, with an error that says which file, where and what.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { type Citation, readCitation, type ScenarioSpec, ScenarioValidationError, validateScenario } from "../index.js";
import { CliError, EXIT } from "./exit.js";

/** Line and column (1-based) of a character offset. */
function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return `${line}:${offset - before.lastIndexOf("\n")}`;
}

function readText(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    throw new CliError(EXIT.unreadable, `${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    throw new CliError(EXIT.json, `${where}${pos ? `:${lineCol(text, Number(pos[1]))}` : ""}: invalid JSON: ${msg}`);
  }
}

/** Read and parse a JSON file; unreadable files and syntax errors become {@link CliError}s. */
export function readJson(file: string): unknown {
  return parseJson(readText(file), file);
}

function validated(data: unknown, where: string): ScenarioSpec {
  const v = validateScenario(data);
  if (!v.ok) throw new CliError(EXIT.schema, new ScenarioValidationError(v.errors, where).message);
  return v.scenario;
}

/** Whether a text is meant as JSON: its first character past whitespace (and a BOM) is `{`. */
function looksLikeJson(text: string): boolean {
  let i = 0;
  while (i < text.length && (text[i]!.trim() === "" || text[i] === "\ufeff")) i++;
  return text[i] === "{";
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
 * text starting with `{` as a scenario file; anything else has no block.
 */
export function loadCited(file: string): Loaded {
  const text = readText(file);
  const read = readCitation(text);
  if (read.ok) return { spec: validated(read.citation.scenario, `${file} (block at line ${read.citation.line})`), citation: read.citation };
  if (read.found || !looksLikeJson(text)) throw new CliError(EXIT.citation, `${file}: ${read.error}${read.found ? "" : ", and the file is not a JSON scenario (it does not start with {)"}`);
  return { spec: validated(parseJson(text, file), file), citation: null };
}

/** Read, parse and validate a scenario file, or the scenario embedded in a citation block (a saved mail). */
export function loadScenario(file: string): ScenarioSpec {
  return loadCited(file).spec;
}
