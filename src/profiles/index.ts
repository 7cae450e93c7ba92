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
  /**
   * FAULT_FLAG_RETRY_NOWAIT and FOLL_NOWAIT exist: with ALLOW_RETRY, a fault
   * that would wait on a page returns VM_FAULT_RETRY without dropping
   * mmap_lock (318b275fbca1, v2.6.39).
   */
  readonly fault_retry_nowait: boolean;
  /**
   * faultin_page leaves *locked set when VM_FAULT_RETRY came from a NOWAIT
   * fault, which did not drop mmap_lock (96312e61282a, v4.16).
   */
  readonly gup_nowait_keeps_locked: boolean;
  /**
   * filemap_fault drops mmap_lock before starting readahead IO on a first
   * attempt without NOWAIT, `maybe_unlock_mmap_for_io` (6b4c9f446981, v5.1).
   */
  readonly filemap_unlock_mmap_for_io: boolean;
  /**
   * `__get_user_pages_locked` keeps retrying a prefault (pages == NULL)
   * after VM_FAULT_RETRY instead of returning (df17277b2a85, v5.2).
   */
  readonly gup_prefault_retry: boolean;
  /**
   * A retried fault keeps FAULT_FLAG_ALLOW_RETRY (with TRIED) and may return
   * VM_FAULT_RETRY again; GUP's FOLL_TRIED call may retry too (4064b9827063, v5.7).
   */
  readonly fault_retry_multiple: boolean;
  /**
   * do_wp_page reuses a private anonymous folio when mapcount == 1
   * (`reuse_swap_page`), or only when refcount == 1 (09854ba94c6a, v5.9).
   */
  readonly wp_reuse: "mapcount" | "refcount";
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

const v2_6_38 = root("v2.6.38", "VM_FAULT_RETRY and FAULT_FLAG_ALLOW_RETRY (d065bd810b6d), no NOWAIT", {
  rwsem_reader_wake: "head",
  fault_retry_nowait: false,
  gup_nowait_keeps_locked: false,
  filemap_unlock_mmap_for_io: false,
  gup_prefault_retry: false,
  fault_retry_multiple: false,
  wp_reuse: "mapcount",
});

const v2_6_39 = derive(v2_6_38, "v2.6.39", "FAULT_FLAG_RETRY_NOWAIT and FOLL_NOWAIT", [
  { behaviour: "fault_retry_nowait", value: true, commit: "318b275fbca1", subject: "mm: allow GUP to fail instead of waiting on a page" },
]);

const v4_15 = derive(v2_6_39, "v4.15", "KVM's slow path uses get_user_pages_unlocked(FOLL_NOWAIT) (ce53053ce378)", []);

const v4_19 = derive(v4_15, "v4.19", "LTS: FOLL_NOWAIT with *locked fixed", [
  { behaviour: "gup_nowait_keeps_locked", value: true, commit: "96312e61282a", subject: "mm/gup.c: teach get_user_pages_unlocked to handle FOLL_NOWAIT" },
]);

const v5_1 = derive(v4_19, "v5.1", "filemap_fault drops mmap_lock for IO", [
  { behaviour: "filemap_unlock_mmap_for_io", value: true, commit: "6b4c9f446981", subject: "filemap: drop the mmap_sem for all blocking operations" },
]);

const v5_2 = derive(v5_1, "v5.2", "GUP prefaults keep retrying", [
  { behaviour: "gup_prefault_retry", value: true, commit: "df17277b2a85", subject: "mm/gup: continue VM_FAULT_RETRY processing even for pre-faults" },
]);

const v5_3 = derive(v5_2, "v5.3", "rwsem rework: readers woken from the whole wait queue", [
  { behaviour: "rwsem_reader_wake", value: "all", commit: "d3681e269fff", subject: "locking/rwsem: Wake up almost all readers in wait queue" },
]);

const v5_7 = derive(v5_3, "v5.7", "VM_FAULT_RETRY more than once", [
  { behaviour: "fault_retry_multiple", value: true, commit: "4064b9827063", subject: "mm: allow VM_FAULT_RETRY for multiple times" },
]);

const v5_9 = derive(v5_7, "v5.9", "COW reuse only when refcount == 1", [
  { behaviour: "wp_reuse", value: "refcount", commit: "09854ba94c6a", subject: "mm: do_wp_page() simplification" },
]);

const v6_12 = derive(v5_9, "v6.12", "current LTS; its per-VMA-lock user faults (0bff0aaea03e, v6.4) are not modelled: user faults take mmap_lock", []);

/** Every profile, oldest first. */
export const PROFILES: readonly Profile[] = [v2_6_38, v2_6_39, v4_15, v4_19, v5_1, v5_2, v5_3, v5_7, v5_9, v6_12];

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
