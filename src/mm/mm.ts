/**
 * `struct mm_struct`, VMAs and page-table entries, as far as the fault path
 * needs them: one PTE per page, none / present (read-only or writable) /
 * raw pfn / swap entry; and huge pfnmap leaves, a PMD or PUD entry mapping
 * 2 MiB or 1 GiB of device memory with no PTE table under it.
 *
 * @module
 */
import { RwSemaphore, type ReaderWake } from "../engine/rwsem.js";
import type { Simulation } from "../engine/simulation.js";
import type { KernelGen, Task } from "../engine/task.js";
import type { Folio } from "./folio.js";
import type { Kernel } from "./kernel.js";
import type { VmFault } from "./vmfault.js";
import type { AddressSpace } from "./pagecache.js";
import type { SwapDevice } from "./swap.js";
import type { Userfaultfd } from "../fs/userfaultfd.js";
import { VM } from "./flags.js";
import { WaitQueue } from "../engine/waitqueue.js";

/** PAGE_SIZE. */
export const PAGE_SIZE = 4096;

/** A page-table entry: a present page, a special PTE for a raw pfn with no struct page (`pte_mkspecial`, VM_PFNMAP), or a swap entry. */
export type Pte =
  /** A page mapped; `dirty` is the PTE's dirty bit (pte_mkdirty, or a store through it), absent when clean. */
  | { readonly kind: "present"; readonly folio: Folio; readonly write: boolean; readonly dirty?: boolean }
  | { readonly kind: "pfn"; readonly pfn: number; readonly write: boolean }
  /** A swap entry; `exclusive` is SWP_EXCLUSIVE (`pte_swp_mkexclusive()`, 1493a1913e34, v5.19): try_to_unmap_one() unmapped a PageAnonExclusive page, absent otherwise. */
  | { readonly kind: "swap"; readonly entry: number; readonly exclusive?: boolean }
  /** A hwpoison entry (`make_hwpoison_entry()`): memory_failure() unmapped a page whose memory has an uncorrected error. */
  | { readonly kind: "hwpoison"; readonly pfn: number }
  /**
   * A migration entry (`make_{readable,readable_exclusive,writable}_migration_entry()`,
   * include/linux/swapops.h): `try_to_migrate()` unmapped `folio` for migration;
   * `write`, `dirty` and `exclusive` (PageAnonExclusive) are what the present PTE
   * had, restored by `remove_migration_ptes()`. Holds no mapcount or reference.
   */
  | { readonly kind: "migration"; readonly folio: Folio; readonly write: boolean; readonly dirty?: boolean; readonly exclusive: boolean };

/**
 * `struct vm_operations_struct`: the handlers of a file or driver mapping
 * (include/linux/mm.h). A VMA without one is anonymous (`vma_is_anonymous()`).
 * Each handler is optional, as in the kernel: without `fault`, a fault on a
 * none PTE is SIGBUS (`do_fault()`); without `map_pages`, no fault-around;
 * without `page_mkwrite`, a shared write fault maps at once.
 */
export interface VmOperations {
  /** The ops' kernel name (`generic_file_vm_ops`, `shmem_vm_ops`, `mmap_mem_ops`), for traces. */
  readonly name: string;
  /** `->fault`: VM_FAULT_* bits; with VM_FAULT_LOCKED, `vmf.folio` is the folio, locked, with a reference. */
  readonly fault?: (k: Kernel, t: Task, vmf: VmFault) => KernelGen<number>;
  /** `->map_pages`: map the cached folios of `[start_pgoff, end_pgoff]` around the fault; VM_FAULT_NOPAGE when the fault's own page was mapped. */
  readonly map_pages?: (t: Task, vmf: VmFault, start_pgoff: number, end_pgoff: number) => number;
  /** `->page_mkwrite`: the folio is about to become writable; VM_FAULT_LOCKED with it locked. */
  readonly page_mkwrite?: (t: Task, vmf: VmFault, folio: Folio) => KernelGen<number>;
  /** `->huge_fault`: map a PMD (order 9) or PUD (order 18) at once, or VM_FAULT_FALLBACK to the next smaller size. */
  readonly huge_fault?: (k: Kernel, t: Task, vmf: VmFault, order: number) => KernelGen<number>;
  /** `->open`: a new VMA copies this one (fork's `dup_mmap()`, a split). */
  readonly open?: (k: Kernel, t: Task, vma: Vma) => KernelGen;
  /** `->close`: the VMA is going away (`remove_vma()` after munmap's zap). */
  readonly close?: (t: Task, vma: Vma) => KernelGen;
}

