// What the site's editable cells are built on, run in Node: the schema
// navigation behind completion and hover, the worker's batch protocol, and
// the citation formats.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { EditorState } from "@codemirror/state";
import { json } from "@codemirror/lang-json";
import { CompletionContext } from "@codemirror/autocomplete";
import { completeScenario, readScenario, scenarioDiagnostics, scenarioDocAt } from "../docs/components/json-schema-support.js";
import { readCited } from "../src/cli/load.js";
import { citationCff, citeBibtex, citeBlock, citeCsl, citedScenario } from "../src/cite/cite.js";
import { readCitation } from "../src/cite/replay.js";
import { RUN_TRACE_EVENTS, runJobs, type RunData, type RunReply } from "../src/host/jobs.js";
import { runScenario } from "../src/scenario/run.js";
import { SchemaNavigator, parsePath, type SchemaNode } from "../src/host/schema-nav.js";
import { jsonSchema } from "../src/scenario/schema.js";
import { MODEL_VERSION } from "../src/version.js";
import { validateScenario } from "../src/scenario/validate.js";

const SCHEMA = jsonSchema() as SchemaNode;
const fpu = JSON.parse(readFileSync("data/fpu-prefault-as-merged-v5.2-rc1.json", "utf8"));

describe("schema navigation (completion and hover in the scenario editor)", () => {
  it("parses the validator's error paths", () => {
    assert.deepEqual(parsePath("$.tasks[0].ops[12].flags[1]"), ["tasks", 0, "ops", 12, "flags", 1]);
    assert.deepEqual(parsePath("$"), []);
    assert.deepEqual(parsePath('$["odd key"].x'), ["odd key", "x"]);
  });

  it("offers every op of the format, each with its description, and narrows an op's fields by its tag", () => {
    const nav = new SchemaNavigator(SCHEMA, (path, key) => (key === "op" && path.join("/") === "tasks/0/ops/0" ? "get_user_pages" : undefined));
    const ops = nav.values(["tasks", 0, "ops", 5, "op"]);
    // Every op the validator accepts is offered, and nothing else.
    for (const o of ops) {
      const ok = validateScenario({ title: "t", tasks: [{ name: "A", ops: [{ op: o.value }] }] });
      assert.ok(ok.ok || !ok.errors.some((e) => e.path === "$.tasks[0].ops[0].op"), `${o.value} offered but rejected`);
      assert.ok(o.description, `${o.value} has no description`);
    }
    assert.ok(ops.some((o) => o.value === "copy_fpstate_to_sigframe"));
    const fields = nav.properties(["tasks", 0, "ops", 0]).map((p) => p.name);
    assert.ok(fields.includes("nr_pages") && fields.includes("call") && !fields.includes("lock"), fields.join());
    assert.equal(nav.properties(["tasks", 0, "ops", 0])[0]!.required, true, "required fields come first");
  });

  it("follows $ref into repeat's nested ops, and unions of a duration into its distributions", () => {
    const nav = new SchemaNavigator(SCHEMA);
    assert.ok(nav.values(["tasks", 0, "ops", 0, "ops", 3, "op"]).some((v) => v.value === "handle_mm_fault"));
    assert.deepEqual(nav.values(["mm", "io", "readpage", "dist"]).map((v) => v.value).sort(), ["exponential", "uniform"]);
    assert.ok(nav.values(["profile"]).some((v) => v.value === "v5.1"));
    assert.match(nav.describe(["seed"]) ?? "", /integer >= 0, <= 4294967295/);
    assert.equal(nav.describe(["no_such_field"]), null);
  });
});

