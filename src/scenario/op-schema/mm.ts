/**
 * Address-space operations: munmap, mprotect, mremap, madvise, populating a range
 * (mlock, MAP_POPULATE), khugepaged's collapse, KSM's merge, move_pages(2)'s
 * migration, and uprobes' breakpoint installation and removal.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import { Duration, Name, OneOf, Strict, Target } from "./common.js";

/** The address-space operations. */
export const mmOps = [
  Strict({ op: Type.Literal("munmap"), vma: Name }, "munmap() of the whole VMA: write lock, detach, zap, TLB-flush IPI, free (do_vmi_munmap)"),
  Strict(
    { op: Type.Literal("mprotect"), vma: Name, prot: OneOf(["PROT_READ", "PROT_READ|PROT_WRITE"], "The new protection") },
    "mprotect() of the whole VMA: write lock, vm_flags, change_pte_range (write removed from every PTE, or added to exclusive anonymous ones from v6.0), TLB flush",
  ),
  Strict(
    { op: Type.Literal("mremap"), vma: Name },
    "mremap(MREMAP_MAYMOVE|MREMAP_FIXED) of the whole VMA to a free range (move_vma): mmap_lock for write, copy_vma, move_ptes with the TLB flush, the old range unmapped; the VMA keeps its name, so later ops on it mean the new range",
  ),
  Strict(
    { op: Type.Literal("mm_populate"), ...Target, nr_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 1 << 20, default: 1, description: "Length in pages" })) },
    "__mm_populate(): fault the range in as mlock() and mmap(MAP_POPULATE) do",
  ),
  Strict(
    {
      op: Type.Literal("madvise"),
      advice: OneOf(["MADV_DONTNEED", "MADV_PAGEOUT", "MADV_POPULATE_READ", "MADV_POPULATE_WRITE"], "The advice"),
      ...Target,
      nr_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 1 << 20, default: 1, description: "Length in pages; may run past the VMA (-ENOMEM)" })),
    },
    "madvise(2) on nr_pages from page: MADV_DONTNEED zaps them; MADV_PAGEOUT reclaims the private anonymous ones (swap cache, try_to_unmap, swap write, freed unless held; v5.4+); MADV_POPULATE_* faults them in (v5.14+)",
  ),
  Strict(
    { op: Type.Literal("collapse_huge_page"), ...Target, pteNs: Type.Optional({ ...Duration, default: 0 }) },
    "khugepaged's collapse_huge_page() of the 2 MiB range (512 pages, PMD-aligned) holding page: mmap_lock for write, pmdp_collapse_flush, the refcount check of every page (SCAN_PAGE_COUNT), copy; pteNs is its CPU time per PTE",
  ),
  Strict(
    { op: Type.Literal("uprobe_register"), ...Target },
    "uprobe_register() on the file a file or shmem VMA maps, at the file page of page: in every private mapping of it that valid_vma() accepts (VM_MAYEXEC, not VM_WRITE), under mmap_lock for write, uprobe_write_opcode() replaces the page with an anonymous copy holding the breakpoint (data 0xcc, int3); a GUP reference or pin on the old page stays on it",
  ),
  Strict(
    { op: Type.Literal("uprobe_unregister"), ...Target },
    "uprobe_unregister() of a uprobe_register op's probe: set_orig_insn() in every valid mapping, by another anonymous copy holding the original data, or (v5.4+) by unmapping the copy when it equals the page cache's page",
  ),
  Strict(
    { op: Type.Literal("ksm_merge"), ...Target, with: Strict(Target, "The page merged into the first") },
    "ksmd's try_to_merge_two_pages(): if both anonymous pages hold the same contents, write-protect page (it becomes the KSM page) and then with, whose PTE is replaced by one mapping the KSM page; write_protect_page() refuses a page with references beyond its mappings",
  ),
  Strict(
    {
      op: Type.Literal("move_pages"),
      ...Target,
      nr_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096, default: 1, description: "Pages from page on; may run past the VMA (their status is -EFAULT)" })),
      node: Type.Integer({ minimum: 0, maximum: 1, description: "The node to move them to: the machine has two memory nodes, 0 and 1; every page starts on node 0" }),
      copyNs: Type.Optional({ ...Duration, default: 0, description: "CPU time to copy one page (folio_mc_copy), while its migration entries are in place" }),
    },
    "move_pages(2) of this task's own pages to node, MPOL_MF_MOVE (do_pages_move): each page is isolated and migrate_pages() unmaps it into migration entries (try_to_migrate: since v5.19 not a pinned exclusive page), checks its refcount (a GUP reference or pin makes it -EAGAIN, retried 10 times), then copies it; the return value is the number of pages not migrated, and each page's status its node, a negative errno, or nothing written for a page that could not move",
  ),
];
