/**
 * The stage-2 fault's page lookup, arch/x86/kvm/mmu/mmu.c
 * `__kvm_faultin_pfn()` (v6.8..v6.12; renamed `__kvm_mmu_faultin_pfn()`
 * later), for a guest that has not enabled async PF (as the KVM selftests'
 * guests): a first `hva_to_pfn()` with FOLL_NOWAIT, then, since it cannot
 * queue an async PF, a second that may sleep (the kernel passes
 * FOLL_INTERRUPTIBLE; the model's GUP sleeps killable, which differs only
 * for signals). On
 * KVM_PFN_ERR_FAULT, `kvm_handle_error_pfn()` makes KVM_RUN fail with
 * -EFAULT; mainline fills KVM_EXIT_MEMORY_FAULT there only for guest_memfd
 * faults (mmu.c @56ea38e4, ~v6.8), the two proposals modelled here for
 * every fault they fail.
 *
 * @module
 */
import type { KernelGen, Task } from "../../engine/task.js";
import type { Kernel } from "../../mm/kernel.js";
import { hva_to_pfn } from "./hva_to_pfn.js";

/** How a stage-2 fault ended: the page is mapped, or KVM_RUN returns -EFAULT with KVM_EXIT_MEMORY_FAULT. */
export type FaultinResult = "pfn" | "memory_fault";

/**
 * `__kvm_faultin_pfn()`. With KVM_CAP_EXIT_ON_MISSING
 * (`kvm_exit_on_missing`, a patch) the lookup is atomic: GUP-fast or exit,
 * never mmap_lock, never userfaultfd. Otherwise the NOWAIT attempt (which
 * `handle_userfault()` answers with VM_FAULT_RETRY, no message) and the
 * blocking one, which waits in userfaultfd, or with PF_NO_UFFD_WAIT (a
 * patch) fails.
 */
export function* __kvm_faultin_pfn(k: Kernel, t: Task, hva: number, write: boolean): KernelGen<FaultinResult> {
  if (k.behaviour.kvm_exit_on_missing) return (yield* hva_to_pfn(k, t, hva, write, false, true)).kind === "pfn" ? "pfn" : "memory_fault";
  if ((yield* hva_to_pfn(k, t, hva, write, true)).kind === "pfn") return "pfn";
  return (yield* hva_to_pfn(k, t, hva, write, false)).kind === "pfn" ? "pfn" : "memory_fault";
}
