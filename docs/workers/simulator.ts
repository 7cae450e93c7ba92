// The site's simulator worker (docs/components/worker-pool.ts starts it):
// the page protocol of src/host/serve.ts, with the scenario validators
// compiled ahead of time (docs/workers/validators.js), and the views of a
// run the notebooks ask for instead of its trace.
import { provideValidators, serve, type Json, type MessageScope, type RunViews } from "../faultline/index.js";
import { walkCost } from "../components/vfio-designs.js";
import { allErrors, fillDefaults } from "./validators.js";

/** By name, what a job may ask for ({@link RunViews}). */
const VIEWS: RunViews = {
  // /vfio's BAR walks: their costs, read from traces of up to 50,000 events each.
  "vfio-walk-cost": (run) => walkCost(run) as unknown as Json,
};

provideValidators({ allErrors, fillDefaults });
serve(globalThis as unknown as MessageScope, VIEWS);
