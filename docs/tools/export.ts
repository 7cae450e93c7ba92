// npm run export -- <notebook.md> "<section heading or anchor>" [--url <page URL>]
// Prints one notebook section as plain text (72 columns) for a mail.
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { exportSection, sectionHeadings } from "./export-section.js";

const usage = 'usage: npm run export -- <notebook.md> "<section>" [--url <page URL>]';
let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { url: { type: "string" }, help: { type: "boolean", short: "h" } } });
} catch (e) {
  console.error(`${(e as Error).message}\n${usage}`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const [file, section] = positionals;
if (!file) {
  console.error(usage);
  process.exit(2);
}
let markdown: string;
try {
  markdown = readFileSync(file, "utf8");
} catch (e) {
  console.error(`${file}: ${(e as Error).message}`);
  process.exit(2);
}
if (!section) {
  console.error(`${usage}\nsections of ${file}:\n${sectionHeadings(markdown).map((h) => `  ${h}`).join("\n")}`);
  process.exit(2);
}
if (values.url !== undefined && !/^https?:\/\//.test(values.url)) {
  console.error(`--url: expected an http(s) URL of the notebook page, found "${values.url}"`);
  process.exit(2);
}
try {
  process.stdout.write(exportSection(markdown, section, { ...(values.url ? { pageUrl: values.url } : {}), dataFiles: readdirSync("data") }));
} catch (e) {
  console.error(`${file}: ${(e as Error).message}`);
  process.exit(1);
}
