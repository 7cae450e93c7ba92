/**
 * vfio-pci's BAR mappings, drivers/vfio/pci/vfio_pci_core.c
 * (drivers/vfio/pci/vfio_pci.c before the v5.15 core split): the device
 * state the mmap path uses (`memory_lock`, `vma_lock` and `vma_list`, the
 * device inode's address space), `vfio_pci_core_mmap()`, the BAR fault
 * handler and the zap that runs before memory is disabled or the device
 * reset, in each design the `vfio_pci_mmap` behaviour switch names:
 *
 * - `remap_pfn_range` (v3.6..v5.7): `->mmap` maps the whole BAR, nothing
 *   zaps it, no lock (the pre-2020 `vfio_pci_mmap()`; the code read is a
 *   v4.x-era copy);
 * - `vma_list` (v5.8: 11c4cd07ba11, abafbc551fdd; v5.8.18 copy read);
 * - `vma_list_locked` (6a45ece4c9af, v5.13; ~v5.15 and v6.2..v6.4 copies);
 * - `unmap_mapping_range` (v6.10: b7c5e64fecfa, aac6db75a9fc, d71a989cf5d9;
 *   stable-6.6 backport diffs read).
 *
 * @module
 */
import { KernelBug, NotInProfile } from "../../../engine/bug.js";
import { delay } from "../../../engine/delay.js";
import { Mutex } from "../../../engine/mutex.js";
import { RwSemaphore } from "../../../engine/rwsem.js";
import type { Simulation } from "../../../engine/simulation.js";
import type { KernelGen, Task } from "../../../engine/task.js";
import { EBUSY, EINVAL } from "../../../include/errno.js";
import { VM, VM_FAULT, VM_FAULT_ERROR, flagNames } from "../../../mm/flags.js";
import type { Kernel, Latency } from "../../../mm/kernel.js";
import { remap_pfn_range, unmap_mapping_range, vm_flags_set, vmf_insert_pfn, vmf_insert_pfn_huge, zap_vma_ptes } from "../../../mm/memory.js";
import { PAGE_SIZE, PMD_ORDER, PUD_ORDER, type Vma, type VmOperations } from "../../../mm/mm.js";
import { AddressSpace } from "../../../mm/pagecache.js";
import type { VmFault } from "../../../mm/vmfault.js";
import { PCI_COMMAND_MEMORY, pci_resource_len, pci_resource_start, pci_try_reset_function, type PciDev } from "../../pci/pci.js";
import { __vfio_pci_memory_enabled } from "./vfio_pci_config.js";
import { mmget_not_zero, mmput } from "../../../kernel/fork.js";

/** VFIO_PCI_OFFSET_SHIFT (vfio_pci_priv.h): region `index` starts at offset `index << 40` of the device fd; in pages, `index << 28`. */
export const VFIO_PCI_OFFSET_SHIFT = 40;
/** VFIO_PCI_BAR0_REGION_INDEX. */
export const VFIO_PCI_BAR0_REGION_INDEX = 0;
/** VFIO_PCI_ROM_REGION_INDEX: the first region after the six BARs. */
export const VFIO_PCI_ROM_REGION_INDEX = 6;

/** `VFIO_PCI_INDEX_TO_OFFSET(index) >> PAGE_SHIFT`: the file page a region starts at. */
export function vfio_pci_index_to_pgoff(index: number): number {
  return index * 2 ** (VFIO_PCI_OFFSET_SHIFT - Math.log2(PAGE_SIZE));
}

/** `vma->vm_pgoff >> (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT)`: the region a file page is in. */
function vfio_pci_pgoff_to_index(pgoff: number): number {
  return Math.floor(pgoff / vfio_pci_index_to_pgoff(1));
}

/** Costs of the modelled device: drawn from the acting task's stream. */
export interface VfioPciCosts {
  /** CPU time to write one page-table entry mapping a BAR (remap_pfn_range(), vmf_insert_pfn()). */
  readonly pteNs: Latency;
  /** CPU time to clear one page-table entry mapping a BAR (`zap_vma_ptes()`, `unmap_mapping_range()`; a huge leaf counts one). */
  readonly zapNs: Latency;
  /** How long a function level reset takes (`pcie_flr()` waits 100 ms). */
  readonly resetNs: Latency;
}

/** `struct vfio_pci_core_device` (`struct vfio_pci_device` before v5.15), as far as BAR mappings need it. */
export class VfioPciCoreDevice {
  /** `vdev->pdev`. */
  readonly pdev: PciDev;
  /** `vdev->memory_lock` (abafbc551fdd, v5.8): read by the fault, written while memory is disabled or the device reset. */
  readonly memory_lock: RwSemaphore;
  /** `vdev->vma_lock` (11c4cd07ba11, v5.8; gone in aac6db75a9fc, v6.10): protects `vma_list`. */
  readonly vma_lock: Mutex;
  /** `vdev->vma_list`: the VMAs faulted in since the last zap, most recent first (`list_add()`). */
  readonly vma_list: Vma[] = [];
  /** The device inode's `i_mapping` (`vfio_fs_type`, b7c5e64fecfa, v6.10): every open of the device maps through it, so every BAR mmap is in its i_mmap. */
  readonly inode: AddressSpace;
  /** `vdev->vconfig[PCI_COMMAND]`: the command register as the user sees it (virtualized config space); a VF's starts with PCI_COMMAND_MEMORY set (ebfa440ce38b: "setting the initial value of the memory enable bit in our virtual config space"). */
  vconfig_command: number;
  /** `vdev->pm_runtime_engaged` (cc2742fe3660, v6.1): set by VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, cleared by LOW_POWER_EXIT; written under memory_lock for write. */
  pm_runtime_engaged = false;
  /** Modelled costs. */
  readonly costs: VfioPciCosts;

