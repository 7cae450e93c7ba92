// Engine semantics: virtual time order, FIFO ties, preemption points,
// policies, explicit schedules, budget and IRQ sections.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cond_resched, delay, KernelBug, local_irq_disable, local_irq_enable, Simulation, smp_call_function, traceHash, WaitQueue, type Task } from "../src/engine/index.js";
import { Prng } from "../src/engine/prng.js";

const order = (sim: Simulation, ev: string) => sim.trace.events.filter((e) => e.ev === ev).map((e) => e.task);

describe("virtual clock and run queue", () => {
  it("runs timed waits in virtual-time order regardless of spawn order", () => {
    const sim = new Simulation();
    for (const [name, ns] of [["slow", 300], ["fast", 100], ["mid", 200]] as const) {
      sim.spawn(name, function* (t) {
        yield* delay(t, "sleep", ns);
      });
    }
    const r = sim.run();
    assert.equal(r.status, "ok");
    assert.deepEqual(order(sim, "task_exit"), ["fast", "mid", "slow"]);
    assert.deepEqual(r.tasks.map((t) => t.exitTime), [300, 100, 200]);
    assert.equal(r.endTime, 300);
  });

  it("breaks ties at one instant FIFO, and cond_resched() sends the task to the back", () => {
    const sim = new Simulation();
    for (const name of ["A", "B"]) {
      sim.spawn(name, function* (t) {
        sim.event(t, "step");
        yield* cond_resched(t);
        sim.event(t, "step");
      });
    }
    sim.run();
    assert.deepEqual(order(sim, "step"), ["A", "B", "A", "B"]);
    assert.equal(sim.now, 0);
  });

  it("cpu work of two tasks overlaps: each task is its own CPU", () => {
    const sim = new Simulation();
    for (const name of ["A", "B"]) sim.spawn(name, (t) => delay(t, "cpu", 1000));
    assert.equal(sim.run().endTime, 1000);
  });

  it("rejects negative or fractional durations", () => {
    const sim = new Simulation();
    sim.spawn("A", (t) => delay(t, "io", 1.5));
    assert.throws(() => sim.run(), /non-negative integer/);
  });

  it("rejects duplicate task names", () => {
    const sim = new Simulation();
    sim.spawn("A", (t) => delay(t, "io", 1));
    assert.throws(() => sim.spawn("A", (t) => delay(t, "io", 1)), /already used/);
  });
});

describe("scheduling policies", () => {
  const racers = (sim: Simulation) => {
    for (const name of ["A", "B", "C"]) {
      sim.spawn(name, function* (t) {
        for (let i = 0; i < 3; i++) {
          sim.event(t, "step");
          yield* cond_resched(t);
        }
      });
    }
  };

  it("seeded random: the same seed gives the same interleaving, and some seed gives another", () => {
    const run = (seed: number) => {
      const sim = new Simulation({ seed, policy: "random" });
      racers(sim);
      return sim.run();
    };
    assert.deepEqual(run(7).decisions, run(7).decisions);
    const seen = new Set(Array.from({ length: 20 }, (_, s) => run(s).decisions.join("")));
    assert.ok(seen.size > 1, "20 seeds all gave one interleaving");
  });

  it("an explicit schedule replays a random run exactly (same trace hash)", () => {
    const a = new Simulation({ seed: 11, policy: "random" });
    racers(a);
    const ra = a.run();
    const b = new Simulation({ schedule: ra.decisions });
    racers(b);
    const rb = b.run();
    assert.equal(traceHash(rb.trace), traceHash(ra.trace));
  });

  it("an explicit schedule naming a task that is not ready ends the run with a clear error", () => {
    const sim = new Simulation({ schedule: ["A", "Z"] });
    racers(sim);
    const r = sim.run();
    assert.equal(r.status, "error");
    assert.match(r.error!.message, /schedule\[1\] is "Z", but the tasks ready at that point are "B", "C", "A"/);
  });
});

