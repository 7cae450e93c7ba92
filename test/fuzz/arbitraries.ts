// Valid scenarios generated from the published schema: every op variant of
// jsonSchema() (so an op added to the format is generated without an edit
// here), VMAs of every kind, locks of every kind, the kvm section, profiles,
// policies, schedules and properties; values drawn within the schema's
// bounds, kept small where a bound is about size (pages, counts, steps) so a
// run takes milliseconds. What a schema cannot say (names that must refer to
// a declared VMA, lock, task or page set; page sets per VMA kind; fields that
// go with one GUP entry point only) is chosen from the scenario being built,
// or repaired after; the fuzz properties check that the result validates.
import fc from "fast-check";
import { jsonSchema, LOCK_OPS, MAX_OP_NESTING, MAX_SEED, type OpSpec, type PredicateSpec, type ScenarioSpec, type VmaSpecT } from "../../src/scenario/index.js";
import { vmaKind } from "../../src/scenario/vma.js";
import { DEFAULT_PROFILE } from "../../src/profiles/index.js";
import { ALTERNATIVES, patch } from "../../src/profiles/patches.js";

/** The part of JSON Schema the scenario schema uses. */
export interface Schema {
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly type?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly items?: Schema | readonly Schema[];
  readonly uniqueItems?: boolean;
  readonly minItems?: number;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly $ref?: string;
  readonly $id?: string;
}

const SCHEMA = jsonSchema() as Schema;
const prop = (s: Schema, ...keys: string[]): Schema => keys.reduce((x, k) => (k === "items" ? (x.items as Schema) : x.properties![k]!), s);

/** The op variants of the published schema, by op name. */
export const OP_VARIANTS: ReadonlyMap<string, Schema> = new Map(prop(SCHEMA, "tasks", "items", "ops", "items").oneOf!.map((v) => [v.properties!.op!.const as string, v]));
/** The VMA kinds of the published schema. */
export const VMA_KINDS = prop(SCHEMA, "mm", "vmas", "items", "kind").enum as readonly VmaSpecT["kind"][];

/** Upper bounds above a field's minimum for fields whose schema range is about size or time; other integers get {@link DEFAULT_SPAN}. */
const SPANS: Readonly<Record<string, number>> = { nr_pages: 5, count: 3, pages: 11, size: 15, vcpus: 2, procs: 2, pagesPerProc: 7, accesses: 19, maxSteps: 20_000, switchNs: 10_000 };
/** Integers the schema bounds widely (nanoseconds, counts of a predicate) are drawn from [min, min + DEFAULT_SPAN]. */
const DEFAULT_SPAN = 100_000;
/** Fields drawn over their whole schema range. */
const FULL_RANGE = new Set(["seed", "from"]);

/** A value of `schema` (the field `key` of its parent object), within its bounds. */
export function fromSchema(schema: Schema, key = ""): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => fromSchema(s, key)));
  if (schema.oneOf) return fc.oneof(...schema.oneOf.map((s) => fromSchema(s, key)));
  switch (schema.type) {
    case "boolean":
      return fc.boolean();
    case "integer": {
      const min = schema.minimum ?? 0;
      const max = Math.min(schema.maximum ?? Number.MAX_SAFE_INTEGER, FULL_RANGE.has(key) ? Infinity : min + (SPANS[key] ?? DEFAULT_SPAN));
      return fc.integer({ min, max });
    }
    case "number":
      return fc.double({ min: schema.minimum ?? 0, max: schema.maximum ?? 1, noNaN: true });
    case "string": {
      const maxLength = Math.min(schema.maxLength ?? 40, 40);
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= maxLength && s.length >= (schema.minLength ?? 0));
      return fc.string({ minLength: schema.minLength ?? 0, maxLength, unit: "grapheme" });
    }
    case "array": {
      const items = schema.items;
      if (Array.isArray(items)) return fc.tuple(...items.map((s) => fromSchema(s, key)));
      const item = fromSchema(items as Schema, key);
      const size = { minLength: schema.minItems ?? 0, maxLength: Math.max(schema.minItems ?? 0, 3) };
      return schema.uniqueItems ? fc.uniqueArray(item, { ...size, selector: (x) => JSON.stringify(x) }) : fc.array(item, size);
    }
    case "object":
      return objectOf(schema);
    default:
      // No type: any JSON value (an event's ret).
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/**
 * An object of `schema`: its required fields and those in `present`, and
 * each other field or not; `fields` replaces the arbitrary of the fields it
 * names (one that gives undefined leaves its field out).
 */
