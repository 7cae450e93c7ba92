// GUP with pages == NULL as a prefault, userfaultfd MISSING ranges, and the
// callers from the 2019 thread "mm/gup: continue VM_FAULT_RETRY processing
// event for pre-faults" (df17277b2a85), before (v5.1) and after (v5.2).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { runScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkFolioAccounting, checkFolios, checkLocks, checkTasks } from "../src/check/invariants.js";

type Vma = NonNullable<ScenarioSpec["mm"]>["vmas"][number];
const UFFD: Vma = { name: "stack", kind: "anon", pages: 16, uffd: { resolveNs: 20_000 } };

function run(profile: string, vmas: Vma[], ops: OpSpec[], maxSteps?: number): ScenarioRun {
  const r = runScenario(
    { title: "fact", profile: profile as ScenarioSpec["profile"], ...(maxSteps ? { maxSteps } : {}), mm: { vmas, io: { readpage: 100_000, swapin: 50_000 } }, tasks: [{ name: "T", ops }] },
    {
      onStep: (sim, k) => {
        checkTasks(sim);
        checkLocks(sim);
        checkFolios(k!);
      },
    },
  );
  checkFolioAccounting(r.kernel!);
  return r;
}
const call = (r: ScenarioRun) => r.result.trace.find((e) => e.ev === "call" && e.task === "T")!;
const gupCalls = (r: ScenarioRun) => r.result.trace.filter((e) => e.ev === "gup" && e.task === "T").length;
const prefault = (call: string, nr: number, extra: object = {}): OpSpec => ({ op: "get_user_pages", call: call as never, vma: "stack", page: 0, nr_pages: nr, pages: false, ...extra });

describe("userfaultfd MISSING (fs/userfaultfd.c handle_userfault)", () => {
  it("a user fault in a registered range waits for UFFDIO_COPY, then the retry maps the page", () => {
    const r = run("v6.12", [UFFD], [{ op: "fault", vma: "stack", page: 3, write: true }]);
    assert.equal(r.result.status, "ok");
    assert.equal(call(r).ret, "0");
    assert.equal(call(r).t, 20_000);
    assert.ok(r.result.trace.some((e) => e.fn === "UFFDIO_COPY"));
  });

  it("plain get_user_pages (locked == NULL: no FAULT_FLAG_ALLOW_RETRY) fails on a uffd range: -EFAULT from VM_FAULT_SIGBUS", () => {
    const r = run("v6.12", [UFFD], [{ op: "get_user_pages", call: "get_user_pages", vma: "stack", page: 0 }]);
    assert.equal(call(r).ret, -14);
    assert.ok(!r.result.trace.some((e) => e.fn === "UFFDIO_COPY"), "userspace was never asked");
  });

  it("get_user_pages_unlocked on a uffd range waits for the handler and returns the pages", () => {
    const r = run("v6.12", [UFFD], [{ op: "get_user_pages", call: "get_user_pages_unlocked", vma: "stack", page: 0, nr_pages: 2 }]);
    assert.equal(call(r).ret, 2);
  });
});

describe("__get_user_pages_locked with pages == NULL (df17277b2a85)", () => {
  it("v5.1: a prefault returns at the first VM_FAULT_RETRY with the pages done so far ('If it's a prefault don't insist harder')", () => {
    const r = run("v5.1", [{ ...UFFD, resident: [0, 1] }], [prefault("get_user_pages_unlocked", 4)]);
    assert.deepEqual([call(r).ret, gupCalls(r)], [2, 1]);
  });

  it("get_user_pages_remote(&locked) prefault: v5.1 returns with *locked == 0 (dropped by the fault), v5.2 re-takes and drops it itself: released either way", () => {
    for (const p of ["v5.1", "v5.2"]) {
      const r = run(p, [{ ...UFFD, resident: [0] }], [prefault("get_user_pages_remote", 2, { locked: true })]);
      assert.equal(call(r).args!.mmap_lock, "released", p);
      const releases = r.result.trace.filter((e) => e.task === "T" && e.ev === "lock_release").length;
      const acquires = r.result.trace.filter((e) => e.task === "T" && e.ev === "lock_acquire").length;
      assert.equal(acquires, releases, `${p}: unbalanced mmap_lock`);
    }
  });

  it("v5.2: the prefault continues with the FOLL_TRIED call and the rest of the range", () => {
    const r = run("v5.2", [{ ...UFFD, resident: [0, 1] }], [prefault("get_user_pages_unlocked", 4)]);
    assert.equal(call(r).ret, 4);
    assert.ok(gupCalls(r) > 1);
  });

  it("async_pf's prefault, nr_pages == 1, then the fault with pages != NULL: 2 __get_user_pages calls before df17277b2a85, 3 after (Andrea Arcangeli, 2019-05)", () => {
    const ops: OpSpec[] = [
      { op: "get_user_pages", call: "get_user_pages_remote", vma: "stack", page: 0, pages: false, locked: true, flags: ["WRITE"] },
      { op: "get_user_pages", call: "get_user_pages_unlocked", vma: "stack", page: 0, flags: ["WRITE"] },
    ];
    const vmas: Vma[] = [{ name: "stack", kind: "anon", pages: 4, swapped: [0] }];
    assert.equal(gupCalls(run("v5.1", vmas, ops)), 2);
    assert.equal(gupCalls(run("v5.2", vmas, ops)), 3);
  });
});

