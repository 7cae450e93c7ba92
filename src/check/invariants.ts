/**
 * Invariant checkers, apart from the model they check (as TigerBeetle keeps
 * its checkers): run after every step in tests, and by `checkScenario` (so
 * `faultline check`) on every scenario it runs.
 *
 * @module
 */
import type { Simulation } from "../engine/simulation.js";
import { RwSemaphore } from "../engine/rwsem.js";
import type { Folio } from "../mm/folio.js";
import type { Kernel } from "../mm/kernel.js";
import { gup_refs, type GupPages } from "../mm/gup.js";
import { PAGE_SIZE } from "../mm/mm.js";

/** An rwsem has a writer or readers, never both; its holders hold it in their `held` lists. */
export function checkRwsem(sem: RwSemaphore, sim: Simulation): void {
  const w = sem.write_owner;
  if (w !== null && sem.nr_readers > 0) throw new Error(`${sem.name}: writer ${w} and ${sem.nr_readers} readers at ${sim.now}`);
  const holders = new Set(sem.holders());
  for (const t of sim.tasks) {
    if (t.held.some((h) => h.name === sem.name) && !holders.has(t.name)) throw new Error(`${t.name}'s held list has ${sem.name} but the lock does not list it as a holder`);
  }
  for (const name of holders) {
    const t = sim.tasks.find((x) => x.name === name)!;
    const mode = w === null ? "read" : "write";
    if (!t.held.some((h) => h.name === sem.name && h.mode === mode)) throw new Error(`${name} holds ${sem.name} (${mode}) but its held list does not say so`);
  }
}

/** {@link checkRwsem} for every rwsem of the simulation. */
export function checkLocks(sim: Simulation): void {
  for (const l of sim.locks) if (l instanceof RwSemaphore) checkRwsem(l, sim);
}

/** Every task's state agrees with its bookkeeping; nobody runs at a time before now. */
export function checkTasks(sim: Simulation): void {
  for (const t of sim.tasks) {
    if (t.state === "blocked" && t.blockedOn === null) throw new Error(`${t.name} blocked on nothing`);
    if (t.state !== "blocked" && t.blockedOn !== null) throw new Error(`${t.name} is ${t.state} but blockedOn is set`);
    if (t.state === "exited" && t.exitTime > sim.now) throw new Error(`${t.name} exited in the future`);
  }
}

/** At task exit: no lock may still be held (lockdep "lock held when returning to user space"). */
export function checkNoLocksAtExit(sim: Simulation): void {
  for (const t of sim.tasks) if (t.state === "exited" && t.held.length > 0) throw new Error(`${t.name} exited holding ${t.held.map((h) => h.name).join(", ")}`);
}

/** Every folio: refcount >= mapcount >= 0 (include/linux/mm.h folio_ref_count / folio_mapcount). */
export function checkFolios(k: Kernel): void {
  for (const f of k.folios) {
    if (f.mapcount < 0 || f.refcount < f.mapcount) throw new Error(`folio ${f.pfn}: refcount ${f.refcount} < mapcount ${f.mapcount}`);
  }
}

/**
 * Exact reference accounting once no fault or GUP is in flight: every
 * reference is a page-table mapping, the page cache's or the swap cache's
 * (the zero page keeps its own, a hwpoisoned page memory_failure()'s, a driver's buffer page the driver's), or one a GUP op holds (`held`), as
 * folio_put() and the mapping code keep it.
 */
export function checkFolioAccounting(k: Kernel, held: Iterable<GupPages> = []): void {
  const extra = new Map<Folio, number>();
  for (const set of held) for (const f of set.folios) extra.set(f, (extra.get(f) ?? 0) + gup_refs(k, f, set.gup_flags));
  for (const f of k.folios) {
    const cached = f.mapping !== null && f.mapping.pages.get(f.index) === f ? 1 : 0;
    const swapcached = f.swapEntry !== null && k.swap.cache.get(f.swapEntry) === f ? 1 : 0;
    // The zero page's own reference, memory_failure()'s on a hwpoisoned page, a driver's on its buffer page.
    const base = f === k.zero_folio || f.hwpoison || f.driver !== null ? 1 : 0;
    const want = f.mapcount + cached + swapcached + base + (extra.get(f) ?? 0);
    if (f.refcount !== want && f.refcount !== 0) throw new Error(`folio ${f.pfn}: refcount ${f.refcount}, expected ${want} (mapcount ${f.mapcount}, page cache ${cached}, swap cache ${swapcached})`);
  }
}

/** Every PTE lies inside a VMA of its address space (zap and unmap leave none behind). */
export function checkPtesInVmas(k: Kernel): void {
  for (const mm of k.mms) {
    for (const [vpn] of mm.ptes()) {
      const addr = vpn * PAGE_SIZE;
      if (!mm.vma_lookup(addr)) throw new Error(`${mm.mmap_lock.name}: a PTE at ${addr.toString(16)} outside every VMA`);
    }
  }
}

/** Every folio's mapcount is the number of PTEs, in every address space, that map it (the zero page: none counted). */
export function checkMapcounts(k: Kernel): void {
  const ptes = new Map<unknown, number>();
  for (const mm of k.mms) for (const [, pte] of mm.ptes()) if (pte.kind === "present" && pte.folio !== k.zero_folio) ptes.set(pte.folio, (ptes.get(pte.folio) ?? 0) + 1);
  for (const f of k.folios) {
    const n = ptes.get(f) ?? 0;
    if (f.mapcount !== n) throw new Error(`folio ${f.pfn}: mapcount ${f.mapcount}, but ${n} PTE(s) map it`);
  }
}

/** A named invariant checker; each part throws an Error that says what is wrong. */
export interface Invariant {
  /** The checker's name, as reports print it. */
  readonly name: string;
  /** Checked after every scheduler step. */
  readonly step?: (sim: Simulation) => void;
  /** Checked once the run is over, on its kernel (runs with an mm); `quiet`: the run ended ok, so no fault or GUP is in flight. */
  readonly end?: (k: Kernel, held: Iterable<GupPages>, quiet: boolean) => void;
}

/** The checkers `faultline check` runs on every run it makes: cheap ones after every step, the folio ones at the end. */
export const INVARIANTS: readonly Invariant[] = [
  { name: "checkTasks", step: checkTasks },
  { name: "checkLocks", step: checkLocks },
  { name: "checkFolios", end: checkFolios },
  { name: "checkMapcounts", end: checkMapcounts },
  { name: "checkPtesInVmas", end: checkPtesInVmas },
  { name: "checkFolioAccounting", end: (k, held, quiet) => quiet && checkFolioAccounting(k, held) },
];
