// The interleaving explorer: interleave "any" in the engine, the search with
// and without partial-order reduction, verdicts, schedules that replay, race
// diagrams and the explore command.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { assertScenario, citeBlock, combineSubtrees, diagramRows, explore, exploreReport, exploreSubtree, formatDiagram, normalizeScenario, replaySchedule, runNormalized, splitSearch, type NormalizedScenario, type ScenarioSpec } from "../src/index.js";
import { exploreParallel } from "../src/cli/explore-pool.js";
import { EXIT } from "../src/cli/exit.js";
import { outcomeKey, outcomeOf } from "../src/explore/outcome.js";
import { verdictOf } from "../src/explore/verdict.js";

const BIN = new URL("../src/bin/faultline.js", import.meta.url).pathname;
const spec = (file: string) => assertScenario(JSON.parse(readFileSync(file, "utf8"))) as ScenarioSpec;
const load = (file: string) => normalizeScenario(spec(file));
const fixture = (name: string) => `test/fixtures/explore/${name}.json`;
const RACE = fixture("gup-vs-dontneed");
const LOCK_DROP = fixture("check-then-act-lock-drop");
const ONE_LOCK = fixture("check-then-act-one-lock");
/** data/ scenarios whose tasks can interleave (two or more tasks, or a fork). */
const MULTI = readdirSync("data")
  .filter((f) => f.endsWith(".json"))
  .map((f) => `data/${f}`)
  .filter((f) => {
    const s = spec(f);
    return s.tasks.length >= 2 || JSON.stringify(s.tasks).includes('"fork"');
  });
/** Plain enumeration of these takes tens of seconds: compared within a state budget. */
const LARGE = new Set(["data/rwsem-reader-wake-v4.19.json", "data/rwsem-reader-wake-v5.3.json"]);
const keys = (s: NormalizedScenario, reduction: boolean, maxStates?: number) => {
  const r = explore(s, { reduction, ...(maxStates ? { maxStates } : {}) });
  return { r, keys: r.outcomes.map((o) => outcomeKey(o.outcome)).sort() };
};

