// Post-copy: userfaultfd's fault, read and wake paths, UFFDIO_CONTINUE, and
// KVM's stage-2 fault under mainline and the two 2022 proposals. Each row of
// the fact table names its source; each check runs the model.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { checkScenario, runScenario, type ScenarioSpec } from "../src/scenario/index.js";

const file = (name: string) => JSON.parse(readFileSync(`data/${name}.json`, "utf8")) as ScenarioSpec;
type Postcopy = NonNullable<ScenarioSpec["postcopy"]>;
const spec = (postcopy: Postcopy, extra: Partial<ScenarioSpec> = {}): ScenarioSpec => ({ title: "post-copy", tasks: [], ...extra, postcopy });
const run = (postcopy: Postcopy, extra: Partial<ScenarioSpec> = {}) => runScenario(spec(postcopy, extra));
const summary = (postcopy: Postcopy, extra: Partial<ScenarioSpec> = {}) => runScenario(spec(postcopy, extra), { trace: false }).postcopy!;
/** Trace events of a run matching `m`. */
const events = (r: ReturnType<typeof run>, m: { task?: RegExp; ev: string; lock?: string; ret?: string }) =>
  r.result.trace.filter((e) => e.ev === m.ev && (!m.task || m.task.test(e.task)) && (!m.lock || e.args?.lock === m.lock) && (m.ret === undefined || e.ret === m.ret));
const EXIT = { patches: ["kvm-exit-on-missing"] };
const NO_WAIT = { patches: ["pf-no-uffd-wait"] };

/** The data files of this debate: each passes `check` (expect and verdict). */
const DATA = [
  "postcopy-vcpu-waits-in-userfaultfd-v6.12",
  "postcopy-exit-on-missing-continue-takes-mmap-lock-v6.4",
  "postcopy-exit-on-missing-no-mmap-lock-v6.12",
  "postcopy-dontneed-populate-waits-in-userfaultfd-v6.12",
  "postcopy-dontneed-without-handler-hangs-v6.12",
  "postcopy-swapped-exit-on-missing-populates-v6.12",
  "postcopy-swapped-pf-no-uffd-wait-swaps-in-v6.12",
  "postcopy-shared-page-continue-eexist-v6.12",
];

