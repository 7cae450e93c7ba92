// Runs whose length the format allows but memory would not: the trace is
// hashed as it is recorded and only a window of it kept, the work budget and
// progress hold inside one scheduler step, and properties over events are
// counted while the run records them.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { EXIT } from "../src/cli/exit.js";
import { RUN_TRACE_EVENTS, runJobs, type RunReply } from "../src/host/jobs.js";
import { intervals, mergeIntervals } from "../src/trace/timeline.js";
import { Trace, traceHash, type TraceEvent } from "../src/engine/trace.js";
import { EventTally, exploreSeeds, normalizeScenario, runNormalized, runScenario, validateScenario } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";

const input = (name: string) => JSON.parse(readFileSync(new URL(`fixtures/inputs/${name}`, import.meta.url), "utf8")) as ScenarioSpec;
const BIN = new URL("../src/bin/faultline.js", import.meta.url).pathname;

describe("the trace window", () => {
  it("keeps the first head and last tail events, counts the rest, and hashes every event as the whole trace would", () => {
    const all: TraceEvent[] = Array.from({ length: 10 }, (_, i) => ({ t: i, task: "A", ev: "cpu", args: { ns: i, s: "\u00e9\u{1F600}" } }));
    const trace = new Trace({ head: 2, tail: 3 });
    for (const e of all) trace.record(e);
    assert.deepEqual(trace.events, [...all.slice(0, 2), ...all.slice(7)]);
    assert.deepEqual(trace.gap, { at: 2, dropped: 5 });
    assert.equal(trace.recorded, 10);
    assert.equal(trace.hash(), traceHash(all));
    const big = new Trace({ head: 0, tail: 0 });
    const many = Array.from({ length: 20000 }, (_, i) => ({ t: i, task: "B", ev: "io" }));
    for (const e of many) big.record(e);
    assert.equal(big.hash(), traceHash(many), "across hash chunks");
  });

  it("fixed-loop-oom.json: the fixed prefault loop stops at its step budget with a bounded trace, exit 7 (it died of heap exhaustion)", () => {
    const spec = { ...input("fixed-loop-oom.json"), maxSteps: 100_000 };
    const run = runScenario(spec, { traceWindow: { head: 100, tail: 100 } });
    assert.equal(run.result.status, "budget");
    assert.equal(run.result.trace.length, 200);
    assert.ok(run.result.traceEvents > 200_000, `${run.result.traceEvents} events`);
    assert.equal(run.result.traceGap!.dropped, run.result.traceEvents - 200);
    assert.equal(run.hash, runScenario(spec, { traceWindow: { head: 1e6, tail: 0 } }).hash);
    const dir = mkdtempSync(join(tmpdir(), "faultline-budget-"));
    const file = join(dir, "loop.json");
    writeFileSync(file, JSON.stringify(spec));
    const r = spawnSync(process.execPath, [BIN, "run", "--limit", "0", file], { encoding: "utf8", maxBuffer: 1 << 28 });
    assert.equal(r.status, EXIT.budget, r.stderr);
    assert.match(r.stdout, new RegExp(`trace \\(${run.result.traceEvents} events, 200000 kept\\):`));
    assert.match(r.stdout, new RegExp(`\\.\\.\\. ${run.result.traceEvents - 200_000} events not kept \\(the run keeps the first 100000 and the last 100000; the hash covers all\\)`));
  });
});

describe("budgets and progress inside one step", () => {
  it("maxsteps-1e9-nonyielding-no-progress-memory.json runs more ops than a scenario may (exit 5, naming the op); the same shape within the limit meets the work budget inside its one step and reports progress as it goes", () => {
    assert.throws(() => runScenario(input("maxsteps-1e9-nonyielding-no-progress-memory.json")), /\$\.tasks\[0\]\.ops\[0\]: expected at most 10000000 ops run/);
    const inner = { op: "repeat", count: 1000, ops: [{ op: "local_irq_disable" }, { op: "local_irq_enable" }] };
    const spec = { title: "non-yielding ops in one step", maxSteps: 50_000, tasks: [{ name: "A", ops: [{ op: "repeat", count: 1000, ops: [inner] }] }] };
    const calls: [number, number][] = [];
    const run = runScenario(spec, { progressEvery: 1000, onProgress: (steps, _now, work) => calls.push([steps, work]), traceWindow: { head: 10, tail: 10 } });
    assert.equal(run.result.status, "budget");
    assert.match(run.result.error!.message, /work budget of 50000 operations used up/);
    assert.ok(run.result.steps <= 1, `${run.result.steps} steps`);
    assert.equal(run.result.work, 50_001);
    assert.ok(calls.length >= 50, `${calls.length} progress calls`);
    assert.deepEqual(calls.slice(0, 2), [[0, 1000], [0, 2000]]);
    assert.equal(run.result.trace.length, 20);
  });
});