  constructor(sim: Simulation, pdev: PciDev, costs: VfioPciCosts) {
    this.pdev = pdev;
    this.costs = costs;
    this.vconfig_command = pdev.is_virtfn ? pdev.command | PCI_COMMAND_MEMORY : pdev.command;
    this.memory_lock = new RwSemaphore(sim, `${pdev.name}.memory_lock`, { lockClass: "&vdev->memory_lock" });
    this.vma_lock = new Mutex(sim, `${pdev.name}.vma_lock`, "&vdev->vma_lock");
    this.inode = new AddressSpace(pdev.name, 0, 0);
    this.inode.i_mmap_rwsem = new RwSemaphore(sim, `${pdev.name}.i_mmap_rwsem`, { lockClass: "&mapping->i_mmap_rwsem" });
  }
}

/** The device a vfio BAR VMA maps (`vma->vm_private_data`). */
function vdev_of(vma: Vma): VfioPciCoreDevice {
  const vdev = vma.vm_private_data;
  if (!(vdev instanceof VfioPciCoreDevice)) throw new KernelBug(`${vma.name}: not a vfio-pci mapping`);
  return vdev;
}

const vma_pages = (vma: Vma) => (vma.end - vma.start) / PAGE_SIZE;

/** `vma_to_pfn()` (aac6db75a9fc, v6.10): the pfn vm_start maps, from the BAR's start and the offset in vm_pgoff. */
function vma_to_pfn(vma: Vma): number {
  const vdev = vdev_of(vma);
  const index = vfio_pci_pgoff_to_index(vma.pgoff);
  return pci_resource_start(vdev.pdev, index) + (vma.pgoff - vfio_pci_index_to_pgoff(index));
}

/** The trace of one BAR fault: the page, how many entries it wrote (a huge leaf counts one), the order asked for (huge faults only), the result. */
function trace_fault(k: Kernel, t: Task, vmf: VmFault, vdev: VfioPciCoreDevice, ptes: number, ret: number, order?: number): number {
  const fn = order === undefined ? "vfio_pci_mmap_fault" : "vfio_pci_mmap_huge_fault";
  if (k.sim.tracing) k.sim.event(t, "vfio_fault", fn, { device: vdev.pdev.name, vma: vmf.vma.name, page: (vmf.address - vmf.vma.start) / PAGE_SIZE, ptes, ...(order === undefined ? {} : { order }) }, flagNames("VM_FAULT", VM_FAULT, ret));
  return ret;
}

/** The CPU time of the `entries` a zap of the device's mappings just cleared, `zapNs` each, spent under the zapper's locks (none when it cleared nothing or zapNs is 0). */
function* zap_cost(t: Task, vdev: VfioPciCoreDevice, entries: number, fn: string): KernelGen {
  const ns = entries > 0 ? entries * vdev.costs.zapNs(t) : 0;
  if (ns > 0) yield* delay(t, "cpu", ns, fn, { device: vdev.pdev.name, entries });
}

/** `__vfio_pci_add_vma()`: put `vma` at the head of vma_list (caller holds vma_lock). */
function __vfio_pci_add_vma(vdev: VfioPciCoreDevice, vma: Vma): void {
  vdev.vma_list.unshift(vma);
}

/**
 * The fault's refusal: "Memory region cannot be accessed if the low power
 * feature is engaged or memory access is disabled" (`vdev->pm_runtime_engaged
 * || !__vfio_pci_memory_enabled(vdev)` in `vfio_pci_mmap_fault()`,
 * cc2742fe3660, v6.1; the engaged flag is never set before it). Caller
 * holds memory_lock for read.
 */
function vfio_pci_mmap_blocked(k: Kernel, vdev: VfioPciCoreDevice): boolean {
  return vdev.pm_runtime_engaged || !__vfio_pci_memory_enabled(k, vdev);
}

/**
 * The whole-VMA remap of the 2020 design: the page-table writes take
 * `pteNs` per page, and the entries appear once they are written (the
 * model makes them visible together at the end of that time, so a zap that
 * runs meanwhile finds none), then `remap_pfn_range()` under the fault's
 * locks, which WARNs under mmap_lock for read where `vm_flags_set()`
 * asserts (v6.3+) and BUG()s on an entry already present.
 */
function* remap_whole_vma(k: Kernel, t: Task, vma: Vma, vdev: VfioPciCoreDevice): KernelGen<number> {
  const pages = vma_pages(vma);
  yield* delay(t, "cpu", pages * vdev.costs.pteNs(t), "remap_pfn_range", { vma: vma.name, pages });
  remap_pfn_range(vma, vma.start, vma.pgoff, pages, { k, t });
  return pages;
}