describe("x86 fpu/signal.c prefault loop (d9c9ce34ed5c) on a userfaultfd stack", () => {
  const sig = (profile: string, loop: string) => call(run(profile, [UFFD], [{ op: "copy_fpstate_to_sigframe", vma: "stack", page: 0, nr_pages: 3, loop: loop as never }]));

  it("as merged, before df17277b2a85: -EFAULT, because GUP returned fewer than nr_pages after VM_FAULT_RETRY", () => {
    assert.equal(sig("v5.2-rc1", "d9c9ce34ed5c").ret, -14);
  });

  it("the loop does not exist before v5.2-rc1: the run is refused naming d9c9ce34ed5c", () => {
    const r = runScenario({ title: "too old", profile: "v5.1", mm: { vmas: [UFFD] }, tasks: [{ name: "T", ops: [{ op: "copy_fpstate_to_sigframe", vma: "stack", page: 0, nr_pages: 3, loop: "d9c9ce34ed5c" }] }] });
    assert.equal(r.result.status, "error");
    assert.match(r.result.error!.message, /v5\.2-rc1 \(d9c9ce34ed5c\)/);
  });

  it("the loop Andrea Arcangeli describes (retry unless ret < 0) succeeds on the same kernel, one page per prefault", () => {
    const c = sig("v5.2-rc1", "fixed");
    assert.deepEqual([c.ret, c.args!.prefaults], [0, 3]);
  });

  it("after df17277b2a85 the merged loop works: one prefault faults in the whole range", () => {
    const c = sig("v5.2", "d9c9ce34ed5c");
    assert.deepEqual([c.ret, c.args!.prefaults], [0, 1]);
  });
});

describe("fixup_user_fault (mm/gup.c)", () => {
  it("on a swapped page: VM_FAULT_RETRY, re-takes mmap_lock, retries with TRIED, reports *unlocked", () => {
    const r = run("v6.12", [{ name: "stack", kind: "anon", pages: 4, swapped: [1] }], [{ op: "fixup_user_fault", vma: "stack", page: 1, write: true }]);
    const c = call(r);
    assert.deepEqual([c.ret, c.args!.unlocked, c.t], [0, true, 50_000]);
    assert.deepEqual(
      r.result.trace.filter((e) => e.ev === "mm_fault").map((e) => /TRIED/.test(String(e.args!.flags))),
      [false, true],
    );
  });
});

describe("property: a prefault loop written as Andrea proposes always terminates with every page resident", () => {
  const STATES = ["none", "resident", "swapped", "swapcache", "uffd"] as const;
  it("for random ranges and residency patterns, on v5.2-rc1, v5.2 and v6.12, within the step budget", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("v5.2-rc1", "v5.2", "v6.12"),
        fc.array(fc.constantFrom(...STATES), { minLength: 1, maxLength: 24 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (profile, states, seed) => {
          const idx = (s: string) => states.flatMap((x, i) => (x === s ? [i] : []));
          const uffd = states.includes("uffd");
          // A uffd range covers the whole VMA; its "none" pages are the missing ones userspace resolves.
          const vma: Vma = {
            name: "stack",
            kind: "anon",
            pages: states.length,
            resident: idx("resident"),
            swapped: idx("swapped"),
            swapcache: idx("swapcache"),
            ...(uffd ? { uffd: { resolveNs: { dist: "exponential", mean: 20_000 } } } : {}),
          };
          const r = runScenario({
            title: "prop",
            profile: profile as ScenarioSpec["profile"],
            seed,
            maxSteps: 200_000,
            mm: { vmas: [vma], io: { swapin: { dist: "uniform", min: 1000, max: 100_000 } } },
            tasks: [{ name: "T", ops: [{ op: "copy_fpstate_to_sigframe", vma: "stack", page: 0, nr_pages: states.length, loop: "fixed" }] }],
          });
          assert.equal(r.result.status, "ok", `${profile} ${states.join(",")}: ${r.result.status}`);
          assert.equal(call(r).ret, 0);
          for (let i = 0; i < states.length; i++) {
            const pte = r.kernel!.mm.pte(r.kernel!.mm.vmas[0]!.start + i * 4096);
            assert.ok(pte?.kind === "present" && pte.write, `page ${i} not resident and writable`);
          }
        },
      ),
      { numRuns: 150, seed: 5 },
    );
  });
});
