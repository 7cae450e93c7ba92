// Generate the API reference (typedoc + typedoc-plugin-markdown) into
// docs/api/, where Framework renders it as ordinary, searchable pages.
import { Application } from "typedoc";

const app = await Application.bootstrapWithPlugins({
  entryPoints: ["src/engine/index.ts", "src/mm/index.ts", "src/virt/kvm/index.ts", "src/fs/userfaultfd.ts", "src/user/uffd_handler.ts", "src/arch/x86/mm/fault.ts", "src/drivers/char/mem.ts", "src/include/errno.ts", "src/profiles/index.ts", "src/scenario/index.ts", "src/host/index.ts", "src/trace/index.ts", "src/cite/cite.ts", "src/format.ts"],
  tsconfig: "tsconfig.json",
  plugin: ["typedoc-plugin-markdown"],
  out: "docs/api",
  readme: "none",
  name: "faultline API",
  entryFileName: "index",
  outputFileStrategy: "modules",
  excludePrivate: true,
  excludeExternals: true,
  disableSources: true,
  hidePageHeader: true,
  hideBreadcrumbs: true,
  validation: { notExported: false },
} as Parameters<typeof Application.bootstrapWithPlugins>[0]);
const project = await app.convert();
if (!project) throw new Error("typedoc could not convert the sources");
await app.generateOutputs(project);
if (app.logger.hasErrors()) process.exit(1);
