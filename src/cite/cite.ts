/**
 * Citation blocks for mail: a plain-text block of at most 72 columns with
 * the claim, the outcome, a trace excerpt and the trace hash, followed by
 * the scenario itself in a block a mailer cannot alter unnoticed (see
 * {@link encodeBlock}), so the message alone is enough to reproduce the run
 * with `faultline replay`, which also checks that the text above the block
 * is what the replayed run gives.
 *
 * @module
 */
import type { Json } from "../engine/canonical.js";
import { TRACE_FORMAT } from "../engine/trace.js";
import { MODEL_VERSION } from "../version.js";
import { structureNote } from "../profiles/index.js";
import { formatNs, wrapText as wrap } from "../format.js";
import { encodePermalink } from "../scenario/permalink.js";
import type { ScenarioRun } from "../scenario/run.js";
import type { ScenarioSpec } from "../scenario/schema.js";
import { encodeBlock } from "./block.js";
import { diagramRows, formatDiagram } from "../explore/diagram.js";

/** Line width of a citation block (a mail body). */
export const CITE_WIDTH = 72;
/** Trace events worth quoting in a mail: contention, IO, fault results, calls, exits, bugs. */
const KEY_EVENTS = new Set(["lock_contended", "lock_acquired", "io_submit", "mm_fault_done", "call", "uffd_fault", "kvm_async_pf_ready", "kernel_bug", "task_exit"]);

/** The first `max` key events of a run's kept trace, and what is left out. */
function excerpt(r: CitedRun["result"], max: number): string[] {
  const key = r.trace.filter((e) => KEY_EVENTS.has(e.ev));
  const shown = key.slice(0, max).map((e) => {
    const args = e.args ? Object.entries(e.args).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ") : "";
    const ret = e.ret === undefined ? "" : ` -> ${typeof e.ret === "string" ? e.ret : JSON.stringify(e.ret)}`;
    const line = `  ${String(e.t).padStart(9)} ${e.task} ${e.ev}${e.fn ? ` ${e.fn}` : ""}${ret} ${args}`.trimEnd();
    return line.length > CITE_WIDTH ? `${line.slice(0, CITE_WIDTH - 3)}...` : line;
  });
  if (r.traceGap) shown.push(`  ... (${r.traceEvents} trace events in all)`);
  else if (key.length > max) shown.push(`  ... ${key.length - max} more (faultline run shows all)`);
  return shown;
}

/** What a citation needs of a run: a {@link ScenarioRun} or the worker's copy of one. */
export type CitedRun = Pick<ScenarioRun, "scenario" | "result" | "hash">;

/** Options of the citation formats. */
export interface CiteOptions {
  /** Trace lines to quote in the mail block (default {@link DEFAULT_EXCERPT}). */
  excerpt?: number;
  /** The playground page's URL; with it, the citation carries a permalink (`<url>#s=<scenario>`). */
  playground?: string;
}

/** Trace lines a mail block quotes unless told otherwise. */
export const DEFAULT_EXCERPT = 12;

/** What the scenario block of a mail citation carries: the cited scenario and how the text above it was rendered. */
export interface CitationData {
  /** The cited scenario (see {@link citedScenario}). */
  readonly scenario: ScenarioSpec;
  /** Trace lines quoted. */
  readonly excerpt: number;
  /** The playground URL of the permalink line, if there is one. */
  readonly playground?: string;
}

/**
 * The scenario as cited: `spec` with the run's seed and profile, and its
 * status and trace hash recorded in `expect`, with the model version `model`
 * (default: this one; none for citations made before model versions).
 */
export function citedScenario(spec: ScenarioSpec, run: CitedRun, model: number | undefined = MODEL_VERSION): ScenarioSpec {
  const expect = { status: run.result.status, hash: run.hash, ...(model === undefined ? {} : { model }) };
  const cited: ScenarioSpec = { ...spec, seed: run.scenario.seed, profile: run.scenario.profile as ScenarioSpec["profile"], expect };
  delete cited.$schema;
  return cited;
}

