// Every section of every notebook as plain text for a mail (the same text as
// `npm run export`), keyed by page path and heading.
import { readdirSync, readFileSync } from "node:fs";
import config from "../../observablehq.config.js";
import { EXPORT_PAGE_ORIGIN } from "../components/section-export.js";
import { exportSection, sectionHeadings } from "../tools/export-section.js";

const dataFiles = readdirSync(new URL("../../data/", import.meta.url));
// The notebooks are the pages of the sidebar's "Notebooks" section (the API reference is a section too).
const notebooks = config.pages.flatMap((p) => ("pages" in p && p.name === "Notebooks" ? (p.pages ?? []) : []));
const out: Record<string, Record<string, string>> = {};
for (const { path } of notebooks) {
  const markdown = readFileSync(new URL(`..${path}.md`, import.meta.url), "utf8");
  out[path] = Object.fromEntries(sectionHeadings(markdown).map((h) => [h, exportSection(markdown, h, { pageUrl: `${EXPORT_PAGE_ORIGIN}${path}`, dataFiles })]));
}
process.stdout.write(JSON.stringify(out));
