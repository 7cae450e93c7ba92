/**
 * The structured trace: what happened, when, in which task and kernel function.
 *
 * Event names follow ftrace where the kernel has a tracepoint (`lock_acquire`,
 * `lock_contended`, `lock_acquired`, `lock_release`, `sched_wakeup`, ...).
 * The canonical serialization is one JSON object per line with sorted keys;
 * its SHA-256 is the trace hash that citations carry.
 *
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { canonicalJson, type Json } from "./canonical.js";

/** One trace record. Times are virtual nanoseconds. */
export interface TraceEvent {
  /** Virtual time in nanoseconds. */
  t: number;
  /** Name of the task the event happened in. */
  task: string;
  /** Event name, ftrace-style (`lock_acquire`, `io_start`, `task_exit`...). */
  ev: string;
  /** Kernel function the event belongs to, when there is one. */
  fn?: string;
  /** Event arguments (lock name, mode, address...). */
  args?: { [key: string]: Json };
  /** Result, for events that complete an operation. */
  ret?: Json;
}

/** An append-only list of {@link TraceEvent}s. */
export class Trace {
  /** The events, in the order they happened. */
  readonly events: TraceEvent[] = [];
}

/**
 * Version of the trace format. It heads every serialized trace, so a hash
 * says which format (event names and arguments) it was computed over.
 */
export const TRACE_FORMAT = 1;

/** Canonical serialization of a trace: a format header, then one sorted-key JSON object per line. */
export function serializeTrace(events: readonly TraceEvent[]): string {
  let out = `{"faultline_trace":${TRACE_FORMAT}}\n`;
  for (const e of events) out += canonicalJson(e as unknown as Json) + "\n";
  return out;
}

/** SHA-256 (hex) of a string's UTF-8 bytes; the same in Node and browsers. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** The trace hash: SHA-256 of {@link serializeTrace}, hex-encoded. */
export function traceHash(events: readonly TraceEvent[]): string {
  return sha256Hex(serializeTrace(events));
}
