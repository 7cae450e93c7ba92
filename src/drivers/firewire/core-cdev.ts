/**
 * The FireWire character device's mmap, drivers/firewire/core-cdev.c
 * `fw_device_op_mmap()`: a client maps its isochronous buffer, kernel pages
 * the driver allocates and maps into the whole VMA at once with
 * `vm_map_pages_zero()` (since 22660db89262; a `vm_insert_page()` loop
 * before, the same per page), which makes the VMA VM_MIXEDMAP. It sets no
 * vm_ops, so the VMA keeps `vma_dummy_vm_ops`: no `->fault`, and a page
 * once zapped faults to SIGBUS.
 *
 * @module
 */
import { EINVAL } from "../../include/errno.js";
import { VM } from "../../mm/flags.js";
import type { Kernel } from "../../mm/kernel.js";
import { vm_map_pages_zero } from "../../mm/memory.js";
import { PAGE_SIZE, type Vma, type VmOperations } from "../../mm/mm.js";
import { fw_iso_buffer_alloc } from "./core-iso.js";

/** `vma_dummy_vm_ops` (include/linux/mm.h `vma_init()`): the ops of a file VMA whose `->mmap` set none; no handlers. */
export const vma_dummy_vm_ops: VmOperations = { name: "vma_dummy_vm_ops" };

/**
 * `fw_device_op_mmap()`: -EINVAL unless the mapping is MAP_SHARED; else a
 * buffer of one page per page of the VMA (`fw_iso_buffer_alloc()`), mapped
 * with `vm_map_pages_zero()`. Returns 0 or a negative errno.
 */
export function fw_device_op_mmap(k: Kernel, vma: Vma): number {
  if (!(vma.vm_flags & VM.SHARED)) return EINVAL;
  const pages = fw_iso_buffer_alloc(k, vma.name, (vma.end - vma.start) / PAGE_SIZE);
  return vm_map_pages_zero(k, vma, pages);
}
