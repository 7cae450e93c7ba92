// The trace as table rows (t, task, event, fn, args, ret) for Inputs.table.
import type { TraceEvent } from "../faultline/page.js";

/** One row per trace event; arguments as `key=value` pairs. */
export function traceRows(trace: readonly TraceEvent[]): { t: number; task: string; event: string; fn: string; args: string; ret: string }[] {
  return trace.map((e) => ({
    t: e.t,
    task: e.task,
    event: e.ev,
    fn: e.fn ?? "",
    args: e.args ? Object.entries(e.args).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ") : "",
    ret: e.ret === undefined ? "" : String(e.ret),
  }));
}
