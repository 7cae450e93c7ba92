// The scenario format: a table of bad scenarios and the exact error each must
// produce, the published JSON Schema, and the corpus in data/.
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { formatError, jsonSchema, normalizeScenario, scenarioId, validateScenario } from "../src/scenario/index.js";
import { DEFAULT_PROFILE } from "../src/profiles/index.js";

const ok = { title: "t", locks: [{ name: "mmap_lock", kind: "rwsem" }, { name: "m", kind: "mutex" }], tasks: [{ name: "A", ops: [{ op: "down_read", lock: "mmap_lock" }, { op: "up_read", lock: "mmap_lock" }] }] };
const task = (ops: unknown[]) => ({ ...ok, tasks: [{ name: "A", ops }] });
const mm = { title: "t", mm: { vmas: [{ name: "heap", kind: "anon", pages: 8 }, { name: "data", kind: "file", pages: 4 }] }, tasks: [{ name: "A", ops: [] }] };

/** [what is wrong, scenario, the errors it must produce]. */
const BAD: [string, unknown, string[]][] = [
  ["not an object", "hello", ['$: expected object, found "hello" (string)']],
  ["missing title", { tasks: ok.tasks }, ["$.title: expected a value (required field), found nothing"]],
  ["no tasks", { ...ok, tasks: [] }, ["$.tasks: expected at least 1 task (or a kvm or postcopy section), found 0"]],
  ["unknown top-level field", { ...ok, sed: 1 }, ["$.sed: expected no such field (allowed: $schema, title, claim, source, profile, patches, seed, policy, interleave, schedule, maxSteps, locks, mm, kvm, postcopy, faults, tasks, expect, property), found 1 (number)"]],
  ["misspelt op", task([{ op: "down_reed", lock: "mmap_lock" }]), [/^\$\.tasks\[0\]\.ops\[0\]\.op: expected one of "down_read", .* \(did you mean "down_read"\?\), found "down_reed" \(string\)$/.source]],
  ["op without its lock", task([{ op: "mutex_lock" }]), ["$.tasks[0].ops[0].lock: expected a value (required field), found nothing"]],
  ["op without op", task([{ lock: "m" }]), [/^\$\.tasks\[0\]\.ops\[0\]\.op: expected one of "down_read", .*, found nothing$/.source]],
  ["unknown profile", { ...ok, profile: "v6.13" }, ['$.profile: expected one of "v2.6.38", "v2.6.39", "v4.15", "v4.19", "v5.1", "v5.2-rc1", "v5.2", "v5.3", "v5.7", "v5.9", "v6.4", "v6.10", "v6.12" (did you mean "v6.10", "v6.12"?), found "v6.13" (string)']],
  ["seed out of range", { ...ok, seed: -1 }, ["$.seed: expected a number >= 0, found -1 (number)"]],
  ["fractional seed", { ...ok, seed: 1.5 }, ["$.seed: expected integer, found 1.5 (number)"]],
  ["duration as a string", task([{ op: "io", ns: "5us" }]), ['$.tasks[0].ops[0].ns: expected ns as an integer, {"dist": "uniform", "min", "max"} or {"dist": "exponential", "mean"}, found "5us" (string)']],
  ["unknown distribution", task([{ op: "io", ns: { dist: "normal", mean: 5 } }]), ['$.tasks[0].ops[0].ns.dist: expected one of "uniform", "exponential", found "normal" (string)']],
  ["uniform without max", task([{ op: "io", ns: { dist: "uniform", min: 5 } }]), ["$.tasks[0].ops[0].ns.max: expected a value (required field), found nothing"]],
  ["repeat zero times", task([{ op: "repeat", count: 0, ops: [{ op: "cond_resched" }] }]), ["$.tasks[0].ops[0].count: expected a number >= 1, found 0 (number)"]],
  ["nested op error keeps its path", task([{ op: "repeat", count: 2, ops: [{ op: "sleep", ns: -5 }] }]), ['$.tasks[0].ops[0].ops[0].ns: expected ns as an integer, {"dist": "uniform", "min", "max"} or {"dist": "exponential", "mean"}, found -5 (number)']],
  ["bad task name", { ...ok, tasks: [{ name: "a b", ops: [] }] }, ["$.tasks[0].name: expected a string matching /^[A-Za-z_][A-Za-z0-9_.:-]*$/, found \"a b\" (string)"]],
  ["undeclared lock", task([{ op: "down_read", lock: "mmap_sem" }]), ['$.tasks[0].ops[0].lock: expected a lock declared in $.locks: one of "mmap_lock", "m", found "mmap_sem" (string)']],
  ["rwsem op on a mutex", task([{ op: "down_write", lock: "m" }]), ['$.tasks[0].ops[0].lock: expected a rwsem for down_write(), found "m" (string), a mutex']],
  ["duplicate task", { ...ok, tasks: [ok.tasks[0], ok.tasks[0]] }, ['$.tasks[1].name: expected a task name not used before, found "A" (string)']],
  ["schedule names an unknown task", { ...ok, schedule: ["A", "B"] }, ['$.schedule[1]: expected one of "A", found "B" (string)']],
  ["schedule names an interrupt without interleave any", { ...ok, schedule: ["blk#1"] }, ['$.schedule[0]: expected a task name (an interrupt such as blk#1 is a choice only with "interleave": "any"), found "blk#1" (string)']],
  ["interleave is time or any", { ...ok, interleave: "all" }, ['$.interleave: expected one of "time", "any", found "all" (string)']],
  ["bad hash", { ...ok, expect: { hash: "abc" } }, ['$.expect.hash: expected a string matching /^[0-9a-f]{64}$/, found "abc" (string)']],
  ["predicate with two fields", { ...ok, property: { exists: { status: "ok", inversion: true }, verdict: "never", seeds: { from: 0, count: 1 } } }, ['$.property.exists: expected exactly one field: Exactly one of status, inversion, event, before, count, final, all, any, not, found object {"status":"ok","inversion":true}']],
  ["misspelt verdict", { ...ok, property: { exists: { status: "ok" }, verdict: "nevr", seeds: { from: 0, count: 1 } } }, ['$.property.verdict: expected one of "never", "sometimes", "always" (did you mean "never"?), found "nevr" (string)']],
  ["nested predicate error", { ...ok, property: { exists: { all: [{ status: "okk" }] }, verdict: "never", seeds: { from: 0, count: 1 } } }, ['$.property.exists.all[0].status: expected one of "ok", "deadlock", "budget", "error" (did you mean "ok"?), found "okk" (string)']],
  ["mm op without an mm", task([{ op: "fault", vma: "heap", page: 0 }]), ['$.tasks[0].ops[0].op: expected an "mm" section for fault, found none']],
  ["fault on an unknown VMA", { ...mm, tasks: [{ name: "A", ops: [{ op: "fault", vma: "hep", page: 0 }] }] }, ['$.tasks[0].ops[0].vma: expected a VMA declared in $.mm.vmas: one of "heap", "data" (did you mean "heap"?), found "hep" (string)']],
  ["page beyond the VMA", { ...mm, tasks: [{ name: "A", ops: [{ op: "fault", vma: "heap", page: 8 }] }] }, ["$.tasks[0].ops[0].page: expected a page index within the VMA's 8 pages (0..7), found 8 (number)"]],
  ["page in two states", { ...mm, mm: { vmas: [{ name: "heap", kind: "anon", pages: 8, resident: [1], swapped: [1] }] } }, ['$.mm.vmas[0].swapped[0]: expected a page not already in resident, found 1 (number)']],
  ["file state on an anon VMA", { ...mm, mm: { vmas: [{ name: "heap", kind: "anon", pages: 8, pagecache: [1] }] } }, ["$.mm.vmas[0].pagecache: expected no pagecache on an anon VMA (use resident, swapped, swapcache, hwpoison), found array [1]"]],
  ["unknown FAULT_FLAG", { ...mm, tasks: [{ name: "A", ops: [{ op: "handle_mm_fault", vma: "heap", page: 0, flags: ["NOWAIT"] }] }] }, [/^\$\.tasks\[0\]\.ops\[0\]\.flags\[0\]: expected one of "WRITE", "ALLOW_RETRY", "RETRY_NOWAIT", .*found "NOWAIT" \(string\)$/.source]],
  ["uniform with min > max", task([{ op: "io", ns: { dist: "uniform", min: 100, max: 5 } }]), ["$.tasks[0].ops[0].ns.max: expected a value >= min (100), found 5 (number)"]],
  ["task named like a vCPU", { ...mm, kvm: { vcpus: 1, procs: 1, pagesPerProc: 1, accesses: 1, swapped: 0 }, tasks: [{ name: "vcpu0", ops: [] }] }, ['$.tasks[0].name: expected a name other than those the kvm and uffd sections give their tasks, found "vcpu0" (string)']],
  ["locked on get_user_pages_unlocked", { ...mm, tasks: [{ name: "A", ops: [{ op: "get_user_pages", call: "get_user_pages_unlocked", vma: "heap", page: 0, locked: true }] }] }, ["$.tasks[0].ops[0].locked: expected locked only with get_user_pages_remote or pin_user_pages_remote, found locked with get_user_pages_unlocked"]],
  ["a guest too large for a browser tab", { ...mm, kvm: { vcpus: 64, procs: 64, pagesPerProc: 65536, accesses: 1, swapped: 0 } }, ["$.kvm: expected at most 2097152 pages in all VMAs and the guest, found 268435468"]],
  ["a key that is not an identifier is quoted in the path", task([{ op: "cond_resched", "a b": 1 }]), ['$.tasks[0].ops[0]["a b"]: expected no such field (allowed: op), found 1 (number)']],
  ["a page set page past the VMA names the element and the bound", { ...mm, mm: { vmas: [{ name: "heap", kind: "anon", pages: 16, resident: [1, 2, 3, 40] }] } }, ["$.mm.vmas[0].resident[3]: expected a page index within the VMA's 16 pages (0..15), found 40 (number)"]],
  ["a page set page past any VMA names the element", { ...mm, mm: { vmas: [{ name: "heap", kind: "anon", pages: 16, resident: [1, 2000000] }] } }, ["$.mm.vmas[0].resident[1]: expected a number <= 1048576, found 2000000 (number)"]],
  ["a page twice in one page set", { ...mm, mm: { vmas: [{ name: "heap", kind: "anon", pages: 16, swapped: [3, 5, 3] }] } }, ["$.mm.vmas[0].swapped[2]: expected a value not already at [0] (no duplicates), found 3 (number)"]],
  ["a resident page swapped too, given as all", { ...mm, mm: { vmas: [{ name: "heap", kind: "anon", pages: 8, resident: [2], swapped: "all" }] } }, ['$.mm.vmas[0].swapped: expected a set of pages not in resident ("all" is every page, and a page has one state), found "all" (string)']],
  ["a page in swapcache after resident is all", { ...mm, mm: { vmas: [{ name: "heap", kind: "anon", pages: 8, resident: "all", swapcache: [7] }] } }, ['$.mm.vmas[0].swapcache[0]: expected a page not already in resident (it is "all"), found 7 (number)']],
  ["seed range past 2^32", { ...ok, property: { exists: { status: "ok" }, verdict: "always", seeds: { from: 4294967000, count: 1000 } } }, ["$.property.seeds.count: expected a seed range ending at 4294967295 at most: count <= 296 from 4294967000, found 1000 (number)"]],
  ["a number out of the double range", { ...ok, seed: Infinity }, ["$.seed: expected integer, found Infinity (number out of range)"]],
  ["mmap_lock declared twice", { ...mm, locks: [{ name: "mmap_lock", kind: "rwsem" }] }, ['$.locks[0].name: expected a name other than mmap_lock, which the mm section provides, found "mmap_lock" (string)']],
];

