// Invalid input made from valid scenarios: mutations of the parsed value
// (wrong types, unknown keys, missing fields, pages out of range, numbers
// out of range, deep nesting) and of the JSON text (odd characters, cuts,
// byte order marks, duplicate keys, trailing commas, 1e400); and citations
// with one character flipped, inserted or deleted.
import fc from "fast-check";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Every path in `value` (the root included), in document order. */
function paths(value: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

const get = (value: Json, path: Path): Json => path.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, value);

/** `value` with the value at `path` replaced by `f` of it (a copy; `f` may return undefined to delete it). */
function update(value: Json, path: Path, f: (old: Json) => Json | undefined): Json {
  const copy = structuredClone(value);
  if (path.length === 0) return f(copy) ?? null;
  const parent = get(copy, path.slice(0, -1)) as Record<string | number, Json>;
  const key = path.at(-1)!;
  const next = f(parent[key]!);
  if (next !== undefined) parent[key] = next;
  else if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key];
  return copy;
}

const kind = (v: Json) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const OTHER_VALUES: Json[] = [null, true, "x", 1.5, -1, [], {}, 2 ** 53, "all"];

/** A value mutation: its name and what it does to the value at a path (undefined: remove it). */
interface ValueMutation {
  readonly name: string;
  /** Whether it applies at a path whose value is `v` (under key `key`). */
  readonly applies: (v: Json, key: string | number | undefined) => boolean;
  readonly arb: (v: Json) => fc.Arbitrary<Json | undefined>;
}

const VALUE_MUTATIONS: readonly ValueMutation[] = [
  { name: "wrong type", applies: () => true, arb: (v) => fc.constantFrom(...OTHER_VALUES.filter((o) => kind(o) !== kind(v))) },
  { name: "unknown key", applies: (v) => kind(v) === "object", arb: (v) => fc.constantFrom("zz", "Title", "op ", "ops.0", "__proto__x").map((k) => ({ ...(v as object), [k]: 1 })) },
  { name: "missing field", applies: (_v, key) => typeof key === "string", arb: () => fc.constant(undefined) },
  { name: "page out of range", applies: (v, key) => typeof v === "number" && (key === "page" || typeof key === "number"), arb: (v) => fc.constantFrom((v as number) + 4096, 1 << 20, (1 << 20) + 1, -1, 0.5) },
  { name: "number out of range", applies: (v) => typeof v === "number", arb: () => fc.constantFrom(-1, 1e300, 2 ** 64, -0.5, 1e16) },
  // Written into the text (JSON.stringify itself overflows the stack on such a value).
  { name: "deep nesting", applies: () => true, arb: () => fc.integer({ min: 60, max: 10_000 }).map((depth) => `${DEEP}${depth}`) },
];

/** Stands for the value it replaces, nested in as many arrays as it says. */
const DEEP = "\u0000nest:";

/** One value mutation of `valid` (a valid scenario as parsed JSON): its name and the JSON text it gives. */
export function valueMutationArb(valid: Json): fc.Arbitrary<{ mutation: string; text: string }> {
  const all = paths(valid);
  return fc.constantFrom(...all).chain((path) => {
    const v = get(valid, path);
    const usable = VALUE_MUTATIONS.filter((m) => m.applies(v, path.at(-1)));
    return fc.constantFrom(...usable).chain((m) =>
      m.arb(v).map((next) => {
        const text = JSON.stringify(update(valid, path, () => next), null, 1);
        const depth = typeof next === "string" && next.startsWith(DEEP) ? Number(next.slice(DEEP.length)) : 0;
        return { mutation: m.name, text: depth === 0 ? text : text.replace(JSON.stringify(next), "[".repeat(depth) + JSON.stringify(v) + "]".repeat(depth)) };
      }),
    );
  });
}

/** One edit of the JSON text `text` of a valid scenario: its name and the text it gives. */
export function textMutationArb(text: string): fc.Arbitrary<{ mutation: string; text: string }> {
  const at = fc.integer({ min: 0, max: text.length });
  const odd = fc.constantFrom("\ufeff", "\u0000", "\u001f", ",", "}", "]", "{", "[", ":", '"', "\\", "'", "/*x*/", "//", "NaN", "1e400", "-", "\ud800", "\u2028", " ");
  const member = [...text.matchAll(/^ *"[^"\n]+": [^{[\n]*,$/gm)];
  const numbers = [...text.matchAll(/(?<=[:[,] ?)-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/g)];
  const closers = [...text.matchAll(/[}\]]/g)];
  const edits: fc.Arbitrary<{ mutation: string; text: string }>[] = [
    fc.tuple(at, odd).map(([i, s]) => ({ mutation: "insert", text: text.slice(0, i) + s + text.slice(i) })),
    fc.tuple(at, fc.integer({ min: 1, max: 8 })).map(([i, n]) => ({ mutation: "delete", text: text.slice(0, i) + text.slice(i + n) })),
    at.map((i) => ({ mutation: "cut", text: text.slice(0, i) })),
    fc.constantFrom("\ufeff", "\ufeff\ufeff", "\ufeff ").map((b) => ({ mutation: "byte order mark", text: b + text })),
  ];
  if (member.length > 0) edits.push(fc.constantFrom(...member).map((m) => ({ mutation: "duplicate key", text: text.slice(0, m.index! + m[0].length) + "\n" + m[0] + text.slice(m.index! + m[0].length) })));
  if (numbers.length > 0) edits.push(fc.tuple(fc.constantFrom(...numbers), fc.constantFrom("1e400", "-1e400", "1e309")).map(([m, n]) => ({ mutation: "number out of double range", text: text.slice(0, m.index!) + n + text.slice(m.index! + m[0].length) })));
  if (closers.length > 0) edits.push(fc.constantFrom(...closers).map((m) => ({ mutation: "trailing comma", text: `${text.slice(0, m.index!).trimEnd()},${text.slice(m.index!)}` })));
  return fc.oneof(...edits);
}

/** One edit of a non-space character of `text` (a citation): flipped to another, one inserted after it, or deleted. */
export function tamperArb(text: string): fc.Arbitrary<{ edit: string; text: string }> {
  const spots = [...text.matchAll(/\S/g)].map((m) => m.index!);
  // Not ">" nor a space: inserted at a line's start they are quoting, which mailers add and a citation must survive.
  const other = fc.constantFrom("x", "Q", "0", "9", "_", "-", ".", "=", "A", "z");
  return fc.tuple(fc.constantFrom(...spots), other, fc.constantFrom("flip", "insert", "delete")).map(([i, c, edit]) => {
    if (edit === "flip") return { edit: `flip line ${line(text, i)}`, text: text.slice(0, i) + (text[i] === c ? (c === "x" ? "y" : "x") : c) + text.slice(i + 1) };
    if (edit === "insert") return { edit: `insert line ${line(text, i)}`, text: text.slice(0, i + 1) + c + text.slice(i + 1) };
    return { edit: `delete line ${line(text, i)}`, text: text.slice(0, i) + text.slice(i + 1) };
  });
}

const line = (text: string, i: number) => text.slice(0, i).split("\n").length;
