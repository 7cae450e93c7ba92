// The validator holds only what the model can: nesting, ops run, page sets
// and seed ranges are bounded; JSON text is read with line:column for every
// syntax error, duplicate keys and out-of-range numbers refused; errors print
// bounded. Nothing crashes, whatever the input.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { formatError, formatErrors, MAX_FULLY_CHECKED_VALUES, MAX_JSON_DEPTH, MAX_OP_NESTING, MAX_OPS_RUN, MAX_PREDICATE_NESTING, validateScenario, validateScenarioText } from "../src/scenario/index.js";
import { readJsonText } from "../src/scenario/json-text.js";

const INPUTS = new URL("fixtures/inputs/", import.meta.url);
const input = (name: string) => readFileSync(new URL(name, INPUTS), "utf8");

const errorsOf = (data: unknown) => {
  const v = validateScenario(data);
  assert.equal(v.ok, false, "validated");
  return (v as { errors: Parameters<typeof formatError>[0][] }).errors.map(formatError);
};

const task = (ops: unknown[]) => ({ title: "t", tasks: [{ name: "A", ops }] });
const nest = <T>(depth: number, leaf: T, wrap: (inner: unknown) => unknown): unknown => {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
};
const repeat = (inner: unknown) => ({ op: "repeat", count: 1, ops: [inner] });
const property = (exists: unknown) => ({ ...task([]), property: { exists, verdict: "always", seeds: { from: 0, count: 1 } } });

describe("nesting is bounded before anything recursive sees it", () => {
  it("repeat nested 222 deep (shared/inputs): an error naming the path and the depth limit, no stack overflow", () => {
    const got = errorsOf(JSON.parse(input("validate-stack-overflow-repeat-depth.json")));
    assert.equal(got.length, 1);
    assert.match(got[0]!, new RegExp(`^\\$\\.tasks\\[0\\]\\.ops\\[0\\](\\.ops\\[0\\]){30}: expected at most ${MAX_JSON_DEPTH} levels of nested arrays and objects .*, found level 65 here$`));
  });

  it("a predicate nested 1000 deep, an array nested 4000 deep in title, a ret nested 2400 deep", () => {
    assert.match(errorsOf(property(nest(1000, { status: "ok" }, (p) => ({ not: p }))))[0]!, /^\$\.property\.exists(\.not){62}: expected at most 64 levels/);
    assert.match(errorsOf({ ...task([]), title: nest(4000, [], (a) => [a]) })[0]!, /^\$\.title(\[0\]){63}: expected at most 64 levels/);
    const ret = property({ event: { fn: "f", ret: nest(2400, 1, (r) => [r]) } });
    assert.match(errorsOf(ret)[0]!, /^\$\.property\.exists\.event\.ret(\[0\]){60}: expected at most 64 levels/);
  });

  it(`op lists nest at most ${MAX_OP_NESTING} deep, repeat and fork alike`, () => {
    assert.equal(validateScenario(task([nest(MAX_OP_NESTING - 1, { op: "cond_resched" }, repeat)])).ok, true);
    const deep = `$.tasks[0].ops[0]${".ops[0]".repeat(MAX_OP_NESTING - 1)}.ops`;
    assert.deepEqual(errorsOf(task([nest(MAX_OP_NESTING, { op: "cond_resched" }, repeat)])), [
      `${deep}: expected op lists (the ops of repeat and of a fork's child) nested at most ${MAX_OP_NESTING} deep, found level ${MAX_OP_NESTING + 1} here`,
    ]);
    let child = 0;
    const forks = nest(MAX_OP_NESTING, { op: "exit" }, (inner) => ({ op: "fork", child: { name: `c${child++}`, ops: [inner] } }));
    assert.match(errorsOf({ ...task([forks]), mm: { vmas: [] } })[0]!, /^\$\.tasks\[0\]\.ops\[0\](\.child\.ops\[0\]){7}\.child\.ops: expected op lists .* nested at most 8 deep/);
  });

  it(`predicates nest at most ${MAX_PREDICATE_NESTING} deep`, () => {
    assert.equal(validateScenario(property(nest(MAX_PREDICATE_NESTING - 1, { status: "ok" }, (p) => ({ all: [p] })))).ok, true);
    assert.deepEqual(errorsOf(property(nest(MAX_PREDICATE_NESTING, { status: "ok" }, (p) => ({ any: [p] })))), [
      `$.property.exists${".any[0]".repeat(MAX_PREDICATE_NESTING)}: expected predicates (all, any, not) nested at most ${MAX_PREDICATE_NESTING} deep, found level ${MAX_PREDICATE_NESTING + 1} here`,
    ]);
  });
});