/**
 * `vfio_pci_mmap_fault()` as merged in v5.8 (vfio_pci.c, abafbc551fdd on
 * 11c4cd07ba11; v5.8.18 copy read): vma_lock, then memory_lock for read;
 * SIGBUS if memory is disabled; else the VMA goes on vma_list, vma_lock is
 * dropped, and `remap_pfn_range()` maps the whole VMA while memory_lock is
 * still held. NOPAGE.
 */
function* vfio_pci_mmap_fault_v5_8(k: Kernel, t: Task, vmf: VmFault, vdev: VfioPciCoreDevice): KernelGen<number> {
  yield* vdev.vma_lock.mutex_lock(t);
  yield* vdev.memory_lock.down_read(t);
  let ret: number = VM_FAULT.NOPAGE;
  let ptes = 0;
  if (vfio_pci_mmap_blocked(k, vdev)) {
    ret = VM_FAULT.SIGBUS;
    vdev.vma_lock.mutex_unlock(t);
  } else {
    __vfio_pci_add_vma(vdev, vmf.vma);
    vdev.vma_lock.mutex_unlock(t);
    ptes = yield* remap_whole_vma(k, t, vmf.vma, vdev);
  }
  vdev.memory_lock.up_read(t);
  return trace_fault(k, t, vmf, vdev, ptes, ret);
}

/**
 * `vfio_pci_mmap_fault()` after 6a45ece4c9af (v5.13; ~v5.15 and v6.2..v6.4
 * copies read): vma_lock and memory_lock for read held throughout; SIGBUS
 * if memory is disabled; a VMA already on vma_list is mapped ("concurrent
 * faults to the same vma": NOPAGE); else `io_remap_pfn_range()` of the
 * whole VMA, then the VMA goes on vma_list. (Its zap-and-SIGBUS on a
 * failed remap and OOM on a failed list add are not modelled: neither
 * fails here.)
 */
function* vfio_pci_mmap_fault_v5_13(k: Kernel, t: Task, vmf: VmFault, vdev: VfioPciCoreDevice): KernelGen<number> {
  if (k.behaviour.vfio_pci_fault_mmap_write_lock) return yield* vfio_pci_mmap_fault_mmap_write_lock(k, t, vmf, vdev);
  return yield* vfio_pci_mmap_fault_v5_13_body(k, t, vmf, vdev);
}

/** The body of the 6a45ece4c9af fault: vma_lock, memory_lock, the list check, the remap. */
function* vfio_pci_mmap_fault_v5_13_body(k: Kernel, t: Task, vmf: VmFault, vdev: VfioPciCoreDevice): KernelGen<number> {
  yield* vdev.vma_lock.mutex_lock(t);
  yield* vdev.memory_lock.down_read(t);
  let ret: number = VM_FAULT.NOPAGE;
  let ptes = 0;
  if (vfio_pci_mmap_blocked(k, vdev)) ret = VM_FAULT.SIGBUS;
  else if (!vdev.vma_list.includes(vmf.vma)) {
    ptes = yield* remap_whole_vma(k, t, vmf.vma, vdev);
    __vfio_pci_add_vma(vdev, vmf.vma);
  }
  vdev.memory_lock.up_read(t);
  vdev.vma_lock.mutex_unlock(t);
  return trace_fault(k, t, vmf, vdev, ptes, ret);
}

/**
 * Yan Zhao's unmerged patch (2023-05-08, "vfio/pci: take mmap write lock
 * for io_remap_pfn_range", against v6.4-rc code): at entry
 * `mmap_assert_locked()`, `mmap_read_unlock()`, `mmap_write_lock_killable()`
 * (VM_FAULT_RETRY if killed); then the 6a45ece4c9af body; on success
 * `mmap_write_unlock()` and VM_FAULT_NOPAGE | VM_FAULT_COMPLETED, else the
 * read hold is taken back. It drops mmap_lock whatever the fault flags say
 * (no FAULT_FLAG_ALLOW_RETRY check), which Jason Gunthorpe answered with
 * "Certainly not..". The VMA is used after the drop without a new lookup.
 */
function* vfio_pci_mmap_fault_mmap_write_lock(k: Kernel, t: Task, vmf: VmFault, vdev: VfioPciCoreDevice): KernelGen<number> {
  const mm = vmf.vma.vm_mm;
  mm.mmap_lock.up_read(t);
  vmf.lockDropped = true;
  yield* mm.mmap_lock.down_write(t);
  const ret = yield* vfio_pci_mmap_fault_v5_13_body(k, t, vmf, vdev);
  mm.mmap_write_unlock(t);
  if (ret === VM_FAULT.NOPAGE) return ret | VM_FAULT.COMPLETED;
  yield* mm.mmap_lock.down_read(t);
  vmf.lockDropped = false;
  return ret;
}

