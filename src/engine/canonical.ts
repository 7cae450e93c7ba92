/**
 * Canonical JSON (RFC 8785, JSON Canonicalization Scheme): sorted keys, no
 * whitespace, ECMAScript number formatting. Used for trace hashes and
 * scenario ids. The serializer recurses: it takes the model's own values
 * and validated scenarios; JSON from outside goes through the scenario
 * layer's `canonicalJson`, which bounds the depth first.
 *
 * Written for the trace's hot path (every recorded event passes through
 * it): it appends to one string instead of building one per member, and
 * {@link canonicalEvent} writes a trace event's own keys in their sorted
 * order. It gives exactly what the `canonicalize` package (the RFC's
 * reference JavaScript) gives, which test/engine.test.ts checks on
 * generated values.
 *
 * @module
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A primitive's JSON text: JSON.stringify's, which RFC 8785 adopts for numbers and strings. Throws where JSON has none (NaN, Infinity, undefined). */
function primitive(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError(`${value} is not allowed in JSON`);
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError("value has no JSON representation");
  return text;
}

/** `value`'s canonical text appended to `out`. */
function serialize(value: unknown, out: string): string {
  if (value === null || typeof value !== "object") return out + primitive(value);
  const withToJSON = value as { toJSON?: () => unknown };
  if (typeof withToJSON.toJSON === "function") return serialize(withToJSON.toJSON(), out);
  if (Array.isArray(value)) {
    out += "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      const item: unknown = value[i];
      out = item === undefined || typeof item === "symbol" ? out + "null" : serialize(item, out);
    }
    return out + "]";
  }
  const record = value as Record<string, unknown>;
  // Object.keys().sort() orders by UTF-16 code units, as RFC 8785 section 3.2.3 requires.
  const keys = Object.keys(record).sort();
  out += "{";
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined || typeof member === "symbol") continue;
    out += (first ? "" : ",") + JSON.stringify(key) + ":";
    first = false;
    out = serialize(member, out);
  }
  return out + "}";
}

/** RFC 8785 canonical form of `value`. Throws on values JSON cannot represent. */
export function canonicalJson(value: Json): string {
  return serialize(value, "");
}

/** The fields of a trace event, as {@link canonicalEvent} writes them. */
export interface EventFields {
  readonly t: number;
  readonly task: string;
  readonly ev: string;
  readonly fn?: string;
  readonly args?: { readonly [key: string]: Json };
  readonly ret?: Json;
}

/** {@link canonicalJson} of a trace event, its keys written in their sorted order: args, ev, fn, ret, t, task. */
export function canonicalEvent(e: EventFields): string {
  let out = "{";
  if (e.args !== undefined) out = serialize(e.args, '{"args":') + ",";
  out += `"ev":${JSON.stringify(e.ev)}`;
  if (e.fn !== undefined) out += `,"fn":${JSON.stringify(e.fn)}`;
  if (e.ret !== undefined) out = serialize(e.ret, out + ',"ret":');
  return `${out},"t":${primitive(e.t)},"task":${JSON.stringify(e.task)}}`;
}
