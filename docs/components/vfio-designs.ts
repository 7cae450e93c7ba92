// The vfio-pci designs the /vfio notebook compares (a profile, and the
// unmerged patches of src/profiles/patches.ts on top), the scenarios it
// derives from an edited one, and what it reads back from runs: lockdep's
// inversions and WARNs, SIGBUS, faults taken, entries written and times.
// Data and judgement only; the engine runs in the page's worker.
import { formatInversions, type RunData, type ScenarioSpec } from "../faultline/page.js";

type Op = ScenarioSpec["tasks"][number]["ops"][number];
/** A fork child's op list (the schema's recursive op list is typed loosely). */
type ChildOps = Extract<Op, { op: "fork" }>["child"]["ops"];

/** One design of BAR mappings: the profile that carries it and the patches applied on top. */
export interface VfioDesign {
  /** Row label. */
  readonly name: string;
  /** Profile (src/profiles/index.ts), whose `vfio_pci_mmap` is the design or the base of its patch. */
  readonly profile: string;
  /** Unmerged patches applied (src/profiles/patches.ts). */
  readonly patches: readonly string[];
  /** Whether the costs section charts it: the pre-2020 mmap-time remap is neither traced nor charged by the model. */
  readonly costs: boolean;
}

/**
 * The designs, oldest first. Profiles: v5.7 maps the whole BAR at mmap
 * (v3.6..v5.7); v5.9 carries the v5.8 vma_list fault (11c4cd07ba11,
 * abafbc551fdd); v6.4 the v5.13 fault holding vma_lock across the remap
 * (6a45ece4c9af); v6.10 the unmap_mapping_range() design with
 * vmf_insert_pfn() and its full-VMA prefault; v6.12 that design
 * (aac6db75a9fc) with f9e54c3a2f5b's huge_fault, which replaced the
 * full-VMA prefault of v6.10 (d71a989cf5d9, v6.10..v6.11). Yan Zhao's
 * 2023-05-08 patch goes on v6.4, Jason Gunthorpe's 2024-05-22 proposal
 * on v6.12 (each patch names its base).
 */
export const VFIO_DESIGNS: readonly VfioDesign[] = [
  { name: "before v5.8: remap_pfn_range() at mmap, no zap", profile: "v5.7", patches: [], costs: false },
  { name: "v5.8: vma_list, remap after dropping vma_lock", profile: "v5.9", patches: [], costs: true },
  { name: "v5.13: vma_lock held across the remap", profile: "v6.4", patches: [], costs: true },
  { name: "Yan Zhao 2023: mmap_lock for write in the fault (not merged)", profile: "v6.4", patches: ["vfio-pci-fault-mmap-write-lock"], costs: true },
  { name: "Jason Gunthorpe 2024: remap on enable, SIGBUS on fault (not merged)", profile: "v6.12", patches: ["vfio-pci-remap-on-enable"], costs: true },
  { name: "v6.10: unmap_mapping_range(), vmf_insert_pfn() and a full-VMA prefault", profile: "v6.10", patches: [], costs: true },
  { name: "v6.12: unmap_mapping_range(), huge_fault, no prefault", profile: "v6.12", patches: [], costs: true },
];

/** `spec` under `design`: its profile, and its patches (none: the field dropped). */
export function withDesign(spec: ScenarioSpec, design: VfioDesign): ScenarioSpec {
  const { patches: _dropped, ...rest } = spec;
  return design.patches.length > 0 ? { ...rest, profile: design.profile, patches: [...design.patches] } : { ...rest, profile: design.profile };
}

/** What the other thread does to the device: clear PCI_COMMAND_MEMORY, or VFIO_DEVICE_RESET. */
export type OtherThread = "disable" | "reset";

/** Whether `op` takes the device's memory away: a memory disable or a reset. */
const takesMemory = (op: Op): op is Extract<Op, { device: string }> => (op.op === "vfio_pci_config_write" && !op.memory) || op.op === "vfio_device_reset";

/** `spec` with every memory disable and device reset turned into `other` on the same device. */
export function withOtherThread(spec: ScenarioSpec, other: OtherThread): ScenarioSpec {
  const op = (o: Op): Op => (!takesMemory(o) ? o : other === "disable" ? { op: "vfio_pci_config_write", device: o.device, memory: false } : { op: "vfio_device_reset", device: o.device });
  return { ...spec, tasks: spec.tasks.map((t) => ({ ...t, ops: t.ops.map(op) })) };
}