/**
 * `vfio_pci_mmap_fault()` in v6.10..v6.11 (aac6db75a9fc with d71a989cf5d9):
 * memory_lock for read; SIGBUS if memory is disabled; else
 * `vmf_insert_pfn()` of the faulting page, and, unless that failed, of
 * every other page of the VMA ("Pre-fault the remainder of the vma, abort
 * further insertions and supress error"), an entry already present being
 * left alone. Each entry takes `pteNs`.
 */
function* vfio_pci_mmap_fault_v6_10(k: Kernel, t: Task, vmf: VmFault, vdev: VfioPciCoreDevice): KernelGen<number> {
  const vma = vmf.vma;
  const pfn = vma_to_pfn(vma);
  const pgoff = vmf.pgoff - vma.pgoff;
  yield* vdev.memory_lock.down_read(t);
  let ret: number = VM_FAULT.SIGBUS;
  let ptes = 0;
  if (!vfio_pci_mmap_blocked(k, vdev)) {
    yield* delay(t, "cpu", vdev.costs.pteNs(t), "vmf_insert_pfn", { vma: vma.name, pages: 1 });
    const first = vmf_insert_pfn(vma, vmf.address, pfn + pgoff);
    ret = first.ret;
    ptes += first.installed ? 1 : 0;
    if (!(ret & VM_FAULT_ERROR)) {
      yield* delay(t, "cpu", (vma_pages(vma) - 1) * vdev.costs.pteNs(t), "vmf_insert_pfn", { vma: vma.name, pages: vma_pages(vma) - 1 });
      for (let i = 0; i < vma_pages(vma); i++) {
        const addr = vma.start + i * PAGE_SIZE;
        if (addr === vmf.address) continue;
        const r = vmf_insert_pfn(vma, addr, pfn + i);
        if (r.ret & VM_FAULT_ERROR) break;
        ptes += r.installed ? 1 : 0;
      }
    }
  }
  vdev.memory_lock.up_read(t);
  return trace_fault(k, t, vmf, vdev, ptes, ret);
}

/**
 * `vfio_pci_mmap_huge_fault()` (f9e54c3a2f5b, v6.12, as merged: Peter Xu's
 * "[PATCH 19/19] vfio/pci: Implement huge_fault support"): for order > 0,
 * VM_FAULT_FALLBACK unless the fault address is aligned to the order and
 * the whole entry fits in the VMA, checked before memory_lock (09dfc8a5f2ce,
 * v6.13-rc7, adds the pfn's alignment; c1d9dac0db16, ~v6.15, rounds the
 * address down first: neither modelled); then memory_lock for read, SIGBUS
 * if memory is disabled, else `vmf_insert_pfn()` (order 0),
 * `vmf_insert_pfn_pmd()` (PMD_ORDER) or `vmf_insert_pfn_pud()` (PUD_ORDER,
 * x86-64). No prefault: "huge_fault will cover the bulk of the faults".
 */
function* vfio_pci_mmap_huge_fault(k: Kernel, t: Task, vmf: VmFault, order: number): KernelGen<number> {
  const vma = vmf.vma;
  const vdev = vdev_of(vma);
  const size = PAGE_SIZE * 2 ** order;
  if (order && (vmf.address % size !== 0 || vmf.address + size > vma.end)) return trace_fault(k, t, vmf, vdev, 0, VM_FAULT.FALLBACK, order);
  const pfn = vma_to_pfn(vma) + (vmf.pgoff - vma.pgoff);
  yield* vdev.memory_lock.down_read(t);
  let r = { ret: VM_FAULT.SIGBUS as number, installed: false };
  if (!vfio_pci_mmap_blocked(k, vdev)) {
    yield* delay(t, "cpu", vdev.costs.pteNs(t), order === 0 ? "vmf_insert_pfn" : order === PMD_ORDER ? "vmf_insert_pfn_pmd" : "vmf_insert_pfn_pud", { vma: vma.name, pages: 1 });
    r = order === 0 ? vmf_insert_pfn(vma, vmf.address, pfn) : order === PMD_ORDER || order === PUD_ORDER ? vmf_insert_pfn_huge(vmf, pfn, order) : { ret: VM_FAULT.FALLBACK, installed: false };
  }
  vdev.memory_lock.up_read(t);
  return trace_fault(k, t, vmf, vdev, r.installed ? 1 : 0, r.ret, order);
}

/** `vfio_pci_mmap_page_fault()` (f9e54c3a2f5b): the `->fault` of the huge-fault design, `vfio_pci_mmap_huge_fault(vmf, 0)`. */
function vfio_pci_mmap_page_fault(k: Kernel, t: Task, vmf: VmFault): KernelGen<number> {
  return vfio_pci_mmap_huge_fault(k, t, vmf, 0);
}

/** Jason Gunthorpe's proposal (2024-05-22, not merged): the fault "should simply trigger SIGBUS if userspace races" with a disable; mappings come from ->mmap and from the remap on enable. */
function vfio_pci_mmap_fault_sigbus(k: Kernel, t: Task, vmf: VmFault, vdev: VfioPciCoreDevice): number {
  return trace_fault(k, t, vmf, vdev, 0, VM_FAULT.SIGBUS);
}

