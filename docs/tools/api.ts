// Generate the API reference (typedoc + typedoc-plugin-markdown) into
// docs/api/, where Framework renders it as ordinary, searchable pages, then
// make its links Framework's: pages are served without `.md`, and headings
// get Framework's ids (markdown-it-anchor over @sindresorhus/slugify:
// `#budget-exhausted`), not the plugin's (`#budgetexhausted`).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import type { Heading, Link, Parent, Root, RootContent } from "mdast";
import { toString } from "mdast-util-to-string";
import { remark } from "remark";
import { Application } from "typedoc";
import { visit } from "unist-util-visit";
import { headingSlug } from "./export-section.js";

const OUT = "docs/api";

/** An anchor the plugin puts on the line before a heading it links to (`useHTMLAnchors`). */
const ANCHOR = /^<a id="([^"]+)"><\/a>$/;

interface Page {
  readonly text: string;
  readonly tree: Root;
  /** The plugin's anchor -> Framework's id of the heading it stands before. */
  readonly ids: Map<string, string>;
  /** The anchor nodes to drop once links point at the headings. */
  readonly anchors: RootContent[];
}

/** Framework's ids for the headings of one page: each slug made unique with -1, -2 ... as markdown-it-anchor does. */
function readPage(text: string): Page {
  const tree = remark().parse(text) as Root;
  const ids = new Map<string, string>();
  const anchors: RootContent[] = [];
  const used = new Set<string>();
  visit(tree, "heading", (heading: Heading, index, parent: Parent | undefined) => {
    const slug = headingSlug(toString(heading));
    let id = slug;
    for (let i = 1; used.has(id); i++) id = `${slug}-${i}`;
    used.add(id);
    // The anchor is a line of its own, which Markdown reads as a paragraph of inline HTML.
    const before = index === undefined ? undefined : parent?.children[index - 1];
    const anchor = before?.position ? ANCHOR.exec(text.slice(before.position.start.offset, before.position.end.offset))?.[1] : undefined;
    if (anchor !== undefined) {
      ids.set(anchor, id);
      anchors.push(before!);
    }
  });
  return { text, tree, ids, anchors };
}

/** `url` of a link on page `file` as Framework serves it: no `.md`, `index` as its folder, fragments as heading ids. */
function framePath(file: string, url: string, pages: ReadonlyMap<string, Page>): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  const [path = "", fragment] = url.split("#", 2) as [string, string | undefined];
  if (path !== "" && !path.endsWith(".md")) return url;
  const target = path === "" ? file : normalize(join(dirname(file), path));
  const id = fragment === undefined ? undefined : (pages.get(target)?.ids.get(fragment) ?? fragment);
  const served = path.replace(/(^|\/)index\.md$/, "$1").replace(/\.md$/, "") || (path === "" ? "" : "./");
  return `${served}${id === undefined ? "" : `#${id}`}`;
}

/** Rewrite every page's links and drop the anchors the links no longer need; edits are spliced into the plugin's text. */
function rewrite(pages: ReadonlyMap<string, Page>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, page] of pages) {
    // An anchor goes with the blank line after it.
    const edits: { start: number; end: number; text: string }[] = page.anchors.map((a) => {
      const end = a.position!.end.offset!;
      return { start: a.position!.start.offset!, end: end + (/^\n*/.exec(page.text.slice(end))?.[0].length ?? 0), text: "" };
    });
    visit(page.tree, "link", (link: Link) => {
      const url = framePath(file, link.url, pages);
      if (url === link.url) return;
      const start = link.position!.start.offset!;
      const source = page.text.slice(start, link.position!.end.offset!);
      const at = source.lastIndexOf(`](${link.url}`);
      if (at < 0) throw new Error(`${file}: cannot find the target of ${source}`);
      edits.push({ start: start + at + 2, end: start + at + 2 + link.url.length, text: url });
    });
    let text = page.text;
    for (const e of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
    const title = /^#\s+(.+)$/m.exec(text)?.[1]?.replaceAll("\\", "");
    // The page title names the reference, in the browser tab and in search results.
    out.set(file, title && file !== "index.md" ? `---\ntitle: ${JSON.stringify(`API: ${title}`)}\n---\n\n${text}` : text);
  }
  return out;
}

const app = await Application.bootstrapWithPlugins({
  entryPoints: ["src/engine/index.ts", "src/mm/index.ts", "src/virt/kvm/index.ts", "src/fs/userfaultfd.ts", "src/user/uffd_handler.ts", "src/user/postcopy.ts", "src/arch/x86/mm/fault.ts", "src/drivers/char/mem.ts", "src/include/errno.ts", "src/profiles/index.ts", "src/scenario/index.ts", "src/host/index.ts", "src/trace/index.ts", "src/cite/cite.ts", "src/format.ts"],
  tsconfig: "tsconfig.json",
  plugin: ["typedoc-plugin-markdown"],
  out: OUT,
  readme: "none",
  name: "faultline API",
  entryFileName: "index",
  outputFileStrategy: "modules",
  excludePrivate: true,
  excludeExternals: true,
  disableSources: true,
  hidePageHeader: true,
  hideBreadcrumbs: true,
  // Each linked heading gets `<a id>` with the anchor the plugin links to, so the rewrite below needs no copy of its slug rules.
  useHTMLAnchors: true,
  validation: { notExported: false },
} as Parameters<typeof Application.bootstrapWithPlugins>[0]);
const project = await app.convert();
if (!project) throw new Error("typedoc could not convert the sources");
await app.generateOutputs(project);
if (app.logger.hasErrors()) process.exit(1);

const files = readdirSync(OUT, { recursive: true }).map(String).filter((n) => n.endsWith(".md"));
const pages = new Map(files.map((f) => [f, readPage(readFileSync(join(OUT, f), "utf8"))]));
for (const [file, text] of rewrite(pages)) writeFileSync(join(OUT, file), text);
