// `npm run bench`: one table of the project's speed and memory figures, each
// with its target where there is one (`npm run bench -- --json`: the rows as
// JSON), then the notebook inputs' detail (measured in Chromium on the built
// site) and the explorer's per-scenario detail. Engine throughput is in
// scheduled events (task resumptions) per second on a synthetic workload:
// many tasks contending on one rwsem (mostly readers, some writers) with CPU
// work and timed sleeps between, against bare generators on a heap.
import { performance } from "node:perf_hooks";
import { delay, RwSemaphore, Simulation, type Task } from "../../src/engine/index.js";
import { bareLoop } from "./baseline.js";
import { formatTable, row, type BenchRow } from "./table.js";

interface Workload {
  tasks: number;
  iterations: number;
  writerEvery: number;
  trace: boolean;
}

function workload({ tasks, iterations, writerEvery, trace }: Workload): { steps: number; events: number; seconds: number } {
  const sim = new Simulation({ seed: 42, maxSteps: Number.MAX_SAFE_INTEGER, trace });
  const sem = new RwSemaphore(sim, "mmap_lock");
  const body = function* (t: Task) {
    for (let i = 0; i < iterations; i++) {
      if ((i + t.id) % writerEvery === 0) {
        yield* sem.down_write(t);
        yield* delay(t, "cpu", 200 + t.prng.int(200));
        sem.up_write(t);
      } else {
        yield* sem.down_read(t);
        yield* delay(t, "cpu", 100 + t.prng.int(100));
        sem.up_read(t);
      }
      yield* delay(t, "sleep", 500 + t.prng.int(1000));
    }
  };
  for (let i = 0; i < tasks; i++) sim.spawn(`t${i}`, body);
  const start = performance.now();
  const r = sim.run();
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== "ok") throw new Error(`bench workload ended with ${r.status}`);
  return { steps: r.steps, events: r.trace.length, seconds };
}

function best(w: Workload, runs: number) {
  workload({ ...w, iterations: Math.ceil(w.iterations / 10) });
  const results = Array.from({ length: runs }, () => workload(w));
  return results.reduce((a, b) => (a.seconds < b.seconds ? a : b));
}

const json = process.argv.includes("--json");
const rows: BenchRow[] = [];

const base: Workload = { tasks: 64, iterations: 20000, writerEvery: 10, trace: false };
const noTrace = best(base, 3);
const withTrace = best({ ...base, iterations: 5000, trace: true }, 3);
const bare = [0, 1, 2].map(() => bareLoop(base.tasks, base.iterations)).reduce((a, b) => (a.seconds < b.seconds ? a : b));
const engineRate = noTrace.steps / noTrace.seconds;
rows.push(
  row("engine, scheduler only (64 tasks on one rwsem)", engineRate, "events/s"),
  row("bare generators + heap, same resumptions", bare.steps / bare.seconds, "events/s"),
  row("engine / bare loop", engineRate / (bare.steps / bare.seconds), "ratio", { op: ">=", limit: 0.8 }),
  row("engine with the trace recorded", withTrace.steps / withTrace.seconds, "events/s"),
  row("trace cost (untraced / traced events/s)", engineRate / (withTrace.steps / withTrace.seconds), "ratio", { op: "<=", limit: 2 }),
);

const { kvmBench } = await import("./kvm.js");
for (const asyncPf of [true, false]) {
  const k = kvmBench(asyncPf, false);
  rows.push(row(`kvm, 8 vCPUs x 4 processes, ${asyncPf ? "async PF" : "synchronous faults"} (${Math.round(k.faults).toLocaleString("en-US")} faults)`, k.seconds, "s", { op: "<=", limit: 1 }));
}

const { postcopyBench } = await import("./postcopy.js");
for (const [name, patches] of [["userfaultfd (mainline)", []], ["kvm-exit-on-missing", ["kvm-exit-on-missing"]]] as const) {
  const p = postcopyBench(patches);
  rows.push(row(`post-copy, 256 vCPUs, ${p.pages.toLocaleString("en-US")} pages, ${name} (${(p.steps / 1e6).toFixed(1)}M steps)`, p.seconds, "s", { op: "<=", limit: 10 }));
}

const { heldBy } = await import("./memory.js");
heldBy(20_000, true);
const short = heldBy(250_000, true);
const long = heldBy(1_000_000, true);
rows.push(row("heap held after 1e6 vs 2.5e5 traced steps", long.bytes / short.bytes, "ratio", { op: "<=", limit: 1.5 }));

const { startupRatio } = await import("./startup.js");
const start = startupRatio("data/mmap-lock-reader-behind-writer.json");
rows.push(row(`faultline run of a 9-step scenario (${start.faultlineMs.toFixed(0)} ms) / node -e 0 (${start.nodeMs.toFixed(0)} ms)`, start.ratio, "ratio", { op: "<=", limit: 4 }));

// The site build: its time, and the dist/ the page rows below measure.
const { execFileSync } = await import("node:child_process");
const buildStart = performance.now();
execFileSync("npm", ["run", "build"], { stdio: ["ignore", "ignore", "inherit"] });
rows.push(row("site build (npm run build)", (performance.now() - buildStart) / 1000, "s"));

const { jsPerPage } = await import("./pages.js");
const pages = jsPerPage();
for (const p of pages) rows.push(row(`JS loaded by ${p.page} (gzip)`, p.bytes / 1000, "kB", { op: "<=", limit: 300 }));

// Input-to-redraw and first-load times of each notebook page in headless Chromium (the site must be built).
const { inputLatency } = await import("./inputs.js");
const browser = pages.length === 0 ? null : await inputLatency("dist");
if (browser) rows.push(...browser.rows);

const { exploreBench, matrixBench, parallelBench } = await import("./explore.js");
const matrix: string[] = [];
const slowestCell = await matrixBench((line) => matrix.push(line));
rows.push(row(`explorer, slowest of the /pins matrix's ${slowestCell.cells} explorations`, slowestCell.seconds, "s", { op: "<=", limit: 1 }));
const exploreLines: string[] = [];
const explored = exploreBench((line) => exploreLines.push(line));
rows.push(row(`explorer with reduction, ${explored.scenarios} data/ scenarios (${Math.round(explored.states).toLocaleString("en-US")} states in ${explored.seconds.toFixed(1)} s)`, explored.states / explored.seconds, "states/s"));
const parallel = await parallelBench();

if (json) console.log(JSON.stringify(rows, null, 2));
else {
  console.log(formatTable(rows));
  if (browser) for (const line of browser.detail) console.log(line);
  console.log("/pins matrix: per operation, the slowest cell's states with reduction | without, and its time");
  for (const line of matrix) console.log(`  ${line}`);
  console.log(`  ${parallel}`);
  console.log("explorer: states visited and time, with partial-order reduction | without (+: state budget used up, not exhaustive)");
  for (const line of exploreLines) console.log(`  ${line}`);
}
