// JSON of any depth from outside (an encoder's argument, a permalink, a
// citation block with a valid sum, a file on stdin) is refused with a message
// naming the path and MAX_JSON_DEPTH before anything recursive (the RFC 8785
// serializer, JSON.stringify, the schema check) reads it: no stack overflow.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { deflateSync, strToU8 } from "fflate";
import { payloadBlock, V1_MARKERS } from "../src/cite/block.js";
import { EXIT } from "../src/cli/exit.js";
import { canonicalJson, decodePermalink, encodePermalink, JsonDepthError, MAX_JSON_DEPTH, readCitation, type ScenarioSpec } from "../src/index.js";

const DEPTH = 10_000;
const BIN = new URL("../src/bin/faultline.js", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "faultline-deep-"));

/** `[[[...1...]]]`, `DEPTH` arrays deep, as a value and as text. */
const deepArray = (): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < DEPTH; i++) v = [v];
  return v;
};
const deepText = `${"[".repeat(DEPTH)}1${"]".repeat(DEPTH)}`;
/** A scenario text with the deep array as its title. */
const scenarioText = `{"title":${deepText},"tasks":[{"name":"A","ops":[]}]}`;
/** A format 2 block's data: the excerpt, and that scenario. */
const citedText = `{"excerpt":12,"scenario":${scenarioText}}`;
/** base64url(deflate(text)): a payload as encodeCompact writes one, of a text encodeCompact refuses to write. */
const payload = (text: string) => Buffer.from(deflateSync(strToU8(text), { level: 9 })).toString("base64url");

/** `$<prefix>[0][0]...: expected at most 64 levels ...`: the first value too deep, its path and the limit. */
const tooDeep = (prefix: string) => new RegExp(`${prefix.replace(/[$.[\]]/g, "\\$&")}(\\[0\\]){${MAX_JSON_DEPTH + 1 - prefix.split(".").length}}: expected at most ${MAX_JSON_DEPTH} levels of nested arrays and objects .*, found level ${MAX_JSON_DEPTH + 1} here`);

function cli(args: string[], input?: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", ...(input === undefined ? {} : { input }) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const noStack = (err: string) => assert.doesNotMatch(err, /RangeError|Maximum call stack|\n\s+at /, err);

describe(`JSON nested ${DEPTH} deep is refused, naming the limit, not a stack overflow`, () => {
  it("canonicalJson (the public canonical form): JsonDepthError at the first value too deep", () => {
    assert.throws(() => canonicalJson(deepArray() as never), (e: unknown) => e instanceof JsonDepthError && tooDeep("$").test(e.message) && e.message.startsWith("value is nested too deep: "));
  });

  it("encodePermalink: JsonDepthError naming the scenario's path", () => {
    const spec = { title: deepArray(), tasks: [] } as unknown as ScenarioSpec;
    assert.throws(() => encodePermalink(spec), (e: unknown) => e instanceof JsonDepthError && tooDeep("$.title").test(e.message) && e.message.startsWith("scenario is nested too deep: "));
  });

  it("decodePermalink: a message, never an exception", () => {
    const d = decodePermalink(payload(scenarioText));
    assert.equal(d.ok, false);
    assert.match((d as { error: string }).error, tooDeep("$.title"));
  });

  it("a format 2 citation block with a correct sum: readCitation names the block and the path", () => {
    const r = readCitation(["Subject: deep", "", ...payloadBlock(payload(citedText))].join("\n"));
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /^the FAULTLINE SCENARIO block at lines 3-\d+: block is nested too deep: /);
    assert.match((r as { error: string }).error, tooDeep("$.scenario.title"));
  });

  it("a format 1 citation block: the same", () => {
    const r = readCitation([V1_MARKERS.begin, citedText, V1_MARKERS.end].join("\n"));
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /^the FAULTLINE SCENARIO block at lines 1-3: its JSON is nested too deep: /);
    assert.match((r as { error: string }).error, tooDeep("$.scenario.title"));
  });

  it(`faultline replay of that block: exit ${EXIT.citation} with the message, no stack trace`, () => {
    const mail = join(tmp, "deep-mail.txt");
    writeFileSync(mail, ["Subject: deep", "", ...payloadBlock(payload(citedText)), ""].join("\n"));
    const r = cli(["replay", mail]);
    noStack(r.err);
    assert.equal(r.code, EXIT.citation, r.err);
    assert.match(r.err, /^faultline: .*deep-mail\.txt: the FAULTLINE SCENARIO block at lines 3-\d+: block is nested too deep: /);
    assert.match(r.err, tooDeep("$.scenario.title"));
  });

  it(`faultline run - (a scenario on stdin): exit ${EXIT.schema} with the path and the limit, no stack trace`, () => {
    const r = cli(["run", "-"], scenarioText);
    noStack(r.err);
    assert.equal(r.code, EXIT.schema, r.err);
    assert.match(r.err, /^faultline: - is not a valid scenario:\n/);
    assert.match(r.err, tooDeep("$.title"));
  });
});
