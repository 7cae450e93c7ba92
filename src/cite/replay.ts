/**
 * A mail citation read back: the scenario block, how the text above it was
 * rendered, and the check that this text is what the replayed run gives.
 *
 * @module
 */
import type { ScenarioSpec } from "../scenario/schema.js";
import { findBlock } from "./block.js";
import { type CitationData, type CitedRun, type CiteOptions, citeText, DEFAULT_EXCERPT } from "./cite.js";
import { isSpace } from "./mail.js";

/** A citation found in a saved mail. */
export interface Citation {
  /** Block format: 1 (JSON, written before format 2) or 2. */
  readonly format: 1 | 2;
  /** Line of the block's BEGIN marker (1-based). */
  readonly line: number;
  /** The cited scenario as the block carries it (to validate). */
  readonly scenario: unknown;
  /** How the text above the block was rendered. */
  readonly options: CiteOptions;
  /** The lines above the block without their quoting; `above[i]` is line i + 1. */
  readonly above: readonly string[];
}

/** The playground URL of a format 1 citation's permalink line (format 2 records it in the block). */
function playgroundOf(above: readonly string[]): string | undefined {
  const at = above.findLastIndex((l) => l.trim() === "Open in the playground:");
  const url = at < 0 ? "" : (above[at + 1] ?? "").trim();
  const hash = url.indexOf("#s=");
  return hash > 0 ? url.slice(0, hash) : undefined;
}

/** The fields of format 2's {@link CitationData} besides the scenario, checked; an error names the field. */
function layoutOf(data: unknown): { ok: true; scenario: unknown; options: CiteOptions } | { ok: false; error: string } {
  const d = (typeof data === "object" && data !== null ? data : {}) as Partial<Record<keyof CitationData, unknown>>;
  if (typeof d.scenario !== "object" || d.scenario === null) return { ok: false, error: "$.scenario: expected the cited scenario (an object)" };
  if (!Number.isSafeInteger(d.excerpt) || (d.excerpt as number) < 0) return { ok: false, error: `$.excerpt: expected a non-negative integer, found ${JSON.stringify(d.excerpt)}` };
  if (d.playground !== undefined && (typeof d.playground !== "string" || !/^https?:\/\//.test(d.playground))) return { ok: false, error: `$.playground: expected an http(s) URL, found ${JSON.stringify(d.playground)}` };
  return { ok: true, scenario: d.scenario, options: { excerpt: d.excerpt as number, ...(d.playground === undefined ? {} : { playground: d.playground as string }) } };
}

/**
 * The citation in a saved mail (quoted, indented, reflowed or not), or why
 * there is none: `found` tells a text without any BEGIN line (maybe a
 * scenario file) from a block that is altered, ambiguous or broken.
 */
export function readCitation(text: string): { ok: true; citation: Citation } | { ok: false; found: boolean; error: string } {
  const search = findBlock(text);
  if (!search.ok) return search;
  const { format, begin, data, above } = search.block;
  if (format === 1) return { ok: true, citation: { format, line: begin, scenario: data, options: { excerpt: DEFAULT_EXCERPT, ...(playgroundOf(above) ? { playground: playgroundOf(above)! } : {}) }, above } };
  const layout = layoutOf(data);
  if (!layout.ok) return { ok: false, found: true, error: `the FAULTLINE SCENARIO block at line ${begin}: ${layout.error}` };
  return { ok: true, citation: { format, line: begin, scenario: layout.scenario, options: layout.options, above } };
}

/**
 * Compare the text above a citation's block with the text `run` (a replay
 * of `spec`, the scenario the block carries) gives. Whitespace is not
 * compared, so quoting, reflow and hard breaks do not matter; anything
 * else does. The comparison runs backwards from the block, so the first
 * difference named is the one nearest to it.
 *
 * @returns null when they agree, else which line differs: its number in
 *   the mail, the line expected and the line found.
 */
export function verifyCitation(citation: Citation, spec: ScenarioSpec, run: CitedRun): string | null {
  const expected = citeText(spec, run, citation.options, spec.expect?.model);
  const found = citation.above;
  // Cursors on the last non-space unit at or before (line, col).
  const back = (lines: readonly string[], line: number, col: number): [number, number] => {
    while (line >= 0) {
      const text = lines[line]!;
      if (col >= text.length) col = text.length - 1;
      while (col >= 0 && isSpace(text[col]!)) col--;
      if (col >= 0) return [line, col];
      line--;
      col = Infinity;
    }
    return [-1, -1];
  };
  let [el, ec] = back(expected, expected.length - 1, Infinity);
  let [fl, fc] = back(found, found.length - 1, Infinity);
  while (el >= 0) {
    const want = JSON.stringify(expected[el]!.trim());
    if (fl < 0) return `expected ${want} above line ${citation.line}, found the start of the text`;
    if (expected[el]![ec] !== found[fl]![fc]) return `line ${fl + 1}: expected ${want}, found ${JSON.stringify(found[fl]!.trim())}`;
    [el, ec] = back(expected, el, ec - 1);
    [fl, fc] = back(found, fl, fc - 1);
  }
  return null;
}
