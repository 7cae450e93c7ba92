// Every scenario in data/, with the trace hash, status and end time each
// gives in Node at build time; pages start from these and check that the
// browser reproduces the same hashes.
import { readdirSync, readFileSync } from "node:fs";
import { runScenario } from "../../src/index.js";

const dir = new URL("../../data/", import.meta.url);
const out: Record<string, { file: string; scenario: unknown; hash: string; status: string; endTime: number }> = {};
for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
  const scenario = JSON.parse(readFileSync(new URL(file, dir), "utf8"));
  const run = runScenario(scenario);
  out[file.replace(/\.json$/, "")] = { file: `data/${file}`, scenario, hash: run.hash, status: run.result.status, endTime: run.result.endTime };
}
process.stdout.write(JSON.stringify(out));