describe("scenario validation errors name the path, what was expected and what was found", () => {
  for (const [what, data, want] of BAD) {
    it(what, () => {
      const v = validateScenario(data);
      assert.equal(v.ok, false, "validated");
      const got = (v as { errors: Parameters<typeof formatError>[0][] }).errors.map(formatError);
      assert.equal(got.length, want.length, `errors: ${got.join(" | ")}`);
      want.forEach((w, i) => (w.startsWith("^") ? assert.match(got[i]!, new RegExp(w)) : assert.equal(got[i], w)));
    });
  }

  it("accepts the minimal valid scenario", () => {
    assert.equal(validateScenario(ok).ok, true);
  });
});

describe("published JSON Schema", () => {
  it("src/scenario/scenario.schema.json is the schema the validator uses (regenerate: UPDATE_GOLDEN=1)", () => {
    const path = "src/scenario/scenario.schema.json";
    const generated = JSON.stringify(jsonSchema(), null, 2) + "\n";
    if (process.env.UPDATE_GOLDEN) writeFileSync(path, generated);
    assert.equal(readFileSync(path, "utf8"), generated);
  });
});

describe("scenario ids", () => {
  it("do not depend on key order or on the recorded outcome", () => {
    const a = normalizeScenario(validateScenario(ok).ok ? (ok as never) : (null as never));
    const reordered = JSON.parse(JSON.stringify({ tasks: ok.tasks, locks: ok.locks, title: ok.title, expect: { status: "ok" } }));
    assert.equal(scenarioId(a), scenarioId(normalizeScenario(reordered)));
    assert.notEqual(scenarioId(a), scenarioId(normalizeScenario({ ...ok, seed: 1 } as never)));
  });

  it("do not depend on whether a default is written out", () => {
    const spec = { title: "t", mm: { vmas: [{ name: "heap", kind: "anon", pages: 2 }] }, tasks: [{ name: "T", ops: [{ op: "repeat", count: 2, ops: [{ op: "fault", vma: "heap", page: 0 }] }] }] } as const;
    const written = {
      ...spec,
      seed: 0,
      profile: DEFAULT_PROFILE,
      mm: { vmas: [{ ...spec.mm.vmas[0], shared: false, writable: true, resident: [] }], io: { readpage: 100_000 } },
      tasks: [{ name: "T", ops: [{ op: "repeat", count: 2, ops: [{ op: "fault", vma: "heap", page: 0, write: false }] }] }],
    };
    assert.equal(scenarioId(normalizeScenario(spec as never)), scenarioId(normalizeScenario(written as never)));
  });
});