describe("the scenario editor's completion, hover and lint (docs/components/json-schema-support.ts)", () => {
  const at = (doc: string, marker: string) => {
    const pos = doc.indexOf(marker);
    return { state: EditorState.create({ doc: doc.replace(marker, ""), extensions: [json()] }), pos };
  };

  it("completes the fields of the op in use, also inside repeat's nested ops, without the ones already there", () => {
    const { state, pos } = at('{"title": "t", "tasks": [{"name": "A", "ops": [{"op": "cpu", "ns": 1}, {"op": "repeat", "count": 2, "ops": [{"op": "get_user_pages", |}]}]}]}', "|");
    const labels = completeScenario(new CompletionContext(state, pos, true))!.options.map((o) => o.label);
    assert.ok(labels.includes("nr_pages") && labels.includes("locked"), labels.join());
    assert.ok(!labels.includes("op") && !labels.includes("lock") && !labels.includes("ns"), labels.join());
  });

  it("completes tag values with their descriptions, and the keys of a fresh object", () => {
    const ops = at('{"title": "t", "tasks": [{"name": "A", "ops": [{"op": "|"}]}]}', "|");
    const values = completeScenario(new CompletionContext(ops.state, ops.pos, true))!.options;
    assert.ok(values.some((o) => o.label === "handle_mm_fault" && typeof o.info === "string"));
    const after = at('{"title": "t", "profile": |}', "|");
    assert.ok(completeScenario(new CompletionContext(after.state, after.pos, true))!.options.some((o) => o.label === '"v5.1"'));
    const fresh = at('{"title": "t", "tasks": [{|}]}', "|");
    assert.deepEqual(completeScenario(new CompletionContext(fresh.state, fresh.pos, true))!.options.map((o) => o.label).sort(), ["name", "ops"]);
  });

  it("completes a key being typed, quoted or not, filtering on its text", () => {
    for (const doc of ['{"title": "t", "tasks": [{"name": "A", "ops": [{"op": "sleep", "n|"}]}]}', '{"title": "t", "tasks": [{"name": "A", "ops": [{"op": "sleep", "n|}]}]}', '{"title": "t", "pro|}']) {
      const { state, pos } = at(doc, "|");
      const r = completeScenario(new CompletionContext(state, pos, true));
      assert.ok(r, doc);
      const typed = state.sliceDoc(r.from, pos);
      assert.match(typed, /^[a-z]+$/, `the menu filters on the key's letters, not its quote: ${JSON.stringify(typed)}`);
      assert.ok(r.options.some((o) => o.label.startsWith(typed)), `${doc}: ${r.options.map((o) => o.label).join()}`);
    }
  });

  it("hover describes a key by the variant in use", () => {
    const { state, pos } = at('{"title": "t", "tasks": [{"name": "A", "ops": [{"op": "get_user_pages", "call": "get_user_pages_remote", "vma": "v", "page": 0, "n|r_pages": 1}]}]}', "|");
    assert.match(scenarioDocAt(state, pos, 1)?.doc ?? "", /integer >= 1/);
    const tag = at('{"title": "t", "tasks": [{"name": "A", "ops": [{"op": "down_re|ad", "lock": "l"}]}]}', "|");
    assert.equal(scenarioDocAt(tag.state, tag.pos, 1)?.doc, "down_read: down_read() on the named rwsem");
  });

  it("lint puts each validator error on the value it names, and a JSON syntax error where the parser stopped", () => {
    const doc = '{"title": "t", "tasks": [{"name": "A", "ops": [{"op": "cpu", "ns": 1}, {"op": "sleep", "ns": -5}]}]}';
    const [d] = scenarioDiagnostics(EditorState.create({ doc, extensions: [json()] }));
    assert.equal(doc.slice(d!.from, d!.to), "-5");
    assert.match(d!.message, /^\$\.tasks\[0\]\.ops\[1\]\.ns/);
    const broken = '{"title": "t",\n "tasks": [}';
    const [e] = scenarioDiagnostics(EditorState.create({ doc: broken, extensions: [json()] }));
    assert.match(e!.message, /^2:12: invalid JSON: unexpected "}"/);
    assert.equal(e!.from, broken.indexOf("}", broken.indexOf("[")));
  });

  it("lint reads the text as the CLI does: duplicate keys, a BOM, 1e400, nesting past the limit, a trailing comma and an empty text give the CLI's messages, at their line:column", () => {
    const ok = '{"title": "t", "tasks": [{"name": "A", "ops": []}]}';
    const texts = [
      '{"title": "t",\n "title": "u", "tasks": []}',
      `\ufeff{"title": "t", "tasks": [], "seed": 1, "seed": 2}`,
      '{"title": "t", "tasks": [], "seed": 1e400}',
      `{"title": ${"[".repeat(10_000)}${"]".repeat(10_000)}, "tasks": []}`,
      '{"title": "t",\n "tasks": [],\n}',
      "",
      `\ufeff${ok.replace('"ops": []', '"ops": [{"op": "nope"}]')}`,
    ];
    // A valid scenario after a BOM is the scenario (the editor's cell runs it), as the CLI reads it.
    assert.deepEqual(readScenario(EditorState.create({ doc: `\ufeff${ok}`, extensions: [json()] })), { spec: JSON.parse(ok), diagnostics: [] });
    for (const text of texts) {
      const diagnostics = scenarioDiagnostics(EditorState.create({ doc: text, extensions: [json()] }));
      let cli: string[];
      try {
        readCited(text, "f.json");
        cli = [];
      } catch (e) {
        const message = (e as Error).message;
        cli = message.startsWith("f.json:") ? [message.slice("f.json:".length)] : message.split("\n").slice(1).map((l) => l.trim());
      }
      assert.ok(cli.length > 0, text.slice(0, 40));
      assert.deepEqual(diagnostics.map((d) => d.message), cli, text.slice(0, 40));
      // Each sits where its line:column says.
      for (const d of diagnostics) {
        const at = /(?:^|\()(\d+):(\d+)[):]/.exec(d.message);
        if (!at) continue;
        const lines = text.replace(/^\ufeff/, "").split("\n");
        const want = lines.slice(0, Number(at[1]) - 1).reduce((n, l) => n + l.length + 1, 0) + Number(at[2]) - 1 + (text.startsWith("\ufeff") ? 1 : 0);
        assert.equal(d.from, Math.min(want, Math.max(0, text.length - 1)), d.message);
      }
    }
  });
});

