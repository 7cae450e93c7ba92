/**
 * Reading scenario files, with an error that says which file, where and what.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { extractCitedScenario, type ScenarioSpec, ScenarioValidationError, validateScenario } from "../index.js";
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

/** Read, parse and validate a scenario file, or the scenario embedded in a citation block (a saved mail). */
export function loadScenario(file: string): ScenarioSpec {
  const text = readText(file);
  const cited = extractCitedScenario(text);
  const where = cited === null ? file : `${file} (cited scenario)`;
  const data = parseJson(cited ?? text, where);
  const v = validateScenario(data);
  if (!v.ok) throw new CliError(EXIT.schema, new ScenarioValidationError(v.errors, where).message);
  return v.scenario;
}