describe("interleave any (engine)", () => {
  it("taking the first candidate at every step is the time-order run (same trace hash) for every data/ scenario", () => {
    for (const f of readdirSync("data").filter((x) => x.endsWith(".json"))) {
      const s = { ...load(`data/${f}`), policy: "time" as const, schedule: null };
      const run = runNormalized({ ...s, interleave: "any" });
      assert.equal(run.hash, runNormalized(s).hash, f);
      if (load(`data/${f}`).policy === "time") assert.equal(run.hash, s.expect.hash, f);
    }
  });

  it("a random any-order run's decisions, IO completions (blk#1) among them, replay it as an explicit schedule", () => {
    const s = load("data/fault-without-retry-holds-mmap-lock-across-io.json");
    let timers = 0;
    for (let seed = 0; seed < 20; seed++) {
      const first = runNormalized({ ...s, seed, interleave: "any", policy: "random", schedule: null });
      if (first.result.decisions.some((d) => d.startsWith("blk#"))) timers++;
      const again = runNormalized({ ...s, seed, interleave: "any", schedule: first.result.decisions });
      assert.equal(again.hash, first.hash, `seed ${seed}`);
      assert.deepEqual(again.result.warnings, []);
    }
    assert.ok(timers > 0, "no run chose an IO completion");
  });

  it("an interrupt in a schedule needs interleave any, and the error says where", () => {
    assert.throws(() => assertScenario({ ...spec(RACE), schedule: ["zap", "blk#1"] }), /\$\.schedule\[1\]: expected a task name \(an interrupt such as blk#1 is a choice only with "interleave": "any"\)/);
  });
});

describe("explorer", () => {
  it("finds the GUP vs MADV_DONTNEED race that time order misses; its shortest schedule replays to the same outcome", () => {
    const s = load(RACE);
    assert.equal(runNormalized(s).final!.vmas[0]!.ptes.length, 1, "in time order the page ends mapped");
    const r = explore(s);
    assert.equal(r.exhaustive, true);
    assert.equal(r.verdict!.found, "sometimes");
    assert.equal(r.verdict!.agrees, false);
    const v = r.outcomes.filter((o) => o.violation);
    assert.equal(v.length, 1);
    assert.equal(v[0]!.schedule[0], "gup", "GUP runs first, its sleep notwithstanding");
    const replay = replaySchedule(s, v[0]!.schedule);
    assert.equal(outcomeKey(outcomeOf(replay)), outcomeKey(v[0]!.outcome));
    assert.equal(v[0]!.outcome.property, true);
  });

  it("finds a writer between a check under the read lock and the act under the write lock; none when one lock covers both (never, exhaustive)", () => {
    const drop = explore(load(LOCK_DROP));
    assert.equal(drop.verdict!.found, "sometimes");
    const v = drop.outcomes.find((o) => o.violation)!;
    const replay = replaySchedule(load(LOCK_DROP), v.schedule);
    assert.equal(outcomeOf(replay).property, true);
    const one = explore(load(ONE_LOCK));
    assert.equal(one.exhaustive, true);
    assert.equal(one.verdict!.found, "never");
    assert.equal(one.verdict!.agrees, true);
    assert.match(one.verdict!.text, /^never \(exhaustive: \d+ schedules\)$/);
    assert.deepEqual(one.outcomes.filter((o) => o.violation), []);
  });

  it("gives identical results on every run", () => {
    for (const f of [RACE, LOCK_DROP, "data/mmap-lock-reader-behind-writer.json"]) {
      const a = explore(load(f));
      const b = explore(load(f));
      assert.deepEqual(a, b, f);
    }
    const walks = (seed: number) => explore(load("data/rwsem-reader-wake-v5.3.json"), { maxStates: 50, walks: 20, seed });
    assert.deepEqual(walks(3), walks(3));
  });

  it("reduction visits no more states than plain enumeration and finds the same outcomes (fixtures and every data/ scenario that interleaves)", () => {
    for (const f of [RACE, LOCK_DROP, ONE_LOCK, ...MULTI.filter((x) => !spec(x).kvm)]) {
      const s = load(f);
      const dpor = keys(s, true);
      assert.equal(dpor.r.exhaustive, true, f);
      const plain = keys(s, false, LARGE.has(f) ? 20_000 : undefined);
      assert.ok(dpor.r.states <= plain.r.states, `${f}: ${dpor.r.states} states with reduction, ${plain.r.states} without`);
      if (plain.r.exhaustive) assert.deepEqual(dpor.keys, plain.keys, f);
    }
  });

  it("reduction pays off where steps touch disjoint objects (lock-only tasks): fewer states than plain enumeration", () => {
    const s = load(LOCK_DROP);
    assert.ok(explore(s).states * 10 < explore(s, { reduction: false }).states);
  });

  it("past the state budget: random walks, and the verdict claims nothing the search did not cover", () => {
    const r = explore(load(LOCK_DROP), { maxStates: 5, walks: 30, seed: 1 });
    assert.equal(r.exhaustive, false);
    assert.equal(r.walks, 30);
    assert.notEqual(r.verdict!.found, "never");
    assert.equal(r.outcomes.reduce((n, o) => n + o.count, 0), r.executions + r.walks);
  });
});

describe("split search (worker threads)", () => {
  /** The split's subtrees searched one after another in this thread, combined as the workers' results are. */
  const splitExplore = (s: NormalizedScenario, reduction: boolean) => {
    const split = splitSearch(s, 16);
    const { stats, tally } = combineSubtrees(split, split.roots.map((fixed) => exploreSubtree(s, fixed, reduction, 1e9)));
    return { split, r: exploreReport(s, reduction, stats, 0, tally) };
  };

  it("without reduction the subtrees partition the tree: the same states, executions and outcomes as one search", () => {
    for (const f of [RACE, LOCK_DROP, ONE_LOCK, "data/dirty-cow-v2.6.39.json", "data/khugepaged-vs-gup-fast-v5.9-broadcast.json"]) {
      const s = load(f);
      const { split, r } = splitExplore(s, false);
      assert.ok(split.roots.length > 1, `${f}: split into ${split.roots.length}`);
      const one = explore(s, { reduction: false });
      assert.equal(r.executions, one.executions, f);
      assert.equal(r.states, one.states, f);
      assert.deepEqual(r.outcomes.map((o) => [outcomeKey(o.outcome), o.count]).sort(), one.outcomes.map((o) => [outcomeKey(o.outcome), o.count]).sort(), f);
    }
  });

  it("with reduction below the split: every outcome of one search, and no more states than plain enumeration", () => {
    for (const f of [RACE, LOCK_DROP, ONE_LOCK, "data/dirty-cow-v2.6.39.json", "data/khugepaged-vs-gup-fast-v5.9-broadcast.json"]) {
      const s = load(f);
      const { r } = splitExplore(s, true);
      assert.equal(r.exhaustive, true, f);
      assert.deepEqual(r.outcomes.map((o) => outcomeKey(o.outcome)).sort(), keys(s, true).keys, f);
      assert.ok(r.states <= explore(s, { reduction: false }).states, f);
      assert.equal(r.verdict?.found, explore(s).verdict?.found, f);
    }
  });

  it("worker threads: the same report for 2 and 3 workers, and the one this thread computes", async () => {
    const s = load(LOCK_DROP);
    const run = (jobs: number) => exploreParallel(s, { jobs, maxStates: 200_000, reduction: true, walks: 0, seed: s.seed });
    const [two, three] = [await run(2), await run(3)];
    assert.deepEqual(two, three);
    assert.deepEqual(two, splitExplore(s, true).r);
  });

  it("worker threads: budget a finished subtree leaves goes to those that ran out, so a budget one search needs is enough here too", async () => {
    const s = load("data/dirty-cow-v4.15.json");
    const one = explore(s, { maxStates: 320 });
    assert.equal(one.exhaustive, true);
    const split = await exploreParallel(s, { jobs: 2, maxStates: 320, reduction: true, walks: 0, seed: s.seed });
    assert.equal(split.exhaustive, true);
    assert.ok(split.states <= 320, `${split.states} states`);
    assert.equal(split.verdict?.found, one.verdict?.found);
  });
});

describe("verdicts", () => {
  it("never and always only when exhaustive; sometimes as soon as both kinds are seen", () => {
    assert.equal(verdictOf("never", 0, 12, true).text, "never (exhaustive: 12 schedules)");
    assert.equal(verdictOf("never", 0, 500, false).text, "not seen in 500 schedules (not exhaustive)");
    assert.equal(verdictOf("never", 0, 500, false).agrees, null);
    assert.equal(verdictOf("always", 7, 7, false).text, "held in all 7 schedules seen (not exhaustive)");
    assert.equal(verdictOf("always", 7, 7, true).found, "always");
    assert.deepEqual([verdictOf("never", 2, 9, false).found, verdictOf("never", 2, 9, false).agrees], ["sometimes", false]);
    assert.equal(verdictOf("sometimes", 0, 4, true).agrees, false);
  });
});

describe("race diagrams", () => {
  const s = load(RACE);
  const v = explore(s).outcomes.find((o) => o.violation)!;
  const run = replaySchedule(s, v.schedule);
  const rows = diagramRows(run.result.trace);

  it("one column per task, at most 72 columns, the model's function names in trace order", () => {
    const text = formatDiagram(rows);
    assert.ok(text.every((l) => l.length <= 72), text.join("\n"));
    assert.match(text[0]!, /^gup +\| zap$/);
    const gup = text.findIndex((l) => l.includes("get_user_pages() = 1"));
    const zap = text.findIndex((l) => l.includes("madvise() = 0"));
    assert.ok(gup > 1 && zap > gup, text.join("\n"));
    assert.ok(text.some((l) => /^ +\| zap_pte_range\(\)$/.test(l)), text.join("\n"));
    assert.ok(!text.some((l) => /task_start|task_exit/.test(l)));
  });

  it("a long cell wraps between words (before a parenthesis, after a space or comma), not inside a name", () => {
    const rows = [{ task: "a", text: "smp_call_function_many(flush_tlb_func)", t: 0 }, { task: "b", text: "x", t: 1 }];
    const lines = formatDiagram(rows, 50);
    assert.deepEqual(lines.slice(2, 4).map((l) => l.split("|")[0]!.trimEnd()), ["smp_call_function_many", " (flush_tlb_func)"]);
  });

  it("rows are data for a chart: task, text and time", () => {
    assert.deepEqual(Object.keys(rows[0]!).sort(), ["t", "task", "text"]);
    assert.ok(rows.every((r) => r.task === "gup" || r.task === "zap"));
  });

  it("cite of a scenario with an explorer's schedule prints its race diagram; replay reproduces the block", () => {
    const cited: ScenarioSpec = { ...spec(RACE), interleave: "any", schedule: [...v.schedule] };
    const block = citeBlock(cited, runNormalized(normalizeScenario(cited)));
    assert.ok(block.includes("Race diagram (the explorer's schedule):"));
    assert.ok(block.includes(formatDiagram(rows).join("\n")));
    const r = spawnSync(process.execPath, [BIN, "replay", "-"], { input: block, encoding: "utf8" });
    assert.equal(r.status, EXIT.ok, r.stdout + r.stderr);
    assert.ok(!citeBlock(spec(RACE), runNormalized(load(RACE))).includes("Race diagram"));
  });
});

describe("faultline explore", () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, "explore", ...args], { encoding: "utf8" });

  it("prints the outcome table, the verdict and, for the violation, a schedule and its race diagram; exits 1 when the verdict is contradicted", () => {
    const r = cli(RACE);
    assert.equal(r.status, EXIT.mismatch, r.stderr);
    assert.match(r.stdout, /exhaustive: \d+ states, 4 executions/);
    assert.match(r.stdout, /property verdict: sometimes: held in 1 of 4 schedules \(exhaustive\)\n  expected never \(over seeds in the scenario\): DISAGREES/);
    assert.match(r.stdout, /"interleave": "any", "schedule": \[\n    "gup"(, "(gup|zap)")*\n  \]/);
    assert.match(r.stdout, /gup +\| zap\n-+\+-+\n/);
  });

  it("exits 0 when the search agrees; --no-reduction and --json", () => {
    const r = cli(ONE_LOCK, "--json");
    assert.equal(r.status, EXIT.ok, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.verdict.found, "never");
    assert.equal(json.reduction, true);
    const plain = JSON.parse(cli(ONE_LOCK, "--json", "--no-reduction").stdout);
    assert.equal(plain.reduction, false);
    assert.ok(json.states < plain.states);
    const parallel = JSON.parse(cli(ONE_LOCK, "--json", "--jobs", "2").stdout);
    assert.equal(parallel.verdict.found, "never");
    assert.equal(parallel.exhaustive, true);
  });

  it("--profile explores under another kernel: the verdict is that kernel's, and disagreeing with the scenario's expected one (for its own profile) exits 0", () => {
    const own = cli("data/pin-vs-madv-pageout-v5.9.json");
    assert.equal(own.status, EXIT.ok, own.stderr);
    assert.match(own.stdout, /profile v5\.9;[\s\S]*property verdict: sometimes/);
    const other = cli("data/pin-vs-madv-pageout-v5.9.json", "--profile", "v6.12");
    assert.equal(other.status, EXIT.ok, other.stderr);
    assert.match(other.stdout, /profile v6\.12;[\s\S]*property verdict: always[\s\S]*DISAGREES[\s\S]*explored under v6\.12; the expected verdict is for v5\.9/);
  });

  it("bad input: a bad budget and a missing file are named", () => {
    const budget = cli(ONE_LOCK, "--budget", "lots");
    assert.equal(budget.status, EXIT.usage);
    assert.match(budget.stderr, /--budget <n>.*expected a non-negative integer, found "lots"/);
    const jobs = cli(ONE_LOCK, "--jobs", "0");
    assert.equal(jobs.status, EXIT.usage);
    assert.match(jobs.stderr, /--jobs <n>.*expected "auto" or an integer in \[1, 256\], found "0"/);
    const missing = cli("nonexistent.json");
    assert.equal(missing.status, EXIT.unreadable);
    assert.match(missing.stderr, /nonexistent\.json: cannot read: ENOENT/);
  });
});
