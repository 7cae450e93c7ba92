// Permalinks carry a scenario as data: round trip, and refusal of anything
// that is not a bounded, valid scenario.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
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
      ["!!!", /not a compressed scenario/],
      ["AAAA", /not a compressed scenario/],
      ["x".repeat(70_000), /permalink too long/],
      [b64url(deflateSync(strToU8("{not json"))), /not JSON/],
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
});
