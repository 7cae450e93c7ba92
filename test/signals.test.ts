// Signals and spurious wake-ups in the fault path: which sleeps a signal
// ends, what each caller then returns, and what the process does on its way
// back to user mode. Facts name the kernel source they come from.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RwSemaphore, Simulation, WaitQueue, send_sig, signal_pending_state, type Task } from "../src/engine/index.js";
import { runScenario, validateScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";

type Vmas = NonNullable<ScenarioSpec["mm"]>["vmas"];
const UFFD: Vmas = [{ name: "a", kind: "anon", pages: 2, uffd: { resolveNs: 100_000 } }];
const FILE: Vmas = [{ name: "f", kind: "file", pages: 2 }];

/** Task T runs `ops`; task K sends it `signal` at `at` ns; `others` run beside them. */
function signalled(vmas: Vmas, ops: OpSpec[], signal: "SIGKILL" | "SIGUSR1", at = 10_000, others: ScenarioSpec["tasks"] = []): ScenarioSpec {
  return { title: "signal", mm: { vmas }, tasks: [{ name: "T", ops }, { name: "K", ops: [{ op: "sleep", ns: at }, { op: "kill", task: "T", signal }] }, ...others] };
}
const calls = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn);
const rets = (r: ScenarioRun, fn: string) => calls(r, fn).map((e) => e.ret);
const count = (r: ScenarioRun, ev: string) => r.result.trace.filter((e) => e.ev === ev).length;

describe("signal_pending_state (include/linux/sched/signal.h)", () => {
  it("any signal ends an interruptible sleep, only SIGKILL a killable one, none an uninterruptible one", () => {
    const sim = new Simulation();
    const t = sim.spawn("t", function* () {});
    assert.equal(signal_pending_state("interruptible", t), false);
    t.sigpending = true;
    assert.deepEqual([signal_pending_state("interruptible", t), signal_pending_state("killable", t), signal_pending_state("uninterruptible", t)], [true, false, false]);
    t.sigkill = true;
    assert.deepEqual([signal_pending_state("interruptible", t), signal_pending_state("killable", t), signal_pending_state("uninterruptible", t)], [true, true, false]);
  });
});

describe("sleeps tolerate spurious wake-ups; killable waits give up on SIGKILL", () => {
  it("wait_event() sleeps again after a wake-up that leaves its condition false", () => {
    const sim = new Simulation();
    const wq = new WaitQueue("wq");
    let done = false;
    let woke = -1;
    sim.spawn("sleeper", function* (t) {
      yield* wq.wait_event(t, () => done);
      woke = t.sim.now;
    });
    sim.spawn("waker", function* (t) {
      t.readyAt = 10;
      yield 2;
      wq.wake_up_all(); // spurious: the condition is still false
      t.readyAt = 20;
      yield 2;
      done = true;
      wq.wake_up_all();
    });
    assert.equal(sim.run().status, "ok");
    assert.equal(woke, 20);
  });

  it("down_read_killable() (rwsem_down_read_slowpath out_nolock): SIGKILL takes the waiter off the queue, false; a later waiter behind it is unaffected", () => {
    const sim = new Simulation();
    const sem = new RwSemaphore(sim, "mmap_lock");
    const got: Record<string, boolean | number> = {};
    let reader: Task | null = null;
    sim.spawn("writer", function* (t) {
      yield* sem.down_write(t);
      t.readyAt = 100;
      yield 2;
      sem.up_write(t);
    });
    reader = sim.spawn("reader", function* (t) {
      got.reader = yield* sem.down_read_killable(t);
      if (got.reader) sem.up_read(t);
    });
    sim.spawn("killer", function* (t) {
      t.readyAt = 50;
      yield 2;
      send_sig(reader!, "SIGKILL");
    });
    sim.spawn("late", function* (t) {
      t.readyAt = 60;
      yield 2;
      yield* sem.down_read(t);
      got.late = t.sim.now;
      sem.up_read(t);
    });
    assert.equal(sim.run().status, "ok");
    assert.deepEqual(got, { reader: false, late: 100 });
  });

  it("a hand-over that came before the signal wins: the lock is taken (the wait_lock re-check in the slow path)", () => {
    const sim = new Simulation();
    const sem = new RwSemaphore(sim, "mmap_lock");
    let got: boolean | null = null;
    let reader: Task | null = null;
    sim.spawn("writer", function* (t) {
      yield* sem.down_write(t);
      t.readyAt = 100;
      yield 2;
      sem.up_write(t); // hands the read lock to the reader ...
      send_sig(reader!, "SIGKILL"); // ... before the signal arrives
    });
    reader = sim.spawn("reader", function* (t) {
      got = yield* sem.down_read_killable(t);
      if (got) sem.up_read(t);
    });
    assert.equal(sim.run().status, "ok");
    assert.equal(got, true);
  });

  it("a spurious wake-up of a task queued on an rwsem sleeps again: it gets the lock only when handed it", () => {
    const r = checkedRun({
      title: "spurious",
      faults: { spuriousWakeup: 0.5 },
      seed: 11,
      locks: [{ name: "L", kind: "rwsem" }],
      tasks: [
        { name: "W", ops: [{ op: "down_write", lock: "L" }, { op: "sleep", ns: 1000 }, { op: "up_write", lock: "L" }] },
        { name: "R", ops: [{ op: "down_read", lock: "L" }, { op: "up_read", lock: "L" }] },
      ],
    });
    assert.equal(r.result.trace.filter((e) => e.ev === "sched_wakeup" && e.task === "R").length, 6, "seed 11 wakes R spuriously, 6 times");
    const acquired = r.result.trace.find((e) => e.ev === "lock_acquired" && e.task === "R")!;
    assert.equal(acquired.t, 1000);
  });
});