describe("normalizeScenario", () => {
  it("fills every default from the schema's default keyword, at every depth, without changing the spec", () => {
    const spec = {
      title: "t",
      kvm: { vcpus: 1, procs: 1, pagesPerProc: 1, accesses: 1, swapped: 0 },
      tasks: [{ name: "T", ops: [{ op: "fork", child: { name: "C", ops: [{ op: "repeat", count: 1, ops: [{ op: "get_user_pages", call: "get_user_pages", vma: "guest", page: 0 }] }] } }] }],
    };
    const before = JSON.stringify(spec);
    const s = normalizeScenario(spec as never);
    assert.equal(JSON.stringify(spec), before);
    const schema = jsonSchema() as { properties: Record<string, { default?: unknown; properties?: Record<string, { default?: unknown }> }> };
    assert.equal(s.profile, schema.properties.profile!.default);
    assert.equal(s.maxSteps, schema.properties.maxSteps!.default);
    assert.deepEqual(s.mm, { vmas: [], io: { readpage: 100_000, swapin: 50_000, swapout: 50_000, eioRate: 0 }, tlbFlush: "ipi", zone: "ZONE_NORMAL" });
    assert.deepEqual(s.kvm, { ...spec.kvm, computeNs: 1000, switchNs: 2000, asyncPf: true });
    const fork = s.tasks[0]!.ops[0] as { child: { ops: { ops: unknown[] }[] } };
    assert.deepEqual(fork.child.ops[0]!.ops[0], { op: "get_user_pages", call: "get_user_pages", vma: "guest", page: 0, nr_pages: 1, flags: [], pages: true, locked: false, pteNs: 0 });
  });

  it("fills the defaults that depend on another field: a file's size, a lock's class", () => {
    const s = normalizeScenario({ title: "t", locks: [{ name: "L", kind: "mutex" }], mm: { vmas: [{ name: "f", kind: "file", pages: 3 }] }, tasks: [] } as never);
    assert.equal(s.locks[0]!.class, "L");
    assert.equal(s.mm!.vmas[0]!.size, 3);
  });
});

describe("data/ corpus", () => {
  for (const f of readdirSync("data").filter((f) => f.endsWith(".json"))) {
    it(`${f} validates and names its schema`, () => {
      const data = JSON.parse(readFileSync(`data/${f}`, "utf8"));
      const v = validateScenario(data);
      assert.ok(v.ok, v.ok ? "" : v.errors.map(formatError).join("\n"));
      assert.equal(data.$schema, "../src/scenario/scenario.schema.json");
    });
  }
});
