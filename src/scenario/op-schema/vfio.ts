/**
 * vfio-pci device operations a userspace task makes on a device fd: a
 * write of the command register through the config region, an mmap of a
 * BAR, and VFIO_DEVICE_RESET.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import { Name, Strict } from "./common.js";

/** The vfio operations. */
export const vfioOps = [
  Strict(
    { op: Type.Literal("vfio_pci_config_write"), device: Name, memory: Type.Boolean({ description: "PCI_COMMAND_MEMORY in the value written: true enables the BARs, false disables them" }) },
    "pwrite(2) of PCI_COMMAND through the device fd's config region (vfio_pci_config_rw -> vfio_basic_config_write): from v5.8, clearing PCI_COMMAND_MEMORY zaps the BAR mappings and holds memory_lock for write while the bit changes, setting it only takes memory_lock for write",
  ),
  Strict(
    { op: Type.Literal("mmap"), vma: Name },
    "mmap(2) of a deferred vfio-bar VMA: mmap_region() under mmap_lock for write runs the device fd's ->mmap (vfio_pci_core_mmap), then stores the VMA and links it into the device's i_mmap (vma_link_file)",
  ),
  Strict(
    { op: Type.Literal("vfio_device_reset"), device: Name },
    "ioctl(VFIO_DEVICE_RESET) on the device fd: from v5.8, zap the BAR mappings and hold memory_lock for write across pci_try_reset_function() (memory decode off for the reset's resetNs)",
  ),
];
