/**
 * Scenario validation: the size limits (an iterative depth scan first, so
 * nothing recursive sees a document deeper than it can hold), the published
 * JSON Schema (checked with Ajv), then the limits and cross-references a
 * schema cannot express (op and predicate nesting, ops run, lock names, lock
 * kinds, page sets, schedule task names). Every error names the JSON path,
 * what was expected and what was found.
 *
 * @module
 */
import type { ErrorObject } from "ajv";
import { APF_WORKER } from "../virt/kvm/apf_worker.js";
import { formatErrors, memberPath, show, type ScenarioError } from "./error.js";
import { readJsonText, type JsonSyntaxError } from "./json-text.js";
import { inflateCompact } from "./permalink.js";
import { nestingErrors, scanJson } from "./limits.js";
import { pageSet, vmaKind } from "./vma.js";
import { DEFAULT_PROFILE } from "../profiles/index.js";
import { ALTERNATIVES, patch } from "../profiles/patches.js";
import { scenarioValidator } from "./validators.js";
import { LOCK_OPS, MAX_SEED, type DurationSpec, type OpSpec, type PredicateSpec, type ScenarioSpec, type VmaSpecT } from "./schema.js";

export { formatError, formatErrors, MAX_SHOWN_ERRORS, type ScenarioError } from "./error.js";

/** Result of {@link validateScenario}; `partial`: checking stopped early (a large document), so there may be more errors than those listed. */
export type Validation = { ok: true; scenario: ScenarioSpec } | { ok: false; errors: ScenarioError[]; partial?: boolean };

/** Thrown by functions that need a valid scenario; carries every error. */
export class ScenarioValidationError extends Error {
  /** The errors, in document order. */
  readonly errors: readonly ScenarioError[];
  /** Checking stopped early (a large document): there may be errors not listed. */
  readonly partial: boolean;
  constructor(errors: readonly ScenarioError[], where = "scenario", partial = false) {
    super(`${where} is not a valid scenario:\n${formatErrors(errors, { partial }).map((line) => `  ${line}`).join("\n")}`);
    this.name = "ScenarioValidationError";
    this.errors = errors;
    this.partial = partial;
  }
}

/**
 * Documents with more JSON values than this are checked against the schema
 * up to the first error only: collecting every error of a million bad tasks
 * takes gigabytes.
 */
export const MAX_FULLY_CHECKED_VALUES = 100_000;

function validator(allErrors: boolean) {
  return scenarioValidator(allErrors ? "allErrors" : "firstError");
}

/** The VMA kinds (as mapped: MAP_SHARED anon is shmem) whose VMAs map a file, so that a uprobe can name its inode. */
const INODE_KINDS: ReadonlySet<string> = new Set(["file", "shmem"]);

/** Per VMA kind: the page sets it takes, and the VMA fields it refuses. */
const VMA_PAGE_SETS = {
  anon: [["resident", "swapped", "swapcache", "hwpoison"], ["pagecache", "mapped", "pgReadahead", "readahead", "size"]],
  file: [["pagecache", "mapped"], ["resident", "swapped", "swapcache", "hwpoison"]],
  // No read IO, so no readahead and no read that fails; shmem swap is not modelled.
  shmem: [["pagecache", "mapped"], ["resident", "swapped", "swapcache", "hwpoison", "pgReadahead", "readahead", "eio"]],
  // remap_pfn_range() maps every page at mmap: no page state to choose.
  pfnmap: [[], ["resident", "swapped", "swapcache", "hwpoison", "pagecache", "mapped", "pgReadahead", "readahead", "size", "eio"]],
  // fw_device_op_mmap() allocates and maps every page at mmap (vm_map_pages_zero): no page state to choose either.
  mixedmap: [[], ["resident", "swapped", "swapcache", "hwpoison", "pagecache", "mapped", "pgReadahead", "readahead", "size", "eio"]],
  // A BAR is device memory: vfio-pci maps it at mmap or on fault, no page state to choose.
  "vfio-bar": [[], ["resident", "swapped", "swapcache", "hwpoison", "pagecache", "mapped", "pgReadahead", "readahead", "size", "eio"]],
} as const;

/** The ops that name a device of $.mm.devices. */
const DEVICE_OPS = new Set(["vfio_pci_config_write", "vfio_device_reset", "vfio_pci_hot_reset", "vfio_pci_bar_read", "vfio_pm_config_write", "vfio_device_feature_low_power_entry", "vfio_device_feature_low_power_exit"]);

/** The VMA fields only a vfio-bar VMA takes. */
const VFIO_BAR_FIELDS = ["device", "bar", "offset", "deferred"] as const;

/**
 * The devices section: names once, a BAR's explicit pfn aligned as PCI
 * aligns BARs (to their size), a VF's physfn a PF declared before it (PCI
 * enumerates the PF first, `pci_iov_add_virtfn()` adds its VFs) and no
 * `memory` on a VF (its PCI_COMMAND_MEMORY is hardwired to 0); returns
 * each device's BAR sizes by name.
 */
