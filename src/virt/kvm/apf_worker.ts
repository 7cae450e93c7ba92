/**
 * How the model names a vCPU's async page fault work items (one task per
 * `kvm_setup_async_pf()` that queues work): what schedules and traces call
 * them, and what scenario validation reserves, without loading the fault
 * path.
 *
 * @module
 */

/** The schedule name of vCPU `vcpu`'s `n`-th async page fault work item (1-based): `vcpu0/apf#3`. */
export function apf_worker_name(vcpu: string, n: number): string {
  return `${vcpu}/apf#${n}`;
}

/** Matches the names {@link apf_worker_name} gives; the first group is the vCPU's name. */
export const APF_WORKER = /^(.+)\/apf#[1-9][0-9]*$/;
