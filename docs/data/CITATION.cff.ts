// The site serves the repository's CITATION.cff (where GitHub reads it) as it is.
import { readFileSync } from "node:fs";

process.stdout.write(readFileSync(new URL("../../CITATION.cff", import.meta.url)));
