/**
 * `normalizeScenario(spec)`: a validated spec in, a fully defaulted scenario
 * out; and the scenario id, a hash of the canonical form.
 *
 * Every default lives in the schema, as the JSON Schema `default` keyword
 * (so editors show it too); normalizing fills each absent field from it, at
 * every depth (VMAs, IO, the KVM guest, every op), and then the defaults
 * that depend on another field (a file's size, a lock's class).
 *
 * @module
 */
import { canonicalJson, type Json } from "../engine/canonical.js";
import { sha256Hex } from "../engine/trace.js";
import type { SleepFaults } from "../engine/simulation.js";
import { type DeviceSpecT, type KvmSpecT, type LockSpecT, type MmSpecT, type OpSpec, type ScenarioSpec, type VmaSpecT } from "./schema.js";
import { scenarioValidator } from "./validators.js";
import type { NormalizedPostcopy } from "./postcopy.js";

/** `T` with the fields `K` present: the ones normalizing fills from the schema's defaults (distributes over unions). */
export type Filled<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> & { readonly [P in K & keyof T]-?: Exclude<T[P], undefined> } : never;

/** A VMA with its defaults: MAP_PRIVATE, VM_WRITE, empty page sets, a file the size of the VMA, readahead on. */
export type NormalizedVma = Filled<VmaSpecT, "shared" | "writable" | "resident" | "swapped" | "swapcache" | "pagecache" | "mapped" | "eio" | "hwpoison" | "size" | "readahead" | "pgReadahead">;
/** The mm section with its defaults (IO latencies in ns, eioRate 0). */
export interface NormalizedMm {
  readonly vmas: readonly NormalizedVma[];
  /** vfio-pci devices, absent when the scenario has none (its defaults are applied where the device is built). */
  readonly devices?: readonly DeviceSpecT[];
  readonly io: Required<NonNullable<MmSpecT["io"]>>;
  /** CPU time of a user fault's trap (absent: none). */
  readonly faultNs?: MmSpecT["faultNs"];
  readonly tlbFlush: NonNullable<MmSpecT["tlbFlush"]>;
  readonly zone: NonNullable<MmSpecT["zone"]>;
}
/** The KVM guest with its defaults. */
export type NormalizedKvm = Filled<KvmSpecT, "computeNs" | "switchNs" | "asyncPf">;
/** A lock with its lockdep class (default: its name). */
export type NormalizedLock = Filled<LockSpecT, "class">;
/** An op with its defaults (write false, nr_pages 1, no FOLL flags, pages != NULL, ...); ops nested in repeat and fork are normalized too. */
export type NormalizedOp = Filled<OpSpec, "write" | "nr_pages" | "flags" | "pages" | "locked" | "pteNs" | "copyNs" | "signal">;

/** A scenario with every default filled in. */
export interface NormalizedScenario {
  /** Short title. */
  readonly title: string;
  /** The claim the scenario demonstrates. */
  readonly claim: string;
  /** Where the claim comes from. */
  readonly source: NonNullable<ScenarioSpec["source"]>;
  /** Kernel-version profile name. */
  readonly profile: string;
  /** Unmerged patches applied on top of the profile, in order; absent when none (so ids from before the field stay). */
  readonly patches?: readonly string[];
  /** Scenario seed. */
  readonly seed: number;
  /** Tie-break policy. */
  readonly policy: "time" | "random";
  /** Which step orders the run may take (see the engine's `Interleave`). */
  readonly interleave: "time" | "any";
  /** Explicit schedule, if any. */
  readonly schedule: readonly string[] | null;
  /** Step budget. */
  readonly maxSteps: number;
  /** Shared locks. */
  readonly locks: readonly NormalizedLock[];
  /** The address space, if the scenario models one (a KVM guest's is one with no VMA of its own). */
  readonly mm: NormalizedMm | null;
  /** The KVM guest, if any. */
  readonly kvm: NormalizedKvm | null;
  /** The post-copy migration, if any. */
  readonly postcopy: NormalizedPostcopy | null;
  /** Fault points at sleeps (probabilities, 0 when off). */
  readonly faults: SleepFaults;
  /** Tasks. */
  readonly tasks: readonly { readonly name: string; readonly ops: readonly NormalizedOp[] }[];
  /** Expected outcome. */
  readonly expect: NonNullable<ScenarioSpec["expect"]>;
  /** Property and verdict, if any. */
  readonly property: ScenarioSpec["property"] | null;
}

/** Fill in every default of a validated scenario (the spec itself is not changed). */
export function normalizeScenario(spec: ScenarioSpec): NormalizedScenario {
  // A KVM guest's memory is a VMA of an mm with the default IO latencies.
  const s = structuredClone((spec.kvm || spec.postcopy) && !spec.mm ? { ...spec, mm: { vmas: [] } } : spec) as Required<ScenarioSpec>;
  scenarioValidator("fillDefaults")(s);
  const mm = spec.mm || spec.kvm || spec.postcopy ? s.mm : null;
  return {
    title: s.title,
    claim: s.claim,
    source: s.source,
    profile: s.profile,
    ...(spec.patches && spec.patches.length > 0 ? { patches: spec.patches } : {}),
    seed: s.seed,
    policy: s.policy,
    interleave: s.interleave,
    schedule: spec.schedule ?? null,
    maxSteps: s.maxSteps,
    locks: s.locks.map((l) => ({ ...l, class: l.class ?? l.name })),
    mm: mm && ({ ...mm, vmas: mm.vmas.map((v) => ({ ...v, size: v.size ?? v.pages })) } as NormalizedMm),
    kvm: spec.kvm ? (s.kvm as NormalizedKvm) : null,
    postcopy: s.postcopy ? ({ ...s.postcopy, link: s.postcopy.link ?? null, costs: s.postcopy.costs ?? {} } as NormalizedPostcopy) : null,
    faults: s.faults as SleepFaults,
    tasks: s.tasks as NormalizedScenario["tasks"],
    expect: s.expect,
    property: spec.property ?? null,
  };
}

/**
 * The scenario id: SHA-256 (first 16 hex digits) of the canonical JSON of the
 * normalized scenario without its recorded `expect`, so recording an outcome
 * does not change the id, and writing a default out does not either. The
 * default `interleave` (time) is left out, so ids from before the field stay.
 */
export function scenarioId(scenario: NormalizedScenario): string {
  const { expect: _expect, interleave, ...rest } = scenario;
  return sha256Hex(canonicalJson((interleave === "time" ? rest : { ...rest, interleave }) as unknown as Json)).slice(0, 16);
}