describe("GUP and a fatal signal (mm/gup.c)", () => {
  const gupUffd = signalled(UFFD, [{ op: "get_user_pages", call: "get_user_pages_unlocked", vma: "a", page: 0, flags: ["WRITE"] }], "SIGKILL");

  it("v4.19: SIGKILL wakes handle_userfault's killable sleep; the one retry, with no retry left, stops in __get_user_pages: -ERESTARTSYS (4.19 mm/gup.c)", () => {
    const r = checkedRun(gupUffd, "v4.19");
    assert.deepEqual(rets(r, "get_user_pages_unlocked"), [-512]);
    assert.equal(calls(r, "get_user_pages_unlocked")[0]!.t, 10_000);
  });

  it("v5.7+: __get_user_pages_locked stops its retry loop at the fatal signal with -EINTR (ae46d2aa6a7f); the process then exits", () => {
    for (const p of ["v5.7", "v6.12"]) {
      const r = checkedRun(gupUffd, p);
      assert.deepEqual(rets(r, "get_user_pages_unlocked"), [-4], p);
      assert.ok(r.result.trace.some((e) => e.ev === "signal_deliver" && e.task === "T" && e.fn === "do_group_exit"), p);
    }
  });

  const behindWriter = signalled(FILE, [{ op: "get_user_pages", call: "get_user_pages_unlocked", vma: "f", page: 0 }], "SIGKILL", 150_000, [
    { name: "W", ops: [{ op: "sleep", ns: 50_000 }, { op: "down_write", lock: "mmap_lock" }, { op: "sleep", ns: 200_000 }, { op: "up_write", lock: "mmap_lock" }] },
  ]);

  it("v5.7+: the retry takes mmap_lock killably (mmap_read_lock_killable, 4426e945df58): SIGKILL behind a writer returns -EINTR at once", () => {
    const r = checkedRun(behindWriter, "v5.7");
    const [call] = calls(r, "get_user_pages_unlocked");
    assert.deepEqual([call!.t, call!.ret], [150_000, -4]);
    assert.ok(r.result.trace.some((e) => e.ev === "lock_interrupted" && e.fn === "down_read_killable"));
  });

  it("v5.3: the retry's down_read waits out the writer, then __get_user_pages sees the signal: -ERESTARTSYS at 250 us", () => {
    const r = checkedRun(behindWriter, "v5.3");
    const [call] = calls(r, "get_user_pages_unlocked");
    assert.deepEqual([call!.t, call!.ret], [250_000, -512]);
  });

  it("SIGKILL ends the whole process: the writer in the same address space dies on its way out, and the last task out tears the mm down", () => {
    const r = checkedRun(behindWriter, "v6.12");
    const exits = r.result.trace.filter((e) => e.ev === "signal_deliver").map((e) => [e.task, e.t]);
    assert.deepEqual(exits, [["T", 150_000], ["W", 250_000]]);
    assert.deepEqual(r.final!.vmas, []);
  });

  it("get_user_pages without a retry (locked == NULL) checks after each fault: -ERESTARTSYS on v5.7, -EINTR by v5.8-rc1 (17839856fd58's context)", () => {
    const s = signalled(FILE, [{ op: "get_user_pages", call: "get_user_pages", vma: "f", page: 0, nr_pages: 2 }], "SIGKILL");
    assert.deepEqual(rets(checkedRun(s, "v5.7"), "get_user_pages"), [-512]);
    assert.deepEqual(rets(checkedRun(s, "v5.9"), "get_user_pages"), [-4]);
  });
});

