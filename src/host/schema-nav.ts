/**
 * Reading the published scenario schema at a JSON path: which properties an
 * object there may have, which values a field may take, and what the format
 * says about them. The site's scenario editor builds completion and hover
 * documentation on this; it works on documents that do not parse yet.
 *
 * @module
 */

/** A JSON Schema node (the subset the scenario format uses). */
export interface SchemaNode {
  /** Identifier other nodes `$ref` (`Op`, `Predicate`). */
  readonly $id?: string;
  /** Reference to a node by its `$id`. */
  readonly $ref?: string;
  /** Short name of the node. */
  readonly title?: string;
  /** What the format says about the value. */
  readonly description?: string;
  /** JSON type (`object`, `string`, `integer` ...). */
  readonly type?: string;
  /** The only value allowed (a union variant's tag). */
  readonly const?: unknown;
  /** The values allowed. */
  readonly enum?: readonly unknown[];
  /** An object's properties. */
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  /** An object's required properties. */
  readonly required?: readonly string[];
  /** An array's element schema. */
  readonly items?: SchemaNode;
  /** Exactly one of these (the format's tagged unions). */
  readonly oneOf?: readonly SchemaNode[];
  /** At least one of these (a duration: integer or distribution). */
  readonly anyOf?: readonly SchemaNode[];
  /** The property whose `const` selects a union's variant. */
  readonly discriminator?: { readonly propertyName: string };
  /** Smallest number allowed. */
  readonly minimum?: number;
  /** Largest number allowed. */
  readonly maximum?: number;
  /** Regular expression a string must match. */
  readonly pattern?: string;
}

/** One step of a JSON path: a property name or an array index. */
export type PathSegment = string | number;

/** A property an object may have. */
export interface PropertyDoc {
  /** The key. */
  readonly name: string;
  /** Whether the object must have it. */
  readonly required: boolean;
  /** Its schema (for the description shown with the completion). */
  readonly schema: SchemaNode;
}

/** A value a field may take, with the schema that allows it. */
export interface ValueDoc {
  /** The value. */
  readonly value: string | number | boolean;
  /** What it means: the variant's description for a union tag, else the field's. */
  readonly description: string | undefined;
}

/** `$.tasks[0].ops[2]` → `["tasks", 0, "ops", 2]` (the path format of validation errors). */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const re = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/gy;
  re.lastIndex = path.startsWith("$") ? 1 : 0;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    segments.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(`"${m[3]}"`)));
  }
  return segments;
}

/** Each schema's `$id` index, built once: a navigator is made per keystroke. */
const idIndexes = new WeakMap<SchemaNode, Map<string, SchemaNode>>();

/** Index the schema's `$id`s so `$ref`s resolve. */
function ids(root: SchemaNode): Map<string, SchemaNode> {
  const known = idIndexes.get(root);
  if (known) return known;
  const out = new Map<string, SchemaNode>();
  idIndexes.set(root, out);
  const visit = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === "object") {
      const s = n as SchemaNode;
      if (typeof s.$id === "string") out.set(s.$id, s);
      Object.values(n).forEach(visit);
    }
  };
  visit(root);
  return out;
}

/**
 * Navigates one schema. `tagAt(path, key)` tells it the discriminator value
 * (`op`, `dist`, `kind` ...) of the object at `path`, when the document has
 * one, so a union narrows to the variant in use.
 */
export class SchemaNavigator {
  private readonly refs: Map<string, SchemaNode>;

  constructor(
    private readonly root: SchemaNode,
    private readonly tagAt: (path: readonly PathSegment[], key: string) => unknown = () => undefined,
  ) {
    this.refs = ids(root);
  }

  /** The schemas that may describe the value at `path` (several when a union cannot be narrowed). */
  at(path: readonly PathSegment[]): SchemaNode[] {
    let current = this.expand(this.root, []);
    for (let i = 0; i < path.length && current.length > 0; i++) {
      const seg = path[i]!;
      const here = path.slice(0, i + 1);
      current = current.flatMap((s) => {
        const next = typeof seg === "number" ? s.items : s.properties?.[seg];
        return next ? this.expand(next, here) : [];
      });
    }
    return current;
  }