/** `spec` turned around: every device starts with its memory disabled, and every memory disable becomes an enable (a reset stays a reset). */
export function withEnable(spec: ScenarioSpec): ScenarioSpec {
  const op = (o: Op): Op => (o.op === "vfio_pci_config_write" && !o.memory ? { ...o, memory: true } : o);
  const mm = spec.mm && { ...spec.mm, devices: spec.mm.devices?.map((d) => ({ ...d, memory: false })) };
  return { ...spec, ...(mm ? { mm } : {}), tasks: spec.tasks.map((t) => ({ ...t, ops: t.ops.map(op) })) };
}

/** Whether a scenario takes a device's memory away (what {@link withOtherThread} swaps). */
export function takesDeviceMemory(spec: ScenarioSpec): boolean {
  return spec.tasks.some((t) => t.ops.some(takesMemory));
}

/**
 * A run's reports the way the kernel prints them: lockdep's "possible
 * circular locking dependency" with its chain (formatInversions), and
 * each WARN event with the function that hit it (mmap_assert_write_locked()
 * in vm_flags_set() from remap_pfn_range(): "held for read where write is
 * required").
 */
export function kernelReports(run: RunData): string[] {
  const warns = run.result.trace.filter((e) => e.ev === "WARN").map((e) => `WARNING: ${e.task}: ${e.fn}(${String(e.args?.lock ?? "")}) from ${String(e.args?.caller ?? "?")}: ${String(e.ret)}`);
  return [...formatInversions(run.result.inversions), ...warns];
}

/** Whether a run delivered SIGBUS to a user access (a load or store returning VM_FAULT_SIGBUS). */
export function sigbus(run: RunData): boolean {
  return run.result.trace.some((e) => e.ev === "call" && (e.fn === "load" || e.fn === "store") && e.ret === "VM_FAULT_SIGBUS");
}

/** Largest walk the costs section runs, in loads per mapping (32 MiB by 4 KiB loads): a run keeps at most 50,000 trace events, and a load that faults a PTE in costs about nine (the fault, its locks, the entry). */
export const COST_MAX_PAGES = 8192;

/** Largest BAR the scenario format maps, in pages (4 GiB): `$.mm.vmas[i].pages` is at most 1,048,576 (src/scenario/schema.ts). */
export const VMA_MAX_PAGES = 1_048_576;

/** Pages in all the VMAs of a scenario, at most (8 GiB): the validator's "at most 2097152 pages in all VMAs". */
export const ALL_VMAS_MAX_PAGES = 2_097_152;

/** Pages a leaf maps on x86-64: a PTE one, a PMD 2 MiB (PMD_ORDER 9), a PUD 1 GiB (PUD_ORDER 18). */
export const LEAF_PAGES = { pte: 1, pmd: 512, pud: 262_144 } as const;

/** Who walks: threads of one mm, or processes, each forked (dup_mmap) after its parent mmaps the BAR, with its own mm and mmap_lock. */
export type Walkers = "threads" | "processes";

/** How a walk runs beside its size: who walks, one load every `stride` pages (1: every page), and whether memory is disabled once every walk is done. */
export interface WalkOptions {
  readonly walkers?: Walkers;
  readonly stride?: number;
  /** A task `disabler` clears PCI_COMMAND_MEMORY after the walks: its memory_lock write hold is the zap of every entry they left. */
  readonly disable?: boolean;
}

/** The CPU costs of a walk, ns: `pteNs` per entry written and `zapNs` per entry cleared (the device's), `faultNs` per fault's trap (the mm's). */
export interface WalkCosts {
  readonly pteNs: number;
  readonly faultNs?: number;
  readonly zapNs?: number;
}

/**
 * A walk of the BAR: `maps` walkers each mmap a BAR of `pages` pages (a
 * deferred vfio-bar VMA of the whole BAR) and load every `stride`th page in
 * order, on `design`, with the CPU `costs` of the device and the mm.
 * Threads (the default) are tasks of one mm; processes are each a task
 * that mmaps its BAR and forks a child that unmaps the other BARs it
 * inherited and walks its own (the scenario format allows mmap only in the
 * scenario's own tasks, which share one mm). With `disable`, a task
 * `disabler` sleeps past the longest the walks can take (every fault's
 * trap and every page's entry one after another) and then clears the
 * memory enable bit. Throws a RangeError past {@link COST_MAX_PAGES} loads
 * per mapping, {@link VMA_MAX_PAGES} per BAR or {@link ALL_VMAS_MAX_PAGES}
 * in all.
 */
