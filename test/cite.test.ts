// Mail citations through what mailers do to them: quoting, indentation,
// CRLF, trailing whitespace and NBSPs, format=flowed soft breaks, reflow and
// hard breaks. A citation either replays as reproduced or fails with a
// named error; an edit of any line never replays as "reproduced".
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { findBlock, payloadBlock } from "../src/cite/block.js";
import { citeBlock } from "../src/cite/cite.js";
import { readCitation } from "../src/cite/replay.js";
import { EXIT } from "../src/cli/exit.js";
import { main } from "../src/cli/index.js";
import { decodePermalink, encodeCompact, runScenario, type ScenarioSpec } from "../src/scenario/index.js";

const tmp = mkdtempSync(join(tmpdir(), "faultline-cite-"));
let files = 0;
const FIXTURES = "test/fixtures/cite";
const spec = (file: string): ScenarioSpec => JSON.parse(readFileSync(file, "utf8"));
const abba = spec("data/abba-lock-inversion.json");
const fpu = spec("data/fpu-prefault-as-merged-v5.2-rc1.json");
const cite = (s: ScenarioSpec, options = {}) => citeBlock(s, runScenario(s), options);

/** `faultline <args...>` in this process, `text` saved as the file argument; stdout and stderr captured. */
async function cli(command: string, text: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const path = join(tmp, `${files++}.txt`);
  writeFileSync(path, text);
  let out = "";
  let err = "";
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    const code = await main([command, ...args, path], (t) => (out += t));
    return { code, out, err };
  } finally {
    process.stderr.write = write;
  }
}
const replay = (text: string) => cli("replay", text);

async function assertReproduced(text: string, what: string): Promise<void> {
  const r = await replay(text);
  assert.equal(r.code, EXIT.ok, `${what}:\n${r.out}${r.err}`);
  assert.match(r.out, /^reproduced: /, what);
}

/** The permalink of a citation: its lines after "Open in the playground:", joined. */
function permalinkOf(text: string): string {
  const lines = text.split("\n");
  const from = lines.indexOf("Open in the playground:") + 1;
  assert.ok(from > 0, "the citation has a permalink");
  return lines.slice(from, lines.indexOf("Reproduce: save this text and run")).join("");
}

/** Every line with `f` applied, line ends kept as LF. */
const mapLines = (text: string, f: (line: string, i: number) => string) => text.replace(/\n$/, "").split("\n").map(f).join("\n") + "\n";

