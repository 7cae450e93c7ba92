/**
 * The memory-management model: mm_struct and VMAs, folios, page cache,
 * swap, the fault path, GUP and page migration.
 *
 * @module
 */
export * from "./filemap.js";
export * from "./flags.js";
export * from "./folio.js";
export * from "./gup.js";
export * from "./kernel.js";
export * from "./memory.js";
export * from "./mm.js";
export * from "./pagecache.js";
export * from "./swap.js";
export * from "./vmfault.js";
export * from "./snapshot.js";
export * from "./userfaultfd.js";
export * from "./mmap.js";
export * from "./madvise.js";
export * from "./mprotect.js";
export * from "./migrate.js";
export * from "./shmem.js";
