// `npm run build:cli`: the faultline command as compiled JavaScript in lib/
// (lib/cli/index.js and the explorer's worker, lib/cli/explore-worker.js),
// so that it starts without compiling TypeScript or the scenario schema:
// esbuild bundles src/cli, and src/scenario/validators.ts is replaced by
// the same three Ajv validators as standalone code generated here.
// src/bin/faultline.js runs lib/ when it is newer than every source file.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { validatorSource, VALIDATOR_NAMES } from "./aot-validators.js";
import { VALIDATOR_OPTIONS } from "../scenario/validators.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const lib = `${root}lib`;
const generated = `${lib}/validators`;

rmSync(lib, { recursive: true, force: true });
mkdirSync(generated, { recursive: true });
for (const name of VALIDATOR_NAMES) writeFileSync(`${generated}/${name}.cjs`, validatorSource(name, "cjs"));
// Each validator is loaded the first time it is asked for: a run never parses the first-error validator it does not use.
writeFileSync(
  `${generated}/index.js`,
  `import { createRequire } from "node:module";
const require = createRequire(new URL("../validators/", import.meta.url));
const loaded = new Map();
export const VALIDATOR_OPTIONS = ${JSON.stringify(VALIDATOR_OPTIONS)};
export function scenarioValidator(name) {
  if (!loaded.has(name)) loaded.set(name, require(\`./\${name}.cjs\`));
  return loaded.get(name);
}
`,
);

await build({
  entryPoints: { "cli/index": `${root}src/cli/index.ts`, "cli/explore-worker": `${root}src/cli/explore-worker.ts` },
  outdir: lib,
  bundle: true,
  splitting: true,
  chunkNames: "cli/[name]-[hash]",
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  keepNames: true,
  // The CommonJS packages bundled (commander, ajv) require() Node's modules: give ES output a require().
  banner: { js: 'import { createRequire as __faultlineRequire } from "node:module"; const require = __faultlineRequire(import.meta.url);' },
  logLevel: "warning",
  plugins: [
    {
      name: "ahead-of-time validators",
      setup(b) {
        // src/scenario/validators.ts, as validate.ts and normalize.ts import it.
        b.onResolve({ filter: /^\.\/validators\.js$/ }, (args) => (args.importer.startsWith(`${root}src/scenario/`) ? { path: `${generated}/index.js` } : undefined));
      },
    },
  ],
});
console.log(`built ${lib}/cli/index.js`);
