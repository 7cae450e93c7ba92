/**
 * KVM: vCPUs running guest processes, hva_to_pfn and async page faults.
 *
 * @module
 */
export * from "./async_pf.js";
export * from "./hva_to_pfn.js";
export * from "./vcpu.js";
