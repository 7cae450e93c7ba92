/**
 * The model's version. A trace hash is a function of the scenario, its
 * seed and profile, the trace format and the model; citations and recorded
 * outcomes carry this number, so a hash that no longer reproduces can be
 * told apart: recorded under another model version (the model changed), or
 * under this one (the result changed: a regression).
 *
 * @module
 */

/**
 * Bumped with every change to the model that changes a trace hash of a
 * scenario that ran before. 1: up to the single-mm model; 2: fault-around,
 * per-VMA locks, VM_FAULT_COMPLETED, processes and held references; 3:
 * FAULT_FLAG_INTERRUPTIBLE in x86 user faults (v5.7+) and FOLL_UNLOCKABLE
 * in GUP (v6.3+), as the profiles' kernels pass them; 4: signals (killable
 * folio-lock and mmap_lock waits where the kernel takes them:
 * `__folio_lock_killable`, `mmap_read_lock_killable` in GUP's retry loop),
 * pins, PageAnonExclusive, KSM and khugepaged; 5: `vmf_can_call_fault()`
 * (v6.7+): a `->fault` of a VMA without `->map_pages`, a vfio-pci BAR's,
 * retries under mmap_lock instead of running under the VMA lock; 6:
 * UFFDIO_COPY under the VMA lock (v6.9+, `uffd_mfill_lock()`), KVM's
 * `hva_to_pfn()` looks the VMA up under mmap_lock after a failed slow GUP,
 * and its synchronous attempt is `get_user_pages_unlocked()` where the
 * async one is (ce53053ce378 on).
 */
export const MODEL_VERSION = 6;

/** The explanation of a trace hash that differs from one recorded or cited under `recorded` (a model version, if known). */
export function explainHashMismatch(recorded: number | undefined): string {
  if (recorded === undefined) return "the recorded hash names no model version: it may come from another version of the model";
  if (recorded !== MODEL_VERSION) return `recorded under model version ${recorded}, this is model version ${MODEL_VERSION}: the model changed`;
  return `recorded under this model version (${MODEL_VERSION}): the result changed, not the model`;
}
