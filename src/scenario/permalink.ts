/**
 * Permalinks: a scenario carried in a URL fragment as base64url(deflate(
 * canonical JSON)). Decoding bounds the sizes, inflates, parses and
 * validates as the CLI reads a file (a byte order mark is dropped, duplicate
 * keys are refused; validation is `decodePermalink` in validate.ts, so a
 * page can encode without loading the schema); the result is data, never code. Citation blocks carry
 * their scenario in the same compact form. Whichever way, JSON nested
 * deeper than `MAX_JSON_DEPTH` is refused before anything recursive (the
 * canonical form, the schema check) reads it.
 *
 * @module
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from "fflate";
import type { Json } from "../engine/canonical.js";
import { canonicalJson } from "./canonical.js";
import { jsonDepthError } from "./limits.js";
import type { ScenarioSpec } from "./schema.js";

/** Longest encoded scenario a permalink may carry (characters). */
export const MAX_PERMALINK_CHARS = 64 * 1024;
/** Largest scenario JSON a permalink may inflate to (bytes). */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

function toBase64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/**
 * base64url(deflate(canonical JSON of `value`)): the compact form of
 * permalinks and citation blocks.
 *
 * @param what - names `value` in an error message.
 * @throws `JsonDepthError` when `value` nests deeper than `MAX_JSON_DEPTH`.
 */
export function encodeCompact(value: Json, what = "value"): string {
  return toBase64url(deflateSync(strToU8(canonicalJson(value, what)), { level: 9 }));
}

/** Inflate a payload of {@link encodeCompact} to its JSON text, bounded by {@link MAX_PERMALINK_CHARS} and {@link MAX_SCENARIO_BYTES}; `what` names the payload in the error. */
export function inflateCompact(payload: string, what: string): { ok: true; json: string } | { ok: false; error: string } {
  // fflate inflates nothing into the whole output buffer, which would read as a bomb.
  if (payload === "") return { ok: false, error: `${what} holds no scenario (it is empty)` };
  if (payload.length > MAX_PERMALINK_CHARS) return { ok: false, error: `${what} too long: ${payload.length} characters, at most ${MAX_PERMALINK_CHARS}` };
  try {
    const bytes = inflateSync(fromBase64url(payload), { out: new Uint8Array(MAX_SCENARIO_BYTES + 1) });
    if (bytes.length > MAX_SCENARIO_BYTES) return { ok: false, error: `${what} scenario larger than ${MAX_SCENARIO_BYTES} bytes` };
    return { ok: true, json: strFromU8(bytes) };
  } catch (e) {
    return { ok: false, error: `${what} is not a compressed scenario (${(e as Error).message})` };
  }
}

/**
 * Inflate and parse a payload of {@link encodeCompact}, bounded by
 * {@link MAX_PERMALINK_CHARS}, {@link MAX_SCENARIO_BYTES} and
 * `MAX_JSON_DEPTH`; `what` names the payload in the error ("permalink").
 * Every failure is a message, never an exception.
 */
export function decodeCompact(payload: string, what: string): { ok: true; data: unknown } | { ok: false; error: string } {
  const d = inflateCompact(payload, what);
  if (!d.ok) return d;
  let data: unknown;
  try {
    data = JSON.parse(d.json);
  } catch (e) {
    return { ok: false, error: `${what} scenario is not JSON: ${(e as Error).message}` };
  }
  const deep = jsonDepthError(data, what);
  return deep ? { ok: false, error: deep.message } : { ok: true, data };
}

/**
 * The permalink payload of a scenario.
 *
 * @throws `JsonDepthError` when `spec` nests deeper than `MAX_JSON_DEPTH`
 *   (it is not a valid scenario then).
 */
export function encodePermalink(spec: ScenarioSpec): string {
  return encodeCompact(spec as unknown as Json, "scenario");
}
