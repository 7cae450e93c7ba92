// Pin coherence, as the /pins notebook checks it: the scenarios of its
// matrix (an operation after a GUP reference or pin, under a profile), the
// swap between a pin and a plain reference, and what an exploration says
// about the guarantee. Data and judgement only; the explorer runs in the
// page's worker.
import type { DiagramRow, ExploreData, ScenarioSpec } from "../faultline/page.js";
import { brokenOutcome as shortestBroken, judge, type Judgement } from "./explore-view.js";

type Op = ScenarioSpec["tasks"][number]["ops"][number];
type ForkOp = Extract<Op, { op: "fork" }>;
/** A fork child's ops (the schema's recursive op list is typed loosely). */
const childOps = (ops: readonly Op[]) => ops as unknown as ForkOp["child"]["ops"];

/** The profiles the notebook compares: FOLL_PIN counted, early COW at fork, PageAnonExclusive, no zero-page pins. */
export const PIN_PROFILES = ["v5.7", "v5.9", "v6.4", "v6.12"] as const;

/** How the process took the page: a reference (FOLL_GET) or a pin (FOLL_PIN), for a device that writes or only reads. */
export interface PinKind {
  /** Column label. */
  readonly name: string;
  /** The GUP entry point. */
  readonly call: "get_user_pages_unlocked" | "pin_user_pages_unlocked";
  /** FOLL_* flags (without the prefix). */
  readonly flags: readonly "WRITE"[];
  /** Whether the device writes through it (FOLL_WRITE), so coherence covers both directions. */
  readonly deviceWrites: boolean;
}

/** The pin kinds of the matrix. */
export const PIN_KINDS: readonly PinKind[] = [
  { name: "FOLL_GET", call: "get_user_pages_unlocked", flags: ["WRITE"], deviceWrites: true },
  { name: "FOLL_PIN R/W", call: "pin_user_pages_unlocked", flags: ["WRITE"], deviceWrites: true },
  { name: "FOLL_PIN R/O", call: "pin_user_pages_unlocked", flags: [], deviceWrites: false },
];

/**
 * An operation that may separate a pinned page from its address, as ops run
 * after the pin is taken. After an mremap op, `buf` names the range the VMA
 * moved to, so "the address" is the mapping's new one.
 */
export interface PinOperation {
  /** Row label. */
  readonly name: string;
  /** The ops, on the VMA `buf`. */
  readonly ops: readonly Op[];
}

const fork = (ops: readonly Op[]): Op => ({ op: "fork", child: { name: "child", ops: childOps([...ops, { op: "exit" }]) } });

/** The operations of the matrix. */
export const PIN_OPERATIONS: readonly PinOperation[] = [
  { name: "fork, then the parent writes", ops: [fork([{ op: "load", vma: "buf", page: 0 }])] },
  { name: "fork, then the child writes", ops: [fork([{ op: "store", vma: "buf", page: 0, value: 9 }])] },
  { name: "MADV_DONTNEED", ops: [{ op: "madvise", advice: "MADV_DONTNEED", vma: "buf", page: 0 }] },
  { name: "munmap", ops: [{ op: "munmap", vma: "buf" }] },
  { name: "mremap (buf moves)", ops: [{ op: "mremap", vma: "buf" }] },
  { name: "MADV_PAGEOUT, then a read", ops: [{ op: "madvise", advice: "MADV_PAGEOUT", vma: "buf", page: 0 }, { op: "load", vma: "buf", page: 0 }] },
  {
    name: "mprotect R/O, R/W, then write",
    ops: [
      { op: "mprotect", vma: "buf", prot: "PROT_READ" },
      { op: "mprotect", vma: "buf", prot: "PROT_READ|PROT_WRITE" },
    ],
  },
  { name: "move_pages (migration)", ops: [{ op: "move_pages", vma: "buf", page: 0, node: 1 }] },
];

/** Page contents: what the process stores before the pin, after the operation, and what the device writes. */
const BEFORE = 7;
const STORED = 1;
const DMA = 2;

/**
 * The pin coherence property of a process `task` whose device uses the page
 * set `dma`: the device reads what the process stored at the address after
 * the operation, and (for a device that writes) the process then loads what
 * the device wrote.
 */
export function coherence(task: string, deviceWrites: boolean): NonNullable<ScenarioSpec["property"]>["exists"] {
  const read = { event: { task, ev: "call", fn: "dma_read", ret: STORED } };
  return deviceWrites ? { all: [read, { event: { task, ev: "call", fn: "load", ret: DMA } }] } : read;
}