describe("fixup_user_fault() and a fatal signal", () => {
  it("v5.7+: its retry loop stops for SIGKILL with -EINTR (\"mm/gup: Fix fixup_user_fault() on multiple retries\"), where it would otherwise retry for ever", () => {
    const s = signalled(FILE, [{ op: "fixup_user_fault", vma: "f", page: 0, write: true }], "SIGKILL");
    const r = checkedRun(s, "v6.12");
    assert.deepEqual(rets(r, "fixup_user_fault"), [-4]);
  });
});

describe("user faults and signals (arch/x86/mm/fault.c, fs/userfaultfd.c)", () => {
  const uffdUsr1 = signalled(UFFD, [{ op: "fault", vma: "a", page: 0, write: true }], "SIGUSR1");

  it("v5.7+: a caught signal wakes handle_userfault's interruptible sleep; VM_FAULT_RETRY, fault_signal_pending returns to user mode, the handler runs, the access faults again", () => {
    const r = checkedRun(uffdUsr1, "v6.12");
    assert.deepEqual(rets(r, "do_user_addr_fault"), ["VM_FAULT_RETRY", "0"]);
    assert.equal(count(r, "uffd_fault"), 2);
    assert.equal(count(r, "signal_deliver"), 1);
  });

  it("before v5.7: handle_userfault retakes mmap_sem and returns VM_FAULT_NOPAGE (return_to_userland), and the access faults again after the handler", () => {
    const r = checkedRun(uffdUsr1, "v5.3");
    assert.deepEqual(rets(r, "do_user_addr_fault"), ["VM_FAULT_NOPAGE", "0"]);
    assert.equal(count(r, "uffd_fault"), 2);
  });

  it("a fault waiting for IO in a killable folio-lock wait is not ended by SIGUSR1; since v5.7 its VM_FAULT_RETRY returns to user mode first (fault_signal_pending), before it retried at once", () => {
    const s = signalled(FILE, [{ op: "fault", vma: "f", page: 0 }], "SIGUSR1");
    const v57 = checkedRun(s, "v5.7");
    assert.deepEqual(rets(v57, "do_user_addr_fault"), ["VM_FAULT_MAJOR|VM_FAULT_RETRY", "VM_FAULT_NOPAGE"]);
    assert.equal(calls(v57, "do_user_addr_fault")[0]!.t, 100_000);
    assert.equal(rets(checkedRun(s, "v5.3"), "do_user_addr_fault").length, 1);
  });

  it("SIGKILL during a file fault's killable folio-lock wait: VM_FAULT_RETRY with the lock dropped, the fault returns, the task dies (lock_folio_maybe_drop_mmap)", () => {
    const s: ScenarioSpec = {
      title: "two faults on one page",
      mm: { vmas: FILE },
      tasks: [
        { name: "A", ops: [{ op: "fault", vma: "f", page: 0 }] },
        { name: "T", ops: [{ op: "sleep", ns: 1000 }, { op: "fault", vma: "f", page: 0 }] },
        { name: "K", ops: [{ op: "sleep", ns: 10_000 }, { op: "kill", task: "T" }] },
      ],
    };
    const r = checkedRun(s, "v6.12");
    const t = calls(r, "do_user_addr_fault").find((e) => e.task === "T")!;
    assert.deepEqual([t.t, t.ret], [10_000, "VM_FAULT_RETRY"]);
    assert.ok(r.result.trace.some((e) => e.task === "T" && e.fn === "__folio_lock_killable"));
  });
});

