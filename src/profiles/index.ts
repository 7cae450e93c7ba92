/**
 * Kernel-version profiles: which behaviour each modelled kernel version has.
 *
 * A profile is its predecessor plus a list of {@link Change}s, one line each,
 * naming the behaviour switch, its new value and the commit that made the
 * change, so a notebook can run one scenario under two kernels and a reader
 * can see exactly what differs.
 *
 * @module
 */
import type { ReaderWake } from "../engine/rwsem.js";

/** The behaviour switches the model consults. */
export interface Behaviour {
  /**
   * Which queued readers `rwsem_mark_wake()` wakes when the first waiter is a
   * reader: those before the first writer (`"head"`), or every reader in the
   * queue (`"all"`, d3681e269fff, v5.3).
   */
  readonly rwsem_reader_wake: ReaderWake;
}

/** One documented behaviour difference between a profile and its predecessor. */
export interface Change {
  /** Which switch changed. */
  readonly behaviour: keyof Behaviour;
  /** Its value from this profile on. */
  readonly value: Behaviour[keyof Behaviour];
  /** Commit id (12 hex digits) that made the change. */
  readonly commit: string;
  /** The commit's subject line. */
  readonly subject: string;
}

/** A kernel version as the model sees it. */
export interface Profile {
  /** Profile name, a kernel version tag (`"v6.12"`). */
  readonly name: string;
  /** One-line description. */
  readonly summary: string;
  /** The profile this one differs from, or null for the oldest. */
  readonly base: string | null;
  /** How it differs from `base`. */
  readonly changes: readonly Change[];
  /** The resulting behaviour. */
  readonly behaviour: Behaviour;
}

function root(name: string, summary: string, behaviour: Behaviour): Profile {
  return { name, summary, base: null, changes: [], behaviour };
}

function derive(base: Profile, name: string, summary: string, changes: readonly Change[]): Profile {
  const behaviour = { ...base.behaviour } as Record<keyof Behaviour, unknown>;
  for (const c of changes) behaviour[c.behaviour] = c.value;
  return { name, summary, base: base.name, changes, behaviour: behaviour as unknown as Behaviour };
}

const v4_19 = root("v4.19", "LTS before the v5.3 rwsem rework", {
  rwsem_reader_wake: "head",
});

const v5_3 = derive(v4_19, "v5.3", "rwsem rework: readers woken from the whole wait queue", [
  { behaviour: "rwsem_reader_wake", value: "all", commit: "d3681e269fff", subject: "locking/rwsem: Wake up almost all readers in wait queue" },
]);

const v6_12 = derive(v5_3, "v6.12", "current LTS", []);

/** Every profile, oldest first. */
export const PROFILES: readonly Profile[] = [v4_19, v5_3, v6_12];

/** Names of every profile, oldest first. */
export const PROFILE_NAMES: readonly string[] = PROFILES.map((p) => p.name);

/** The profile a scenario gets when it names none. */
export const DEFAULT_PROFILE = "v6.12";

/** Look up a profile by name; throws with the list of known names. */
export function profile(name: string): Profile {
  const p = PROFILES.find((q) => q.name === name);
  if (!p) throw new RangeError(`unknown profile "${name}"; expected one of ${PROFILE_NAMES.join(", ")}`);
  return p;
}
