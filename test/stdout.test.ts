// A reader that goes away (`faultline run x.json | head`) ends the command
// quietly with exit 0, as Unix filters end, whatever the command: no EPIPE
// stack trace, and no work past the first write that fails.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";

const BIN = new URL("../src/bin/faultline.js", import.meta.url).pathname;

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly err: string;
  /** Lines read before the pipe was closed. */
  readonly lines: number;
}

/** The real CLI with its stdout a pipe that is closed after the first line (`afterLines` 1) or before anything is written (0). */
function closedAfter(afterLines: 0 | 1, ...args: string[]): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    if (afterLines === 0) child.stdout.destroy();
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) child.stdout.destroy();
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, err, lines: out.split("\n").length - 1 }));
  });
}

const quiet = (r: Ended) => {
  assert.equal(r.signal, null);
  // stderr may carry the progress line of a long command, nothing else.
  assert.doesNotMatch(r.err, /EPIPE|Error|\n\s+at /, r.err);
  assert.equal(r.code, 0);
};

describe("stdout closed by its reader: exit 0, no error", () => {
  it("run --limit 0 (2.3 MB of trace, one write)", async () => {
    const r = await closedAfter(1, "run", "--limit", "0", "data/mlock-readahead-off-loops-v5.1.json");
    assert.ok(r.lines >= 1);
    quiet(r);
  });

  it("run --json", async () => quiet(await closedAfter(1, "run", "--json", "data/mlock-readahead-off-loops-v5.1.json")));

  it("schema, stdout closed before the first write", async () => quiet(await closedAfter(0, "schema")));

  it("check (a line per scenario)", async () => quiet(await closedAfter(1, "check", "data")));

  it("--help (commander writes it) with stdout closed before the first write", async () => quiet(await closedAfter(0, "--help")));

  it("validate stops at its first write, as a filter killed by SIGPIPE: a bad file after it is never read", async () => {
    quiet(await closedAfter(0, "validate", "data/abba-lock-inversion.json", "no-such-file.json"));
  });

  it("run with stdout closed before the first write", async () => quiet(await closedAfter(0, "run", "data/abba-lock-inversion.json")));
});
