/**
 * Flag sets with the kernel's names: `FAULT_FLAG_*` (enum fault_flag,
 * include/linux/mm_types.h, v6.x values), `VM_FAULT_*` (enum vm_fault_reason),
 * `FOLL_*` (include/linux/mm.h / mm_types.h) and `VM_*` vm_flags. Values
 * changed between kernel versions; the model keys on names, and uses the
 * v6.x values only to print and combine them.
 *
 * @module
 */

/** enum fault_flag (include/linux/mm_types.h, v6.x). */
export const FAULT_FLAG = {
  WRITE: 1 << 0,
  MKWRITE: 1 << 1,
  ALLOW_RETRY: 1 << 2,
  RETRY_NOWAIT: 1 << 3,
  KILLABLE: 1 << 4,
  TRIED: 1 << 5,
  USER: 1 << 6,
  REMOTE: 1 << 7,
  INSTRUCTION: 1 << 8,
  INTERRUPTIBLE: 1 << 9,
  UNSHARE: 1 << 10,
  VMA_LOCK: 1 << 12,
} as const;

/** enum vm_fault_reason (include/linux/mm_types.h, v6.x). */
export const VM_FAULT = {
  OOM: 0x000001,
  SIGBUS: 0x000002,
  MAJOR: 0x000004,
  WRITE: 0x000008,
  HWPOISON: 0x000010,
  SIGSEGV: 0x000040,
  NOPAGE: 0x000100,
  LOCKED: 0x000200,
  RETRY: 0x000400,
  FALLBACK: 0x000800,
  COMPLETED: 0x004000,
} as const;

/** VM_FAULT_ERROR: the bits that mean the fault failed. */
export const VM_FAULT_ERROR = VM_FAULT.OOM | VM_FAULT.SIGBUS | VM_FAULT.SIGSEGV | VM_FAULT.HWPOISON | VM_FAULT.FALLBACK;

/** GUP flags (include/linux/mm.h and mm_types.h, v6.x; internal ones included). */
export const FOLL = {
  WRITE: 1 << 0,
  GET: 1 << 1,
  DUMP: 1 << 2,
  FORCE: 1 << 3,
  NOWAIT: 1 << 4,
  NOFAULT: 1 << 5,
  HWPOISON: 1 << 6,
  ANON: 1 << 7,
  LONGTERM: 1 << 8,
  SPLIT_PMD: 1 << 9,
  PCI_P2PDMA: 1 << 10,
  INTERRUPTIBLE: 1 << 11,
  HONOR_NUMA_FAULT: 1 << 12,
  TOUCH: 1 << 16,
  TRIED: 1 << 17,
  REMOTE: 1 << 18,
  PIN: 1 << 19,
  FAST_ONLY: 1 << 20,
  UNLOCKABLE: 1 << 21,
  /** Internal, 19be0eaffa3a (v4.8.3) until 5535be309971 (v6.0): a FOLL_FORCE write fault broke COW here. */
  COW: 1 << 22,
} as const;

/** vm_flags bits the model consults (include/linux/mm.h). */
export const VM = {
  READ: 0x1,
  WRITE: 0x2,
  EXEC: 0x4,
  SHARED: 0x8,
  /** VM_MAYEXEC: mprotect may add VM_EXEC; clear for a file on a noexec mount. The model sets it only with VM_EXEC (a VMA spec's exec). */
  MAYEXEC: 0x40,
  PFNMAP: 0x400,
  IO: 0x4000,
  DONTEXPAND: 0x40000,
  /** "The vma has had vm_insert_page() done on it": what vm_insert_page() set until VM_MIXEDMAP took its place (v3.7). */
  INSERTPAGE: 0x2000000,
  DONTDUMP: 0x4000000,
  /** "Can contain struct page and pure PFN pages": set by vm_insert_page() (v3.7+) and by drivers that call vmf_insert_mixed(). */
  MIXEDMAP: 0x10000000,
} as const;

type Table = Readonly<Record<string, number>>;

/** `"FAULT_FLAG_ALLOW_RETRY|FAULT_FLAG_RETRY_NOWAIT"` for a bit set; `"0"` for none. */
export function flagNames(prefix: string, table: Table, bits: number): string {
  const names = Object.entries(table)
    .filter(([, v]) => (bits & v) !== 0)
    .map(([k]) => `${prefix}_${k}`);
  return names.length > 0 ? names.join("|") : "0";
}

/** Parse `["ALLOW_RETRY", "FAULT_FLAG_RETRY_NOWAIT"]` into bits; names with or without the prefix. */
export function parseFlags(prefix: string, table: Table, names: readonly string[]): number {
  let bits = 0;
  for (const raw of names) {
    const name = raw.startsWith(`${prefix}_`) ? raw.slice(prefix.length + 1) : raw;
    const v = table[name];
    if (v === undefined) throw new RangeError(`unknown flag ${raw}; expected one of ${Object.keys(table).map((k) => `${prefix}_${k}`).join(", ")}`);
    bits |= v;
  }
  return bits;
}

/** fault_flag_allow_retry_first() (include/linux/mm.h, v5.7+): ALLOW_RETRY and not yet TRIED. */
export function fault_flag_allow_retry_first(flags: number): boolean {
  return (flags & FAULT_FLAG.ALLOW_RETRY) !== 0 && (flags & FAULT_FLAG.TRIED) === 0;
}
