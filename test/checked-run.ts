// A scenario run with the invariant checkers after every step, which must
// end ok with no lock left held: the helper the kernel tests share.
import assert from "node:assert/strict";
import { checkFolioAccounting, checkFolios, checkLocks, checkTasks } from "../src/check/invariants.js";
import { runScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { Behaviour } from "../src/profiles/index.js";

/**
 * Run `spec` (a scenario as written; under `profile` if given, with
 * `behaviour` instead of the profile's if given) checking
 * invariants after every step; the folio accounting is checked at the end,
 * held page sets counted.
 */
export function checkedRun(spec: unknown, profile?: string, behaviour?: Behaviour): ScenarioRun {
  const r = runScenario(spec, {
    ...(profile ? { profile } : {}),
    ...(behaviour ? { behaviour } : {}),
    onStep: (sim, k) => {
      checkTasks(sim);
      checkLocks(sim);
      if (k) checkFolios(k);
    },
  });
  assert.equal(r.result.status, "ok", r.result.error?.message);
  assert.deepEqual(r.result.warnings, [], "a task exited holding a lock");
  if (r.kernel) checkFolioAccounting(r.kernel, r.held.values());
  return r;
}
