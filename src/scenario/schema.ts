/**
 * The scenario format, as TypeBox schemas: one source for the TypeScript
 * types and for the published JSON Schema (`scenario.schema.json`) that
 * editors use to complete and check scenario files.
 *
 * A scenario is data, never code: locks, tasks and their operations, the
 * kernel-version profile, the seed, optionally a fixed schedule, the outcome
 * it expects, and (like a herd7 litmus test) a property with the verdict
 * expected over a range of seeds.
 *
 * @module
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { MAX_DECISIONS } from "../engine/policy.js";
import { DEFAULT_PROFILE, PROFILE_NAMES } from "../profiles/index.js";
import { PATCH_NAMES } from "../profiles/patches.js";
import { Duration, Name, Ns, OneOf, PageNo, PageSet, Strict, Tagged } from "./op-schema/common.js";
import { MAX_JSON_DEPTH, MAX_PREDICATE_NESTING } from "./limits.js";
import { faultOps } from "./op-schema/fault.js";
import { gupOps } from "./op-schema/gup.js";
import { lockOps } from "./op-schema/locks.js";
import { mmOps } from "./op-schema/mm.js";
import { taskOps } from "./op-schema/task.js";
import { timeOps } from "./op-schema/time.js";
import { vfioOps } from "./op-schema/vfio.js";

export { Duration } from "./op-schema/common.js";
export { FAULT_FLAG_NAMES } from "./op-schema/fault.js";
export { FOLL_NAMES } from "./op-schema/gup.js";
export { LOCK_OPS } from "./op-schema/locks.js";
export { DELAY_OPS } from "./op-schema/time.js";

/** The largest seed: seeds are 32-bit. */
export const MAX_SEED = 0xffffffff;

/** A VMA and the state of its pages at the start. */
export const VmaSpec = Strict(
  {
    name: Name,
    kind: OneOf(
      ["anon", "file", "shmem", "pfnmap", "mixedmap", "vfio-bar"],
      "anon: anonymous memory (MAP_SHARED anonymous memory is shmem, shmem_zero_setup); file: a regular file (generic_file_vm_ops); shmem: a tmpfs file (shmem_vm_ops: pages are allocated zeroed on fault, no read IO); pfnmap: device memory a driver maps at mmap with remap_pfn_range (VM_IO|VM_PFNMAP, always MAP_SHARED; as /dev/mem's mmap_mem): every page a raw pfn from the start, and no fault handler; mixedmap: kernel pages a driver allocates and maps at mmap with vm_map_pages_zero (VM_MIXEDMAP, always MAP_SHARED; as the FireWire character device's fw_device_op_mmap): every page a normal, refcounted page from the start, which GUP can take, and no fault handler; vfio-bar: an mmap of BAR bar of the vfio-pci device device at offset pages into it (always MAP_SHARED; vfio_pci_core_mmap), mapped at mmap or on fault as the profile's vfio-pci does",
    ),
    device: Type.Optional({ ...Name, description: "vfio-bar: the device (a name in $.mm.devices)" }),
    bar: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, description: "vfio-bar: the BAR index (0..5)" })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 << 24, description: "vfio-bar: the offset into the BAR, in pages (the low bits of vm_pgoff; default 0)" })),
    deferred: Type.Optional(Type.Boolean({ description: "vfio-bar: not mapped at the start; a task's mmap op maps it (mmap_region: ->mmap, then vma_link_file). Its address is reserved from the start" })),
    shared: Type.Optional(Type.Boolean({ default: false, description: "MAP_SHARED (false: MAP_PRIVATE)" })),
    writable: Type.Optional(Type.Boolean({ default: true, description: "VM_WRITE" })),
    exec: Type.Optional(Type.Boolean({ description: "PROT_EXEC: VM_EXEC and VM_MAYEXEC (the model sets VM_MAYEXEC only here, as if other mappings were on a noexec mount); uprobes' valid_vma() needs VM_MAYEXEC" })),
    pages: Type.Integer({ minimum: 1, maximum: 1 << 20, description: "Size in pages" }),
    resident: Type.Optional({ ...PageSet, default: [] }),
    swapped: Type.Optional({ ...PageSet, default: [] }),
    swapcache: Type.Optional({ ...PageSet, default: [] }),
    pagecache: Type.Optional({ ...PageSet, default: [] }),
    mapped: Type.Optional({ ...PageSet, default: [] }),
    eio: Type.Optional({ ...PageSet, default: [] }),
    hwpoison: Type.Optional({ ...PageSet, default: [] }),
    size: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 << 20, description: "file: the file's size in pages (default: the VMA's); a fault at or past it is SIGBUS" })),
    readahead: Type.Optional(Type.Boolean({ default: true, description: "file: readahead on; false is ra_pages == 0, as blockdev --setra 0 leaves it" })),
    pgReadahead: Type.Optional({ ...PageSet, default: [] }),
    uffd: Type.Optional(
      Strict(
        { resolveNs: Duration },
        "Register the range with userfaultfd (UFFDIO_REGISTER_MODE_MISSING); a handler thread resolves each fault with UFFDIO_COPY after resolveNs",
      ),
    ),
  },
  "anon: pages resident (mapped), swapped (swap entry, IO needed) or swapcache (swap entry, folio cached); file and shmem: pages in the pagecache, and mapped (also in the page tables); pfnmap and mixedmap: no page sets. Other pages are untouched. pgReadahead (file): cached pages still carrying PG_readahead from an earlier readahead. eio (fault point): pages whose reads (readpage, or swap-in of a swapped page) fail with -EIO every time, a bad block. hwpoison (anon): pages whose memory had an uncorrected error, which memory_failure() unmapped, leaving a hwpoison entry.",
);