describe("properties over events the run did not keep", () => {
  const spec = (count: { min?: number; max?: number }): ScenarioSpec => ({
    title: "many events",
    tasks: [{ name: "A", ops: [{ op: "repeat", count: 300, ops: [{ op: "cpu", ns: 1 }] }, { op: "sleep", ns: 5 }] as OpSpec[] }],
    property: { exists: { all: [{ count: { event: { ev: "cpu" }, ...count } }, { before: [{ ev: "cpu" }, { ev: "sleep" }] }] }, verdict: "always", seeds: { from: 0, count: 1 } },
  });

  it("are counted while the run records, whatever it keeps", () => {
    const s = normalizeScenario(spec({ min: 300, max: 300 }));
    const run = runNormalized(s, { traceWindow: { head: 5, tail: 5 } });
    assert.equal(run.result.trace.length, 10);
    assert.equal(run.tally!.count(s.property!.exists.all![0]!.count!.event), 300);
    assert.equal(exploreSeeds(s).verdict, "always");
    assert.equal(exploreSeeds(normalizeScenario(spec({ max: 299 }))).verdict, "never");
  });

  it("a predicate the run did not count needs the whole trace, and says so", () => {
    const run = runScenario(spec({}), { traceWindow: { head: 5, tail: 5 } });
    assert.throws(() => EventTally.of({ event: { ev: "sleep" } }, run.result), /needs every event: this run kept 10 of its 303/);
  });
});

describe("limits a 4 GB heap can honour", () => {
  it("fork copies the page tables: VMA pages times address spaces is bounded, and the error names the limit", () => {
    const child = (name: string) => ({ op: "fork", child: { name, ops: [{ op: "cpu", ns: 1 }] } });
    const spec = (forks: number) => ({ title: "forks", mm: { vmas: [{ name: "a", kind: "anon", pages: 1 << 20 }, { name: "b", kind: "anon", pages: 1 << 20 }] }, tasks: [{ name: "T", ops: Array.from({ length: forks }, (_, i) => child(`c${i}`)) }] });
    assert.ok(validateScenario(spec(1)).ok);
    const v = validateScenario(spec(2));
    assert.ok(!v.ok);
    assert.deepEqual(v.errors.map((e) => [e.path, e.expected, e.found]), [["$.mm.vmas", "at most 4194304 pages in all address spaces (fork copies the page tables: VMA pages x (1 + 2 forks))", "2097152 x 3"]]);
  });
});

describe("what the page draws of a long run", () => {
  it("freeze-400k.json: the worker sends a bounded window, and the timeline merges bars closer than a pixel into a handful (the page drew 400,000)", () => {
    const replies: RunReply[] = [];
    runJobs({ id: 1, jobs: [{ scenario: input("freeze-400k.json") }] }, (r) => replies.push(r));
    const done = replies.at(-1)!;
    assert.ok(done.type === "done");
    const run = done.runs[0]!;
    assert.equal(run.result.traceEvents, 400_002);
    assert.equal(run.result.trace.length, RUN_TRACE_EVENTS);
    const bars = intervals(run.result.trace, run.result.endTime);
    assert.equal(bars.length, RUN_TRACE_EVENTS - 2);
    const drawn = mergeIntervals(bars, run.result.endTime / 800);
    assert.deepEqual(drawn.map((b) => [b.task, b.kind, b.count]), [["T", "cpu", RUN_TRACE_EVENTS / 2 - 1], ["T", "cpu", RUN_TRACE_EVENTS / 2 - 1]]);
  });

  it("merging keeps bars apart that a pixel separates, and open intervals", () => {
    const iv = (start: number, end: number, open = false) => ({ task: "A", kind: "cpu" as const, label: "cpu", start, end, open });
    assert.deepEqual(mergeIntervals([iv(0, 10), iv(10, 20), iv(25, 30), iv(100, 110), iv(110, 200, true)], 5).map((b) => [b.start, b.end, b.count]), [[0, 30, 3], [100, 110, 1], [110, 200, 1]]);
  });
});
