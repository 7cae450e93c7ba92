// Exports one section of a notebook as plain text for a mail (72 columns),
// from remark's syntax tree: prose wrapped, shell snippets indented, links
// numbered, live cells replaced by a pointer to the page, and the data/
// scenarios the section names listed with the command that re-runs them.
import slugify from "@sindresorhus/slugify";
import { toString } from "mdast-util-to-string";
import type { Heading, List, PhrasingContent, Root, RootContent } from "mdast";
import { remark } from "remark";
import { wrapText } from "../../src/index.js";

/** Stands for a hard line break inside a paragraph while it is wrapped. */
const HARD_BREAK = "\u2028";

/** Width of exported text. */
export const EXPORT_WIDTH = 72;

/** Options of {@link exportSection}. */
export interface ExportOptions {
  /** URL of the notebook page (e.g. https://host/nowait); links and the live-cell pointer use it. */
  readonly pageUrl?: string;
  /** Scenario files in data/, to expand globs such as `data/*-mmap-lock*.json` into one command each. */
  readonly dataFiles?: readonly string[];
}

/** Files among `files` matching a data/ reference that may contain `*`. */
export function matchingScenarios(files: readonly string[], pattern: string): string[] {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  return files.filter((f) => re.test(f));
}

/** A notebook split into its front matter title and its syntax tree. */
function parse(markdown: string): { title: string; tree: Root } {
  const fm = /^---\n([\s\S]*?)\n---\n/.exec(markdown);
  const title = fm ? (/^title:\s*(.+)$/m.exec(fm[1]!)?.[1]?.trim() ?? "") : "";
  return { title, tree: remark().parse(fm ? markdown.slice(fm[0].length) : markdown) as Root };
}

/** Framework's `${...}` inline expressions show live values; in text they become a marker. */
function unlive(text: string): string {
  return text.replace(/\$\{[^}]*\}/g, "[live value]");
}

/** The anchor Framework gives a heading (it slugifies with the same library). */
export function headingSlug(text: string): string {
  return slugify(text);
}

/** Headings (depth 2) of a notebook, as they can be passed to {@link exportSection}. */
export function sectionHeadings(markdown: string): string[] {
  return parse(markdown).tree.children.filter((n): n is Heading => n.type === "heading" && n.depth === 2).map((h) => toString(h));
}

/**
 * Whether a notebook code block shows something: it calls display/view/resize,
 * or it is an expression (Framework displays a block's expression value).
 * Setup blocks (imports, declarations) do not.
 */
