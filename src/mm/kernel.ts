/**
 * The modelled kernel instance one scenario runs against: the simulation, the
 * profile's behaviour, one mm with its files and swap, the folio allocator
 * and the block layer (IO completions unlock folios after a sampled latency).
 *
 * @module
 */
import type { Simulation } from "../engine/simulation.js";
import type { Task } from "../engine/task.js";
import type { Behaviour } from "../profiles/index.js";
import { FAULT_FLAG, fault_flag_allow_retry_first } from "./flags.js";
import { Folio, folio_unlock, type Zone } from "./folio.js";
import { MmStruct } from "./mm.js";
import { SwapDevice } from "./swap.js";

/** The block layer's completion context in traces. */
const BLK = { name: "blk" } as const;

/** Samples an IO latency (ns) from the submitting task's random stream. */
export type Latency = (t: Task) => number;

/** IO latencies of the modelled devices. */
export interface IoModel {
  /** `->read_folio()` of a file page (page-cache miss). */
  readonly readpage: Latency;
  /** `swap_read_folio()` of a swapped-out anonymous page. */
  readonly swapin: Latency;
  /** `swap_writepage()` of an anonymous page reclaim swaps out; 0 completes the write at submission, as a synchronous device (zram's bio) does. */
  readonly swapout: Latency;
  /**
   * Fault point (BUGGIFY-style, seeded from the submitting task's stream):
   * whether this read of `folio` fails with -EIO, leaving it !uptodate.
   */
  readonly readFails: (t: Task, folio: Folio) => boolean;
}

/**
 * A device memory range in `iomem_resource` (kernel/resource.c), as a PCI
 * BAR is requested: its pfns and what a CPU access to one of them does.
 */
export interface IomemResource {
  /** Owner, for traces (`pci_name()` and BAR). */
  readonly name: string;
  /** First pfn. */
  readonly start: number;
  /** Size in pages. */
  readonly pages: number;
  /** A CPU load (`store` null: returns the value) or store reaching `pfn`. */
  readonly access: (t: Task, pfn: number, store: { readonly value: number } | null) => number;
}

/** One modelled machine: simulation, behaviour, mm, allocator, block layer. */
export class Kernel {
  /** The simulation. */
  readonly sim: Simulation;
  /** Behaviour of the kernel version being modelled. */
  readonly behaviour: Behaviour;
  /** The scenario's first address space: its tasks' unless they were forked, and the VMM's for KVM. */
  readonly mm: MmStruct;
  /** Every address space, the first one first. */
  readonly mms: MmStruct[] = [];
  /** The swap device all address spaces share. */
  readonly swap: SwapDevice;
  private readonly mmOf = new Map<string, MmStruct | null>();
  /** IO latencies. */
  readonly io: IoModel;
  /** How TLB flushes reach other CPUs: "ipi" (x86 native shootdown) or "broadcast" (no IPI: arm64 TLBI, paravirt flushes). */
  readonly tlbFlush: "ipi" | "broadcast";
  /** Device memory ranges (`iomem_resource`): the BARs of the vfio-pci devices. */
  readonly iomem_resource: IomemResource[] = [];
  /** Every folio allocated, for invariant checkers. */
  readonly folios: Folio[] = [];
  /** The shared zero page that read faults on anonymous memory map. */
  readonly zero_folio: Folio;
  /**
   * The zone anonymous pages (`GFP_HIGHUSER_MOVABLE`) are allocated from:
   * ZONE_MOVABLE when `movablecore=` (or `kernelcore=`) made the memory
   * they come from movable, else ZONE_NORMAL.
   */
  readonly anon_zone: Zone;
  /** Tasks inside `memalloc_pin_save()` (PF_MEMALLOC_PIN), by name. */
  private readonly memallocPin = new Set<string>();
  private nextPfn = 1;
  private nextBio = 1;

  /** CPU time of a user page fault's trap (`exc_page_fault()` entry and return), spent in `do_user_addr_fault()` before its locks; null: none. */
  readonly faultNs: Latency | null;

  constructor(sim: Simulation, behaviour: Behaviour, io: IoModel, tlbFlush: "ipi" | "broadcast" = "ipi", anon_zone: Zone = "ZONE_NORMAL", faultNs: Latency | null = null) {
    this.sim = sim;
    this.faultNs = faultNs;
    this.anon_zone = anon_zone;
    this.behaviour = behaviour;
    this.io = io;
    this.tlbFlush = tlbFlush;
    this.swap = new SwapDevice();
    this.mm = this.mm_alloc("");
    this.zero_folio = this.folio_alloc(null, 0, 0, "ZONE_NORMAL");
    this.zero_folio.uptodate = true;
  }

  /** `mm_alloc()`: a new, empty address space, named after the task it is for (`""` for the first). */
  mm_alloc(owner: string): MmStruct {
    const mm = new MmStruct(this.sim, this.swap, this.behaviour.rwsem_reader_wake, owner);
    this.mms.push(mm);
    return mm;
  }

  /** `current->mm` of task `t`: the first address space unless `t` runs in one it was forked into. */
  current_mm(t: { readonly name: string }): MmStruct {
    return this.mmOf.get(t.name) ?? this.mm;
  }

