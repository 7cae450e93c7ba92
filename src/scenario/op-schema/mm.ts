/**
 * Address-space operations: munmap, madvise and populating a range (mlock,
 * MAP_POPULATE).
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import { Name, OneOf, Strict, Target } from "./common.js";

/** The address-space operations. */
export const mmOps = [
  Strict({ op: Type.Literal("munmap"), vma: Name }, "munmap() of the whole VMA: write lock, detach, zap, TLB-flush IPI, free (do_vmi_munmap)"),
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