export function walkScenario(design: VfioDesign, pages: number, maps: number, costs: WalkCosts, options: WalkOptions = {}): ScenarioSpec {
  const { walkers = "threads", stride = 1, disable = false } = options;
  const { pteNs, faultNs = 0, zapNs = 0 } = costs;
  const loads = Math.ceil(pages / stride);
  if (loads > COST_MAX_PAGES) throw new RangeError(`walkScenario: ${loads} loads per mapping is past the ${COST_MAX_PAGES} the page runs`);
  if (pages > VMA_MAX_PAGES || pages * maps > ALL_VMAS_MAX_PAGES) throw new RangeError(`walkScenario: ${maps} x ${pages} pages is past the scenario format's ${VMA_MAX_PAGES} pages per VMA and ${ALL_VMAS_MAX_PAGES} in all`);
  const vmas = Array.from({ length: maps }, (_, i) => ({ name: `bar${i}`, kind: "vfio-bar" as const, device: "gpu", bar: 0, pages, deferred: true }));
  const walk = (vma: string): Op[] => Array.from({ length: loads }, (_, i): Op => ({ op: "load", vma, page: i * stride }));
  // A forked walker first unmaps the other parents' BARs it inherited (the parents are tasks of one mm, and their mmaps may run
  // before its fork): each child keeps its own BAR only, as a process that mmapped just that one would.
  const others = (vma: string): Op[] => vmas.filter((v) => v.name !== vma).map((v): Op => ({ op: "munmap", vma: v.name }));
  const ops = (vma: string, i: number): Op[] => (walkers === "threads" ? [{ op: "mmap", vma }, ...walk(vma)] : [{ op: "mmap", vma }, { op: "fork", child: { name: `walker${i}`, ops: [...others(vma), ...walk(vma)] as unknown as ChildOps } }]);
  // Past the walks however they serialize: every trap and every entry of every mapping one after another, and then some.
  const walksDone = maps * (loads * faultNs + pages * (pteNs + zapNs)) + 1_000_000;
  const disabler = disable ? [{ name: "disabler", ops: [{ op: "sleep", ns: walksDone }, { op: "vfio_pci_config_write", device: "gpu", memory: false }] as Op[] }] : [];
  return withDesign(
    {
      title: walkTitle(`walk of a ${pages}-page BAR by ${maps} ${walkers === "threads" ? (maps === 1 ? "thread" : "threads") : maps === 1 ? "process" : "processes"}${stride > 1 ? `, a load every ${stride} pages` : ""}${disable ? ", then a memory disable" : ""}`, [design.profile, ...design.patches].join(" + ")),
      mm: { devices: [{ name: "gpu", bars: [{ pages }], pteNs, ...(zapNs ? { zapNs } : {}) }], vmas, ...(faultNs ? { faultNs } : {}) },
      tasks: [...vmas.map((v, i) => ({ name: walkers === "threads" ? `walker${i}` : `parent${i}`, ops: ops(v.name, i) })), ...disabler],
    },
    design,
  );
}

/** The scenario format's longest title (`$.title`, src/scenario/schema.ts). */
const TITLE_MAX = 120;

/** A walk's title: what runs, then the design (profile and patches), the first cut short so that the whole fits the format's {@link TITLE_MAX}. */
function walkTitle(what: string, design: string): string {
  const room = TITLE_MAX - design.length - 2;
  return `${what.length > room ? `${what.slice(0, room - 1)}…` : what}, ${design}`;
}

/** The locks whose holds a walk reports: vfio's memory_lock and vma_lock, the mm's mmap_lock, and the per-VMA lock (vm_lock, v6.4 on). */
export const HELD_LOCKS = ["memory_lock", "mmap_lock", "vma_lock", "vm_lock"] as const;
export type HeldLock = (typeof HELD_LOCKS)[number];

/** How long a lock was held in a run, summed over every task and class instance (each mm's mmap_lock, each VMA's vm_lock). */
export interface LockHold {
  /** The longest single hold, ns. */
  readonly longestNs: number;
  /** All holds added up, ns (two readers holding at once count twice). */
  readonly totalNs: number;
  /** How many times it was taken. */
  readonly holds: number;
}

/** What a walk cost: faults taken, entries written by size, when the first load and the last returned (ns from the start), and lock holds. */
export interface WalkCost {
  /** Page faults on the BAR, as traps: `handle_mm_fault()` calls less the ones a VM_FAULT_RETRY repeats (v6.7+: a BAR fault under the VMA lock retries under mmap_lock, `vmf_can_call_fault()`); a huge_fault that falls back to a smaller order is part of the same fault. */
  readonly faults: number;
  /** Page-table entries written: PTEs by remap_pfn_range() and vmf_insert_pfn(), and one per PMD or PUD leaf (vmf_insert_pfn_pmd/pud). */
  readonly entries: number;
  /** Of `entries`, PTEs, PMD leaves and PUD leaves. */
  readonly pte: number;
  readonly pmd: number;
  readonly pud: number;
  /** Pages the written entries map (PTE 1, PMD 512, PUD 262,144): every page of every mapping when it equals pages x mappings. */
  readonly mappedPages: number;
  readonly firstAccessNs: number;
  readonly walkNs: number;
  /** Hold times per lock by the walkers, from the trace's lock_acquire/lock_acquired/lock_release events. */
  readonly locks: Readonly<Record<HeldLock, LockHold>>;
  /** With {@link WalkOptions.disable}: the entries the disable's zap cleared, how long the config write took (ns), and how long it held memory_lock for write (ns: the zap is inside it from aac6db75a9fc, v6.10, before it under vma_lock and mmap_lock until then); 0 without. */
  readonly zapped: number;
  readonly disableNs: number;
  readonly disableHoldNs: number;
}