function deviceErrors(s: ScenarioSpec, errors: ScenarioError[]): Map<string, number[]> {
  const devices = new Map<string, number[]>();
  const vfs = new Set<string>();
  (s.mm?.devices ?? []).forEach((d, i) => {
    const at = `$.mm.devices[${i}]`;
    if (devices.has(d.name)) errors.push({ path: `${at}.name`, expected: "a device name not used before", found: show(d.name) });
    if (d.physfn !== undefined) {
      const pfs = [...devices.keys()].filter((n) => !vfs.has(n));
      if (!pfs.includes(d.physfn)) errors.push({ path: `${at}.physfn`, expected: `a PF declared before this VF (not a VF itself): ${pfs.length > 0 ? oneOf(pfs, d.physfn) : "there is none"}`, found: show(d.physfn) });
      if (d.memory !== undefined) errors.push({ path: `${at}.memory`, expected: "no memory on a VF (its PCI_COMMAND_MEMORY is hardwired to 0; its BARs decode while the PF's VF MSE is set)", found: show(d.memory) });
      vfs.add(d.name);
    }
    devices.set(d.name, d.bars.map((b) => b.pages));
  });
  return devices;
}

/** A vfio-bar VMA: a declared device and BAR, and a range within the BAR (vfio_pci_core_mmap()'s -EINVAL otherwise); no vfio fields on other kinds. */
function vfioBarErrors(v: VmaSpecT, kind: string, devices: ReadonlyMap<string, number[]>, at: string): ScenarioError[] {
  if (kind !== "vfio-bar") return VFIO_BAR_FIELDS.filter((key) => v[key] !== undefined).map((key) => ({ path: `${at}.${key}`, expected: `no ${key} on ${kind === "anon" ? "an" : "a"} ${kind} VMA (only vfio-bar VMAs map a device)`, found: show(v[key]) }));
  if (v.shared === false) return [{ path: `${at}.shared`, expected: "true or no shared (vfio_pci_core_mmap refuses a MAP_PRIVATE mapping with -EINVAL)", found: show(v.shared) }];
  if (v.device === undefined) return [{ path: `${at}.device`, expected: `the device the BAR belongs to: ${devices.size > 0 ? oneOf([...devices.keys()], "") : "a name in $.mm.devices (there is none)"}`, found: "nothing" }];
  const bars = devices.get(v.device);
  if (!bars) return [{ path: `${at}.device`, expected: `a device declared in $.mm.devices: ${devices.size > 0 ? oneOf([...devices.keys()], v.device) : "there is none"}`, found: show(v.device) }];
  const bar = v.bar ?? 0;
  const size = bars[bar];
  if (size === undefined) return [{ path: `${at}.bar`, expected: `a BAR of ${v.device} (0..${bars.length - 1})`, found: show(bar) }];
  const offset = v.offset ?? 0;
  if (offset + v.pages > size) return [{ path: v.offset === undefined ? `${at}.pages` : `${at}.offset`, expected: `a range within BAR ${bar}'s ${size} pages (offset + pages <= ${size}; vfio_pci_core_mmap returns -EINVAL past the BAR)`, found: `offset ${offset} + ${v.pages} pages` }];
  return [];
}

/** Validate parsed JSON against the scenario format. */
export function validateScenario(data: unknown): Validation {
  const shape = scanJson(data);
  if (shape.tooDeep) return { ok: false, errors: [shape.tooDeep] };
  const full = shape.values <= MAX_FULLY_CHECKED_VALUES;
  const validate = validator(full);
  if (!validate(data)) return { ok: false, errors: schemaErrors(validate.errors ?? []), ...(full ? {} : { partial: true }) };
  const scenario = data as ScenarioSpec;
  const errors = [...nestingErrors(scenario), ...referenceErrors(scenario)];
  return errors.length > 0 ? { ok: false, errors } : { ok: true, scenario };
}

/**
 * Validate scenario JSON text (a file, a citation's scenario, a permalink's):
 * a syntax error is returned with its line and column; otherwise the errors
 * are the duplicate keys and out-of-range numbers of the text (with
 * line:column), then those of {@link validateScenario}.
 */
export function validateScenarioText(text: string): Validation | { ok: false; syntax: JsonSyntaxError } {
  const read = readJsonText(text);
  if (!read.ok) return { ok: false, syntax: read.error };
  const v = validateScenario(read.value);
  if (read.errors.length === 0) return v;
  const inText = new Set(read.errors.map((e) => e.path));
  const rest = v.ok ? [] : v.errors.filter((e) => !inText.has(e.path));
  return { ok: false, errors: [...read.errors, ...rest], ...(read.partial || (!v.ok && v.partial) ? { partial: true } : {}) };
}

/** Validate or throw {@link ScenarioValidationError}. */
export function assertScenario(data: unknown, where?: string): ScenarioSpec {
  const v = validateScenario(data);
  if (!v.ok) throw new ScenarioValidationError(v.errors, where, v.partial);
  return v.scenario;
}

/** JSON pointer (`/tasks/0/ops`) to JSONPath (`$.tasks[0].ops`). */
function jsonPath(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<string>((path, seg) => memberPath(path, /^\d+$/.test(seg) ? Number(seg) : seg), "$");
}

const quoteAll = (xs: readonly unknown[]) => xs.map((x) => JSON.stringify(x)).join(", ");

