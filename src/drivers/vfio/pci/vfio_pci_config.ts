/**
 * vfio-pci's virtualized config space, drivers/vfio/pci/vfio_pci_config.c:
 * whether the device's memory is enabled as the user set it, a user write
 * of the command register, and one of PCI_PM_CTRL's power state.
 *
 * @module
 */
import type { KernelGen, Task } from "../../../engine/task.js";
import type { Kernel } from "../../../mm/kernel.js";
import { PCI_COMMAND_MEMORY, PCI_D3hot, pci_read_config_word, pci_set_power_state, pci_write_config_word } from "../../pci/pci.js";
import { vfio_pci_has_memory_lock, vfio_pci_memory_unlock, vfio_pci_zap_and_down_write_memory_lock, type VfioPciCoreDevice } from "./vfio_pci_core.js";

/**
 * `__vfio_pci_memory_enabled()` (abafbc551fdd, v5.8): "Caller should hold
 * memory_lock"; PCI_COMMAND_MEMORY in the virtual command register, or a
 * VF (`pdev->is_virtfn`, ebfa440ce38b, v5.8-rc3: "SR-IOV VF memory enable
 * is handled by the MSE bit in the PF SR-IOV capability, there's therefore
 * no need to trigger faults based on the virtual value"; later spelled
 * `pdev->no_command_memory`, commit not identified); and from 2b2c651baf1c
 * (v5.19, "vfio/pci: Invalidate mmaps and block the access in D3hot power
 * state") only while `pdev->current_state < PCI_D3hot`. (s390's
 * no_command_memory for PFs is not modelled.)
 */
export function __vfio_pci_memory_enabled(k: Kernel, vdev: VfioPciCoreDevice): boolean {
  if (k.behaviour.vfio_pci_d3hot_blocks_memory && vdev.pdev.current_state >= PCI_D3hot) return false;
  return vdev.pdev.is_virtfn || (vdev.vconfig_command & PCI_COMMAND_MEMORY) !== 0;
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

/**
 * `vfio_lock_and_set_power_state()` (2b2c651baf1c, v5.19; posted in v4 as
 * `vfio_pci_lock_and_set_power_state()` in vfio_pci_core.c): entering
 * D3hot or deeper zaps the BAR mappings and takes memory_lock for write
 * (`vfio_pci_zap_and_down_write_memory_lock()`), any other state only
 * `down_write()`; then `vfio_pci_set_power_state()` and `up_write()`.
 */
function* vfio_lock_and_set_power_state(k: Kernel, t: Task, vdev: VfioPciCoreDevice, state: number): KernelGen {
  if (state >= PCI_D3hot) yield* vfio_pci_zap_and_down_write_memory_lock(k, t, vdev);
  else yield* vdev.memory_lock.down_write(t);
  pci_set_power_state(vdev.pdev, state);
  yield* vfio_pci_memory_unlock(k, t, vdev);
}

/**
 * `vfio_pm_config_write()` of PCI_PM_CTRL's power state field (a PMCSR
 * write through the config region): from 2b2c651baf1c (v5.19)
 * `vfio_lock_and_set_power_state()`; before it `vfio_pci_set_power_state()`
 * directly, with no lock and no zap, so a BAR mapping made in D0 keeps
 * reaching the device in D3hot, the access the commit says "will be
 * forwarded to the host and ... may cause issues on a few systems" (v5.18
 * context of the patch read; when the PMCSR write path itself arrived:
 * commit not identified). `state`: PCI_D0 or PCI_D3hot. Returns 0.
 */
export function* vfio_pm_config_write(k: Kernel, t: Task, vdev: VfioPciCoreDevice, state: number): KernelGen<number> {
  if (k.behaviour.vfio_pci_d3hot_blocks_memory) yield* vfio_lock_and_set_power_state(k, t, vdev, state);
  else pci_set_power_state(vdev.pdev, state);
  return 0;
}