export function objectOf(schema: Schema, fields: Readonly<Record<string, fc.Arbitrary<unknown>>> = {}, present: readonly string[] = []): fc.Arbitrary<Record<string, unknown>> {
  const props = schema.properties ?? {};
  const arbs = Object.fromEntries(Object.keys(props).map((k) => [k, fields[k] ?? fromSchema(props[k]!, k)]));
  return fc
    .record(arbs, { requiredKeys: [...(schema.required ?? []), ...present] })
    .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))) as fc.Arbitrary<Record<string, unknown>>;
}

/** Names and shapes the ops of a scenario can refer to. */
interface Context {
  readonly vmas: readonly VmaSpecT[];
  /** The vfio-pci devices (`mm.devices`) by name. */
  readonly devices: readonly string[];
  readonly locks: readonly { name: string; kind: "rwsem" | "mutex" }[];
  readonly tasks: readonly string[];
}

/** Where an op list is: how deep, inside a repeat (no fork, no hold), inside a fork child (exit allowed). */
interface Place {
  readonly level: number;
  readonly repeated: boolean;
  readonly child: boolean;
}

/** A page set of a VMA of `pages` pages, drawn from `free` (pages no other set of the VMA has). */
const pageSubset = (free: readonly number[]) => fc.subarray([...free]);

/** A VMA of `kind` named `name`: the page sets its kind takes, disjoint where a page has one state. */
function vmaArb(name: string, kind: VmaSpecT["kind"]): fc.Arbitrary<VmaSpecT> {
  const vma = prop(SCHEMA, "mm", "vmas", "items");
  return objectOf(vma, {
    name: fc.constant(name),
    kind: fc.constant(kind),
    // A shared anon VMA is shmem; a pfnmap, mixedmap or vfio-bar is always shared.
    ...(kind === "pfnmap" || kind === "mixedmap" || kind === "vfio-bar" ? { shared: fc.constant(true) } : {}),
  }).chain((raw) => {
    // A vfio-bar VMA maps BAR 0 of device d0 (VFIO_DEVICE), within its pages.
    const bar = kind === "vfio-bar" ? { device: VFIO_DEVICE.name, bar: 0, offset: (raw.pages as number) % 2, ...(raw.deferred === undefined ? {} : { deferred: raw.deferred }) } : {};
    const v = { name, kind, ...(raw.shared === undefined ? {} : { shared: raw.shared }), ...(raw.writable === undefined ? {} : { writable: raw.writable }), ...(raw.exec === undefined ? {} : { exec: raw.exec }), pages: raw.pages, ...bar } as VmaSpecT;
    const all = Array.from({ length: v.pages }, (_, i) => i);
    switch (vmaKind(v)) {
      case "anon":
        // resident, swapped and swapcache are disjoint: deal each page to one state or none; eio only on swapped pages.
        return fc.tuple(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: v.pages, maxLength: v.pages }), fc.boolean(), fc.option(objectOf(prop(vma, "uffd")), { nil: undefined }), fc.boolean()).chain(([deal, useAll, uffd, eio]) => {
          const sets = ["resident", "swapped", "swapcache"].map((_, s) => all.filter((p) => deal[p] === s + 1));
          const out: VmaSpecT = { ...v, resident: sets[0]!, swapped: sets[1]!, swapcache: sets[2]!, ...(kind === "anon" && !v.shared && uffd ? { uffd: uffd as VmaSpecT["uffd"] } : {}) };
          if (useAll && sets.every((s) => s.length === 0)) out.resident = "all";
          return eio ? pageSubset(sets[1]!).map((e) => ({ ...out, eio: e })) : fc.constant(out);
        });
      case "file":
      case "shmem": {
        const file = vmaKind(v) === "file";
        // Shared anonymous memory (shmem by kind anon) takes pagecache and mapped as disjoint sets, as anon's page states are.
        const deal = kind === "anon" ? fc.array(fc.integer({ min: 0, max: 2 }), { minLength: v.pages, maxLength: v.pages }).map((d) => [all.filter((p) => d[p] === 1), all.filter((p) => d[p] === 2)] as const) : fc.tuple(pageSubset(all), pageSubset(all));
        return fc.tuple(deal, fc.integer({ min: 0, max: 3 }), fc.option(fc.boolean(), { nil: undefined }), fc.boolean()).chain(([[cached, mapped], extra, readahead, eio]) => {
          const top = Math.max(-1, ...cached, ...mapped) + 1;
          const out: VmaSpecT = { ...v, pagecache: cached, mapped, size: top + extra };
          if (!file) return fc.constant(out);
          if (readahead !== undefined) out.readahead = readahead;
          return fc.tuple(pageSubset([...new Set([...cached, ...mapped])]), eio ? pageSubset(all) : fc.constant(undefined)).map(([pg, bad]) => ({ ...out, pgReadahead: pg, ...(bad ? { eio: bad } : {}) }));
        });
      }
      default:
        return fc.constant(v);
    }
  });
}

