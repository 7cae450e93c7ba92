// Runs the overview scenario in Node at build time, so the page can check
// that the browser reproduces the same trace hash.
import { readFileSync } from "node:fs";
import { runScenario } from "../../src/scenario/run.js";

const scenario = JSON.parse(readFileSync(new URL("../../data/mmap-lock-reader-behind-writer.json", import.meta.url), "utf8"));
const run = runScenario(scenario);
process.stdout.write(JSON.stringify({ scenario, hash: run.hash, status: run.result.status, endTime: run.result.endTime }));