describe("timers (interrupt context)", () => {
  it("fire at their time, before tasks ready at the same instant, and may wake tasks", () => {
    const sim = new Simulation();
    const wq = new WaitQueue("completion");
    let done = false;
    sim.spawn("waiter", function* (t) {
      yield* wq.wait_event(t, () => done);
      sim.event(t, "woken");
    });
    sim.spawn("other", (t) => delay(t, "sleep", 500));
    sim.add_timer(500, "blk", () => {
      done = true;
      sim.event({ name: "blk" }, "irq");
      wq.wake_up_all();
    });
    const r = sim.run();
    assert.equal(r.status, "ok");
    const at500 = r.trace.filter((e) => e.t === 500).map((e) => `${e.task}:${e.ev}`);
    assert.deepEqual(at500, ["blk:irq", "other:task_exit", "waiter:sched_woken", "waiter:woken", "waiter:task_exit"]);
  });

  it("a kernel bug in a timer ends the run with status error, naming the context", () => {
    const sim = new Simulation();
    sim.spawn("A", (t) => delay(t, "sleep", 10));
    sim.add_timer(5, "blk", () => {
      throw new KernelBug("BUG in completion");
    });
    const r = sim.run();
    assert.deepEqual([r.status, r.error], ["error", { task: "blk", message: "BUG in completion" }]);
  });
});

describe("step budget", () => {
  it("stops a task that never finishes after exactly maxSteps steps", () => {
    const sim = new Simulation({ maxSteps: 1000 });
    sim.spawn("spin", function* (t) {
      for (;;) yield* cond_resched(t);
    });
    const r = sim.run();
    assert.equal(r.status, "budget");
    assert.equal(r.steps, 1000);
  });
});

describe("IRQ-disabled sections (mm/gup.c gup_fast under local_irq_save)", () => {
  /** A task with IRQs off from `from` for `ns`. */
  const irqsOff = (sim: Simulation, name: string, from: number, ns: number) =>
    sim.spawn(name, function* (t) {
      if (from > 0) yield* delay(t, "cpu", from);
      local_irq_disable(t);
      yield* delay(t, "cpu", ns, "gup_fast_pgd_range");
      local_irq_enable(t);
    });
  /** A task that sends a synchronous IPI at 1 us; returns when it is done. */
  const flushAt1us = (sim: Simulation) => {
    sim.spawn("flusher", function* (t) {
      yield* delay(t, "cpu", 1000);
      yield* smp_call_function(t, "flush_tlb_func");
    });
    const r = sim.run();
    assert.equal(r.status, "ok");
    return r.trace.find((e) => e.ev === "ipi_done")!.t;
  };

  it("a synchronous IPI waits until the other CPU re-enables interrupts", () => {
    const sim = new Simulation();
    irqsOff(sim, "walker", 0, 5000);
    assert.equal(flushAt1us(sim), 5000);
  });

  it("each CPU acknowledges when it next enables IRQs: the sender waits for the CPUs that had IRQs off when it sent, not for one that disables them later (csd_lock_wait per CPU, kernel/smp.c)", () => {
    const sim = new Simulation();
    irqsOff(sim, "walker", 0, 5000);
    irqsOff(sim, "late", 2000, 10000);
    assert.equal(flushAt1us(sim), 5000, "done when the walker enables IRQs, although 'late' has them off until 12 us");
  });

  it("a CPU whose task exits with IRQs disabled takes the pending IPI on the way out: the sender is woken, and the exit is reported (do_exit: 'exited with irqs disabled', kernel/exit.c)", () => {
    const sim = new Simulation();
    sim.spawn("leaker", function* (t) {
      local_irq_disable(t);
      yield* delay(t, "cpu", 3000);
    });
    sim.spawn("flusher", function* (t) {
      yield* delay(t, "cpu", 1000);
      yield* smp_call_function(t, "flush_tlb_func");
    });
    const r = sim.run();
    assert.equal(r.status, "ok", JSON.stringify(r.deadlock));
    assert.equal(r.trace.find((e) => e.ev === "ipi_done")!.t, 3000);
    assert.deepEqual(r.warnings, ["leaker exited with IRQs disabled"]);
  });

  it("sleeping with IRQs disabled is a kernel bug (might_sleep)", () => {
    const sim = new Simulation();
    sim.spawn("A", function* (t: Task) {
      local_irq_disable(t);
      yield* delay(t, "io", 100);
    });
    const r = sim.run();
    assert.equal(r.status, "error");
    assert.match(r.error!.message, /sleeping function called from invalid context/);
  });
});