describe("citation blocks: the failing inputs", () => {
  it("a wrapped line of the block that starts with > is text, not a quote mark (cite, then replay)", async () => {
    const block = await cli("cite", readFileSync(`${FIXTURES}/fn-gt-at-line-start.json`, "utf8"));
    assert.equal(block.code, EXIT.ok, block.err);
    await assertReproduced(block.out, "format 2");
    // The same scenario cited in format 1 with the > at the start of a JSON line.
    const v1 = readFileSync(`${FIXTURES}/v1-fn-gt-at-line-start.txt`, "utf8");
    assert.match(v1, /^>y",/m, "the fixture has a JSON line starting with >");
    await assertReproduced(v1, "format 1");
    await assertReproduced(mapLines(v1, (l) => `> ${l}`), "format 1 quoted");
  });

  it("an edited visible trace hash is not reproduced: replay names the line, expected and found", async () => {
    const r = await replay(readFileSync(`${FIXTURES}/v1-visible-hash-edited.txt`, "utf8"));
    assert.equal(r.code, EXIT.mismatch, r.out + r.err);
    assert.match(r.out, /NOT reproduced: ABBA.*\n {2}the cited text is not what this run gives: line 14: expected "bbf6a700dffb34d72cf3b7ae3279e8c0", found "bbf0a700dffb34d72cf3b7ae3279e8c0"/);
  });

  it("a block indented by a mail client (4 spaces, or a tab) replays", async () => {
    const v1 = readFileSync(`${FIXTURES}/v1-indented-4-spaces.txt`, "utf8");
    await assertReproduced(v1, "format 1, 4 spaces");
    await assertReproduced(v1.replace(/^ {4}/gm, "\t"), "format 1, a tab");
    await assertReproduced(mapLines(cite(abba), (l) => `    ${l}`), "format 2, 4 spaces");
    await assertReproduced(mapLines(cite(abba), (l) => `\t${l}`), "format 2, a tab");
  });
});

describe("citation blocks: what mailers do", () => {
  const block = cite(fpu, { playground: "https://faultline.example/playground" });

  it("format 2: the version in the BEGIN line, a checksum in the END line, every line within 72 columns, the permalink's too", () => {
    const lines = block.split("\n");
    assert.ok(lines.includes("-----BEGIN FAULTLINE SCENARIO v2-----"));
    assert.ok(lines.some((l) => /^-----END FAULTLINE SCENARIO v2 sum [0-9a-f]{16}-----$/.test(l)));
    assert.deepEqual(lines.filter((l) => l.length > 72), []);
    assert.ok(permalinkOf(block).length > 72 * 3, "the permalink spans several lines");
  });

  it("every data/ scenario cites in lines of at most 72 columns, far under mail's 998, with the playground's permalink", () => {
    for (const f of readdirSync("data").filter((f) => f.endsWith(".json"))) {
      const text = cite(spec(`data/${f}`), { playground: "https://faultline.example/some/deeper/path/playground" });
      const long = text.split("\n").filter((l) => l.length > 72);
      assert.deepEqual(long, [], f);
    }
  });

  it("a saved mail whose permalink is one line (as cited before it was cut) still replays, and replay prints the permalink whole", async () => {
    const url = permalinkOf(block);
    const lines = block.split("\n");
    const joined = [...lines.slice(0, lines.indexOf("Open in the playground:") + 1), url, ...lines.slice(lines.indexOf("Reproduce: save this text and run"))].join("\n");
    const r = await replay(joined);
    assert.equal(r.code, EXIT.ok, r.out + r.err);
    assert.ok(r.out.includes(`  open in the playground: ${url}\n`), r.out);
  });

  it("quoting at any level, with or without spaces, and mixed", async () => {
    for (const prefix of ["> ", ">> ", ">>", "> > ", ">>> ", " > "]) await assertReproduced(mapLines(block, (l) => prefix + l), JSON.stringify(prefix));
    await assertReproduced(mapLines(block, (l, i) => (i % 2 ? ">> " : "> > ") + l), "alternating >> and > >");
    await assertReproduced(mapLines(block, (l) => (l ? `> ${l}` : ">")), "empty lines quoted without the space");
  });

  it("CRLF, trailing spaces, tabs and NBSPs", async () => {
    await assertReproduced(block.replace(/\n/g, "\r\n"), "CRLF");
    await assertReproduced(mapLines(block, (l, i) => l + [" ", "\t", "\u00a0", "  \u00a0 "][i % 4]), "trailing whitespace");
    await assertReproduced(mapLines(block, (l) => `> ${l}\u00a0`).replace(/\n/g, "\r\n"), "quoted, NBSP, CRLF");
  });

  it("format=flowed soft breaks, 72-column reflow of a quoted reply, hard breaks in the middle of a word", async () => {
    const reflow = (text: string, width: number, prefix: string) =>
      mapLines(text, (l) => {
        const out: string[] = [];
        let rest = prefix + l;
        while (rest.length > width) {
          const at = rest.lastIndexOf(" ", width);
          if (at <= prefix.length) break;
          out.push(rest.slice(0, at + 1)); // the soft break keeps its space
          rest = prefix + rest.slice(at + 1);
        }
        return [...out, rest].join("\n");
      });
    // Markers are at most 56 columns: mailers reflow at 72 to 78, less a few levels of quoting.
    await assertReproduced(reflow(block, 60, ""), "soft breaks at 60 columns");
    await assertReproduced(reflow(mapLines(block, (l) => `> ${l}`), 72, ""), "a quoted reply reflowed at 72 columns, continuations unquoted");
    await assertReproduced(reflow(block, 72, "> "), "a quoted reply reflowed at 72 columns, continuations quoted");
    const hard = mapLines(block, (l) => (l.length > 20 && !l.startsWith("-----") ? `${l.slice(0, 17)}\n${l.slice(17)}` : l));
    await assertReproduced(hard, "hard breaks inside words and payload lines");
  });

  it("a surrogate pair (emoji) in the title and claim, at the wrap column", async () => {
    const emoji = { ...abba, title: `${"t".repeat(60)} 🦀 crab`, claim: `${"c".repeat(70)}🦀🦀 and ${"d".repeat(69)}🦀 end` };
    const text = cite(emoji);
    assert.ok(!text.includes("\ufffd"));
    await assertReproduced(text, "emoji");
    await assertReproduced(mapLines(text, (l) => `> ${l} `), "emoji, quoted");
  });

  it("the END marker, a second BEGIN marker and a whole fake block inside the claim do not cut the block", async () => {
    const fake = JSON.stringify({ title: "fake", tasks: [{ name: "X", ops: [] }] });
    for (const claim of [
      `text -----END FAULTLINE SCENARIO----- more text`,
      `${"y".repeat(70)} -----END FAULTLINE SCENARIO v2 sum 0123456789abcdef----- text`,
      `${"y".repeat(70)} -----BEGIN FAULTLINE SCENARIO v2----- text`,
      `${"y".repeat(70)} -----BEGIN FAULTLINE SCENARIO----- ${fake} -----END FAULTLINE SCENARIO-----`,
    ]) {
      const text = cite({ ...abba, claim });
      await assertReproduced(text, claim);
      const read = readCitation(text);
      assert.ok(read.ok && (read.citation.scenario as ScenarioSpec).claim === claim, claim);
    }
    await assertReproduced(readFileSync(`${FIXTURES}/v1-end-marker-in-claim.txt`, "utf8"), "format 1, an END line inside the JSON");
  });

  it("a stray BEGIN line before, inside or after the block", async () => {
    const begin = "-----BEGIN FAULTLINE SCENARIO v2-----";
    await assertReproduced(`${begin}\nHi, the run:\n\n${block}`, "before");
    await assertReproduced(block.replace(`${begin}\n`, `${begin}\n${begin}\n`), "a copy of the BEGIN line");
    await assertReproduced(block.replace(/^(-----BEGIN FAULTLINE SCENARIO v2-----\n(?:.*\n){2})/m, `$1> ${begin}\n`), "inside the payload");
    await assertReproduced(`${block}\n> ${begin}\nno END after this one\n`, "after");
    const v1 = readFileSync(`${FIXTURES}/v1-abba-lock-inversion.txt`, "utf8");
    await assertReproduced(`${v1}\n-----BEGIN FAULTLINE SCENARIO-----\n`, "format 1, after");
  });

  it("the README's example block replays", async () => {
    const readme = readFileSync("README.md", "utf8");
    const example = /\n```\n(faultline: ABBA[\s\S]*?-----END FAULTLINE SCENARIO v2 sum [0-9a-f]{16}-----\n)```/.exec(readme);
    assert.ok(example, "README has an example block");
    await assertReproduced(example[1]!, "README");
  });

  it("the same block twice (a reply quoting it above the original) replays", async () => {
    await assertReproduced(`${mapLines(block, (l) => `> ${l}`)}\nLooks right.\n\n${block}`, "twice");
  });
});

describe("citation blocks: format 1 (JSON wrapped at 72 columns, written before format 2)", () => {
  for (const f of ["v1-abba-lock-inversion.txt", "v1-fpu-prefault-playground.txt"]) {
    it(`${f} replays, plain, quoted and with CRLF`, async () => {
      const text = readFileSync(`${FIXTURES}/${f}`, "utf8");
      assert.ok(text.includes("\n-----BEGIN FAULTLINE SCENARIO-----\n{"), "the fixture is format 1");
      await assertReproduced(text, "plain");
      for (const prefix of ["> ", ">>", "> > "]) await assertReproduced(mapLines(text, (l) => prefix + l), JSON.stringify(prefix));
      await assertReproduced(text.replace(/\n/g, "\r\n"), "CRLF");
    });
  }

  it("an edit of the embedded title, claim, status or step budget is not reproduced", async () => {
    const v1 = readFileSync(`${FIXTURES}/v1-abba-lock-inversion.txt`, "utf8");
    const cases: [string, string, RegExp][] = [
      ["title", v1.replace('"title":"ABBA:', '"title":"ABCD:'), /cited text is not what this run gives: line 1: expected "faultline: ABCD: lockdep/],
      ["claim", v1.replace('{"claim":"Task A', '{"claim":"Task Z'), /line 4: expected "Task Z takes/],
      ["expect.status", v1.replace('"status":"ok"', '"status":"deadlock"'), /cited status deadlock, this run ok/],
      ["maxSteps", v1.replace('"locks":', '"maxSteps":3,"locks":'), /cited hash/],
    ];
    for (const [what, text, want] of cases) {
      const r = await replay(text);
      assert.equal(r.code, EXIT.mismatch, `${what}: ${r.out}${r.err}`);
      assert.match(r.out, want, what);
    }
  });
});

describe("citation blocks: every alteration is named", () => {
  const block = cite(fpu, { playground: "https://faultline.example/playground" });
  const lines = block.split("\n");
  const begin = lines.indexOf("-----BEGIN FAULTLINE SCENARIO v2-----");

  it("each visible line edited: NOT reproduced, with its line number, the line expected and the line found", async () => {
    for (let i = 0; i < begin; i++) {
      const at = lines[i]!.search(/\S\s*$/);
      if (at < 0) continue;
      const c = lines[i]![at]!;
      const edited = [...lines.slice(0, i), lines[i]!.slice(0, at) + (c === "x" ? "y" : "x") + lines[i]!.slice(at + 1), ...lines.slice(i + 1)].join("\n");
      const r = await replay(edited);
      assert.equal(r.code, EXIT.mismatch, `line ${i + 1}: ${r.out}${r.err}`);
      assert.ok(r.out.includes(`line ${i + 1}: expected ${JSON.stringify(lines[i]!.trim())}, found `), `line ${i + 1}: ${r.out}`);
    }
  });

  it("the payload edited, or a line of text inside it: block altered; no block, another format, two blocks, no END: named", async () => {
    const payload = lines[begin + 1]!;
    const cases: [string, string, RegExp][] = [
      ["a payload character", block.replace(payload, (payload[0] === "A" ? "B" : "A") + payload.slice(1)), /block altered \(checksum mismatch\): the FAULTLINE SCENARIO block at lines \d+-\d+ changed after it was cited/],
      ["a payload line lost", block.replace(`${payload}\n`, ""), /block altered \(checksum mismatch\)/],
      ["text inside the block", block.replace(`${payload}\n`, `${payload}\nI think this is wrong.\n`), new RegExp(`block altered: line ${begin + 3}:2 has " "|block altered: line ${begin + 3}:\\d+ has "\\."`)],
      ["the sum edited", block.replace(/sum ([0-9a-f])/, (_, c) => `sum ${c === "0" ? "1" : "0"}`), /block altered \(checksum mismatch\)/],
      ["no block", "Hi,\n\nsee the attached run.\n", /no FAULTLINE SCENARIO block found/],
      ["format 3", block.replace("SCENARIO v2-----", "SCENARIO v3-----"), /is format v3; this faultline reads formats 1 and 2/],
      // The format number is written one way only: v02 is not v2, so the BEGIN line is text and the END line has no block.
      ["a zero in the format", block.replace("SCENARIO v2-----", "SCENARIO v02-----"), /no FAULTLINE SCENARIO block found/],
      ["no END line", block.replace(/-----END.*\n/, ""), /BEGIN FAULTLINE SCENARIO line at line \d+ has no END line after it/],
      ["two blocks", `${block}\n${cite(abba)}`, /two FAULTLINE SCENARIO blocks with different scenarios \(lines \d+-\d+ and \d+-\d+\): save one per file/],
    ];
    for (const [what, text, want] of cases) {
      const r = await replay(text);
      assert.equal(r.code, EXIT.citation, `${what}: ${r.out}${r.err}`);
      assert.match(r.err, want, what);
    }
  });

  it("a block whose payload was re-encoded with a valid sum: the visible text must still agree", async () => {
    const plain = cite(fpu);
    const lines = plain.split("\n");
    const begin = lines.indexOf("-----BEGIN FAULTLINE SCENARIO v2-----");
    const read = findBlock(plain);
    assert.ok(read.ok);
    const data = read.block.data as { scenario: ScenarioSpec };
    const forged = { ...data, scenario: { ...data.scenario, title: "another title" } };
    const text = [...lines.slice(0, begin), ...payloadBlock(encodeCompact(forged as never)), ""].join("\n");
    const r = await replay(text);
    assert.equal(r.code, EXIT.mismatch, r.out + r.err);
    assert.match(r.out, /line 2: expected "faultline: another title", found "stack before df17277b2a85"/);
  });

  it("the permalink of a format 2 block decodes to the cited scenario", () => {
    const d = decodePermalink(permalinkOf(block).split("#s=")[1]!);
    assert.ok(d.ok);
    assert.equal(d.scenario.expect?.hash, fpu.expect?.hash);
  });
});

describe("citation blocks: random mailer mangling (property)", () => {
  const block = cite(abba);
  const prefix = fc.constantFrom("", "> ", ">> ", ">>", "> > ", "    ", "\t", "> \t");
  const trailing = fc.constantFrom("", " ", "\t", "\u00a0", " \u00a0");
  // A mutation of one non-space character of the citation (visible text, markers or payload).
  const edit = fc.option(fc.record({ at: fc.nat(), by: fc.constantFrom("x", "Q", "0", "_", "-", ">", ".") }), { nil: undefined });

  it("either reproduces (never after an edit) or fails with a named error", async () => {
    await fc.assert(
      fc.asyncProperty(prefix, fc.array(trailing, { minLength: 1, maxLength: 5 }), fc.integer({ min: 60, max: 80 }), fc.boolean(), fc.boolean(), edit, async (quote, ends, width, crlf, soft, e) => {
        let text = block;
        let changed = false;
        if (e) {
          const spots = [...text.matchAll(/\S/g)].map((m) => m.index!);
          const at = spots[e.at % spots.length]!;
          changed = text[at] !== e.by;
          text = text.slice(0, at) + e.by + text.slice(at + 1);
        }
        // format=flowed soft breaks: a long line split at a space, the first part keeping it.
        if (soft) text = mapLines(text, (l) => (l.length > width && l.lastIndexOf(" ", width) > 0 ? `${l.slice(0, l.lastIndexOf(" ", width) + 1)}\n${l.slice(l.lastIndexOf(" ", width) + 1)}` : l));
        text = mapLines(text, (l, i) => quote + l + ends[i % ends.length]!);
        if (crlf) text = text.replace(/\n/g, "\r\n");
        const r = await replay(text);
        if (r.code === EXIT.ok) {
          assert.ok(!changed, `an edited citation replayed as reproduced:\n${text}`);
        } else {
          assert.ok(changed, `an unedited citation did not reproduce:\n${r.out}${r.err}\n${text}`);
          assert.ok([EXIT.mismatch, EXIT.citation, EXIT.usage].includes(r.code as never), `exit ${r.code}: ${r.out}${r.err}`);
          assert.match(r.out + r.err, /NOT reproduced: .*\n {2}(the cited text is not what this run gives: line \d+: expected|cited status|cited hash)|block altered|no FAULTLINE SCENARIO block found|has no END line|no trace hash|not a valid|expected/);
        }
      }),
      { numRuns: 150, seed: 20261129 },
    );
  });
});

describe("citation blocks: time linear in the text", () => {
  /** Fastest of a few runs of `f`, in ms. */
  const time = (f: () => void) => Math.min(...Array.from({ length: 5 }, () => ((t) => (f(), performance.now() - t))(performance.now())));

  it("long whitespace runs (in a scenario's strings, at a line's start and end) take time proportional to their length", () => {
    const texts = (n: number) => [
      JSON.stringify({ title: "t", source: { thread: `a${" ".repeat(n)}b` }, tasks: [{ name: "A", ops: [] }] }),
      `${" ".repeat(n)}x\n${"\t ".repeat(n / 2)}\u00a0y${" ".repeat(n)}\n> ${" ".repeat(n)}>\n`,
    ];
    for (const [i, [small, large]] of [0, 1].map((i) => [texts(20_000)[i]!, texts(200_000)[i]!] as const).entries()) {
      const ratio = time(() => readCitation(large)) / Math.max(time(() => readCitation(small)), 0.05);
      // Linear: about 10 for ten times the text; quadratic: about 100.
      assert.ok(ratio < 35, `text ${i}: ten times the whitespace took ${ratio.toFixed(1)} times as long`);
    }
  });

  it("a scenario with 200,000 spaces in source.thread cites in a block of a few lines that replays", async () => {
    const wide = { title: "t", source: { thread: `a${" ".repeat(200_000)}b` }, tasks: [{ name: "A", ops: [{ op: "cpu" as const, ns: 1 }] }] } as ScenarioSpec;
    const text = cite(wide);
    assert.ok(text.split("\n").length < 40, `${text.split("\n").length} lines`);
    await assertReproduced(text, "200,000 spaces");
  });
});
