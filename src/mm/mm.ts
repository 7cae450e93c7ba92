/**
 * `struct mm_struct`, VMAs and page-table entries, as far as the fault path
 * needs them: one PTE per page, none / present (read-only or writable) /
 * swap entry.
 *
 * @module
 */
import { RwSemaphore, type ReaderWake } from "../engine/rwsem.js";
import type { Simulation } from "../engine/simulation.js";
import type { Folio } from "./folio.js";
import type { AddressSpace } from "./pagecache.js";
import type { SwapDevice } from "./swap.js";
import type { Userfaultfd } from "../uffd/userfaultfd.js";
import { VM } from "./flags.js";

/** PAGE_SIZE. */
export const PAGE_SIZE = 4096;

/** A page-table entry. */
export type Pte =
  | { readonly kind: "present"; readonly folio: Folio; readonly write: boolean }
  | { readonly kind: "swap"; readonly entry: number };

/** `struct vm_area_struct`. */
export interface Vma {
  /** Name for scenarios and traces (`heap`, `data.bin`). */
  readonly name: string;
  /** vm_start. */
  readonly start: number;
  /** vm_end (exclusive). */
  readonly end: number;
  /** vm_flags (VM_READ, VM_WRITE, VM_SHARED...). */
  readonly vm_flags: number;
  /** The file mapped, or null for anonymous memory. */
  readonly file: AddressSpace | null;
  /** vm_pgoff: file page of vm_start. */
  readonly pgoff: number;
  /** The userfaultfd registered on the range in MISSING mode (VM_UFFD_MISSING), or null. */
  uffd: Userfaultfd | null;
}

/** `struct mm_struct`. */
export class MmStruct {
  /** `mmap_lock` (mmap_sem before v5.8). */
  readonly mmap_lock: RwSemaphore;
  /** The VMAs, sorted by start. */
  readonly vmas: Vma[] = [];
  /** Page tables: PTEs by virtual page number. */
  readonly ptes = new Map<number, Pte>();
  /** Swap device backing anonymous memory. */
  readonly swap: SwapDevice;
  private nextStart = 0x10000000;

  constructor(sim: Simulation, swap: SwapDevice, readerWake: ReaderWake) {
    this.mmap_lock = new RwSemaphore(sim, "mmap_lock", { readerWake });
    this.swap = swap;
  }

  /** mmap(): add a VMA of `pages` pages after the previous one. */
  mmap(name: string, pages: number, vm_flags: number, file: AddressSpace | null): Vma {
    const vma: Vma = { name, start: this.nextStart, end: this.nextStart + pages * PAGE_SIZE, vm_flags, file, pgoff: 0, uffd: null };
    this.nextStart = vma.end + 16 * PAGE_SIZE;
    this.vmas.push(vma);
    return vma;
  }

  /** `vma_lookup()`: the VMA containing `addr`, or null. */
  vma_lookup(addr: number): Vma | null {
    return this.vmas.find((v) => addr >= v.start && addr < v.end) ?? null;
  }

  /** The PTE of `addr`, or undefined for pte_none. */
  pte(addr: number): Pte | undefined {
    return this.ptes.get(Math.floor(addr / PAGE_SIZE));
  }

  /** set_pte_at(). */
  set_pte(addr: number, pte: Pte): void {
    this.ptes.set(Math.floor(addr / PAGE_SIZE), pte);
  }
}

/** vma_is_anonymous(). */
export function vma_is_anonymous(vma: Vma): boolean {
  return vma.file === null;
}

/** VM_SHARED set. */
export function vma_is_shared(vma: Vma): boolean {
  return (vma.vm_flags & VM.SHARED) !== 0;
}

/** linear_page_index(): the file page (or anon page) of `addr` in `vma`. */
export function linear_page_index(vma: Vma, addr: number): number {
  return Math.floor((addr - vma.start) / PAGE_SIZE) + vma.pgoff;
}
