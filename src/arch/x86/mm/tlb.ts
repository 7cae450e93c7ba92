/**
 * TLB shootdown, arch/x86/mm/tlb.c: `flush_tlb_mm_range()` ->
 * `native_flush_tlb_multi()` sends `flush_tlb_func` to the other CPUs in
 * `mm_cpumask(mm)` and waits for each (`on_each_cpu_cond_mask(..., wait=true)`).
 * A task is a CPU; the mm's CPUs are the tasks running in it.
 *
 * @module
 */
import { smp_call_function } from "../../../engine/irq.js";
import type { KernelGen, Task } from "../../../engine/task.js";
import type { Kernel } from "../../../mm/kernel.js";
import type { MmStruct } from "../../../mm/mm.js";

/** `flush_tlb_mm_range()`: returns once every other CPU that runs `mm` has run the flush. */
export function flush_tlb_mm_range(k: Kernel, t: Task, mm: MmStruct): KernelGen {
  return smp_call_function(t, "flush_tlb_func", (o) => k.current_mm(o) === mm);
}