describe("post-copy fact table", () => {
  it("handle_userfault() queues one message per faulting thread, not per page (fs/userfaultfd.c handle_userfault, on-stack uwq; 003fccf2)", () => {
    const r = run({ vcpus: 8, pagesPerVcpu: 1, pattern: "shared" });
    const faults = events(r, { ev: "uffd_fault" });
    const pages = new Set(faults.map((e) => `${e.args?.vma}:${e.args?.page}`));
    assert.ok(faults.length > pages.size, `${faults.length} messages for ${pages.size} pages`);
  });

  it("FAULT_FLAG_RETRY_NOWAIT gets VM_FAULT_RETRY with no message queued: one message per fault although KVM's NOWAIT attempt comes first (fs/userfaultfd.c handle_userfault; mmu.c __kvm_faultin_pfn)", () => {
    const r = run({ vcpus: 1, pagesPerVcpu: 3 });
    assert.equal(events(r, { ev: "uffd_fault" }).length, 3);
    assert.equal(events(r, { ev: "gup", task: /^vcpu0$/ }).length, 3 * 3, "three slow GUP walks per fault: NOWAIT, the blocking one, its retry after the wake");
  });

  it("every enqueue, read and wake takes fault_pending_wqh.lock; a wake walks both queues (fs/userfaultfd.c handle_userfault, userfaultfd_ctx_read, __wake_userfault; RFC 2022-12-01)", () => {
    const r = run({ vcpus: 2, pagesPerVcpu: 2 });
    const byTask = (task: RegExp) => events(r, { ev: "lock_acquire", lock: "guest fault_pending_wqh.lock", task }).length;
    assert.equal(byTask(/^vcpu\d$/), 4, "one enqueue per fault");
    assert.ok(byTask(/^uffd0\/reader0$/) >= 4 + 1, "a read per batch and a wake per page");
  });

  it("UFFDIO_CONTINUE on a mapped page fails with -EEXIST and wakes nobody; the handler then UFFDIO_WAKEs (mm/userfaultfd.c mfill_atomic_install_pte; selftests copy_page())", () => {
    let seen = 0;
    for (let seed = 0; seed < 20; seed++) {
      const r = run({ vcpus: 8, pagesPerVcpu: 1, pattern: "shared", readers: 2 }, { seed });
      const eexist = events(r, { ev: "uffd_continue", ret: "-EEXIST" }).length;
      assert.equal(eexist, events(r, { ev: "uffd_wake" }).length, `seed ${seed}`);
      assert.equal(r.result.status, "ok");
      seen += eexist;
    }
    assert.ok(seen > 0, "no -EEXIST in 20 seeds");
  });

  it("UFFDIO_CONTINUE holds mmap_lock before v6.9 and only the VMA lock from 867a43a34ff8 (mm/userfaultfd.c uffd_mfill_lock)", () => {
    for (const [profile, mmap] of [["v6.4", true], ["v6.12", false]] as const) {
      const r = run({ vcpus: 1, pagesPerVcpu: 2 }, { ...EXIT, profile });
      assert.equal(events(r, { ev: "lock_acquire", lock: "mmap_lock", task: /^vcpu0$/ }).length > 0, mmap, profile);
      assert.equal(events(r, { ev: "lock_acquire", lock: "guest.vm_lock", task: /^vcpu0$/ }).length > 0, !mmap, profile);
    }
  });

  it("no slow GUP: the stage-2 fault is GUP-fast only, never reaches handle_userfault, and exits (Anish Moorthy v7 2024-02-15, KVM_CAP_EXIT_ON_MISSING)", () => {
    const s = summary({ vcpus: 2, pagesPerVcpu: 8 }, EXIT);
    assert.equal(s.exits, 16);
    assert.equal(s.messages, 0);
  });

  it("PF_NO_UFFD_WAIT: slow GUP runs, handle_userfault returns VM_FAULT_SIGBUS, KVM_RUN fails with -EFAULT (Sean Christopherson 2022-12-03)", () => {
    const r = run({ vcpus: 1, pagesPerVcpu: 2 }, NO_WAIT);
    assert.equal(r.postcopy!.exits, 2);
    assert.equal(events(r, { ev: "uffd_fault" }).length, 0);
    assert.ok(events(r, { ev: "lock_acquire", lock: "mmap_lock", task: /^vcpu0$/ }).length >= 2, "slow GUP takes mmap_lock");
  });

  it("MINOR faults fire on a cached page with no PTE (mm/shmem.c shmem_get_folio_gfp: userfaultfd_minor); the page cache is never allocated again", () => {
    const r = run({ vcpus: 1, pagesPerVcpu: 4 });
    assert.equal(events(r, { ev: "uffd_fault" }).length, 4);
    assert.equal(r.postcopy!.faults, 4);
  });

  for (const name of DATA) {
    it(`data/${name}.json passes check`, () => {
      const report = checkScenario(file(name));
      assert.deepEqual(report.mismatches, []);
    });
  }
});

