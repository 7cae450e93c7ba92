// The scenarios the pages == NULL prefault notebook starts from, with the
// trace hash each gives in Node at build time.
import { readFileSync } from "node:fs";
import { runScenario } from "../../src/scenario/run.js";

const files = ["fpu-prefault-as-merged-v5.1", "fpu-prefault-fixed-loop-v5.1", "async-pf-prefault-gup-calls-v5.1", "async-pf-prefault-gup-calls-v5.2"];
const out: Record<string, { scenario: unknown; hash: string }> = {};
for (const name of files) {
  const scenario = JSON.parse(readFileSync(new URL(`../../data/${name}.json`, import.meta.url), "utf8"));
  out[name] = { scenario, hash: runScenario(scenario).hash };
}
process.stdout.write(JSON.stringify(out));