/** The device vfio-bar VMAs map: one BAR larger than any generated VMA (pages <= 12, offset <= 1). */
const VFIO_DEVICE = { name: "d0", bars: [{ pages: 16 }] } as const;
/** An SR-IOV VF of VFIO_DEVICE, declared after it, with a BAR of the same size (device ops may name it). */
const VFIO_VF = { name: "d1", physfn: VFIO_DEVICE.name, bars: VFIO_DEVICE.bars } as const;

/** A page of one of the VMAs, as an op's (or a predicate's) vma and page. */
const targetArb = (ctx: Context) => fc.constantFrom(...ctx.vmas).chain((v) => fc.integer({ min: 0, max: v.pages - 1 }).map((page) => ({ vma: v.name, page, writable: v.writable !== false })));

/** The ops whose VMA must map a file (uprobe_register() takes an inode and an offset). */
const UPROBE_OPS: ReadonlySet<string> = new Set(["uprobe_register", "uprobe_unregister"]);
/** The VMAs that map a file (kind file, or shmem as mapped). */
const fileVmas = (ctx: Context) => ctx.vmas.filter((v) => vmaKind(v) === "file" || vmaKind(v) === "shmem");

/** The vfio-bar VMAs mapped by an mmap op rather than at the start. */
const deferredVmas = (ctx: Context) => ctx.vmas.filter((v) => v.deferred === true);

/** The op variants that can appear at `place` in a scenario of `ctx`. */
function variantsAt(ctx: Context, place: Place): string[] {
  return [...OP_VARIANTS.entries()]
    .filter(([op, schema]) => {
      if (op in LOCK_OPS) return ctx.locks.some((l) => l.kind === LOCK_OPS[op as keyof typeof LOCK_OPS]);
      // The validator keeps mremap to scenarios without fork (the VMA's name follows the move for every process).
      if (op === "mremap") return !place.child && ctx.vmas.length > 0;
      // An mmap maps a deferred BAR VMA of the first address space, once (a second one is repaired away).
      if (op === "mmap") return !place.child && !place.repeated && deferredVmas(ctx).length > 0;
      if (UPROBE_OPS.has(op)) return fileVmas(ctx).length > 0;
      if ("device" in schema.properties! && ctx.devices.length === 0) return false;
      if ("vma" in schema.properties!) return ctx.vmas.length > 0;
      if (op === "exit") return place.child;
      if (op === "fork") return !place.repeated && ctx.vmas.length > 0 && place.level < MAX_OP_NESTING;
      if (op === "repeat") return place.level < MAX_OP_NESTING;
      return true;
    })
    .map(([op]) => op);
}

