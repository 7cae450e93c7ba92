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
import { Type, type Static, type TObject, type TSchema, type TUnion } from "@sinclair/typebox";
import { PROFILE_NAMES } from "../profiles/index.js";

/** A union Ajv checks by its tag field first, so errors speak of the chosen variant only. */
function Tagged<T extends TObject[]>(tag: string, variants: [...T], options: { title: string; description: string; $id?: string }) {
  return Type.Unsafe<Static<TUnion<T>>>({ ...options, type: "object", oneOf: variants, discriminator: { propertyName: tag } });
}

/** A string that must be one of `values` (a JSON Schema `enum`, which gives one clear error). */
function OneOf<const T extends readonly string[]>(values: T, description: string) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], description });
}

function Strict<T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) {
  return Type.Object(properties, { additionalProperties: false, description });
}

const Name = Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.:-]*$", maxLength: 64, description: "An identifier: letters, digits, _ . : -" });
const Ns = Type.Integer({ minimum: 0, maximum: 1e15, description: "Nanoseconds of virtual time" });

/** A duration: fixed nanoseconds or a distribution drawn from the task's seeded stream. */
export const Duration = Type.Union(
  [
    Ns,
    Tagged(
      "dist",
      [
        Strict({ dist: Type.Literal("uniform"), min: Ns, max: Ns }, "Uniform integer in [min, max] ns"),
        Strict({ dist: Type.Literal("exponential"), mean: Ns }, "Exponential with the given mean (ns)"),
      ],
      { title: "distribution", description: "A distribution, selected by its dist field" },
    ),
  ],
  { title: "duration", description: 'ns as an integer, {"dist": "uniform", "min", "max"} or {"dist": "exponential", "mean"}' },
);

/** FAULT_FLAG_* names a scenario may pass to handle_mm_fault (without the prefix). */
export const FAULT_FLAG_NAMES = ["WRITE", "ALLOW_RETRY", "RETRY_NOWAIT", "KILLABLE", "TRIED", "USER", "REMOTE"] as const;
/** FOLL_* names a scenario may pass to GUP (without the prefix); internal flags such as FOLL_TRIED are GUP's own (is_valid_gup_args). */
export const FOLL_NAMES = ["WRITE", "NOWAIT"] as const;

const PageNo = Type.Integer({ minimum: 0, maximum: 1 << 20, description: "Page index within the VMA" });
const PageSet = Type.Union([Type.Array(PageNo, { uniqueItems: true }), Type.Literal("all")], {
  description: 'Page indices within the VMA, or "all"',
});

/** A VMA and the state of its pages at the start. */
export const VmaSpec = Strict(
  {
    name: Name,
    kind: OneOf(["anon", "file"], "Anonymous memory or a file mapping"),
    shared: Type.Optional(Type.Boolean({ description: "MAP_SHARED (default: MAP_PRIVATE)" })),
    writable: Type.Optional(Type.Boolean({ description: "VM_WRITE (default true)" })),
    pages: Type.Integer({ minimum: 1, maximum: 1 << 20, description: "Size in pages" }),
    resident: Type.Optional(PageSet),
    swapped: Type.Optional(PageSet),
    swapcache: Type.Optional(PageSet),
    pagecache: Type.Optional(PageSet),
    mapped: Type.Optional(PageSet),
    eio: Type.Optional(PageSet),
    size: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 << 20, description: "file: the file's size in pages (default: the VMA's); a fault at or past it is SIGBUS" })),
    readahead: Type.Optional(Type.Boolean({ description: "file: readahead on (default true); false is ra_pages == 0, as blockdev --setra 0 leaves it" })),
    pgReadahead: Type.Optional(PageSet),
    uffd: Type.Optional(
      Strict(
        { resolveNs: Duration },
        "Register the range with userfaultfd (UFFDIO_REGISTER_MODE_MISSING); a handler thread resolves each fault with UFFDIO_COPY after resolveNs",
      ),
    ),
  },
  "anon: pages resident (mapped), swapped (swap entry, IO needed) or swapcache (swap entry, folio cached); file: pages in the pagecache, and mapped (also in the page tables). Other pages are untouched. pgReadahead (file): cached pages still carrying PG_readahead from an earlier readahead. eio (fault point): pages whose reads (readpage, or swap-in of a swapped page) fail with -EIO every time, a bad block.",
);

/** The address space the scenario's tasks share. */
export const MmSpec = Strict(
  {
    vmas: Type.Array(VmaSpec, { maxItems: 64 }),
    io: Type.Optional(
      Strict(
        {
          readpage: Type.Optional(Duration),
          swapin: Type.Optional(Duration),
          eioRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "Fault point: probability that any read fails with -EIO, drawn from the submitting task's seeded stream (default 0)" })),
        },
        "IO latencies: readpage (default 100000 ns), swapin (default 50000 ns); eioRate, a seeded fault point",
      ),
    ),
  },
  "mm_struct: VMAs, page state and IO latencies; its mmap_lock is the rwsem named mmap_lock",
);

const Target = { vma: Name, page: PageNo };

