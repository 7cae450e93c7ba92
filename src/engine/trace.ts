/**
 * The structured trace: what happened, when, in which task and kernel function.
 *
 * Event names follow ftrace where the kernel has a tracepoint (`lock_acquire`,
 * `lock_contended`, `lock_acquired`, `lock_release`, `sched_wakeup`, ...).
 * The canonical serialization is one JSON object per line with sorted keys;
 * its SHA-256 is the trace hash that citations carry. A run streams events
 * into the hash as it records them and keeps only a window of them, so a
 * trace's memory does not grow with the run.
 *
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { canonicalEvent, type Json } from "./canonical.js";

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

/**
 * How much of a trace a run keeps in memory: the first `head` events and the
 * last `tail` ones. Every event is hashed as it is recorded, kept or not, so
 * the hash does not depend on the window.
 */
export interface TraceWindow {
  /** Events kept from the start of the run. */
  readonly head: number;
  /** Most recent events kept (a ring). */
  readonly tail: number;
}

/**
 * The window a run keeps unless told otherwise: 200,000 events, some 60 MB,
 * whatever the run's length.
 */
export const DEFAULT_TRACE_WINDOW: TraceWindow = { head: 100_000, tail: 100_000 };

/** Where a kept trace skips the events it did not keep. */
export interface TraceGap {
  /** Index in the kept events of the first event after the gap. */
  readonly at: number;
  /** Events recorded (and hashed) in the gap but not kept. */
  readonly dropped: number;
}

/** Canonical text is hashed in chunks of about this many UTF-16 units. */
const HASH_CHUNK = 1 << 16;

/** A SHA-256 being fed text as UTF-8. */
interface TextHasher {
  update(text: string): void;
  hex(): string;
}

/** Node's built-in crypto where there is one (`process.getBuiltinModule`, Node 20.16+), which hashes natively; null in a browser. */
const nodeCrypto = typeof process !== "undefined" && typeof process.getBuiltinModule === "function" ? (process.getBuiltinModule("node:crypto") as typeof import("node:crypto")) : null;

/** A SHA-256 of UTF-8 text: Node's native one, else @noble/hashes' (browsers). Both give the same digest, which test/engine.test.ts checks. */
export function textHasher(native = nodeCrypto !== null): TextHasher {
  if (native && nodeCrypto) {
    const h = nodeCrypto.createHash("sha256");
    return { update: (text) => void h.update(text, "utf8"), hex: () => h.digest("hex") };
  }
  const h = sha256.create();
  return { update: (text) => void h.update(utf8ToBytes(text)), hex: () => bytesToHex(h.digest()) };
}

/**
 * A trace being recorded: the canonical form of every event streams into the
 * SHA-256 as it is recorded ({@link traceHash} of all events, without holding
 * them), and only a {@link TraceWindow} of the events is kept.
 */
export class Trace {
  /** Events recorded so far, kept or not. */
  recorded = 0;
  private readonly window: TraceWindow;
  private readonly head: TraceEvent[] = [];
  private readonly ring: TraceEvent[] = [];
  private ringNext = 0;
  private readonly hasher = textHasher();
  private pending = traceHeader();
  private digest: string | null = null;

  constructor(window: TraceWindow = DEFAULT_TRACE_WINDOW) {
    this.window = window;
  }

  /** Append `e`: hash its canonical form, keep it if it falls in the window. Throws once {@link Trace.hash} was taken. */
  record(e: TraceEvent): void {
    if (this.digest !== null) throw new Error("trace already hashed: no event may follow");
    this.pending += canonicalEvent(e) + "\n";
    if (this.pending.length >= HASH_CHUNK) this.flush();
    this.recorded++;
    if (this.head.length < this.window.head) this.head.push(e);
    else if (this.window.tail > 0) {
      if (this.ring.length < this.window.tail) this.ring.push(e);
      else this.ring[this.ringNext] = e;
      this.ringNext = (this.ringNext + 1) % this.window.tail;
    }
  }

  /** The kept events, in the order they happened (the first `head`, then the last `tail`). */
  get events(): TraceEvent[] {
    return [...this.head, ...this.ring.slice(this.ringNext), ...this.ring.slice(0, this.ringNext)];
  }

  /** Where the kept events skip some, or null when every recorded event is kept. */
  get gap(): TraceGap | null {
    const dropped = this.recorded - this.head.length - this.ring.length;
    return dropped > 0 ? { at: this.head.length, dropped } : null;
  }

  /** The trace hash of every event recorded ({@link traceHash}); recording ends here. */
  hash(): string {
    if (this.digest === null) {
      this.flush();
      this.digest = this.hasher.hex();
    }
    return this.digest;
  }

  private flush(): void {
    this.hasher.update(this.pending);
    this.pending = "";
  }
}

/**
 * Version of the trace format. It heads every serialized trace, so a hash
 * says which format (event names and arguments) it was computed over.
 */
export const TRACE_FORMAT = 1;

/** Canonical serialization of a trace: a format header, then one sorted-key JSON object per line. */
export function serializeTrace(events: readonly TraceEvent[]): string {
  let out = traceHeader();
  for (const e of events) out += canonicalEvent(e) + "\n";
  return out;
}

/** The first line of a serialized trace: the format version. */
function traceHeader(): string {
  return `{"faultline_trace":${TRACE_FORMAT}}\n`;
}

/** SHA-256 (hex) of a string's UTF-8 bytes; the same in Node and browsers. */
export function sha256Hex(text: string): string {
  const h = textHasher();
  h.update(text);
  return h.hex();
}

/** The trace hash: SHA-256 of {@link serializeTrace}, hex-encoded. A run computes the same as it records ({@link Trace.hash}). */
export function traceHash(events: readonly TraceEvent[]): string {
  return sha256Hex(serializeTrace(events));
}