/** `->fault` of a BAR mapping: the design of the profile. */
function* vfio_pci_mmap_fault(k: Kernel, t: Task, vmf: VmFault): KernelGen<number> {
  const vdev = vdev_of(vmf.vma);
  switch (k.behaviour.vfio_pci_mmap) {
    case "vma_list":
      return yield* vfio_pci_mmap_fault_v5_8(k, t, vmf, vdev);
    case "vma_list_locked":
      return yield* vfio_pci_mmap_fault_v5_13(k, t, vmf, vdev);
    case "unmap_mapping_range":
      return yield* vfio_pci_mmap_fault_v6_10(k, t, vmf, vdev);
    case "remap_on_enable":
      return vfio_pci_mmap_fault_sigbus(k, t, vmf, vdev);
    default:
      throw new KernelBug(`vfio_pci_mmap_fault in a kernel whose vfio-pci maps at mmap (${k.behaviour.vfio_pci_mmap})`);
  }
}

/**
 * `vfio_pci_mmap_open()` (11c4cd07ba11..aac6db75a9fc): a VMA copied by
 * fork (or split) starts with no entries, "so that we can fault them in on
 * access and therefore our vma_list only tracks mappings accessed since
 * last zap".
 */
function* vfio_pci_mmap_open(k: Kernel, t: Task, vma: Vma): KernelGen {
  yield* zap_cost(t, vdev_of(vma), yield* zap_vma_ptes(k, t, vma, vma.start, vma.end), "zap_vma_ptes");
}

/** `vfio_pci_mmap_close()` (11c4cd07ba11..aac6db75a9fc): take the VMA off vma_list under vma_lock. */
function* vfio_pci_mmap_close(t: Task, vma: Vma): KernelGen {
  const vdev = vdev_of(vma);
  yield* vdev.vma_lock.mutex_lock(t);
  const i = vdev.vma_list.indexOf(vma);
  if (i >= 0) vdev.vma_list.splice(i, 1);
  vdev.vma_lock.mutex_unlock(t);
}

/** `vfio_pci_mmap_ops` of v5.8..v6.9: open, close and fault. */
const vfio_pci_mmap_ops_vma_list: VmOperations = { name: "vfio_pci_mmap_ops", fault: vfio_pci_mmap_fault, open: vfio_pci_mmap_open, close: vfio_pci_mmap_close };
/** `vfio_pci_mmap_ops` from v6.10: fault only. */
const vfio_pci_mmap_ops_fault: VmOperations = { name: "vfio_pci_mmap_ops", fault: vfio_pci_mmap_fault };
/** `vfio_pci_mmap_ops` from f9e54c3a2f5b (v6.12, CONFIG_ARCH_SUPPORTS_HUGE_PFNMAP as on x86-64): fault and huge_fault. */
const vfio_pci_mmap_ops_huge: VmOperations = { name: "vfio_pci_mmap_ops", fault: vfio_pci_mmap_page_fault, huge_fault: vfio_pci_mmap_huge_fault };
/** `vma_dummy_vm_ops`: the pre-v5.8 `vfio_pci_mmap()` set no vm_ops. */
const vfio_pci_no_vm_ops: VmOperations = { name: "vma_dummy_vm_ops" };

/**
 * `vfio_pci_core_mmap()` (`vfio_pci_mmap()` before v5.15) for a VMA whose
 * vm_pgoff names a BAR (region index in the high bits, page offset in the
 * low): -EINVAL for a private mapping, a region past the BARs, or a range
 * past the BAR's end; else vm_private_data is the device and, by design,
 * the whole BAR range is mapped now (`remap_pfn_range`, v3.6..v5.7), or
 * vm_pgoff becomes the pfn and VM_IO | VM_PFNMAP | VM_DONTEXPAND |
 * VM_DONTDUMP are set ("we can't change vm_flags within the fault handler.
 * Set them now", v5.8..v6.9), or vm_pgoff stays the file offset, which
 * unmap_mapping_range() matches, and the flags are set with vm_flags_set()
 * (v6.10). Called with mmap_lock held for write. Returns 0 or -EINVAL.
 */
export function vfio_pci_core_mmap(k: Kernel, vdev: VfioPciCoreDevice, vma: Vma): number {
  const index = vfio_pci_pgoff_to_index(vma.pgoff);
  if (!(vma.vm_flags & VM.SHARED)) return EINVAL;
  if (index >= Math.min(VFIO_PCI_ROM_REGION_INDEX, vdev.pdev.resource.length)) return EINVAL;
  const pgoff = vma.pgoff - vfio_pci_index_to_pgoff(index);
  if (pgoff + vma_pages(vma) > pci_resource_len(vdev.pdev, index)) return EINVAL;
  vma.vm_private_data = vdev;
  const pfn = pci_resource_start(vdev.pdev, index) + pgoff;
  switch (k.behaviour.vfio_pci_mmap) {
    case "none":
    case "remap_pfn_range":
      vma.pgoff = pfn;
      vma.vm_ops = vfio_pci_no_vm_ops;
      remap_pfn_range(vma, vma.start, pfn, vma_pages(vma));
      return 0;
    case "vma_list":
    case "vma_list_locked":
      vma.pgoff = pfn;
      vma.vm_flags |= VM.IO | VM.PFNMAP | VM.DONTEXPAND | VM.DONTDUMP;
      vma.vm_ops = vfio_pci_mmap_ops_vma_list;
      return 0;
    case "unmap_mapping_range":
    case "remap_on_enable":
    case "huge_fault":
      vm_flags_set(vma, VM.IO | VM.PFNMAP | VM.DONTEXPAND | VM.DONTDUMP, null, "vfio_pci_core_mmap");
      vma.vm_ops = k.behaviour.vfio_pci_mmap === "huge_fault" ? vfio_pci_mmap_ops_huge : vfio_pci_mmap_ops_fault;
      return 0;
  }
}