/** `struct vm_area_struct`. */
export interface Vma {
  /** Name for scenarios and traces (`heap`, `data.bin`). */
  readonly name: string;
  /** vm_start. */
  readonly start: number;
  /** vm_end (exclusive). */
  readonly end: number;
  /** vm_flags (VM_READ, VM_WRITE, VM_SHARED...). */
  vm_flags: number;
  /** The page cache of the file mapped (`vm_file->f_mapping`; a vfio device's inode mapping), or null for anonymous memory and /dev/mem-style raw pfn mappings. */
  readonly file: AddressSpace | null;
  /** `vm_ops`: null for anonymous memory; a driver's `->mmap` sets its own. */
  vm_ops: VmOperations | null;
  /** vm_pgoff: file page of vm_start (a driver's `->mmap` may rewrite it, as vfio-pci stored the pfn there until aac6db75a9fc). */
  pgoff: number;
  /** `vm_private_data`: what the driver's `->mmap` hung on the VMA (vfio-pci: its device), or undefined. */
  vm_private_data?: unknown;
  /** The userfaultfd registered on the range in MISSING mode (VM_UFFD_MISSING), or null. */
  uffd: Userfaultfd | null;
  /** Whether `anon_vma_prepare()` has run: set once an anonymous folio is mapped. */
  anon_vma: boolean;
  /** The per-VMA lock (`vma->vm_lock->lock`, v6.4+). */
  readonly vm_lock: RwSemaphore;
  /** `vm_lock_seq`: equal to the mm's `mm_lock_seq` while the VMA is write-locked. */
  vm_lock_seq: number;
  /** `vm_mm`: the address space the VMA belongs to. */
  readonly vm_mm: MmStruct;
}

/** PTRS_PER_PTE on x86-64: the PTEs of one page table, the base pages under one PMD (HPAGE_PMD_NR). */
export const PTRS_PER_PTE = 512;

/** PMD_ORDER on x86-64: a PMD leaf maps 2 MiB. */
export const PMD_ORDER = 9;
/** PUD_ORDER on x86-64: a PUD leaf maps 1 GiB. */
export const PUD_ORDER = 18;

/**
 * A huge pfnmap leaf: a PMD or PUD entry mapping `1 << order` raw pfns from
 * `pfn` directly, with no page table under it (`vmf_insert_pfn_pmd()` /
 * `vmf_insert_pfn_pud()`, Peter Xu's huge pfnmap series, v6.12; marked
 * special, so GUP-fast never takes it: ae3c99e650da "mm/gup: detect huge
 * pfnmap entries in gup-fast"; the model's GUP-fast reads PTE tables only).
 */
export interface HugePfn {
  /** The first pfn it maps. */
  readonly pfn: number;
  /** Writable. */
  readonly write: boolean;
  /** PMD_ORDER (2 MiB) or PUD_ORDER (1 GiB). */
  readonly order: typeof PMD_ORDER | typeof PUD_ORDER;
}

/** A PTE page table: the PTEs under one PMD, by virtual page number, and its page-table lock. */
export class PteTable {
  /** The PTEs present or swapped, by virtual page number. */
  readonly entries = new Map<number, Pte>();
  /**
   * The split page-table lock (`pte_lockptr()`): the task holding it, or
   * null. Held only by paths that keep it across a TLB flush (reclaim's
   * and uprobes' `ptep_clear_flush()`); every other PTE change is one step.
   */
  ptl: string | null = null;
  /** Tasks waiting for the PTL (a spinlock in the kernel: they wait without doing anything else). */
  readonly ptlq = new WaitQueue("ptl");
}