/** Edit distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function oneOf(values: readonly string[], found: unknown): string {
  const near = typeof found === "string" ? values.filter((v) => distance(v, found) <= Math.max(1, Math.floor(v.length / 4)) && distance(v, found) < v.length) : [];
  return `one of ${quoteAll(values)}${near.length > 0 ? ` (did you mean ${quoteAll(near)}?)` : ""}`;
}

function describeKeyword(e: ErrorObject): { path: string; expected: string; found: string } {
  const path = jsonPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  const parent = e.parentSchema as { description?: string; properties?: Record<string, unknown>; oneOf?: { properties: Record<string, { const: string }> }[] };
  switch (e.keyword) {
    case "required":
      return { path: memberPath(path, String(p.missingProperty)), expected: "a value (required field)", found: "nothing" };
    case "additionalProperties":
      return {
        path: memberPath(path, String(p.additionalProperty)),
        expected: `no such field (allowed: ${Object.keys(parent.properties ?? {}).join(", ")})`,
        found: show((e.data as Record<string, unknown>)[String(p.additionalProperty)]),
      };
    case "discriminator": {
      const tag = String(p.tag);
      const values = (parent.oneOf ?? []).map((v) => v.properties[tag]!.const);
      return { path: `${path}.${tag}`, expected: oneOf(values, p.tagValue), found: show(p.tagValue) };
    }
    case "enum":
      return { path, expected: oneOf(p.allowedValues as string[], e.data), found: show(e.data) };
    case "const":
      return { path, expected: JSON.stringify(p.allowedValue), found: show(e.data) };
    case "type":
      return { path, expected: String(p.type), found: show(e.data) };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return { path, expected: `a number ${String(p.comparison)} ${String(p.limit)}`, found: show(e.data) };
    case "minItems":
      return { path, expected: `at least ${String(p.limit)} item(s)`, found: `${(e.data as unknown[]).length}` };
    case "maxItems":
      return { path, expected: `at most ${String(p.limit)} item(s)`, found: `${(e.data as unknown[]).length}` };
    case "minLength":
      return { path, expected: `a string of at least ${String(p.limit)} character(s)`, found: show(e.data) };
    case "maxLength":
      return { path, expected: `a string of at most ${String(p.limit)} characters`, found: `${(e.data as string).length} characters` };
    case "uniqueItems": {
      // Ajv names the two equal items in either order.
      const [first, again] = [Number(p.i), Number(p.j)].sort((a, b) => a - b);
      return { path: memberPath(path, again!), expected: `a value not already at [${first}] (no duplicates)`, found: show((e.data as unknown[])[again!]) };
    }
    case "pattern":
      return { path, expected: `a string matching /${String(p.pattern)}/`, found: show(e.data) };
    case "minProperties":
    case "maxProperties":
      return { path, expected: `exactly one field: ${parent.description ?? "see the schema"}`, found: show(e.data) };
    default:
      return { path, expected: parent.description ?? e.message ?? e.keyword, found: show(e.data) };
  }
}

/**
 * Ajv errors to {@link ScenarioError}s. An `anyOf` (a duration: integer or
 * distribution object; a page set: array or "all") reports the errors of the
 * branch an object or array takes, or one line naming what the union accepts.
 */
