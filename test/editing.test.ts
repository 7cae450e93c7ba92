// What the site's editable cells are built on, run in Node: the schema
// navigation behind completion and hover, the worker's batch protocol, and
// the citation formats.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { citationCff, citeBibtex, citeCsl, citedScenario } from "../src/cite/cite.js";
import { MAX_TRACE_EVENTS, runJobs, type RunReply } from "../src/scenario/jobs.js";
import { runScenario } from "../src/scenario/run.js";
import { SchemaNavigator, parsePath, type SchemaNode } from "../src/scenario/schema-nav.js";
import { jsonSchema } from "../src/scenario/schema.js";
import { validateScenario } from "../src/scenario/validate.js";

const SCHEMA = jsonSchema() as SchemaNode;
const fpu = JSON.parse(readFileSync("data/fpu-prefault-as-merged-v5.1.json", "utf8"));

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

describe("worker batches (src/scenario/jobs.ts)", () => {
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

  it("a run whose trace passes the worker's budget stops with status budget and is marked as not citable; untraced runs are not capped", () => {
    const big = { title: "big", maxSteps: 1e9, tasks: [{ name: "A", ops: [{ op: "repeat", count: 1e6, ops: [{ op: "cpu", ns: 1 }] }] }] };
    const replies: RunReply[] = [];
    runJobs({ id: 3, jobs: [{ scenario: big }] }, (r) => replies.push(r));
    const done = replies.at(-1)!;
    assert.equal(done.type, "done");
    if (done.type !== "done") return;
    const run = done.runs[0]!;
    assert.equal(run.result.status, "budget");
    assert.equal(run.truncated, true);
    assert.match(run.result.error!.message, new RegExp(`trace passed ${MAX_TRACE_EVENTS} events`));
    assert.ok(run.result.trace.length <= MAX_TRACE_EVENTS + 16);
    // The same scenario in Node without the budget runs to the end.
    const small = { ...big, tasks: [{ name: "A", ops: [{ op: "repeat", count: 2000, ops: [{ op: "cpu", ns: 1 }] }] }] };
    const untraced: RunReply[] = [];
    runJobs({ id: 4, jobs: [{ scenario: small }, { scenario: big, trace: false }] }, (r) => untraced.push(r));
    const last = untraced.at(-1)!;
    assert.ok(last.type === "done" && last.runs.every((r) => r.result.status === "ok" && !r.truncated));
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
    assert.match(bib, /title = \{faultline: 50\\% of faults\\_\\\{retry\\\} \\& \\#1 \\~\{\} \\\$x\\\$\}/);
    assert.match(bib, /howpublished = \{\\url\{https:\/\/f\.example\/playground#s=[A-Za-z0-9_-]+\}\}/);
    assert.match(bib, /year = \{2026\},\n  month = \{11\}/);
    // Braces balance, so BibTeX parses the entry.
    let depth = 0;
    for (const c of bib.replace(/\\[{}]/g, "")) depth += c === "{" ? 1 : c === "}" ? -1 : 0;
    assert.equal(depth, 0);
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
    assert.deepEqual(cited.expect, { status: run.result.status, hash: run.hash });
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
});
