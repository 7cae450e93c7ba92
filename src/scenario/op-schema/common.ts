/**
 * Building blocks of the scenario schema: tagged unions, enums, strict
 * objects, names, durations, page numbers and page sets.
 *
 * @module
 */
import { Type, type Static, type TObject, type TUnion } from "@sinclair/typebox";

/** A union Ajv checks by its tag field first, so errors speak of the chosen variant only. */
export function Tagged<T extends TObject[]>(tag: string, variants: [...T], options: { title: string; description: string; $id?: string }) {
  return Type.Unsafe<Static<TUnion<T>>>({ ...options, type: "object", oneOf: variants, discriminator: { propertyName: tag } });
}

/** A string that must be one of `values` (a JSON Schema `enum`, which gives one clear error). */
export function OneOf<const T extends readonly string[]>(values: T, description: string) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], description });
}

/** An object with exactly the given fields (no others). */
export function Strict<T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) {
  return Type.Object(properties, { additionalProperties: false, description });
}

/** An identifier: a task, lock, VMA or page-set name. */
export const Name = Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.:-]*$", maxLength: 64, description: "An identifier: letters, digits, _ . : -" });
/** Nanoseconds of virtual time. */
export const Ns = Type.Integer({ minimum: 0, maximum: 1e15, description: "Nanoseconds of virtual time" });

/** A duration: fixed nanoseconds or a distribution drawn from the task's seeded stream. */
export const Duration = Type.Union(
  [
    Ns,
    Tagged(
      "dist",
      [
        Strict({ dist: Type.Literal("uniform"), min: Ns, max: Ns }, "Uniform integer in [min, max] ns"),
        Strict({ dist: Type.Literal("exponential"), mean: Ns }, "Exponential with the given mean (ns)"),
      ],
      { title: "distribution", description: "A distribution, selected by its dist field" },
    ),
  ],
  { title: "duration", description: 'ns as an integer, {"dist": "uniform", "min", "max"} or {"dist": "exponential", "mean"}' },
);

/** A page index within a VMA. */
export const PageNo = Type.Integer({ minimum: 0, maximum: 1 << 20, description: "Page index within the VMA" });
/** Page indices within a VMA, or "all". */
export const PageSet = Type.Union([Type.Array(PageNo, { uniqueItems: true }), Type.Literal("all")], {
  description: 'Page indices within the VMA, or "all"',
});

/** The page an op acts on: a VMA by name and a page index in it. */
export const Target = { vma: Name, page: PageNo };

