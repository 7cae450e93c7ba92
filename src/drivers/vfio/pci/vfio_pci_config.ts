/**
 * vfio-pci's virtualized config space, drivers/vfio/pci/vfio_pci_config.c:
 * whether the device's memory is enabled as the user set it, and a user
 * write of the command register.
 *
 * @module
 */
import type { KernelGen, Task } from "../../../engine/task.js";
import type { Kernel } from "../../../mm/kernel.js";
import { PCI_COMMAND_MEMORY, pci_read_config_word, pci_write_config_word } from "../../pci/pci.js";
import { vfio_pci_has_memory_lock, vfio_pci_memory_unlock, vfio_pci_zap_and_down_write_memory_lock, type VfioPciCoreDevice } from "./vfio_pci_core.js";

/**
 * `__vfio_pci_memory_enabled()` (abafbc551fdd, v5.8): "Caller should hold
 * memory_lock"; PCI_COMMAND_MEMORY in the virtual command register. (The
 * later VF, s390 `no_command_memory` and D3hot cases are not modelled.)
 */
export function __vfio_pci_memory_enabled(vdev: VfioPciCoreDevice): boolean {
  return (vdev.vconfig_command & PCI_COMMAND_MEMORY) !== 0;
}

/**
 * `vfio_basic_config_write()` of PCI_COMMAND (v5.8 and v6.x alike): a
 * write that clears PCI_COMMAND_MEMORY first zaps the BAR mappings and
 * takes memory_lock for write (`vfio_pci_zap_and_down_write_memory_lock()`),
 * one that sets it only takes memory_lock for write; the memory bit goes
 * through to the hardware (`vfio_default_config_write()`), the virtual
 * register takes the new value, then `up_write()` (remap_on_enable remaps
 * first when memory is enabled). Before v5.8 there is no
 * lock and no zap. `memory`: PCI_COMMAND_MEMORY in the value written.
 * Returns 0.
 */
export function* vfio_basic_config_write(k: Kernel, t: Task, vdev: VfioPciCoreDevice, memory: boolean): KernelGen<number> {
  const new_cmd = memory ? vdev.vconfig_command | PCI_COMMAND_MEMORY : vdev.vconfig_command & ~PCI_COMMAND_MEMORY;
  const locked = vfio_pci_has_memory_lock(k);
  if (locked) {
    if (!memory) yield* vfio_pci_zap_and_down_write_memory_lock(k, t, vdev);
    else yield* vdev.memory_lock.down_write(t);
  }
  const phys = pci_read_config_word(vdev.pdev);
  pci_write_config_word(vdev.pdev, (phys & ~PCI_COMMAND_MEMORY) | (new_cmd & PCI_COMMAND_MEMORY));
  vdev.vconfig_command = new_cmd;
  if (locked) yield* vfio_pci_memory_unlock(k, t, vdev);
  return 0;
}
