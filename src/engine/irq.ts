/**
 * IRQ-disabled sections and synchronous IPIs: the mechanism GUP-fast relies on
 * (mm/gup.c `gup_fast()` runs under `local_irq_save()`; a TLB shootdown that
 * sends an IPI and waits, as in x86 `native_flush_tlb_multi()`, cannot
 * complete while any target CPU has interrupts disabled).
 *
 * @module
 */
import { KernelBug } from "./bug.js";
import type { KernelGen, Task } from "./task.js";

/** `local_irq_disable()`: nests; IPIs to this task's CPU are held off. */
export function local_irq_disable(t: Task): void {
  t.sim.touch("irq");
  if (t.irqsDisabled++ === 0) t.sim.event(t, "irq_disable", "local_irq_disable");
}

/** `local_irq_enable()`: when the outermost section ends, the IPIs that arrived meanwhile are taken (acknowledged). */
export function local_irq_enable(t: Task): void {
  if (t.irqsDisabled === 0) throw new KernelBug(`local_irq_enable: ${t.name} has IRQs enabled already`);
  t.sim.touch("irq");
  if (--t.irqsDisabled === 0) {
    t.sim.event(t, "irq_enable", "local_irq_enable");
    for (const targets of t.pendingIpis.splice(0)) targets.delete(t);
    t.sim.ipiWaiters.wake_up_all();
  }
}

/**
 * `smp_call_function_many(..., wait=1)` (kernel/smp.c; `csd_lock_wait()`
 * spins per target CPU): send an IPI to every other CPU and wait until each
 * has run the handler. A CPU with IRQs enabled runs it at once; one with
 * IRQs disabled when the IPI arrives runs it when it next enables them, so
 * the sender waits for exactly those CPUs, not for a moment when no CPU has
 * IRQs off. `cpus` narrows the targets (a cpumask: each task is a CPU).
 */
export function* smp_call_function(t: Task, fn: string, cpus: (o: Task) => boolean = () => true): KernelGen {
  t.sim.touch("irq");
  const targets = new Set(t.sim.tasks.filter((o) => o !== t && o.state !== "exited" && o.irqsDisabled > 0 && cpus(o)));
  for (const o of targets) o.pendingIpis.push(targets);
  t.sim.event(t, "ipi_send", "smp_call_function_many", { func: fn });
  yield* t.sim.ipiWaiters.wait_event(t, () => targets.size === 0, () => [...targets].map((o) => o.name));
  t.sim.event(t, "ipi_done", "smp_call_function_many", { func: fn });
}
