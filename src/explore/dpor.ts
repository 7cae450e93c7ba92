/**
 * Stateless model checking by re-execution: a depth-first search over the
 * choice points of `interleave: "any"` runs, each execution replaying a
 * prefix of choices and branching after it (the engine is deterministic).
 *
 * With reduction, source-set DPOR with sleep sets (Abdulla, Aronis, Jonsson,
 * Sagonas, "Optimal dynamic partial order reduction", POPL 2014, Algorithm
 * 1; after Flanagan and Godefroid, POPL 2005): after each execution, every
 * race (two dependent steps of different tasks with no step ordered between
 * them) adds, at the state before the first step, a task that starts the
 * reversed order; sleep sets keep a task that was explored from a state out
 * of the branches after it until a step dependent on it runs. At least one
 * execution of every Mazurkiewicz trace (class of executions equal up to
 * swapping adjacent independent steps) is explored, and the explored tree is
 * a subtree of the one plain enumeration walks, so reduction never visits
 * more states.
 *
 * Steps are independent only when their footprints say so (see the engine's
 * `conflicts`): a step that ran kernel-model code or a timer is dependent on
 * every step; steps that only took locks, waited, slept, spent CPU time or
 * switched IRQs are independent when they touched no common object and
 * neither woke the other's task.
 *
 * @module
 */
import { conflicts, dependent, type StepFootprint } from "../engine/footprint.js";
import type { NormalizedScenario } from "../scenario/normalize.js";
import { Abandon, anyOrder, execute, type Execution, type Step } from "./execution.js";

/** Options of {@link search}. */
export interface SearchOptions {
  /** Partial-order reduction (source sets and sleep sets); false enumerates every interleaving. */
  readonly reduction: boolean;
  /** Stop once this many states have been visited (the search is then not exhaustive). */
  readonly maxStates: number;
  /** Called with every execution that ran to its end. */
  readonly onExecution: (e: Execution) => void;
  /** Called after every execution. */
  readonly onProgress?: (p: SearchProgress) => void;
  /** Search only the subtree after these choices, one per step (see {@link splitSearch}); every enabled task at the states they pass is left to other searches. */
  readonly fixed?: readonly string[];
}

/** Counts of a search so far. */
export interface SearchProgress {
  /** States visited: steps run beyond a replayed prefix, each reaching a state no earlier execution reached. */
  readonly states: number;
  /** Executions run to their end. */
  readonly executions: number;
  /** Executions abandoned because every way on was covered by an explored one (sleep-set blocked). */
  readonly abandoned: number;
  /** Estimated fraction of the search done, in [0, 1] (from the branching seen so far). */
  readonly fraction: number;
}

/** The result of {@link search}. */
export interface SearchStats extends SearchProgress {
  /** Every interleaving was covered (no state budget ran out). */
  readonly exhaustive: boolean;
}

/** A state on the search stack: the state before one step of the current execution. */
interface Node {
  /** Candidates at this state, in time order. */
  readonly enabled: readonly string[];
  /** Tasks not to run from here, with the footprint of their next step. */
  readonly sleep: ReadonlyMap<string, StepFootprint>;
  /** Tasks to run from here. */
  readonly backtrack: Set<string>;
  /** Tasks run from here so far, with their step's footprint. */
  readonly done: Map<string, StepFootprint>;
  /** The task the current execution runs from here. */
  chosen: string;
}