/** A PCI device bound to vfio-pci: its memory BARs and command register, and the costs of mapping it. */
export const DeviceSpec = Strict(
  {
    name: Name,
    bars: Type.Array(
      Strict(
        {
          pages: Type.Integer({ minimum: 1, maximum: 1 << 24, description: "BAR size in pages (4 KiB .. 64 GiB)" }),
          pfn: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 40, description: "First pfn the BAR decodes (default: the next one aligned to the BAR's size, from 1 TiB up)" })),
        },
        "A memory BAR (pdev->resource[i])",
      ),
      { minItems: 1, maxItems: 6, description: "BARs 0.. in order" },
    ),
    memory: Type.Optional(Type.Boolean({ description: "PCI_COMMAND_MEMORY set at the start (default true; not on a VF)" })),
    physfn: Type.Optional({ ...Name, description: "SR-IOV: this device is a VF of that PF (a device declared before it), whose SR-IOV Control has VF Enable and VF MSE set; the VF's BARs decode only while the PF's VF MSE is set" }),
    pteNs: Type.Optional({ ...Duration, description: "CPU time to write one page-table entry mapping a BAR (remap_pfn_range, vmf_insert_pfn); default 0" }),
    zapNs: Type.Optional({ ...Duration, description: "CPU time to clear one page-table entry mapping a BAR (zap_vma_ptes, unmap_mapping_range: a huge leaf counts one), spent after the zap under the zapper's locks; default 0" }),
    resetNs: Type.Optional({ ...Duration, description: "How long a function level reset takes (default 100 ms, pcie_flr's wait)" }),
  },
  "A PCI device bound to vfio-pci",
);

