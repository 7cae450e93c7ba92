// The vfio-pci designs the /vfio notebook compares (a profile, and the
// unmerged patches of src/profiles/patches.ts on top), the scenarios it
// derives from an edited one, and what it reads back from runs: lockdep's
// inversions and WARNs, SIGBUS, faults taken, entries written and times.
// Data and judgement only; the engine runs in the page's worker.
import { formatInversions, type RunData, type ScenarioSpec } from "../faultline/index.js";

type Op = ScenarioSpec["tasks"][number]["ops"][number];

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
 * (6a45ece4c9af); v6.12 the v6.10 unmap_mapping_range() design
 * (aac6db75a9fc) with f9e54c3a2f5b's huge_fault, which replaced v6.10's
 * full-VMA prefault (d71a989cf5d9, v6.10..v6.11, in no profile). Yan
 * Zhao's 2023-05-08 patch goes on v6.4, Jason Gunthorpe's 2024-05-22
 * proposal on v6.12 (each patch names its base).
 */
export const VFIO_DESIGNS: readonly VfioDesign[] = [
  { name: "before v5.8: remap_pfn_range() at mmap, no zap", profile: "v5.7", patches: [], costs: false },
  { name: "v5.8: vma_list, remap after dropping vma_lock", profile: "v5.9", patches: [], costs: true },
  { name: "v5.13: vma_lock held across the remap", profile: "v6.4", patches: [], costs: true },
  { name: "Yan Zhao 2023: mmap_lock for write in the fault (not merged)", profile: "v6.4", patches: ["vfio-pci-fault-mmap-write-lock"], costs: true },
  { name: "Jason Gunthorpe 2024: remap on enable, SIGBUS on fault (not merged)", profile: "v6.12", patches: ["vfio-pci-remap-on-enable"], costs: true },
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

/** Largest BAR the costs section runs, in pages (32 MiB): every entry is written and every page walked, and a run keeps at most 50,000 trace events. */
export const COST_MAX_PAGES = 8192;

/**
 * A walk of the BAR: `maps` threads each mmap a BAR of `pages` pages
 * (a deferred vfio-bar VMA of the whole BAR) and load every page in
 * order, on `design`, with `pteNs` of CPU time per page-table entry
 * written (the device's pteNs). Throws past {@link COST_MAX_PAGES}.
 */
export function walkScenario(design: VfioDesign, pages: number, maps: number, pteNs: number): ScenarioSpec {
  if (pages > COST_MAX_PAGES) throw new RangeError(`walkScenario: ${pages} pages is past the ${COST_MAX_PAGES} the page runs`);
  const vmas = Array.from({ length: maps }, (_, i) => ({ name: `bar${i}`, kind: "vfio-bar" as const, device: "gpu", bar: 0, pages, deferred: true }));
  const walk = (vma: string): Op[] => [{ op: "mmap", vma }, ...Array.from({ length: pages }, (_, page): Op => ({ op: "load", vma, page }))];
  return withDesign(
    {
      title: `walk of a ${pages}-page BAR by ${maps} mapping${maps === 1 ? "" : "s"}, ${design.name}`,
      mm: { devices: [{ name: "gpu", bars: [{ pages }], pteNs }], vmas },
      tasks: vmas.map((v, i) => ({ name: `walker${i}`, ops: walk(v.name) })),
    },
    design,
  );
}

/** What a walk cost: faults taken, entries written, and when the first load and the last returned (ns from the start). */
export interface WalkCost {
  /** Page faults on the BAR (`handle_mm_fault()` calls; a huge_fault that falls back to a smaller order is part of the same fault). */
  readonly faults: number;
  /** Page-table entries written: PTEs by remap_pfn_range() and vmf_insert_pfn(), and one per PMD or PUD leaf (vmf_insert_pfn_pmd/pud). */
  readonly entries: number;
  readonly firstAccessNs: number;
  readonly walkNs: number;
}

/** The functions that write BAR entries, each charging `pages` entries in its trace event. */
const ENTRY_WRITERS: ReadonlySet<string> = new Set(["remap_pfn_range", "vmf_insert_pfn", "vmf_insert_pfn_pmd", "vmf_insert_pfn_pud"]);

/** The costs of a walk run ({@link walkScenario}), read from its trace; null if the trace was not kept whole. */
export function walkCost(run: RunData): WalkCost | null {
  if (run.truncated) return null;
  const trace = run.result.trace;
  const entries = trace.filter((e) => e.ev === "cpu" && ENTRY_WRITERS.has(e.fn ?? "")).reduce((n, e) => n + Number(e.args?.pages ?? 0), 0);
  const loads = trace.filter((e) => e.ev === "call" && e.fn === "load");
  return { faults: trace.filter((e) => e.ev === "mm_fault").length, entries, firstAccessNs: loads[0]?.t ?? 0, walkNs: loads.at(-1)?.t ?? 0 };
}
