// How long the faultline command takes to run a small scenario, as a ratio
// to starting Node itself (`node -e 0`), the two run in turn so that the
// machine's drift cancels.
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";

const time = (args: string[]): number => {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: "ignore" });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
  return performance.now() - start;
};

/** The median over `runs` pairs of (faultline run FILE) / (node -e 0) wall time, and the medians of each (ms). */
export function startupRatio(file: string, runs = 7): { ratio: number; faultlineMs: number; nodeMs: number } {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const pairs = Array.from({ length: runs }, () => [time(["src/bin/faultline.js", "run", file]), time(["-e", "0"])] as const);
  return { ratio: median(pairs.map(([f, n]) => f / n)), faultlineMs: median(pairs.map(([f]) => f)), nodeMs: median(pairs.map(([, n]) => n)) };
}
