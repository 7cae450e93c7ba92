/**
 * A PCI device as vfio-pci sees it (drivers/pci/pci.c, access.c,
 * include/uapi/linux/pci_regs.h): its memory BARs (`pdev->resource[]`, a
 * physical range each) and the command register, whose PCI_COMMAND_MEMORY
 * bit decides whether the device decodes accesses to those BARs; and the
 * MMIO access a CPU load or store makes through a page-table entry that
 * maps a BAR's pfn. With PCI_COMMAND_MEMORY clear the device does not claim
 * the access (a master abort or Unsupported Request: a read returns all
 * ones, a write is dropped), the access vfio-pci must keep userspace from
 * making (CVE-2020-12888, abafbc551fdd's cover letter).
 *
 * @module
 */
import { delay } from "../../engine/delay.js";
import type { KernelGen, Task } from "../../engine/task.js";

/** PCI_COMMAND (pci_regs.h): offset of the command register in config space. */
export const PCI_COMMAND = 0x04;
/** PCI_COMMAND_MEMORY (pci_regs.h): enable response in memory space. */
export const PCI_COMMAND_MEMORY = 0x2;
/** PCI_COMMAND_INTX_DISABLE (pci_regs.h): what `pci_dev_save_and_disable()` leaves in the command register during a reset. */
export const PCI_COMMAND_INTX_DISABLE = 0x400;
/** PCI_D0 (include/linux/pci.h `pci_power_t`): fully on. */
export const PCI_D0 = 0;
/** PCI_D3hot: "Configuration and Message requests are the only TLPs accepted by a Function in the D3Hot state" (PCIe r5 5.3.1.4.1, quoted by 2b2c651baf1c): memory requests are Unsupported Requests. */
export const PCI_D3hot = 3;
/** PCI_SRIOV_CTRL_VFE (pci_regs.h): VF Enable in the PF's SR-IOV Control register. */
export const PCI_SRIOV_CTRL_VFE = 0x01;
/** PCI_SRIOV_CTRL_MSE (pci_regs.h): VF Memory Space Enable: the VFs' BARs decode only while it is set. */
export const PCI_SRIOV_CTRL_MSE = 0x08;
/** PCI_STD_NUM_BARS (pci_regs.h): BARs 0..5. */
export const PCI_STD_NUM_BARS = 6;

/** A memory BAR: `pdev->resource[bar]`, in pages (the kernel keeps byte addresses). */
export interface PciResource {
  /** `pci_resource_start() >> PAGE_SHIFT`: the first pfn the BAR decodes. */
  readonly start: number;
  /** `pci_resource_len() >> PAGE_SHIFT`: its size in pages (a power of two, as PCI BARs are). */
  readonly pages: number;
}

/** `struct pci_dev`, as far as MMIO through BAR mappings needs it. */
export class PciDev {
  /** `pci_name()`, the scenario's name for the device. */
  readonly name: string;
  /** The memory BARs, by index. */
  readonly resource: readonly PciResource[];
  /** The command register as the hardware holds it. */
  command: number;
  /** What the device's memory holds, by pfn: the last value a store that it decoded put there (0: never written). */
  readonly mmio = new Map<number, number>();
  /** `pdev->current_state`: PCI_D0 .. PCI_D3hot. */
  current_state = PCI_D0;
  /** `pdev->physfn` of an SR-IOV VF (`pdev->is_virtfn`), null for a PF or a plain function. */
  readonly physfn: PciDev | null;
  /** `iov->ctrl` of a PF (drivers/pci/iov.c): its SR-IOV Control register, VFE | MSE while its VFs are enabled; 0 for a device without VFs. */
  sriov_ctrl = 0;

  /** A VF's command register has PCI_COMMAND_MEMORY hardwired to 0 (ebfa440ce38b's message): `command` is then ignored. */
  constructor(name: string, resource: readonly PciResource[], command: number, physfn: PciDev | null = null) {
    this.name = name;
    this.resource = resource;
    this.physfn = physfn;
    this.command = physfn ? command & ~PCI_COMMAND_MEMORY : command;
    if (physfn) physfn.sriov_ctrl = PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE;
  }

  /** `pdev->is_virtfn`. */
  get is_virtfn(): boolean {
    return this.physfn !== null;
  }
}

/** `pci_resource_start()` in pages. */
export function pci_resource_start(pdev: PciDev, bar: number): number {
  return pdev.resource[bar]!.start;
}

