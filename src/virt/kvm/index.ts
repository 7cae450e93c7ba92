/**
 * KVM: vCPUs running guest processes, hva_to_pfn, the x86 stage-2 fault's
 * page lookup, KVM_RUN for a post-copy guest, and async page faults.
 *
 * @module
 */
export * from "./apf_worker.js";
export * from "./async_pf.js";
export * from "./hva_to_pfn.js";
export * from "./kvm_run.js";
export * from "./mmu.js";
export * from "./vcpu.js";
