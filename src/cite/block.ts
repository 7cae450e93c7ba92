/**
 * The scenario block at the end of a citation, and finding it again in a
 * saved mail.
 *
 * Format 2 (written now) carries base64url(deflate(canonical JSON)) in lines
 * of {@link PAYLOAD_WIDTH} columns between
 * `-----BEGIN FAULTLINE SCENARIO v2-----` and
 * `-----END FAULTLINE SCENARIO v2 sum <16 hex>-----`, the sum being the
 * first 64 bits of the SHA-256 of the payload. No character of a payload
 * line means anything at a line's start or end, so quoting, indentation,
 * CRLF, trailing whitespace, soft breaks and reflow leave the payload
 * intact; any other change fails the sum and is reported as such.
 *
 * Format 1 (written before) carries the JSON itself, hard-wrapped at 72
 * columns between `-----BEGIN FAULTLINE SCENARIO-----` and
 * `-----END FAULTLINE SCENARIO-----`; it is still read.
 *
 * A block's data nested deeper than `MAX_JSON_DEPTH` does not decode:
 * finding the block serializes it, which recurses.
 *
 * @module
 */
import type { Json } from "../engine/canonical.js";
import { canonicalJson } from "../engine/canonical.js";
import { sha256Hex } from "../engine/trace.js";
import { jsonDepthError } from "../scenario/limits.js";
import { decodeCompact, encodeCompact } from "../scenario/permalink.js";
import { isSpace, mailLines, quotePrefix, trimBlanks, unquote } from "./mail.js";

/** The block format {@link encodeBlock} writes. */
export const BLOCK_FORMAT = 2;
/** Columns of a payload line: room for a few levels of quoting within 72. */
export const PAYLOAD_WIDTH = 64;
/** Begin and end lines of a format 1 block. */
export const V1_MARKERS = { begin: "-----BEGIN FAULTLINE SCENARIO-----", end: "-----END FAULTLINE SCENARIO-----" } as const;

const MARKER = /^-----(BEGIN|END) FAULTLINE SCENARIO(?: v([1-9]\d*))?(?: sum ([0-9a-f]{16}))?-----$/;
const BASE64URL = /^[A-Za-z0-9_-]$/;

/** First 64 bits of the SHA-256 of a payload, in hex. */
function checksum(payload: string): string {
  return sha256Hex(payload).slice(0, 16);
}

/**
 * The lines of a format 2 block carrying `data`.
 *
 * @throws `JsonDepthError` when `data` nests deeper than `MAX_JSON_DEPTH`.
 */
export function encodeBlock(data: Json): string[] {
  return payloadBlock(encodeCompact(data, "cited data"));
}

/** The lines of a format 2 block around a payload of `encodeCompact` (base64url): the payload cut into lines, and the END line with its sum. */
export function payloadBlock(payload: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i < payload.length; i += PAYLOAD_WIDTH) lines.push(payload.slice(i, i + PAYLOAD_WIDTH));
  return [`-----BEGIN FAULTLINE SCENARIO v${BLOCK_FORMAT}-----`, ...lines, `-----END FAULTLINE SCENARIO v${BLOCK_FORMAT} sum ${checksum(payload)}-----`];
}

/** A block found in a saved mail. */
export interface FoundBlock {
  /** Block format: 1 (JSON) or 2 (compressed, with a sum). */
  readonly format: 1 | 2;
  /** Line of the BEGIN marker (1-based). */
  readonly begin: number;
  /** Line of the END marker (1-based). */
  readonly end: number;
  /** The JSON the block carries, parsed, not validated. */
  readonly data: unknown;
  /** The lines before the BEGIN marker, without the block's quoting; `above[i]` is line i + 1. */
  readonly above: readonly string[];
}

/** What {@link findBlock} found: one block, or why not (`found`: whether the text has a BEGIN marker at all). */
export type BlockSearch = { ok: true; block: FoundBlock } | { ok: false; found: boolean; error: string };

interface Marker {
  readonly kind: "BEGIN" | "END";
  readonly version: number;
  readonly sum: string | undefined;
  readonly prefix: string;
  /** 0-based line index. */
  readonly at: number;
}

function parseMarker(line: string, at: number): Marker | null {
  const prefix = quotePrefix(line);
  const m = MARKER.exec(line.slice(prefix.length).trimEnd());
  if (!m) return null;
  return { kind: m[1] as "BEGIN" | "END", version: m[2] === undefined ? 1 : Number(m[2]), sum: m[3], prefix, at };
}

type Decoded = { ok: true; data: unknown } | { ok: false; error: string };

const span = (b: Marker, e: Marker) => `lines ${b.at + 1}-${e.at + 1}`;

/** Format 2: the payload between the markers, checked against the END line's sum. */
function decodeV2(lines: readonly string[], b: Marker, e: Marker): Decoded {
  let payload = "";
  for (let i = b.at + 1; i < e.at; i++) {
    const line = lines[i]!;
    if (parseMarker(line, i)?.kind === "BEGIN") continue; // a stray copy of the BEGIN line
    let j = 0;
    while (j < line.length && (line[j] === ">" || isSpace(line[j]!))) j++;
    for (; j < line.length; j++) {
      const c = line[j]!;
      if (BASE64URL.test(c)) payload += c;
      else if (!isSpace(c)) return { ok: false, error: `block altered: line ${i + 1}:${j + 1} has ${JSON.stringify(c)}, which is not part of the encoded scenario (FAULTLINE SCENARIO block at ${span(b, e)})` };
    }
  }
  if (e.sum === undefined) return { ok: false, error: `the END line of the FAULTLINE SCENARIO block at ${span(b, e)} has no sum` };
  if (checksum(payload) !== e.sum) return { ok: false, error: `block altered (checksum mismatch): the FAULTLINE SCENARIO block at ${span(b, e)} changed after it was cited; copy it again from the original mail` };
  const d = decodeCompact(payload, "block");
  return d.ok ? d : { ok: false, error: `the FAULTLINE SCENARIO block at ${span(b, e)}: ${d.error}` };
}