/** `struct mm_struct`. */
export class MmStruct {
  /** `mmap_lock` (mmap_sem before v5.8). */
  readonly mmap_lock: RwSemaphore;
  /** The VMAs, sorted by start. */
  readonly vmas: Vma[] = [];
  /** Page tables by PMD index (virtual page number / PTRS_PER_PTE): what each PMD points to; absent is pmd_none. */
  private readonly tables = new Map<number, PteTable>();
  /** Huge pfnmap leaves by PMD index (order 9) and by PUD index (order 18, virtual page number >> 18). */
  private readonly pmdLeaves = new Map<number, HugePfn>();
  private readonly pudLeaves = new Map<number, HugePfn>();
  /** PUD indices whose PUD points to a PMD table (`pmd_alloc()`: a PTE table or a PMD leaf was set under it): zapping a PMD leaf or a PTE clears the entry, not the table, so the PUD stays non-none (the model, like zap_page_range_single(), frees no page table). */
  private readonly pmdTables = new Set<number>();
  /** Swap device backing anonymous memory. */
  readonly swap: SwapDevice;
  /** `mm_lock_seq`: bumped by every mmap_write_unlock(), which ends all VMA write locks (v6.4+). */
  mm_lock_seq = 0;
  /** `mm_users`: the process using the address space, plus `mmget()` references (uprobes' `build_map_info()`); `mmput()` of the last runs `exit_mmap()`. */
  mm_users = 1;
  /** MMF_HAS_PINNED (`mm->has_pinned` from 008cfe4418b3, v5.9): a FOLL_PIN GUP ran on this mm; never cleared. */
  has_pinned = false;
  /** The process's name in traces: `""` for the scenario's first mm, else the task that forked it into being. */
  readonly owner: string;
  private nextStart = 0x10000000;
  private readonly sim: Simulation;
  private readonly readerWake: ReaderWake;

  constructor(sim: Simulation, swap: SwapDevice, readerWake: ReaderWake, owner = "") {
    this.sim = sim;
    this.readerWake = readerWake;
    this.owner = owner;
    this.mmap_lock = new RwSemaphore(sim, this.lockName("mmap_lock"), { lockClass: "mmap_lock", readerWake });
    this.swap = swap;
  }

  /** `name`, or `name:owner` for a forked mm's locks. */
  private lockName(name: string): string {
    return this.owner ? `${name}:${this.owner}` : name;
  }

  /** `get_unmapped_area()`: a free range of `pages` pages above every VMA placed so far, with a 16-page gap after it. */
  get_unmapped_area(pages: number): number {
    const start = this.nextStart;
    this.nextStart = start + (pages + 16) * PAGE_SIZE;
    return start;
  }

  /** mmap(): add a VMA of `pages` pages after the previous one; `vm_ops` as the file's `->mmap` sets them (null: anonymous). */
  mmap(name: string, pages: number, vm_flags: number, file: AddressSpace | null, vm_ops: VmOperations | null = null): Vma {
    const start = this.get_unmapped_area(pages);
    return this.insert_vma({ name, start, end: start + pages * PAGE_SIZE, vm_flags, file, vm_ops, pgoff: 0 });
  }

  /**
   * A new VMA of this mm at a given place (`vm_area_alloc` + `vma_link`), as
   * mmap() and fork's dup_mmap make them; a file VMA is linked into its
   * mapping's i_mmap (`vma_link_file()`) unless `link` is false (mmap_region()
   * links it only after `->mmap`: see {@link vma_link_file}).
   */
  insert_vma(v: Pick<Vma, "name" | "start" | "end" | "vm_flags" | "file" | "vm_ops" | "pgoff" | "vm_private_data">, link = true): Vma {
    const vma = this.vm_area_alloc(v);
    this.vmas.push(vma);
    if (link) vma_link_file(vma);
    return vma;
  }

