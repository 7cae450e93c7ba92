/**
 * vfio-pci device operations a userspace task makes on a device fd: a
 * write of the command register or of PCI_PM_CTRL through the config
 * region, an mmap of a BAR, VFIO_DEVICE_RESET, the low-power device
 * features, and a type1 container's VFIO_IOMMU_MAP_DMA.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import { Name, Strict, Target } from "./common.js";

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
    {
      op: Type.Literal("vfio_dma_map"),
      ...Target,
      nr_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096, default: 1, description: "Pages from page on" })),
      write: Type.Optional(Type.Boolean({ default: true, description: "IOMMU write permission (VFIO_DMA_MAP_FLAG_WRITE): GUP and the fault are for writing" })),
    },
    "ioctl(VFIO_IOMMU_MAP_DMA) on a type1 container of the range: per page, mmap_read_lock and vaddr_get_pfn(): GUP (refused on VM_PFNMAP with -EFAULT), then follow_fault_pfn() faulting the page in with fixup_user_fault()",
  ),
  Strict(
    { op: Type.Literal("vfio_pci_hot_reset"), device: Name },
    "ioctl(VFIO_DEVICE_PCI_HOT_RESET) of a bus holding only this device: the v5.8+ zap and memory_lock taken with trylocks only (vma_lock, each mm's mmap_lock, memory_lock), -EBUSY on any contention, then pci_reset_bus()",
  ),
  Strict(
    {
      op: Type.Literal("vfio_pci_bar_read"),
      device: Name,
      bar: Type.Integer({ minimum: 0, maximum: 5, description: "The BAR read" }),
      offset: Type.Integer({ minimum: 0, maximum: 1 << 24, description: "The page of the BAR read (its first word)" }),
      ...Target,
    },
    "pread(2) of one word of a BAR through the device fd (vfio_pci_bar_rw) into the user buffer at vma/page (copy_to_user, which may fault, even into a BAR mmap of the same device): memory_lock for read around the device access, and in v5.8 as merged across the copy too; -EIO while memory is disabled",
  ),
  Strict(
    { op: Type.Literal("vfio_pm_config_write"), device: Name, state: Type.Union([Type.Literal("D0"), Type.Literal("D3hot")], { description: "The power state written to PCI_PM_CTRL" }) },
    "pwrite(2) of PCI_PM_CTRL's power state through the device fd's config region (vfio_pm_config_write): from v5.19 (2b2c651baf1c) entering D3hot zaps the BAR mappings and holds memory_lock for write while the state changes, and a BAR fault in D3hot is SIGBUS; before, the state changes with no lock and no zap",
  ),
  Strict(
    { op: Type.Literal("vfio_device_feature_low_power_entry"), device: Name },
    "ioctl(VFIO_DEVICE_FEATURE, SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY) (vfio_pci_runtime_pm_entry, v6.1, cc2742fe3660): zap the BAR mappings under memory_lock for write and set pm_runtime_engaged, which makes every BAR fault SIGBUS until LOW_POWER_EXIT; -EINVAL if already engaged; refused before v6.1",
  ),
  Strict(
    { op: Type.Literal("vfio_device_feature_low_power_exit"), device: Name },
    "ioctl(VFIO_DEVICE_FEATURE, SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT) (vfio_pci_runtime_pm_exit, v6.1, cc2742fe3660): clear pm_runtime_engaged under memory_lock for write; refused before v6.1",
  ),
  Strict(
    { op: Type.Literal("vfio_device_reset"), device: Name },
    "ioctl(VFIO_DEVICE_RESET) on the device fd: from v5.8, zap the BAR mappings and hold memory_lock for write across pci_try_reset_function() (memory decode off for the reset's resetNs)",
  ),
];
