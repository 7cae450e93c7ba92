/**
 * Permalinks: a scenario carried in a URL fragment as base64url(deflate(
 * canonical JSON)). Decoding bounds the sizes, inflates, parses and
 * validates as the CLI reads a file (a byte order mark is dropped, duplicate
 * keys are refused); the result is data, never code.
 *
 * @module
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from "fflate";
import { canonicalJson, type Json } from "../engine/canonical.js";
import type { ScenarioSpec } from "./schema.js";
import { formatErrors, validateScenarioText } from "./validate.js";

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

/** The permalink payload of a scenario. */
export function encodePermalink(spec: ScenarioSpec): string {
  return toBase64url(deflateSync(strToU8(canonicalJson(spec as unknown as Json)), { level: 9 }));
}

/** Decode and validate a permalink payload; every failure is a message, never an exception. */
export function decodePermalink(payload: string): { ok: true; scenario: ScenarioSpec } | { ok: false; error: string } {
  if (payload.length > MAX_PERMALINK_CHARS) return { ok: false, error: `permalink too long: ${payload.length} characters, at most ${MAX_PERMALINK_CHARS}` };
  let json: string;
  try {
    const bytes = inflateSync(fromBase64url(payload), { out: new Uint8Array(MAX_SCENARIO_BYTES + 1) });
    if (bytes.length > MAX_SCENARIO_BYTES) return { ok: false, error: `permalink scenario larger than ${MAX_SCENARIO_BYTES} bytes` };
    json = strFromU8(bytes);
  } catch (e) {
    return { ok: false, error: `permalink is not a compressed scenario (${(e as Error).message})` };
  }
  const v = validateScenarioText(json);
  if (v.ok) return v;
  if ("syntax" in v) return { ok: false, error: `permalink scenario is not JSON: ${v.syntax.line}:${v.syntax.column}: ${v.syntax.message}` };
  return { ok: false, error: `permalink scenario is invalid:\n${formatErrors(v.errors, { partial: v.partial }).join("\n")}` };
}