/** Depth-first search over the interleavings of `s` (see the module comment). */
export function search(s: NormalizedScenario, options: SearchOptions): SearchStats {
  const scenario = anyOrder(s);
  const { reduction } = options;
  const stack: Node[] = [];
  const fixed = options.fixed ?? [];
  let prefix: string[] = [...fixed];
  let states = 0;
  let executions = 0;
  let abandoned = 0;
  /** The sleep set of the new state at depth k: what slept, or was done, at its parent and is independent of the parent's step. */
  const sleepAt = (k: number): Map<string, StepFootprint> => {
    const sleep = new Map<string, StepFootprint>();
    const parent = stack[k - 1];
    if (!reduction || parent === undefined) return sleep;
    const step = parent.done.get(parent.chosen)!;
    for (const [q, f] of [...parent.sleep, ...parent.done]) if (q !== parent.chosen && !dependent(f, step)) sleep.set(q, f);
    return sleep;
  };
  const choose = (k: number, enabled: readonly string[]): string => {
    const sleep = sleepAt(k);
    const p = enabled.find((c) => !sleep.has(c));
    if (p === undefined) throw new Abandon();
    return p;
  };
  const onStep = (k: number, step: Step): void => {
    const who = step.footprint.task;
    if (k < stack.length - 1) return;
    if (k === stack.length - 1) {
      stack[k]!.done.set(who, step.footprint);
      return;
    }
    // The states before the steps of a fixed prefix belong to the search that split it off.
    if (k >= fixed.length) states++;
    const sleep = sleepAt(k);
    if (sleep.has(who)) throw new Abandon();
    stack.push({ enabled: step.enabled, sleep, backtrack: new Set(reduction ? [who] : step.enabled), done: new Map([[who, step.footprint]]), chosen: who });
  };
  for (;;) {
    const exec = execute(scenario, prefix, choose, onStep);
    if (exec.run) {
      executions++;
      options.onExecution(exec);
    } else abandoned++;
    if (reduction) addBacktracks(exec.steps, stack, Math.max(0, prefix.length - 1));
    options.onProgress?.({ states, executions, abandoned, fraction: fractionDone(stack.slice(fixed.length)) });
    const next = nextBranch(stack, fixed.length);
    if (next === null) return { states, executions, abandoned, fraction: 1, exhaustive: true };
    if (states >= options.maxStates) return { states, executions, abandoned, fraction: fractionDone(stack.slice(fixed.length)), exhaustive: false };
    prefix = next;
  }
}

/** Pop the stack to the deepest state at or below depth `min` with a task left to run, choose that task, and return the new prefix; null when the search is over. */
function nextBranch(stack: Node[], min: number): string[] | null {
  for (let d = stack.length - 1; d >= min; d--) {
    const node = stack[d]!;
    const next = node.enabled.find((p) => node.backtrack.has(p) && !node.done.has(p) && !node.sleep.has(p));
    if (next === undefined) continue;
    node.chosen = next;
    stack.length = d + 1;
    return stack.map((n) => n.chosen);
  }
  return null;
}

/** The fraction of the tree below the root that lies left of the current path, each state's branches weighted equally. */
function fractionDone(stack: readonly Node[]): number {
  let fraction = 0;
  let weight = 1;
  for (const node of stack) {
    const branches = [...node.backtrack].filter((p) => !node.sleep.has(p)).length;
    if (branches === 0) break;
    fraction += (weight * (node.done.size - 1)) / branches;
    weight /= branches;
  }
  return fraction;
}

/**
 * Source-DPOR's race step for the steps from `from` on: for each race
 * (e, e') with e' at index j >= from, let v be the steps after e that do not
 * happen after it, then e'; unless a task that can start v (an initial of v)
 * is already in backtrack(e's state), add one. Happens-before is program
 * order plus dependent steps, over vector clocks. A pair whose only relation
 * is that e woke e''s task is not a race: e' could not run before e.
 */
function addBacktracks(steps: readonly Step[], stack: readonly Node[], from: number): void {
  const ids = new Map<string, number>();
  const th = steps.map((s) => {
    const name = s.footprint.task;
    if (!ids.has(name)) ids.set(name, ids.size);
    return ids.get(name)!;
  });
  const nt = ids.size;
  const clocks: Int32Array[] = [];
  const lastOf = new Int32Array(nt).fill(-1);
  const hb = (a: number, b: number) => clocks[b]![th[a]!]! >= a + 1;
  for (let j = 0; j < steps.length; j++) {
    const fj = steps[j]!.footprint;
    const tj = th[j]!;
    const prev = lastOf[tj]!;
    const lastDep = new Int32Array(nt).fill(-1);
    for (let i = j - 1, left = nt - 1; i >= 0 && left > 0; i--) {
      const ti = th[i]!;
      if (ti !== tj && lastDep[ti]! < 0 && dependent(steps[i]!.footprint, fj)) {
        lastDep[ti] = i;
        left--;
      }
    }
    const clock = prev >= 0 ? Int32Array.from(clocks[prev]!) : new Int32Array(nt);
    for (let t = 0; t < nt; t++) if (lastDep[t]! >= 0) join(clock, clocks[lastDep[t]!]!);
    clock[tj] = j + 1;
    clocks.push(clock);
    lastOf[tj] = j;
    if (j < from) continue;
    for (let t = 0; t < nt; t++) {
      const i = lastDep[t]!;
      if (i < 0) continue;
      const fi = steps[i]!.footprint;
      if (!conflicts(fi, fj) || fi.woke.includes(fj.task)) continue;
      if (prev >= 0 && clocks[prev]![t]! >= i + 1) continue;
      let via = false;
      for (let u = 0; u < nt && !via; u++) via = u !== t && lastDep[u]! >= 0 && clocks[lastDep[u]!]![t]! >= i + 1;
      if (via) continue;
      reverse(steps, stack[i]!, i, j, hb);
    }
  }
}

