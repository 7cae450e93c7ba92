// KVM fault-in: the async page fault path against virt/kvm and
// arch/x86/kvm/mmu sources, on small guests.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { kvmSummary, runScenario, validateScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { ScenarioSpec } from "../src/scenario/schema.js";
import { checkFolioAccounting, checkFolios, checkTasks } from "../src/check/invariants.js";

function guest(kvm: Partial<NonNullable<ScenarioSpec["kvm"]>>, profile = "v6.12", seed = 1): ScenarioRun {
  const r = runScenario(
    {
      title: "guest",
      profile: profile as ScenarioSpec["profile"],
      seed,
      mm: { vmas: [], io: { swapin: 200_000 } },
      kvm: { vcpus: 1, procs: 4, pagesPerProc: 16, accesses: 50, swapped: 0.3, ...kvm },
      tasks: [],
    },
    {
      onStep: (sim, k) => {
        checkTasks(sim);
        checkFolios(k!);
      },
    },
  );
  assert.equal(r.result.status, "ok", r.result.error?.message);
  assert.deepEqual(r.result.warnings, []);
  checkFolioAccounting(r.kernel!);
  return r;
}
const events = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.fn === fn);

describe("KVM async page faults", () => {
  it("an EPT violation on a swapped page tries GUP with FOLL_NOWAIT first (hva_to_pfn_slow, async => FOLL_NOWAIT)", () => {
    const r = guest({});
    const firstFault = r.result.trace.findIndex((e) => e.ev === "kvm_page_fault");
    const gup = r.result.trace.slice(firstFault).find((e) => e.ev === "gup")!;
    assert.match(String(gup.args!.flags), /FOLL_NOWAIT/);
  });

  it("a NOWAIT miss queues async_pf_execute, which calls get_user_pages_remote with pages == NULL (virt/kvm/async_pf.c)", () => {
    const r = guest({});
    const worker = r.result.trace.find((e) => e.task.startsWith("vcpu0/apf#") && e.ev === "gup")!;
    assert.equal(worker.args!.pages, "NULL");
    assert.match(String(worker.args!.flags), /FOLL_REMOTE/);
    assert.ok(events(r, "kvm_arch_async_page_present").length > 0, "no page-ready notification");
    assert.equal(kvmSummary(r.result).asyncPfs, events(r, "kvm_arch_async_page_not_present").length);
  });

  it("with async PF disabled every miss is handled synchronously: the vCPU stalls and never halts", () => {
    const r = guest({ asyncPf: false });
    const s = kvmSummary(r.result);
    assert.equal(s.asyncPfs, 0);
    assert.ok(s.syncFaults > 0 && s.stallFraction > 0);
    assert.equal(r.result.trace.filter((e) => e.ev === "kvm_halt").length, 0);
  });

  it("v2.6.38 as merged: a GUP-fast miss faults synchronously in the vCPU (get_user_pages_fast), so no async PF is queued for a swapped page (af585b921e5d: 'this makes everything synchrnous again')", () => {
    const r = guest({}, "v2.6.38");
    assert.equal(kvmSummary(r.result).asyncPfs, 0);
    assert.ok(r.result.trace.some((e) => e.task === "vcpu0" && e.ev === "io_submit"), "the vCPU itself waits for the swap-in");
  });

  it("v2.6.39: the async attempt is get_user_page_nowait() (FOLL_NOWAIT) and async_pf_execute takes the page with get_user_pages(), mmap_sem held across the IO (0857b9e95c1a, af585b921e5d)", () => {
    const r = guest({}, "v2.6.39");
    assert.ok(kvmSummary(r.result).asyncPfs > 0);
    assert.match(String(r.result.trace.find((e) => e.task === "vcpu0" && e.ev === "gup")!.args!.flags), /FOLL_NOWAIT/);
    const worker = r.result.trace.filter((e) => /apf#/.test(e.task));
    assert.equal(worker.find((e) => e.ev === "gup")!.args!.pages, "array");
    assert.equal(worker.find((e) => e.ev === "mm_fault_done")!.args!.mmap_lock, "held");
    assert.ok(r.result.warnings.length === 0, "no lock is leaked");
  });

  it("with async PF disabled the first attempt is still FOLL_NOWAIT, then a synchronous one (__kvm_mmu_faultin_pfn checks kvm_can_do_async_pf after the miss)", () => {
    const r = guest({ asyncPf: false });
    const vcpuGups = r.result.trace.filter((e) => e.task === "vcpu0" && e.ev === "gup");
    assert.match(String(vcpuGups[0]!.args!.flags), /FOLL_NOWAIT/);
    assert.ok(vcpuGups.some((e) => !/FOLL_NOWAIT/.test(String(e.args!.flags))));
  });

  it("with other guest processes to run, async PF finishes the same work sooner than waiting, as 318b275fbca1 intends ('KVM may tell vcpu to schedule another guest process'; same seeds)", () => {
    for (const seed of [1, 2, 3]) {
      const a = guest({ procs: 4 }, "v6.12", seed).result.endTime;
      const s = guest({ procs: 4, asyncPf: false }, "v6.12", seed).result.endTime;
      assert.ok(a < s, `seed ${seed}: async ${a} ns, sync ${s} ns`);
    }
  });

  it("every guest access completes: accesses = vCPUs x processes x accesses", () => {
    const r = guest({ vcpus: 2, procs: 3, accesses: 40 });
    assert.equal(kvmSummary(r.result).accesses, 2 * 3 * 40);
  });
});

describe("KVM runs replay from their decisions", () => {
  const input = JSON.parse(readFileSync(new URL("fixtures/inputs/kvm-decisions-not-replayable-as-schedule.json", import.meta.url), "utf8")) as ScenarioSpec;

  it("a schedule naming the async page fault workers the vCPUs start (vcpu0/apf#2) is a valid scenario", () => {
    const v = validateScenario(input);
    assert.ok(v.ok, JSON.stringify(!v.ok && v.errors));
  });

  it("a random-policy run's recorded decisions, given back as its explicit schedule, replay it to the same hash", () => {
    const { schedule: _, ...spec } = input;
    for (const seed of [1, 2, 3]) {
      const first = runScenario({ ...spec, seed, policy: "random" });
      assert.ok(first.result.decisions.some((d) => d.includes("/apf#")), "the run chose between async PF workers");
      const replay = runScenario({ ...spec, seed, schedule: [...first.result.decisions] });
      assert.deepEqual(replay.result.warnings, []);
      assert.equal(replay.result.status, "ok", replay.result.error?.message);
      assert.equal(replay.hash, first.hash, `seed ${seed}`);
    }
  });

  it("a worker of a vCPU the scenario does not have is refused at $.schedule[i]", () => {
    const v = validateScenario({ ...input, schedule: ["vcpu7/apf#1"] });
    assert.ok(!v.ok);
    assert.deepEqual(
      v.errors.map((e) => [e.path, e.expected]),
      [["$.schedule[0]", "an async page fault worker of a vCPU of $.kvm (vcpu0 .. vcpu1)"]],
    );
  });
});