/** The address space the scenario's tasks share. */
export const MmSpec = Strict(
  {
    vmas: Type.Array(VmaSpec, { maxItems: 64 }),
    devices: Type.Optional(Type.Array(DeviceSpec, { maxItems: 8, description: "PCI devices bound to vfio-pci, which vfio-bar VMAs map" })),
    io: Type.Optional({
      ...Strict(
        {
          readpage: Type.Optional({ ...Duration, default: 100_000 }),
          swapin: Type.Optional({ ...Duration, default: 50_000 }),
          swapout: Type.Optional({ ...Duration, default: 50_000 }),
          eioRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0, description: "Fault point: probability that any read fails with -EIO, drawn from the submitting task's seeded stream" })),
        },
        "IO latencies (ns): readpage, swapin, swapout (the swap write of reclaim; 0: a synchronous device, the write done at submission); eioRate, a seeded fault point",
      ),
      default: {},
    }),
    faultNs: Type.Optional({ ...Duration, description: "CPU time of a user page fault's trap, spent on entry to do_user_addr_fault() before its locks (exception entry and return, the hardware walk that missed; exc_page_fault); default 0, none" }),
    tlbFlush: Type.Optional({
      ...OneOf(
        ["ipi", "broadcast"],
        "How TLB flushes reach the other CPUs: ipi, x86's native shootdown, which waits for every CPU running the mm and so for GUP-fast's IRQs-off walk; broadcast, a flush that sends no IPI (arm64 TLBI broadcast, paravirt flush hypercalls), which waits for nobody",
      ),
      default: "ipi",
    }),
    zone: Type.Optional({
      ...OneOf(
        ["ZONE_NORMAL", "ZONE_MOVABLE"],
        "The zone the process's anonymous pages come from (node 0): ZONE_MOVABLE as when the kernel was booted with movablecore= (or kernelcore=) and user allocations (GFP_HIGHUSER_MOVABLE) land in the movable part of memory, which FOLL_LONGTERM may not pin (folio_is_longterm_pinnable); page-cache pages stay in ZONE_NORMAL",
      ),
      default: "ZONE_NORMAL",
    }),
  },
  "mm_struct: VMAs, page state, IO latencies, how TLB flushes are sent and which zone anonymous pages come from; its mmap_lock is the rwsem named mmap_lock",
);

/** A KVM guest: vCPUs running guest processes over guest memory, part of it swapped out on the host. */
export const KvmSpec = Strict(
  {
    vcpus: Type.Integer({ minimum: 1, maximum: 64, description: "vCPUs (tasks vcpu0, vcpu1...)" }),
    procs: Type.Integer({ minimum: 1, maximum: 64, description: "Guest processes per vCPU" }),
    pagesPerProc: Type.Integer({ minimum: 1, maximum: 65536, description: "Guest pages each process touches (disjoint)" }),
    accesses: Type.Integer({ minimum: 1, maximum: 1e7, description: "Accesses each guest process makes" }),
    swapped: Type.Number({ minimum: 0, maximum: 1, description: "Fraction of guest pages swapped out on the host at the start" }),
    computeNs: Type.Optional({ ...Duration, default: 1000, description: "Guest CPU time per access (ns)" }),
    switchNs: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e9, default: 2000, description: "Exit + guest context switch on an async PF (ns)" })),
    asyncPf: Type.Optional(Type.Boolean({ default: true, description: "Guest has async PF enabled" })),
  },
  "KVM guest workload; guest memory is the anon VMA named guest",
);

/** A nanosecond cost of the post-copy model. */
const Cost = (def: number, description: string) => Type.Optional(Type.Integer({ minimum: 0, maximum: 1e9, default: def, description }));

/**
 * A post-copy live migration's destination: vCPUs writing guest memory that
 * is registered with userfaultfd, handler threads, and the migration stream.
 * Which of the 2022 alternatives KVM runs is the profile's, with the
 * patches kvm-exit-on-missing or pf-no-uffd-wait.
 */
