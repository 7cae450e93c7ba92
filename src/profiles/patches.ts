/**
 * Patches: alternatives posted in a debate and not merged, which a
 * scenario applies on top of its profile (`"patches": [...]`). Each is a
 * set of behaviour switch values, named by its mail, with the design it
 * was written against.
 *
 * @module
 */
import { PROFILES, type Behaviour } from "./index.js";

/** Profiles with vfio-pci design `design`. */
function withVfioDesign(design: Behaviour["vfio_pci_mmap"]): string[] {
  return PROFILES.filter((p) => p.behaviour.vfio_pci_mmap === design).map((p) => p.name);
}

/** One unmerged patch or proposal. */
export interface Patch {
  /** The name a scenario gives in `patches`. */
  readonly name: string;
  /** Subject of the mail. */
  readonly subject: string;
  /** Who posted it. */
  readonly author: string;
  /** When it was posted (YYYY-MM-DD). */
  readonly date: string;
  /** Its Message-ID (lore.kernel.org/all/<mail>/). */
  readonly mail: string;
  /** The switch values it sets. */
  readonly changes: Partial<Behaviour>;
  /** The profiles it applies to: those with the code it was written against, or for a proposal the nearest after it (Jason's, of v6.10-rc code, on v6.12). */
  readonly profiles: readonly string[];
}

/** The patches a scenario may apply. */
export const PATCHES: readonly Patch[] = [
  {
    name: "vfio-pci-fault-mmap-write-lock",
    subject: "[PATCH] vfio/pci: take mmap write lock for io_remap_pfn_range",
    author: "Yan Zhao",
    date: "2023-05-08",
    mail: "20230508125842.28193-1-yan.y.zhao@intel.com",
    changes: { vfio_pci_fault_mmap_write_lock: true },
    profiles: withVfioDesign("vma_list_locked"),
  },
  {
    name: "vfio-pci-remap-on-enable",
    subject: "Re: [PATCH] vfio/pci: take mmap write lock for io_remap_pfn_range (Jason Gunthorpe: remap on enable, unmap_mapping_range on disable, SIGBUS on fault)",
    author: "Jason Gunthorpe",
    date: "2024-05-22",
    mail: "20240522183046.GG20229@nvidia.com",
    changes: { vfio_pci_mmap: "remap_on_enable" },
    profiles: withVfioDesign("huge_fault"),
  },
  {
    name: "kvm-exit-on-missing",
    subject: "[PATCH v7 00/14] Improve KVM + userfaultfd performance via KVM_EXIT_MEMORY_FAULTs on stage-2 faults (KVM_CAP_EXIT_ON_MISSING: no slow GUP)",
    author: "Anish Moorthy",
    date: "2024-02-15",
    mail: "20240215235405.368539-1-amoorthy@google.com",
    changes: { kvm_exit_on_missing: true },
    profiles: ["v6.4", "v6.10", "v6.12"],
  },
  {
    name: "pf-no-uffd-wait",
    subject: "Re: [RFC] Improving userfaultfd scalability for live migration (PF_NO_UFFD_WAIT)",
    author: "Sean Christopherson",
    date: "2022-12-03",
    mail: "Y4qgampvx4lrHDXt@google.com",
    changes: { kvm_pf_no_uffd_wait: true },
    profiles: ["v6.4", "v6.10", "v6.12"],
  },
];

/** Patches that are alternatives to each other: a scenario applies at most one of each set. */
export const ALTERNATIVES: readonly (readonly string[])[] = [["kvm-exit-on-missing", "pf-no-uffd-wait"]];

/** Names of the patches. */
export const PATCH_NAMES: readonly string[] = PATCHES.map((p) => p.name);

/** Look up a patch by name; throws with the list of known names. */
export function patch(name: string): Patch {
  const p = PATCHES.find((q) => q.name === name);
  if (!p) throw new RangeError(`unknown patch "${name}"; expected one of ${PATCH_NAMES.join(", ")}`);
  return p;
}

/** `behaviour` with the named patches applied, in order. */
export function applyPatches(behaviour: Behaviour, names: readonly string[]): Behaviour {
  return names.reduce((b, name) => ({ ...b, ...patch(name).changes }), behaviour);
}
