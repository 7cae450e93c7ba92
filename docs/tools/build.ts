// `npm run build`: build the site with Observable Framework, then fail if the
// build reached for the network or left an external URL in dist/. Framework
// can log a failed CDN fetch and still exit 0, so its exit code is not enough.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { makePagesAccessible } from "./accessible-html.js";
import { buildLogProblems, externalReferences } from "./offline-check.js";
import { searchEveryWord } from "./search.js";

const require = createRequire(import.meta.url);
const observable = require.resolve("@observablehq/framework/dist/bin/observable.js");

function run(cmd: string, args: string[]): Promise<{ code: number; log: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    const tee = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      log += chunk.toString();
      stream.write(chunk);
    };
    child.stdout.on("data", tee(process.stdout));
    child.stderr.on("data", tee(process.stderr));
    child.on("close", (code) => resolve({ code: code ?? 1, log }));
  });
}

// Data loaders read data/*.json, which Framework does not track: drop their
// cached output so every build runs them against the current scenarios.
rmSync(new URL("../.observablehq/cache", import.meta.url), { recursive: true, force: true });
await import("./api.js");
await import("./validators.js");
await import("./worker.js");
await import("./plot.js");
const { code, log } = await run(process.execPath, [observable, "build"]);
if (code === 0) {
  searchEveryWord("dist");
  makePagesAccessible("dist");
}
const problems = [...buildLogProblems(log).map((l) => `build log: ${l.trim()}`), ...(code === 0 ? externalReferences("dist") : [])];
if (code !== 0 || problems.length > 0) {
  console.error(`\nbuild failed${code !== 0 ? ` (observable build exited ${code})` : ""}:`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log("build ok: no CDN fetch, no external URL in dist/");