describe("worker batches (src/host/jobs.ts)", () => {
  it("runs every job in order and returns what runScenario gives, with the same hashes", () => {
    const replies: RunReply[] = [];
    runJobs({ id: 7, jobs: [{ scenario: fpu }, { scenario: { ...fpu, profile: "v5.2" } }] }, (r) => replies.push(r));
    const done = replies.at(-1)!;
    assert.equal(done.type, "done");
    if (done.type !== "done") return;
    assert.equal(done.id, 7);
    assert.deepEqual(done.runs.map((r) => r.hash), [runScenario(fpu).hash, runScenario({ ...fpu, profile: "v5.2" }).hash]);
    assert.equal(done.runs[0]!.hash, fpu.expect.hash);
    // What is sent must survive structured cloning.
    assert.deepEqual(structuredClone(done), done);
  });

  it("echoes each job's tag; untraced runs are not citable", () => {
    const replies: RunReply[] = [];
    runJobs({ id: 8, jobs: [{ scenario: fpu, tag: { point: 1 } }, { scenario: fpu, trace: false }] }, (r) => replies.push(r));
    const done = replies.at(-1)!;
    assert.ok(done.type === "done");
    assert.deepEqual(done.runs.map((r) => [r.tag, r.citable]), [[{ point: 1 }, true], [null, false]]);
  });

  it("a job that names a view gets it computed from the whole trace, and no trace; an unknown view is the job's error", () => {
    const replies: RunReply[] = [];
    const views = { events: (run: RunData) => run.result.trace.length };
    runJobs({ id: 9, jobs: [{ scenario: fpu }, { scenario: fpu, view: "events" }] }, (r) => replies.push(r), Date.now, views);
    const done = replies.at(-1)!;
    assert.ok(done.type === "done");
    const [plain, viewed] = done.runs;
    assert.deepEqual([viewed!.view, viewed!.result.trace.length, viewed!.hash], [plain!.result.trace.length, 0, plain!.hash]);
    assert.equal(plain!.view, null);
    const failed: RunReply[] = [];
    runJobs({ id: 10, jobs: [{ scenario: fpu, view: "walk" }] }, (r) => failed.push(r), Date.now, views);
    assert.deepEqual(failed.at(-1), { id: 10, type: "error", job: 0, errors: ['this worker has no view named "walk" (it has events)'] });
  });

  it("reports progress at most once per interval, naming the job, then finishes", () => {
    const long = { title: "long", tasks: [{ name: "A", ops: [{ op: "repeat", count: 200000, ops: [{ op: "cpu", ns: 1 }] }] }] };
    let t = 0;
    const replies: RunReply[] = [];
    // A clock that advances 30 ms per reading: progress every 4th callback or so.
    runJobs({ id: 1, jobs: [{ scenario: long, trace: false }] }, (r) => replies.push(r), () => (t += 30));
    const progress = replies.filter((r) => r.type === "progress");
    assert.ok(progress.length >= 5, `${progress.length} progress replies`);
    for (const p of progress) assert.equal(p.type === "progress" && p.job, 0);
    const steps = progress.map((p) => (p.type === "progress" ? p.steps : 0));
    assert.deepEqual(steps, [...steps].sort((a, b) => a - b), "steps only grow");
    assert.equal(replies.at(-1)!.type, "done");
  });

  it("a run longer than the worker's trace window keeps its first and last events, runs to the end and stays citable with the full trace's hash", () => {
    const big = { title: "big", maxSteps: 1e9, tasks: [{ name: "A", ops: [{ op: "repeat", count: 60000, ops: [{ op: "cpu", ns: 1 }] }] }] };
    const replies: RunReply[] = [];
    runJobs({ id: 3, jobs: [{ scenario: big }] }, (r) => replies.push(r));
    const done = replies.at(-1)!;
    assert.ok(done.type === "done");
    const run = done.runs[0]!;
    assert.equal(run.result.status, "ok");
    assert.equal(run.result.traceEvents, 60002);
    assert.equal(run.result.trace.length, RUN_TRACE_EVENTS);
    assert.deepEqual(run.result.traceGap, { at: RUN_TRACE_EVENTS / 2, dropped: 60002 - RUN_TRACE_EVENTS });
    assert.equal(run.result.trace.at(-1)!.ev, "task_exit");
    assert.ok(run.truncated && run.citable);
    // The hash covers every event: the same as a run that keeps them all.
    assert.equal(run.hash, runScenario(big, { traceWindow: { head: 1e6, tail: 0 } }).hash);
  });

  it("a batch of short runs reports progress between runs, naming each", () => {
    let t = 0;
    const replies: RunReply[] = [];
    runJobs({ id: 9, jobs: Array.from({ length: 5 }, () => ({ scenario: fpu })) }, (r) => replies.push(r), () => (t += 200));
    assert.deepEqual(replies.filter((r) => r.type === "progress").map((r) => r.type === "progress" && `${r.job}/${r.jobs}`), ["0/5", "1/5", "2/5", "3/5", "4/5"]);
  });

  it("an invalid job stops the batch with the validator's messages and the job's index", () => {
    const replies: RunReply[] = [];
    runJobs({ id: 2, jobs: [{ scenario: fpu }, { scenario: { ...fpu, profile: "v9.9" } }] }, (r) => replies.push(r));
    const last = replies.at(-1)!;
    assert.equal(last.type, "error");
    if (last.type !== "error") return;
    assert.equal(last.job, 1);
    assert.match(last.errors[0]!, /^\$\.profile: expected one of .*found "v9\.9"/);
  });
});

