// The faultline command as a user runs it: exit codes and messages for every
// kind of input.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { EXIT } from "../src/cli/exit.js";
import { formatNs } from "../src/format.js";
import { MODEL_VERSION, TRACE_FORMAT } from "../src/index.js";

const BIN = new URL("../src/bin/faultline.js", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "faultline-cli-"));
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const scenario = (extra: object) =>
  JSON.stringify({ title: "t", locks: [{ name: "m", kind: "mutex" }], tasks: [{ name: "A", ops: [{ op: "mutex_lock", lock: "m" }, { op: "mutex_unlock", lock: "m" }] }], ...extra });

describe("faultline CLI", () => {
  it("runs the compiled build in lib/ (npm run build:cli: bundled, the schema's validators compiled ahead of time), which reports what the sources do", () => {
    const built = statSync("lib/cli/index.js", { throwIfNoEntry: false });
    assert.ok(built, "lib/cli/index.js is missing: npm test and npm run test:unit build it first (npm run build:cli)");
    const sources = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, FAULTLINE_SOURCES: "1" } });
    for (const args of [["run", "--json", "data/vfio-bar-access-vs-disable-v6.12.json"], ["validate", file("bad.json", scenario({ seed: -1, tasks: [{ name: "A", ops: [{ op: "nope" }] }] }))]]) {
      const compiled = cli(...args);
      const src = sources(...args);
      assert.deepEqual([compiled.code, compiled.out, compiled.err], [src.status, src.stdout, src.stderr], args.join(" "));
    }
  });

  it("run: prints the summary (status, end time, hash as recorded in the file) and the trace, exits 0", () => {
    const file = "data/mmap-lock-reader-behind-writer.json";
    const expect = JSON.parse(readFileSync(file, "utf8")).expect;
    const r = cli("run", file);
    assert.equal(r.code, EXIT.ok, r.err);
    assert.ok(r.out.includes(`status ${expect.status}  end ${formatNs(expect.endTime)}  steps ${expect.steps}`), r.out);
    assert.ok(r.out.includes(`trace hash ${expect.hash}`));
    assert.match(r.out, /munmap +lock_contended +down_write +lock=mmap_lock mode=write/);
  });

  it("run --json: the full result, with the recorded hash", () => {
    const r = cli("run", "--json", "data/mmap-lock-reader-behind-writer.json");
    const json = JSON.parse(r.out);
    const recorded = JSON.parse(readFileSync("data/mmap-lock-reader-behind-writer.json", "utf8")).expect.hash;
    assert.equal(json.hash, recorded);
    assert.equal(json.status, "ok");
    assert.ok(json.trace.some((e: { ev: string }) => e.ev === "io_submit"), "the trace is the full one");
  });

  it("run --seed / --profile override the scenario", () => {
    const r = cli("run", "--json", "--profile", "v4.19", "data/rwsem-reader-wake-v5.3.json");
    const recorded = JSON.parse(readFileSync("data/rwsem-reader-wake-v4.19.json", "utf8")).expect.hash;
    assert.equal(JSON.parse(r.out).hash, recorded, "v5.3 scenario under the v4.19 profile should replay the v4.19 run");
  });

  it("unreadable file: exit 3 with the file name", () => {
    const r = cli("run", join(tmp, "missing.json"));
    assert.equal(r.code, EXIT.unreadable);
    assert.match(r.err, /missing\.json: cannot read: ENOENT/);
  });

  it("invalid JSON: exit 4 with line:column", () => {
    const r = cli("run", file("broken.json", '{\n  "title": "x",\n  tasks: []\n}'));
    assert.equal(r.code, EXIT.json);
    assert.match(r.err, /broken\.json:3:3: invalid JSON/);
  });

  it("schema error: exit 5, every error with its path", () => {
    const r = cli("run", file("bad.json", JSON.stringify({ title: "x", tasks: [{ name: "A", ops: [{ op: "sleep" }] }], seed: "1" })));
    assert.equal(r.code, EXIT.schema);
    assert.match(r.err, /\$\.seed: expected integer, found "1" \(string\)/);
    assert.match(r.err, /\$\.tasks\[0\]\.ops\[0\]\.ns: expected a value \(required field\), found nothing/);
  });

  it("deadlock not expected: exit 6, with the wait-for cycle", () => {
    const r = cli("run", "--seed", "2", "data/abba-lock-inversion.json");
    assert.equal(r.code, EXIT.deadlock);
    assert.match(r.out, /cycle: A -> B -> A/);
  });

  it("deadlock expected by the scenario: exit 0", () => {
    const abba = JSON.parse(readFileSync("data/abba-lock-inversion.json", "utf8"));
    const r = cli("run", file("abba.json", JSON.stringify({ ...abba, seed: 2, expect: { status: "deadlock" } })));
    assert.equal(r.code, EXIT.ok);
  });

  it("budget exhausted: exit 7 and a hint", () => {
    const r = cli("run", file("spin.json", JSON.stringify({ title: "spin", maxSteps: 50, tasks: [{ name: "A", ops: [{ op: "repeat", count: 1000, ops: [{ op: "cond_resched" }] }] }] })));
    assert.equal(r.code, EXIT.budget);
    assert.match(r.out, /step budget of 50 used up/);
  });

  it("kernel bug in the model: exit 8 with the message", () => {
    const r = cli("run", file("bug.json", JSON.stringify({ title: "bug", locks: [{ name: "m", kind: "mutex" }], tasks: [{ name: "A", ops: [{ op: "mutex_unlock", lock: "m" }] }] })));
    assert.equal(r.code, EXIT.error);
    assert.match(r.out, /mutex_unlock: A does not hold m for write/);
  });

  it("bad option value: exit 2", () => {
    assert.equal(cli("run", "--seed", "-3", "data/abba-lock-inversion.json").code, EXIT.usage);
    assert.equal(cli("run", "--profile", "v9", "data/abba-lock-inversion.json").code, EXIT.usage);
    assert.equal(cli("frobnicate").code, EXIT.usage);
  });

  it("validate: ok files pass, an invalid one fails the command with exit 5", () => {
    const good = cli("validate", "data/abba-lock-inversion.json", "data/mmap-lock-reader-behind-writer.json");
    assert.equal(good.code, EXIT.ok);
    const bad = cli("validate", "data/abba-lock-inversion.json", file("v.json", scenario({ profile: "v1" })));
    assert.equal(bad.code, EXIT.schema);
    assert.match(bad.out, /\$\.profile: expected one of/);
  });

  it("validate: nesting past the limit is exit 5 naming the path and the limit, not a stack trace (shared/inputs)", () => {
    const r = cli("validate", new URL("fixtures/inputs/validate-stack-overflow-repeat-depth.json", import.meta.url).pathname);
    assert.equal(r.code, EXIT.schema);
    assert.match(r.out, /\$\.tasks\[0\]\.ops\[0\](\.ops\[0\])+: expected at most 64 levels of nested arrays and objects/);
    assert.equal(r.err, "");
  });

  it("validate: a duplicate key is exit 5 with its path and line:column; a BOM is dropped; an empty file is exit 4 at 1:1", () => {
    const dup = cli("validate", file("dup.json", '{"title": "t",\n "title": "u", "tasks": [{"name": "A", "ops": []}]}'));
    assert.equal(dup.code, EXIT.schema);
    assert.match(dup.out, /\$\.title \(2:2\): expected each key once per object \(first given at 1:2\), found "title" again/);
    assert.equal(cli("validate", file("bom.json", `\ufeff${scenario({})}`)).code, EXIT.ok);
    const empty = cli("validate", file("empty.json", ""));
    assert.equal(empty.code, EXIT.json);
    assert.match(empty.out, /empty\.json:1:1: invalid JSON: empty input/);
  });

  it("validate: a thousand errors print as twenty and a count", () => {
    const r = cli("validate", file("many.json", JSON.stringify({ title: "t", tasks: Array.from({ length: 500 }, () => ({})) })));
    assert.equal(r.code, EXIT.schema);
    const lines = r.out.trimEnd().split("\n");
    assert.equal(lines.length, 22, r.out);
    assert.equal(lines.at(-1), "  ... and 980 more");
  });

  it("record: an invalid file is reported and the others are still recorded; the exit code says one failed", () => {
    const bad = file("rec-bad.json", scenario({ profile: "v1" }));
    const good = file("rec-good.json", scenario({}));
    const r = cli("record", bad, good);
    assert.equal(r.code, EXIT.schema);
    assert.match(r.out, /^invalid {2}.*rec-bad\.json is not a valid scenario:\n {2}\$\.profile: expected one of/);
    assert.match(r.out, /recorded .*rec-good\.json: ok/);
    assert.match(JSON.parse(readFileSync(good, "utf8")).expect.hash, /^[0-9a-f]{64}$/);
  });

  it("run: says whether the scenario's property held in this run, and that check judges its verdict", () => {
    const r = cli("run", "data/abba-inversion-always-reported.json");
    assert.equal(r.code, EXIT.ok);
    assert.match(r.out, /\n {2}property holds in this run, as the expected verdict \(always over seeds 0\.\.49\) allows; faultline check judges every seed, faultline explore every interleaving\n/);
  });

  it("replay: exit 0 when the cited hash reproduces, 1 when it does not, 2 with no hash", () => {
    assert.equal(cli("replay", "data/mmap-lock-reader-behind-writer.json").code, EXIT.ok);
    const wrong = cli("replay", "--hash", "0".repeat(64), "data/mmap-lock-reader-behind-writer.json");
    assert.equal(wrong.code, EXIT.mismatch);
    assert.match(wrong.out, /NOT reproduced/);
    assert.equal(cli("replay", file("nohash.json", scenario({}))).code, EXIT.usage);
  });

  it("replay tells a changed model from a changed result by the model version the hash was recorded under", () => {
    const spec = JSON.parse(readFileSync("data/mmap-lock-reader-behind-writer.json", "utf8"));
    const older = cli("replay", file("older.json", JSON.stringify({ ...spec, expect: { ...spec.expect, hash: "0".repeat(64), model: 1 } })));
    assert.equal(older.code, EXIT.mismatch);
    assert.match(older.out, /recorded under model version 1, this is model version \d+: the model changed/);
    const same = cli("replay", file("same.json", JSON.stringify({ ...spec, expect: { ...spec.expect, hash: "0".repeat(64) } })));
    assert.match(same.out, /recorded under this model version \(\d+\): the result changed, not the model/);
  });

  it("check: the data/ corpus passes; a changed verdict fails and names the field", () => {
    const ok = cli("check");
    assert.equal(ok.code, EXIT.ok, ok.out);
    const dir = mkdtempSync(join(tmpdir(), "faultline-check-"));
    const spec = JSON.parse(readFileSync("data/rwsem-reader-wake-v4.19.json", "utf8"));
    writeFileSync(join(dir, "flipped.json"), JSON.stringify({ ...spec, profile: "v5.3" }));
    copyFileSync("data/gup-fast-irq-off-delays-tlb-flush.json", join(dir, "gup.json"));
    const r = cli("check", dir);
    assert.equal(r.code, EXIT.mismatch);
    assert.match(r.out, /FAIL {2}.*flipped\.json\n {2}expect\.hash: recorded [0-9a-f]{64}, model gives [0-9a-f]{64} \(recorded under this model version \(\d+\): the result changed, not the model\)\n {2}expect\.endTime: recorded 25000, model gives 20000\n {2}property\.verdict: recorded never, model gives always/);
    assert.match(r.out, /pass {2}.*gup\.json/);
  });

  it("record: writes the outcome into expect, and replay then reproduces it", () => {
    const p = file("rec.json", scenario({}));
    assert.equal(cli("record", p).code, EXIT.ok);
    const rec = JSON.parse(readFileSync(p, "utf8"));
    assert.equal(rec.expect.status, "ok");
    assert.match(rec.expect.hash, /^[0-9a-f]{64}$/);
    assert.equal(cli("replay", p).code, EXIT.ok);
  });

  it("cite: a block of at most 72 columns that replays from the saved text, also when quoted in a reply", () => {
    const block = cli("cite", "data/fpu-prefault-as-merged-v5.2-rc1.json");
    assert.equal(block.code, EXIT.ok, block.err);
    for (const line of block.out.split("\n")) assert.ok(line.length <= 72, `${line.length} columns: ${line}`);
    const recorded = JSON.parse(readFileSync("data/fpu-prefault-as-merged-v5.2-rc1.json", "utf8")).expect.hash;
    assert.ok(block.out.includes(recorded.slice(0, 32)) && block.out.includes(recorded.slice(32)), "the cited hash is the recorded one");
    assert.equal(cli("replay", file("mail.txt", `Hi,\n\nhere is the run:\n\n${block.out}\nThanks\n`)).code, EXIT.ok);
    assert.equal(cli("replay", file("reply.txt", block.out.replace(/^/gm, "> "))).code, EXIT.ok);
    const tampered = block.out.replace(/^(Outcome: ok, ends at )[^,]+/m, "$11 ms");
    const r = cli("replay", file("tampered.txt", tampered));
    assert.equal(r.code, EXIT.mismatch);
    assert.match(r.out, /NOT reproduced: .*\n  the cited text is not what this run gives: line \d+: expected "Outcome: ok, ends at 18\.267 us, .*", found "Outcome: ok, ends at 1 ms, /);
    const altered = block.out.replace(/^(-----BEGIN FAULTLINE SCENARIO v2-----\n)(.)/m, (_, begin, c) => begin + (c === "A" ? "B" : "A"));
    const a = cli("replay", file("altered.txt", altered));
    assert.equal(a.code, EXIT.citation);
    assert.match(a.err, /altered\.txt: block altered \(checksum mismatch\): the FAULTLINE SCENARIO block at lines \d+-\d+ changed after it was cited/);
  });

  it("replay of a text without a block says so (exit 9), not that it is invalid JSON", () => {
    const r = cli("replay", file("nothing.txt", "Hi,\n\nthe run is in the attachment.\n"));
    assert.equal(r.code, EXIT.citation);
    assert.match(r.err, /nothing\.txt: no FAULTLINE SCENARIO block found, and the file is not a JSON scenario/);
  });

  it("cite --playground: adds the permalink in lines of 72 columns, which joined decode to the cited scenario", async () => {
    const { decodePermalink } = await import("../src/scenario/validate.js");
    const r = cli("cite", "--playground", "https://faultline.example/site/playground?x=1", "data/fpu-prefault-as-merged-v5.2-rc1.json");
    assert.equal(r.code, EXIT.ok, r.err);
    const lines = r.out.split("\n");
    assert.deepEqual(lines.filter((l) => l.length > 72), []);
    const link = lines.slice(lines.indexOf("Open in the playground:") + 1, lines.indexOf("Reproduce: save this text and run")).join("");
    assert.ok(link.startsWith("https://faultline.example/site/playground#s="), link);
    const decoded = decodePermalink(link.split("#s=")[1]!);
    assert.ok(decoded.ok);
    const recorded = JSON.parse(readFileSync("data/fpu-prefault-as-merged-v5.2-rc1.json", "utf8")).expect;
    assert.equal(decoded.scenario.expect?.hash, recorded.hash);
    assert.equal(cli("cite", "--playground", "javascript:alert(1)", "data/fpu-prefault-as-merged-v5.2-rc1.json").code, EXIT.usage);
  });

  it("cite --format bibtex / csl: entries keyed by the trace hash, with outcome and hash in the note", () => {
    const recorded = JSON.parse(readFileSync("data/fpu-prefault-as-merged-v5.2-rc1.json", "utf8")).expect;
    const bib = cli("cite", "--format", "bibtex", "data/fpu-prefault-as-merged-v5.2-rc1.json");
    assert.equal(bib.code, EXIT.ok, bib.err);
    assert.match(bib.out, new RegExp(`^@misc\\{faultline-${recorded.hash.slice(0, 12)},`));
    assert.ok(bib.out.includes(`trace hash ${recorded.hash}`));
    const csl = JSON.parse(cli("cite", "--format", "csl", "data/fpu-prefault-as-merged-v5.2-rc1.json").out);
    assert.equal(csl[0].id, `faultline-${recorded.hash.slice(0, 12)}`);
    assert.match(csl[0].note, new RegExp(`outcome ${recorded.status}; trace hash ${recorded.hash}`));
    assert.equal(cli("cite", "--format", "ris", "data/fpu-prefault-as-merged-v5.2-rc1.json").code, EXIT.usage);
  });

  it("bisect: names the profile where a shared write fault starts dropping mmap_lock, and the commit (89b15332af7c); bad --outcome exits 2", () => {
    const r = cli("bisect", "--outcome", "call:T", "test/fixtures/kernel/X-03-shared-write-drops-lock.json");
    assert.equal(r.code, EXIT.ok, r.err);
    assert.match(r.out, /first change: v5\.7 \(after v5\.3\)/);
    assert.match(r.out, /changed by \(each alone flips the outcome on the older profile\):\n {4}89b15332af7c mm: drop mmap_sem before calling balance_dirty_pages\(\) in write fault/);
    assert.match(r.out, /also in this profile:\n {4}4064b9827063/);
    assert.match(r.out, /then: v6\.4 .*VM_FAULT_COMPLETED/);
    const bad = cli("bisect", "--outcome", "pte", "test/fixtures/kernel/X-03-shared-write-drops-lock.json");
    assert.equal(bad.code, EXIT.usage);
    assert.match(bad.err, /expected status, verdict, final:VMA:PAGE, call:TASK or call:TASK:FUNCTION/);
  });

  it("bisect --outcome verdict runs the property's seeds under each single switch: names the commit that flips it (d1e153fea2a8); call:TASK:FUNCTION watches one function", () => {
    const r = cli("bisect", "--outcome", "verdict", "data/longterm-pin-migrates-movable-v6.12.json");
    assert.equal(r.code, EXIT.ok, r.err);
    assert.match(r.out, /then: v6\.4 \(after v5\.9\): never \(0\/\d+ seeds\) -> always \(\d+\/\d+ seeds\)\n  changed by \(each alone flips the outcome on the older profile\):\n {4}d1e153fea2a8 /);
    const dma = cli("bisect", "--outcome", "call:vmm:dma_read", "data/pin-vs-madv-pageout-v5.9.json");
    assert.equal(dma.code, EXIT.ok, dma.err);
    assert.match(dma.out, /v5\.9 +dma_read -> /);
  });

  it("--version: faultline's, the model's and the trace format's versions", () => {
    const r = cli("--version");
    assert.equal(r.code, EXIT.ok, r.err);
    assert.equal(r.out, `faultline ${JSON.parse(readFileSync("package.json", "utf8")).version}, model version ${MODEL_VERSION}, trace format ${TRACE_FORMAT}\n`);
  });

  it("schema: prints the published JSON Schema", () => {
    const r = cli("schema");
    assert.deepEqual(JSON.parse(r.out), JSON.parse(readFileSync("src/scenario/scenario.schema.json", "utf8")));
  });
});
