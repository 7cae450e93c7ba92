// Write CITATION.cff at the top of the repository (where GitHub reads it,
// and the file the site serves) from package.json:
// `npx tsx docs/tools/citation.ts` after a version or metadata change.
import { readFileSync, writeFileSync } from "node:fs";
import { citationCff } from "../../src/index.js";

const root = new URL("../../", import.meta.url);
writeFileSync(new URL("CITATION.cff", root), citationCff(JSON.parse(readFileSync(new URL("package.json", root), "utf8"))));