describe("citation formats", () => {
  const run = runScenario(fpu);
  const date = new Date(Date.UTC(2026, 10, 23));

  it("BibTeX escapes the title's special characters and carries the hash and the permalink", () => {
    const spec = { ...fpu, title: "50% of faults_{retry} & #1 ~ $x$" };
    const bib = citeBibtex(spec, runScenario(spec), date, { playground: "https://f.example/playground" });
    assert.match(bib, /title = \{faultline: 50\\% of faults\\_\\textbraceleft\{\}retry\\textbraceright\{\} \\& \\#1 \\~\{\} \\\$x\\\$\}/);
    assert.match(bib, /howpublished = \{\\url\{https:\/\/f\.example\/playground#s=[A-Za-z0-9_-]+\}\}/);
    assert.match(bib, /year = \{2026\},\n  month = \{11\}/);
    // BibTeX counts every brace, escaped or not: a hostile title must not close its field early.
    const hostile = { ...fpu, title: "a}, year = 1999, howpublished = jan, x = {1" };
    const entry = citeBibtex(hostile, runScenario(hostile), date);
    const titleLine = entry.split("\n").find((l) => l.startsWith("  title = "))!;
    let depth = 0;
    for (const [i, c] of [...titleLine.slice("  title = ".length)].entries()) {
      depth += c === "{" ? 1 : c === "}" ? -1 : 0;
      assert.ok(depth > 0 || i >= titleLine.length - "  title = ".length - 2, `title field closes at column ${i}: ${titleLine}`);
    }
    assert.equal(entry.match(/^  year = /gm)?.length, 1);
  });

  it("a block whose claim quotes the markers still replays the cited scenario, not the quoted one", () => {
    const fake = JSON.stringify({ title: "fake", tasks: [{ name: "X", ops: [] }] });
    const spoof = { ...fpu, claim: `${"y".repeat(70)} -----BEGIN FAULTLINE SCENARIO----- ${fake} -----END FAULTLINE SCENARIO-----` };
    const block = citeBlock(spoof, runScenario(spoof));
    const read = readCitation(block);
    assert.ok(read.ok, read.ok ? "" : read.error);
    const extracted = read.citation.scenario as typeof fpu;
    assert.equal(extracted.title, fpu.title);
    assert.equal(extracted.expect.hash, runScenario(spoof).hash);
  });

  it("CSL-JSON is a dataset with the claim as abstract and the cited date", () => {
    const csl = citeCsl(fpu, run, date);
    assert.equal(csl.type, "dataset");
    assert.equal(csl.abstract, fpu.claim);
    assert.deepEqual(csl.issued, { "date-parts": [[2026, 11, 23]] });
    assert.equal(csl.URL, undefined, "no permalink without a playground URL");
  });

  it("the cited scenario records the run's outcome and drops $schema, and validates", () => {
    const cited = citedScenario(fpu, run);
    assert.deepEqual(cited.expect, { status: run.result.status, hash: run.hash, model: MODEL_VERSION });
    assert.equal(cited.$schema, undefined);
    assert.ok(validateScenario(cited).ok);
  });

  it("CITATION.cff has the keys Citation File Format 1.2.0 requires, from package.json", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    const cff = citationCff(pkg);
    for (const key of ["cff-version: 1.2.0", "message: ", "title: \"faultline\"", "authors:\n  - name: ", `version: "${pkg.version}"`, `license: "${pkg.license}"`]) assert.ok(cff.includes(key), key);
    // Every scalar is a JSON string, which YAML reads as the same string.
    for (const line of cff.split("\n").filter((l) => /: "/.test(l))) assert.doesNotThrow(() => JSON.parse(line.slice(line.indexOf(": ") + 2)), line);
  });

  it("the CITATION.cff at the top of the repository is the one package.json gives", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    assert.equal(readFileSync("CITATION.cff", "utf8"), citationCff(pkg), "CITATION.cff is out of date: run `npx tsx docs/tools/citation.ts`");
  });
});
