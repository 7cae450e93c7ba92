// `npm run build:cli`: the faultline command as compiled JavaScript in lib/
// (lib/cli/index.js and the explorer's worker, lib/cli/explore-worker.js),
// so that it starts without compiling TypeScript or the scenario schema:
// esbuild bundles src/cli, and src/scenario/validators.ts is replaced by
// the same three Ajv validators as standalone code generated here.
// src/bin/faultline.js runs lib/ when it is newer than every source file.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import AjvModule from "ajv";
import standaloneModule from "ajv/dist/standalone/index.js";
import { build, transformSync } from "esbuild";
import { jsonSchema } from "../scenario/schema.js";
import { VALIDATOR_OPTIONS, type ValidatorName } from "../scenario/validators.js";

// Ajv is CommonJS; NodeNext sees its default exports as the namespaces.
const Ajv = AjvModule as unknown as typeof AjvModule.default;
const standaloneCode = standaloneModule as unknown as typeof standaloneModule.default;

const root = fileURLToPath(new URL("../../", import.meta.url));
const lib = `${root}lib`;
const generated = `${lib}/validators`;

/** One validator as a minified CommonJS module: Ajv's standalone code, which `require()`s its runtime helpers from ajv. */
function validatorModule(name: ValidatorName): string {
  const ajv = new Ajv({ ...VALIDATOR_OPTIONS[name], code: { source: true } });
  return transformSync(standaloneCode(ajv, ajv.compile(jsonSchema())), { format: "cjs", minify: true, platform: "node" }).code;
}

rmSync(lib, { recursive: true, force: true });
mkdirSync(generated, { recursive: true });
const names = Object.keys(VALIDATOR_OPTIONS) as ValidatorName[];
for (const name of names) writeFileSync(`${generated}/${name}.cjs`, validatorModule(name));
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
