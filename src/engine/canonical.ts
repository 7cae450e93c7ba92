/**
 * Canonical JSON (RFC 8785, JSON Canonicalization Scheme): sorted keys, no
 * whitespace, ECMAScript number formatting. Used for trace hashes and
 * scenario ids. The serializer recurses: it takes the model's own values
 * and validated scenarios; JSON from outside goes through the scenario
 * layer's `canonicalJson`, which bounds the depth first.
 *
 * @module
 */
import canonicalizeModule from "canonicalize";

// The package is CommonJS (`module.exports = serialize`) but its types declare
// an ES default export, which NodeNext resolution reads as a namespace.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** RFC 8785 canonical form of `value`. Throws on values JSON cannot represent. */
export function canonicalJson(value: Json): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value has no JSON representation");
  return text;
}