  /**
   * `get_task_mm()` of the task named `task`: null once a forked child has
   * exited (its mm torn down), or while `forked` says it is a child not yet
   * forked.
   */
  get_task_mm(task: string, forked: ReadonlySet<string>): MmStruct | null {
    const mm = this.mmOf.get(task);
    if (mm !== undefined) return mm;
    return forked.has(task) ? null : this.mm;
  }

  /** Make `mm` the address space of the task named `task` (a forked child), or record that it exited (null). */
  set_mm(task: string, mm: MmStruct | null): void {
    this.mmOf.set(task, mm);
  }

  /**
   * `memalloc_pin_save()` / `memalloc_pin_restore()` for task `t`
   * (include/linux/sched/mm.h): while set, PF_MEMALLOC_PIN makes
   * `current_gfp_context()` drop __GFP_MOVABLE from the task's allocations
   * ("mm: honor PF_MEMALLOC_PIN for all movable pages", the series of
   * d1e153fea2a8, v5.13; commit not identified).
   */
  memalloc_pin(t: { readonly name: string }, on: boolean): void {
    if (on) this.memallocPin.add(t.name);
    else this.memallocPin.delete(t.name);
  }

  /** The zone a new anonymous page comes from for the running task: never ZONE_MOVABLE under PF_MEMALLOC_PIN. */
  private anonZoneNow(): Zone {
    const current = this.sim.current;
    return current !== null && this.memallocPin.has(current.name) ? "ZONE_NORMAL" : this.anon_zone;
  }

  /**
   * `folio_alloc()`: a new folio with one reference, on node `nid`, in
   * `zone` (default: `anon_zone` for anonymous memory, unless the running
   * task is under PF_MEMALLOC_PIN; ZONE_NORMAL for the page cache).
   */
  folio_alloc(mapping: Folio["mapping"], index: number, nid = 0, zone: Zone = mapping === null ? this.anonZoneNow() : "ZONE_NORMAL"): Folio {
    const f = new Folio(this.nextPfn++, mapping, index, nid, zone);
    this.folios.push(f);
    return f;
  }

  /**
   * Whether a fault with `flags` may still drop mmap_lock and return
   * VM_FAULT_RETRY: `fault_flag_allow_retry_first()` since v5.7
   * (4064b9827063), plain FAULT_FLAG_ALLOW_RETRY before (the arch code
   * cleared it for the second attempt).
   */
  may_retry(flags: number): boolean {
    return this.behaviour.fault_retry_multiple ? fault_flag_allow_retry_first(flags) : (flags & FAULT_FLAG.ALLOW_RETRY) !== 0;
  }

  /**
   * Submit the swap write of `folio` (`__swap_writepage()`, mm/page_io.c):
   * `folio_start_writeback()`, unlock, and the bio; its completion
   * (`end_swap_bio_write()` -> `folio_end_writeback()`) writes the slot
   * with the folio's contents and clears PG_writeback after `ns`, or at
   * once for 0 (a synchronous device).
   */
  submit_swap_write(t: Task, folio: Folio, entry: number, ns: number): void {
    const bio = `bio#${this.nextBio++}`;
    folio.writeback = true;
    folio_unlock(folio);
    const sim = this.sim;
    if (sim.tracing) sim.event(t, "io_submit", "swap_writepage", { pfn: folio.pfn, ns, bio });
    const end = () => {
      this.swap.write_slot(entry, folio.data);
      folio.writeback = false;
      if (sim.tracing) sim.event(BLK, "io_complete", "folio_end_writeback", { pfn: folio.pfn, bio });
    };
    if (ns === 0) end();
    else sim.add_timer(ns, BLK.name, end);
  }

  /**
   * Submit a read of `folio` (already locked by the caller, as
   * `filemap_add_folio` / `add_to_swap_cache` leave it) and return at once;
   * the completion (`folio_end_read`, in the block layer's interrupt
   * context) marks it uptodate, unless the read fails (-EIO), and unlocks it
   * after `ns`.
   */
  submit_read(t: Task, folio: Folio, fn: "read_folio" | "swap_read_folio", ns: number): void {
    const bio = `bio#${this.nextBio++}`;
    folio.lockedBy = bio;
    const sim = this.sim;
    const eio = this.io.readFails(t, folio);
    if (sim.tracing) sim.event(t, "io_submit", fn, { pfn: folio.pfn, ns, bio });
    sim.add_timer(ns, BLK.name, () => {
      folio.uptodate = !eio;
      folio_unlock(folio);
      if (sim.tracing) sim.event(BLK, "io_complete", "folio_end_read", { pfn: folio.pfn, bio, ...(eio ? { error: "-EIO" } : {}) });
    });
  }
}

/** The `iomem_resource` entry holding `pfn`, or undefined (RAM, or a pfn no device decodes). */
export function iomem_lookup(k: Kernel, pfn: number): IomemResource | undefined {
  return k.iomem_resource.find((r) => pfn >= r.start && pfn < r.start + r.pages);
}
