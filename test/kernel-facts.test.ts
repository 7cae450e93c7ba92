// Fact table from the kernel: each fixture in test/fixtures/kernel/ is a
// scenario beside an .expect.json that names the kernel source (commit,
// function, version) and what the model must show under each profile: a
// trace event chosen by `select` (its nth match, or the number of matches)
// and the value of one of its fields.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { TraceEvent } from "../src/engine/trace.js";
import { checkedRun } from "./checked-run.js";

interface Check {
  label: string;
  select: { ev?: string; fn?: string; task?: string; args?: Record<string, unknown> };
  nth?: number;
  field?: string;
  eq?: unknown;
  has?: string[];
  lacks?: string[];
  count?: number;
}
interface Expectation {
  variant: string;
  kernel: string;
  source: string;
  runs: { profiles: string[]; checks: Check[] }[];
}

const DIR = "test/fixtures/kernel";
const selects = (e: TraceEvent, s: Check["select"]) =>
  (s.ev === undefined || e.ev === s.ev) &&
  (s.fn === undefined || e.fn === s.fn) &&
  (s.task === undefined || e.task === s.task) &&
  Object.entries(s.args ?? {}).every(([k, v]) => e.args?.[k] === v);
const field = (e: TraceEvent, path: string): unknown => path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], e);

for (const file of readdirSync(DIR).filter((f) => f.endsWith(".expect.json")).sort()) {
  const exp = JSON.parse(readFileSync(`${DIR}/${file}`, "utf8")) as Expectation;
  const scenario = JSON.parse(readFileSync(`${DIR}/${file.replace(".expect.json", ".json")}`, "utf8")) as unknown;
  describe(`${exp.variant}: ${exp.source}`, () => {
    for (const run of exp.runs) {
      for (const profile of run.profiles) {
        it(`${profile}: ${run.checks.map((c) => c.label).join("; ")}`, () => {
          const r = checkedRun(scenario, profile);
          for (const c of run.checks) {
            const matches = r.result.trace.filter((e) => selects(e, c.select));
            if (c.count !== undefined) {
              assert.equal(matches.length, c.count, c.label);
              continue;
            }
            const e = matches[c.nth ?? 0];
            assert.ok(e, `${c.label}: no event matches ${JSON.stringify(c.select)}`);
            const value = field(e, c.field!);
            if (c.eq !== undefined) assert.equal(value, c.eq, c.label);
            for (const flag of c.has ?? []) assert.ok(String(value).split("|").includes(flag), `${c.label}: ${String(value)} lacks ${flag}`);
            for (const flag of c.lacks ?? []) assert.ok(!String(value).split("|").includes(flag), `${c.label}: ${String(value)} has ${flag}`);
          }
        });
      }
    }
  });
}

describe("profiles say how their kernel was built where the model's names differ", () => {
  it("every profile but the default carries a structure note; v2.6.38's says GUP lived in mm/memory.c, v6.4's that VMAs are in a maple tree", async () => {
    const { PROFILES, DEFAULT_PROFILE, structureNote } = await import("../src/profiles/index.js");
    assert.equal(structureNote(DEFAULT_PROFILE), null);
    for (const p of PROFILES.filter((q) => q.name !== DEFAULT_PROFILE)) assert.ok(structureNote(p.name)!.includes(p.structure));
    assert.match(structureNote("v2.6.38")!, /mm\/memory\.c/);
    assert.match(structureNote("v6.4")!, /maple tree/);
  });
});
