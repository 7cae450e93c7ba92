// rw_semaphore, mutex, lockdep and deadlock detection, each fact checked
// against the kernel source it names.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { delay, Mutex, RwSemaphore, Simulation, type KernelGen, type ReaderWake, type Task } from "../src/engine/index.js";
import { checkNoLocksAtExit, checkRwsem, checkTasks } from "../src/check/invariants.js";

type Step = (t: Task, sem: RwSemaphore) => KernelGen;
const read = (hold: number): Step =>
  function* (t, sem) {
    yield* sem.down_read(t);
    yield* delay(t, "cpu", hold);
    sem.up_read(t);
  };
const write = (hold: number): Step =>
  function* (t, sem) {
    yield* sem.down_write(t);
    yield* delay(t, "cpu", hold);
    sem.up_write(t);
  };

/** Tasks start at the given times and run one step each on one rwsem; invariants are checked after every step. */
function rwsemRun(readerWake: ReaderWake, tasks: [name: string, start: number, step: Step][]) {
  let sem!: RwSemaphore;
  const sim = new Simulation({
    onStep: (s) => {
      checkRwsem(sem, s);
      checkTasks(s);
    },
  });
  sem = new RwSemaphore(sim, "mmap_lock", { readerWake });
  for (const [name, start, step] of tasks) {
    sim.spawn(name, function* (t) {
      yield* delay(t, "sleep", start);
      yield* step(t, sem);
    });
  }
  const r = sim.run();
  checkNoLocksAtExit(sim);
  const acquired = (name: string) => r.trace.find((e) => e.task === name && (e.ev === "lock_acquired" || (e.ev === "lock_acquire" && !r.trace.some((c) => c.task === name && c.ev === "lock_contended"))))!.t;
  return { r, acquired };
}

describe("rw_semaphore (kernel/locking/rwsem.c)", () => {
  it("readers share the lock", () => {
    const { r, acquired } = rwsemRun("all", [["R1", 0, read(1000)], ["R2", 10, read(1000)]]);
    assert.equal(acquired("R2"), 10);
    assert.equal(r.endTime, 1010);
  });

  it("a new reader queues behind a waiting writer (RWSEM_FLAG_WAITERS is in RWSEM_READ_FAILED_MASK, down_read -> rwsem_down_read_slowpath)", () => {
    const { acquired } = rwsemRun("all", [["R1", 0, read(1000)], ["W", 10, write(500)], ["R2", 20, read(100)]]);
    assert.equal(acquired("W"), 1000);
    assert.equal(acquired("R2"), 1500);
  });

  it("v5.3+: up_write wakes every queued reader, skipping writers (rwsem_mark_wake, d3681e269fff)", () => {
    const { acquired } = rwsemRun("all", [["W0", 0, write(1000)], ["R1", 10, read(500)], ["W2", 20, write(500)], ["R3", 30, read(500)]]);
    assert.equal(acquired("R1"), 1000);
    assert.equal(acquired("R3"), 1000);
    assert.equal(acquired("W2"), 1500);
  });

  it("before v5.3: up_write wakes only the readers ahead of the first queued writer (__rwsem_mark_wake, rwsem-xadd.c)", () => {
    const { acquired } = rwsemRun("head", [["W0", 0, write(1000)], ["R1", 10, read(500)], ["W2", 20, write(500)], ["R3", 30, read(500)]]);
    assert.equal(acquired("R1"), 1000);
    assert.equal(acquired("W2"), 1500);
    assert.equal(acquired("R3"), 2000);
  });

  it("down_read_trylock and down_write_trylock fail while tasks wait, even with only readers holding (RWSEM_READ_FAILED_MASK)", () => {
    const sim = new Simulation();
    const sem = new RwSemaphore(sim, "mmap_lock");
    const got: number[] = [];
    sim.spawn("R1", function* (t) {
      yield* sem.down_read(t);
      yield* delay(t, "cpu", 1000);
      sem.up_read(t);
    });
    sim.spawn("W", function* (t) {
      yield* delay(t, "sleep", 10);
      yield* sem.down_write(t);
      sem.up_write(t);
    });
    sim.spawn("T", function* (t) {
      got.push(sem.down_read_trylock(t));
      sem.up_read(t);
      yield* delay(t, "sleep", 20);
      got.push(sem.down_read_trylock(t), sem.down_write_trylock(t));
    });
    assert.equal(sim.run().status, "ok");
    assert.deepEqual(got, [1, 0, 0]);
  });

  it("downgrade_write wakes queued readers only when a reader is first in the queue (rwsem_downgrade_wake)", () => {
    const run = (queue: [string, number, Step][]) =>
      rwsemRun("all", [
        [
          "D",
          0,
          function* (t, sem) {
            yield* sem.down_write(t);
            yield* delay(t, "cpu", 1000);
            sem.downgrade_write(t);
            yield* delay(t, "cpu", 1000);
            sem.up_read(t);
          },
        ],
        ...queue,
      ]);
    assert.equal(run([["R", 10, read(100)], ["W", 20, write(100)]]).acquired("R"), 1000);
    const writerFirst = run([["W", 10, write(100)], ["R", 20, read(100)]]);
    assert.equal(writerFirst.acquired("W"), 2000);
    assert.equal(writerFirst.acquired("R"), 2100);
  });

  it("a recursive down_read is counted: a writer waits until both read holds are released", () => {
    const sim = new Simulation();
    const sem = new RwSemaphore(sim, "mmap_lock");
    sim.spawn("R", function* (t) {
      yield* sem.down_read(t);
      yield* sem.down_read(t);
      sem.up_read(t);
      yield* delay(t, "cpu", 100);
      sem.up_read(t);
    });
    sim.spawn("W", function* (t) {
      yield* delay(t, "sleep", 10);
      yield* sem.down_write(t);
      sem.up_write(t);
    });
    const r = sim.run();
    assert.equal(r.trace.find((e) => e.task === "W" && e.ev === "lock_acquired")!.t, 100);
  });

  it("up_read of a lock not held is a kernel bug", () => {
    const sim = new Simulation();
    const sem = new RwSemaphore(sim, "mmap_lock");
    sim.spawn("A", function* (t) {
      yield* delay(t, "cpu", 1);
      sem.up_read(t);
    });
    const r = sim.run();
    assert.equal(r.status, "error");
    assert.match(r.error!.message, /up_read: A does not hold mmap_lock for read/);
  });
});