/**
 * Whether a BAR VMA is mapped yet (Jason's `vma_populated()`: "an RCU
 * page-table read of page 0").
 */
function vma_populated(vma: Vma): boolean {
  return vma.vm_mm.pte(vma.start) !== undefined;
}

/** remap_on_enable: map the whole VMA if memory is enabled (the 2021 prototype's `io_remap_pfn_range()` in `->mmap`); `from` null at scenario build. */
function vfio_pci_mmap_populate(k: Kernel, vdev: VfioPciCoreDevice, vma: Vma, from: { readonly k: Kernel; readonly t: Task } | null): number {
  if (!__vfio_pci_memory_enabled(k, vdev) || vma_populated(vma)) return 0;
  remap_pfn_range(vma, vma.start, vma_to_pfn(vma), vma_pages(vma), from);
  return vma_pages(vma);
}

/**
 * The device fd's `->mmap` as mmap(2) calls it (`call_mmap()` in
 * mmap_region(), mmap_lock held for write): `vfio_pci_core_mmap()`, and
 * under remap_on_enable the population of the VMA under memory_lock for
 * read, `pteNs` per entry. Returns 0 or -EINVAL.
 */
export function* vfio_pci_core_mmap_fop(k: Kernel, t: Task, vdev: VfioPciCoreDevice, vma: Vma): KernelGen<number> {
  const ret = vfio_pci_core_mmap(k, vdev, vma);
  if (ret || k.behaviour.vfio_pci_mmap !== "remap_on_enable") return ret;
  yield* vdev.memory_lock.down_read(t);
  if (__vfio_pci_memory_enabled(k, vdev)) yield* delay(t, "cpu", vma_pages(vma) * vdev.costs.pteNs(t), "remap_pfn_range", { vma: vma.name, pages: vma_pages(vma) });
  vfio_pci_mmap_populate(k, vdev, vma, { k, t });
  vdev.memory_lock.up_read(t);
  return 0;
}

/** At scenario build, a BAR mmap made before any task runs: under remap_on_enable, populated at once if memory is enabled. */
export function vfio_pci_core_mmap_at_build(k: Kernel, vdev: VfioPciCoreDevice, vma: Vma): number {
  const ret = vfio_pci_core_mmap(k, vdev, vma);
  if (!ret && k.behaviour.vfio_pci_mmap === "remap_on_enable") vfio_pci_mmap_populate(k, vdev, vma, null);
  return ret;
}

/**
 * remap_on_enable, with memory_lock held for write and memory enabled:
 * Jason's sketch, "i_mmap_lock_read → find an unpopulated VMA → mmgrab →
 * mmap_write_lock(mm) → i_mmap_lock_read → remap that mm's VMAs", until no
 * VMA of the device's address space is unpopulated.
 */
function* vfio_pci_remap_bars(k: Kernel, t: Task, vdev: VfioPciCoreDevice): KernelGen {
  const i_mmap_rwsem = vdev.inode.i_mmap_rwsem!;
  for (;;) {
    yield* i_mmap_rwsem.down_read(t);
    const mm = [...vdev.inode.i_mmap].find((v) => !vma_populated(v))?.vm_mm;
    i_mmap_rwsem.up_read(t);
    if (!mm) return;
    yield* mm.mmap_lock.down_write(t);
    yield* i_mmap_rwsem.down_read(t);
    for (const vma of [...vdev.inode.i_mmap].filter((v) => v.vm_mm === mm && !vma_populated(v))) {
      yield* delay(t, "cpu", vma_pages(vma) * vdev.costs.pteNs(t), "remap_pfn_range", { vma: vma.name, pages: vma_pages(vma) });
      vfio_pci_mmap_populate(k, vdev, vma, { k, t });
    }
    i_mmap_rwsem.up_read(t);
    mm.mmap_write_unlock(t);
  }
}

/** Before memory_lock's write hold ends: under remap_on_enable, the remap if memory is (again) enabled. */
export function* vfio_pci_memory_unlock(k: Kernel, t: Task, vdev: VfioPciCoreDevice): KernelGen {
  if (k.behaviour.vfio_pci_mmap === "remap_on_enable" && __vfio_pci_memory_enabled(k, vdev)) yield* vfio_pci_remap_bars(k, t, vdev);
  vdev.memory_lock.up_write(t);
}

