// The fuzz properties, shared by the unit test (few runs, fixed seed) and
// `npm run fuzz` (many runs, any seed): what each checks, and counters of
// what it saw.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { EXIT } from "../../src/cli/exit.js";
import { main } from "../../src/cli/index.js";
import { readCited } from "../../src/cli/load.js";
import { checkScenario, citeBlock, decodePermalink, encodePermalink, runScenario, type ScenarioSpec, validateScenario } from "../../src/index.js";
import { OP_VARIANTS, scenarioArb, VMA_KINDS } from "./arbitraries.js";
import { tamperArb, textMutationArb, valueMutationArb } from "./mutations.js";

/** Counters a property keeps while it runs, printed by `npm run fuzz`. */
export type Counts = Map<string, number>;

const count = (c: Counts, key: string) => c.set(key, (c.get(key) ?? 0) + 1);

/** A fuzz property: its name, what to write when it fails (the counterexample as a file), and its counters. */
export interface FuzzProperty<T> {
  readonly name: string;
  readonly property: fc.IProperty<[T]> | fc.IAsyncProperty<[T]>;
  /** The counterexample as the file to save: a name ending in .json or .txt, and its text. */
  readonly file: (input: T) => { name: string; text: string };
  readonly counts: Counts;
}

/** The ops and VMA kinds a scenario uses, for the coverage counters. */
function coverage(s: ScenarioSpec, c: Counts): void {
  const walk = (ops: readonly { op: string; ops?: unknown; child?: { ops: unknown } }[]) =>
    ops.forEach((op) => {
      count(c, `op ${op.op}`);
      if (Array.isArray(op.ops)) walk(op.ops);
      if (op.child) walk(op.child.ops as typeof ops);
    });
  s.tasks.forEach((t) => walk(t.ops));
  for (const v of s.mm?.vmas ?? []) count(c, `vma ${v.kind}${v.shared ? " shared" : ""}`);
  if (s.kvm) count(c, "kvm");
  if (s.postcopy) count(c, "postcopy");
  if (s.property) count(c, "property");
  if (s.schedule) count(c, "schedule");
}

/** The names a run of {@link validScenarios} must have seen for its coverage to be complete: every op variant and VMA kind of the schema. */
export const COVERED = [...[...OP_VARIANTS.keys()].map((op) => `op ${op}`), ...VMA_KINDS.map((k) => `vma ${k}`), "kvm", "postcopy", "property", "schedule"];

/**
 * (a) Valid scenarios validate, run without an exception, break no
 * invariant (checkScenario runs the checkers on every run, its property's
 * seeds included), and replay to the same trace hash: run again, and from
 * their permalink.
 */
export function validScenarios(): FuzzProperty<ScenarioSpec> {
  const counts: Counts = new Map();
  const property = fc.property(scenarioArb(), (spec) => {
    count(counts, "runs");
    const v = validateScenario(spec);
    assert.ok(v.ok, `the generator made an invalid scenario:\n${v.ok ? "" : JSON.stringify(v.errors.slice(0, 5), null, 1)}`);
    count(counts, "valid");
    coverage(spec, counts);
    const report = checkScenario(spec);
    const broken = report.mismatches.find((m) => m.field === "invariant");
    assert.equal(broken, undefined, broken && `invariant ${broken.expected} ${broken.actual}`);
    count(counts, `status ${report.run.result.status}`);
    assert.equal(runScenario(spec).hash, report.run.hash, "a second run gave another trace hash");
    const back = decodePermalink(encodePermalink(spec));
    assert.ok(back.ok, back.ok ? "" : back.error);
    assert.equal(runScenario(back.scenario).hash, report.run.hash, "the permalink's scenario gave another trace hash");
  });
  return { name: "valid scenarios: no exception, invariants hold, same hash on replay", property, counts, file: (s) => ({ name: "scenario.json", text: JSON.stringify(s, null, 2) + "\n" }) };
}

/** A message line that names a JSON path: `$...: expected X, found Y`, with line:column for text errors. */
const PATH_ERROR = /^ {2}\$(\.[\w$]+|\[\d+\]|\["([^"\\]|\\.)*"\])*( \(\d+:\d+\))?: expected .+, found .+$/m;

