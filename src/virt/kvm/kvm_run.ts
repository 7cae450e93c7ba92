/**
 * KVM_RUN for a guest that touches a list of guest pages (the KVM
 * selftests' memstress guest code: each vCPU writes its pages in turn).
 * An access to a page with no present host PTE is an EPT violation,
 * resolved by {@link __kvm_faultin_pfn}; a fault it cannot resolve
 * returns to userspace with KVM_EXIT_MEMORY_FAULT. With PF_NO_UFFD_WAIT
 * (a patch) the vCPU thread carries the flag while in KVM_RUN.
 *
 * @module
 */
import { delay } from "../../engine/delay.js";
import type { KernelGen, Task } from "../../engine/task.js";
import { PF_NO_UFFD_WAIT } from "../../fs/userfaultfd.js";
import type { Kernel } from "../../mm/kernel.js";
import { __kvm_faultin_pfn } from "./mmu.js";

/** One vCPU: its memslot's backing, the guest's accesses and where it stands. */
export interface KvmVcpu {
  /** The memslot's translation: the host address (`userspace_addr` + offset) of guest page `gfn`. */
  readonly hva: (gfn: number) => number;
  /** Guest pages the guest writes, in order. */
  readonly gfns: Int32Array;
  /** Guest CPU time per access (ns). */
  readonly computeNs: number;
  /** Index of the next access. */
  next: number;
  /** When the current access first faulted, or -1. */
  faultedAt: number;
  /** Per access that faulted, the time from its first EPT violation until the page was mapped (ns). */
  readonly stalls: number[];
}

/** Why KVM_RUN returned: the guest is done, or KVM_EXIT_MEMORY_FAULT at a guest page. */
export type KvmExit = { readonly reason: "done" } | { readonly reason: "memory_fault"; readonly gfn: number };

/** The KVM_RUN ioctl: run the guest until it is done or a fault needs userspace. */
export function* kvm_run(k: Kernel, t: Task, vcpu: KvmVcpu): KernelGen<KvmExit> {
  const noUffdWait = k.behaviour.kvm_pf_no_uffd_wait;
  if (noUffdWait) t.flags |= PF_NO_UFFD_WAIT;
  try {
    while (vcpu.next < vcpu.gfns.length) {
      const gfn = vcpu.gfns[vcpu.next]!;
      const hva = vcpu.hva(gfn);
      const pte = k.mm.pte(hva);
      if (pte?.kind !== "present" || !pte.write) {
        if (vcpu.faultedAt < 0) vcpu.faultedAt = k.sim.now;
        if (k.sim.tracing) k.sim.event(t, "kvm_page_fault", "kvm_mmu_page_fault", { gfn });
        if ((yield* __kvm_faultin_pfn(k, t, hva, true)) === "memory_fault") {
          if (k.sim.tracing) k.sim.event(t, "kvm_exit", "KVM_EXIT_MEMORY_FAULT", { gfn });
          return { reason: "memory_fault", gfn };
        }
      }
      if (vcpu.faultedAt >= 0) {
        vcpu.stalls.push(k.sim.now - vcpu.faultedAt);
        vcpu.faultedAt = -1;
      }
      yield* delay(t, "cpu", vcpu.computeNs, "guest");
      vcpu.next++;
    }
    return { reason: "done" };
  } finally {
    if (noUffdWait) t.flags &= ~PF_NO_UFFD_WAIT;
  }
}