  /** Properties an object at `path` may have, required ones first. */
  properties(path: readonly PathSegment[]): PropertyDoc[] {
    const seen = new Map<string, PropertyDoc>();
    for (const s of this.at(path)) {
      for (const [name, schema] of Object.entries(s.properties ?? {})) {
        if (!seen.has(name)) seen.set(name, { name, required: s.required?.includes(name) ?? false, schema });
      }
    }
    return [...seen.values()].sort((a, b) => Number(b.required) - Number(a.required));
  }

  /** The constant values (enum members, union tags, booleans) a field at `path` may take. */
  values(path: readonly PathSegment[]): ValueDoc[] {
    const parent = path.slice(0, -1);
    const key = path.at(-1);
    const out: ValueDoc[] = [];
    const add = (value: unknown, description: string | undefined) => {
      if ((typeof value === "string" || typeof value === "number" || typeof value === "boolean") && !out.some((v) => v.value === value)) out.push({ value, description });
    };
    // A union's tag: list every variant, described by the variant itself.
    const unions = typeof key === "string" ? this.unionsAt(parent).filter((u) => u.discriminator?.propertyName === key) : [];
    for (const u of unions) for (const v of u.oneOf ?? u.anyOf ?? []) add(v.properties?.[key as string]?.const, v.description);
    for (const s of this.at(path)) {
      if (s.const !== undefined) add(s.const, s.description);
      for (const e of s.enum ?? []) add(e, s.description);
      if (s.type === "boolean") [true, false].forEach((b) => add(b, s.description));
      if (s.type === "array" && s.items) for (const e of s.items.enum ?? []) add(e, s.items.description);
    }
    return out;
  }

  /** One paragraph about the value at `path`: title, description, type and bounds. */
  describe(path: readonly PathSegment[]): string | null {
    const schemas = this.at(path);
    if (schemas.length === 0) return null;
    const parts = schemas.map((s) => {
      const bits = [s.title, s.description].filter(Boolean).join(": ");
      const type = s.const !== undefined ? JSON.stringify(s.const) : s.enum ? `one of ${s.enum.map((e) => JSON.stringify(e)).join(", ")}` : s.type ?? "";
      const bounds = [s.minimum !== undefined ? `>= ${s.minimum}` : "", s.maximum !== undefined ? `<= ${s.maximum}` : "", s.pattern ? `matching ${s.pattern}` : ""].filter(Boolean).join(", ");
      return [bits, [type, bounds].filter(Boolean).join(" ")].filter(Boolean).join(" — ");
    });
    return [...new Set(parts)].join("\n");
  }

  /** The union schemas (with a discriminator) that describe the object at `path`, before narrowing. */
  private unionsAt(path: readonly PathSegment[]): SchemaNode[] {
    const parents = path.length === 0 ? [this.root] : this.at(path.slice(0, -1)).flatMap((s) => {
      const seg = path.at(-1)!;
      const n = typeof seg === "number" ? s.items : s.properties?.[seg];
      return n ? [this.deref(n)] : [];
    });
    return parents.flatMap((p) => [p, ...(p.anyOf ?? []).map((x) => this.deref(x))]).filter((p) => p.discriminator);
  }

  private deref(s: SchemaNode): SchemaNode {
    return s.$ref !== undefined ? this.refs.get(s.$ref) ?? s : s;
  }

  /** Resolve `$ref`, and replace unions by their variants, narrowed by the discriminator when the document has one. */
  private expand(s: SchemaNode, path: readonly PathSegment[]): SchemaNode[] {
    const d = this.deref(s);
    const variants = d.oneOf ?? d.anyOf;
    if (!variants) return [d];
    const key = d.discriminator?.propertyName;
    const tag = key !== undefined ? this.tagAt(path, key) : undefined;
    const chosen = tag !== undefined ? variants.filter((v) => this.deref(v).properties?.[key!]?.const === tag) : [];
    return (chosen.length > 0 ? chosen : variants).flatMap((v) => this.expand(v, path));
  }
}
