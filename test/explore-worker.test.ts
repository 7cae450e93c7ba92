// The worker's exploration protocol (src/host/explorations.ts, serve.ts),
// run in Node as the page's worker runs it: progress, each outcome with the
// race diagram of its shortest schedule, errors with the JSON path, and the
// dispatch between run and explore requests.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { explore, formatDiagram, normalizeScenario, type ExploreReply, type WorkerReply, type WorkerRequest } from "../src/index.js";
import { exploreJobs } from "../src/host/explorations.js";
import { serve } from "../src/host/serve.js";

const scenario = (name: string) => JSON.parse(readFileSync(`data/${name}.json`, "utf8"));
const FORK = scenario("pin-coherence-fork-v5.7");

describe("explorations in the worker (src/host/explorations.ts)", () => {
  it("explores each job as explore() does, echoes its tag, and draws each outcome's shortest schedule", () => {
    const replies: ExploreReply[] = [];
    exploreJobs({ id: 4, kind: "explore", jobs: [{ scenario: FORK, tag: { profile: "v5.7" } }, { scenario: { ...FORK, profile: "v5.9" } }] }, (r) => replies.push(r));
    const done = replies.at(-1)!;
    assert.ok(done.type === "explored", done.type);
    assert.equal(done.id, 4);
    const [v57, v59] = done.explorations;
    const direct = explore(normalizeScenario(FORK));
    assert.deepEqual(v57!.outcomes.map((o) => [o.outcome, o.count, o.schedule]), direct.outcomes.map((o) => [o.outcome, o.count, o.schedule]));
    assert.deepEqual([v57!.exhaustive, v57!.states, v57!.verdict!.text], [true, direct.states, "sometimes: held in 1 of 3 schedules (exhaustive)"]);
    assert.deepEqual([v57!.tag, v59!.tag], [{ profile: "v5.7" }, null]);
    assert.equal(v59!.verdict!.found, "always");
    // The broken outcome's diagram: the parent's store COWs while the child still maps the page.
    const broken = v57!.outcomes.find((o) => o.outcome.property === false)!;
    const text = formatDiagram(broken.diagram).join("\n");
    assert.match(text, /^vmm +\| child/);
    assert.match(text, /dma_read\(\) = 7/);
    assert.ok(text.indexOf("store() = 0") < text.indexOf("| exit()"), text);
    // What is sent must survive structured cloning.
    assert.deepEqual(structuredClone(done), done);
  });

  it("reports progress at most once per interval with states, executions and elapsed time, then the result", () => {
    let t = 0;
    const replies: ExploreReply[] = [];
    exploreJobs({ id: 1, kind: "explore", jobs: Array.from({ length: 4 }, () => ({ scenario: FORK })) }, (r) => replies.push(r), () => (t += 60));
    const progress = replies.filter((r) => r.type === "progress");
    assert.ok(progress.length >= 4, `${progress.length} progress replies`);
    for (const p of progress) assert.ok(p.type === "progress" && p.kind === "explore" && p.states > 0 && p.ms > 0);
    const ms = progress.map((p) => (p.type === "progress" ? p.ms : 0));
    assert.ok(ms.every((m, i) => i === 0 || m - ms[i - 1]! >= 100), ms.join());
    assert.deepEqual([...new Set(progress.map((p) => p.type === "progress" && p.job))], [0, 1, 2, 3]);
    assert.equal(replies.at(-1)!.type, "explored");
  });

  it("a state budget too small for the search is used up, then random walks sample; the verdict says it is not exhaustive", () => {
    const replies: ExploreReply[] = [];
    exploreJobs({ id: 2, kind: "explore", jobs: [{ scenario: FORK, maxStates: 3, walks: 5 }] }, (r) => replies.push(r));
    const done = replies.at(-1)!;
    assert.ok(done.type === "explored");
    const r = done.explorations[0]!;
    assert.deepEqual([r.exhaustive, r.walks], [false, 5]);
    assert.doesNotMatch(r.verdict!.text, /exhaustive:|\(exhaustive\)/);
  });

  it("an invalid job stops the batch with the validator's path and the job's index", () => {
    const replies: ExploreReply[] = [];
    const bad = { ...FORK, tasks: [{ ...FORK.tasks[0], ops: [{ op: "dma_read", pages: "dma", index: -1 }] }] };
    exploreJobs({ id: 3, kind: "explore", jobs: [{ scenario: FORK }, { scenario: bad }] }, (r) => replies.push(r));
    assert.deepEqual(replies.filter((r) => r.type !== "progress").map((r) => r.type), ["error"]);
    const last = replies.at(-1)!;
    assert.ok(last.type === "error");
    assert.equal(last.job, 1);
    assert.match(last.errors.join("\n"), /\$\.tasks\[0\]\.ops\[0\]\.index: expected .*>= 0.*found -1/);
  });
});

describe("the worker's dispatch (src/host/serve.ts)", () => {
  it("answers a run request with runs and an explore request with explorations, each under its id", () => {
    const replies: WorkerReply[] = [];
    const scope = { onmessage: null as ((e: { data: WorkerRequest }) => void) | null, postMessage: (r: WorkerReply) => void replies.push(r) };
    serve(scope);
    scope.onmessage!({ data: { id: 1, jobs: [{ scenario: FORK }] } });
    scope.onmessage!({ data: { id: 2, kind: "explore", jobs: [{ scenario: FORK }] } });
    const final = replies.filter((r) => r.type !== "progress").map((r) => [r.id, r.type]);
    assert.deepEqual(final, [[1, "done"], [2, "explored"]]);
  });
});
