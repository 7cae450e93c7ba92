/**
 * Building the modelled kernel a scenario's `mm` section describes: VMAs,
 * which pages are resident, swapped, in the swap cache or the page cache,
 * and the IO latencies.
 *
 * @module
 */
import { KernelBug, NotInProfile } from "../engine/bug.js";
import type { Simulation } from "../engine/simulation.js";
import type { Behaviour } from "../profiles/index.js";
import { VM } from "../mm/flags.js";
import { Kernel } from "../mm/kernel.js";
import { PAGE_SIZE, type Vma } from "../mm/mm.js";
import { AddressSpace } from "../mm/pagecache.js";
import { generic_file_vm_ops } from "../mm/filemap.js";
import { shmem_vm_ops } from "../mm/shmem.js";
import { mmap_mem, mmap_mem_ops } from "../drivers/char/mem.js";
import { fw_device_op_mmap, vma_dummy_vm_ops } from "../drivers/firewire/core-cdev.js";
import { Userfaultfd } from "../fs/userfaultfd.js";
import { uffd_handler } from "../user/uffd_handler.js";
import { sample } from "./sample.js";
import type { NormalizedMm } from "./normalize.js";
import { pageSet, vmaKind } from "./vma.js";
import { folio_add_new_anon_rmap } from "../mm/rmap.js";
import { PCI_COMMAND_MEMORY, PciDev, pci_mmio_access, type PciResource } from "../drivers/pci/pci.js";
import { VfioPciCoreDevice, vfio_pci_core_mmap_at_build, vfio_pci_index_to_pgoff } from "../drivers/vfio/pci/vfio_pci_core.js";
import type { DeviceSpecT } from "./schema.js";

/** First pfn of the device memory pfnmap VMAs map (the 0xf0000000 PCI hole); each VMA gets its own 4 GiB of pfns. */
const DEVICE_PFN = 0xf0000000 / PAGE_SIZE;


/** Where BARs are placed when the scenario gives no pfn: from 1 TiB up, each aligned to its size as PCI resource assignment aligns BARs. */
const BAR_PFN = 2 ** 40 / PAGE_SIZE;

/** The smallest power of two >= n. */
const pow2 = (n: number) => 2 ** Math.ceil(Math.log2(n));

/** `pdev->resource[]` of the devices: the given pfns, or the next free ones aligned to each BAR's size. */
function assignBars(devices: readonly DeviceSpecT[]): PciResource[][] {
  let next = BAR_PFN;
  return devices.map((d) =>
    d.bars.map((b) => {
      if (b.pfn !== undefined) return { start: b.pfn, pages: b.pages };
      const start = Math.ceil(next / pow2(b.pages)) * pow2(b.pages);
      next = start + b.pages;
      return { start, pages: b.pages };
    }),
  );
}

/**
 * The scenario's vfio-pci devices, by name: PCI_COMMAND_MEMORY as given
 * (set by default), a VF with its PF (declared before it, VFs enabled), pteNs and zapNs 0 and resetNs 100 ms unless given; each BAR
 * requested in `iomem_resource`.
 */
function buildDevices(k: Kernel, devices: readonly DeviceSpecT[]): Map<string, VfioPciCoreDevice> {
  const resources = assignBars(devices);
  const sim = k.sim;
  const pdevs = new Map<string, PciDev>();
  return new Map(
    devices.map((d, i) => {
      const pdev = new PciDev(d.name, resources[i]!, d.memory === false ? 0 : PCI_COMMAND_MEMORY, d.physfn === undefined ? null : pdevs.get(d.physfn)!);
      pdevs.set(d.name, pdev);
      pdev.resource.forEach((r, bar) => k.iomem_resource.push({ name: `${d.name} BAR ${bar}`, start: r.start, pages: r.pages, access: (t, pfn, store) => pci_mmio_access(t, pdev, bar, pfn, store) }));
      const pteNs = d.pteNs ?? 0;
      const zapNs = d.zapNs ?? 0;
      const resetNs = d.resetNs ?? 100_000_000;
      return [d.name, new VfioPciCoreDevice(sim, pdev, { pteNs: (t) => sample(t.prng, pteNs), zapNs: (t) => sample(t.prng, zapNs), resetNs: (t) => sample(t.prng, resetNs) })];
    }),
  );
}

/** `get_unmapped_area()` for a VMA mapped later: its range, taken now so addresses do not depend on when the mmap runs. */
function reserve(k: Kernel, pages: number): { start: number; end: number } {
  const start = k.mm.get_unmapped_area(pages);
  return { start, end: start + pages * PAGE_SIZE };
}