/** An op list at `place`: fewer ops the deeper it is. */
function opsArb(ctx: Context, place: Place, minLength = 0): fc.Arbitrary<OpSpec[]> {
  const maxLength = Math.max(minLength, place.level <= 1 ? 6 : place.level <= 3 ? 2 : 1);
  return fc.array(opArb(ctx, place), { minLength, maxLength });
}

/** One op at `place`, from its variant's schema; the fields that name something are chosen from `ctx`. */
function opArb(ctx: Context, place: Place): fc.Arbitrary<OpSpec> {
  // Lock ops are ten variants of one kind, and a release of a lock not held ends the run: each weighs less than another op.
  // Op lists deep down end in leaves more often than not.
  // exit exists only in a fork child's list, mmap only with a deferred BAR VMA: they weigh more there, so they show at every seed.
  const weight = (op: string) => (op in LOCK_OPS ? 1 : op === "repeat" || op === "fork" ? (place.level > 2 ? 1 : 3) : op === "exit" ? 40 : op === "mmap" ? 12 : 4);
  const pick = fc.oneof(...variantsAt(ctx, place).map((op) => ({ arbitrary: fc.constant(op), weight: weight(op) })));
  return pick.chain((op) => {
    const schema = OP_VARIANTS.get(op)!;
    const inner = { level: place.level + 1, repeated: place.repeated, child: place.child };
    const fields: Record<string, fc.Arbitrary<unknown>> = {};
    if (op in LOCK_OPS) fields.lock = fc.constantFrom(...ctx.locks.filter((l) => l.kind === LOCK_OPS[op as keyof typeof LOCK_OPS]).map((l) => l.name));
    if ("task" in schema.properties!) fields.task = fc.constantFrom(...ctx.tasks);
    if ("device" in schema.properties!) fields.device = fc.constantFrom(...ctx.devices);
    // A BAR read reads BAR 0 of VFIO_DEVICE, within its pages.
    if (op === "vfio_pci_bar_read") Object.assign(fields, { bar: fc.constant(0), offset: fc.integer({ min: 0, max: VFIO_DEVICE.bars[0].pages - 1 }) });
    if (op === "put_page" || op === "unpin_user_pages" || op === "dma_write" || op === "dma_read") fields.pages = fc.nat(3).map((i) => `h${i}`);
    if (op === "ksm_merge") fields.with = targetArb(ctx).map((w) => ({ vma: w.vma, page: w.page }));
    if (op === "repeat") fields.ops = fc.constant(null); // drawn below, with the op list's own place
    if (op === "fork") fields.child = opsArb(ctx, { ...inner, child: true }, 1).map((ops) => ({ name: "child", ops }));
    // A uprobe probes a file: its target is a page of a file VMA.
    const target = "vma" in schema.properties! ? targetArb(UPROBE_OPS.has(op) ? { ...ctx, vmas: fileVmas(ctx) } : op === "mmap" ? { ...ctx, vmas: deferredVmas(ctx) } : ctx) : fc.constant(null);
    const body = op === "repeat" ? opsArb(ctx, { ...inner, repeated: true }, 1) : fc.constant(null);
    return fc.tuple(objectOf(schema, fields), target, body).map(([o, t, ops]) => {
      if (t) {
        o.vma = t.vma;
        if ("page" in schema.properties!) o.page = t.page;
        if (op === "handle_mm_fault" && !t.writable) o.flags = (o.flags as string[]).filter((f) => f !== "WRITE");
      }
      if (ops) o.ops = ops;
      if (op === "get_user_pages") fixGup(o, place);
      return o as unknown as OpSpec;
    });
  });
}

