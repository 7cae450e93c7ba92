// Property tests (fast-check) over generated scenarios: invariants after
// every step, lock-order discipline, and lockdep's completeness for ABBA-type
// deadlocks among exclusive locks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { assertScenario, exploreSeeds, normalizeScenario, runScenario } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkLocks, checkTasks } from "../src/check/invariants.js";

const LOCKS = [
  { name: "mmap_lock", kind: "rwsem" as const },
  { name: "i_mmap_rwsem", kind: "rwsem" as const },
  { name: "folio_lock", kind: "mutex" as const },
];

/** A critical section: take some locks (in the given order), work, release in reverse. */
const section = (locks: number[], modes: boolean[], work: number): OpSpec[] => {
  const take: OpSpec[] = [];
  const drop: OpSpec[] = [];
  locks.forEach((i, k) => {
    const l = LOCKS[i]!;
    const write = l.kind === "mutex" || modes[k];
    if (l.kind === "mutex") {
      take.push({ op: "mutex_lock", lock: l.name });
      drop.unshift({ op: "mutex_unlock", lock: l.name });
    } else {
      take.push({ op: write ? "down_write" : "down_read", lock: l.name });
      drop.unshift({ op: write ? "up_write" : "up_read", lock: l.name });
    }
  });
  return [...take, { op: "cpu", ns: { dist: "uniform", min: 0, max: work } }, ...drop];
};

const sectionArb = (ordered: boolean) =>
  fc
    .record({
      locks: fc.uniqueArray(fc.integer({ min: 0, max: LOCKS.length - 1 }), { minLength: 1, maxLength: 3 }),
      modes: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      work: fc.integer({ min: 0, max: 2000 }),
      gap: fc.integer({ min: 0, max: 2000 }),
    })
    .map(({ locks, modes, work, gap }): OpSpec[] => [
      { op: "sleep", ns: { dist: "uniform", min: 0, max: gap } },
      ...section(ordered ? [...locks].sort() : locks, modes, work),
    ]);

const scenarioArb = (ordered: boolean) =>
  fc.record({
    seed: fc.integer({ min: 0, max: 0xffffffff }),
    tasks: fc.array(fc.array(sectionArb(ordered), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
  }).map(
    ({ seed, tasks }): ScenarioSpec => ({
      title: "generated",
      seed,
      policy: "random",
      locks: LOCKS,
      tasks: tasks.map((sections, i) => ({ name: `T${i}`, ops: sections.flat() })),
    }),
  );

describe("properties of generated scenarios", () => {
  it("locks taken in one global order: never a deadlock or an inversion; invariants hold after every step", () => {
    fc.assert(
      fc.property(scenarioArb(true), (s) => {
        const run = runScenario(s, {
          onStep: (sim) => {
            checkLocks(sim);
            checkTasks(sim);
          },
        });
        assert.equal(run.result.status, "ok");
        assert.equal(run.result.inversions.length, 0);
        assert.deepEqual(run.result.warnings, [], "a task exited holding a lock");
      }),
      { numRuns: 200 },
    );
  });

  it("any order, exclusive locks only: every deadlock comes with a lockdep inversion report", () => {
    let deadlocks = 0;
    fc.assert(
      fc.property(scenarioArb(false), (s) => {
        const exclusive = { ...s, locks: LOCKS.map((l) => ({ ...l, kind: "mutex" as const })), tasks: s.tasks.map((t) => ({ ...t, ops: t.ops.map(toMutexOp) })) };
        const run = runScenario(exclusive, { onStep: checkTasks });
        assert.ok(run.result.status === "ok" || run.result.status === "deadlock", run.result.status);
        if (run.result.status === "deadlock") {
          deadlocks++;
          assert.ok(run.result.inversions.length > 0, "deadlock without an inversion report");
          assert.ok(run.result.deadlock!.cycle, "deadlock without a wait-for cycle");
        }
      }),
      { numRuns: 300, seed: 20261123 },
    );
    assert.ok(deadlocks >= 5, `only ${deadlocks} of 300 generated scenarios deadlocked: the property was hardly exercised`);
  });
});

function toMutexOp(op: OpSpec): OpSpec {
  switch (op.op) {
    case "down_read":
    case "down_write":
      return { op: "mutex_lock", lock: op.lock };
    case "up_read":
    case "up_write":
      return { op: "mutex_unlock", lock: op.lock };
    default:
      return op;
  }
}

describe("final-state predicates (herd7's final-state clauses over PTEs and folio counts)", () => {
  const spec = (final: Record<string, unknown>) => ({
    title: "fault-around leaves the window mapped",
    profile: "v6.12",
    mm: { vmas: [{ name: "f", kind: "file", pages: 32, pagecache: "all" }] },
    tasks: [{ name: "T", ops: [{ op: "fault", vma: "f", page: 0 }] }],
    property: { exists: { final }, verdict: "always", seeds: { from: 0, count: 2 } },
  });
  const verdict = (final: Record<string, unknown>) => exploreSeeds(normalizeScenario(assertScenario(spec(final)))).verdict;

  it("a page of the 64 KiB window is mapped read-only with one mapping and the page cache's reference (do_fault_around)", () => {
    assert.equal(verdict({ vma: "f", page: 15, pte: "ro", refcount: 2, mapcount: 1 }), "always");
  });
  it("a page past the window stays pte_none; a wrong count or PTE kind does not match", () => {
    assert.equal(verdict({ vma: "f", page: 16, pte: "none" }), "always");
    assert.equal(verdict({ vma: "f", page: 15, refcount: 1 }), "never");
    assert.equal(verdict({ vma: "f", page: 15, pte: "rw" }), "never");
  });
  it("a final predicate naming an unknown VMA is refused with its path", () => {
    assert.throws(() => assertScenario(spec({ vma: "g", page: 0 })), /\$\.property\.exists\.final\.vma: expected a VMA declared/);
  });
});