  /** `vm_area_alloc()` and its fields: a VMA of this mm that is in no tree yet (mmap_region() inserts it after `->mmap`). */
  vm_area_alloc(v: Pick<Vma, "name" | "start" | "end" | "vm_flags" | "file" | "vm_ops" | "pgoff" | "vm_private_data">): Vma {
    const vm_lock = new RwSemaphore(this.sim, this.lockName(`${v.name}.vm_lock`), { lockClass: "vm_lock", readerWake: this.readerWake });
    return { ...v, uffd: null, anon_vma: false, vm_lock, vm_lock_seq: -1, vm_mm: this };
  }

  /** Take `vma` out of the mm's VMA list and out of its file's i_mmap (`vma_iter_clear()` + `unlink_file_vma()`). */
  remove_vma(vma: Vma): void {
    this.vmas.splice(this.vmas.indexOf(vma), 1);
    vma.file?.i_mmap.delete(vma);
  }

  /**
   * `mmap_assert_write_locked()` (include/linux/mmap_lock.h): lockdep's
   * `lockdep_assert_held_write()` on mmap_lock; a caller that holds it for
   * read, or not at all, gets a WARN, traced as a `WARN` event naming the
   * function that needed the lock (`fn`) and how the task holds it.
   */
  mmap_assert_write_locked(t: Task, fn: string): void {
    const held = t.held.filter((h) => h.name === this.mmap_lock.name).map((h) => h.mode);
    if (held.includes("write")) return;
    const how = held.length > 0 ? "read" : "none";
    if (this.sim.tracing) this.sim.event(t, "WARN", "mmap_assert_write_locked", { lock: this.mmap_lock.name, held: how, caller: fn }, how === "read" ? "held for read where write is required" : "not held where write is required");
  }

  /** `vma_lookup()`: the VMA containing `addr`, or null. */
  vma_lookup(addr: number): Vma | null {
    return this.vmas.find((v) => addr >= v.start && addr < v.end) ?? null;
  }

  /** The PTE of `addr`, or undefined for pte_none (or pmd_none); inside a huge pfnmap leaf, the entry it amounts to for that page. */
  pte(addr: number): Pte | undefined {
    const vpn = Math.floor(addr / PAGE_SIZE);
    if (this.pmdLeaves.size > 0 || this.pudLeaves.size > 0) {
      const leaf = this.huge_leaf(addr);
      if (leaf) return { kind: "pfn", pfn: leaf.pfn + (vpn - leaf.vpn), write: leaf.write };
    }
    return this.tables.get(Math.floor(vpn / PTRS_PER_PTE))?.entries.get(vpn);
  }

  /** The huge pfnmap leaf (PUD, then PMD) that maps `addr`, with the first virtual page it maps, or undefined. */
  huge_leaf(addr: number): (HugePfn & { readonly vpn: number }) | undefined {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const pud = Math.floor(vpn / 2 ** PUD_ORDER);
    const l = this.pudLeaves.get(pud);
    if (l) return { ...l, vpn: pud * 2 ** PUD_ORDER };
    const pmd = Math.floor(vpn / PTRS_PER_PTE);
    const m = this.pmdLeaves.get(pmd);
    return m ? { ...m, vpn: pmd * PTRS_PER_PTE } : undefined;
  }

  /** `pmd_none()` of `addr`'s PMD: no page table, no PMD leaf, and no PUD leaf above it. */
  pmd_none(addr: number): boolean {
    const vpn = Math.floor(addr / PAGE_SIZE);
    return !this.tables.has(Math.floor(vpn / PTRS_PER_PTE)) && !this.pmdLeaves.has(Math.floor(vpn / PTRS_PER_PTE)) && !this.pudLeaves.has(Math.floor(vpn / 2 ** PUD_ORDER));
  }

  /** `pud_none()` of `addr`'s PUD: no PUD leaf and no PMD table under it (one allocated for a PTE table or a PMD leaf stays when they are zapped). */
  pud_none(addr: number): boolean {
    const pud = Math.floor(Math.floor(addr / PAGE_SIZE) / 2 ** PUD_ORDER);
    if (this.pudLeaves.has(pud) || this.pmdTables.has(pud)) return false;
    const first = pud * PTRS_PER_PTE;
    const under = (m: ReadonlyMap<number, unknown>) => [...m.keys()].some((pmd) => pmd >= first && pmd < first + PTRS_PER_PTE);
    return !under(this.tables) && !under(this.pmdLeaves);
  }