function schemaErrors(errors: readonly ErrorObject[]): ScenarioError[] {
  const out: ScenarioError[] = [];
  const consumed = new Set<number>();
  errors.forEach((e, i) => {
    if (e.keyword !== "anyOf") return;
    const under = (x: ErrorObject) => x.instancePath === e.instancePath || x.instancePath.startsWith(`${e.instancePath}/`);
    const branch: number[] = [];
    for (let j = i - 1; j >= 0 && !consumed.has(j) && under(errors[j]!); j--) branch.unshift(j);
    branch.forEach((j) => consumed.add(j));
    // An object or array took the one branch of its type: its errors say more than the union's description.
    const container = typeof e.data === "object" && e.data !== null;
    const otherBranch = (x: ErrorObject) => x.instancePath === e.instancePath && (x.keyword === "type" || x.keyword === "const");
    const kept = container ? branch.filter((j) => !otherBranch(errors[j]!)) : [];
    kept.forEach((j) => consumed.delete(j));
    if (kept.length === 0) out.push(describeKeyword(e));
    consumed.add(i);
  });
  errors.forEach((e, i) => {
    if (!consumed.has(i)) out.push(describeKeyword(e));
  });
  const seen = new Set<string>();
  return out
    .filter((e) => {
      const key = `${e.path}\u0000${e.expected}`;
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The most pages a scenario may model (all VMAs plus the kvm guest), so that any valid scenario runs in a browser tab. */
export const MAX_PAGES = 1 << 21;

/** The most pages all address spaces may map together, a fork's copies of the page tables included (about 2 GB of heap when every one is present). */
export const MAX_MAPPED_PAGES = 2 * MAX_PAGES;

/** Call `f` on every duration in the scenario, with its JSONPath. */
function walkDurations(s: ScenarioSpec, f: (d: DurationSpec, at: string) => void): void {
  const ops = (list: readonly OpSpec[], at: string): void =>
    list.forEach((op, j) => {
      if (op.op === "repeat") ops(op.ops, `${at}[${j}].ops`);
      else if (op.op === "fork") ops(op.child.ops, `${at}[${j}].child.ops`);
      else if ("ns" in op) f(op.ns, `${at}[${j}].ns`);
      else if ((op.op === "get_user_pages" || op.op === "collapse_huge_page") && op.pteNs !== undefined) f(op.pteNs, `${at}[${j}].pteNs`);
      else if (op.op === "move_pages" && op.copyNs !== undefined) f(op.copyNs, `${at}[${j}].copyNs`);
    });
  s.tasks.forEach((t, i) => ops(t.ops, `$.tasks[${i}].ops`));
  (s.mm?.vmas ?? []).forEach((v, i) => v.uffd && f(v.uffd.resolveNs, `$.mm.vmas[${i}].uffd.resolveNs`));
  (s.mm?.devices ?? []).forEach((d, i) => {
    if (d.pteNs !== undefined) f(d.pteNs, `$.mm.devices[${i}].pteNs`);
    if (d.zapNs !== undefined) f(d.zapNs, `$.mm.devices[${i}].zapNs`);
    if (d.resetNs !== undefined) f(d.resetNs, `$.mm.devices[${i}].resetNs`);
  });
  if (s.mm?.faultNs !== undefined) f(s.mm.faultNs, "$.mm.faultNs");
  if (s.mm?.io?.readpage !== undefined) f(s.mm.io.readpage, "$.mm.io.readpage");
  if (s.mm?.io?.swapin !== undefined) f(s.mm.io.swapin, "$.mm.io.swapin");
  if (s.mm?.io?.swapout !== undefined) f(s.mm.io.swapout, "$.mm.io.swapout");
  if (s.kvm?.computeNs !== undefined) f(s.kvm.computeNs, "$.kvm.computeNs");
}

/** What a page index of a VMA of `pages` pages must be. */
/** A schedule entry naming an interrupt (a timer: `blk#2`) rather than a task. */
const TIMER_CHOICE = /#[1-9][0-9]*$/;

const pageOf = (pages: number) => `a page index within the VMA's ${pages} page${pages === 1 ? "" : "s"} (0..${pages - 1})`;

/**
 * Pages past the VMA, and pages in two of the disjoint sets `keys` (resident,
 * swapped and swapcache of an anon VMA): a page has one state at the start,
 * and the run would otherwise hold a mapped folio with no PTE. "all" is every
 * page, so it overlaps any other set that names a page.
 */
function pageStateErrors(v: VmaSpecT, keys: readonly ("resident" | "swapped" | "swapcache" | "hwpoison" | "pagecache" | "mapped")[], at: string): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const owner = new Map<number, string>();
  let all: string | null = null;
  for (const key of keys) {
    const set = v[key];
    if (set === undefined) continue;
    const earlier = all ?? owner.values().next().value;
    if (set === "all") {
      if (earlier !== undefined) errors.push({ path: `${at}.${key}`, expected: `a set of pages not in ${earlier} ("all" is every page, and a page has one state)`, found: show(set) });
      all ??= key;
      continue;
    }
    set.forEach((p, j) => {
      if (p >= v.pages) errors.push({ path: `${at}.${key}[${j}]`, expected: pageOf(v.pages), found: show(p) });
      else if (all !== null || owner.has(p)) errors.push({ path: `${at}.${key}[${j}]`, expected: `a page not already in ${all ?? owner.get(p)}${all !== null ? ' (it is "all")' : ""}`, found: show(p) });
      else owner.set(p, key);
    });
  }
  return errors;
}

/** mmap ops: each on a deferred VMA, once, from one of the scenario's own tasks (the VMA is the first address space's), outside repeat. */
function mmapErrors(s: ScenarioSpec, mmaps: readonly { vma: string; at: string; ok: boolean }[]): ScenarioError[] {
  const deferred = new Set((s.mm?.vmas ?? []).filter((v) => v.deferred).map((v) => v.name));
  const seen = new Set<string>();
  return mmaps.flatMap((m): ScenarioError[] => {
    if (!m.ok) return [{ path: `${m.at}.op`, expected: "mmap only in the scenario's own tasks and outside repeat (one mmap of the first address space's VMA)", found: '"mmap"' }];
    if (!deferred.has(m.vma)) return [{ path: `${m.at}.vma`, expected: `a vfio-bar VMA with "deferred": true (the others are mapped at the start)${deferred.size > 0 ? `: ${oneOf([...deferred], m.vma)}` : ""}`, found: show(m.vma) }];
    if (seen.has(m.vma)) return [{ path: `${m.at}.vma`, expected: "a deferred VMA no other mmap op maps", found: show(m.vma) }];
    seen.add(m.vma);
    return [];
  });
}

/** The names of the tasks a postcopy section spawns. */
function postcopyTasks(p: NonNullable<ScenarioSpec["postcopy"]>): string[] {
  const uffds = p.uffds === "per-vcpu" ? p.vcpus : 1;
  const readers = p.readers ?? 1;
  return [
    ...Array.from({ length: p.vcpus }, (_, i) => `vcpu${i}`),
    ...Array.from({ length: uffds * readers }, (_, i) => `uffd${Math.floor(i / readers)}/reader${i % readers}`),
    ...(p.link ? ["source", "postcopy/listen"] : []),
    "vmm",
  ];
}

/** A postcopy section: alone (no kvm guest, no guest VMA), page states that exist in its mode, costs it can hold. */
function postcopyErrors(s: ScenarioSpec): ScenarioError[] {
  const p = s.postcopy;
  if (!p) return [];
  const errors: ScenarioError[] = [];
  if (s.kvm) errors.push({ path: "$.postcopy", expected: "a postcopy section or a kvm section, not both", found: "both" });
  if (s.mm?.vmas.some((v) => /^guest\d*$/.test(v.name))) errors.push({ path: "$.mm.vmas", expected: "no VMA named guest or guestN: the postcopy section creates them", found: "a guest VMA" });
  if ((p.swapped ?? 0) > 0 && (p.mode ?? "MINOR") === "MINOR") errors.push({ path: "$.postcopy.swapped", expected: "0 in MINOR mode (shmem swap is not modelled); use mode MISSING", found: show(p.swapped) });
  if ((p.dontneed ?? 0) + (p.swapped ?? 0) > 1) errors.push({ path: "$.postcopy.swapped", expected: `at most ${1 - (p.dontneed ?? 0)} (dontneed + swapped <= 1)`, found: show(p.swapped) });
  return errors;
}

/** Patches: each applies to the profiles with the code it was written against. */
function patchErrors(s: ScenarioSpec): ScenarioError[] {
  const name_ = s.profile ?? DEFAULT_PROFILE;
  return (s.patches ?? []).flatMap((name, i): ScenarioError[] => {
    const p = patch(name);
    const rival = ALTERNATIVES.find((set) => set.includes(name))?.find((other) => other !== name && s.patches!.indexOf(other) >= 0 && s.patches!.indexOf(other) < i);
    if (rival) return [{ path: `$.patches[${i}]`, expected: `one of ${rival} and ${name}, not both: they are alternatives`, found: show(name) }];
    if (p.profiles.includes(name_)) return [];
    return [{ path: `$.patches[${i}]`, expected: `a profile with the code ${p.author}'s ${p.date} patch was written against: ${p.profiles.join(", ")}`, found: `${show(name)} on ${name_}` }];
  });
}

/** Checks that need the whole document: names defined once, references resolve, lock kinds match. */
function referenceErrors(s: ScenarioSpec): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const locks = new Map<string, string>();
  (s.locks ?? []).forEach((l, i) => {
    if (locks.has(l.name)) errors.push({ path: `$.locks[${i}].name`, expected: "a lock name not used before", found: show(l.name) });
    if (s.mm && l.name === "mmap_lock") errors.push({ path: `$.locks[${i}].name`, expected: "a name other than mmap_lock, which the mm section provides", found: show(l.name) });
    locks.set(l.name, l.kind);
  });
  if (s.mm) locks.set("mmap_lock", "rwsem");
  const vmas = new Map<string, number>();
  const readOnly = new Set<string>();
  const vmaKinds = new Map<string, string>();
  const devices = deviceErrors(s, errors);
  (s.mm?.vmas ?? []).forEach((v, i) => {
    const at = `$.mm.vmas[${i}]`;
    if (vmas.has(v.name)) errors.push({ path: `${at}.name`, expected: "a VMA name not used before", found: show(v.name) });
    vmas.set(v.name, v.pages);
    if (v.writable === false) readOnly.add(v.name);
    const kind = vmaKind(v);
    vmaKinds.set(v.name, kind);
    if (v.uffd && kind !== "anon") errors.push({ path: `${at}.uffd`, expected: "userfaultfd on a private anon VMA only (MISSING mode on anonymous memory)", found: `a ${kind} VMA` });
    const [sets, other] = VMA_PAGE_SETS[kind];
    if ((kind === "file" || kind === "shmem") && v.size !== undefined) {
      const past = [...pageSet(v.pagecache, v.pages), ...pageSet(v.mapped, v.pages)].filter((p) => p >= v.size!);
      if (past.length > 0) errors.push({ path: `${at}.size`, expected: `a size above every cached page (${Math.max(...past)} is cached)`, found: show(v.size) });
    }
    if (v.kind === "file" && v.pgReadahead !== undefined) {
      const cached = new Set([...pageSet(v.pagecache, v.pages), ...pageSet(v.mapped, v.pages)]);
      pageSet(v.pgReadahead, v.pages).forEach((p, j) => {
        if (!cached.has(p)) errors.push({ path: `${at}.pgReadahead${v.pgReadahead === "all" ? "" : `[${j}]`}`, expected: "a page in pagecache or mapped (PG_readahead marks a cached folio)", found: show(p) });
      });
    }
    errors.push(...vfioBarErrors(v, kind, devices, at));
    // fw_device_op_mmap(): "if (!(vma->vm_flags & VM_SHARED)) return -EINVAL;".
    if (kind === "mixedmap" && v.shared === false) errors.push({ path: `${at}.shared`, expected: "true or no shared (fw_device_op_mmap refuses a MAP_PRIVATE mapping with -EINVAL)", found: show(v.shared) });
    for (const key of other) if (v[key] !== undefined) errors.push({ path: `${at}.${key}`, expected: `no ${key} on ${kind === "anon" ? "an" : "a"} ${kind} VMA${sets.length > 0 ? ` (use ${sets.join(", ")})` : ""}`, found: show(v[key]) });
    if (v.eio !== undefined && v.eio !== "all") {
      const swapped = new Set(v.kind === "anon" ? pageSet(v.swapped, v.pages) : []);
      v.eio.forEach((p, j) => {
        if (p >= v.pages) errors.push({ path: `${at}.eio[${j}]`, expected: pageOf(v.pages), found: show(p) });
        else if (v.kind === "anon" && !swapped.has(p)) errors.push({ path: `${at}.eio[${j}]`, expected: "a swapped page (on an anon VMA only swap-in reads can fail)", found: show(p) });
      });
    }
    // A file VMA's mapped pages are in its page cache too: naming one in both says the same.
    if (v.kind === "anon") errors.push(...pageStateErrors(v, sets, at));
    else for (const key of sets) errors.push(...pageStateErrors(v, [key], at));
  });
  if (s.property) {
    const { from, count } = s.property.seeds;
    if (from + count - 1 > MAX_SEED) errors.push({ path: "$.property.seeds.count", expected: `a seed range ending at ${MAX_SEED} at most: count <= ${MAX_SEED - from + 1} from ${from}`, found: show(count) });
  }
  if (s.tasks.length === 0 && !s.kvm && !s.postcopy) errors.push({ path: "$.tasks", expected: "at least 1 task (or a kvm or postcopy section)", found: "0" });
  errors.push(...postcopyErrors(s));
  if (s.kvm && s.mm?.vmas.some((v) => v.name === "guest")) errors.push({ path: "$.mm.vmas", expected: "no VMA named guest: the kvm section creates it", found: '"guest"' });
  const reserved = new Set<string>();
  const vcpus = new Set(Array.from({ length: s.kvm?.vcpus ?? 0 }, (_, i) => `vcpu${i}`));
  for (const v of vcpus) reserved.add(v);
  if (s.postcopy) for (const name of postcopyTasks(s.postcopy)) reserved.add(name);
  for (const v of s.mm?.vmas ?? []) if (v.uffd) reserved.add(`uffd:${v.name}`);
  const totalPages = (s.mm?.vmas ?? []).reduce((n, v) => n + v.pages, 0) + (s.kvm ? s.kvm.vcpus * s.kvm.procs * s.kvm.pagesPerProc : 0) + (s.postcopy ? s.postcopy.vcpus * s.postcopy.pagesPerVcpu : 0);
  if (totalPages > MAX_PAGES) errors.push({ path: s.kvm ? "$.kvm" : s.postcopy ? "$.postcopy" : "$.mm.vmas", expected: `at most ${MAX_PAGES} pages in all VMAs and the guest`, found: `${totalPages}` });
  walkDurations(s, (d, at) => {
    if (typeof d === "object" && d.dist === "uniform" && d.min > d.max) errors.push({ path: `${at}.max`, expected: `a value >= min (${d.min})`, found: show(d.max) });
  });
  const tasks = new Set<string>();
  const forked = new Set<string>();
  const forks = JSON.stringify(s.tasks).includes('"op":"fork"');
  const holds = new Map<string, { kind: "get" | "pin"; write: boolean }>();
  const puts: { name: string; at: string; op: string; repeated: boolean }[] = [];
  const remotes: { name: string; at: string }[] = [];
  const addTask = (name: string, at: string) => {
    if (tasks.has(name)) errors.push({ path: at, expected: "a task name not used before", found: show(name) });
    if (reserved.has(name)) errors.push({ path: at, expected: "a name other than those the kvm and uffd sections give their tasks", found: show(name) });
    tasks.add(name);
  };
  const mmaps: { vma: string; at: string; ok: boolean }[] = [];
  s.tasks.forEach((t, i) => {
    addTask(t.name, `$.tasks[${i}].name`);
    const walk = (ops: readonly OpSpec[], at: string, repeated = false, child = false) =>
      ops.forEach((op, j) => {
        if (op.op === "repeat") return walk(op.ops, `${at}[${j}].ops`, true, child);
        if (op.op === "mmap") mmaps.push({ vma: op.vma, at: `${at}[${j}]`, ok: !child && !repeated });
        if (op.op === "mremap" && (child || forks)) errors.push({ path: `${at}[${j}].op`, expected: "mremap only in a scenario without fork (a VMA's name follows its move in every process, so a move in one process would retarget the other's ops)", found: '"mremap"' });
        if (op.op === "exit" && !child) errors.push({ path: `${at}[${j}]`, expected: "exit only in a fork child's ops (the scenario's own tasks share the first address space)", found: '"exit"' });
        if (repeated && (op.op === "fork" || (op.op === "get_user_pages" && op.hold !== undefined))) {
          errors.push({ path: `${at}[${j}]${op.op === "fork" ? ".op" : ".hold"}`, expected: `no ${op.op === "fork" ? "fork" : "hold"} inside repeat (each run would need a new ${op.op === "fork" ? "child task" : "page-set"} name)`, found: op.op === "fork" ? '"fork"' : show(op.hold) });
        }
        if (op.op === "fork") {
          if (!s.mm) errors.push({ path: `${at}[${j}].op`, expected: 'an "mm" section for fork', found: "none" });
          if (op.child.ops.length === 0) errors.push({ path: `${at}[${j}].child.ops`, expected: "at least 1 op for the child", found: "0" });
          addTask(op.child.name, `${at}[${j}].child.name`);
          forked.add(op.child.name);
          return walk(op.child.ops, `${at}[${j}].child.ops`, repeated, true);
        }
        if (op.op === "put_page" || op.op === "unpin_user_pages" || op.op === "dma_write" || op.op === "dma_read") return void puts.push({ name: op.pages, at: `${at}[${j}].pages`, op: op.op, repeated });
        if (op.op === "get_user_pages" && op.hold !== undefined) {
          if (holds.has(op.hold)) errors.push({ path: `${at}[${j}].hold`, expected: "a page-set name not held by another op", found: show(op.hold) });
          holds.set(op.hold, { kind: op.call.startsWith("pin_") ? "pin" : "get", write: (op.flags ?? []).includes("WRITE") });
        }
        if (op.op === "get_user_pages" && op.task !== undefined) {
          if (!op.call.endsWith("_remote")) errors.push({ path: `${at}[${j}].task`, expected: "task only with get_user_pages_remote or pin_user_pages_remote", found: `task with ${op.call}` });
          remotes.push({ name: op.task, at: `${at}[${j}].task` });
        }
        if (op.op === "kill") remotes.push({ name: op.task, at: `${at}[${j}].task` });
        if ("device" in op && DEVICE_OPS.has(op.op) && !devices.has(op.device)) {
          errors.push({ path: `${at}[${j}].device`, expected: `a device declared in $.mm.devices: ${devices.size > 0 ? oneOf([...devices.keys()], op.device) : "there is none"}`, found: show(op.device) });
        } else if (op.op === "vfio_pci_bar_read") {
          const bars = devices.get(op.device)!;
          if (op.bar >= bars.length) errors.push({ path: `${at}[${j}].bar`, expected: `a BAR of ${op.device} (0..${bars.length - 1})`, found: show(op.bar) });
          else if (op.offset >= bars[op.bar]!) errors.push({ path: `${at}[${j}].offset`, expected: `a page within BAR ${op.bar}'s ${bars[op.bar]} pages`, found: show(op.offset) });
        }
        if (op.op === "get_user_pages" && op.locked && !op.call.endsWith("_remote")) errors.push({ path: `${at}[${j}].locked`, expected: "locked only with get_user_pages_remote or pin_user_pages_remote", found: `locked with ${op.call}` });
        if (op.op === "get_user_pages" && op.pteNs !== undefined && !op.call.endsWith("_fast")) errors.push({ path: `${at}[${j}].pteNs`, expected: "pteNs only with get_user_pages_fast or pin_user_pages_fast", found: `pteNs with ${op.call}` });
        if (op.op === "get_user_pages" && op.pages === false && (op.call.endsWith("_fast") || op.call.startsWith("pin_"))) errors.push({ path: `${at}[${j}].pages`, expected: `a pages array for ${op.call} (${op.call.startsWith("pin_") ? "FOLL_PIN needs one" : "it has no pages == NULL form"})`, found: "false" });
        if (op.op === "get_user_pages" && op.pages === false && op.hold !== undefined) errors.push({ path: `${at}[${j}].hold`, expected: "no hold with pages: false (a prefault returns no pages)", found: show(op.hold) });
        if (op.op === "ksm_merge") {
          const pages = vmas.get(op.with.vma);
          if (pages === undefined) errors.push({ path: `${at}[${j}].with.vma`, expected: `a VMA declared in $.mm.vmas: ${oneOf([...vmas.keys()], op.with.vma)}`, found: show(op.with.vma) });
          else if (op.with.page >= pages) errors.push({ path: `${at}[${j}].with.page`, expected: pageOf(pages), found: show(op.with.page) });
        }
        if ("vma" in op) {
          const pages = vmas.get(op.vma);
          if (!s.mm) errors.push({ path: `${at}[${j}].op`, expected: `an "mm" section for ${op.op}`, found: "none" });
          else if (pages === undefined) errors.push({ path: `${at}[${j}].vma`, expected: `a VMA declared in $.mm.vmas: ${oneOf([...vmas.keys()], op.vma)}`, found: show(op.vma) });
          else if ("page" in op && op.page >= pages) errors.push({ path: `${at}[${j}].page`, expected: pageOf(pages), found: show(op.page) });
          const kind = vmaKinds.get(op.vma);
          if ((op.op === "uprobe_register" || op.op === "uprobe_unregister") && kind !== undefined && !INODE_KINDS.has(kind)) {
            // uprobe_register() takes an inode and an offset: of the model's VMAs only file and shmem ones have a vm_file.
            const files = [...vmaKinds].filter(([, k]) => INODE_KINDS.has(k)).map(([n]) => n);
            errors.push({ path: `${at}[${j}].vma`, expected: `a VMA of kind file or shmem (a uprobe probes a file's inode at an offset): ${files.length > 0 ? oneOf(files, op.vma) : "there is none"}`, found: `${show(op.vma)}, ${kind === "anon" ? "an" : "a"} ${kind} VMA` });
          }
          if (op.op === "handle_mm_fault" && op.flags.includes("WRITE") && readOnly.has(op.vma)) {
            // Its kernel callers refuse such a write first: access_error(), check_vma_flags(), vma_permits_fault().
            errors.push({ path: `${at}[${j}].flags`, expected: "no WRITE on a VMA without VM_WRITE (callers of handle_mm_fault check vm_flags first)", found: `WRITE on ${show(op.vma)}, writable: false` });
          }
          return;
        }
        if (!("lock" in op)) return;
        const want = LOCK_OPS[op.op];
        const kind = locks.get(op.lock);
        if (kind === undefined) {
          const names = [...locks.keys()];
          errors.push({ path: `${at}[${j}].lock`, expected: names.length > 0 ? `a lock declared in $.locks: ${oneOf(names, op.lock)}` : "a lock declared in $.locks (there are none)", found: show(op.lock) });
        } else if (kind !== want) {
          errors.push({ path: `${at}[${j}].lock`, expected: `a ${want} for ${op.op}()`, found: `${show(op.lock)}, a ${kind}` });
        }
      });
    walk(t.ops, `$.tasks[${i}].ops`);
  });
  errors.push(...mmapErrors(s, mmaps), ...patchErrors(s));
  const mmPages = (s.mm?.vmas ?? []).reduce((n, v) => n + v.pages, 0);
  if (mmPages * (1 + forked.size) > MAX_MAPPED_PAGES) {
    errors.push({ path: "$.mm.vmas", expected: `at most ${MAX_MAPPED_PAGES} pages in all address spaces (fork copies the page tables: VMA pages x (1 + ${forked.size} forks))`, found: `${mmPages} x ${1 + forked.size}` });
  }
  const released = new Set<string>();
  for (const p of puts) {
    const held = holds.get(p.name);
    const release = p.op === "put_page" || p.op === "unpin_user_pages";
    // A second release drops references GUP never took: the refcount underflows (the kernel's VM_BUG_ON / WARN in folio_put / unpin).
    if (release && held !== undefined && (released.has(p.name) || p.repeated)) {
      errors.push({ path: p.at, expected: `a page set released once (${p.repeated ? "a release inside repeat runs more than once" : "it was released before"})`, found: show(p.name) });
      continue;
    }
    if (release) released.add(p.name);
    const kind = held?.kind;
    if (held === undefined) errors.push({ path: p.at, expected: holds.size > 0 ? `a page set a GUP op holds: ${oneOf([...holds.keys()], p.name)}` : "a page set a GUP op holds (none has hold)", found: show(p.name) });
    else if (p.op === "put_page" && kind === "pin") errors.push({ path: p.at, expected: "a page set a get_user_pages* op holds (pinned pages are released with unpin_user_pages)", found: `${show(p.name)}, pinned` });
    else if (p.op === "unpin_user_pages" && kind === "get") errors.push({ path: p.at, expected: "a page set a pin_user_pages* op holds (referenced pages are released with put_page)", found: `${show(p.name)}, from get_user_pages*` });
    else if (p.op === "dma_write" && !held.write) errors.push({ path: p.at, expected: "a page set taken with FOLL_WRITE (a device writes only to pages GUP made writable for it; a read-only one may be the zero page or a KSM page)", found: `${show(p.name)}, taken without WRITE` });
  }
  for (const r of remotes) if (!tasks.has(r.name)) errors.push({ path: r.at, expected: oneOf([...tasks], r.name), found: show(r.name) });
  const finals = (p: PredicateSpec | undefined, at: string): void => {
    if (!p) return;
    if (p.final?.task !== undefined && !forked.has(p.final.task)) errors.push({ path: `${at}.final.task`, expected: forked.size > 0 ? `a task made by fork: ${oneOf([...forked], p.final.task)}` : "a task made by fork (there is none)", found: show(p.final.task) });
    if (p.final) {
      const pages = vmas.get(p.final.vma);
      if (pages === undefined) errors.push({ path: `${at}.final.vma`, expected: `a VMA declared in $.mm.vmas: ${oneOf([...vmas.keys()], p.final.vma)}`, found: show(p.final.vma) });
      else if (p.final.page >= pages) errors.push({ path: `${at}.final.page`, expected: pageOf(pages), found: show(p.final.page) });
    }
    p.all?.forEach((q, i) => finals(q, `${at}.all[${i}]`));
    p.any?.forEach((q, i) => finals(q, `${at}.any[${i}]`));
    finals(p.not, `${at}.not`);
  };
  finals(s.property?.exists, "$.property.exists");
  for (const name of reserved) tasks.add(name);
  // An event pattern naming no task of the scenario matches nothing: with "never" the property would hold vacuously.
  const patternTask = (m: { task?: string } | undefined, at: string): void => {
    if (m?.task !== undefined && !tasks.has(m.task) && !APF_WORKER.test(m.task)) errors.push({ path: `${at}.task`, expected: `a task of the scenario: ${oneOf([...tasks], m.task)}`, found: show(m.task) });
  };
  const patterns = (p: PredicateSpec | undefined, at: string): void => {
    if (!p) return;
    patternTask(p.event, `${at}.event`);
    p.before?.forEach((m, i) => patternTask(m, `${at}.before[${i}]`));
    patternTask(p.count?.event, `${at}.count.event`);
    p.all?.forEach((q, i) => patterns(q, `${at}.all[${i}]`));
    p.any?.forEach((q, i) => patterns(q, `${at}.any[${i}]`));
    patterns(p.not, `${at}.not`);
  };
  patterns(s.property?.exists, "$.property.exists");
  (s.schedule ?? []).forEach((name, i) => {
    const apf = APF_WORKER.exec(name);
    if (!apf && TIMER_CHOICE.test(name)) {
      if (s.interleave !== "any") errors.push({ path: `$.schedule[${i}]`, expected: `a task name (an interrupt such as ${name} is a choice only with "interleave": "any")`, found: show(name) });
    } else if (apf) {
      if (!vcpus.has(apf[1]!)) errors.push({ path: `$.schedule[${i}]`, expected: s.kvm ? `an async page fault worker of a vCPU of $.kvm (vcpu0 .. vcpu${s.kvm.vcpus - 1})` : "async page fault workers only with a kvm section", found: show(name) });
    } else if (!tasks.has(name)) errors.push({ path: `$.schedule[${i}]`, expected: oneOf([...tasks], name), found: show(name) });
  });
  return errors;
}

/** Decode (scenario/permalink.ts) and validate a permalink payload; every failure is a message, never an exception. */
export function decodePermalink(payload: string): { ok: true; scenario: ScenarioSpec } | { ok: false; error: string } {
  const d = inflateCompact(payload, "permalink");
  if (!d.ok) return d;
  const v = validateScenarioText(d.json);
  if (v.ok) return v;
  if ("syntax" in v) return { ok: false, error: `permalink scenario is not JSON: ${v.syntax.line}:${v.syntax.column}: ${v.syntax.message}` };
  return { ok: false, error: `permalink scenario is invalid:\n${formatErrors(v.errors, { partial: v.partial }).join("\n")}` };
}