/** Format 1: the JSON between the markers, its lines joined as they were cut. */
function decodeV1(lines: readonly string[], b: Marker, e: Marker): Decoded {
  const parts: { text: string; line: number; col: number }[] = [];
  for (let i = b.at + 1; i < e.at; i++) {
    const unquoted = unquote(lines[i]!, b.prefix);
    parts.push({ text: trimBlanks(unquoted), line: i + 1, col: lines[i]!.length - unquoted.length + 1 });
  }
  let data: unknown;
  try {
    data = JSON.parse(parts.map((p) => p.text).join(""));
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let where = span(b, e);
    if (pos && parts.length > 0) {
      let offset = Number(pos[1]);
      let i = 0;
      while (i < parts.length - 1 && offset >= parts[i]!.text.length) offset -= parts[i++]!.text.length;
      where = `line ${parts[i]!.line}:${parts[i]!.col + offset}`;
    }
    return { ok: false, error: `the FAULTLINE SCENARIO block at ${span(b, e)} is not JSON: ${where}: ${msg}` };
  }
  const deep = jsonDepthError(data, "its JSON");
  return deep ? { ok: false, error: `the FAULTLINE SCENARIO block at ${span(b, e)}: ${deep.message}` } : { ok: true, data };
}

interface Candidate {
  readonly b: Marker;
  readonly e: Marker;
  readonly decoded: Decoded;
}

/** BEGIN lines of a format tried for an END line: the real one and a few stray copies. */
const MAX_BEGINS = 4;

/**
 * For each END line, the block from a BEGIN line of its format that
 * decodes: the farthest of the last few (stray copies of the BEGIN line
 * inside the block are skipped), else the nearest that decodes, else the
 * nearest's error.
 */
function candidates(lines: readonly string[], markers: readonly Marker[]): Candidate[] {
  const out: Candidate[] = [];
  const open = new Map<number, Marker[]>(); // by format, the last BEGIN lines since its last block that decoded
  for (const m of markers) {
    const begins = open.get(m.version) ?? [];
    if (m.kind === "BEGIN") {
      open.set(m.version, [...begins.slice(1 - MAX_BEGINS), m]);
      continue;
    }
    const tried = begins.map((b) => ({ b, e: m, decoded: m.version === 1 ? decodeV1(lines, b, m) : decodeV2(lines, b, m) }));
    const c = tried.find((t) => t.decoded.ok) ?? tried.at(-1);
    if (c?.decoded.ok) open.clear();
    if (c) out.push(c);
  }
  return out;
}

/**
 * Find the one scenario block of a saved mail. Blocks of format 1 and 2 are
 * read; a block quoted inside a later block's own text (its claim quoting
 * the markers) is that block's text, not a block; a stray BEGIN line, or an
 * END line inside a format 1 block's JSON, does not cut the block. Errors
 * name the lines: no block, block altered (checksum mismatch), a format
 * this version does not read, two different blocks.
 */
export function findBlock(text: string): BlockSearch {
  const lines = mailLines(text);
  const markers: Marker[] = [];
  lines.forEach((line, i) => {
    const m = line.includes("FAULTLINE SCENARIO") ? parseMarker(line, i) : null;
    if (m) markers.push(m);
  });
  const unknown = markers.find((m) => m.version !== 1 && m.version !== BLOCK_FORMAT);
  if (unknown) return { ok: false, found: true, error: `the FAULTLINE SCENARIO block at line ${unknown.at + 1} is format v${unknown.version}; this faultline reads formats 1 and ${BLOCK_FORMAT}` };
  const tried = candidates(lines, markers);
  const decoded = tried.flatMap((c) => (c.decoded.ok ? [{ ...c, data: c.decoded.data }] : []));
  // A block whose own text quotes the markers: what comes before it is its text.
  const quoting = decoded.findLast((c) => JSON.stringify(c.data).includes("FAULTLINE SCENARIO"));
  // Failed attempts inside a block that decoded (an END line in its JSON) are part of it.
  const failed = tried.find((c) => !c.decoded.ok && (!quoting || c.b.at >= quoting.b.at) && !decoded.some((g) => g.b.at <= c.b.at && c.e.at <= g.e.at));
  if (failed && !failed.decoded.ok) return { ok: false, found: true, error: failed.decoded.error };
  const blocks = decoded.filter((c) => !quoting || c.b.at >= quoting.b.at);
  const last = blocks.at(-1);
  if (!last) {
    const begin = markers.find((m) => m.kind === "BEGIN");
    return begin
      ? { ok: false, found: true, error: `the BEGIN FAULTLINE SCENARIO line at line ${begin.at + 1} has no END line after it` }
      : { ok: false, found: false, error: "no FAULTLINE SCENARIO block found" };
  }
  const canonical = (c: { data: unknown }) => canonicalJson(c.data as Json);
  const other = blocks.find((c) => canonical(c) !== canonical(last));
  if (other) return { ok: false, found: true, error: `two FAULTLINE SCENARIO blocks with different scenarios (${span(other.b, other.e)} and ${last.b.at + 1}-${last.e.at + 1}): save one per file` };
  return {
    ok: true,
    block: {
      format: last.e.version as 1 | 2,
      begin: last.b.at + 1,
      end: last.e.at + 1,
      data: last.data,
      above: lines.slice(0, last.b.at).map((l) => unquote(l, last.b.prefix)),
    },
  };
}
