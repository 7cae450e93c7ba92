// The site's simulator worker (docs/components/worker-pool.ts starts it):
// the page protocol of src/host/serve.ts, with the scenario validators
// compiled ahead of time (docs/workers/validators.js).
import { provideValidators, serve, type MessageScope } from "../faultline/index.js";
import { allErrors, fillDefaults } from "./validators.js";

provideValidators({ allErrors, fillDefaults });
serve(globalThis as unknown as MessageScope);
