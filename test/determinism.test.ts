// Determinism: same scenario + seed + profile => the same trace, byte for
// byte; and the data/ corpus reproduces what it records.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { serializeTrace } from "../src/engine/trace.js";
import { assertScenario, checkScenario, runScenario } from "../src/scenario/index.js";

const load = (f: string) => JSON.parse(readFileSync(`data/${f}`, "utf8"));

describe("determinism", () => {
  it("100 seeds of a racy scenario: each seed twice gives the same serialized trace; seeds differ among themselves", () => {
    const data = load("abba-lock-inversion.json");
    const hashes = new Set<string>();
    const statuses = new Set<string>();
    for (let seed = 0; seed < 100; seed++) {
      const a = runScenario(data, { seed });
      const b = runScenario(data, { seed });
      assert.equal(serializeTrace(a.result.trace), serializeTrace(b.result.trace), `seed ${seed}`);
      assert.equal(a.hash, b.hash);
      hashes.add(a.hash);
      statuses.add(a.result.status);
    }
    assert.ok(hashes.size > 90, `only ${hashes.size} distinct traces over 100 seeds`);
    assert.deepEqual([...statuses].sort(), ["deadlock", "ok"]);
  });

  it("the trace hash is SHA-256 of the canonical serialization (known vector)", async () => {
    const { sha256Hex } = await import("../src/engine/trace.js");
    assert.equal(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("data/ corpus is a regression suite (faultline check)", () => {
  for (const f of readdirSync("data").filter((f) => f.endsWith(".json"))) {
    it(`${f}: recorded outcome and verdict reproduce`, () => {
      const report = checkScenario(assertScenario(load(f), f));
      assert.deepEqual(report.mismatches, [], report.mismatches.map((m) => `${m.field}: recorded ${m.expected}, model ${m.actual}`).join("; "));
      assert.ok(report.run.scenario.expect.hash, `${f} records no trace hash`);
    });
  }
});
