/**
 * TLB shootdown, arch/x86/mm/tlb.c: `flush_tlb_mm_range()` ->
 * `native_flush_tlb_multi()` sends `flush_tlb_func` to the other CPUs in
 * `mm_cpumask(mm)` and waits for each (`on_each_cpu_cond_mask(..., wait=true)`).
 * A task is a CPU; the mm's CPUs are the tasks running in it. Where the
 * flush needs no IPI (the kernel's "broadcast" mode here: arm64's TLBI
 * broadcast, paravirt flush hypercalls), nobody is waited for, so a CPU
 * walking page tables with IRQs off (GUP-fast) does not hold it up.
 *
 * @module
 */
import { smp_call_function } from "../../../engine/irq.js";
import type { KernelGen, Task } from "../../../engine/task.js";
import type { Kernel } from "../../../mm/kernel.js";
import type { MmStruct } from "../../../mm/mm.js";

/** `flush_tlb_mm_range()`: returns once every other CPU that runs `mm` has run the flush (at once, without IPIs). */
export function flush_tlb_mm_range(k: Kernel, t: Task, mm: MmStruct): KernelGen {
  if (k.tlbFlush === "broadcast") {
    if (k.sim.tracing) k.sim.event(t, "tlb_flush", "flush_tlb_mm_range", { how: "broadcast" });
    return t.yieldOnce(null);
  }
  return smp_call_function(t, "flush_tlb_func", (o) => k.current_mm(o) === mm);
}
