// Observable Framework configuration for the faultline notebook site.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import MiniSearch from "minisearch";

/** The generated API reference pages (docs/api, by docs/tools/api.ts) other than /api/ itself, named by module. */
function apiPages(dir = "docs/api"): { name: string; path: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }).map(String).filter((n) => n.endsWith(".md") && n !== "index.md");
  } catch {
    return [];
  }
  return names
    .map((name) => ({
      name: (/^#\s+(.+)$/m.exec(readFileSync(join(dir, name), "utf8"))?.[1] ?? name).replaceAll("\\", ""),
      path: "/" + relative("docs", join(dir, name)).replace(/\.md$/, ""),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** An abbreviated (or full) commit id: 7 to 40 hex digits with at least one letter. */
const COMMIT_ID = /^(?=[0-9]*[a-f])[0-9a-f]{7,40}$/i;
const KEEPS_COMMIT_IDS = Symbol.for("faultline.search.commitIds");

/**
 * Framework (1.13) builds its search index with a fixed processTerm that
 * drops every term with more than six digits, meant for numbers and hashes;
 * it drops the commit ids the notebooks cite (df17277b2a85, 318b275fbca1), and
 * the config can add documents but not change the terms. Keep commit ids, cut
 * to 15 characters like every other term. Framework's MiniSearch is this one:
 * package.json asks for the range Framework does, so npm installs one copy.
 */
function keepCommitIds(): void {
  const proto = MiniSearch.prototype as MiniSearch & { [KEEPS_COMMIT_IDS]?: true };
  if (proto[KEEPS_COMMIT_IDS]) return;
  proto[KEEPS_COMMIT_IDS] = true;
  type ProcessTerm = (term: string, field?: string) => string | string[] | null | undefined | false;
  const add = proto.add;
  proto.add = function (this: MiniSearch, document) {
    const options = (this as unknown as { _options: { processTerm: ProcessTerm } })._options;
    const processTerm = options.processTerm;
    options.processTerm = (term, field) => (COMMIT_ID.test(term) ? term.slice(0, 15).toLowerCase() : processTerm(term, field));
    try {
      return add.call(this, document);
    } finally {
      options.processTerm = processTerm;
    }
  };
}
keepCommitIds();

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
        { name: "KVM + userfaultfd post-copy", path: "/postcopy" },
      ],
    },
    { name: "Playground", path: "/playground" },
    // Every module's page, so the page being read is marked; the section opens on an API page. The section
    // itself is no link: a link inside its <summary> would be a control nested in a control.
    { name: "API reference", open: false, pages: [{ name: "All modules", path: "/api/" }, ...apiPages()] },
  ],
  // The default theme's web fonts come from a CDN; the site must work offline.
  globalStylesheets: [],
  style: "style.css",
  // Listed pages are indexed, the API reference among them, so kernel symbols (handle_mm_fault, FOLL_NOWAIT) find their docs.
  search: true,
  // An inline icon: no favicon request, nothing fetched from elsewhere.
  head: `<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath d='M1 13 L6 3 L9 9 L11 6 L15 13' fill='none' stroke='%23e41a1c' stroke-width='2'/%3E%3C/svg%3E">`,
  footer: "faultline: executable models of Linux memory-management design debates.",
};