/** A KVM guest: vCPUs running guest processes over guest memory, part of it swapped out on the host. */
export const KvmSpec = Strict(
  {
    vcpus: Type.Integer({ minimum: 1, maximum: 64, description: "vCPUs (tasks vcpu0, vcpu1...)" }),
    procs: Type.Integer({ minimum: 1, maximum: 64, description: "Guest processes per vCPU" }),
    pagesPerProc: Type.Integer({ minimum: 1, maximum: 65536, description: "Guest pages each process touches (disjoint)" }),
    accesses: Type.Integer({ minimum: 1, maximum: 1e7, description: "Accesses each guest process makes" }),
    swapped: Type.Number({ minimum: 0, maximum: 1, description: "Fraction of guest pages swapped out on the host at the start" }),
    computeNs: Type.Optional(Duration),
    switchNs: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e9, description: "Exit + guest context switch on an async PF (default 2000 ns)" })),
    asyncPf: Type.Optional(Type.Boolean({ description: "Guest has async PF enabled (default true)" })),
  },
  "KVM guest workload; guest memory is the anon VMA named guest",
);

/** Operations that act on a named lock, by kernel function name. */
export const LOCK_OPS = {
  down_read: "rwsem",
  down_read_trylock: "rwsem",
  down_write: "rwsem",
  down_write_trylock: "rwsem",
  up_read: "rwsem",
  up_write: "rwsem",
  downgrade_write: "rwsem",
  mutex_lock: "mutex",
  mutex_trylock: "mutex",
  mutex_unlock: "mutex",
} as const;

/** Operations that spend virtual time. */
export const DELAY_OPS = ["cpu", "io", "sleep"] as const;

const lockOp = <K extends keyof typeof LOCK_OPS>(op: K) =>
  Strict({ op: Type.Literal(op), lock: Name }, `${op}() on the named ${LOCK_OPS[op]}`);

const delayOp = <K extends (typeof DELAY_OPS)[number]>(op: K) =>
  Strict(
    { op: Type.Literal(op), ns: Duration, fn: Type.Optional(Type.String({ maxLength: 64, description: "Kernel function to attribute the time to" })) },
    `${op}: spend the duration as ${op === "cpu" ? "CPU work" : op === "io" ? "an IO wait" : "a sleep"}`,
  );

