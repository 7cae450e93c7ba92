// Permalinks carry a scenario as data: round trip, and refusal of anything
// that is not a bounded, valid scenario.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { deflateSync, strToU8 } from "fflate";
import { decodePermalink, encodePermalink, MAX_SCENARIO_BYTES, runScenario } from "../src/scenario/index.js";

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

describe("permalinks", () => {
  it("round-trip every data/ scenario to the same trace hash", () => {
    for (const f of ["fpu-prefault-as-merged-v5.2-rc1.json", "kvm-async-pf.json", "abba-lock-inversion.json"]) {
      const spec = JSON.parse(readFileSync(`data/${f}`, "utf8"));
      const back = decodePermalink(encodePermalink(spec));
      assert.ok(back.ok, f);
      assert.equal(runScenario(back.scenario).hash, spec.expect.hash, f);
    }
  });

  it("refuse malformed, oversized, non-JSON and invalid payloads with a message", () => {
    const cases: [string, RegExp][] = [
      // Nothing after #s=: inflating nothing once read as a payload past the size limit.
      ["", /^permalink holds no scenario \(it is empty\)$/],
      ["!!!", /not a compressed scenario/],
      ["AAAA", /not a compressed scenario/],
      ["x".repeat(70_000), /permalink too long/],
      [b64url(deflateSync(strToU8("{not json"))), /not JSON: 1:2: unexpected "n": expected a key/],
      [b64url(deflateSync(strToU8('{"title": "t", "title": "u", "tasks": []}'))), /\$\.title \(1:16\): expected each key once per object/],
      [b64url(deflateSync(strToU8(`{"title": ${"[".repeat(5000)}${"]".repeat(5000)}, "tasks": []}`))), /\$\.title(\[0\]){63}: expected at most 64 levels/],
      [b64url(deflateSync(strToU8('{"title": 5, "tasks": []}'))), /\$\.title: expected string/],
      // A small payload that inflates past the limit (a zip bomb).
      [b64url(deflateSync(new Uint8Array(MAX_SCENARIO_BYTES * 4).fill(32))), /larger than|not a compressed scenario/],
    ];
    for (const [payload, want] of cases) {
      const r = decodePermalink(payload);
      assert.equal(r.ok, false);
      assert.match((r as { error: string }).error, want);
    }
  });

  it("read a byte order mark as the CLI does: dropped", () => {
    const text = '{"title": "t", "tasks": [{"name": "A", "ops": []}]}';
    const plain = decodePermalink(b64url(deflateSync(strToU8(text))));
    const bom = decodePermalink(b64url(deflateSync(strToU8(`\ufeff${text}`))));
    assert.ok(plain.ok && bom.ok);
    assert.deepEqual(bom.scenario, plain.scenario);
  });

  it("never throw: seeded hostile payloads (deep nesting, garbage, huge) each give a scenario or a message", () => {
    const deflated = (text: string) => b64url(deflateSync(strToU8(text)));
    const opens = ["[", '{"a":', '{"title":"t","tasks":[{"name":"A","ops":[', '{"op":"repeat","count":1,"ops":[', '{"not":', '{"all":['];
    const deep = fc.tuple(fc.constantFrom(...opens), fc.integer({ min: 1, max: 100_000 }), fc.boolean()).map(([open, depth, closed]) => open.repeat(depth) + (closed ? "1" + "]".repeat(depth) : ""));
    const valid = JSON.stringify({ title: "t", mm: { vmas: [{ name: "v", kind: "anon", pages: 4 }] }, tasks: [{ name: "A", ops: [{ op: "fault", vma: "v", page: 0 }] }] });
    const mutated = fc.tuple(fc.integer({ min: 0, max: valid.length }), fc.integer({ min: 0, max: 8 }), fc.string({ maxLength: 8 })).map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(at + cut));
    const huge = fc.constantFrom(
      JSON.stringify({ title: "t", tasks: Array.from({ length: 200_000 }, () => ({})) }),
      JSON.stringify({ title: "t", tasks: [{ name: "A", ops: [{ op: "repeat", count: 1e6, ops: [{ op: "repeat", count: 1e6, ops: [{ op: "cond_resched" }] }] }] }] }),
      `{"title": "t", "seed": 1e999, "tasks": []}`,
    );
    const payload = fc.oneof(
      deep.map(deflated),
      mutated.map(deflated),
      huge.map(deflated),
      fc.string({ maxLength: 300 }).map(deflated),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => b64url(deflateSync(bytes))),
      fc.uint8Array({ maxLength: 300 }).map(b64url),
      fc.string({ maxLength: 300 }),
    );
    fc.assert(
      fc.property(payload, (p) => {
        const r = decodePermalink(p);
        assert.ok(r.ok || (typeof r.error === "string" && r.error.length > 0));
      }),
      { seed: 20261129, numRuns: 400 },
    );
  });
});