  /** `set_pmd_at()` / `set_pud_at()` of a huge pfnmap leaf at the (aligned) `addr`. */
  set_huge(addr: number, leaf: HugePfn): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    if (leaf.order === PUD_ORDER) this.pudLeaves.set(Math.floor(vpn / 2 ** PUD_ORDER), leaf);
    else {
      this.pmdLeaves.set(Math.floor(vpn / PTRS_PER_PTE), leaf);
      this.pmdTables.add(Math.floor(vpn / 2 ** PUD_ORDER));
    }
  }

  /** `pmdp_huge_get_and_clear()` / `pudp_huge_get_and_clear()`: the leaf mapping `addr` goes, the entry becomes none. */
  clear_huge(addr: number): void {
    const leaf = this.huge_leaf(addr);
    if (!leaf) return;
    if (leaf.order === PUD_ORDER) this.pudLeaves.delete(Math.floor(leaf.vpn / 2 ** PUD_ORDER));
    else this.pmdLeaves.delete(Math.floor(leaf.vpn / PTRS_PER_PTE));
  }

  /** Every huge pfnmap leaf, as [first virtual page number, leaf]. */
  *huge_leaves(): IterableIterator<[number, HugePfn]> {
    for (const [pud, l] of this.pudLeaves) yield [pud * 2 ** PUD_ORDER, l];
    for (const [pmd, l] of this.pmdLeaves) yield [pmd * PTRS_PER_PTE, l];
  }

  /** set_pte_at(), allocating the page table first if the PMD is none (`__pte_alloc`). */
  set_pte(addr: number, pte: Pte): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const pmd = Math.floor(vpn / PTRS_PER_PTE);
    let table = this.tables.get(pmd);
    if (!table) this.tables.set(pmd, (table = new PteTable()));
    this.pmdTables.add(Math.floor(vpn / 2 ** PUD_ORDER));
    table.entries.set(vpn, pte);
  }

  /** pte_clear(). */
  clear_pte(addr: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    this.tables.get(Math.floor(vpn / PTRS_PER_PTE))?.entries.delete(vpn);
  }

  /** `pmd_offset()` + `pte_offset_map()`: the page table `addr`'s PMD points to now, or undefined (pmd_none). */
  pmd_table(addr: number): PteTable | undefined {
    return this.tables.get(Math.floor(addr / PAGE_SIZE / PTRS_PER_PTE));
  }

  /** `pmdp_huge_clear_flush()`'s clear: the PMD of `addr` becomes none; returns the page table it pointed to, detached but intact. */
  pmd_clear(addr: number): PteTable | undefined {
    const pmd = Math.floor(addr / PAGE_SIZE / PTRS_PER_PTE);
    const table = this.tables.get(pmd);
    this.tables.delete(pmd);
    return table;
  }

  /** `pmd_populate()`: point the PMD of `addr` at `table`. */
  pmd_populate(addr: number, table: PteTable): void {
    this.tables.set(Math.floor(addr / PAGE_SIZE / PTRS_PER_PTE), table);
    this.pmdTables.add(Math.floor(addr / PAGE_SIZE / 2 ** PUD_ORDER));
  }

  /** `pte_offset_map_lock()`: take the PTL of `addr`'s page table, waiting while another task holds it; undefined when the PMD is none. */
  *pte_offset_map_lock(t: Task, addr: number): KernelGen<PteTable | undefined> {
    for (;;) {
      const table = this.pmd_table(addr);
      if (!table || table.ptl === null) {
        if (table) table.ptl = t.name;
        return table;
      }
      yield* table.ptlq.wait_event(t, () => table.ptl === null, () => [table.ptl!]);
    }
  }

  /** `pte_unmap_unlock()`. */
  pte_unmap_unlock(table: PteTable): void {
    table.ptl = null;
    table.ptlq.wake_up_all();
  }

  /** What a fault's own `pte_offset_map_lock()` amounts to here: wait until no other task holds the PTL of `addr`'s page table. */
  *pte_wait_unlocked(t: Task, addr: number): KernelGen {
    const table = this.pmd_table(addr);
    if (table && table.ptl !== null && table.ptl !== t.name) yield* table.ptlq.wait_event(t, () => table.ptl === null, () => [table.ptl!]);
  }

  /** Every PTE reachable from the PMDs, as [virtual page number, PTE]; huge leaves are not expanded (see {@link MmStruct.huge_leaves}). */
  *ptes(): IterableIterator<[number, Pte]> {
    for (const table of this.tables.values()) yield* table.entries;
  }

  /** `mmap_write_unlock()`: `vma_end_write_all()` (bump mm_lock_seq, v6.4+), then up_write. */
  mmap_write_unlock(t: Task): void {
    this.mm_lock_seq++;
    this.mmap_lock.up_write(t);
  }

  /** `mmap_write_downgrade()`: `vma_end_write_all()`, then downgrade_write. */
  mmap_write_downgrade(t: Task): void {
    this.mm_lock_seq++;
    this.mmap_lock.downgrade_write(t);
  }
}

