/**
 * get_user_pages and its entry points, and releasing the pages a GUP op held.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import { Duration, Name, OneOf, Strict, Target } from "./common.js";

/** FOLL_* names a scenario may pass to GUP (without the prefix); internal flags such as FOLL_TRIED are GUP's own (is_valid_gup_args). */
export const FOLL_NAMES = ["WRITE", "NOWAIT"] as const;

/** The GUP operations. */
export const gupOps = [
  Strict(
    {
      op: Type.Literal("get_user_pages"),
      call: OneOf(["get_user_pages", "get_user_pages_unlocked", "get_user_pages_remote", "get_user_pages_fast"], "Which GUP entry point"),
      ...Target,
      nr_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096, default: 1, description: "Pages from page on" })),
      flags: Type.Optional(Type.Array(OneOf(FOLL_NAMES, "FOLL_* without the prefix"), { uniqueItems: true, default: [] })),
      pages: Type.Optional(Type.Boolean({ default: true, description: "false: pages == NULL, a prefault" })),
      locked: Type.Optional(Type.Boolean({ default: false, description: "get_user_pages_remote: pass &locked so GUP may drop mmap_lock" })),
      pteNs: Type.Optional({ ...Duration, default: 0 }),
      task: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.:-]*$", maxLength: 64, description: "get_user_pages_remote: the task whose mm to walk (default: this task's)" })),
      hold: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.:-]*$", maxLength: 64, description: "Keep the pages' references as this named page set, released by a later put_page op, instead of dropping them when the call returns" })),
    },
    "A GUP call; get_user_pages and get_user_pages_remote run under mmap_read_lock taken by the op; get_user_pages_fast walks with IRQs off first, pteNs (default 0) being its CPU time per PTE",
  ),
  Strict({ op: Type.Literal("put_page"), pages: Name }, "put_page() on every page of a page set a GUP op held"),
];