function isLive(code: string): boolean {
  if (/\b(display|view|resize)\(/.test(code)) return true;
  const first = code.split("\n").find((l) => l.trim() !== "" && !l.trim().startsWith("//")) ?? "";
  return !/^\s*(import|const|let|var|function|async function|class)\b/.test(first) && !/^\s*[\w.]+\(.*\);\s*$/.test(first);
}

class Renderer {
  readonly links: string[] = [];
  readonly scenarios = new Set<string>();
  live = 0;

  constructor(private readonly pageUrl: string | undefined) {}

  private link(url: string): number {
    const absolute = /^[a-z]+:/i.test(url) || !this.pageUrl ? url : new URL(url, this.pageUrl).href;
    const i = this.links.indexOf(absolute);
    return i >= 0 ? i + 1 : this.links.push(absolute);
  }

  inline(nodes: readonly PhrasingContent[]): string {
    return nodes
      .map((n) => {
        switch (n.type) {
          case "text":
          case "inlineCode": {
            for (const m of n.value.matchAll(/data\/[A-Za-z0-9*._-]+\.json/g)) this.scenarios.add(m[0]);
            return unlive(n.value).replace(/\n/g, " ");
          }
          case "link":
            return `${this.inline(n.children)} [${this.link(n.url)}]`;
          case "break":
            return HARD_BREAK;
          case "html":
            return "";
          default:
            return "children" in n ? this.inline(n.children as PhrasingContent[]) : "";
        }
      })
      .join("");
  }

  block(node: RootContent, indent = ""): string[] {
    switch (node.type) {
      case "heading": {
        const text = this.inline(node.children);
        return [text, (node.depth <= 2 ? "=" : "-").repeat(Math.min(text.length, EXPORT_WIDTH)), ""];
      }
      case "paragraph": {
        const text = this.inline(node.children);
        return [...text.split(HARD_BREAK).flatMap((l) => wrapText(l, EXPORT_WIDTH - indent.length).map((w) => indent + w)), ""];
      }
      case "list":
        return [...this.list(node, indent), ""];
      case "blockquote":
        return node.children.flatMap((c) => this.block(c, `${indent}> `));
      case "code":
        if (node.lang === "js" || node.lang === "ts") {
          if (isLive(node.value)) this.live++;
          return [];
        }
        return [...node.value.split("\n").map((l) => `${indent}    ${l}`), ""];
      case "html":
        if (/\$\{/.test(node.value)) this.live++;
        return [];
      case "thematicBreak":
        return [`${indent}---`, ""];
      default:
        return "children" in node ? (node.children as RootContent[]).flatMap((c) => this.block(c, indent)) : [];
    }
  }

  private list(list: List, indent: string): string[] {
    return list.children.flatMap((item, i) => {
      const bullet = list.ordered ? `${(list.start ?? 1) + i}. ` : "- ";
      const hang = indent + " ".repeat(bullet.length);
      const lines = item.children.flatMap((c) => this.block(c, hang)).filter((l, j, all) => l !== "" || j < all.length - 1);
      if (lines.length > 0) lines[0] = indent + bullet + lines[0]!.slice(hang.length);
      return lines;
    });
  }
}

/**
 * The section of `markdown` under the depth-2 heading `heading` (its text or
 * its anchor slug, case-insensitive), as plain text. Throws, listing the
 * headings there are, when no section matches.
 */
export function exportSection(markdown: string, heading: string, options: ExportOptions = {}): string {
  const { title, tree } = parse(markdown);
  const nodes = tree.children;
  const want = heading.trim().toLowerCase();
  const start = nodes.findIndex((n) => n.type === "heading" && n.depth === 2 && (toString(n).toLowerCase() === want || headingSlug(toString(n)) === want));
  if (start < 0) throw new Error(`no section "${heading}"; the sections are:\n${sectionHeadings(markdown).map((h) => `  ${h}`).join("\n")}`);
  const end = nodes.findIndex((n, i) => i > start && n.type === "heading" && n.depth <= 2);
  const section = nodes.slice(start, end < 0 ? undefined : end);
  const r = new Renderer(options.pageUrl);
  const body = section.flatMap((n) => r.block(n));
  const slug = headingSlug(toString(nodes[start]!));
  const scenarios = [...r.scenarios].flatMap((ref) => (ref.includes("*") && options.dataFiles ? matchingScenarios(options.dataFiles, ref.slice("data/".length)).map((f) => `data/${f}`) : [ref]));
  const where = options.pageUrl ? `${options.pageUrl}#${slug}` : `the "${title}" notebook, section "${toString(nodes[start]!)}"`;
  const footer = [
    ...wrapText(`From the faultline notebook "${title}".${r.live > 0 ? ` The section's ${r.live === 1 ? "live cell is" : `${r.live} live cells are`} not in this text (charts, tables, inputs)${options.pageUrl ? ":" : `; see ${where}.`}` : ""}`, EXPORT_WIDTH),
    ...(r.live > 0 && options.pageUrl ? [where] : []),
    ...(scenarios.length > 0 ? ["", "Scenarios named here; re-run any of them with", ...scenarios.map((s) => `  npx faultline run ${s}`)] : []),
    ...(r.links.length > 0 ? ["", ...r.links.map((l, i) => `[${i + 1}] ${l}`)] : []),
  ];
  while (body.at(-1) === "") body.pop();
  return [...body, "", "-- ", ...footer].join("\n") + "\n";
}
