/**
 * Page faults and their direct callers: a user access (x86
 * do_user_addr_fault), handle_mm_fault with chosen flags,
 * fixup_user_fault, and the x86 signal-frame prefault loop.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import { OneOf, Strict, Target } from "./common.js";

/** FAULT_FLAG_* names a scenario may pass to handle_mm_fault (without the prefix). */
export const FAULT_FLAG_NAMES = ["WRITE", "ALLOW_RETRY", "RETRY_NOWAIT", "KILLABLE", "TRIED", "USER", "REMOTE"] as const;

/** The fault operations. */
export const faultOps = [
  Strict({ op: Type.Literal("fault"), ...Target, write: Type.Optional(Type.Boolean({ default: false, description: "A write access" })) }, "A user access that faults: do_user_addr_fault (x86) with its retry loop"),
  Strict(
    { op: Type.Literal("store"), ...Target, value: Type.Integer({ minimum: 0, maximum: 2147483647, description: "The contents written" }) },
    "A user store: the MMU walks the page table, a missing or read-only PTE faults and the instruction runs again; then value is written to the page it maps",
  ),
  Strict({ op: Type.Literal("load"), ...Target }, "A user load: faults like a store until the page is mapped; the value read is the op's return value"),
  Strict(
    { op: Type.Literal("handle_mm_fault"), ...Target, flags: Type.Array(OneOf(FAULT_FLAG_NAMES, "FAULT_FLAG_* without the prefix"), { uniqueItems: true }) },
    "mmap_read_lock(); handle_mm_fault(flags); mmap_read_unlock() if the lock is still held",
  ),
  Strict(
    { op: Type.Literal("fixup_user_fault"), ...Target, write: Type.Optional(Type.Boolean({ default: false, description: "FAULT_FLAG_WRITE" })) },
    "fixup_user_fault() with &unlocked, under mmap_read_lock taken by the op",
  ),
  Strict(
    {
      op: Type.Literal("copy_fpstate_to_sigframe"),
      ...Target,
      nr_pages: Type.Integer({ minimum: 1, maximum: 4096 }),
      loop: OneOf(["d9c9ce34ed5c", "fixed"], "The prefault loop as merged in d9c9ce34ed5c, or as Andrea Arcangeli says it should be"),
    },
    "x86 signal delivery: copy to the user stack with page faults disabled; on failure prefault with get_user_pages_unlocked(pages=NULL) and retry",
  ),
];