describe("the ops a scenario runs are bounded with repeat counts multiplied out", () => {
  it(`refuses more than ${MAX_OPS_RUN} ops, at the op that runs the most`, () => {
    assert.equal(validateScenario(task([{ op: "repeat", count: 1e6, ops: [{ op: "cpu", ns: 1 }] }])).ok, true);
    const ops = [{ op: "cond_resched" }, { op: "repeat", count: 1e6, ops: [{ op: "repeat", count: 1e6, ops: [{ op: "cpu", ns: 1 }, { op: "cond_resched" }] }] }];
    assert.deepEqual(errorsOf(task(ops)), [`$.tasks[0].ops[1]: expected at most ${MAX_OPS_RUN} ops run by all tasks, repeat counts multiplied out (this op runs 2000000000000), found 2000000000001 ops run`]);
    const many = { title: "t", tasks: Array.from({ length: 11 }, (_, i) => ({ name: `T${i}`, ops: [{ op: "repeat", count: 1e6, ops: [{ op: "cond_resched" }] }] })) };
    assert.match(errorsOf(many)[0]!, /^\$\.tasks\[0\]\.ops\[0\]: expected at most 10000000 ops .*this op runs 1000000\), found 11000000 ops run$/);
  });
});

describe("the model holds what the validator accepts", () => {
  it("resident, swapped and swapcache all \"all\" (shared/inputs): the overlap is refused", () => {
    assert.deepEqual(errorsOf(JSON.parse(input("page-sets-all-overlap-accepted.json"))), [
      '$.mm.vmas[0].swapped: expected a set of pages not in resident ("all" is every page, and a page has one state), found "all" (string)',
      '$.mm.vmas[0].swapcache: expected a set of pages not in resident ("all" is every page, and a page has one state), found "all" (string)',
    ]);
  });

  it("a file VMA's mapped pages may be named in pagecache too (they are cached)", () => {
    assert.equal(validateScenario({ ...task([]), mm: { vmas: [{ name: "f", kind: "file", pages: 4, pagecache: "all", mapped: [1] }] } }).ok, true);
  });

  it("a property seed range past 2^32 (shared/inputs): refused at the count", () => {
    assert.deepEqual(errorsOf(JSON.parse(input("property-seeds-past-2pow32.json"))), [
      "$.property.seeds.count: expected a seed range ending at 4294967295 at most: count <= 1 from 4294967295, found 2 (number)",
    ]);
  });
});

