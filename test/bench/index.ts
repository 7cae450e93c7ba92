// `npm run bench`: engine throughput in scheduled events (task resumptions)
// per second on a synthetic workload: many tasks contending on one rwsem
// (mostly readers, some writers) with CPU work and timed sleeps between.
import { performance } from "node:perf_hooks";
import { delay, RwSemaphore, Simulation, type Task } from "../../src/engine/index.js";

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

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const base: Workload = { tasks: 64, iterations: 20000, writerEvery: 10, trace: false };
const noTrace = best(base, 3);
const withTrace = best({ ...base, iterations: 5000, trace: true }, 3);
console.log("engine throughput (best of 3; 64 tasks on one rwsem, 1 in 10 acquisitions for write, cpu + sleep between)");
console.log(`  scheduler only:   ${fmt(noTrace.steps / noTrace.seconds)} scheduled events/s  (${fmt(noTrace.steps)} events in ${noTrace.seconds.toFixed(3)} s)`);
console.log(
  `  with full trace:  ${fmt(withTrace.steps / withTrace.seconds)} scheduled events/s  (${fmt(withTrace.steps)} events, ${fmt(withTrace.events)} trace records in ${withTrace.seconds.toFixed(3)} s)`,
);
console.log(`  trace cost ratio: ${(noTrace.steps / noTrace.seconds / (withTrace.steps / withTrace.seconds)).toFixed(2)}x`);

const { kvmBench } = await import("./kvm.js");
for (const asyncPf of [true, false]) {
  const k = kvmBench(asyncPf, false);
  console.log(
    `kvm (8 vCPUs x 4 guest processes, ${asyncPf ? "async PF" : "synchronous faults"}): ${fmt(k.faults)} guest faults in ${k.seconds.toFixed(3)} s wall ` +
      `(${fmt(k.faults / k.seconds)} faults/s, ${fmt(k.events)} trace records, ${(k.endTime / 1e6).toFixed(1)} ms virtual)`,
  );
}

const { memoryBench } = await import("./memory.js");
console.log("long runs (targets as ratios)");
for (const line of memoryBench()) console.log(`  ${line}`);

const { exploreBench } = await import("./explore.js");
console.log(`explorer: states visited and time, with partial-order reduction | without (+: state budget used up, not exhaustive)`);
exploreBench((line) => console.log(`  ${line}`));
const { matrixBench, parallelBench } = await import("./explore.js");
console.log("/pins matrix: per operation, the slowest cell's states with reduction | without, and its time");
await matrixBench((line) => console.log(`  ${line}`));
console.log(`  ${await parallelBench()}`);
