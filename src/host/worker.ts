/**
 * Entry point of the site's Web Worker: serves the run requests (jobs.ts) posted by
 * the page (see docs/components/runner.ts).
 *
 * @module
 */
import { serve, type MessageScope } from "./jobs.js";

serve(globalThis as unknown as MessageScope);
