// Observable Framework configuration for the faultline notebook site.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** The generated API reference pages (docs/api, by docs/tools/api.ts) other than /api/ itself, which the page list names. */
function* apiPages(dir = "docs/api"): Generator<{ path: string; title: string; text: string }> {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }).map(String).filter((n) => n.endsWith(".md") && n !== "index.md");
  } catch {
    return;
  }
  for (const name of names) {
    const markdown = readFileSync(join(dir, name), "utf8");
    const title = /^#\s+(.+)$/m.exec(markdown)?.[1] ?? name;
    // The same normalization Framework applies to page text: words and kernel identifiers, split at "_" by the search tokenizer.
    const text = markdown.replace(/[^\p{L}\p{N}_]/gu, " ");
    yield { path: "/" + relative("docs", join(dir, name)).replace(/(index)?\.md$/, ""), title: `API: ${title}`, text };
  }
}
export default {
  root: "docs",
  title: "faultline",
  pages: [
    { name: "Overview", path: "/" },
    {
      name: "Notebooks",
      pages: [
        { name: "FAULT_FLAG_RETRY_NOWAIT", path: "/nowait" },
        { name: "GUP with pages == NULL", path: "/prefault" },
        { name: "GUP pin guarantees", path: "/pins" },
        { name: "vfio-pci: fault vs remap", path: "/vfio" },
      ],
    },
    { name: "Playground", path: "/playground" },
    { name: "API reference", path: "/api/" },
  ],
  // The default theme's web fonts come from a CDN; the site must work offline.
  globalStylesheets: [],
  style: "style.css",
  // Page text plus every API reference page, so kernel symbols (handle_mm_fault, FOLL_NOWAIT) find their docs.
  search: {
    async *index() {
      yield* apiPages();
    },
  },
  // An inline icon: no favicon request, nothing fetched from elsewhere.
  head: `<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath d='M1 13 L6 3 L9 9 L11 6 L15 13' fill='none' stroke='%23e41a1c' stroke-width='2'/%3E%3C/svg%3E">`,
  footer: "faultline: executable models of Linux memory-management design debates.",
};
