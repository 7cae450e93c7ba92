/**
 * A worker thread of `faultline explore --jobs`: searches the subtrees and
 * runs the random walks the main thread sends it, for one scenario.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { exploreSubtree, newTally, randomWalks, type NormalizedScenario } from "../index.js";
import type { PoolJob, PoolMessage } from "./explore-pool.js";

const { scenario, reduction, seed } = workerData as { scenario: NormalizedScenario; reduction: boolean; seed: number };
const port = parentPort!;
const send = (m: PoolMessage) => port.postMessage(m);

port.on("message", (job: PoolJob) => {
  if (job.kind === "subtree") {
    let last = 0;
    const result = exploreSubtree(scenario, job.fixed, reduction, job.budget, (states) => {
      if (states - last >= 1000) send({ kind: "progress", states: states - last, walks: 0 }), (last = states);
    });
    send({ kind: "subtree", index: job.index, result, states: result.stats.states - last });
  } else {
    const tally = newTally();
    randomWalks(scenario, seed, job.from, job.to, tally);
    send({ kind: "walks", index: job.index, tally, walks: job.to - job.from });
  }
});
