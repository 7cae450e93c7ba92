// The scenarios the FAULT_FLAG_RETRY_NOWAIT notebook starts from, with the
// trace hash each gives in Node at build time.
import { readFileSync } from "node:fs";
import { runScenario } from "../../src/scenario/run.js";

const files = [
  "nowait-fault-keeps-mmap-lock-briefly",
  "allow-retry-drops-mmap-lock-for-io",
  "fault-without-retry-holds-mmap-lock-across-io",
  "kvm-async-pf",
];
const out: Record<string, { scenario: unknown; hash: string }> = {};
for (const name of files) {
  const scenario = JSON.parse(readFileSync(new URL(`../../data/${name}.json`, import.meta.url), "utf8"));
  out[name] = { scenario, hash: runScenario(scenario).hash };
}
process.stdout.write(JSON.stringify(out));
