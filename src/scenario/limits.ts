/**
 * The size limits of the scenario format: how deep a document nests, how deep
 * repeat/fork op lists and predicates nest, and how many ops a scenario runs
 * with its repeat counts multiplied out. The depth is checked first, by an
 * iterative scan, so that nothing recursive (the schema check, the
 * canonical form, the run) ever sees a document deeper than it can hold;
 * every reader and encoder of JSON from outside (permalinks, citation
 * blocks, the public canonical form) bounds it with {@link jsonDepthError}.
 *
 * @module
 */
import { formatError, memberPath, type ScenarioError } from "./error.js";
import type { OpSpec, PredicateSpec, ScenarioSpec } from "./schema.js";

/** Deepest nesting of arrays and objects in a scenario document (the document itself is level 1). */
export const MAX_JSON_DEPTH = 64;
/** Deepest nesting of op lists: a task's ops are level 1, the ops of a repeat or of a fork's child one level more. */
export const MAX_OP_NESTING = 8;
/** Deepest nesting of predicates: `property.exists` is level 1, each `all`, `any` or `not` adds one. */
export const MAX_PREDICATE_NESTING = 16;
/** Most ops a scenario's tasks (fork children included) run in all, each repeat's ops counted `count` times. */
export const MAX_OPS_RUN = 10_000_000;

/** What {@link scanJson} found: the number of JSON values, and the first value nested deeper than {@link MAX_JSON_DEPTH}. */
export interface JsonShape {
  /** Arrays, objects and scalars in the document. */
  readonly values: number;
  /** The error for the first too-deep value, if there is one. */
  readonly tooDeep: ScenarioError | null;
}

interface Node {
  readonly value: object;
  readonly depth: number;
  readonly key: string | number;
  readonly parent: Node | null;
}

/** Count the values of parsed JSON and find the first one nested too deep, without recursion. */
export function scanJson(data: unknown): JsonShape {
  if (typeof data !== "object" || data === null) return { values: 1, tooDeep: null };
  let values = 1;
  const stack: Node[] = [{ value: data, depth: 1, key: "", parent: null }];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.depth > MAX_JSON_DEPTH) {
      let path = "";
      for (let n: Node | null = node; n?.parent; n = n.parent) path = memberPath("", n.key) + path;
      return {
        values,
        tooDeep: {
          path: `$${path}`,
          expected: `at most ${MAX_JSON_DEPTH} levels of nested arrays and objects (op lists nest at most ${MAX_OP_NESTING} deep, predicates ${MAX_PREDICATE_NESTING})`,
          found: `level ${node.depth} here`,
        },
      };
    }
    const keys = Array.isArray(node.value) ? null : Object.keys(node.value);
    const n = keys ? keys.length : (node.value as unknown[]).length;
    values += n;
    for (let i = n - 1; i >= 0; i--) {
      const key = keys ? keys[i]! : i;
      const value = (node.value as Record<string | number, unknown>)[key];
      if (typeof value === "object" && value !== null) stack.push({ value, depth: node.depth + 1, key, parent: node });
    }
  }
  return { values, tooDeep: null };
}

/**
 * JSON nested deeper than {@link MAX_JSON_DEPTH} met where the next step
 * recurses (the canonical form, `JSON.stringify`): it would overflow the
 * stack. The message names what was given, the path of the first value too
 * deep and the limit.
 */
export class JsonDepthError extends Error {
  /** The first value nested too deep: its path, the limit and its level. */
  readonly error: ScenarioError;
  constructor(what: string, error: ScenarioError) {
    super(`${what} is nested too deep: ${formatError(error)}`);
    this.name = "JsonDepthError";
    this.error = error;
  }
}

/**
 * The {@link JsonDepthError} of `data` (named `what` in the message) if it
 * nests deeper than {@link MAX_JSON_DEPTH}, else null; found by
 * {@link scanJson}, without recursion. Callers that return errors take its
 * message; callers that throw, throw it.
 */
export function jsonDepthError(data: unknown, what: string): JsonDepthError | null {
  const deep = scanJson(data).tooDeep;
  return deep && new JsonDepthError(what, deep);
}

/** Op lists nested past {@link MAX_OP_NESTING}, predicates past {@link MAX_PREDICATE_NESTING}, and more than {@link MAX_OPS_RUN} ops run. */
export function nestingErrors(s: ScenarioSpec): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const deep = (what: string, max: number, path: string) =>
    errors.push({ path, expected: `${what} nested at most ${max} deep`, found: `level ${max + 1} here` });
  /** Ops `list` runs, repeat counts multiplied out; the first too-deep list is reported. */
  const opsRun = (list: readonly OpSpec[], at: string, level: number): number => {
    if (level > MAX_OP_NESTING) {
      deep("op lists (the ops of repeat and of a fork's child)", MAX_OP_NESTING, at);
      return 0;
    }
    return list.reduce((n, op, j) => n + opRuns(op, memberPath(at, j), level), 0);
  };
  const opRuns = (op: OpSpec, at: string, level: number): number =>
    op.op === "repeat" ? op.count * opsRun(op.ops, `${at}.ops`, level + 1) : op.op === "fork" ? 1 + opsRun(op.child.ops, `${at}.child.ops`, level + 1) : 1;
  let total = 0;
  let biggest = { at: "$.tasks", runs: 0 };
  s.tasks.forEach((t, i) => {
    t.ops.forEach((op, j) => {
      const at = `$.tasks[${i}].ops[${j}]`;
      const runs = opRuns(op, at, 1);
      total += runs;
      if (runs > biggest.runs) biggest = { at, runs };
    });
  });
  if (total > MAX_OPS_RUN) {
    errors.push({
      path: biggest.at,
      expected: `at most ${MAX_OPS_RUN} ops run by all tasks, repeat counts multiplied out (this op runs ${biggest.runs})`,
      found: `${total} ops run`,
    });
  }
  const predicate = (p: PredicateSpec, at: string, level: number): void => {
    if (level > MAX_PREDICATE_NESTING) return void deep("predicates (all, any, not)", MAX_PREDICATE_NESTING, at);
    p.all?.forEach((q, i) => predicate(q, `${at}.all[${i}]`, level + 1));
    p.any?.forEach((q, i) => predicate(q, `${at}.any[${i}]`, level + 1));
    if (p.not) predicate(p.not, `${at}.not`, level + 1);
  };
  if (s.property) predicate(s.property.exists, "$.property.exists", 1);
  return errors;
}
