/**
 * Reading scenario files, with an error that says which file, where and what.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { extractCitedScenario, type ScenarioSpec, ScenarioValidationError, validateScenarioText } from "../index.js";
import { CliError, EXIT } from "./exit.js";

function readText(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    throw new CliError(EXIT.unreadable, `${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * Read, parse and validate a scenario file, or the scenario embedded in a
 * citation block (a saved mail). An unreadable file is exit 3, a JSON syntax
 * error exit 4 (with line:column), an invalid scenario exit 5.
 */
export function loadScenario(file: string): ScenarioSpec {
  const text = readText(file);
  const cited = extractCitedScenario(text);
  const where = cited === null ? file : `${file} (cited scenario)`;
  const v = validateScenarioText(cited ?? text);
  if (v.ok) return v.scenario;
  if ("syntax" in v) throw new CliError(EXIT.json, `${where}:${v.syntax.line}:${v.syntax.column}: invalid JSON: ${v.syntax.message}`);
  throw new CliError(EXIT.schema, new ScenarioValidationError(v.errors, where, v.partial).message);
}
