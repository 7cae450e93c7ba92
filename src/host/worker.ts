/**
 * Entry point of the site's Web Worker: serves the run and exploration
 * requests (serve.ts) posted by the page (see docs/components/runner.ts).
 *
 * @module
 */
import { serve, type MessageScope } from "./serve.js";

serve(globalThis as unknown as MessageScope);