describe("handle_userfault and spurious wake-ups (f9bf352224d7, v5.9)", () => {
  const spurious = (seed: number, profile: string) =>
    checkedRun({ title: "spurious", seed, faults: { spuriousWakeup: 0.5 }, mm: { vmas: UFFD }, tasks: [{ name: "T", ops: [{ op: "fault", vma: "a", page: 0, write: true }] }] }, profile);

  it("v5.7: the uwq.waken loop sleeps again: one message per fault, whatever the seed", () => {
    for (let seed = 0; seed < 10; seed++) assert.equal(count(spurious(seed, "v5.7"), "uffd_fault"), 1, `seed ${seed}`);
  });

  it("v5.9+: one sleep, then VM_FAULT_RETRY: a spurious wake-up re-faults and queues another message, the unread one withdrawn", () => {
    const counts = [0, 1, 2, 3, 4, 5].map((seed) => count(spurious(seed, "v5.9"), "uffd_fault"));
    assert.ok(counts.some((n) => n > 1), counts.join(" "));
    assert.deepEqual(counts, [0, 1, 2, 3, 4, 5].map((seed) => count(spurious(seed, "v5.9"), "uffd_fault")), "deterministic per seed");
  });
});

describe("the fatal-signal fault point and the kill op", () => {
  it("fatalSignal 1: SIGKILL arrives at the first sleep, deterministically; tasks that do not return to user mode (the uffd handler) are spared", () => {
    const s: ScenarioSpec = { title: "fault point", faults: { fatalSignal: 1 }, mm: { vmas: UFFD }, tasks: [{ name: "T", ops: [{ op: "get_user_pages", call: "get_user_pages_unlocked", vma: "a", page: 0, flags: ["WRITE"] }] }] };
    const a = checkedRun(s);
    assert.deepEqual(rets(a, "get_user_pages_unlocked"), [-4]);
    assert.deepEqual(a.result.trace.filter((e) => e.ev === "signal_generate").map((e) => e.task), ["T"]);
    assert.equal(checkedRun(s).hash, a.hash);
  });

  it("kill of a child not forked yet is -ESRCH", () => {
    const r = checkedRun({
      title: "kill",
      mm: { vmas: [{ name: "a", kind: "anon", pages: 1 }] },
      tasks: [{ name: "P", ops: [{ op: "kill", task: "C" }, { op: "fork", child: { name: "C", ops: [{ op: "exit" }] } }] }],
    });
    assert.deepEqual(rets(r, "kill"), ["-ESRCH"]);
  });

  it("the validator names a kill target that is no task", () => {
    const v = validateScenario({ title: "kill", tasks: [{ name: "P", ops: [{ op: "kill", task: "nobody" }] }] });
    assert.equal(v.ok, false);
    assert.ok(!v.ok && v.errors.some((e) => e.path === "$.tasks[0].ops[0].task"), JSON.stringify(v));
  });

  it("a kill runs in scenarios with no mm: the target's remaining ops do not run", () => {
    const r = runScenario({
      title: "kill",
      locks: [{ name: "L", kind: "mutex" }],
      tasks: [
        { name: "T", ops: [{ op: "sleep", ns: 100 }, { op: "mutex_lock", lock: "L" }, { op: "mutex_unlock", lock: "L" }] },
        { name: "K", ops: [{ op: "kill", task: "T" }] },
      ],
    });
    assert.equal(r.result.status, "ok");
    assert.equal(r.result.trace.filter((e) => e.task === "T" && e.ev === "lock_acquire").length, 0);
  });
});