/** `pci_resource_len()` in pages. */
export function pci_resource_len(pdev: PciDev, bar: number): number {
  return pdev.resource[bar]!.pages;
}

/** `pci_read_config_word(pdev, PCI_COMMAND)`: the hardware command register. */
export function pci_read_config_word(pdev: PciDev): number {
  return pdev.command;
}

/** `pci_write_config_word(pdev, PCI_COMMAND, val)`. */
export function pci_write_config_word(pdev: PciDev, val: number): void {
  pdev.command = val;
}

/**
 * `pci_try_reset_function()` (drivers/pci/pci.c): `pci_dev_save_and_disable()`
 * first brings the function to D0 (`pci_set_power_state(dev, PCI_D0)`:
 * "PM registers default to D0 after reset and a simple register restore
 * doesn't reliably return to a non-D0 state"), then
 * saves config space and writes PCI_COMMAND_INTX_DISABLE to the command
 * register (memory decode off), the function level reset takes `resetNs`
 * (`pcie_flr()` waits 100 ms), then `pci_dev_restore()` writes the saved
 * command register back. Returns 0.
 */
export function* pci_try_reset_function(t: Task, pdev: PciDev, resetNs: number): KernelGen<number> {
  pci_set_power_state(pdev, PCI_D0);
  const saved = pdev.command;
  const saved_sriov = pdev.sriov_ctrl;
  pci_write_config_word(pdev, PCI_COMMAND_INTX_DISABLE);
  // A PF's FLR resets its SR-IOV Control (VF Enable, VF MSE) with the rest of its config space: the VFs' BARs stop decoding.
  pdev.sriov_ctrl = 0;
  yield* delay(t, "sleep", resetNs, "pcie_flr", { device: pdev.name });
  pci_write_config_word(pdev, saved);
  // pci_dev_restore() -> pci_restore_state() -> pci_restore_iov_state() -> sriov_restore_state() (drivers/pci/iov.c) writes iov->ctrl back.
  pdev.sriov_ctrl = saved_sriov;
  return 0;
}

/**
 * `pci_set_power_state()` (drivers/pci/pci.c) between D0 and D3hot: the
 * PMCSR write. (The D3hot -> D0 restore of config space that
 * `vfio_pci_set_power_state()` does for NoSoftRst- devices is not
 * modelled: the command register is kept.)
 */
export function pci_set_power_state(pdev: PciDev, state: number): void {
  pdev.current_state = state;
}

/**
 * Whether the function decodes a memory request to its BARs: only in D0
 * (D3hot: Unsupported Request); a VF while its PF's SR-IOV Control has
 * PCI_SRIOV_CTRL_MSE (the VF's own PCI_COMMAND_MEMORY is hardwired to 0),
 * any other function while its command register has PCI_COMMAND_MEMORY.
 */
function pci_decodes_memory(pdev: PciDev): boolean {
  if (pdev.current_state >= PCI_D3hot) return false;
  if (pdev.physfn) return (pdev.physfn.sriov_ctrl & PCI_SRIOV_CTRL_MSE) !== 0;
  return (pdev.command & PCI_COMMAND_MEMORY) !== 0;
}

/** What a read of a BAR returns when the device does not claim it: all ones (a master abort). */
export const PCI_MMIO_ALL_ONES = 0xffffffff;

/**
 * A CPU load or store that reached BAR `bar` of `pdev` at `pfn` through a
 * page-table entry. While it decodes memory (`pci_decodes_memory()`) the device takes it (a
 * store sets the word, a load returns it); with it clear the access is not
 * claimed, traced as `pci_mmio_disabled` (what vfio-pci's memory_lock and
 * zapping exist to prevent), a load returns all ones and a store is lost.
 * Returns the value read, or 0 for a store.
 */
export function pci_mmio_access(t: Task, pdev: PciDev, bar: number, pfn: number, store: { value: number } | null): number {
  if (!pci_decodes_memory(pdev)) {
    if (t.sim.tracing) t.sim.event(t, "pci_mmio_disabled", store ? "store" : "load", { device: pdev.name, bar, pfn });
    return store ? 0 : PCI_MMIO_ALL_ONES;
  }
  if (!store) return pdev.mmio.get(pfn) ?? 0;
  pdev.mmio.set(pfn, store.value);
  return 0;
}
