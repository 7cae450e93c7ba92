// Which folder may import which (DESIGN.md, "Arrows point one way"):
// docs/ and the CLI -> src/index.ts (a page: src/page.ts, src/editing.ts)
// -> scenario, host, cite -> user -> the
// kernel model -> engine. test/dependencies.test.ts checks it; by hand:
// npx depcruise src docs/components docs/workers docs/tools docs/data
const KERNEL = "(mm|arch|fs|kernel|virt|drivers|include|profiles)";

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "engine-knows-no-mm",
      comment: "The engine (clock, tasks, locks, trace) imports nothing else from src/.",
      severity: "error",
      from: { path: "^src/engine/" },
      to: { path: "^src/", pathNot: "^src/engine/" },
    },
    {
      name: "kernel-knows-no-host",
      comment: "The kernel model imports only the engine and other kernel parts: no userspace, scenario, host, citation, CLI or index.",
      severity: "error",
      from: { path: `^src/${KERNEL}/` },
      to: { path: "^src/", pathNot: [`^src/${KERNEL}/`, "^src/engine/"] },
    },
    {
      name: "user-is-userspace",
      comment: "Userspace actors call kernel entry points; they know no scenario, host, citation or CLI.",
      severity: "error",
      from: { path: "^src/user/" },
      to: { path: "^src/", pathNot: [`^src/${KERNEL}/`, "^src/(engine|user)/"] },
    },
    {
      name: "checkers-read-the-model",
      comment: "Invariant checkers look at the engine and the kernel model, nothing above them.",
      severity: "error",
      from: { path: "^src/check/" },
      to: { path: "^src/", pathNot: [`^src/${KERNEL}/`, "^src/(engine|check)/"] },
    },
    {
      name: "trace-views-read-the-engine",
      comment: "Trace views read the engine's trace records and nothing of the model.",
      severity: "error",
      from: { path: "^src/trace/" },
      to: { path: "^src/", pathNot: "^src/(engine|trace)/" },
    },
    {
      name: "scenario-knows-no-site",
      comment: "Scenario data knows no host, citation, CLI or index.",
      severity: "error",
      from: { path: "^src/scenario/" },
      to: { path: ["^src/(host|cite|cli|bin)/", "^src/index\\.ts$"] },
    },
    {
      name: "index-is-the-top",
      comment: "Only the CLI imports src/index.ts, nothing in src/ imports the site's surfaces (src/page.ts, src/editing.ts), and nothing in src/ imports the CLI but its launcher.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(cli|bin)/" },
      to: { path: ["^src/(index|page|editing)\\.ts$", "^src/(cli|bin)/"] },
    },
    {
      name: "src-knows-no-docs",
      comment: "Nothing in src/ imports the site.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: ["^docs/", "^observablehq\\.config\\.ts$"] },
    },
    {
      name: "cli-through-index",
      comment: "The CLI imports src/ only through src/index.ts.",
      severity: "error",
      from: { path: "^src/cli/" },
      to: { path: "^src/", pathNot: ["^src/cli/", "^src/index\\.ts$"] },
    },
    {
      name: "docs-through-index",
      comment: "docs/ imports src/ (docs/faultline/) only through src/index.ts, or the two surfaces a page loads (src/page.ts, src/editing.ts); the site build also compiles the validators as the command's build does (src/bin/aot-validators.ts); the worker is loaded by URL, not imported.",
      severity: "error",
      from: { path: "^docs/" },
      to: { path: "^(src|docs/faultline)/", pathNot: "^(src|docs/faultline)/((index|page|editing)\\.ts|bin/aot-validators\\.ts)$" },
    },
    {
      name: "components-load-no-simulator",
      comment: "The site's components run on a page's main thread: they import src/page.ts (and the editor src/editing.ts), never src/index.ts and the simulator behind it.",
      severity: "error",
      from: { path: "^docs/components/" },
      to: { path: "^(src|docs/faultline)/index\\.ts$" },
    },
    {
      name: "not-to-unresolvable",
      comment: "Every import resolves, so no rule above is passed by a path it could not see.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Generated before each build (docs/tools): bundles, not sources.
    exclude: { path: ["^(docs/api|docs/\\.observablehq|dist)/", "^docs/workers/(worker|validators)\\.js$", "^docs/components/plot\\.js$"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
