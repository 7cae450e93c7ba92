/**
 * pread(2) of a BAR through the device fd, drivers/vfio/pci/vfio_pci_rdwr.c
 * `vfio_pci_bar_rw()`, for one 4-byte read into a user buffer: how
 * memory_lock guards the device access against a disable. As merged in
 * v5.8 (abafbc551fdd) `down_read(memory_lock)` was held across the whole
 * loop, `copy_to_user()` included; with the buffer itself an mmap of the
 * device's BAR, that copy faults into `vfio_pci_mmap_fault()`, which takes
 * memory_lock for read again under mmap_lock and vma_lock (Zhiyi Guo's
 * lockdep report). bc93b9ae0151 ("vfio-pci: Avoid recursive read-lock
 * usage", v5.9-rc2) holds it only around the ioread itself
 * (`vfio_pci_ioread32()` and friends, -EIO when memory is disabled).
 *
 * @module
 */
import type { KernelGen, Task } from "../../../engine/task.js";
import { EIO } from "../../../include/errno.js";
import type { Kernel } from "../../../mm/kernel.js";
import { copy_to_user } from "../../../arch/x86/lib/usercopy.js";
import { pci_mmio_access, pci_resource_start } from "../../pci/pci.js";
import { __vfio_pci_memory_enabled } from "./vfio_pci_config.js";
import type { VfioPciCoreDevice } from "./vfio_pci_core.js";

/**
 * Read the word at page `offset` of BAR `bar` into user address `buf`.
 * Returns 4 (bytes) or -EIO (memory disabled, v5.8+) / -EFAULT (the copy
 * failed).
 */
export function* vfio_pci_bar_rw(k: Kernel, t: Task, vdev: VfioPciCoreDevice, bar: number, offset: number, buf: number): KernelGen<number> {
  const pfn = pci_resource_start(vdev.pdev, bar) + offset;
  const mode = k.behaviour.vfio_pci_bar_rw_lock;
  const locked = mode !== "none";
  if (locked) yield* vdev.memory_lock.down_read(t);
  if (locked && !__vfio_pci_memory_enabled(k, vdev)) {
    vdev.memory_lock.up_read(t);
    return EIO;
  }
  const value = pci_mmio_access(t, vdev.pdev, bar, pfn, null);
  // bc93b9ae0151: up_read() before the copy; v5.8 as merged: after it.
  if (locked && mode === "per_access") vdev.memory_lock.up_read(t);
  const ret = yield* copy_to_user(k, t, buf, value);
  if (locked && mode === "across_copy") vdev.memory_lock.up_read(t);
  return ret || 4;
}
