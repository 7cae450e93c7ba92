/**
 * The canonical form (RFC 8785) of JSON from outside: a scenario being
 * encoded, a value a notebook cell hands over. The RFC 8785 serializer
 * recurses, so the depth is bounded first, by an iterative scan; the
 * model's own values (trace events, final states) go to the engine's
 * serializer directly.
 *
 * @module
 */
import { canonicalJson as canonicalForm, type Json } from "../engine/canonical.js";
import { jsonDepthError } from "./limits.js";

/**
 * RFC 8785 canonical form of `value`: sorted keys, no whitespace,
 * ECMAScript number formatting.
 *
 * @param what - names `value` in an error message ("permalink scenario").
 * @throws `JsonDepthError` when `value` nests deeper than `MAX_JSON_DEPTH`
 *   levels of arrays and objects, before anything recursive reads it.
 * @throws TypeError when `value` has no JSON representation.
 */
export function canonicalJson(value: Json, what = "value"): string {
  const deep = jsonDepthError(value, what);
  if (deep) throw deep;
  return canonicalForm(value);
}