/** The GUP fields that go with one entry point only, dropped from the others; no hold inside a repeat. */
function fixGup(o: Record<string, unknown>, place: Place): void {
  const call = o.call as string;
  if (!call.endsWith("_remote")) {
    delete o.locked;
    delete o.task;
  }
  if (!call.endsWith("_fast")) delete o.pteNs;
  if ((call.endsWith("_fast") || call.startsWith("pin_")) && o.pages === false) delete o.pages;
  if (place.repeated || o.pages === false) delete o.hold;
}

/** A predicate over the scenario's VMAs, from the schema's predicate, nested at most `depth` more. */
function predicateArb(ctx: Context, depth: number): fc.Arbitrary<PredicateSpec> {
  const schema = prop(SCHEMA, "property", "exists");
  const keys = Object.keys(schema.properties!).filter((k) => (k !== "final" || ctx.vmas.length > 0) && (depth > 0 || !["all", "any", "not"].includes(k)));
  return fc.constantFrom(...keys).chain((key): fc.Arbitrary<PredicateSpec> => {
    if (key === "all" || key === "any") return fc.array(predicateArb(ctx, depth - 1), { minLength: 1, maxLength: 3 }).map((ps) => ({ [key]: ps }));
    if (key === "not") return predicateArb(ctx, depth - 1).map((p) => ({ not: p }));
    if (key === "final") return fc.tuple(objectOf(schema.properties!.final!, { task: fc.constant("child") }), targetArb(ctx)).map(([f, t]) => ({ final: { ...f, vma: t.vma, page: t.page } as PredicateSpec["final"] & object }));
    return fromSchema(schema.properties![key]!, key).map((v) => ({ [key]: v }) as PredicateSpec);
  });
}

/**
 * Names made unique and references made to resolve, in document order: fork
 * children become c0, c1 ..., held page sets h0, h1 ...; a release or DMA
 * of a set nobody holds acts on the first held set (a cond_resched if
 * none is), a release of the wrong kind becomes the right one, a dma_write
 * through pages taken without FOLL_WRITE a dma_read; a final.task names a
 * forked child or is dropped, an event pattern's task one of the scenario's
 * tasks; an mremap in a scenario that forks becomes a cond_resched.
 */
function resolveNames(s: ScenarioSpec): ScenarioSpec {
  const children: string[] = [];
  const holds = new Map<string, { kind: "get" | "pin"; write: boolean }>();
  const walk = (ops: OpSpec[]) =>
    ops.forEach((op) => {
      if (op.op === "fork") {
        op.child.name = `c${children.length}`;
        children.push(op.child.name);
        walk(op.child.ops);
      } else if (op.op === "repeat") walk(op.ops);
      else if (op.op === "get_user_pages" && op.hold !== undefined) holds.set((op.hold = `h${holds.size}`), { kind: op.call.startsWith("pin_") ? "pin" : "get", write: (op.flags ?? []).includes("WRITE") });
    });
  // A release of the other kind becomes the right one: put_page for references, unpin_user_pages for pins; each set is released once, outside repeat.
  const released = new Set<string>();
  const usable = (op: OpSpec, repeated: boolean): OpSpec | null => {
    if (op.op !== "put_page" && op.op !== "unpin_user_pages" && op.op !== "dma_write" && op.op !== "dma_read") return op;
    // An op on a set nobody holds acts on the first held set instead.
    const pages = holds.has(op.pages) ? op.pages : holds.keys().next().value;
    if (pages === undefined) return null;
    if (op.op === "put_page" || op.op === "unpin_user_pages") {
      if (repeated || released.has(pages)) return null;
      released.add(pages);
      return { op: holds.get(pages)!.kind === "pin" ? "unpin_user_pages" : "put_page", pages };
    }
    // A device writes only through pages taken with FOLL_WRITE: otherwise it reads.
    if (op.op === "dma_write" && !holds.get(pages)!.write) return { op: "dma_read", pages, index: op.index };
    return pages === op.pages ? op : { ...op, pages };
  };
  s.tasks.forEach((t) => walk(t.ops));
  const mmapped = new Set<string>();
  const resolve = (ops: OpSpec[], repeated = false): OpSpec[] =>
    ops.map((op) => {
      // The validator keeps mremap out of scenarios that fork (one name, one range, in every process).
      if (op.op === "mremap" && children.length > 0) return { op: "cond_resched" };
      // One mmap per deferred VMA: a second becomes a cond_resched.
      if (op.op === "mmap") return mmapped.has(op.vma) ? { op: "cond_resched" } : (mmapped.add(op.vma), op);
      const fixed = usable(op, repeated);
      if (!fixed) return { op: "cond_resched" };
      if (fixed !== op) return fixed;
      if (op.op === "repeat") return { ...op, ops: resolve(op.ops, true) } as OpSpec;
      if (op.op === "fork") return { ...op, child: { ...op.child, ops: resolve(op.child.ops, repeated) } } as OpSpec;
      return op;
    });
  s.tasks = s.tasks.map((t) => ({ ...t, ops: resolve(t.ops) }));
  // Event patterns name a task of the scenario (the validator refuses others).
  const taskNames = s.tasks.map((t) => t.name);
  const pattern = (m: { task?: string } | undefined): void => {
    if (m?.task === undefined) return;
    if (taskNames.length > 0) m.task = taskNames[m.task.length % taskNames.length]!;
    else delete m.task;
  };
  const finals = (p: PredicateSpec | undefined): void => {
    if (!p) return;
    pattern(p.event);
    p.before?.forEach(pattern);
    pattern(p.count?.event);
    if (p.final) {
      if (children.length > 0) p.final.task = children[p.final.page % children.length]!;
      else delete p.final.task;
    }
    p.all?.forEach(finals);
    p.any?.forEach(finals);
    finals(p.not);
  };
  finals(s.property?.exists);
  return s;
}