/** One operation of a task: a kernel primitive or `repeat`. */
export const Op = Type.Recursive(
  (This) =>
    Tagged(
      "op",
      [
        lockOp("down_read"),
        lockOp("down_read_trylock"),
        lockOp("down_write"),
        lockOp("down_write_trylock"),
        lockOp("up_read"),
        lockOp("up_write"),
        lockOp("downgrade_write"),
        lockOp("mutex_lock"),
        lockOp("mutex_trylock"),
        lockOp("mutex_unlock"),
        delayOp("cpu"),
        delayOp("io"),
        delayOp("sleep"),
        Strict({ op: Type.Literal("cond_resched") }, "cond_resched(): a preemption point"),
        Strict({ op: Type.Literal("local_irq_disable") }, "local_irq_disable()"),
        Strict({ op: Type.Literal("local_irq_enable") }, "local_irq_enable()"),
        Strict(
          { op: Type.Literal("smp_call_function"), fn: Type.Optional(Type.String({ maxLength: 64 })) },
          "smp_call_function_many(wait=1): IPI every other CPU and wait until each has IRQs enabled",
        ),
        Strict({ op: Type.Literal("fault"), ...Target, write: Type.Optional(Type.Boolean()) }, "A user access that faults: do_user_addr_fault (x86) with its retry loop"),
        Strict(
          { op: Type.Literal("handle_mm_fault"), ...Target, flags: Type.Array(OneOf(FAULT_FLAG_NAMES, "FAULT_FLAG_* without the prefix"), { uniqueItems: true }) },
          "mmap_read_lock(); handle_mm_fault(flags); mmap_read_unlock() if the lock is still held",
        ),
        Strict(
          {
            op: Type.Literal("get_user_pages"),
            call: OneOf(["get_user_pages", "get_user_pages_unlocked", "get_user_pages_remote", "get_user_pages_fast"], "Which GUP entry point"),
            ...Target,
            nr_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096, description: "Default 1" })),
            flags: Type.Optional(Type.Array(OneOf(FOLL_NAMES, "FOLL_* without the prefix"), { uniqueItems: true })),
            pages: Type.Optional(Type.Boolean({ description: "false: pages == NULL, a prefault (default true)" })),
            locked: Type.Optional(Type.Boolean({ description: "get_user_pages_remote: pass &locked so GUP may drop mmap_lock (default false)" })),
            pteNs: Type.Optional(Duration),
            task: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.:-]*$", maxLength: 64, description: "get_user_pages_remote: the task whose mm to walk (default: this task's)" })),
            hold: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.:-]*$", maxLength: 64, description: "Keep the pages' references as this named page set, released by a later put_page op, instead of dropping them when the call returns" })),
          },
          "A GUP call; get_user_pages and get_user_pages_remote run under mmap_read_lock taken by the op; get_user_pages_fast walks with IRQs off first, pteNs (default 0) being its CPU time per PTE",
        ),
        Strict({ op: Type.Literal("munmap"), vma: Name }, "munmap() of the whole VMA: write lock, detach, zap, TLB-flush IPI, free (do_vmi_munmap)"),
        Strict({ op: Type.Literal("put_page"), pages: Name }, "put_page() on every page of a page set a GUP op held"),
        Strict({ op: Type.Literal("exit") }, "exit(2) in a forked child: its address space is torn down (exit_mmap) and it runs no further op"),
        Strict(
          { op: Type.Literal("mm_populate"), ...Target, nr_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 1 << 20, description: "Length in pages (default 1)" })) },
          "__mm_populate(): fault the range in as mlock() and mmap(MAP_POPULATE) do",
        ),
        Strict(
          { op: Type.Literal("fork"), child: Strict({ name: Name, ops: Type.Array(This, { maxItems: 10000 }) }, "The child task and what it runs") },
          "fork(): copy this task's mm for a child task (dup_mmap: private pages shared copy-on-write), which then runs its ops",
        ),
        Strict(
          {
            op: Type.Literal("madvise"),
            advice: OneOf(["MADV_DONTNEED", "MADV_POPULATE_READ", "MADV_POPULATE_WRITE"], "The advice"),
            ...Target,
            nr_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 1 << 20, description: "Length in pages (default 1); may run past the VMA (-ENOMEM)" })),
          },
          "madvise(2) on nr_pages from page: MADV_DONTNEED zaps them; MADV_POPULATE_* faults them in (v5.14+)",
        ),
        Strict(
          { op: Type.Literal("fixup_user_fault"), ...Target, write: Type.Optional(Type.Boolean()) },
          "fixup_user_fault() with &unlocked, under mmap_read_lock taken by the op",
        ),
        Strict(
          {
            op: Type.Literal("copy_fpstate_to_sigframe"),
            ...Target,
            nr_pages: Type.Integer({ minimum: 1, maximum: 4096 }),
            loop: OneOf(["d9c9ce34ed5c", "fixed"], "The prefault loop as merged in d9c9ce34ed5c, or as Andrea Arcangeli says it should be"),
          },
          "x86 signal delivery: copy to the user stack with page faults disabled; on failure prefault with get_user_pages_unlocked(pages=NULL) and retry",
        ),
        Strict({ op: Type.Literal("repeat"), count: Type.Integer({ minimum: 1, maximum: 1e6 }), ops: Type.Array(This, { minItems: 1 }) }, "Run ops count times"),
      ],
      { $id: "Op", title: "operation", description: "A task operation, selected by its op field" },
    ),
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
              pte: Type.Optional(OneOf(["none", "ro", "rw", "zero", "swap"], "The PTE at the end: none, present read-only or writable, the zero page, or a swap entry")),
              refcount: Type.Optional(Type.Integer({ minimum: 0, description: "folio_ref_count() of the folio it maps" })),
              mapcount: Type.Optional(Type.Integer({ minimum: 0, description: "folio_mapcount() of the folio it maps" })),
              dirty: Type.Optional(Type.Boolean({ description: "PG_dirty of the folio it maps" })),
            },
            "The final state of one page, herd7-style: every given field matches (counts need a mapped folio)",
          ),
        ),
        all: Type.Optional(Type.Array(This, { minItems: 1, description: "Every predicate holds" })),
        any: Type.Optional(Type.Array(This, { minItems: 1, description: "Some predicate holds" })),
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
    seeds: Strict({ from: Type.Integer({ minimum: 0, maximum: 0xffffffff }), count: Type.Integer({ minimum: 1, maximum: 100000 }) }, "Seed range"),
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
    claim: Type.Optional(Type.String({ maxLength: 2000 })),
    source: Type.Optional(Source),
    profile: Type.Optional(OneOf(PROFILE_NAMES, "Kernel-version profile")),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
    policy: Type.Optional(OneOf(["time", "random"], "Tie-break among tasks ready at one instant")),
    schedule: Type.Optional(Type.Array(Name, { description: "Explicit schedule: the task to run at each tie" })),
    maxSteps: Type.Optional(Type.Integer({ minimum: 1, maximum: 1e9 })),
    locks: Type.Optional(Type.Array(LockSpec)),
    mm: Type.Optional(MmSpec),
    kvm: Type.Optional(KvmSpec),
    tasks: Type.Array(TaskSpec, { maxItems: 1024, description: "Tasks; may be empty when kvm is given" }),
    expect: Type.Optional(Expect),
    property: Type.Optional(Property),
  },
  {
    $id: "https://faultline.invalid/scenario.schema.json",
    title: "faultline scenario",
    description: "A reproducible run of the faultline kernel fault-path simulator",
    additionalProperties: false,
  },
);

/** A scenario as written (optional fields may be absent). */
export type ScenarioSpec = Static<typeof Scenario>;
/** The mm section. */
export type MmSpecT = Static<typeof MmSpec>;
/** The kvm section. */
export type KvmSpecT = Static<typeof KvmSpec>;
/** One VMA spec. */
export type VmaSpecT = Static<typeof VmaSpec>;
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
