/**
 * Scenario JSON text: one reader for files, citations and permalinks. It
 * gives a line and column for every syntax error (an empty text and a
 * trailing comma included), and finds what `JSON.parse` silently accepts but
 * a scenario must not hold: a key given twice in one object (JSON.parse keeps
 * the last) and a number outside the double range (JSON.parse makes it
 * Infinity). A UTF-8 byte order mark before the text is dropped (RFC 8259
 * section 8.1 lets a parser ignore it), wherever the text comes from.
 *
 * The scan is iterative, so any nesting depth is read without recursion;
 * `scanJson` (limits.ts) then bounds the depth of the value.
 *
 * @module
 */
import { memberPath, type ScenarioError } from "./error.js";

/** A JSON syntax error at a 1-based line and column. */
export interface JsonSyntaxError {
  readonly line: number;
  readonly column: number;
  /** What is wrong there (`unexpected "}" after a comma: trailing comma`). */
  readonly message: string;
}

/** Result of {@link readJsonText}: the value and what the text holds that a scenario may not, or the first syntax error. */
export type JsonText = { ok: true; value: unknown; errors: ScenarioError[]; partial: boolean } | { ok: false; error: JsonSyntaxError };

/** 1-based line and column of character offsets in `text` (the line starts are found once, on the first call). */
export function lineColumns(text: string): (offset: number) => { line: number; column: number } {
  let starts: number[] | null = null;
  return (offset) => {
    if (starts === null) {
      starts = [0];
      for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

/** Most duplicate keys and out-of-range numbers {@link readJsonText} lists; past it the result is partial. */
export const MAX_TEXT_ERRORS = 1000;

const WHITESPACE = /[ \t\n\r]*/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERAL = /true|false|null/y;

interface Frame {
  readonly array: boolean;
  /** The member being read: the array index or the object key. */
  member: string | number;
  /** Keys seen in this object, with their offsets. */
  keys: Map<string, number> | null;
}

function match(re: RegExp, text: string, at: number): string | null {
  re.lastIndex = at;
  const m = re.exec(text);
  return m ? m[0] : null;
}

/** Why a string starting at `at` does not scan: the offset and message of the first bad character. */
function badString(text: string, at: number): [number, string] {
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) break;
    if (c < 0x20) return [i, "control character in a string (escape it)"];
    if (c === 0x5c) {
      if (/^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.test(text.slice(i + 1, i + 6))) i += text[i + 1] === "u" ? 5 : 1;
      else return [i, "invalid escape in a string"];
    }
  }
  return [at, "unterminated string"];
}

function describe(c: string): string {
  return c === '"' ? "a string" : JSON.stringify(c);
}

/**
 * Read JSON text: the parsed value plus the duplicate keys and out-of-range
 * numbers it holds (each with its path and line:column), or the first syntax
 * error with its line:column.
 */
export function readJsonText(source: string): JsonText {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const at = lineColumns(text);
  const fail = (offset: number, message: string): JsonText => ({ ok: false, error: { ...at(offset), message } });
  const errors: ScenarioError[] = [];
  let partial = false;
  const problem = (e: ScenarioError) => (errors.length < MAX_TEXT_ERRORS ? errors.push(e) : (partial = true));
  const stack: Frame[] = [];
  const path = () => stack.reduce((p, f) => memberPath(p, f.member), "$");
  // What may come next: a value, an object key, ":", "," or a closing bracket, or nothing.
  type Want = "value" | "first-value" | "key" | "first-key" | "colon" | "next" | "end";
  let want: Want = "value" as Want;
  let comma = -1;
  let i = 0;
  const afterValue = (): Want => (stack.length === 0 ? "end" : "next");
  for (;;) {
    WHITESPACE.lastIndex = i;
    WHITESPACE.exec(text);
    i = WHITESPACE.lastIndex;
    if (i >= text.length) {
      if (want === "end") break;
      return fail(text.trim() === "" ? 0 : i, text.trim() === "" ? "empty input: no JSON value" : `unexpected end of input (${stack.length} unclosed bracket${stack.length === 1 ? "" : "s"})`);
    }
    const c = text[i]!;
    const top = stack[stack.length - 1];
    const close = top ? (top.array ? "]" : "}") : "";
    if ((want === "first-value" || want === "first-key") && c === close) {
      stack.pop();
      i++;
      want = afterValue();
      continue;
    }
    if ((want === "value" || want === "key") && comma >= 0 && (c === "]" || c === "}")) return fail(comma, `trailing comma before "${c}"`);
    switch (want) {
      case "value":
      case "first-value": {
        if (c === "{" || c === "[") {
          stack.push({ array: c === "[", member: 0, keys: null });
          want = c === "[" ? "first-value" : "first-key";
          comma = -1;
          i++;
          continue;
        }
        const token = c === '"' ? match(STRING, text, i) : c === "-" || (c >= "0" && c <= "9") ? match(NUMBER, text, i) : match(LITERAL, text, i);
        if (token === null) {
          if (c === '"') return fail(...badString(text, i));
          return fail(i, c === "-" || (c >= "0" && c <= "9") ? "invalid number" : `unexpected ${describe(c)}: expected a value`);
        }
        if (c !== '"' && c !== "t" && c !== "f" && c !== "n" && !Number.isFinite(Number(token))) {
          problem({ path: path(), expected: "a number within the double range (about ±1.8e308)", found: `${token} (number out of range)`, at: at(i) });
        }
        i += token.length;
        comma = -1;
        want = afterValue();
        continue;
      }
      case "key":
      case "first-key": {
        const token = c === '"' ? match(STRING, text, i) : null;
        if (token === null) return c === '"' ? fail(...badString(text, i)) : fail(i, `unexpected ${describe(c)}: expected a key in double quotes${want === "first-key" ? ' or "}"' : ""}`);
        const key = token.includes("\\") ? (JSON.parse(token) as string) : token.slice(1, -1);
        top!.member = key;
        top!.keys ??= new Map();
        const first = top!.keys.get(key);
        if (first === undefined) top!.keys.set(key, i);
        else {
          const was = at(first);
          problem({ path: path(), expected: `each key once per object (first given at ${was.line}:${was.column})`, found: `${JSON.stringify(key)} again`, at: at(i) });
        }
        i += token.length;
        comma = -1;
        want = "colon";
        continue;
      }
      case "colon":
        if (c !== ":") return fail(i, `unexpected ${describe(c)}: expected ":" after the key`);
        i++;
        want = "value";
        continue;
      case "next":
        if (c === ",") {
          comma = i;
          i++;
          if (top!.array) top!.member = (top!.member as number) + 1;
          want = top!.array ? "value" : "key";
          continue;
        }
        if (c === close) {
          stack.pop();
          i++;
          want = afterValue();
          continue;
        }
        return fail(i, `unexpected ${describe(c)}: expected "," or "${close}"`);
      case "end":
        return fail(i, `unexpected ${describe(c)} after the JSON value`);
    }
  }
  return { ok: true, value: JSON.parse(text), errors, partial };
}