describe("Prng", () => {
  it("is a pure function of the seed, and forks are independent of draws", () => {
    const a = new Prng(123);
    const b = new Prng(123);
    const xs = Array.from({ length: 5 }, () => a.u32());
    assert.deepEqual(xs, Array.from({ length: 5 }, () => b.u32()));
    assert.equal(new Prng(123).fork("x").u32(), a.fork("x").u32());
    assert.notEqual(new Prng(123).fork("x").u32(), new Prng(123).fork("y").u32());
  });

  it("draws integers within range", () => {
    const p = new Prng(5);
    for (let i = 0; i < 1000; i++) {
      const v = p.range(3, 9);
      assert.ok(Number.isInteger(v) && v >= 3 && v <= 9);
    }
  });

  it("rejects seeds outside [0, 2^32)", () => {
    assert.throws(() => new Prng(-1), /seed must be an integer/);
    assert.throws(() => new Prng(2 ** 32), /seed must be an integer/);
  });
});

describe("exponential draws", () => {
  it("use a logarithm that is bit-identical to V8's Math.log (fdlibm) but does not depend on the engine", async () => {
    const { ln } = await import("../src/engine/ln.js");
    const p = new Prng(99);
    for (let i = 0; i < 100_000; i++) {
      const x = 1 - p.float();
      assert.equal(ln(x), Math.log(x));
    }
    // Any double, by its bits: every branch of __ieee754_log (subnormals, |f| < 2^-20, both polynomial forms).
    const bits = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 100_000; i++) {
      bits.setUint32(0, p.u32());
      bits.setUint32(4, p.u32());
      const x = bits.getFloat64(0);
      assert.ok(Object.is(ln(x), Math.log(x)), `ln(${x})`);
    }
    for (const x of [0, -0, -1, NaN, Infinity, -Infinity, 1, Number.MIN_VALUE, 2.2250738585072014e-308, Number.MAX_VALUE, 1 + 2 ** -52, 1 - 2 ** -53, 1 + 2 ** -21]) assert.ok(Object.is(ln(x), Math.log(x)), `ln(${x})`);
  });
});

describe("canonical JSON (RFC 8785)", () => {
  it("is what the canonicalize package (the RFC's reference JavaScript) gives, for any JSON value and any trace event", async () => {
    const fc = (await import("fast-check")).default;
    const { default: reference } = (await import("canonicalize")) as unknown as { default: (v: unknown) => string | undefined };
    const { canonicalEvent, canonicalJson } = await import("../src/engine/canonical.js");
    fc.assert(fc.property(fc.jsonValue(), (v) => canonicalJson(v as never) === reference(v)), { numRuns: 2000 });
    const event = fc.record({ t: fc.nat(), task: fc.string(), ev: fc.string(), fn: fc.string(), args: fc.dictionary(fc.string(), fc.jsonValue()), ret: fc.jsonValue() }, { requiredKeys: ["t", "task", "ev"] });
    fc.assert(fc.property(event, (e) => canonicalEvent(e as never) === reference(e)), { numRuns: 2000 });
    // Keys sort by UTF-16 code units (RFC 8785 3.2.3), not by code point or locale.
    assert.equal(canonicalJson({ "\u{1F600}": 1, "\uFFFD": 2, a: 3, B: 4 }), reference({ "\u{1F600}": 1, "\uFFFD": 2, a: 3, B: 4 }));
    assert.throws(() => canonicalJson(Number.NaN as never), /NaN is not allowed/);
  });
});

describe("trace hashing", () => {
  it("Node's native SHA-256 and the browsers' (@noble/hashes) give the same digest of any text, lone surrogates included", async () => {
    const fc = (await import("fast-check")).default;
    const { textHasher } = await import("../src/engine/trace.js");
    const hex = (native: boolean, parts: string[]) => {
      const h = textHasher(native);
      for (const p of parts) h.update(p);
      return h.hex();
    };
    fc.assert(fc.property(fc.array(fc.string({ unit: "binary" })), (parts) => hex(true, parts) === hex(false, parts)), { numRuns: 500 });
    assert.equal(hex(true, ["\uD800", "a\uDFFF"]), hex(false, ["\uD800", "a\uDFFF"]));
    assert.equal(hex(false, [""]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});
