/**
 * Address-space operations: munmap, mprotect, madvise and populating a
 * range (mlock, MAP_POPULATE).
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import { Name, OneOf, Strict, Target } from "./common.js";

/** The address-space operations. */
export const mmOps = [
  Strict({ op: Type.Literal("munmap"), vma: Name }, "munmap() of the whole VMA: write lock, detach, zap, TLB-flush IPI, free (do_vmi_munmap)"),
  Strict(
    { op: Type.Literal("mprotect"), vma: Name, prot: OneOf(["PROT_READ", "PROT_READ|PROT_WRITE"], "The new protection") },
    "mprotect() of the whole VMA: write lock, vm_flags, change_pte_range (write removed from every PTE, or added to exclusive anonymous ones from v6.0), TLB flush",
  ),
  Strict(
    { op: Type.Literal("mm_populate"), ...Target, nr_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 1 << 20, default: 1, description: "Length in pages" })) },
    "__mm_populate(): fault the range in as mlock() and mmap(MAP_POPULATE) do",
  ),
  Strict(
    {
      op: Type.Literal("madvise"),
      advice: OneOf(["MADV_DONTNEED", "MADV_POPULATE_READ", "MADV_POPULATE_WRITE"], "The advice"),
      ...Target,
      nr_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 1 << 20, default: 1, description: "Length in pages; may run past the VMA (-ENOMEM)" })),
    },
    "madvise(2) on nr_pages from page: MADV_DONTNEED zaps them; MADV_POPULATE_* faults them in (v5.14+)",
  ),
];
