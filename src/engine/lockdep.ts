/**
 * Lock-order recording in the style of kernel/locking/lockdep.c: every time a
 * task acquires lock class B while holding class A, the edge A -> B is
 * recorded; an acquisition that closes a cycle is reported as a possible
 * circular locking dependency, whether or not this run deadlocked.
 *
 * @module
 */
import type { Task } from "./task.js";

/** Where an ordering edge was first seen. */
export interface LockEdge {
  /** Class held. */
  readonly from: string;
  /** Class acquired while holding `from`. */
  readonly to: string;
  /** Task that first took `to` under `from`. */
  readonly task: string;
  /** Virtual time of that acquisition. */
  readonly t: number;
}

/** "possible circular locking dependency detected". */
export interface LockInversion {
  /** Task whose acquisition closed the cycle. */
  readonly task: string;
  /** Virtual time of that acquisition. */
  readonly t: number;
  /** Class being acquired. */
  readonly acquiring: string;
  /** Class held at the time. */
  readonly holding: string;
  /** The earlier edges that lead from `acquiring` back to `holding`. */
  readonly chain: readonly LockEdge[];
}

/** The lock dependency graph of one run. */
export class Lockdep {
  /** Inversions found so far, each cycle reported once. */
  readonly inversions: LockInversion[] = [];
  private readonly edges = new Map<string, Map<string, LockEdge>>();

  /** `lock_acquire()` bookkeeping: record edges from every held class to `lockClass`. */
  acquire(t: Task, lockClass: string): void {
    for (const h of t.held) {
      if (h.lockClass === lockClass) continue;
      let out = this.edges.get(h.lockClass);
      if (out?.has(lockClass)) continue;
      const back = this.path(lockClass, h.lockClass);
      if (back) this.inversions.push({ task: t.name, t: t.sim.now, acquiring: lockClass, holding: h.lockClass, chain: back });
      if (!out) this.edges.set(h.lockClass, (out = new Map()));
      out.set(lockClass, { from: h.lockClass, to: lockClass, task: t.name, t: t.sim.now });
    }
  }

  /** A path of recorded edges from class `from` to class `to`, if one exists. */
  private path(from: string, to: string): LockEdge[] | null {
    const seen = new Set<string>([from]);
    const stack: { at: string; path: LockEdge[] }[] = [{ at: from, path: [] }];
    while (stack.length > 0) {
      const { at, path } = stack.pop()!;
      for (const e of this.edges.get(at)?.values() ?? []) {
        const next = [...path, e];
        if (e.to === to) return next;
        if (!seen.has(e.to)) {
          seen.add(e.to);
          stack.push({ at: e.to, path: next });
        }
      }
    }
    return null;
  }
}