describe("post-copy contention", () => {
  it("one userfaultfd for all vCPUs: the demand-paging rate falls as vCPUs are added past a few, as every wake walks every waiter (Anish Moorthy 2023: 210K pages/s at 4 vCPUs, 36K at 256)", () => {
    const at = (vcpus: number, costs?: Postcopy["costs"]) => summary({ vcpus, pagesPerVcpu: 16, ...(costs ? { costs } : {}) }).pagesPerSec;
    assert.ok(at(64) < at(4), `${at(64)} >= ${at(4)}`);
    // With a free walk the fall is gone: the walk is what makes it.
    assert.ok(at(64, { walkNs: 0 }) >= at(4, { walkNs: 0 }));
  });

  it("one userfaultfd per vCPU shards the wait-queue lock (James Houghton, KVM Userfault v1 2024-12-04: 'the wait_queue locks are sharded perfectly')", () => {
    const single = summary({ vcpus: 32, pagesPerVcpu: 8 }).pagesPerSec;
    const per = summary({ vcpus: 32, pagesPerVcpu: 8, uffds: "per-vcpu" }).pagesPerSec;
    assert.ok(per > 2 * single, `${per} vs ${single}`);
  });

  it("exits scale until the lock word's cache line saturates: at most one page per two atomics", () => {
    const s = summary({ vcpus: 64, pagesPerVcpu: 16 }, EXIT);
    const rmwNs = 100;
    assert.ok(s.pagesPerSec <= 1e9 / (2 * rmwNs) + 1, `${s.pagesPerSec}`);
    assert.ok(s.pagesPerSec > 0.9 * (1e9 / (2 * rmwNs)), `${s.pagesPerSec}`);
  });

  it("with a link, every page is sent once, and requested pages jump the prefetch stream", () => {
    const link = { latencyNs: 20_000, pageNs: 5_000, prefetch: true };
    const r = run({ vcpus: 2, pagesPerVcpu: 32, pattern: "random", link });
    const sent = events(r, { ev: "sleep", task: /^source$/ }).map((e) => e.args?.ns);
    assert.equal(sent.length, 64, "one send per page");
    // A request waits for the page being sent and its own: far less than the stream's 64 pages.
    assert.ok(r.postcopy!.stall.p50 < 2 * link.latencyNs + 4 * link.pageNs + 20_000, `p50 stall ${r.postcopy!.stall.p50}`);
    const lazy = summary({ vcpus: 2, pagesPerVcpu: 32, pattern: "random", link: { ...link, prefetch: false } });
    assert.ok(lazy.requests === 64 && r.postcopy!.requests < 64, "with prefetch some pages are never asked for");
  });

  it("several handler threads: a wake that comes before the sleep is not lost (set_current_state in the enqueue's locked section; userfaultfd_must_wait), under any interleaving tried", () => {
    for (let seed = 0; seed < 30; seed++) {
      const s = runScenario(spec({ vcpus: 4, pagesPerVcpu: 2, readers: 2 }, { seed, interleave: "any", policy: "random" }), { trace: false });
      assert.equal(s.result.status, "ok", `seed ${seed}`);
      assert.equal(s.postcopy!.faults, 8);
    }
  });

  it("a run that stops early says how many vCPUs finished, and counts only what was done", () => {
    const s = runScenario(spec({ vcpus: 2, pagesPerVcpu: 4, readers: 0 }), { trace: false }).postcopy!;
    assert.deepEqual([s.finished, s.vcpus, s.accesses, s.faults], [0, 2, 0, 0]);
  });
});

describe("post-copy validation", () => {
  it("refuses swapped pages in MINOR mode, naming the field", () => {
    assert.throws(() => runScenario(spec({ vcpus: 1, pagesPerVcpu: 2, swapped: 0.5 })), /postcopy\.swapped/);
  });
  it("refuses a kvm section beside it", () => {
    assert.throws(() => runScenario({ ...spec({ vcpus: 1, pagesPerVcpu: 2 }), kvm: { vcpus: 1, procs: 1, pagesPerProc: 1, accesses: 1, swapped: 0 } }), /\$\.postcopy/);
  });
  it("stops with the reason on a kernel without MINOR mode on shmem (v5.14)", () => {
    const r = runScenario(spec({ vcpus: 1, pagesPerVcpu: 2 }, { profile: "v5.9" }), { trace: false });
    assert.equal(r.result.status, "error");
    assert.match(r.result.error!.message, /MINOR on shmem does not exist before v5\.14/);
    assert.equal(runScenario(spec({ vcpus: 1, pagesPerVcpu: 2, mode: "MISSING" }, { profile: "v5.9" }), { trace: false }).result.status, "ok");
  });
  it("refuses both alternatives at once, naming the second", () => {
    assert.throws(() => runScenario(spec({ vcpus: 1, pagesPerVcpu: 2 }, { patches: ["kvm-exit-on-missing", "pf-no-uffd-wait"] })), /patches\[1\]: expected one of kvm-exit-on-missing and pf-no-uffd-wait, not both/);
  });
  it("refuses the patches on profiles they were not written against", () => {
    assert.throws(() => runScenario(spec({ vcpus: 1, pagesPerVcpu: 2 }, { ...EXIT, profile: "v5.9" })), /patches\[0\]/);
  });
});