/** A kernel with the scenario's mm, its VMAs by name, and its vfio-pci devices by name. */
export function buildKernel(sim: Simulation, behaviour: Behaviour, spec: NormalizedMm): { kernel: Kernel; vmas: Map<string, Vma>; devices: Map<string, VfioPciCoreDevice> } {
  // Fault points: reads of these folios fail every time (a bad block); any read fails with probability eioRate.
  const badFile = new Map<string, Set<number>>();
  const badSwap = new Set<number>();
  const eioRate = spec.io.eioRate;
  const k = new Kernel(sim, behaviour, {
    readpage: (t) => sample(t.prng, spec.io.readpage),
    swapin: (t) => sample(t.prng, spec.io.swapin),
    swapout: (t) => sample(t.prng, spec.io.swapout),
    readFails: (t, f) =>
      (f.mapping ? badFile.get(f.mapping.name)?.has(f.index) === true : f.swapEntry !== null && badSwap.has(f.swapEntry)) || (eioRate > 0 && t.prng.float() < eioRate),
  }, spec.tlbFlush, spec.zone, spec.faultNs === undefined ? null : (t) => sample(t.prng, spec.faultNs!));
  const vmas = new Map<string, Vma>();
  const devices = buildDevices(k, spec.devices ?? []);
  if (devices.size > 0 && behaviour.vfio_pci_mmap === "none") {
    // The process opening the device fd: refused by a kernel without vfio-pci.
    sim.spawn("vfio-pci", function* () {
      throw new NotInProfile("vfio-pci does not exist before v3.6 (commit not identified)");
    });
  }
  for (const v of spec.vmas) {
    // A pfnmap or mixedmap driver's mapping is always shared.
    const kind = vmaKind(v);
    const vfio = kind === "vfio-bar" ? devices.get(v.device!)! : null;
    const vm_flags = VM.READ | (v.writable ? VM.WRITE : 0) | (v.shared || kind === "pfnmap" || kind === "mixedmap" || vfio ? VM.SHARED : 0) | (v.exec ? VM.EXEC | VM.MAYEXEC : 0);
    const file = kind === "file" ? new AddressSpace(v.name, v.size, v.readahead ? undefined : 0) : kind === "shmem" ? new AddressSpace(v.name, v.size, 0, true) : vfio ? vfio.inode : null;
    const vm_ops = kind === "file" ? generic_file_vm_ops : kind === "shmem" ? shmem_vm_ops : kind === "pfnmap" ? mmap_mem_ops : kind === "mixedmap" ? vma_dummy_vm_ops : null;
    // A deferred BAR mapping: its range reserved, the VMA allocated but in no tree until a task's mmap op.
    const vma = v.deferred ? k.mm.vm_area_alloc({ name: v.name, ...reserve(k, v.pages), vm_flags, file, vm_ops, pgoff: 0 }) : k.mm.mmap(v.name, v.pages, vm_flags, file, vm_ops);
    vmas.set(v.name, vma);
    if (kind === "pfnmap") mmap_mem(vma, DEVICE_PFN + k.mm.vmas.length * (1 << 20));
    if (vfio) {
      // mmap(fd, offset = VFIO_PCI_INDEX_TO_OFFSET(bar) + offset pages): vm_pgoff, then the device fd's ->mmap (the mmap op's, when deferred).
      vma.pgoff = vfio_pci_index_to_pgoff(v.bar ?? 0) + (v.offset ?? 0);
      const ret = v.deferred ? 0 : vfio_pci_core_mmap_at_build(k, vfio, vma);
      if (ret) throw new KernelBug(`${v.name}: vfio_pci_core_mmap returned ${ret}`);
    }
    if (kind === "mixedmap") {
      const ret = fw_device_op_mmap(k, vma);
      if (ret) throw new KernelBug(`${v.name}: fw_device_op_mmap returned ${ret}`);
    }
    const at = (i: number) => vma.start + i * PAGE_SIZE;
    const eio = new Set(pageSet(v.eio, v.pages));
    if (file) {
      badFile.set(v.name, eio);
      const cached = new Set([...pageSet(v.pagecache, v.pages), ...pageSet(v.mapped, v.pages)]);
      for (const i of cached) {
        const f = k.folio_alloc(file, i);
        f.uptodate = true;
        file.pages.set(i, f);
      }
      for (const i of pageSet(v.mapped, v.pages)) {
        const f = file.pages.get(i)!;
        f.refcount++;
        f.mapcount++;
        k.mm.set_pte(at(i), { kind: "present", folio: f, write: false });
      }
      for (const i of pageSet(v.pgReadahead, v.pages)) file.pages.get(i)!.readahead = true;
    } else if (kind === "anon") {
      // Pages that were ever faulted in imply anon_vma_prepare() ran.
      vma.anon_vma = [v.resident, v.swapped, v.swapcache].some((set) => pageSet(set, v.pages).length > 0);
      for (const i of pageSet(v.resident, v.pages)) {
        const f = k.folio_alloc(null, i);
        f.uptodate = true;
        f.mapcount = 1;
        folio_add_new_anon_rmap(k, f);
        // A resident anonymous page was written once (else it would be the zero page): its PTE is dirty.
        k.mm.set_pte(at(i), { kind: "present", folio: f, write: (vm_flags & VM.WRITE) !== 0, dirty: true });
      }
      for (const i of pageSet(v.swapped, v.pages)) {
        const entry = k.mm.swap.alloc_entry();
        if (eio.has(i)) badSwap.add(entry);
        k.mm.set_pte(at(i), { kind: "swap", entry });
      }
      if (v.uffd) {
        const ctx = new Userfaultfd(vma);
        const resolveNs = v.uffd.resolveNs;
        vma.uffd = ctx;
        sim.spawn(
          `uffd:${v.name}`,
          function* (t) {
            // The handler's userfaultfd() syscall: refused by a kernel that lacks it.
            if (!behaviour.userfaultfd) throw new NotInProfile(`${v.name}: userfaultfd does not exist before v4.3 (86039bd3b4e6)`);
            yield* uffd_handler(k, t, ctx, (x) => sample(x.prng, resolveNs));
          },
          { daemon: true },
        );
      }
      // memory_failure() on a mapped anonymous page: its PTE became a hwpoison entry; the page keeps memory_failure()'s reference.
      for (const i of pageSet(v.hwpoison, v.pages)) {
        const f = k.folio_alloc(null, i);
        f.hwpoison = true;
        k.mm.set_pte(at(i), { kind: "hwpoison", pfn: f.pfn });
      }
      for (const i of pageSet(v.swapcache, v.pages)) {
        const entry = k.mm.swap.alloc_entry();
        const f = k.folio_alloc(null, i);
        f.uptodate = true;
        f.swapEntry = entry;
        k.mm.swap.cache.set(entry, f);
        k.mm.set_pte(at(i), { kind: "swap", entry });
      }
    }
  }
  return { kernel: k, vmas, devices };
}
