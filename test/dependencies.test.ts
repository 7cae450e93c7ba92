// The layering of DESIGN.md ("Arrows point one way"), as .dependency-cruiser.cjs
// states it: every import of src/ and docs/ is checked against its rules.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import { build } from "esbuild";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";

describe("dependency rules", () => {
  it("src/, docs/components, docs/workers, docs/tools and docs/data break none of .dependency-cruiser.cjs", async () => {
    const options = await extractDepcruiseOptions("./.dependency-cruiser.cjs");
    const { output } = await cruise(["src", "docs/components", "docs/workers", "docs/tools", "docs/data"], options, {}, { tsConfig: extractTSConfig("tsconfig.json") });
    const result = output as ICruiseResult;
    const sources = result.modules.map((m) => m.source);
    // The cruise saw the layers the rules are about.
    for (const m of ["src/index.ts", "src/engine/simulation.ts", "src/mm/memory.ts", "docs/workers/simulator.ts", "docs/components/runner.ts", "docs/tools/build.ts"]) {
      assert.ok(sources.includes(m), `${m} was not cruised`);
    }
    const violations = result.summary.violations.map((v) => `${v.from} -> ${v.to} (${v.rule.name})`);
    for (const v of violations) console.log(`dependency violation: ${v}`);
    assert.deepEqual(violations, []);
  });

  it("notebooks import src/ only through docs/faultline/page.js", () => {
    const bad: string[] = [];
    for (const name of readdirSync("docs").filter((n) => n.endsWith(".md"))) {
      for (const [, spec] of readFileSync(`docs/${name}`, "utf8").matchAll(/\bfrom\s+["']([^"']+)["']/g)) {
        if (/^\.\/faultline\//.test(spec!) && spec !== "./faultline/page.js") bad.push(`docs/${name} -> ${spec}`);
      }
    }
    for (const b of bad) console.log(`dependency violation: ${b} (docs-through-index)`);
    assert.deepEqual(bad, []);
  });

  it("src/page.ts, what a page loads on its main thread, reaches neither the simulator nor the schema validator", async () => {
    // Framework serves each module as written, so everything it imports is loaded: bundle it and list the modules.
    const { metafile } = await build({ entryPoints: ["src/page.ts"], bundle: true, write: false, format: "esm", metafile: true, logLevel: "silent" });
    const heavy = Object.keys(metafile.inputs).filter((m) => /^src\/(engine\/simulation|mm|virt|fs|scenario\/(run|validate|schema|normalize))|node_modules\/(ajv|@sinclair\/typebox)\//.test(m));
    assert.deepEqual(heavy, []);
    assert.ok(Object.keys(metafile.inputs).includes("src/cite/cite.ts"), "the bundle holds what page.ts exports");
  });

  it("src/editing.ts, what a scenario editor loads when opened, reaches the schema and its validator but not the simulator", async () => {
    const { metafile } = await build({ entryPoints: ["src/editing.ts"], bundle: true, write: false, format: "esm", metafile: true, logLevel: "silent" });
    const simulator = Object.keys(metafile.inputs).filter((m) => /^src\/(engine\/(simulation|task|rwsem)|mm|fs|drivers|user|scenario\/(run|normalize|mm))\b|^src\/virt\/kvm\/(?!apf_worker)/.test(m));
    assert.deepEqual(simulator, []);
    assert.ok(Object.keys(metafile.inputs).includes("src/scenario/validate.ts"), "the bundle holds what editing.ts exports");
  });
});