/**
 * One cell of the matrix as a scenario: the process `vmm` stores 7 at `buf`,
 * takes the page with `kind`, runs `operation`, then stores 1, the device
 * reads (and, R/W, writes 2), the process loads, and the pin is released.
 * `cond_resched` marks where the scheduler may run a forked child between
 * the process's accesses. The property is pin coherence, expected always.
 */
export function coherenceScenario(operation: PinOperation, kind: PinKind, profile: string): ScenarioSpec {
  const ops: Op[] = [
    { op: "store", vma: "buf", page: 0, value: BEFORE },
    { op: "get_user_pages", call: kind.call, vma: "buf", page: 0, flags: [...kind.flags], hold: "dma" },
    ...operation.ops,
    { op: "cond_resched" },
    { op: "store", vma: "buf", page: 0, value: STORED },
    { op: "cond_resched" },
    { op: "dma_read", pages: "dma", index: 0 },
    ...(kind.deviceWrites ? ([{ op: "dma_write", pages: "dma", index: 0, value: DMA }, { op: "load", vma: "buf", page: 0 }] as Op[]) : []),
    { op: kind.call === "get_user_pages_unlocked" ? "put_page" : "unpin_user_pages", pages: "dma" },
  ];
  return {
    title: `${kind.name}, then ${operation.name}, ${profile}`,
    claim: `Pin coherence: after ${operation.name}, the device reads through the ${kind.name} what the process stored at buf${kind.deviceWrites ? ", and the process loads what the device wrote" : ""}.`,
    source: { thread: "2016-05-gup-guarantees-userspace-mappings.txt" },
    profile,
    mm: { vmas: [{ name: "buf", kind: "anon", pages: 1, resident: [0] }] },
    tasks: [{ name: "vmm", ops }],
    property: { exists: coherence("vmm", kind.deviceWrites), verdict: "always", seeds: { from: 0, count: 10 } },
  };
}

/** The GUP entry points' FOLL_GET and FOLL_PIN forms, and how each releases its pages. */
const SWAP: Readonly<Record<"FOLL_GET" | "FOLL_PIN", { prefix: string; release: "put_page" | "unpin_user_pages" }>> = {
  FOLL_GET: { prefix: "get_user_pages", release: "put_page" },
  FOLL_PIN: { prefix: "pin_user_pages", release: "unpin_user_pages" },
};

/** `spec` with every GUP call and release turned into its `kind` form (pin_user_pages_unlocked ⇄ get_user_pages_unlocked, unpin_user_pages ⇄ put_page), forked children's ops included. */
export function withPinKind(spec: ScenarioSpec, kind: "FOLL_GET" | "FOLL_PIN"): ScenarioSpec {
  const to = SWAP[kind];
  const op = (o: Op): Op => {
    if (o.op === "get_user_pages") return { ...o, call: o.call.replace(/^(get|pin)_user_pages/, to.prefix) as typeof o.call };
    if (o.op === "put_page" || o.op === "unpin_user_pages") return { ...o, op: to.release };
    if (o.op === "fork") return { ...o, child: { ...o.child, ops: childOps((o.child.ops as unknown as Op[]).map(op)) } };
    if (o.op === "repeat") return { ...o, ops: childOps((o.ops as unknown as Op[]).map(op)) };
    return o;
  };
  return { ...spec, tasks: spec.tasks.map((t) => ({ ...t, ops: t.ops.map(op) })) };
}

/** Whether a scenario takes pages with a GUP op (what {@link withPinKind} swaps). */
export function takesPages(spec: ScenarioSpec): boolean {
  return JSON.stringify(spec.tasks).includes('"op":"get_user_pages"');
}

/** What an exploration establishes for its scenario's property (explore-view's judgement: broken where the property is false). */
export type Guarantee = Judgement;

/** The guarantee an exploration establishes for its scenario's property. */
export const guarantee = (data: ExploreData): Guarantee => judge(data);

/** The shortest-schedule outcome in which the property fails, or null. */
export const brokenOutcome = (data: ExploreData) => shortestBroken(data);

/** What a race diagram shows a call returned (`dma_read() = 7`): the last return of `fn` by `task` (the access after the device's), or null. */
export function returned(rows: readonly DiagramRow[], task: string, fn: string): string | null {
  const prefix = `${fn}() = `;
  return rows.findLast((r) => r.task === task && r.text.startsWith(prefix))?.text.slice(prefix.length) ?? null;
}
