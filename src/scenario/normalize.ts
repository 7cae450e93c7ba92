/**
 * `normalizeScenario(spec)`: a validated spec in, a fully defaulted scenario
 * out; and the scenario id, a hash of the canonical form.
 *
 * @module
 */
import { canonicalJson, type Json } from "../engine/canonical.js";
import { sha256Hex } from "../engine/trace.js";
import { DEFAULT_PROFILE } from "../profiles/index.js";
import type { ScenarioSpec } from "./schema.js";

/** Step budget when a scenario names none. */
export const DEFAULT_MAX_STEPS = 1_000_000;

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
  /** Scenario seed. */
  readonly seed: number;
  /** Tie-break policy. */
  readonly policy: "time" | "random";
  /** Explicit schedule, if any. */
  readonly schedule: readonly string[] | null;
  /** Step budget. */
  readonly maxSteps: number;
  /** Shared locks. */
  readonly locks: NonNullable<ScenarioSpec["locks"]>;
  /** The address space, if the scenario models one. */
  readonly mm: ScenarioSpec["mm"] | null;
  /** The KVM guest, if any. */
  readonly kvm: ScenarioSpec["kvm"] | null;
  /** Tasks. */
  readonly tasks: ScenarioSpec["tasks"];
  /** Expected outcome. */
  readonly expect: NonNullable<ScenarioSpec["expect"]>;
  /** Property and verdict, if any. */
  readonly property: ScenarioSpec["property"] | null;
}

/** Fill in every default of a validated scenario. */
export function normalizeScenario(spec: ScenarioSpec): NormalizedScenario {
  return {
    title: spec.title,
    claim: spec.claim ?? "",
    source: spec.source ?? {},
    profile: spec.profile ?? DEFAULT_PROFILE,
    seed: spec.seed ?? 0,
    policy: spec.policy ?? "time",
    schedule: spec.schedule ?? null,
    maxSteps: spec.maxSteps ?? DEFAULT_MAX_STEPS,
    locks: spec.locks ?? [],
    mm: spec.mm ?? null,
    kvm: spec.kvm ?? null,
    tasks: spec.tasks,
    expect: spec.expect ?? {},
    property: spec.property ?? null,
  };
}

/**
 * The scenario id: SHA-256 (first 16 hex digits) of the canonical JSON of the
 * normalized scenario without its recorded `expect`, so recording an outcome
 * does not change the id.
 */
export function scenarioId(scenario: NormalizedScenario): string {
  const { expect: _expect, ...rest } = scenario;
  return sha256Hex(canonicalJson(rest as unknown as Json)).slice(0, 16);
}