export const PostcopySpec = Strict(
  {
    vcpus: Type.Integer({ minimum: 1, maximum: 256, description: "vCPUs (tasks vcpu0, vcpu1...)" }),
    pagesPerVcpu: Type.Integer({ minimum: 1, maximum: 65536, description: "Guest pages per vCPU (4 KiB each); guest memory is vcpus times this" }),
    pattern: Type.Optional({
      ...OneOf(["sequential", "random", "shared"], "Which pages each vCPU writes: sequential, its own pages in order (the KVM selftests' memstress guest); random, its own pages in a seeded order; shared, pagesPerVcpu pages drawn from all of guest memory"),
      default: "sequential",
    }),
    mode: Type.Optional({ ...OneOf(["MINOR", "MISSING"], "MINOR: shmem guest memory whose page cache is filled as pages arrive, mapped with UFFDIO_CONTINUE; MISSING: anonymous guest memory, UFFDIO_COPY"), default: "MINOR" }),
    uffds: Type.Optional({ ...OneOf(["single", "per-vcpu"], "One userfaultfd for all guest memory (demand_paging_test -a), or one per vCPU's pages, each its own VMA"), default: "single" }),
    readers: Type.Optional(Type.Integer({ minimum: 0, maximum: 64, default: 1, description: "Handler threads per userfaultfd (demand_paging_test -r)" })),
    link: Type.Optional(
      Strict(
        {
          latencyNs: Type.Integer({ minimum: 0, maximum: 1e9, description: "One-way network latency (ns)" }),
          pageNs: Type.Integer({ minimum: 0, maximum: 1e9, description: "Time to send one 4 KiB page: its size over the bandwidth (ns; 328 is 100 Gbit/s)" }),
          prefetch: Type.Optional(Type.Boolean({ default: true, description: "The source streams the pages not asked for, in order, while no request waits" })),
        },
        "The migration stream; without it every page is already here (demand_paging_test)",
      ),
    ),
    dontneed: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0, description: "Fraction of guest pages received and placed before the run and then zapped by MADV_DONTNEED behind the VMM's back" })),
    swapped: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0, description: "Fraction of guest pages received and placed before the run and then swapped out (MISSING only: shmem swap is not modelled)" })),
    costs: Type.Optional({
      ...Strict(
        {
          computeNs: Cost(700, "Guest time per page written"),
          exitNs: Cost(1500, "A KVM_RUN exit to userspace and the re-entry"),
          syscallNs: Cost(500, "Entering and leaving one system call"),
          copyNs: Cost(300, "Copying one received page into guest memory"),
          lockNs: Cost(150, "One critical section of fault_pending_wqh.lock or fd_wqh.lock, besides walking the queue"),
          walkNs: Cost(100, "Per wait-queue entry a wake walks (a remote cache line)"),
          wakeupNs: Cost(2000, "From a wake-up to the woken thread running (IPI, context switch)"),
          rmwNs: Cost(100, "One atomic on mmap_lock's or the guest VMA lock's word, which CPUs take in turn"),
        },
        "Costs (ns); the defaults give the 1-vCPU rates of Anish Moorthy's 2023 table",
      ),
      default: {},
    }),
  },
  "Post-copy migration destination",
);

/** One operation of a task, one file per family in op-schema/: locks, time, faults, GUP, the address space, the task itself. */
export const Op = Type.Recursive(
  (This) =>
    Tagged("op", [...lockOps, ...timeOps, ...faultOps, ...gupOps, ...mmOps, ...vfioOps, ...taskOps(This)], {
      $id: "Op",
      title: "operation",
      description: "A task operation, selected by its op field",
    }),
  { $id: "Op" },
);

/** A lock the scenario's tasks share. */
export const LockSpec = Strict(
  {
    name: Name,
    kind: OneOf(["rwsem", "mutex"], "rw_semaphore or mutex"),
    class: Type.Optional(Type.String({ maxLength: 64, description: "Lockdep class; defaults to the name" })),
  },
  "A sleeping lock",
);

/** A task: a name and the operations it runs in order. */
export const TaskSpec = Strict({ name: Name, ops: Type.Array(Op, { maxItems: 10000 }) }, "A task and its operations");

/** How a run can end. */
export const Status = OneOf(
  ["ok", "deadlock", "budget", "error"],
  "ok, deadlock (no task can run while some wait), budget (step budget used up), error (a kernel bug)",
);

/** Matches trace events; every given field must be equal. */
export const EventMatch = Strict(
  {
    task: Type.Optional(Type.String()),
    ev: Type.Optional(Type.String()),
    fn: Type.Optional(Type.String()),
    lock: Type.Optional(Type.String({ description: "args.lock" })),
    ret: Type.Optional(Type.Unknown()),
  },
  "A trace event pattern",
);