/**
 * `vfio_pci_zap_and_vma_lock()` (abafbc551fdd..aac6db75a9fc; v5.8.18 and
 * v6.2..v6.4 copies read): zap every VMA on vma_list while keeping the
 * documented order mmap_lock -> vma_lock -> memory_lock. Loop: vma_lock;
 * drop the entries whose mm is gone (`mmget_not_zero()`), and if none is
 * left return 1 with vma_lock held; else drop vma_lock, take that mm's
 * mmap_lock for read, vma_lock again, and zap and unlist every VMA of that
 * mm (`zap_vma_ptes()`), then release both and the mm (`mmput()`). With `try` (the hot-reset
 * path) every lock is a trylock and contention returns 0 with none held.
 */
export function* vfio_pci_zap_and_vma_lock(k: Kernel, t: Task, vdev: VfioPciCoreDevice, trylock: boolean): KernelGen<0 | 1> {
  for (;;) {
    if (trylock) {
      if (!vdev.vma_lock.mutex_trylock(t)) return 0;
    } else yield* vdev.vma_lock.mutex_lock(t);
    let mm = null;
    while (vdev.vma_list.length > 0) {
      mm = vdev.vma_list[0]!.vm_mm;
      if (mmget_not_zero(mm)) break;
      vdev.vma_list.shift();
      mm = null;
    }
    if (!mm) return 1;
    vdev.vma_lock.mutex_unlock(t);
    if (trylock) {
      if (!mm.mmap_lock.down_read_trylock(t)) {
        mmput(k, t, mm);
        return 0;
      }
      if (!vdev.vma_lock.mutex_trylock(t)) {
        mm.mmap_lock.up_read(t);
        mmput(k, t, mm);
        return 0;
      }
    } else {
      yield* mm.mmap_lock.down_read(t);
      yield* vdev.vma_lock.mutex_lock(t);
    }
    for (const vma of vdev.vma_list.filter((v) => v.vm_mm === mm)) {
      vdev.vma_list.splice(vdev.vma_list.indexOf(vma), 1);
      yield* zap_cost(t, vdev, yield* zap_vma_ptes(k, t, vma, vma.start, vma.end), "zap_vma_ptes");
    }
    vdev.vma_lock.mutex_unlock(t);
    mm.mmap_lock.up_read(t);
    mmput(k, t, mm);
  }
}

/**
 * `vfio_pci_zap_bars()` (aac6db75a9fc, v6.10): `unmap_mapping_range()` of
 * the device inode's mapping from BAR0 up to the ROM region, every BAR of
 * every mmap of the device, in every process.
 */
export function* vfio_pci_zap_bars(k: Kernel, t: Task, vdev: VfioPciCoreDevice): KernelGen {
  const start = vfio_pci_index_to_pgoff(VFIO_PCI_BAR0_REGION_INDEX);
  const cleared = yield* unmap_mapping_range(k, t, vdev.inode, start, vfio_pci_index_to_pgoff(VFIO_PCI_ROM_REGION_INDEX) - start);
  yield* zap_cost(t, vdev, cleared, "unmap_mapping_range");
}

/**
 * `vfio_pci_zap_and_down_write_memory_lock()`: v5.8..v6.9, zap with
 * `vfio_pci_zap_and_vma_lock()` (vma_lock held once vma_list is empty),
 * `down_write(memory_lock)`, drop vma_lock; v6.10, `down_write(memory_lock)`
 * then `vfio_pci_zap_bars()`. Returns with memory_lock held for write.
 */
export function* vfio_pci_zap_and_down_write_memory_lock(k: Kernel, t: Task, vdev: VfioPciCoreDevice): KernelGen {
  if (vfio_pci_has_address_space(k)) {
    yield* vdev.memory_lock.down_write(t);
    yield* vfio_pci_zap_bars(k, t, vdev);
    return;
  }
  yield* vfio_pci_zap_and_vma_lock(k, t, vdev, false);
  yield* vdev.memory_lock.down_write(t);
  vdev.vma_lock.mutex_unlock(t);
}

/** Whether the profile's vfio-pci zaps through the device inode's address space (aac6db75a9fc, v6.10, and what builds on it) rather than vma_list. */
function vfio_pci_has_address_space(k: Kernel): boolean {
  const d = k.behaviour.vfio_pci_mmap;
  return d === "unmap_mapping_range" || d === "remap_on_enable" || d === "huge_fault";
}

/** Whether the profile's vfio-pci has memory_lock (abafbc551fdd, v5.8): before, config writes and resets take no lock and zap nothing. */
export function vfio_pci_has_memory_lock(k: Kernel): boolean {
  return k.behaviour.vfio_pci_mmap !== "none" && k.behaviour.vfio_pci_mmap !== "remap_pfn_range";
}

/**
 * VFIO_DEVICE_RESET (`vfio_pci_ioctl_reset()`, inline in `vfio_pci_ioctl()`
 * before v6.2): v5.8+, `vfio_pci_zap_and_down_write_memory_lock()`,
 * `pci_try_reset_function()`, `up_write(memory_lock)`; the mappings are
 * not restored, the next access faults them back. Before v5.8, the reset
 * alone. (v6.x's `vfio_pci_set_power_state(D0)` first is not modelled.)
 * Returns the reset's result.
 */
