/**
 * The `faultline` command: run, validate, replay, check and record scenarios.
 *
 * @module
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { type BisectOutcome, type Citation, bisectProfiles, DEFAULT_MAX_STATES, DEFAULT_WALKS, explore, type ExploreProgress, scenarioId, type BisectReport, checkScenario, citeBibtex, citeBlock, citeCsl, citePermalink, formatDeadlock, formatInversions, formatNs, formatTrace, holds, jsonSchema, normalizeScenario, parseBisectOutcome, PROFILE_NAMES, runNormalized, type ScenarioRun, type ScenarioSpec, TRACE_FORMAT, withOptions, MODEL_VERSION, explainHashMismatch, structureNote, verifyCitation, wrapText } from "../index.js";
import { CliError, EXIT } from "./exit.js";
import { loadCited, loadScenario } from "./load.js";
import { exploreJson, exploreText, progressText } from "./explore.js";
import { exploreParallel, SPLIT_TARGET } from "./explore-pool.js";
import { availableParallelism } from "node:os";
import { progressLine } from "./progress.js";
import { ReaderGone, stdoutWriter } from "./stdout.js";

function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 0xffffffff) throw new InvalidArgumentError(`expected an integer in [0, 4294967295], found "${value}"`);
  return n;
}

function parseHttpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`expected an http(s) URL, found "${value}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new InvalidArgumentError(`expected an http(s) URL, found "${value}"`);
  return `${url.origin}${url.pathname}`;
}

/** `--jobs`: a count of worker threads from 1, or `auto` for one per CPU. */
function parseJobs(value: string): number {
  if (value === "auto") return availableParallelism();
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 256) throw new InvalidArgumentError(`expected "auto" or an integer in [1, 256], found "${value}"`);
  return Number(value);
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a non-negative integer, found "${value}"`);
  return Number(value);
}

/** Run one scenario with a progress line for long runs. */
function runWithProgress(spec: ScenarioSpec, options: { seed?: number; profile?: string; policy?: "time" | "random" }): ScenarioRun {
  const progress = progressLine(true);
  const run = runNormalized(withOptions(normalizeScenario(spec), options), {
    onProgress: (steps, now, work) => progress.update(`running: ${steps.toLocaleString("en-US")} steps, ${work.toLocaleString("en-US")} operations, virtual time ${formatNs(now)}`),
  });
  progress.done();
  return run;
}

/** Exit code for a run: 0 when its status is the one the scenario expects. */
function statusCode(run: ScenarioRun): number {
  const want = run.scenario.expect.status ?? "ok";
  const got = run.result.status;
  if (got === want) return EXIT.ok;
  return got === "deadlock" ? EXIT.deadlock : got === "budget" ? EXIT.budget : got === "error" ? EXIT.error : EXIT.mismatch;
}

/** Why a replay does not reproduce what was cited (hash `want`): the lines to print, none when it does. */
function notReproduced(spec: ScenarioSpec, citation: Citation | null, run: ScenarioRun, want: string, hashGiven: boolean): string[] {
  if (run.hash !== want) {
    const why = hashGiven ? "the hash given with --hash names no model version: it may come from another version of the model" : explainHashMismatch(spec.expect?.model);
    return [`cited hash  ${want}`, `this run    ${run.hash}`, `${why} (trace format ${TRACE_FORMAT})`];
  }
  const status = spec.expect?.status;
  if (status !== undefined && status !== run.result.status) return [`cited status ${status}, this run ${run.result.status} (same trace hash ${run.hash})`];
  const differs = citation && verifyCitation(citation, spec, run);
  return differs ? [`the cited text is not what this run gives: ${differs}`] : [];
}

function summary(run: ScenarioRun): string[] {
  const s = run.scenario;
  const r = run.result;
  const lines = [
    s.title,
    `  id ${run.id}  profile ${s.profile}  seed ${s.seed}  policy ${s.schedule ? "explicit" : s.policy}`,
    ...(structureNote(s.profile) ? wrapText(structureNote(s.profile)!, 76, "  ").map((l) => `  ${l}`) : []),
    `  status ${r.status}  end ${formatNs(r.endTime)}  steps ${r.steps}  tasks ${r.tasks.length}`,
    `  trace hash ${run.hash}`,
  ];
  if (r.status === "budget") lines.push(`  step budget of ${s.maxSteps} used up (raise "maxSteps" in the scenario)`);
  if (r.decisionCount > r.decisions.length) lines.push(`  ${r.decisionCount} scheduling decisions, ${r.decisions.length} kept: the run cannot be replayed in full as an explicit schedule`);
  if (r.error) lines.push(`  ${r.error.task}: ${r.error.message}`);
  if (r.deadlock) lines.push("  deadlock:", ...formatDeadlock(r.deadlock).map((l) => `    ${l}`));
  lines.push(...(r.inversions.length > 0 ? formatInversions(r.inversions).map((l) => `  ${l}`) : ["  lockdep: no inversions"]));
  const pc = run.postcopy;
  if (pc) {
    lines.push(
      `  post-copy: ${pc.accesses} guest pages written, ${pc.faults} of them after an EPT violation, ${Math.round(pc.pagesPerSec).toLocaleString("en-US")} pages/s; ${pc.finished === pc.vcpus ? `every vCPU done at ${formatNs(pc.vcpuNs)}` : `${pc.finished} of ${pc.vcpus} vCPUs done when the run ended at ${formatNs(pc.vcpuNs)}`}`,
      `  stall ${pc.faults === 0 ? "n/a (no fault completed)" : `p50 ${formatNs(pc.stall.p50)}  p99 ${formatNs(pc.stall.p99)}  max ${formatNs(pc.stall.max)}`};  KVM exits ${pc.exits}  MADV_POPULATE_WRITE ${pc.populates}  -EEXIST ${pc.eexist}  uffd messages read ${pc.messages}`,
    );
  }
  lines.push(...r.warnings.map((w) => `  warning: ${w}`));
  if (s.expect.status && s.expect.status !== r.status) lines.push(`  expected status ${s.expect.status}`);
  const p = s.property;
  if (p) {
    const seeds = `${p.seeds.from}..${p.seeds.from + p.seeds.count - 1}`;
    const held = holds(p.exists, run);
    // Whether this one run fits the expected verdict: a "never" property should not hold, an "always" one should.
    const fits = p.verdict === "sometimes" || held === (p.verdict === "always");
    lines.push(`  property ${held ? "holds" : "does not hold"} in this run, ${fits ? "as" : "against what"} the expected verdict (${p.verdict} over seeds ${seeds}) ${fits ? "allows" : "says"}; faultline check judges every seed, faultline explore every interleaving`);
  }
  return lines;
}

/** The kept trace as `run` prints it: at most `limit` events (0: all kept), and where the run dropped events. */
function traceListing(r: ScenarioRun["result"], limit: number): string[] {
  const trace = r.trace;
  const gap = r.traceGap;
  const shown = limit === 0 ? trace : trace.slice(0, limit);
  const lines = formatTrace(shown);
  const gapLine = gap && `... ${gap.dropped} events not kept (the run keeps the first ${gap.at} and the last ${trace.length - gap.at}; the hash covers all)`;
  if (gapLine && gap.at < shown.length) lines.splice(gap.at + 1, 0, gapLine);
  if (shown.length < trace.length) lines.push(`... ${trace.length - shown.length} more kept (--limit 0 shows all kept)`);
  const kept = gap ? `, ${trace.length} kept` : "";
  return [`trace (${r.traceEvents} events${kept}):`, ...lines];
}

function scenarioFiles(dir: string): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new CliError(EXIT.unreadable, `${dir}: no such file or directory`);
  }
  if (!st.isDirectory()) return [dir];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Do `f` for each file; a file that fails (a {@link CliError}) is reported
 * as `invalid` (exit 5) or `error` and the others still go. Returns the
 * exit code of the first failure, or 0.
 */
function eachFile(files: readonly string[], f: (file: string) => void, out: (text: string) => void): number {
  let code: number = EXIT.ok;
  for (const file of files) {
    try {
      f(file);
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      out(`${e.code === EXIT.schema ? "invalid" : "error"}  ${e.message}\n`);
      code = code || e.code;
    }
  }
  return code;
}

/** Build the commander program; `out` receives stdout text. */
function program(out: (text: string) => void, setCode: (code: number) => void): Command {
  const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  const cmd = new Command("faultline")
    .description("Run reproducible scenarios of the Linux kernel fault path (faults, GUP and pins, userfaultfd, KVM, KSM, khugepaged).")
    .version(`faultline ${version}, model version ${MODEL_VERSION}, trace format ${TRACE_FORMAT}`, "-V, --version", "print the version of faultline, of its model and of its trace format")
    .exitOverride()
    .showHelpAfterError();

  cmd
    .command("run")
    .description("run a scenario and print a summary and its trace")
    .argument("<scenario.json>", "scenario file (- for stdin)")
    .option("--json", "print the full result as JSON: final state (PTEs, folio counts, lock holders) and trace included")
    .option("--seed <n>", "override the scenario seed", parseSeed)
    .addOption(new Option("--profile <name>", "override the kernel-version profile").choices(PROFILE_NAMES))
    .addOption(new Option("--policy <policy>", "override the tie-break policy").choices(["time", "random"]))
    .option("--limit <n>", "print at most n trace events (0: all the run kept)", parseCount, 200)
    .action((file: string, o: { json?: boolean; seed?: number; profile?: string; policy?: "time" | "random"; limit: number }) => {
      const run = runWithProgress(loadScenario(file), o);
      if (o.json) {
        const { trace, ...rest } = run.result;
        out(JSON.stringify({ id: run.id, hash: run.hash, scenario: run.scenario, ...rest, final: run.final, trace }, null, 1) + "\n");
      } else {
        out([...summary(run), "", ...traceListing(run.result, o.limit)].join("\n") + "\n");
      }
      setCode(statusCode(run));
    });

  cmd
    .command("validate")
    .description("check scenario files against the scenario format")
    .argument("<files...>", "scenario files")
    .action((files: string[]) => {
      setCode(
        eachFile(
          files,
          (file) => {
            loadScenario(file);
            out(`ok  ${file}\n`);
          },
          out,
        ),
      );
    });

  cmd
    .command("cite")
    .description("print a plain-text citation block (72 columns) for a mail: claim, outcome, trace excerpt, hash and the scenario itself")
    .argument("<scenario.json>", "scenario file (- for stdin)")
    .option("--seed <n>", "cite the run with this seed", parseSeed)
    .addOption(new Option("--profile <name>", "cite the run under this profile").choices(PROFILE_NAMES))
    .option("--excerpt <n>", "trace lines to quote", parseCount, 12)
    .addOption(new Option("--format <format>", "mail: the plain-text block; bibtex or csl (CSL-JSON) for papers").choices(["mail", "bibtex", "csl"]).default("mail"))
    .option("--playground <url>", "the site's playground URL; adds a permalink to the citation", parseHttpUrl)
    .action((file: string, o: { seed?: number; profile?: string; excerpt: number; format: "mail" | "bibtex" | "csl"; playground?: string }) => {
      const spec = loadScenario(file);
      const run = runWithProgress(spec, o);
      const options = { excerpt: o.excerpt, ...(o.playground ? { playground: o.playground } : {}) };
      const now = new Date();
      out(o.format === "bibtex" ? citeBibtex(spec, run, now, options) : o.format === "csl" ? JSON.stringify([citeCsl(spec, run, now, options)], null, 2) + "\n" : citeBlock(spec, run, options));
      setCode(EXIT.ok);
    });

  cmd
    .command("explore")
    .description("search the interleavings of a scenario's tasks that its locks, wait queues and IRQ sections allow (tasks switch at locks, sleeps, waits, IO, IPIs and cpu or cond_resched ops); print each outcome, the property's verdict and, for each violation, a shortest schedule and its race diagram")
    .argument("<scenario.json>", "scenario file (- for stdin)")
    .option("--budget <n>", "states the exhaustive search may visit before random walks take over", parseCount, DEFAULT_MAX_STATES)
    .option("--seed <n>", "seed of the random walks (default: the scenario's)", parseSeed)
    .option("--no-reduction", "enumerate every interleaving (no partial-order reduction), for comparison")
    .addOption(new Option("--profile <name>", "explore under this kernel-version profile instead of the scenario's").choices(PROFILE_NAMES))
    .option("--jobs <n>", `worker threads ("auto": one per CPU); from 2, the search is split into ${SPLIT_TARGET} subtrees, each with its share of the budget (each runs at least one execution; states and counts differ from one thread, outcomes and exhaustive verdicts do not), and the report is the same for any number`, parseJobs, 1)
    .option("--json", "print the report as JSON")
    .action(async (file: string, o: { budget: number; seed?: number; reduction: boolean; json?: boolean; jobs: number; profile?: string }) => {
      const recorded = normalizeScenario(loadScenario(file));
      const s = withOptions(recorded, o.profile ? { profile: o.profile } : {});
      // The expected verdict is the scenario's, for its own profile: under another one it is shown, not enforced.
      const elsewhere = s.profile !== recorded.profile;
      const progress = progressLine(true);
      const start = performance.now();
      const seconds = () => (performance.now() - start) / 1000;
      const onProgress = (p: ExploreProgress) => progress.update(progressText(p, seconds()));
      const seed = o.seed ?? s.seed;
      const report = o.jobs > 1 ? await exploreParallel(s, { jobs: o.jobs, maxStates: o.budget, reduction: o.reduction, walks: DEFAULT_WALKS, seed, onProgress }) : explore(s, { maxStates: o.budget, reduction: o.reduction, seed, onProgress });
      progress.done();
      const took = seconds();
      const note = elsewhere ? [`  explored under ${s.profile}; the expected verdict is for ${recorded.profile}, so a disagreement does not change the exit code`] : [];
      out(o.json ? JSON.stringify(exploreJson(report, scenarioId(s), took), null, 1) + "\n" : [...exploreText(report, took), ...note].join("\n") + "\n");
      setCode(report.verdict?.agrees === false && !elsewhere ? EXIT.mismatch : EXIT.ok);
    });

  cmd
    .command("replay")
    .description("re-run a cited scenario; exit 1 if the trace hash or status differs from the cited one, or a line of the cited text from what the run gives")
    .argument("<file>", "scenario file carrying expect.hash, or a saved citation block (- for stdin)")
    .option("--hash <sha256>", "the cited trace hash (default: the scenario's expect.hash)")
    .action((file: string, o: { hash?: string }) => {
      const { spec, citation } = loadCited(file);
      const want = o.hash ?? spec.expect?.hash;
      if (!want) throw new CliError(EXIT.usage, `${file}: no trace hash to compare with: pass --hash or record expect.hash (faultline record ${file})`);
      const run = runWithProgress(spec, {});
      const why = notReproduced(spec, citation, run, want, o.hash !== undefined);
      if (why.length === 0) {
        // The mail cuts the permalink into lines; here it is whole, rebuilt from the block.
        const permalink = citation ? citePermalink(spec, run, citation.options.playground, spec.expect?.model) : null;
        out(`reproduced: ${run.scenario.title}\n  trace hash ${run.hash}\n${permalink ? `  open in the playground: ${permalink}\n` : ""}`);
        setCode(EXIT.ok);
      } else {
        out(`NOT reproduced: ${run.scenario.title}\n${why.map((l) => `  ${l}\n`).join("")}`);
        setCode(EXIT.mismatch);
      }
    });

  cmd
    .command("check")
    .description("run every scenario in a directory and report outcomes and verdicts that differ from the recorded ones")
    .argument("[dir]", "directory of scenario files, or one file", "data")
    .action((dir: string) => {
      const files = scenarioFiles(dir);
      const progress = progressLine(true);
      let failed = 0;
      files.forEach((file, i) => {
        let line: string;
        try {
          const report = checkScenario(loadScenario(file), (done, total) => progress.update(`check [${i + 1}/${files.length}] ${file}: seed ${done}/${total}`));
          const v = report.verdict;
          const verdict = v ? `  ${v.verdict} ${v.positive}/${v.total}` : "";
          if (report.mismatches.length === 0) line = `pass  ${file}  ${report.run.result.status}${verdict}`;
          else {
            failed++;
            line = [`FAIL  ${file}`, ...report.mismatches.map((m) => (m.field === "invariant" ? `  invariant ${m.expected} ${m.actual}` : `  ${m.field}: recorded ${m.expected}, model gives ${m.actual}`))].join("\n");
          }
        } catch (e) {
          // One broken file must not hide the verdicts of the others.
          failed++;
          line = e instanceof CliError ? `FAIL  ${e.message}` : `FAIL  ${file}: ${(e as Error).message}`;
        }
        progress.done();
        out(line + "\n");
      });
      out(`checked ${files.length} scenario(s): ${files.length - failed} as recorded, ${failed} differ\n`);
      setCode(failed > 0 ? EXIT.mismatch : EXIT.ok);
    });

  cmd
    .command("record")
    .description("run scenarios and write their outcome (status, trace hash, end time, steps) into expect")
    .argument("<files...>", "scenario files")
    .action((files: string[]) => {
      const code = eachFile(files, (file) => {
        if (file === "-") throw new CliError(EXIT.usage, "record writes the outcome back into the file: give a file, not -");
        const spec = loadScenario(file);
        const run = runWithProgress(spec, {});
        const r = run.result;
        const expect = { status: r.status, hash: run.hash, endTime: r.endTime, steps: r.steps, model: MODEL_VERSION };
        const { property, ...rest } = spec;
        try {
          writeFileSync(file, JSON.stringify({ ...rest, expect, ...(property ? { property } : {}) }, null, 2) + "\n");
        } catch (e) {
          throw new CliError(EXIT.unreadable, `${file}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        out(`recorded ${file}: ${r.status}, ${run.hash.slice(0, 16)}, ${formatNs(r.endTime)}\n`);
      }, out);
      setCode(code);
    });

  cmd
    .command("bisect")
    .description("run a scenario under every kernel profile, oldest first, and name where its outcome changes and the commits that profile brings")
    .argument("<scenario.json>", "scenario file (- for stdin)")
    .option("--outcome <what>", "status, verdict (of its property over its seeds), final:VMA:PAGE (the page's final PTE and counts), call:TASK (what its last op returned) or call:TASK:FUNCTION (what its last call of FUNCTION returned)", "status")
    .action((file: string, o: { outcome: string }) => {
      let outcome: BisectOutcome;
      try {
        outcome = parseBisectOutcome(o.outcome);
      } catch (e) {
        throw new CliError(EXIT.usage, (e as Error).message);
      }
      const spec = loadScenario(file);
      const progress = progressLine(true);
      let report: BisectReport;
      try {
        report = bisectProfiles(spec, outcome, (done, total) => progress.update(`bisect: ${done}/${total} profiles`));
      } catch (e) {
        if (e instanceof RangeError) throw new CliError(EXIT.usage, e.message);
        throw e;
      }
      progress.done();
      const width = Math.max(...report.rows.map((r) => r.profile.length));
      const lines = [`${outcome} by profile:`, ...report.rows.map((r) => `  ${r.profile.padEnd(width)}  ${r.outcome}`), ""];
      if (report.changes.length === 0) lines.push(`the same under every profile`);
      report.changes.forEach((c, i) => {
        lines.push(`${i === 0 ? "first change" : "then"}: ${c.to} (after ${c.from}): ${c.before} -> ${c.after}`);
        const line = (x: (typeof c.changes)[number]) => `  ${x.commit} ${x.subject} (${x.behaviour} = ${String(x.value)})`;
        if (c.culprits.length > 0) {
          lines.push("  changed by (each alone flips the outcome on the older profile):", ...c.culprits.map((x) => `  ${line(x)}`));
          const rest = c.changes.filter((x) => !c.culprits.includes(x));
          if (rest.length > 0) lines.push("  also in this profile:", ...rest.map((x) => `  ${line(x)}`));
        } else {
          lines.push("  no single switch flips it alone; the profile's switches:", ...c.changes.map((x) => `  ${line(x)}`));
        }
      });
      out(lines.join("\n") + "\n");
      setCode(EXIT.ok);
    });

  cmd
    .command("schema")
    .description("print the scenario JSON Schema")
    .action(() => {
      out(JSON.stringify(jsonSchema(), null, 2) + "\n");
      setCode(EXIT.ok);
    });

  return cmd;
}

/**
 * Run the CLI on `argv` (without node and script); resolves to the exit
 * code. `out` receives stdout text (default: standard output, where a
 * reader that goes away ends the command with exit 0); throwing
 * {@link ReaderGone} from it does the same.
 */
export async function main(argv: readonly string[], out: (text: string) => void = stdoutWriter()): Promise<number> {
  let code: number = EXIT.ok;
  const cmd = program(out, (c) => (code = c));
  try {
    await cmd.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof ReaderGone) return EXIT.ok;
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (e instanceof CliError) {
      process.stderr.write(`faultline: ${e.message}\n`);
      return e.code;
    }
    // A failure of faultline itself: its stack, not the bundle's source line Node would print.
    process.stderr.write(`faultline: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.error;
  }
}
