/**
 * Operations that spend time or change what may interrupt a CPU: delays,
 * preemption points, IRQ-disabled sections and synchronous IPIs.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import { Duration, Strict } from "./common.js";

/** Operations that spend virtual time. */
export const DELAY_OPS = ["cpu", "io", "sleep"] as const;

const delayOp = <K extends (typeof DELAY_OPS)[number]>(op: K) =>
  Strict(
    { op: Type.Literal(op), ns: Duration, fn: Type.Optional(Type.String({ maxLength: 64, description: "Kernel function to attribute the time to" })) },
    `${op}: spend the duration as ${op === "cpu" ? "CPU work" : op === "io" ? "an IO wait" : "a sleep"}`,
  );

/** The time and interrupt operations. */
export const timeOps = [
  delayOp("cpu"),
  delayOp("io"),
  delayOp("sleep"),
  Strict({ op: Type.Literal("cond_resched") }, "cond_resched(): a preemption point"),
  Strict({ op: Type.Literal("local_irq_disable") }, "local_irq_disable()"),
  Strict({ op: Type.Literal("local_irq_enable") }, "local_irq_enable()"),
  Strict(
    { op: Type.Literal("smp_call_function"), fn: Type.Optional(Type.String({ maxLength: 64, default: "generic", description: "The function the IPI runs" })) },
    "smp_call_function_many(wait=1): IPI every other CPU and wait until each has IRQs enabled",
  ),
];
