#!/usr/bin/env node
// The faultline command: the compiled build in lib/ (`npm run build:cli`)
// when it is newer than every source file, else the TypeScript sources
// through tsx's loader, so an edit to src/ is never run stale.
// FAULTLINE_SOURCES=1 runs the sources whatever lib/ holds.
import { readdirSync, statSync } from "node:fs";

const root = new URL("../../", import.meta.url);
const built = new URL("lib/cli/index.js", root);

/** The latest modification time of the files under `dir` (a URL ending in /), 0 if there is none. */
function newest(dir) {
  let latest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const url = new URL(e.name + (e.isDirectory() ? "/" : ""), dir);
    latest = Math.max(latest, e.isDirectory() ? newest(url) : statSync(url).mtimeMs);
  }
  return latest;
}

let fresh = false;
if (!process.env.FAULTLINE_SOURCES) try {
  fresh = statSync(built).mtimeMs >= Math.max(newest(new URL("src/", root)), statSync(new URL("package.json", root)).mtimeMs);
} catch {
  // No build: run the sources.
}
let main;
if (fresh) ({ main } = await import(built.href));
else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../cli/index.ts"));
}
process.exitCode = await main(process.argv.slice(2));