/** A property of one run, herd7-style: an object with exactly one of these fields. */
export const Predicate = Type.Recursive(
  (This) =>
    Type.Object(
      {
        status: Type.Optional(Status),
        inversion: Type.Optional(Type.Boolean({ description: "Lockdep did (true) or did not (false) report a lock-order inversion" })),
        event: Type.Optional(EventMatch),
        before: Type.Optional(
          Type.Tuple([EventMatch, EventMatch], { description: "Both patterns match, and the first match of the first precedes the first match of the second" }),
        ),
        count: Type.Optional(
          Strict(
            { event: EventMatch, min: Type.Optional(Type.Integer({ minimum: 0 })), max: Type.Optional(Type.Integer({ minimum: 0 })) },
            "The number of matching events is within [min, max]",
          ),
        ),
        final: Type.Optional(
          Strict(
            {
              task: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.:-]*$", maxLength: 64, description: "A forked child task: look in its address space (default: the first one)" })),
              vma: Name,
              page: PageNo,
              pte: Type.Optional(OneOf(["none", "ro", "rw", "zero", "swap", "pfn", "hwpoison", "migration"], "The PTE at the end: none, present read-only or writable, the zero page, a swap entry, a raw pfn (VM_PFNMAP), a hwpoison entry, or a migration entry")),
              refcount: Type.Optional(Type.Integer({ minimum: 0, description: "folio_ref_count() of the folio it maps" })),
              mapcount: Type.Optional(Type.Integer({ minimum: 0, description: "folio_mapcount() of the folio it maps" })),
              dirty: Type.Optional(Type.Boolean({ description: "PG_dirty of the folio it maps" })),
              data: Type.Optional(Type.Integer({ minimum: 0, description: "The contents of the folio it maps: the last value a store or a DMA write put there (0: zeroed)" })),
            },
            "The final state of one page, herd7-style: every given field matches (counts need a mapped folio)",
          ),
        ),
        all: Type.Optional(Type.Array(This, { minItems: 1, description: `Every predicate holds (all, any and not nest at most ${MAX_PREDICATE_NESTING} deep)` })),
        any: Type.Optional(Type.Array(This, { minItems: 1, description: `Some predicate holds (all, any and not nest at most ${MAX_PREDICATE_NESTING} deep)` })),
        not: Type.Optional(This),
      },
      {
        title: "predicate",
        description: "Exactly one of status, inversion, event, before, count, final, all, any, not",
        additionalProperties: false,
        minProperties: 1,
        maxProperties: 1,
      },
    ),
  { $id: "Predicate" },
);

/** The verdict a property expects over the explored runs (herd7's Never/Sometimes/Always). */
export const Verdict = OneOf(["never", "sometimes", "always"], "never: no run satisfies it; always: every run does; sometimes: some but not all");

/** A property and the verdict expected over seeds `from .. from+count-1` under the random policy. */
export const Property = Strict(
  {
    exists: Predicate,
    verdict: Verdict,
    seeds: Strict(
      { from: Type.Integer({ minimum: 0, maximum: MAX_SEED }), count: Type.Integer({ minimum: 1, maximum: 100000 }) },
      `Seed range: seeds from .. from+count-1, each a 32-bit seed (from+count-1 <= ${MAX_SEED})`,
    ),
  },
  "A property with its expected verdict",
);

/** The recorded outcome of the run with the scenario's own seed and policy. */
export const Expect = Strict(
  {
    status: Type.Optional(Status),
    hash: Type.Optional(Type.String({ pattern: "^[0-9a-f]{64}$", description: "SHA-256 of the canonical trace" })),
    endTime: Type.Optional(Ns),
    steps: Type.Optional(Type.Integer({ minimum: 0 })),
    model: Type.Optional(Type.Integer({ minimum: 1, description: "The model version the outcome was recorded under (MODEL_VERSION)" })),
  },
  "Expected outcome",
);

/** Seeded fault points at every sleep (the engine's SleepFaults). */
export const Faults = Strict(
  {
    spuriousWakeup: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0, description: "Probability that a sleep ends at once with no waker (a spurious wake-up), drawn from the sleeping task's seeded stream" })),
    fatalSignal: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0, description: "Probability that SIGKILL arrives for a scenario task as it goes to sleep, drawn from its seeded stream" })),
  },
  "Fault points: spurious wake-ups and fatal signals at sleeps",
);

/** Where a scenario comes from, for citations. */
export const Source = Strict(
  {
    thread: Type.Optional(Type.String({ description: "Mailing-list thread (subject or file name)" })),
    commits: Type.Optional(Type.Array(Type.String({ pattern: "^[0-9a-f]{7,40}$" }))),
    url: Type.Optional(Type.String({ pattern: "^https://" })),
  },
  "Source of the claim",
);