describe("JSON text: line:column for every syntax error, duplicate keys and out-of-range numbers refused", () => {
  const syntax = (text: string) => {
    const r = readJsonText(text);
    assert.equal(r.ok, false, text);
    const e = (r as { error: { line: number; column: number; message: string } }).error;
    return `${e.line}:${e.column}: ${e.message}`;
  };

  it("syntax errors", () => {
    assert.equal(syntax(""), "1:1: empty input: no JSON value");
    assert.equal(syntax("\n \n"), "1:1: empty input: no JSON value");
    assert.equal(syntax('{"a": 1,\n "b": [1, 2,]}'), '2:12: trailing comma before "]"');
    assert.equal(syntax('{"a": 1,\n}'), '1:8: trailing comma before "}"');
    assert.equal(syntax('{"a": }'), '1:7: unexpected "}": expected a value');
    assert.equal(syntax('{"a" 1}'), '1:6: unexpected "1": expected ":" after the key');
    assert.equal(syntax("{a: 1}"), '1:2: unexpected "a": expected a key in double quotes or "}"');
    assert.equal(syntax('{"a": "x\ny"}'), "1:9: control character in a string (escape it)");
    assert.equal(syntax('{"a": "\\x"}'), "1:8: invalid escape in a string");
    assert.equal(syntax('{"a": "x'), "1:7: unterminated string");
    assert.equal(syntax('{"a": 01}'), '1:8: unexpected "1": expected "," or "}"');
    assert.equal(syntax("[1, 2"), "1:6: unexpected end of input (1 unclosed bracket)");
    assert.equal(syntax("{} {}"), '1:4: unexpected "{" after the JSON value');
  });

  it("reads what JSON.parse reads, nested a million deep without recursion", () => {
    for (const text of ['{"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"], "b": {}}', "[]", '"x"', "0"]) {
      const r = readJsonText(text);
      assert.ok(r.ok);
      assert.deepEqual(r.value, JSON.parse(text));
    }
    const deep = "[".repeat(1e6) + "]".repeat(1e6);
    assert.ok(readJsonText(deep).ok);
  });

  it("a duplicate key: its path and line:column, and where the first was", () => {
    const text = '{"title": "t",\n "tasks": [{"name": "A", "ops": [],\n   "name": "B"}], "title": "u"}';
    const v = validateScenarioText(text);
    assert.ok(!v.ok && "errors" in v);
    assert.deepEqual(v.errors.map(formatError), [
      '$.tasks[0].name (3:4): expected each key once per object (first given at 2:13), found "name" again',
      '$.title (3:19): expected each key once per object (first given at 1:2), found "title" again',
    ]);
    // An escape does not hide a duplicate.
    const escaped = readJsonText('{"a": 1, "\\u0061": 2}');
    assert.ok(escaped.ok);
    assert.deepEqual(escaped.errors.map(formatError), ['$.a (1:10): expected each key once per object (first given at 1:2), found "a" again']);
  });

  it("1e400 is a number out of range, not null", () => {
    const v = validateScenarioText('{"title": "t", "seed": 1e400, "tasks": [{"name": "A", "ops": []}]}');
    assert.ok(!v.ok && "errors" in v);
    assert.deepEqual(v.errors.map(formatError), ["$.seed (1:24): expected a number within the double range (about ±1.8e308), found 1e400 (number out of range)"]);
  });

  it("a byte order mark is dropped", () => {
    const v = validateScenarioText('\ufeff{"title": "t", "tasks": [{"name": "A", "ops": []}]}');
    assert.ok(v.ok);
  });
});

describe("errors print bounded", () => {
  it("the first 20, then how many more", () => {
    const v = validateScenario({ title: "t", tasks: Array.from({ length: 500 }, () => ({})) });
    assert.ok(!v.ok);
    assert.equal(v.errors.length, 1000);
    const lines = formatErrors(v.errors, { partial: v.partial });
    assert.equal(lines.length, 21);
    assert.equal(lines[20], "... and 980 more");
  });

  it(`a document of more than ${MAX_FULLY_CHECKED_VALUES} values is checked up to its first errors`, () => {
    const v = validateScenario({ title: "t", tasks: Array.from({ length: MAX_FULLY_CHECKED_VALUES }, () => ({})) });
    assert.ok(!v.ok);
    assert.equal(v.partial, true);
    assert.ok(v.errors.length < 10, `${v.errors.length} errors`);
    assert.match(formatErrors(v.errors, { partial: true }).at(-1)!, /checking stopped at the first errors of a large document/);
  });
});
