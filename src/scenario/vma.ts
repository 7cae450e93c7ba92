/**
 * What a scenario's VMA spec names, read without building an mm: its kind
 * and its page sets (validation and the mm builder, scenario/mm.ts, share
 * these).
 *
 * @module
 */
import type { VmaSpecT } from "./schema.js";

/** What a VMA spec maps: its kind, except that MAP_SHARED anonymous memory is shmem (`shmem_zero_setup()`). */
export function vmaKind(v: Pick<VmaSpecT, "kind" | "shared">): VmaSpecT["kind"] {
  return v.kind === "anon" && v.shared ? "shmem" : v.kind;
}

/** The page indices a page set names. */
export function pageSet(set: VmaSpecT["resident"], pages: number): number[] {
  if (set === undefined) return [];
  return set === "all" ? Array.from({ length: pages }, (_, i) => i) : [...set];
}
