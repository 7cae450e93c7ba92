/**
 * Operations that shape a task's own run: fork (a child task in a copy of
 * the address space), exit, kill, and repeat. Those holding op lists take the
 * recursive op schema, `This`.
 *
 * @module
 */
import { Type, type TSchema } from "@sinclair/typebox";
import { MAX_OP_NESTING, MAX_OPS_RUN } from "../limits.js";
import { Name, OneOf, Strict } from "./common.js";

/** The task operations, over `This`, the op schema itself. */
export const taskOps = <T extends TSchema>(This: T) => [
  Strict({ op: Type.Literal("exit") }, "exit(2) in a forked child: its address space is torn down (exit_mmap) and it runs no further op"),
  Strict(
    { op: Type.Literal("fork"), child: Strict({ name: Name, ops: Type.Array(This, { maxItems: 10000 }) }, "The child task and what it runs") },
    "fork(): copy this task's mm for a child task (dup_mmap: private pages shared copy-on-write), which then runs its ops",
  ),
  Strict(
    {
      op: Type.Literal("kill"),
      task: Name,
      signal: Type.Optional({ ...OneOf(["SIGKILL", "SIGUSR1"], "SIGKILL, or SIGUSR1 caught by a handler that returns"), default: "SIGKILL" }),
    },
    "kill(2) a task: SIGKILL wakes its killable and interruptible sleeps, and its process (every task in its address space) dies as each task returns to user mode; SIGUSR1 wakes interruptible sleeps and is handled on return to user mode",
  ),
  Strict({ op: Type.Literal("repeat"), count: Type.Integer({ minimum: 1, maximum: 1e6 }), ops: Type.Array(This, { minItems: 1 }) }, `Run ops count times; op lists nest at most ${MAX_OP_NESTING} deep (a task's ops, then repeat or fork ops within), and all tasks run at most ${MAX_OPS_RUN} ops with repeat counts multiplied out`),
];
