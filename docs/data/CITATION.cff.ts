// CITATION.cff for faultline, from package.json (the repository's top level
// is fixed, so the file is published with the site).
import { readFileSync } from "node:fs";
import { citationCff } from "../../src/index.js";

process.stdout.write(citationCff(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"))));
