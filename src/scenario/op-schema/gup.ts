/**
 * get_user_pages and pin_user_pages and their entry points, releasing the
 * pages a GUP op held, and a device's DMA through them.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import { Duration, Name, OneOf, Strict, Target } from "./common.js";

/** FOLL_* names a scenario may pass to GUP (without the prefix); internal flags such as FOLL_TRIED are GUP's own (is_valid_gup_args). */
export const FOLL_NAMES = ["WRITE", "FORCE", "NOWAIT", "LONGTERM"] as const;

/** The GUP entry points: get_user_pages* take references (FOLL_GET), pin_user_pages* pins (FOLL_PIN). */
export const GUP_CALLS = [
  "get_user_pages",
  "get_user_pages_unlocked",
  "get_user_pages_remote",
  "get_user_pages_fast",
  "pin_user_pages",
  "pin_user_pages_unlocked",
  "pin_user_pages_remote",
  "pin_user_pages_fast",
] as const;

/** The GUP operations. */
export const gupOps = [
  Strict(
    {
      op: Type.Literal("get_user_pages"),
      call: OneOf(GUP_CALLS, "Which GUP entry point: get_user_pages* take references (FOLL_GET), pin_user_pages* pins (FOLL_PIN)"),
      ...Target,
      nr_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096, default: 1, description: "Pages from page on" })),
      flags: Type.Optional(Type.Array(OneOf(FOLL_NAMES, "FOLL_* without the prefix"), { uniqueItems: true, default: [] })),
      pages: Type.Optional(Type.Boolean({ default: true, description: "false: pages == NULL, a prefault" })),
      locked: Type.Optional(Type.Boolean({ default: false, description: "get_user_pages_remote: pass &locked so GUP may drop mmap_lock" })),
      pteNs: Type.Optional({ ...Duration, default: 0 }),
      task: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.:-]*$", maxLength: 64, description: "get_user_pages_remote: the task whose mm to walk (default: this task's)" })),
      hold: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.:-]*$", maxLength: 64, description: "Keep the pages' references as this named page set, released by a later put_page op, instead of dropping them when the call returns" })),
    },
    "A GUP call; get_user_pages, pin_user_pages and their _remote forms run under mmap_read_lock taken by the op; the _fast forms walk with IRQs off first, pteNs (default 0) being their CPU time per PTE",
  ),
  Strict({ op: Type.Literal("put_page"), pages: Name }, "put_page() on every page of a page set a get_user_pages* op held"),
  Strict({ op: Type.Literal("unpin_user_pages"), pages: Name }, "unpin_user_pages() on a page set a pin_user_pages* op held"),
  Strict(
    { op: Type.Literal("dma_write"), pages: Name, index: Type.Integer({ minimum: 0, maximum: 4095, description: "Which page of the set" }), value: Type.Integer({ minimum: 0, maximum: 2147483647, description: "The contents written" }) },
    "A device writes value into one page of a held page set, through the reference or pin (no CPU mapping involved)",
  ),
  Strict({ op: Type.Literal("dma_read"), pages: Name, index: Type.Integer({ minimum: 0, maximum: 4095, description: "Which page of the set" }) }, "A device reads one page of a held page set; the value read is the op's return value"),
];