/**
 * A permalink cut into lines of {@link CITE_WIDTH} columns for a mail body,
 * whose lines may not pass 998 characters. Pasted whole into an address bar
 * the lines join again (the playground also drops any whitespace left
 * between them), and replay compares a citation's text without whitespace,
 * so a mail that joined them again still replays.
 */
function permalinkLines(permalink: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i < permalink.length; i += CITE_WIDTH) lines.push(permalink.slice(i, i + CITE_WIDTH));
  return lines;
}

/** The permalink of the cited scenario, or null without a playground URL. */
export function citePermalink(spec: ScenarioSpec, run: CitedRun, playground: string | undefined, model: number | undefined = MODEL_VERSION): string | null {
  return playground ? `${playground}#s=${encodePermalink(citedScenario(spec, run, model))}` : null;
}

/**
 * The text of a mail citation above its scenario block: title, claim,
 * source, profile, outcome, trace excerpt, the race diagram of a schedule
 * the explorer found (`interleave: "any"` with a schedule), hash (naming model version
 * `model`), permalink. Replay renders it again from the replayed run and
 * compares.
 */
export function citeText(spec: ScenarioSpec, run: CitedRun, options: CiteOptions, model: number | undefined): string[] {
  const s = run.scenario;
  const r = run.result;
  const permalink = citePermalink(spec, run, options.playground, model);
  const source = [s.source.thread ? `thread ${s.source.thread}` : "", s.source.commits?.length ? `commits ${s.source.commits.join(" ")}` : ""].filter(Boolean).join("; ");
  return [
    ...wrap(`faultline: ${s.title}`, CITE_WIDTH, "  "),
    ...(s.claim ? ["", ...wrap(s.claim, CITE_WIDTH)] : []),
    "",
    ...(source ? wrap(`Source: ${source}`, CITE_WIDTH, "  ") : []),
    `Profile ${s.profile}, seed ${s.seed}, policy ${s.schedule ? "explicit" : s.policy}`,
    ...(structureNote(s.profile) ? wrap(structureNote(s.profile)!, CITE_WIDTH, "  ") : []),
    `Outcome: ${r.status}, ends at ${formatNs(r.endTime)}, ${r.steps} steps${r.inversions.length ? `, ${r.inversions.length} lock inversion(s)` : ""}`,
    "Trace excerpt (t in ns):",
    ...excerpt(r, options.excerpt ?? DEFAULT_EXCERPT),
    ...(s.interleave === "any" && s.schedule ? ["Race diagram (the explorer's schedule):", ...formatDiagram(diagramRows(r.trace), CITE_WIDTH)] : []),
    `Trace hash (format ${TRACE_FORMAT}${model === undefined ? "" : `, model version ${model}`}):`,
    `  ${run.hash.slice(0, 32)}`,
    `  ${run.hash.slice(32)}`,
    ...(permalink ? ["Open in the playground:", ...permalinkLines(permalink)] : []),
    "Reproduce: save this text and run",
    "  npx faultline replay <file>",
  ];
}

/**
 * The citation block of a run of `spec`: {@link citeText}, then the
 * {@link CitationData} in a scenario block (format 2). The embedded scenario
 * records the run's status and trace hash in `expect`, so replaying the
 * block checks it. Every line fits in {@link CITE_WIDTH} columns, the
 * permalink's too: it is cut into lines, which an address bar joins again.
 */
export function citeBlock(spec: ScenarioSpec, run: CitedRun, options: CiteOptions = {}): string {
  const data: CitationData = { scenario: citedScenario(spec, run), excerpt: options.excerpt ?? DEFAULT_EXCERPT, ...(options.playground ? { playground: options.playground } : {}) };
  return [...citeText(spec, run, options, MODEL_VERSION), ...encodeBlock(data as unknown as Json)].join("\n") + "\n";
}