/** Every uniform distribution's min and max in order (the schema bounds each alone). */
function orderUniform<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  for (const v of Object.values(value)) orderUniform(v);
  const d = value as { dist?: unknown; min?: number; max?: number };
  if (d.dist === "uniform" && d.min! > d.max!) [d.min, d.max] = [d.max, d.min];
  return value;
}

/** Options of {@link scenarioArb}. */
export interface ScenarioArbOptions {
  /** Most tasks (default 3). */
  readonly maxTasks?: number;
}

/** A valid scenario: mm (VMAs of every kind), locks, kvm, tasks and their ops, profile, seed, policy, schedule and property, all optional where the format makes them so. */
export function scenarioArb(options: ScenarioArbOptions = {}): fc.Arbitrary<ScenarioSpec> {
  const top = SCHEMA;
  const shape = fc.record({
    vmaKinds: fc.array(fc.constantFrom(...VMA_KINDS), { maxLength: 3 }),
    locks: fc.array(fc.constantFrom("rwsem" as const, "mutex" as const), { maxLength: 3 }),
    tasks: fc.integer({ min: 0, max: options.maxTasks ?? 3 }),
    kvm: fc.boolean(),
    postcopy: fc.boolean(),
    mm: fc.boolean(),
    devices: fc.boolean(),
    vf: fc.boolean(),
  });
  return shape.chain((sh) => {
    // A postcopy section only without a kvm section.
    const postcopy = sh.postcopy && !sh.kvm;
    const tasks = Array.from({ length: sh.kvm || postcopy ? sh.tasks : Math.max(1, sh.tasks) }, (_, i) => `T${i}`);
    const locks = sh.locks.map((kind, i) => ({ name: `l${i}`, kind }));
    const mm = sh.mm || sh.vmaKinds.length > 0 || sh.devices;
    // A vfio-bar VMA needs its device; a scenario may declare the device without mapping it.
    const devices = sh.devices || sh.vmaKinds.includes("vfio-bar") ? [VFIO_DEVICE.name, ...(sh.vf ? [VFIO_VF.name] : [])] : [];
    return fc.tuple(...sh.vmaKinds.map((k, i) => vmaArb(`v${i}`, k))).chain((vmas) => {
      const ctx: Context = { vmas, devices, locks, tasks };
      const scheduleNames = [...tasks, ...(sh.kvm ? ["vcpu0", "vcpu0/apf#1"] : [])];
      // A step budget always (the default, 1e6 steps, makes a livelocked run take seconds).
      const present = ["maxSteps", ...(mm ? ["mm"] : []), ...(sh.kvm ? ["kvm"] : []), ...(postcopy ? ["postcopy"] : []), ...(locks.length > 0 ? ["locks"] : [])];
      return objectOf(top, {
        $schema: fc.constant(undefined),
        locks: fc.constant(locks.length > 0 ? locks.map((l) => ({ ...l })) : undefined),
        mm: mm
          ? objectOf(prop(top, "mm"), {
              vmas: fc.constant(vmas),
              // The PF has no physfn; the VF names the PF and has no memory field (hardwired PCI_COMMAND_MEMORY).
              devices:
                devices.length > 0
                  ? fc.tuple(
                      objectOf(prop(top, "mm", "devices", "items"), { name: fc.constant(VFIO_DEVICE.name), bars: fc.constant(VFIO_DEVICE.bars.map((b) => ({ ...b }))), physfn: fc.constant(undefined) }),
                      ...(sh.vf ? [objectOf(prop(top, "mm", "devices", "items"), { name: fc.constant(VFIO_VF.name), physfn: fc.constant(VFIO_VF.physfn), bars: fc.constant(VFIO_VF.bars.map((b) => ({ ...b }))), memory: fc.constant(undefined) })] : []),
                    ).map((ds) => [...ds])
                  : fc.constant(undefined),
            }, devices.length > 0 ? ["devices"] : [])
          : fc.constant(undefined),
        kvm: sh.kvm ? objectOf(prop(top, "kvm")) : fc.constant(undefined),
        // Small guests: the costs, link and fractions come from the schema.
        postcopy: postcopy ? objectOf(prop(top, "postcopy"), { vcpus: fc.integer({ min: 1, max: 3 }), pagesPerVcpu: fc.integer({ min: 1, max: 4 }), readers: fc.integer({ min: 0, max: 2 }) }) : fc.constant(undefined),
        tasks: fc.tuple(...tasks.map((name) => opsArb(ctx, { level: 1, repeated: false, child: false }).map((ops) => ({ name, ops })))),
        // An explicit schedule that names a task not ready at its tie ends the run: one scenario in four has one.
        schedule: scheduleNames.length > 0 ? fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.array(fc.constantFrom(...scheduleNames), { maxLength: 6 }), weight: 1 }) : fc.constant(undefined),
        expect: fc.constant(undefined),
        property: objectOf(prop(top, "property"), { exists: predicateArb(ctx, 3) }),
      }, present).map((raw) => {
        const s = structuredClone(raw) as unknown as ScenarioSpec;
        // Swapped pages only in MISSING mode, and at most every page zapped or swapped.
        if (s.postcopy && (s.postcopy.mode ?? "MINOR") === "MINOR") delete s.postcopy.swapped;
        if (s.postcopy && (s.postcopy.swapped ?? 0) + (s.postcopy.dontneed ?? 0) > 1) delete s.postcopy.swapped;
        if (s.property) s.property.seeds = { from: Math.min(s.property.seeds.from, MAX_SEED - s.property.seeds.count + 1), count: s.property.seeds.count };
        // A patch applies to the profiles with the code it was written against: the others are dropped.
        // Of alternatives, the first given.
        const patches = (s.patches ?? []).filter((name, i, all) => patch(name).profiles.includes(s.profile ?? DEFAULT_PROFILE) && !ALTERNATIVES.some((set) => set.includes(name) && all.slice(0, i).some((other) => set.includes(other))));
        if (patches.length > 0) s.patches = patches;
        else delete s.patches;
        return resolveNames(orderUniform(s));
      });
    });
  });
}