/** Make sure the state before step i has a task that starts the reversal of race (i, j) in its backtrack set. */
function reverse(steps: readonly Step[], node: Node, i: number, j: number, hb: (a: number, b: number) => boolean): void {
  const v: number[] = [];
  for (let k = i + 1; k < j; k++) if (!hb(i, k)) v.push(k);
  v.push(j);
  const initials: string[] = [];
  for (let x = 0; x < v.length; x++) {
    const k = v[x]!;
    if (v.slice(0, x).some((k2) => hb(k2, k))) continue;
    const who = steps[k]!.footprint.task;
    if (!initials.includes(who)) initials.push(who);
  }
  const candidates = initials.filter((p) => node.enabled.includes(p));
  if (candidates.some((p) => node.backtrack.has(p))) return;
  const pick = candidates.find((p) => !node.sleep.has(p)) ?? candidates[0];
  if (pick !== undefined) node.backtrack.add(pick);
  // No initial can run there (an enabling the footprints missed): fall back to every candidate.
  else for (const p of node.enabled) node.backtrack.add(p);
}

/** a := max(a, b), element-wise. */
function join(a: Int32Array, b: Int32Array): void {
  for (let x = 0; x < a.length; x++) if (b[x]! > a[x]!) a[x] = b[x]!;
}

/** The subtrees of a split search (see {@link splitSearch}). */
export interface SearchSplit {
  /** One fixed prefix per subtree (a choice per step), in depth-first order: the `fixed` option of each subtree's {@link search}. */
  readonly roots: readonly (readonly string[])[];
  /** States on the prefixes (the state before each of their steps, each counted once): with the subtrees' states, the states one search visits. */
  readonly states: number;
}

/**
 * Split the search of `s` into subtrees for searches run apart (worker
 * threads): from the root, the first state with several candidates after a
 * prefix is expanded into one prefix per candidate, level by level, until
 * there are at least `target` prefixes or none can be expanded (at most
 * `maxLevels` levels). An expanded state keeps every candidate (no
 * reduction there), so the subtrees together cover every interleaving one
 * search would; each subtree is searched with reduction below its prefix.
 * The split depends on `s` and `target` only, so any number of workers
 * gives the same searches.
 */
export function splitSearch(s: NormalizedScenario, target: number, maxLevels = 4): SearchSplit {
  const scenario = anyOrder(s);
  let frontier: { fixed: string[]; open: boolean }[] = [{ fixed: [], open: true }];
  for (let level = 0; level < maxLevels && frontier.length < target && frontier.some((f) => f.open); level++) {
    frontier = frontier.flatMap((f) => {
      if (!f.open) return [f];
      const steps = execute(scenario, f.fixed, (_k, enabled) => enabled[0]!).steps;
      const k = steps.findIndex((st, i) => i >= f.fixed.length && st.enabled.length > 1);
      if (k < 0) return [{ ...f, open: false }];
      const path = steps.slice(0, k).map((st) => st.footprint.task);
      return steps[k]!.enabled.map((e) => ({ fixed: [...path, e], open: true }));
    });
  }
  const above = new Set(frontier.flatMap((f) => f.fixed.map((_, k) => f.fixed.slice(0, k).join("\0"))));
  return { roots: frontier.map((f) => f.fixed), states: above.size };
}