/** Escape BibTeX's special characters in a field value. */
function bibtexEscape(text: string): string {
  // BibTeX counts every brace, escaped or not, so braces become text commands.
  const named: Record<string, string> = { "\\": "\\textbackslash{}", "{": "\\textbraceleft{}", "}": "\\textbraceright{}", "^": "\\^{}", "~": "\\~{}" };
  return text.replace(/[\\{}$&%#_^~]/g, (c) => named[c] ?? `\\${c}`);
}

/** `YYYY-MM-DD` of a date, in UTC. */
function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A BibTeX `@misc` entry for a run, keyed by the trace hash; `date` is when it was cited. */
export function citeBibtex(spec: ScenarioSpec, run: CitedRun, date: Date, options: CiteOptions = {}): string {
  const s = run.scenario;
  const permalink = citePermalink(spec, run, options.playground);
  const fields: [string, string][] = [
    ["title", `{faultline: ${bibtexEscape(s.title)}}`],
    ["author", "{{faultline}}"],
    ["year", `{${date.getUTCFullYear()}}`],
    ["month", `{${date.getUTCMonth() + 1}}`],
    ...(permalink ? [["howpublished", `{\\url{${permalink}}}`] as [string, string]] : []),
    ["note", `{${bibtexEscape(`Simulated run: profile ${s.profile}, seed ${s.seed}, outcome ${run.result.status}; trace hash ${run.hash} (trace format ${TRACE_FORMAT}); reproduce with npx faultline replay. Cited ${isoDay(date)}.`)}}`],
  ];
  return `@misc{faultline-${run.hash.slice(0, 12)},\n${fields.map(([k, v]) => `  ${k} = ${v}`).join(",\n")}\n}\n`;
}

/** A CSL-JSON item (citeproc, Zotero, pandoc) for a run; `date` is when it was cited. */
export function citeCsl(spec: ScenarioSpec, run: CitedRun, date: Date, options: CiteOptions = {}): Record<string, unknown> {
  const s = run.scenario;
  const permalink = citePermalink(spec, run, options.playground);
  const parts = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  return {
    id: `faultline-${run.hash.slice(0, 12)}`,
    type: "dataset",
    title: `faultline: ${s.title}`,
    ...(s.claim ? { abstract: s.claim } : {}),
    author: [{ literal: "faultline" }],
    issued: { "date-parts": [parts] },
    accessed: { "date-parts": [parts] },
    ...(permalink ? { URL: permalink } : {}),
    note: `Profile ${s.profile}, seed ${s.seed}, outcome ${run.result.status}; trace hash ${run.hash} (trace format ${TRACE_FORMAT}); reproduce with npx faultline replay.`,
  };
}

/** What {@link citationCff} needs of package.json. */
export interface SoftwareMeta {
  /** Package name. */
  readonly name: string;
  /** Package version. */
  readonly version: string;
  /** One-sentence description (the CFF abstract). */
  readonly description: string;
  /** SPDX license id. */
  readonly license: string;
  /** Keywords. */
  readonly keywords?: readonly string[];
}

/** CITATION.cff (Citation File Format 1.2.0) for faultline itself; runs are cited with {@link citeBibtex} or {@link citeCsl}. */
export function citationCff(meta: SoftwareMeta): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    "cff-version: 1.2.0",
    `message: ${q(`If you use ${meta.name}, please cite it as below. Cite a single run with \`${meta.name} cite --format bibtex\` or the Cite button of any example: that names the scenario, profile and trace hash.`)}`,
    "type: software",
    `title: ${q(meta.name)}`,
    `abstract: ${q(meta.description)}`,
    `version: ${q(meta.version)}`,
    `license: ${q(meta.license)}`,
    "authors:",
    `  - name: ${q(`The ${meta.name} contributors`)}`,
    ...(meta.keywords?.length ? ["keywords:", ...meta.keywords.map((k) => `  - ${q(k)}`)] : []),
    "",
  ].join("\n");
}