export function* vfio_pci_ioctl_reset(k: Kernel, t: Task, vdev: VfioPciCoreDevice): KernelGen<number> {
  if (!vfio_pci_has_memory_lock(k)) return yield* pci_try_reset_function(t, vdev.pdev, vdev.costs.resetNs(t));
  yield* vfio_pci_zap_and_down_write_memory_lock(k, t, vdev);
  const ret = yield* pci_try_reset_function(t, vdev.pdev, vdev.costs.resetNs(t));
  yield* vfio_pci_memory_unlock(k, t, vdev);
  return ret;
}


/**
 * VFIO_DEVICE_PCI_HOT_RESET of a bus holding this one device
 * (`vfio_pci_dev_set_hot_reset()` from v5.15, inline in the ioctl in
 * v5.8): locking several devices "is prone to deadlock", so every lock is
 * a trylock and contention is -EBUSY. v5.8..v6.9: `vfio_pci_zap_and_vma_lock(vdev,
 * true)` ("devices can share mmap_lock, therefore we need to zap and hold
 * the vma_lock for each device, and only then get each memory_lock"),
 * `down_write_trylock(memory_lock)`, drop vma_lock; v6.10:
 * `down_write_trylock(memory_lock)` then `vfio_pci_zap_bars()`. Then
 * `pci_reset_bus()` (a reset taking `resetNs`) and `up_write()`. Before
 * v5.8, the reset alone. Returns 0 or -EBUSY.
 */
export function* vfio_pci_ioctl_pci_hot_reset(k: Kernel, t: Task, vdev: VfioPciCoreDevice): KernelGen<number> {
  if (!vfio_pci_has_memory_lock(k)) return yield* pci_try_reset_function(t, vdev.pdev, vdev.costs.resetNs(t));
  const design = k.behaviour.vfio_pci_mmap;
  if (design === "vma_list" || design === "vma_list_locked") {
    if (!(yield* vfio_pci_zap_and_vma_lock(k, t, vdev, true))) return EBUSY;
    const locked = vdev.memory_lock.down_write_trylock(t);
    vdev.vma_lock.mutex_unlock(t);
    if (!locked) return EBUSY;
  } else {
    if (!vdev.memory_lock.down_write_trylock(t)) return EBUSY;
    yield* vfio_pci_zap_bars(k, t, vdev);
  }
  const ret = yield* pci_try_reset_function(t, vdev.pdev, vdev.costs.resetNs(t));
  yield* vfio_pci_memory_unlock(k, t, vdev);
  return ret;
}

/** What a profile without runtime PM's low-power feature says of it. */
const NO_LOW_POWER_FEATURE = "VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY/EXIT do not exist before v6.1 (cc2742fe3660 \"vfio/pci: Implement VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY/EXIT\")";

/**
 * VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY: `vfio_pci_runtime_pm_entry()`
 * (cc2742fe3660, v6.1; v6 patch mail and the v6.2..v6.4 copy read):
 * `vfio_pci_zap_and_down_write_memory_lock()`; -EINVAL if already engaged;
 * else `pm_runtime_engaged = true`, `pm_runtime_put_noidle()`, `up_write()`.
 * From then on the BAR fault is SIGBUS; a read/write through the device fd
 * or an ioctl resumes the device around itself (`pm_runtime_resume_and_get()`,
 * 8e5c6995113d for ioctls) but leaves the feature engaged: only
 * LOW_POWER_EXIT or closing the device ends it. (The runtime suspend that
 * follows the ioctl's `pm_runtime_put()`, to D3hot or D3cold, is not
 * modelled: the device stays in D0, and the SIGBUS comes from the flag.)
 * Refused on profiles before v6.1. Returns 0 or -EINVAL.
 */
export function* vfio_pci_runtime_pm_entry(k: Kernel, t: Task, vdev: VfioPciCoreDevice): KernelGen<number> {
  if (!k.behaviour.vfio_pci_low_power_feature) throw new NotInProfile(NO_LOW_POWER_FEATURE);
  yield* vfio_pci_zap_and_down_write_memory_lock(k, t, vdev);
  const engaged = vdev.pm_runtime_engaged;
  vdev.pm_runtime_engaged = true;
  vdev.memory_lock.up_write(t);
  return engaged ? EINVAL : 0;
}

/**
 * VFIO_DEVICE_FEATURE_LOW_POWER_EXIT: `vfio_pci_runtime_pm_exit()`
 * (cc2742fe3660, v6.1): `down_write(memory_lock)`, clear
 * `pm_runtime_engaged` (`pm_runtime_get_noresume()`), `up_write()`; the
 * next fault maps the BAR again. Refused on profiles before v6.1. Returns 0.
 */
export function* vfio_pci_runtime_pm_exit(k: Kernel, t: Task, vdev: VfioPciCoreDevice): KernelGen<number> {
  if (!k.behaviour.vfio_pci_low_power_feature) throw new NotInProfile(NO_LOW_POWER_FEATURE);
  yield* vdev.memory_lock.down_write(t);
  vdev.pm_runtime_engaged = false;
  vdev.memory_lock.up_write(t);
  return 0;
}