/**
 * (b) Invalid input made from valid scenarios, read as the CLI reads a
 * file (readCited): exit 5 naming a JSON path, exit 4 naming line:column
 * (a syntax error), or exit 9 for a text that no longer starts with `{`;
 * never another exception. A mutation that leaves the scenario valid (a
 * wrong type under an event's `ret`, which takes any value) is counted.
 */
export function invalidInput(): FuzzProperty<{ mutation: string; text: string }> {
  const counts: Counts = new Map();
  const input = scenarioArb().chain((s) => {
    const text = JSON.stringify(s, null, 1);
    return fc.oneof(valueMutationArb(JSON.parse(text)), textMutationArb(text));
  });
  const property = fc.property(input, ({ mutation, text }) => {
    count(counts, "runs");
    count(counts, `mutation ${mutation}`);
    let code: number = EXIT.ok;
    let message = "";
    try {
      readCited(text, "fuzz.json");
    } catch (e) {
      assert.ok(e instanceof Error && "code" in e, `not a CLI error: ${(e as Error).stack}`);
      code = e.code as number;
      message = e.message;
    }
    count(counts, code === EXIT.ok ? `stayed valid: ${mutation}` : `rejected, exit ${code}`);
    if (code === EXIT.schema) assert.match(message, PATH_ERROR, message);
    else if (code === EXIT.json) assert.match(message, /^fuzz\.json:\d+:\d+: invalid JSON: \S/, message);
    else if (code === EXIT.citation) assert.ok(!/^[\s\ufeff]*\{/.test(text), `exit 9 for a text starting with {: ${message}`);
    else assert.equal(code, EXIT.ok, `exit ${code}: ${message}`);
  });
  return { name: "invalid input: exit 5 naming a JSON path (4 with line:column for JSON syntax)", property, counts, file: (x) => ({ name: "input.json", text: x.text }) };
}

/** `faultline replay` in this process on `text` saved to a file: exit code and output (stderr captured). */
export async function replayText(text: string, dir: string, name: string): Promise<{ code: number; out: string }> {
  const path = join(dir, name);
  writeFileSync(path, text);
  let out = "";
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => ((out += s), true)) as typeof process.stderr.write;
  try {
    const code = await main(["replay", path], (t) => (out += t));
    return { code, out };
  } finally {
    process.stderr.write = write;
  }
}

/**
 * (c) The `faultline cite` block of a valid scenario replays as reproduced;
 * with one non-space character flipped, inserted or deleted, in its
 * visible lines or its block, it never does.
 */
export function tamperedCitations(): FuzzProperty<{ edit: string; text: string }> {
  const counts: Counts = new Map();
  const dir = mkdtempSync(join(tmpdir(), "faultline-fuzz-cite-"));
  const cited = new Map<string, boolean>();
  let files = 0;
  const input = fc
    .tuple(scenarioArb({ maxTasks: 2 }), fc.option(fc.constantFrom("https://example.org/playground"), { nil: undefined }), fc.integer({ min: 0, max: 12 }))
    .map(([spec, playground, excerpt]) => citeBlock(spec, runScenario(spec), { excerpt, ...(playground ? { playground } : {}) }))
    .chain((text) => tamperArb(text).map((t) => ({ ...t, original: text })));
  const property = fc.asyncProperty(input, async ({ edit, text, original }) => {
    count(counts, "runs");
    if (!cited.has(original)) {
      const r = await replayText(original, dir, `${files++}.txt`);
      assert.equal(r.code, EXIT.ok, `an untouched citation did not replay:\n${r.out}\n${original}`);
      cited.set(original, true);
    }
    const r = await replayText(text, dir, `${files++}.txt`);
    count(counts, `${edit.split(" ")[0]}: exit ${r.code}`);
    assert.notEqual(r.code, EXIT.ok, `a tampered citation (${edit}) replayed:\n${r.out}\n${text}`);
    assert.doesNotMatch(r.out, /^reproduced/m);
  });
  return { name: "tampered citations never replay as reproduced", property, counts, file: (x) => ({ name: "citation.txt", text: x.text }) };
}
