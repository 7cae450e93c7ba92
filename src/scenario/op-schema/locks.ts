/**
 * Operations on the scenario's own sleeping locks (and the mm's mmap_lock),
 * by kernel function name.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import { Name, Strict } from "./common.js";

/** Operations that act on a named lock, by kernel function name. */
export const LOCK_OPS = {
  down_read: "rwsem",
  down_read_trylock: "rwsem",
  down_write: "rwsem",
  down_write_trylock: "rwsem",
  up_read: "rwsem",
  up_write: "rwsem",
  downgrade_write: "rwsem",
  mutex_lock: "mutex",
  mutex_trylock: "mutex",
  mutex_unlock: "mutex",
} as const;

const lockOp = <K extends keyof typeof LOCK_OPS>(op: K) =>
  Strict({ op: Type.Literal(op), lock: Name }, `${op}() on the named ${LOCK_OPS[op]}`);

/** The lock operations, in LOCK_OPS order. */
export const lockOps = [
  lockOp("down_read"),
  lockOp("down_read_trylock"),
  lockOp("down_write"),
  lockOp("down_write_trylock"),
  lockOp("up_read"),
  lockOp("up_write"),
  lockOp("downgrade_write"),
  lockOp("mutex_lock"),
  lockOp("mutex_trylock"),
  lockOp("mutex_unlock"),
];
