/**
 * TLB shootdown, arch/x86/mm/tlb.c: `flush_tlb_mm_range()` ->
 * `native_flush_tlb_multi()` sends `flush_tlb_func` to the other CPUs and
 * waits for each (`on_each_cpu_cond_mask(..., wait=true)`). Every other task
 * is taken to be a CPU that may cache the mm's translations.
 *
 * @module
 */
import { smp_call_function } from "../../../engine/irq.js";
import type { KernelGen, Task } from "../../../engine/task.js";

/** `flush_tlb_mm_range()`: returns once every other CPU has run the flush. */
export function flush_tlb_mm_range(t: Task): KernelGen {
  return smp_call_function(t, "flush_tlb_func");
}