/** The functions that write BAR entries, each charging `pages` entries in its trace event, and the size of those entries. */
const ENTRY_WRITERS: ReadonlyMap<string, keyof typeof LEAF_PAGES> = new Map([
  ["remap_pfn_range", "pte"],
  ["vmf_insert_pfn", "pte"],
  ["vmf_insert_pfn_pmd", "pmd"],
  ["vmf_insert_pfn_pud", "pud"],
]);

/** The lock a traced lock name belongs to: "mmap_lock" or "mmap_lock:child" (a forked mm's), "gpu.memory_lock", "bar0.vm_lock"; null for the others. */
function heldLock(name: string): HeldLock | null {
  const base = name.split(":")[0]!;
  const suffix = base.slice(base.lastIndexOf(".") + 1);
  return (HELD_LOCKS as readonly string[]).includes(suffix) ? (suffix as HeldLock) : null;
}

/**
 * Lock holds in a trace: a hold starts at lock_acquire, or at
 * lock_acquired after a lock_contended wait, and ends at the same task's
 * lock_release of the same lock (innermost first). A failed trylock is a
 * lock_trylock event and holds nothing.
 */
export function lockHolds(trace: RunData["result"]["trace"]): Record<HeldLock, LockHold> {
  const out = Object.fromEntries(HELD_LOCKS.map((l) => [l, { longestNs: 0, totalNs: 0, holds: 0 }])) as Record<HeldLock, { longestNs: number; totalNs: number; holds: number }>;
  const open = new Map<string, number[]>();
  for (const e of trace) {
    const name = String(e.args?.lock ?? "");
    const which = heldLock(name);
    if (which === null) continue;
    const key = `${e.task}\u0000${name}`;
    const stack = open.get(key) ?? [];
    open.set(key, stack);
    if (e.ev === "lock_acquire") stack.push(e.t);
    else if (e.ev === "lock_acquired" && stack.length > 0) stack[stack.length - 1] = e.t;
    else if (e.ev === "lock_release" && stack.length > 0) {
      const held = e.t - stack.pop()!;
      const o = out[which];
      o.longestNs = Math.max(o.longestNs, held);
      o.totalNs += held;
      o.holds += 1;
    }
  }
  return out;
}

/** How long the disabler's config write took: from the end of its sleep to the write's return (0 if it did not run). */
function disableTime(disabler: RunData["result"]["trace"]): number {
  const slept = disabler.find((e) => e.ev === "sleep");
  const write = disabler.find((e) => e.ev === "call" && e.fn === "vfio_basic_config_write");
  return slept && write ? write.t - (slept.t + Number(slept.args?.ns ?? 0)) : 0;
}

/** The costs of a walk run ({@link walkScenario}), read from its trace; null if the trace was not kept whole. */
export function walkCost(run: RunData): WalkCost | null {
  if (run.truncated) return null;
  const trace = run.result.trace;
  const by = { pte: 0, pmd: 0, pud: 0 };
  for (const e of trace) {
    const size = e.ev === "cpu" ? ENTRY_WRITERS.get(e.fn ?? "") : undefined;
    if (size) by[size] += Number(e.args?.pages ?? 0);
  }
  const loads = trace.filter((e) => e.ev === "call" && e.fn === "load");
  const disabler = trace.filter((e) => e.task === "disabler");
  return {
    faults: trace.filter((e) => e.ev === "mm_fault").length - trace.filter((e) => e.ev === "mm_fault_done" && String(e.ret).includes("VM_FAULT_RETRY")).length,
    entries: by.pte + by.pmd + by.pud,
    ...by,
    mappedPages: by.pte * LEAF_PAGES.pte + by.pmd * LEAF_PAGES.pmd + by.pud * LEAF_PAGES.pud,
    firstAccessNs: loads[0]?.t ?? 0,
    walkNs: loads.at(-1)?.t ?? 0,
    locks: lockHolds(disabler.length ? trace.filter((e) => e.task !== "disabler") : trace),
    zapped: disabler.filter((e) => e.ev === "zap").reduce((n, e) => n + Number(e.args?.cleared ?? 0), 0),
    disableNs: disableTime(disabler),
    disableHoldNs: lockHolds(disabler).memory_lock.longestNs,
  };
}
