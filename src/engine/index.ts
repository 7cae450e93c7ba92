/**
 * The simulation engine: virtual clock, seeded PRNG, cooperative tasks,
 * scheduler policies, sleeping locks, queued spinlocks, contended cache
 * lines, wait queues, IRQ sections, lockdep and
 * the trace. It knows nothing of mm.
 *
 * @module
 */
export * from "./bug.js";
export * from "./cacheline.js";
export * from "./canonical.js";
export * from "./delay.js";
export * from "./footprint.js";
export * from "./irq.js";
export * from "./lock.js";
export * from "./lockdep.js";
export * from "./mutex.js";
export * from "./policy.js";
export * from "./prng.js";
export * from "./rwsem.js";
export * from "./signal.js";
export * from "./simulation.js";
export * from "./spinlock.js";
export * from "./task.js";
export * from "./trace.js";
export * from "./waitqueue.js";