describe("mutex (kernel/locking/mutex.c)", () => {
  it("waiters get the mutex in FIFO order (wait_list, handoff to the first waiter: 9d659ae14b54)", () => {
    const sim = new Simulation();
    const m = new Mutex(sim, "vma_lock");
    for (const [name, start] of [["A", 0], ["B", 30], ["C", 10], ["D", 20]] as const) {
      sim.spawn(name, function* (t) {
        yield* delay(t, "sleep", start);
        yield* m.mutex_lock(t);
        yield* delay(t, "cpu", 100);
        m.mutex_unlock(t);
      });
    }
    const r = sim.run();
    assert.deepEqual(r.trace.filter((e) => e.ev === "lock_release").map((e) => e.task), ["A", "C", "D", "B"]);
  });

  it("a task exiting with a mutex held is reported (lockdep: lock held when returning to user space)", () => {
    const sim = new Simulation();
    const m = new Mutex(sim, "m");
    sim.spawn("A", function* (t) {
      yield* m.mutex_lock(t);
    });
    const r = sim.run();
    assert.equal(r.status, "ok");
    assert.deepEqual(r.warnings, ["A exited holding m (write): lock held when returning to user space"]);
  });
});

describe("lockdep order recording and deadlock detection (kernel/locking/lockdep.c)", () => {
  function abba(bStart: number) {
    const sim = new Simulation();
    const a = new Mutex(sim, "i_mmap_rwsem");
    const b = new Mutex(sim, "folio_lock");
    const take = (first: Mutex, second: Mutex, start: number) =>
      function* (t: Task) {
        yield* delay(t, "sleep", start);
        yield* first.mutex_lock(t);
        yield* delay(t, "cpu", 100);
        yield* second.mutex_lock(t);
        second.mutex_unlock(t);
        first.mutex_unlock(t);
      };
    sim.spawn("A", take(a, b, 0));
    sim.spawn("B", take(b, a, bStart));
    return sim.run();
  }

  it("reports an ABBA inversion in a run that did not deadlock", () => {
    const r = abba(1000);
    assert.equal(r.status, "ok");
    assert.equal(r.inversions.length, 1);
    const inv = r.inversions[0]!;
    assert.deepEqual([inv.task, inv.holding, inv.acquiring], ["B", "folio_lock", "i_mmap_rwsem"]);
    assert.deepEqual(inv.chain.map((e) => [e.from, e.to, e.task]), [["i_mmap_rwsem", "folio_lock", "A"]]);
  });

  it("detects the deadlock when the two overlap, with the wait-for cycle", () => {
    const r = abba(50);
    assert.equal(r.status, "deadlock");
    assert.deepEqual(r.deadlock!.cycle, ["A", "B", "A"]);
    assert.deepEqual(
      r.deadlock!.blocked.map((b) => [b.task, b.waitsFor, b.holders]),
      [["A", "folio_lock (write)", ["B"]], ["B", "i_mmap_rwsem (write)", ["A"]]],
    );
    assert.equal(r.inversions.length, 1);
  });

  it("a trylock records no dependency, so B->A by trylock against A->B is no inversion (validate_chain skips hlock->trylock)", () => {
    const sim = new Simulation();
    const a = new Mutex(sim, "L1");
    const b = new Mutex(sim, "L2");
    sim.spawn("A", function* (t) {
      yield* a.mutex_lock(t);
      yield* b.mutex_lock(t);
      b.mutex_unlock(t);
      a.mutex_unlock(t);
    });
    sim.spawn("B", function* (t) {
      yield* delay(t, "sleep", 10);
      yield* b.mutex_lock(t);
      if (a.mutex_trylock(t)) a.mutex_unlock(t);
      b.mutex_unlock(t);
    });
    assert.deepEqual(sim.run().inversions, []);
  });

  it("finds a three-lock cycle through recorded edges, and nothing when the order is consistent", () => {
    const run = (orders: [string, string][]) => {
      const sim = new Simulation();
      const locks = new Map(["L1", "L2", "L3"].map((n) => [n, new Mutex(sim, n)]));
      orders.forEach(([x, y], i) =>
        sim.spawn(`T${i}`, function* (t) {
          yield* delay(t, "sleep", i * 1000);
          yield* locks.get(x)!.mutex_lock(t);
          yield* locks.get(y)!.mutex_lock(t);
          locks.get(y)!.mutex_unlock(t);
          locks.get(x)!.mutex_unlock(t);
        }),
      );
      return sim.run();
    };
    const cyc = run([["L1", "L2"], ["L2", "L3"], ["L3", "L1"]]);
    assert.equal(cyc.status, "ok");
    assert.equal(cyc.inversions.length, 1);
    assert.deepEqual(cyc.inversions[0]!.chain.map((e) => `${e.from}->${e.to}`), ["L1->L2", "L2->L3"]);
    assert.equal(run([["L1", "L2"], ["L2", "L3"], ["L1", "L3"]]).inversions.length, 0);
  });
});
