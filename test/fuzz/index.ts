// `npm run fuzz [-- --runs N --seed S]`: the fuzz properties of
// test/fuzz.test.ts with many more cases. Prints the seed, then per property
// its runs and counters; a failure writes the shrunk counterexample to a
// file, prints its path and the seed to run it again, and exits 1.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { COVERED, invalidInput, tamperedCitations, validScenarios, type FuzzProperty } from "./properties.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "2000" }, seed: { type: "string" } } });
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
  console.error("usage: npm run fuzz -- [--runs N] [--seed S]");
  process.exit(2);
}
console.log(`fuzz: seed ${seed}, ${runs} runs per property (valid scenarios and invalid input), ${Math.ceil(runs / 4)} for citations`);

/** Run one property `numRuns` times; print its counters, and on failure save the counterexample. Resolves to whether it held. */
async function fuzz<T>(p: FuzzProperty<T>, numRuns: number, coverage: readonly string[] = []): Promise<boolean> {
  const start = performance.now();
  const details = await fc.check(p.property, { seed, numRuns });
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  console.log(`\n${p.name}: ${details.numRuns} runs in ${seconds} s${details.failed ? ", FAILED" : ""}`);
  for (const [key, n] of [...p.counts].sort(([a], [b]) => a.localeCompare(b))) console.log(`  ${key.padEnd(48)} ${n}`);
  const missing = coverage.filter((key) => !p.counts.has(key));
  if (missing.length > 0) console.log(`  not generated: ${missing.join(", ")}`);
  if (!details.failed || !details.counterexample) return true;
  const { name, text } = p.file(details.counterexample[0]);
  const path = join(mkdtempSync(join(tmpdir(), "faultline-fuzz-")), name);
  writeFileSync(path, text);
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  console.log(`  counterexample (shrunk ${details.numShrinks} times; counters include the shrinking runs): ${path}`);
  console.log(`  ${error.split("\n").join("\n  ")}`);
  console.log(`  again: npm run fuzz -- --runs ${runs} --seed ${seed}`);
  return false;
}

const held = [await fuzz(validScenarios(), runs, COVERED), await fuzz(invalidInput(), runs), await fuzz(tamperedCitations(), Math.ceil(runs / 4))];
process.exitCode = held.every(Boolean) ? 0 : 1;