/**
 * `vma_start_read()` (include/linux/mm.h, v6.4..v6.14): take the per-VMA
 * lock for read unless the VMA is write-locked (vm_lock_seq == mm_lock_seq)
 * or the trylock fails; never sleeps.
 */
export function vma_start_read(mm: MmStruct, vma: Vma, t: Task): boolean {
  if (vma.vm_lock_seq === mm.mm_lock_seq) return false;
  return vma.vm_lock.down_read_trylock(t) === 1;
}

/** `vma_end_read()`. */
export function vma_end_read(vma: Vma, t: Task): void {
  vma.vm_lock.up_read(t);
}

/** `vma_link_file()` (mm/vma.c; `__vma_link_file()` in mm/mmap.c before v6.x): put a file VMA into its mapping's i_mmap, where `unmap_mapping_range()` finds it. */
export function vma_link_file(vma: Vma): void {
  vma.file?.i_mmap.add(vma);
}

/** vma_is_anonymous(): no vm_ops. */
export function vma_is_anonymous(vma: Vma): boolean {
  return vma.vm_ops === null;
}

/** VM_SHARED set. */
export function vma_is_shared(vma: Vma): boolean {
  return (vma.vm_flags & VM.SHARED) !== 0;
}

/**
 * `vma_wants_writenotify()` (mm/mmap.c): a shared writable mapping whose
 * ops want to hear of the first write (`->page_mkwrite`, dirty accounting)
 * gets read-only PTEs; one that does not (shmem, a raw pfn mapping) gets
 * PTEs writable from the start (its vm_page_prot allows writes).
 */
export function vma_wants_writenotify(vma: Vma): boolean {
  return (vma.vm_flags & (VM.SHARED | VM.WRITE)) === (VM.SHARED | VM.WRITE) && vma.vm_ops?.page_mkwrite !== undefined;
}

/** Whether a PTE made from the VMA's `vm_page_prot` is writable: a shared writable mapping without write notification. */
export function vm_page_prot_write(vma: Vma): boolean {
  return (vma.vm_flags & (VM.SHARED | VM.WRITE)) === (VM.SHARED | VM.WRITE) && !vma_wants_writenotify(vma);
}

/** linear_page_index(): the file page (or anon page) of `addr` in `vma`. */
export function linear_page_index(vma: Vma, addr: number): number {
  return Math.floor((addr - vma.start) / PAGE_SIZE) + vma.pgoff;
}

/**
 * `vma_start_write()` (include/linux/mm.h, v6.4+): with mmap_lock held for
 * write, wait for the VMA's readers to leave and mark it write-locked until
 * mmap_write_unlock() or mmap_write_downgrade().
 */
export function* vma_start_write(mm: MmStruct, vma: Vma, t: Task): KernelGen {
  if (vma.vm_lock_seq === mm.mm_lock_seq) return;
  yield* vma.vm_lock.down_write(t);
  vma.vm_lock_seq = mm.mm_lock_seq;
  vma.vm_lock.up_write(t);
}