/** A scenario file. */
export const Scenario = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    title: Type.String({ minLength: 1, maxLength: 120 }),
    claim: Type.Optional(Type.String({ maxLength: 2000, default: "" })),
    source: Type.Optional({ ...Source, default: {} }),
    profile: Type.Optional({ ...OneOf(PROFILE_NAMES, "Kernel-version profile"), default: DEFAULT_PROFILE }),
    patches: Type.Optional(
      Type.Array(OneOf(PATCH_NAMES, "An unmerged patch or proposal, applied on top of the profile (src/profiles/patches.ts names each by its mail)"), {
        uniqueItems: true,
        description: "Patches applied on top of the profile, in order; each applies to the profiles with the code it was written against",
      }),
    ),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SEED, default: 0 })),
    policy: Type.Optional({ ...OneOf(["time", "random"], "Tie-break among tasks ready at one instant"), default: "time" }),
    interleave: Type.Optional({
      ...OneOf(
        ["time", "any"],
        "Which step orders a run may take. time: tasks run in virtual-time order, the policy and the schedule choose only among tasks ready at one instant. any: every runnable task and every pending interrupt (an IO completion, blk#1) is a choice at each step whatever its time, as the interleaving explorer sees it; locks, wait queues and IPIs still decide who can run",
      ),
      default: "time",
    }),
    schedule: Type.Optional(
      Type.Array(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.:-]*(/apf#[1-9][0-9]*|#[1-9][0-9]*)?$", maxLength: 80, description: "A task name, a vCPU's async page fault worker (vcpu0/apf#2: vcpu0's second), or with interleave any an interrupt (blk#2: the second IO completion), as a run's decisions name them" }), {
        maxItems: MAX_DECISIONS,
        description: "Explicit schedule: the task to run at each choice (each tie under interleave time, each step with several candidates under interleave any); a run's recorded decisions replay it",
      }),
    ),
    maxSteps: Type.Optional(Type.Integer({ minimum: 1, maximum: 1e9, default: 1_000_000, description: "Step budget" })),
    locks: Type.Optional(Type.Array(LockSpec, { default: [] })),
    mm: Type.Optional(MmSpec),
    kvm: Type.Optional(KvmSpec),
    postcopy: Type.Optional(PostcopySpec),
    faults: Type.Optional({ ...Faults, default: {} }),
    tasks: Type.Array(TaskSpec, { maxItems: 1024, description: "Tasks; may be empty when kvm or postcopy is given" }),
    expect: Type.Optional({ ...Expect, default: {} }),
    property: Type.Optional(Property),
  },
  {
    $id: "https://faultline.invalid/scenario.schema.json",
    title: "faultline scenario",
    description: `A reproducible run of the faultline kernel fault-path simulator; arrays and objects nest at most ${MAX_JSON_DEPTH} deep`,
    additionalProperties: false,
  },
);

/** A scenario as written (optional fields may be absent). */
export type ScenarioSpec = Static<typeof Scenario>;
/** The mm section. */
export type MmSpecT = Static<typeof MmSpec>;
/** The kvm section. */
export type KvmSpecT = Static<typeof KvmSpec>;
/** The postcopy section. */
export type PostcopySpecT = Static<typeof PostcopySpec>;
/** A shared lock. */
export type LockSpecT = Static<typeof LockSpec>;
/** One VMA spec. */
export type VmaSpecT = Static<typeof VmaSpec>;
/** One vfio-pci device. */
export type DeviceSpecT = Static<typeof DeviceSpec>;
/** One task operation. */
export type OpSpec = Static<typeof Op>;
/** A duration. */
export type DurationSpec = Static<typeof Duration>;
/** A predicate over one run. */
export type PredicateSpec = Static<typeof Predicate>;
/** A final-state pattern for one page. */
export type FinalMatchSpec = NonNullable<PredicateSpec["final"]>;
/** A trace event pattern. */
export type EventMatchSpec = Static<typeof EventMatch>;
/** A run status. */
export type StatusSpec = Static<typeof Status>;

/** The published JSON Schema document (plain JSON, no TypeBox symbols). */
export function jsonSchema(): Record<string, unknown> {
  return JSON.parse(JSON.stringify({ $schema: "http://json-schema.org/draft-07/schema#", ...(Scenario as TSchema) })) as Record<string, unknown>;
}
