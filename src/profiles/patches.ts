/**
 * Patches: alternatives posted in a debate and not merged, which a
 * scenario applies on top of its profile (`"patches": [...]`). Each is a
 * set of behaviour switch values, named by its mail, with the design it
 * was written against.
 *
 * @module
 */
import type { Behaviour } from "./index.js";

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
  /** The vfio-pci design (`vfio_pci_mmap`) of the profile it applies to: the code it was written against, or for a proposal the nearest profile after it (Jason's, of v6.10-rc code, on v6.12). */
  readonly base: Behaviour["vfio_pci_mmap"];
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
    base: "vma_list_locked",
  },
  {
    name: "vfio-pci-remap-on-enable",
    subject: "Re: [PATCH] vfio/pci: take mmap write lock for io_remap_pfn_range (Jason Gunthorpe: remap on enable, unmap_mapping_range on disable, SIGBUS on fault)",
    author: "Jason Gunthorpe",
    date: "2024-05-22",
    mail: "20240522183046.GG20229@nvidia.com",
    changes: { vfio_pci_mmap: "remap_on_enable" },
    base: "huge_fault",
  },
];

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
