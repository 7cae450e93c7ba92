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
import { build } from "esbuild";
import { jsonSchema } from "../scenario/schema.js";
import { VALIDATOR_OPTIONS, type ValidatorName } from "../scenario/validators.js";

// Ajv is CommonJS; NodeNext sees its default exports as the namespaces.
const Ajv = AjvModule as unknown as typeof AjvModule.default;
const standaloneCode = standaloneModule as unknown as typeof standaloneModule.default;

const root = fileURLToPath(new URL("../../", import.meta.url));
const lib = `${root}lib`;
const generated = `${lib}/validators`;

/** One validator as an ES module; the runtime helpers Ajv's code `require()`s become imports, which an ES bundle can resolve. */
function validatorModule(name: ValidatorName): string {
  const ajv = new Ajv({ ...VALIDATOR_OPTIONS[name], code: { source: true, esm: true } });
  const code = standaloneCode(ajv, ajv.compile(jsonSchema()));
  const imports: string[] = [];
  const body = code.replace(/require\("(ajv\/dist\/runtime\/[\w-]+)"\)/g, (_, path: string) => {
    const id = `runtime${imports.length}`;
    imports.push(`import ${id} from "${path}.js";`);
    return id;
  });
  return `${imports.join("\n")}\n${body}`;
}

rmSync(lib, { recursive: true, force: true });
mkdirSync(generated, { recursive: true });
const names = Object.keys(VALIDATOR_OPTIONS) as ValidatorName[];
for (const name of names) writeFileSync(`${generated}/${name}.js`, validatorModule(name));
writeFileSync(
  `${generated}/index.js`,
  `${names.map((n) => `import ${n} from "./${n}.js";`).join("\n")}
const validators = { ${names.join(", ")} };
export const VALIDATOR_OPTIONS = ${JSON.stringify(VALIDATOR_OPTIONS)};
export function scenarioValidator(name) {
  return validators[name];
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
  packages: "external",
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
